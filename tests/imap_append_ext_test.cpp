// APPEND as today's clients use it: MULTIAPPEND (RFC 3502), several messages all or nothing with their UIDs
// in APPENDUID (RFC 4315 section 3); CATENATE (RFC 4469), a message made of text and pieces of stored
// messages named by IMAP URLs (RFC 5092), with BADURL and TOOBIG; APPENDLIMIT (RFC 7889). The messages are
// written for these tests.
#include "imap/imap_session.hpp"
#include "imap_dave.hpp"
#include "store/maildir.hpp"
#include "store/store.hpp"
#include "test_support.hpp"
#include "wire/clock.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

using imap::ImapUrl;

// A non-synchronizing literal, so a whole command goes in one send().
std::string lit(std::string_view bytes)
{
    return "{" + std::to_string(bytes.size()) + "+}\r\n" + std::string(bytes);
}

std::string tagged(const std::string& reply)
{
    size_t start = reply.rfind("\r\n", reply.size() - 3);
    return reply.substr(start == std::string::npos ? 0 : start + 2);
}

const std::string kFirst = "From: a@example.org\r\nSubject: one\r\n\r\nfirst body\r\n";
const std::string kSecond = "From: b@example.org\r\nSubject: two\r\n\r\nsecond body\r\n";

// [SECTION] MULTIAPPEND (RFC 3502)

TEST(ImapMultiappend, SeveralMessagesInOneAppendGetAUidSet_Rfc3502_6_3_11_Rfc4315_3)
{
    DaveWorld w;
    DaveClient c(w);
    EXPECT_NE(c.send("c CAPABILITY").find(" MULTIAPPEND"), std::string::npos);
    std::string reply =
        c.send("a APPEND INBOX (\\Seen) " + lit(kFirst) + " (\\Flagged) \"26-Nov-2026 09:00:00 +0100\" " +
               lit(kSecond) + " " + lit(kFirst));
    const uint32_t validity = w.inbox().uidValidity;
    EXPECT_EQ(reply, "a OK [APPENDUID " + std::to_string(validity) + " 1:3] APPEND completed\r\n");
    ASSERT_EQ(w.inbox().messages.size(), 3u);
    EXPECT_EQ(w.inbox().messages[0].copyBytes(), kFirst);
    EXPECT_TRUE(w.inbox().messages[0].has(store::kSeen));
    EXPECT_EQ(w.inbox().messages[1].copyBytes(), kSecond);
    // Each message has its own flags and date (RFC 3502 section 6.3.11, append-message).
    EXPECT_TRUE(w.inbox().messages[1].has(store::kFlagged));
    EXPECT_FALSE(w.inbox().messages[1].has(store::kSeen));
    EXPECT_EQ(mail::formatImapDateTime(w.inbox().messages[1].internalDate), "26-Nov-2026 09:00:00 +0100");
    EXPECT_FALSE(w.inbox().messages[2].has(store::kSeen));
}

// "If the server fails to append any message, none of the messages are appended" (RFC 3502 section
// 6.3.11): a bad flag on the third, a URL that names nothing in the second.
TEST(ImapMultiappend, OneBadMessageAddsNone_Rfc3502_6_3_11)
{
    DaveWorld w;
    DaveClient c(w);
    std::string reply =
        c.send("a APPEND INBOX " + lit(kFirst) + " " + lit(kSecond) + " (\\Bogus) " + lit(kFirst));
    EXPECT_EQ(tagged(reply).rfind("a BAD ", 0), 0u) << reply;
    reply = c.send("b APPEND INBOX " + lit(kFirst) + " CATENATE (URL \"/INBOX/;UID=99\")");
    EXPECT_EQ(tagged(reply).rfind("b NO [BADURL /INBOX/;UID=99] ", 0), 0u) << reply;
    EXPECT_TRUE(w.inbox().messages.empty());
    EXPECT_EQ(w.inbox().uidNext, 1u);
}

