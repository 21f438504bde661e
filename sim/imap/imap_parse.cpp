// The IMAP command parser: one complete command (its literals already in place) to a Command or a
// ParseError. Recursive descent over RFC 3501 section 9's grammar plus the extensions in imap_types.hpp.
// Pure and bounded: every loop consumes input or stops, recursion stops at kMaxNesting, and nothing is
// allocated beyond a constant factor of the input (a literal's announced size is checked before use).
#include "imap/imap_types.hpp"
#include "imap/imap_vocabulary.hpp"
#include "util/sasl.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace maillab::imap {

// [SECTION] sequence sets

bool SequenceSet::contains(uint32_t n, uint32_t largest) const
{
    for (const SeqRange& range : ranges) {
        uint32_t a = range.first == 0 ? largest : range.first;
        uint32_t b = range.last == 0 ? largest : range.last;
        if (a > b) std::swap(a, b); // "4:2" is the same range as "2:4" (RFC 3501 section 9, seq-range)
        if (n >= a && n <= b) return true;
    }
    return false;
}

namespace {

// [SECTION] UID (the command table itself is in imap_vocabulary.cpp)

constexpr const char* kUidUsage =
    "UID must be followed by FETCH, STORE, COPY, MOVE, SEARCH, SORT, THREAD or EXPUNGE, e.g. UID FETCH 1:* "
    "(FLAGS) (RFC 3501 section 6.4.8)";

// [SECTION] SEARCH keys (RFC 3501 section 6.4.4)

enum class KeyArg { None, String, Date, Number, Keyword, Header, Not, Or, Uid, Modseq };

struct SearchKeySpec {
    std::string_view name;
    SearchKey::Kind kind;
    KeyArg arg;
    const char* example;
};

using K = SearchKey::Kind;
constexpr SearchKeySpec kSearchKeys[] = {
    {"ALL", K::All, KeyArg::None, "ALL"},
    {"ANSWERED", K::Answered, KeyArg::None, "ANSWERED"},
    {"BCC", K::Bcc, KeyArg::String, "BCC \"bob\""},
    {"BEFORE", K::Before, KeyArg::Date, "BEFORE 1-Feb-2026"},
    {"BODY", K::Body, KeyArg::String, "BODY \"lab report\""},
    {"CC", K::Cc, KeyArg::String, "CC \"bob\""},
    {"DELETED", K::Deleted, KeyArg::None, "DELETED"},
    {"DRAFT", K::Draft, KeyArg::None, "DRAFT"},
    {"FLAGGED", K::Flagged, KeyArg::None, "FLAGGED"},
    {"FROM", K::From, KeyArg::String, "FROM \"alice\""},
    {"HEADER", K::Header, KeyArg::Header, "HEADER Message-ID \"<1@example.org>\""},
    {"KEYWORD", K::Keyword, KeyArg::Keyword, "KEYWORD $Important"},
    {"LARGER", K::Larger, KeyArg::Number, "LARGER 10000"},
    {"MODSEQ", K::Modseq, KeyArg::Modseq, "MODSEQ 620162338"},
    {"NEW", K::New, KeyArg::None, "NEW"},
    {"NOT", K::Not, KeyArg::Not, "NOT SEEN"},
    {"OLD", K::Old, KeyArg::None, "OLD"},
    {"ON", K::On, KeyArg::Date, "ON 26-Nov-2026"},
    {"OR", K::Or, KeyArg::Or, "OR FROM alice FROM bob"},
    {"RECENT", K::Recent, KeyArg::None, "RECENT"},
    {"SEEN", K::Seen, KeyArg::None, "SEEN"},
    {"SENTBEFORE", K::SentBefore, KeyArg::Date, "SENTBEFORE 1-Feb-2026"},
    {"SENTON", K::SentOn, KeyArg::Date, "SENTON 26-Nov-2026"},
    {"SENTSINCE", K::SentSince, KeyArg::Date, "SENTSINCE 1-Feb-2026"},
    {"SINCE", K::Since, KeyArg::Date, "SINCE 1-Feb-2026"},
    {"SMALLER", K::Smaller, KeyArg::Number, "SMALLER 10000"},
    {"SUBJECT", K::Subject, KeyArg::String, "SUBJECT \"lab\""},
    {"TEXT", K::Text, KeyArg::String, "TEXT \"hiking\""},
    {"TO", K::To, KeyArg::String, "TO \"bob\""},
    {"UID", K::Uid, KeyArg::Uid, "UID 100:200"},
    {"UNANSWERED", K::Unanswered, KeyArg::None, "UNANSWERED"},
    {"UNDELETED", K::Undeleted, KeyArg::None, "UNDELETED"},
    {"UNDRAFT", K::Undraft, KeyArg::None, "UNDRAFT"},
    {"UNFLAGGED", K::Unflagged, KeyArg::None, "UNFLAGGED"},
    {"UNKEYWORD", K::Unkeyword, KeyArg::Keyword, "UNKEYWORD $Important"},
    {"UNSEEN", K::Unseen, KeyArg::None, "UNSEEN"},
};

// [SECTION] FETCH attributes (RFC 3501 section 6.4.5)

struct FetchSpec {
    std::string_view name;
    FetchAttribute attribute;
};

constexpr FetchSpec kFetchAttributes[] = {
    {"ENVELOPE", FetchAttribute::Envelope},
    {"FLAGS", FetchAttribute::Flags},
    {"INTERNALDATE", FetchAttribute::InternalDate},
    {"RFC822", FetchAttribute::Rfc822},
    {"RFC822.HEADER", FetchAttribute::Rfc822Header},
    {"RFC822.SIZE", FetchAttribute::Rfc822Size},
    {"RFC822.TEXT", FetchAttribute::Rfc822Text},
    {"BODY", FetchAttribute::Body},
    {"BODYSTRUCTURE", FetchAttribute::BodyStructure},
    {"UID", FetchAttribute::Uid},
    {"MODSEQ", FetchAttribute::Modseq},
    {"EMAILID", FetchAttribute::EmailId},
    {"THREADID", FetchAttribute::ThreadId},
};

// [SECTION] characters (RFC 3501 section 9)

bool isDigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
bool isAlpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// ATOM-CHAR: any 7-bit CHAR except atom-specials: ( ) { SP CTL % * " \ ]
bool isAtomChar(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f) return false;
    return std::strchr("(){%*\"\\]", c) == nullptr;
}
bool isAstringChar(unsigned char c)
{
    return isAtomChar(c) || c == ']';
}
bool isListChar(unsigned char c)
{
    return isAtomChar(c) || c == '%' || c == '*' || c == ']';
}
bool isTagChar(unsigned char c)
{
    return isAstringChar(c) && c != '+';
}
bool isBase64Char(unsigned char c)
{
    return isAlpha(c) || isDigit(c) || c == '+' || c == '/';
}
// The letters, digits and dots of names such as BODY.PEEK, RFC822.SIZE, HEADER.FIELDS.NOT, FLAGS.SILENT.
bool isNameChar(unsigned char c)
{
    return isAlpha(c) || isDigit(c) || c == '.';
}

// Bytes from the input shown inside an error message: one line, 7-bit, and short.
std::string quoteForMessage(std::string_view bytes, size_t limit = 24)
{
    std::string out = "\"";
    for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
        unsigned char c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x80) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += util::escapeForDisplay(bytes.substr(i, 1));
        }
    }
    if (bytes.size() > limit) out += "...";
    return out + "\"";
}

// [SECTION] dates (RFC 3501 section 9, date and date-time)

constexpr std::string_view kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

unsigned digitsValue(std::string_view text)
{
    unsigned value = 0;
    for (char c : text)
        value = value * 10 + static_cast<unsigned>(c - '0');
    return value;
}

bool allDigits(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return isDigit(c); });
}

// Whether day-month-year names a real calendar day; mail::parseImapDate itself would roll 30-Feb over.
bool isCalendarDay(std::string_view day, std::string_view month, std::string_view year)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 12; ++i)
        if (util::iequals(month, kMonthNames[i])) m = i + 1;
    if (m == 0) return false;
    unsigned y = digitsValue(year);
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned d = digitsValue(day);
    return d >= 1 && d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// date-text = date-day "-" date-month "-" date-year, e.g. "1-Feb-2026" or "01-Feb-2026".
std::optional<int64_t> parseDateText(std::string_view text)
{
    size_t dash1 = text.find('-');
    if (dash1 == std::string_view::npos || dash1 == 0 || dash1 > 2) return std::nullopt;
    std::string_view day = text.substr(0, dash1);
    std::string_view rest = text.substr(dash1 + 1);
    if (rest.size() != 8 || rest[3] != '-') return std::nullopt;
    std::string_view month = rest.substr(0, 3);
    std::string_view year = rest.substr(4);
    if (!allDigits(day) || !allDigits(year) || !isCalendarDay(day, month, year)) return std::nullopt;
    return mail::parseImapDate(text);
}

// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE (quotes removed),
// e.g. " 5-Nov-2026 09:00:00 +0100".
std::optional<mail::DateTime> parseDateTimeText(std::string_view text)
{
    if (text.size() != 26 || text[2] != '-' || text[6] != '-' || text[11] != ' ' || text[14] != ':' ||
        text[17] != ':' || text[20] != ' ' || (text[21] != '+' && text[21] != '-'))
        return std::nullopt;
    std::string_view day = text[0] == ' ' ? text.substr(1, 1) : text.substr(0, 2);
    std::string_view year = text.substr(7, 4);
    std::string_view hour = text.substr(12, 2), minute = text.substr(15, 2), second = text.substr(18, 2);
    std::string_view zone = text.substr(22, 4);
    if (!allDigits(day) || !allDigits(year) || !allDigits(hour) || !allDigits(minute) || !allDigits(second) ||
        !allDigits(zone))
        return std::nullopt;
    if (!isCalendarDay(day, text.substr(3, 3), year)) return std::nullopt;
    if (digitsValue(hour) > 23 || digitsValue(minute) > 59 || digitsValue(second) > 60 ||
        digitsValue(zone.substr(2)) > 59)
        return std::nullopt;
    return mail::parseImapDateTime(text);
}

// [SECTION] the parser

// Thrown only inside this file; parseCommand turns it into a ParseError that carries the tag.
struct Failure {
    std::string message;
};

[[noreturn]] void fail(std::string message)
{
    throw Failure{std::move(message)};
}

constexpr uint64_t kMaxNumber = 4294967295u; // number and nz-number are 32-bit (RFC 3501 section 9)

class Parser {
public:
    Parser(std::string_view input, ParseOptions options) : m_in(input), m_options(options) {}

    // tag SP: on failure the message for a ParseError with an empty tag.
    std::optional<std::string> readTag(std::string& tag);
    void parseCommand(Command& command);
    // A section-spec and nothing after it, as an IMAP URL's ;SECTION= holds one (RFC 5092 section 6).
    Section urlSection()
    {
        Section section = readSection();
        if (!atEnd()) fail("unexpected " + next() + " after the section");
        return section;
    }

private:
    // [SECTION] the cursor

