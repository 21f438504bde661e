// The POP3 server session driven directly with exact bytes: every command in every state, the maildrop
// lock, QUIT against a dropped connection, framing, and bad input (RFC 1939, RFC 2449, RFC 5034, RFC 4616).
#include "pop3/pop3_session.hpp"
#include "pop3/pop3_types.hpp"
#include "store/store.hpp"
#include "util/text.hpp"
#include "wire/clock.hpp"

#include <algorithm>
#include <cstdio>
#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <string>
#include <tuple>
#include <vector>

namespace maillab::test {
namespace {

using pop3::Pop3Session;
using pop3::State;
using namespace std::string_literals;

// [SECTION] a small store with known bytes

// 89 octets: a header, the empty line, five body lines.
constexpr std::string_view kMsg1 = "From: Carol <carol@example.org>\r\nSubject: one\r\n\r\n"
                                   "line 1\r\nline 2\r\nline 3\r\nline 4\r\nline 5\r\n";
// 70 octets: body lines that need byte-stuffing (RFC 1939 section 3).
constexpr std::string_view kMsg2 =
    "From: Dave <dave@example.org>\r\nSubject: dots\r\n\r\n.\r\n..\r\n.x\r\nlast line\r\n";
// 24 octets.
constexpr std::string_view kMsg3 = "Subject: three\r\n\r\nbody\r\n";
// 38 octets, and no CRLF after its last line.
constexpr std::string_view kBobMsg = "Subject: hi bob\r\n\r\nno final line break";

constexpr uint32_t kUidValidityBase = 1000; // alice's INBOX gets 1000, bob's 1001, carol's 1002

struct World {
    wire::VirtualClock clock;
    store::Store store{kUidValidityBase};
    World()
    {
        store.addAccount("alice", "wonderland");
        store.addAccount("bob", "builder");
        store.addAccount("carol", "open sesame"); // RFC 1939 section 7: a password may hold spaces
        for (std::string_view m : {kMsg1, kMsg2, kMsg3})
            deliver("alice", m);
        deliver("bob", kBobMsg);
    }
    uint32_t deliver(const std::string& user, std::string_view bytes)
    {
        return store.deliver(user, "INBOX", std::string(bytes), mail::DateTime{clock.nowSeconds(), 0});
    }
    size_t inboxSize(const std::string& user) const { return store.mailbox(user, "INBOX")->messages.size(); }
    int lockHolder(const std::string& user) const { return store.account(user)->pop3LockHolder; }
};

// Everything a POP3 session could change: messages (UID, size, flags, bytes), UIDNEXT, UIDVALIDITY, locks.
struct StoreSnapshot {
    std::vector<std::tuple<std::string, std::string, uint32_t, uint32_t>>
        mailboxes; // user, name, validity, next
    std::vector<std::tuple<std::string, uint32_t, size_t, uint8_t, std::string>> messages;
    std::vector<std::pair<std::string, int>> locks;
    bool operator==(const StoreSnapshot&) const = default;
};

StoreSnapshot snapshot(const store::Store& store)
{
    StoreSnapshot s;
    for (const std::string& user : store.users()) {
        const store::Account* account = store.account(user);
        s.locks.emplace_back(user, account->pop3LockHolder);
        for (const auto& [name, box] : account->mailboxes) {
            s.mailboxes.emplace_back(user, name, box.uidValidity, box.uidNext);
            for (const store::StoredMessage& m : box.messages)
                s.messages.emplace_back(user + "/" + name, m.uid, m.size(), m.flags, m.copyBytes());
        }
    }
    return s;
}

std::string greet(Pop3Session& session)
{
    return session.greeting();
}

// USER and PASS; the session must end up in TRANSACTION.
void logIn(Pop3Session& session, const std::string& user = "alice",
           const std::string& password = "wonderland")
{
    ASSERT_EQ(session.receive("USER " + user + "\r\n"), "+OK send PASS\r\n");
    ASSERT_EQ(session.receive("PASS " + password + "\r\n").substr(0, 4), "+OK ");
    ASSERT_EQ(session.state(), State::Transaction);
}

int lineCount(std::string_view reply)
{
    int lines = 0;
    for (size_t at = reply.find("\r\n"); at != std::string_view::npos; at = reply.find("\r\n", at + 2))
        ++lines;
    return lines;
}

// Exactly one "-ERR ..." CRLF line (RFC 1939 section 3: a negative status indicator, nothing more).
void expectOneErr(std::string_view reply)
{
    EXPECT_EQ(reply.substr(0, 5), "-ERR ") << util::escapeForDisplay(reply);
    EXPECT_EQ(lineCount(reply), 1) << util::escapeForDisplay(reply);
    EXPECT_EQ(reply.substr(reply.size() < 2 ? 0 : reply.size() - 2), "\r\n");
    EXPECT_EQ(reply.find('\n'), reply.size() - 1) << "no bare LF inside the reply";
}

// Feeds input that must be refused: one -ERR line, no change of state or store, and the session goes on.
void expectRefusedCleanly(World& world, Pop3Session& session, std::string_view input)
{
    SCOPED_TRACE("input: " + util::escapeForDisplay(input.substr(0, 80)));
    const StoreSnapshot before = snapshot(world.store);
    const State state = session.state();
    expectOneErr(session.receive(input));
    EXPECT_EQ(session.state(), state);
    EXPECT_FALSE(session.closed());
    EXPECT_EQ(snapshot(world.store), before);
    // The session still answers a good command.
    std::string probe = session.receive(state == State::Transaction ? "NOOP\r\n" : "CAPA\r\n");
    EXPECT_EQ(probe.substr(0, 4), "+OK ");
}

std::string hexMd5(std::string_view text)
{
    // Computed here with OpenSSL directly, independent of util::md5Hex which the engine uses.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
    std::string out;
    char buffer[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(buffer, sizeof buffer, "%02x", digest[i]);
        out += buffer;
    }
    return out;
}

std::string timestampOf(const std::string& greeting)
{
    size_t lt = greeting.find('<'), gt = greeting.find('>');
    return lt == std::string::npos || gt == std::string::npos ? std::string()
                                                              : greeting.substr(lt, gt - lt + 1);
}

constexpr std::string_view kCapa = "+OK capability list follows\r\n"
                                   "TOP\r\nUSER\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
                                   "SASL PLAIN\r\nEXPIRE NEVER\r\nIMPLEMENTATION maillab\r\n.\r\n";

// [SECTION] greeting and AUTHORIZATION

TEST(Pop3Session, GreetingIsPositiveWithApopTimestamp_Rfc1939_4_And_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    EXPECT_EQ(greet(s), "+OK maillab POP3 server ready <1.1795683600000@maillab>\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(s.stateName(), "AUTHORIZATION");
    // The timestamp must differ for every greeting (RFC 1939 section 7).
    Pop3Session other(w.store, w.clock, 2);
    EXPECT_NE(timestampOf(greet(other)), timestampOf(s.greeting()));
}

TEST(Pop3Session, UserThenPassLogsInAndLocks_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 7);
    greet(s);
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "+OK alice's maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(s.state(), State::Transaction);
    EXPECT_EQ(s.stateName(), "TRANSACTION");
    EXPECT_EQ(s.user(), "alice");
    EXPECT_EQ(w.lockHolder("alice"), 7);
}

TEST(Pop3Session, KeywordsAreCaseInsensitive_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("user alice\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.receive("pAsS wonderland\r\n").substr(0, 4), "+OK ");
    EXPECT_EQ(s.receive("stat\r\n"), "+OK 3 183\r\n");
}

TEST(Pop3Session, OneMessageUsesSingularInGreeting_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    s.receive("USER bob\r\n");
    EXPECT_EQ(s.receive("PASS builder\r\n"), "+OK bob's maildrop has 1 message (38 octets)\r\n");
}

TEST(Pop3Session, WrongPasswordGivesAuthRespCodeAndStaysInAuthorization_Rfc1939_7)
{
    World w;
    const StoreSnapshot before = snapshot(w.store);
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.receive("PASS guess\r\n"), "-ERR [AUTH] wrong user name or password\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(snapshot(w.store), before); // no lock taken
    // After a failed PASS the client starts again with USER (RFC 1939 section 7).
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR send USER first (RFC 1939 section 7)\r\n");
    logIn(s);
}

TEST(Pop3Session, UnknownUserGetsTheSameAnswersAsAKnownOne_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // USER may say +OK for a mailbox that does not exist, so names cannot be probed.
    EXPECT_EQ(s.receive("USER mallory\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR [AUTH] wrong user name or password\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
}

TEST(Pop3Session, PassWithoutUserIsRefused_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR send USER first (RFC 1939 section 7)\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
}

TEST(Pop3Session, PasswordMayContainSpaces_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("USER carol\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(s.receive("PASS open sesame\r\n"), "+OK carol's maildrop has 0 messages (0 octets)\r\n");
}

TEST(Pop3Session, Md5MatchesRfc1321TestSuiteAndRfc1939Example)
{
    // The test's own MD5 helper against RFC 1321 appendix A.5, then the engine's helper against both.
    EXPECT_EQ(hexMd5(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(hexMd5("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(hexMd5("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(hexMd5("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
              "57edf4a22be3c955ac49da2e2107b67a");
    // RFC 1939 section 7: the APOP example digest.
    EXPECT_EQ(hexMd5("<1896.697170952@dbc.mtview.ca.us>tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
    EXPECT_EQ(util::md5Hex("<1896.697170952@dbc.mtview.ca.us>tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
}

TEST(Pop3Session, ApopWithCorrectDigestLogsIn_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 3);
    const std::string timestamp = timestampOf(greet(s));
    ASSERT_EQ(timestamp, "<3.1795683600000@maillab>");
    const std::string digest = hexMd5(timestamp + "wonderland");
    EXPECT_EQ(s.receive("APOP alice " + digest + "\r\n"),
              "+OK alice's maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(s.state(), State::Transaction);
    EXPECT_EQ(w.lockHolder("alice"), 3);
}

TEST(Pop3Session, ApopWithWrongDigestIsRefused_Rfc1939_7)
{
    World w;
    Pop3Session s(w.store, w.clock, 3);
    const std::string timestamp = timestampOf(greet(s));
    // Wrong secret, another greeting's timestamp (a replay), an unknown user: all the same -ERR.
    const std::string wrong[] = {
        "APOP alice " + hexMd5(timestamp + "guess") + "\r\n",
        "APOP alice " + hexMd5("<9.1795683600000@maillab>wonderland") + "\r\n",
        "APOP mallory " + hexMd5(timestamp + "wonderland") + "\r\n",
        "APOP alice 00000000000000000000000000000000\r\n",
    };
    for (const std::string& line : wrong) {
        SCOPED_TRACE(line);
        EXPECT_EQ(s.receive(line), "-ERR [AUTH] wrong user name or password\r\n");
        EXPECT_EQ(s.state(), State::Authorization);
        EXPECT_EQ(w.lockHolder("alice"), 0);
    }
}

TEST(Pop3Session, AuthPlainWithInitialResponse_Rfc5034_4_Rfc4616_2)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // base64("\0alice\0wonderland"): no authorization identity.
    EXPECT_EQ(s.receive("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"),
              "+OK alice's maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(s.state(), State::Transaction);
}

TEST(Pop3Session, AuthPlainWithAuthzidEqualToUser_Rfc4616_2)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // base64("alice\0alice\0wonderland")
    EXPECT_EQ(s.receive("AUTH PLAIN YWxpY2UAYWxpY2UAd29uZGVybGFuZA==\r\n").substr(0, 4), "+OK ");
}

TEST(Pop3Session, AuthPlainAfterEmptyChallenge_Rfc5034_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // No initial response: the server sends an empty challenge, "+" and one space (RFC 5034 section 4).
    EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(s.receive("AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"),
              "+OK alice's maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(s.state(), State::Transaction);
}

TEST(Pop3Session, AuthCancelledWithStar_Rfc5034_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
    EXPECT_EQ(s.receive("*\r\n"), "-ERR AUTH cancelled by the client (RFC 5034 section 4)\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    // The server behaves as if AUTH had not been issued: the next line is a command again.
    logIn(s);
}

TEST(Pop3Session, AuthPlainWithBadBase64IsRefused_Rfc5034_4)
{
    // RFC 5034 section 4: reject any character outside the alphabet and "=" anywhere but at the end.
    const char* bad[] = {"!!!!", "AGFsaWNl*HdvbmRlcmxhbmQ=", "=AAA", "AAA=BBBB",
                         "A===", "AGFsaWNlAHdvbmRlcmxhbmQ"};
    for (const char* response : bad) {
        SCOPED_TRACE(response);
        World w;
        Pop3Session s(w.store, w.clock, 1);
        greet(s);
        EXPECT_EQ(s.receive("AUTH PLAIN " + std::string(response) + "\r\n"),
                  "-ERR [AUTH] the PLAIN response is not valid base64\r\n");
        EXPECT_EQ(s.state(), State::Authorization);
        // Same through the continuation.
        EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
        EXPECT_EQ(s.receive(std::string(response) + "\r\n"),
                  "-ERR [AUTH] the PLAIN response is not valid base64\r\n");
        EXPECT_EQ(s.state(), State::Authorization);
        EXPECT_EQ(w.lockHolder("alice"), 0);
    }
}

TEST(Pop3Session, AuthPlainWithSpaceInsideContinuationIsRefused_Rfc5034_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
    EXPECT_EQ(s.receive("AGFsaWNl AHdvbmRlcmxhbmQ=\r\n"),
              "-ERR [AUTH] the PLAIN response is not valid base64\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
}

TEST(Pop3Session, AuthPlainFailures_Rfc4616_2)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // "\0alice\0wrong"
    EXPECT_EQ(s.receive("AUTH PLAIN AGFsaWNlAHdyb25n\r\n"), "-ERR [AUTH] wrong user name or password\r\n");
    // "bob\0alice\0wonderland": acting as another user
    EXPECT_EQ(s.receive("AUTH PLAIN Ym9iAGFsaWNlAHdvbmRlcmxhbmQ=\r\n"),
              "-ERR [AUTH] you may not act as another user\r\n");
    // "alicewonderland": no NUL separators
    EXPECT_EQ(s.receive("AUTH PLAIN YWxpY2V3b25kZXJsYW5k\r\n"),
              "-ERR [AUTH] the PLAIN response needs authzid NUL user NUL password\r\n");
    // "=" is an empty initial response (RFC 5034 section 4), which PLAIN cannot accept.
    EXPECT_EQ(s.receive("AUTH PLAIN =\r\n"),
              "-ERR [AUTH] the PLAIN response needs authzid NUL user NUL password\r\n");
    EXPECT_EQ(s.receive("AUTH CRAM-MD5\r\n"),
              "-ERR unsupported SASL mechanism; this server offers PLAIN\r\n");
    EXPECT_EQ(s.state(), State::Authorization);
    EXPECT_EQ(w.lockHolder("alice"), 0);
}

TEST(Pop3Session, AuthWithoutMechanismListsMechanisms)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // Not in RFC 5034: the older convention (RFC 1734 era clients) of listing the mechanisms.
    EXPECT_EQ(s.receive("AUTH\r\n"), "+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n");
}

TEST(Pop3Session, CapaInAuthorization_Rfc2449_5)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("CAPA\r\n"), kCapa);
    EXPECT_EQ(s.state(), State::Authorization);
}

TEST(Pop3Session, CapaInTransactionAnnouncesTheSameCapabilities_Rfc2449_5)
{
    // "Capabilities available in the AUTHORIZATION state MUST be announced in both states."
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    logIn(s);
    EXPECT_EQ(s.receive("CAPA\r\n"), kCapa);
    EXPECT_EQ(s.state(), State::Transaction);
}

TEST(Pop3Session, QuitInAuthorizationEndsWithoutUpdate_Rfc1939_4)
{
    World w;
    const StoreSnapshot before = snapshot(w.store);
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    s.receive("USER alice\r\n");
    EXPECT_EQ(s.receive("QUIT\r\n"), "+OK maillab POP3 server signing off\r\n");
    EXPECT_TRUE(s.closed());
    EXPECT_EQ(s.state(), State::Authorization); // never UPDATE
    EXPECT_EQ(snapshot(w.store), before);
    // The server has closed: nothing more is answered, not even a login.
    EXPECT_EQ(s.receive("USER alice\r\nPASS wonderland\r\nCAPA\r\n"), "");
    EXPECT_EQ(snapshot(w.store), before);
}

TEST(Pop3Session, TransactionCommandsAreRefusedInAuthorization_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    for (const char* line : {"STAT\r\n", "LIST\r\n", "LIST 1\r\n", "RETR 1\r\n", "DELE 1\r\n", "NOOP\r\n",
                             "RSET\r\n", "TOP 1 0\r\n", "UIDL\r\n", "UIDL 1\r\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("RETR 1\r\n"),
              "-ERR RETR is only allowed after logging in (TRANSACTION state, RFC 1939 section 5)\r\n");
}

TEST(Pop3Session, AuthorizationCommandsAreRefusedInTransaction_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    logIn(s);
    for (const char* line :
         {"USER alice\r\n", "PASS wonderland\r\n", "APOP alice 0123456789abcdef0123456789abcdef\r\n",
          "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n", "AUTH PLAIN\r\n", "AUTH\r\n"})
        expectRefusedCleanly(w, s, line);
    // RFC 5034 section 4: after a successful login, further AUTH commands get -ERR.
    EXPECT_EQ(s.receive("AUTH PLAIN\r\n"),
              "-ERR AUTH is only allowed before logging in (AUTHORIZATION state, RFC 5034 section 4)\r\n");
    EXPECT_EQ(s.user(), "alice");
}

// [SECTION] TRANSACTION

class Pop3Transaction : public ::testing::Test {
protected:
    void SetUp() override
    {
        greet(session);
        logIn(session);
    }
    World world;
    Pop3Session session{world.store, world.clock, 1};
};

TEST_F(Pop3Transaction, StatGivesDropListing_Rfc1939_5)
{
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 3 183\r\n");
}

TEST_F(Pop3Transaction, ListGivesScanListings_Rfc1939_5)
{
    EXPECT_EQ(session.receive("LIST\r\n"), "+OK 3 messages (183 octets)\r\n1 89\r\n2 70\r\n3 24\r\n.\r\n");
    EXPECT_EQ(session.receive("LIST 2\r\n"), "+OK 2 70\r\n");
    EXPECT_EQ(session.receive("LIST 3\r\n"), "+OK 3 24\r\n");
    // The scan listing names the message number in decimal, not as the client spelled it.
    EXPECT_EQ(session.receive("LIST 02\r\n"), "+OK 2 70\r\n");
    EXPECT_EQ(session.receive("LIST 4\r\n"), "-ERR no such message, only 3 in maildrop\r\n");
}

// A message number is the digits it is (RFC 1939 section 3: "msg" is a number), however many leading zeros
// pad it: past 19 digits it still fits in 64 bits once the zeros go.
TEST_F(Pop3Transaction, NumbersWithManyLeadingZerosAreTheirValue_Rfc1939_3)
{
    const std::string zeros(40, '0');
    EXPECT_EQ(session.receive("LIST " + zeros + "1\r\n"), "+OK 1 89\r\n");
    EXPECT_EQ(session.receive("TOP " + zeros + "3 " + zeros + "0\r\n").substr(0, 4), "+OK ");
    EXPECT_EQ(session.receive("UIDL " + zeros + "2\r\n").substr(0, 6), "+OK 2 ");
    // Zero is still no message, and twenty significant digits are still too many.
    EXPECT_EQ(session.receive("LIST " + zeros + "\r\n").substr(0, 5), "-ERR ");
    EXPECT_EQ(session.receive("LIST 1" + std::string(19, '0') + "\r\n").substr(0, 5), "-ERR ");
}

TEST_F(Pop3Transaction, ListOfEmptyMaildropIsStatusAndDot_Rfc1939_5)
{
    Pop3Session carol(world.store, world.clock, 2);
    greet(carol);
    logIn(carol, "carol", "open sesame");
    EXPECT_EQ(carol.receive("LIST\r\n"), "+OK 0 messages (0 octets)\r\n.\r\n");
    EXPECT_EQ(carol.receive("UIDL\r\n"), "+OK unique-id listing follows\r\n.\r\n");
    EXPECT_EQ(carol.receive("STAT\r\n"), "+OK 0 0\r\n");
    EXPECT_EQ(carol.receive("LIST 1\r\n"), "-ERR no such message, only 0 in maildrop\r\n");
}

TEST_F(Pop3Transaction, RetrSendsWholeMessage_Rfc1939_5)
{
    EXPECT_EQ(session.receive("RETR 1\r\n"), "+OK 89 octets\r\n" + std::string(kMsg1) + ".\r\n");
    EXPECT_EQ(session.receive("RETR 3\r\n"), "+OK 24 octets\r\nSubject: three\r\n\r\nbody\r\n.\r\n");
}

TEST_F(Pop3Transaction, RetrByteStuffsLinesStartingWithDot_Rfc1939_3)
{
    EXPECT_EQ(session.receive("RETR 2\r\n"), "+OK 70 octets\r\n"
                                             "From: Dave <dave@example.org>\r\nSubject: dots\r\n\r\n"
                                             "..\r\n...\r\n..x\r\nlast line\r\n.\r\n");
}

TEST_F(Pop3Transaction, RetrUnstuffedEqualsListSize_Rfc1939_11)
{
    // The size in a scan listing counts the message, not the stuffed dots (RFC 1939 section 11).
    for (int n = 1; n <= 3; ++n) {
        std::string reply = session.receive("RETR " + std::to_string(n) + "\r\n");
        size_t first = reply.find("\r\n") + 2;
        std::string body = pop3::dotUnstuff(std::string_view(reply).substr(first, reply.size() - first - 3));
        std::string listing = session.receive("LIST " + std::to_string(n) + "\r\n");
        EXPECT_EQ(listing, "+OK " + std::to_string(n) + " " + std::to_string(body.size()) + "\r\n");
        EXPECT_EQ(body, world.store.mailbox("alice", "INBOX")->messages[size_t(n - 1)].copyBytes());
    }
}

TEST(Pop3Session, RetrOfMessageWithoutFinalCrlfStillEndsWithCrlfDotCrlf_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    logIn(s, "bob", "builder");
    EXPECT_EQ(s.receive("RETR 1\r\n"),
              "+OK 38 octets\r\nSubject: hi bob\r\n\r\nno final line break\r\n.\r\n");
}

TEST_F(Pop3Transaction, TopZeroSendsHeaderAndBlankLine_Rfc1939_7)
{
    EXPECT_EQ(session.receive("TOP 1 0\r\n"),
              "+OK top of message follows\r\nFrom: Carol <carol@example.org>\r\nSubject: one\r\n\r\n.\r\n");
}

TEST_F(Pop3Transaction, TopThreeSendsThreeBodyLines_Rfc1939_7)
{
    EXPECT_EQ(session.receive("TOP 1 3\r\n"), "+OK top of message follows\r\n"
                                              "From: Carol <carol@example.org>\r\nSubject: one\r\n\r\n"
                                              "line 1\r\nline 2\r\nline 3\r\n.\r\n");
    EXPECT_EQ(session.receive("TOP 2 2\r\n"), "+OK top of message follows\r\n"
                                              "From: Dave <dave@example.org>\r\nSubject: dots\r\n\r\n"
                                              "..\r\n...\r\n.\r\n");
}

TEST_F(Pop3Transaction, TopBeyondTheBodySendsTheWholeMessage_Rfc1939_7)
{
    EXPECT_EQ(session.receive("TOP 1 100\r\n"),
              "+OK top of message follows\r\n" + std::string(kMsg1) + ".\r\n");
    EXPECT_EQ(session.receive("TOP 100 3\r\n"), "-ERR no such message, only 3 in maildrop\r\n");
}

TEST_F(Pop3Transaction, UidlListsUniqueIds_Rfc1939_7)
{
    EXPECT_EQ(session.receive("UIDL\r\n"),
              "+OK unique-id listing follows\r\n1 1000.1\r\n2 1000.2\r\n3 1000.3\r\n.\r\n");
    EXPECT_EQ(session.receive("UIDL 2\r\n"), "+OK 2 1000.2\r\n");
    EXPECT_EQ(session.receive("UIDL 3\r\n"), "+OK 3 1000.3\r\n");
    EXPECT_EQ(session.receive("UIDL 4\r\n"), "-ERR no such message, only 3 in maildrop\r\n");
}

TEST_F(Pop3Transaction, UniqueIdsAreOneTo70PrintableCharacters_Rfc1939_7)
{
    for (uint32_t uid : {1u, 4294967295u}) {
        std::string id = Pop3Session::uniqueId(4294967295u, uid);
        EXPECT_GE(id.size(), 1u);
        EXPECT_LE(id.size(), 70u);
        for (char c : id)
            EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << id;
    }
}

TEST_F(Pop3Transaction, NoopAnswersOk_Rfc1939_5)
{
    EXPECT_EQ(session.receive("NOOP\r\n"), "+OK nothing to do\r\n");
    EXPECT_EQ(session.state(), State::Transaction);
}

TEST_F(Pop3Transaction, DeleMarksButOnlyQuitRemoves_Rfc1939_6)
{
    EXPECT_EQ(session.receive("DELE 1\r\n"), "+OK message 1 marked for deletion (removed at QUIT)\r\n");
    EXPECT_EQ(world.inboxSize("alice"), 3u);                // still in the store
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 2 94\r\n"); // but not counted (RFC 1939 section 5)
    EXPECT_EQ(session.receive("LIST\r\n"), "+OK 2 messages (94 octets)\r\n2 70\r\n3 24\r\n.\r\n");
    EXPECT_EQ(session.receive("UIDL\r\n"), "+OK unique-id listing follows\r\n2 1000.2\r\n3 1000.3\r\n.\r\n");
    EXPECT_EQ(session.receive("QUIT\r\n"), "+OK maillab POP3 server signing off (1 deleted, 2 left)\r\n");
    EXPECT_EQ(session.state(), State::Update);
    EXPECT_TRUE(session.closed());
    const auto& messages = world.store.mailbox("alice", "INBOX")->messages;
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].copyBytes(), kMsg2);
    EXPECT_EQ(messages[1].copyBytes(), kMsg3);
    EXPECT_EQ(world.lockHolder("alice"), 0);
}

TEST_F(Pop3Transaction, DeletedMessageIsRefusedByEveryCommand_Rfc1939_5)
{
    ASSERT_EQ(session.receive("DELE 2\r\n").substr(0, 4), "+OK ");
    for (const char* line : {"RETR 2\r\n", "LIST 2\r\n", "TOP 2 0\r\n", "DELE 2\r\n", "UIDL 2\r\n"})
        expectRefusedCleanly(world, session, line);
    EXPECT_EQ(session.receive("DELE 2\r\n"), "-ERR message 2 already deleted\r\n");
    // Numbers do not shift: message 3 is still message 3 (RFC 1939 section 4).
    EXPECT_EQ(session.receive("LIST 3\r\n"), "+OK 3 24\r\n");
}

TEST_F(Pop3Transaction, RsetUnmarksEveryDeletedMessage_Rfc1939_5)
{
    session.receive("DELE 1\r\n");
    session.receive("DELE 3\r\n");
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 1 70\r\n");
    EXPECT_EQ(session.receive("RSET\r\n"), "+OK maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 3 183\r\n");
    EXPECT_EQ(session.receive("RETR 3\r\n").substr(0, 14), "+OK 24 octets\r");
    EXPECT_EQ(session.receive("QUIT\r\n"), "+OK maillab POP3 server signing off (0 deleted, 3 left)\r\n");
    EXPECT_EQ(world.inboxSize("alice"), 3u);
}

TEST_F(Pop3Transaction, QuitRemovesAllMarked_Rfc1939_6)
{
    for (int n = 1; n <= 3; ++n)
        session.receive("DELE " + std::to_string(n) + "\r\n");
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 0 0\r\n");
    EXPECT_EQ(session.receive("QUIT\r\n"), "+OK maillab POP3 server signing off (3 deleted, 0 left)\r\n");
    EXPECT_EQ(world.inboxSize("alice"), 0u);
    EXPECT_EQ(world.inboxSize("bob"), 1u);
}

TEST_F(Pop3Transaction, DroppedConnectionRemovesNothing_Rfc1939_6)
{
    session.receive("DELE 1\r\n");
    session.receive("DELE 2\r\n");
    const StoreSnapshot before = snapshot(world.store);
    session.disconnected(); // no QUIT: no UPDATE state
    EXPECT_TRUE(session.closed());
    EXPECT_NE(session.state(), State::Update);
    StoreSnapshot after = snapshot(world.store);
    EXPECT_EQ(after.messages, before.messages);
    EXPECT_EQ(world.inboxSize("alice"), 3u);
    EXPECT_EQ(world.lockHolder("alice"), 0);
    // The next session sees every message again, none marked.
    Pop3Session next(world.store, world.clock, 2);
    greet(next);
    logIn(next);
    EXPECT_EQ(next.receive("STAT\r\n"), "+OK 3 183\r\n");
}

TEST_F(Pop3Transaction, NothingIsAnsweredAfterQuit_Rfc1939_6)
{
    EXPECT_EQ(session.receive("QUIT\r\n").substr(0, 4), "+OK ");
    const StoreSnapshot before = snapshot(world.store);
    // The server has closed: whatever arrives now gets no answer and changes nothing.
    for (const char* line : {"NOOP\r\n", "STAT\r\n", "LIST\r\n", "RETR 1\r\n", "DELE 1\r\n", "RSET\r\n",
                             "TOP 1 0\r\n", "UIDL\r\n", "USER alice\r\n", "PASS wonderland\r\n", "CAPA\r\n",
                             "AUTH PLAIN\r\n", "QUIT\r\n", "BOGUS\r\n", "\r\n"})
        EXPECT_EQ(session.receive(line), "") << line;
    EXPECT_TRUE(session.closed());
    EXPECT_EQ(session.state(), State::Update);
    EXPECT_EQ(snapshot(world.store), before);
}

TEST_F(Pop3Transaction, CommandsPipelinedAfterQuitAreNotRun_Rfc2449_6_6)
{
    EXPECT_EQ(session.receive("QUIT\r\nDELE 1\r\nQUIT\r\n"),
              "+OK maillab POP3 server signing off (0 deleted, 3 left)\r\n");
    EXPECT_EQ(world.inboxSize("alice"), 3u);
}

TEST_F(Pop3Transaction, NothingIsAnsweredAfterDisconnect_Rfc1939_6)
{
    session.disconnected();
    EXPECT_EQ(session.receive("DELE 1\r\nQUIT\r\n"), "");
    EXPECT_EQ(world.inboxSize("alice"), 3u);
}

// [SECTION] the maildrop lock (RFC 1939 section 4, RFC 2449 section 8.1.2)

TEST_F(Pop3Transaction, SecondSessionGetsInUse_Rfc2449_8_1_2)
{
    const std::string inUse = "-ERR [IN-USE] another session has this maildrop open (RFC 1939 section 4)\r\n";
    Pop3Session second(world.store, world.clock, 2);
    const std::string timestamp = timestampOf(greet(second));
    EXPECT_EQ(second.receive("USER alice\r\n"), "+OK send PASS\r\n");
    EXPECT_EQ(second.receive("PASS wonderland\r\n"), inUse);
    EXPECT_EQ(second.receive("APOP alice " + hexMd5(timestamp + "wonderland") + "\r\n"), inUse);
    EXPECT_EQ(second.receive("AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\n"), inUse);
    EXPECT_EQ(second.state(), State::Authorization);
    EXPECT_EQ(world.lockHolder("alice"), 1);
    // A wrong password still says [AUTH], not [IN-USE]: the lock is taken only for good credentials.
    second.receive("USER alice\r\n");
    EXPECT_EQ(second.receive("PASS guess\r\n"), "-ERR [AUTH] wrong user name or password\r\n");
    // Another maildrop is not locked.
    Pop3Session bob(world.store, world.clock, 3);
    greet(bob);
    logIn(bob, "bob", "builder");
    // The first session is undisturbed, and the refused one can still QUIT.
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 3 183\r\n");
    EXPECT_EQ(second.receive("QUIT\r\n"), "+OK maillab POP3 server signing off\r\n");
    EXPECT_EQ(world.lockHolder("alice"), 1);
}

TEST_F(Pop3Transaction, LockIsReleasedAfterQuit_Rfc1939_6)
{
    session.receive("QUIT\r\n");
    EXPECT_EQ(world.lockHolder("alice"), 0);
    Pop3Session second(world.store, world.clock, 2);
    greet(second);
    logIn(second);
    EXPECT_EQ(world.lockHolder("alice"), 2);
}

TEST_F(Pop3Transaction, LockIsReleasedAfterDisconnect_Rfc1939_6)
{
    session.disconnected();
    EXPECT_EQ(world.lockHolder("alice"), 0);
    Pop3Session second(world.store, world.clock, 2);
    greet(second);
    logIn(second);
    EXPECT_EQ(world.lockHolder("alice"), 2);
}

TEST(Pop3Session, LockIsReleasedWhenTheSessionIsDestroyed_Rfc1939_4)
{
    World w;
    {
        Pop3Session s(w.store, w.clock, 5);
        greet(s);
        logIn(s);
        EXPECT_EQ(w.lockHolder("alice"), 5);
    }
    EXPECT_EQ(w.lockHolder("alice"), 0);
}

// [SECTION] the maildrop as a snapshot (RFC 1939 sections 4 and 7)

TEST_F(Pop3Transaction, NewDeliveryIsNotVisibleUntilTheNextSession_Rfc1939_4)
{
    world.deliver("alice", "Subject: late\r\n\r\nlate\r\n"); // 23 octets
    EXPECT_EQ(world.inboxSize("alice"), 4u);
    EXPECT_EQ(session.receive("STAT\r\n"), "+OK 3 183\r\n");
    EXPECT_EQ(session.receive("LIST\r\n"), "+OK 3 messages (183 octets)\r\n1 89\r\n2 70\r\n3 24\r\n.\r\n");
    EXPECT_EQ(session.receive("RETR 4\r\n"), "-ERR no such message, only 3 in maildrop\r\n");
    EXPECT_EQ(session.receive("UIDL\r\n"),
              "+OK unique-id listing follows\r\n1 1000.1\r\n2 1000.2\r\n3 1000.3\r\n.\r\n");
    EXPECT_EQ(session.receive("RSET\r\n"), "+OK maildrop has 3 messages (183 octets)\r\n");
    // QUIT reports what is left in the maildrop now, the new message included.
    EXPECT_EQ(session.receive("QUIT\r\n"), "+OK maillab POP3 server signing off (0 deleted, 4 left)\r\n");

    Pop3Session next(world.store, world.clock, 2);
    greet(next);
    EXPECT_EQ(next.receive("USER alice\r\nPASS wonderland\r\n"),
              "+OK send PASS\r\n+OK alice's maildrop has 4 messages (206 octets)\r\n");
    EXPECT_EQ(next.receive("UIDL 4\r\n"), "+OK 4 1000.4\r\n");
    EXPECT_EQ(next.receive("RETR 4\r\n"), "+OK 23 octets\r\nSubject: late\r\n\r\nlate\r\n.\r\n");
}

TEST_F(Pop3Transaction, UidlIdsAreStableAcrossSessions_Rfc1939_7)
{
    // Persistence is required even when a session ends without UPDATE, and survives deletions.
    const std::string first = session.receive("UIDL\r\n");
    session.receive("DELE 1\r\n");
    session.disconnected();

    Pop3Session second(world.store, world.clock, 2);
    greet(second);
    logIn(second);
    EXPECT_EQ(second.receive("UIDL\r\n"), first);
    second.receive("DELE 1\r\n");
    second.receive("QUIT\r\n");

    Pop3Session third(world.store, world.clock, 3);
    greet(third);
    logIn(third);
    // Message numbers moved up, the unique ids went with their messages.
    EXPECT_EQ(third.receive("UIDL\r\n"), "+OK unique-id listing follows\r\n1 1000.2\r\n2 1000.3\r\n.\r\n");
    EXPECT_EQ(third.receive("RETR 1\r\n").substr(0, 15), "+OK 70 octets\r\n");
}

// [SECTION] dot-stuffing (RFC 1939 section 3)

TEST(Pop3DotStuffing, StuffsEveryLineThatStartsWithADot_Rfc1939_3)
{
    EXPECT_EQ(pop3::dotStuff(""), ".\r\n");
    EXPECT_EQ(pop3::dotStuff(".\r\n"), "..\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff("..\r\n"), "...\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff(".x\r\n"), "..x\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff("a.\r\n.b\r\nc\r\n"), "a.\r\n..b\r\nc\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff("\r\n.\r\n\r\n"), "\r\n..\r\n\r\n.\r\n");
    // No final CRLF: one is added so the terminator is still CRLF "." CRLF.
    EXPECT_EQ(pop3::dotStuff("abc"), "abc\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff("."), "..\r\n.\r\n");
    EXPECT_EQ(pop3::dotStuff("x\r\n.y"), "x\r\n..y\r\n.\r\n");
}

TEST(Pop3DotStuffing, UnstuffRemovesExactlyOneDot_Rfc1939_3)
{
    EXPECT_EQ(pop3::dotUnstuff(""), "");
    EXPECT_EQ(pop3::dotUnstuff("..\r\n"), ".\r\n");
    EXPECT_EQ(pop3::dotUnstuff("...\r\n"), "..\r\n");
    EXPECT_EQ(pop3::dotUnstuff("..x\r\nplain\r\n"), ".x\r\nplain\r\n");
    EXPECT_EQ(pop3::dotUnstuff("a.\r\n"), "a.\r\n");
}

TEST(Pop3DotStuffing, RoundTrip_Rfc1939_3)
{
    const std::string inputs[] = {
        "",
        ".\r\n",
        "..\r\n",
        ".x\r\n",
        "Subject: s\r\n\r\n.\r\n..\r\n.x\r\n...\r\n",
        "\r\n\r\n",
        ".\r\n.\r\n.\r\n",
        "no final line break",
        ".starts and ends without CRLF",
        "line\r\n.",
        "nul \0 inside\r\n.\0\r\n"s,
    };
    for (const std::string& text : inputs) {
        SCOPED_TRACE(util::escapeForDisplay(text));
        std::string wire = pop3::dotStuff(text);
        ASSERT_GE(wire.size(), 3u);
        ASSERT_EQ(wire.substr(wire.size() - 3), ".\r\n");
        // The terminator is the first line that is just "." (RFC 1939 section 3).
        size_t end = wire.size() - 3;
        EXPECT_TRUE(end == 0 || wire.find("\r\n.\r\n") == end - 2);
        // Unstuffing the lines before the terminator gives the text back, with a CRLF added where it lacked
        // one.
        std::string expected = text;
        if (!expected.empty() && expected.back() != '\n') expected += "\r\n";
        EXPECT_EQ(pop3::dotUnstuff(std::string_view(wire).substr(0, end)), expected);
    }
}

// [SECTION] framing (RFC 1939 section 3, RFC 2449 section 6.6)

TEST(Pop3Session, CommandFedOneByteAtATimeIsAnsweredOnceAtCrlf_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    const std::string input = "USER alice\r\nPASS wonderland\r\nRETR 2\r\n";
    std::vector<std::string> replies;
    for (size_t i = 0; i < input.size(); ++i) {
        std::string reply = s.receive(input.substr(i, 1));
        if (input[i] != '\n') {
            EXPECT_EQ(reply, "") << "byte " << i;
        } else {
            replies.push_back(reply);
        }
    }
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replies[0], "+OK send PASS\r\n");
    EXPECT_EQ(replies[1], "+OK alice's maildrop has 3 messages (183 octets)\r\n");
    EXPECT_EQ(replies[2],
              "+OK 70 octets\r\n"
              "From: Dave <dave@example.org>\r\nSubject: dots\r\n\r\n..\r\n...\r\n..x\r\nlast line\r\n.\r\n");
}

TEST(Pop3Session, PipelinedCommandsAreAnsweredInOrder_Rfc2449_6_6)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("USER alice\r\nPASS wonderland\r\nSTAT\r\nLIST 1\r\nDELE 1\r\nBOGUS\r\nUIDL 3\r\nNO"),
              "+OK send PASS\r\n"
              "+OK alice's maildrop has 3 messages (183 octets)\r\n"
              "+OK 3 183\r\n"
              "+OK 1 89\r\n"
              "+OK message 1 marked for deletion (removed at QUIT)\r\n"
              "-ERR unknown command \"BOGUS\"\r\n"
              "+OK 3 1000.3\r\n");
    // The partial command waits for the rest of its line.
    EXPECT_EQ(s.receive("OP\r\nQUIT\r\n"),
              "+OK nothing to do\r\n+OK maillab POP3 server signing off (1 deleted, 2 left)\r\n");
}

TEST(Pop3Session, CrlfSplitAcrossReceivesStillEndsTheLine_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("CAPA\r"), "");
    EXPECT_EQ(s.receive("\n"), kCapa);
}

// [SECTION] bad input: one clear -ERR, nothing changes, the session goes on

TEST(Pop3BadInput, UnknownCommands_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    for (const char* line : {"BOGUS\r\n", "XTND XLST\r\n", "STLS\r\n", "RETRX 1\r\n", "\r\n", " NOOP\r\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("BOGUS\r\n"), "-ERR unknown command \"BOGUS\"\r\n");
    EXPECT_EQ(s.receive("\r\n"), "-ERR empty command line\r\n");
    logIn(s);
    for (const char* line : {"BOGUS\r\n", "XTND XLST\r\n", "LIS\r\n", "\r\n"})
        expectRefusedCleanly(w, s, line);
}

TEST(Pop3BadInput, MissingArguments_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    for (const char* line : {"USER\r\n", "PASS\r\n", "APOP\r\n", "APOP alice\r\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("APOP alice\r\n"), "-ERR missing argument: the syntax is APOP name digest\r\n");
    logIn(s);
    for (const char* line : {"RETR\r\n", "DELE\r\n", "TOP\r\n", "TOP 1\r\n", "RETR \r\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("TOP 1\r\n"), "-ERR missing argument: the syntax is TOP msg n\r\n");
}

TEST(Pop3BadInput, TooManyArguments_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    for (const char* line : {"USER alice bob\r\n", "CAPA x\r\n", "QUIT now\r\n", "AUTH PLAIN a b\r\n"})
        expectRefusedCleanly(w, s, line);
    logIn(s);
    for (const char* line : {"STAT 1\r\n", "NOOP x\r\n", "RSET 1\r\n", "RETR 1 2\r\n", "DELE 1 2\r\n",
                             "LIST 1 2\r\n", "UIDL 1 2\r\n", "TOP 1 2 3\r\n", "QUIT now\r\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("RETR 1 2\r\n"), "-ERR too many arguments: the syntax is RETR msg\r\n");
    EXPECT_EQ(w.inboxSize("alice"), 3u);
}

TEST(Pop3BadInput, NonNumericZeroAndTooLargeMessageNumbers_Rfc1939_5)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    logIn(s);
    for (const char* verb : {"RETR", "DELE", "LIST", "UIDL"})
        for (const char* arg : {"x", "-1", "+1", "1x", "0x1", "1.0", "0", "00", "4", "99999", "4294967297",
                                "9999999999999999999", "99999999999999999999999"}) {
            expectRefusedCleanly(w, s, std::string(verb) + " " + arg + "\r\n");
            expectRefusedCleanly(w, s, std::string("TOP ") + arg + " 1\r\n");
        }
    for (const char* count : {"x", "-1", "+1", "1x", "99999999999999999999999"})
        expectRefusedCleanly(w, s, std::string("TOP 1 ") + count + "\r\n");
    EXPECT_EQ(s.receive("RETR x\r\n"), "-ERR \"x\" is not a message number (1, 2, ...)\r\n");
    EXPECT_EQ(s.receive("RETR 0\r\n"), "-ERR \"0\" is not a message number (1, 2, ...)\r\n");
    EXPECT_EQ(s.receive("RETR 4\r\n"), "-ERR no such message, only 3 in maildrop\r\n");
    EXPECT_EQ(s.receive("TOP 1 -1\r\n"), "-ERR \"-1\" is not a line count (0, 1, ...)\r\n");
    EXPECT_EQ(s.receive("STAT\r\n"), "+OK 3 183\r\n"); // no DELE went through
}

TEST(Pop3BadInput, LineOfExactly255OctetsIsAccepted_Rfc2449_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    // "USER " + a 248-octet name + CRLF = 255 octets, the most a command may have.
    std::string line = "USER " + std::string(248, 'a') + "\r\n";
    ASSERT_EQ(line.size(), 255u);
    EXPECT_EQ(s.receive(line), "+OK send PASS\r\n");
    // The same length split across receives.
    EXPECT_EQ(s.receive(line.substr(0, 200)), "");
    EXPECT_EQ(s.receive(line.substr(200)), "+OK send PASS\r\n");
}

TEST(Pop3BadInput, LineOf256OctetsIsRefusedAndTheSessionGoesOn_Rfc2449_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    std::string tooLong = "USER " + std::string(249, 'a') + "\r\n";
    ASSERT_EQ(tooLong.size(), 256u);
    expectRefusedCleanly(w, s, tooLong);
    EXPECT_EQ(s.receive(tooLong), "-ERR line too long: a command line may be at most 255 octets with its "
                                  "CRLF (RFC 2449 section 4)\r\n");
    logIn(s);
    std::string list = "LIST " + std::string(249, '1') + "\r\n";
    ASSERT_EQ(list.size(), 256u);
    expectRefusedCleanly(w, s, list);
    EXPECT_EQ(s.receive(list).substr(0, 20), "-ERR line too long: ");
    // The same line split across two receives is refused once.
    const StoreSnapshot before = snapshot(w.store);
    std::string reply = s.receive(list.substr(0, 100));
    reply += s.receive(list.substr(100));
    expectOneErr(reply);
    EXPECT_EQ(snapshot(w.store), before);
    EXPECT_EQ(s.receive("STAT\r\n"), "+OK 3 183\r\n");
}

size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd; // chunks in use, and big blocks glibc maps on their own
}

TEST(Pop3BadInput, OneMegabyteLineGetsOneErrAndBoundedMemory_Rfc2449_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    logIn(s);
    const StoreSnapshot before = snapshot(w.store);
    const std::string chunk(4096, 'A');
    const std::string whole = "DELE " + std::string(1 << 20, '1') + "\r\n";

    // As a socket would hand it over: 256 chunks of 4 KiB, then the line end.
    const size_t heapBefore = heapInUse();
    size_t heapPeak = heapBefore;
    std::string replies = s.receive("DELE ");
    for (int i = 0; i < 256; ++i) {
        replies += s.receive(chunk);
        heapPeak = std::max(heapPeak, heapInUse());
    }
    replies += s.receive("\r\n");
    expectOneErr(replies);
    EXPECT_LT(heapPeak - heapBefore, 16u * 1024) << "the engine buffered the long line";
    EXPECT_EQ(s.receive("STAT\r\n"), "+OK 3 183\r\n");

    // All at once, in one receive.
    const size_t heapBeforeWhole = heapInUse();
    std::string reply = s.receive(whole);
    expectOneErr(reply);
    const size_t heapAfterWhole = heapInUse();
    EXPECT_LT(heapAfterWhole > heapBeforeWhole ? heapAfterWhole - heapBeforeWhole : 0, 16u * 1024)
        << "the engine kept a copy of the long line";
    EXPECT_EQ(s.receive("NOOP\r\n"), "+OK nothing to do\r\n");
    EXPECT_EQ(snapshot(w.store), before);
    EXPECT_EQ(s.receive("STAT\r\n"), "+OK 3 183\r\n");
}

TEST(Pop3BadInput, NulBytesAreRefused_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    const std::string authorization[] = {"USER al\0ice\r\n"s, "\0\r\n"s, "CAPA\0\r\n"s};
    for (const std::string& line : authorization)
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("NOOP\0\r\n"s), "-ERR NUL bytes are not allowed in a command\r\n");
    // A NUL inside the password does not log in with the password before it.
    s.receive("USER alice\r\n");
    expectOneErr(s.receive("PASS wonderland\0x\r\n"s));
    EXPECT_EQ(s.state(), State::Authorization);
    logIn(s);
    const std::string transaction[] = {"DELE 1\0\r\n"s, "RETR\0 1\r\n"s, "\0DELE 1\r\n"s};
    for (const std::string& line : transaction)
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("STAT\r\n"), "+OK 3 183\r\n");
}

TEST(Pop3BadInput, BareLfIsRefused_Rfc1939_3)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    for (const char* line : {"USER alice\n", "\n", "CAPA\n"})
        expectRefusedCleanly(w, s, line);
    EXPECT_EQ(s.receive("CAPA\n"), "-ERR lines must end with CRLF, not a bare LF (RFC 1939 section 3)\r\n");
    // The refused USER did not count: PASS still needs a USER first.
    EXPECT_EQ(s.receive("PASS wonderland\r\n"), "-ERR send USER first (RFC 1939 section 7)\r\n");
    logIn(s);
    for (const char* line : {"DELE 1\n", "QUIT\n", "RETR 1\n"})
        expectRefusedCleanly(w, s, line);
    // Each bare-LF line in a pipelined buffer gets its own -ERR, in order.
    EXPECT_EQ(s.receive("NOOP\nSTAT\r\n"),
              "-ERR lines must end with CRLF, not a bare LF (RFC 1939 section 3)\r\n+OK 3 183\r\n");
    EXPECT_FALSE(s.closed());
}

TEST(Pop3BadInput, BadLineDuringSaslEndsTheAuthExchange_Rfc5034_4)
{
    // An -ERR ends the AUTH command for the client, so the server must not take the next line as a response.
    for (const std::string& bad :
         {std::string("AGFsaWNlAHdvbmRlcmxhbmQ=\n"), std::string(8300, 'A') + "\r\n"}) {
        World w;
        Pop3Session s(w.store, w.clock, 1);
        greet(s);
        EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
        expectOneErr(s.receive(bad));
        EXPECT_EQ(s.state(), State::Authorization);
        EXPECT_EQ(s.receive("USER alice\r\n"), "+OK send PASS\r\n");
    }
}

TEST(Pop3BadInput, SaslResponseMayBeLongerThanACommand_Rfc5034_4)
{
    World w;
    Pop3Session s(w.store, w.clock, 1);
    greet(s);
    EXPECT_EQ(s.receive("AUTH PLAIN\r\n"), "+ \r\n");
    // 344 octets of base64 is past the 255-octet command limit but fine for a SASL response (whose fields
    // may each have 255 octets, RFC 4616 section 2).
    std::string response = util::base64Encode("\0alice\0"s + std::string(250, 'p'));
    ASSERT_GT(response.size() + 2, 255u);
    EXPECT_EQ(s.receive(response + "\r\n"), "-ERR [AUTH] wrong user name or password\r\n");
}

} // namespace
} // namespace maillab::test
