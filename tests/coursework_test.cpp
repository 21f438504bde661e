// Coursework from sim/export: the worksheet gives nothing away, the key holds every answer, each answer in
// the handouts comes after the exchange that settles it, a student's answers file loads with clear errors,
// and a hand-in folder round-trips. The JSON Schemas are checked against these files in tests/e2e/hand_in.sh.
#include "export/export.hpp"
#include "export/hand_in.hpp"
#include "export/lesson_view.hpp"
#include "scenario/question.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace maillab::test {
namespace {

using scenario::Simulation;

size_t count(std::string_view haystack, std::string_view needle)
{
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

// A run of plain words from a text (no characters that html or md would escape), long enough to be its own.
std::string plainFragment(const std::string& text)
{
    size_t best = 0, bestLength = 0, start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        const bool plain =
            i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == ' ');
        if (plain) continue;
        if (i - start > bestLength) {
            best = start;
            bestLength = i - start;
        }
        start = i + 1;
    }
    return bestLength >= 16 ? text.substr(best, std::min<size_t>(bestLength, 40)) : std::string();
}

// [SECTION] worksheet and key

TEST(Worksheet, MarksNoChoiceCorrectAndHoldsNoExplanation)
{
    for (const std::filesystem::path& file : shippedLessons()) {
        SCOPED_TRACE(file.filename().string());
        auto loaded = scenario::loadScenario(file);
        ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
        const scenario::Scenario& lesson = std::get<scenario::Scenario>(loaded);
        const std::string html = exporter::exportWorksheetHtml(lesson);
        const std::string md = exporter::exportWorksheetMarkdown(lesson);
        size_t choices = 0;
        for (const exporter::AskedQuestion& q : exporter::askedQuestions(lesson)) {
            choices += q.question->choices.size();
            const std::string fragment = plainFragment(q.question->explanation);
            if (fragment.empty()) continue;
            EXPECT_EQ(html.find(fragment), std::string::npos) << "html gives the explanation: " << fragment;
            EXPECT_EQ(md.find(fragment), std::string::npos) << "md gives the explanation: " << fragment;
        }
        // Every choice looks the same: one empty box each, none ticked, bold or set apart.
        EXPECT_EQ(count(html, "<li><span class=\"box\">"), choices);
        EXPECT_EQ(count(html, "<li"), choices);
        EXPECT_EQ(count(md, "\n- [ ] "), choices);
        EXPECT_EQ(count(md, "\n- "), choices);
        for (const std::string& page : {html, md}) {
            EXPECT_EQ(page.find("✓"), std::string::npos);
            EXPECT_EQ(page.find("Answer"), std::string::npos);
            EXPECT_EQ(page.find("class=\"right\""), std::string::npos);
            EXPECT_EQ(page.find("class=\"answer\""), std::string::npos);
            EXPECT_NE(page.find("Name"), std::string::npos);
            EXPECT_NE(page.find("Date"), std::string::npos);
            EXPECT_NE(page.find("My prediction, and why"), std::string::npos);
        }
        EXPECT_NE(html.find("@media print"), std::string::npos);
    }
}

// A student reads the worksheet and the handout's top before the steps: they open with the setting, never the
// description, which tells how the lesson ends; the handout keeps that for its last section.
TEST(Worksheet, OpensWithTheSettingNotTheDescription)
{
    for (const std::filesystem::path& file : shippedLessons()) {
        SCOPED_TRACE(file.filename().string());
        auto simulation = runLessonFile(file);
        ASSERT_TRUE(simulation);
        const scenario::Scenario& lesson = simulation->scenario();
        const std::string setting = plainFragment(lesson.setting);
        // A part of the description that the setting does not share (both may name the same devices).
        std::string description = plainFragment(lesson.description);
        for (std::string rest = lesson.description;
             !description.empty() && lesson.setting.find(description) != std::string::npos;) {
            rest = rest.substr(rest.find(description) + description.size());
            description = plainFragment(rest);
        }
        ASSERT_FALSE(setting.empty());
        ASSERT_FALSE(description.empty());
        const std::string handoutMd = exporter::exportMarkdown(*simulation);
        const std::string handoutHtml = exporter::exportHtml(*simulation);
        for (const std::string& page :
             {exporter::exportWorksheetHtml(lesson), exporter::exportWorksheetMarkdown(lesson)}) {
            EXPECT_NE(page.find(setting), std::string::npos);
            EXPECT_EQ(page.find(description), std::string::npos) << description;
        }
        EXPECT_LT(handoutMd.find(setting), handoutMd.find("## Devices"));
        EXPECT_LT(handoutHtml.find(setting), handoutHtml.find("<h2>Devices</h2>"));
        const size_t showedMd = handoutMd.find("\n## What this lesson showed\n");
        const size_t showedHtml = handoutHtml.find("<h2>What this lesson showed</h2>");
        ASSERT_NE(showedMd, std::string::npos);
        ASSERT_NE(showedHtml, std::string::npos);
        EXPECT_GT(showedMd, handoutMd.rfind("\n## ", showedMd - 1)) << "not the last section";
        EXPECT_EQ(handoutMd.find("\n## ", showedMd + 1), std::string::npos) << "not the last section";
        EXPECT_EQ(handoutHtml.find("<h2>", showedHtml + 1), std::string::npos) << "not the last section";
        EXPECT_GT(handoutMd.find(description), showedMd);
        EXPECT_GT(handoutHtml.find(description), showedHtml);
    }
}

