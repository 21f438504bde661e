// CONDSTORE and QRESYNC (RFC 7162) and ESEARCH (RFC 4731) in the IMAP session: mod-sequences per message and
// per mailbox, FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ, STATUS HIGHESTMODSEQ, ENABLE, SELECT
// with QRESYNC, VANISHED, CLOSED, SEARCH RETURN; the error cases each RFC names; and a lesson's capability
// toggle that takes an extension away.
#include "imap_test_client.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

// dave's INBOX starts at mod-sequence 1; each delivery, flag change and expunge adds one. Three messages
// are delivered: UIDs 1, 2, 3 with mod-sequences 2, 3, 4; none \Recent, so flag lists show only changes.
struct ModseqWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    ModseqWorld()
    {
        store.addAccount("dave", "pw");
        store.createMailbox("dave", "Archive");
        for (const char* subject : {"one", "two", "three"})
            store.deliver("dave", "INBOX", std::string("Subject: ") + subject + "\r\n\r\nhi\r\n",
                          mail::DateTime{clock.nowSeconds(), 0}, 0);
    }
};

struct Client : ImapTestClient {
    explicit Client(ModseqWorld& world, int id = 1, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, "dave", id, std::move(options))
    {
    }
};

bool has(const std::string& reply, std::string_view line)
{
    return reply.find(line) != std::string::npos;
}

// [SECTION] CAPABILITY and the toggle

TEST(ImapCondstore, AdvertisedAndSwitchedOffByTheToggle_Rfc7162_3)
{
    ModseqWorld w;
    Client all(w);
    EXPECT_TRUE(has(all.greeting(), " CONDSTORE QRESYNC ESEARCH "));
    imap::SessionOptions noQresync;
    noQresync.capabilitiesOff = {"QRESYNC"};
    Client some(w, 2, noQresync);
    EXPECT_TRUE(has(some.greeting(), " CONDSTORE ESEARCH ")) << some.greeting();
    EXPECT_EQ(some.send("e ENABLE QRESYNC"), "* ENABLED\r\ne OK ENABLE completed\r\n");
    // QRESYNC needs CONDSTORE: switching CONDSTORE off takes both away.
    imap::SessionOptions none;
    none.capabilitiesOff = {"CONDSTORE"};
    Client neither(w, 3, none);
    EXPECT_FALSE(has(neither.greeting(), "CONDSTORE"));
    EXPECT_FALSE(has(neither.greeting(), "QRESYNC"));
    neither.select();
    EXPECT_EQ(neither.send("f FETCH 1 (MODSEQ)"),
              "f BAD MODSEQ and CHANGEDSINCE are not offered by this server\r\n");
}

// [SECTION] CONDSTORE (RFC 7162 section 3.1)

// "the server MUST send an OK untagged response, including the HIGHESTMODSEQ response code" (3.1.2).
TEST(ImapCondstore, SelectTellsHighestModseq_Rfc7162_3_1_2)
{
    ModseqWorld w;
    Client c(w);
    const std::string reply = c.select();
    EXPECT_TRUE(
        has(reply, "* OK [UIDNEXT 4] predicted next UID\r\n* OK [HIGHESTMODSEQ 4] highest mod-sequence\r\n"))
        << reply;
    // STATUS (HIGHESTMODSEQ) is the first CONDSTORE enabling command with a mailbox selected: it says
    // HIGHESTMODSEQ again (RFC 7162 section 3.1).
    EXPECT_EQ(c.send("t STATUS INBOX (HIGHESTMODSEQ MESSAGES)"),
              "* OK [HIGHESTMODSEQ 4] highest mod-sequence\r\n* STATUS INBOX (HIGHESTMODSEQ 4 MESSAGES "
              "3)\r\nt OK STATUS completed\r\n");
}

