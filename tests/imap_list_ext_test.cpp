// LIST-EXTENDED (RFC 5258) with SPECIAL-USE's options (RFC 6154 section 5.1) and LIST-STATUS (RFC 5819) in
// the IMAP session: several patterns, selection and return options, \Subscribed and \NonExistent, CHILDINFO,
// STATUS after each selectable mailbox, and the errors each RFC names.
#include "imap_test_client.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

// erin has INBOX, Sent (\Sent), Work, Work/A, Work/B and Old; subscribed to INBOX, Work/A and Gone (a
// subscription whose mailbox was deleted). INBOX holds two messages, one of them seen.
struct ListWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    ListWorld()
    {
        store.addAccount("erin", "pw");
        store.createMailbox("erin", "Sent", "\\Sent", false);
        for (const char* name : {"Work/A", "Work/B", "Old", "Gone"})
            store.createMailbox("erin", name, {}, false);
        for (const char* name : {"INBOX", "Work/A", "Gone"})
            store.setSubscribed("erin", name, true);
        store.deleteMailbox("erin", "Gone");
        store.deliver("erin", "INBOX", "Subject: a\r\n\r\nhi\r\n", mail::DateTime{clock.nowSeconds(), 0}, 0);
        store.deliver("erin", "INBOX", "Subject: b\r\n\r\nhi\r\n", mail::DateTime{clock.nowSeconds(), 0},
                      store::kSeen);
    }
};

struct Client : ImapTestClient {
    explicit Client(ListWorld& world, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, "erin", 1, std::move(options))
    {
    }
};

TEST(ImapListExtended, AdvertisedAndSwitchedOffByTheToggle_Rfc5258_1)
{
    ListWorld w;
    EXPECT_NE(Client(w).greeting().find(" LIST-EXTENDED LIST-STATUS"), std::string::npos);
    imap::SessionOptions off;
    off.capabilitiesOff = {"LIST-EXTENDED", "LIST-STATUS"};
    Client plain(w, off);
    EXPECT_EQ(plain.greeting().find("LIST-"), std::string::npos);
    EXPECT_EQ(plain.send("a LIST (SUBSCRIBED) \"\" *").rfind("a BAD ", 0), 0u);
    EXPECT_EQ(plain.send("b LIST \"\" * RETURN (STATUS (MESSAGES))").rfind("b BAD ", 0), 0u);
}

TEST(ImapListExtended, SeveralPatternsListEachNameOnce_Rfc5258_3)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST \"\" (Work/* W%k Old Wo*)"), "* LIST (\\HasNoChildren) \"/\" Old\r\n"
                                                          "* LIST (\\HasChildren) \"/\" Work\r\n"
                                                          "* LIST (\\HasNoChildren) \"/\" Work/A\r\n"
                                                          "* LIST (\\HasNoChildren) \"/\" Work/B\r\n"
                                                          "a OK LIST completed\r\n");
}

TEST(ImapListExtended, EmptyPatternHasNoSpecialMeaningInTheExtendedForm_Rfc5258_3)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST \"\" \"\""), "* LIST (\\Noselect) \"/\" \"\"\r\na OK LIST completed\r\n");
    EXPECT_EQ(c.send("b LIST () \"\" \"\""), "b OK LIST completed\r\n");
    EXPECT_EQ(c.send("c LIST \"\" \"\" RETURN ()"), "c OK LIST completed\r\n");
}

TEST(ImapListExtended, SubscribedSelectsSubscriptionsWithNonExistent_Rfc5258_3_1)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST (SUBSCRIBED) \"\" *"), "* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX\r\n"
                                                    "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\n"
                                                    "* LIST (\\HasNoChildren \\Subscribed) \"/\" Work/A\r\n"
                                                    "a OK LIST completed\r\n");
    // REMOTE changes nothing on a server without remote mailboxes.
    EXPECT_EQ(c.send("b LIST (REMOTE SUBSCRIBED) \"\" G*"),
              "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\nb OK LIST completed\r\n");
}

