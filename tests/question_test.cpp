// Predict, observe, explain: no answer before its reveal point, for every shipped lesson; the lint that
// keeps narration from giving answers away; the summary; device kinds; the virus filter at delivery.
#include "scenario/delivery.hpp"
#include "scenario/lint.hpp"
#include "scenario/question.hpp"
#include "scenario/summary.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace maillab;
using maillab::test::mailDir;
using maillab::test::shippedLessons;
using maillab::test::sourceDir;

namespace {

scenario::Scenario load(const std::filesystem::path& file)
{
    auto loaded = scenario::loadScenario(file);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) ADD_FAILURE() << error->message;
    return std::get<scenario::Scenario>(std::move(loaded));
}

// The session named the command it answered, or (for a command it does not know) the device's line just
// before the reply is that command.
bool answers(const scenario::Simulation& simulation, size_t index, const std::string& command)
{
    const auto& entries = simulation.transcript().entries();
    const wire::TranscriptEntry& entry = entries[index];
    if (std::any_of(entry.exchanges.begin(), entry.exchanges.end(),
                    [&](const wire::Exchange& e) { return util::toUpper(e.command) == command; }))
        return true;
    for (size_t i = index; i-- > 0;)
        if (entries[i].device == entry.device && entries[i].kind == wire::TranscriptEntry::Kind::Data) {
            const std::string line = util::toUpper(entries[i].bytes);
            return entries[i].direction == wire::Direction::ClientToServer && line.rfind(command, 0) == 0 &&
                   line.size() > command.size() &&
                   (line[command.size()] == ' ' || line[command.size()] == '\r');
        }
    return false;
}

} // namespace

TEST(Questions, NoAnswerIsRevealedBeforeItsRevealPointInAnyShippedLesson)
{
    size_t questions = 0, named = 0;
    for (const auto& file : shippedLessons()) {
        SCOPED_TRACE(file.filename().string());
        scenario::Simulation simulation(load(file), mailDir());
        const auto& actions = simulation.scenario().actions;
        std::vector<int> firstSeenRevealed(actions.size(), 0);
        std::vector<int> firstAsked(actions.size(), 0);
        while (simulation.step()) {
            const int now = simulation.stepNumber();
            const size_t current = simulation.actionOfStep(now);
            if (current < actions.size() && firstAsked[current] == 0) firstAsked[current] = now;
            for (const scenario::Reveal& reveal : scenario::reveals(simulation)) {
                if (!reveal.revealed()) {
                    EXPECT_EQ(firstSeenRevealed[reveal.action], 0) << "a reveal went back";
                    continue;
                }
                EXPECT_LE(reveal.step, now);
                if (firstSeenRevealed[reveal.action] == 0) firstSeenRevealed[reveal.action] = now;
            }
        }
        for (const scenario::Reveal& reveal : scenario::reveals(simulation)) {
            const scenario::Question& question = *actions[reveal.action].question;
            SCOPED_TRACE("step " + std::to_string(reveal.action + 1) + ": " + question.prompt);
            ++questions;
            ASSERT_TRUE(reveal.revealed()) << "its reveal point never happened";
            // Never revealed before the step that settles it, nor before the question was asked.
            EXPECT_GE(firstSeenRevealed[reveal.action], reveal.step);
            EXPECT_GE(reveal.step, firstAsked[reveal.action]);
            ASSERT_LT(reveal.evidence, simulation.transcript().size()) << "the explanation points at nothing";
            const wire::TranscriptEntry& proof = simulation.transcript().entries()[reveal.evidence];
            EXPECT_EQ(proof.step, reveal.step) << "the proof is not the line of the reveal point";
            EXPECT_TRUE(proof.direction == wire::Direction::ServerToClient ||
                        proof.kind == wire::TranscriptEntry::Kind::Closed);
            if (!question.revealAfterReplyTo.empty()) {
                ++named;
                // The named reply is the reveal point: the step of the reply is the reveal step, at once.
                EXPECT_EQ(firstSeenRevealed[reveal.action], reveal.step);
                EXPECT_EQ(proof.kind, wire::TranscriptEntry::Kind::Data);
                EXPECT_TRUE(answers(simulation, reveal.evidence, question.revealAfterReplyTo)) << proof.bytes;
                if (!question.revealDevice.empty()) { EXPECT_EQ(proof.device, question.revealDevice); }
            } else {
                EXPECT_EQ(simulation.actionOfStep(reveal.step), reveal.action);
                EXPECT_NE(proof.kind, wire::TranscriptEntry::Kind::TlsRecord);
            }
        }
    }
    EXPECT_GE(questions, 30u);
    EXPECT_GE(named, questions / 2) << "most questions should name the reply that settles them";
}

