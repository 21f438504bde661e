// IMAP4rev1 commands as values (RFC 3501 section 6 and 9, with IDLE, MOVE, UIDPLUS, NAMESPACE, UNSELECT,
// ENABLE, ID, LITERAL+, CONDSTORE and QRESYNC, ESEARCH, SEARCHRES, CONTEXT=SEARCH, BINARY, MULTIAPPEND,
// CATENATE, SORT, THREAD, ESORT, LIST-EXTENDED, LIST-STATUS, OBJECTID, QUOTA). The parser (imap_parse.cpp)
// turns one complete command — its line or lines with every literal's bytes already in place — into a
// Command; the session executes it.
#pragma once

#include "mail/date.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace maillab::imap {

// [SECTION] sequence sets (RFC 3501 section 9, sequence-set)

// One range "a:b"; 0 stands for "*" (the largest number in use). Ranges may be written in either order.
struct SeqRange {
    uint32_t first = 0;
    uint32_t last = 0;
};

struct SequenceSet {
    std::vector<SeqRange> ranges;
    // "$": the result the last SEARCH RETURN (SAVE) kept, in place of any ranges (RFC 5182 section 3); the
    // session puts in its numbers before a handler sees the command.
    bool savedResult = false;
    // Whether n is in the set, where "*" means `largest` (RFC 3501 section 9: "*" is the largest number in
    // use).
    bool contains(uint32_t n, uint32_t largest) const;
    bool empty() const { return ranges.empty(); }
};

// [SECTION] FETCH (RFC 3501 section 6.4.5)

enum class SectionText { None, Header, HeaderFields, HeaderFieldsNot, Text, Mime };

struct Section {
    std::vector<unsigned> part; // "1.2" -> {1, 2}; empty for the whole message
    SectionText text = SectionText::None;
    std::vector<std::string> fields; // HEADER.FIELDS (...) names, as written (compare case-insensitively)
};

enum class FetchAttribute {
    Envelope,
    Flags,
    InternalDate,
    Rfc822,       // equivalent to BODY[]
    Rfc822Header, // equivalent to BODY.PEEK[HEADER]
    Rfc822Size,
    Rfc822Text, // equivalent to BODY[TEXT]
    Body,       // BODY without a section: the non-extensible BODYSTRUCTURE
    BodyStructure,
    Uid,
    BodySection, // BODY[section]<partial> or BODY.PEEK[section]<partial>
    Modseq,      // MODSEQ (RFC 7162 section 3.1.4)
    Binary,      // BINARY[part]<partial> or BINARY.PEEK[...]: the part with its CTE undone (RFC 3516 4.2)
    BinarySize,  // BINARY.SIZE[part]: the size of that decoded part (RFC 3516 section 4.2)
    EmailId,     // EMAILID (RFC 8474 section 5.1)
    ThreadId,    // THREADID (RFC 8474 section 5.2)
};

struct FetchItem {
    FetchAttribute attribute = FetchAttribute::Flags;
    bool peek = false;                     // BODY.PEEK, BINARY.PEEK: do not set \Seen
    Section section;                       // for BodySection; Binary and BinarySize use only `part`
    std::optional<uint32_t> partialOffset; // <offset.length>
    std::optional<uint32_t> partialLength;
};

// [SECTION] SEARCH (RFC 3501 section 6.4.4)

