// OBJECTID (RFC 8474) in the IMAP session and on disk: MAILBOXID in CREATE, SELECT and STATUS, kept by RENAME
// and across restarts with a Maildir; EMAILID and THREADID in FETCH.
#include "imap_test_client.hpp"
#include "store/maildir.hpp"
#include "store/store.hpp"
#include "test_support.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

struct Client : ImapTestClient {
    Client(store::Store& store, const wire::Clock& clock, imap::SessionOptions options = {})
        : ImapTestClient(store, clock, "hana", 1, std::move(options))
    {
    }
};

// The id in "MAILBOXID (id)" or "EMAILID (id)" of a reply, or "".
std::string idIn(const std::string& reply, const std::string& item)
{
    std::smatch found;
    if (!std::regex_search(reply, found, std::regex(item + " \\(([A-Za-z0-9_-]+)\\)"))) return {};
    return found[1];
}

struct World {
    wire::VirtualClock clock;
    store::Store store{100};
    World() { store.addAccount("hana", "pw"); }
};

TEST(ImapObjectId, Advertised_Rfc8474_3)
{
    World w;
    w.store.deliver("hana", "INBOX", "Subject: a\r\n\r\none\r\n", mail::DateTime{w.clock.nowSeconds(), 0}, 0);
    EXPECT_NE(Client(w.store, w.clock).greeting().find(" OBJECTID"), std::string::npos);
    imap::SessionOptions off;
    off.capabilitiesOff = {"OBJECTID"};
    Client c(w.store, w.clock, off);
    EXPECT_EQ(c.send("c CREATE Work"), "c OK CREATE completed\r\n"); // no MAILBOXID then
    EXPECT_EQ(c.send("s STATUS Work (MAILBOXID)"), "s BAD unknown status item MAILBOXID\r\n");
    c.send("e EXAMINE INBOX");
    EXPECT_EQ(c.send("f FETCH 1:* (EMAILID)"),
              "f BAD EMAILID and THREADID are not offered by this server\r\n");
}

TEST(ImapObjectId, CreateSelectAndStatusGiveTheSameMailboxId_Rfc8474_4)
{
    World w;
    Client c(w.store, w.clock);
    const std::string created = c.send("c CREATE Work");
    const std::string id = idIn(created, "MAILBOXID");
    ASSERT_FALSE(id.empty()) << created;
    EXPECT_EQ(created, "c OK [MAILBOXID (" + id + ")] CREATE completed\r\n"); // section 4.1
    EXPECT_NE(c.send("s SELECT Work").find("* OK [MAILBOXID (" + id + ")]"), std::string::npos); // 4.3
    EXPECT_EQ(c.send("t STATUS Work (MAILBOXID MESSAGES)"),
              "* STATUS Work (MAILBOXID (" + id + ") MESSAGES 0)\r\nt OK STATUS completed\r\n"); // 4.4
    // Every mailbox has its own.
    EXPECT_NE(idIn(c.send("u STATUS INBOX (MAILBOXID)"), "MAILBOXID"), id);
}

TEST(ImapObjectId, RenameKeepsTheMailboxIdAndANewMailboxGetsANewOne_Rfc8474_4_2)
{
    World w;
    Client c(w.store, w.clock);
    const std::string id = idIn(c.send("c CREATE Work"), "MAILBOXID");
    EXPECT_EQ(c.send("r RENAME Work Jobs"), "r OK RENAME completed\r\n");
    EXPECT_EQ(idIn(c.send("s STATUS Jobs (MAILBOXID)"), "MAILBOXID"), id);
    // The old name made again is another mailbox (section 4: an id is never given to another).
    EXPECT_NE(idIn(c.send("d CREATE Work"), "MAILBOXID"), id);
}

TEST(ImapObjectId, EmailIdIsKeptByCopyAndThreadIdIsNil_Rfc8474_5)
{
    World w;
    w.store.createMailbox("hana", "Archive");
    w.store.deliver("hana", "INBOX", "Subject: a\r\n\r\none\r\n", mail::DateTime{w.clock.nowSeconds(), 0}, 0);
    w.store.deliver("hana", "INBOX", "Subject: b\r\n\r\ntwo\r\n", mail::DateTime{w.clock.nowSeconds(), 0}, 0);
    Client c(w.store, w.clock);
    c.send("s SELECT INBOX");
    const std::string first = idIn(c.send("f FETCH 1 (EMAILID)"), "EMAILID");
    const std::string second = idIn(c.send("g FETCH 2 (EMAILID)"), "EMAILID");
    ASSERT_FALSE(first.empty());
    EXPECT_NE(first, second);
    // The copy has the EMAILID of its source (section 5.1).
    EXPECT_NE(c.send("c COPY 1 Archive").find("c OK [COPYUID "), std::string::npos);
    c.send("e EXAMINE Archive");
    EXPECT_EQ(c.send("h FETCH 1 (UID EMAILID THREADID)"),
              "* 1 FETCH (UID 1 EMAILID (" + first + ") THREADID NIL)\r\nh OK FETCH completed\r\n");
}

TEST(ImapObjectId, IdsSurviveARestartWithAMaildir_Rfc8474_4)
{
    ScratchDir dir("objectid");
    wire::VirtualClock clock;
    std::string inboxId, workId, emailId;
    {
        store::Store store(100);
        store.addAccount("hana", "pw");
        store::MaildirSync sync(store, clock, dir.path);
        Client c(store, clock);
        inboxId = idIn(c.send("s STATUS INBOX (MAILBOXID)"), "MAILBOXID");
        workId = idIn(c.send("c CREATE Work"), "MAILBOXID");
        c.send("r RENAME Work Jobs");
        store.deliver("hana", "Jobs", "Subject: a\r\n\r\none\r\n", mail::DateTime{clock.nowSeconds(), 0}, 0);
        c.send("e EXAMINE Jobs");
        emailId = idIn(c.send("f FETCH 1 (EMAILID)"), "EMAILID");
        EXPECT_TRUE(sync.problems().empty());
    }
    // A later start whose store would name new mailboxes otherwise: the ids come back from the disk.
    store::Store store(500);
    store.addAccount("hana", "pw");
    store::MaildirSync sync(store, clock, dir.path);
    Client c(store, clock);
    EXPECT_EQ(idIn(c.send("s STATUS INBOX (MAILBOXID)"), "MAILBOXID"), inboxId);
    EXPECT_EQ(idIn(c.send("t STATUS Jobs (MAILBOXID)"), "MAILBOXID"), workId);
    c.send("e EXAMINE Jobs");
    EXPECT_EQ(idIn(c.send("f FETCH 1 (EMAILID)"), "EMAILID"), emailId);
}

} // namespace
} // namespace maillab::test
