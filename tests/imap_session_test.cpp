// The IMAP server session driven directly with exact bytes: every command in every state, mailbox
// management, FETCH / STORE / SEARCH / COPY / MOVE against the demo mail, UID stability, two sessions of one
// account, IDLE, \Recent, framing and limits, and the golden transcripts of the IMAP lessons.
// RFC 3501 above all; RFC 2177 (IDLE), 6851 (MOVE), 4315 (UIDPLUS), 3691 (UNSELECT), 2342 (NAMESPACE),
// 5161 (ENABLE), 6154 (SPECIAL-USE), 7888 (LITERAL+), 4959 (SASL-IR), 4616 (PLAIN).
//
// Golden transcripts: after an intended change, regenerate with
//   MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests --gtest_filter='ImapSessionGolden.*'
// and read the diff against RFC 3501 before keeping it.
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "imap/imap_types.hpp"
#include "mail/message.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "store/store.hpp"
#include "test_support.hpp"
#include "util/text.hpp"
#include "wire/transcript.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace maillab::test {
namespace {

using imap::ImapSession;
using imap::SessionOptions;
using imap::State;
using namespace std::string_literals;

// [SECTION] the demo world as the engine numbers it

// UIDVALIDITY comes from the store's counter, seeded with the virtual clock's start: alice's INBOX first,
// then her standard folders, then bob's (see store::loadDemoAccounts).
constexpr uint32_t kInboxValidity = 1795683600;
constexpr uint32_t kArchiveValidity = kInboxValidity + 1;
constexpr uint32_t kDraftsValidity = kInboxValidity + 2;
constexpr uint32_t kJunkValidity = kInboxValidity + 3;
constexpr uint32_t kTrashValidity = kInboxValidity + 5;
constexpr uint32_t kFirstNewValidity = kInboxValidity + 12; // the first mailbox a test creates

constexpr std::string_view kCapabilities =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT "
    "UIDPLUS MOVE CHILDREN SPECIAL-USE CREATE-SPECIAL-USE CONDSTORE QRESYNC ESEARCH STATUS=SIZE SEARCHRES "
    "CONTEXT=SEARCH BINARY MULTIAPPEND CATENATE APPENDLIMIT=33554432 SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT "
    "THREAD=REFERENCES ESORT CONTEXT=SORT LIST-EXTENDED LIST-STATUS OBJECTID QUOTA QUOTA=RES-STORAGE "
    "QUOTA=RES-MESSAGE AUTH=PLAIN";

const std::string kSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

// The SELECT INBOX reply of the first session of alice to select it (RFC 3501 section 6.3.1).
std::string firstSelectOfInbox(const std::string& tag)
{
    return "* FLAGS (" + kSystemFlags + ")\r\n" + "* OK [PERMANENTFLAGS (" + kSystemFlags +
           " \\*)] flags and new keywords are kept\r\n" + "* 17 EXISTS\r\n" + "* 17 RECENT\r\n" +
           "* OK [UNSEEN 1] first unseen message\r\n" + "* OK [UIDVALIDITY " +
           std::to_string(kInboxValidity) + "] UIDs valid\r\n" + "* OK [UIDNEXT 18] predicted next UID\r\n" +
           "* OK [HIGHESTMODSEQ 18] highest mod-sequence\r\n" + "* OK [MAILBOXID (M" +
           std::to_string(kInboxValidity) + ")] mailbox id\r\n" + tag +
           " OK [READ-WRITE] SELECT completed\r\n";
}

const std::string kListOfAlice = "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                                 "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n"
                                 "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
                                 "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n"
                                 "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                                 "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n";

std::string demo(const std::string& relative)
{
    return readFile(mailDir() / relative);
}

// A literal as the server writes it (RFC 3501 section 4.3).
std::string lit(std::string_view bytes)
{
    return "{" + std::to_string(bytes.size()) + "}\r\n" + std::string(bytes);
}

std::string plain(std::string_view authzid, std::string_view user, std::string_view password)
{
    return util::base64Encode(std::string(authzid) + '\0' + std::string(user) + '\0' + std::string(password));
}

std::vector<std::string> linesOf(std::string_view bytes)
{
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t end = bytes.find("\r\n", pos);
        if (end == std::string_view::npos) {
            lines.emplace_back(bytes.substr(pos));
            break;
        }
        lines.emplace_back(bytes.substr(pos, end - pos));
        pos = end + 2;
    }
    return lines;
}

std::string lastLine(std::string_view reply)
{
    std::vector<std::string> lines = linesOf(reply);
    return lines.empty() ? std::string() : lines.back();
}

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

// One connection's server side with a small client-side convenience: send() adds the CRLF.
class Conn {
public:
    explicit Conn(DemoWorld& world, int id = 1, SessionOptions options = {})
        : m_appendLimit(options.maxLiteralSize), m_session(world.store, world.clock, id, std::move(options)),
          m_greeting(m_session.greeting())
    {
    }
    std::string send(std::string_view line) { return m_session.receive(std::string(line) + "\r\n"); }
    std::string raw(std::string_view bytes) { return m_session.receive(bytes); }
    ImapSession& session() { return m_session; }
    State state() const { return m_session.state(); }
    bool closed() const { return m_session.closed(); }
    const std::string& greeting() const { return m_greeting; }

    void login(const std::string& user = "alice", const std::string& password = "wonderland")
    {
        // APPENDLIMIT is the session's largest literal (RFC 7889 section 3).
        std::string capabilities(kCapabilities);
        capabilities.replace(capabilities.find("APPENDLIMIT=") + 12, 8, std::to_string(m_appendLimit));
        EXPECT_EQ(send("L1 LOGIN " + user + " " + password),
                  "L1 OK [CAPABILITY " + capabilities + "] logged in\r\n");
        EXPECT_EQ(state(), State::Authenticated);
    }
    // Logs in and selects; the reply's tagged line must be OK.
    std::string open(const std::string& mailbox = "INBOX", const std::string& user = "alice",
                     const std::string& password = "wonderland", const char* verb = "SELECT")
    {
        login(user, password);
        std::string reply = send("S1 " + std::string(verb) + " " + mailbox);
        EXPECT_TRUE(startsWith(lastLine(reply), "S1 OK ")) << reply;
        EXPECT_EQ(state(), State::Selected);
        return reply;
    }

private:
    size_t m_appendLimit;
    ImapSession m_session;
    std::string m_greeting;
};

// The numbers of a "* SEARCH" reply, e.g. "8 11 14 17"; the whole reply in <> when it is not one.
std::string searchFor(Conn& c, std::string_view keys, bool uid = false)
{
    const std::string verb = uid ? "UID SEARCH" : "SEARCH";
    std::string reply = c.send("s " + verb + " " + std::string(keys));
    std::vector<std::string> lines = linesOf(reply);
    if (lines.size() != 2 || !startsWith(lines[0], "* SEARCH") || lines[1] != "s OK " + verb + " completed")
        return "<" + reply + ">";
    return lines[0].size() > 9 ? lines[0].substr(9) : std::string();
}

// Everything a session could change in the store: mailboxes and messages with flags and keywords.
using StoreSnapshot = std::vector<std::tuple<std::string, uint32_t, uint32_t, bool, std::string, size_t>>;

StoreSnapshot snapshot(const store::Store& store)
{
    StoreSnapshot s;
    for (const std::string& user : store.users())
        for (const auto& [name, box] : store.account(user)->mailboxes) {
            std::string messages;
            for (const store::StoredMessage& m : box.messages) {
                messages += std::to_string(m.uid) + ":" + std::to_string(m.flags);
                for (const std::string& k : m.keywords)
                    messages += "," + k;
                messages += ";";
            }
            s.emplace_back(user + "/" + name, box.uidValidity, box.uidNext,
                           store.account(user)->subscriptions.count(name) > 0, messages, box.messages.size());
        }
    return s;
}

uint32_t deliver(DemoWorld& w, const std::string& subject, const std::string& mailbox = "INBOX")
{
    return w.store.deliver("alice", mailbox,
                           "From: Bob <bob@example.com>\r\nSubject: " + subject + "\r\n\r\nHi\r\n",
                           mail::DateTime{w.clock.nowSeconds(), 0});
}

// [SECTION] greeting, CAPABILITY, LOGIN, AUTHENTICATE, LOGOUT (RFC 3501 sections 6.1 and 6.2)

TEST(ImapSession, GreetingIsUntaggedOkWithCapabilities_Rfc3501_7_1_1)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.greeting(),
              "* OK [CAPABILITY " + std::string(kCapabilities) + "] maillab IMAP4rev1 server ready\r\n");
    EXPECT_EQ(c.state(), State::NotAuthenticated);
    EXPECT_FALSE(c.closed());
}

TEST(ImapSession, CapabilityListsImap4rev1AndEveryOfferedExtension_Rfc3501_6_1_1)
{
    DemoWorld w;
    Conn c(w);
    const std::string expected =
        "* CAPABILITY " + std::string(kCapabilities) + "\r\na1 OK CAPABILITY completed\r\n";
    EXPECT_EQ(c.send("a1 CAPABILITY"), expected);
    // The same in every state: nothing here depends on logging in (no LOGINDISABLED, no STARTTLS).
    c.login();
    EXPECT_EQ(c.send("a1 CAPABILITY"), expected);
    EXPECT_EQ(c.send("s SELECT INBOX").substr(0, 9), "* FLAGS (");
    EXPECT_EQ(c.send("a1 CAPABILITY"), expected);
    const std::vector<std::string_view> words = util::splitSpaces(kCapabilities);
    EXPECT_EQ(words.front(), "IMAP4rev1");
    for (std::string_view needed : {"IDLE", "MOVE", "UIDPLUS", "UNSELECT", "NAMESPACE", "ENABLE", "ID",
                                    "SPECIAL-USE", "LITERAL+", "SASL-IR", "AUTH=PLAIN", "CHILDREN"})
        EXPECT_NE(std::find(words.begin(), words.end(), needed), words.end()) << needed;
    EXPECT_EQ(ImapSession::capabilities(), kCapabilities);
}

TEST(ImapSession, LoginWithRightPasswordEntersAuthenticatedState_Rfc3501_6_2_3)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 LOGIN alice wonderland"),
              "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_EQ(c.session().user(), "alice");
    EXPECT_EQ(c.session().stateName(), "authenticated");
}

TEST(ImapSession, LoginAcceptsQuotedStringsAndLiterals_Rfc3501_6_2_3)
{
    DemoWorld w;
    Conn quoted(w, 1);
    EXPECT_EQ(lastLine(quoted.send("a1 LOGIN \"bob\" \"builder\"")).substr(0, 6), "a1 OK ");
    Conn literal(w, 2);
    EXPECT_EQ(literal.raw("a1 LOGIN {5}\r\n"), "+ Ready for literal data\r\n");
    EXPECT_EQ(literal.raw("alice {10}\r\n"), "+ Ready for literal data\r\n");
    EXPECT_EQ(literal.raw("wonderland\r\n"),
              "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    EXPECT_EQ(literal.state(), State::Authenticated);
}

TEST(ImapSession, LoginFailureSaysNoAndStaysNotAuthenticated_Rfc3501_6_2_3)
{
    DemoWorld w;
    Conn c(w);
    const std::string no = "a1 NO [AUTHENTICATIONFAILED] wrong user name or password\r\n";
    EXPECT_EQ(c.send("a1 LOGIN alice rabbit"), no);
    EXPECT_EQ(c.send("a1 LOGIN carol wonderland"), no); // no hint whether the user exists
    EXPECT_EQ(c.send("a1 LOGIN Alice wonderland"), no);
    EXPECT_EQ(c.state(), State::NotAuthenticated);
    EXPECT_FALSE(c.closed());
    c.login();
}

TEST(ImapSession, AuthenticatePlainWithInitialResponse_Rfc4959_3_Rfc4616_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(plain("", "alice", "wonderland"), "AGFsaWNlAHdvbmRlcmxhbmQ=");
    EXPECT_EQ(c.send("a1 AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ="),
              "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_EQ(c.session().user(), "alice");
}

TEST(ImapSession, AuthenticatePlainWithContinuation_Rfc3501_6_2_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 AUTHENTICATE PLAIN"), "+ \r\n");
    EXPECT_EQ(c.state(), State::NotAuthenticated);
    EXPECT_EQ(c.send(plain("bob", "bob", "builder")),
              "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    EXPECT_EQ(c.session().user(), "bob");
}

TEST(ImapSession, AuthenticateCancelledWithStarGetsBad_Rfc3501_6_2_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 AUTHENTICATE PLAIN"), "+ \r\n");
    EXPECT_EQ(c.send("*"), "a1 BAD AUTHENTICATE cancelled by the client (RFC 3501 section 6.2.2)\r\n");
    EXPECT_EQ(c.state(), State::NotAuthenticated);
    // The next line is a command again, not a SASL response.
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
}

TEST(ImapSession, AuthenticateFailuresAndOtherMechanisms_Rfc3501_6_2_2_Rfc4616_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 AUTHENTICATE PLAIN " + plain("", "alice", "rabbit")),
              "a1 NO [AUTHENTICATIONFAILED] wrong user name or password\r\n");
    // Acting as another user (an authzid that is not the authcid) is refused (RFC 4616 section 2).
    EXPECT_EQ(c.send("a2 AUTHENTICATE PLAIN " + plain("bob", "alice", "wonderland")),
              "a2 NO [AUTHORIZATIONFAILED] you may not act as another user\r\n");
    EXPECT_EQ(c.send("a3 AUTHENTICATE CRAM-MD5"),
              "a3 NO unsupported SASL mechanism; this server offers PLAIN\r\n");
    EXPECT_EQ(c.send("a4 AUTHENTICATE PLAIN"), "+ \r\n");
    EXPECT_EQ(c.send("!!not base64!!"), "a4 BAD the PLAIN response is not valid base64\r\n");
    EXPECT_EQ(c.send("a5 AUTHENTICATE PLAIN"), "+ \r\n");
    EXPECT_EQ(c.send(util::base64Encode("alice wonderland")),
              "a5 NO [AUTHENTICATIONFAILED] the PLAIN response needs authzid NUL user NUL password\r\n");
    EXPECT_EQ(c.state(), State::NotAuthenticated);
    // An authzid equal to the user is fine.
    EXPECT_EQ(lastLine(c.send("a6 AUTHENTICATE plain " + plain("alice", "alice", "wonderland"))).substr(0, 6),
              "a6 OK ");
}

TEST(ImapSession, LogoutSaysByeThenTaggedOkAndCloses_Rfc3501_6_1_3)
{
    for (int state = 0; state < 3; ++state) {
        SCOPED_TRACE(state);
        DemoWorld w;
        Conn c(w);
        if (state >= 1) c.login();
        if (state == 2) c.send("s SELECT INBOX");
        EXPECT_EQ(c.send("a9 LOGOUT"),
                  "* BYE maillab IMAP4rev1 server logging out\r\na9 OK LOGOUT completed\r\n");
        EXPECT_TRUE(c.closed());
        EXPECT_EQ(c.state(), State::Logout);
        EXPECT_EQ(c.session().stateName(), "logout");
        // The logout state takes no more commands: the connection is closing (RFC 3501 section 3.4).
        EXPECT_EQ(c.send("a10 NOOP"), "");
        EXPECT_EQ(c.send("a11 CAPABILITY"), "");
    }
}

TEST(ImapSession, LogoutInPipelineDropsWhatFollows_Rfc3501_3_4)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(
        c.raw("a1 NOOP\r\na2 LOGOUT\r\na3 NOOP\r\n"),
        "a1 OK NOOP completed\r\n* BYE maillab IMAP4rev1 server logging out\r\na2 OK LOGOUT completed\r\n");
    EXPECT_TRUE(c.closed());
}

TEST(ImapSession, StarttlsIsRefusedWithNo_Rfc3501_6_2_1)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 STARTTLS"), "a1 NO STARTTLS is not offered on this connection\r\n");
    EXPECT_EQ(c.state(), State::NotAuthenticated);
}

TEST(ImapSession, NoopInEveryState_Rfc3501_6_1_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 NOOP"), "a1 OK NOOP completed\r\n");
    c.login();
    EXPECT_EQ(c.send("a2 noop"), "a2 OK NOOP completed\r\n"); // command names are case-insensitive
    c.send("s SELECT INBOX");
    EXPECT_EQ(c.send("a3 NOOP"), "a3 OK NOOP completed\r\n");
}

// [SECTION] every command in every state (RFC 3501 section 3 and the "Valid in" of each command)

constexpr uint8_t kN = static_cast<uint8_t>(State::NotAuthenticated);
constexpr uint8_t kA = static_cast<uint8_t>(State::Authenticated);
constexpr uint8_t kS = static_cast<uint8_t>(State::Selected);

struct StateSample {
    const char* wire;   // as the BAD message names it
    std::string line;   // without tag and CRLF
    uint8_t allowed;    // from the RFCs, not from the engine's table
    const char* result; // the tagged status where allowed: "OK", "NO", or "+" for a continuation
};

