// SEARCHRES (RFC 5182): SEARCH RETURN (SAVE) keeps a search's result in the session, and "$" stands for it
// wherever a sequence set goes: FETCH, STORE, COPY, MOVE, their UID forms, UID EXPUNGE and SEARCH itself.
// Its lifetime (section 2.1), the SAVE MIN/MAX table (section 2.4), the error cases and pipelining (2.3).
#include "imap_search_world.hpp"

namespace maillab::test {
namespace {

// [SECTION] capability and syntax

TEST(ImapSearchres, AdvertisedOnlyWithEsearchAndSwitchedOffByTheToggle_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient on(w);
    EXPECT_TRUE(has(on.greeting(), " SEARCHRES ")) << on.greeting();
    imap::SessionOptions off;
    off.capabilitiesOff = {"SEARCHRES"};
    SearchClient without(w, 2, off);
    EXPECT_FALSE(has(without.greeting(), "SEARCHRES"));
    without.select();
    EXPECT_EQ(without.send("a SEARCH RETURN (SAVE) ALL"),
              "a BAD SEARCH RETURN (SAVE) is not offered here\r\n");
    EXPECT_EQ(without.send("b FETCH $ FLAGS"), "b BAD \"$\" (a saved search result) is not offered here\r\n");
    // A SEARCHRES server MUST implement ESEARCH (section 2.4): without ESEARCH there is no SEARCHRES.
    imap::SessionOptions noEsearch;
    noEsearch.capabilitiesOff = {"ESEARCH"};
    SearchClient bare(w, 3, noEsearch);
    EXPECT_FALSE(has(bare.greeting(), "SEARCHRES"));
}

TEST(ImapSearchres, DollarStandsAloneAndOnlyWhereMessagesAreNamed_Rfc5182_3)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    // seq-last-command = "$" is a whole sequence-set: it joins no numbers or ranges.
    EXPECT_TRUE(has(c.send("a FETCH 1,$ FLAGS"), "a BAD "));
    const std::string joined = c.send("b FETCH $,1 FLAGS");
    EXPECT_TRUE(has(joined, "b BAD ")) << joined;
    EXPECT_TRUE(has(joined, "\"$\" stands alone")) << joined;
    EXPECT_TRUE(has(c.send("c SEARCH $:3"), "c BAD "));
    // QRESYNC's known UIDs are the client's cache, not this session's messages.
    c.send("e ENABLE QRESYNC");
    EXPECT_TRUE(has(c.send("q SELECT INBOX (QRESYNC (100 1 $))"), "q BAD "));
}

// [SECTION] saving and using the result (section 2.1)

TEST(ImapSearchres, SaveAloneAnswersNoSearchResponseAndFetchUsesIt_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    // "In absence of any other SEARCH result option, the SAVE result option also suppresses any SEARCH
    // response" (section 1 and 2.2 example 1).
    EXPECT_EQ(c.send("a SEARCH RETURN (SAVE) FROM bob"), "a OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("b FETCH $ (UID)"),
              "* 2 FETCH (UID 2)\r\n* 4 FETCH (UID 4)\r\nb OK FETCH completed\r\n");
    EXPECT_EQ(c.send("c STORE $ +FLAGS.SILENT (\\Flagged)"), "c OK STORE completed\r\n");
    EXPECT_EQ(c.send("d SEARCH FLAGGED"), "* SEARCH 2 4\r\nd OK SEARCH completed\r\n");
}

TEST(ImapSearchres, EmptyBeforeAnySaveAndAnEmptyResultIsStillValid_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    // "$" is reset to the empty sequence by SELECT: FETCH $ answers OK and nothing else.
    EXPECT_EQ(c.send("a FETCH $ FLAGS"), "a OK FETCH completed\r\n");
    EXPECT_EQ(c.send("b SEARCH RETURN (SAVE) SUBJECT nothing-like-this"), "b OK SEARCH completed\r\n");
    // Example 6: COPY $ with no messages in it is not an error.
    EXPECT_EQ(c.send("c COPY $ Archive"), "c OK COPY completed\r\n");
    EXPECT_EQ(w.store.mailbox("erin", "Archive")->messages.size(), 0u);
    EXPECT_EQ(c.send("d UID EXPUNGE $"), "d OK UID EXPUNGE completed\r\n");
    EXPECT_EQ(c.send("e SEARCH $"), "* SEARCH\r\ne OK SEARCH completed\r\n");
}

TEST(ImapSearchres, DollarMapsBetweenSequenceNumbersAndUids_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("x STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.send("y EXPUNGE"); // now UIDs 2-5 are numbers 1-4
    // Saved by SEARCH (numbers), used by UID FETCH (UIDs) and back: the server maps "$" both ways.
    EXPECT_EQ(c.send("a SEARCH RETURN (SAVE) FROM carol"), "a OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("b UID FETCH $ (FLAGS)"),
              "* 2 FETCH (UID 3 FLAGS ())\r\n* 4 FETCH (UID 5 FLAGS ())\r\nb OK UID FETCH completed\r\n");
    EXPECT_EQ(c.send("c UID SEARCH RETURN (SAVE) FROM bob"), "c OK UID SEARCH completed\r\n");
    EXPECT_EQ(c.send("d FETCH $ (UID)"),
              "* 1 FETCH (UID 2)\r\n* 3 FETCH (UID 4)\r\nd OK FETCH completed\r\n");
}

TEST(ImapSearchres, DollarInsideSearchKeys_Rfc5182_2_2_Examples3And4)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("a SEARCH RETURN (SAVE) FROM bob");
    // Example 3: UID $ and a bare $ as search keys give the same.
    EXPECT_EQ(c.send("b UID SEARCH RETURN (ALL) UID $ SMALLER 4096"),
              "* ESEARCH (TAG \"b\") UID ALL 2,4\r\nb OK UID SEARCH completed\r\n");
    EXPECT_EQ(c.send("c UID SEARCH RETURN (ALL) $ SMALLER 4096"),
              "* ESEARCH (TAG \"c\") UID ALL 2,4\r\nc OK UID SEARCH completed\r\n");
    // Example 4: combined with other numbers through OR.
    EXPECT_EQ(c.send("d SEARCH CHARSET UTF-8 (OR $ 1,5) TEXT hello"),
              "* SEARCH 1 2 4 5\r\nd OK SEARCH completed\r\n");
}

TEST(ImapSearchres, CopyMoveAndStoreThroughDollar_Rfc5182_2_2_Example7)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("a SEARCH RETURN (SAVE) SUBJECT three");
    const std::string copied = c.send("b COPY $ Archive");
    EXPECT_TRUE(has(copied, "[COPYUID ")) << copied;
    EXPECT_EQ(w.store.mailbox("erin", "Archive")->messages.size(), 1u);
    EXPECT_EQ(c.send("c STORE $ +FLAGS (\\Deleted)"),
              "* 3 FETCH (FLAGS (\\Deleted))\r\nc OK STORE completed\r\n");
    c.send("d SEARCH RETURN (SAVE) FROM bob");
    const std::string moved = c.send("e MOVE $ Archive");
    EXPECT_TRUE(has(moved, "* 2 EXPUNGE\r\n* 3 EXPUNGE\r\n")) << moved;
    EXPECT_EQ(w.store.mailbox("erin", "Archive")->messages.size(), 3u);
}

