// Mail that lasts: a Store's accounts kept as real Maildirs on disk, written through on every change.
#pragma once

#include "store/store.hpp"
#include "wire/clock.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
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
// atomically. A message is written to tmp/, fsynced, and renamed into cur/ before the Store's change event
// returns, so a reply that acknowledges it is sent only after it is on disk; a kill at any moment leaves at
// most a file in tmp/, which loading ignores.
class MaildirSync {
public:
    // Loads each existing account's Maildir under root into the store (creating empty Maildirs where
    // missing), reading Maildirs written by other programs too (files without a UID get new UIDs; a
    // dovecot-uidlist is honoured when there is no maillab-uidlist), then writes every later change
    // of those accounts through to disk. A folder on disk replaces the messages its mailbox held; a
    // mailbox the disk lacks is written out with its messages. Accounts added later are not kept.
    // The clock names new files and decides when another program's tmp/ file is abandoned; it must outlive
    // this object (serve passes the real clock, tests a virtual one).
    MaildirSync(Store& store, const wire::Clock& clock, std::filesystem::path root);
    ~MaildirSync();
    MaildirSync(const MaildirSync&) = delete;
    MaildirSync& operator=(const MaildirSync&) = delete;

    // What could not be read or written, in words, for the log.
    const std::vector<std::string>& problems() const { return m_problems; }

private:
    // One message file in a folder's cur/.
    struct FileOnDisk {
        std::string base; // the name before ":2,", fixed for the file's life; the uidlist maps it to the UID
        std::string name; // the whole name now, flags included
        bool lf = false;  // another program's file with LF line ends: served as CRLF, left as it is on disk
    };
    struct Folder {
        std::filesystem::path dir; // <root>/<user> for INBOX, <root>/<user>/.<Name> for the rest
        std::string uidlist;       // what its maillab-uidlist holds now, so an unchanged one is not rewritten
    };
    using FolderKey = std::pair<std::string, std::string>; // (user, mailbox)
    using FileKey = std::tuple<std::string, std::string, uint32_t>;

    void onEvent(const StoreEvent& event);
    void onMessageAdded(const StoreEvent& event);
    void onFlagsChanged(const StoreEvent& event);
    void onMessageExpunged(const StoreEvent& event);
    void onMailboxCreated(const StoreEvent& event);
    void onMailboxDeleted(const StoreEvent& event);
    void onMailboxRenamed(const StoreEvent& event);
    void onUidValidityChanged(const StoreEvent& event);

    void loadAccount(const std::string& user);
    void loadFolder(const std::string& user, const std::string& mailbox, const std::filesystem::path& dir);
    void writeOutFolder(const std::string& user, const std::string& mailbox);
    bool createFolder(const std::string& user, const std::string& mailbox);
    bool writeMessage(const std::string& user, const std::string& mailbox, const StoredMessage& message);
    bool writeUidlist(const std::string& user, const std::string& mailbox);
    std::string uidlistText(const std::string& user, const Mailbox& box) const;
    std::filesystem::path folderDir(const std::string& user, const std::string& mailbox) const;
    std::filesystem::path moveAside(const std::filesystem::path& dir);
    std::string uniqueName();
    void problem(std::string text);

    Store& m_store;
    const wire::Clock& m_clock;
    std::filesystem::path m_root;
    int m_listener = 0;
    bool m_loading = false;
    std::set<std::string> m_users; // the accounts loaded, whose changes are written through
    std::map<FolderKey, Folder> m_folders;
    // (user, mailbox, uid) -> the message's file, to rename and unlink it later.
    std::map<FileKey, FileOnDisk> m_files;
    uint64_t m_counter = 0; // makes names unique within this process; the pid and time do across processes
    std::vector<std::string> m_problems;
};

} // namespace maillab::store