std::vector<StateSample> stateSamples()
{
    return {
        {"CAPABILITY", "CAPABILITY", kN | kA | kS, "OK"},     // RFC 3501 6.1.1: any state
        {"NOOP", "NOOP", kN | kA | kS, "OK"},                 // 6.1.2
        {"ID", "ID (\"name\" \"test\")", kN | kA | kS, "OK"}, // RFC 2971 section 3.1: any state
        {"STARTTLS", "STARTTLS", kN, "NO"},                   // 6.2.1: not authenticated
        {"AUTHENTICATE", "AUTHENTICATE PLAIN " + plain("", "alice", "wonderland"), kN, "OK"}, // 6.2.2
        {"LOGIN", "LOGIN alice wonderland", kN, "OK"},                                        // 6.2.3
        {"SELECT", "SELECT Archive", kA | kS, "OK"},            // 6.3.1: authenticated or selected
        {"EXAMINE", "EXAMINE Archive", kA | kS, "OK"},          // 6.3.2
        {"CREATE", "CREATE Projects", kA | kS, "OK"},           // 6.3.3
        {"DELETE", "DELETE Junk", kA | kS, "OK"},               // 6.3.4
        {"RENAME", "RENAME Junk Spam", kA | kS, "OK"},          // 6.3.5
        {"SUBSCRIBE", "SUBSCRIBE Junk", kA | kS, "OK"},         // 6.3.6
        {"UNSUBSCRIBE", "UNSUBSCRIBE Junk", kA | kS, "OK"},     // 6.3.7
        {"LIST", "LIST \"\" *", kA | kS, "OK"},                 // 6.3.8
        {"LSUB", "LSUB \"\" *", kA | kS, "OK"},                 // 6.3.9
        {"STATUS", "STATUS Archive (MESSAGES)", kA | kS, "OK"}, // 6.3.10
        {"APPEND", "APPEND Drafts {14+}\r\nSubject: x\r\n\r\n", kA | kS, "OK"}, // 6.3.11
        {"NAMESPACE", "NAMESPACE", kA | kS, "OK"},                              // RFC 2342 section 5
        {"ENABLE", "ENABLE CONDSTORE", kA | kS, "OK"},                          // RFC 5161 section 3.1
        {"IDLE", "IDLE", kA | kS, "+"},                                         // RFC 2177 section 3
        {"CHECK", "CHECK", kS, "OK"},                                           // 6.4.1: selected
        {"CLOSE", "CLOSE", kS, "OK"},                                           // 6.4.2
        {"EXPUNGE", "EXPUNGE", kS, "OK"},                                       // 6.4.3
        {"SEARCH", "SEARCH ALL", kS, "OK"},                                     // 6.4.4
        {"FETCH", "FETCH 1 FLAGS", kS, "OK"},                                   // 6.4.5
        {"STORE", "STORE 1 +FLAGS (\\Flagged)", kS, "OK"},                      // 6.4.6
        {"COPY", "COPY 1 Archive", kS, "OK"},                                   // 6.4.7
        {"MOVE", "MOVE 1 Archive", kS, "OK"},                                   // RFC 6851 section 3.1
        {"UNSELECT", "UNSELECT", kS, "OK"},                                     // RFC 3691 section 2
        {"UID FETCH", "UID FETCH 1 FLAGS", kS, "OK"},                           // 6.4.8
        {"UID STORE", "UID STORE 1 +FLAGS (\\Seen)", kS, "OK"},
        {"UID SEARCH", "UID SEARCH ALL", kS, "OK"},
        {"UID COPY", "UID COPY 1 Archive", kS, "OK"},
        {"UID MOVE", "UID MOVE 1 Archive", kS, "OK"}, // RFC 6851 section 3.2
        {"UID EXPUNGE", "UID EXPUNGE 1:*", kS, "OK"}, // RFC 4315 section 2.1
        {"LOGOUT", "LOGOUT", kN | kA | kS, "OK"},     // 6.1.3
    };
}

TEST(ImapSession, EveryCommandInEveryState_AllowedWorkOthersGetBad_Rfc3501_3)
{
    const std::pair<State, const char*> states[] = {{State::NotAuthenticated, "not authenticated"},
                                                    {State::Authenticated, "authenticated"},
                                                    {State::Selected, "selected"}};
    for (const StateSample& sample : stateSamples()) {
        for (auto [state, name] : states) {
            SCOPED_TRACE(std::string(sample.wire) + " in the " + name + " state");
            DemoWorld w;
            Conn c(w);
            if (state != State::NotAuthenticated) c.login();
            if (state == State::Selected) c.send("s SELECT INBOX");
            ASSERT_EQ(c.state(), state);
            const StoreSnapshot before = snapshot(w.store);
            const std::string reply = c.send("t1 " + sample.line);
            const bool allowed = (sample.allowed & static_cast<uint8_t>(state)) != 0;
            if (!allowed) {
                // Exactly one tagged BAD line that names the command and the state; nothing changes.
                EXPECT_TRUE(startsWith(reply, "t1 BAD " + std::string(sample.wire) +
                                                  " is not allowed in the " + name + " state: "))
                    << reply;
                EXPECT_EQ(linesOf(reply).size(), 1u) << reply;
                EXPECT_EQ(c.state(), state);
                EXPECT_EQ(snapshot(w.store), before);
                EXPECT_FALSE(c.closed());
                EXPECT_EQ(c.send("t2 NOOP"), "t2 OK NOOP completed\r\n");
                continue;
            }
            if (std::string(sample.result) == "+") {
                EXPECT_EQ(reply, "+ idling\r\n");
                EXPECT_EQ(c.send("DONE"), "t1 OK IDLE terminated\r\n");
            } else {
                EXPECT_TRUE(startsWith(lastLine(reply), "t1 " + std::string(sample.result) + " ")) << reply;
                for (const std::string& line : linesOf(reply))
                    EXPECT_TRUE(startsWith(line, "* ") || startsWith(line, "t1 ")) << line;
            }
            if (std::string(sample.wire) == "LOGOUT") {
                EXPECT_TRUE(c.closed());
                continue;
            }
            EXPECT_FALSE(c.closed());
            EXPECT_NE(c.state(), State::Logout);
            EXPECT_EQ(lastLine(c.send("t3 NOOP")), "t3 OK NOOP completed");
        }
    }
}

TEST(ImapSession, WrongStateReplyNamesTheStateAndTheWayOut_Rfc3501_3)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.send("a1 SELECT INBOX"),
              "a1 BAD SELECT is not allowed in the not authenticated state: log in first "
              "(LOGIN or AUTHENTICATE) (RFC 3501 section 6.3.1)\r\n");
    c.login();
    EXPECT_EQ(c.send("a2 FETCH 1 FLAGS"),
              "a2 BAD FETCH is not allowed in the authenticated state: select a mailbox "
              "first (SELECT or EXAMINE) (RFC 3501 section 6.4.5)\r\n");
    EXPECT_EQ(c.send("a3 LOGIN alice wonderland"),
              "a3 BAD LOGIN is not allowed in the authenticated state: not "
              "after logging in (RFC 3501 section 6.2.3)\r\n");
    EXPECT_EQ(c.session().user(), "alice");
}

TEST(ImapSession, UnknownCommandGetsTaggedBadAndSessionGoesOn_Rfc3501_7_1_3)
{
    DemoWorld w;
    Conn c(w);
    std::string reply = c.send("a1 FROBNICATE");
    EXPECT_TRUE(startsWith(reply, "a1 BAD unknown command")) << reply;
    EXPECT_EQ(linesOf(reply).size(), 1u);
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
}

// [SECTION] SELECT and EXAMINE (RFC 3501 sections 6.3.1 and 6.3.2)

TEST(ImapSession, SelectReportsFlagsExistsRecentUnseenUidValidityUidNext_Rfc3501_6_3_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 SELECT INBOX"), firstSelectOfInbox("a1"));
    EXPECT_EQ(c.state(), State::Selected);
    EXPECT_EQ(c.session().selectedMailbox(), "INBOX");
    EXPECT_FALSE(c.session().readOnly());
    EXPECT_EQ(c.session().uids().size(), 17u);
}

TEST(ImapSession, SelectOfReadFolderHasNoUnseenAndNoRecent_Rfc3501_6_3_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 SELECT Archive"),
              "* FLAGS (" + kSystemFlags + ")\r\n* OK [PERMANENTFLAGS (" + kSystemFlags +
                  " \\*)] flags and new keywords are kept\r\n* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY " +
                  std::to_string(kArchiveValidity) +
                  "] UIDs valid\r\n* OK [UIDNEXT 3] predicted next UID\r\n"
                  "* OK [HIGHESTMODSEQ 3] highest mod-sequence\r\n* OK [MAILBOXID (M" +
                  std::to_string(kArchiveValidity) +
                  ")] mailbox id\r\na1 OK [READ-WRITE] SELECT completed\r\n");
    // [CLOSED] ends the news of the folder that was open (RFC 7162 section 3.2.11).
    EXPECT_EQ(c.send("a2 SELECT Drafts"),
              "* OK [CLOSED] previous mailbox closed\r\n* FLAGS (" + kSystemFlags +
                  ")\r\n* OK [PERMANENTFLAGS (" + kSystemFlags +
                  " \\*)] flags and new keywords are kept\r\n* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY " +
                  std::to_string(kDraftsValidity) +
                  "] UIDs valid\r\n* OK [UIDNEXT 1] predicted next UID\r\n"
                  "* OK [HIGHESTMODSEQ 1] highest mod-sequence\r\n* OK [MAILBOXID (M" +
                  std::to_string(kDraftsValidity) +
                  ")] mailbox id\r\na2 OK [READ-WRITE] SELECT completed\r\n");
}

TEST(ImapSession, SelectListsKeywordsInUseInFlags_Rfc3501_7_2_6)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // A new keyword is announced at once, with the FLAGS and PERMANENTFLAGS that now list it (7.2.6).
    const std::string announced = "* FLAGS (" + kSystemFlags + " $Important)\r\n* OK [PERMANENTFLAGS (" +
                                  kSystemFlags + " $Important \\*)] flags and new keywords are kept\r\n";
    EXPECT_EQ(c.send("a1 STORE 4 +FLAGS.SILENT ($Important)"), announced + "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a1b STORE 3 +FLAGS.SILENT ($Important)"), "a1b OK STORE completed\r\n"); // once
    std::string reply = c.send("a2 SELECT INBOX");
    EXPECT_TRUE(startsWith(reply, "* OK [CLOSED] previous mailbox closed\r\n* FLAGS (" + kSystemFlags +
                                      " $Important)\r\n* OK [PERMANENTFLAGS (" + kSystemFlags +
                                      " $Important \\*)]"))
        << reply;
    // Another session took \Recent with the first SELECT; UNSEEN is still message 1.
    EXPECT_NE(reply.find("* 0 RECENT\r\n* OK [UNSEEN 1]"), std::string::npos) << reply;
}

TEST(ImapSession, ExamineIsReadOnlyWithEmptyPermanentFlags_Rfc3501_6_3_2)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 EXAMINE INBOX"),
              "* FLAGS (" + kSystemFlags +
                  ")\r\n* OK [PERMANENTFLAGS ()] read-only: no flags can be changed\r\n"
                  "* 17 EXISTS\r\n* 17 RECENT\r\n* OK [UNSEEN 1] first unseen message\r\n* OK [UIDVALIDITY " +
                  std::to_string(kInboxValidity) +
                  "] UIDs valid\r\n* OK [UIDNEXT 18] predicted next UID\r\n"
                  "* OK [HIGHESTMODSEQ 18] highest mod-sequence\r\n* OK [MAILBOXID (M" +
                  std::to_string(kInboxValidity) +
                  ")] mailbox id\r\na1 OK [READ-ONLY] EXAMINE completed\r\n");
    EXPECT_TRUE(c.session().readOnly());
    EXPECT_EQ(c.state(), State::Selected);
}

TEST(ImapSession, ExamineDoesNotSetSeen_Rfc3501_6_3_2)
{
    DemoWorld w;
    Conn c(w);
    c.open("INBOX", "alice", "wonderland", "EXAMINE");
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    // No FLAGS item: nothing changed, so none is reported (RFC 3501 section 6.4.5).
    EXPECT_EQ(c.send("a1 FETCH 17 BODY[]"),
              "* 17 FETCH (BODY[] " + lit(msg) + ")\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 17 RFC822.TEXT").find("FLAGS"), std::string::npos);
    EXPECT_EQ(c.send("a3 FETCH 17 FLAGS"), "* 17 FETCH (FLAGS (\\Recent))\r\na3 OK FETCH completed\r\n");
    EXPECT_FALSE(w.store.mailbox("alice", "INBOX")->messages[16].has(store::kSeen));
}

TEST(ImapSession, ExamineRefusesStoreExpungeAndMove_Rfc3501_6_3_2)
{
    DemoWorld w;
    Conn c(w);
    c.open("INBOX", "alice", "wonderland", "EXAMINE");
    const StoreSnapshot before = snapshot(w.store);
    const std::string readOnly = " NO [READ-ONLY] the mailbox was opened with EXAMINE\r\n";
    EXPECT_EQ(c.send("a1 STORE 1 +FLAGS (\\Deleted)"), "a1" + readOnly);
    EXPECT_EQ(c.send("a2 UID STORE 1 +FLAGS (\\Seen)"), "a2" + readOnly);
    EXPECT_EQ(c.send("a3 EXPUNGE"), "a3" + readOnly);
    EXPECT_EQ(c.send("a4 UID EXPUNGE 1"), "a4" + readOnly);
    EXPECT_EQ(c.send("a5 MOVE 1 Archive"), "a5" + readOnly);
    EXPECT_EQ(snapshot(w.store), before);
    // COPY only reads the source: it is allowed (RFC 3501 section 6.4.7).
    EXPECT_EQ(c.send("a6 COPY 1 Archive"),
              "a6 OK [COPYUID " + std::to_string(kArchiveValidity) + " 1 3] COPY completed\r\n");
    // CLOSE of a read-only mailbox removes nothing (RFC 3501 section 6.4.2).
    EXPECT_EQ(c.send("a7 CLOSE"), "a7 OK CLOSE completed\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->messages.size(), 17u);
}

TEST(ImapSession, FailedSelectLeavesAuthenticatedState_Rfc3501_6_3_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // The open folder is closed even so (RFC 7162 section 3.2.11: [CLOSED]).
    EXPECT_EQ(c.send("a1 SELECT Nope"),
              "* OK [CLOSED] previous mailbox closed\r\na1 NO [NONEXISTENT] no mailbox named Nope\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_EQ(c.session().selectedMailbox(), "");
    EXPECT_TRUE(
        startsWith(c.send("a2 FETCH 1 FLAGS"), "a2 BAD FETCH is not allowed in the authenticated state"));
    EXPECT_EQ(c.send("a3 EXAMINE Nope"), "a3 NO [NONEXISTENT] no mailbox named Nope\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
}

TEST(ImapSession, InboxIsCaseInsensitiveOtherNamesAreNot_Rfc3501_5_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(lastLine(c.send("a1 SELECT inbox")), "a1 OK [READ-WRITE] SELECT completed");
    EXPECT_EQ(c.session().selectedMailbox(), "INBOX");
    EXPECT_EQ(c.send("a2 SELECT archive"),
              "* OK [CLOSED] previous mailbox closed\r\na2 NO [NONEXISTENT] no mailbox named archive\r\n");
    EXPECT_EQ(lastLine(c.send("a3 EXAMINE \"InBoX\"")), "a3 OK [READ-ONLY] EXAMINE completed");
}

TEST(ImapSession, SelectingAnotherMailboxDoesNotExpunge_Rfc3501_6_3_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 1 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(lastLine(c.send("a2 SELECT Archive")), "a2 OK [READ-WRITE] SELECT completed");
    EXPECT_EQ(c.send("a3 STATUS INBOX (MESSAGES)"),
              "* STATUS INBOX (MESSAGES 17)\r\na3 OK STATUS completed\r\n");
}

// [SECTION] CREATE, DELETE, RENAME (RFC 3501 sections 6.3.3 to 6.3.5)

TEST(ImapSession, CreateMakesAnEmptyMailboxWithItsOwnUidValidity_Rfc3501_6_3_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    // OBJECTID names the new mailbox after the UIDVALIDITY it is born with (RFC 8474 section 4.1).
    EXPECT_EQ(c.send("a1 CREATE Projects"),
              "a1 OK [MAILBOXID (M" + std::to_string(kFirstNewValidity) + ")] CREATE completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" Projects"),
              "* LIST (\\HasNoChildren) \"/\" Projects\r\na2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 STATUS Projects (MESSAGES UIDNEXT UIDVALIDITY)"),
              "* STATUS Projects (MESSAGES 0 UIDNEXT 1 UIDVALIDITY " + std::to_string(kFirstNewValidity) +
                  ")\r\na3 OK STATUS completed\r\n");
}

TEST(ImapSession, CreateWithHierarchyCreatesTheSuperiors_Rfc3501_6_3_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 CREATE Courses/Networks").rfind("a1 OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("a2 LIST \"\" *"), "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                                        "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n"
                                        "* LIST (\\HasChildren) \"/\" Courses\r\n"
                                        "* LIST (\\HasNoChildren) \"/\" Courses/Networks\r\n"
                                        "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
                                        "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n"
                                        "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                                        "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
                                        "a2 OK LIST completed\r\n");
    // A trailing delimiter declares the intent to create names under it (RFC 3501 section 6.3.3).
    EXPECT_EQ(c.send("a3 CREATE Travel/").rfind("a3 OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("a4 LIST \"\" Travel"),
              "* LIST (\\HasNoChildren) \"/\" Travel\r\na4 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a5 CREATE \"Term 1/Week 2\"").rfind("a5 OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("a6 LIST \"\" Term*"), "* LIST (\\HasChildren) \"/\" \"Term 1\"\r\n"
                                            "* LIST (\\HasNoChildren) \"/\" \"Term 1/Week 2\"\r\n"
                                            "a6 OK LIST completed\r\n");
}

// Issue 14, F4: a deep name creates each superior once, outermost first (it used to take seconds).
TEST(ImapSession, CreateOfADeepNameCreatesEverySuperiorOnceOutermostFirst_Rfc3501_6_3_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    std::string name = "a";
    for (size_t i = 1; i < store::Store::kMaxMailboxLevels; ++i)
        name += "/a";
    EXPECT_EQ(c.send("a1 CREATE " + name).rfind("a1 OK [MAILBOXID (M", 0), 0u);
    const store::Account& alice = *w.store.account("alice");
    uint32_t previous = 0;
    for (size_t end = 1; end <= name.size(); end += 2) {
        const store::Mailbox* box = w.store.mailbox("alice", name.substr(0, end));
        ASSERT_NE(box, nullptr) << end;
        EXPECT_GT(box->uidValidity, previous);
        previous = box->uidValidity;
        EXPECT_FALSE(alice.subscriptions.count(box->name)); // only SUBSCRIBE subscribes (RFC 3501 6.3.6)
    }
}