    // Only an optional CRLF (or LF) is left: the end of the command.
    bool atEnd() const
    {
        std::string_view rest = m_in.substr(m_pos);
        return rest.empty() || rest == "\r\n" || rest == "\n";
    }
    unsigned char peek(size_t ahead = 0) const
    {
        return m_pos + ahead < m_in.size() ? static_cast<unsigned char>(m_in[m_pos + ahead]) : 0;
    }
    bool take(char c)
    {
        if (m_pos < m_in.size() && m_in[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    template <class Predicate> std::string_view takeWhile(Predicate predicate)
    {
        size_t start = m_pos;
        while (m_pos < m_in.size() && predicate(static_cast<unsigned char>(m_in[m_pos])))
            ++m_pos;
        return m_in.substr(start, m_pos - start);
    }
    std::string next() const
    {
        return atEnd() ? "the end of the command" : quoteForMessage(m_in.substr(m_pos));
    }

    // An argument must start here: at the end of the command, say what the command needs.
    void needArgument()
    {
        if (!atEnd()) return;
        if (m_pos > 0 && m_in[m_pos - 1] == ' ')
            fail(std::string("the command ends with a space where an argument should follow; ") + m_usage);
        fail(m_usage);
    }
    // SP before an argument; `missing` replaces the command's usage when the command ends here.
    void space(const char* what, const char* missing = nullptr)
    {
        if (atEnd()) fail(missing ? missing : m_usage);
        if (!take(' ')) fail("expected a space and then " + std::string(what) + ", found " + next());
        if (peek() == ' ')
            fail("expected " + std::string(what) + " after a single space, found a second space");
    }
    // After an element of a parenthesised list: true when another element follows, false after ")".
    bool nextInList(const char* element, const char* unclosed)
    {
        if (take(')')) return false;
        if (atEnd()) fail(unclosed);
        if (!take(' ')) fail("expected a space or \")\" after " + std::string(element) + ", found " + next());
        return true;
    }
    // The command must end here; `usage` replaces the generic complaint (for commands without arguments).
    void expectEnd(const char* usage = nullptr)
    {
        if (atEnd()) return;
        if (peek() == '\r' || peek() == '\n')
            fail("unexpected " + next() + " after the " + wireName() +
                 " command: a line break ends a command except right after a literal's {n}");
        if (usage) fail(usage);
        fail("unexpected " + next() + " after the end of the " + wireName() + " command; " + m_usage);
    }
    std::string wireName() const { return (m_uid ? "UID " : "") + std::string(m_spec->wireName); }

    // [SECTION] strings (RFC 3501 section 4.3 and 9)

    std::string readQuoted();
    std::string_view readLiteral(bool allowNul = false);
    std::string readString(const std::string& what);
    std::string readAstring(const std::string& what);
    std::optional<std::string> readNstring(const std::string& what);
    std::string readMailbox(const std::string& what);
    std::string readListMailbox();
    std::string readFlag();
    std::vector<std::string> readFlagList();
    void skipParenthesised(size_t depth);

    // [SECTION] numbers and sequence sets

    uint32_t readNumber(const std::string& what, bool nonZero);
    uint32_t readSeqNumber(const std::string& what);
    uint64_t readModseq(const std::string& what, bool nonZero);
    SequenceSet readSequenceSet(const std::string& what, bool savedResultAllowed = true);

    // [SECTION] commands

    void parseArguments(Command& command);
    void parseAuthenticate(Command& command);
    void parseList(Command& command);
    void readListSelection(ListOptions& list);
    std::vector<std::string> readStatusItems();
    void parseStatus(Command& command);
    void parseAppend(Command& command);
    std::vector<CatenatePart> readCatenateParts(size_t& parts);
    void parseSelect(Command& command);
    void parseEnable(Command& command);
    void parseId(Command& command);
    void parseSearch(Command& command);
    SearchReturn readSearchReturn();
    SeqRange readPartialRange();
    void parseCancelUpdate(Command& command);
    void readSortOrThreadPrefix(Command& command);
    SearchKey readSearchKey(size_t depth);
    int64_t readSearchDate(std::string_view key);
    void parseFetch(Command& command);
    void readFetchAttribute(std::vector<FetchItem>& items, bool inList);
    Section readSection();
    void readPartial(FetchItem& item);
    void parseStore(Command& command);

    // The UTF-8 sequence that the lead byte just read starts; cut short or malformed ones fail util::isUtf8.
    std::string_view utf8Sequence(unsigned char lead) const
    {
        const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return m_in.substr(m_pos - 1, length);
    }

    std::string_view m_in;
    ParseOptions m_options;
    size_t m_pos = 0;
    const CommandInfo* m_spec = nullptr;
    bool m_uid = false;
    const char* m_usage = "";
};

std::optional<std::string> Parser::readTag(std::string& tag)
{
    if (atEnd()) return std::string("empty command: a command starts with a tag and a name, e.g. a1 NOOP");
    // The tag is everything up to the first space: if any of it is not allowed, there is no tag to answer.
    std::string_view token = m_in.substr(0, std::min(m_in.find_first_of(" \r\n"), m_in.size()));
    auto bad = std::find_if(token.begin(), token.end(), [](char c) { return !isTagChar(c); });
    if (token.empty() || bad != token.end()) {
        std::string found = token.empty() ? next() : quoteForMessage(token);
        if (!token.empty() && token.size() > 1)
            found += ", which contains " + quoteForMessage(std::string_view(&*bad, 1));
        return "the command must start with a tag, found " + found +
               "; a tag is made of letters, digits and punctuation except ( ) { % * \" \\ ] + and space, "
               "e.g. a1 NOOP (RFC 3501 section 9, tag)";
    }
    m_pos = token.size();
    tag = std::string(token);
    return std::nullopt;
}

void Parser::parseCommand(Command& command)
{
    m_usage = "a command name must follow the tag, e.g. a1 NOOP (RFC 3501 section 2.2.1)";
    if (atEnd()) fail(m_usage);
    if (!take(' ')) fail("expected a space after the tag, found " + next());
    std::string_view name = takeWhile(isAtomChar);
    if (name.empty()) fail("expected a command name after the tag, found " + next());
    const CommandInfo* spec = util::iequals(name, "UID") ? nullptr : findCommand(name);
    if (!spec && util::iequals(name, "UID")) {
        m_usage = kUidUsage;
        if (atEnd()) fail(kUidUsage);
        if (!take(' ')) fail(std::string("expected a space after UID; ") + kUidUsage);
        std::string_view sub = takeWhile(isAtomChar);
        spec = sub.empty() ? nullptr : findCommand(sub);
        if (!spec || !(spec->flags & kUidForm))
            fail("UID cannot prefix " + (sub.empty() ? next() : quoteForMessage(sub)) + "; " + kUidUsage);
        m_uid = true;
        m_usage = spec->uidUsage;
    } else if (!spec) {
        fail("unknown command " + quoteForMessage(name) + "; CAPABILITY lists what this server supports");
    } else {
        m_usage = spec->usage;
    }
    m_spec = spec;
    command.name = spec->name;
    command.uid = m_uid;
    parseArguments(command);
}

// [SECTION] strings

std::string Parser::readQuoted()
{
    // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = any TEXT-CHAR except " and \, or \" or \\ .
    take('"');
    std::string out;
    while (true) {
        if (m_pos >= m_in.size()) fail("a quoted string is missing its closing \" (RFC 3501 section 4.3)");
        unsigned char c = static_cast<unsigned char>(m_in[m_pos++]);
        if (c == '"') return out;
        if (c == '\\') {
            unsigned char escaped = peek();
            if (escaped != '"' && escaped != '\\')
                fail("in a quoted string a backslash may only escape \" or \\, not " +
                     (m_pos < m_in.size() ? quoteForMessage(m_in.substr(m_pos, 1)) : next()) +
                     " (RFC 3501 section 9, QUOTED-CHAR)");
            out += static_cast<char>(escaped);
            ++m_pos;
        } else if (c == '\r' || c == '\n') {
            fail("a quoted string cannot hold a line break; send such text as a literal {n} (RFC 3501 "
                 "section 4.3)");
        } else if (c == 0) {
            fail("a quoted string cannot hold a NUL byte (RFC 3501 section 4.3)");
        } else if (c >= 0x80 && !m_options.utf8) {
            fail("a quoted string holds only 7-bit characters; send 8-bit text as a literal {n}, or ENABLE "
                 "UTF8=ACCEPT first (RFC 3501 section 4.3, RFC 6855 section 3)");
        } else if (c >= 0x80 && !util::isUtf8(utf8Sequence(c))) {
            fail("a quoted string may hold 8-bit text only as UTF-8 (RFC 9051 section 4.3, UTF8-2)");
        } else if (c >= 0x80) {
            out += m_in.substr(m_pos - 1, utf8Sequence(c).size());
            m_pos += utf8Sequence(c).size() - 1;
        } else {
            out += static_cast<char>(c);
        }
    }
}

std::string_view Parser::readLiteral(bool allowNul)
{
    // literal = "{" number ["+"] "}" CRLF *CHAR8 (RFC 3501 section 9; "+" is LITERAL+, RFC 7888 section 3)
    take('{');
    std::string_view digits = takeWhile(isDigit);
    if (digits.empty())
        fail("a literal starts with {n} where n is its size in bytes; after \"{\" found " + next());
    uint64_t size = 0;
    for (char c : digits) {
        size = size * 10 + static_cast<uint64_t>(c - '0');
        if (size > kMaxNumber)
            fail("a literal's size must be at most 4294967295 bytes (RFC 3501 section 9, number)");
    }
    take('+');
    if (!take('}')) fail("a literal's size must be closed with \"}\", e.g. {5}, found " + next());
    if (!take('\n') && !(take('\r') && take('\n')))
        fail("a literal {n} must be followed by CRLF and then its n bytes (RFC 3501 section 4.3)");
    size_t available = m_in.size() - m_pos;
    if (size > available)
        fail("the literal announced " + std::to_string(size) + " bytes but only " +
             std::to_string(available) + " follow (RFC 3501 section 4.3)");
    std::string_view bytes = m_in.substr(m_pos, static_cast<size_t>(size));
    // Only a literal8 ~{n} may hold NUL, where the syntax allows one (RFC 3516 section 4.3).
    if (!allowNul && bytes.find('\0') != std::string_view::npos)
        fail("a literal cannot hold NUL bytes (RFC 3501 section 9, CHAR8); APPEND may send such a message "
             "as a literal8 ~{n} (RFC 3516 section 4.3)");
    m_pos += static_cast<size_t>(size);
    return bytes;
}

std::string Parser::readString(const std::string& what)
{
    needArgument();
    if (peek() == '"') return readQuoted();
    if (peek() == '{') return std::string(readLiteral());
    fail("expected " + what + " as a quoted string or a literal, found " + next() +
         " (RFC 3501 section 4.3)");
}

std::string Parser::readAstring(const std::string& what)
{
    needArgument();
    if (peek() == '"') return readQuoted();
    if (peek() == '{') return std::string(readLiteral());
    std::string_view atom = takeWhile(isAstringChar);
    if (atom.empty())
        fail("expected " + what + " (an atom, a quoted string or a literal), found " + next() +
             " (RFC 3501 section 9, astring)");
    return std::string(atom);
}

std::optional<std::string> Parser::readNstring(const std::string& what)
{
    needArgument();
    if ((peek() == 'N' || peek() == 'n') && util::iequals(m_in.substr(m_pos, 3), "NIL") &&
        !isAtomChar(peek(3))) {
        m_pos += 3;
        return std::nullopt;
    }
    return readString(what);
}

std::string Parser::readMailbox(const std::string& what)
{
    std::string name = readAstring(what);
    if (util::iequals(name, "INBOX")) name = "INBOX"; // INBOX is case-insensitive (RFC 3501 section 5.1)
    return name;
}

std::string Parser::readListMailbox()
{
    // list-mailbox = 1*list-char / string: % and * may appear unquoted (RFC 3501 section 9)
    needArgument();
    if (peek() == '"') return readQuoted();
    if (peek() == '{') return std::string(readLiteral());
    std::string_view pattern = takeWhile(isListChar);
    if (pattern.empty())
        fail("expected a mailbox pattern such as \"*\" or Work/%, found " + next() +
             " (RFC 3501 section 6.3.8)");
    return std::string(pattern);
}

std::string Parser::readFlag()
{
    // flag = "\" atom / atom (system flags, flag-extension, flag-keyword; RFC 3501 section 9)
    needArgument();
    if (take('\\')) {
        std::string_view name = takeWhile(isAtomChar);
        if (name.empty()) {
            if (peek() == '*') fail("\\* only appears in PERMANENTFLAGS responses; it cannot be stored");
            fail("a backslash must be followed by a flag name, e.g. \\Seen (RFC 3501 section 2.3.2)");
        }
        return "\\" + std::string(name);
    }
    std::string_view keyword = takeWhile(isAtomChar);
    if (keyword.empty())
        fail("expected a flag such as \\Seen or $Important, found " + next() + " (RFC 3501 section 2.3.2)");
    return std::string(keyword);
}

std::vector<std::string> Parser::readFlagList()
{
    // flag-list = "(" [flag *(SP flag)] ")"
    take('(');
    std::vector<std::string> flags;
    if (take(')')) return flags;
    while (true) {
        if (atEnd()) fail("a flag list is missing its closing \")\", e.g. (\\Seen \\Flagged)");
        flags.push_back(readFlag());
        if (!nextInList("a flag", "a flag list is missing its closing \")\", e.g. (\\Seen \\Flagged)"))
            return flags;
    }
}

// Skips a parenthesised list of parameters we accept but ignore (RFC 4466 section 2.1 select-params).
void Parser::skipParenthesised(size_t depth)
{
    if (depth > kMaxNesting)
        fail("parameters are nested more than " + std::to_string(kMaxNesting) + " levels deep");
    take('(');
    if (take(')')) return;
    while (true) {
        if (atEnd()) fail("a parenthesised list is missing its closing \")\"");
        unsigned char c = peek();
        if (c == '(')
            skipParenthesised(depth + 1);
        else if (c == '"')
            readQuoted();
        else if (c == '{')
            readLiteral();
        else if (takeWhile([](unsigned char b) { return isListChar(b) || b == '\\'; }).empty())
            fail("unexpected " + next() + " inside a parenthesised list");
        if (!nextInList("a parameter", "a parenthesised list is missing its closing \")\"")) return;
    }
}

// [SECTION] numbers and sequence sets

uint32_t Parser::readNumber(const std::string& what, bool nonZero)
{
    needArgument();
    std::string_view digits = takeWhile(isDigit);
    if (digits.empty()) fail("expected " + what + " (a number), found " + next());
    uint64_t value = 0;
    for (char c : digits) {
        value = value * 10 + static_cast<uint64_t>(c - '0');
        if (value > kMaxNumber)
            fail(what + " is too large: IMAP numbers are at most 4294967295 (RFC 3501 section 9, number)");
    }
    if (nonZero && value == 0) fail(what + " must not be 0 (RFC 3501 section 9, nz-number)");
    return static_cast<uint32_t>(value);
}

// mod-sequence-value = 1*DIGIT, at most 2^63-1 (RFC 7162 section 7); valzer allows 0.
uint64_t Parser::readModseq(const std::string& what, bool nonZero)
{
    needArgument();
    std::string_view digits = takeWhile(isDigit);
    if (digits.empty()) fail("expected " + what + " (a mod-sequence, a number), found " + next());
    uint64_t value = 0;
    for (char c : digits) {
        if (value > (INT64_MAX - static_cast<uint64_t>(c - '0')) / 10)
            fail(what + " is too large: mod-sequences are at most 9223372036854775807 (RFC 7162 section 7)");
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (nonZero && value == 0) fail(what + " must not be 0 (RFC 7162 section 7, mod-sequence-value)");
    return value;
}

uint32_t Parser::readSeqNumber(const std::string& what)
{
    // seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT
    if (take('*')) return 0;
    if (!isDigit(peek()))
        fail("expected a message number or \"*\" in " + what + ", found " + next() +
             "; a sequence set looks like 1:3,5,7:* (RFC 3501 section 9, sequence-set)");
    if (peek() == '0') {
        if (!isDigit(peek(1)))
            fail("0 is not a valid message number in " + what +
                 ": sequence numbers and UIDs start at 1 (RFC 3501 section 9, nz-number)");
        fail("a message number cannot start with 0 (RFC 3501 section 9, nz-number)");
    }
    return readNumber("a message number", true);
}

SequenceSet Parser::readSequenceSet(const std::string& what, bool savedResultAllowed)
{
    needArgument();
    SequenceSet set;
    // seq-last-command = "$", a whole sequence set on its own (RFC 5182 section 3).
    if (peek() == '$') {
        if (!savedResultAllowed)
            fail("\"$\" (the saved search result) cannot stand for " + what +
                 ": it names messages of the selected mailbox (RFC 5182 section 2.1)");
        take('$');
        set.savedResult = true;
    }
    while (!set.savedResult) {
        SeqRange range;
        range.first = readSeqNumber(what);
        range.last = take(':') ? readSeqNumber(what) : range.first;
        if (set.ranges.size() >= kMaxSequenceRanges)
            fail(what + " has more than " + std::to_string(kMaxSequenceRanges) + " ranges");
        set.ranges.push_back(range);
        if (!take(',')) break;
    }
    unsigned char c = peek();
    if (set.savedResult && !atEnd() && c != ' ' && c != ')')
        fail("unexpected " + next() + " after \"$\" in " + what +
             ": \"$\" stands alone and cannot be joined with numbers or ranges (RFC 5182 section 3)");
    if (!atEnd() && c != ' ' && c != ')')
        fail(
            "unexpected " + next() + " in " + what +
            "; a sequence set is numbers, \"*\", ranges a:b and commas, e.g. 1:3,5,7:* (RFC 3501 section 9)");
    return set;
}

// [SECTION] commands

void Parser::parseArguments(Command& command)
{
    switch (m_spec->arguments) {
    case Arguments::None: expectEnd(m_usage); break;
    case Arguments::Expunge:
        if (!command.uid) expectEnd(m_usage);
        if (command.uid) { // UID EXPUNGE sequence-set (RFC 4315 section 2.1)
            space("a UID set");
            command.sequence = readSequenceSet("the UID set");
        }
        break;
    case Arguments::Authenticate: parseAuthenticate(command); break;
    case Arguments::Login:
        space("the user name");
        command.user = readAstring("the user name");
        space("the password");
        command.password = readAstring("the password");
        break;
    case Arguments::Select: parseSelect(command); break;
    case Arguments::Mailbox:
        space("a mailbox name");
        command.mailbox = readMailbox("the mailbox name");
        if (command.name == CommandName::Create && !atEnd()) {
            // CREATE mailbox (USE (attributes)): the special uses to give it, kept in `flags` (RFC 6154
            // section 3, CREATE-SPECIAL-USE).
            space("(USE (attributes))");
            if (!take('(') || !util::iequals(takeWhile(isAtomChar), "USE") || !take(' '))
                fail("after CREATE's mailbox name only (USE (attributes)) may follow, e.g. CREATE Sent (USE "
                     "(\\Sent)) (RFC 6154 section 3)");
            command.flags = readFlagList();
            if (!take(')')) fail("(USE ...) is missing its closing \")\", found " + next());
        }
        break;
    case Arguments::Rename:
        space("the mailbox to rename");
        command.mailbox = readMailbox("the mailbox to rename");
        space("the new mailbox name");
        command.newName = readMailbox("the new mailbox name");
        break;
    case Arguments::List: parseList(command); break;
    case Arguments::Status: parseStatus(command); break;
    case Arguments::Append: parseAppend(command); break;
    case Arguments::Enable: parseEnable(command); break;
    case Arguments::Id: parseId(command); break;
    case Arguments::Search: parseSearch(command); break;
    case Arguments::Fetch: parseFetch(command); break;
    case Arguments::Store: parseStore(command); break;
    case Arguments::CancelUpdate: parseCancelUpdate(command); break;
    case Arguments::CopyMove:
        space(command.uid ? "a UID set" : "a sequence set");
        command.sequence = readSequenceSet(command.uid ? "the UID set" : "the sequence set");
        space("the destination mailbox");
        command.mailbox = readMailbox("the destination mailbox");
        break;
    case Arguments::SetQuota: // "SETQUOTA" SP quota-root SP "(" [resource SP number64 ...] ")" (RFC
                              // 9208 4.1.3)
        space("a quota root");
        command.mailbox = readAstring("the quota root");
        space("a list of resource limits");
        if (!take('('))
            fail("the limits must be in parentheses, e.g. SETQUOTA \"\" (STORAGE 512), found " + next() +
                 " (RFC 9208 section 4.1.3)");
        if (take(')')) break;
        do {
            std::string resource = util::toUpper(takeWhile(isAtomChar));
            if (resource.empty()) fail("expected a resource name such as STORAGE, found " + next());
            space("the resource's limit");
            command.quotaLimits.emplace_back(std::move(resource), readModseq("the resource's limit", false));
        } while (nextInList("a resource limit", "the list of limits is missing its closing \")\""));
        break;
    }
    expectEnd();
}

void Parser::parseAuthenticate(Command& command)
{
    // "AUTHENTICATE" SP auth-type [SP (base64 / "=")] (RFC 3501 section 6.2.2, RFC 4959 section 7)
    space("a SASL mechanism");
    needArgument();
    std::string_view mechanism = takeWhile(isAtomChar);
    if (mechanism.empty()) fail("expected a SASL mechanism such as PLAIN, found " + next());
    command.mechanism =
        util::toUpper(mechanism); // SASL mechanism names are upper case (RFC 4422 section 3.1)
    if (atEnd()) return;
    space("a base64 initial response");
    needArgument();
    std::string_view response = takeWhile([](unsigned char c) { return isBase64Char(c) || c == '='; });
    if (response == "=") { // an empty initial response, kept as written (RFC 4959 section 3)
        command.initialResponse = std::string(response);
        return;
    }
    if (response.empty() || !util::isStrictBase64(response)) // the sessions' own decoder's rule
        fail("the initial response must be base64 (or \"=\" for an empty one), found " +
             (response.empty() ? next() : quoteForMessage(response)) + " (RFC 4959 section 3)");
    command.initialResponse = std::string(response);
}

void Parser::parseSelect(Command& command)
{
    space("a mailbox name");
    command.mailbox = readMailbox("the mailbox name");
    if (atEnd()) return;
    // select-params (RFC 4466 section 2.1): CONDSTORE and QRESYNC (RFC 7162 sections 3.1.8 and 3.2.5).
    space("a parenthesised list of parameters");
    needArgument();
    if (!take('('))
        fail("after the mailbox name only a parenthesised list of parameters may follow, e.g. (CONDSTORE), "
             "found " +
             next() + " (RFC 4466 section 2.1)");
    while (true) {
        std::string name = util::toUpper(takeWhile(isAtomChar));
        if (name == "CONDSTORE") {
            command.condstore = true;
        } else if (name == "QRESYNC") {
            // "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
            QresyncParameters q;
            space("the QRESYNC parameters");
            if (!take('('))
                fail("QRESYNC needs its parameters in parentheses, e.g. (QRESYNC (67890007 "
                     "90060115194045000)), "
                     "found " +
                     next() + " (RFC 7162 section 3.2.5)");
            q.uidValidity = readNumber("the UIDVALIDITY the client knows", true);
            space("the mod-sequence the client knows");
            q.modseq = readModseq("the mod-sequence the client knows", true);
            if (take(' ')) {
                if (peek() != '(') {
                    q.knownUids = readSequenceSet("the known UIDs", false);
                    if (take(' ') && peek() != '(')
                        fail("expected (known-sequence-set known-uid-set), found " + next());
                }
                if (take('(')) {
                    SequenceSet numbers = readSequenceSet("the known sequence numbers", false);
                    space("the UIDs of those sequence numbers");
                    SequenceSet uids = readSequenceSet("the UIDs of those sequence numbers", false);
                    if (!take(')')) fail("the sequence match data is missing its \")\", found " + next());
                    q.sequenceMatch = std::make_pair(std::move(numbers), std::move(uids));
                }
            }
            if (!take(')')) fail("the QRESYNC parameters are missing their \")\", found " + next());
            command.qresync = std::move(q);
        } else {
            fail((name.empty() ? "expected a SELECT parameter, found " + next()
                               : "unknown SELECT parameter " + quoteForMessage(name)) +
                 "; this server knows CONDSTORE and QRESYNC (RFC 7162)");
        }
        if (!nextInList("a SELECT parameter", "the SELECT parameters are missing their closing \")\""))
            return;
    }
}

void Parser::parseList(Command& command)
{
    // LIST [SP "(" selection options ")"] SP reference SP (pattern / "(" patterns ")")
    //      [SP "RETURN" SP "(" return options ")"]  (RFC 5258 section 6); LSUB keeps RFC 3501's two.
    const bool extensible = command.name == CommandName::List;
    ListOptions& list = command.list;
    space("the reference name");
    if (extensible && peek() == '(') {
        readListSelection(list);
        space("the reference name");
    }
    command.mailbox = readAstring("the reference name (often \"\")");
    space("the mailbox pattern");
    if (extensible && take('(')) {
        list.extended = true;
        do
            command.patterns.push_back(readListMailbox());
        while (nextInList("a mailbox pattern", "the list of mailbox patterns is missing its closing \")\""));
    } else {
        command.patterns.push_back(readListMailbox());
    }
    command.pattern = command.patterns.front();
    if (!extensible || atEnd()) return;
    space("RETURN and a list of return options");
    if (!util::iequals(takeWhile(isAtomChar), "RETURN"))
        fail("after the mailbox pattern only RETURN (options) may follow, e.g. LIST \"\" \"*\" RETURN "
             "(CHILDREN) (RFC 5258 section 3)");
    space("a list of return options");
    if (!take('('))
        fail("RETURN needs a list of options, e.g. RETURN (SUBSCRIBED CHILDREN), found " + next() +
             " (RFC 5258 section 3.2)");
    list.extended = true;
    if (take(')')) return;
    do {
        std::string option = util::toUpper(takeWhile(isAtomChar));
        if (option == "SUBSCRIBED")
            list.returnSubscribed = true;
        else if (option == "CHILDREN")
            list.returnChildren = true;
        else if (option == "SPECIAL-USE")
            list.returnSpecialUse = true;
        else if (option == "STATUS") { // RFC 5819 section 2
            space("a list of status items");
            list.returnStatus = readStatusItems();
        } else
            fail((option.empty() ? "expected a return option, found " + next()
                                 : "unknown return option " + quoteForMessage(option)) +
                 "; the options are SUBSCRIBED, CHILDREN (RFC 5258 section 3.2), SPECIAL-USE (RFC 6154) and "
                 "STATUS (items) (RFC 5819)");
    } while (nextInList("a return option", "the RETURN list is missing its closing \")\""));
}

void Parser::readListSelection(ListOptions& list)
{
    take('(');
    list.extended = true;
    if (!take(')')) {
        do {
            std::string option = util::toUpper(takeWhile(isAtomChar));
            if (option == "SUBSCRIBED")
                list.selectSubscribed = true;
            else if (option == "REMOTE")
                list.selectRemote = true;
            else if (option == "RECURSIVEMATCH")
                list.selectRecursiveMatch = true;
            else if (option == "SPECIAL-USE")
                list.selectSpecialUse = true;
            else // a server MUST answer BAD to options it does not know (RFC 5258 section 3)
                fail((option.empty() ? "expected a selection option, found " + next()
                                     : "unknown selection option " + quoteForMessage(option)) +
                     "; the options are SUBSCRIBED, REMOTE, RECURSIVEMATCH (RFC 5258 section 3.1) and "
                     "SPECIAL-USE (RFC 6154)");
        } while (nextInList("a selection option", "the selection options are missing their closing \")\""));
    }
    if (list.selectRecursiveMatch && !list.selectSubscribed && !list.selectSpecialUse)
        fail("RECURSIVEMATCH only refines another selection option, e.g. (SUBSCRIBED RECURSIVEMATCH); alone "
             "or with REMOTE it is an error (RFC 5258 section 3.1)");
}

std::vector<std::string> Parser::readStatusItems()
{
    needArgument();
    if (!take('('))
        fail("STATUS items must be in parentheses, e.g. STATUS INBOX (MESSAGES UNSEEN), found " + next() +
             " (RFC 3501 section 6.3.10)");
    std::vector<std::string> items;
    while (true) {
        std::string item = util::toUpper(takeWhile(isAtomChar));
        static constexpr std::string_view kItems[] = {
            "MESSAGES", "RECENT",  "UIDNEXT",   "UIDVALIDITY",     "UNSEEN",     "HIGHESTMODSEQ",
            "SIZE",     "DELETED", "MAILBOXID", "DELETED-STORAGE", "APPENDLIMIT"};
        if (std::find(std::begin(kItems), std::end(kItems), item) == std::end(kItems))
            fail((item.empty() ? "expected a status item, found " + next()
                               : "unknown status item " + quoteForMessage(item)) +
                 "; the items are MESSAGES, RECENT, UIDNEXT, UIDVALIDITY and UNSEEN (RFC 3501 section "
                 "6.3.10), HIGHESTMODSEQ (RFC 7162 section 3.1.7), SIZE (RFC 8438 section 3), MAILBOXID (RFC "
                 "8474 section 4), DELETED and DELETED-STORAGE (RFC 9208 section 4.1.4) and APPENDLIMIT (RFC "
                 "7889 "
                 "section 5)");
        items.push_back(std::move(item));
        if (!nextInList("a status item", "the list of status items is missing its closing \")\""))
            return items;
    }
}

void Parser::parseStatus(Command& command)
{
    space("a mailbox name");
    command.mailbox = readMailbox("the mailbox name");
    space("a list of status items");
    command.statusItems = readStatusItems();
}

void Parser::parseAppend(Command& command)
{
    // "APPEND" SP mailbox 1*append-message (RFC 3502 section 6.3.11), append-message = [SP flag-list]
    // [SP date-time] SP (literal / literal8 (RFC 3516 section 4.3) / "CATENATE" SP "(" cat-part *(SP
    // cat-part) ")" (RFC 4469 section 5))
    space("a mailbox name");
    command.mailbox = readMailbox("the mailbox name");
    size_t parts = 0;
    do {
        if (++parts > kMaxAppendParts)
            fail("one APPEND may carry at most " + std::to_string(kMaxAppendParts) +
                 " messages and CATENATE parts together");
        AppendMessage& append = command.appends.emplace_back();
        space("the message as a literal");
        needArgument();
        if (peek() == '(') {
            append.flags = readFlagList();
            space("the message as a literal");
            needArgument();
        }
        if (peek() == '"') {
            std::string text = readQuoted();
            append.internalDate = parseDateTimeText(text);
            if (!append.internalDate)
                fail("the date " + quoteForMessage(text) +
                     " is not an IMAP date-time; write it as \"dd-Mon-yyyy hh:mm:ss +zzzz\", "
                     "e.g. \"26-Nov-2026 09:00:00 +0100\" (RFC 3501 section 9, date-time)");
            space("the message as a literal");
            needArgument();
        }
        // append-data = "UTF8" SP "(" literal8 ")": a message with UTF-8 headers (RFC 6855 section 4)
        if (util::iequals(m_in.substr(m_pos, 7), "UTF8 (~")) {
            m_pos += 7;
            if (peek() != '{') fail("UTF8 (~{n} must announce the message's size, found " + next());
            append.message = std::string(readLiteral(false));
            append.utf8 = true;
            if (!take(')')) fail("APPEND UTF8 (~{n}...) is missing its closing \")\" (RFC 6855 section 4)");
        } else if (peek() == '{' || (peek() == '~' && peek(1) == '{')) {
            append.binary = take('~');
            append.message = std::string(readLiteral(append.binary));
        } else if (util::iequals(m_in.substr(m_pos, 9), "CATENATE ")) {
            m_pos += 9;
            append.catenate = readCatenateParts(parts);
        } else {
            fail("APPEND's message must be sent as a literal: {n}, CRLF, then the n bytes of the message "
                 "(~{n} when it may hold NUL, RFC 3516), or as CATENATE (...) (RFC 4469); found " +
                 next() + " (RFC 3501 section 6.3.11)");
        }
    } while (!atEnd());
}

std::vector<CatenatePart> Parser::readCatenateParts(size_t& parts)
{
    // "(" cat-part *(SP cat-part) ")", cat-part = "URL" SP astring / "TEXT" SP (literal / literal8)
    const char* unclosed = "CATENATE's list of parts is missing its closing \")\" (RFC 4469 section 5)";
    if (!take('('))
        fail("CATENATE needs its parts in parentheses, e.g. CATENATE (URL \"/INBOX/;UID=20\" TEXT {5}) "
             "(RFC 4469 section 5), found " +
             next());
    std::vector<CatenatePart> out;
    do {
        if (++parts > kMaxAppendParts)
            fail("one APPEND may carry at most " + std::to_string(kMaxAppendParts) +
                 " messages and CATENATE parts together");
        if (atEnd()) fail(unclosed);
        CatenatePart& part = out.emplace_back();
        std::string name = util::toUpper(takeWhile(isAtomChar));
        if (name == "URL") {
            space("a URL");
            part.url = true;
            part.text = readAstring("the URL");
        } else if (name == "TEXT") {
            space("a literal");
            needArgument();
            part.binary = peek() == '~' && peek(1) == '{';
            take('~');
            if (peek() != '{')
                fail("CATENATE's TEXT must be a literal {n} (RFC 4469 section 5), found " + next());
            part.text = std::string(readLiteral(part.binary));
        } else {
            fail((name.empty() ? "expected URL or TEXT in CATENATE, found " + next()
                               : "unknown CATENATE part " + quoteForMessage(name)) +
                 "; parts are URL \"/mailbox/;UID=n\" or TEXT {n} (RFC 4469 section 5)");
        }
    } while (nextInList("a CATENATE part", unclosed));
    if (out.empty()) fail(unclosed);
    return out;
}

void Parser::parseEnable(Command& command)
{
    // "ENABLE" 1*(SP capability), capability = atom (RFC 5161 section 4)
    do {
        space("a capability name");
        needArgument();
        std::string_view capability = takeWhile(isAtomChar);
        if (capability.empty()) fail("expected a capability name such as CONDSTORE, found " + next());
        command.capabilities.push_back(util::toUpper(capability));
    } while (!atEnd() && peek() == ' ');
}

void Parser::parseId(Command& command)
{
    // "ID" SP ( "(" #(string SP nstring) ")" / "NIL" ) (RFC 2971 section 4)
    space("NIL or a list of field/value pairs");
    needArgument();
    if (!take('(')) {
        if (util::iequals(takeWhile(isAtomChar), "NIL")) return;
        fail("ID takes NIL or a parenthesised list of field/value pairs, e.g. ID (\"name\" \"mutt\") "
             "(RFC 2971 section 3.1)");
    }
    if (take(')')) return;
    while (true) {
        if (atEnd()) fail("the ID list is missing its closing \")\"");
        std::string field = readString("an ID field name");
        space("the field's value",
              "each ID field needs a value (a string or NIL), e.g. ID (\"name\" \"mutt\")");
        std::optional<std::string> value = readNstring("the field's value (or NIL)");
        command.idFields.emplace_back(std::move(field), value.value_or(std::string()));
        if (!nextInList("an ID value", "the ID list is missing its closing \")\"")) return;
    }
}

// [SECTION] SEARCH (RFC 3501 section 6.4.4)

void Parser::parseSearch(Command& command)
{
    // "SEARCH" [SP "CHARSET" SP astring] 1*(SP search-key)
    space("a search key");
    needArgument();
    size_t save = m_pos;
    if (util::iequals(takeWhile(isAtomChar), "RETURN")) {
        command.searchReturn = readSearchReturn();
        space("a search key");
        save = m_pos;
    } else {
        m_pos = save;
    }
    if (command.name == CommandName::Sort || command.name == CommandName::Thread) {
        readSortOrThreadPrefix(command);
    } else if (util::iequals(takeWhile(isAtomChar), "CHARSET")) {
        space("a charset name", "CHARSET needs a charset name, e.g. SEARCH CHARSET UTF-8 TEXT \"cafe\"");
        command.charset = util::toUpper(readAstring("a charset name"));
        space("a search key");
    } else {
        m_pos = save;
    }
    command.search = SearchKey{};
    command.search.kind = SearchKey::Kind::And;
    while (true) {
        command.search.children.push_back(readSearchKey(0));
        if (atEnd() || peek() != ' ') break;
        space("a search key");
    }
}

SearchReturn Parser::readSearchReturn()
{
    // "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")" (RFC 4731 section 3.1, RFC 4466
    // section 2.6), with SAVE (RFC 5182 section 3) and CONTEXT, UPDATE and PARTIAL (RFC 5267 section 5).
    space("a list of return options");
    if (!take('('))
        fail("RETURN needs a list of options, e.g. RETURN (MIN MAX COUNT), found " + next() +
             " (RFC 4731 section 3.1)");
    SearchReturn wanted;
    if (!take(')')) {
        while (true) {
            std::string option = util::toUpper(takeWhile(isAtomChar));
            static constexpr std::pair<const char*, bool SearchReturn::*> kSwitches[] = {
                {"MIN", &SearchReturn::min},        {"MAX", &SearchReturn::max},
                {"ALL", &SearchReturn::all},        {"COUNT", &SearchReturn::count},
                {"SAVE", &SearchReturn::save},      {"UPDATE", &SearchReturn::update},
                {"CONTEXT", &SearchReturn::context}};
            auto known = std::find_if(std::begin(kSwitches), std::end(kSwitches),
                                      [&](const auto& s) { return option == s.first; });
            if (known != std::end(kSwitches))
                wanted.*(known->second) = true;
            else if (option == "PARTIAL") {
                if (wanted.partial) fail("PARTIAL may be asked for once only (RFC 5267 section 4.4)");
                space("a range of result positions, e.g. PARTIAL 1:500");
                wanted.partial = readPartialRange();
            } else
                fail((option.empty() ? "expected a return option, found " + next()
                                     : "unknown return option " + quoteForMessage(option)) +
                     "; the options are MIN, MAX, ALL, COUNT, SAVE, CONTEXT, UPDATE and PARTIAL first:last "
                     "(RFC 4731 section 3.1, RFC 5182, RFC 5267)");
            if (!nextInList("a return option", "the RETURN list is missing its closing \")\"")) break;
        }
    }
    // "either one PARTIAL, one ALL, or neither" (RFC 5267 section 4.4)
    if (wanted.all && wanted.partial)
        fail("RETURN cannot hold both ALL and PARTIAL: PARTIAL is a window onto ALL (RFC 5267 section 4.4)");
    // RETURN () is ALL (RFC 4731 section 3.1); so is a list of hints only.
    if (!wanted.min && !wanted.max && !wanted.count && !wanted.save && !wanted.update && !wanted.partial)
        wanted.all = true;
    return wanted;
}

SeqRange Parser::readPartialRange()
{
    // partial-range = nz-number ":" nz-number; 500:400 is the same as 400:500, and "*" is not allowed
    // (RFC 5267 section 5).
    const std::string wrong = "PARTIAL needs a range of result positions such as 1:500 (no \"*\"; RFC 5267 "
                              "section 4.4), found ";
    auto position = [&](const char* what) {
        needArgument();
        if (!isDigit(peek()) || peek() == '0') fail(wrong + next());
        return readNumber(what, true);
    };
    SeqRange range;
    range.first = position("the first position");
    if (!take(':')) fail(wrong + next());
    range.last = position("the last position");
    if (range.first > range.last) std::swap(range.first, range.last);
    return range;
}

// [SECTION] SORT and THREAD (RFC 5256 section 4, RFC 5957 section 4, RFC 5267 section 3)

constexpr std::pair<std::string_view, SortCriterion::Key> kSortKeys[] = {
    {"ARRIVAL", SortCriterion::Key::Arrival},
    {"CC", SortCriterion::Key::Cc},
    {"DATE", SortCriterion::Key::Date},
    {"FROM", SortCriterion::Key::From},
    {"SIZE", SortCriterion::Key::Size},
    {"SUBJECT", SortCriterion::Key::Subject},
    {"TO", SortCriterion::Key::To},
    {"DISPLAYFROM", SortCriterion::Key::DisplayFrom},
    {"DISPLAYTO", SortCriterion::Key::DisplayTo},
};

// What SORT and THREAD put before SEARCH's keys: "(" sort-criterion *(SP sort-criterion) ")" or the
// algorithm, then the charset, which is not optional there (RFC 5256 section 4, search-charset).
void Parser::readSortOrThreadPrefix(Command& command)
{
    if (command.name == CommandName::Thread) {
        if (command.searchReturn) fail("THREAD takes no RETURN options (RFC 5256 section 4)");
        std::string algorithm = util::toUpper(takeWhile(isAtomChar));
        if (algorithm == "ORDEREDSUBJECT")
            command.threadAlgorithm = ThreadAlgorithm::OrderedSubject;
        else if (algorithm == "REFERENCES")
            command.threadAlgorithm = ThreadAlgorithm::References;
        else
            fail((algorithm.empty() ? "expected a threading algorithm, found " + next()
                                    : "unknown threading algorithm " + quoteForMessage(algorithm)) +
                 "; this server threads by ORDEREDSUBJECT or REFERENCES (RFC 5256 section 3)");
    } else {
        if (!take('('))
            fail("SORT needs its sort keys in parentheses, e.g. SORT (REVERSE DATE) UTF-8 ALL, found " +
                 next() + " (RFC 5256 section 3)");
        while (true) {
            SortCriterion criterion;
            std::string word = util::toUpper(takeWhile(isAtomChar));
            if (word == "REVERSE") {
                criterion.reverse = true;
                if (!take(' '))
                    fail("REVERSE must be followed by a space and a sort key (RFC 5256 section 4)");
                word = util::toUpper(takeWhile(isAtomChar));
            }
            auto known = std::find_if(std::begin(kSortKeys), std::end(kSortKeys),
                                      [&](const auto& entry) { return entry.first == word; });
            if (known == std::end(kSortKeys))
                fail((word.empty() ? "expected a sort key, found " + next()
                                   : "unknown sort key " + quoteForMessage(word)) +
                     "; the keys are ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO (RFC 5256 section 3), "
                     "DISPLAYFROM and DISPLAYTO (RFC 5957 section 3), each may follow REVERSE");
            criterion.key = known->second;
            command.sortCriteria.push_back(criterion);
            if (command.sortCriteria.size() > kMaxNesting)
                fail("more than " + std::to_string(kMaxNesting) + " sort keys");
            if (!nextInList("a sort key", "the sort keys are missing their closing \")\"")) break;
        }
    }
    space("a charset name", "SORT and THREAD need a charset and search keys, e.g. SORT (DATE) UTF-8 ALL");
    command.charset = util::toUpper(readAstring("a charset name"));
    space("a search key");
}

int64_t Parser::readSearchDate(std::string_view key)
{
    // date = date-text / DQUOTE date-text DQUOTE
    needArgument();
    std::string text;
    if (peek() == '"')
        text = readQuoted();
    else
        text = std::string(takeWhile(isAtomChar));
    std::optional<int64_t> day = parseDateText(text);
    if (!day)
        fail(std::string(key) + " needs a date like 1-Feb-2026, found " +
             (text.empty() ? next() : quoteForMessage(text)) + " (RFC 3501 section 9, date)");
    return *day;
}

SearchKey Parser::readSearchKey(size_t depth)
{
    if (depth > kMaxNesting)
        fail("search keys are nested more than " + std::to_string(kMaxNesting) +
             " levels deep (parentheses, NOT and OR)");
    needArgument();
    SearchKey key;
    if (take('(')) {
        key.kind = SearchKey::Kind::And;
        while (true) {
            if (atEnd()) fail("a parenthesised list of search keys is missing its closing \")\"");
            key.children.push_back(readSearchKey(depth + 1));
            if (!nextInList("a search key",
                            "a parenthesised list of search keys is missing its closing \")\""))
                return key;
        }
    }
    if (isDigit(peek()) || peek() == '*' || peek() == '$') {
        key.kind = SearchKey::Kind::SequenceSet;
        key.set = readSequenceSet("the sequence set");
        return key;
    }
    std::string_view name = takeWhile(isAtomChar);
    const SearchKeySpec* spec = nullptr;
    for (const SearchKeySpec& candidate : kSearchKeys)
        if (util::iequals(name, candidate.name)) spec = &candidate;
    if (!spec)
        fail(
            (name.empty() ? "expected a search key, found " + next()
                          : "unknown search key " + quoteForMessage(name)) +
            "; keys look like ALL, UNSEEN, FROM \"alice\", SINCE 1-Feb-2026 or 1:5 (RFC 3501 section 6.4.4)");
    key.kind = spec->kind;
    std::string missing = "the search key " + std::string(spec->name) + " needs an argument, e.g. " +
                          spec->example + " (RFC 3501 section 6.4.4)";
    std::string keyName(spec->name);
    switch (spec->arg) {
    case KeyArg::None: break;
    case KeyArg::String:
        space("the text to search for", missing.c_str());
        key.text = readAstring(keyName + "'s text");
        break;
    case KeyArg::Date:
        space("a date", missing.c_str());
        key.day = readSearchDate(keyName);
        break;
    case KeyArg::Number:
        space("a size in bytes", missing.c_str());
        key.number = readNumber(keyName + "'s size", false);
        break;
    case KeyArg::Keyword: {
        space("a keyword", missing.c_str());
        needArgument();
        std::string_view keyword = takeWhile(isAtomChar);
        if (keyword.empty())
            fail(keyName + " needs a keyword such as $Important, found " + next() +
                 "; system flags have their own keys such as SEEN or ANSWERED (RFC 3501 section 6.4.4)");
        key.text = std::string(keyword);
        break;
    }
    case KeyArg::Header:
        space("a header field name", missing.c_str());
        key.header = readAstring("the header field name");
        space("the text to search for", missing.c_str());
        key.text = readAstring("the header text");
        break;
    case KeyArg::Not:
        space("a search key", missing.c_str());
        key.children.push_back(readSearchKey(depth + 1));
        break;
    case KeyArg::Or:
        space("two search keys", missing.c_str());
        key.children.push_back(readSearchKey(depth + 1));
        space("a second search key", missing.c_str());
        key.children.push_back(readSearchKey(depth + 1));
        break;
    case KeyArg::Uid:
        space("a UID set", missing.c_str());
        key.set = readSequenceSet("the UID set");
        break;
    case KeyArg::Modseq:
        // "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer (RFC 7162 section 3.1.5): the
        // entry names a flag's own mod-sequence; this server keeps one per message, so it is read and the
        // message's is used.
        space("a mod-sequence", missing.c_str());
        if (peek() == '"') {
            readQuoted();
            space("the entry type (priv, shared or all)");
            std::string type = util::toLower(takeWhile(isAtomChar));
            if (type != "priv" && type != "shared" && type != "all")
                fail("the entry type must be priv, shared or all, found " + quoteForMessage(type) +
                     " (RFC 7162 section 3.1.5)");
            space("a mod-sequence", missing.c_str());
        }
        key.number = readModseq("MODSEQ's mod-sequence", false);
        break;
    }
    return key;
}

void Parser::parseCancelUpdate(Command& command)
{
    // "CANCELUPDATE" 1*(SP quoted) (RFC 5267 section 5)
    do {
        space("the tag of a search with UPDATE, e.g. CANCELUPDATE \"B01\"");
        if (peek() != '"')
            fail("CANCELUPDATE names tags as quoted strings, e.g. CANCELUPDATE \"B01\", found " + next() +
                 " (RFC 5267 section 4.3.5)");
        command.updateTags.push_back(readQuoted());
    } while (!atEnd() && peek() == ' ');
}

// [SECTION] FETCH (RFC 3501 section 6.4.5)

void Parser::parseFetch(Command& command)
{
    // "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
    space(command.uid ? "a UID set" : "a sequence set");
    command.sequence = readSequenceSet(command.uid ? "the UID set" : "the sequence set");
    space("the items to fetch");
    needArgument();
    if (!take('(')) {
        readFetchAttribute(command.fetchItems, false);
    } else {
        while (true) {
            if (atEnd()) fail("the list of FETCH items is missing its closing \")\"");
            readFetchAttribute(command.fetchItems, true);
            if (!nextInList("a FETCH item", "the list of FETCH items is missing its closing \")\"")) break;
        }
    }
    if (atEnd()) return;
    // fetch-modifiers (RFC 4466 section 2.4): CHANGEDSINCE and VANISHED (RFC 7162 sections 3.1.4.1, 3.2.6).
    space("a list of FETCH modifiers");
    if (!take('('))
        fail("after the FETCH items only a list of modifiers may follow, e.g. (CHANGEDSINCE 12345), found " +
             next() + " (RFC 4466 section 2.4)");
    while (true) {
        std::string name = util::toUpper(takeWhile(isAtomChar));
        if (name == "CHANGEDSINCE") {
            space("a mod-sequence");
            command.changedSince = readModseq("CHANGEDSINCE's mod-sequence", true);
        } else if (name == "VANISHED") {
            if (!command.uid) fail("VANISHED may only modify UID FETCH (RFC 7162 section 3.2.6)");
            command.vanished = true;
        } else {
            fail((name.empty() ? "expected a FETCH modifier, found " + next()
                               : "unknown FETCH modifier " + quoteForMessage(name)) +
                 "; this server knows CHANGEDSINCE and VANISHED (RFC 7162)");
        }
        if (!nextInList("a FETCH modifier", "the FETCH modifiers are missing their closing \")\"")) break;
    }
    if (command.vanished && !command.changedSince)
        fail("VANISHED needs CHANGEDSINCE beside it, e.g. (CHANGEDSINCE 12345 VANISHED) (RFC 7162 section "
             "3.2.6)");
}

void Parser::readPartial(FetchItem& item)
{
    if (!take('<')) return; // "<" number "." nz-number ">" (RFC 3501 section 9, RFC 3516 section 4.5)
    item.partialOffset = readNumber("the partial offset", false);
    if (!take('.'))
        fail("a partial fetch needs an offset and a length, <offset.length>, e.g. <0.1024>; found " + next() +
             " (RFC 3501 section 6.4.5)");
    item.partialLength = readNumber("the partial length", true);
    if (!take('>')) fail("a partial fetch <offset.length> must end with \">\", found " + next());
}

void Parser::readFetchAttribute(std::vector<FetchItem>& items, bool inList)
{
    needArgument();
    std::string name = util::toUpper(takeWhile(isNameChar));
    auto add = [&items](FetchAttribute attribute) {
        FetchItem item;
        item.attribute = attribute;
        items.push_back(std::move(item));
    };
    if (name == "ALL" || name == "FAST" || name == "FULL") {
        if (inList)
            fail("the macro " + name + " stands alone, not inside a list: write FETCH 1 " + name +
                 " (RFC 3501 section 6.4.5)");
        add(FetchAttribute::Flags);
        add(FetchAttribute::InternalDate);
        add(FetchAttribute::Rfc822Size);
        if (name != "FAST") add(FetchAttribute::Envelope);
        if (name == "FULL") add(FetchAttribute::Body);
        return;
    }
    if (name == "BODY.PEEK" || (name == "BODY" && peek() == '[')) {
        FetchItem item;
        item.attribute = FetchAttribute::BodySection;
        item.peek = name == "BODY.PEEK";
        if (!take('['))
            fail("BODY.PEEK needs a section in brackets, e.g. BODY.PEEK[HEADER] or BODY.PEEK[] "
                 "(RFC 3501 section 6.4.5)");
        item.section = readSection();
        readPartial(item);
        items.push_back(std::move(item));
        return;
    }
    if (name == "BINARY" || name == "BINARY.PEEK" || name == "BINARY.SIZE") {
        // "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary, section-binary =
        // "[" [section-part] "]" (RFC 3516 section 4.5): part numbers only, no HEADER, TEXT or MIME.
        FetchItem item;
        item.attribute = name == "BINARY.SIZE" ? FetchAttribute::BinarySize : FetchAttribute::Binary;
        item.peek = name != "BINARY";
        if (!take('['))
            fail(name + " needs a part in brackets, e.g. " + name + "[1] or " + name +
                 "[] (RFC 3516 section 4.2)");
        while (!take(']')) {
            if (!item.section.part.empty() && !take('.'))
                fail("a binary section is part numbers such as 1.2, found " + next() +
                     " (RFC 3516 section 4.5, section-binary)");
            if (!isDigit(peek()) || peek() == '0')
                fail("a binary section is part numbers from 1, such as BINARY[1.2]; HEADER, TEXT and MIME "
                     "are not decoded (RFC 3516 section 4.5), found " +
                     next());
            item.section.part.push_back(readNumber("a section part number", true));
        }
        if (item.attribute == FetchAttribute::Binary) readPartial(item);
        items.push_back(std::move(item));
        return;
    }
    for (const FetchSpec& spec : kFetchAttributes) {
        if (name == spec.name) {
            add(spec.attribute);
            return;
        }
    }
    fail((name.empty() ? "expected a FETCH item, found " + next()
                       : "unknown FETCH item " + quoteForMessage(name)) +
         "; items are FLAGS, UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, BODY, BODY[section], "
         "BODY.PEEK[section], BINARY[part], BINARY.PEEK[part], BINARY.SIZE[part], RFC822, RFC822.HEADER, "
         "RFC822.TEXT or the macros ALL, FAST, FULL "
         "(RFC 3501 section 6.4.5)");
}

Section Parser::readSection()
{
    // section = "[" [section-spec] "]"; "[" already taken.
    // section-spec = section-msgtext / (section-part ["." section-text]); section-part = nz-number *("."
    // nz-number)
    Section section;
    if (take(']')) return section;
    std::string text;
    if (isDigit(peek())) {
        while (true) {
            if (peek() == '0')
                fail("section part numbers start at 1, found " + next() + " (RFC 3501 section 6.4.5)");
            section.part.push_back(readNumber("a section part number", true));
            if (peek() != '.' || !isDigit(peek(1))) break;
            take('.');
        }
        if (take('.')) {
            text = util::toUpper(takeWhile(isNameChar));
            if (text.empty())
                fail("after a part number and a dot comes HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or "
                     "MIME, "
                     "e.g. BODY[1.MIME]; found " +
                     next() + " (RFC 3501 section 6.4.5)");
        }
    } else {
        text = util::toUpper(takeWhile(isNameChar));
        if (text == "MIME")
            fail("MIME needs a part number in front of it, e.g. BODY[1.MIME] (RFC 3501 section 6.4.5)");
    }
    if (text == "HEADER")
        section.text = SectionText::Header;
    else if (text == "HEADER.FIELDS")
        section.text = SectionText::HeaderFields;
    else if (text == "HEADER.FIELDS.NOT")
        section.text = SectionText::HeaderFieldsNot;
    else if (text == "TEXT")
        section.text = SectionText::Text;
    else if (text == "MIME")
        section.text = SectionText::Mime;
    else if (!text.empty() || section.part.empty())
        fail("unknown section " + (text.empty() ? next() : quoteForMessage(text)) +
             "; sections are empty, HEADER, HEADER.FIELDS (...), HEADER.FIELDS.NOT (...), TEXT, or part "
             "numbers "
             "like 1.2 optionally followed by .HEADER, .TEXT or .MIME (RFC 3501 section 6.4.5)");
    if (section.text == SectionText::HeaderFields || section.text == SectionText::HeaderFieldsNot) {
        const char* missing =
            "HEADER.FIELDS needs a list of field names, e.g. BODY[HEADER.FIELDS (FROM SUBJECT)] "
            "(RFC 3501 section 6.4.5)";
        if (atEnd() || peek() != ' ') fail(missing);
        take(' ');
        if (!take('(')) fail(missing);
        while (true) {
            if (atEnd()) fail("the list of header field names is missing its closing \")\"");
            section.fields.push_back(readAstring("a header field name"));
            if (!nextInList("a header field name",
                            "the list of header field names is missing its closing \")\""))
                break;
        }
    }
    if (!take(']'))
        fail("expected \"]\" to close the section, found " + next() + " (RFC 3501 section 6.4.5)");
    return section;
}

// [SECTION] STORE (RFC 3501 section 6.4.6)

void Parser::parseStore(Command& command)
{
    // "STORE" SP sequence-set SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / (flag *(SP flag)))
    space(command.uid ? "a UID set" : "a sequence set");
    command.sequence = readSequenceSet(command.uid ? "the UID set" : "the sequence set");
    space("FLAGS, +FLAGS or -FLAGS");
    needArgument();
    if (take('(')) {
        // store-modifiers (RFC 4466 section 2.5): UNCHANGEDSINCE (RFC 7162 section 3.1.3)
        std::string name = util::toUpper(takeWhile(isAtomChar));
        if (name != "UNCHANGEDSINCE")
            fail((name.empty() ? "expected a STORE modifier, found " + next()
                               : "unknown STORE modifier " + quoteForMessage(name)) +
                 "; this server knows UNCHANGEDSINCE (RFC 7162 section 3.1.3)");
        space("a mod-sequence");
        command.unchangedSince = readModseq("UNCHANGEDSINCE's mod-sequence", false);
        if (!take(')')) fail("the STORE modifiers are missing their closing \")\", found " + next());
        space("FLAGS, +FLAGS or -FLAGS");
        needArgument();
    }
    if (take('+'))
        command.store.mode = StoreAction::Mode::Add;
    else if (take('-'))
        command.store.mode = StoreAction::Mode::Remove;
    std::string action = util::toUpper(takeWhile(isNameChar));
    if (action != "FLAGS" && action != "FLAGS.SILENT")
        fail("STORE's action must be FLAGS, +FLAGS or -FLAGS, optionally followed by .SILENT, found " +
             (action.empty() ? next() : quoteForMessage(action)) + " (RFC 3501 section 6.4.6)");
    command.store.silent = action == "FLAGS.SILENT";
    space("the flags",
          "STORE needs flags after the action, e.g. STORE 1 +FLAGS (\\Seen) (RFC 3501 section 6.4.6)");
    needArgument();
    if (peek() == '(') {
        command.store.flags = readFlagList();
        return;
    }
    while (true) {
        command.store.flags.push_back(readFlag());
        if (atEnd() || peek() != ' ') return;
        space("a flag");
    }
}

} // namespace

// [SECTION] entry points

std::variant<Command, ParseError> parseCommand(std::string_view bytes, ParseOptions options)
{
    Parser parser(bytes, options);
    Command command;
    if (std::optional<std::string> error = parser.readTag(command.tag))
        return ParseError{std::string(), *error};
    try {
        parser.parseCommand(command);
    } catch (const Failure& failure) {
        return ParseError{command.tag, failure.message};
    }
    return command;
}

std::string commandWireName(const Command& command)
{
    std::string name(commandInfo(command.name).wireName);
    return command.uid ? "UID " + name : name;
}

std::optional<LiteralAnnouncement> announcedLiteral(std::string_view line)
{
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.empty() || line.back() != '}') return std::nullopt;
    size_t open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inside = line.substr(open + 1, line.size() - open - 2);
    LiteralAnnouncement literal;
    literal.nonSynchronizing = !inside.empty() && inside.back() == '+';
    if (literal.nonSynchronizing) inside.remove_suffix(1);
    auto size = util::parseNumber(inside);
    if (!size) return std::nullopt;
    literal.size = *size;
    return literal;
}

namespace {

// %XX escapes undone (RFC 3986 section 2.1, as RFC 5092 section 6 writes enc-mailbox and enc-section).
std::optional<std::string> percentDecoded(std::string_view text)
{
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
            return std::nullopt;
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
    }
    return out;
}

std::optional<uint32_t> urlNumber(std::string_view text, bool nonZero)
{
    auto n = util::parseNumber(text);
    if (!n || *n > kMaxNumber || (nonZero && *n == 0)) return std::nullopt;
    return static_cast<uint32_t>(*n);
}

} // namespace

std::variant<ImapUrl, std::string> parseImapUrl(std::string_view url)
{
    // "/" enc-mailbox [";UIDVALIDITY=" nz-number] "/;UID=" nz-number ["/;SECTION=" enc-section]
    // ["/;PARTIAL=" number ["." nz-number]] (RFC 5092 section 6, imapurl-rel's absolute path).
    if (util::istartsWith(url, "imap://"))
        return std::string("only URLs relative to this server are understood, e.g. /INBOX/;UID=20");
    if (url.empty() || url[0] != '/')
        return std::string("an IMAP URL starts with / and the mailbox, e.g. /INBOX/;UID=20 (RFC 5092 section "
                           "6)");
    std::vector<std::string_view> pieces;
    for (std::string_view rest = url.substr(1);;) {
        size_t semi = rest.find(';');
        pieces.push_back(rest.substr(0, semi));
        if (semi == std::string_view::npos) break;
        rest = rest.substr(semi + 1);
    }
    ImapUrl out;
    // Each piece but the last ends with the "/" that comes before the next ";", except the mailbox's when
    // ;UIDVALIDITY follows it directly.
    std::string_view mailbox = pieces[0];
    const bool validityNext = pieces.size() > 1 && util::istartsWith(pieces[1], "UIDVALIDITY=");
    if (!validityNext) {
        if (pieces.size() < 2 || mailbox.empty() || mailbox.back() != '/')
            return std::string("the URL names no message: write /mailbox/;UID=n (RFC 5092 section 6)");
        mailbox.remove_suffix(1);
    }
    auto name = percentDecoded(mailbox);
    if (!name || name->empty())
        return std::string("the URL's mailbox name is not valid (RFC 5092 section 6)");
    out.mailbox = util::iequals(*name, "INBOX") ? std::string("INBOX") : *name;
    const char* order[] = {"UIDVALIDITY", "UID", "SECTION", "PARTIAL"};
    size_t next = validityNext ? 0 : 1;
    for (size_t i = 1; i < pieces.size(); ++i) {
        std::string_view piece = pieces[i];
        const bool last = i + 1 == pieces.size();
        if (!last) {
            if (piece.empty() || piece.back() != '/')
                return std::string("expected \"/\" before \";\" in the URL (RFC 5092 section 6)");
            piece.remove_suffix(1);
        }
        size_t eq = piece.find('=');
        std::string key = util::toUpper(piece.substr(0, eq));
        std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
        if (key == "URLAUTH" || key == "EXPIRE")
            return std::string("URLAUTH URLs are not supported here (RFC 4467)");
        while (next < std::size(order) && key != order[next])
            ++next;
        if (next == std::size(order) || eq == std::string_view::npos)
            return "unexpected " + quoteForMessage(piece) + " in the URL (RFC 5092 section 6)";
        if (key == "UIDVALIDITY") {
            if (!(out.uidValidity = urlNumber(value, true)))
                return std::string("UIDVALIDITY must be a number from 1");
        } else if (key == "UID") {
            auto uid = urlNumber(value, true);
            if (!uid) return std::string("UID must be a number from 1");
            out.uid = *uid;
        } else if (key == "SECTION") {
            auto section = percentDecoded(value);
            if (!section || section->empty()) return std::string("the URL's section is not valid");
            const std::string spec = *section + "]"; // the parser reads it in place
            Parser parser(spec, ParseOptions{});
            try {
                out.section = parser.urlSection();
            } catch (const Failure& failure) {
                return "the URL's section: " + failure.message;
            }
        } else {
            size_t dot = value.find('.');
            out.partialOffset = urlNumber(value.substr(0, dot), false);
            if (dot != std::string_view::npos) out.partialLength = urlNumber(value.substr(dot + 1), true);
            if (!out.partialOffset || (dot != std::string_view::npos && !out.partialLength))
                return std::string("PARTIAL must be offset or offset.length (RFC 5092 section 6)");
        }
        ++next;
    }
    if (out.uid == 0) return std::string("the URL names no message: it needs ;UID=n (RFC 5092 section 6)");
    return out;
}

} // namespace maillab::imap
