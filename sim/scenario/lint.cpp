#include "scenario/lint.hpp"

#include "scenario/question.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace maillab::scenario {

namespace {

// Where each value of a JSON text starts, by path ("steps[2].question.answer"), so a finding can name a line
// and column: nlohmann's DOM keeps no positions. Only ever run on text nlohmann has parsed, so it does not
// check the grammar.
class Locator {
public:
    explicit Locator(std::string_view text) : m_text(text) { value(""); }
    const std::map<std::string, size_t>& offsets() const { return m_offsets; }
    const std::map<std::string, size_t>& keys() const { return m_keys; }

private:
    void skipSpace()
    {
        while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at])))
            ++m_at;
    }
    std::string string()
    {
        std::string out;
        ++m_at; // the opening quote
        while (m_at < m_text.size() && m_text[m_at] != '"') {
            if (m_text[m_at] == '\\') ++m_at; // an escape: only keys matter here, and they are plain
            if (m_at < m_text.size()) out += m_text[m_at++];
        }
        ++m_at;
        return out;
    }
    void value(const std::string& path)
    {
        skipSpace();
        if (m_at >= m_text.size()) return;
        m_offsets.emplace(path, m_at);
        const char c = m_text[m_at];
        if (c == '{') {
            ++m_at;
            for (skipSpace(); m_at < m_text.size() && m_text[m_at] != '}'; skipSpace()) {
                if (m_text[m_at] == ',') {
                    ++m_at;
                    continue;
                }
                const size_t keyAt = m_at;
                const std::string key = string();
                const std::string at = path.empty() ? key : path + "." + key;
                m_keys.emplace(at, keyAt);
                skipSpace();
                ++m_at; // ':'
                value(at);
            }
            ++m_at;
        } else if (c == '[') {
            ++m_at;
            size_t index = 0;
            for (skipSpace(); m_at < m_text.size() && m_text[m_at] != ']'; skipSpace()) {
                if (m_text[m_at] == ',') {
                    ++m_at;
                    continue;
                }
                value(path + "[" + std::to_string(index++) + "]");
            }
            ++m_at;
        } else if (c == '"') {
            string();
        } else {
            while (m_at < m_text.size() && !std::strchr(",]} \t\r\n", m_text[m_at]))
                ++m_at;
        }
    }

    std::string_view m_text;
    size_t m_at = 0;
    std::map<std::string, size_t> m_offsets;
    std::map<std::string, size_t> m_keys;
};

struct Position {
    int line = 0;
    int column = 0;
};

