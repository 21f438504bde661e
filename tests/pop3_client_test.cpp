// The POP3 client engine (a device's mail program) against the real server session, through the scenario
// Simulation: delete mode, keep mode, remove-after-N-days, a dropped connection, and the maildrop lock.
#include "pop3/pop3_client.hpp"
#include "pop3/pop3_session.hpp"
#include "pop3/pop3_types.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "wire/transcript.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using scenario::Simulation;

// The three demo messages the POP3 lessons start from (one of them has lines that need dot-stuffing).
constexpr const char* kThreeMessages = R"("mail": ["INBOX/01-welcome-networks-101.eml", )"
                                       R"("INBOX/07-end-of-data-markers.eml", "INBOX/17-borrow-cable.eml"])";

std::string accounts()
{
    return std::string(R"("accounts": [{"user": "alice", "password": "wonderland", )") + kThreeMessages +
           "}]";
}

std::string device(const std::string& name, const std::string& extra)
{
    return R"({"name": ")" + name + R"(", "protocol": "pop3", "user": "alice", "password": "wonderland")" +
           (extra.empty() ? "" : ", " + extra) + "}";
}

// A scenario from inline JSON, run to the end.
std::unique_ptr<Simulation> simulate(const std::string& json, bool run = true)
{
    auto parsed = scenario::parseScenario(json, "inline.json");
    if (auto* error = std::get_if<scenario::LoadError>(&parsed)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    auto simulation =
        std::make_unique<Simulation>(std::get<scenario::Scenario>(std::move(parsed)), mailDir());
    EXPECT_TRUE(simulation->setupErrors().empty());
    if (run) {
        simulation->run(100000);
        EXPECT_TRUE(simulation->finished());
    }
    return simulation;
}

pop3::Pop3Client& clientOf(Simulation& simulation, const std::string& name)
{
    scenario::Device* d = simulation.device(name);
    if (!d) throw std::runtime_error("no device " + name);
    return dynamic_cast<pop3::Pop3Client&>(*d->client);
}

const store::Mailbox& inbox(Simulation& simulation)
{
    return *simulation.store().mailbox("alice", "INBOX");
}

std::vector<std::string> inboxBytes(Simulation& simulation)
{
    std::vector<std::string> out;
    for (const store::StoredMessage& m : inbox(simulation).messages)
        out.push_back(m.copyBytes());
    return out;
}

// The command verbs a session's client sent, in order ("USER", "PASS", "STAT", "RETR", ...).
std::vector<std::string> verbsSent(const Simulation& simulation, int sessionId)
{
    std::vector<std::string> verbs;
    for (const wire::TranscriptEntry& e : simulation.transcript().entries())
        if (e.kind == wire::TranscriptEntry::Kind::Data && e.sessionId == sessionId &&
            e.direction == wire::Direction::ClientToServer)
            verbs.push_back(e.bytes.substr(0, e.bytes.find_first_of(" \r")));
    return verbs;
}

int countOf(const std::vector<std::string>& verbs, const std::string& verb)
{
    return static_cast<int>(std::count(verbs.begin(), verbs.end(), verb));
}

bool transcriptHas(const Simulation& simulation, const std::string& text)
{
    for (const wire::TranscriptEntry& e : simulation.transcript().entries())
        if (e.bytes.find(text) != std::string::npos) return true;
    return false;
}

// [SECTION] delete mode and keep mode

TEST(Pop3Client, DeleteModeLeavesTheServerEmptyAndTheDeviceWithEverything_Rfc1939_6)
{
    auto sim = simulate(R"({"title": "delete", )" + accounts() + R"(, "devices": [)" +
                            device("laptop", R"("mode": "delete")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail"},
        {"action": "deliver", "to": "alice", "from": "Rivera <rivera@cs.example.org>", "subject": "Quiz 2",
         "body": "Grades are up.\n"},
        {"action": "wait", "hours": 2},
        {"device": "laptop", "action": "check mail"}]})",
                        false);
    ASSERT_TRUE(sim);
    const std::vector<std::string> original = inboxBytes(*sim);
    ASSERT_EQ(original.size(), 3u);
    sim->run();
    ASSERT_TRUE(sim->finished());

    EXPECT_TRUE(inbox(*sim).messages.empty());
    const auto& local = sim->device("laptop")->local.messages();
    ASSERT_EQ(local.size(), 4u);
    for (size_t i = 0; i < original.size(); ++i) {
        EXPECT_EQ(local[i].bytes, original[i]) << "message " << i + 1 << " arrived changed (dot-stuffing?)";
        EXPECT_TRUE(local[i].complete);
        EXPECT_EQ(local[i].serverSize, original[i].size());
    }
    EXPECT_EQ(local[3].subject, "Quiz 2");
    EXPECT_EQ(verbsSent(*sim, 1), (std::vector<std::string>{"USER", "PASS", "STAT", "LIST", "RETR", "DELE",
                                                            "RETR", "DELE", "RETR", "DELE", "QUIT"}));
    EXPECT_EQ(verbsSent(*sim, 2),
              (std::vector<std::string>{"USER", "PASS", "STAT", "LIST", "RETR", "DELE", "QUIT"}));
    const pop3::Pop3Client& laptop = clientOf(*sim, "laptop");
    EXPECT_EQ(laptop.lastCheck().messagesDownloaded, 1);
    EXPECT_EQ(laptop.lastCheck().messagesDeleted, 1);
    EXPECT_EQ(laptop.status(), "downloaded 1, deleted on server 1");
}