TEST(AnswerKey, HoldsEveryAnswerAndExplanation)
{
    for (const std::filesystem::path& file : shippedLessons()) {
        SCOPED_TRACE(file.filename().string());
        auto loaded = scenario::loadScenario(file);
        ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
        const scenario::Scenario& lesson = std::get<scenario::Scenario>(loaded);
        const std::string html = exporter::exportKeyHtml(lesson);
        const std::string md = exporter::exportKeyMarkdown(lesson);
        const auto asked = exporter::askedQuestions(lesson);
        EXPECT_EQ(count(html, "✓"), asked.size());
        EXPECT_EQ(count(md, "✓"), asked.size());
        EXPECT_EQ(count(html, "<strong>Answer:</strong> "), asked.size());
        EXPECT_EQ(count(md, "**Answer:** "), asked.size());
        for (const exporter::AskedQuestion& q : asked) {
            const std::string letter(1, static_cast<char>('a' + q.question->answer));
            EXPECT_NE(md.find("**Answer:** " + letter + ") "), std::string::npos) << q.question->prompt;
            const std::string fragment = plainFragment(q.question->explanation);
            if (fragment.empty()) continue;
            EXPECT_NE(html.find(fragment), std::string::npos) << fragment;
            EXPECT_NE(md.find(fragment), std::string::npos) << fragment;
        }
    }
}

// [SECTION] where the answer goes

// txt and json put each answer right after the exchange that settles it (answerAfterEntry: the one holding
// the question's reveal point), and the question before the step's first line.
TEST(ExportAnswers, TxtAndJsonShowEachAnswerAfterTheExchangeThatSettlesIt)
{
    for (const std::filesystem::path& file : shippedLessons()) {
        SCOPED_TRACE(file.filename().string());
        auto simulation = runLessonFile(file);
        ASSERT_TRUE(simulation);
        const std::string text = exporter::exportText(*simulation);
        const nlohmann::json json = nlohmann::json::parse(exporter::exportJson(*simulation));
        const exporter::LessonView view = exporter::lessonView(*simulation);
        const bool tagged = view.header.tagged;
        for (const exporter::StepView& step : view.steps) {
            if (!step.action || !step.action->question) continue;
            const scenario::Question& q = *step.action->question;
            const size_t question = text.find("# Question: " + q.prompt + "\n");
            const std::string answerLine =
                std::string("# Answer: ") + static_cast<char>('a' + q.answer) + ") ";
            const size_t answer = text.find(answerLine, question);
            ASSERT_NE(question, std::string::npos) << q.prompt;
            ASSERT_NE(answer, std::string::npos) << q.prompt;
            const nlohmann::json& jq = json["steps"][step.actionIndex]["question"];
            EXPECT_EQ(jq["answer"], q.answer);
            EXPECT_EQ(jq["explanation"], q.explanation);
            const wire::TranscriptEntry* after = exporter::answerAfterEntry(step);
            if (!after) {
                EXPECT_TRUE(jq["answer_after_entry"].is_null());
                continue;
            }
            // The lines just before the answer are the settling entry's.
            const std::string settled = wire::formatEntry(*after, tagged);
            ASSERT_GE(answer, settled.size());
            EXPECT_EQ(text.substr(answer - settled.size(), settled.size()), settled) << q.prompt;
            EXPECT_LT(question, answer - settled.size());
            // json names the same entry, never one before the reply that proves the answer.
            const size_t index = jq["answer_after_entry"].get<size_t>();
            const nlohmann::json& entries = json["entries"];
            ASSERT_LT(index, entries.size());
            EXPECT_EQ(entries[index]["lesson_step"], step.actionIndex + 1);
            auto reveal = scenario::revealOf(*simulation, step.actionIndex);
            ASSERT_TRUE(reveal && reveal->revealed()) << q.prompt;
            if (reveal->evidence != SIZE_MAX) { EXPECT_GE(index, reveal->evidence) << q.prompt; }
        }
    }
}

