// IMAP4rev2 (RFC 9051) beside IMAP4rev1 (RFC 3501): a session answers as IMAP4rev1 until the client sends
// ENABLE IMAP4rev2 (RFC 9051 appendix A), then by RFC 9051's rules (its appendix E); UTF8=ACCEPT (RFC 6855);
// modified UTF-7 (RFC 3501 section 5.1.3); the golden transcripts of one session in each revision; and the
// simulated device, which enables IMAP4rev2 when offered and reads ESEARCH.
//
// Golden transcripts: after an intended change, regenerate with
//   MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests --gtest_filter='ImapRev2.*Golden*'
// and read the diff against RFC 3501 and RFC 9051 before keeping it.
#include "imap/imap_names.hpp"
#include "imap_test_client.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "store/store.hpp"
#include "test_support.hpp"
#include "util/text.hpp"
#include "wire/clock.hpp"
#include "wire/transcript.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace maillab::test {
namespace {

// carol's INBOX holds three messages: 1 seen, 2 unseen, 3 unseen and \Recent. Besides INBOX she has Work and
// "Été", stored in modified UTF-7 as an IMAP4rev1 client created it.
struct Rev2World {
    wire::VirtualClock clock;
    store::Store store{200};
    Rev2World()
    {
        store.addAccount("carol", "pw");
        store.createMailbox("carol", "Work");
        store.createMailbox("carol", "&AMk-t&AOk-");
        deliver("one", store::kSeen);
        deliver("two", 0);
        deliver("three", store::kRecent);
    }
    void deliver(const std::string& subject, uint8_t flags)
    {
        store.deliver("carol", "INBOX", "Subject: " + subject + "\r\n\r\nhello\r\n",
                      mail::DateTime{clock.nowSeconds(), 0}, flags);
    }
};

imap::SessionOptions withRev2()
{
    imap::SessionOptions options;
    options.capabilitiesOn = {"IMAP4rev2", "UTF8=ACCEPT"};
    return options;
}

// One connection of carol's, logged in.
struct Client : ImapTestClient {
    explicit Client(Rev2World& world, int id = 1, imap::SessionOptions options = withRev2())
        : ImapTestClient(world.store, world.clock, "carol", id, std::move(options))
    {
    }
    void enableRev2()
    {
        EXPECT_EQ(send("e ENABLE IMAP4rev2"), "* ENABLED IMAP4rev2\r\ne OK ENABLE completed\r\n");
    }
};

bool has(const std::string& reply, std::string_view text)
{
    return reply.find(text) != std::string::npos;
}

// [SECTION] modified UTF-7 (RFC 3501 section 5.1.3)

TEST(ImapRev2, ModifiedUtf7BothWays_Rfc3501_5_1_3)
{
    // The RFC's own example: "~peter/mail/台北/日本語".
    const std::string utf8 = "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";
    EXPECT_EQ(imap::encodeModifiedUtf7(utf8), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(imap::decodeModifiedUtf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), utf8);
    EXPECT_EQ(imap::encodeModifiedUtf7("Tom & Jerry"), "Tom &- Jerry");
    EXPECT_EQ(imap::decodeModifiedUtf7("Tom &- Jerry"), "Tom & Jerry");
    EXPECT_EQ(imap::encodeModifiedUtf7("\xC3\x89t\xC3\xA9"), "&AMk-t&AOk-"); // Été
    // Outside the BMP: a surrogate pair (U+1F600).
    EXPECT_EQ(imap::decodeModifiedUtf7(imap::encodeModifiedUtf7("\xF0\x9F\x98\x80")), "\xF0\x9F\x98\x80");
}

TEST(ImapRev2, ModifiedUtf7RefusesWhatIsNotCanonical_Rfc3501_5_1_3)
{
    EXPECT_FALSE(imap::decodeModifiedUtf7("caf\xC3\xA9")); // raw 8-bit
    EXPECT_FALSE(imap::decodeModifiedUtf7("&AOk"));        // the shift never ends
    EXPECT_FALSE(imap::decodeModifiedUtf7("&AGE-"));       // "a" shifted: printable ASCII goes as itself
    EXPECT_FALSE(imap::decodeModifiedUtf7("&AOk/-"));      // "/" is not in modified base64 ("," is)
    EXPECT_FALSE(imap::decodeModifiedUtf7("&AOl-"));       // padding bits that are not zero
    EXPECT_FALSE(imap::decodeModifiedUtf7("&2D0-"));       // a lone high surrogate
}

// [SECTION] advertising and ENABLE

TEST(ImapRev2, OfferedOnlyWhenSwitchedOnUntilTheRestOfRev2IsHere_Rfc9051_AppendixE)
{
    Rev2World w;
    imap::SessionOptions notOffered;
    notOffered.capabilitiesOff = {"IMAP4rev2", "UTF8=ACCEPT"}; // as a server without them
    Client plain(w, 1, notOffered);
    EXPECT_FALSE(has(plain.greeting(), "IMAP4rev2"));
    EXPECT_FALSE(has(plain.greeting(), "UTF8=ACCEPT"));
    // Not offered: ENABLE leaves it out and nothing changes (RFC 5161 section 3.1).
    EXPECT_EQ(plain.send("e ENABLE IMAP4rev2 UTF8=ACCEPT"), "* ENABLED\r\ne OK ENABLE completed\r\n");
    EXPECT_FALSE(plain.session().rev2Enabled());
    EXPECT_TRUE(has(plain.send("s SELECT INBOX"), "* 1 RECENT\r\n"));

    Client both(w, 2);
    // Both revisions advertised: the server answers as IMAP4rev1 until ENABLE (RFC 9051 section 6.1.1).
    EXPECT_TRUE(has(both.greeting(), "[CAPABILITY IMAP4rev1 "));
    EXPECT_TRUE(has(both.greeting(), " IMAP4rev2 UTF8=ACCEPT "));
    EXPECT_FALSE(both.session().rev2Enabled());
    both.enableRev2();
    EXPECT_TRUE(both.session().rev2Enabled());
    EXPECT_TRUE(both.session().utf8Enabled());
    // The lesson toggle still wins over the switch.
    imap::SessionOptions off = withRev2();
    off.capabilitiesOff = {"IMAP4rev2"};
    Client refused(w, 3, off);
    EXPECT_FALSE(has(refused.greeting(), "IMAP4rev2"));
    EXPECT_EQ(refused.send("e ENABLE IMAP4rev2"), "* ENABLED\r\ne OK ENABLE completed\r\n");
}

// [SECTION] the rules after ENABLE IMAP4rev2

TEST(ImapRev2, SelectHasNoRecentNoUnseenButALine_Rfc9051_6_3_2)
{
    Rev2World w;
    Client c(w);
    c.enableRev2();
    const std::string reply = c.send("s SELECT INBOX");
    EXPECT_FALSE(has(reply, "RECENT")) << reply;
    EXPECT_FALSE(has(reply, "[UNSEEN ")) << reply;
    EXPECT_TRUE(has(reply, "* 3 EXISTS\r\n")) << reply;
    EXPECT_TRUE(has(reply, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n")) << reply;
    EXPECT_TRUE(has(reply, "* OK [UIDVALIDITY ")) << reply;
    // No \Recent in FLAGS or in FETCH (appendix E item 12); message 3 is recent all the same.
    EXPECT_FALSE(has(reply, "\\Recent")) << reply;
    EXPECT_EQ(c.send("f FETCH 3 FLAGS"), "* 3 FETCH (FLAGS ())\r\nf OK FETCH completed\r\n");
}

TEST(ImapRev2, ClosedWhenAnotherMailboxIsSelectedEvenWithoutCondstore_Rfc9051_6_3_2)
{
    Rev2World w;
    imap::SessionOptions options = withRev2();
    options.capabilitiesOff = {"CONDSTORE"};
    Client rev1(w, 1, options);
    rev1.send("s SELECT INBOX");
    EXPECT_FALSE(has(rev1.send("t SELECT Work"), "[CLOSED]"));
    Client rev2(w, 2, options);
    rev2.enableRev2();
    rev2.send("s SELECT INBOX");
    const std::string reply = rev2.send("t SELECT Work");
    EXPECT_EQ(reply.substr(0, reply.find("\r\n")), "* OK [CLOSED] previous mailbox closed") << reply;
    // A failed SELECT still closed the old one first.
    EXPECT_TRUE(has(rev2.send("u SELECT Nowhere"), "* OK [CLOSED] "));
}

TEST(ImapRev2, SearchIsAnsweredWithEsearch_Rfc9051_6_4_4)
{
    Rev2World w;
    Client c(w);
    c.enableRev2();
    c.send("s SELECT INBOX");
    // Without RETURN it is RETURN (ALL) (section 6.4.4), as ESEARCH (section 7.3.4).
    EXPECT_EQ(c.send("a SEARCH UNSEEN"), "* ESEARCH (TAG \"a\") ALL 2:3\r\na OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("b UID SEARCH ALL"),
              "* ESEARCH (TAG \"b\") UID ALL 1:3\r\nb OK UID SEARCH completed\r\n");
    // Nothing found: no ALL at all (section 7.3.4).
    EXPECT_EQ(c.send("c SEARCH DELETED"), "* ESEARCH (TAG \"c\")\r\nc OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("d SEARCH RETURN (COUNT MIN) UNSEEN"),
              "* ESEARCH (TAG \"d\") MIN 2 COUNT 2\r\nd OK SEARCH completed\r\n");
}

// SEARCHRES is part of IMAP4rev2 (appendix E item 2): SAVE still answers only what RETURN asks, and a
// SEARCH without RETURN leaves "$" alone (RFC 9051 section 6.4.4.1).
TEST(ImapRev2, SavedResultWorksBesideTheImplicitEsearch_Rfc9051_6_4_4_1)
{
    Rev2World w;
    Client c(w);
    c.enableRev2();
    c.send("s SELECT INBOX");
    EXPECT_EQ(c.send("a SEARCH RETURN (SAVE) UNSEEN"), "a OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("b SEARCH SEEN"), "* ESEARCH (TAG \"b\") ALL 1\r\nb OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("f FETCH $ (UID)"),
              "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\nf OK FETCH completed\r\n");
}

TEST(ImapRev2, RecentNewAndOldAreGoneFromSearch_Rfc9051_AppendixE_12)
{
    Rev2World w;
    Client rev1(w, 1);
    rev1.send("s SELECT INBOX");
    EXPECT_EQ(rev1.send("a SEARCH NEW"), "* SEARCH 3\r\na OK SEARCH completed\r\n");
    Client c(w, 2);
    c.enableRev2();
    c.send("s SELECT INBOX");
    for (const char* key : {"RECENT", "NEW", "OLD", "NOT (SEEN OR FLAGGED RECENT)"}) {
        const std::string reply = c.send(std::string("a SEARCH ") + key);
        EXPECT_TRUE(
            std::string_view(reply).starts_with("a BAD the search keys RECENT, NEW and OLD were removed"))
            << reply;
    }
}

TEST(ImapRev2, StatusHasDeletedAndNoRecent_Rfc9051_6_3_11)
{
    Rev2World w;
    Client rev1(w, 1);
    // IMAP4rev1 knows DELETED only from QUOTA=RES-MESSAGE (RFC 9208 section 4.1.4), offered here.
    EXPECT_TRUE(has(rev1.send("a STATUS INBOX (DELETED)"), "* STATUS INBOX (DELETED 0)\r\n"));
    EXPECT_TRUE(has(rev1.send("b STATUS INBOX (RECENT)"), "* STATUS INBOX (RECENT 1)\r\n"));
    Client c(w, 2);
    c.enableRev2();
    c.send("s SELECT INBOX");
    c.send("t STORE 1:2 +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(c.send("a STATUS INBOX (MESSAGES DELETED UNSEEN)"),
              "* STATUS INBOX (MESSAGES 3 DELETED 2 UNSEEN 2)\r\na OK STATUS completed\r\n");
    EXPECT_EQ(c.send("b STATUS INBOX (MESSAGES RECENT)"),
              "b BAD STATUS RECENT was removed in IMAP4rev2 (RFC 9051 appendix E item 12)\r\n");
}

TEST(ImapRev2, CheckIsGoneUseNoop_Rfc9051_AppendixE_17)
{
    Rev2World w;
    Client c(w);
    c.send("s SELECT INBOX");
    EXPECT_EQ(c.send("a CHECK"), "a OK CHECK completed\r\n");
    c.send("u UNSELECT");
    c.enableRev2();
    c.send("s SELECT INBOX");
    EXPECT_EQ(c.send("b CHECK"),
              "b BAD CHECK was removed in IMAP4rev2: use NOOP (RFC 9051 appendix E item 17)\r\n");
    // LSUB is deprecated, not removed: it still answers (appendix E item 19).
    const std::string lsub = c.send("d LSUB \"\" \"W*\"");
    EXPECT_EQ(lsub, "* LSUB (\\HasNoChildren) \"/\" Work\r\nd OK LSUB completed\r\n");
}

TEST(ImapRev2, NewsCarriesUidsAndNoRecent_Rfc9051_7_5_2)
{
    Rev2World w;
    Client c(w);
    c.enableRev2();
    c.send("s SELECT INBOX");
    Client other(w, 2);
    other.send("s SELECT INBOX");
    other.send("t STORE 2 +FLAGS (\\Flagged)");
    w.deliver("four", store::kRecent);
    // Every unsolicited FETCH names the UID (appendix E item 21); EXISTS comes without RECENT (item 12).
    EXPECT_EQ(c.send("n NOOP"),
              "* 4 EXISTS\r\n* 2 FETCH (FLAGS (\\Flagged) UID 2)\r\nn OK NOOP completed\r\n");
}

// [SECTION] mailbox names in UTF-8 (RFC 9051 section 5.1, appendix A.1)

TEST(ImapRev2, NamesAreUtf8OnTheWireAndModifiedUtf7ForRev1_Rfc9051_5_1)
{
    Rev2World w;
    Client rev1(w, 1);
    Client rev2(w, 2);
    rev2.enableRev2();
    // One folder, two spellings: what IMAP4rev1 stored is UTF-8 for IMAP4rev2, and the other way round.
    EXPECT_TRUE(
        has(rev2.send("a LIST \"\" \"*\""), "* LIST (\\HasNoChildren) \"/\" \"\xC3\x89t\xC3\xA9\"\r\n"));
    EXPECT_TRUE(has(rev2.send("b CREATE \"Caf\xC3\xA9\""), "] CREATE completed\r\n"));
    EXPECT_NE(w.store.mailbox("carol", "Caf&AOk-"), nullptr);
    EXPECT_TRUE(has(rev1.send("c LIST \"\" \"Caf*\""), "* LIST (\\HasNoChildren) \"/\" Caf&AOk-\r\n"));
    EXPECT_TRUE(
        has(rev2.send("d STATUS \"Caf\xC3\xA9\" (MESSAGES)"), "* STATUS \"Caf\xC3\xA9\" (MESSAGES 0)\r\n"));
    // "&" is a plain character in UTF-8 names: stored as "&-".
    EXPECT_TRUE(has(rev2.send("e CREATE \"R&D\""), "] CREATE completed\r\n"));
    EXPECT_NE(w.store.mailbox("carol", "R&-D"), nullptr);
    const std::string selected = rev2.send("f SELECT \"Caf\xC3\xA9\"");
    EXPECT_TRUE(has(selected, "* LIST (\\HasNoChildren) \"/\" \"Caf\xC3\xA9\"\r\n")) << selected;
}

TEST(ImapRev2, EightBitNamesAreRefusedWhenNotUtf8_Rfc9051_4_3)
{
    Rev2World w;
    Client rev1(w, 1);
    // IMAP4rev1 quoted strings are 7-bit (RFC 3501 section 4.3).
    EXPECT_TRUE(std::string_view(rev1.send("a CREATE \"Caf\xC3\xA9\""))
                    .starts_with("a BAD a quoted string holds only 7-bit"));
    Client rev2(w, 2);
    rev2.enableRev2();
    // A quoted string and a literal must be UTF-8 (section 4.3, section 5.1); Latin-1 is not.
    EXPECT_TRUE(std::string_view(rev2.send("b CREATE \"Caf\xE9\""))
                    .starts_with("b BAD a quoted string may hold 8-bit text only"));
    EXPECT_EQ(
        rev2.send("c CREATE {4+}\r\nCaf\xE9"),
        "c BAD a mailbox name is UTF-8 once IMAP4rev2 or UTF8=ACCEPT is enabled (RFC 9051 section 5.1, RFC "
        "6855 section 3)\r\n");
    EXPECT_EQ(w.store.account("carol")->mailboxes.size(), 3u); // nothing was created
}

// [SECTION] UTF8=ACCEPT (RFC 6855)

TEST(ImapRev2, Utf8AcceptSwitchesNamesAndRefusesCharset_Rfc6855_3)
{
    Rev2World w;
    Client c(w);
    EXPECT_EQ(c.send("e ENABLE UTF8=ACCEPT"), "* ENABLED UTF8=ACCEPT\r\ne OK ENABLE completed\r\n");
    EXPECT_FALSE(c.session().rev2Enabled());
    EXPECT_TRUE(has(c.send("a LIST \"\" \"%\""), "\"\xC3\x89t\xC3\xA9\"\r\n"));
    const std::string selected = c.send("s SELECT \"\xC3\x89t\xC3\xA9\"");
    EXPECT_TRUE(has(selected, "s OK [READ-WRITE]")) << selected;
    EXPECT_TRUE(has(selected, "* 0 RECENT\r\n")) << selected; // still IMAP4rev1's responses
    EXPECT_EQ(c.send("b SEARCH CHARSET UTF-8 ALL"),
              "b BAD no CHARSET after ENABLE UTF8=ACCEPT: search text is UTF-8 (RFC 6855 section 3)\r\n");
}

TEST(ImapRev2, AppendUtf8LiteralOnlyAfterEnable_Rfc6855_4)
{
    Rev2World w;
    const std::string message = "Subject: Gr\xC3\xBC\xC3\x9F"
                                "e\r\n\r\nhi\r\n";
    const std::string append =
        "a APPEND Work UTF8 (~{" + std::to_string(message.size()) + "+}\r\n" + message + ")";
    Client before(w, 1);
    EXPECT_EQ(before.send(append),
              "a BAD APPEND UTF8 (~{n}) needs ENABLE UTF8=ACCEPT first (RFC 6855 section 4)\r\n");
    Client c(w, 2);
    c.send("e ENABLE UTF8=ACCEPT");
    EXPECT_TRUE(std::string_view(c.send(append)).starts_with("a OK [APPENDUID ")) << append;
    ASSERT_EQ(w.store.mailbox("carol", "Work")->messages.size(), 1u);
    EXPECT_EQ(w.store.mailbox("carol", "Work")->messages[0].copyBytes(), message);
    EXPECT_TRUE(std::string_view(c.send("b APPEND Work UTF8 (~{3+}\r\nabc"))
                    .starts_with("b BAD APPEND UTF8 (~{n}...) is missing"));
}

// [SECTION] golden transcripts: one session, IMAP4rev1 and after ENABLE IMAP4rev2

// The same session in both revisions: the client's lines differ only in ENABLE and in how it spells a
// non-ASCII name; everything else that differs is the server following RFC 3501 or RFC 9051.
std::string sessionTranscript(bool rev2)
{
    Rev2World w;
    imap::ImapSession session(w.store, w.clock, 1, withRev2());
    std::string out;
    auto server = [&](const std::string& bytes) {
        for (size_t pos = 0, end; pos < bytes.size(); pos = end + 2) {
            end = bytes.find("\r\n", pos);
            if (end == std::string::npos) end = bytes.size();
            out += "S: " + bytes.substr(pos, end - pos) + "\n";
        }
    };
    auto client = [&](const std::string& line) {
        out += "C: " + line + "\n";
        server(session.receive(line + "\r\n"));
    };
    out += rev2 ? "-- IMAP4rev2 (RFC 9051) after ENABLE IMAP4rev2 --\n" : "-- IMAP4rev1 (RFC 3501) --\n";
    server(session.greeting());
    client("a1 LOGIN carol pw");
    if (rev2) client("a2 ENABLE IMAP4rev2");
    client("a3 SELECT INBOX");
    client("a4 SEARCH UNSEEN");
    client("a5 UID SEARCH ALL");
    client("a6 SEARCH NEW");
    client("a7 FETCH 1:* FLAGS");
    client("a8 STORE 1 +FLAGS (\\Deleted)");
    out += "-- meanwhile another device flags message 2 and a new message arrives --\n";
    {
        imap::ImapSession other(w.store, w.clock, 2);
        other.greeting();
        other.receive("b1 LOGIN carol pw\r\nb2 SELECT INBOX\r\nb3 STORE 2 +FLAGS.SILENT (\\Flagged)\r\n");
    }
    w.deliver("four", store::kRecent);
    client("a9 NOOP");
    client("a10 EXPUNGE");
    client(rev2 ? "a11 CREATE \"Caf\xC3\xA9\"" : "a11 CREATE \"Caf&AOk-\"");
    client("a12 LIST \"\" \"*\"");
    client("a13 STATUS INBOX (MESSAGES RECENT UNSEEN)");
    client("a14 STATUS INBOX (MESSAGES DELETED UNSEEN)");
    client("a15 CHECK");
    client("a16 SELECT Work");
    client("a17 LOGOUT");
    return out;
}

TEST(ImapRev2, Rev1SessionMatchesGolden_Rfc3501)
{
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / "imap-session-rev1.txt",
                          sessionTranscript(false));
}

TEST(ImapRev2, Rev2SessionMatchesGolden_Rfc9051)
{
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / "imap-session-rev2.txt",
                          sessionTranscript(true));
}

// [SECTION] the simulated device

scenario::Scenario catchUpLesson(const std::string& capabilities)
{
    std::string text = readFile(sourceDir() / "lessons" / "18-phone-catches-up.json");
    text.insert(text.rfind("\"steps\""), "\"server\": {\"capabilities\": " + capabilities + "},\n  ");
    auto loaded = scenario::parseScenario(text, "18-phone-catches-up");
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) ADD_FAILURE() << error->message;
    return std::get<scenario::Scenario>(loaded);
}

std::string wireText(const scenario::Simulation& sim, wire::Direction direction)
{
    std::string out;
    for (const wire::TranscriptEntry& e : sim.transcript().entries())
        if (e.kind == wire::TranscriptEntry::Kind::Data && e.direction == direction) out += e.bytes;
    return out;
}

// Offered IMAP4rev2, the phone enables it after login (RFC 9051 appendix A) and still catches up: its search
// for the UIDs still there is answered with ESEARCH, with RETURN (ALL) when ESEARCH is advertised and without
// it when not, since IMAP4rev2 answers every SEARCH so (section 6.4.4).
TEST(ImapRev2, DeviceEnablesRev2AndReadsEsearch_Rfc9051_6_4_4)
{
    for (const char* capabilities : {R"({"IMAP4rev2": true, "QRESYNC": false})",
                                     R"({"IMAP4rev2": true, "QRESYNC": false, "ESEARCH": false})"}) {
        scenario::Simulation sim(catchUpLesson(capabilities));
        sim.run();
        const std::string sent = wireText(sim, wire::Direction::ClientToServer);
        const std::string received = wireText(sim, wire::Direction::ServerToClient);
        EXPECT_TRUE(has(sent, " ENABLE IMAP4rev2\r\n")) << capabilities;
        EXPECT_TRUE(has(received, "* ENABLED IMAP4rev2\r\n")) << capabilities;
        EXPECT_TRUE(has(sent, " UID SEARCH ")) << capabilities;
        EXPECT_FALSE(has(received, "* SEARCH")) << capabilities;
        EXPECT_TRUE(has(received, "* ESEARCH (TAG ")) << capabilities;
        EXPECT_FALSE(has(received, " RECENT\r\n")) << capabilities;
        // The same inbox on the phone as in IMAP4rev1: two messages gone, fifteen left.
        EXPECT_EQ(sim.devices().front()->local.messages().size(), 15u) << capabilities;
    }
    // Not offered: the phone does not ask.
    scenario::Simulation rev1(catchUpLesson(R"({"IMAP4rev2": false, "QRESYNC": false})"));
    rev1.run();
    EXPECT_FALSE(has(wireText(rev1, wire::Direction::ClientToServer), "ENABLE IMAP4rev2"));
}

} // namespace
} // namespace maillab::test
