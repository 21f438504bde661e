// How a phone catches up (lessons/18-phone-catches-up.json and the "phone-catches-up" comparison): the
// simulated IMAP device uses QRESYNC when offered (RFC 7162 section 3.2.5), CONDSTORE's CHANGEDSINCE when
// only that is (section 3.1.4.1), and the flags of every known message when neither is (RFC 4549 section
// 4.3); the lesson's capability toggle takes extensions away; and what each costs on the wire.
//
// Golden transcript: after an intended change, regenerate with
//   MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests --gtest_filter='ImapResync.*Golden*'
// and read the diff against RFC 7162 before keeping it.
#include "scenario/compare.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "util/text.hpp"
#include "wire/transcript.hpp"

#include <gtest/gtest.h>
#include <iostream>
#include <memory>
#include <string>
#include <variant>

namespace maillab::test {
namespace {

constexpr const char* kLesson = "18-phone-catches-up";

scenario::Scenario lessonWith(const std::string& serverJson)
{
    std::string text = readFile(sourceDir() / "lessons" / (std::string(kLesson) + ".json"));
    if (!serverJson.empty()) text.insert(text.rfind("\"steps\""), "\"server\": " + serverJson + ",\n  ");
    auto loaded = scenario::parseScenario(text, kLesson);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) ADD_FAILURE() << error->message;
    return std::get<scenario::Scenario>(loaded);
}

// What the client sent during the lesson's steps from `firstAction` on (counting from 0), one line each.
std::string clientLinesFrom(const scenario::Simulation& sim, size_t firstAction)
{
    std::string out;
    for (const wire::TranscriptEntry& e : sim.transcript().entries())
        if (e.kind == wire::TranscriptEntry::Kind::Data && e.direction == wire::Direction::ClientToServer &&
            sim.actionOfStep(e.step) != SIZE_MAX && sim.actionOfStep(e.step) >= firstAction)
            out += e.device + ": " + e.bytes;
    return out;
}

// Every byte the server sent.
std::string serverBytes(const scenario::Simulation& sim)
{
    std::string out;
    for (const wire::TranscriptEntry& e : sim.transcript().entries())
        if (e.kind == wire::TranscriptEntry::Kind::Data && e.direction == wire::Direction::ServerToClient)
            out += e.bytes;
    return out;
}

constexpr size_t kPhoneReturns = 8; // the step (from 0) at which the phone comes back

TEST(ImapResync, LessonTranscriptMatchesGolden_Rfc7162_3_2_5)
{
    auto simulation = runLesson(kLesson);
    ASSERT_TRUE(simulation);
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / (std::string(kLesson) + ".txt"),
                          simulation->transcript().toText());
}

// With QRESYNC offered the phone enables it and names what it knows in its SELECT: no FETCH and no SEARCH
// are needed to catch up (RFC 7162 sections 3.2.3 and 3.2.5).
TEST(ImapResync, PhoneUsesQresyncWhenOffered_Rfc7162_3_2_5)
{
    auto sim = std::make_unique<scenario::Simulation>(lessonWith(""));
    sim->run();
    const std::string sent = clientLinesFrom(*sim, kPhoneReturns);
    EXPECT_NE(sent.find("phone: A3 ENABLE QRESYNC\r\n"), std::string::npos) << sent;
    EXPECT_NE(sent.find(" SELECT \"INBOX\" (QRESYNC ("), std::string::npos) << sent;
    EXPECT_EQ(sent.find("FETCH"), std::string::npos) << sent;
    EXPECT_EQ(sent.find("SEARCH"), std::string::npos) << sent;
}

// A lesson can take away the APPEND and FETCH extensions of issue 15 too: they leave CAPABILITY.
TEST(ImapResync, LessonSwitchesOffBinaryMultiappendCatenateAppendlimit_Rfc3516_4_1)
{
    scenario::Simulation all(lessonWith(""));
    all.run();
    EXPECT_NE(serverBytes(all).find(" BINARY MULTIAPPEND CATENATE APPENDLIMIT="), std::string::npos);
    scenario::Simulation none(lessonWith(
        R"({"capabilities": {"BINARY": false, "MULTIAPPEND": false, "CATENATE": false, "APPENDLIMIT": false}})"));
    none.run();
    const std::string bytes = serverBytes(none);
    for (const char* name : {"BINARY", "MULTIAPPEND", "CATENATE", "APPENDLIMIT"})
        EXPECT_EQ(bytes.find(name), std::string::npos) << name;
}

