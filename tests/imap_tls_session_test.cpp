// IMAP STARTTLS in the server session (RFC 3501 section 6.2.1): when it is offered, the handover to the
// transport, bytes pipelined after it, CAPABILITY before and after TLS, and LOGINDISABLED.
#include "imap/imap_session.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace maillab::test {
namespace {

using imap::ImapSession;
using imap::SessionOptions;
using imap::State;

SessionOptions withTls(bool loginRequiresTls = false)
{
    SessionOptions options;
    options.tlsAvailable = true;
    options.loginRequiresTls = loginRequiresTls;
    return options;
}

std::string send(ImapSession& s, const std::string& line)
{
    return s.receive(line + "\r\n");
}

// The words of "* CAPABILITY ..." in a reply, or of the [CAPABILITY ...] response code.
std::vector<std::string> capabilityWords(const std::string& reply)
{
    size_t at = reply.find("* CAPABILITY ");
    size_t start = at == std::string::npos ? reply.find("[CAPABILITY ") + 12 : at + 13;
    size_t end = at == std::string::npos ? reply.find(']', start) : reply.find("\r\n", start);
    std::vector<std::string> words;
    for (std::string_view w : util::splitSpaces(std::string_view(reply).substr(start, end - start)))
        words.emplace_back(w);
    return words;
}
std::vector<std::string> capabilities(ImapSession& s)
{
    std::string reply = send(s, "c CAPABILITY");
    EXPECT_NE(reply.find("c OK CAPABILITY completed\r\n"), std::string::npos) << reply;
    return capabilityWords(reply);
}
bool has(const std::vector<std::string>& words, const std::string& word)
{
    return std::find(words.begin(), words.end(), word) != words.end();
}

std::string plainResponse(const std::string& user, const std::string& password)
{
    return util::base64Encode(std::string("\0", 1) + user + std::string("\0", 1) + password);
}

void startTls(ImapSession& s)
{
    ASSERT_EQ(send(s, "t STARTTLS"), "t OK Begin TLS negotiation now\r\n");
    ASSERT_TRUE(s.takeTlsRequest());
    s.tlsStarted();
    ASSERT_TRUE(s.tlsActive());
}

// [SECTION] without TLS options nothing changes

TEST(ImapStarttls, NotOfferedByDefault_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1);
    EXPECT_EQ(capabilityWords(s.greeting()), capabilityWords("* CAPABILITY " + ImapSession::capabilities()));
    EXPECT_EQ(s.currentCapabilities(), ImapSession::capabilities());
    EXPECT_FALSE(has(capabilities(s), "STARTTLS"));
    EXPECT_EQ(send(s, "a STARTTLS"), "a NO STARTTLS is not offered on this connection\r\n");
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_FALSE(s.tlsActive());
}

TEST(ImapStarttls, CommandTableRowHasAStudentSummary_Rfc3501_6_2_1)
{
    const imap::CommandInfo& info = imap::commandInfo(imap::CommandName::Starttls);
    EXPECT_STREQ(info.wireName, "STARTTLS");
    EXPECT_EQ(info.allowedStates, static_cast<uint8_t>(State::NotAuthenticated));
    EXPECT_STREQ(info.rfc, "RFC 3501 section 6.2.1");
    EXPECT_NE(std::string(info.summary).find("handshake"), std::string::npos);
}

// [SECTION] STARTTLS offered

TEST(ImapStarttls, GreetingAndCapabilityListStarttlsUntilTlsIsActive_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    auto greeting = capabilityWords(s.greeting());
    EXPECT_TRUE(has(greeting, "STARTTLS"));
    EXPECT_TRUE(has(greeting, "AUTH=PLAIN"));
    EXPECT_FALSE(has(greeting, "LOGINDISABLED"));
    auto before = capabilities(s);
    EXPECT_EQ(before, greeting);
    startTls(s);
    // The capability list changes after STARTTLS; the client must ask again.
    auto after = capabilities(s);
    EXPECT_FALSE(has(after, "STARTTLS"));
    before.erase(std::find(before.begin(), before.end(), "STARTTLS"));
    EXPECT_EQ(after, before);
}