// Issue 15: Dovecot's limits (20 levels, 200 bytes a level), refused with a response code (RFC 5530
// section 3) before anything is made, so a 4,000-level name no longer makes 4,000 mailboxes.
TEST(ImapSession, CreateAndRenameRefuseNamesTooDeepOrTooLong_Rfc5530_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    const StoreSnapshot before = snapshot(w.store);
    std::string deep = "a";
    for (int i = 1; i < 4000; ++i)
        deep += "/a";
    EXPECT_EQ(c.send("a1 CREATE " + deep), "a1 NO [LIMIT] mailbox name too deep: at most 20 levels\r\n");
    const std::string tooLong = "a1 NO [CANNOT] mailbox name too long: at most 200 bytes between '/' "
                                "(less where the disk cannot hold it)\r\n";
    EXPECT_EQ(c.send("a1 CREATE Top/" + std::string(201, 'x')), tooLong);
    EXPECT_TRUE(snapshot(w.store) == before); // not even the superior "Top"
    EXPECT_TRUE(c.send("a2 CREATE " + std::string(200, 'x')).starts_with("a2 OK ")); // with its MAILBOXID

    // RENAME: the target, and every inferior that moves with it (RFC 3501 section 6.3.5).
    std::string nineteen = "b";
    for (int i = 1; i < 19; ++i)
        nineteen += "/b";
    EXPECT_TRUE(c.send("a3 CREATE Work/Sub").starts_with("a3 OK "));
    EXPECT_EQ(c.send("a4 RENAME Work " + nineteen + "/w/x"),
              "a4 NO [LIMIT] mailbox name too deep: at most 20 levels\r\n");
    EXPECT_EQ(c.send("a5 RENAME Work " + nineteen + "/b"),
              "a5 NO [LIMIT] mailbox name too deep: at most 20 levels\r\n");
    EXPECT_EQ(c.send("a6 RENAME Work " + std::string(201, 'y')),
              "a6 NO [CANNOT] mailbox name too long: at most "
              "200 bytes between '/' (less where the disk "
              "cannot hold it)\r\n");
    EXPECT_NE(w.store.mailbox("alice", "Work/Sub"), nullptr);
    EXPECT_EQ(c.send("a7 RENAME Work " + nineteen.substr(2)), "a7 OK RENAME completed\r\n");
    EXPECT_NE(w.store.mailbox("alice", nineteen.substr(2) + "/Sub"), nullptr);
}

TEST(ImapSession, CreateOfAnExistingNameOrInboxFails_Rfc3501_6_3_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    const StoreSnapshot before = snapshot(w.store);
    EXPECT_EQ(c.send("a1 CREATE Junk"), "a1 NO [ALREADYEXISTS] Junk already exists\r\n");
    EXPECT_EQ(c.send("a2 CREATE INBOX"), "a2 NO [ALREADYEXISTS] INBOX always exists\r\n");
    EXPECT_EQ(c.send("a3 CREATE inbox"), "a3 NO [ALREADYEXISTS] INBOX always exists\r\n");
    EXPECT_EQ(snapshot(w.store), before);
}

TEST(ImapSession, DeleteRemovesTheMailboxAndItsMessages_Rfc3501_6_3_4)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 DELETE Junk"), "a1 OK DELETE completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" Junk"), "a2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 STATUS Junk (MESSAGES)"), "a3 NO [NONEXISTENT] no mailbox named Junk\r\n");
    EXPECT_EQ(c.send("a4 DELETE Junk"), "a4 NO [NONEXISTENT] no mailbox named Junk\r\n");
}

TEST(ImapSession, DeleteOfInboxIsRefused_Rfc3501_6_3_4)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 DELETE INBOX"), "a1 NO [CANNOT] INBOX cannot be deleted (RFC 3501 6.3.4)\r\n");
    EXPECT_EQ(c.send("a2 DELETE inbox"), "a2 NO [CANNOT] INBOX cannot be deleted (RFC 3501 6.3.4)\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->messages.size(), 17u);
}

TEST(ImapSession, DeleteOfAMailboxWithChildrenIsRefused_Rfc3501_6_3_4_Rfc9051_6_3_4)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    c.send("a0 CREATE Courses/Networks");
    // RFC 3501 lets a server refuse; RFC 9051 names the code: HASCHILDREN. The child is never removed.
    EXPECT_EQ(c.send("a1 DELETE Courses"),
              "a1 NO [HASCHILDREN] Courses has folders inside it: delete those first\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" Courses*"), "* LIST (\\HasChildren) \"/\" Courses\r\n"
                                               "* LIST (\\HasNoChildren) \"/\" Courses/Networks\r\n"
                                               "a2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 DELETE Courses/Networks"), "a3 OK DELETE completed\r\n");
    EXPECT_EQ(c.send("a4 DELETE Courses"), "a4 OK DELETE completed\r\n");
}

TEST(ImapSession, DeleteOfTheSelectedMailboxClosesIt_Rfc3501_6_3_4)
{
    DemoWorld w;
    Conn c(w);
    c.open("Junk");
    // The session goes back to the authenticated state; it is not disconnected.
    EXPECT_EQ(c.send("a1 DELETE Junk"), "a1 OK DELETE completed\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_FALSE(c.closed());
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
    EXPECT_EQ(lastLine(c.send("a3 SELECT INBOX")), "a3 OK [READ-WRITE] SELECT completed");
}

TEST(ImapSession, RecreatedMailboxGetsANewUidValidity_Rfc3501_2_3_1_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 DELETE Junk"), "a1 OK DELETE completed\r\n");
    EXPECT_EQ(c.send("a2 CREATE Junk").rfind("a2 OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("a3 STATUS Junk (MESSAGES UIDVALIDITY UIDNEXT)"),
              "* STATUS Junk (MESSAGES 0 UIDVALIDITY " + std::to_string(kFirstNewValidity) +
                  " UIDNEXT 1)\r\na3 OK STATUS completed\r\n");
    EXPECT_GT(kFirstNewValidity, kJunkValidity);
}

TEST(ImapSession, RenameKeepsMessagesUidsAndUidValidity_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 RENAME Junk Spam"), "a1 OK RENAME completed\r\n");
    EXPECT_EQ(c.send("a2 STATUS Spam (MESSAGES UIDVALIDITY UIDNEXT)"),
              "* STATUS Spam (MESSAGES 2 UIDVALIDITY " + std::to_string(kJunkValidity) +
                  " UIDNEXT 3)\r\na2 OK STATUS completed\r\n");
    // The special use goes with the mailbox (RFC 6154 section 2).
    EXPECT_EQ(c.send("a3 LIST \"\" Spam"),
              "* LIST (\\HasNoChildren \\Junk) \"/\" Spam\r\na3 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a4 LIST \"\" Junk"), "a4 OK LIST completed\r\n");
}

TEST(ImapSession, RenameTakesInferiorNamesAlong_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    c.send("a0 CREATE Courses/Networks");
    EXPECT_EQ(c.send("a1 RENAME Courses \"Term 1\""), "a1 OK RENAME completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" *e*"), "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n"
                                          "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                                          "* LIST (\\HasChildren) \"/\" \"Term 1\"\r\n"
                                          "* LIST (\\HasNoChildren) \"/\" \"Term 1/Networks\"\r\n"
                                          "a2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 LIST \"\" Courses*"), "a3 OK LIST completed\r\n");
}

TEST(ImapSession, RenameOfInboxMovesItsMessagesAndLeavesItEmpty_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 RENAME INBOX Old"), "a1 OK RENAME completed\r\n");
    // INBOX still exists, empty, with its UIDVALIDITY; its UIDs are not given out again.
    EXPECT_EQ(c.send("a2 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)"),
              "* STATUS INBOX (MESSAGES 0 UIDNEXT 18 UIDVALIDITY " + std::to_string(kInboxValidity) +
                  ")\r\na2 OK STATUS completed\r\n");
    EXPECT_EQ(c.send("a3 STATUS Old (MESSAGES UNSEEN)"),
              "* STATUS Old (MESSAGES 17 UNSEEN 17)\r\na3 OK STATUS completed\r\n");
    EXPECT_EQ(c.send("a4 LIST \"\" INBOX"),
              "* LIST (\\HasNoChildren) \"/\" INBOX\r\na4 OK LIST completed\r\n");
    EXPECT_EQ(deliver(w, "after the rename"), 18u);
    // The moved messages are whole: the same bytes.
    EXPECT_EQ(w.store.mailbox("alice", "Old")->messages[16].copyBytes(),
              demo("alice/INBOX/17-borrow-cable.eml"));
}

TEST(ImapSession, RenameFailures_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    c.send("a0 CREATE Courses");
    const StoreSnapshot before = snapshot(w.store);
    EXPECT_EQ(c.send("a1 RENAME Nope Other"), "a1 NO [NONEXISTENT] no mailbox named Nope\r\n");
    EXPECT_EQ(c.send("a2 RENAME Junk Archive"), "a2 NO [ALREADYEXISTS] Archive already exists\r\n");
    EXPECT_EQ(c.send("a3 RENAME Junk INBOX"), "a3 NO [ALREADYEXISTS] INBOX always exists\r\n");
    EXPECT_EQ(c.send("a4 RENAME Courses Courses/Inner"), "a4 NO [CANNOT] that cannot be done to Courses\r\n");
    EXPECT_EQ(snapshot(w.store), before);
}

TEST(ImapSession, RenameOfTheSelectedMailboxKeepsItSelected_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn c(w);
    c.open("Junk");
    EXPECT_EQ(c.send("a1 RENAME Junk Spam"), "a1 OK RENAME completed\r\n");
    EXPECT_EQ(c.session().selectedMailbox(), "Spam");
    EXPECT_EQ(c.send("a2 FETCH 2 UID"), "* 2 FETCH (UID 2)\r\na2 OK FETCH completed\r\n");
}

// [SECTION] SUBSCRIBE, UNSUBSCRIBE, LSUB, LIST (RFC 3501 sections 6.3.6 to 6.3.9, RFC 6154)

TEST(ImapSession, SubscribeUnsubscribeAndLsub_Rfc3501_6_3_6_to_6_3_9)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    std::string lsubAll = kListOfAlice;
    for (size_t at = lsubAll.find("* LIST"); at != std::string::npos; at = lsubAll.find("* LIST", at))
        lsubAll.replace(at, 6, "* LSUB");
    EXPECT_EQ(c.send("a1 LSUB \"\" *"), lsubAll + "a1 OK LSUB completed\r\n");
    EXPECT_EQ(c.send("a2 UNSUBSCRIBE Junk"), "a2 OK UNSUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("a3 LSUB \"\" J*"), "a3 OK LSUB completed\r\n");
    // LIST shows every mailbox, subscribed or not.
    EXPECT_EQ(c.send("a4 LIST \"\" J*"),
              "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\na4 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a5 SUBSCRIBE Junk"), "a5 OK SUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("a6 LSUB \"\" J*"),
              "* LSUB (\\HasNoChildren \\Junk) \"/\" Junk\r\na6 OK LSUB completed\r\n");
    EXPECT_EQ(c.send("a7 SUBSCRIBE Nope"), "a7 NO [NONEXISTENT] no mailbox named Nope\r\n");
}

TEST(ImapSession, ListStarShowsEveryMailboxWithSpecialUse_Rfc3501_6_3_8_Rfc6154_2)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 LIST \"\" *"), kListOfAlice + "a1 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" \"*\""), kListOfAlice + "a2 OK LIST completed\r\n");
}

TEST(ImapSession, ListPercentStopsAtTheDelimiter_Rfc3501_6_3_8)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    c.send("a0 CREATE Courses/Networks/Labs");
    EXPECT_EQ(c.send("a1 LIST \"\" %"), "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                                        "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n"
                                        "* LIST (\\HasChildren) \"/\" Courses\r\n"
                                        "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
                                        "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n"
                                        "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                                        "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
                                        "a1 OK LIST completed\r\n");
    const std::string networks = "* LIST (\\HasChildren) \"/\" Courses/Networks\r\n";
    EXPECT_EQ(c.send("a2 LIST \"\" Courses/%"), networks + "a2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 LIST Courses/ *"),
              networks + "* LIST (\\HasNoChildren) \"/\" Courses/Networks/Labs\r\na3 OK LIST completed\r\n");
}

TEST(ImapSession, ListReferenceIsPrefixedToThePattern_Rfc3501_6_3_8)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    c.send("a0 CREATE Courses/Networks");
    EXPECT_EQ(c.send("a1 LIST Courses/ %"),
              "* LIST (\\HasNoChildren) \"/\" Courses/Networks\r\na1 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"Courses/\" \"Net*\""),
              "* LIST (\\HasNoChildren) \"/\" Courses/Networks\r\na2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 LIST Courses/ Nope"), "a3 OK LIST completed\r\n");
}

TEST(ImapSession, ListWithEmptyPatternGivesDelimiterAndRoot_Rfc3501_6_3_8)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 LIST \"\" \"\""), "* LIST (\\Noselect) \"/\" \"\"\r\na1 OK LIST completed\r\n");
}

TEST(ImapSession, ListMatchesInboxCaseInsensitively_Rfc3501_5_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 LIST \"\" inbox"),
              "* LIST (\\HasNoChildren) \"/\" INBOX\r\na1 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a2 LIST \"\" INB%"),
              "* LIST (\\HasNoChildren) \"/\" INBOX\r\na2 OK LIST completed\r\n");
    EXPECT_EQ(c.send("a3 LIST \"\" junk"), "a3 OK LIST completed\r\n");
}

// [SECTION] STATUS (RFC 3501 section 6.3.10)

TEST(ImapSession, StatusReportsTheRequestedItemsInOrder_Rfc3501_6_3_10)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"),
              "* STATUS INBOX (MESSAGES 17 RECENT 17 UIDNEXT 18 UIDVALIDITY " +
                  std::to_string(kInboxValidity) + " UNSEEN 17)\r\na1 OK STATUS completed\r\n");
    EXPECT_EQ(c.send("a2 STATUS Archive (UNSEEN MESSAGES)"),
              "* STATUS Archive (UNSEEN 0 MESSAGES 2)\r\na2 OK STATUS completed\r\n");
    EXPECT_EQ(c.send("a3 status junk (messages)"), "a3 NO [NONEXISTENT] no mailbox named junk\r\n");
    EXPECT_EQ(c.send("a4 STATUS Junk (messages)"),
              "* STATUS Junk (MESSAGES 2)\r\na4 OK STATUS completed\r\n");
    c.send("a5 CREATE \"Term 1\"");
    EXPECT_EQ(c.send("a6 STATUS \"Term 1\" (MESSAGES)"),
              "* STATUS \"Term 1\" (MESSAGES 0)\r\na6 OK STATUS completed\r\n");
}

TEST(ImapSession, StatusFollowsChangesAndRecentIsTakenBySelect_Rfc3501_6_3_10)
{
    DemoWorld w;
    Conn a(w, 1);
    a.open();
    EXPECT_EQ(a.send("a1 STORE 1:3 +FLAGS.SILENT (\\Seen)"), "a1 OK STORE completed\r\n");
    Conn b(w, 2);
    b.login();
    // Session a holds \Recent for all 17; for anyone else they are no longer recent.
    EXPECT_EQ(b.send("b1 STATUS INBOX (MESSAGES RECENT UNSEEN)"),
              "* STATUS INBOX (MESSAGES 17 RECENT 0 UNSEEN 14)\r\nb1 OK STATUS completed\r\n");
    deliver(w, "new");
    EXPECT_EQ(b.send("b2 STATUS INBOX (MESSAGES RECENT UNSEEN UIDNEXT)"),
              "* STATUS INBOX (MESSAGES 18 RECENT 1 UNSEEN 15 UIDNEXT 19)\r\nb2 OK STATUS completed\r\n");
}

// [SECTION] APPEND (RFC 3501 section 6.3.11, RFC 4315 APPENDUID, RFC 7888 LITERAL+)

const std::string kAppended = "Date: Fri, 15 May 2026 10:00:00 +0000\r\n"
                              "From: Alice Nguyen <alice@maillab.example>\r\n"
                              "To: Bob Miller <bob@maillab.example>\r\n"
                              "Subject: draft about the sent date\r\n"
                              "\r\n"
                              "Bob, the lab is on Friday.\r\n";

TEST(ImapSession, AppendWithFlagsDateAndNonSyncLiteralInOneBuffer_Rfc3501_6_3_11_Rfc7888_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.raw("a1 APPEND Drafts (\\Draft $Draft) \"26-Nov-2026 09:00:00 +0100\" {" +
                    std::to_string(kAppended.size()) + "+}\r\n" + kAppended + "\r\n"),
              "a1 OK [APPENDUID " + std::to_string(kDraftsValidity) + " 1] APPEND completed\r\n");
    std::string select = c.send("a2 SELECT Drafts");
    EXPECT_TRUE(startsWith(select, "* FLAGS (" + kSystemFlags + " $Draft)\r\n")) << select;
    EXPECT_NE(select.find("* 1 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 1]"), std::string::npos) << select;
    EXPECT_NE(select.find("* OK [UIDNEXT 2]"), std::string::npos) << select;
    EXPECT_EQ(c.send("a3 FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)"),
              "* 1 FETCH (FLAGS (\\Draft \\Recent $Draft) INTERNALDATE \"26-Nov-2026 09:00:00 +0100\" "
              "RFC822.SIZE " +
                  std::to_string(kAppended.size()) + ")\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 1 BODY.PEEK[]"),
              "* 1 FETCH (BODY[] " + lit(kAppended) + ")\r\na4 OK FETCH completed\r\n");
}

TEST(ImapSession, AppendWithSyncLiteralWaitsForContinuation_Rfc3501_7_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 APPEND INBOX (\\Seen) {" + std::to_string(kAppended.size()) + "}"),
              "+ Ready for literal data\r\n");
    EXPECT_EQ(c.raw(kAppended + "\r\n"),
              "a1 OK [APPENDUID " + std::to_string(kInboxValidity) + " 18] APPEND completed\r\n");
    const store::StoredMessage& m = w.store.mailbox("alice", "INBOX")->messages.back();
    EXPECT_EQ(m.uid, 18u);
    EXPECT_EQ(m.copyBytes(), kAppended);
    EXPECT_TRUE(m.has(store::kSeen));
    EXPECT_TRUE(m.has(store::kRecent));
    // Without a date-time the internal date is now (the virtual clock).
    EXPECT_EQ(m.internalDate.epochSeconds, w.clock.nowSeconds());
}

