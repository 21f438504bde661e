// What each exchange meant, as the sessions tell it (wire/exchange.hpp): commands, statuses, response codes,
// state changes, logins and what moved. Every view reads these instead of the reply text, so they must say
// exactly what the bytes say. Also the transition tables walked row by row, and a FETCH answered a piece at a
// time (RFC 3501 section 6.4.5) that adds up to the same bytes as one answered whole.
#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using wire::Effect;
using wire::Exchange;
using wire::Status;

std::vector<Exchange> send(wire::ServerSession& s, const std::string& bytes)
{
    s.receive(bytes);
    return s.takeExchanges();
}

// [SECTION] POP3

TEST(Pop3Exchanges, LoginsAndStatusesAndCodes_Rfc1939_4_Rfc2449_8)
{
    DemoWorld w;
    pop3::Pop3Session s(w.store, w.clock, 1);
    s.greeting();
    std::vector<Exchange> greeting = s.takeExchanges();
    ASSERT_EQ(greeting.size(), 1u);
    EXPECT_EQ(greeting[0].status, Status::Ok);
    EXPECT_EQ(greeting[0].stateAfter, "AUTHORIZATION");

    std::vector<Exchange> x = send(s, "user alice\r\nPASS nope\r\n");
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(x[0].command, "USER");
    EXPECT_EQ(x[1].command, "PASS");
    EXPECT_EQ(x[1].status, Status::Err);
    EXPECT_EQ(x[1].code, "AUTH");
    EXPECT_EQ(x[1].login, wire::Login::Failed);
    EXPECT_EQ(x[1].user, "alice");

    x = send(s, "USER alice\r\nPASS wonderland\r\n");
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(x[1].status, Status::Ok);
    EXPECT_EQ(x[1].login, wire::Login::Succeeded);
    EXPECT_EQ(x[1].stateBefore, "AUTHORIZATION");
    EXPECT_EQ(x[1].stateAfter, "TRANSACTION");

    // A second device meets the lock: a right password, so no failed guess, and the code says why.
    pop3::Pop3Session second(w.store, w.clock, 2);
    second.greeting();
    second.takeExchanges();
    x = send(second, "USER alice\r\nPASS wonderland\r\n");
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(x[1].status, Status::Err);
    EXPECT_EQ(x[1].code, "IN-USE");
    EXPECT_EQ(x[1].login, wire::Login::None);
    EXPECT_EQ(x[1].statusLine.rfind("-ERR [IN-USE]", 0), 0u);

    x = send(s, "FROB\r\n");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].command, "");
    EXPECT_EQ(x[0].status, Status::Err);
}

TEST(Pop3Exchanges, WhatMovedAndWhen_Rfc1939_5_6_7)
{
    DemoWorld w;
    pop3::Pop3Session s(w.store, w.clock, 1);
    s.greeting();
    send(s, "USER alice\r\nPASS wonderland\r\n");
    const store::StoredMessage& first = w.store.mailbox("alice", "INBOX")->messages[0];
    const uint32_t firstUid = first.uid;
    const size_t firstSize = first.size();

    std::vector<Exchange> x =
        send(s, "RETR 1\r\nTOP 2 0\r\nTOP 2 3\r\nDELE 1\r\nDELE 2\r\nRSET\r\nDELE 1\r\n");
    ASSERT_EQ(x.size(), 7u);
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::Sent);
    EXPECT_EQ(x[0].effects[0].extent, Effect::Extent::Whole);
    EXPECT_EQ(x[0].effects[0].uid, firstUid);
    EXPECT_EQ(x[0].effects[0].number, 1u);
    EXPECT_EQ(x[0].effects[0].bytes, firstSize);
    ASSERT_EQ(x[1].effects.size(), 1u);
    EXPECT_EQ(x[1].effects[0].extent, Effect::Extent::Headers);
    EXPECT_EQ(x[2].effects[0].extent, Effect::Extent::HeadersAndLines);
    EXPECT_EQ(x[2].effects[0].part, "3");
    EXPECT_GT(x[2].effects[0].bytes, x[1].effects[0].bytes);
    EXPECT_EQ(x[3].effects[0].kind, Effect::Kind::Marked);
    ASSERT_EQ(x[5].effects.size(), 2u); // RSET unmarks both
    EXPECT_EQ(x[5].effects[0].kind, Effect::Kind::Unmarked);
    // Nothing has left the server until QUIT (RFC 1939 section 6).
    EXPECT_EQ(w.store.mailbox("alice", "INBOX")->messages.size(), 17u);

    x = send(s, "QUIT\r\n");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].stateAfter, "UPDATE");
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::Expunged);
    EXPECT_EQ(x[0].effects[0].uid, firstUid);
}