TEST(Questions, RevealAfterAReplyWaitsForThatReply)
{
    auto simulation = test::runLessonFile(sourceDir() / "tests" / "lessons" / "spoils-its-answer.json");
    ASSERT_TRUE(simulation);
    auto reveal = scenario::revealOf(*simulation, 0);
    ASSERT_TRUE(reveal && reveal->revealed());
    const auto& proof = simulation->transcript().entries()[reveal->evidence];
    EXPECT_EQ(proof.bytes.rfind("+OK", 0), 0u);
    EXPECT_TRUE(answers(*simulation, reveal->evidence, "QUIT"));
    EXPECT_EQ(proof.device, "laptop");
    // One step earlier, before QUIT's reply, it was not revealed.
    scenario::Simulation again(load(sourceDir() / "tests" / "lessons" / "spoils-its-answer.json"), mailDir());
    for (int i = 1; i < reveal->step; ++i) {
        ASSERT_TRUE(again.step());
        EXPECT_FALSE(scenario::revealOf(again, 0)->revealed()) << "at step " << i;
    }
    ASSERT_TRUE(again.step());
    EXPECT_TRUE(scenario::revealOf(again, 0)->revealed());
}

// Warnings too: a shipped lesson has none, so a new one shows up here.
TEST(Lint, EveryShippedLessonPasses)
{
    for (const auto& file : shippedLessons())
        for (const scenario::LintFinding& finding : scenario::lintLesson(file))
            ADD_FAILURE() << finding.text();
}

// A student starts from the setting (the description tells the outcome), so every lesson needs one.
TEST(Lint, EveryShippedLessonHasASetting)
{
    for (const auto& file : shippedLessons())
        EXPECT_FALSE(load(file).setting.empty()) << file.filename().string();
}

TEST(Lint, FindsAnAnswerGivenAwayByNarrationWithItsPosition)
{
    const auto findings = scenario::lintLesson(sourceDir() / "tests" / "lessons" / "spoils-its-answer.json");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_NE(findings[0].message.find("gives away the answer \"2\""), std::string::npos)
        << findings[0].text();
    EXPECT_EQ(findings[0].line, 13); // the narration's value
    EXPECT_EQ(findings[0].column, 20);
}

namespace {

// A keep-mode lesson on two messages whose last step asks how many the laptop will download (the answer:
// "2"). `top` goes after the title; `before` is the steps ahead of the question's.
std::string downloadLesson(const std::string& top, const std::string& before)
{
    return R"({
  "title": "Keep mode",)" +
           top + R"(
  "accounts": [{"user": "alice", "password": "wonderland",
                "mail": ["INBOX/01-welcome-networks-101.eml", "INBOX/17-borrow-cable.eml"]}],
  "devices": [{"name": "laptop", "protocol": "pop3", "mode": "keep", "user": "alice", "password": "wonderland"}],
  "steps": [)" +
           before + R"(
    {"device": "laptop", "action": "check mail",
     "question": {"prompt": "How many messages will the laptop download?", "choices": ["0", "1", "2"],
                  "answer": 2, "explanation": "Keep mode downloads what it has not seen.",
                  "reveal": {"after reply to": "QUIT", "device": "laptop"}}}
  ]
})";
}

} // namespace