// The toggle: without QRESYNC the server leaves it out of CAPABILITY and the phone falls back to CHANGEDSINCE
// and a search for what is still there; without CONDSTORE to the flags of every message (RFC 4549 4.3).
TEST(ImapResync, CapabilityToggleMakesThePhoneFallBack_Rfc7162_3_1_4_1)
{
    scenario::Simulation noQresync(lessonWith(R"({"capabilities": {"QRESYNC": false}})"));
    noQresync.run();
    const std::string all = serverBytes(noQresync);
    EXPECT_EQ(all.find("QRESYNC"), std::string::npos);
    EXPECT_NE(all.find(" CONDSTORE ESEARCH "), std::string::npos);
    std::string sent = clientLinesFrom(noQresync, kPhoneReturns);
    EXPECT_NE(sent.find(" UID FETCH 1:17 (UID FLAGS) (CHANGEDSINCE "), std::string::npos) << sent;
    EXPECT_NE(sent.find(" UID SEARCH RETURN (ALL) UID 1:17\r\n"), std::string::npos) << sent;

    scenario::Simulation neither(lessonWith(R"({"capabilities": {"CONDSTORE": false, "ESEARCH": false}})"));
    neither.run();
    EXPECT_EQ(serverBytes(neither).find("MODSEQ"), std::string::npos);
    sent = clientLinesFrom(neither, kPhoneReturns);
    EXPECT_NE(sent.find(" UID FETCH 1:17 (UID FLAGS)\r\n"), std::string::npos) << sent;
    EXPECT_EQ(sent.find("CHANGEDSINCE"), std::string::npos) << sent;
    // Each way ends with the same inbox on the phone: two messages gone, fifteen left.
    for (const scenario::Simulation* sim : {&noQresync, &neither}) {
        const scenario::Device* phone = sim->devices().front().get();
        EXPECT_EQ(phone->local.messages().size(), 15u);
    }
    // Only the extensions a lesson may switch off are accepted.
    auto bad = scenario::parseScenario(R"({"title": "t", "devices": [{"name": "d", "protocol": "imap",
        "user": "alice", "password": "wonderland"}], "server": {"capabilities": {"IDLE": false}}, "steps": []})",
                                       "x");
    ASSERT_TRUE(std::holds_alternative<scenario::LoadError>(bad));
    EXPECT_NE(std::get<scenario::LoadError>(bad).message.find(
                  "IDLE cannot be switched; the switchable extensions are CONDSTORE, QRESYNC"),
              std::string::npos);
}

// What the lesson asks the student to predict in the Compare panel: the phone's catching up costs the fewest
// bytes with QRESYNC, more with CONDSTORE alone, most with neither.
TEST(ImapResync, QresyncCostsLessThanCondstoreWhichCostsLessThanAFullResync_Rfc7162_1)
{
    const scenario::ComparisonSpec* spec = scenario::findComparison("phone-catches-up");
    ASSERT_NE(spec, nullptr);
    scenario::Comparison c(spec->scenario, spec->lanes);
    while (c.step()) {}
    ASSERT_EQ(c.lanes().size(), 3u);
    uint64_t bytes[3];
    int trips[3];
    for (size_t i = 0; i < 3; ++i) {
        const auto& s = c.lanes()[i]->samples();
        ASSERT_GT(s.size(), kPhoneReturns + 1);
        bytes[i] = s[kPhoneReturns + 1].bytesOnWire() - s[kPhoneReturns].bytesOnWire();
        trips[i] = s[kPhoneReturns + 1].roundTrips - s[kPhoneReturns].roundTrips;
        std::cout << c.lanes()[i]->spec().label << ": " << bytes[i] << " bytes, " << trips[i]
                  << " round trips\n";
        EXPECT_EQ(s.back().deviceMessages.front(), 15);
    }
    EXPECT_EQ(c.lanes()[0]->spec().label, "full resync");
    EXPECT_EQ(c.lanes()[2]->spec().label, "QRESYNC");
    EXPECT_LT(bytes[2], bytes[1]);
    EXPECT_LT(bytes[1], bytes[0]);
    EXPECT_LT(trips[2], trips[1]); // ENABLE and SELECT against SELECT, FETCH and SEARCH
}

} // namespace
} // namespace maillab::test
