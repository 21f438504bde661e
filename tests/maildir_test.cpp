// Maildir persistence: write-through of every Store change, restarts that reproduce the Store exactly,
// Maildirs written by other programs (and Dovecot's UID list), broken UID lists, and kill -9 mid-delivery.
#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "store/maildir.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <tuple>
#include <unistd.h>

namespace maillab::test {
namespace {

namespace fs = std::filesystem;
using store::MaildirSync;
using store::Store;
using store::StoredMessage;

// [SECTION] helpers

constexpr std::string_view kMsg1 =
    "From: Carol <carol@example.org>\r\nSubject: one\r\n\r\nline 1\r\nline 2\r\n";
constexpr std::string_view kMsg2 = "From: Dave <dave@example.org>\r\nSubject: two\r\n\r\n.\r\n..\r\nlast\r\n";
constexpr std::string_view kMsg3 = "Subject: three\r\n\r\nno final line break";
// What an IMAP APPEND could carry: LF only. maillab stores it as given, and must load it back as given.
constexpr std::string_view kMsgLf = "Subject: lf\n\nbare\nline feeds\n";

const mail::DateTime kDate1{1700000000, 60};
const mail::DateTime kDate2{1700003600, -300};
const mail::DateTime kDate3{1600000000, 0};

// A directory of its own under the system's temp directory, removed with everything in it.
class TempDir {
public:
    TempDir()
    {
        static std::atomic<int> counter{0};
        std::random_device random;
        m_path = fs::temp_directory_path() / ("maillab-maildir-test-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(counter++) + "-" + std::to_string(random()));
        fs::create_directories(m_path);
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

// A server's store with carol's account and the Maildir kept in sync; destroying it is a shutdown.
struct Server {
    wire::VirtualClock clock;
    Store store;
    std::optional<MaildirSync> sync;
    explicit Server(const fs::path& root, uint32_t uidValidityBase = 1, bool standardMailboxes = false)
        : store(uidValidityBase)
    {
        store.addAccount("carol", "secret");
        if (standardMailboxes) store::addStandardMailboxes(store, "carol");
        sync.emplace(store, clock, root);
    }
    const store::Mailbox& box(std::string_view name = "INBOX") const
    {
        const store::Mailbox* box = store.mailbox("carol", name);
        if (!box) throw std::runtime_error("no mailbox " + std::string(name));
        return *box;
    }
    uint32_t deliver(std::string_view bytes, mail::DateTime date = kDate1, uint8_t flags = store::kRecent,
                     std::string_view mailbox = "INBOX", std::vector<std::string> keywords = {})
    {
        return store.deliver("carol", mailbox, std::string(bytes), date, flags, std::move(keywords));
    }
};

// For the tests that build a MaildirSync without a Server.
const wire::VirtualClock kClock;

std::string problemsOf(const MaildirSync& sync)
{
    std::string out;
    for (const std::string& problem : sync.problems())
        out += problem + "\n";
    return out;
}

std::vector<std::string> filesIn(const fs::path& dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

void writeFile(const fs::path& path, std::string_view bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void setMtime(const fs::path& path, int64_t seconds)
{
    timespec times[2] = {};
    times[0].tv_sec = static_cast<time_t>(seconds);
    times[1].tv_sec = static_cast<time_t>(seconds);
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

int64_t mtimeOf(const fs::path& path)
{
    struct stat st = {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtim.tv_sec) : -1;
}

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Everything a restart must reproduce about a mailbox; \Recent belongs to a session, not to the disk.
using MessageState = std::tuple<uint32_t, uint8_t, std::vector<std::string>, int64_t, int, std::string>;
struct MailboxState {
    uint32_t uidValidity = 0;
    uint32_t uidNext = 0;
    std::string specialUse;
    std::vector<MessageState> messages;
    bool operator==(const MailboxState&) const = default;
};

std::map<std::string, MailboxState> stateOf(const Store& store)
{
    std::map<std::string, MailboxState> out;
    for (const auto& [name, box] : store.account("carol")->mailboxes) {
        MailboxState& state = out[name];
        state.uidValidity = box.uidValidity;
        state.uidNext = box.uidNext;
        state.specialUse = box.specialUse;
        for (const StoredMessage& m : box.messages)
            state.messages.emplace_back(m.uid, static_cast<uint8_t>(m.flags & ~store::kRecent), m.keywords,
                                        m.internalDate.epochSeconds, m.internalDate.zoneMinutes,
                                        m.copyBytes());
    }
    return out;
}

class MaildirTest : public ::testing::Test {
protected:
    TempDir m_dir;
    const fs::path& root() const { return m_dir.path(); }
    fs::path inbox() const { return root() / "carol"; }
};

// [SECTION] writing through

TEST_F(MaildirTest, DeliveryWritesTheExactBytesIntoCurWithFlagsInTheName)
{
    Server server(root(), 100);
    uint32_t uid = server.deliver(kMsg1, kDate1, store::kSeen | store::kFlagged | store::kRecent);
    ASSERT_EQ(uid, 1u);
    std::vector<std::string> cur = filesIn(inbox() / "cur");
    ASSERT_EQ(cur.size(), 1u);
    EXPECT_TRUE(endsWith(cur[0], ":2,FS")) << cur[0]; // Maildir info letters in ASCII order, no \Recent
    EXPECT_EQ(readFile(inbox() / "cur" / cur[0]), kMsg1);
    EXPECT_EQ(mtimeOf(inbox() / "cur" / cur[0]), kDate1.epochSeconds); // the internal date
    EXPECT_TRUE(filesIn(inbox() / "tmp").empty());
    EXPECT_TRUE(filesIn(inbox() / "new").empty());
    std::string base = cur[0].substr(0, cur[0].find(":2,"));
    // The new message's line is appended to the list the empty folder had (UIDNEXT follows from its UID).
    // M: its mod-sequence, F: the flags its file was named with (issue 15, RFC 7162).
    EXPECT_EQ(readFile(inbox() / "maillab-uidlist"),
              "maillab-uidlist 1 V100 N1 H1 IM100\n1 Z60 M2 FFS :" + base + "\n");
    EXPECT_EQ(problemsOf(*server.sync), "");
}

TEST_F(MaildirTest, RestartReproducesBytesUidsFlagsDatesUidValidityAndUidNext)
{
    std::map<std::string, MailboxState> before;
    {
        Server server(root(), 500, true);
        server.deliver(kMsg1, kDate1);
        server.deliver(kMsg2, kDate2, store::kSeen | store::kAnswered, "INBOX", {"$Forwarded", "Work"});
        server.deliver(kMsg3, kDate3, store::kDraft | store::kDeleted);
        server.deliver(kMsgLf, kDate1, 0);
        uint32_t last = server.deliver(kMsg1, kDate2);
        server.store.expunge("carol", "INBOX", {last}); // UIDNEXT now exceeds the highest UID by two
        server.deliver(kMsg2, kDate2, store::kSeen, "Sent");
        ASSERT_EQ(server.store.createMailbox("carol", "Lists/rust"), Store::Result::Ok);
        server.deliver(kMsg3, kDate3, store::kFlagged, "Lists/rust");
        before = stateOf(server.store);
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    ASSERT_EQ(before.at("INBOX").uidNext, 6u);
    ASSERT_EQ(before.at("INBOX").uidValidity, 500u);
    // Another UIDVALIDITY base than the first run's: the disk's values must win.
    Server restarted(root(), 1, true);
    EXPECT_EQ(problemsOf(*restarted.sync), "");
    EXPECT_EQ(stateOf(restarted.store), before);
    EXPECT_EQ(restarted.box("Sent").specialUse, "\\Sent");
    // A mailbox created now gets a UIDVALIDITY none of the restored ones has.
    ASSERT_EQ(restarted.store.createMailbox("carol", "Fresh"), Store::Result::Ok);
    for (const auto& [name, state] : before)
        EXPECT_NE(restarted.box("Fresh").uidValidity, state.uidValidity);
}

TEST_F(MaildirTest, FlagChangesRenameTheFileAndKeywordsGoToTheUidlist)
{
    Server server(root());
    uint32_t uid = server.deliver(kMsg1);
    std::vector<std::string> cur = filesIn(inbox() / "cur");
    ASSERT_EQ(cur.size(), 1u);
    EXPECT_TRUE(endsWith(cur[0], ":2,")) << cur[0];
    std::string base = cur[0].substr(0, cur[0].size() - 3);

    ASSERT_TRUE(server.store.setFlags("carol", "INBOX", uid, store::kSeen | store::kAnswered, {}));
    EXPECT_EQ(filesIn(inbox() / "cur"), std::vector<std::string>{base + ":2,RS"});
    ASSERT_TRUE(server.store.setFlags("carol", "INBOX", uid, store::kSeen, {"$Label1"}));
    EXPECT_EQ(filesIn(inbox() / "cur"), std::vector<std::string>{base + ":2,S"});
    EXPECT_NE(readFile(inbox() / "maillab-uidlist").find(" K$Label1 M4 FS :" + base), std::string::npos);
    ASSERT_TRUE(server.store.setFlags("carol", "INBOX", uid, 0, {}));
    EXPECT_EQ(filesIn(inbox() / "cur"), std::vector<std::string>{base + ":2,"});
    EXPECT_EQ(readFile(inbox() / "cur" / (base + ":2,")), kMsg1);
    EXPECT_EQ(problemsOf(*server.sync), "");
}

TEST_F(MaildirTest, NewMessagesAndKeywordsAppendALineAndTheListIsRewrittenWhenItDoubles)
{
    std::map<std::string, MailboxState> before;
    {
        Server server(root());
        for (int i = 0; i < 3; ++i)
            server.deliver(kMsg1);
        const std::string three = readFile(inbox() / "maillab-uidlist");
        ASSERT_TRUE(server.store.setFlags("carol", "INBOX", 2, 0, {"$Label1"}));
        std::string four = readFile(inbox() / "maillab-uidlist");
        // Appended: what was there stays byte for byte, the message's new line follows.
        ASSERT_EQ(four.substr(0, three.size()), three);
        EXPECT_EQ(four.substr(three.size()).substr(0, 21), "2 Z60 K$Label1 M5 F :");
        // A flag change appends a line too: its mod-sequence changed (RFC 7162 section 3.1).
        ASSERT_TRUE(server.store.setFlags("carol", "INBOX", 2, store::kSeen, {"$Label1"}));
        EXPECT_EQ(readFile(inbox() / "maillab-uidlist").substr(four.size()).substr(0, 22),
                  "2 Z60 K$Label1 M6 FS :");
        // Hundreds of changes: the list is rewritten whole before it holds more than about twice its lines.
        for (int i = 0; i < 200; ++i)
            ASSERT_TRUE(server.store.setFlags("carol", "INBOX", 1 + i % 3, 0, {"k" + std::to_string(i)}));
        EXPECT_LT(readFile(inbox() / "maillab-uidlist").size(), 2 * three.size() + 4096 + 64);
        before = stateOf(server.store);
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    // A restart reads the last line of each message (its keywords), and rewrites the list whole.
    Server restarted(root());
    EXPECT_EQ(stateOf(restarted.store), before);
    EXPECT_EQ(restarted.box().messages[0].keywords, std::vector<std::string>{"k198"});
    std::string list = readFile(inbox() / "maillab-uidlist");
    EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 4) << list;
}

// Issue 15: grouped, a new message's file waits in tmp/ (whole, not yet synced) until sync() syncs the
// round's files together and moves them into cur/; a change to its folder before then moves it first.
TEST_F(MaildirTest, GroupedNewMessagesWaitInTmpUntilSyncMovesThemIntoCurTogether)
{
    Server server(root());
    server.sync->setGroupedSync(true);
    for (std::string_view bytes : {kMsg1, kMsg2, kMsg3})
        server.deliver(bytes);
    EXPECT_TRUE(filesIn(inbox() / "cur").empty());
    EXPECT_EQ(filesIn(inbox() / "tmp").size(), 3u);
    server.sync->sync();
    EXPECT_TRUE(filesIn(inbox() / "tmp").empty());
    ASSERT_EQ(filesIn(inbox() / "cur").size(), 3u);
    const uint32_t uid = server.deliver(kMsgLf);
    ASSERT_TRUE(server.store.setFlags("carol", "INBOX", uid, store::kSeen, {}));
    EXPECT_TRUE(filesIn(inbox() / "tmp").empty());
    size_t seen = 0;
    for (const std::string& name : filesIn(inbox() / "cur"))
        seen += endsWith(name, ":2,S") && readFile(inbox() / "cur" / name) == kMsgLf;
    EXPECT_EQ(seen, 1u);
    EXPECT_EQ(problemsOf(*server.sync), "");
}

TEST_F(MaildirTest, GroupedSyncsKeepEveryChangeOnceSyncedAndARestartReproducesThem)
{
    std::map<std::string, MailboxState> before;
    {
        Server server(root());
        server.sync->setGroupedSync(true);
        for (int i = 0; i < 5; ++i)
            server.deliver(kMsg1);
        ASSERT_TRUE(server.store.setFlags("carol", "INBOX", 2, store::kSeen, {"$Label1"}));
        ASSERT_EQ(server.store.expunge("carol", "INBOX", {3}), 1u);
        ASSERT_TRUE(server.store.setFlags("carol", "INBOX", 4, store::kFlagged, {"Work"}));
        // A deep CREATE makes and subscribes every superior; their folders and the subscriptions file are
        // synced (written) at sync().
        ASSERT_EQ(server.store.createMailbox("carol", "Lists/rust/async"), Store::Result::Ok);
        server.deliver(kMsg3, kDate3, store::kSeen, "Lists/rust");
        server.sync->sync();
        EXPECT_EQ(problemsOf(*server.sync), "");
        server.deliver(kMsg2); // not synced yet: the destructor (a shutdown) does it
        before = stateOf(server.store);
    }
    Server restarted(root());
    EXPECT_EQ(problemsOf(*restarted.sync), "");
    EXPECT_EQ(stateOf(restarted.store), before);
    EXPECT_EQ(restarted.store.account("carol")->subscriptions,
              (std::set<std::string>{"INBOX", "Lists", "Lists/rust", "Lists/rust/async"}));
}

// Issue 14: a directory that may not be synced puts the whole round in doubt (a crash could lose the
// renames into cur/): every session that changed something is named, and the messages they added go.
TEST_F(MaildirTest, AFailedGroupedDirectorySyncNamesTheRoundsSessionsAndTakesTheirMessagesBack)
{
    Server server(root());
    server.sync->setGroupedSync(true);
    ASSERT_NE(server.store.deliver("carol", "INBOX", std::string(kMsg1), kDate1, store::kRecent, {}, 7), 0u);
    ASSERT_NE(server.store.deliver("carol", "INBOX", std::string(kMsg2), kDate2, store::kRecent, {}, 8), 0u);
    server.sync->setFsyncFault([](const fs::path& path) { return path.filename() == "cur" ? EIO : 0; });
    EXPECT_EQ(server.sync->sync(), (std::set<int>{7, 8}));
    EXPECT_TRUE(server.box().messages.empty());
    EXPECT_TRUE(filesIn(inbox() / "cur").empty());
    EXPECT_TRUE(filesIn(inbox() / "tmp").empty());
    EXPECT_NE(problemsOf(*server.sync).find("fsync directory"), std::string::npos)
        << problemsOf(*server.sync);
    // The disk is well again: the next round keeps what it is given, and a restart agrees.
    server.sync->setFsyncFault({});
    const uint32_t uid =
        server.store.deliver("carol", "INBOX", std::string(kMsg3), kDate3, store::kRecent, {}, 7);
    EXPECT_EQ(server.sync->sync(), std::set<int>{});
    ASSERT_EQ(server.box().messages.size(), 1u);
    EXPECT_EQ(server.box().messages[0].uid, uid);
    const auto before = stateOf(server.store);
    server.sync.reset();
    Server restarted(root());
    EXPECT_EQ(stateOf(restarted.store), before);
}

TEST_F(MaildirTest, AnAppendedUidAboveTheHeadersUidNextIsNeverGivenAgain_Rfc3501_2_3_1_1)
{
    {
        Server server(root(), 7);
        server.deliver(kMsg1);
    }
    // A crash after an appended line whose file was then removed by another program: header N1, UID 5 used.
    std::string list = readFile(inbox() / "maillab-uidlist");
    writeFile(inbox() / "maillab-uidlist", list + "5 :gone.file.base\n");
    Server restarted(root(), 7);
    EXPECT_EQ(restarted.box().uidNext, 6u);
    EXPECT_EQ(restarted.deliver(kMsg2), 6u);
}

TEST_F(MaildirTest, ExpungeUnlinksTheFileAndDropsItFromTheUidlist)
{
    Server server(root());
    server.deliver(kMsg1);
    server.deliver(kMsg2);
    server.deliver(kMsg3);
    ASSERT_EQ(server.store.expunge("carol", "INBOX", {2}), 1u);
    std::vector<std::string> cur = filesIn(inbox() / "cur");
    ASSERT_EQ(cur.size(), 2u);
    std::multiset<std::string> bytes;
    for (const std::string& name : cur)
        bytes.insert(readFile(inbox() / "cur" / name));
    EXPECT_EQ(bytes, (std::multiset<std::string>{std::string(kMsg1), std::string(kMsg3)}));
    // Not rewritten whole for an expunge: a line says UID 2 went at mod-sequence 5 (for QRESYNC after a
    // restart, RFC 7162 section 3.2.5.1); the rewrite a restart makes drops its old line.
    std::string uidlist = readFile(inbox() / "maillab-uidlist");
    EXPECT_NE(uidlist.find("\nX2 M5\n"), std::string::npos) << uidlist;
    EXPECT_NE(uidlist.find("\n3 "), std::string::npos) << uidlist;
    server.sync.reset();
    MaildirSync restarted(server.store, server.clock, root());
    uidlist = readFile(inbox() / "maillab-uidlist");
    EXPECT_EQ(uidlist.find("\n2 "), std::string::npos) << uidlist;
    EXPECT_NE(uidlist.find("\nX2 M5\n"), std::string::npos) << uidlist;
}

// RFC 1939 section 6: messages marked with DELE are removed in the UPDATE state, after QUIT; UIDL's
// unique-ids (UIDVALIDITY and UID) must stay the same across a restart (RFC 1939 section 7).
TEST_F(MaildirTest, Pop3UpdateRemovesEveryDeletedFileAndUidlSurvivesRestart_Rfc1939_6)
{
    std::string uidlBefore;
    {
        Server server(root(), 700);
        for (int i = 0; i < 5; ++i)
            server.deliver(i % 2 ? kMsg1 : kMsg2, kDate1, 0);
        wire::VirtualClock clock;
        pop3::Pop3Session session(server.store, clock, 1);
        session.greeting();
        ASSERT_EQ(session.receive("USER carol\r\n").substr(0, 3), "+OK");
        ASSERT_EQ(session.receive("PASS secret\r\n").substr(0, 3), "+OK");
        ASSERT_EQ(session.receive("DELE 1\r\n").substr(0, 3), "+OK");
        ASSERT_EQ(session.receive("DELE 3\r\n").substr(0, 3), "+OK");
        ASSERT_EQ(session.receive("DELE 5\r\n").substr(0, 3), "+OK");
        EXPECT_EQ(filesIn(inbox() / "cur").size(), 5u) << "DELE only marks (RFC 1939 section 5)";
        ASSERT_EQ(session.receive("QUIT\r\n").substr(0, 3), "+OK");
        EXPECT_EQ(filesIn(inbox() / "cur").size(), 2u);
        EXPECT_EQ(problemsOf(*server.sync), "");

        pop3::Pop3Session again(server.store, clock, 2);
        again.greeting();
        again.receive("USER carol\r\n");
        again.receive("PASS secret\r\n");
        uidlBefore = again.receive("UIDL\r\n");
        again.receive("QUIT\r\n");
    }
    Server restarted(root(), 1);
    std::vector<uint32_t> uids;
    for (const StoredMessage& m : restarted.box().messages)
        uids.push_back(m.uid);
    EXPECT_EQ(uids, (std::vector<uint32_t>{2, 4}));
    EXPECT_EQ(restarted.box().uidNext, 6u);
    wire::VirtualClock clock;
    pop3::Pop3Session session(restarted.store, clock, 1);
    session.greeting();
    session.receive("USER carol\r\n");
    session.receive("PASS secret\r\n");
    EXPECT_EQ(session.receive("UIDL\r\n"), uidlBefore);
}

// [SECTION] folders

TEST_F(MaildirTest, FoldersAreCreatedRenamedAndDeletedWithDotsInNamesRoundTripping)
{
    {
        Server server(root());
        // RFC 3501 section 6.3.3: CREATE makes the missing superior "Projects" too.
        ASSERT_EQ(server.store.createMailbox("carol", "Projects/2024.Q1"), Store::Result::Ok);
        EXPECT_TRUE(fs::is_directory(inbox() / ".Projects" / "cur"));
        fs::path dotted = inbox() / ".Projects.2024%2EQ1";
        for (const char* entry : {"cur", "new", "tmp", "maildirfolder", "maillab-uidlist"})
            EXPECT_TRUE(fs::exists(dotted / entry)) << entry;
        server.deliver(kMsg1, kDate1, store::kSeen, "Projects/2024.Q1");
        ASSERT_EQ(server.store.createMailbox("carol", "50% off"), Store::Result::Ok);
        EXPECT_TRUE(fs::is_directory(inbox() / ".50%25 off" / "cur"));

        // RFC 3501 section 6.3.5: renaming a mailbox renames its inferiors too.
        ASSERT_EQ(server.store.renameMailbox("carol", "Projects", "Archive/Old"), Store::Result::Ok);
        EXPECT_FALSE(fs::exists(inbox() / ".Projects"));
        EXPECT_FALSE(fs::exists(dotted));
        EXPECT_TRUE(fs::is_directory(inbox() / ".Archive" / "cur"));
        EXPECT_TRUE(fs::is_directory(inbox() / ".Archive.Old" / "cur"));
        std::vector<std::string> cur = filesIn(inbox() / ".Archive.Old.2024%2EQ1" / "cur");
        ASSERT_EQ(cur.size(), 1u);
        EXPECT_TRUE(endsWith(cur[0], ":2,S"));
        // The renamed folder keeps writing through.
        server.deliver(kMsg2, kDate2, 0, "Archive/Old/2024.Q1");
        EXPECT_EQ(filesIn(inbox() / ".Archive.Old.2024%2EQ1" / "cur").size(), 2u);
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    {
        Server restarted(root());
        EXPECT_EQ(problemsOf(*restarted.sync), "");
        std::vector<std::string> names;
        for (const auto& [name, box] : restarted.store.account("carol")->mailboxes)
            names.push_back(name);
        EXPECT_EQ(names, (std::vector<std::string>{"50% off", "Archive", "Archive/Old", "Archive/Old/2024.Q1",
                                                   "INBOX"}));
        const store::Mailbox& q1 = restarted.box("Archive/Old/2024.Q1");
        ASSERT_EQ(q1.messages.size(), 2u);
        EXPECT_EQ(q1.messages[0].copyBytes(), kMsg1);
        EXPECT_EQ(q1.messages[1].copyBytes(), kMsg2);

        ASSERT_EQ(restarted.store.deleteMailbox("carol", "Archive/Old/2024.Q1"), Store::Result::Ok);
        EXPECT_FALSE(fs::exists(inbox() / ".Archive.Old.2024%2EQ1"));
        ASSERT_EQ(restarted.store.deleteMailbox("carol", "50% off"), Store::Result::Ok);
        for (const std::string& entry : filesIn(inbox()))
            EXPECT_NE(entry.rfind("..", 0), 0u) << entry;
        EXPECT_EQ(problemsOf(*restarted.sync), "");
    }
    Server again(root());
    EXPECT_EQ(again.store.mailbox("carol", "Archive/Old/2024.Q1"), nullptr);
    EXPECT_EQ(again.store.mailbox("carol", "50% off"), nullptr);
    EXPECT_NE(again.store.mailbox("carol", "Archive/Old"), nullptr);
}

// RFC 3501 section 6.3.5: renaming INBOX moves its messages into the new mailbox and leaves INBOX empty.
TEST_F(MaildirTest, RenamingInboxMovesItsFiles_Rfc3501_6_3_5)
{
    {
        Server server(root());
        server.deliver(kMsg1);
        server.deliver(kMsg2, kDate2, store::kSeen);
        ASSERT_EQ(server.store.renameMailbox("carol", "INBOX", "Old mail"), Store::Result::Ok);
        EXPECT_TRUE(filesIn(inbox() / "cur").empty());
        EXPECT_EQ(filesIn(inbox() / ".Old mail" / "cur").size(), 2u);
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    Server restarted(root());
    EXPECT_TRUE(restarted.box().messages.empty());
    ASSERT_EQ(restarted.box("Old mail").messages.size(), 2u);
    EXPECT_EQ(restarted.box("Old mail").messages[1].copyBytes(), kMsg2);
    EXPECT_TRUE(restarted.box("Old mail").messages[1].has(store::kSeen));
}

TEST_F(MaildirTest, UidValidityResetRenumbersTheUidlist_Rfc3501_2_3_1_1)
{
    uint32_t validity = 0;
    {
        Server server(root());
        server.deliver(kMsg1);
        server.deliver(kMsg2);
        server.deliver(kMsg3);
        server.store.expunge("carol", "INBOX", {1});
        server.store.resetUidValidity("carol", "INBOX");
        validity = server.box().uidValidity;
        ASSERT_EQ(server.box().messages[0].uid, 1u);
    }
    Server restarted(root());
    EXPECT_EQ(restarted.box().uidValidity, validity);
    ASSERT_EQ(restarted.box().messages.size(), 2u);
    EXPECT_EQ(restarted.box().messages[0].uid, 1u);
    EXPECT_EQ(restarted.box().messages[0].copyBytes(), kMsg2);
    EXPECT_EQ(restarted.box().messages[1].uid, 2u);
    EXPECT_EQ(restarted.box().messages[1].copyBytes(), kMsg3);
    EXPECT_EQ(restarted.box().uidNext, 3u);
}

// A first start with mail already in the Store (demo mail) writes it out; after that the disk is the truth.
TEST_F(MaildirTest, MailTheDiskLacksIsWrittenOutAndTheDiskWinsAfterwards)
{
    std::map<std::string, MailboxState> before;
    {
        Store store(40);
        store.addAccount("carol", "secret");
        store::addStandardMailboxes(store, "carol");
        store.deliver("carol", "INBOX", std::string(kMsg1), kDate1, store::kSeen);
        store.deliver("carol", "Drafts", std::string(kMsg3), kDate3, store::kDraft, {"$MDNSent"});
        MaildirSync sync(store, kClock, root());
        EXPECT_EQ(problemsOf(sync), "");
        EXPECT_EQ(filesIn(inbox() / "cur").size(), 1u);
        EXPECT_EQ(filesIn(inbox() / ".Drafts" / "cur").size(), 1u);
        before = stateOf(store);
    }
    Store store(40);
    store.addAccount("carol", "secret");
    store::addStandardMailboxes(store, "carol");
    store.deliver("carol", "INBOX", "Subject: not on disk\r\n\r\n", kDate2); // replaced by the disk's INBOX
    MaildirSync sync(store, kClock, root());
    EXPECT_EQ(problemsOf(sync), "");
    EXPECT_EQ(stateOf(store), before);
}

// [SECTION] Maildirs from other programs

TEST_F(MaildirTest, ForeignMaildirGetsNewUidsRecentForNewAndCrlf)
{
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(inbox() / sub);
    writeFile(inbox() / "new" / "1001.B.host", "Subject: b\n\nfrom new\n");
    writeFile(inbox() / "new" / "1000.A.host", "Subject: a\n\nfrom new\n");
    writeFile(inbox() / "cur" / "999.C.host:2,S", "Subject: c\n\nseen\n");
    writeFile(inbox() / "cur" / "998.D.host", "Subject: d\r\n\r\nalready CRLF\r\n");
    writeFile(inbox() / "cur" / ".hidden", "not mail");
    writeFile(inbox() / "tmp" / "1002.E.host", "Subject: e\n\nhalf writ");
    setMtime(inbox() / "cur" / "999.C.host:2,S", 1500000000);
    fs::create_directories(inbox() / ".Lists.rust" / "cur");
    writeFile(inbox() / ".Lists.rust" / "cur" / "1.X.host:2,FS", "Subject: x\n\nrust\n");

    std::map<std::string, MailboxState> first;
    {
        Server server(root());
        EXPECT_EQ(problemsOf(*server.sync), "");
        const store::Mailbox& box = server.box();
        ASSERT_EQ(box.messages.size(), 4u);
        // Base-name order: "1000.A.host" < "1001.B.host" < "998.D.host" < "999.C.host".
        EXPECT_EQ(box.messages[0].copyBytes(), "Subject: a\r\n\r\nfrom new\r\n");
        EXPECT_EQ(box.messages[1].copyBytes(), "Subject: b\r\n\r\nfrom new\r\n");
        EXPECT_EQ(box.messages[2].copyBytes(), "Subject: d\r\n\r\nalready CRLF\r\n");
        EXPECT_EQ(box.messages[3].copyBytes(), "Subject: c\r\n\r\nseen\r\n");
        for (uint32_t i = 0; i < 4; ++i)
            EXPECT_EQ(box.messages[i].uid, i + 1);
        EXPECT_EQ(box.uidNext, 5u);
        EXPECT_EQ(box.messages[0].flags, store::kRecent);
        EXPECT_EQ(box.messages[1].flags, store::kRecent);
        EXPECT_EQ(box.messages[2].flags, 0);
        EXPECT_EQ(box.messages[3].flags, store::kSeen);
        EXPECT_EQ(box.messages[3].internalDate.epochSeconds, 1500000000);
        // Moved to cur/ as a Maildir reader does; the files themselves are left as they were.
        EXPECT_TRUE(filesIn(inbox() / "new").empty());
        EXPECT_EQ(readFile(inbox() / "cur" / "1000.A.host:2,"), "Subject: a\n\nfrom new\n");
        EXPECT_EQ(filesIn(inbox() / "tmp"), std::vector<std::string>{"1002.E.host"});

        const store::Mailbox& rust = server.box("Lists/rust");
        ASSERT_EQ(rust.messages.size(), 1u);
        EXPECT_EQ(rust.messages[0].flags, store::kFlagged | store::kSeen);
        EXPECT_NE(server.store.mailbox("carol", "Lists"), nullptr);
        EXPECT_TRUE(fs::is_directory(inbox() / ".Lists" / "cur")); // the superior now exists on disk too
        first = stateOf(server.store);
    }
    Server restarted(root());
    EXPECT_EQ(problemsOf(*restarted.sync), "");
    EXPECT_EQ(stateOf(restarted.store), first);
    for (const StoredMessage& m : restarted.box().messages)
        EXPECT_FALSE(m.has(store::kRecent));
}

TEST_F(MaildirTest, DovecotUidlistIsHonoured)
{
    fs::create_directories(inbox() / "cur");
    writeFile(inbox() / "cur" / "a.host:2,S", "Subject: a\n\n");
    writeFile(inbox() / "cur" / "b.host:2,", "Subject: b\n\n");
    writeFile(inbox() / "cur" / "c.host:2,", "Subject: c\n\n");
    writeFile(inbox() / "dovecot-uidlist",
              "3 V1234 N20 G0123456789abcdef\n5 W14 S12 :a.host:2,S\n9 :b.host\n");
    {
        Server server(root());
        EXPECT_EQ(problemsOf(*server.sync), "");
        const store::Mailbox& box = server.box();
        EXPECT_EQ(box.uidValidity, 1234u);
        ASSERT_EQ(box.messages.size(), 3u);
        EXPECT_EQ(box.messages[0].uid, 5u);
        EXPECT_EQ(box.messages[0].copyBytes(), "Subject: a\r\n\r\n");
        EXPECT_EQ(box.messages[1].uid, 9u);
        EXPECT_EQ(box.messages[2].uid, 20u); // not listed: after UIDNEXT
        EXPECT_EQ(box.uidNext, 21u);
        EXPECT_TRUE(fs::exists(inbox() / "maillab-uidlist"));
    }
    Server restarted(root());
    EXPECT_EQ(restarted.box().uidValidity, 1234u);
    EXPECT_EQ(restarted.box().uidNext, 21u);
    EXPECT_EQ(restarted.box().messages[2].uid, 20u);
    EXPECT_EQ(restarted.box().messages[2].copyBytes(), "Subject: c\r\n\r\n");
}

TEST_F(MaildirTest, FilesLeftInTmpAreIgnoredAndOldOnesCleanedUp)
{
    {
        Server server(root());
        server.deliver(kMsg1);
    }
    // "Old" is measured on the clock the sync is given, not the real one (the Maildir spec: 36 hours).
    const int64_t now = wire::VirtualClock().nowSeconds();
    writeFile(inbox() / "tmp" / "1700000000.M1P1.host", "Subject: half a mess");
    setMtime(inbox() / "tmp" / "1700000000.M1P1.host", now - 35 * 3600);
    writeFile(inbox() / "tmp" / "1600000000.M1P1.host", "Subject: abandoned long ago");
    setMtime(inbox() / "tmp" / "1600000000.M1P1.host", now - 37 * 3600);
    Server restarted(root());
    EXPECT_EQ(problemsOf(*restarted.sync), "");
    ASSERT_EQ(restarted.box().messages.size(), 1u);
    EXPECT_EQ(restarted.box().messages[0].copyBytes(), kMsg1);
    EXPECT_EQ(filesIn(inbox() / "tmp"), std::vector<std::string>{"1700000000.M1P1.host"});
}

TEST_F(MaildirTest, NewFilesAreNamedFromTheClockPassedIn)
{
    Server server(root());
    server.clock.set(1795683600123);
    server.deliver(kMsg1);
    std::vector<std::string> files = filesIn(inbox() / "cur");
    ASSERT_EQ(files.size(), 1u);
    // time.MusecPpidQn.host:2,flags (the Maildir spec's unique name).
    EXPECT_EQ(files[0].rfind("1795683600.M123000P" + std::to_string(::getpid()) + "Q", 0), 0u) << files[0];
}

// [SECTION] broken state

TEST_F(MaildirTest, GarbageUidlistIsReportedAndUidsAreGivenAnewUnderANewUidValidity)
{
    uint32_t validity = 0;
    {
        Server server(root(), 5);
        server.deliver(kMsg1);
        server.deliver(kMsg2);
        server.deliver(kMsg3);
        validity = server.box().uidValidity;
    }
    writeFile(inbox() / "maillab-uidlist", std::string("\x01\xff garbage\n\0\0\0", 14));
    {
        Server restarted(root(), 5);
        EXPECT_NE(problemsOf(*restarted.sync).find("maillab-uidlist"), std::string::npos)
            << problemsOf(*restarted.sync);
        const store::Mailbox& box = restarted.box();
        ASSERT_EQ(box.messages.size(), 3u);
        std::multiset<std::string> bytes;
        for (uint32_t i = 0; i < 3; ++i) {
            EXPECT_EQ(box.messages[i].uid, i + 1);
            bytes.insert(box.messages[i].copyBytes());
        }
        EXPECT_EQ(bytes,
                  (std::multiset<std::string>{std::string(kMsg1), std::string(kMsg2), std::string(kMsg3)}));
        // Clients that cached the old UIDs must see that they are gone (RFC 3501 section 2.3.1.1).
        EXPECT_NE(box.uidValidity, validity);
    }
    Server again(root(), 5);
    EXPECT_EQ(problemsOf(*again.sync), ""); // the rewritten uidlist is whole again
}

TEST_F(MaildirTest, TruncatedUidlistKeepsTheUidsItStillNames)
{
    {
        Server server(root());
        server.deliver(kMsg1);
        server.deliver(kMsg2);
        server.deliver(kMsg3);
    }
    // A start rewrites the list whole (header N4); cut in the middle of its last line after that.
    {
        Server compacting(root());
    }
    std::string uidlist = readFile(inbox() / "maillab-uidlist");
    ASSERT_EQ(uidlist.substr(0, 23), "maillab-uidlist 1 V1 N4");
    writeFile(inbox() / "maillab-uidlist", uidlist.substr(0, uidlist.size() - 6));
    Server restarted(root());
    EXPECT_NE(problemsOf(*restarted.sync).find("cut short"), std::string::npos)
        << problemsOf(*restarted.sync);
    const store::Mailbox& box = restarted.box();
    ASSERT_EQ(box.messages.size(), 3u);
    EXPECT_EQ(box.uidValidity, 1u);
    EXPECT_EQ(box.messages[0].uid, 1u);
    EXPECT_EQ(box.messages[0].copyBytes(), kMsg1);
    EXPECT_EQ(box.messages[1].uid, 2u);
    EXPECT_EQ(box.messages[2].uid, 4u); // lost its line: a new UID after UIDNEXT, never a reused one
    EXPECT_EQ(box.messages[2].copyBytes(), kMsg3);
    EXPECT_EQ(box.uidNext, 5u);
}

TEST_F(MaildirTest, WriteFailuresGoToProblemsAndNeverThrow)
{
    Server server(root());
    ASSERT_EQ(server.store.createMailbox("carol", "Gone"), Store::Result::Ok);
    fs::remove_all(inbox() / ".Gone");
    uint32_t uid = 1;
    EXPECT_NO_THROW(uid = server.deliver(kMsg1, kDate1, 0, "Gone"));
    EXPECT_EQ(uid, 0u) << "a message that is not on disk must not get a UID (F6)";
    EXPECT_TRUE(server.box("Gone").messages.empty());
    Store::Result renamed = Store::Result::Ok;
    EXPECT_NO_THROW(renamed = server.store.renameMailbox("carol", "Gone", "Elsewhere"));
    EXPECT_EQ(renamed, Store::Result::WriteFailed);
    EXPECT_NE(server.store.mailbox("carol", "Gone"), nullptr);
    EXPECT_FALSE(server.sync->problems().empty());
    // The account's other folders still work.
    server.deliver(kMsg2);
    EXPECT_EQ(filesIn(inbox() / "cur").size(), 1u);
}

// [SECTION] issue 14: no acknowledged mail lost, a Maildir shared with other programs

TEST_F(MaildirTest, RenameRefusesNamesCreateRefuses_F5_Rfc3501_6_3_5)
{
    // In memory (no Maildir) and with one: the store refuses the same names.
    Store memory;
    memory.addAccount("carol", "secret");
    ASSERT_EQ(memory.createMailbox("carol", "Work"), Store::Result::Ok);
    {
        Server server(root());
        ASSERT_EQ(server.store.createMailbox("carol", "Work"), Store::Result::Ok);
        server.deliver(kMsg1, kDate1, 0, "Work");
        for (std::string_view bad : {"/x", "a//b", "x/", "", "/"}) {
            EXPECT_EQ(server.store.renameMailbox("carol", "Work", bad), Store::Result::Invalid) << bad;
            EXPECT_EQ(memory.renameMailbox("carol", "Work", bad), Store::Result::Invalid) << bad;
        }
        EXPECT_EQ(server.box("Work").messages.size(), 1u);
    }
    Server restarted(root());
    EXPECT_EQ(restarted.box("Work").messages.size(), 1u);
    EXPECT_EQ(restarted.store.mailbox("carol", "x"), nullptr);
}

// Issue 15: a Maildir++ folder is one directory entry (at most 255 bytes, NAME_MAX), so a name within
// Dovecot's limits can still be too long once encoded ('.' is written %2E): refused as too long, not as a
// failed write, in CREATE and RENAME (RFC 5530 section 3), and nothing is left on disk.
TEST_F(MaildirTest, NamesTheDiskCannotHoldAreRefusedAsTooLong_Rfc5530_3)
{
    Server server(root());
    const std::string dots(100, '.'); // 300 bytes encoded: within 200 a level, not within NAME_MAX
    EXPECT_EQ(server.store.createMailbox("carol", dots), Store::Result::NameTooLong);
    EXPECT_EQ(server.store.createMailbox("carol", std::string(130, 'a') + "/" + std::string(130, 'b')),
              Store::Result::NameTooLong);
    ASSERT_EQ(server.store.createMailbox("carol", "Work"), Store::Result::Ok);
    EXPECT_EQ(server.store.renameMailbox("carol", "Work", dots), Store::Result::NameTooLong);
    EXPECT_EQ(server.store.createMailbox("carol", std::string(200, 'c')), Store::Result::Ok);
    EXPECT_TRUE(server.sync->problems().empty());
    // In memory the same name is fine: only the disk limits it.
    Store memory;
    memory.addAccount("carol", "secret");
    EXPECT_EQ(memory.createMailbox("carol", dots), Store::Result::Ok);
}

// Issue 15: mod-sequences are kept in the maillab-uidlist (M fields, H in the header, X lines for expunged
// UIDs), so a client that resyncs after a restart hears only what changed since it last looked (RFC 7162
// sections 3.1 and 3.2.5), and a file another program renamed meanwhile counts as changed.
TEST_F(MaildirTest, ModSequencesAndExpungedUidsSurviveARestart_Rfc7162_3_1_3_2_5)
{
    auto login = [](imap::ImapSession& session) {
        session.greeting();
        EXPECT_NE(session.receive("a LOGIN carol secret\r\n").find("a OK"), std::string::npos);
    };
    uint64_t seen = 0, highest = 0;
    std::map<uint32_t, uint64_t> modseqs;
    {
        Server server(root());
        for (std::string_view bytes : {kMsg1, kMsg2, kMsg3, kMsgLf})
            server.deliver(bytes);
        wire::VirtualClock clock;
        imap::ImapSession session(server.store, clock, 1);
        login(session);
        session.receive("b SELECT INBOX (CONDSTORE)\r\n");
        session.receive("c STORE 1 +FLAGS (\\Seen)\r\n");
        seen = server.box().highestModseq; // what a client knows from here on
        session.receive("d STORE 2 +FLAGS.SILENT (\\Flagged $Work)\r\n");
        session.receive("e STORE 3 +FLAGS.SILENT (\\Deleted)\r\n");
        EXPECT_NE(session.receive("f EXPUNGE\r\n").find("* 3 EXPUNGE"), std::string::npos);
        highest = server.box().highestModseq;
        for (const StoredMessage& m : server.box().messages)
            modseqs[m.uid] = m.modseq;
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    {
        Server restarted(root());
        EXPECT_EQ(restarted.box().highestModseq, highest);
        EXPECT_EQ(restarted.box().restoredAt, 0u);
        for (const StoredMessage& m : restarted.box().messages)
            EXPECT_EQ(m.modseq, modseqs[m.uid]) << m.uid;
        wire::VirtualClock clock;
        imap::ImapSession session(restarted.store, clock, 1);
        login(session);
        std::string select = session.receive("b SELECT INBOX (CONDSTORE)\r\n");
        EXPECT_NE(select.find("[HIGHESTMODSEQ " + std::to_string(highest) + "]"), std::string::npos)
            << select;
        // Only message 2 changed since `seen` (3 is gone): not every message, as before issue 15.
        std::string fetch =
            session.receive("c UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + std::to_string(seen) + ")\r\n");
        EXPECT_NE(fetch.find("UID 2 "), std::string::npos) << fetch;
        EXPECT_EQ(fetch.find("UID 1 "), std::string::npos) << fetch;
        EXPECT_EQ(fetch.find("UID 4 "), std::string::npos) << fetch;

        imap::ImapSession qresync(restarted.store, clock, 2);
        login(qresync);
        qresync.receive("b ENABLE QRESYNC\r\n");
        const std::string validity = std::to_string(restarted.box().uidValidity);
        std::string reply = qresync.receive("c SELECT INBOX (QRESYNC (" + validity + " " +
                                            std::to_string(seen) + " 1:4))\r\n");
        EXPECT_NE(reply.find("* VANISHED (EARLIER) 3\r\n"), std::string::npos) << reply;
        EXPECT_NE(reply.find("FETCH (UID 2 FLAGS"), std::string::npos) << reply;
        EXPECT_EQ(reply.find("FETCH (UID 1 "), std::string::npos) << reply;
        EXPECT_EQ(reply.find("FETCH (UID 4 "), std::string::npos) << reply;
        // Nothing changed since the highest: nothing to tell.
        reply = qresync.receive("d SELECT INBOX (QRESYNC (" + validity + " " + std::to_string(highest) +
                                "))\r\n");
        EXPECT_EQ(reply.find("VANISHED"), std::string::npos) << reply;
        EXPECT_EQ(reply.find(" FETCH "), std::string::npos) << reply;
    }
    // While no server runs another program flags message 4 (renames its file) and removes message 1.
    for (const std::string& name : filesIn(inbox() / "cur")) {
        if (readFile(inbox() / "cur" / name) == kMsg1) fs::remove(inbox() / "cur" / name);
        if (readFile(inbox() / "cur" / name) == kMsgLf)
            fs::rename(inbox() / "cur" / name, inbox() / "cur" / (name + "F"));
    }
    Server again(root());
    EXPECT_GT(again.box().find(4)->modseq, highest);
    EXPECT_EQ(again.box().find(2)->modseq, modseqs[2]);
    ASSERT_EQ(again.box().vanished.size(), 2u);
    EXPECT_EQ(again.box().vanished[1].first, 1u);
    EXPECT_GT(again.box().vanished[1].second, highest);
}

TEST_F(MaildirTest, AFailedDiskWriteRefusesTheChangeAndNothingIsAcknowledged_F6)
{
    std::vector<std::string> logged;
    {
        Store store(1);
        store.addAccount("carol", "secret");
        MaildirSync sync(store, kClock, root(),
                         [&](const std::string& problem) { logged.push_back(problem); });
        // The account's directory is away for a moment: the folder cannot be made (a name too long for the
        // disk did this before issue 15; it is refused before any write now).
        fs::rename(inbox(), root() / "away");
        EXPECT_EQ(store.createMailbox("carol", "Plans"), Store::Result::WriteFailed);
        fs::rename(root() / "away", inbox());
        EXPECT_EQ(store.mailbox("carol", "Plans"), nullptr);
        EXPECT_FALSE(store.account("carol")->subscriptions.count("Plans"));
        ASSERT_FALSE(logged.empty());
        EXPECT_NE(logged.back().find("No such file or directory"), std::string::npos) << logged.back();
        EXPECT_FALSE(store.lastWriteError().empty());
        // A folder whose directory went away: APPEND gets no UID, and the mailbox is as it was.
        ASSERT_EQ(store.createMailbox("carol", "Work"), Store::Result::Ok);
        fs::remove_all(inbox() / ".Work" / "tmp");
        const uint32_t uidNext = store.mailbox("carol", "Work")->uidNext;
        EXPECT_EQ(store.deliver("carol", "Work", std::string(kMsg1), kDate1), 0u);
        EXPECT_TRUE(store.mailbox("carol", "Work")->messages.empty());
        EXPECT_EQ(store.mailbox("carol", "Work")->uidNext, uidNext);
    }
    Store store(1);
    store.addAccount("carol", "secret");
    MaildirSync sync(store, kClock, root());
    EXPECT_EQ(store.account("carol")->mailboxes.size(), 2u); // INBOX and Work
}

TEST_F(MaildirTest, ImapCommandsWhoseWriteFailsAnswerNo_F6_Rfc5530)
{
    Server server(root());
    wire::VirtualClock clock;
    imap::ImapSession session(server.store, clock, 1);
    session.greeting();
    ASSERT_NE(session.receive("a LOGIN carol secret\r\n").find("a OK"), std::string::npos);
    // A name the disk cannot hold is refused before anything is written (issue 15, RFC 5530 section 3).
    std::string create = session.receive("b CREATE " + std::string(300, 'n') + "\r\n");
    EXPECT_NE(create.find("b NO [CANNOT]"), std::string::npos) << create;
    ASSERT_NE(session.receive("c CREATE Work\r\n").find("c OK"), std::string::npos);
    fs::remove_all(inbox() / ".Work" / "tmp");
    std::string append = session.receive("d APPEND Work {3}\r\n");
    append += session.receive("x\r\n\r\n");
    EXPECT_NE(append.find("d NO [SERVERBUG]"), std::string::npos) << append;
    EXPECT_EQ(append.find("APPENDUID"), std::string::npos) << append;
}

TEST_F(MaildirTest, StoreWhoseRenameFailsAnswersNoAndKeepsTheFlags_F6_Rfc5530)
{
    Server server(root());
    server.deliver(kMsg1, kDate1, 0);
    wire::VirtualClock clock;
    imap::ImapSession session(server.store, clock, 1);
    session.greeting();
    session.receive("a LOGIN carol secret\r\n");
    session.receive("b SELECT INBOX\r\n");
    // The file went away and nobody rescanned yet: the rename that would store \Seen fails.
    for (const std::string& name : filesIn(inbox() / "cur"))
        fs::remove(inbox() / "cur" / name);
    std::string reply = session.receive("c STORE 1 +FLAGS (\\Seen)\r\n");
    EXPECT_NE(reply.find("* 1 FETCH (FLAGS ())"), std::string::npos) << reply;
    EXPECT_NE(reply.find("c NO [SERVERBUG]"), std::string::npos) << reply;
    EXPECT_FALSE(server.box().messages[0].has(store::kSeen));
}

TEST_F(MaildirTest, AnExpungeWhoseFileCannotBeRemovedKeepsThatMessage_F6)
{
    uint32_t stuck = 0;
    {
        Server server(root());
        server.deliver(kMsg1);
        stuck = server.deliver(kMsg2);
        server.deliver(kMsg3);
        wire::VirtualClock clock;
        imap::ImapSession session(server.store, clock, 1);
        session.greeting();
        session.receive("a LOGIN carol secret\r\n");
        session.receive("b SELECT INBOX\r\n");
        session.receive("c STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n");
        // unlink(2) cannot remove a directory: the second message's file is one now.
        for (const std::string& name : filesIn(inbox() / "cur")) {
            if (readFile(inbox() / "cur" / name) != kMsg2) continue;
            fs::remove(inbox() / "cur" / name);
            fs::create_directory(inbox() / "cur" / name);
        }
        std::string reply = session.receive("d EXPUNGE\r\n");
        EXPECT_NE(reply.find("d NO [SERVERBUG]"), std::string::npos) << reply;
        EXPECT_NE(reply.find("* 1 EXPUNGE\r\n* 2 EXPUNGE\r\n"), std::string::npos) << reply;
        ASSERT_EQ(server.box().messages.size(), 1u);
        EXPECT_EQ(server.box().messages[0].uid, stuck);
        EXPECT_NE(problemsOf(*server.sync).find("the message stays"), std::string::npos);
        // The session still numbers it 1, and its flags can still change.
        reply = session.receive("e FETCH 1 (UID)\r\n");
        EXPECT_NE(reply.find("* 1 FETCH (UID " + std::to_string(stuck) + ")"), std::string::npos) << reply;
    }
    // A restart (the directory is not a message, so it is skipped) keeps the UID list consistent.
    Server restarted(root());
    EXPECT_EQ(restarted.box().uidNext, 4u);
}

TEST_F(MaildirTest, ASecondProcessOnTheSameMaildirIsRefused_F7)
{
    Server first(root());
    first.deliver(kMsg1);
    Store other(1);
    other.addAccount("carol", "secret");
    MaildirSync second(other, kClock, root());
    EXPECT_NE(second.lockError().find("in use by another maillab serve"), std::string::npos)
        << second.lockError();
    EXPECT_NE(second.lockError().find(std::to_string(::getpid())), std::string::npos) << second.lockError();
    // The refused one neither loaded nor writes.
    EXPECT_TRUE(other.mailbox("carol", "INBOX")->messages.empty());
    other.deliver("carol", "INBOX", std::string(kMsg2), kDate2);
    EXPECT_EQ(filesIn(inbox() / "cur").size(), 1u);
    first.sync.reset();
    MaildirSync third(other, kClock, root());
    EXPECT_EQ(third.lockError(), "");
}

TEST_F(MaildirTest, FoldersAnotherProgramMakesOrRemovesWhileRunningBecomeOrStopBeingMailboxes)
{
    Server server(root());
    server.sync->rescan();
    // Another program makes a folder with a message in it, and a link to someone else's folder.
    fs::path lists = inbox() / ".Lists.rust";
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(lists / sub);
    writeFile(lists / "cur" / "1800000000.P7.other:2,S", kMsg1);
    fs::create_directories(root() / "bob" / ".Secret" / "cur");
    fs::create_symlink(root() / "bob" / ".Secret", inbox() / ".Borrowed");
    server.sync->rescan();
    ASSERT_NE(server.store.mailbox("carol", "Lists/rust"), nullptr);
    ASSERT_EQ(server.box("Lists/rust").messages.size(), 1u);
    EXPECT_TRUE(server.box("Lists/rust").messages[0].has(store::kSeen));
    EXPECT_NE(server.store.mailbox("carol", "Lists"), nullptr) << "its superior, as CREATE makes it";
    EXPECT_EQ(server.store.mailbox("carol", "Borrowed"), nullptr);
    // It writes through like any other folder.
    server.deliver(kMsg2, kDate2, 0, "Lists/rust");
    EXPECT_EQ(filesIn(lists / "cur").size(), 2u);
    // And when another program removes it, the mailbox goes too.
    fs::remove_all(lists);
    server.sync->rescan();
    EXPECT_EQ(server.store.mailbox("carol", "Lists/rust"), nullptr);
    const std::string problems = problemsOf(*server.sync);
    EXPECT_NE(problems.find("removed by another program; mailbox deleted"), std::string::npos) << problems;
}

TEST_F(MaildirTest, SymlinksInsideTheMaildirAreNotFollowed_F10)
{
    // bob's mail, and links to it from carol's Maildir: a file, a folder, and a folder's cur/.
    fs::path bob = root() / "bob";
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(bob / sub);
    writeFile(bob / "cur" / "1.bob:2,S", kMsg2);
    for (const char* sub : {"cur", "new", "tmp"})
        fs::create_directories(inbox() / sub);
    fs::create_symlink(bob / "cur" / "1.bob:2,S", inbox() / "cur" / "2.link:2,");
    fs::create_symlink(bob, inbox() / ".Bobs");
    fs::create_directories(inbox() / ".Sneaky");
    fs::create_symlink(bob / "cur", inbox() / ".Sneaky" / "cur");
    fs::create_symlink(bob / "cur" / "1.bob:2,S", inbox() / "new" / "3.link");
    {
        Server server(root());
        EXPECT_TRUE(server.box().messages.empty());
        EXPECT_EQ(server.store.mailbox("carol", "Bobs"), nullptr);
        EXPECT_EQ(server.store.mailbox("carol", "Sneaky"), nullptr);
        const std::string problems = problemsOf(*server.sync);
        EXPECT_NE(problems.find("2.link:2,: a symbolic link, not followed"), std::string::npos) << problems;
        EXPECT_NE(problems.find(".Bobs: a symbolic link, not followed"), std::string::npos) << problems;
        EXPECT_NE(problems.find(".Sneaky: a symbolic link, not followed"), std::string::npos) << problems;
        // Carol's expunge of everything she has cannot reach bob's file.
        server.deliver(kMsg1);
        server.store.expunge("carol", "INBOX", {server.box().messages.front().uid});
        server.sync->rescan();
        EXPECT_TRUE(server.box().messages.empty());
    }
    EXPECT_EQ(readFile(bob / "cur" / "1.bob:2,S"), kMsg2);
}

TEST_F(MaildirTest, SubscriptionsAndSpecialUseSurviveARestart_Rfc3501_6_3_6_Rfc6154)
{
    {
        Server server(root(), 1, true);
        ASSERT_EQ(server.store.createMailbox("carol", "Lists"), Store::Result::Ok);
        ASSERT_EQ(server.store.setSubscribed("carol", "Lists", false), Store::Result::Ok);
        ASSERT_EQ(server.store.setSubscribed("carol", "Junk", false), Store::Result::Ok);
        ASSERT_EQ(server.store.renameMailbox("carol", "Sent", "Sent Items"), Store::Result::Ok);
        EXPECT_EQ(problemsOf(*server.sync), "");
    }
    // No standard mailboxes this time: what the restart knows comes from the disk alone.
    Server restarted(root());
    const std::set<std::string>& subscribed = restarted.store.account("carol")->subscriptions;
    EXPECT_TRUE(subscribed.count("Sent Items")) << "a renamed mailbox is subscribed, as a new one is";
    ASSERT_EQ(restarted.store.createMailbox("carol", "Later"), Store::Result::Ok);
    restarted.sync.reset();
    Server again(root());
    EXPECT_TRUE(again.store.account("carol")->subscriptions.count("Later")) << "CREATE subscribes, lastingly";
    EXPECT_FALSE(subscribed.count("Lists"));
    EXPECT_FALSE(subscribed.count("Junk"));
    EXPECT_TRUE(subscribed.count("Trash"));
    EXPECT_TRUE(subscribed.count("Sent")) << "a subscription outlives its mailbox's rename (RFC 3501 6.3.6)";
    EXPECT_EQ(restarted.box("Sent Items").specialUse, "\\Sent");
    EXPECT_EQ(restarted.box("Trash").specialUse, "\\Trash");
    EXPECT_EQ(restarted.box("Lists").specialUse, "");
}

TEST_F(MaildirTest, ImapSubscribeIsWrittenThrough_Rfc3501_6_3_6)
{
    {
        Server server(root(), 1, true);
        wire::VirtualClock clock;
        imap::ImapSession session(server.store, clock, 1);
        session.greeting();
        session.receive("a LOGIN carol secret\r\n");
        ASSERT_NE(session.receive("b UNSUBSCRIBE Drafts\r\n").find("b OK"), std::string::npos);
    }
    Server restarted(root(), 1, true);
    EXPECT_FALSE(restarted.store.account("carol")->subscriptions.count("Drafts"));
    EXPECT_TRUE(restarted.store.account("carol")->subscriptions.count("INBOX"));
}

TEST_F(MaildirTest, MailAnotherProgramDeliversWhileRunningIsSeenAndRemovedFilesAreExpunged)
{
    Server server(root());
    server.deliver(kMsg1);
    wire::VirtualClock clock;
    imap::ImapSession session(server.store, clock, 1);
    session.greeting();
    session.receive("a LOGIN carol secret\r\n");
    ASSERT_NE(session.receive("b SELECT INBOX\r\n").find("* 1 EXISTS"), std::string::npos);

    // A delivery agent writes to tmp/ and renames into new/ (the Maildir spec).
    writeFile(inbox() / "tmp" / "1800000000.P1.mda", kMsg2);
    fs::rename(inbox() / "tmp" / "1800000000.P1.mda", inbox() / "new" / "1800000000.P1.mda");
    server.sync->rescan();
    ASSERT_EQ(server.box().messages.size(), 2u);
    EXPECT_EQ(server.box().messages[1].copyBytes(), kMsg2);
    EXPECT_TRUE(server.box().messages[1].has(store::kRecent));
    EXPECT_TRUE(filesIn(inbox() / "new").empty());
    std::string noop = session.receive("c NOOP\r\n");
    EXPECT_NE(noop.find("* 2 EXISTS"), std::string::npos) << noop;

    // A mail program marks it seen by renaming, and another removes the first message.
    std::vector<std::string> cur = filesIn(inbox() / "cur");
    ASSERT_EQ(cur.size(), 2u);
    for (const std::string& name : cur) {
        if (readFile(inbox() / "cur" / name) == kMsg1)
            fs::remove(inbox() / "cur" / name);
        else
            fs::rename(inbox() / "cur" / name, inbox() / "cur" / (name + "S"));
    }
    server.sync->rescan();
    ASSERT_EQ(server.box().messages.size(), 1u);
    EXPECT_TRUE(server.box().messages[0].has(store::kSeen));
    noop = session.receive("d NOOP\r\n");
    EXPECT_NE(noop.find("* 1 EXPUNGE"), std::string::npos) << noop;

    // What the rescan learnt lasts: the UIDs are in the uidlist.
    const auto before = stateOf(server.store);
    server.sync.reset();
    Server restarted(root());
    EXPECT_EQ(stateOf(restarted.store), before);
}

// [SECTION] kill -9

std::string crashMessage(int run, int seq)
{
    std::string text = "From: loop@example.org\r\nX-Run: " + std::to_string(run) +
                       "\r\nX-Seq: " + std::to_string(seq) + "\r\nSubject: crash test\r\n\r\n";
    int lines = (seq * 7919) % 400; // sizes from a few bytes to ~25 KB, so writes take a while
    for (int i = 0; i < lines; ++i)
        text += "line " + std::to_string(i) + " of message " + std::to_string(seq) + "\r\n";
    return text;
}

std::optional<std::pair<int, int>> crashMessageId(const std::string& bytes)
{
    size_t run = bytes.find("X-Run: "), seq = bytes.find("X-Seq: ");
    if (run == std::string::npos || seq == std::string::npos) return std::nullopt;
    return std::pair{std::atoi(bytes.c_str() + run + 7), std::atoi(bytes.c_str() + seq + 7)};
}

// The header's promise: a kill at any moment leaves at most a file in tmp/, and loading never serves a
// partial message. A child delivers in a loop and is killed at a random moment; the parent then loads.
TEST_F(MaildirTest, KillDuringDeliveryNeverLeavesAPartialMessage)
{
    std::mt19937 random(std::random_device{}());
    size_t total = 0;
    for (int run = 0; run < 8; ++run) {
        int ready[2];
        ASSERT_EQ(::pipe(ready), 0);
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(ready[0]);
            Store store(1);
            store.addAccount("carol", "secret");
            MaildirSync sync(store, kClock, root());
            if (::write(ready[1], "x", 1) != 1) ::_exit(2);
            for (int seq = 0; seq < 1000000; ++seq)
                store.deliver("carol", "INBOX", crashMessage(run, seq), {1700000000 + seq, 0},
                              seq % 3 ? 0 : store::kSeen);
            ::_exit(0);
        }
        ::close(ready[1]);
        char byte = 0;
        ASSERT_EQ(::read(ready[0], &byte, 1), 1);
        ::close(ready[0]);
        int delayMicros = std::uniform_int_distribution<int>(500, 30000)(random);
        std::this_thread::sleep_for(std::chrono::microseconds(delayMicros));
        ::kill(child, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        SCOPED_TRACE("run " + std::to_string(run) + ", killed after " + std::to_string(delayMicros) + " us");

        Server server(root());
        EXPECT_EQ(problemsOf(*server.sync), "");
        const store::Mailbox& box = server.box();
        EXPECT_EQ(filesIn(inbox() / "cur").size(), box.messages.size());
        std::set<std::pair<int, int>> seen;
        for (const StoredMessage& m : box.messages) {
            std::optional<std::pair<int, int>> id = crashMessageId(m.copyBytes());
            ASSERT_TRUE(id) << "UID " << m.uid << ": "
                            << util::escapeForDisplay(m.copyBytes().substr(0, 200));
            EXPECT_EQ(m.copyBytes(), crashMessage(id->first, id->second)) << "UID " << m.uid << " is partial";
            EXPECT_EQ(m.internalDate.epochSeconds, 1700000000 + id->second);
            EXPECT_EQ(m.has(store::kSeen), id->second % 3 == 0);
            EXPECT_TRUE(seen.insert(*id).second) << "UID " << m.uid << " is a second copy";
            EXPECT_LT(m.uid, box.uidNext);
        }
        EXPECT_GE(box.messages.size(), total) << "a message acknowledged earlier was lost";
        total = box.messages.size();
    }
    EXPECT_GT(total, 0u) << "the child never got to deliver anything";
}

} // namespace
} // namespace maillab::test
