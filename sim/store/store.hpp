// Accounts, mailboxes and stored messages: the server's single truth, with change events.
#pragma once

#include "mail/date.hpp"
#include "mail/message.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::store {

// System flags (RFC 3501 section 2.3.2) as bits; keywords are kept as strings beside them.
enum Flag : uint8_t {
    kSeen = 1 << 0,
    kAnswered = 1 << 1,
    kFlagged = 1 << 2,
    kDeleted = 1 << 3,
    kDraft = 1 << 4,
    kRecent = 1 << 5,
};
const char* flagName(Flag flag); // "\\Seen"
std::optional<Flag> flagFromName(std::string_view name);
inline constexpr Flag kAllFlags[] = {kSeen, kAnswered, kFlagged, kDeleted, kDraft, kRecent};

// The whole bytes of one message and its MIME tree (parsed on first use), held for as long as a handle to it
// lives.
class MessageBody {
public:
    explicit MessageBody(std::string bytes) : m_bytes(std::move(bytes)) {}
    const std::string& bytes() const { return m_bytes; }
    const mail::MimePart& mime() const;
    // Whether any part is base64 or quoted-printable, so a text search must decode before it compares;
    // found once, then remembered (most mail is plain and is searched as it is stored).
    bool hasEncodedParts() const;

private:
    std::string m_bytes;
    mutable std::unique_ptr<mail::MimePart> m_mime;
    mutable int8_t m_encodedParts = -1; // -1: not looked at yet
};

// Where the bytes of a message live when the Store does not hold them (MaildirSync: a file in cur/). Another
// program may remove or change that file at any time, so every read may fail; the engines then answer as for
// a message that was expunged (RFC 2180 section 4.1.2, RFC 5530 EXPUNGEISSUED).
class MessageSource {
public:
    virtual ~MessageSource() = default;
    // The whole message as it was when the source was made, or nullopt (gone, another size).
    virtual std::optional<std::string> readAll() const = 0;
    // At least the header block and the empty line that ends it (all of a message without one), or nullopt.
    virtual std::optional<std::string> readHeader() const = 0;
    // What the source itself keeps in memory (its path), for Store::heldBytes.
    virtual size_t heldBytes() const = 0;
};

// One message's bytes, shared by every copy: held in memory (lessons, the default), or on disk behind a
// MessageSource and read when asked for, keeping only what is small and asked for often (the header block,
// the texts a protocol derived from the bytes).
class MessageData {
public:
    explicit MessageData(std::string bytes);
    // `header`: the header block when the caller has it already (the bytes it just wrote), so no read is due.
    MessageData(std::shared_ptr<const MessageSource> source, size_t size, std::string header = {});

    size_t size() const { return m_size; }
    bool onDisk() const { return m_source != nullptr; }
    // The header block with the empty line that ends it (the whole message when it has none), read once and
    // then kept; nullopt when the message can no longer be read.
    std::optional<std::string_view> header() const;
    // The whole message, held for as long as the handle lives; null when it can no longer be read. The
    // handle, not the MessageData, owns the bytes: a caller keeps it for as long as it uses them.
    std::shared_ptr<const MessageBody> body() const;
    // Texts computed from the bytes, which never change, kept so that the next ask reads no file (IMAP keeps
    // BODY and BODYSTRUCTURE here, as Dovecot keeps them in its cache file). nullptr until kept.
    static constexpr size_t kDerivedSlots = 2;
    const std::string* derived(size_t slot) const;
    void keepDerived(size_t slot, std::string text) const;
    // The same message kept in a file from now on: what was read of it goes along, its bytes stay behind.
    std::shared_ptr<const MessageData> keptIn(std::shared_ptr<const MessageSource> source) const;
    // The bytes this holds in memory: all of them when held, else the header, the derived texts and the
    // source's own.
    size_t heldBytes() const;
    // OBJECTID's EMAILID (RFC 8474 section 5.1): named after the content, so a COPY or MOVE (which share
    // this data) keeps it, identical content shares it (allowed there) and it needs no room on disk to
    // survive a restart. Made on first use (a message on disk is
    // read once for it).
    const std::string& emailId() const;

private:
    size_t m_size = 0;
    std::shared_ptr<const MessageBody> m_held;       // in memory
    std::shared_ptr<const MessageSource> m_source;   // on disk
    mutable std::string m_header;                    // on disk, once read (a header block is never empty)
    mutable std::weak_ptr<const MessageBody> m_read; // the last body read, reused while a handle holds it
    mutable std::unique_ptr<std::array<std::string, kDerivedSlots>> m_derived;
    mutable std::string m_emailId;
};