TEST(ImapSession, AppendSplitAnywhereGivesTheSameMessage_Rfc3501_4_3)
{
    const std::string command =
        "a1 APPEND Drafts {" + std::to_string(kAppended.size()) + "+}\r\n" + kAppended + "\r\n";
    for (size_t split = 1; split < command.size(); split += 7) {
        SCOPED_TRACE(split);
        DemoWorld w;
        Conn c(w);
        c.login();
        std::string reply = c.raw(command.substr(0, split));
        reply += c.raw(command.substr(split));
        EXPECT_EQ(reply, "a1 OK [APPENDUID " + std::to_string(kDraftsValidity) + " 1] APPEND completed\r\n");
        ASSERT_EQ(w.store.mailbox("alice", "Drafts")->messages.size(), 1u);
        EXPECT_EQ(w.store.mailbox("alice", "Drafts")->messages[0].copyBytes(), kAppended);
    }
}

TEST(ImapSession, AppendToTheSelectedMailboxReportsExists_Rfc3501_6_3_11)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.raw("a1 APPEND INBOX {" + std::to_string(kAppended.size()) + "+}\r\n" + kAppended + "\r\n"),
              "* 18 EXISTS\r\n* 18 RECENT\r\na1 OK [APPENDUID " + std::to_string(kInboxValidity) +
                  " 18] APPEND completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 18 (UID FLAGS)"),
              "* 18 FETCH (UID 18 FLAGS (\\Recent))\r\na2 OK FETCH completed\r\n");
}

TEST(ImapSession, AppendToAMissingMailboxSaysTryCreate_Rfc3501_6_3_11)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    const StoreSnapshot before = snapshot(w.store);
    EXPECT_EQ(c.raw("a1 APPEND Nope {" + std::to_string(kAppended.size()) + "+}\r\n" + kAppended + "\r\n"),
              "a1 NO [TRYCREATE] no mailbox named Nope: CREATE it first\r\n");
    EXPECT_EQ(snapshot(w.store), before); // and it is not created on the fly
    EXPECT_EQ(c.raw("a2 APPEND Drafts (\\Bogus) {" + std::to_string(kAppended.size()) + "+}\r\n" + kAppended +
                    "\r\n"),
              "a2 BAD unknown flag \\Bogus\r\n");
    EXPECT_EQ(snapshot(w.store), before);
}

// [SECTION] NAMESPACE, ENABLE, ID, CHECK (RFC 2342, RFC 5161, RFC 2971, RFC 3501 section 6.4.1)

TEST(ImapSession, NamespaceHasOnePersonalNamespace_Rfc2342_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 NAMESPACE"), "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\na1 OK NAMESPACE completed\r\n");
}

TEST(ImapSession, EnableOfUnofferedExtensionsEnablesNothing_Rfc5161_3_1)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 ENABLE UTF8=ACCEPT X-UNKNOWN"), "* ENABLED\r\na1 OK ENABLE completed\r\n");
    // What is offered is listed, once (RFC 5161 section 3.1, RFC 7162 section 3.2.3).
    EXPECT_EQ(c.send("a2 ENABLE CONDSTORE QRESYNC CONDSTORE"),
              "* ENABLED CONDSTORE QRESYNC\r\na2 OK ENABLE completed\r\n");
}

TEST(ImapSession, IdTellsTheServerName_Rfc2971_3_1)
{
    DemoWorld w;
    Conn c(w);
    const std::string id =
        "* ID (\"name\" \"maillab\" \"version\" \"0.1\" \"vendor\" \"maillab teaching server\")\r\n";
    EXPECT_EQ(c.send("a1 ID (\"name\" \"imaplib\" \"version\" NIL)"), id + "a1 OK ID completed\r\n");
    EXPECT_EQ(c.send("a2 ID NIL"), id + "a2 OK ID completed\r\n");
}

TEST(ImapSession, CheckCompletes_Rfc3501_6_4_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 CHECK"), "a1 OK CHECK completed\r\n");
}

// [SECTION] CLOSE, UNSELECT, EXPUNGE (RFC 3501 sections 6.4.2, 6.4.3, 7.4.1; RFC 3691; RFC 4315)

TEST(ImapSession, CloseExpungesSilently_Rfc3501_6_4_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 2,4 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 CLOSE"), "a2 OK CLOSE completed\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_EQ(c.session().selectedMailbox(), "");
    EXPECT_EQ(c.send("a3 STATUS INBOX (MESSAGES)"),
              "* STATUS INBOX (MESSAGES 15)\r\na3 OK STATUS completed\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->find(2), nullptr);
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->find(4), nullptr);
}

TEST(ImapSession, UnselectLeavesDeletedMessagesInPlace_Rfc3691_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 UNSELECT"), "a2 OK UNSELECT completed\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
    EXPECT_EQ(c.send("a3 STATUS INBOX (MESSAGES)"),
              "* STATUS INBOX (MESSAGES 17)\r\na3 OK STATUS completed\r\n");
    c.send("a4 SELECT INBOX");
    EXPECT_EQ(c.send("a5 FETCH 2 FLAGS"), "* 2 FETCH (FLAGS (\\Deleted))\r\na5 OK FETCH completed\r\n");
}

TEST(ImapSession, ExpungeShiftsSequenceNumbers_Rfc3501_7_4_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 2,3,5 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    // Each EXPUNGE renumbers the messages after it at once: 2, then the old 3 is 2, then the old 5 is 3.
    EXPECT_EQ(c.send("a2 EXPUNGE"),
              "* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n* 3 EXPUNGE\r\na2 OK EXPUNGE completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 1:4 UID"), "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 4)\r\n* 3 FETCH (UID 6)\r\n"
                                          "* 4 FETCH (UID 7)\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 14 UID"), "* 14 FETCH (UID 17)\r\na4 OK FETCH completed\r\n");
    EXPECT_TRUE(startsWith(c.send("a5 FETCH 15 UID"), "a5 BAD no message 15"));
    EXPECT_EQ(c.send("a6 EXPUNGE"), "a6 OK EXPUNGE completed\r\n"); // nothing left to remove
    EXPECT_EQ(c.session().uids().size(), 14u);
}

TEST(ImapSession, UidExpungeRemovesOnlyTheNamedDeletedMessages_Rfc4315_2_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 2,3,5 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 UID EXPUNGE 3:6"), "* 3 EXPUNGE\r\n* 4 EXPUNGE\r\na2 OK UID EXPUNGE completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 2 (UID FLAGS)"),
              "* 2 FETCH (UID 2 FLAGS (\\Deleted \\Recent))\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 UID EXPUNGE 100:200"), "a4 OK UID EXPUNGE completed\r\n");
}

// [SECTION] FETCH (RFC 3501 sections 6.4.5 and 7.4.2)

// The bytes from the first `from` (included) up to the first `to` after it (excluded).
std::string between(const std::string& text, std::string_view from, std::string_view to)
{
    size_t start = text.find(from);
    size_t end = start == std::string::npos ? start : text.find(to, start);
    EXPECT_NE(end, std::string::npos) << from << " ... " << to;
    return end == std::string::npos ? std::string() : text.substr(start, end - start);
}

std::string headerOf(const std::string& message)
{
    return message.substr(0, message.find("\r\n\r\n") + 4);
}
std::string bodyOf(const std::string& message)
{
    return message.substr(message.find("\r\n\r\n") + 4);
}

size_t crlfCount(std::string_view text)
{
    size_t n = 0;
    for (size_t at = text.find("\r\n"); at != std::string_view::npos; at = text.find("\r\n", at + 2))
        ++n;
    return n;
}

TEST(ImapSession, FetchFlagsInternalDateAndSize_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // date-day-fixed is a space and one digit below 10 (RFC 3501 section 9, date-time); the zone is kept.
    EXPECT_EQ(c.send("a1 FETCH 17 (FLAGS INTERNALDATE RFC822.SIZE)"),
              "* 17 FETCH (FLAGS (\\Recent) INTERNALDATE \" 9-Nov-2026 18:44:21 -0500\" RFC822.SIZE 921)\r\n"
              "a1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 4 INTERNALDATE"),
              "* 4 FETCH (INTERNALDATE \" 2-Oct-2026 18:05:33 +0200\")\r\na2 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 12 (RFC822.SIZE)"),
              "* 12 FETCH (RFC822.SIZE 3665)\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 1:3 FLAGS"), "* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\n"
                                            "* 3 FETCH (FLAGS (\\Recent))\r\na4 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a5 FETCH 5,2 uid"),
              "* 2 FETCH (UID 2)\r\n* 5 FETCH (UID 5)\r\na5 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchEnvelopeBodyAndBodyStructure_Rfc3501_7_4_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // A plain text message, written out by hand: type, subtype, parameters, id, description, encoding, size,
    // lines; BODYSTRUCTURE adds md5, disposition, language and location.
    const std::string cable = demo("alice/INBOX/17-borrow-cable.eml");
    const std::string body = bodyOf(cable);
    const std::string basic = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" " +
                              std::to_string(body.size()) + " " + std::to_string(crlfCount(body));
    EXPECT_EQ(c.send("a1 FETCH 17 (BODY BODYSTRUCTURE)"),
              "* 17 FETCH (BODY " + basic + ") BODYSTRUCTURE " + basic +
                  " NIL NIL NIL NIL))\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(
        c.send("a2 FETCH 17 ENVELOPE"),
        "* 17 FETCH (ENVELOPE (\"Mon, 09 Nov 2026 18:44:21 -0500\" \"Can I borrow your console cable?\" "
        "((\"Bob Miller\" NIL \"bob\" \"maillab.example\")) ((\"Bob Miller\" NIL \"bob\" "
        "\"maillab.example\")) "
        "((\"Bob Miller\" NIL \"bob\" \"maillab.example\")) ((\"Alice Nguyen\" NIL \"alice\" "
        "\"maillab.example\")) NIL NIL NIL \"<CAB7mq9Lr2Xw8p@mail.maillab.example>\"))\r\na2 OK FETCH "
        "completed\r\n");
    // The rest as the format writer makes them (imap_format_test.cpp checks the writer itself).
    const std::pair<int, const char*> messages[] = {{2, "02-course-syllabus.eml"},
                                                    {4, "04-cafe-saturday.eml"},
                                                    {14, "14-fwd-lab-room-change.eml"},
                                                    {15, "15-study-group-logo.eml"}};
    for (auto [number, file] : messages) {
        SCOPED_TRACE(file);
        const std::string bytes = demo(std::string("alice/INBOX/") + file);
        const mail::MimePart mime = mail::parseMime(bytes);
        const std::string n = std::to_string(number);
        EXPECT_EQ(c.send("a3 FETCH " + n + " (ENVELOPE BODY BODYSTRUCTURE)"),
                  "* " + n + " FETCH (ENVELOPE " + imap::envelope(headerOf(bytes)) + " BODY " +
                      imap::bodyStructure(bytes, mime, false) + " BODYSTRUCTURE " +
                      imap::bodyStructure(bytes, mime, true) + ")\r\na3 OK FETCH completed\r\n");
    }
    // None of these set \Seen.
    EXPECT_EQ(c.send("a4 FETCH 17 FLAGS"), "* 17 FETCH (FLAGS (\\Recent))\r\na4 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchBodySetsSeenAndReportsFlagsInTheSameResponse_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    EXPECT_EQ(c.send("a1 FETCH 17 BODY[]"),
              "* 17 FETCH (BODY[] " + lit(msg) + " FLAGS (\\Seen \\Recent))\r\na1 OK FETCH completed\r\n");
    EXPECT_TRUE(w.store.mailbox("alice", "INBOX")->find(17)->has(store::kSeen));
    // Already \Seen: no change, so no FLAGS.
    EXPECT_EQ(c.send("a2 FETCH 17 BODY[]"),
              "* 17 FETCH (BODY[] " + lit(msg) + ")\r\na2 OK FETCH completed\r\n");
    // FLAGS asked for first: reported once, with \Seen already in it.
    EXPECT_EQ(c.send("a3 FETCH 16 (FLAGS BODY[TEXT])"),
              "* 16 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] " +
                  lit(bodyOf(demo("alice/INBOX/16-lab3-due-friday.eml"))) + ")\r\na3 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchBodyPeekDoesNotSetSeen_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    // The response names BODY[], not BODY.PEEK[] (RFC 3501 section 7.4.2).
    EXPECT_EQ(c.send("a1 FETCH 17 BODY.PEEK[]"),
              "* 17 FETCH (BODY[] " + lit(msg) + ")\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 17 (BODY.PEEK[TEXT] BODY.PEEK[1] RFC822.HEADER)").find("FLAGS"),
              std::string::npos);
    EXPECT_EQ(c.send("a3 FETCH 17 FLAGS"), "* 17 FETCH (FLAGS (\\Recent))\r\na3 OK FETCH completed\r\n");
    EXPECT_FALSE(w.store.mailbox("alice", "INBOX")->find(17)->has(store::kSeen));
}