TEST(ImapListExtended, RecursiveMatchGivesChildInfoOnlyWhenTheChildIsNotListed_Rfc5258_3_5)
{
    ListWorld w;
    Client c(w);
    // Work is not subscribed, Work/A is and does not match "%": Work comes with CHILDINFO.
    EXPECT_EQ(c.send("a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %"),
              "* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX\r\n"
              "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\n"
              "* LIST (\\HasChildren) \"/\" Work (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
              "a OK LIST completed\r\n");
    // Work/A is returned itself, so a CHILDINFO on Work would be redundant.
    EXPECT_EQ(c.send("b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (Work Work/A)"),
              "* LIST (\\HasNoChildren \\Subscribed) \"/\" Work/A\r\nb OK LIST completed\r\n");
    // Without RECURSIVEMATCH no parent is returned.
    EXPECT_EQ(c.send("c LIST (SUBSCRIBED) \"\" Work"), "c OK LIST completed\r\n");
}

TEST(ImapListExtended, ReturnSubscribedMarksSubscribedNames_Rfc5258_3_2)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST \"\" Work/% RETURN (SUBSCRIBED CHILDREN)"),
              "* LIST (\\HasNoChildren \\Subscribed) \"/\" Work/A\r\n"
              "* LIST (\\HasNoChildren) \"/\" Work/B\r\n"
              "a OK LIST completed\r\n");
}

TEST(ImapListExtended, SpecialUseSelectsOnlySpecialUseMailboxes_Rfc6154_5_1)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST (SPECIAL-USE) \"\" * RETURN (SPECIAL-USE)"),
              "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\na OK LIST completed\r\n");
}

TEST(ImapListExtended, ErrorsAreBad_Rfc5258_3)
{
    ListWorld w;
    Client c(w);
    // An option the server does not know MUST be answered BAD (section 3).
    EXPECT_EQ(c.send("a LIST (IMAPTEST) \"\" \"\"").rfind("a BAD unknown selection option", 0), 0u);
    EXPECT_EQ(c.send("b LIST \"\" \"\" RETURN (IMAPTEST)").rfind("b BAD unknown return option", 0), 0u);
    // RECURSIVEMATCH alone, or only with REMOTE, is BAD (section 3.1).
    EXPECT_EQ(c.send("c LIST (RECURSIVEMATCH) \"\" *").rfind("c BAD RECURSIVEMATCH", 0), 0u);
    EXPECT_EQ(c.send("d LIST (RECURSIVEMATCH REMOTE) \"\" *").rfind("d BAD RECURSIVEMATCH", 0), 0u);
    EXPECT_EQ(c.send("e LIST \"\" * RETURN (STATUS (NOSUCH))").rfind("e BAD unknown status item", 0), 0u);
    EXPECT_EQ(c.send("f LIST \"\" (*").rfind("f BAD ", 0), 0u);
    // LSUB keeps RFC 3501's syntax.
    EXPECT_EQ(c.send("g LSUB (SUBSCRIBED) \"\" *").rfind("g BAD ", 0), 0u);
    EXPECT_EQ(c.send("h LIST \"\" * NOTRETURN (CHILDREN)").rfind("h BAD ", 0), 0u);
}

TEST(ImapListStatus, StatusFollowsEachSelectableMailbox_Rfc5819_2)
{
    ListWorld w;
    Client c(w);
    EXPECT_EQ(c.send("a LIST (SUBSCRIBED) \"\" * RETURN (STATUS (MESSAGES UNSEEN))"),
              "* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX\r\n"
              "* STATUS INBOX (MESSAGES 2 UNSEEN 1)\r\n"
              "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\n" // not selectable: no STATUS
              "* LIST (\\HasNoChildren \\Subscribed) \"/\" Work/A\r\n"
              "* STATUS Work/A (MESSAGES 0 UNSEEN 0)\r\n"
              "a OK LIST completed\r\n");
}

TEST(ImapListStatus, StatusItemsNotOfferedAreBadEvenWithoutAMatch_Rfc5819_2)
{
    ListWorld w;
    imap::SessionOptions off;
    off.capabilitiesOff = {"STATUS=SIZE"};
    Client c(w, off);
    EXPECT_EQ(c.send("a LIST \"\" nothing RETURN (STATUS (SIZE))"), "a BAD unknown status item SIZE\r\n");
    EXPECT_EQ(c.send("b LIST \"\" nothing RETURN (STATUS (MESSAGES))"), "b OK LIST completed\r\n");
}

} // namespace
} // namespace maillab::test