struct StoredMessage {
    uint32_t uid = 0;
    uint8_t flags = 0;
    std::vector<std::string> keywords;
    mail::DateTime internalDate;
    std::shared_ptr<const MessageData> data;
    uint64_t modseq = 1; // raised by every change of its flags (RFC 7162 section 3.1, CONDSTORE)

    size_t size() const { return data->size(); }
    // The header block, empty when the message can no longer be read (for summaries and displays).
    std::string_view headerOrEmpty() const { return data->header().value_or(std::string_view()); }
    // A copy of the whole message, empty when it can no longer be read: for tests and one-off exports. The
    // engines hold data->body() instead, which copies nothing.
    std::string copyBytes() const
    {
        const std::shared_ptr<const MessageBody> body = data->body();
        return body ? body->bytes() : std::string();
    }
    bool has(Flag flag) const { return (flags & flag) != 0; }
};

struct Mailbox {
    std::string name; // full path with '/' separators; "INBOX" for the inbox
    uint32_t uidValidity = 1;
    uint32_t uidNext = 1;
    std::string specialUse; // "\\Sent", "\\Trash", ... (RFC 6154) or empty
    // OBJECTID's MAILBOXID (RFC 8474 section 4): given at creation, kept by RENAME, never given again.
    std::string mailboxId;
    std::vector<StoredMessage> messages; // ascending UID: sequence number n is messages[n-1]
    // The mailbox's mod-sequence: one more for every message added, changed or expunged (RFC 7162
    // section 3.1.2); and the UIDs expunged with the mod-sequence each went at, for QRESYNC's VANISHED
    // (EARLIER) (RFC 7162 section 3.2.5.1).
    uint64_t highestModseq = 1;
    std::vector<std::pair<uint32_t, uint64_t>> vanished;
    // The mod-sequence it was read back from disk at when the disk kept no mod-sequences (0: never, or they
    // were kept): what was expunged before is then not known one by one, and every missing UID counts as
    // gone since then.
    uint64_t restoredAt = 0;

    const StoredMessage* find(uint32_t uid) const;
    StoredMessage* find(uint32_t uid);
    size_t indexOf(uint32_t uid) const; // npos-like: messages.size() when absent
};

// Limits on an account's mail (RFC 9208 section 5): one quota root, "", for the whole account; what the
// accounts file gives (serve), else none.
struct Quota {
    std::optional<uint64_t> storageKiB; // STORAGE: message sizes in units of 1024 octets (section 5.1)
    std::optional<uint64_t> messages;   // MESSAGE: how many messages in all mailboxes (section 5.2)
};

struct Account {
    std::string user;
    std::string password;
    Quota quota;
    std::map<std::string, Mailbox> mailboxes; // keyed by name; INBOX is always "INBOX"
    int pop3LockHolder = 0;                   // session id holding the maildrop lock, 0 when free
    // Subscribed names (RFC 3501 6.3.6): kept when a mailbox is deleted or renamed, so a client's list
    // does not change behind its back. The standard folders are subscribed when created.
    std::set<std::string> subscriptions;
};

// What changed, for the sessions that watch a mailbox.
struct StoreEvent {
    enum class Kind {
        MessageAdded,
        MessageExpunged,
        FlagsChanged,
        MailboxCreated,
        MailboxDeleted,
        MailboxRenamed,
        UidValidityChanged,
        LockChanged,
        SubscriptionsChanged // SUBSCRIBE / UNSUBSCRIBE (RFC 3501 6.3.6, 6.3.7); mailbox names the one
    };
    Kind kind;
    std::string user;
    std::string mailbox;
    uint32_t uid = 0;
    std::string newName;   // for MailboxRenamed
    int originSession = 0; // the session that caused it (0: delivery or the simulator)
    // MessageExpunged: the message as it was, valid only while the event is heard (a session that has not
    // told its client yet may keep a copy, RFC 2180 section 4.1.1).
    const StoredMessage* message = nullptr;
};