// FETCH MODSEQ, and CHANGEDSINCE: only the messages changed after the mod-sequence, with MODSEQ implied
// (3.1.4.1); after such a command every flag change the client hears carries UID and MODSEQ (3.2.4).
TEST(ImapCondstore, FetchChangedSinceGivesOnlyWhatChanged_Rfc7162_3_1_4)
{
    ModseqWorld w;
    Client c(w);
    Client other(w, 2);
    c.select();
    other.select();
    EXPECT_EQ(
        c.send("f FETCH 1:* (MODSEQ)"),
        "* OK [HIGHESTMODSEQ 4] highest mod-sequence\r\n* 1 FETCH (MODSEQ (2))\r\n* 2 FETCH (MODSEQ (3))\r\n"
        "* 3 FETCH (MODSEQ (4))\r\nf OK FETCH completed\r\n");
    EXPECT_EQ(other.send("o STORE 2 +FLAGS (\\Flagged)"),
              "* 2 FETCH (FLAGS (\\Flagged))\r\no OK STORE completed\r\n");
    EXPECT_EQ(c.send("g UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)"),
              "* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (5))\r\n"
              "* 2 FETCH (FLAGS (\\Flagged) UID 2 MODSEQ (5))\r\ng OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("h FETCH 1:* (FLAGS) (CHANGEDSINCE 5)"), "h OK FETCH completed\r\n");
    EXPECT_EQ(c.send("i FETCH 1 (FLAGS) (CHANGEDSINCE 0)"),
              "i BAD CHANGEDSINCE's mod-sequence must not be 0 (RFC 7162 section 7, mod-sequence-value)\r\n");
}

// STORE (UNCHANGEDSINCE n): a message changed after n is left alone and named in [MODIFIED ...]; the others
// are changed and answered with their new MODSEQ even under .SILENT (3.1.3).
TEST(ImapCondstore, StoreUnchangedSinceLeavesWhatChangedElsewhere_Rfc7162_3_1_3)
{
    ModseqWorld w;
    Client c(w);
    Client other(w, 2);
    c.select();
    other.select();
    other.send("o STORE 2 +FLAGS (\\Seen)"); // message 2 is now at mod-sequence 5
    EXPECT_EQ(c.send("a STORE 1:2 (UNCHANGEDSINCE 4) +FLAGS.SILENT (\\Deleted)"),
              "* OK [HIGHESTMODSEQ 5] highest mod-sequence\r\n* 1 FETCH (UID 1 MODSEQ (6))\r\n"
              "* 2 FETCH (FLAGS (\\Seen) UID 2 MODSEQ (5))\r\n"
              "a OK [MODIFIED 2] changed elsewhere since the client's mod-sequence: left alone\r\n");
    EXPECT_EQ(c.send("b UID STORE 3 (UNCHANGEDSINCE 4) FLAGS (\\Answered)"),
              "* 3 FETCH (FLAGS (\\Answered) UID 3 MODSEQ (7))\r\nb OK UID STORE completed\r\n");
    EXPECT_EQ(c.send("c UID STORE 3 (UNCHANGEDSINCE 6) FLAGS ()"),
              "c OK [MODIFIED 3] changed elsewhere since the client's mod-sequence: left alone\r\n");
}

// SEARCH MODSEQ n finds what changed at or after n, and says the highest mod-sequence of what it found
// (3.1.5); ESEARCH says it as MODSEQ too.
TEST(ImapCondstore, SearchModseqFindsChangesSince_Rfc7162_3_1_5)
{
    ModseqWorld w;
    Client c(w);
    c.select();
    c.send("a STORE 1 +FLAGS (\\Seen)"); // 5
    EXPECT_EQ(c.send("s SEARCH MODSEQ 4"), "* OK [HIGHESTMODSEQ 5] highest mod-sequence\r\n* SEARCH 1 3 "
                                           "(MODSEQ 5)\r\ns OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("t SEARCH MODSEQ \"/flags/\\\\seen\" all 5"),
              "* SEARCH 1 (MODSEQ 5)\r\nt OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("u SEARCH MODSEQ 6"), "* SEARCH\r\nu OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("v UID SEARCH RETURN (ALL) MODSEQ 2"),
              "* ESEARCH (TAG \"v\") UID ALL 1:3 MODSEQ 5\r\nv OK UID SEARCH completed\r\n");
    // With MIN or MAX alone, MODSEQ is that of the message named (RFC 4731 section 3.2).
    EXPECT_EQ(c.send("w SEARCH RETURN (MAX) MODSEQ 2"),
              "* ESEARCH (TAG \"w\") MAX 3 MODSEQ 4\r\nw OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("x SEARCH RETURN (MIN MAX) MODSEQ 2"),
              "* ESEARCH (TAG \"x\") MIN 1 MAX 3 MODSEQ 5\r\nx OK SEARCH completed\r\n");
}