// [SECTION] what changes "$" and what does not (section 2.1)

TEST(ImapSearchres, FailedSaveEmptiesDollarOtherFailuresLeaveIt_Rfc5182_2_1_Example5)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("a SEARCH RETURN (SAVE) FROM bob");
    // A SEARCH without SAVE never changes "$", whether it succeeds or fails with NO.
    EXPECT_EQ(c.send("b SEARCH SUBJECT one"), "* SEARCH 1\r\nb OK SEARCH completed\r\n");
    EXPECT_TRUE(has(c.send("c SEARCH CHARSET KOI8-R ALL"), "c NO [BADCHARSET"));
    // A SEARCH that gets BAD does not change it either, with SAVE or not.
    EXPECT_TRUE(has(c.send("d SEARCH RETURN (SAVE) NOSUCHKEY"), "d BAD "));
    EXPECT_EQ(c.send("e SEARCH $"), "* SEARCH 2 4\r\ne OK SEARCH completed\r\n");
    // Example 5: a SEARCH with SAVE that fails with NO leaves "$" empty.
    EXPECT_TRUE(has(c.send("f SEARCH RETURN (SAVE) CHARSET KOI8-R (OR $ 1,3) TEXT x"), "f NO [BADCHARSET"));
    EXPECT_EQ(c.send("g SEARCH $"), "* SEARCH\r\ng OK SEARCH completed\r\n");
}

TEST(ImapSearchres, TheLatestSaveWins_Rfc5182_2_2_Example9)
{
    SearchWorld w;
    SearchClient c(w);
    c.select();
    c.send("a SEARCH RETURN (SAVE) FROM bob");
    c.send("b SEARCH RETURN (SAVE) SUBJECT five");
    EXPECT_EQ(c.send("c SEARCH $"), "* SEARCH 5\r\nc OK SEARCH completed\r\n");
}