struct SearchKey {
    enum class Kind {
        All,
        Answered,
        Bcc,
        Before,
        Body,
        Cc,
        Deleted,
        Draft,
        Flagged,
        From,
        Header,
        Keyword,
        Larger,
        New,
        Not,
        Old,
        On,
        Or,
        Recent,
        Seen,
        SentBefore,
        SentOn,
        SentSince,
        Since,
        Smaller,
        Subject,
        Text,
        To,
        Uid,
        Unanswered,
        Undeleted,
        Undraft,
        Unflagged,
        Unkeyword,
        Unseen,
        SequenceSet, // a bare sequence set
        And,         // a parenthesised list, or the top-level list: all children must match
        Modseq,      // MODSEQ n: changed at or after mod-sequence n (RFC 7162 section 3.1.5)
    };
    Kind kind = Kind::All;
    std::string text;    // string argument (FROM, SUBJECT, BODY, TEXT, KEYWORD, HEADER's value, ...)
    std::string header;  // HEADER field-name
    int64_t day = 0;     // BEFORE/ON/SINCE/SENT*: days since 1970-01-01
    uint64_t number = 0; // LARGER/SMALLER, MODSEQ
    SequenceSet set;     // UID or SequenceSet
    std::vector<SearchKey> children; // NOT: 1, OR: 2, And: any
};

// [SECTION] STORE (RFC 3501 section 6.4.6)

struct StoreAction {
    enum class Mode { Replace, Add, Remove }; // FLAGS, +FLAGS, -FLAGS
    Mode mode = Mode::Replace;
    bool silent = false;            // .SILENT
    std::vector<std::string> flags; // as written, e.g. "\\Seen", "$Important"
};

// [SECTION] commands

enum class CommandName {
    Capability,
    Noop,
    Logout, // any state (6.1)
    Starttls,
    Authenticate,
    Login, // not authenticated (6.2)
    Select,
    Examine,
    Create,
    Delete,
    Rename,
    Subscribe,
    Unsubscribe,
    List,
    Lsub,
    Status,
    Append,
    Namespace,
    Enable,
    Id,
    Idle, // authenticated (6.3 and extensions)
    Check,
    Close,
    Expunge,
    Search,
    Fetch,
    Store,
    Copy,
    Move,
    Unselect,
    CancelUpdate,
    Sort,
    Thread, // selected (6.4 and extensions, RFC 5256)
    GetQuota,
    GetQuotaRoot,
    SetQuota, // authenticated, QUOTA (RFC 9208 section 4.1)
};

// [SECTION] CONDSTORE and QRESYNC (RFC 7162)

// SELECT / EXAMINE mailbox (QRESYNC (uidvalidity modseq [known-uids [(seq-match uid-match)]])),
// section 3.2.5.
struct QresyncParameters {
    uint32_t uidValidity = 0;
    uint64_t modseq = 0;
    std::optional<SequenceSet> knownUids;
    std::optional<std::pair<SequenceSet, SequenceSet>> sequenceMatch; // known sequence numbers and their UIDs
};

// [SECTION] APPEND with MULTIAPPEND, CATENATE and BINARY

// One part of CATENATE (...) (RFC 4469 section 5): TEXT literal bytes, or the URL of a message or part
// on this server whose bytes go in its place.
struct CatenatePart {
    bool url = false;
    std::string text;    // the literal's bytes, or the URL as written
    bool binary = false; // TEXT ~{n}: a literal8 (RFC 4469 section 5 with RFC 3516)
};

// One message of an APPEND; MULTIAPPEND sends several (RFC 3502 section 6.3.11).
struct AppendMessage {
    std::vector<std::string> flags;
    std::optional<mail::DateTime> internalDate;
    std::string message; // the literal's bytes (empty for CATENATE)
    bool binary = false; // sent as literal8 ~{n}: may hold NUL (RFC 3516 section 4.3)
    bool utf8 = false;   // UTF8 (~{n}...): the message may have UTF-8 headers (RFC 6855 section 4)
    std::optional<std::vector<CatenatePart>> catenate; // CATENATE (...) instead of a literal (RFC 4469)
};

// An IMAP URL relative to this server, as CATENATE names a message or part (RFC 5092 section 6,
// "/mailbox;UIDVALIDITY=n/;UID=n/;SECTION=x/;PARTIAL=o.l"): the mailbox is percent-decoded.
struct ImapUrl {
    std::string mailbox;
    std::optional<uint32_t> uidValidity;
    uint32_t uid = 0;
    Section section;
    std::optional<uint32_t> partialOffset, partialLength;
};

