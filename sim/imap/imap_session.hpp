// The IMAP4rev1 server side of one connection (RFC 3501), with IDLE, MOVE, UIDPLUS, NAMESPACE, UNSELECT,
// ENABLE, ID, SPECIAL-USE, CHILDREN, SASL-IR, LITERAL+, CONDSTORE and QRESYNC (RFC 7162), ESEARCH (RFC 4731),
// SEARCHRES (RFC 5182) and CONTEXT=SEARCH (RFC 5267).
#pragma once

#include "imap/imap_types.hpp"
#include "imap/imap_vocabulary.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/exchange.hpp"
#include "wire/session.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace maillab::imap {

struct SortMessage; // imap_sort.hpp

// What a handler answers: untagged lines (or a continuation request), then the tagged status and its text.
// The session puts news of other sessions' changes between the two, and records what the exchange meant.
struct Reply {
    enum class Pending : uint8_t {
        No,           // the command is done: the tagged line follows
        Continuation, // the command waits for the client (a literal, a SASL step, IDLE's DONE)
        Streaming,    // a long FETCH goes on in continueOutput()
    };
    std::string untagged;
    std::string status; // "OK", "NO", "BAD"
    std::string text;   // after the status: "[TRYCREATE] no mailbox named Work: CREATE it first"
    Pending pending = Pending::No;
};
inline Reply operator+(std::string untagged, Reply reply)
{
    reply.untagged = std::move(untagged) + reply.untagged;
    return reply;
}

struct SessionOptions {
    std::string hostname = "maillab";
    size_t maxLineLength = 65536;              // one line of a command, literals excluded
    size_t maxLiteralSize = 32u * 1024 * 1024; // one literal (APPEND of a large message)
    size_t maxCommandSize = 64u * 1024 * 1024; // a whole command with its literals
    // A FETCH answer is made this many bytes at a time: the transport asks for more as the client reads
    // (continueOutput), so a large answer is never held whole. The default makes it whole at once.
    size_t replyChunkBytes = SIZE_MAX;
    // Before login (F3): an unauthenticated client gets only what LOGIN and AUTHENTICATE need.
    size_t preAuthMaxLineLength = 8192;
    size_t preAuthMaxLiteralSize = 8192;
    // The transport can run TLS on this connection: STARTTLS is offered and accepted (RFC 3501 6.2.1).
    bool tlsAvailable = false;
    // LOGINDISABLED until TLS is active: LOGIN and AUTHENTICATE get NO [PRIVACYREQUIRED] and AUTH=PLAIN is
    // not advertised (RFC 3501 section 6.2.3 and 7.2.1, RFC 2595 section 6, RFC 9051 section 7.1).
    bool loginRequiresTls = false;
    // Extensions this server does not offer, e.g. {"QRESYNC"} (a lesson's capability toggle): they leave
    // CAPABILITY, ENABLE does not switch them on, and their syntax is refused as unknown.
    std::vector<std::string> capabilitiesOff;
    // Extensions offered only when asked for here: IMAP4rev2 and UTF8=ACCEPT (serve asks by default; a
    // lesson keeps to IMAP4rev1 unless it switches them on).
    std::vector<std::string> capabilitiesOn;
};

class ImapSession : public wire::ServerSession {
public:
    ImapSession(store::Store& store, const wire::Clock& clock, int sessionId, SessionOptions options = {});
    ~ImapSession() override;

    wire::Protocol protocol() const override { return wire::Protocol::Imap; }
    std::string greeting() override;
    std::string receive(std::string_view bytes) override;
    std::string takeUnsolicited() override;
    bool closed() const override { return m_closed; }
    void disconnected() override;
    std::string stateName() const override { return imap::stateName(m_state); }
    bool takeTlsRequest() override;
    void tlsStarted() override;
    bool tlsActive() const override { return m_tlsActive; }
    std::vector<wire::Exchange> takeExchanges() override;
    bool outputPending() const override { return m_fetch.has_value() || m_search.has_value(); }
    std::string continueOutput() override;

    State state() const { return m_state; }
    const std::string& user() const { return m_user; }
    const std::string& selectedMailbox() const { return m_selected; }
    bool readOnly() const { return m_readOnly; }
    bool idling() const { return m_idling; }
    // This session's sequence numbers: the UID of message n is uids()[n-1] (RFC 3501 section 2.3.1.2).
    const std::vector<uint32_t>& uids() const { return m_uids; }