Position positionOf(std::string_view text, size_t offset)
{
    Position p{1, 1};
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

class Reporter {
public:
    Reporter(std::string_view text, std::string source)
        : m_text(text), m_source(std::move(source)), m_where(text)
    {
    }
    // path: the loader's way ("step 3.question") or the locator's ("steps[2].question"); the longest part
    // of it that the locator knows gives the position.
    void add(std::string path, const std::string& message) { add(std::move(path), message, false); }
    void warn(std::string path, const std::string& message) { add(std::move(path), message, true); }
    void add(std::string path, const std::string& message, bool warning)
    {
        if (path.starts_with("step ")) {
            size_t end = path.find_first_not_of("0123456789", 5);
            const int number = std::atoi(path.substr(5, end - 5).c_str());
            path = "steps[" + std::to_string(number - 1) + "]" +
                   (end == std::string::npos ? "" : path.substr(end));
        }
        if (path == "top level") path.clear();
        const auto& offsets = m_where.offsets();
        for (std::string at = path;;
             at = at.substr(0, at.find_last_of(".[") == std::string::npos ? 0 : at.find_last_of(".["))) {
            if (auto it = offsets.find(at); it != offsets.end()) {
                Position p = positionOf(m_text, it->second);
                m_findings.push_back({m_source, p.line, p.column, message, warning});
                return;
            }
            if (at.empty()) break;
        }
        m_findings.push_back({m_source, 0, 0, message, warning});
    }
    // At the field's name rather than its value (an unknown field).
    void addAtKey(const std::string& path, const std::string& message)
    {
        if (auto it = m_where.keys().find(path); it != m_where.keys().end()) {
            Position p = positionOf(m_text, it->second);
            m_findings.push_back({m_source, p.line, p.column, message});
        } else {
            add(path, message);
        }
    }
    std::vector<LintFinding>& findings() { return m_findings; }

private:
    std::string_view m_text;
    std::string m_source;
    Locator m_where;
    std::vector<LintFinding> m_findings;
};

// The field names lesson.schema.json allows, by the kind of object (the loader ignores unknown ones).
const std::map<std::string, std::set<std::string>>& knownFields()
{
    static const std::map<std::string, std::set<std::string>> fields = {
        {"top", {"$schema", "title", "setting", "description", "accounts", "devices", "server", "steps"}},
        {"account", {"user", "password", "mail"}},
        {"device",
         {"name", "kind", "protocol", "mode", "user", "password", "auth", "remove_after_days", "security"}},
        {"server", {"tls_available", "login_requires_tls"}},
        {"step", {"action",  "narration", "question", "checkpoint", "device", "line", "fault",  "to",
                  "folder",  "message",   "from",     "subject",    "body",   "days", "hours",  "minutes",
                  "seconds", "user",      "new_name", "flag",       "query",  "key",  "expunge"}},
        {"fault", {"drop_before"}},
        {"question", {"prompt", "choices", "answer", "explanation", "reveal"}},
        {"reveal", {"after reply to", "device"}},
        {"checkpoint", {"description", "claims"}},
        {"claim", {"claim", "user", "folder", "device", "text", "equals"}},
    };
    return fields;
}

void checkFields(const nlohmann::json& object, const std::string& kind, const std::string& path,
                 Reporter& report)
{
    if (!object.is_object()) return;
    const std::set<std::string>& known = knownFields().at(kind);
    for (const auto& [key, value] : object.items()) {
        const std::string at = path.empty() ? key : path + "." + key;
        if (!known.contains(key)) {
            report.addAtKey(at, "unknown field \"" + key + "\" (the loader ignores it: misspelt?)");
            continue;
        }
        if (key == "server") checkFields(value, "server", at, report);
        if (key == "fault") checkFields(value, "fault", at, report);
        if (key == "question") {
            checkFields(value, "question", at, report);
            if (value.is_object() && value.contains("reveal"))
                checkFields(value["reveal"], "reveal", at + ".reveal", report);
        }
        if (key == "checkpoint") {
            checkFields(value, "checkpoint", at, report);
            if (value.is_object() && value.contains("claims") && value["claims"].is_array())
                for (size_t i = 0; i < value["claims"].size(); ++i)
                    checkFields(value["claims"][i], "claim", at + ".claims[" + std::to_string(i) + "]",
                                report);
        }
        const std::map<std::string, std::string> lists = {
            {"accounts", "account"}, {"devices", "device"}, {"steps", "step"}};
        if (auto list = lists.find(key); list != lists.end() && path.empty() && value.is_array())
            for (size_t i = 0; i < value.size(); ++i)
                checkFields(value[i], list->second, key + "[" + std::to_string(i) + "]", report);
    }
}

bool wordChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

size_t findWord(std::string_view text, std::string_view word)
{
    if (word.empty()) return std::string_view::npos;
    const std::string haystack = util::toLower(text);
    const std::string needle = util::toLower(word);
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
        const bool startsClean = at == 0 || !wordChar(haystack[at - 1]) || !wordChar(needle.front());
        const size_t end = at + needle.size();
        const bool endsClean = end >= haystack.size() || !wordChar(haystack[end]) || !wordChar(needle.back());
        // "1" in "1.5" or "section 4.2" is another number.
        const bool partOfNumber = std::isdigit(static_cast<unsigned char>(needle.back())) &&
                                  end + 1 < haystack.size() && haystack[end] == '.' &&
                                  std::isdigit(static_cast<unsigned char>(haystack[end + 1]));
        if (startsClean && endsClean && !partOfNumber) return at;
    }
    return std::string_view::npos;
}

// The number a choice starts with ("3 messages", "1"), or empty.
std::string keyNumber(std::string_view choice)
{
    size_t end = 0;
    while (end < choice.size() && std::isdigit(static_cast<unsigned char>(choice[end])))
        ++end;
    if (end == 0 || (end < choice.size() && wordChar(choice[end]))) return {};
    return std::string(choice.substr(0, end));
}

// The part of a choice before ": ", or the whole choice.
std::string choiceHead(std::string_view choice)
{
    return std::string(choice.substr(0, choice.find(": ")));
}

const char* numberWord(const std::string& digits)
{
    static const char* words[] = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                  "seven", "eight", "nine", "ten",   "eleven", "twelve"};
    if (digits.empty() || digits.size() > 2) return nullptr;
    const int n = std::stoi(digits);
    return n <= 12 ? words[n] : nullptr;
}

} // namespace

std::string LintFinding::text() const
{
    const std::string what = (warning ? "warning: " : "") + message;
    if (line == 0) return file + ": " + what;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what;
}

size_t findAnswer(std::string_view text, std::string_view answer,
                  const std::vector<std::string>& otherChoices)
{
    if (size_t at = findWord(text, answer); at != std::string_view::npos) return at;
    // "-ERR [IN-USE]: another session has the maildrop": what comes before the colon is the answer's gist,
    // unless another choice starts the same way.
    if (const std::string head = choiceHead(answer); !head.empty() && head != answer) {
        const bool shared =
            std::any_of(otherChoices.begin(), otherChoices.end(), [&](const std::string& other) {
                return util::toLower(choiceHead(other)) == util::toLower(head);
            });
        if (!shared)
            if (size_t at = findWord(text, head); at != std::string_view::npos) return at;
    }
    const std::string key = keyNumber(answer);
    if (key.empty()) return std::string_view::npos;
    for (const std::string& other : otherChoices)
        if (keyNumber(other) == key) return std::string_view::npos; // the number tells no choice apart
    if (size_t at = findWord(text, key); at != std::string_view::npos) return at;
    if (const char* word = numberWord(key)) return findWord(text, word);
    return std::string_view::npos;
}