TEST(Pop3Exchanges, SaslContinuationThenTheAnswer_Rfc5034_4)
{
    DemoWorld w;
    pop3::Pop3Session s(w.store, w.clock, 1);
    s.greeting();
    s.takeExchanges();
    std::vector<Exchange> x = send(s, "AUTH PLAIN\r\n");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].status, Status::Continue);
    x = send(s, util::base64Encode(std::string("\0alice\0wonderland", 17)) + "\r\n");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].command, "AUTH");
    EXPECT_EQ(x[0].status, Status::Ok);
    EXPECT_EQ(x[0].login, wire::Login::Succeeded);
}

TEST(Pop3Transitions, EveryRowOfTheTableIsWhatTheSessionDoes_Rfc1939_3)
{
    for (const pop3::Transition& t : pop3::transitions()) {
        DemoWorld w;
        pop3::Pop3Session s(w.store, w.clock, 1);
        s.greeting();
        std::string before;
        std::string_view script = t.example;
        while (!script.empty()) {
            const size_t end = script.find("\r\n");
            before = s.stateName();
            s.receive(std::string(script.substr(0, end)) + "\r\n");
            script = end == std::string_view::npos ? std::string_view() : script.substr(end + 2);
        }
        EXPECT_EQ(before, pop3::stateName(t.from)) << t.trigger;
        EXPECT_EQ(s.state(), t.to) << t.trigger;
        EXPECT_TRUE(pop3::canMove(t.from, t.to));
    }
    EXPECT_FALSE(pop3::canMove(pop3::State::Transaction, pop3::State::Authorization));
}

TEST(Pop3Vocabulary, MultiLineAnswersComeFromTheTable_Rfc1939_3)
{
    EXPECT_TRUE(pop3::expectsMultiLine("RETR 1"));
    EXPECT_TRUE(pop3::expectsMultiLine("capa"));
    EXPECT_TRUE(pop3::expectsMultiLine("LIST"));
    EXPECT_FALSE(pop3::expectsMultiLine("LIST 1"));
    EXPECT_TRUE(pop3::expectsMultiLine("AUTH"));
    EXPECT_FALSE(pop3::expectsMultiLine("AUTH PLAIN"));
    EXPECT_FALSE(pop3::expectsMultiLine("DELE 1"));
    EXPECT_FALSE(pop3::expectsMultiLine("NOSUCH"));
}

// [SECTION] IMAP

class ImapConn {
public:
    explicit ImapConn(DemoWorld& w, int id = 1, imap::SessionOptions options = {})
        : m_session(w.store, w.clock, id, std::move(options))
    {
        m_session.greeting();
        m_session.takeExchanges();
    }
    std::vector<Exchange> send(const std::string& line)
    {
        m_last = m_session.receive(line + "\r\n");
        return m_session.takeExchanges();
    }
    imap::ImapSession& session() { return m_session; }
    const std::string& last() const { return m_last; }

private:
    imap::ImapSession m_session;
    std::string m_last;
};