    // The capabilities of a plain connection without TLS options (what every session offered before TLS).
    static std::string capabilities();
    // What this session advertises now: STARTTLS only while it may be used, LOGINDISABLED while logins wait
    // for TLS. It changes after STARTTLS, which is why the client must ask again (RFC 3501 section 6.2.1).
    std::string currentCapabilities() const;
    bool offers(std::string_view capability) const;
    bool condstoreEnabled() const { return m_condstore; }
    bool qresyncEnabled() const { return m_qresync; }
    bool rev2Enabled() const { return m_rev2; }
    // Mailbox names and quoted strings are UTF-8 (ENABLE IMAP4rev2 or UTF8=ACCEPT), not modified UTF-7.
    bool utf8Enabled() const { return m_rev2 || m_utf8Accept; }

private:
    // [SECTION] framing
    std::string onLine(std::string line);
    std::string execute(const std::string& bytes);
    std::string dispatch(const Command& command);
    std::string onIdleLine(const std::string& line);

    // [SECTION] mailbox view and updates
    void onStoreEvent(const store::StoreEvent& event);
    // Untagged EXISTS/RECENT/FETCH/EXPUNGE for what changed since this session last told its client.
    std::string updates(bool allowExpunge);
    const store::Mailbox* selected() const;
    const store::StoredMessage*
    messageAt(size_t index) const; // index into m_uids; null when expunged meanwhile
    // The same, or the copy of a message another session expunged that this client has not been told of.
    const store::StoredMessage* readableAt(size_t index) const;
    void deselect();
    // Indices into m_uids named by a sequence set (or UID set when byUid).
    std::vector<size_t> resolve(const SequenceSet& set, bool byUid) const;
    // For commands that take message sequence numbers: why the set names messages that do not exist, or "".
    std::string sequenceProblem(const Command& c) const;
    std::string flagList(const store::StoredMessage& message) const;
    // "* FLAGS (...)" and its PERMANENTFLAGS, with the keywords this client has been told of.
    std::string flagsAnnouncement() const;
    // That announcement again when the message has a keyword the client has not been told of, else "".
    std::string newKeywords(const store::StoredMessage& message);

    // [SECTION] IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855)
    // The command with its mailbox names in the store's form (modified UTF-7) once names are UTF-8 on the
    // wire; a name that is not UTF-8 then is the reason why not.
    std::variant<Command, std::string> inStoreNames(const Command& c) const;
    // A stored name as this client reads it: UTF-8 once enabled, else modified UTF-7 as stored.
    std::string mailboxString(const std::string& storedName) const;
    // "* LIST (attributes) "/" name" for SELECT and EXAMINE in IMAP4rev2 (RFC 9051 section 6.3.2).
    std::string selectedListLine(const store::Account& account, const std::string& storedName) const;

    // [SECTION] handlers, one per command
    Reply cmdCapability(const Command& c);
    Reply cmdNoop(const Command& c);
    Reply cmdLogout(const Command& c);
    Reply cmdLogin(const Command& c);
    Reply cmdAuthenticate(const Command& c);
    Reply cmdStarttls(const Command& c);
    Reply cmdSelect(const Command& c);
    Reply cmdCreate(const Command& c);
    Reply cmdDelete(const Command& c);
    Reply cmdRename(const Command& c);
    Reply cmdSubscribe(const Command& c);
    Reply cmdList(const Command& c);
    Reply cmdStatus(const Command& c);
    Reply cmdAppend(const Command& c);
    // The bytes a CATENATE URL names (RFC 4469 section 5), or nullopt with why not (for NO [BADURL]).
    std::optional<std::string_view> urlContent(const std::string& url, std::string& scratch,
                                               std::string& why);
    Reply cmdNamespace(const Command& c);
    Reply cmdEnable(const Command& c);
    Reply cmdId(const Command& c);
    Reply cmdIdle(const Command& c);
    Reply cmdCheck(const Command& c);
    Reply cmdClose(const Command& c);
    Reply cmdUnselect(const Command& c);
    Reply cmdExpunge(const Command& c);
    Reply cmdSearch(const Command& c);
    Reply cmdSort(const Command& c);   // imap_sort.cpp
    Reply cmdThread(const Command& c); // imap_sort.cpp
    Reply cmdFetch(const Command& c);
    Reply cmdStore(const Command& c);
    Reply cmdCopy(const Command& c);
    Reply cmdCancelUpdate(const Command& c);
    Reply cmdGetQuota(const Command& c);
    Reply cmdGetQuotaRoot(const Command& c);
    Reply cmdSetQuota(const Command& c);
    // [SECTION] QUOTA (RFC 9208; imap_quota.cpp)
    std::string quotaLine() const; // "* QUOTA \"\" (STORAGE used limit ...)\r\n", or "" without limits
    // "[OVERQUOTA] ..." when adding `messages` messages of `octets` bytes would pass a limit, else "".
    std::string overQuota(uint64_t messages, uint64_t octets) const;

