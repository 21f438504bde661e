// Mail that lasts: a Store's accounts kept as real Maildirs on disk, written through on every change.
#pragma once

#include "store/message_file.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace maillab::store {

// Layout (Maildir++, as Dovecot and Courier read it): <root>/<user>/ is the account's Maildir and holds
// INBOX (cur/ new/ tmp/); every other folder is <root>/<user>/.<Name>/ with '/' in the folder name written
// as '.' and '.', '%' and control bytes as %XX ("a.b/c" is ".a%2Eb.c"). Flags live in the file names
// (":2,DFRST", Maildir spec); UIDs, UIDVALIDITY and UIDNEXT in a maillab-uidlist file per folder, replaced
// atomically, with a line appended for each new message or keyword change in between. A message is written to
// tmp/, fsynced, and renamed into cur/ before the Store's change event returns, so a reply that acknowledges
// it is sent only after it is on disk; a kill at any moment leaves at most a file in tmp/, which loading
// ignores. A write that fails makes the Store refuse the change (the command fails), and is logged.
// Subscriptions live in <root>/<user>/maillab-subscriptions, a folder's special-use attribute in its
// maillab-uidlist. Symbolic links inside the tree are never followed. One process at a time:
// <root>/.maillab-lock is held with flock(2).
class MaildirSync {
public:
    // Each problem as it happens (serve prints them), besides problems().
    using ProblemLog = std::function<void(const std::string&)>;

    // Loads each existing account's Maildir under root into the store (creating empty Maildirs where
    // missing), reading Maildirs written by other programs too (files without a UID get new UIDs; a
    // dovecot-uidlist is honoured when there is no maillab-uidlist), then writes every later change
    // of those accounts through to disk. A folder on disk replaces the messages its mailbox held; a
    // mailbox the disk lacks is written out with its messages. Accounts added later are not kept.
    // When another process holds the Maildir nothing is loaded or written: see lockError(). The clock names
    // new files and decides when another program's tmp/ file is abandoned; it must outlive this object (serve
    // passes the real clock, tests a virtual one).
    MaildirSync(Store& store, const wire::Clock& clock, std::filesystem::path root, ProblemLog log = {});
    ~MaildirSync();
    MaildirSync(const MaildirSync&) = delete;
    MaildirSync& operator=(const MaildirSync&) = delete;

    // What could not be read or written, in words, for the log.
    const std::vector<std::string>& problems() const { return m_problems; }
    // Why the Maildir could not be taken (another process holds it); empty when this one holds it.
    const std::string& lockError() const { return m_lockError; }

    // Takes in what other programs did to the folders since the last look: messages delivered into new/
    // or cur/ (added, as any delivery), files removed (expunged), files renamed (their flags). The caller
    // decides when (serve: about once a second); this reads no clock.
    void rescan();

    // Grouped syncs (serve): the directory syncs of new, renamed and removed files and folders, the fsync
    // of lines appended to a uidlist and the subscriptions file wait for sync(), so that the changes of one
    // round of the server's loop share them; the server sends that round's replies only after sync(). A
    // new message's file waits in tmp/ too: sync() fsyncs all of them at once (on a few threads, so the
    // disk takes them together instead of one after another), then renames them into cur/, then syncs the
    // directories and lists, again at once; a crash never leaves half a message in cur/.
    void setGroupedSync(bool grouped);
    // Returns the sessions (StoreEvent::originSession; 0: no session's) whose changes since the last sync()
    // did not all reach the disk (a failed fsync, EIO): the messages they added since then are taken back
    // (expunged; a MOVE's source stays, see onEvent), and their replies must not be sent (serve closes their
    // connections), so nobody is told OK for mail the disk may not hold. Each failure is logged too.
    std::set<int> sync();

    // Tests: pretends the disk failed to fsync a file (returns the errno to report, 0 for a real fsync).
    using FsyncFault = std::function<int(const std::filesystem::path&)>;
    void setFsyncFault(FsyncFault fault) { m_fsyncFault = std::move(fault); }

    class SyncPool; // fsyncs many files at once (maildir.cpp)

private:
    // One message file in a folder's cur/.
    struct FileOnDisk {
        std::string base; // the name before ":2,", fixed for the file's life; the uidlist maps it to the UID
        std::string name; // the whole name now, flags included
        bool lf = false;  // another program's file with LF line ends: served as CRLF, left as it is on disk
        std::string listed; // its line in the maillab-uidlist as last written, so an unchanged one is not
        // What the message's data reads its bytes from; told of renames (the data may outlive this entry).
        std::shared_ptr<MessageFile> source;
    };
    struct Folder {
        std::filesystem::path dir; // <root>/<user> for INBOX, <root>/<user>/.<Name> for the rest
        std::string uidlist;       // what its maillab-uidlist holds now, so an unchanged one is not rewritten
        size_t compactSize = 0;    // its size when last written whole: lines are appended until it doubles
        int64_t newStamp = -1;     // new/ and cur/ modification times at the last rescan (ns)
        int64_t curStamp = -1;
        bool rescanAgain = false; // the last rescan found a change: look once more (same-tick changes)
        std::shared_ptr<const std::filesystem::path> cur; // dir/cur, shared by its files' sources
    };
    using FolderKey = std::pair<std::string, std::string>; // (user, mailbox)
    using FileKey = std::tuple<std::string, std::string, uint32_t>;