TEST(ImapStarttls, AcceptedWithOkAndTheServerStaysNotAuthenticated_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_EQ(send(s, "a1 starttls"), "a1 OK Begin TLS negotiation now\r\n");
    EXPECT_TRUE(s.takeTlsRequest());
    EXPECT_FALSE(s.takeTlsRequest()); // once
    EXPECT_FALSE(s.tlsActive());
    s.tlsStarted();
    EXPECT_EQ(s.state(), State::NotAuthenticated);
    std::string reply = send(s, "a2 LOGIN alice wonderland");
    EXPECT_EQ(reply.substr(0, 6), "a2 OK ");
    EXPECT_FALSE(has(capabilityWords(reply), "STARTTLS"));
    EXPECT_EQ(s.state(), State::Authenticated);
}

TEST(ImapStarttls, SecondStarttlsIsBad_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    startTls(s);
    EXPECT_EQ(send(s, "a STARTTLS"), "a BAD TLS is already active (RFC 3501 section 6.2.1)\r\n");
    EXPECT_FALSE(s.takeTlsRequest());
}

TEST(ImapStarttls, NotAllowedAfterLoginAndNotListedThere_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    ASSERT_EQ(send(s, "l LOGIN alice wonderland").substr(0, 5), "l OK ");
    EXPECT_FALSE(has(capabilities(s), "STARTTLS"));
    EXPECT_EQ(send(s, "a STARTTLS").substr(0, 6), "a BAD ");
    ASSERT_NE(send(s, "s SELECT INBOX").find("s OK [READ-WRITE]"), std::string::npos);
    EXPECT_FALSE(has(capabilities(s), "STARTTLS"));
    EXPECT_EQ(send(s, "b STARTTLS").substr(0, 6), "b BAD ");
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_EQ(s.state(), State::Selected);
}

TEST(ImapStarttls, ImplicitTlsStartsBeforeTheGreeting_Rfc8314_3_2)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls(true));
    s.tlsStarted(); // port 993: TLS comes first
    auto greeting = capabilityWords(s.greeting());
    EXPECT_FALSE(has(greeting, "STARTTLS"));
    EXPECT_FALSE(has(greeting, "LOGINDISABLED"));
    EXPECT_TRUE(has(greeting, "AUTH=PLAIN"));
    EXPECT_EQ(send(s, "a LOGIN alice wonderland").substr(0, 5), "a OK ");
}

TEST(ImapStarttls, FedOneByteAtATime)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    std::string out;
    for (char c : std::string("x STARTTLS\r\n"))
        out += s.receive(std::string(1, c));
    EXPECT_EQ(out, "x OK Begin TLS negotiation now\r\n");
    EXPECT_TRUE(s.takeTlsRequest());
}

// [SECTION] plaintext after STARTTLS is dropped (command injection, CVE-2011-0411)

TEST(ImapStarttls, CommandsPipelinedAfterStarttlsAreDropped_Rfc3501_6_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    // "Once a client issues a STARTTLS command, it MUST NOT issue further commands until ... the [TLS]
    // negotiation is complete": whatever follows in plain text came from someone else.
    EXPECT_EQ(s.receive("a STARTTLS\r\nb LOGIN alice wonderland\r\nc CREATE Injected\r\n"),
              "a OK Begin TLS negotiation now\r\n");
    EXPECT_TRUE(s.takeTlsRequest());
    EXPECT_EQ(send(s, "d LOGOUT"), ""); // still before the handshake: dropped
    EXPECT_FALSE(s.closed());
    s.tlsStarted();
    EXPECT_EQ(s.state(), State::NotAuthenticated);
    EXPECT_EQ(w.store.mailbox("alice", "Injected"), nullptr);
    EXPECT_EQ(send(s, "e NOOP"), "e OK NOOP completed\r\n");
}

TEST(ImapStarttls, APartialCommandOrLiteralAfterStarttlsIsDropped)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_EQ(s.receive("a STARTTLS\r\nb LOGIN {5+}\r\nali"), "a OK Begin TLS negotiation now\r\n");
    s.takeTlsRequest();
    s.tlsStarted();
    // Had the literal been kept, these bytes would finish "b LOGIN alice wonderland".
    EXPECT_EQ(s.receive("ce wonderland\r\n").substr(0, 2), "ce"); // parsed as a new command: tag "ce"
    EXPECT_EQ(s.state(), State::NotAuthenticated);
}

// [SECTION] loginRequiresTls: LOGINDISABLED