TEST(ImapExchanges, StatusesCodesAndStates_Rfc3501_7_1)
{
    DemoWorld w;
    ImapConn c(w);
    std::vector<Exchange> x = c.send("a1 login alice nope");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].command, "LOGIN");
    EXPECT_EQ(x[0].tag, "a1");
    EXPECT_EQ(x[0].status, Status::No);
    EXPECT_EQ(x[0].code, "AUTHENTICATIONFAILED");
    EXPECT_EQ(x[0].login, wire::Login::Failed);

    x = c.send("a2 FETCH 1 FLAGS"); // the state guard
    EXPECT_EQ(x[0].status, Status::Bad);
    EXPECT_EQ(x[0].command, "FETCH");

    x = c.send("a3 LOGIN alice wonderland");
    EXPECT_EQ(x[0].login, wire::Login::Succeeded);
    EXPECT_EQ(x[0].stateBefore, "not authenticated");
    EXPECT_EQ(x[0].stateAfter, "authenticated");
    EXPECT_EQ(x[0].code, "CAPABILITY");

    x = c.send("a4 select INBOX");
    EXPECT_EQ(x[0].command, "SELECT");
    EXPECT_EQ(x[0].code, "READ-WRITE");
    EXPECT_EQ(x[0].stateAfter, "selected");
    EXPECT_EQ(x[0].statusLine, "a4 OK [READ-WRITE] SELECT completed");

    x = c.send("a5 COPY 1 Nope");
    EXPECT_EQ(x[0].status, Status::No);
    EXPECT_EQ(x[0].code, "TRYCREATE");

    x = c.send("a6 uid expunge 999");
    EXPECT_EQ(x[0].command, "UID EXPUNGE");
    EXPECT_EQ(x[0].status, Status::Ok);

    x = c.send("a7 (");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].status, Status::Bad);
    EXPECT_EQ(x[0].tag, "a7");
}

TEST(ImapExchanges, WhatMovedHeadersPartsWholeFlagsCopiesMoves_Rfc3501_6_4)
{
    DemoWorld w;
    ImapConn c(w);
    c.send("a1 LOGIN alice wonderland");
    c.send("a2 SELECT INBOX");
    const uint32_t uid2 = w.store.mailbox("alice", "INBOX")->messages[1].uid;

    std::vector<Exchange> x =
        c.send("a3 FETCH 2 (ENVELOPE BODY.PEEK[HEADER] BODY.PEEK[1] BODY.PEEK[TEXT] FLAGS)");
    ASSERT_EQ(x.size(), 1u);
    std::vector<Effect::Extent> extents;
    for (const Effect& e : x[0].effects) {
        EXPECT_EQ(e.kind, Effect::Kind::Sent);
        EXPECT_EQ(e.uid, uid2);
        EXPECT_EQ(e.number, 2u);
        extents.push_back(e.extent);
    }
    EXPECT_EQ(extents, (std::vector<Effect::Extent>{Effect::Extent::Headers, Effect::Extent::Headers,
                                                    Effect::Extent::Part, Effect::Extent::Text}));
    EXPECT_EQ(x[0].effects[2].part, "1");

    // BODY[] (no PEEK) sends the whole message and sets \Seen (RFC 3501 section 6.4.5).
    x = c.send("a4 FETCH 2 BODY[]");
    ASSERT_EQ(x[0].effects.size(), 2u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::FlagsChanged);
    EXPECT_NE(x[0].effects[0].flags.find("\\Seen"), std::string::npos);
    EXPECT_EQ(x[0].effects[1].extent, Effect::Extent::Whole);
    EXPECT_EQ(x[0].effects[1].bytes, w.store.mailbox("alice", "INBOX")->messages[1].size());

    x = c.send("a5 STORE 2 +FLAGS.SILENT (\\Flagged)");
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::FlagsChanged);
    EXPECT_NE(x[0].effects[0].flags.find("\\Flagged"), std::string::npos);

    x = c.send("a6 COPY 2 Archive");
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::Copied);
    EXPECT_EQ(x[0].effects[0].target, "Archive");
    EXPECT_EQ(x[0].effects[0].targetUid, w.store.mailbox("alice", "Archive")->messages.back().uid);

    x = c.send("a7 MOVE 2 Trash");
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::Moved);
    EXPECT_EQ(x[0].effects[0].uid, uid2);
    EXPECT_EQ(x[0].effects[0].target, "Trash");

    x = c.send("a8 STORE 1 +FLAGS.SILENT (\\Deleted)");
    x = c.send("a9 EXPUNGE");
    ASSERT_EQ(x[0].effects.size(), 1u);
    EXPECT_EQ(x[0].effects[0].kind, Effect::Kind::Expunged);
    EXPECT_EQ(x[0].effects[0].number, 1u);

    x = c.send("b1 CREATE Work");
    EXPECT_EQ(x[0].effects.at(0).kind, Effect::Kind::MailboxCreated);
    x = c.send("b2 RENAME Work Play");
    EXPECT_EQ(x[0].effects.at(0).kind, Effect::Kind::MailboxRenamed);
    EXPECT_EQ(x[0].effects.at(0).target, "Play");
    x = c.send("b3 DELETE Play");
    EXPECT_EQ(x[0].effects.at(0).kind, Effect::Kind::MailboxDeleted);
}

