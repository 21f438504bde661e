// POP3 STLS in the server session (RFC 2595 section 4): when it is offered, the handover to the transport,
// bytes pipelined after it, CAPA before and after TLS, and logins that wait for TLS.
#include "pop3/pop3_session.hpp"
#include "pop3/pop3_types.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <gtest/gtest.h>
#include <string>

namespace maillab::test {
namespace {

using pop3::Pop3Session;
using pop3::SessionOptions;
using pop3::State;

SessionOptions withTls(bool loginRequiresTls = false)
{
    SessionOptions options;
    options.tlsAvailable = true;
    options.loginRequiresTls = loginRequiresTls;
    return options;
}

// The CAPA lines between the status line and the ".".
std::vector<std::string> capa(Pop3Session& s)
{
    std::string reply = s.receive("CAPA\r\n");
    EXPECT_EQ(reply.substr(0, 4), "+OK ") << reply;
    std::vector<std::string> lines;
    size_t pos = reply.find("\r\n") + 2;
    while (pos < reply.size()) {
        size_t end = reply.find("\r\n", pos);
        std::string line = reply.substr(pos, end - pos);
        pos = end + 2;
        if (line == ".") break;
        lines.push_back(line);
    }
    return lines;
}
bool has(const std::vector<std::string>& lines, const std::string& line)
{
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::string plainResponse(const std::string& user, const std::string& password)
{
    return util::base64Encode(std::string("\0", 1) + user + std::string("\0", 1) + password);
}

// STLS accepted and the transport's handshake done.
void startTls(Pop3Session& s)
{
    ASSERT_EQ(s.receive("STLS\r\n"), "+OK Begin TLS negotiation\r\n");
    ASSERT_TRUE(s.takeTlsRequest());
    s.tlsStarted();
    ASSERT_TRUE(s.tlsActive());
}

// [SECTION] without TLS options nothing changes

TEST(Pop3Stls, NotOfferedByDefault_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1);
    s.greeting();
    auto lines = capa(s);
    EXPECT_FALSE(has(lines, "STLS"));
    EXPECT_TRUE(has(lines, "USER"));
    EXPECT_EQ(s.receive("STLS\r\n"), "-ERR STLS is not offered on this connection\r\n");
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_FALSE(s.tlsActive());
    // The session goes on in plain text.
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
}

TEST(Pop3Stls, CommandTableRowCitesRfc2595AndAllowsOnlyAuthorization)
{
    const pop3::CommandInfo* info = pop3::findCommand("stls");
    ASSERT_NE(info, nullptr);
    EXPECT_STREQ(info->name, "STLS");
    EXPECT_EQ(info->allowedStates, static_cast<uint8_t>(State::Authorization));
    EXPECT_STREQ(info->rfc, "RFC 2595 section 4");
    EXPECT_NE(std::string(info->summary).find("TLS"), std::string::npos);
}

// [SECTION] STLS offered

TEST(Pop3Stls, ListedInCapaOnlyBeforeTlsInAuthorization_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    auto before = capa(s);
    EXPECT_TRUE(has(before, "STLS"));
    EXPECT_TRUE(has(before, "USER"));
    EXPECT_TRUE(has(before, "SASL PLAIN"));
    startTls(s);
    auto after = capa(s);
    EXPECT_FALSE(has(after, "STLS"));
    EXPECT_TRUE(has(after, "USER"));
    // Apart from STLS the list is the same.
    before.erase(std::find(before.begin(), before.end(), "STLS"));
    EXPECT_EQ(before, after);
}

TEST(Pop3Stls, AcceptedOnceThenTheTransportTakesTheRequestOnce_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_EQ(s.receive("stls\r\n"), "+OK Begin TLS negotiation\r\n"); // keywords are case-insensitive
    EXPECT_TRUE(s.takeTlsRequest());
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_FALSE(s.tlsActive()); // not until the handshake is done
    // The server remains in AUTHORIZATION state (RFC 2595 section 4).
    EXPECT_EQ(s.state(), State::Authorization);
    s.tlsStarted();
    EXPECT_TRUE(s.tlsActive());
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.receive("PASS wonderland\r\n").substr(0, 4), "+OK ");
    EXPECT_EQ(s.state(), State::Transaction);
}

TEST(Pop3Stls, RefusedWhenTlsIsActive_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    startTls(s);
    EXPECT_EQ(s.receive("STLS\r\n"), "-ERR Command not permitted when TLS active (RFC 2595 section 4)\r\n");
    EXPECT_FALSE(s.takeTlsRequest());
}

TEST(Pop3Stls, ImplicitTlsStartsBeforeTheGreetingAndNeverOffersStls_Rfc8314_3_1)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls(true));
    s.tlsStarted(); // port 995: TLS comes first
    EXPECT_EQ(s.greeting().substr(0, 4), "+OK ");
    auto lines = capa(s);
    EXPECT_FALSE(has(lines, "STLS"));
    EXPECT_TRUE(has(lines, "USER"));
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
}

TEST(Pop3Stls, OnlyInAuthorizationState_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    ASSERT_EQ(s.receive("USER alice\r\nPASS wonderland\r\n").substr(0, 14), "+OK send PASS\r");
    ASSERT_EQ(s.state(), State::Transaction);
    EXPECT_FALSE(has(capa(s), "STLS")); // "permitted in the current state" it is not
    EXPECT_EQ(s.receive("STLS\r\n"),
              "-ERR STLS is only allowed before logging in (AUTHORIZATION state, RFC 2595 section 4)\r\n");
    EXPECT_FALSE(s.takeTlsRequest());
    EXPECT_EQ(s.receive("NOOP\r\n"), "+OK nothing to do\r\n");
}