// The disk refuses the second message: the first goes again, and the client hears NO (RFC 3502 section
// 6.3.11, all or nothing; RFC 5530 section 3, SERVERBUG).
TEST(ImapMultiappend, AWriteFailureTakesBackWhatWasAdded_Rfc3502_6_3_11)
{
    DaveWorld w;
    int added = 0;
    w.store.setPersister([&](const store::StoreEvent& e) -> std::string {
        if (e.kind == store::StoreEvent::Kind::MessageAdded && ++added == 2) return "disk full";
        return {};
    });
    DaveClient c(w);
    std::string reply = c.send("a APPEND INBOX " + lit(kFirst) + " " + lit(kSecond));
    EXPECT_EQ(reply.rfind("a NO [SERVERBUG] ", 0), 0u) << reply;
    EXPECT_TRUE(w.inbox().messages.empty());
}

// With Maildir every message of a MULTIAPPEND is on disk before the OK: a restart reads them all back.
TEST(ImapMultiappend, MaildirHoldsEveryMessageBeforeTheOk_Rfc3502_6_3_11)
{
    ScratchDir dir("multiappend");
    const std::filesystem::path root = dir.path;
    {
        DaveWorld w;
        store::MaildirSync sync(w.store, w.clock, root);
        DaveClient c(w);
        EXPECT_NE(
            c.send("a APPEND INBOX " + lit(kFirst) + " " + lit(kSecond) + " " + lit(kFirst)).find("a OK "),
            std::string::npos);
    }
    DaveWorld again;
    store::MaildirSync sync(again.store, again.clock, root);
    ASSERT_EQ(again.inbox().messages.size(), 3u);
    EXPECT_EQ(again.inbox().messages[1].copyBytes(), kSecond);
}

TEST(ImapMultiappend, SwitchedOffMeansOneMessageOnly_Rfc3502_3)
{
    DaveWorld w;
    imap::SessionOptions options;
    options.capabilitiesOff = {"MULTIAPPEND"};
    DaveClient c(w, options);
    EXPECT_EQ(c.send("c CAPABILITY").find("MULTIAPPEND"), std::string::npos);
    EXPECT_EQ(c.send("a APPEND INBOX " + lit(kFirst) + " " + lit(kSecond)).rfind("a BAD ", 0), 0u);
    EXPECT_NE(c.send("b APPEND INBOX " + lit(kFirst)).find("b OK "), std::string::npos);
}

// [SECTION] CATENATE (RFC 4469) and IMAP URLs (RFC 5092)

TEST(ImapUrlParse, RelativeUrlWithEveryPart_Rfc5092_6)
{
    auto parsed = imap::parseImapUrl("/Work%20Mail;UIDVALIDITY=7/;UID=20/;SECTION=1.2.MIME/;PARTIAL=10.5");
    ASSERT_TRUE(std::holds_alternative<ImapUrl>(parsed)) << std::get<std::string>(parsed);
    const ImapUrl& u = std::get<ImapUrl>(parsed);
    EXPECT_EQ(u.mailbox, "Work Mail");
    EXPECT_EQ(u.uidValidity, 7u);
    EXPECT_EQ(u.uid, 20u);
    EXPECT_EQ(u.section.part, (std::vector<unsigned>{1, 2}));
    EXPECT_EQ(u.section.text, imap::SectionText::Mime);
    EXPECT_EQ(u.partialOffset, 10u);
    EXPECT_EQ(u.partialLength, 5u);
    // Names are case-insensitive, INBOX too; a section may have percent-encoded spaces.
    parsed = imap::parseImapUrl("/inbox/;uid=3/;section=HEADER.FIELDS%20(SUBJECT)");
    ASSERT_TRUE(std::holds_alternative<ImapUrl>(parsed)) << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<ImapUrl>(parsed).mailbox, "INBOX");
    EXPECT_EQ(std::get<ImapUrl>(parsed).section.fields, (std::vector<std::string>{"SUBJECT"}));
}