TEST(ImapExchanges, IdleIsAContinuationThenNewsThenTheAnswer_Rfc2177_3)
{
    DemoWorld w;
    ImapConn laptop(w, 1), phone(w, 2);
    laptop.send("a1 LOGIN alice wonderland");
    laptop.send("a2 SELECT INBOX");
    phone.send("b1 LOGIN alice wonderland");
    phone.send("b2 SELECT INBOX");
    std::vector<Exchange> x = laptop.send("a3 IDLE");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].status, Status::Continue);
    EXPECT_EQ(x[0].command, "IDLE");
    phone.send("b3 STORE 1 +FLAGS (\\Flagged)");
    EXPECT_FALSE(laptop.session().takeUnsolicited().empty());
    x = laptop.session().takeExchanges();
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].command, ""); // news, told on the server's own
    EXPECT_EQ(x[0].statusLine.rfind("* 1 FETCH", 0), 0u);
    x = laptop.send("DONE");
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].command, "IDLE");
    EXPECT_EQ(x[0].tag, "a3");
    EXPECT_EQ(x[0].status, Status::Ok);
}

TEST(ImapTransitions, EveryRowOfTheTableIsWhatTheSessionDoes_Rfc3501_3)
{
    for (const imap::Transition& t : imap::transitions()) {
        DemoWorld w;
        ImapConn c(w);
        if (t.from != imap::State::NotAuthenticated) c.send("p1 LOGIN alice wonderland");
        if (t.from == imap::State::Selected) c.send("p2 SELECT INBOX");
        ASSERT_EQ(c.session().state(), t.from) << t.trigger;
        std::vector<Exchange> x = c.send(t.example);
        EXPECT_EQ(c.session().state(), t.to) << t.trigger << ": " << c.last();
        ASSERT_FALSE(x.empty());
        EXPECT_EQ(x.back().stateBefore, imap::stateName(t.from));
        EXPECT_EQ(x.back().stateAfter, imap::stateName(t.to));
    }
    EXPECT_FALSE(imap::canMove(imap::State::NotAuthenticated, imap::State::Selected));
    EXPECT_FALSE(imap::canMove(imap::State::Logout, imap::State::Authenticated));
}

TEST(ImapVocabulary, OneRowPerCommandReadByParserAndSession)
{
    for (const imap::CommandInfo& info : imap::commandTable()) {
        EXPECT_EQ(imap::findCommand(info.wireName), &info);
        EXPECT_NE(info.handler, nullptr) << info.wireName;
        EXPECT_NE(std::string(info.usage).find("RFC"), std::string::npos) << info.wireName;
        EXPECT_EQ(info.uidUsage != nullptr, (info.flags & imap::kUidForm) != 0) << info.wireName;
        if (info.flags & imap::kUidForm)
            EXPECT_EQ(imap::findCommand(std::string("uid ") + info.wireName), &info);
        else
            EXPECT_EQ(imap::findCommand(std::string("UID ") + info.wireName), nullptr);
    }
}