    // [SECTION] LIST (imap_list.cpp): RFC 3501's LIST and LSUB, RFC 5258's extended LIST with RFC 5819's
    // STATUS return option. IMAP4rev2 (RFC 9051 section 6.3.9) makes the extended form the base: it can
    // call listReply with the options it parsed.
    Reply listReply(const Command& c, const ListOptions& options);
    Reply lsubReply(const Command& c);
    // "* STATUS name (items)\r\n" for STATUS and LIST-STATUS; empty with `refusal` set for an item this
    // session does not offer; `enabling` when an item enables CONDSTORE (RFC 7162 section 3.1).
    std::string statusValues(const store::Mailbox& box, const std::vector<std::string>& items,
                             std::string& refusal, bool& enabling) const;

    Reply login(const std::string& user, const std::string& password);
    Reply onSaslResponse(const std::string& line);
    // One FETCH in progress: the messages still to answer, and where in the current one it is.
    struct FetchJob {
        Command command;
        std::vector<size_t> indices;
        size_t next = 0;            // index into indices of the message being answered
        size_t item = 0;            // the next item of that message; 0: its "* n FETCH (" is not written yet
        bool missing = false;       // a message was expunged meanwhile and could not be read (RFC 3501 7.4.1)
        bool expungeIssued = false; // a message another session expunged was answered from its copy
        bool sentFlags = false, flagsChanged = false;
        bool unreadable = false; // a message's file could not be read (serve --maildir): left out
        // The whole message being answered, when its items need it: held until its answer is written.
        std::shared_ptr<const store::MessageBody> body;
    };
    // Appends FETCH data until the job is done or `budget` bytes are written; true when it is done.
    bool fetchSome(std::string& out, size_t budget);
    Reply fetchDone(const FetchJob& job); // the tagged status that ends it
    void fetchItem(const store::StoredMessage& m, const FetchItem& item, std::string& out);
    // Reads what the items need of a message (the whole of it into m_fetch->body, or its header block);
    // false when it can no longer be read.
    bool readForFetch(const store::StoredMessage& m, const std::vector<FetchItem>& items);
    // One SEARCH in progress (serve): messages are tested a slice of work at a time, so one costly search
    // cannot hold the server's only thread (issue 14 F4).
    struct SearchJob {
        Command command;
        size_t next = 0;        // index into m_uids of the next message to test
        bool modseq = false;    // a MODSEQ search: the answer names the highest mod-sequence
        bool readsBody = false; // BODY or TEXT: each message is read whole
        std::string untagged;   // what goes before the answer (HIGHESTMODSEQ when CONDSTORE starts here)
        std::vector<uint32_t> found;
        std::vector<uint64_t> modseqs; // of the messages found
        std::vector<uint32_t> uids;    // of the messages found, for SAVE and UPDATE
        std::vector<size_t> indices;   // of the messages found, into m_uids: what SORT and THREAD read
    };
    // Tests messages until the search is done or `budget` bytes of message text were read; true when done.
    bool searchSome(size_t budget);
    // A slice of a search reads about this much message text (tens of milliseconds) before the server
    // serves the others; and one message is tested in one go, so the keys that read its text times its
    // size may come to at most kSearchMessageWork (beyond it NO [LIMIT]).
    static constexpr size_t kSearchSliceBytes = 16u << 20;
    static constexpr size_t kSearchMessageWork = 256u << 20;
    Reply searchDone(const SearchJob& job);

    // [SECTION] SEARCHRES (RFC 5182) and CONTEXT=SEARCH (RFC 5267)
    bool mentionsSavedResult(const Command& c) const;
    // The command with the saved result in place of "$", as sequence numbers or UIDs as it reads them.
    Command withSavedResult(Command c) const;
    void fillSavedResult(SearchKey& key) const;
    SequenceSet savedResultSet(bool byUid) const;
    // A search program whose sequence numbers are read once, when the command arrives: an UPDATE context
    // follows the messages they named, not the numbers (RFC 5267 section 4.3).
    SearchKey numbersAsUids(const SearchKey& key) const;
    // "$" after a search with SAVE, and the UPDATE context it asks for (or NO [NOUPDATE]).
    std::string keepSearchResult(const SearchJob& job);
    // REMOVEFROM for messages about to be announced as expunged, while their numbers still hold (RFC 5267
    // section 4.3.4).
    std::string contextRemovals(const std::set<uint32_t>& expunged);
    // ADDTO / REMOVEFROM for the messages that arrived or changed since the last news (RFC 5267 4.3.2).
    std::string contextNews();
    struct UpdateContext {
        std::string tag;
        bool uid = false;         // UID SEARCH: the news names UIDs
        SearchKey search;         // with "$" and sequence numbers already read
        std::set<uint32_t> found; // UIDs of the messages the client was told match
    };
    // An UPDATE context costs a test of each changed message: beyond this many, NO [NOUPDATE] (RFC 5267
    // section 4.3.1; at least one is required).
    static constexpr size_t kMaxUpdateContexts = 8;
    // SORT: puts the job's matches in the order asked for (RFC 5256 section 3); THREAD: its answer.
    void sortFound(SearchJob& job) const;
    std::string threadLine(const SearchJob& job) const;
    std::vector<SortMessage> foundMessages(const SearchJob& job, std::vector<size_t>* positions) const;
    friend const std::vector<CommandInfo>& commandTable();

