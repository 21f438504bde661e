// CONTEXT=SEARCH (RFC 5267 section 4): SEARCH RETURN (PARTIAL first:last), and RETURN (UPDATE), after which
// the server tells the client, with unsolicited ESEARCH ADDTO / REMOVEFROM, as messages arrive, change flags
// or are expunged so that they (no longer) match; CANCELUPDATE; NOUPDATE; the error cases.
#include "imap_search_world.hpp"

namespace maillab::test {
namespace {

// [SECTION] capability

TEST(ImapContext, AdvertisedAndSwitchedOffByTheToggle_Rfc5267_4)
{
    SearchWorld w;
    SearchClient on(w);
    EXPECT_TRUE(has(on.greeting(), " CONTEXT=SEARCH ")) << on.greeting();
    imap::SessionOptions off;
    off.capabilitiesOff = {"CONTEXT=SEARCH"};
    SearchClient without(w, 2, off);
    EXPECT_FALSE(has(without.greeting(), "CONTEXT=SEARCH"));
    without.select();
    EXPECT_TRUE(has(without.send("a SEARCH RETURN (PARTIAL 1:2) ALL"), "a BAD "));
    EXPECT_TRUE(has(without.send("b SEARCH RETURN (UPDATE) ALL"), "b BAD "));
    EXPECT_TRUE(has(without.send("c CANCELUPDATE \"b\""), "c BAD "));
}

// [SECTION] PARTIAL (section 4.4)

TEST(ImapContext, PartialGivesTheResultsAtThosePositions_Rfc5267_4_4)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    EXPECT_EQ(c.send("a SEARCH RETURN (PARTIAL 1:1) ALL"),
              "* ESEARCH (TAG \"a\") PARTIAL (1:1 1)\r\na OK SEARCH completed\r\n");
    // 500:400 is the same as 400:500 (section 5, partial-range).
    EXPECT_EQ(c.send("b SEARCH RETURN (PARTIAL 4:2) ALL"),
              "* ESEARCH (TAG \"b\") PARTIAL (2:4 2:4)\r\nb OK SEARCH completed\r\n");
    // Past the end: what is there, or NIL.
    EXPECT_EQ(c.send("c SEARCH RETURN (PARTIAL 2:10) 1:2,4:5"),
              "* ESEARCH (TAG \"c\") PARTIAL (2:10 2,4:5)\r\nc OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("d SEARCH RETURN (PARTIAL 6:6) ALL"),
              "* ESEARCH (TAG \"d\") PARTIAL (6:6 NIL)\r\nd OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("e UID SEARCH RETURN (PARTIAL 2:3 COUNT) FROM carol"),
              "* ESEARCH (TAG \"e\") UID PARTIAL (2:3 3,5) COUNT 3\r\ne OK UID SEARCH completed\r\n");
}

TEST(ImapContext, PartialRangeErrors_Rfc5267_4_4_And_5)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    // partial-range = nz-number ":" nz-number: no "*", no 0, no single number.
    for (const char* range : {"1", "1:*", "*:1", "0:3", "2:0", "a:b", ""})
        EXPECT_TRUE(has(c.send(std::string("a SEARCH RETURN (PARTIAL ") + range + ") ALL"), "a BAD "))
            << range;
    // "either one PARTIAL, one ALL, or neither PARTIAL nor ALL is allowed"
    const std::string both = c.send("b SEARCH RETURN (ALL PARTIAL 1:2) ALL");
    EXPECT_TRUE(has(both, "b BAD ")) << both;
    EXPECT_TRUE(has(c.send("c SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL"), "c BAD "));
    // CONTEXT is a hint only (section 4.2): with nothing else it answers like RETURN ().
    EXPECT_EQ(c.send("d SEARCH RETURN (CONTEXT) FROM bob"),
              "* ESEARCH (TAG \"d\") ALL 2,4\r\nd OK SEARCH completed\r\n");
}

// [SECTION] UPDATE (section 4.3)