// The setting opens the lesson: a choice's text or number in it gives every question's answer away, even one
// asked after the reveal of another.
TEST(Lint, FindsAnAnswerGivenAwayByTheSetting)
{
    const std::string lesson = downloadLesson(
        "\n  \"setting\": \"Alice's laptop uses POP3 keep mode and will download 2 messages.\",", "");
    auto findings = scenario::lintLessonText(lesson, "setting.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].text(), "setting.json:3:14: the setting gives away the answer \"2\" to step 1's "
                                  "question: it is shown before every question");
    // Written as a word, it gives the answer away just the same; without it, the lesson is clean.
    std::string inWords = lesson;
    inWords.replace(inWords.find("will download 2"), 15, "will download two");
    EXPECT_EQ(scenario::lintLessonText(inWords, "setting.json", mailDir()).size(), 1u);
    std::string clean = lesson;
    clean.replace(clean.find(" and will download 2 messages"), 29, "");
    findings = scenario::lintLessonText(clean, "setting.json", mailDir());
    EXPECT_TRUE(findings.empty()) << (findings.empty() ? "" : findings[0].text());
}

// The title stays on screen (menu bar, lesson chooser) through every question, so it is checked like the
// setting.
TEST(Lint, FindsAnAnswerGivenAwayByTheTitle)
{
    std::string lesson = downloadLesson("", "");
    lesson.replace(lesson.find("\"Keep mode\""), 11, "\"Keep mode downloads 2\"");
    auto findings = scenario::lintLessonText(lesson, "title.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].text(), "title.json:2:12: the title gives away the answer \"2\" to step 1's "
                                  "question: it is shown before every question");
    EXPECT_FALSE(findings[0].warning);
}

// The one long, careful choice among short ones is the right one: a warning, which fails no lint run.
TEST(Lint, WarnsWhenTheCorrectChoiceIsMuchTheLongest)
{
    std::string lesson = downloadLesson("", "");
    const std::string choices = R"("choices": ["0", "1", "2"])";
    const std::string longest =
        R"("choices": ["0: it has them", "1: the newest", "2: both, as neither was seen"])";
    lesson.replace(lesson.find(choices), choices.size(), longest);
    auto findings = scenario::lintLessonText(lesson, "long.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_TRUE(findings[0].warning);
    EXPECT_EQ(
        findings[0].text().rfind("long.json:8:123: warning: step 1: the correct choice (28 characters) is "
                                 "over 1.5 times as long as any other (14)",
                                 0),
        0u)
        << findings[0].text();
    // As long as the next one but a half: no warning.
    std::string even = lesson;
    even.replace(even.find("1: the newest"), 13, "1: only the newest one");
    findings = scenario::lintLessonText(even, "long.json", mailDir());
    EXPECT_TRUE(findings.empty()) << (findings.empty() ? "" : findings[0].text());
}

// A checkpoint's description is shown when its step has finished, before any later step's question is
// settled.
TEST(Lint, FindsAnAnswerGivenAwayByAnEarlierCheckpoint)
{
    const std::string lesson = downloadLesson("", R"(
    {"action": "wait", "seconds": 1,
     "checkpoint": {"description": "the laptop is about to download 2 messages",
                    "claims": [{"claim": "server messages", "user": "alice", "equals": 2}]}},)");
    auto findings = scenario::lintLessonText(lesson, "checkpoint.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(
        findings[0].text().rfind("checkpoint.json:8:36: step 1's checkpoint gives away the answer \"2\" "
                                 "to step 2's question before its reveal point",
                                 0),
        0u)
        << findings[0].text();
}

TEST(Lint, FindsARevealPointThatNeverHappens)
{
    const auto findings =
        scenario::lintLesson(sourceDir() / "tests" / "lessons" / "reveal-never-happens.json");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_NE(findings[0].message.find("never happens"), std::string::npos) << findings[0].text();
    EXPECT_NE(findings[0].message.find("DELE"), std::string::npos);
}

TEST(Lint, ReportsSchemaErrorsWithLineAndColumn)
{
    const std::string text =
        "{\n  \"title\": \"t\",\n  \"devices\": [{\"name\": \"laptop\", \"protocol\": \"pop3\", "
        "\"user\": \"alice\", \"password\": \"wonderland\"}],\n  \"steps\": [\n"
        "    {\"action\": \"note\", \"narattion\": \"typo\"},\n    {\"action\": \"fly\"}\n  ]\n}\n";
    auto findings = scenario::lintLessonText(text, "typo.json", mailDir());
    ASSERT_EQ(findings.size(), 1u); // the loader stops at the unknown action
    EXPECT_EQ(findings[0].text().rfind("typo.json:6:16: step 2.action: unknown action \"fly\"", 0), 0u)
        << findings[0].text();
    findings = scenario::lintLessonText(
        text.substr(0, text.find(",\n    {\"action\": \"fly\"}")) + "\n  ]\n}\n", "typo.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].text(),
              "typo.json:5:24: unknown field \"narattion\" (the loader ignores it: misspelt?)");
    findings = scenario::lintLessonText("{\"title\": ", "broken.json", mailDir());
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].text().rfind("broken.json:1:11: ", 0), 0u) << findings[0].text();
}