TEST(Pop3Stls, TakesNoArguments_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_EQ(s.receive("STLS now\r\n").substr(0, 5), "-ERR ");
    EXPECT_FALSE(s.takeTlsRequest());
}

TEST(Pop3Stls, FedOneByteAtATime)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    std::string out;
    for (char c : std::string("STLS\r\n"))
        out += s.receive(std::string(1, c));
    EXPECT_EQ(out, "+OK Begin TLS negotiation\r\n");
    EXPECT_TRUE(s.takeTlsRequest());
}

// [SECTION] plaintext after STLS is dropped (command injection, CVE-2011-0411)

TEST(Pop3Stls, CommandsPipelinedAfterStlsAreDropped_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    // An attacker in the path appends commands to the client's STLS: they must never run, neither now
    // nor after the handshake as if the client had sent them inside TLS.
    EXPECT_EQ(s.receive("STLS\r\nUSER alice\r\nPASS wonderland\r\nDELE 1\r\n"),
              "+OK Begin TLS negotiation\r\n");
    EXPECT_TRUE(s.takeTlsRequest());
    EXPECT_EQ(s.receive("QUIT\r\n"), ""); // still before tlsStarted: dropped too
    EXPECT_FALSE(s.closed());
    s.tlsStarted();
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR send USER first (RFC 1939 section 7)\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
}

TEST(Pop3Stls, APartialLineAfterStlsIsDropped)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_EQ(s.receive("STLS\r\nUSER al"), "+OK Begin TLS negotiation\r\n");
    s.takeTlsRequest();
    s.tlsStarted();
    // Had "USER al" been kept, this would complete "USER alice".
    EXPECT_EQ(s.receive("ice\r\n"), "-ERR unknown command \"ice\"\r\n");
}

TEST(Pop3Stls, UserGivenBeforeStlsIsForgotten_Rfc2595_4)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls());
    s.greeting();
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
    startTls(s);
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR send USER first (RFC 1939 section 7)\r\n");
}

// [SECTION] loginRequiresTls

TEST(Pop3Stls, LoginRequiresTlsRefusesEveryLoginCommandBeforeTls_Rfc2595_6)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls(true));
    const std::string greeting = s.greeting();
    const size_t lt = greeting.find('<');
    const std::string digest = util::md5Hex(greeting.substr(lt, greeting.find('>') - lt + 1) + "wonderland");
    auto lines = capa(s);
    EXPECT_TRUE(has(lines, "STLS"));
    EXPECT_FALSE(has(lines, "USER"));
    EXPECT_FALSE(has(lines, "SASL PLAIN"));
    EXPECT_TRUE(has(lines, "TOP"));
    const std::vector<std::string> logins = {
        "USER alice", "PASS wonderland", "APOP alice " + digest,
        "AUTH",       "AUTH PLAIN",      "AUTH PLAIN " + plainResponse("alice", "wonderland")};
    for (const std::string& line : logins) {
        SCOPED_TRACE(line);
        std::string reply = s.receive(line + "\r\n");
        EXPECT_EQ(reply.substr(0, 5), "-ERR ");
        EXPECT_NE(reply.find("STLS"), std::string::npos) << reply; // tells the student the way out
        EXPECT_EQ(reply.find("\r\n"), reply.size() - 2);
        EXPECT_EQ(s.state(), State::Authorization);
    }
    EXPECT_EQ(w.store.account("alice")->pop3LockHolder, 0);

    startTls(s);
    auto after = capa(s);
    EXPECT_FALSE(has(after, "STLS"));
    EXPECT_TRUE(has(after, "USER"));
    EXPECT_TRUE(has(after, "SASL PLAIN"));
    EXPECT_EQ(s.receive("AUTH PLAIN " + plainResponse("alice", "wonderland") + "\r\n").substr(0, 4), "+OK ");
    EXPECT_EQ(s.state(), State::Transaction);
}

TEST(Pop3Stls, LoginRequiresTlsAllowsApopAfterTls)
{
    DemoWorld w;
    Pop3Session s(w.store, w.clock, 1, withTls(true));
    const std::string greeting = s.greeting();
    const size_t lt = greeting.find('<');
    const std::string digest = util::md5Hex(greeting.substr(lt, greeting.find('>') - lt + 1) + "wonderland");
    startTls(s);
    EXPECT_EQ(s.receive("APOP alice " + digest + "\r\n").substr(0, 4), "+OK ");
}

// Every combination of the options, before and after TLS: what CAPA lists in AUTHORIZATION.
TEST(Pop3Stls, CapaForEveryCombinationOfOptions_Rfc2595_4_And_Rfc2449_5)
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
                Pop3Session s(w.store, w.clock, 1, options);
                if (active) s.tlsStarted();
                s.greeting();
                auto lines = capa(s);
                EXPECT_EQ(has(lines, "STLS"), available && !active);
                EXPECT_EQ(has(lines, "USER"), !required || active);
                EXPECT_EQ(has(lines, "SASL PLAIN"), !required || active);
                EXPECT_TRUE(has(lines, "UIDL"));
                std::string reply = s.receive("USER alice\r\n");
                EXPECT_EQ(reply.substr(0, 4) == "+OK ", !required || active) << reply;
            }
}

} // namespace
} // namespace maillab::test
