// Coursework handed in: a student's answers file (docs/answers.schema.json), checked against the lesson it
// answers, and the hand-in folder that `maillab run FILE --answers A.json --hand-in DIR` and the dashboard's
// Lesson > Hand in write: the answers and whether each was right, the checkpoint results, the transcript and
// the capture of one run.
#pragma once

#include "scenario/simulation.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace maillab::exporter {

struct StudentAnswer {
    size_t step = 0;   // the lesson step's number as the handouts print it: 1 for the first
    size_t choice = 0; // the chosen choice's index, counting from 0 (a) is 0), as the lesson's "answer"
};

struct StudentAnswers {
    std::string name;
    std::string date;   // YYYY-MM-DD
    std::string lesson; // the lesson file's name, without folders ("15-pop3-keep-mode.json")
    std::vector<StudentAnswer> answers;
};

// Reads an answers file and checks it against the lesson: every entry names a step with a question and one of
// its choices, once. On failure, "FILE: WHERE: what" (WHERE is "line L, column C" for JSON syntax, else the
// field, as "answers[2].choice").
std::variant<StudentAnswers, std::string> loadAnswers(const std::filesystem::path& file,
                                                      const scenario::Scenario& lesson);
std::variant<StudentAnswers, std::string> parseAnswers(std::string_view json, const std::string& sourceName,
                                                       const scenario::Scenario& lesson);
// The answers file's JSON (what loadAnswers reads back).
std::string answersJson(const StudentAnswers& answers);

// The folder a hand-in goes to inside `parent`: the student's name with anything unsafe in a file name (path
// separators, spaces, control bytes, a leading dot) turned into '-'.
std::string handInFolderName(std::string_view studentName);

// The files of a hand-in folder.
inline constexpr const char* kHandInAnswers = "answers.json"; // the student's answers, as loaded
inline constexpr const char* kHandInResults = "results.json"; // docs/hand-in.schema.json
inline constexpr const char* kHandInSummary = "results.txt";  // the same, for people
inline constexpr const char* kHandInCapture = "transcript.pcapng";

// Writes parent/handInFolderName(name)/: answers.json, results.json and results.txt (each answer and whether
// it was right, the checkpoint results), transcript.html, .txt, .json and .pcapng (with transcript.keys when
// a session used TLS) from `simulation`, a run of `lesson`, and lesson.json (the lesson file). Returns the
// folder written, or what went wrong.
std::variant<std::filesystem::path, std::string> writeHandIn(const scenario::Simulation& simulation,
                                                             const scenario::Scenario& lesson,
                                                             const StudentAnswers& answers,
                                                             const std::filesystem::path& parent);

} // namespace maillab::exporter