    bool lock();
    // The Store's persister: empty when the change is on disk, else why not.
    std::string onEvent(const StoreEvent& event);
    bool onMessageAdded(const StoreEvent& event);
    bool onFlagsChanged(const StoreEvent& event);
    bool onMessageExpunged(const StoreEvent& event);
    bool onMailboxDeleted(const StoreEvent& event);
    bool onMailboxRenamed(const StoreEvent& event);
    bool onUidValidityChanged(const StoreEvent& event);
    void loadSubscriptions(const std::string& user);
    bool writeSubscriptions(const std::string& user);
    void rescanFolder(const std::string& user, const std::string& mailbox);
    void rescanAccount(const std::string& user);
    std::map<std::string, std::filesystem::path> foldersOnDisk(const std::filesystem::path& dir,
                                                               std::vector<std::filesystem::path>* scratch);

    void loadAccount(const std::string& user);
    void loadFolder(const std::string& user, const std::string& mailbox, const std::filesystem::path& dir);
    void writeOutFolder(const std::string& user, const std::string& mailbox);
    bool createFolder(const std::string& user, const std::string& mailbox);
    bool writeMessage(const std::string& user, const std::string& mailbox, const StoredMessage& message,
                      int origin = 0);
    // The message's bytes leave memory once its file is written: its data reads them from that file.
    void keepOnDisk(const std::string& user, const std::string& mailbox, uint32_t uid);
    std::shared_ptr<const std::filesystem::path> curOf(const std::string& user, const std::string& mailbox);
    bool writeUidlist(const std::string& user, const std::string& mailbox);
    // One message's line at the end of the uidlist (a new message, changed keywords), or the whole list
    // rewritten when appended lines have doubled it.
    bool appendToUidlist(const std::string& user, const std::string& mailbox, uint32_t uid);
    bool appendLine(const std::string& user, const std::string& mailbox, const std::string& line);
    std::string uidlistText(const std::string& user, const Mailbox& box) const;
    void syncSoon(const std::filesystem::path& dir); // now, or at sync() when grouped
    // Grouped: the new messages still in tmp/ are fsynced and moved into cur/ (before anything else
    // touches their files, and by sync()).
    void finishPendingMessages();
    // fsyncs the files, all at once when grouped; the errno of each (0: synced).
    std::vector<int> fsyncFiles(const std::vector<int>& fds, const std::vector<std::filesystem::path>& paths);
    // The directories and lists written since the last sync(); false when one of them failed.
    bool syncListsAndDirs();
    // All that waits for a sync: the new messages, the subscriptions, the lists and directories.
    void syncWaiting();
    // Expunges what the sessions in `failed` added since the last sync() (their files with it).
    void takeBack(const std::set<int>& failed);
    bool pendingIn(const std::string& user, const std::string& mailbox) const;
    std::string uidlistLine(const StoredMessage& message, const FileOnDisk& file) const;
    std::filesystem::path folderDir(const std::string& user, const std::string& mailbox) const;
    std::filesystem::path moveAside(const std::filesystem::path& dir);
    std::string uniqueName();
    void problem(std::string text);

    Store& m_store;
    const wire::Clock& m_clock;
    std::filesystem::path m_root;
    ProblemLog m_log;
    int m_lockFd = -1;
    std::string m_lockError;
    bool m_loading = false;
    std::optional<FileOnDisk> m_adopting; // rescan: the file of the message being added
    // rescan: the folder another program made, whose mailbox is being added (name, directory)
    std::optional<std::pair<std::string, std::filesystem::path>> m_adoptingFolder;
    struct Stamp {
        int64_t stamp = -1;
        bool again = false;
    };
    std::map<std::string, Stamp> m_accountStamps; // user -> the account directory's mtime at the last rescan
    std::map<std::string, std::string> m_subscriptions; // user -> maillab-subscriptions as on disk
    std::string m_lastProblem;
    std::set<std::string> m_users; // the accounts loaded, whose changes are written through
    std::map<FolderKey, Folder> m_folders;
    // (user, mailbox, uid) -> the message's file, to rename and unlink it later.
    std::map<FileKey, FileOnDisk> m_files;
    std::set<FileKey> m_unremovable; // files an expunge could not remove: their own reports fail
    uint64_t m_counter = 0; // makes names unique within this process; the pid and time do across processes
    std::vector<std::string> m_problems;
    bool m_grouped = false;
    std::set<std::filesystem::path> m_unsyncedDirs;
    std::set<FolderKey> m_unsyncedUidlists;
    std::set<std::string> m_unsyncedSubscriptions; // users whose subscriptions file waits for sync()
    struct PendingMessage {
        FileKey key;
        std::filesystem::path tmp; // its file in tmp/, whole but not yet synced
        int fd = -1;               // open, for the fsync
        int origin = 0;            // the session that added it
    };
    std::vector<PendingMessage> m_pendingMessages;
    // Since the last sync(): who changed anything, the messages added (with who added them), and the
    // sessions one of whose new messages could not be synced.
    std::set<int> m_roundOrigins;
    std::vector<std::pair<FileKey, int>> m_roundAdded;
    std::set<int> m_failedOrigins;
    bool m_roundInDoubt = false; // a directory, list or subscriptions file failed to sync
    FsyncFault m_fsyncFault;
    std::unique_ptr<SyncPool> m_pool;
};

} // namespace maillab::store