TEST(ImapSession, FetchHeaderSections_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    // HEADER includes the empty line that ends it.
    EXPECT_EQ(c.send("a1 FETCH 17 BODY.PEEK[HEADER]"),
              "* 17 FETCH (BODY[HEADER] " + lit(headerOf(msg)) + ")\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 17 BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]"),
              "* 17 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT)] " +
                  lit("From: Bob Miller <bob@maillab.example>\r\nSubject: Can I borrow your console "
                      "cable?\r\n\r\n") +
                  ")\r\na2 OK FETCH completed\r\n");
    // Field names match case-insensitively; a field the message lacks gives just the empty line.
    EXPECT_EQ(c.send("a3 FETCH 17 BODY.PEEK[HEADER.FIELDS (X-Nothing)]"),
              "* 17 FETCH (BODY[HEADER.FIELDS (X-NOTHING)] {2}\r\n\r\n)\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 17 BODY.PEEK[HEADER.FIELDS.NOT (Received Return-Path Message-ID MIME-Version "
                     "Content-Type Content-Transfer-Encoding)]"),
              "* 17 FETCH (BODY[HEADER.FIELDS.NOT (RECEIVED RETURN-PATH MESSAGE-ID MIME-VERSION CONTENT-TYPE "
              "CONTENT-TRANSFER-ENCODING)] " +
                  lit("Date: Mon, 09 Nov 2026 18:44:21 -0500\r\nFrom: Bob Miller <bob@maillab.example>\r\n"
                      "To: Alice Nguyen <alice@maillab.example>\r\nSubject: Can I borrow your console "
                      "cable?\r\n\r\n") +
                  ")\r\na4 OK FETCH completed\r\n");
    // A folded field comes with its continuation lines, exactly as stored.
    const std::string study = demo("alice/INBOX/08-study-group-thursday.eml");
    const std::string to = between(study, "To: ", "Subject: ");
    EXPECT_NE(to.find("\r\n "), std::string::npos) << "the demo To: field is folded";
    EXPECT_EQ(c.send("a5 FETCH 8 BODY.PEEK[HEADER.FIELDS (TO)]"),
              "* 8 FETCH (BODY[HEADER.FIELDS (TO)] " + lit(to + "\r\n") + ")\r\na5 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchTextAndNumberedParts_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string cable = demo("alice/INBOX/17-borrow-cable.eml");
    EXPECT_EQ(c.send("a1 FETCH 17 BODY.PEEK[TEXT]"),
              "* 17 FETCH (BODY[TEXT] " + lit(bodyOf(cable)) + ")\r\na1 OK FETCH completed\r\n");
    // A non-multipart message has exactly one part: its body (RFC 3501 section 6.4.5).
    EXPECT_EQ(c.send("a2 FETCH 17 BODY.PEEK[1]"),
              "* 17 FETCH (BODY[1] " + lit(bodyOf(cable)) + ")\r\na2 OK FETCH completed\r\n");
    // multipart/mixed [multipart/alternative [text/plain, text/html], image/png]
    const std::string logo = demo("alice/INBOX/15-study-group-logo.eml");
    EXPECT_EQ(c.send("a3 FETCH 15 BODY.PEEK[1.2]"), "* 15 FETCH (BODY[1.2] " +
                                                        lit(between(logo, "<html>", "\r\n--alt-9e2b61--")) +
                                                        ")\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 15 BODY.PEEK[1.1]"),
              "* 15 FETCH (BODY[1.1] " + lit(between(logo, "Hi everyone,", "\r\n--alt-9e2b61\r\n")) +
                  ")\r\na4 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a5 FETCH 15 BODY.PEEK[2]"),
              "* 15 FETCH (BODY[2] " + lit(between(logo, "iVBORw0KGgo", "\r\n--mix-4c1d88--")) +
                  ")\r\na5 OK FETCH completed\r\n");
    // The MIME header of a part, with its empty line.
    EXPECT_EQ(
        c.send("a6 FETCH 15 BODY.PEEK[2.MIME]"),
        "* 15 FETCH (BODY[2.MIME] " +
            lit("Content-Type: image/png; name=\"router-logo.png\"\r\nContent-Transfer-Encoding: base64\r\n"
                "Content-ID: <logo.8x8.20261030@example.org>\r\n"
                "Content-Disposition: attachment; filename=\"router-logo.png\"\r\n\r\n") +
            ")\r\na6 OK FETCH completed\r\n");
    // A part that does not exist: NIL.
    EXPECT_EQ(c.send("a7 FETCH 17 BODY.PEEK[3]"), "* 17 FETCH (BODY[3] NIL)\r\na7 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a8 FETCH 15 BODY.PEEK[1.4.2]"),
              "* 15 FETCH (BODY[1.4.2] NIL)\r\na8 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchPartsOfAnEncapsulatedMessage_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // multipart/mixed [text/plain, message/rfc822 [text/plain]]
    const std::string fwd = demo("alice/INBOX/14-fwd-lab-room-change.eml");
    const std::string inner = between(fwd, "Date: Thu, 22 Oct 2026", "\r\n--fwd-20261026-b0b--");
    EXPECT_EQ(c.send("a1 FETCH 14 BODY.PEEK[1]"),
              "* 14 FETCH (BODY[1] " + lit(between(fwd, "Hey Alice,", "\r\n--fwd-20261026-b0b\r\n")) +
                  ")\r\na1 OK FETCH completed\r\n");
    // Part 2 is the whole encapsulated message; HEADER and TEXT of part 2 are those of that message.
    EXPECT_EQ(c.send("a2 FETCH 14 BODY.PEEK[2]"),
              "* 14 FETCH (BODY[2] " + lit(inner) + ")\r\na2 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 14 BODY.PEEK[2.HEADER]"),
              "* 14 FETCH (BODY[2.HEADER] " + lit(headerOf(inner)) + ")\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 14 BODY.PEEK[2.TEXT]"),
              "* 14 FETCH (BODY[2.TEXT] " + lit(bodyOf(inner)) + ")\r\na4 OK FETCH completed\r\n");
    // The encapsulated message is not multipart: its part 1 is its body.
    EXPECT_EQ(c.send("a5 FETCH 14 BODY.PEEK[2.1]"),
              "* 14 FETCH (BODY[2.1] " + lit(bodyOf(inner)) + ")\r\na5 OK FETCH completed\r\n");
    // MIME of part 2 is the header of the message/rfc822 part in the outer message, not the inner header.
    EXPECT_EQ(c.send("a6 FETCH 14 BODY.PEEK[2.MIME]"),
              "* 14 FETCH (BODY[2.MIME] " +
                  lit("Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n") +
                  ")\r\na6 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a7 FETCH 14 BODY.PEEK[2.HEADER.FIELDS (SUBJECT FROM)]"),
              "* 14 FETCH (BODY[2.HEADER.FIELDS (SUBJECT FROM)] " +
                  lit("From: Priya Nair <p.nair@maillab.example>\r\nSubject: Lab section B moves to room "
                      "E-105\r\n\r\n") +
                  ")\r\na7 OK FETCH completed\r\n");
    // HEADER of a part that is not a message/rfc822 names nothing (RFC 3501 section 6.4.5).
    EXPECT_EQ(c.send("a8 FETCH 14 BODY.PEEK[1.HEADER]"),
              "* 14 FETCH (BODY[1.HEADER] NIL)\r\na8 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchPartialEchoesTheOriginOnly_Rfc3501_6_4_5_And_7_4_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    ASSERT_EQ(msg.size(), 921u);
    EXPECT_EQ(c.send("a1 FETCH 17 BODY.PEEK[]<0.20>"),
              "* 17 FETCH (BODY[]<0> " + lit(msg.substr(0, 20)) + ")\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 17 BODY.PEEK[]<100.50>"),
              "* 17 FETCH (BODY[]<100> " + lit(msg.substr(100, 50)) + ")\r\na2 OK FETCH completed\r\n");
    // A length past the end gives what there is.
    EXPECT_EQ(c.send("a3 FETCH 17 BODY.PEEK[]<900.100>"),
              "* 17 FETCH (BODY[]<900> " + lit(msg.substr(900)) + ")\r\na3 OK FETCH completed\r\n");
    EXPECT_EQ(msg.substr(900).size(), 21u);
    // An origin at or beyond the end: an empty string.
    EXPECT_EQ(c.send("a4 FETCH 17 BODY.PEEK[]<921.10>"),
              "* 17 FETCH (BODY[]<921> {0}\r\n)\r\na4 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a5 FETCH 17 BODY.PEEK[]<5000.10>"),
              "* 17 FETCH (BODY[]<5000> {0}\r\n)\r\na5 OK FETCH completed\r\n");
    // Partial of a section is counted within that section.
    EXPECT_EQ(c.send("a6 FETCH 17 BODY.PEEK[TEXT]<4.5>"), "* 17 FETCH (BODY[TEXT]<4> " +
                                                              lit(bodyOf(msg).substr(4, 5)) +
                                                              ")\r\na6 OK FETCH completed\r\n");
    EXPECT_EQ(
        c.send("a7 FETCH 17 BODY.PEEK[HEADER.FIELDS (SUBJECT)]<9.10>"),
        "* 17 FETCH (BODY[HEADER.FIELDS (SUBJECT)]<9> {10}\r\nCan I borr)\r\na7 OK FETCH completed\r\n");
    // Without PEEK a partial fetch still sets \Seen.
    EXPECT_EQ(c.send("a8 FETCH 17 BODY[]<0.6>"),
              "* 17 FETCH (BODY[]<0> {6}\r\nReturn FLAGS (\\Seen \\Recent))\r\na8 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchRfc822Items_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    // RFC822.HEADER is like BODY.PEEK[HEADER]: no \Seen.
    EXPECT_EQ(c.send("a1 FETCH 17 RFC822.HEADER"),
              "* 17 FETCH (RFC822.HEADER " + lit(headerOf(msg)) + ")\r\na1 OK FETCH completed\r\n");
    // RFC822.TEXT is like BODY[TEXT] and RFC822 like BODY[]: both set \Seen.
    EXPECT_EQ(c.send("a2 FETCH 17 RFC822.TEXT"),
              "* 17 FETCH (RFC822.TEXT " + lit(bodyOf(msg)) +
                  " FLAGS (\\Seen \\Recent))\r\na2 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 16 RFC822"), "* 16 FETCH (RFC822 " +
                                                lit(demo("alice/INBOX/16-lab3-due-friday.eml")) +
                                                " FLAGS (\\Seen \\Recent))\r\na3 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchMacrosAllFastFull_Rfc3501_6_4_5)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string msg = demo("alice/INBOX/17-borrow-cable.eml");
    const std::string fast = "FLAGS (\\Recent) INTERNALDATE \" 9-Nov-2026 18:44:21 -0500\" RFC822.SIZE 921";
    const std::string env = "ENVELOPE " + imap::envelope(headerOf(msg));
    EXPECT_EQ(c.send("a1 FETCH 17 FAST"), "* 17 FETCH (" + fast + ")\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 FETCH 17 ALL"),
              "* 17 FETCH (" + fast + " " + env + ")\r\na2 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("a3 FETCH 17 FULL"), "* 17 FETCH (" + fast + " " + env + " BODY " +
                                              imap::bodyStructure(msg, mail::parseMime(msg), false) +
                                              ")\r\na3 OK FETCH completed\r\n");
}

TEST(ImapSession, UidFetchAlwaysIncludesUid_Rfc3501_6_4_8)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 1 +FLAGS.SILENT (\\Deleted)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 EXPUNGE"), "* 1 EXPUNGE\r\na2 OK EXPUNGE completed\r\n");
    // Sequence number 4 is UID 5 now.
    EXPECT_EQ(c.send("a3 UID FETCH 5 FLAGS"),
              "* 4 FETCH (UID 5 FLAGS (\\Recent))\r\na3 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a4 UID FETCH 5 (FLAGS UID)"),
              "* 4 FETCH (FLAGS (\\Recent) UID 5)\r\na4 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a5 UID FETCH 5:6 RFC822.SIZE"), "* 4 FETCH (UID 5 RFC822.SIZE 1136)\r\n* 5 FETCH (UID "
                                                      "6 RFC822.SIZE 1410)\r\na5 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a6 FETCH 4 UID"), "* 4 FETCH (UID 5)\r\na6 OK FETCH completed\r\n");
}

TEST(ImapSession, FetchOfSequenceNumbersOutOfRangeIsBad_Rfc3501_9)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const std::string bad = " BAD no message 18: the mailbox has 17 (RFC 3501 section 9, seq-number)\r\n";
    EXPECT_EQ(c.send("a1 FETCH 18 FLAGS"), "a1" + bad);
    EXPECT_EQ(c.send("a2 FETCH 17:18 FLAGS"), "a2" + bad);
    EXPECT_EQ(c.send("a3 FETCH 1,18 FLAGS"), "a3" + bad);
    EXPECT_EQ(c.send("a4 STORE 18 +FLAGS (\\Seen)"), "a4" + bad);
    EXPECT_EQ(c.send("a5 COPY 18 Archive"), "a5" + bad);
    EXPECT_EQ(c.send("a6 FETCH 17:* UID"), "* 17 FETCH (UID 17)\r\na6 OK FETCH completed\r\n");
    // An empty mailbox has no "*" either.
    c.send("a7 SELECT Drafts");
    EXPECT_EQ(c.send("a8 FETCH 1:* FLAGS"),
              "a8 BAD no message 1: the mailbox has 0 (RFC 3501 section 9, seq-number)\r\n");
    EXPECT_EQ(c.send("a9 UID FETCH 1:* FLAGS"), "a9 OK UID FETCH completed\r\n");
}

TEST(ImapSession, UidFetchOfUidsOutOfRangeIsSilentlyEmpty_Rfc3501_6_4_8)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 UID FETCH 100 FLAGS"), "a1 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a2 UID FETCH 100:200 FLAGS"), "a2 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a3 UID FETCH 16:200 UID"),
              "* 16 FETCH (UID 16)\r\n* 17 FETCH (UID 17)\r\na3 OK UID FETCH completed\r\n");
    // n:* always includes the last message, even when n is above every UID.
    EXPECT_EQ(c.send("a4 UID FETCH 100:* UID"), "* 17 FETCH (UID 17)\r\na4 OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("a5 UID STORE 100 +FLAGS (\\Seen)"), "a5 OK UID STORE completed\r\n");
    EXPECT_EQ(c.send("a6 UID COPY 100 Archive"), "a6 OK UID COPY completed\r\n"); // no COPYUID for nothing
}

// [SECTION] STORE (RFC 3501 sections 6.4.6 and 2.3.2)

TEST(ImapSession, StoreReplacesAddsAndRemovesFlags_Rfc3501_6_4_6)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 1 +FLAGS (\\Flagged)"),
              "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\na1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 STORE 1 +FLAGS (\\Seen \\Answered)"),
              "* 1 FETCH (FLAGS (\\Seen \\Answered \\Flagged \\Recent))\r\na2 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a3 STORE 1 -FLAGS (\\Flagged)"),
              "* 1 FETCH (FLAGS (\\Seen \\Answered \\Recent))\r\na3 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a4 STORE 1 FLAGS (\\Draft)"),
              "* 1 FETCH (FLAGS (\\Draft \\Recent))\r\na4 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a5 STORE 1 FLAGS ()"), "* 1 FETCH (FLAGS (\\Recent))\r\na5 OK STORE completed\r\n");
    // A flag list without parentheses is allowed too (RFC 3501 section 9, store-att-flags).
    EXPECT_EQ(c.send("a6 STORE 2:4 +flags \\Seen"),
              "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\n* 3 FETCH (FLAGS (\\Seen \\Recent))\r\n"
              "* 4 FETCH (FLAGS (\\Seen \\Recent))\r\na6 OK STORE completed\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->find(3)->flags, store::kSeen);
}

TEST(ImapSession, StoreSilentSendsNoFetch_Rfc3501_6_4_6)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 1:2 +FLAGS.SILENT (\\Seen \\Flagged)"), "a1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 STORE 1 -FLAGS.SILENT (\\Seen)"), "a2 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a3 STORE 2 FLAGS.SILENT (\\Answered)"), "a3 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a4 FETCH 1:2 FLAGS"),
              "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n"
              "* 2 FETCH (FLAGS (\\Answered \\Recent))\r\na4 OK FETCH completed\r\n");
}

TEST(ImapSession, StoreKeywordsPersistAndRemoveCaseInsensitively_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 STORE 5 +FLAGS ($Important Work)"),
              "* FLAGS (" + kSystemFlags + " $Important Work)\r\n* OK [PERMANENTFLAGS (" + kSystemFlags +
                  " $Important Work \\*)] flags and new keywords are kept\r\n"
                  "* 5 FETCH (FLAGS (\\Recent $Important Work))\r\na1 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a2 STORE 5 +FLAGS ($important)"),
              "* 5 FETCH (FLAGS (\\Recent $Important Work))\r\na2 OK STORE completed\r\n");
    EXPECT_EQ(c.send("a3 STORE 5 -FLAGS ($IMPORTANT)"),
              "* 5 FETCH (FLAGS (\\Recent Work))\r\na3 OK STORE completed\r\n");
    Conn other(w, 2);
    other.open();
    EXPECT_EQ(other.send("b1 FETCH 5 FLAGS"), "* 5 FETCH (FLAGS (Work))\r\nb1 OK FETCH completed\r\n");
}

// Issue 14 (imaptest): another session's new keyword reaches this client as FLAGS before the FETCH that shows
// it.
TEST(ImapSession, AnotherSessionsNewKeywordComesWithFlagsFirst_Rfc3501_7_2_6)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 2 +FLAGS.SILENT ($Project)");
    EXPECT_EQ(b.send("b1 NOOP"), "* FLAGS (" + kSystemFlags + " $Project)\r\n* OK [PERMANENTFLAGS (" +
                                     kSystemFlags +
                                     " $Project \\*)] flags and new keywords are kept\r\n"
                                     "* 2 FETCH (FLAGS ($Project))\r\nb1 OK NOOP completed\r\n");
}

TEST(ImapSession, RecentCannotBeStoredByAClient_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn a(w, 1);
    a.open(); // holds \Recent on all 17
    EXPECT_EQ(a.send("a1 STORE 1 -FLAGS (\\Recent)"),
              "* 1 FETCH (FLAGS (\\Recent))\r\na1 OK STORE completed\r\n");
    EXPECT_EQ(a.send("a2 STORE 1 FLAGS (\\Seen)"),
              "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\na2 OK STORE completed\r\n");
    Conn b(w, 2);
    b.open();
    EXPECT_EQ(b.send("b1 STORE 2 +FLAGS (\\Recent)"), "* 2 FETCH (FLAGS ())\r\nb1 OK STORE completed\r\n");
    EXPECT_EQ(b.send("b2 STORE 2 FLAGS (\\Recent \\Flagged)"),
              "* 2 FETCH (FLAGS (\\Flagged))\r\nb2 OK STORE completed\r\n");
    EXPECT_EQ(b.send("b3 SEARCH RECENT"), "* SEARCH\r\nb3 OK SEARCH completed\r\n");
}

TEST(ImapSession, UidStoreReportsUid_Rfc3501_6_4_8)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    c.send("a0 STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("a1 EXPUNGE");
    EXPECT_EQ(c.send("a2 UID STORE 5 +FLAGS (\\Flagged)"),
              "* 4 FETCH (FLAGS (\\Flagged \\Recent) UID 5)\r\na2 OK UID STORE completed\r\n");
    EXPECT_EQ(c.send("a3 UID STORE 5:6 -FLAGS.SILENT (\\Flagged)"), "a3 OK UID STORE completed\r\n");
}

TEST(ImapSession, StoreOfAnUnknownSystemFlagIsBad_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const StoreSnapshot before = snapshot(w.store);
    EXPECT_EQ(c.send("a1 STORE 1 +FLAGS (\\Seen \\Bogus)"), "a1 BAD unknown flag \\Bogus\r\n");
    EXPECT_EQ(snapshot(w.store), before);
}

// [SECTION] SEARCH (RFC 3501 section 6.4.4)