// [SECTION] the answers file

scenario::Scenario lessonWithQuestions(size_t atLeast)
{
    for (const std::filesystem::path& file : shippedLessons()) {
        auto loaded = scenario::loadScenario(file);
        if (auto* lesson = std::get_if<scenario::Scenario>(&loaded))
            if (exporter::askedQuestions(*lesson).size() >= atLeast) return *lesson;
    }
    ADD_FAILURE() << "no shipped lesson asks " << atLeast << " questions";
    return {};
}

std::string errorOf(const std::string& json, const scenario::Scenario& lesson)
{
    auto parsed = exporter::parseAnswers(json, "a.json", lesson);
    if (auto* error = std::get_if<std::string>(&parsed)) return *error;
    return "(loaded)";
}

TEST(AnswersFile, ErrorsNameTheFileAndThePosition)
{
    const scenario::Scenario lesson = lessonWithQuestions(2);
    const auto asked = exporter::askedQuestions(lesson);
    ASSERT_GE(asked.size(), 2u);
    const std::string name = lesson.source.filename().string();
    const std::string step = std::to_string(asked[0].actionIndex + 1);
    auto document = [&](const std::string& answers, const std::string& date = "2026-12-07",
                        const std::string& lessonName = "") {
        return R"({"format": "maillab-answers", "version": 1, "name": "Ada Lovelace", "date": ")" + date +
               R"(", "lesson": ")" + (lessonName.empty() ? name : lessonName) + R"(", "answers": [)" +
               answers + "]}";
    };
    EXPECT_EQ(errorOf(document(R"({"step": )" + step + R"(, "choice": 0})"), lesson), "(loaded)");
    EXPECT_NE(errorOf("{\n  \"format\": \"maillab-answers\",\n  \"version\": 1,,\n}", lesson)
                  .find("a.json: parse error at line 3, column"),
              std::string::npos);
    EXPECT_EQ(errorOf(document(R"({"step": )" + step + R"(, "choice": 9})"), lesson),
              "a.json: answers[0].choice: step " + step + " has choices 0 to " +
                  std::to_string(asked[0].question->choices.size() - 1));
    EXPECT_EQ(
        errorOf(document(R"({"step": )" + step + R"(, "choice": 0}, {"step": )" + step + R"(, "choice": 1})"),
                lesson),
        "a.json: answers[1].step: a second answer for step " + step);
    EXPECT_EQ(errorOf(document(R"({"step": 0, "choice": 0})"), lesson),
              "a.json: answers[0].step: the lesson has steps 1 to " + std::to_string(lesson.actions.size()));
    EXPECT_EQ(errorOf(document(R"({"step": 1, "choice": -1})"), lesson),
              "a.json: answers[0].choice: expected a whole number, 0 or more");
    EXPECT_EQ(errorOf(document(R"({"choice": 1})"), lesson), "a.json: answers[0]: missing \"step\"");
    EXPECT_EQ(errorOf(document("", "7 December"), lesson),
              "a.json: date: expected a date as YYYY-MM-DD, got \"7 December\"");
    EXPECT_EQ(errorOf(document("", "2026-12-07", "other.json"), lesson),
              "a.json: lesson: these answers are for \"other.json\", not for \"" + name + "\"");
    EXPECT_EQ(errorOf(R"({"format": "maillab-transcript"})", lesson),
              "a.json: format: expected \"maillab-answers\"");
    // A step without a question, when the lesson has one.
    for (size_t i = 0; i < lesson.actions.size(); ++i)
        if (!lesson.actions[i].question) {
            const std::string n = std::to_string(i + 1);
            EXPECT_EQ(errorOf(document(R"({"step": )" + n + R"(, "choice": 0})"), lesson),
                      "a.json: answers[0].step: step " + n + " asks no question");
            break;
        }
    auto missing = exporter::loadAnswers("/nonexistent/answers.json", lesson);
    ASSERT_TRUE(std::holds_alternative<std::string>(missing));
    EXPECT_NE(std::get<std::string>(missing).find("cannot read /nonexistent/answers.json"),
              std::string::npos);
}