TEST(ImapSearchres, SaveWithMinAndMaxKeepsOnlyThose_Rfc5182_2_4)
{
    SearchWorld w;
    SearchClient c(w);
    c.select(); // carol sent 1, 3 and 5
    auto saved = [&]() { return c.send("z SEARCH $"); };
    EXPECT_EQ(c.send("a SEARCH RETURN (SAVE MIN) FROM carol"),
              "* ESEARCH (TAG \"a\") MIN 1\r\na OK SEARCH completed\r\n");
    EXPECT_EQ(saved(), "* SEARCH 1\r\nz OK SEARCH completed\r\n");
    c.send("b SEARCH RETURN (SAVE MAX) FROM carol");
    EXPECT_EQ(saved(), "* SEARCH 5\r\nz OK SEARCH completed\r\n");
    EXPECT_EQ(c.send("c SEARCH RETURN (MAX SAVE MIN) FROM carol"),
              "* ESEARCH (TAG \"c\") MIN 1 MAX 5\r\nc OK SEARCH completed\r\n");
    EXPECT_EQ(saved(), "* SEARCH 1 5\r\nz OK SEARCH completed\r\n");
    // With ALL or COUNT, "$" holds every match.
    EXPECT_EQ(c.send("d SEARCH RETURN (MAX SAVE MIN COUNT) FROM carol"),
              "* ESEARCH (TAG \"d\") MIN 1 MAX 5 COUNT 3\r\nd OK SEARCH completed\r\n");
    EXPECT_EQ(saved(), "* SEARCH 1 3 5\r\nz OK SEARCH completed\r\n");
    c.send("e SEARCH RETURN (SAVE MIN) SUBJECT five");
    EXPECT_EQ(saved(), "* SEARCH 5\r\nz OK SEARCH completed\r\n");
}

TEST(ImapSearchres, ExpungedMessagesLeaveDollar_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient c(w);
    SearchClient other(w, 2);
    c.select();
    other.select();
    c.send("a SEARCH RETURN (SAVE) FROM bob"); // 2 and 4
    other.send("b STORE 2 +FLAGS.SILENT (\\Deleted)");
    other.send("c EXPUNGE");
    // Before this client hears of the EXPUNGE the numbers stand; after it, message 4 is number 3.
    const std::string news = c.send("d NOOP");
    EXPECT_EQ(news, "* 2 EXPUNGE\r\nd OK NOOP completed\r\n");
    EXPECT_EQ(c.send("e FETCH $ (UID)"), "* 3 FETCH (UID 4)\r\ne OK FETCH completed\r\n");
}

TEST(ImapSearchres, ResetBySelectExamineCloseAndUnselect_Rfc5182_2_1)
{
    SearchWorld w;
    SearchClient c(w);
    for (const char* leave : {"SELECT INBOX", "EXAMINE INBOX", "CLOSE", "UNSELECT"}) {
        c.select();
        c.send("a SEARCH RETURN (SAVE) ALL");
        if (std::string_view(leave).starts_with("SELECT") || std::string_view(leave).starts_with("EXAMINE"))
            c.open(leave);
        else {
            EXPECT_TRUE(has(c.send(std::string("b ") + leave), "b OK")) << leave;
            c.select();
        }
        EXPECT_EQ(c.send("z FETCH $ (UID)"), "z OK FETCH completed\r\n") << leave;
    }
}

// [SECTION] pipelining (section 2.3)

TEST(ImapSearchres, PipelinedSaveThenUseRunsInOrderEvenWhenTheSearchIsSliced_Rfc5182_2_3)
{
    SearchWorld w;
    imap::SessionOptions serve;
    serve.replyChunkBytes = 64; // serve's way: a SEARCH may finish in continueOutput()
    SearchClient c(w, 1, serve);
    c.select();
    std::string out = c.session().receive("a SEARCH RETURN (SAVE) FROM bob\r\nb FETCH $ (UID)\r\n"
                                          "c STORE $ +FLAGS.SILENT (\\Seen)\r\n");
    while (c.session().outputPending())
        out += c.session().continueOutput();
    EXPECT_EQ(out,
              "a OK SEARCH completed\r\n* 2 FETCH (UID 2)\r\n* 4 FETCH (UID 4)\r\nb OK FETCH completed\r\n"
              "c OK STORE completed\r\n");
    EXPECT_EQ(c.send("d SEARCH SEEN"), "* SEARCH 2 4\r\nd OK SEARCH completed\r\n");
}

} // namespace
} // namespace maillab::test
