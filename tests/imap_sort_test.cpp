// SORT and THREAD (RFC 5256), SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267) in the IMAP session: the base
// subject, the sent date, addresses as sort keys, REVERSE, ties, UID forms, THREAD=ORDEREDSUBJECT and
// THREAD=REFERENCES with dummies, duplicates, loops and subject merging; and the errors each RFC names.
// The messages are written for these tests.
#include "imap/imap_sort.hpp"
#include "imap_test_client.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <variant>

namespace maillab::test {
namespace {

constexpr int64_t kDay = 1795683600; // 2026-11-26 09:00 UTC

// An empty account; each test delivers its messages, so they get sequence numbers 1, 2, ... in that order.
struct SortWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    SortWorld() { store.addAccount("dave", "pw"); }
    // `arrival` is seconds after kDay, the internal date (RFC 3501 section 2.3.3).
    void deliver(const std::string& header, int64_t arrival = 0, const std::string& body = "hi\r\n")
    {
        ASSERT_NE(store.deliver("dave", "INBOX", header + "\r\n" + body, mail::DateTime{kDay + arrival, 0}),
                  0u);
    }
};

struct Client : ImapTestClient {
    explicit Client(SortWorld& world, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, "dave", 1, std::move(options))
    {
    }
};

std::string sorted(const std::string& numbers, const std::string& tag = "t", const std::string& name = "SORT")
{
    return "* SORT" + numbers + "\r\n" + tag + " OK " + name + " completed\r\n";
}
std::string threaded(const std::string& threads, const std::string& tag = "t",
                     const std::string& name = "THREAD")
{
    return "* THREAD" + threads + "\r\n" + tag + " OK " + name + " completed\r\n";
}

// [SECTION] the base subject (RFC 5256 section 2.1)

TEST(ImapSort, BaseSubjectTakesOffLeadersTrailersAndForwardWrappers_Rfc5256_2_1)
{
    bool reply = true;
    EXPECT_EQ(imap::baseSubject("Lab report", &reply), "Lab report");
    EXPECT_FALSE(reply);
    EXPECT_EQ(imap::baseSubject("Re: Lab report", &reply), "Lab report");
    EXPECT_TRUE(reply);
    // Step 1: tabs and runs of spaces become one space; steps 3 and 5: leaders, again and again, with
    // blobs before and inside them; step 2: "(fwd)" and spaces at the end.
    EXPECT_EQ(imap::baseSubject("[list] Fwd: [x] RE[2]:\tFW:  Lab   report (fwd)  (FWD) "), "Lab report");
    // Step 4: a leading blob goes only if something is left after it.
    EXPECT_EQ(imap::baseSubject("[list] Lab report", &reply), "Lab report");
    EXPECT_FALSE(reply); // a blob alone does not make a reply
    EXPECT_EQ(imap::baseSubject("[list]"), "[list]");
    // Step 6: "[fwd: ...]" around everything is unwrapped, and the steps start again inside it.
    EXPECT_EQ(imap::baseSubject("re: [fwd: [Fwd: re: [fwd: babylon]]]", &reply), "babylon");
    EXPECT_TRUE(reply);
    // Only Re, Fw and Fwd are leaders; "Ad:" stays, and so does what follows it.
    EXPECT_EQ(imap::baseSubject("Ad: Re: x"), "Ad: Re: x");
    // Encoded-words are decoded first (step 1), so an encoded "Re:" is a leader too.
    EXPECT_EQ(imap::baseSubject("=?us-ascii?b?UmU6IGM=?=", &reply), "c");
    EXPECT_TRUE(reply);
    EXPECT_EQ(imap::baseSubject("=?iso-8859-1?q?_?="), "");
}

TEST(ImapSort, StringsCompareByAsciiCasemap_Rfc5256_3_Rfc4790_9_2)
{
    // i;ascii-casemap maps a-z to A-Z before comparing octets: "[" (0x5B) sorts after "C", "_" after "[".
    EXPECT_EQ(imap::compareCasemap("abc", "ABC"), 0);
    EXPECT_LT(imap::compareCasemap("c", "[xyz]"), 0);
    EXPECT_LT(imap::compareCasemap("[xyz]", "_"), 0);
    EXPECT_LT(imap::compareCasemap("a", "ab"), 0);
}

// [SECTION] the parser (RFC 5256 section 4, RFC 5267 section 3)

TEST(ImapSort, ParsesCriteriaReverseCharsetAndReturnOptions_Rfc5256_4_Rfc5267_3)
{
    auto parsed = imap::parseCommand("a UID SORT RETURN (MIN) (REVERSE date DisplayTo) utf-8 NOT SEEN\r\n");
    const auto* command = std::get_if<imap::Command>(&parsed);
    ASSERT_NE(command, nullptr) << std::get<imap::ParseError>(parsed).message;
    EXPECT_EQ(command->name, imap::CommandName::Sort);
    EXPECT_TRUE(command->uid);
    ASSERT_EQ(command->sortCriteria.size(), 2u);
    EXPECT_EQ(command->sortCriteria[0].key, imap::SortCriterion::Key::Date);
    EXPECT_TRUE(command->sortCriteria[0].reverse);
    EXPECT_EQ(command->sortCriteria[1].key, imap::SortCriterion::Key::DisplayTo);
    EXPECT_FALSE(command->sortCriteria[1].reverse);
    EXPECT_EQ(command->charset, "UTF-8");
    ASSERT_TRUE(command->searchReturn.has_value());
    EXPECT_TRUE(command->searchReturn->min);
    EXPECT_FALSE(command->searchReturn->all);
    ASSERT_EQ(command->search.children.size(), 1u);
    EXPECT_EQ(command->search.children[0].kind, imap::SearchKey::Kind::Not);
    EXPECT_EQ(imap::commandWireName(*command), "UID SORT");

    parsed = imap::parseCommand("b THREAD orderedsubject US-ASCII ALL\r\n");
    command = std::get_if<imap::Command>(&parsed);
    ASSERT_NE(command, nullptr);
    EXPECT_EQ(command->threadAlgorithm, imap::ThreadAlgorithm::OrderedSubject);
    EXPECT_EQ(command->charset, "US-ASCII");
}

// [SECTION] SORT (RFC 5256 section 3)

TEST(ImapSort, SubjectSortsByBaseSubjectThenSequenceNumber_Rfc5256_3)
{
    SortWorld w;
    w.deliver("Subject: Re: beta\r\n");
    w.deliver("Subject: alpha\r\n");
    w.deliver("Subject: [list] Beta\r\n");
    w.deliver(""); // no Subject: the empty string, first
    w.deliver("Subject: =?utf-8?q?Fwd:_Alpha?=\r\n");
    Client c(w);
    c.select();
    EXPECT_EQ(c.send("t SORT (SUBJECT) UTF-8 ALL"), sorted(" 4 2 5 1 3"));
    // REVERSE turns only its own key around: equal subjects stay in sequence order (section 3).
    EXPECT_EQ(c.send("t SORT (REVERSE SUBJECT) US-ASCII ALL"), sorted(" 1 3 2 5 4"));
    EXPECT_EQ(c.send("t SORT (SUBJECT REVERSE ARRIVAL) UTF-8 ALL"), sorted(" 4 2 5 1 3"));
}

TEST(ImapSort, DateIsTheSentDateInUtcOrElseTheInternalDate_Rfc5256_2_2)
{
    SortWorld w;
    w.deliver("Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n", 500); // 09:00 UTC
    w.deliver("Date: Thu, 26 Nov 2026 08:30:00 -0100\r\n", 100); // 09:30 UTC
    w.deliver("", 1200);                                         // no Date: its internal date, 09:20 UTC
    w.deliver("Date: not a date at all\r\n", 60);                // unreadable: internal date, 09:01 UTC
    w.deliver("Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n", 0);   // the same moment as message 1
    Client c(w);
    c.select();
    EXPECT_EQ(c.send("t SORT (DATE) UTF-8 ALL"), sorted(" 1 5 4 3 2"));
    EXPECT_EQ(c.send("t SORT (REVERSE DATE) UTF-8 ALL"), sorted(" 2 3 4 1 5"));
    // ARRIVAL is the internal date alone.
    EXPECT_EQ(c.send("t SORT (ARRIVAL) UTF-8 ALL"), sorted(" 5 4 2 1 3"));
}

TEST(ImapSort, AddressKeysCompareTheFirstMailboxAndSizeTheOctets_Rfc5256_3)
{
    SortWorld w;
    w.deliver("From: Zed <bob@example.org>, amy@example.org\r\nCc: team: carol@example.org;\r\n", 0,
              std::string(300, 'x') + "\r\n");
    w.deliver("From: \"Aaron\" <carol@example.org>\r\nTo: dave@example.org\r\n", 0, "1\r\n");
    w.deliver("To: Bob <alice@example.org>\r\nCc: bea@example.org\r\n", 0, std::string(100, 'x') + "\r\n");
    Client c(w);
    c.select();
    // FROM: the local part of the first address, not its display name: bob, carol; none sorts first.
    EXPECT_EQ(c.send("t SORT (FROM) UTF-8 ALL"), sorted(" 3 1 2"));
    EXPECT_EQ(c.send("t SORT (TO) UTF-8 ALL"), sorted(" 1 3 2"));
    // A group's start counts as an address named like the group, as in ENVELOPE: "team" after "bea".
    EXPECT_EQ(c.send("t SORT (CC) UTF-8 ALL"), sorted(" 2 3 1"));
    EXPECT_EQ(c.send("t SORT (SIZE) UTF-8 ALL"), sorted(" 2 3 1"));
    EXPECT_EQ(c.send("t SORT (REVERSE SIZE) UTF-8 ALL"), sorted(" 1 3 2"));
}

TEST(ImapSort, DisplayKeysUseTheDecodedNameOrElseTheAddress_Rfc5957_3)
{
    SortWorld w;
    w.deliver("From: =?iso-8859-1?q?Zo=EB?= <amy@example.org>\r\nTo: undisclosed-recipients:;\r\n");
    w.deliver("From: bob@example.org\r\nTo: \"Mallory\" <a@example.org>\r\n");
    w.deliver("From: \"Carol\" <zz@example.org>\r\n");
    Client c(w);
    c.select();
    // "bob@example.org" (no name), "Carol", "Zoë": the name decoded from RFC 2047.
    EXPECT_EQ(c.send("t SORT (DISPLAYFROM) UTF-8 ALL"), sorted(" 2 3 1"));
    // No To sorts first; a group by its name.
    EXPECT_EQ(c.send("t SORT (DISPLAYTO) UTF-8 ALL"), sorted(" 3 2 1"));
    EXPECT_EQ(c.send("t SORT (REVERSE DISPLAYFROM) UTF-8 ALL"), sorted(" 1 3 2"));
}

TEST(ImapSort, SortsOnlyWhatTheSearchKeysMatchAndUidSortNamesUids_Rfc5256_3)
{
    SortWorld w;
    w.deliver("Subject: c\r\n");
    w.deliver("Subject: b\r\n");
    w.deliver("Subject: a\r\n");
    w.deliver("Subject: d\r\n");
    Client c(w);
    c.select();
    EXPECT_NE(c.send("t STORE 1 +FLAGS (\\Deleted)").find("t OK"), std::string::npos);
    EXPECT_NE(c.send("x EXPUNGE").find("* 1 EXPUNGE\r\nx OK"), std::string::npos);
    // Now UIDs 2, 3, 4 are sequence numbers 1, 2, 3.
    EXPECT_EQ(c.send("t SORT (SUBJECT) UTF-8 NOT SUBJECT d"), sorted(" 2 1"));
    EXPECT_EQ(c.send("u UID SORT (SUBJECT) UTF-8 ALL"), sorted(" 3 2 4", "u", "UID SORT"));
    EXPECT_EQ(c.send("t SORT (SUBJECT) UTF-8 SUBJECT nothing-like-this"), sorted(""));
}

// [SECTION] ESORT (RFC 5267 section 3)

TEST(ImapSort, SortReturnAnswersWithEsearchInSortOrder_Rfc5267_3_1)
{
    SortWorld w;
    for (const char* subject : {"c", "a", "b", "d", "e"})
        w.deliver(std::string("Subject: ") + subject + "\r\n");
    Client c(w);
    c.select();
    // MIN and MAX are the first and last in sort order; ALL keeps that order, ranges only where it rises.
    EXPECT_EQ(c.send("t SORT RETURN (MIN MAX ALL COUNT) (SUBJECT) UTF-8 ALL"),
              "* ESEARCH (TAG \"t\") MIN 2 MAX 5 ALL 2:3,1,4:5 COUNT 5\r\nt OK SORT completed\r\n");
    EXPECT_EQ(c.send("u UID SORT RETURN (COUNT) (REVERSE SUBJECT) UTF-8 SUBJECT x"),
              "* ESEARCH (TAG \"u\") UID COUNT 0\r\nu OK UID SORT completed\r\n");
    // RETURN () is ALL (RFC 4731 section 3.1).
    EXPECT_EQ(c.send("t SORT RETURN () (REVERSE SUBJECT) UTF-8 ALL"),
              "* ESEARCH (TAG \"t\") ALL 5,4,1,3,2\r\nt OK SORT completed\r\n");
}

TEST(ImapSort, SortPartialIsAWindowOntoTheSortedResult_Rfc5267_4_4)
{
    SortWorld w;
    for (const char* subject : {"c", "a", "b", "d", "e"})
        w.deliver(std::string("Subject: ") + subject + "\r\n");
    Client c(w);
    EXPECT_NE(c.greeting().find(" CONTEXT=SORT"), std::string::npos);
    c.select();
    // Positions count in sort order (a b c d e is 2 3 1 4 5); past the end is left out, beyond it NIL.
    EXPECT_EQ(c.send("t SORT RETURN (PARTIAL 2:4) (SUBJECT) UTF-8 ALL"),
              "* ESEARCH (TAG \"t\") PARTIAL (2:4 3,1,4)\r\nt OK SORT completed\r\n");
    EXPECT_EQ(c.send("t SORT RETURN (PARTIAL 4:9) (REVERSE SUBJECT) UTF-8 ALL"),
              "* ESEARCH (TAG \"t\") PARTIAL (4:9 3,2)\r\nt OK SORT completed\r\n");
    EXPECT_EQ(c.send("t SORT RETURN (PARTIAL 7:9) (SUBJECT) UTF-8 ALL"),
              "* ESEARCH (TAG \"t\") PARTIAL (7:9 NIL)\r\nt OK SORT completed\r\n");
    EXPECT_EQ(c.send("t SORT RETURN (PARTIAL 1:*) (SUBJECT) UTF-8 ALL").rfind("t BAD ", 0), 0u);
}

TEST(ImapSort, SortUpdateAnswersButRefusesTheNews_Rfc5267_4_3_1)
{
    SortWorld w;
    w.deliver("Subject: b\r\n");
    w.deliver("Subject: a\r\n");
    Client c(w);
    c.select();
    // The result comes; the news of later changes is refused, which any search may be (section 4.3.1).
    EXPECT_EQ(
        c.send("t SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 ALL"),
        "* ESEARCH (TAG \"t\") ALL 2,1\r\n* NO [NOUPDATE \"t\"] no news of changes to a sorted result\r\n"
        "t OK SORT completed\r\n");
    w.deliver("Subject: c\r\n");
    EXPECT_EQ(c.send("n NOOP").find("ADDTO"), std::string::npos);
}

TEST(ImapSort, SortWithModseqNamesTheHighestModSequence_Rfc7162_3_1_5)
{
    SortWorld w;
    w.deliver("Subject: b\r\n");
    w.deliver("Subject: a\r\n");
    Client c(w);
    c.select();
    std::string reply = c.send("t SORT (SUBJECT) UTF-8 MODSEQ 1");
    EXPECT_NE(reply.find("* SORT 2 1 (MODSEQ 3)\r\n"), std::string::npos) << reply;
}

// [SECTION] errors

TEST(ImapSort, BadSortKeysCharsetsAndStatesAreRefused_Rfc5256_3)
{
    SortWorld w;
    w.deliver("Subject: a\r\n");
    Client c(w);
    // SORT and THREAD need a selected mailbox (RFC 5256 section 3): BAD in the authenticated state.
    EXPECT_EQ(
        c.send("t SORT (DATE) UTF-8 ALL").rfind("t BAD SORT is not allowed in the authenticated state", 0),
        0u);
    EXPECT_EQ(c.send("t THREAD REFERENCES UTF-8 ALL").rfind("t BAD THREAD is not allowed", 0), 0u);
    c.select();
    auto bad = [&](const std::string& command) {
        std::string reply = c.send(command);
        EXPECT_EQ(reply.rfind("t BAD ", 0), 0u) << command << " -> " << reply;
        EXPECT_EQ(reply.find("\r\n"), reply.size() - 2) << reply;
    };
    bad("t SORT (COLOUR) UTF-8 ALL");
    bad("t SORT () UTF-8 ALL");
    bad("t SORT (REVERSE REVERSE DATE) UTF-8 ALL");
    bad("t SORT (REVERSE) UTF-8 ALL");
    bad("t SORT DATE UTF-8 ALL");
    bad("t SORT (DATE UTF-8 ALL");
    bad("t SORT (DATE) ALL");   // ALL taken for the charset: no search key left
    bad("t SORT (DATE) UTF-8"); // the search keys are not optional
    bad("t THREAD COLOURS UTF-8 ALL");
    bad("t THREAD RETURN (ALL) REFERENCES UTF-8 ALL");
    bad("t SORT RETURN (BEST) (DATE) UTF-8 ALL");
    // An unknown charset: NO with the ones this server knows (RFC 5256 section 3, RFC 3501 section 6.4.4).
    EXPECT_EQ(c.send("t SORT (DATE) KOI8-R ALL"),
              "t NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset KOI8-R\r\n");
    EXPECT_EQ(c.send("t THREAD ORDEREDSUBJECT ISO-2022-JP ALL"),
              "t NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset ISO-2022-JP\r\n");
    // The session goes on.
    EXPECT_EQ(c.send("t SORT (DATE) us-ascii ALL"), sorted(" 1"));
}

TEST(ImapSort, ALessonCanTakeSortAndItsExtensionsAway_Rfc5256_Rfc5957_Rfc5267)
{
    SortWorld w;
    w.deliver("Subject: a\r\n");
    Client all(w);
    EXPECT_NE(all.greeting().find(" SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT "),
              std::string::npos)
        << all.greeting();
    imap::SessionOptions noSort;
    noSort.capabilitiesOff = {"SORT", "THREAD=REFERENCES"};
    Client some(w, noSort);
    // SORT=DISPLAY and ESORT extend SORT: without it they go too.
    EXPECT_EQ(some.greeting().find("SORT"), std::string::npos) << some.greeting();
    EXPECT_NE(some.greeting().find("THREAD=ORDEREDSUBJECT"), std::string::npos);
    some.select();
    EXPECT_EQ(some.send("t SORT (DATE) UTF-8 ALL"), "t BAD SORT is not offered here\r\n");
    EXPECT_EQ(some.send("t THREAD REFERENCES UTF-8 ALL"), "t BAD THREAD=REFERENCES is not offered here\r\n");
    EXPECT_EQ(some.send("t THREAD ORDEREDSUBJECT UTF-8 ALL"), threaded(" (1)"));
    imap::SessionOptions noDisplay;
    noDisplay.capabilitiesOff = {"SORT=DISPLAY", "ESORT"};
    Client plain(w, noDisplay);
    plain.select();
    EXPECT_EQ(plain.send("t SORT (DISPLAYFROM) UTF-8 ALL"),
              "t BAD DISPLAYFROM and DISPLAYTO are not offered here (RFC 5957)\r\n");
    EXPECT_EQ(plain.send("t SORT RETURN (MIN) (DATE) UTF-8 ALL"),
              "t BAD SORT RETURN is not offered here\r\n");
    EXPECT_EQ(plain.send("t SORT (FROM) UTF-8 ALL"), sorted(" 1"));
}

// [SECTION] THREAD=ORDEREDSUBJECT (RFC 5256 section 3)

TEST(ImapThread, OrderedSubjectGroupsBySubjectUnderTheEarliest_Rfc5256_3)
{
    SortWorld w;
    w.deliver("Subject: lunch\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n");
    w.deliver("Subject: Re: lunch\r\nDate: Thu, 26 Nov 2026 11:00:00 +0000\r\n");
    w.deliver("Subject: exam\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n");
    w.deliver("Subject: RE: Lunch\r\nDate: Thu, 26 Nov 2026 13:00:00 +0000\r\n");
    w.deliver("Subject: Fwd: exam\r\nDate: Thu, 26 Nov 2026 10:30:00 +0000\r\n");
    w.deliver("Subject: alone\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n");
    Client c(w);
    c.select();
    // Each subject's earliest message is the parent of all the others, which are siblings in date order;
    // threads in the order of their first messages; one child follows its parent without parentheses.
    EXPECT_EQ(c.send("t THREAD ORDEREDSUBJECT UTF-8 ALL"), threaded(" (6)(3 5)(2 (1)(4))"));
    EXPECT_EQ(c.send("u UID THREAD ORDEREDSUBJECT UTF-8 NOT SUBJECT alone"),
              threaded(" (3 5)(2 (1)(4))", "u", "UID THREAD"));
    EXPECT_EQ(c.send("t THREAD ORDEREDSUBJECT UTF-8 SUBJECT nothing-like-this"), threaded(""));
}

// [SECTION] THREAD=REFERENCES (RFC 5256 section 3)

TEST(ImapThread, ReferencesBuildsTheTreeFromMessageIds_Rfc5256_3)
{
    SortWorld w;
    w.deliver("Message-ID: <1@x>\r\nSubject: plan\r\n", 0);
    w.deliver("Message-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\nSubject: Re: plan\r\n", 10);
    w.deliver("Message-ID: <3@x>\r\nReferences: <1@x> <2@x>\r\nSubject: Re: plan\r\n", 20);
    w.deliver("Message-ID: <4@x>\r\nReferences: <1@x>\r\nSubject: Re: plan\r\n", 30);
    w.deliver("Message-ID: <5@x>\r\nSubject: other\r\n", 5);
    Client c(w);
    c.select();
    // 1 has two replies (2, answered by 3, and 4); 5 stands alone. Threads go by their first message's
    // date, replies by theirs.
    EXPECT_EQ(c.send("t THREAD REFERENCES UTF-8 ALL"), threaded(" (1 (2 3)(4))(5)"));
    EXPECT_EQ(c.send("u UID THREAD REFERENCES UTF-8 NOT SUBJECT other"),
              threaded(" (1 (2 3)(4))", "u", "UID THREAD"));
}

TEST(ImapThread, MissingParentsBecomeDummiesThatArePrunedOrKept_Rfc5256_3_Step4)
{
    SortWorld w;
    // Two replies to a message not in the mailbox: they stay together under a dummy, "((1)(2))".
    w.deliver("Message-ID: <a@x>\r\nReferences: <gone@x>\r\nSubject: one\r\n", 0);
    w.deliver("Message-ID: <b@x>\r\nReferences: <gone@x>\r\nSubject: two\r\n", 10);
    // One reply to another missing message moves up in the dummy's place: "(3 4)".
    w.deliver("Message-ID: <c@x>\r\nReferences: <lost@x>\r\nSubject: three\r\n", 20);
    w.deliver("Message-ID: <d@x>\r\nReferences: <lost@x> <missing@x> <c@x>\r\nSubject: four\r\n", 30);
    Client c(w);
    c.select();
    // 4's references run <lost>, <missing>, <c>: <c> keeps the parent it had, so the dummy <missing> is left
    // without children and goes, and <lost>, with 3 as its only child, makes way for it.
    EXPECT_EQ(c.send("t THREAD REFERENCES UTF-8 ALL"), threaded(" ((1)(2))(3 4)"));
}

TEST(ImapThread, DuplicateIdsAndLoopsDoNotJoinThreads_Rfc5256_3_Step1)
{
    SortWorld w;
    w.deliver("Message-ID: <a@x>\r\nSubject: first\r\n", 0);
    // The same ID again: this message gets an ID of its own (step 1A).
    w.deliver("Message-ID: <a@x>\r\nSubject: copy\r\n", 10);
    // <p> and <q> refer to each other: the link that would close the loop is not made.
    w.deliver("Message-ID: <p@x>\r\nReferences: <q@x>\r\nSubject: loop p\r\n", 20);
    w.deliver("Message-ID: <q@x>\r\nReferences: <p@x>\r\nSubject: loop q\r\n", 30);
    // Its own ID in its References: no message is its own parent.
    w.deliver("Message-ID: <s@x>\r\nReferences: <s@x>\r\nSubject: self\r\n", 40);
    Client c(w);
    c.select();
    // 3 made <q> its parent; when 4 turns out to be <q> and names <p> as its parent, that link would close
    // a loop and is not made: 4 heads the thread, 3 under it.
    EXPECT_EQ(c.send("t THREAD REFERENCES UTF-8 ALL"), threaded(" (1)(2)(4 3)(5)"));
}

TEST(ImapThread, SameBaseSubjectsAreMergedRepliesUnderTheOriginal_Rfc5256_3_Step6)
{
    SortWorld w;
    w.deliver("Message-ID: <1@x>\r\nSubject: Re: party\r\n", 0);
    w.deliver("Message-ID: <2@x>\r\nSubject: party\r\n", 10);
    w.deliver("Message-ID: <3@x>\r\nSubject: Fwd: party\r\n", 20);
    w.deliver("Message-ID: <4@x>\r\nSubject: trip\r\n", 30);
    w.deliver("Message-ID: <5@x>\r\nSubject: [club] trip\r\n", 40);
    w.deliver("Message-ID: <6@x>\r\nSubject: \r\n", 50);
    w.deliver("Message-ID: <7@x>\r\nSubject: \r\n", 60);
    Client c(w);
    c.select();
    // "party": 2 is not a reply, so the replies 1 and 3 go under it. "trip": neither 4 nor 5 is a reply,
    // so both go under a new dummy. Empty subjects are never merged.
    EXPECT_EQ(c.send("t THREAD REFERENCES UTF-8 ALL"), threaded(" (2 (1)(3))((4)(5))(6)(7)"));
}

} // namespace
} // namespace maillab::test