std::vector<LintFinding> lintLessonText(std::string_view text, const std::string& sourceName,
                                        const std::filesystem::path& mailDir)
{
    nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    auto parsed = parseScenario(text, sourceName);
    if (auto* error = std::get_if<LoadError>(&parsed)) {
        // The loader's message: "source: where: what", or for text that is not JSON nlohmann's words, which
        // hold "at line L, column C".
        const std::string rest =
            error->message.substr(std::min(error->message.size(), sourceName.size() + 2));
        if (document.is_discarded()) {
            LintFinding finding{sourceName, 0, 0, rest};
            if (size_t at = rest.find("at line "); at != std::string::npos)
                std::sscanf(rest.c_str() + at, "at line %d, column %d", &finding.line, &finding.column);
            return {finding};
        }
        Reporter report(text, sourceName);
        const size_t colon = rest.find(": ");
        report.add(colon == std::string::npos ? "" : rest.substr(0, colon), rest);
        return std::move(report.findings());
    }
    Reporter report(text, sourceName);
    checkFields(document, "top", "", report);
    Scenario lesson = std::get<Scenario>(std::move(parsed));
    const std::filesystem::path mail = mailDir.empty() ? util::assetsDir() / "mail" : mailDir;
    if (auto missing = checkMessageFiles(lesson, mail, sourceName)) {
        std::string rest = missing->message.substr(std::min(missing->message.size(), sourceName.size() + 2));
        report.add(rest.substr(0, rest.find(": ")), rest);
        return std::move(report.findings());
    }
    const std::vector<Action> actions = lesson.actions;
    const std::string title = lesson.title;
    const std::string setting = lesson.setting;
    Simulation simulation(std::move(lesson), mail);
    simulation.run();
    for (const Reveal& reveal : reveals(simulation)) {
        const Question& question = *actions[reveal.action].question;
        const std::string at = "steps[" + std::to_string(reveal.action) + "]";
        if (!reveal.revealed()) {
            report.add(at + ".question.reveal",
                       "step " + std::to_string(reveal.action + 1) +
                           ": the reveal point never happens when the lesson runs (" +
                           describeRevealPoint(question) + ")");
        }
        // Narration shown before the reveal: earlier steps', the question's own, and any up to the step
        // that holds the reveal point (its narration comes before its lines).
        const size_t lastShown = reveal.revealed() ? simulation.actionOfStep(reveal.step) : reveal.action;
        std::vector<std::string> others;
        for (size_t i = 0; i < question.choices.size(); ++i)
            if (i != question.answer) others.push_back(question.choices[i]);
        const std::string& answer = question.choices[question.answer];
        // The setting opens the lesson, so every question is asked after it; the title stays on screen (menu
        // bar, lesson chooser) through every question.
        for (const auto& [field, text] : {std::pair{"title", &title}, std::pair{"setting", &setting}})
            if (findAnswer(*text, answer, others) != std::string_view::npos)
                report.add(field, std::string("the ") + field + " gives away the answer \"" + answer +
                                      "\" to step " + std::to_string(reveal.action + 1) +
                                      "'s question: it is shown before every question");
        // The one long, careful choice among short ones is the right one: a student can tell without
        // thinking about the protocol.
        size_t nextLongest = 0;
        for (const std::string& other : others)
            nextLongest = std::max(nextLongest, other.size());
        if (!others.empty() && answer.size() * 2 > nextLongest * 3)
            report.warn(at + ".question.choices[" + std::to_string(question.answer) + "]",
                        "step " + std::to_string(reveal.action + 1) + ": the correct choice (" +
                            std::to_string(answer.size()) +
                            " characters) is over 1.5 times as long as any "
                            "other (" +
                            std::to_string(nextLongest) + "): its length gives it away");
        for (size_t i = 0; i <= lastShown && i < actions.size(); ++i) {
            if (findAnswer(actions[i].narration, answer, others) == std::string_view::npos) continue;
            report.add("steps[" + std::to_string(i) + "].narration",
                       "step " + std::to_string(i + 1) + "'s narration gives away the answer \"" + answer +
                           "\" to step " + std::to_string(reveal.action + 1) +
                           "'s question before its reveal point (" + describeRevealPoint(question) + ")");
        }
        // A checkpoint is shown when its step has finished: those of the steps before the reveal point's.
        for (size_t i = 0; i < lastShown && i < actions.size(); ++i) {
            if (!actions[i].checkpoint ||
                findAnswer(actions[i].checkpoint->description, answer, others) == std::string_view::npos)
                continue;
            report.add("steps[" + std::to_string(i) + "].checkpoint.description",
                       "step " + std::to_string(i + 1) + "'s checkpoint gives away the answer \"" + answer +
                           "\" to step " + std::to_string(reveal.action + 1) +
                           "'s question before its reveal point (" + describeRevealPoint(question) + ")");
        }
    }
    return std::move(report.findings());
}

std::vector<LintFinding> lintLesson(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) return {{file.string(), 0, 0, "cannot open the file"}};
    std::ostringstream text;
    text << in.rdbuf();
    return lintLessonText(text.str(), file.string());
}

} // namespace maillab::scenario