class Store {
public:
    using Listener = std::function<void(const StoreEvent&)>;
    // Durable storage (MaildirSync) hears of a change before any listener and may refuse it: it returns
    // an empty string once the change is on disk, else why not. A refused change is undone, no listener
    // hears of it and the call fails (Result::WriteFailed, UID 0, false), so no session acknowledges what
    // is not on disk.
    using Persister = std::function<std::string(const StoreEvent&)>;

    explicit Store(uint32_t uidValidityBase = 1);
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Account& addAccount(std::string user, std::string password);
    Account* account(std::string_view user);
    const Account* account(std::string_view user) const;
    std::vector<std::string> users() const;
    bool checkPassword(std::string_view user, std::string_view password) const;
    // APOP (RFC 1939 section 7): digest is the MD5 of timestamp and password, in hex.
    bool checkApop(std::string_view user, std::string_view timestamp, std::string_view digest) const;
    // Every credential check passes through the two above (LOGIN, AUTHENTICATE, USER/PASS, APOP, AUTH),
    // so a transport can guard them all in one place (serve's login throttle, F8): allow(user) false
    // refuses an attempt without looking at the password; checked(user, ok) hears each outcome.
    struct LoginGuard {
        std::function<bool(std::string_view user)> allow;
        std::function<void(std::string_view user, bool ok)> checked;
    };
    void setLoginGuard(LoginGuard guard) { m_loginGuard = std::move(guard); }

    // Mailbox names: INBOX in any case means the inbox (RFC 3501 section 5.1); the rest are case-sensitive.
    static std::string canonicalName(std::string_view name);
    Mailbox* mailbox(std::string_view user, std::string_view name);
    const Mailbox* mailbox(std::string_view user, std::string_view name) const;

    enum class Result {
        Ok,
        NoSuchAccount,
        NoSuchMailbox,
        AlreadyExists,
        HasChildren,
        Invalid,
        WriteFailed,
        NameTooLong, // a level over kMaxMailboxLevelBytes, or more than durable storage can name
        TooDeep      // more than kMaxMailboxLevels levels
    };
    // A name CREATE and RENAME accept (after a trailing '/' is dropped for CREATE, RFC 3501 6.3.3): not
    // empty, no empty level ("/x", "a//b", "x/").
    static bool validMailboxName(std::string_view canonical);
    // Dovecot's limits (mailbox-list.c: 20 levels of at most 200 bytes, which fit PATH_MAX), so that no
    // client can make a name the disk cannot hold, or a chain of renames that ends there.
    static constexpr size_t kMaxMailboxLevels = 20;
    static constexpr size_t kMaxMailboxLevelBytes = 200;
    // Ok, NameTooLong or TooDeep for a valid canonical name; also asks durable storage (see below).
    Result mailboxNameFits(std::string_view canonical) const;
    // Durable storage may hold fewer bytes than the limits above allow (a Maildir++ folder is one directory
    // name: at most 255 bytes once encoded): it says whether a name fits.
    void setNameFits(std::function<bool(std::string_view canonical)> fits) { m_nameFits = std::move(fits); }
    // `subscribe`: whether the new mailbox and the superiors made for it join the subscriptions (the
    // standard folders do; IMAP's CREATE does not, RFC 3501 section 6.3.3 and 6.3.6).
    Result createMailbox(std::string_view user, std::string_view name, std::string specialUse = {},
                         bool subscribe = true);
    Result deleteMailbox(std::string_view user, std::string_view name, int origin = 0);
    Result renameMailbox(std::string_view user, std::string_view from, std::string_view to, int origin = 0);