// SEARCH RETURN (...) (RFC 4731 section 3.1): which results an ESEARCH answer carries.
struct SearchReturn {
    bool min = false, max = false, all = false, count = false;
    bool save = false;    // SAVE: "$" becomes the result (RFC 5182 section 2.1)
    bool update = false;  // UPDATE: ADDTO / REMOVEFROM news as the result changes (RFC 5267 section 4.3)
    bool context = false; // CONTEXT: only a hint that more searches follow (RFC 5267 section 4.2)
    // PARTIAL first:last, with first <= last: the results at those positions (RFC 5267 section 4.4).
    std::optional<SeqRange> partial;
    // Whether an ESEARCH response is sent: SAVE alone asks for none (RFC 5182 section 2.1).
    bool answers() const { return min || max || all || count || update || partial || !save; }
};

// [SECTION] SORT and THREAD (RFC 5256 sections 3 and 2, RFC 5957 for DISPLAYFROM / DISPLAYTO)

struct SortCriterion {
    enum class Key { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo };
    Key key = Key::Arrival;
    bool reverse = false; // REVERSE turns only this key around; ties still go by sequence number
};

enum class ThreadAlgorithm { OrderedSubject, References };

// [SECTION] LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154 section 5.1)

// LIST [(selection options)] reference (patterns) [RETURN (return options)]. The basic form (RFC 3501
// section 6.3.8) is the same with one pattern and nothing else: `extended` is false.
struct ListOptions {
    bool extended = false; // options, a parenthesised pattern list or RETURN was written (5258 sec. 3)
    bool selectSubscribed = false;     // section 3.1: subscribed names instead of existing mailboxes
    bool selectRemote = false;         // section 3.1: no remote mailboxes here, so nothing changes
    bool selectRecursiveMatch = false; // section 3.1: parents of what matches, with CHILDINFO
    bool selectSpecialUse = false;     // RFC 6154 section 5.1: only mailboxes with a special use
    bool returnSubscribed = false;     // section 3.2: \Subscribed on each name
    bool returnChildren = false;       // section 3.2 and 4: \HasChildren / \HasNoChildren
    bool returnSpecialUse = false;     // RFC 6154 section 5.1
    std::optional<std::vector<std::string>> returnStatus; // RFC 5819 section 2: STATUS (items), uppercased
};

struct Command {
    std::string tag;
    CommandName name = CommandName::Noop;
    bool uid = false; // UID FETCH / STORE / COPY / MOVE / SEARCH / EXPUNGE (RFC 3501 section 6.4.8, RFC 4315)

    // Mailbox names (decoded from atom, quoted string or literal; not modified-UTF-7 decoded):
    // SELECT/EXAMINE/CREATE/DELETE/SUBSCRIBE/UNSUBSCRIBE/STATUS/APPEND: mailbox; RENAME: mailbox, newName;
    // COPY/MOVE: mailbox is the destination; LIST/LSUB: mailbox is the reference, pattern is the pattern.
    std::string mailbox;
    std::string newName;
    std::string pattern;               // LIST/LSUB: the first (for the basic form, the only) pattern
    std::vector<std::string> patterns; // LIST: every pattern, RFC 5258's "(a b)" included
    ListOptions list;

    // LOGIN user password; AUTHENTICATE mechanism [initial-response] (RFC 4959 SASL-IR).
    std::string user;
    std::string password;
    std::string mechanism;
    std::optional<std::string> initialResponse;

    SequenceSet sequence; // FETCH/STORE/COPY/MOVE, and UID EXPUNGE's uid set

    // FETCH: the items, after macros (ALL, FAST, FULL) are expanded (RFC 3501 section 6.4.5).
    std::vector<FetchItem> fetchItems;

    // SEARCH [CHARSET x] keys: one And node holding the keys.
    SearchKey search;
    std::string charset;

    StoreAction store;

