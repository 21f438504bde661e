// `maillab lint`: what makes a lesson teach badly or not load. A question's answer given away by the title or
// the setting, or by narration or a checkpoint shown before its reveal point, a reveal point that never
// happens, and what the loader and the schema reject (unknown field names too), each with the file and
// line:column. A warning (a correct choice much longer than the others) is worth a look but fails nothing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::scenario {

struct LintFinding {
    std::string file;
    int line = 0; // 1-based; 0 when the place is not known
    int column = 0;
    std::string message;
    bool warning = false;
    std::string text() const; // "file:line:column: message", or "file:line:column: warning: message"
};

// mailDir: where a lesson's message files live (empty: assets/mail).
std::vector<LintFinding> lintLessonText(std::string_view json, const std::string& sourceName,
                                        const std::filesystem::path& mailDir = {});
std::vector<LintFinding> lintLesson(const std::filesystem::path& file);

// Where `answer` (a choice's text, or the number it starts with: "3" of "3 messages", also written "three")
// appears in `text` as a whole word, case-insensitively; npos when it does not. otherChoices share no key.
size_t findAnswer(std::string_view text, std::string_view answer,
                  const std::vector<std::string>& otherChoices);

} // namespace maillab::scenario