// [SECTION] the hand-in

TEST(HandIn, RoundTripsAndGradesEachAnswer)
{
    const scenario::Scenario lesson = lessonWithQuestions(2);
    auto simulation = runLessonFile(lesson.source);
    ASSERT_TRUE(simulation);
    const auto asked = exporter::askedQuestions(lesson);
    exporter::StudentAnswers answers;
    answers.name = "Ada Lovelace / 2B";
    answers.date = "2026-12-07";
    answers.lesson = lesson.source.filename().string();
    // The first question right, the second wrong, any others unanswered.
    answers.answers.push_back({asked[0].actionIndex + 1, asked[0].question->answer});
    answers.answers.push_back({asked[1].actionIndex + 1, (asked[1].question->answer + 1) % 2});

    ScratchDir dir("coursework-hand-in");
    auto written = exporter::writeHandIn(*simulation, lesson, answers, dir.path);
    ASSERT_TRUE(std::holds_alternative<std::filesystem::path>(written)) << std::get<std::string>(written);
    const std::filesystem::path folder = std::get<std::filesystem::path>(written);
    EXPECT_EQ(folder, dir.path / "Ada-Lovelace-2B");

    auto reloaded = exporter::loadAnswers(folder / exporter::kHandInAnswers, lesson);
    ASSERT_TRUE(std::holds_alternative<exporter::StudentAnswers>(reloaded))
        << std::get<std::string>(reloaded);
    const exporter::StudentAnswers& back = std::get<exporter::StudentAnswers>(reloaded);
    EXPECT_EQ(back.name, answers.name);
    EXPECT_EQ(back.date, answers.date);
    EXPECT_EQ(back.lesson, answers.lesson);
    ASSERT_EQ(back.answers.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(back.answers[i].step, answers.answers[i].step);
        EXPECT_EQ(back.answers[i].choice, answers.answers[i].choice);
    }
    EXPECT_EQ(exporter::answersJson(back), readFile(folder / exporter::kHandInAnswers));

    const nlohmann::json results = nlohmann::json::parse(readFile(folder / exporter::kHandInResults));
    EXPECT_EQ(results["score"]["right"], 1);
    EXPECT_EQ(results["score"]["answered"], 2);
    EXPECT_EQ(results["score"]["questions"], asked.size());
    EXPECT_EQ(results["questions"][0]["right"], true);
    EXPECT_EQ(results["questions"][1]["right"], false);
    for (size_t i = 2; i < asked.size(); ++i)
        EXPECT_TRUE(results["questions"][i]["right"].is_null());
    size_t checkpoints = 0;
    for (const scenario::Action& action : lesson.actions)
        checkpoints += action.checkpoint ? 1 : 0;
    ASSERT_EQ(results["checkpoints"].size(), checkpoints);
    for (const nlohmann::json& checkpoint : results["checkpoints"])
        EXPECT_EQ(checkpoint["result"], "holds") << checkpoint["description"];

    // The transcript and capture of this one run.
    EXPECT_EQ(readFile(folder / exporter::kBundleText), exporter::exportText(*simulation));
    EXPECT_EQ(readFile(folder / exporter::kBundleHtml), exporter::exportHtml(*simulation));
    EXPECT_EQ(readFile(folder / exporter::kBundleJson), exporter::exportJson(*simulation));
    EXPECT_EQ(readFile(folder / exporter::kHandInCapture), exporter::exportPcapng(*simulation));
    EXPECT_EQ(readFile(folder / exporter::kBundleLesson), readFile(lesson.source));
    EXPECT_EQ(std::filesystem::exists(folder / exporter::kBundleKeyLog),
              !simulation->transcript().keyLog.empty());
    const std::string summary = readFile(folder / exporter::kHandInSummary);
    EXPECT_NE(summary.find("Right: 1 of " + std::to_string(asked.size())), std::string::npos) << summary;
}

TEST(HandIn, FolderNamesAreSafe)
{
    EXPECT_EQ(exporter::handInFolderName("Ada Lovelace"), "Ada-Lovelace");
    EXPECT_EQ(exporter::handInFolderName("../../etc/passwd"), "etc-passwd");
    EXPECT_EQ(exporter::handInFolderName(".hidden"), "hidden");
    EXPECT_EQ(exporter::handInFolderName("Zoë  Ørsted\t"), "Zoë-Ørsted");
    EXPECT_EQ(exporter::handInFolderName("///"), "student");
}

} // namespace
} // namespace maillab::test