TEST(ImapUrlParse, WhatIsNotAMessageUrlIsRefused_Rfc5092_6)
{
    for (const char* bad : {"", "INBOX/;UID=1", "/INBOX", "/INBOX/;UID=0", "/INBOX/;UID=x", "/INBOX;UID=1",
                            "/INBOX/;SECTION=1", "/INBOX/;UID=1/;SECTION=FOO", "/INBOX/;UID=1/;PARTIAL=1.0",
                            "/INBOX/;UID=1;URLAUTH=anonymous:internal", "/INBOX/;SECTION=1/;UID=1",
                            "/%ZZ/;UID=1", "imap://dave@host/INBOX/;UID=1", "/INBOX/;UID=1/;UID=2"}) {
        auto parsed = imap::parseImapUrl(bad);
        EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << bad;
    }
}

class Catenate : public ::testing::Test {
protected:
    void SetUp() override
    {
        w.store.createMailbox("dave", "Saved");
        c.send("a APPEND INBOX " + lit(kFirst));
        c.send("a APPEND INBOX " + lit(kSecond));
    }
    std::string validity() const { return std::to_string(w.inbox().uidValidity); }
    std::string last(std::string_view mailbox = "Saved") const
    {
        return w.store.mailbox("dave", mailbox)->messages.back().copyBytes();
    }
    DaveWorld w;
    DaveClient c{w};
};

// TEXT parts and URL parts are joined in order into one message (RFC 4469 section 5).
TEST_F(Catenate, TextAndUrlsMakeOneMessage_Rfc4469_5)
{
    EXPECT_NE(c.send("c CAPABILITY").find(" CATENATE"), std::string::npos);
    std::string reply = c.send("a APPEND Saved (\\Seen) CATENATE (URL \"/INBOX;UIDVALIDITY=" + validity() +
                               "/;UID=1/;SECTION=HEADER\" TEXT " + lit("new text\r\n") +
                               " URL \"/INBOX/;UID=2/;SECTION=TEXT\")");
    EXPECT_NE(reply.find("a OK [APPENDUID "), std::string::npos) << reply;
    EXPECT_EQ(last(), "From: a@example.org\r\nSubject: one\r\n\r\nnew text\r\nsecond body\r\n");
    EXPECT_TRUE(w.store.mailbox("dave", "Saved")->messages.back().has(store::kSeen));
    // A whole message, and a partial range of one (RFC 5092 section 6, ;PARTIAL=).
    c.send("b APPEND Saved CATENATE (URL \"/INBOX/;UID=2\")");
    EXPECT_EQ(last(), kSecond);
    c.send("b APPEND Saved CATENATE (URL \"/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=6.4\")");
    EXPECT_EQ(last(), "body");
    // Reading through a URL is a peek: the source keeps its flags.
    EXPECT_FALSE(w.inbox().messages[0].has(store::kSeen));
}

// A URL that names nothing here is NO [BADURL url] and nothing is added (RFC 4469 section 6): a stale
// UIDVALIDITY, a UID or section that does not exist, a mailbox that does not exist, and URL syntax errors.
TEST_F(Catenate, BadUrlIsNoBadUrl_Rfc4469_6)
{
    for (const char* bad : {"/INBOX;UIDVALIDITY=12345/;UID=1", "/INBOX/;UID=9", "/INBOX/;UID=1/;SECTION=4",
                            "/Nowhere/;UID=1", "/INBOX/;UID=1/;URLAUTH=anonymous", "INBOX"}) {
        const std::string url = bad;
        std::string reply = c.send("a APPEND Saved CATENATE (TEXT " + lit("x\r\n") + " URL \"" + url + "\")");
        EXPECT_EQ(reply.rfind("a NO [BADURL " + url + "] ", 0), 0u) << url << ": " << reply;
    }
    EXPECT_TRUE(w.store.mailbox("dave", "Saved")->messages.empty());
}

// BADURL echoes the URL as url-resp-text, 7-bit without "]" (RFC 4469 section 6): the rest percent-encoded.
TEST_F(Catenate, BadUrlEchoIsSevenBitWithoutBracket_Rfc4469_6)
{
    std::string reply = c.send("a APPEND Saved CATENATE (URL " + lit("/Caf\xC3\xA9]/;UID=1") + ")");
    EXPECT_EQ(reply.rfind("a NO [BADURL /Caf%C3%A9%5D/;UID=1] ", 0), 0u) << reply;
}