TEST(ImapContext, OwnStoreAddsAndRemovesAfterItsFetch_Rfc5267_4_3_2)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    EXPECT_EQ(c.send("u SEARCH RETURN (UPDATE) SEEN"), "* ESEARCH (TAG \"u\")\r\nu OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("a STORE 1,2,4 +FLAGS (\\Seen)"),
              "* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Seen))\r\n* 4 FETCH (FLAGS (\\Seen))\r\n"
              "* ESEARCH (TAG \"u\") ADDTO (0 1:2,4)\r\na OK STORE completed\r\n");
    EXPECT_EQ(c.send("b STORE 1:2 -FLAGS.SILENT (\\Seen)"),
              "* ESEARCH (TAG \"u\") REMOVEFROM (0 1:2)\r\nb OK STORE completed\r\n");
    // A change that does not move the message in or out says nothing.
    EXPECT_EQ(c.send("c STORE 4 +FLAGS.SILENT (\\Flagged)"), "c OK STORE completed\r\n");
}

TEST(ImapContext, UidSearchUpdatesNameUids_Rfc5267_4_3_2)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("x STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("y EXPUNGE");
    EXPECT_EQ(c.send("u UID SEARCH RETURN (UPDATE ALL) OR SEEN SUBJECT two"),
              "* ESEARCH (TAG \"u\") UID ALL 2\r\nu OK UID SEARCH completed\r\n");
    EXPECT_EQ(c.send("a STORE 2:4 +FLAGS.SILENT (\\Seen)"),
              "* ESEARCH (TAG \"u\") UID ADDTO (0 3:5)\r\na OK STORE completed\r\n");
}

TEST(ImapContext, AnotherSessionsChangeComesWithItsFetchAtTheNextCommand_Rfc5267_4_3_2)
{
    SearchWorld w;
    SearchClient c(w);
    SearchClient other(w, 2);
    c.select();
    other.select();
    c.send("u SEARCH RETURN (UPDATE) FLAGGED");
    other.send("a STORE 3 +FLAGS.SILENT (\\Flagged)");
    EXPECT_EQ(
        c.send("n NOOP"),
        "* 3 FETCH (FLAGS (\\Flagged))\r\n* ESEARCH (TAG \"u\") ADDTO (0 3)\r\nn OK NOOP completed\r\n");
}

TEST(ImapContext, NewMessagesAddedAfterTheirExists_Rfc5267_4_3_3)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE) FROM bob");
    w.deliver("six", "bob");
    w.deliver("seven", "carol");
    // "an ADDTO containing message sequence numbers added as a result of those messages being delivered or
    // appended MUST be sent after the EXISTS notification itself"
    EXPECT_EQ(c.send("n NOOP"),
              "* 7 EXISTS\r\n* 0 RECENT\r\n* ESEARCH (TAG \"u\") ADDTO (0 6)\r\nn OK NOOP completed\r\n");
}

TEST(ImapContext, ExpungedMatchRemovedBeforeItsExpunge_Rfc5267_4_3_4)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE) FROM bob"); // 2 and 4
    c.send("a STORE 3:4 +FLAGS.SILENT (\\Deleted)");
    // "a REMOVEFROM containing message sequence numbers removed as a result of those messages being
    // expunged MUST be sent prior to the expunge notification itself"
    EXPECT_EQ(
        c.send("b EXPUNGE"),
        "* ESEARCH (TAG \"u\") REMOVEFROM (0 4)\r\n* 3 EXPUNGE\r\n* 3 EXPUNGE\r\nb OK EXPUNGE completed\r\n");
}

TEST(ImapContext, NoRemovalNewsWhileExpungesAreHeld_Rfc5267_4_3_Rfc3501_7_4_1)
{
    SearchWorld w;
    SearchClient c(w);
    SearchClient other(w, 2);
    c.select();
    other.select();
    c.send("u SEARCH RETURN (UPDATE) FROM bob");
    other.send("a STORE 2 +FLAGS.SILENT (\\Deleted)");
    other.send("b EXPUNGE");
    // FETCH by sequence number may not be answered with EXPUNGE, so its REMOVEFROM waits with it.
    EXPECT_EQ(c.send("f FETCH 1 (UID)"), "* 1 FETCH (UID 1)\r\nf OK FETCH completed\r\n");
    EXPECT_EQ(c.send("n NOOP"),
              "* ESEARCH (TAG \"u\") REMOVEFROM (0 2)\r\n* 2 EXPUNGE\r\nn OK NOOP completed\r\n");
}