// [SECTION] QRESYNC (RFC 7162 section 3.2)

// SELECT ... (QRESYNC ...) and UID FETCH ... (VANISHED) need ENABLE QRESYNC first; VANISHED only with UID
// FETCH and CHANGEDSINCE (3.2.3, 3.2.6).
TEST(ImapQresync, NeedsEnableAndTheRightCompany_Rfc7162_3_2_3)
{
    ModseqWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a SELECT INBOX (QRESYNC (100 1))"),
              "a BAD QRESYNC must be enabled first: ENABLE QRESYNC (RFC 7162 section 3.2.3)\r\n");
    c.select();
    EXPECT_EQ(c.send("b UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"),
              "b BAD VANISHED needs ENABLE QRESYNC first (RFC 7162 section 3.2.6)\r\n");
    // The first CONDSTORE enabling command with a mailbox selected says HIGHESTMODSEQ (RFC 7162 section 3.1).
    EXPECT_EQ(
        c.send("c ENABLE QRESYNC"),
        "* OK [HIGHESTMODSEQ 4] highest mod-sequence\r\n* ENABLED QRESYNC\r\nc OK ENABLE completed\r\n");
    EXPECT_EQ(c.send("d FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"),
              "d BAD VANISHED may only modify UID FETCH (RFC 7162 section 3.2.6)\r\n");
    EXPECT_EQ(
        c.send("e UID FETCH 1:* (FLAGS) (VANISHED)"),
        "e BAD VANISHED needs CHANGEDSINCE beside it, e.g. (CHANGEDSINCE 12345 VANISHED) (RFC 7162 section "
        "3.2.6)\r\n");
}

// The point of QRESYNC: one SELECT tells a returning client what vanished (VANISHED (EARLIER)) and what
// changed (FETCH with UID, FLAGS and MODSEQ) since the mod-sequence it knew (3.2.5.1). Another session
// selecting before it closes its mailbox with [CLOSED] (3.2.11).
TEST(ImapQresync, SelectCatchesUpInOneCommand_Rfc7162_3_2_5)
{
    ModseqWorld w;
    {
        Client laptop(w, 2);
        laptop.select();
        laptop.send("a STORE 1 +FLAGS (\\Seen)");                  // 5
        laptop.send("b STORE 3 +FLAGS (\\Deleted)");               // 6
        laptop.send("c UID MOVE 2 Archive");                       // 7: UID 2 vanishes
        EXPECT_TRUE(has(laptop.send("d EXPUNGE"), "* 2 EXPUNGE")); // 8: UID 3 vanishes
    }
    Client phone(w);
    EXPECT_EQ(phone.send("e ENABLE QRESYNC"), "* ENABLED QRESYNC\r\ne OK ENABLE completed\r\n");
    const std::string reply = phone.send("t SELECT INBOX (QRESYNC (100 4 1:3))");
    EXPECT_FALSE(has(reply, "CLOSED")) << reply;
    EXPECT_TRUE(has(reply, "* OK [HIGHESTMODSEQ 8] highest mod-sequence\r\n"
                           "* OK [MAILBOXID (M100)] mailbox id\r\n"
                           "* VANISHED (EARLIER) 2:3\r\n"
                           "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (5))\r\n"
                           "t OK [READ-WRITE] SELECT completed\r\n"))
        << reply;
    // Known UIDs narrow VANISHED to what the client holds; another UIDVALIDITY gets no news at all.
    const std::string again = phone.send("u SELECT INBOX (QRESYNC (100 4 3))");
    EXPECT_TRUE(has(again, "* OK [CLOSED] previous mailbox closed\r\n* FLAGS")) << again;
    EXPECT_TRUE(has(again, "* VANISHED (EARLIER) 3\r\n")) << again;
    const std::string stale = phone.send("v SELECT INBOX (QRESYNC (99 4))");
    EXPECT_FALSE(has(stale, "VANISHED")) << stale;
    EXPECT_FALSE(has(stale, "FETCH")) << stale;
}