TEST(Pop3Client, KeepModeDownloadsEachMessageOnce_Rfc1939_7_Uidl)
{
    auto sim = simulate(R"({"title": "keep", )" + accounts() + R"(, "devices": [)" +
                        device("laptop", R"("mode": "keep")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail"},
        {"action": "deliver", "to": "alice", "from": "Rivera <rivera@cs.example.org>", "subject": "Quiz 2",
         "body": "Grades are up.\n"},
        {"action": "wait", "hours": 2},
        {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    // The server keeps every message; the device has each exactly once.
    ASSERT_EQ(inbox(*sim).messages.size(), 4u);
    const auto& local = sim->device("laptop")->local.messages();
    ASSERT_EQ(local.size(), 4u);
    const uint32_t validity = inbox(*sim).uidValidity;
    for (size_t i = 0; i < local.size(); ++i) {
        const store::StoredMessage& onServer = inbox(*sim).messages[i];
        EXPECT_EQ(local[i].serverId, pop3::Pop3Session::uniqueId(validity, onServer.uid));
        EXPECT_EQ(local[i].bytes, onServer.copyBytes());
    }
    EXPECT_EQ(verbsSent(*sim, 1),
              (std::vector<std::string>{"USER", "PASS", "STAT", "UIDL", "RETR", "RETR", "RETR", "QUIT"}));
    EXPECT_EQ(verbsSent(*sim, 2), (std::vector<std::string>{"USER", "PASS", "STAT", "UIDL", "RETR", "QUIT"}));
    EXPECT_TRUE(transcriptHas(*sim, "RETR 4\r\n"));
    const pop3::Pop3Client& laptop = clientOf(*sim, "laptop");
    EXPECT_EQ(laptop.lastCheck().messagesDownloaded, 1);
    EXPECT_EQ(laptop.lastCheck().messagesDeleted, 0);
    EXPECT_EQ(laptop.knownIds().size(), 4u);
}

TEST(Pop3Client, KeepModeRemoveAfterDaysDeletesOnlyOldMessages)
{
    auto sim = simulate(R"({"title": "remove after 7 days", )" + accounts() + R"(, "devices": [)" +
                        device("laptop", R"("mode": "keep", "remove_after_days": 7)") + R"(], "steps": [
        {"device": "laptop", "action": "check mail"},
        {"action": "wait", "days": 3},
        {"action": "deliver", "to": "alice", "from": "Rivera <rivera@cs.example.org>", "subject": "Quiz 2",
         "body": "Grades are up.\n"},
        {"device": "laptop", "action": "check mail"},
        {"action": "wait", "days": 5},
        {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    // Day 0: three downloaded. Day 3: the new one downloaded, nothing old enough. Day 8: the first three
    // (8 days on the device) go; the new one (5 days) stays.
    EXPECT_EQ(verbsSent(*sim, 1),
              (std::vector<std::string>{"USER", "PASS", "STAT", "UIDL", "RETR", "RETR", "RETR", "QUIT"}));
    EXPECT_EQ(verbsSent(*sim, 2), (std::vector<std::string>{"USER", "PASS", "STAT", "UIDL", "RETR", "QUIT"}));
    EXPECT_EQ(verbsSent(*sim, 3),
              (std::vector<std::string>{"USER", "PASS", "STAT", "UIDL", "DELE", "DELE", "DELE", "QUIT"}));
    ASSERT_EQ(inbox(*sim).messages.size(), 1u);
    EXPECT_NE(inbox(*sim).messages[0].copyBytes().find("Subject: Quiz 2"), std::string::npos);
    EXPECT_EQ(sim->device("laptop")->local.messages().size(), 4u);
    EXPECT_EQ(clientOf(*sim, "laptop").lastCheck().messagesDeleted, 3);
}

// [SECTION] a dropped connection (RFC 1939 section 6)

TEST(Pop3Client, DropBeforeQuitDeletesNothingOnTheServer_Rfc1939_6)
{
    auto sim = simulate(R"({"title": "drop", )" + accounts() + R"(, "devices": [)" +
                            device("laptop", R"("mode": "delete")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail", "fault": {"drop_before": "QUIT"}}]})",
                        false);
    ASSERT_TRUE(sim);
    const std::vector<std::string> before = inboxBytes(*sim);
    sim->run();
    ASSERT_TRUE(sim->finished());
    // Every message was marked with DELE, but without QUIT there is no UPDATE state.
    EXPECT_EQ(verbsSent(*sim, 1), (std::vector<std::string>{"USER", "PASS", "STAT", "LIST", "RETR", "DELE",
                                                            "RETR", "DELE", "RETR", "DELE"}));
    EXPECT_EQ(inboxBytes(*sim), before);
    EXPECT_EQ(sim->store().account("alice")->pop3LockHolder, 0);
    EXPECT_TRUE(transcriptHas(*sim, "the connection drops before QUIT is sent (no QUIT/LOGOUT)"));
    EXPECT_EQ(sim->device("laptop")->local.messages().size(), 3u);
}

TEST(Pop3Client, AfterADropTheNextCheckDownloadsTheSameMessagesAgain_Rfc1939_6)
{
    auto sim = simulate(R"({"title": "drop then check", )" + accounts() + R"(, "devices": [)" +
                        device("laptop", R"("mode": "delete")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail", "fault": {"drop_before": "QUIT"}},
        {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    // The lock was released by the drop, and all three were still there: the device now has duplicates.
    EXPECT_EQ(countOf(verbsSent(*sim, 2), "RETR"), 3);
    EXPECT_EQ(countOf(verbsSent(*sim, 2), "QUIT"), 1);
    EXPECT_TRUE(inbox(*sim).messages.empty());
    EXPECT_EQ(sim->device("laptop")->local.messages().size(), 6u);
}

// [SECTION] the maildrop lock (RFC 1939 section 4, RFC 2449 section 8.1.2)

std::string lockScenario(bool desktopQuitsThenPhoneChecksAgain)
{
    std::string steps = R"(
        {"device": "desktop", "action": "raw", "line": "USER alice"},
        {"device": "desktop", "action": "raw", "line": "PASS wonderland"},
        {"device": "phone", "action": "check mail"})";
    if (desktopQuitsThenPhoneChecksAgain)
        steps += R"(,
        {"device": "desktop", "action": "quit"},
        {"device": "phone", "action": "check mail"})";
    return R"({"title": "lock", )" + accounts() + R"(, "devices": [)" +
           device("desktop", R"("mode": "keep")") + ", " + device("phone", R"("mode": "delete")") +
           R"(], "steps": [)" + steps + "]}";
}

TEST(Pop3Client, SecondDeviceSeesInUseWhileTheFirstHoldsTheLock_Rfc2449_8_1_2)
{
    auto sim = simulate(lockScenario(false));
    ASSERT_TRUE(sim);
    scenario::Device& desktop = *sim->device("desktop");
    scenario::Device& phone = *sim->device("phone");
    ASSERT_TRUE(desktop.session) << "the desktop stays connected and logged in";
    EXPECT_EQ(desktop.session->stateName(), "TRANSACTION");
    EXPECT_EQ(sim->store().account("alice")->pop3LockHolder, desktop.sessionId);

    EXPECT_EQ(clientOf(*sim, "phone").status().rfind("login failed: -ERR [IN-USE]", 0), 0u)
        << clientOf(*sim, "phone").status();
    EXPECT_EQ(verbsSent(*sim, phone.sessionId), (std::vector<std::string>{"USER", "PASS", "QUIT"}));
    EXPECT_FALSE(phone.session);
    EXPECT_TRUE(phone.local.messages().empty());
    EXPECT_EQ(inbox(*sim).messages.size(), 3u);
}

TEST(Pop3Client, LockIsFreeAgainOnceTheFirstDeviceQuits_Rfc1939_6)
{
    auto sim = simulate(lockScenario(true));
    ASSERT_TRUE(sim);
    EXPECT_EQ(sim->store().account("alice")->pop3LockHolder, 0);
    EXPECT_EQ(clientOf(*sim, "phone").status(), "downloaded 3, deleted on server 3");
    EXPECT_EQ(sim->device("phone")->local.messages().size(), 3u);
    EXPECT_TRUE(inbox(*sim).messages.empty());
}

// [SECTION] other ways in, and losing the device's memory

TEST(Pop3Client, ApopAndSaslPlainDevicesCheckMail_Rfc1939_7_Rfc5034_4)
{
    auto sim = simulate(R"({"title": "auth", )" + accounts() + R"(, "devices": [)" +
                        device("apop", R"("mode": "keep", "auth": "apop")") + ", " +
                        device("plain", R"("mode": "keep", "auth": "plain")") + R"(], "steps": [
        {"device": "apop", "action": "check mail"},
        {"device": "plain", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    EXPECT_EQ(verbsSent(*sim, 1),
              (std::vector<std::string>{"APOP", "STAT", "UIDL", "RETR", "RETR", "RETR", "QUIT"}));
    EXPECT_EQ(verbsSent(*sim, 2),
              (std::vector<std::string>{"AUTH", "STAT", "UIDL", "RETR", "RETR", "RETR", "QUIT"}));
    EXPECT_TRUE(transcriptHas(*sim, "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"));
    EXPECT_EQ(sim->device("apop")->local.messages().size(), 3u);
    EXPECT_EQ(sim->device("plain")->local.messages().size(), 3u);
    EXPECT_EQ(inbox(*sim).messages.size(), 3u);
}

TEST(Pop3Client, KeepModeDownloadsAgainAfterUidValidityReset_Rfc1939_7)
{
    auto sim = simulate(R"({"title": "restore", )" + accounts() + R"(, "devices": [)" +
                        device("laptop", R"("mode": "keep")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail"},
        {"action": "reset uidvalidity", "user": "alice"},
        {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    // New unique ids for the same messages: keep mode cannot tell, and downloads them all again.
    EXPECT_EQ(countOf(verbsSent(*sim, 2), "RETR"), 3);
    EXPECT_EQ(sim->device("laptop")->local.messages().size(), 6u);
    EXPECT_EQ(inbox(*sim).messages.size(), 3u);
}

TEST(Pop3Client, LostDeviceInKeepModeDownloadsEverythingAgain)
{
    auto sim = simulate(R"({"title": "lost", )" + accounts() + R"(, "devices": [)" +
                        device("laptop", R"("mode": "keep")") + R"(], "steps": [
        {"device": "laptop", "action": "check mail"},
        {"device": "laptop", "action": "lose device"},
        {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    EXPECT_EQ(countOf(verbsSent(*sim, 2), "RETR"), 3);
    EXPECT_EQ(sim->device("laptop")->local.messages().size(), 3u);
    EXPECT_EQ(inbox(*sim).messages.size(), 3u);
}

TEST(Pop3Client, WrongPasswordEndsTheCheckWithAuthCode_Rfc1939_7)
{
    auto sim =
        simulate(R"({"title": "bad password", )" + accounts() +
                 R"(, "devices": [{"name": "laptop", "protocol": "pop3", "user": "alice", "password": "x"}],
        "steps": [{"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    EXPECT_EQ(verbsSent(*sim, 1), (std::vector<std::string>{"USER", "PASS", "QUIT"}));
    EXPECT_EQ(clientOf(*sim, "laptop").status(), "login failed: -ERR [AUTH] wrong user name or password");
    EXPECT_EQ(inbox(*sim).messages.size(), 3u);
    EXPECT_TRUE(sim->device("laptop")->local.messages().empty());
}

// [SECTION] reply framing on the client side (RFC 1939 section 3)

TEST(Pop3Client, FramesSingleAndMultiLineReplies_Rfc1939_3)
{
    EXPECT_EQ(pop3::frameSingleLine("+OK 2 320\r\n+OK"), 11u);
    EXPECT_EQ(pop3::frameSingleLine("+OK 2 32"), 0u);
    EXPECT_EQ(pop3::frameMultiLine("+OK\r\n.\r\n"), 8u);
    EXPECT_EQ(pop3::frameMultiLine("+OK 3 octets\r\n..\r\n"), 0u); // ".." is a stuffed line, not the end
    EXPECT_EQ(pop3::frameMultiLine("+OK 3 octets\r\n..\r\n.\r\n"), 21u);
    EXPECT_EQ(pop3::frameMultiLine("-ERR no such message\r\n"), 22u); // -ERR is always one line
    EXPECT_TRUE(pop3::expectsMultiLine("LIST"));
    EXPECT_FALSE(pop3::expectsMultiLine("LIST 1"));
    EXPECT_TRUE(pop3::expectsMultiLine("retr 1"));
    EXPECT_TRUE(pop3::expectsMultiLine("TOP 1 0"));
    EXPECT_TRUE(pop3::expectsMultiLine("UIDL"));
    EXPECT_FALSE(pop3::expectsMultiLine("UIDL 2"));
    EXPECT_TRUE(pop3::expectsMultiLine("CAPA"));
    EXPECT_FALSE(pop3::expectsMultiLine("STAT"));
}

} // namespace
} // namespace maillab::test