TEST(ImapSession, SearchByFlags_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    c.send("a1 STORE 1:3 +FLAGS.SILENT (\\Seen)");
    c.send("a2 STORE 2 +FLAGS.SILENT (\\Flagged \\Answered)");
    c.send("a3 STORE 3 +FLAGS.SILENT (\\Deleted)");
    c.send("a4 STORE 4 +FLAGS.SILENT (\\Draft)");
    c.send("a5 STORE 5 +FLAGS.SILENT ($Important)");
    const std::string all = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17";
    EXPECT_EQ(searchFor(c, "ALL"), all);
    EXPECT_EQ(searchFor(c, "SEEN"), "1 2 3");
    EXPECT_EQ(searchFor(c, "UNSEEN"), "4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "FLAGGED"), "2");
    EXPECT_EQ(searchFor(c, "UNFLAGGED"), "1 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "ANSWERED"), "2");
    EXPECT_EQ(searchFor(c, "UNANSWERED"), "1 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "DELETED"), "3");
    EXPECT_EQ(searchFor(c, "UNDELETED"), "1 2 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "DRAFT"), "4");
    EXPECT_EQ(searchFor(c, "UNDRAFT"), "1 2 3 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "KEYWORD $Important"), "5");
    EXPECT_EQ(searchFor(c, "UNKEYWORD $important"), "1 2 3 4 6 7 8 9 10 11 12 13 14 15 16 17");
    // RECENT, NEW (recent and unseen) and OLD depend on this session's \Recent.
    EXPECT_EQ(searchFor(c, "RECENT"), all);
    EXPECT_EQ(searchFor(c, "NEW"), "4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    EXPECT_EQ(searchFor(c, "OLD"), "");
    Conn other(w, 2);
    other.open();
    EXPECT_EQ(searchFor(other, "RECENT"), "");
    EXPECT_EQ(searchFor(other, "NEW"), "");
    EXPECT_EQ(searchFor(other, "OLD"), all);
    EXPECT_EQ(searchFor(other, "seen"), "1 2 3"); // keys are case-insensitive
}

TEST(ImapSession, SearchByInternalAndSentDates_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(searchFor(c, "BEFORE 22-Sep-2026"), "1");
    EXPECT_EQ(searchFor(c, "ON 13-Oct-2026"), "10 11");
    EXPECT_EQ(searchFor(c, "ON \"13-Oct-2026\""), "10 11");
    EXPECT_EQ(searchFor(c, "SINCE 3-Nov-2026"), "16 17");
    // The date as written, disregarding time and zone: 27 Sep 20:41 -0400 is the 28th in UTC.
    EXPECT_EQ(searchFor(c, "ON 27-Sep-2026"), "3");
    EXPECT_EQ(searchFor(c, "ON 28-Sep-2026"), "");
    EXPECT_EQ(searchFor(c, "BEFORE 1-Jan-2020"), "");
    // A message whose internal date (1 Jan 2027) is not its Date: header (15 May 2026).
    EXPECT_EQ(lastLine(c.raw("a1 APPEND INBOX \"01-Jan-2027 10:00:00 +0000\" {" +
                             std::to_string(kAppended.size()) + "+}\r\n" + kAppended + "\r\n")),
              "a1 OK [APPENDUID " + std::to_string(kInboxValidity) + " 18] APPEND completed");
    EXPECT_EQ(searchFor(c, "ON 1-Jan-2027"), "18");
    EXPECT_EQ(searchFor(c, "SENTON 15-May-2026"), "18");
    EXPECT_EQ(searchFor(c, "SENTBEFORE 1-Jun-2026"), "18");
    EXPECT_EQ(searchFor(c, "BEFORE 1-Jun-2026"), "");
    EXPECT_EQ(searchFor(c, "SINCE 9-Nov-2026"), "17 18");
    EXPECT_EQ(searchFor(c, "SENTSINCE 9-Nov-2026"), "17");
    EXPECT_EQ(searchFor(c, "SENTON 13-Oct-2026"), "10 11");
}

TEST(ImapSession, SearchByAddressesSubjectAndHeader_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(searchFor(c, "FROM bob"), "8 11 14 17");
    EXPECT_EQ(searchFor(c, "FROM \"BOB MILLER\""), "8 11 14 17");
    EXPECT_EQ(searchFor(c, "TO maya.chen"), "8 10");
    EXPECT_EQ(searchFor(c, "CC alice"), "9 10 11");
    EXPECT_EQ(searchFor(c, "BCC alice"), "");
    EXPECT_EQ(searchFor(c, "SUBJECT \"study group\""), "8 9 10 11 15");
    EXPECT_EQ(searchFor(c, "HEADER Message-ID \"<CAB7mq9Lr2Xw8p@\""), "17");
    // An empty string matches every message that has the field (RFC 3501 section 6.4.4, HEADER).
    EXPECT_EQ(searchFor(c, "HEADER List-Id \"\""), "12");
    EXPECT_EQ(searchFor(c, "HEADER X-Spam-Flag \"\""), "");
}

TEST(ImapSession, SearchDecodesEncodedWordsInHeaders_Rfc3501_6_4_4_Rfc2047)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // Subject: =?UTF-8?B?...?= is "Café on Saturday? Grüße aus Berlin" (message 4).
    const std::string grusse = "Gr\xC3\xBC\xC3\x9F"
                               "e";
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 SUBJECT {" + std::to_string(grusse.size()) + "+}\r\n" + grusse),
              "4");
    EXPECT_EQ(searchFor(c, "SUBJECT \"Saturday?\""), "4"); // message 3 is "... hike on Saturday"
    // From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= (message 5); "Jose Garcia" writes message 10.
    const std::string garcia = "Garc\xC3\xAD"
                               "a";
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 FROM {" + std::to_string(garcia.size()) + "+}\r\n" + garcia), "5");
    EXPECT_EQ(searchFor(c, "FROM Garc"), "5 10");
    // TEXT covers the header too, so it finds the decoded From: of message 5 as well.
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 TEXT {" + std::to_string(garcia.size()) + "+}\r\n" + garcia), "5");
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 TEXT {" + std::to_string(grusse.size()) + "+}\r\n" + grusse), "4");
}

TEST(ImapSession, SearchBodyAndTextDecodeQuotedPrintable_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    // "utm_source=3Dnewsletter" on the wire of message 12's HTML part.
    EXPECT_EQ(searchFor(c, "BODY \"utm_source=newsletter\""), "12");
    // "K=C3=A4stner" in message 4's quoted-printable body.
    const std::string kaestner = "K\xC3\xA4stner";
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 BODY {" + std::to_string(kaestner.size()) + "+}\r\n" + kaestner),
              "4");
    EXPECT_EQ(searchFor(c, "TEXT invoice"), "13");
    // BODY looks only at the body; TEXT at the header too. The phrase is message 17's subject.
    EXPECT_EQ(searchFor(c, "BODY \"borrow your console\""), "");
    EXPECT_EQ(searchFor(c, "TEXT \"borrow your console\""), "17");
    EXPECT_EQ(searchFor(c, "BODY \"USB CONSOLE CABLE\""), "17");
}

TEST(ImapSession, SearchBySizeAndSets_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(searchFor(c, "LARGER 3000"), "2 12");
    EXPECT_EQ(searchFor(c, "SMALLER 1000"), "8 17");
    EXPECT_EQ(searchFor(c, "LARGER 3665"), ""); // strictly larger
    EXPECT_EQ(searchFor(c, "SMALLER 921"), "");
    EXPECT_EQ(searchFor(c, "2,4:5"), "2 4 5");
    EXPECT_EQ(searchFor(c, "16:*"), "16 17");
    EXPECT_EQ(searchFor(c, "*"), "17");
    EXPECT_EQ(searchFor(c, "UID 2:4"), "2 3 4");
    c.send("a1 STORE 3 +FLAGS.SILENT (\\Deleted)");
    c.send("a2 EXPUNGE");
    // After the expunge sequence numbers and UIDs differ.
    EXPECT_EQ(searchFor(c, "UID 2:4"), "2 3");
    EXPECT_EQ(searchFor(c, "2:4"), "2 3 4");
    EXPECT_EQ(searchFor(c, "UID 2:4", true), "2 4");
    EXPECT_EQ(searchFor(c, "2:4", true), "2 4 5");
}

TEST(ImapSession, SearchWithNotOrAndNestedParentheses_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(searchFor(c, "NOT FROM bob"), "1 2 3 4 5 6 7 9 10 12 13 15 16");
    EXPECT_EQ(searchFor(c, "OR FROM maya SUBJECT invoice"), "3 9 13 15");
    EXPECT_EQ(searchFor(c, "FROM bob SINCE 1-Nov-2026"), "17"); // several keys: all must match
    EXPECT_EQ(searchFor(c, "(OR (FROM bob SINCE 1-Nov-2026) (FROM maya BEFORE 1-Oct-2026)) NOT SUBJECT logo"),
              "3 17");
    EXPECT_EQ(searchFor(c, "OR OR FROM lena FROM priya NOT (OR LARGER 1000 SMALLER 950)"), "4 8 16");
    EXPECT_EQ(searchFor(c, "NOT NOT NOT ALL"), "");
    EXPECT_EQ(searchFor(c, "((((UID 1:3))))"), "1 2 3");
}

TEST(ImapSession, UidSearchReturnsUids_Rfc3501_6_4_8)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    c.send("a1 STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("a2 EXPUNGE");
    EXPECT_EQ(searchFor(c, "FROM bob"), "7 10 13 16");
    EXPECT_EQ(searchFor(c, "FROM bob", true), "8 11 14 17");
    EXPECT_EQ(searchFor(c, "UID 1", true), "");
    EXPECT_EQ(searchFor(c, "NOT ALL", true), "");
}

TEST(ImapSession, SearchWithUnknownCharsetIsBadCharset_Rfc3501_6_4_4)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 SEARCH CHARSET KOI8-R TEXT x"),
              "a1 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset KOI8-R\r\n");
    EXPECT_EQ(searchFor(c, "CHARSET US-ASCII FROM bob"), "8 11 14 17");
    EXPECT_EQ(searchFor(c, "CHARSET utf-8 FROM bob"), "8 11 14 17");
}

// [SECTION] COPY and MOVE (RFC 3501 section 6.4.7, RFC 6851, RFC 4315 COPYUID)

TEST(ImapSession, CopyKeepsFlagsAndDateSetsRecentAndReportsCopyUid_Rfc3501_6_4_7_Rfc4315_3)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    c.send("a0 STORE 1 +FLAGS.SILENT (\\Flagged $Work)");
    EXPECT_EQ(c.send("a1 COPY 1:2 Archive"),
              "a1 OK [COPYUID " + std::to_string(kArchiveValidity) + " 1:2 3:4] COPY completed\r\n");
    EXPECT_EQ(c.send("a2 COPY 1,3,5:6 Archive"),
              "a2 OK [COPYUID " + std::to_string(kArchiveValidity) + " 1,3,5:6 5:8] COPY completed\r\n");
    EXPECT_EQ(c.session().uids().size(), 17u); // the source keeps its messages
    Conn archive(w, 2);
    std::string select = archive.open("Archive");
    EXPECT_NE(select.find("* 8 EXISTS\r\n* 6 RECENT\r\n* OK [UNSEEN 3]"), std::string::npos) << select;
    EXPECT_EQ(archive.send("b1 FETCH 3 (FLAGS INTERNALDATE)"),
              "* 3 FETCH (FLAGS (\\Flagged \\Recent $Work) INTERNALDATE \"21-Sep-2026 09:12:05 -0400\")\r\n"
              "b1 OK FETCH completed\r\n");
    EXPECT_EQ(archive.send("b2 FETCH 4 BODY.PEEK[]"), "* 4 FETCH (BODY[] " +
                                                          lit(demo("alice/INBOX/02-course-syllabus.eml")) +
                                                          ")\r\nb2 OK FETCH completed\r\n");
}

TEST(ImapSession, UidCopyNamesSourceUidsInAscendingOrder_Rfc4315_3)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 UID COPY 5,3 Trash"),
              "a1 OK [COPYUID " + std::to_string(kTrashValidity) + " 3,5 1:2] UID COPY completed\r\n");
    // COPY into the selected mailbox itself: the copies show up as new messages.
    EXPECT_EQ(c.send("a2 COPY 17 INBOX"), "* 18 EXISTS\r\n* 18 RECENT\r\na2 OK [COPYUID " +
                                              std::to_string(kInboxValidity) + " 17 18] COPY completed\r\n");
}

// Regression (issue 14, F1): the copies land in the vector the sources live in; with enough messages the
// vector moves while the copy is under way. Every copy must carry its source's bytes, flags and UID order.
TEST(ImapSession, CopyAndMoveIntoTheSelectedMailboxItselfCopyEveryMessage_Rfc3501_6_4_7_Rfc6851_3_3)
{
    DemoWorld w;
    constexpr int kExtra = 2500; // the release build crashed from about 2,100 messages
    for (int i = 0; i < kExtra; ++i)
        w.store.deliver("alice", "INBOX",
                        "Subject: m" + std::to_string(i) + "\r\n\r\nbody " + std::to_string(i) + "\r\n",
                        mail::DateTime{}, 0);
    Conn c(w);
    c.open();
    const size_t before = c.session().uids().size();
    ASSERT_EQ(before, 17u + kExtra);
    const store::Mailbox& inbox = *w.store.mailbox("alice", "INBOX");
    std::vector<std::string> sourceBytes;
    for (const store::StoredMessage& m : inbox.messages)
        sourceBytes.push_back(m.copyBytes());

    std::string reply = c.send("a1 COPY 1:* INBOX");
    EXPECT_TRUE(startsWith(lastLine(reply), "a1 OK [COPYUID " + std::to_string(kInboxValidity) + " 1:" +
                                                std::to_string(before) + " " + std::to_string(before + 1) +
                                                ":" + std::to_string(2 * before) + "] COPY completed"))
        << lastLine(reply);
    ASSERT_EQ(inbox.messages.size(), 2 * before);
    for (size_t i = 0; i < before; ++i)
        ASSERT_EQ(inbox.messages[before + i].copyBytes(), sourceBytes[i]) << i;

    // MOVE to the same mailbox is allowed where COPY is (RFC 6851 section 3.3): new UIDs, the old ones go.
    reply = c.send("a2 UID MOVE 1:" + std::to_string(before) + " INBOX");
    EXPECT_TRUE(startsWith(lastLine(reply), "a2 OK")) << lastLine(reply);
    ASSERT_EQ(inbox.messages.size(), 2 * before);
    EXPECT_EQ(inbox.messages.front().uid, before + 1);
    for (size_t i = 0; i < before; ++i)
        ASSERT_EQ(inbox.messages[before + i].copyBytes(), sourceBytes[i]) << i;
    EXPECT_EQ(c.session().uids().size(), 2 * before);
}

TEST(ImapSession, CopyOrMoveToAMissingMailboxSaysTryCreate_Rfc3501_6_4_7)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const StoreSnapshot before = snapshot(w.store);
    EXPECT_EQ(c.send("a1 COPY 1 Nope"), "a1 NO [TRYCREATE] no mailbox named Nope: CREATE it first\r\n");
    EXPECT_EQ(c.send("a2 MOVE 1 Nope"), "a2 NO [TRYCREATE] no mailbox named Nope: CREATE it first\r\n");
    EXPECT_EQ(c.send("a3 UID MOVE 1 Nope"), "a3 NO [TRYCREATE] no mailbox named Nope: CREATE it first\r\n");
    EXPECT_EQ(snapshot(w.store), before);
}

TEST(ImapSession, MoveSendsCopyUidUntaggedThenExpungesThenOk_Rfc6851_3_3_And_4_3)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 MOVE 2 Trash"), "* OK [COPYUID " + std::to_string(kTrashValidity) +
                                             " 2 1] moved\r\n* 2 EXPUNGE\r\na1 OK MOVE completed\r\n");
    EXPECT_EQ(c.send("a2 MOVE 2:4 Archive"),
              "* OK [COPYUID " + std::to_string(kArchiveValidity) +
                  " 3:5 3:5] moved\r\n* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n"
                  "a2 OK MOVE completed\r\n");
    // UIDs 10 and 12 are now numbers 6 and 8; after the first EXPUNGE the second is number 7.
    EXPECT_EQ(c.send("a3 UID MOVE 12,10 Junk"), "* OK [COPYUID " + std::to_string(kJunkValidity) +
                                                    " 10,12 3:4] moved\r\n* 6 EXPUNGE\r\n* 7 EXPUNGE\r\n"
                                                    "a3 OK UID MOVE completed\r\n");
    EXPECT_EQ(c.send("a4 UID MOVE 100 Junk"), "a4 OK UID MOVE completed\r\n");
    EXPECT_EQ(c.session().uids().size(), 11u);
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->messages.size(), 11u);
    EXPECT_EQ(w.store.mailbox("alice", "Trash")->messages.size(), 1u);
    EXPECT_EQ(w.store.mailbox("alice", "Archive")->messages.size(), 5u);
    EXPECT_EQ(w.store.mailbox("alice", "Junk")->messages.size(), 4u);
}

// [SECTION] UID stability (RFC 3501 section 2.3.1.1)

TEST(ImapSession, UidsSurviveLogoutAndOtherMessagesExpunge_Rfc3501_2_3_1_1)
{
    DemoWorld w;
    {
        Conn c(w, 1);
        c.open();
        c.send("a1 STORE 3 +FLAGS.SILENT (\\Deleted)");
        EXPECT_EQ(c.send("a2 EXPUNGE"), "* 3 EXPUNGE\r\na2 OK EXPUNGE completed\r\n");
        EXPECT_EQ(lastLine(c.raw("a3 APPEND INBOX {" + std::to_string(kAppended.size()) + "+}\r\n" +
                                 kAppended + "\r\n")),
                  "a3 OK [APPENDUID " + std::to_string(kInboxValidity) + " 18] APPEND completed");
        c.send("a4 LOGOUT");
        EXPECT_TRUE(c.closed());
    }
    Conn c(w, 2);
    std::string select = c.open();
    // Same UIDVALIDITY, UIDNEXT grown past the appended message, 17 messages (one gone, one new).
    EXPECT_NE(select.find("* 17 EXISTS\r\n"), std::string::npos) << select;
    EXPECT_NE(select.find("* OK [UIDVALIDITY " + std::to_string(kInboxValidity) + "]"), std::string::npos);
    EXPECT_NE(select.find("* OK [UIDNEXT 19]"), std::string::npos) << select;
    EXPECT_EQ(c.send("b1 FETCH 2:4 UID"),
              "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 4)\r\n* 4 FETCH (UID 5)\r\nb1 OK FETCH completed\r\n");
    EXPECT_EQ(c.send("b2 FETCH 17 UID"), "* 17 FETCH (UID 18)\r\nb2 OK FETCH completed\r\n");
    // UID 4 is still the same message: the cafe mail.
    EXPECT_EQ(c.send("b3 UID FETCH 4 BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"),
              "* 3 FETCH (UID 4 BODY[HEADER.FIELDS (MESSAGE-ID)] " +
                  lit("Message-ID: <87h6k2q0zx.fsf@mail.example.net>\r\n\r\n") +
                  ")\r\nb3 OK UID FETCH completed\r\n");
    // A UID is never given out again, even after its message is gone and UIDNEXT is asked again.
    c.send("b4 UID STORE 18 +FLAGS.SILENT (\\Deleted)");
    c.send("b5 EXPUNGE");
    EXPECT_EQ(deliver(w, "after"), 19u);
    EXPECT_EQ(c.send("b6 STATUS INBOX (UIDNEXT UIDVALIDITY)"),
              "* STATUS INBOX (UIDNEXT 20 UIDVALIDITY " + std::to_string(kInboxValidity) +
                  ")\r\n* 17 EXISTS\r\n* 1 RECENT\r\nb6 OK STATUS completed\r\n");
}

TEST(ImapSession, UidValidityChangeOfTheSelectedMailboxEndsTheSession_Rfc3501_2_3_1_1)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    w.store.resetUidValidity("alice", "INBOX");
    // The client's UIDs are worthless now: the server says BYE rather than let it use them.
    std::string reply = c.send("a1 NOOP");
    EXPECT_TRUE(startsWith(reply, "* BYE ")) << reply;
    EXPECT_TRUE(c.closed());
}

// [SECTION] two sessions of one account (RFC 3501 sections 5.2, 5.5, 7.3.1, 7.4.1, 7.4.2)

TEST(ImapSession, FlagChangeReachesTheOtherSessionOnNoop_Rfc3501_7_4_2)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    EXPECT_EQ(a.send("a1 STORE 3 +FLAGS (\\Flagged)"),
              "* 3 FETCH (FLAGS (\\Flagged \\Recent))\r\na1 OK STORE completed\r\n");
    // Nothing is pushed outside IDLE: the news waits for b's next command (RFC 3501 section 5.2).
    EXPECT_EQ(b.session().takeUnsolicited(), "");
    EXPECT_EQ(b.send("b1 NOOP"), "* 3 FETCH (FLAGS (\\Flagged))\r\nb1 OK NOOP completed\r\n");
    EXPECT_EQ(b.send("b2 NOOP"), "b2 OK NOOP completed\r\n"); // told once
    // The changing session hears nothing more about its own change.
    EXPECT_EQ(a.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
    // A .SILENT change elsewhere is still news here.
    a.send("a3 STORE 4 +FLAGS.SILENT (\\Seen)");
    EXPECT_EQ(b.send("b3 NOOP"), "* 4 FETCH (FLAGS (\\Seen))\r\nb3 OK NOOP completed\r\n");
}