TEST(Lint, MatchesAChoiceOrItsNumberAsAWholeWord)
{
    EXPECT_NE(scenario::findAnswer("it downloads 3 messages", "3 messages", {"1 message"}),
              std::string::npos);
    EXPECT_NE(scenario::findAnswer("only three of them", "3", {"1", "0"}), std::string::npos);
    EXPECT_EQ(scenario::findAnswer("RFC 1939 section 4.2", "4", {"1"}), std::string::npos);
    EXPECT_EQ(scenario::findAnswer("message 13", "1", {"3"}), std::string::npos);
    // A number that every choice starts with tells nothing.
    EXPECT_EQ(scenario::findAnswer("INBOX 3", "3, Archive 2", {"3, Archive 1"}), std::string::npos);
    EXPECT_NE(scenario::findAnswer("The server said -ERR", "-ERR", {"+OK"}), std::string::npos);
}

TEST(DeviceKinds, FromTheLessonOrInferredFromTheName)
{
    const std::pair<const char*, scenario::DeviceKind> inferred[] = {
        {"alice-phone", scenario::DeviceKind::Phone},       {"Webmail", scenario::DeviceKind::Webmail},
        {"library-browser", scenario::DeviceKind::Webmail}, {"old-laptop", scenario::DeviceKind::Laptop},
        {"tablet", scenario::DeviceKind::Laptop},
    };
    scenario::DeviceSpec device;
    for (const auto& [name, kind] : inferred) {
        device.name = name;
        EXPECT_EQ(scenario::deviceKind(device), kind) << name;
    }
    device.kind = "desktop"; // the lesson's word wins
    EXPECT_EQ(scenario::deviceKind(device), scenario::DeviceKind::Desktop);
    const std::string lesson =
        R"({"title": "t", "devices": [{"name": "web", "kind": "webmail", "protocol": "pop3",
        "user": "alice", "password": "wonderland"}], "steps": []})";
    auto parsed = scenario::parseScenario(lesson, "w.json");
    ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(parsed));
    EXPECT_NE(std::get<scenario::LoadError>(parsed).message.find("webmail device speaks IMAP"),
              std::string::npos);
    auto unknown = scenario::parseScenario(
        R"({"title": "t", "devices": [{"name": "x", "kind": "toaster", "protocol": "imap", "user": "a", "password": "b"}], "steps": []})",
        "k.json");
    ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(unknown));
    EXPECT_NE(std::get<scenario::LoadError>(unknown).message.find("devices[0].kind"), std::string::npos);
}

