// Scenario files: loading (with clear errors for broken files) and running every shipped lesson headless.
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace maillab::test {
namespace {

std::string loadError(const std::string& json)
{
    auto result = scenario::parseScenario(json, "lesson.json");
    if (auto* error = std::get_if<scenario::LoadError>(&result)) return error->message;
    return "";
}

const char* kDevices =
    R"("devices": [{"name": "laptop", "protocol": "pop3", "user": "alice", "password": "wonderland"}])";

TEST(Scenario, BadJsonNamesFileLineAndColumn)
{
    std::string error = loadError("{\n  \"title\": \"x\",\n  \"devices\": [\n}");
    EXPECT_NE(error.find("lesson.json"), std::string::npos) << error;
    EXPECT_NE(error.find("line 4"), std::string::npos) << error;
}

TEST(Scenario, UnknownActionNamesTheStepAndTheChoices)
{
    std::string error =
        loadError(std::string("{\"title\": \"x\", ") + kDevices +
                  R"(, "steps": [{"action": "note"}, {"device": "laptop", "action": "fly"}]})");
    EXPECT_NE(error.find("lesson.json: step 2.action"), std::string::npos) << error;
    EXPECT_NE(error.find("unknown action \"fly\""), std::string::npos) << error;
    EXPECT_NE(error.find("check mail"), std::string::npos) << error;
}

TEST(Scenario, MistakesInDevicesAndStepsAreReportedWithTheirPlace)
{
    EXPECT_NE(
        loadError(
            R"({"title": "x", "devices": [{"name": "a", "protocol": "smtp", "user": "u", "password": "p"}],
                           "steps": []})")
            .find("devices[0].protocol"),
        std::string::npos);
    EXPECT_NE(loadError(std::string("{\"title\": \"x\", ") + kDevices +
                        R"(, "steps": [{"device": "phone", "action": "check mail"}]})")
                  .find("no device named \"phone\""),
              std::string::npos);
    // POP3 has no folders on the server: the loader says so instead of failing later.
    EXPECT_NE(
        loadError(
            std::string("{\"title\": \"x\", ") + kDevices +
            R"(, "steps": [{"device": "laptop", "action": "move", "message": 1, "folder": "Archive"}]})")
            .find("needs an IMAP device"),
        std::string::npos);
    EXPECT_NE(loadError(std::string("{\"title\": \"x\", ") + kDevices + R"(, "steps": [{"action": "wait"}]})")
                  .find("step 1"),
              std::string::npos);
    EXPECT_NE(loadError("[1, 2]").find("expected an object"), std::string::npos);
    EXPECT_EQ(loadError(std::string("{\"title\": \"x\", ") + kDevices + R"(, "steps": []})"), "");
}

TEST(Scenario, NumbersTooLargeForJsonAreALoadError)
{
    // Found by lesson_fuzz: nlohmann reports "9e999" as out_of_range, not as a parse error.
    EXPECT_NE(loadError("9e999").find("lesson.json"), std::string::npos);
}

TEST(Scenario, QuestionsAndCheckpointsAreCheckedWhenLoaded)
{
    const std::string head = std::string("{\"title\": \"x\", ") + kDevices +
                             R"(, "steps": [{"device": "laptop", "action": "check mail", )";
    EXPECT_NE(
        loadError(head +
                  R"("question": {"prompt": "?", "choices": ["a"], "answer": 0, "explanation": "e"}}]})")
            .find("step 1.question.choices"),
        std::string::npos);
    EXPECT_NE(
        loadError(head +
                  R"("question": {"prompt": "?", "choices": ["a", "b"], "answer": 2, "explanation": "e"}}]})")
            .find("step 1.question.answer"),
        std::string::npos);
    EXPECT_NE(loadError(head + R"("checkpoint": {"description": "d", "claims": [{"claim": "magic"}]}}]})")
                  .find("step 1.checkpoint.claims[0].claim: unknown claim \"magic\""),
              std::string::npos);
    EXPECT_NE(
        loadError(
            head +
            R"("checkpoint": {"description": "d", "claims": [{"claim": "device messages", "device": "phone", "equals": 1}]}}]})")
            .find("no device named \"phone\""),
        std::string::npos);
}

TEST(Simulation, AFalseCheckpointIsReportedWithWhatReallyHappened)
{
    auto loaded = scenario::parseScenario(std::string("{\"title\": \"x\", ") + kDevices + R"(,
        "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/01-welcome-networks-101.eml"]}],
        "steps": [{"device": "laptop", "action": "check mail", "checkpoint": {"description": "the server kept it",
            "claims": [{"claim": "server messages", "user": "alice", "equals": 1},
                       {"claim": "device messages", "device": "laptop", "equals": 1},
                       {"claim": "server said", "text": "[IN-USE]"}]}}]})",
                                          "lesson.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    simulation.run();
    ASSERT_EQ(simulation.checkpointResults().size(), 1u);
    const auto& result = simulation.checkpointResults()[0];
    ASSERT_EQ(result.failures.size(), 2u); // delete mode left nothing, and nobody else held the lock
    EXPECT_NE(result.failures[0].find("holds 0 messages, not 1"), std::string::npos);
    EXPECT_NE(result.failures[1].find("never said \"[IN-USE]\""), std::string::npos);
}

