// serve --maildir keeps message bodies in their files (issue 14): the store holds only what is small, reads
// a body when a command asks for it, and answers a message whose file went or changed as expunged.
#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "store/maildir.hpp"
#include "test_support.hpp"

#include <fstream>
#include <gtest/gtest.h>

namespace maillab::test {
namespace {

namespace fs = std::filesystem;

// About 4 KiB, as bench/vs_dovecot.py sends: a header block of a few lines, then a long body.
std::string benchLikeMessage(int i)
{
    std::string text = "From: Sender " + std::to_string(i) + " <s" + std::to_string(i) +
                       "@example.org>\r\nTo: carol@example.org\r\nSubject: message " + std::to_string(i) +
                       "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    while (text.size() < 4000)
        text += "network packet router switch frame segment datagram header payload checksum\r\n";
    return text;
}

struct MaildirWorld {
    wire::VirtualClock clock;
    store::Store store;
    std::optional<store::MaildirSync> sync;
    explicit MaildirWorld(const fs::path& root)
    {
        store.addAccount("carol", "secret");
        sync.emplace(store, clock, root);
    }
    const store::Mailbox& inbox() const { return *store.mailbox("carol", "INBOX"); }
};

std::vector<fs::path> curFiles(const fs::path& root)
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(root / "carol" / "cur"))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::string login(imap::ImapSession& session)
{
    session.greeting();
    std::string out = session.receive("a LOGIN carol secret\r\n");
    return out + session.receive("b SELECT INBOX\r\n");
}

TEST(MaildirBodies, DeliveredAndLoadedMessagesKeepOnlyTheirHeadersInMemory)
{
    ScratchDir dir("maildir-bodies-held");
    const int count = 200;
    size_t total = 0;
    {
        MaildirWorld world(dir.path);
        for (int i = 0; i < count; ++i) {
            const std::string message = benchLikeMessage(i);
            total += message.size();
            ASSERT_NE(world.store.deliver("carol", "INBOX", message, {1700000000, 0}), 0u);
        }
        // Written, then let go: the store's own accounting holds the header blocks, not the bodies.
        EXPECT_EQ(world.store.messageBytes(), total);
        EXPECT_LT(world.store.heldBytes(), total / 5) << world.store.heldBytes() << " of " << total;
    }
    MaildirWorld restarted(dir.path);
    ASSERT_EQ(restarted.inbox().messages.size(), size_t(count));
    EXPECT_EQ(restarted.store.messageBytes(), total); // sizes without reading a file
    const size_t afterStart = restarted.store.heldBytes();
    EXPECT_LT(afterStart, total / 10) << afterStart << " of " << total;

    // Every body read and sent; none stays behind.
    imap::ImapSession session(restarted.store, restarted.clock, 1);
    login(session);
    std::string out = session.receive("c FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY.PEEK[])\r\n");
    while (out.find("c OK") == std::string::npos) {
        const std::string more = session.continueOutput();
        ASSERT_FALSE(more.empty());
        out += more;
    }
    EXPECT_GT(out.size(), total);
    EXPECT_NE(out.find("network packet router"), std::string::npos);
    EXPECT_LT(restarted.store.heldBytes(), total / 5) << restarted.store.heldBytes() << " of " << total;
}

// Under serve the new files of a loop round are synced together (setGroupedSync): until then they wait in
// tmp/ and their bytes in memory; once in cur/, the bodies leave memory as with one write at a time.
TEST(MaildirBodies, GroupedWritesLetTheBodiesGoOnceTheRoundIsSynced)
{
    ScratchDir dir("maildir-bodies-grouped");
    MaildirWorld world(dir.path);
    world.sync->setGroupedSync(true);
    size_t total = 0;
    for (int i = 0; i < 200; ++i) {
        const std::string message = benchLikeMessage(i);
        total += message.size();
        ASSERT_NE(world.store.deliver("carol", "INBOX", message, {1700000000, 0}), 0u);
    }
    EXPECT_GE(world.store.heldBytes(), total); // not on disk for sure yet: kept
    world.sync->sync();
    EXPECT_EQ(curFiles(dir.path).size(), 200u);
    EXPECT_LT(world.store.heldBytes(), total / 5) << world.store.heldBytes() << " of " << total;
    EXPECT_EQ(world.inbox().messages[7].copyBytes(), benchLikeMessage(7)); // read back from its file
}

// RFC 2180 section 4.1.2 lets a server answer NO to a FETCH of a message it can no longer read; RFC 5530
// names the case EXPUNGEISSUED. Another program removed the file, and serve has not rescanned yet.
TEST(MaildirBodies, AFileRemovedBehindTheServersBackIsAnsweredAsExpunged_Rfc2180_4_1_2)
{
    ScratchDir dir("maildir-bodies-gone");
    {
        MaildirWorld world(dir.path);
        world.store.deliver("carol", "INBOX", benchLikeMessage(1), {1700000000, 0});
        world.store.deliver("carol", "INBOX", benchLikeMessage(2), {1700000000, 0});
    }
    MaildirWorld world(dir.path);
    imap::ImapSession session(world.store, world.clock, 1);
    const std::string selected = login(session);
    ASSERT_NE(selected.find("b OK"), std::string::npos) << selected;
    const std::vector<fs::path> files = curFiles(dir.path);
    ASSERT_EQ(files.size(), 2u);
    fs::remove(files[0]);

    const std::string fetch = session.receive("c FETCH 1:2 (BODY.PEEK[])\r\n");
    EXPECT_EQ(fetch.find("* 1 FETCH"), std::string::npos) << fetch;
    EXPECT_NE(fetch.find("* 2 FETCH"), std::string::npos) << fetch;
    EXPECT_NE(fetch.find("c NO [EXPUNGEISSUED]"), std::string::npos) << fetch;
    const std::string uidFetch = session.receive("d UID FETCH 1:* (RFC822.HEADER)\r\n");
    EXPECT_NE(uidFetch.find("d NO [EXPUNGEISSUED]"), std::string::npos) << uidFetch;
    // A search finds nothing in it (not even its header, never read) and does not fail.
    const std::string search = session.receive("e SEARCH TEXT network\r\n");
    EXPECT_NE(search.find("* SEARCH 2\r\n"), std::string::npos) << search;

    pop3::Pop3Session pop(world.store, world.clock, 2);
    pop.greeting();
    pop.receive("USER carol\r\n");
    ASSERT_EQ(pop.receive("PASS secret\r\n").substr(0, 3), "+OK");
    EXPECT_EQ(pop.receive("RETR 1\r\n").substr(0, 4), "-ERR");
    EXPECT_EQ(pop.receive("RETR 2\r\n").substr(0, 3), "+OK");

    // The next rescan expunges it for every session (serve runs one about once a second).
    world.sync->rescan();
    EXPECT_EQ(world.inbox().messages.size(), 1u);
    EXPECT_NE(session.receive("f NOOP\r\n").find("* 1 EXPUNGE"), std::string::npos);
}

// Maildir files never change in place; one of another size is no longer the message the store listed.
TEST(MaildirBodies, AFileRewrittenBehindTheServersBackIsNotServed)
{
    ScratchDir dir("maildir-bodies-changed");
    {
        MaildirWorld world(dir.path);
        world.store.deliver("carol", "INBOX", benchLikeMessage(1), {1700000000, 0});
    }
    MaildirWorld world(dir.path);
    const std::vector<fs::path> files = curFiles(dir.path);
    ASSERT_EQ(files.size(), 1u);
    std::ofstream(files[0], std::ios::binary | std::ios::trunc) << "Subject: other\r\n\r\nshort\r\n";
    const store::StoredMessage& m = world.inbox().messages[0];
    EXPECT_EQ(m.data->body(), nullptr);
    imap::ImapSession session(world.store, world.clock, 1);
    login(session);
    const std::string fetch = session.receive("c FETCH 1 (RFC822.SIZE BODY.PEEK[TEXT])\r\n");
    EXPECT_EQ(fetch.find("short"), std::string::npos) << fetch;
    EXPECT_NE(fetch.find("c NO [EXPUNGEISSUED]"), std::string::npos) << fetch;
}

// A handle keeps the bytes it was given, whatever happens to the file or the store after.
TEST(MaildirBodies, ABodyHandleOutlivesTheFileAndTheMessage)
{
    ScratchDir dir("maildir-bodies-handle");
    MaildirWorld world(dir.path);
    const std::string message = benchLikeMessage(7);
    const uint32_t uid = world.store.deliver("carol", "INBOX", message, {1700000000, 0});
    ASSERT_TRUE(world.inbox().messages[0].data->onDisk());
    std::shared_ptr<const store::MessageBody> body = world.inbox().messages[0].data->body();
    ASSERT_NE(body, nullptr);
    ASSERT_EQ(world.store.expunge("carol", "INBOX", {uid}), 1u);
    EXPECT_TRUE(curFiles(dir.path).empty());
    EXPECT_EQ(body->bytes(), message);
    EXPECT_EQ(body->mime().type, "text");
}

// A flag change renames the file (Maildir info), a RENAME moves the folder: the data follows both.
TEST(MaildirBodies, BodiesAreFoundAfterTheirFileAndFolderWereRenamed)
{
    ScratchDir dir("maildir-bodies-renamed");
    MaildirWorld world(dir.path);
    ASSERT_EQ(world.store.createMailbox("carol", "Work"), store::Store::Result::Ok);
    const std::string message = benchLikeMessage(3);
    const uint32_t uid = world.store.deliver("carol", "Work", message, {1700000000, 0});
    ASSERT_TRUE(world.store.setFlags("carol", "Work", uid, store::kSeen | store::kFlagged, {}));
    ASSERT_EQ(world.store.renameMailbox("carol", "Work", "Projects/Work"), store::Store::Result::Ok);
    const store::Mailbox* box = world.store.mailbox("carol", "Projects/Work");
    ASSERT_NE(box, nullptr);
    ASSERT_EQ(box->messages.size(), 1u);
    EXPECT_EQ(box->messages[0].copyBytes(), message);
    ASSERT_TRUE(world.store.setFlags("carol", "Projects/Work", uid, 0, {}));
    EXPECT_EQ(box->messages[0].copyBytes(), message);
    // COPY shares nothing with the source file: the copy still reads after the original is expunged.
    imap::ImapSession session(world.store, world.clock, 1);
    session.greeting();
    session.receive("a LOGIN carol secret\r\n");
    session.receive("b SELECT Projects/Work\r\n");
    ASSERT_NE(session.receive("c COPY 1 INBOX\r\n").find("c OK"), std::string::npos);
    ASSERT_EQ(world.store.expunge("carol", "Projects/Work", {uid}), 1u);
    ASSERT_EQ(world.inbox().messages.size(), 1u);
    EXPECT_EQ(world.inbox().messages[0].copyBytes(), message);
}

} // namespace
} // namespace maillab::test