TEST(ImapSession, NewsComesWithAnyCommandBeforeItsTaggedReply_Rfc3501_7)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 1 +FLAGS.SILENT (\\Answered)");
    EXPECT_EQ(b.send("b1 CHECK"), "* 1 FETCH (FLAGS (\\Answered))\r\nb1 OK CHECK completed\r\n");
    a.send("a2 STORE 2 +FLAGS.SILENT (\\Answered)");
    EXPECT_EQ(
        b.send("b2 STATUS Archive (MESSAGES)"),
        "* STATUS Archive (MESSAGES 2)\r\n* 2 FETCH (FLAGS (\\Answered))\r\nb2 OK STATUS completed\r\n");
    a.send("a3 STORE 3 +FLAGS.SILENT (\\Answered)");
    EXPECT_EQ(b.send("b3 FETCH 5 FLAGS"),
              "* 5 FETCH (FLAGS ())\r\n* 3 FETCH (FLAGS (\\Answered))\r\nb3 OK FETCH completed\r\n");
    // A session of another user hears nothing.
    Conn bob(w, 3);
    bob.open("INBOX", "bob", "builder");
    a.send("a4 STORE 4 +FLAGS.SILENT (\\Answered)");
    EXPECT_EQ(bob.send("c1 NOOP"), "c1 OK NOOP completed\r\n");
}

TEST(ImapSession, ExpungeIsNeverSentDuringFetchStoreOrSearch_Rfc3501_7_4_1)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(a.send("a2 EXPUNGE"), "* 2 EXPUNGE\r\na2 OK EXPUNGE completed\r\n");
    // b still numbers 17 messages; FETCH, STORE and SEARCH must not renumber them under its feet.
    EXPECT_EQ(b.send("b1 FETCH 1 FLAGS"), "* 1 FETCH (FLAGS ())\r\nb1 OK FETCH completed\r\n");
    EXPECT_EQ(b.send("b2 STORE 3 +FLAGS (\\Seen)"),
              "* 3 FETCH (FLAGS (\\Seen))\r\nb2 OK STORE completed\r\n");
    EXPECT_EQ(b.send("b3 SEARCH UNSEEN"),
              "* SEARCH 1 4 5 6 7 8 9 10 11 12 13 14 15 16 17\r\nb3 OK SEARCH completed\r\n");
    EXPECT_EQ(b.session().uids().size(), 17u);
    // Any other command may carry it: here NOOP, and the numbers shift.
    EXPECT_EQ(b.send("b4 NOOP"), "* 2 EXPUNGE\r\nb4 OK NOOP completed\r\n");
    EXPECT_EQ(b.send("b5 FETCH 2 UID"), "* 2 FETCH (UID 3)\r\nb5 OK FETCH completed\r\n");
    EXPECT_EQ(a.send("a3 NOOP"), "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\na3 OK NOOP completed\r\n");
}

TEST(ImapSession, ExistsMayComeDuringFetchWhileTheExpungeWaits_Rfc3501_7_4_1)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a2 EXPUNGE");
    EXPECT_EQ(deliver(w, "new"), 18u);
    // EXISTS counts the expunged message still (17 + 1): b has not been told it is gone.
    EXPECT_EQ(b.send("b1 FETCH 1 UID"),
              "* 1 FETCH (UID 1)\r\n* 18 EXISTS\r\n* 1 RECENT\r\nb1 OK FETCH completed\r\n");
    EXPECT_EQ(b.send("b2 FETCH 18 (UID FLAGS)"),
              "* 18 FETCH (UID 18 FLAGS (\\Recent))\r\nb2 OK FETCH completed\r\n");
    EXPECT_EQ(b.send("b3 NOOP"), "* 2 EXPUNGE\r\nb3 OK NOOP completed\r\n");
    EXPECT_EQ(b.send("b4 FETCH 17 UID"), "* 17 FETCH (UID 18)\r\nb4 OK FETCH completed\r\n");
    // a hears the new message too, but it is \Recent only for b, which saw it first.
    EXPECT_EQ(a.send("a3 NOOP"), "* 17 EXISTS\r\n* 16 RECENT\r\na3 OK NOOP completed\r\n");
}

TEST(ImapSession, ExpungeMayComeDuringUidFetchStoreAndSearch_Rfc3501_5_5)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a2 EXPUNGE");
    EXPECT_EQ(b.send("b1 UID FETCH 1 FLAGS"),
              "* 1 FETCH (UID 1 FLAGS ())\r\n* 2 EXPUNGE\r\nb1 OK UID FETCH completed\r\n");
    a.send("a3 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a4 EXPUNGE");
    EXPECT_EQ(b.send("b2 UID SEARCH UID 1:4"),
              "* SEARCH 1 4\r\n* 2 EXPUNGE\r\nb2 OK UID SEARCH completed\r\n");
    a.send("a5 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a6 EXPUNGE");
    EXPECT_EQ(b.send("b3 UID STORE 5 +FLAGS.SILENT (\\Seen)"),
              "* 2 EXPUNGE\r\nb3 OK UID STORE completed\r\n");
}

TEST(ImapSession, UidCommandsSkipAUidExpungedElsewhere_Rfc3501_6_4_8)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a2 EXPUNGE");
    // A UID that no longer exists is no error for the UID commands: it is simply not there (and the EXPUNGE
    // may be sent with them, RFC 3501 section 5.5).
    EXPECT_EQ(b.send("b1 UID FETCH 2 FLAGS"), "* 2 EXPUNGE\r\nb1 OK UID FETCH completed\r\n");
    a.send("a3 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a4 EXPUNGE");
    EXPECT_EQ(b.send("b2 UID STORE 3:4 +FLAGS (\\Seen)"),
              "* 3 FETCH (FLAGS (\\Seen) UID 4)\r\n* 2 EXPUNGE\r\nb2 OK UID STORE completed\r\n");
}

TEST(ImapSession, AMessageExpungedElsewhereIsStillFetchedUntilTheClientIsTold_Rfc2180_4_1_1_Rfc5530_3)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    const std::string second = w.store.mailbox("alice", "INBOX")->messages[1].copyBytes();
    a.send("a1 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a2 EXPUNGE");
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->find(2), nullptr);
    // No EXPUNGE may be sent during FETCH (RFC 3501 section 7.4.1), so the number still stands for the
    // message: it is answered from what it was, and the code tells the client to send NOOP (RFC 5530 section
    // 3).
    const std::string issued = " OK [EXPUNGEISSUED] FETCH completed; another session expunged some\r\n";
    EXPECT_EQ(b.send("b1 FETCH 1:3 UID"),
              "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\nb1" + issued);
    EXPECT_EQ(b.send("b2 FETCH 2 BODY.PEEK[]"), "* 2 FETCH (BODY[] " + lit(second) + ")\r\nb2" + issued);
    // Its flags cannot change any more: STORE leaves it alone and does the rest (RFC 2180 section 4.2.1).
    EXPECT_EQ(b.send("b3 STORE 2 +FLAGS (\\Seen)"),
              "b3 OK [EXPUNGEISSUED] STORE completed; another session expunged some\r\n");
    EXPECT_EQ(b.send("b4 STORE 1:2 +FLAGS.SILENT (\\Seen)"),
              "b4 OK [EXPUNGEISSUED] STORE completed; another session expunged some\r\n");
    EXPECT_TRUE(w.store.mailbox("alice", "INBOX")->messages[0].has(store::kSeen));
    // COPY is not one of the three, so the EXPUNGE may come with it; its numbers were still the old ones, so
    // number 2 is the message that is gone: the COPY fails as a whole and copies nothing (RFC 3501 6.4.7).
    EXPECT_EQ(b.send("b5 COPY 2 Archive"), "* 2 EXPUNGE\r\nb5 NO [EXPUNGEISSUED] some of the messages were "
                                           "expunged by another session (RFC 3501 section 7.4.1)\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "Archive")->messages.size(), 2u);
    // Told, the number is gone: 2 is now the message that was 3.
    EXPECT_EQ(b.send("b6 FETCH 2 UID"), "* 2 FETCH (UID 3)\r\nb6 OK FETCH completed\r\n");
}

TEST(ImapSession, SubscriptionsOutliveDeleteAndRename_Rfc3501_6_3_6)
{
    DemoWorld w;
    imap::ImapSession s(w.store, w.clock, 1);
    s.greeting();
    s.receive("a LOGIN alice wonderland\r\n");
    s.receive("b CREATE Projects\r\n");
    s.receive("c CREATE Old\r\n");
    s.receive("b SUBSCRIBE Projects\r\n");
    s.receive("c SUBSCRIBE Old\r\n");
    EXPECT_EQ(s.receive("d RENAME Projects Work\r\n"), "d OK RENAME completed\r\n");
    EXPECT_EQ(s.receive("e DELETE Old\r\n"), "e OK DELETE completed\r\n");
    // The server must not drop a subscription by itself: the old names stay, shown as \Noselect.
    const std::string lsub = s.receive("f LSUB \"\" *\r\n");
    EXPECT_NE(lsub.find("* LSUB (\\Noselect) \"/\" Projects\r\n"), std::string::npos) << lsub;
    EXPECT_NE(lsub.find("* LSUB (\\Noselect) \"/\" Old\r\n"), std::string::npos) << lsub;
    EXPECT_NE(lsub.find("* LSUB (\\HasNoChildren) \"/\" Work\r\n"), std::string::npos) << lsub;
    EXPECT_EQ(lsub.find("* LSUB (\\HasNoChildren) \"/\" INBOX\r\n"), 0u); // INBOX first
    // LIST shows only what exists.
    EXPECT_EQ(s.receive("g LIST \"\" Old\r\n"), "g OK LIST completed\r\n");
}

TEST(ImapSession, ListPatternsSpellInboxInAnyCase_Rfc3501_5_1)
{
    DemoWorld w;
    imap::ImapSession s(w.store, w.clock, 1);
    s.greeting();
    s.receive("a LOGIN alice wonderland\r\n");
    for (const char* pattern : {"In%", "inbox", "INB*", "i*"})
        EXPECT_NE(s.receive(std::string("b LIST \"\" ") + pattern + "\r\n").find("\"/\" INBOX\r\n"),
                  std::string::npos)
            << pattern;
    EXPECT_EQ(s.receive("c LIST \"\" Inx%\r\n").find("INBOX"), std::string::npos);
}

TEST(ImapSession, DeliveryReachesSelectedSessionsAsExistsAndRecent_Rfc3501_7_3_1_And_7_3_2)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open("Archive");
    deliver(w, "one");
    deliver(w, "two");
    EXPECT_EQ(a.send("a1 NOOP"), "* 19 EXISTS\r\n* 19 RECENT\r\na1 OK NOOP completed\r\n");
    EXPECT_EQ(b.send("b1 NOOP"), "b1 OK NOOP completed\r\n"); // other mailbox
    deliver(w, "archived", "Archive");
    EXPECT_EQ(b.send("b2 NOOP"), "* 3 EXISTS\r\n* 1 RECENT\r\nb2 OK NOOP completed\r\n");
    EXPECT_EQ(a.send("a2 FETCH 18:19 (UID FLAGS)"), "* 18 FETCH (UID 18 FLAGS (\\Recent))\r\n* 19 FETCH (UID "
                                                    "19 FLAGS (\\Recent))\r\na2 OK FETCH completed\r\n");
    // An EXPUNGE and new mail together: the EXPUNGE first, then the new count.
    Conn c(w, 3);
    c.open();
    c.send("c1 STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("c2 EXPUNGE");
    deliver(w, "three");
    EXPECT_EQ(a.send("a3 NOOP"), "* 1 EXPUNGE\r\n* 19 EXISTS\r\n* 19 RECENT\r\na3 OK NOOP completed\r\n");
}

TEST(ImapSession, AppendInOneSessionIsExistsInTheOther_Rfc3501_6_3_11)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.login();
    b.open("Drafts");
    EXPECT_EQ(lastLine(a.raw("a1 APPEND Drafts (\\Draft) {" + std::to_string(kAppended.size()) + "+}\r\n" +
                             kAppended + "\r\n")),
              "a1 OK [APPENDUID " + std::to_string(kDraftsValidity) + " 1] APPEND completed");
    EXPECT_EQ(b.send("b1 NOOP"), "* 1 EXISTS\r\n* 1 RECENT\r\nb1 OK NOOP completed\r\n");
    EXPECT_EQ(b.send("b2 FETCH 1 (UID FLAGS)"),
              "* 1 FETCH (UID 1 FLAGS (\\Draft \\Recent))\r\nb2 OK FETCH completed\r\n");
}

TEST(ImapSession, MoveInOneSessionIsExpungeHereAndExistsThere_Rfc6851_3_3)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2), archive(w, 3);
    a.open();
    b.open();
    archive.open("Archive");
    EXPECT_EQ(a.send("a1 UID MOVE 8 Archive"),
              "* OK [COPYUID " + std::to_string(kArchiveValidity) +
                  " 8 3] moved\r\n* 8 EXPUNGE\r\na1 OK UID MOVE completed\r\n");
    EXPECT_EQ(b.send("b1 NOOP"), "* 8 EXPUNGE\r\nb1 OK NOOP completed\r\n");
    EXPECT_EQ(archive.send("c1 NOOP"), "* 3 EXISTS\r\n* 1 RECENT\r\nc1 OK NOOP completed\r\n");
    EXPECT_EQ(archive.send("c2 FETCH 3 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])"),
              "* 3 FETCH (UID 3 BODY[HEADER.FIELDS (SUBJECT)] " +
                  lit("Subject: Study group on Thursday\r\n\r\n") + ")\r\nc2 OK FETCH completed\r\n");
}

TEST(ImapSession, FlagChangeOfAMessageExpungedMeanwhileIsNotReported_Rfc3501_7_4_1)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 5 +FLAGS.SILENT (\\Flagged \\Deleted)");
    a.send("a2 EXPUNGE");
    EXPECT_EQ(b.send("b1 NOOP"), "* 5 EXPUNGE\r\nb1 OK NOOP completed\r\n");
}

TEST(ImapSession, DeletingTheMailboxSelectedElsewhereEndsThatSession_Rfc3501_7_1_5)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.login();
    b.open("Junk");
    EXPECT_EQ(a.send("a1 DELETE Junk"), "a1 OK DELETE completed\r\n");
    EXPECT_EQ(b.send("b1 NOOP"), "* BYE the selected mailbox was deleted or renumbered elsewhere; please "
                                 "reconnect\r\nb1 OK NOOP completed\r\n");
    EXPECT_TRUE(b.closed());
}

TEST(ImapSession, RenamingTheMailboxSelectedElsewhereKeepsThatSessionWorking_Rfc3501_6_3_5)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.login();
    b.open("Junk");
    EXPECT_EQ(a.send("a1 RENAME Junk Spam"), "a1 OK RENAME completed\r\n");
    EXPECT_EQ(b.send("b1 FETCH 1 UID"), "* 1 FETCH (UID 1)\r\nb1 OK FETCH completed\r\n");
    EXPECT_EQ(b.session().selectedMailbox(), "Spam");
    deliver(w, "spam", "Spam");
    EXPECT_EQ(b.send("b2 NOOP"),
              "* 3 EXISTS\r\n* 3 RECENT\r\nb2 OK NOOP completed\r\n"); // b took \Recent of all 3
}

// [SECTION] IDLE (RFC 2177)

TEST(ImapSession, IdleHearsEveryChangeAtOnceAndDoneEndsIt_Rfc2177_3)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    EXPECT_EQ(b.send("b1 IDLE"), "+ idling\r\n");
    EXPECT_TRUE(b.session().idling());
    EXPECT_EQ(b.session().takeUnsolicited(), "");
    a.send("a1 STORE 3 +FLAGS.SILENT (\\Flagged)");
    EXPECT_EQ(b.session().takeUnsolicited(), "* 3 FETCH (FLAGS (\\Flagged))\r\n");
    EXPECT_EQ(b.session().takeUnsolicited(), "");
    a.send("a2 STORE 2 +FLAGS.SILENT (\\Deleted)");
    a.send("a3 EXPUNGE");
    EXPECT_EQ(b.session().takeUnsolicited(), "* 2 EXPUNGE\r\n");
    deliver(w, "pushed");
    EXPECT_EQ(b.session().takeUnsolicited(), "* 17 EXISTS\r\n* 1 RECENT\r\n");
    EXPECT_EQ(b.send("DONE"), "b1 OK IDLE terminated\r\n");
    EXPECT_FALSE(b.session().idling());
    // After IDLE, news waits for a command again.
    a.send("a4 STORE 1 +FLAGS.SILENT (\\Seen)");
    EXPECT_EQ(b.session().takeUnsolicited(), "");
    EXPECT_EQ(b.send("b2 NOOP"), "* 1 FETCH (FLAGS (\\Seen))\r\nb2 OK NOOP completed\r\n");
}

TEST(ImapSession, IdleSendsWhatWasPendingAndDoneIsCaseInsensitive_Rfc2177_3)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    a.send("a1 STORE 1 +FLAGS.SILENT (\\Flagged)");
    EXPECT_EQ(b.send("b1 IDLE"), "+ idling\r\n");
    EXPECT_EQ(b.session().takeUnsolicited(), "* 1 FETCH (FLAGS (\\Flagged))\r\n");
    a.send("a2 STORE 2 +FLAGS.SILENT (\\Flagged)");
    // DONE fed in pieces; news not yet pushed comes before the tagged OK.
    EXPECT_EQ(b.raw("do"), "");
    EXPECT_EQ(b.raw("ne\r"), "");
    EXPECT_EQ(b.raw("\n"), "* 2 FETCH (FLAGS (\\Flagged))\r\nb1 OK IDLE terminated\r\n");
}

TEST(ImapSession, AnythingButDoneDuringIdleIsBad_Rfc2177_3)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    EXPECT_EQ(c.send("a1 IDLE"), "+ idling\r\n");
    EXPECT_EQ(c.send("a2 NOOP"), "a1 BAD expected DONE to end IDLE (RFC 2177 section 3)\r\n");
    EXPECT_FALSE(c.session().idling());
    EXPECT_EQ(c.state(), State::Selected);
    EXPECT_EQ(c.send("a3 NOOP"), "a3 OK NOOP completed\r\n");
}

TEST(ImapSession, IdleInTheAuthenticatedState_Rfc2177_3)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    EXPECT_EQ(c.send("a1 IDLE"), "+ idling\r\n");
    deliver(w, "nobody is told: no mailbox is selected");
    EXPECT_EQ(c.session().takeUnsolicited(), "");
    EXPECT_EQ(c.send("DONE"), "a1 OK IDLE terminated\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
}