    // [SECTION] what each exchange meant
    void beginExchange(std::string command, std::string tag);
    // The tagged line of the command in m_exchange, its untagged lines and the news before it; records the
    // exchange.
    std::string finish(const std::string& tag, Reply reply, bool allowExpunge);
    std::string untaggedOnly(std::string bytes, wire::Status status); // an exchange without a tagged line
    void enter(State state);
    // Records what the exchange under way did to a message or mailbox; the caller fills in the rest.
    wire::Effect& addEffect(wire::Effect::Kind kind, std::string mailbox, uint32_t uid = 0,
                            uint32_t number = 0);
    bool matches(const SearchKey& key, size_t index, const store::StoredMessage& message) const;

    // [SECTION] CONDSTORE and QRESYNC (RFC 7162)
    // A CONDSTORE enabling command (section 3.1): from now on FETCH news carries UID and MODSEQ; the first
    // one with a mailbox selected returns "* OK [HIGHESTMODSEQ n]".
    std::string enableCondstore();
    std::string highestModseqLine() const;
    // " UID u MODSEQ (m)" for untagged FETCH news once CONDSTORE is on (section 3.2.4), else "".
    std::string changeItems(const store::StoredMessage& message, bool withUid) const;
    // "* VANISHED (EARLIER) uids" for what was expunged after `modseq`, within `uids` when given (3.2.5.1).
    std::string vanishedEarlier(const store::Mailbox& box, uint64_t modseq, const SequenceSet* uids) const;
    std::string qresyncNews(const QresyncParameters& q, const store::Mailbox& box);

    store::Store& m_store;
    const wire::Clock& m_clock;
    int m_sessionId;
    SessionOptions m_options;
    int m_listener = 0;

    State m_state = State::NotAuthenticated;
    bool m_closed = false;
    std::string m_user;
    bool m_tlsActive = false;
    bool m_tlsRequested = false; // STARTTLS accepted, the transport has not taken the request yet
    bool m_awaitingTls = false;  // STARTTLS accepted, TLS not started: client bytes are dropped

    // Framing: the command being collected, and the literal still owed by the client.
    std::string m_line;
    std::string m_command;
    size_t m_literalRemaining = 0;
    bool m_discardingLine = false;
    std::string m_saslTag; // AUTHENTICATE waiting for the client's response
    bool m_idling = false;
    std::string m_idleTag;

    // The selected mailbox as this session has told its client about it.
    std::string m_selected;
    bool m_readOnly = false;
    std::vector<uint32_t> m_uids;
    std::set<uint32_t> m_recent;         // \Recent is per session (RFC 3501 section 2.3.2)
    std::set<uint32_t> m_pendingExpunge; // gone from the store, not yet announced
    std::map<uint32_t, store::StoredMessage> m_expungedCopies; // of those, what FETCH may still read
    std::set<uint32_t> m_pendingFlags;   // changed by another session, not yet announced
    std::vector<std::string> m_keywords; // the keywords the last FLAGS response named
    bool m_pendingBye = false;           // the selected mailbox vanished or was renumbered
    bool m_condstore = false;            // a CONDSTORE enabling command was issued (RFC 7162 3.1)
    bool m_qresync = false;              // ENABLE QRESYNC (RFC 7162 3.2.3)
    bool m_rev2 = false;                 // ENABLE IMAP4rev2: RFC 9051's rules (its appendix A)
    bool m_utf8Accept = false;           // ENABLE UTF8=ACCEPT (RFC 6855 section 3)

    std::vector<uint32_t> m_savedResult;   // "$": UIDs, ascending (RFC 5182 section 2.1)
    std::vector<UpdateContext> m_contexts; // searches with UPDATE (RFC 5267 section 4.3)
    std::set<uint32_t> m_contextDirty;     // UIDs whose flags changed since the contexts were last told

    std::optional<FetchJob> m_fetch;
    std::optional<SearchJob> m_search;
    mutable size_t m_searchWork = 0; // bytes of message text the search keys have read
    std::string m_heldInput;         // bytes that came while a FETCH answer was still being made

    wire::Exchange m_exchange; // the exchange under way
    std::vector<wire::Exchange> m_exchanges;
};

// What LIST says of an existing mailbox: whether it has children, and its special use (RFC 3501 section
// 6.3.8, RFC 3348, RFC 6154 section 2).
std::string listAttributes(const store::Account& account, const std::string& name);

} // namespace maillab::imap