TEST(Scenario, AMessageFileThatDoesNotExistIsALoadErrorWithItsPlace)
{
    auto loaded = scenario::parseScenario(std::string("{\"title\": \"x\", ") + kDevices + R"(,
        "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/01-welcome-networks-101.eml"]}],
        "steps": [{"action": "deliver", "to": "alice", "message": "alice/INBOX/99-missing.eml"}]})",
                                          "lesson.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
    auto error = scenario::checkMessageFiles(std::get<scenario::Scenario>(loaded), mailDir(), "lesson.json");
    ASSERT_TRUE(error);
    EXPECT_NE(
        error->message.find("lesson.json: step 1.message: no message file \"alice/INBOX/99-missing.eml\""),
        std::string::npos)
        << error->message;
}

TEST(Scenario, MissingFileIsAnErrorNotACrash)
{
    auto result = scenario::loadScenario("/nonexistent/lesson.json");
    ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(result));
    EXPECT_NE(std::get<scenario::LoadError>(result).message.find("/nonexistent/lesson.json"),
              std::string::npos);
}

TEST(Scenario, EveryShippedLessonLoadsAndRunsToTheEnd)
{
    int lessons = 0;
    for (const auto& entry : std::filesystem::directory_iterator(sourceDir() / "lessons")) {
        if (entry.path().extension() != ".json" ||
            entry.path().filename().string().find("schema") != std::string::npos)
            continue;
        SCOPED_TRACE(entry.path().string());
        auto loaded = scenario::loadScenario(entry.path());
        ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded))
            << std::get<scenario::LoadError>(loaded).message;
        scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
        EXPECT_TRUE(simulation.setupErrors().empty());
        simulation.run(100000);
        EXPECT_TRUE(simulation.finished());
        for (const auto& result : simulation.checkpointResults())
            EXPECT_TRUE(result.passed()) << result.description << ": " << result.failures.front();
        // No device action ended on a "cannot" note: every step of a shipped lesson does what it says.
        for (const auto& e : simulation.transcript().entries())
            if (e.kind == wire::TranscriptEntry::Kind::Note) {
                EXPECT_EQ(e.bytes.find("no such message"), std::string::npos) << e.bytes;
            }
        ++lessons;
    }
    EXPECT_GE(lessons, 4);
}

TEST(Simulation, StepsOneExchangeAtATime)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / "14-pop3-delete-mode.json");
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    ASSERT_TRUE(simulation.step()); // connect: the greeting
    const auto& entries = simulation.transcript().entries();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].bytes.substr(0, 4), "+OK ");
    ASSERT_TRUE(simulation.step()); // USER and its reply
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[2].bytes, "USER alice\r\n");
    EXPECT_EQ(entries[2].direction, wire::Direction::ClientToServer);
    EXPECT_EQ(entries[3].direction, wire::Direction::ServerToClient);
    EXPECT_GT(entries[3].timeMs, entries[2].timeMs); // the virtual clock moves with the exchange
}

