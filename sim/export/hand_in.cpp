// The answers file, grading it against the lesson, and the hand-in folder.
#include "export/hand_in.hpp"

#include "export/export.hpp"

#include <nlohmann/json.hpp>
#include <system_error>

namespace maillab::exporter {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kAnswersFormat = "maillab-answers";
constexpr const char* kHandInFormat = "maillab-hand-in";

struct Problem {
    std::string where;
    std::string what;
};

const Json& field(const Json& object, const char* key, const std::string& where)
{
    auto it = object.find(key);
    if (it == object.end()) throw Problem{where, std::string("missing \"") + key + "\""};
    return *it;
}

std::string stringField(const Json& object, const char* key, const std::string& where)
{
    const Json& value = field(object, key, where);
    if (!value.is_string()) throw Problem{where + "." + key, "expected a string"};
    return value.get<std::string>();
}

size_t countField(const Json& object, const char* key, const std::string& where)
{
    const Json& value = field(object, key, where);
    if (!value.is_number_integer() || value.get<int64_t>() < 0)
        throw Problem{where + "." + key, "expected a whole number, 0 or more"};
    return value.get<size_t>();
}

bool isDate(std::string_view text)
{
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (text[i] < '0' || text[i] > '9') return false;
    const int month = (text[5] - '0') * 10 + (text[6] - '0');
    const int day = (text[8] - '0') * 10 + (text[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string sourceName(const scenario::Scenario& lesson)
{
    return lesson.source.filename().string();
}

std::string choiceText(const scenario::Question& q, size_t choice)
{
    return std::string(1, static_cast<char>('a' + choice)) + ") " + q.choices[choice];
}

const StudentAnswer* answerFor(const StudentAnswers& answers, size_t step)
{
    for (const StudentAnswer& a : answers.answers)
        if (a.step == step) return &a;
    return nullptr;
}

// [SECTION] grading

struct Graded {
    Json results;
    std::string summary;
};

Graded grade(const scenario::Simulation& simulation, const scenario::Scenario& lesson,
             const StudentAnswers& answers)
{
    Graded out;
    Json questions = Json::array();
    size_t asked = 0, answered = 0, right = 0;
    std::string lines;
    for (size_t i = 0; i < lesson.actions.size(); ++i) {
        const auto& q = lesson.actions[i].question;
        if (!q) continue;
        ++asked;
        Json choices = Json::array();
        for (const std::string& choice : q->choices)
            choices.push_back(choice);
        Json question = {{"step", i + 1}, {"prompt", q->prompt}, {"choices", std::move(choices)}};
        const StudentAnswer* chosen = answerFor(answers, i + 1);
        question["chosen"] = chosen ? Json(chosen->choice) : Json(nullptr);
        question["answer"] = q->answer;
        question["right"] = chosen ? Json(chosen->choice == q->answer) : Json(nullptr);
        question["explanation"] = q->explanation;
        questions.push_back(std::move(question));
        answered += chosen ? 1 : 0;
        right += chosen && chosen->choice == q->answer ? 1 : 0;
        lines += "Step " + std::to_string(i + 1) + ": " + q->prompt +
                 "\n  chosen: " + (chosen ? choiceText(*q, chosen->choice) : std::string("(no answer)")) +
                 "\n  " +
                 (!chosen                       ? "answer: "
                  : chosen->choice == q->answer ? "right: "
                                                : "wrong; the answer: ") +
                 choiceText(*q, q->answer) + ". " + q->explanation + "\n";
    }
    Json checkpoints = Json::array();
    std::string checkpointLines;
    for (size_t i = 0; i < lesson.actions.size(); ++i) {
        const auto& checkpoint = lesson.actions[i].checkpoint;
        if (!checkpoint) continue;
        Json entry = {{"step", i + 1}, {"description", checkpoint->description}, {"result", "not reached"}};
        Json failures = Json::array();
        for (const scenario::CheckpointResult& r : simulation.checkpointResults()) {
            if (r.action != i) continue;
            entry["result"] = r.passed() ? "holds" : "fails";
            for (const std::string& failure : r.failures)
                failures.push_back(failure);
        }
        checkpointLines += "Step " + std::to_string(i + 1) + ": " + checkpoint->description + ": " +
                           entry["result"].get<std::string>() + "\n";
        for (const Json& failure : failures)
            checkpointLines += "  " + failure.get<std::string>() + "\n";
        entry["failures"] = std::move(failures);
        checkpoints.push_back(std::move(entry));
    }
    out.results = {{"format", kHandInFormat},
                   {"version", 1},
                   {"name", answers.name},
                   {"date", answers.date},
                   {"lesson", {{"title", lesson.title}, {"source", sourceName(lesson)}}},
                   {"finished", simulation.finished()},
                   {"score", {{"right", right}, {"answered", answered}, {"questions", asked}}},
                   {"questions", std::move(questions)},
                   {"checkpoints", std::move(checkpoints)}};
    out.summary = "Hand-in: " + answers.name + ", " + answers.date + "\nLesson: " + lesson.title + " (" +
                  sourceName(lesson) + ")" + (simulation.finished() ? "" : ", stopped before its end") +
                  "\nRight: " + std::to_string(right) + " of " + std::to_string(asked) + " questions (" +
                  std::to_string(answered) + " answered)\n\n" + lines;
    if (!checkpointLines.empty()) out.summary += "\nCheckpoints\n" + checkpointLines;
    return out;
}

} // namespace

// [SECTION] the answers file

std::variant<StudentAnswers, std::string> parseAnswers(std::string_view text, const std::string& source,
                                                       const scenario::Scenario& lesson)
{
    Json document;
    try {
        document = Json::parse(text);
    } catch (const Json::exception& e) {
        // nlohmann's message names line and column; keep that part.
        std::string what = e.what();
        const size_t at = what.find("parse error");
        return source + ": " + (at == std::string::npos ? what : what.substr(at));
    }
    try {
        if (!document.is_object()) throw Problem{"top level", "expected an object"};
        if (stringField(document, "format", "top level") != kAnswersFormat)
            throw Problem{"format", std::string("expected \"") + kAnswersFormat + "\""};
        if (countField(document, "version", "top level") != 1) throw Problem{"version", "expected 1"};
        StudentAnswers out;
        out.name = stringField(document, "name", "top level");
        if (out.name.find_first_not_of(" \t") == std::string::npos)
            throw Problem{"name", "the name is empty"};
        out.date = stringField(document, "date", "top level");
        if (!isDate(out.date))
            throw Problem{"date", "expected a date as YYYY-MM-DD, got \"" + out.date + "\""};
        out.lesson = stringField(document, "lesson", "top level");
        if (out.lesson != sourceName(lesson))
            throw Problem{"lesson", "these answers are for \"" + out.lesson + "\", not for \"" +
                                        sourceName(lesson) + "\""};
        const Json& list = field(document, "answers", "top level");
        if (!list.is_array()) throw Problem{"answers", "expected a list"};
        for (size_t i = 0; i < list.size(); ++i) {
            const std::string where = "answers[" + std::to_string(i) + "]";
            if (!list[i].is_object()) throw Problem{where, "expected an object with \"step\" and \"choice\""};
            StudentAnswer answer{countField(list[i], "step", where), countField(list[i], "choice", where)};
            if (answer.step == 0 || answer.step > lesson.actions.size())
                throw Problem{where + ".step",
                              "the lesson has steps 1 to " + std::to_string(lesson.actions.size())};
            const auto& q = lesson.actions[answer.step - 1].question;
            if (!q)
                throw Problem{where + ".step", "step " + std::to_string(answer.step) + " asks no question"};
            if (answer.choice >= q->choices.size())
                throw Problem{where + ".choice", "step " + std::to_string(answer.step) +
                                                     " has choices 0 to " +
                                                     std::to_string(q->choices.size() - 1)};
            if (answerFor(out, answer.step))
                throw Problem{where + ".step", "a second answer for step " + std::to_string(answer.step)};
            out.answers.push_back(answer);
        }
        return out;
    } catch (const Problem& p) {
        return source + ": " + p.where + ": " + p.what;
    }
}

std::variant<StudentAnswers, std::string> loadAnswers(const std::filesystem::path& file,
                                                      const scenario::Scenario& lesson)
{
    std::string text;
    if (std::string error = readFile(file, text); !error.empty()) return error;
    return parseAnswers(text, file.string(), lesson);
}

std::string answersJson(const StudentAnswers& answers)
{
    Json list = Json::array();
    for (const StudentAnswer& a : answers.answers)
        list.push_back({{"step", a.step}, {"choice", a.choice}});
    Json document = {{"format", kAnswersFormat}, {"version", 1},
                     {"name", answers.name},     {"date", answers.date},
                     {"lesson", answers.lesson}, {"answers", std::move(list)}};
    return document.dump(2) + "\n";
}

// [SECTION] the hand-in folder

std::string handInFolderName(std::string_view name)
{
    std::string out;
    for (char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        const bool keep = byte >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (keep)
            out += c;
        else if (out.empty() || out.back() != '-')
            out += '-';
    }
    while (!out.empty() && (out.front() == '.' || out.front() == '-'))
        out.erase(out.begin());
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? "student" : out;
}

std::variant<std::filesystem::path, std::string> writeHandIn(const scenario::Simulation& simulation,
                                                             const scenario::Scenario& lesson,
                                                             const StudentAnswers& answers,
                                                             const std::filesystem::path& parent)
{
    std::string lessonBytes;
    if (lesson.source.empty())
        return std::string("the lesson was not loaded from a file, so it cannot be handed in");
    if (std::string error = readFile(lesson.source, lessonBytes); !error.empty()) return error;
    const std::filesystem::path folder = parent / handInFolderName(answers.name);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return "cannot create " + folder.string() + ": " + ec.message();

    const Graded graded = grade(simulation, lesson, answers);
    const std::pair<const char*, std::string> files[] = {
        {kHandInAnswers, answersJson(answers)},  {kHandInResults, graded.results.dump(2) + "\n"},
        {kHandInSummary, graded.summary},        {kBundleHtml, exportHtml(simulation)},
        {kBundleText, exportText(simulation)},   {kBundleJson, exportJson(simulation)},
        {kBundleLesson, std::move(lessonBytes)},
    };
    for (const auto& [name, bytes] : files)
        if (std::string error = writeFile(folder / name, bytes); !error.empty()) return error;
    std::filesystem::remove(folder / kBundleKeyLog, ec); // a key log from an earlier hand-in must not stay
    // The capture and its key log together, from this one run.
    if (std::string error = write(Format::Pcapng, simulation, folder / kHandInCapture); !error.empty())
        return error;
    return folder;
}

} // namespace maillab::exporter