TEST(ImapStarttls, LoginDisabledBeforeTls_Rfc3501_7_2_1)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls(true));
    auto greeting = capabilityWords(s.greeting());
    EXPECT_TRUE(has(greeting, "STARTTLS"));
    EXPECT_TRUE(has(greeting, "LOGINDISABLED"));
    EXPECT_FALSE(has(greeting, "AUTH=PLAIN")); // RFC 2595 section 6
    EXPECT_EQ(capabilities(s), greeting);
    // "the server will respond with a tagged NO response to any attempt to use the LOGIN command even if
    // the user name and password are valid" (RFC 3501 section 7.2.1).
    std::string login = send(s, "a LOGIN alice wonderland");
    EXPECT_EQ(login.substr(0, 23), "a NO [PRIVACYREQUIRED] ") << login;
    EXPECT_NE(login.find("STARTTLS"), std::string::npos);
    for (std::string line : {std::string("b AUTHENTICATE PLAIN"),
                             "c AUTHENTICATE PLAIN " + plainResponse("alice", "wonderland")}) {
        std::string reply = send(s, line);
        EXPECT_EQ(reply.substr(0, 23), line.substr(0, 1) + " NO [PRIVACYREQUIRED] ") << reply;
        EXPECT_EQ(reply.find("\r\n"), reply.size() - 2); // no "+" continuation: nothing more is read
    }
    EXPECT_EQ(s.state(), State::NotAuthenticated);
    EXPECT_EQ(send(s, "d NOOP"), "d OK NOOP completed\r\n");

    startTls(s);
    auto after = capabilities(s);
    EXPECT_FALSE(has(after, "STARTTLS"));
    EXPECT_FALSE(has(after, "LOGINDISABLED"));
    EXPECT_TRUE(has(after, "AUTH=PLAIN"));
    EXPECT_EQ(send(s, "e LOGIN alice wonderland").substr(0, 5), "e OK ");
    EXPECT_EQ(s.state(), State::Authenticated);
}

TEST(ImapStarttls, AuthenticateWorksAfterStarttlsWhenLoginRequiresTls_Rfc3501_6_2_2)
{
    DemoWorld w;
    ImapSession s(w.store, w.clock, 1, withTls(true));
    s.greeting();
    startTls(s);
    EXPECT_EQ(send(s, "a AUTHENTICATE PLAIN"), "+ \r\n");
    EXPECT_EQ(send(s, plainResponse("alice", "wonderland")).substr(0, 5), "a OK ");
    EXPECT_EQ(s.state(), State::Authenticated);
}

// Every combination of the options, before and after TLS, in each state a session can reach: what
// CAPABILITY lists, from the rules of RFC 3501 section 6.2.1 and 7.2.1 and RFC 2595 section 6.
TEST(ImapStarttls, CapabilityInEveryStateForEveryCombinationOfOptions)
{
    for (bool available : {false, true})
        for (bool required : {false, true})
            for (bool active : {false, true}) {
                SCOPED_TRACE(std::string("available=") + (available ? "1" : "0") +
                             " required=" + (required ? "1" : "0") + " active=" + (active ? "1" : "0"));
                DemoWorld w;
                SessionOptions options;
                options.tlsAvailable = available;
                options.loginRequiresTls = required;
                ImapSession s(w.store, w.clock, 1, options);
                if (active) s.tlsStarted();
                const bool loginPossible = !required || active;
                auto greeting = capabilityWords(s.greeting());
                auto notAuth = capabilities(s);
                EXPECT_EQ(greeting, notAuth);
                EXPECT_EQ(notAuth.front(), "IMAP4rev1");
                EXPECT_EQ(has(notAuth, "STARTTLS"), available && !active);
                EXPECT_EQ(has(notAuth, "LOGINDISABLED"), !loginPossible);
                EXPECT_EQ(has(notAuth, "AUTH=PLAIN"), loginPossible);
                EXPECT_TRUE(has(notAuth, "IDLE"));
                std::string login = send(s, "l LOGIN alice wonderland");
                EXPECT_EQ(login.substr(0, 5) == "l OK ", loginPossible) << login;
                if (!loginPossible) continue;
                for (const char* step : {"", "s SELECT INBOX"}) {
                    if (*step) { ASSERT_NE(send(s, step).find("s OK [READ-WRITE]"), std::string::npos); }
                    auto words = capabilities(s);
                    EXPECT_FALSE(has(words, "STARTTLS"));
                    EXPECT_FALSE(has(words, "LOGINDISABLED"));
                    EXPECT_TRUE(has(words, "AUTH=PLAIN"));
                }
            }
}

} // namespace
} // namespace maillab::test