TEST(Simulation, ImapPhoneChangesReachTheIdlingLaptop_Rfc2177)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / "17-imap-two-devices.json");
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    simulation.run();
    std::string laptopHeard;
    for (const auto& e : simulation.transcript().entries())
        if (e.device == "laptop" && e.direction == wire::Direction::ServerToClient) laptopHeard += e.bytes;
    EXPECT_NE(laptopHeard.find("* 2 FETCH (FLAGS (\\Seen"), std::string::npos);
    EXPECT_NE(laptopHeard.find("* 2 EXPUNGE\r\n"), std::string::npos);
    EXPECT_NE(laptopHeard.find("* 3 EXISTS\r\n"), std::string::npos);
    // The server's store agrees: the message is in Archive, INBOX has the other two and the new one.
    EXPECT_EQ(simulation.store().mailbox("alice", "INBOX")->messages.size(), 3u);
    EXPECT_EQ(simulation.store().mailbox("alice", "Archive")->messages.size(), 1u);
    // The laptop's cache followed: the moved message is no longer in its INBOX view.
    auto* laptop = simulation.device("laptop");
    for (const auto& m : laptop->local.messages())
        EXPECT_EQ(m.subject.find("Study group"), std::string::npos);
}

TEST(Simulation, ImapDeviceCachesHeadersAndOnlyTheOpenedPart)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / "16-imap-folders.json");
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    simulation.run();
    auto* laptop = simulation.device("laptop");
    const store::LocalMessage* syllabus = nullptr;
    for (const auto& m : laptop->local.messages())
        if (m.subject.find("syllabus") != std::string::npos) syllabus = &m;
    ASSERT_NE(syllabus, nullptr);
    EXPECT_FALSE(syllabus->complete);
    EXPECT_TRUE(syllabus->partsHeld.count("ENVELOPE"));
    EXPECT_TRUE(syllabus->partsHeld.count("1"));
    EXPECT_FALSE(syllabus->partsHeld.count("2")); // the PDF stayed on the server
    EXPECT_EQ(syllabus->bytes.find("%PDF"), std::string::npos);
    EXPECT_NE(syllabus->flags.find("\\Seen"), std::string::npos);
    // Server side: the folder created and renamed, the message filed there.
    EXPECT_NE(simulation.store().mailbox("alice", "Term 1/Networks"), nullptr);
    EXPECT_EQ(simulation.store().mailbox("alice", "Courses/Networks"), nullptr);
    EXPECT_EQ(simulation.store().mailbox("alice", "Term 1/Networks")->messages.size(), 1u);
}

// A wait reads as the narration says it: lesson 13's "Ten minutes later" is "10 minutes pass" in the
// transcript and Events, not "600 second(s) pass".
TEST(Simulation, AWaitIsSaidInTheLargestUnits)
{
    EXPECT_EQ(scenario::describeWait(600000), "10 minutes pass");
    EXPECT_EQ(scenario::describeWait(3600000), "1 hour passes");
    EXPECT_EQ(scenario::describeWait(2 * 3600000), "2 hours pass");
    EXPECT_EQ(scenario::describeWait(7 * 86400000LL), "7 days pass");
    EXPECT_EQ(scenario::describeWait(86400000LL + 12 * 3600000), "1 day 12 hours pass");
    EXPECT_EQ(scenario::describeWait(90000), "1 minute 30 seconds pass");
    EXPECT_EQ(scenario::describeWait(1000), "1 second passes");

    auto simulation = runLessonFile(sourceDir() / "lessons" / "13-pop3-interrupted-and-restored.json");
    std::vector<std::string> waits;
    for (const wire::TranscriptEntry& entry : simulation->transcript().entries())
        if (entry.kind == wire::TranscriptEntry::Kind::Note && entry.bytes.ends_with(" pass"))
            waits.push_back(entry.bytes);
    ASSERT_FALSE(waits.empty());
    EXPECT_EQ(waits.front(), "10 minutes pass");
}

} // namespace
} // namespace maillab::test