// Once QRESYNC is on, expunges are told as VANISHED uid-set instead of EXPUNGE numbers (3.2.10), EXPUNGE's
// tagged OK carries the new HIGHESTMODSEQ (3.2.9, 3.1.2.1), and UID FETCH (CHANGEDSINCE n VANISHED) lists
// what went (3.2.6).
TEST(ImapQresync, ExpungesAreToldAsVanished_Rfc7162_3_2_10)
{
    ModseqWorld w;
    Client c(w);
    c.send("e ENABLE QRESYNC");
    c.select();
    EXPECT_EQ(c.send("a STORE 1,3 +FLAGS.SILENT (\\Deleted)"), "a OK STORE completed\r\n");
    EXPECT_EQ(c.send("b EXPUNGE"), "* VANISHED 1,3\r\nb OK [HIGHESTMODSEQ 8] EXPUNGE completed\r\n");
    EXPECT_EQ(c.send("c UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4 VANISHED)"),
              "* VANISHED (EARLIER) 1,3\r\nc OK UID FETCH completed\r\n");
    Client other(w, 2);
    other.select();
    other.send("d STORE 1 +FLAGS (\\Answered)");
    EXPECT_EQ(c.send("f NOOP"), "* 1 FETCH (FLAGS (\\Answered) UID 2 MODSEQ (9))\r\nf OK NOOP completed\r\n");
}

// [SECTION] ESEARCH (RFC 4731)

// SEARCH RETURN (...) answers in one ESEARCH line tagged with the command's tag; MIN, MAX and ALL are left
// out when nothing matched, COUNT is 0; RETURN () means ALL (section 3.1).
TEST(ImapEsearch, ReturnOptionsAnswerInOneLine_Rfc4731_3_1)
{
    ModseqWorld w;
    Client c(w);
    c.select();
    EXPECT_EQ(c.send("a SEARCH RETURN (MIN MAX COUNT) ALL"),
              "* ESEARCH (TAG \"a\") MIN 1 MAX 3 COUNT 3\r\na OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("b UID SEARCH RETURN () 2:3"),
              "* ESEARCH (TAG \"b\") UID ALL 2:3\r\nb OK UID SEARCH completed\r\n");
    EXPECT_EQ(c.send("c SEARCH RETURN (MIN ALL COUNT) DELETED"),
              "* ESEARCH (TAG \"c\") COUNT 0\r\nc OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("d SEARCH RETURN (BIGGEST) ALL"),
              "d BAD unknown return option \"BIGGEST\"; the options are MIN, MAX, ALL, COUNT, SAVE, CONTEXT, "
              "UPDATE "
              "and PARTIAL first:last (RFC 4731 section 3.1, RFC 5182, RFC 5267)\r\n");
    imap::SessionOptions off;
    off.capabilitiesOff = {"ESEARCH"};
    Client plain(w, 2, off);
    plain.select();
    EXPECT_EQ(plain.send("e SEARCH RETURN (COUNT) ALL"), "e BAD SEARCH RETURN is not offered here\r\n");
}

} // namespace
} // namespace maillab::test