TEST(Delivery, TheVirusFilterQuarantinesTheEicarTestStringBeforeAnyAccessAgent)
{
    // The EICAR test string (eicar.org), assembled here so that this file is not itself flagged.
    const std::string eicar =
        std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    const std::string lesson =
        R"({"title": "t", "accounts": [{"user": "alice", "password": "wonderland", "mail": "none"}],
        "devices": [{"name": "phone", "protocol": "imap", "user": "alice", "password": "wonderland"}],
        "steps": [{"action": "deliver", "to": "alice", "from": "x@example.com", "subject": "Invoice", "body": ")" +
        eicar.substr(0, 11) + "\\\\" + eicar.substr(12) + R"(\n"},
                  {"action": "deliver", "to": "alice", "from": "x@example.com", "subject": "Hello", "body": "EICAR is a test\n"},
                  {"device": "phone", "action": "check mail"}]})";
    auto parsed = scenario::parseScenario(lesson, "eicar.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(parsed))
        << std::get<scenario::LoadError>(parsed).message;
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(parsed)), mailDir());
    simulation.run();
    EXPECT_EQ(simulation.store().mailbox("alice", "INBOX")->messages.size(), 1u);
    ASSERT_EQ(simulation.quarantined().size(), 1u);
    EXPECT_EQ(simulation.quarantined()[0], "Invoice");
    bool noted = false;
    std::string phoneHeard;
    for (const auto& e : simulation.transcript().entries()) {
        noted = noted || (e.kind == wire::TranscriptEntry::Kind::Note &&
                          e.bytes.find("quarantined") != std::string::npos);
        if (e.device == "phone" && e.direction == wire::Direction::ServerToClient) phoneHeard += e.bytes;
    }
    EXPECT_TRUE(noted);
    EXPECT_EQ(phoneHeard.find("Invoice"), std::string::npos) << "an access agent saw the quarantined message";
    EXPECT_TRUE(scenario::holdsEicarTestString(eicar));
    EXPECT_FALSE(scenario::holdsEicarTestString("EICAR-STANDARD-ANTIVIRUS-TEST-FILE"));
}

TEST(Summary, SaysWhatSurvivedWhereAfterALostDevice)
{
    auto simulation = test::runLesson("09-lost-laptop");
    ASSERT_TRUE(simulation);
    const scenario::Summary summary = scenario::summarize(*simulation, {});
    EXPECT_FALSE(summary.lostDevices.empty());
    EXPECT_FALSE(summary.survivors.empty());
    // The filed message survives on the server in Archive; the INBOX messages only on the new keep-mode
    // laptop, which downloaded them before the delete-mode laptop emptied the server.
    ASSERT_EQ(summary.survivors.size(), 3u);
    for (const auto& survivor : summary.survivors) {
        const bool filed = survivor.subject.find("Lab 3") != std::string::npos;
        const auto& places = survivor.places;
        EXPECT_EQ(std::find(places.begin(), places.end(), "server Archive") != places.end(), filed)
            << survivor.subject;
        EXPECT_EQ(std::find(places.begin(), places.end(), "new-keep-laptop") != places.end(), !filed)
            << survivor.subject;
        EXPECT_EQ(std::find(places.begin(), places.end(), "server INBOX"), places.end()) << survivor.subject;
    }
    EXPECT_EQ(summary.answered(), 0u);
    EXPECT_EQ(summary.predictions.size(), 3u);
}

TEST(Summary, CountsPredictionsRightFirstTimeAndEndState)
{
    auto simulation = test::runLesson("15-pop3-keep-mode");
    ASSERT_TRUE(simulation);
    const auto& q = *simulation->scenario().actions[3].question;
    scenario::Summary summary = scenario::summarize(*simulation, {q.answer});
    EXPECT_EQ(summary.rightFirstTime(), 1u);
    summary = scenario::summarize(*simulation, {(q.answer + 1) % q.choices.size()});
    EXPECT_EQ(summary.rightFirstTime(), 0u);
    EXPECT_EQ(summary.answered(), 1u);
    ASSERT_EQ(summary.server.size(), 1u);
    EXPECT_EQ(summary.server[0].total(), 4u);
    ASSERT_EQ(summary.devices.size(), 1u);
    EXPECT_EQ(summary.devices[0].description, "laptop, POP3 keep");
    EXPECT_EQ(summary.devices[0].total(), 4u);
    const auto lines = scenario::summaryLines(summary);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "  server, alice: INBOX 4"), lines.end());
}