// Another user's mailbox cannot be named: URLs reach only what this user can read (RFC 4469 section 5).
TEST_F(Catenate, OtherUsersMailboxesAreOutOfReach_Rfc4469_5)
{
    w.store.addAccount("eve", "pw2");
    w.store.deliver("eve", "INBOX", "Subject: secret\r\n\r\nsecret\r\n", mail::DateTime{0, 0});
    std::string reply = c.send("a APPEND Saved CATENATE (URL \"//eve/INBOX/;UID=1\")");
    EXPECT_EQ(reply.rfind("a NO [BADURL ", 0), 0u) << reply;
    reply = c.send("a APPEND Saved CATENATE (URL \"imap://eve@maillab/INBOX/;UID=1\")");
    EXPECT_EQ(reply.rfind("a NO [BADURL ", 0), 0u) << reply;
}

// A destination that does not exist is NO [TRYCREATE] before any URL is looked at (RFC 4469 section 5 with
// RFC 3501 section 6.3.11).
TEST_F(Catenate, MissingDestinationIsTryCreate_Rfc4469_5)
{
    std::string reply = c.send("a APPEND Nowhere CATENATE (URL \"/INBOX;UIDVALIDITY=12345/;UID=1\")");
    EXPECT_EQ(reply.rfind("a NO [TRYCREATE] ", 0), 0u) << reply;
}

// A message larger than the server takes is NO [TOOBIG] (RFC 4469 section 6, RFC 7889 section 4).
TEST(ImapCatenate, TooBigIsNoTooBig_Rfc4469_6_Rfc7889_4)
{
    DaveWorld w;
    imap::SessionOptions options;
    options.maxLiteralSize = 100;
    DaveClient c(w, options);
    EXPECT_NE(c.send("c CAPABILITY").find(" APPENDLIMIT=100 "), std::string::npos);
    EXPECT_NE(c.send("s STATUS INBOX (APPENDLIMIT)").find("* STATUS INBOX (APPENDLIMIT 100)"),
              std::string::npos);
    const std::string sixty(60, 'x');
    c.send("a APPEND INBOX " + lit("\r\n" + sixty));
    std::string reply = c.send("b APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\" URL \"/INBOX/;UID=1\")");
    EXPECT_EQ(reply.rfind("b NO [TOOBIG] ", 0), 0u) << reply;
    EXPECT_EQ(w.inbox().messages.size(), 1u);
}

// CATENATE and MULTIAPPEND together: each message may be a CATENATE or a literal (RFC 4469 section 5).
TEST_F(Catenate, WithMultiappend_Rfc4469_5_Rfc3502)
{
    std::string reply =
        c.send("a APPEND Saved CATENATE (URL \"/INBOX/;UID=1\") (\\Answered) " + lit(kSecond) +
               " CATENATE (TEXT " + lit("Subject: t\r\n\r\n") + " URL \"/INBOX/;UID=2/;SECTION=1\")");
    const std::string saved = std::to_string(w.store.mailbox("dave", "Saved")->uidValidity);
    EXPECT_EQ(reply, "a OK [APPENDUID " + saved + " 1:3] APPEND completed\r\n");
    const auto& messages = w.store.mailbox("dave", "Saved")->messages;
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[0].copyBytes(), kFirst);
    EXPECT_EQ(messages[1].copyBytes(), kSecond);
    EXPECT_TRUE(messages[1].has(store::kAnswered));
    EXPECT_EQ(messages[2].copyBytes(), "Subject: t\r\n\r\nsecond body\r\n");
}

TEST(ImapCatenateParse, SyntaxErrorsAreBad_Rfc4469_5)
{
    DaveWorld w;
    DaveClient c(w);
    for (const char* bad :
         {"a APPEND INBOX CATENATE ()", "a APPEND INBOX CATENATE (TEXT \"quoted\")",
          "a APPEND INBOX CATENATE (FOO x)", "a APPEND INBOX CATENATE URL \"/INBOX/;UID=1\"",
          "a APPEND INBOX CATENATE (URL)", "a APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\""}) {
        std::string reply = c.send(bad);
        EXPECT_EQ(reply.rfind("a BAD ", 0), 0u) << bad << ": " << reply;
    }
}

} // namespace
} // namespace maillab::test