    // APPEND mailbox 1*([(flags)] [date-time] (literal / literal8 / CATENATE (...))): one entry per message
    // (RFC 3501 section 6.3.11, RFC 3502, RFC 4469, RFC 3516). CREATE mailbox (USE (attributes)) puts its
    // special-use attributes in `flags` (RFC 6154 section 3).
    std::vector<AppendMessage> appends;
    std::vector<std::string> flags;

    // STATUS mailbox (items), uppercased: MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN (and DELETED, RFC 9051)
    std::vector<std::string> statusItems;

    // RFC 7162: SELECT / EXAMINE (CONDSTORE) and (QRESYNC (...)); FETCH (CHANGEDSINCE n [VANISHED]);
    // STORE (UNCHANGEDSINCE n).
    bool condstore = false;
    std::optional<QresyncParameters> qresync;
    std::optional<uint64_t> changedSince;
    bool vanished = false;
    std::optional<uint64_t> unchangedSince;
    // SEARCH RETURN (...) (RFC 4731): an ESEARCH answer instead of "* SEARCH"; RETURN () means ALL.
    std::optional<SearchReturn> searchReturn;
    // CANCELUPDATE: the tags of the searches whose updates stop (RFC 5267 section 4.3.5).
    std::vector<std::string> updateTags;
    // SORT (criteria) charset keys and THREAD algorithm charset keys: the keys and charset are SEARCH's.
    std::vector<SortCriterion> sortCriteria;
    ThreadAlgorithm threadAlgorithm = ThreadAlgorithm::References;

    // SETQUOTA root (resource limit ...) (RFC 9208 section 4.1.3): the resources uppercased; GETQUOTA's root
    // is in `mailbox`.
    std::vector<std::pair<std::string, uint64_t>> quotaLimits;

    // ENABLE capabilities, uppercased; ID: the client's field/value pairs (NIL -> empty list)
    std::vector<std::string> capabilities;
    std::vector<std::pair<std::string, std::string>> idFields;
};

struct ParseError {
    std::string tag;     // the tag when one could be read, else empty (answer with an untagged BAD)
    std::string message; // what was wrong, for "tag BAD <message>"
};

// How a session reads commands: once a client enables IMAP4rev2 or UTF8=ACCEPT, quoted strings may carry
// UTF-8 (RFC 9051 section 4.3 and appendix A, RFC 6855 section 3); before, 8-bit text must be a literal.
struct ParseOptions {
    bool utf8 = false;
};

// Parses one complete command. Literals appear as "{n}\r\n" or "{n+}\r\n" followed by exactly n bytes;
// the framing layer has already collected them. A trailing CRLF is optional.
std::variant<Command, ParseError> parseCommand(std::string_view bytes, ParseOptions options = {});

// The literal a command line announces at its end, "{n}" or "{n+}" before the line end (RFC 3501 section 4.3,
// RFC 7888): the framing on both sides (server session, console) needs it before the line can be parsed.
struct LiteralAnnouncement {
    uint64_t size = 0;
    bool nonSynchronizing = false; // {n+}: the bytes follow without waiting for "+"
};
std::optional<LiteralAnnouncement> announcedLiteral(std::string_view line);

// An IMAP URL relative to this server (RFC 5092; what CATENATE's URL parts may name, RFC 4469 section 5),
// or why it is not one (for NO [BADURL]).
std::variant<ImapUrl, std::string> parseImapUrl(std::string_view url);

// The command's name as written on the wire ("UID FETCH"), for messages and the dashboard.
std::string commandWireName(const Command& command);

// Limits that keep the parser bounded whatever the input.
constexpr size_t kMaxNesting = 32; // parentheses in SEARCH keys and lists
constexpr size_t kMaxSequenceRanges = 10000;
// Messages and CATENATE parts of one APPEND together: each costs a little beyond its bytes.
constexpr size_t kMaxAppendParts = 1000;

} // namespace maillab::imap