TEST(ImapContext, SequenceNumbersInTheProgramAreReadWhenTheCommandArrives_Rfc5267_4_3)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE) 1:2 FLAGGED");
    c.send("a STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("b EXPUNGE");
    // Message 3 is number 2 now, but the search named the messages that were 1 and 2: no news.
    EXPECT_EQ(c.send("c STORE 2 +FLAGS.SILENT (\\Flagged)"), "c OK STORE completed\r\n");
    EXPECT_EQ(c.send("d STORE 1 +FLAGS.SILENT (\\Flagged)"),
              "* ESEARCH (TAG \"u\") ADDTO (0 1)\r\nd OK STORE completed\r\n");
}

TEST(ImapContext, NewsGoesOutDuringIdle_Rfc5267_4_3_2)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE COUNT) SUBJECT six");
    EXPECT_EQ(c.send("i IDLE"), "+ idling\r\n");
    w.deliver("six");
    EXPECT_EQ(c.session().takeUnsolicited(),
              "* 6 EXISTS\r\n* 0 RECENT\r\n* ESEARCH (TAG \"u\") ADDTO (0 6)\r\n");
    EXPECT_EQ(c.send("DONE"), "i OK IDLE terminated\r\n");
}

TEST(ImapContext, CancelUpdateStopsTheNews_Rfc5267_4_3_5)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE) SEEN");
    c.send("v SEARCH RETURN (UPDATE) FLAGGED");
    // Unknown tags cancel nothing; the tags are quoted strings (section 5).
    EXPECT_TRUE(has(c.send("a CANCELUPDATE \"u\" \"nope\""), "a NO "));
    EXPECT_TRUE(has(c.send("b CANCELUPDATE u"), "b BAD "));
    EXPECT_TRUE(has(c.send("b CANCELUPDATE"), "b BAD "));
    EXPECT_EQ(c.send("c CANCELUPDATE \"u\""), "c OK CANCELUPDATE completed: no further updates\r\n");
    EXPECT_EQ(c.send("d STORE 1 +FLAGS.SILENT (\\Seen \\Flagged)"),
              "* ESEARCH (TAG \"v\") ADDTO (0 1)\r\nd OK STORE completed\r\n");
    // The tag is free again for a new search with UPDATE.
    EXPECT_EQ(c.send("u SEARCH RETURN (UPDATE COUNT) SEEN"),
              "* ESEARCH (TAG \"u\") COUNT 1\r\nu OK SEARCH completed\r\n");
}

TEST(ImapContext, ReusingAnUpdatingTagIsBad_Rfc5267_4_3)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("b01 SEARCH RETURN (UPDATE) SEEN");
    // "An attempt to use UPDATE where a tag is already in use with a previous searching command that itself
    // used UPDATE SHALL result in the server rejecting the searching command with a BAD response."
    EXPECT_TRUE(has(c.send("b01 SEARCH RETURN (UPDATE) FLAGGED"), "b01 BAD "));
    // Without UPDATE the tag may be used (clients still should not).
    EXPECT_TRUE(has(c.send("b01 SEARCH RETURN (COUNT) FLAGGED"), "b01 OK "));
}

TEST(ImapContext, TooManyContextsGetNoUpdateButTheirResults_Rfc5267_4_3_1)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(has(c.send("t" + std::to_string(i) + " SEARCH RETURN (UPDATE) SEEN"), " OK "));
    EXPECT_EQ(
        c.send("t8 SEARCH RETURN (UPDATE COUNT) FROM bob"),
        "* ESEARCH (TAG \"t8\") COUNT 2\r\n* NO [NOUPDATE \"t8\"] at most 8 searches with UPDATE at a time: "
        "CANCELUPDATE one first\r\nt8 OK SEARCH completed\r\n");
    // t8 has no context to cancel.
    EXPECT_TRUE(has(c.send("x CANCELUPDATE \"t8\""), "x NO "));
}

TEST(ImapContext, UpdatesEndWhenTheMailboxIsClosed_Rfc5267_4_3)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("u SEARCH RETURN (UPDATE) SEEN");
    c.send("a CLOSE");
    EXPECT_TRUE(has(c.send("b CANCELUPDATE \"u\""), "b BAD ")); // only with a mailbox selected
    c.select();
    EXPECT_EQ(c.send("d STORE 1 +FLAGS.SILENT (\\Seen)"), "d OK STORE completed\r\n");
    EXPECT_TRUE(has(c.send("e CANCELUPDATE \"u\""), "e NO "));
}

} // namespace
} // namespace maillab::test