    // Appends a message and returns its UID (0 when the mailbox does not exist).
    uint32_t deliver(std::string_view user, std::string_view mailbox, std::string bytes,
                     mail::DateTime internalDate, uint8_t flags = kRecent,
                     std::vector<std::string> keywords = {}, int origin = 0);
    // Same, sharing the bytes of a message that is already stored (COPY, MOVE).
    uint32_t deliverShared(std::string_view user, std::string_view mailbox,
                           std::shared_ptr<const MessageData> data, mail::DateTime internalDate,
                           uint8_t flags, std::vector<std::string> keywords, int origin = 0);
    bool setFlags(std::string_view user, std::string_view mailbox, uint32_t uid, uint8_t flags,
                  std::vector<std::string> keywords, int origin = 0);
    // Removes messages for good (POP3 UPDATE, IMAP EXPUNGE); returns how many went.
    size_t expunge(std::string_view user, std::string_view mailbox, const std::vector<uint32_t>& uids,
                   int origin = 0);
    // \Recent belongs to the first session that sees a message (RFC 3501 section 2.3.2); taking it is not a
    // change other sessions hear about. Returns whether the message was still \Recent.
    bool claimRecent(std::string_view user, std::string_view mailbox, uint32_t uid);
    // Gives a mailbox a new UIDVALIDITY and renumbers its messages, as after a server restore.
    void resetUidValidity(std::string_view user, std::string_view mailbox);

    // Puts a mailbox back as persistent storage saved it (MaildirSync, sim/store/maildir.cpp): its messages
    // with their own UIDs (sorted here), its UIDVALIDITY and UIDNEXT; the messages it held are replaced and
    // its special-use and subscription stay. Emits no event, on purpose: nothing changed, state that already
    // existed is being read back before any session watches the mailbox, and the writer that calls this must
    // not be told to write back what it just read. Refuses (false, nothing changed) an unknown mailbox,
    // UIDVALIDITY 0, UID 0, duplicate UIDs and messages without bytes; raises UIDNEXT above the highest UID.
    // Mailboxes created or reset later get a higher UIDVALIDITY than the restored one (RFC 3501
    // section 2.3.1.1).
    // `modseqFloor`: a mod-sequence above any handed out before the restart (RFC 7162 section 3.1.2: they
    // never go back); every restored message gets it.
    // `kept`: the mod-sequences durable storage kept (RFC 7162 sections 3.1, 3.2.5.1), used instead of the
    // floor: the mailbox's highest, and the UIDs expunged with theirs; a message with modseq 0 (another
    // program changed it meanwhile) and a vanished UID with 0 (its file went) get new ones above the highest.
    struct KeptModseqs {
        uint64_t highest = 0;
        std::vector<std::pair<uint32_t, uint64_t>> vanished;
    };
    bool restoreMailbox(std::string_view user, std::string_view name, uint32_t uidValidity, uint32_t uidNext,
                        std::vector<StoredMessage> messages, uint64_t modseqFloor = 1,
                        const KeptModseqs* kept = nullptr);

    // SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6, 6.3.7): the name must name a mailbox to subscribe; any
    // subscribed name may be unsubscribed.
    Result setSubscribed(std::string_view user, std::string_view name, bool subscribed, int origin = 0);

    // The exclusive POP3 maildrop lock (RFC 1939 section 4).
    bool tryLockMaildrop(std::string_view user, int session);
    void unlockMaildrop(std::string_view user, int session);

    int subscribe(Listener listener);
    void unsubscribe(int id);
    void setPersister(Persister persister) { m_persister = std::move(persister); }
    // Why the last refused change was refused (for a log; sessions say only that it failed).
    const std::string& lastWriteError() const { return m_lastWriteError; }

    // What counts against an account's quota (RFC 9208 section 5): every message of every mailbox, copies
    // counted each time, as the client sees them.
    struct Usage {
        uint64_t octets = 0;
        uint64_t messages = 0;
    };
    Usage usage(std::string_view user) const;

    // The size of every stored message added up (what the mailboxes hold, wherever it is).
    size_t messageBytes() const;
    // The bytes the message data keeps in memory, each shared copy once (for the memory budget): the
    // messages themselves in memory, only their header blocks and derived texts for a Maildir's files.
    size_t heldBytes() const;

private:
    void emit(const StoreEvent& event);
    bool persist(const StoreEvent& event);

    std::map<std::string, Account> m_accounts;
    std::map<int, Listener> m_listeners;
    Persister m_persister;
    std::function<bool(std::string_view)> m_nameFits;
    LoginGuard m_loginGuard;
    std::string m_lastWriteError;
    int m_nextListener = 1;
    uint32_t m_nextUidValidity;
    Mailbox newMailbox(std::string name); // its UIDVALIDITY and MAILBOXID never given before
};

// The special-use folders every account gets (RFC 6154), besides INBOX.
void addStandardMailboxes(Store& store, std::string_view user);

} // namespace maillab::store