TEST(ImapSession, IdlePushesByeWhenTheMailboxIsDeleted_Rfc2177_3_Rfc3501_7_1_5)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.login();
    b.open("Junk");
    EXPECT_EQ(b.send("b1 IDLE"), "+ idling\r\n");
    a.send("a1 DELETE Junk");
    EXPECT_TRUE(startsWith(b.session().takeUnsolicited(), "* BYE "));
    EXPECT_TRUE(b.closed());
}

// [SECTION] \Recent (RFC 3501 section 2.3.2)

TEST(ImapSession, OnlyTheFirstSessionToSelectSeesRecent_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    EXPECT_NE(a.open().find("* 17 RECENT\r\n"), std::string::npos);
    EXPECT_NE(b.open().find("* 0 RECENT\r\n"), std::string::npos);
    EXPECT_EQ(a.send("a1 FETCH 1 FLAGS"), "* 1 FETCH (FLAGS (\\Recent))\r\na1 OK FETCH completed\r\n");
    EXPECT_EQ(b.send("b1 FETCH 1 FLAGS"), "* 1 FETCH (FLAGS ())\r\nb1 OK FETCH completed\r\n");
    // It stays with a's session: reselecting in b or a new session does not bring it back.
    EXPECT_NE(b.send("b2 SELECT INBOX").find("* 0 RECENT\r\n"), std::string::npos);
    a.send("a2 LOGOUT");
    Conn c(w, 3);
    EXPECT_NE(c.open().find("* 0 RECENT\r\n"), std::string::npos);
}

TEST(ImapSession, NewMailIsRecentForTheFirstSessionToHearOfIt_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    a.open();
    b.open();
    deliver(w, "new");
    EXPECT_EQ(b.send("b1 NOOP"), "* 18 EXISTS\r\n* 1 RECENT\r\nb1 OK NOOP completed\r\n");
    EXPECT_EQ(a.send("a1 NOOP"), "* 18 EXISTS\r\n* 17 RECENT\r\na1 OK NOOP completed\r\n");
    EXPECT_EQ(searchFor(b, "RECENT"), "18");
    EXPECT_EQ(searchFor(a, "NOT RECENT"), "18");
}

TEST(ImapSession, ExamineSeesRecentWithoutTakingIt_Rfc3501_2_3_2)
{
    DemoWorld w;
    Conn a(w, 1), b(w, 2);
    EXPECT_NE(a.open("INBOX", "alice", "wonderland", "EXAMINE").find("* 17 RECENT\r\n"), std::string::npos);
    deliver(w, "new");
    // A read-only session sees the new message as \Recent too, and leaves it for a read-write one.
    EXPECT_EQ(a.send("a1 NOOP"), "* 18 EXISTS\r\n* 18 RECENT\r\na1 OK NOOP completed\r\n");
    EXPECT_NE(b.open().find("* 18 RECENT\r\n"), std::string::npos);
}

// [SECTION] framing and limits (RFC 3501 sections 2.2, 4.3, 7.5; RFC 7888)

TEST(ImapSession, CommandFedOneByteAtATimeGivesOneReplyAtTheEnd_Rfc3501_2_2)
{
    DemoWorld w;
    Conn c(w);
    const std::string login = "a1 LOGIN {5+}\r\nalice {10+}\r\nwonderland\r\n";
    std::string replies;
    for (size_t i = 0; i < login.size(); ++i) {
        std::string out = c.raw(login.substr(i, 1));
        if (i + 1 < login.size()) { EXPECT_EQ(out, "") << "after byte " << i; }
        replies += out;
    }
    EXPECT_EQ(replies, "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    const std::string select = "a2 SELECT INBOX\r\n";
    replies.clear();
    for (size_t i = 0; i < select.size(); ++i) {
        std::string out = c.raw(select.substr(i, 1));
        if (i + 1 < select.size()) { EXPECT_EQ(out, "") << "after byte " << i; }
        replies += out;
    }
    EXPECT_EQ(replies, firstSelectOfInbox("a2"));
}

TEST(ImapSession, PipelinedCommandsInOneBufferAreAnsweredInOrder_Rfc3501_5_5)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.raw("a1 LOGIN alice wonderland\r\na2 SELECT INBOX\r\na3 FETCH 1 UID\r\na4 NOOP\r\n"),
              "a1 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n" +
                  firstSelectOfInbox("a2") +
                  "* 1 FETCH (UID 1)\r\na3 OK FETCH completed\r\na4 OK NOOP completed\r\n");
    // A command split across buffers in the middle of a pipeline.
    EXPECT_EQ(c.raw("a5 NOOP\r\na6 FETCH 2 U"), "a5 OK NOOP completed\r\n");
    EXPECT_EQ(c.raw("ID\r\n"), "* 2 FETCH (UID 2)\r\na6 OK FETCH completed\r\n");
}

TEST(ImapSession, EmptyLinesAreIgnored_Rfc3501_2_2)
{
    DemoWorld w;
    Conn c(w);
    EXPECT_EQ(c.raw("\r\n"), "");
    EXPECT_EQ(c.raw("\r\n\r\na1 NOOP\r\n"), "a1 OK NOOP completed\r\n");
}

TEST(ImapSession, ZeroLengthSyncLiteralStillWaitsForContinuation_Rfc3501_4_3_And_7_5)
{
    DemoWorld w;
    Conn c(w);
    c.login();
    // The client waits for "+" before it sends the rest of the line, even for {0}.
    EXPECT_EQ(c.raw("a1 LIST {0}\r\n"), "+ Ready for literal data\r\n");
    EXPECT_EQ(c.raw(" *\r\n"), kListOfAlice + "a1 OK LIST completed\r\n");
    // {0+} needs no continuation.
    EXPECT_EQ(c.raw("a2 LIST {0+}\r\n Junk\r\n"),
              "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\na2 OK LIST completed\r\n");
}

TEST(ImapSession, LineOverTheLimitGetsUntaggedBadAndSessionGoesOn_Rfc3501_4)
{
    SessionOptions options;
    options.maxLineLength = 100;
    DemoWorld w;
    Conn c(w, 1, options);
    const std::string bad = "* BAD line too long: at most 100 octets\r\n";
    EXPECT_EQ(c.raw("a1 LOGIN " + std::string(150, 'x') + "\r\n"), bad);
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
    // Fed in pieces: one BAD, the rest of the line is dropped, then the next line is a command again.
    EXPECT_EQ(c.raw("a3 LOGIN " + std::string(60, 'y')), "");
    EXPECT_EQ(c.raw(std::string(60, 'y')), bad);
    EXPECT_EQ(c.raw(std::string(60, 'y')), "");
    EXPECT_EQ(c.raw("yyy\r\na4 NOOP\r\n"), "a4 OK NOOP completed\r\n");
    // In one buffer with the next command.
    EXPECT_EQ(c.raw(std::string(200, 'z') + "\r\na5 LOGIN alice wonderland\r\n"),
              bad + "a5 OK [CAPABILITY " + std::string(kCapabilities) + "] logged in\r\n");
    EXPECT_EQ(c.state(), State::Authenticated);
}

TEST(ImapSession, SyncLiteralOverTheLimitIsRefusedBeforeItsBytes_Rfc7888_4)
{
    SessionOptions options;
    options.maxLiteralSize = 1000;
    DemoWorld w;
    Conn c(w, 1, options);
    c.login();
    // Refused at once, without "+": the client then sends no literal and the next line is a new command.
    EXPECT_EQ(c.raw("a1 APPEND Drafts {2000}\r\n"),
              "a1 NO [TOOBIG] literal too large: at most 1000 octets\r\n");
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
    EXPECT_EQ(w.store.mailbox("alice", "Drafts")->messages.size(), 0u);
    EXPECT_FALSE(c.closed());
    // Exactly at the limit is fine.
    const std::string message = "Subject: big\r\n\r\n" + std::string(1000 - 16, 'x');
    EXPECT_EQ(c.raw("a3 APPEND Drafts {1000}\r\n"), "+ Ready for literal data\r\n");
    EXPECT_EQ(c.raw(message + "\r\n"),
              "a3 OK [APPENDUID " + std::to_string(kDraftsValidity) + " 1] APPEND completed\r\n");
}

TEST(ImapSession, NonSyncLiteralOverTheLimitEndsTheSession_Rfc7888_4)
{
    SessionOptions options;
    options.maxLiteralSize = 1000;
    DemoWorld w;
    Conn c(w, 1, options);
    c.login();
    EXPECT_EQ(c.raw("a1 APPEND Drafts {2000+}\r\n" + std::string(100, 'x')),
              "* BYE literal too large: at most 1000 octets\r\n");
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(c.raw(std::string(1900, 'x') + "\r\na2 NOOP\r\n"), "");
    EXPECT_EQ(w.store.mailbox("alice", "Drafts")->messages.size(), 0u);
}

TEST(ImapSession, CommandOverTheTotalSizeLimitIsRefused_Rfc7888_4)
{
    SessionOptions options;
    options.maxLiteralSize = 1000;
    options.maxCommandSize = 1500;
    DemoWorld w;
    Conn c(w, 1, options);
    c.login();
    EXPECT_EQ(c.raw("a1 LOGIN {900}\r\n"), "+ Ready for literal data\r\n");
    EXPECT_EQ(c.raw(std::string(900, 'u') + " {900}\r\n"),
              "a1 NO [TOOBIG] command too large: at most 1500 octets with its literals\r\n");
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
}

TEST(ImapSession, LineWithoutAValidTagGetsUntaggedBad_Rfc3501_2_2_1)
{
    DemoWorld w;
    Conn c(w);
    for (const char* line :
         {"* NOOP", "(a) NOOP", "a\"1 NOOP", "%% LOGIN alice wonderland", " a1 NOOP", "+ NOOP"}) {
        SCOPED_TRACE(line);
        std::string reply = c.send(line);
        EXPECT_TRUE(startsWith(reply, "* BAD ")) << reply;
        EXPECT_EQ(linesOf(reply).size(), 1u);
        EXPECT_EQ(c.state(), State::NotAuthenticated);
    }
    EXPECT_EQ(c.send("a2 NOOP"), "a2 OK NOOP completed\r\n");
}

TEST(ImapSession, GarbageAndNulBytesGetBadAndTheSessionGoesOn_Rfc3501_9)
{
    DemoWorld w;
    Conn c(w);
    c.open();
    const StoreSnapshot before = snapshot(w.store);
    const std::string inputs[] = {
        "\x01\x02\x7f\xff\xfe\r\n",
        "\0\0\0\r\n"s,
        "a1 NO\0OP\r\n"s,
        "a1 NOOP\0\r\n"s,
        "a1 FETCH 1 BODY[\0]\r\n"s,
        "a1 STORE 1 +FLAGS (\\Seen\0)\r\n"s,
        "a1 SEARCH SUBJECT \"a\0b\"\r\n"s,
        "a1 LOGIN alice {3+}\r\na\0b\r\n"s,
        "a1 APPEND Drafts {3+}\r\na\0b\r\n"s,
        "a1 FETCH 1:9999999999 FLAGS\r\n",
        "a1 FETCH 0 FLAGS\r\n",
        "a1 FETCH 1 (FLAGS\r\n",
        "a1 SEARCH ((((((((((((((((((((((((((((((((((((((((ALL))))))))))))))))))))))))))))))))))))))))\r\n",
        "a1 UID\r\n",
        "a1 UID NOOP\r\n",
        "a1 SELECT\r\n",
        "a1 \xc3\xa9\r\n",
        "a1 STORE 1 FLAGS.LOUD (\\Seen)\r\n",
        "a1 FETCH 1 BODY[HEADER.FIELDS ()]\r\n",
    };
    for (const std::string& input : inputs) {
        SCOPED_TRACE(util::escapeForDisplay(input));
        std::string reply = c.raw(input);
        EXPECT_TRUE(startsWith(reply, "a1 BAD ") || startsWith(reply, "* BAD "))
            << util::escapeForDisplay(reply);
        EXPECT_EQ(linesOf(reply).size(), 1u) << util::escapeForDisplay(reply);
        EXPECT_EQ(c.state(), State::Selected);
        EXPECT_FALSE(c.closed());
        EXPECT_EQ(c.send("z NOOP"), "z OK NOOP completed\r\n");
    }
    EXPECT_EQ(snapshot(w.store), before);
}

TEST(ImapSession, RandomBytesNeverCrashAndRepliesAreCrlfLines_Rfc3501_2_2)
{
    // A small deterministic fuzz: random bytes biased towards IMAP syntax, in random chunks.
    const std::string alphabet = "a1 {}()[]<>\"\\*%+-.:,0123456789\r\n\0\xff"
                                 "FETCHSTOREUIDSEARCHBODYPEEKHEADERLOGINIDLE"s;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    auto next = [&seed] {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return seed;
    };
    for (int round = 0; round < 40; ++round) {
        DemoWorld w;
        SessionOptions options;
        options.maxLineLength = 300;
        options.maxLiteralSize = 200;
        Conn c(w, 1, options);
        if (round % 2) c.open();
        for (int chunk = 0; chunk < 60 && !c.closed(); ++chunk) {
            std::string bytes;
            const size_t length = next() % 40;
            for (size_t i = 0; i < length; ++i)
                bytes += alphabet[next() % alphabet.size()];
            const std::string reply = c.raw(bytes) + c.session().takeUnsolicited();
            if (!reply.empty()) {
                EXPECT_EQ(reply.substr(reply.size() - 2), "\r\n") << util::escapeForDisplay(reply);
            }
        }
    }
}

// [SECTION] golden transcripts of the IMAP lessons

void compareWithGolden(const std::string& lesson)
{
    auto simulation = runLesson(lesson);
    ASSERT_TRUE(simulation);
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / (lesson + ".txt"),
                          simulation->transcript().toText());
}

// The shape RFC 3501 gives every server response (sections 2.2.2 and 7): untagged "* ", continuation "+ ", or
// the tag of a command the client sent with OK, NO or BAD, once per command; literals {n} skipped by count.
void checkRfc3501Shapes(const scenario::Simulation& simulation)
{
    std::map<int, std::vector<std::string>> openTags; // per session, commands still waiting for completion
    int responses = 0;
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        if (e.kind != wire::TranscriptEntry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer) {
            EXPECT_EQ(e.bytes.substr(e.bytes.size() - 2), "\r\n");
            const std::string line = e.bytes.substr(0, e.bytes.size() - 2);
            if (line != "DONE") openTags[e.sessionId].push_back(line.substr(0, line.find(' ')));
            continue;
        }
        const std::string& bytes = e.bytes;
        ASSERT_EQ(bytes.substr(bytes.size() - 2), "\r\n");
        size_t pos = 0;
        while (pos < bytes.size()) {
            size_t end = bytes.find("\r\n", pos);
            ASSERT_NE(end, std::string::npos);
            const std::string line = bytes.substr(pos, end - pos);
            pos = end + 2;
            SCOPED_TRACE(line.substr(0, 80));
            ++responses;
            // A literal at the end of a line: its bytes follow, then the line goes on.
            while (!line.empty() && line.back() == '}' && line.find('{') != std::string::npos) {
                const size_t size = std::stoul(line.substr(line.rfind('{') + 1));
                pos += size;
                end = bytes.find("\r\n", pos);
                ASSERT_NE(end, std::string::npos);
                const std::string rest = bytes.substr(pos, end - pos);
                pos = end + 2;
                if (rest.empty() || rest.back() != '}') break;
            }
            if (startsWith(line, "* ") || startsWith(line, "+ ")) continue;
            auto& open = openTags[e.sessionId];
            const std::string tag = line.substr(0, line.find(' '));
            auto it = std::find(open.begin(), open.end(), tag);
            ASSERT_NE(it, open.end()) << "a tagged response for a command that is not waiting";
            open.erase(it);
            const std::string status = line.substr(tag.size() + 1, 3);
            EXPECT_TRUE(status == "OK " || status == "NO " || status == "BAD") << line;
        }
    }
    for (const auto& [session, open] : openTags)
        EXPECT_TRUE(open.empty()) << "session " << session;
    EXPECT_GT(responses, 20);
}

TEST(ImapSessionGolden, FoldersLessonTranscriptMatchesGolden_Rfc3501_8)
{
    compareWithGolden("16-imap-folders");
}

TEST(ImapSessionGolden, TwoDevicesLessonTranscriptMatchesGolden_Rfc3501_8_Rfc2177_3)
{
    compareWithGolden("17-imap-two-devices");
}

TEST(ImapSessionGolden, EachLessonGivesTheSameTranscriptOnEveryRun)
{
    for (const char* lesson : {"16-imap-folders", "17-imap-two-devices"}) {
        SCOPED_TRACE(lesson);
        auto first = runLesson(lesson);
        auto second = runLesson(lesson);
        ASSERT_TRUE(first && second);
        expectSameTranscripts(*first, *second);
    }
}

TEST(ImapSessionGolden, LessonResponsesHaveTheShapesOfRfc3501_2_2_2_And_7)
{
    for (const char* lesson : {"16-imap-folders", "17-imap-two-devices"}) {
        SCOPED_TRACE(lesson);
        auto simulation = runLesson(lesson);
        ASSERT_TRUE(simulation);
        checkRfc3501Shapes(*simulation);
    }
}

TEST(ImapSessionGolden, TwoDevicesLessonPushesChangesToTheIdlingLaptop_Rfc2177_3)
{
    auto simulation = runLesson("17-imap-two-devices");
    ASSERT_TRUE(simulation);
    const std::string text = simulation->transcript().toText();
    // What the lesson narrates: \Seen, then the EXPUNGE, then new mail, all while the laptop idles.
    const size_t idle = text.find("[laptop#1] S: + idling\n");
    const size_t seen = text.find("[laptop#1] S: * 2 FETCH (FLAGS (\\Seen \\Recent))\n", idle);
    const size_t expunge = text.find("[laptop#1] S: * 2 EXPUNGE\n", seen);
    const size_t exists = text.find("[laptop#1] S: * 3 EXISTS\n", expunge);
    const size_t done = text.find("[laptop#1] C: DONE\n", exists);
    EXPECT_NE(idle, std::string::npos);
    EXPECT_NE(done, std::string::npos); // each found after the one before
}

} // namespace
} // namespace maillab::test