// [SECTION] a FETCH answered a piece at a time (issue 14, F2)

TEST(ImapStreaming, AFetchInPiecesAddsUpToTheWholeAnswerAndHoldsTheNextCommand_Rfc3501_6_4_5)
{
    DemoWorld whole;
    ImapConn reference(whole);
    reference.send("a1 LOGIN alice wonderland");
    reference.send("a2 SELECT INBOX");
    reference.send("a3 FETCH 1:* (UID BODY.PEEK[] BODY.PEEK[HEADER])");
    const std::string expected = reference.last();
    reference.send("a4 NOOP");
    const std::string expectedNoop = reference.last();

    DemoWorld w;
    imap::SessionOptions options;
    options.replyChunkBytes = 1024;
    ImapConn c(w, 1, options);
    c.send("a1 LOGIN alice wonderland");
    c.send("a2 SELECT INBOX");
    imap::ImapSession& s = c.session();
    // The NOOP comes pipelined behind the FETCH: it is answered after the FETCH is done.
    std::string out = s.receive("a3 FETCH 1:* (UID BODY.PEEK[] BODY.PEEK[HEADER])\r\na4 NOOP\r\n");
    EXPECT_TRUE(s.outputPending());
    EXPECT_LT(out.size(), 1024u + 64 * 1024); // at most one item past the budget
    size_t pieces = 1, largest = out.size();
    while (s.outputPending()) {
        std::string piece = s.continueOutput();
        largest = std::max(largest, piece.size());
        out += piece;
        ++pieces;
        ASSERT_LT(pieces, 10000u);
    }
    EXPECT_GT(pieces, 10u);
    EXPECT_EQ(out, expected + expectedNoop);
    std::vector<Exchange> x = s.takeExchanges();
    ASSERT_EQ(x.size(), 2u);
    EXPECT_EQ(x[0].command, "FETCH");
    EXPECT_EQ(x[0].effects.size(), 34u); // 17 messages, whole and header
    EXPECT_EQ(x[1].command, "NOOP");
}

TEST(ImapStreaming, ARepeatedItemIsAnsweredOnce_Rfc3501_6_4_5)
{
    DemoWorld w;
    ImapConn c(w);
    c.send("a1 LOGIN alice wonderland");
    c.send("a2 SELECT INBOX");
    std::string items;
    for (int i = 0; i < 500; ++i)
        items += "BODY.PEEK[] ";
    items += "BODY[]";
    c.send("a3 FETCH 1 (" + items + ")");
    const std::string& reply = c.last();
    const std::string& message = w.store.mailbox("alice", "INBOX")->messages[0].copyBytes();
    EXPECT_LT(reply.size(), message.size() + 200);
    // BODY[] without PEEK was asked for too: the one answer sets \Seen.
    EXPECT_NE(reply.find("FLAGS (\\Seen"), std::string::npos) << reply.substr(0, 200);
    EXPECT_TRUE(w.store.mailbox("alice", "INBOX")->messages[0].has(store::kSeen));
}

// [SECTION] the transcript carries the meaning

TEST(TranscriptExchanges, EveryServerReplyOfALessonSaysWhatItMeant)
{
    for (const char* lesson : {"14-pop3-delete-mode", "17-imap-two-devices", "02-ports-and-tls"}) {
        auto sim = runLesson(lesson);
        ASSERT_TRUE(sim);
        size_t replies = 0;
        for (const wire::TranscriptEntry& e : sim->transcript().entries()) {
            if (e.kind != wire::TranscriptEntry::Kind::Data || e.direction != wire::Direction::ServerToClient)
                continue;
            ++replies;
            EXPECT_FALSE(e.exchanges.empty()) << lesson << ": " << e.bytes.substr(0, 80);
            for (const Exchange& x : e.exchanges)
                EXPECT_NE(e.bytes.find(x.statusLine), std::string::npos) << lesson << ": " << x.statusLine;
        }
        EXPECT_GT(replies, 5u) << lesson;
    }
}

} // namespace
} // namespace maillab::test
