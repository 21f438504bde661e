// The TLS lesson's golden transcript, what the programs said (the TLS records are random on every run and
// are not in it), and every session of it checked against the rules of RFC 2595 and RFC 3501 section 6.2.1:
// upgrade before login, nothing after the upgrade command until TLS, capabilities asked again inside TLS,
// and implicit TLS with not one plain-text byte.
//
// After an intended change:  MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests --gtest_filter='TlsGolden.*'
// and read the diff against RFC 2595 before committing it.
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "util/text.hpp"
#include "wire/transcript.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using Entry = wire::TranscriptEntry;

constexpr const char* kLesson = "02-ports-and-tls";

TEST(TlsGolden, ProgramsLayerOfThePortsLesson)
{
    auto simulation = runLesson(kLesson);
    ASSERT_TRUE(simulation);
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / (std::string(kLesson) + ".txt"),
                          simulation->transcript().toText(false));
}

struct Exchange {
    std::string command; // the client line, without CRLF ("" for server data nobody asked for)
    std::string reply;   // the server bytes that followed
    bool encrypted = false;
};

struct Session {
    wire::Protocol protocol = wire::Protocol::Pop3;
    uint16_t port = 0;
    std::vector<Exchange> exchanges; // the greeting first, with an empty command
    size_t handshakeAt = SIZE_MAX;   // exchanges before this index were in plain text
};

std::map<int, Session> sessionsOf(const scenario::Simulation& simulation)
{
    std::map<int, Session> sessions;
    for (const Entry& e : simulation.transcript().entries()) {
        if (e.sessionId == 0) continue;
        Session& s = sessions[e.sessionId];
        s.protocol = e.protocol;
        if (e.kind == Entry::Kind::Connected) s.port = e.serverPort;
        if (e.kind == Entry::Kind::Note && e.bytes.rfind("TLS handshake, flight 1,", 0) == 0)
            s.handshakeAt = s.exchanges.size();
        if (e.kind != Entry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer || s.exchanges.empty())
            s.exchanges.push_back({e.direction == wire::Direction::ClientToServer
                                       ? e.bytes.substr(0, e.bytes.find("\r\n"))
                                       : std::string(),
                                   {},
                                   e.encrypted});
        if (e.direction == wire::Direction::ServerToClient) s.exchanges.back().reply += e.bytes;
        EXPECT_EQ(e.encrypted, s.handshakeAt != SIZE_MAX) << "after the handshake everything is inside TLS";
    }
    return sessions;
}

bool isLogin(const Session& s, const std::string& command)
{
    const std::vector<std::string_view> words = util::splitSpaces(command);
    if (words.empty()) return false;
    if (s.protocol == wire::Protocol::Pop3)
        return util::iequals(words[0], "USER") || util::iequals(words[0], "PASS") ||
               util::iequals(words[0], "APOP") || util::iequals(words[0], "AUTH");
    return words.size() >= 2 && (util::iequals(words[1], "LOGIN") || util::iequals(words[1], "AUTHENTICATE"));
}

TEST(TlsGolden, EverySessionFollowsRfc2595AndRfc3501_6_2_1)
{
    auto simulation = runLesson(kLesson);
    ASSERT_TRUE(simulation);
    const std::map<int, Session> sessions = sessionsOf(*simulation);
    int implicit = 0, upgraded = 0, plain = 0;
    for (const auto& [id, s] : sessions) {
        SCOPED_TRACE("session " + std::to_string(id));
        ASSERT_FALSE(s.exchanges.empty());
        const bool pop3 = s.protocol == wire::Protocol::Pop3;
        if (s.port == 995 || s.port == 993) {
            // RFC 8314 section 3.3: TLS from the first byte; the greeting is the first thing inside it.
            ++implicit;
            EXPECT_EQ(s.handshakeAt, 0u);
            EXPECT_TRUE(s.exchanges[0].command.empty());
            EXPECT_TRUE(s.exchanges[0].encrypted);
            continue;
        }
        if (s.handshakeAt == SIZE_MAX) {
            // Plain text to a server that requires TLS: every login attempt is refused (RFC 2595 section 3.1,
            // RFC 3501 section 6.2.3), and the greeting or CAPA told the client so.
            ++plain;
            for (const Exchange& x : s.exchanges) {
                if (!isLogin(s, x.command)) continue;
                const bool refused =
                    pop3 ? x.reply.rfind("-ERR", 0) == 0 : x.reply.find(" NO ") != std::string::npos;
                EXPECT_TRUE(refused) << x.command;
            }
            const bool announced = s.exchanges[0].reply.find("LOGINDISABLED") != std::string::npos;
            EXPECT_TRUE(pop3 || announced);
            continue;
        }
        ++upgraded;
        ASSERT_GE(s.handshakeAt, 2u);
        ASSERT_LT(s.handshakeAt, s.exchanges.size());
        // The upgrade command is the last plain-text exchange and was accepted; no login before it.
        const Exchange& upgrade = s.exchanges[s.handshakeAt - 1];
        if (pop3) {
            EXPECT_EQ(upgrade.command, "STLS"); // RFC 2595 section 4
            EXPECT_EQ(upgrade.reply.rfind("+OK", 0), 0u);
        } else {
            const std::string tag = upgrade.command.substr(0, upgrade.command.find(' '));
            EXPECT_EQ(upgrade.command, tag + " STARTTLS"); // RFC 3501 section 6.2.1
            EXPECT_EQ(upgrade.reply.rfind(tag + " OK", 0), 0u);
        }
        for (size_t i = 0; i < s.handshakeAt; ++i)
            EXPECT_FALSE(isLogin(s, s.exchanges[i].command)) << s.exchanges[i].command;
        // The capabilities before TLS offered the upgrade; the client asks again at once inside TLS, and
        // the new list no longer offers it (and, IMAP, no longer says LOGINDISABLED).
        const std::string& before = s.exchanges[s.handshakeAt - 2].reply;
        const Exchange& again = s.exchanges[s.handshakeAt];
        if (pop3) {
            EXPECT_NE(before.find("\r\nSTLS\r\n"), std::string::npos);
            EXPECT_EQ(again.command, "CAPA");
            EXPECT_EQ(again.reply.find("STLS"), std::string::npos);
            EXPECT_NE(again.reply.find("\r\nUSER\r\n"), std::string::npos);
        } else {
            EXPECT_NE(before.find(" STARTTLS"), std::string::npos);
            EXPECT_NE(again.command.find(" CAPABILITY"), std::string::npos);
            EXPECT_EQ(again.reply.find("STARTTLS"), std::string::npos);
            EXPECT_EQ(again.reply.find("LOGINDISABLED"), std::string::npos);
        }
        bool loggedIn = false;
        for (size_t i = s.handshakeAt; i < s.exchanges.size(); ++i)
            loggedIn = loggedIn || isLogin(s, s.exchanges[i].command);
        EXPECT_TRUE(loggedIn);
    }
    EXPECT_EQ(implicit, 2);
    EXPECT_EQ(upgraded, 2);
    EXPECT_EQ(plain, 2);
}

} // namespace
} // namespace maillab::test
