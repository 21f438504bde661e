// IMAP's vocabulary: states and their transitions, the command table, and the meaning of reply lines.
#include "imap/imap_vocabulary.hpp"

#include "imap/imap_session.hpp"
#include "util/text.hpp"

#include <cctype>

namespace maillab::imap {

namespace {
constexpr uint8_t kNotAuth = static_cast<uint8_t>(State::NotAuthenticated);
constexpr uint8_t kAuth = static_cast<uint8_t>(State::Authenticated);
constexpr uint8_t kSel = static_cast<uint8_t>(State::Selected);
constexpr uint8_t kAny = kNotAuth | kAuth | kSel;
constexpr uint8_t kLoggedIn = kAuth | kSel;
} // namespace

// [SECTION] states

const char* stateName(State state)
{
    switch (state) {
    case State::NotAuthenticated: return "not authenticated";
    case State::Authenticated: return "authenticated";
    case State::Selected: return "selected";
    case State::Logout: return "logout";
    }
    return "";
}

const std::vector<Transition>& transitions()
{
    // The numbered arrows of RFC 3501 section 3's diagram ((1)-(3) are how a connection starts).
    static const std::vector<Transition> table = {
        {State::NotAuthenticated, State::Authenticated, "LOGIN, AUTHENTICATE", "t LOGIN alice wonderland",
         "RFC 3501 section 3, arrow (4)"},
        {State::Authenticated, State::Selected, "SELECT, EXAMINE", "t SELECT INBOX",
         "RFC 3501 section 3, arrow (5)"},
        {State::Selected, State::Selected, "SELECT, EXAMINE another folder", "t EXAMINE Archive",
         "RFC 3501 section 6.3.1"},
        {State::Selected, State::Authenticated, "CLOSE, UNSELECT, a failed SELECT", "t CLOSE",
         "RFC 3501 section 3, arrow (6)"},
        {State::NotAuthenticated, State::Logout, "LOGOUT", "t LOGOUT", "RFC 3501 section 3, arrow (7)"},
        {State::Authenticated, State::Logout, "LOGOUT", "t LOGOUT", "RFC 3501 section 3, arrow (7)"},
        {State::Selected, State::Logout, "LOGOUT, or BYE when the folder goes", "t LOGOUT",
         "RFC 3501 section 3, arrow (7)"},
    };
    return table;
}

bool canMove(State from, State to)
{
    for (const Transition& t : transitions())
        if (t.from == from && t.to == to) return true;
    return false;
}

// [SECTION] commands

const std::vector<CommandInfo>& commandTable()
{
    static const std::vector<CommandInfo> table = {
        {CommandName::Capability, "CAPABILITY", kAny, 0, Arguments::None, &ImapSession::cmdCapability,
         "CAPABILITY", "Lists what this server can do.", "RFC 3501 section 6.1.1",
         "CAPABILITY takes no arguments (RFC 3501 section 6.1.1)", nullptr},
        {CommandName::Noop, "NOOP", kAny, 0, Arguments::None, &ImapSession::cmdNoop, "NOOP",
         "Does nothing, but gives the server a chance to report new mail and flag changes.",
         "RFC 3501 section 6.1.2", "NOOP takes no arguments (RFC 3501 section 6.1.2)", nullptr},
        {CommandName::Logout, "LOGOUT", kAny, 0, Arguments::None, &ImapSession::cmdLogout, "LOGOUT",
         "Ends the session; the server says BYE.", "RFC 3501 section 6.1.3",
         "LOGOUT takes no arguments (RFC 3501 section 6.1.3)", nullptr},
        {CommandName::Starttls, "STARTTLS", kNotAuth, 0, Arguments::None, &ImapSession::cmdStarttls,
         "STARTTLS",
         "Switches the connection to TLS before logging in: after the tagged OK both sides start a TLS "
         "handshake, and the password then travels encrypted. The client asks CAPABILITY again afterwards.",
         "RFC 3501 section 6.2.1", "STARTTLS takes no arguments (RFC 3501 section 6.2.1)", nullptr},
        {CommandName::Authenticate, "AUTHENTICATE", kNotAuth, kLogsIn, Arguments::Authenticate,
         &ImapSession::cmdAuthenticate, "AUTHENTICATE mechanism [initial-response]",
         "Logs in with a SASL mechanism; maillab offers PLAIN.", "RFC 3501 section 6.2.2",
         "AUTHENTICATE needs a SASL mechanism and may add a base64 initial response, e.g. AUTHENTICATE PLAIN "
         "(RFC 3501 section 6.2.2, RFC 4959)",
         nullptr},
        {CommandName::Login, "LOGIN", kNotAuth, kLogsIn, Arguments::Login, &ImapSession::cmdLogin,
         "LOGIN user password", "Logs in with a user name and password.", "RFC 3501 section 6.2.3",
         "LOGIN needs a user name and a password, e.g. LOGIN alice secret (RFC 3501 section 6.2.3)", nullptr},
        {CommandName::Select, "SELECT", kLoggedIn, 0, Arguments::Select, &ImapSession::cmdSelect,
         "SELECT mailbox",
         "Opens a folder for reading and changing; the server reports its size, flags and UIDs.",
         "RFC 3501 section 6.3.1", "SELECT needs a mailbox name, e.g. SELECT INBOX (RFC 3501 section 6.3.1)",
         nullptr},
        {CommandName::Examine, "EXAMINE", kLoggedIn, 0, Arguments::Select, &ImapSession::cmdSelect,
         "EXAMINE mailbox", "Opens a folder read-only: nothing, not even \\Seen, changes.",
         "RFC 3501 section 6.3.2",
         "EXAMINE needs a mailbox name, e.g. EXAMINE INBOX (RFC 3501 section 6.3.2)", nullptr},
        {CommandName::Create, "CREATE", kLoggedIn, 0, Arguments::Mailbox, &ImapSession::cmdCreate,
         "CREATE mailbox", "Creates a folder on the server.", "RFC 3501 section 6.3.3",
         "CREATE needs a mailbox name, e.g. CREATE Work (RFC 3501 section 6.3.3)", nullptr},
        {CommandName::Delete, "DELETE", kLoggedIn, 0, Arguments::Mailbox, &ImapSession::cmdDelete,
         "DELETE mailbox", "Deletes a folder and the mail in it.", "RFC 3501 section 6.3.4",
         "DELETE needs a mailbox name, e.g. DELETE Work (RFC 3501 section 6.3.4)", nullptr},
        {CommandName::Rename, "RENAME", kLoggedIn, 0, Arguments::Rename, &ImapSession::cmdRename,
         "RENAME old new", "Renames a folder; renaming INBOX moves its messages to a new folder.",
         "RFC 3501 section 6.3.5",
         "RENAME needs the old and the new mailbox name, e.g. RENAME Work Archive (RFC 3501 section 6.3.5)",
         nullptr},
        {CommandName::Subscribe, "SUBSCRIBE", kLoggedIn, 0, Arguments::Mailbox, &ImapSession::cmdSubscribe,
         "SUBSCRIBE mailbox", "Adds a folder to the list a mail program shows (LSUB).",
         "RFC 3501 section 6.3.6",
         "SUBSCRIBE needs a mailbox name, e.g. SUBSCRIBE Work (RFC 3501 section 6.3.6)", nullptr},
        {CommandName::Unsubscribe, "UNSUBSCRIBE", kLoggedIn, 0, Arguments::Mailbox,
         &ImapSession::cmdSubscribe, "UNSUBSCRIBE mailbox", "Removes a folder from the subscribed list.",
         "RFC 3501 section 6.3.7",
         "UNSUBSCRIBE needs a mailbox name, e.g. UNSUBSCRIBE Work (RFC 3501 section 6.3.7)", nullptr},
        {CommandName::List, "LIST", kLoggedIn, 0, Arguments::List, &ImapSession::cmdList,
         "LIST reference pattern",
         "Lists folders matching a pattern: * matches anything, % stops at the hierarchy delimiter /.",
         "RFC 3501 section 6.3.8",
         "LIST needs a reference and a mailbox pattern, e.g. LIST \"\" \"*\" (RFC 3501 section 6.3.8)",
         nullptr},
        {CommandName::Lsub, "LSUB", kLoggedIn, 0, Arguments::List, &ImapSession::cmdList,
         "LSUB reference pattern", "Lists subscribed folders.", "RFC 3501 section 6.3.9",
         "LSUB needs a reference and a mailbox pattern, e.g. LSUB \"\" \"*\" (RFC 3501 section 6.3.9)",
         nullptr},
        {CommandName::Status, "STATUS", kLoggedIn, 0, Arguments::Status, &ImapSession::cmdStatus,
         "STATUS mailbox (items)",
         "Asks about a folder (message count, unseen, UIDNEXT) without selecting it.",
         "RFC 3501 section 6.3.10",
         "STATUS needs a mailbox and a list of items, e.g. STATUS INBOX (MESSAGES UNSEEN) (RFC 3501 section "
         "6.3.10)",
         nullptr},
        {CommandName::Append, "APPEND", kLoggedIn, 0, Arguments::Append, &ImapSession::cmdAppend,
         "APPEND mailbox [(flags)] [date] {size}",
         "Uploads a message into a folder, e.g. a draft or a sent message.", "RFC 3501 section 6.3.11",
         "APPEND needs a mailbox and the message as a literal, optionally with flags and a date between "
         "them, "
         "e.g. APPEND INBOX (\\Seen) {310} (RFC 3501 section 6.3.11)",
         nullptr},
        {CommandName::Namespace, "NAMESPACE", kLoggedIn, 0, Arguments::None, &ImapSession::cmdNamespace,
         "NAMESPACE", "Tells the client the folder prefix and hierarchy delimiter.", "RFC 2342 section 5",
         "NAMESPACE takes no arguments (RFC 2342 section 5)", nullptr},
        {CommandName::Enable, "ENABLE", kLoggedIn, 0, Arguments::Enable, &ImapSession::cmdEnable,
         "ENABLE capability...", "Turns on extensions that change responses.", "RFC 5161 section 3.1",
         "ENABLE needs at least one capability, e.g. ENABLE UTF8=ACCEPT (RFC 5161 section 3.1)", nullptr},
        {CommandName::Id, "ID", kAny, 0, Arguments::Id, &ImapSession::cmdId, "ID (fields) | ID NIL",
         "Client and server tell each other their names.", "RFC 2971 section 3.1",
         "ID needs NIL or a list of field/value pairs, e.g. ID (\"name\" \"mutt\") (RFC 2971 section 3.1)",
         nullptr},
        {CommandName::Idle, "IDLE", kLoggedIn, 0, Arguments::None, &ImapSession::cmdIdle, "IDLE ... DONE",
         "Waits for the server to push news (new mail, expunges, flag changes) until the client sends DONE.",
         "RFC 2177 section 3", "IDLE takes no arguments (RFC 2177 section 3)", nullptr},
        {CommandName::Check, "CHECK", kSel, 0, Arguments::None, &ImapSession::cmdCheck, "CHECK",
         "Asks the server to save its state; nothing to see here.", "RFC 3501 section 6.4.1",
         "CHECK takes no arguments (RFC 3501 section 6.4.1)", nullptr},
        {CommandName::Close, "CLOSE", kSel, 0, Arguments::None, &ImapSession::cmdClose, "CLOSE",
         "Closes the folder, silently removing messages marked \\Deleted.", "RFC 3501 section 6.4.2",
         "CLOSE takes no arguments (RFC 3501 section 6.4.2)", nullptr},
        {CommandName::Expunge, "EXPUNGE", kSel, kUidForm, Arguments::Expunge, &ImapSession::cmdExpunge,
         "EXPUNGE | UID EXPUNGE uids",
         "Removes messages marked \\Deleted for good; later messages' sequence numbers shift down.",
         "RFC 3501 section 6.4.3",
         "EXPUNGE takes no arguments (RFC 3501 section 6.4.3); to expunge some messages only, use UID "
         "EXPUNGE "
         "with a UID set (RFC 4315 section 2.1)",
         "UID EXPUNGE needs a UID set, e.g. UID EXPUNGE 3:5 (RFC 4315 section 2.1)"},
        {CommandName::Search, "SEARCH", kSel, kUsesSequenceNumbers | kUidForm | kHoldsExpungeNews,
         Arguments::Search, &ImapSession::cmdSearch, "SEARCH [CHARSET x] keys",
         "The server searches the folder and returns matching message numbers: nothing is downloaded.",
         "RFC 3501 section 6.4.4",
         "SEARCH needs at least one search key, e.g. SEARCH UNSEEN FROM \"alice\" (RFC 3501 section 6.4.4)",
         "UID SEARCH needs at least one search key, e.g. UID SEARCH UNSEEN (RFC 3501 section 6.4.8)"},
        {CommandName::Fetch, "FETCH", kSel, kUsesSequenceNumbers | kUidForm | kHoldsExpungeNews,
         Arguments::Fetch, &ImapSession::cmdFetch, "FETCH set items",
         "Gets parts of messages: flags, headers, structure, one body part, or all of it.",
         "RFC 3501 section 6.4.5",
         "FETCH needs a sequence set and items, e.g. FETCH 1:3 (FLAGS) (RFC 3501 section 6.4.5)",
         "UID FETCH needs a UID set and items, e.g. UID FETCH 1:* (FLAGS) (RFC 3501 section 6.4.8)"},
        {CommandName::Store, "STORE", kSel, kUsesSequenceNumbers | kUidForm | kHoldsExpungeNews,
         Arguments::Store, &ImapSession::cmdStore, "STORE set +FLAGS (flags)",
         "Changes flags on the server, e.g. \\Seen or \\Flagged; every device sees them.",
         "RFC 3501 section 6.4.6",
         "STORE needs a sequence set, an action and flags, e.g. STORE 1:3 +FLAGS (\\Seen) (RFC 3501 section "
         "6.4.6)",
         "UID STORE needs a UID set, an action and flags, e.g. UID STORE 7 +FLAGS (\\Seen) "
         "(RFC 3501 section 6.4.8)"},
        {CommandName::Copy, "COPY", kSel, kUsesSequenceNumbers | kUidForm, Arguments::CopyMove,
         &ImapSession::cmdCopy, "COPY set mailbox", "Copies messages into another folder on the server.",
         "RFC 3501 section 6.4.7",
         "COPY needs a sequence set and a mailbox, e.g. COPY 1:3 Archive (RFC 3501 section 6.4.7)",
         "UID COPY needs a UID set and a mailbox, e.g. UID COPY 7:9 Archive (RFC 3501 section 6.4.8)"},
        {CommandName::Move, "MOVE", kSel, kUsesSequenceNumbers | kUidForm, Arguments::CopyMove,
         &ImapSession::cmdCopy, "MOVE set mailbox", "Moves messages into another folder on the server.",
         "RFC 6851 section 3.1",
         "MOVE needs a sequence set and a mailbox, e.g. MOVE 1:3 Archive (RFC 6851 section 3.1)",
         "UID MOVE needs a UID set and a mailbox, e.g. UID MOVE 7:9 Archive (RFC 6851 section 3.2)"},
        {CommandName::Unselect, "UNSELECT", kSel, 0, Arguments::None, &ImapSession::cmdUnselect, "UNSELECT",
         "Closes the folder without removing anything.", "RFC 3691 section 2",
         "UNSELECT takes no arguments (RFC 3691 section 2)", nullptr},
        {CommandName::CancelUpdate, "CANCELUPDATE", kSel, 0, Arguments::CancelUpdate,
         &ImapSession::cmdCancelUpdate, "CANCELUPDATE \"tag\"",
         "Stops the news a SEARCH RETURN (UPDATE) asked for: no more ADDTO or REMOVEFROM for that search.",
         "RFC 5267 section 4.3.5",
         "CANCELUPDATE needs the quoted tag of a search with UPDATE, e.g. CANCELUPDATE \"B01\" (RFC 5267 "
         "section 4.3.5)",
         nullptr},
    };
    return table;
}

const CommandInfo& commandInfo(CommandName name)
{
    for (const CommandInfo& info : commandTable())
        if (info.name == name) return info;
    return commandTable().front(); // unreachable: every CommandName has a row
}

const CommandInfo* findCommand(std::string_view wireName)
{
    if (wireName.size() > 4 && util::iequals(wireName.substr(0, 4), "UID ")) {
        const CommandInfo* info = findCommand(wireName.substr(4));
        return info && (info->flags & kUidForm) ? info : nullptr;
    }
    for (const CommandInfo& info : commandTable())
        if (util::iequals(wireName, info.wireName)) return &info;
    return nullptr;
}

// [SECTION] status words and response codes

wire::Status statusFromWord(std::string_view word)
{
    if (word == "OK") return wire::Status::Ok;
    if (word == "NO") return wire::Status::No;
    if (word == "BAD") return wire::Status::Bad;
    if (word == "BYE") return wire::Status::Bye;
    return wire::Status::None;
}

std::string responseCode(std::string_view text)
{
    if (!text.starts_with('[')) return {};
    size_t end = text.find_first_of(" ]");
    return end == std::string_view::npos ? std::string() : std::string(text.substr(1, end - 1));
}

// [SECTION] what the lines mean

namespace {

std::string stateList(uint8_t bits)
{
    std::string out;
    for (State s : {State::NotAuthenticated, State::Authenticated, State::Selected})
        if (bits & static_cast<uint8_t>(s)) {
            out += out.empty() ? "" : ", ";
            out += stateName(s);
        }
    return out;
}

// "a1 uid fetch 1 ..." -> "UID FETCH"; "" for a line that is not "tag command ...".
std::string commandNameOf(std::string_view line)
{
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size() && words.size() < 3) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\r' && line[i] != '\n')
            ++i;
        if (i > start) words.push_back(util::toUpper(line.substr(start, i - start)));
        if (i < line.size() && (line[i] == '\r' || line[i] == '\n')) break;
    }
    if (words.size() < 2) return "";
    if (words[1] == "UID" && words.size() > 2) return "UID " + words[2];
    return words[1];
}

struct CodeText {
    const char* code;
    const char* text;
};

// Response codes in brackets after the status (RFC 3501 section 7.1 and the extensions that add them).
constexpr CodeText kCodes[] = {
    {"UIDVALIDITY", "UIDVALIDITY names this folder's UID numbering: while it stays the same, a UID "
                    "always means the same message (RFC 3501 section 2.3.1.1)."},
    {"UIDNEXT", "The UID the next message in this folder will get (RFC 3501 section 2.3.1.1)."},
    {"UNSEEN", "The sequence number of the first message without \\Seen (RFC 3501 section 7.1)."},
    {"PERMANENTFLAGS", "The flags a client can change and that the server keeps (RFC 3501 section 7.1)."},
    {"READ-WRITE", "The folder is open for changes (RFC 3501 section 7.1)."},
    {"READ-ONLY", "The folder is open read-only, e.g. after EXAMINE (RFC 3501 section 7.1)."},
    {"TRYCREATE", "The target folder does not exist; CREATE it first (RFC 3501 section 7.1)."},
    {"ALERT", "A message the mail program must show to the user (RFC 3501 section 7.1)."},
    {"CAPABILITY", "What the server can do, sent along to save a CAPABILITY command (RFC 3501 section 7.1)."},
    {"APPENDUID", "The UIDVALIDITY and the UID the appended message got (RFC 4315 section 3)."},
    {"COPYUID", "The UIDs the copies got in the target folder (RFC 4315 section 3)."},
    {"NOUPDATE", "The search's results came, but the server will not send news of changes to them (RFC 5267 "
                 "section 4.3.1)."},
};

void appendCodeText(std::string& text, std::string_view line)
{
    size_t open = line.find('[');
    while (open != std::string_view::npos) {
        std::string code = responseCode(line.substr(open));
        for (const CodeText& c : kCodes)
            if (code == c.code) {
                text += " ";
                text += c.text;
            }
        open = line.find('[', open + 1);
    }
}

struct Untagged {
    const char* word;
    const char* text;
    const char* rfc;
};

constexpr Untagged kUntagged[] = {
    {"OK", "Information from the server, not the end of a command: the greeting, or a response code.",
     "RFC 3501 section 7.1.1"},
    {"NO", "A warning from the server.", "RFC 3501 section 7.1.2"},
    {"BAD", "The server could not make sense of something the client sent.", "RFC 3501 section 7.1.3"},
    {"PREAUTH", "The greeting of a connection that is already logged in.", "RFC 3501 section 7.1.4"},
    {"BYE", "The server is about to close the connection.", "RFC 3501 section 7.1.5"},
    {"CAPABILITY", "What this server can do.", "RFC 3501 section 7.2.1"},
    {"LIST", "One folder: its attributes, the hierarchy delimiter and its name.", "RFC 3501 section 7.2.2"},
    {"LSUB", "One subscribed folder.", "RFC 3501 section 7.2.3"},
    {"STATUS", "The asked-for counts of a folder.", "RFC 3501 section 7.2.4"},
    {"SEARCH", "The numbers of the messages that match.", "RFC 3501 section 7.2.5"},
    {"ESEARCH",
     "The results of the search with that tag; ADDTO and REMOVEFROM are news of matches that came or went.",
     "RFC 4731 section 3.1, RFC 5267 section 4.3"},
    {"FLAGS", "The flags this folder knows.", "RFC 3501 section 7.2.6"},
    {"EXISTS", "How many messages the folder holds now; a bigger number means new mail.",
     "RFC 3501 section 7.3.1"},
    {"RECENT", "How many messages are new in this session (\\Recent).", "RFC 3501 section 7.3.2"},
    {"EXPUNGE", "This message is gone for good; the messages after it move down one number.",
     "RFC 3501 section 7.4.1"},
    {"FETCH", "Data about one message: what the client asked for, or flags that changed.",
     "RFC 3501 section 7.4.2"},
    {"NAMESPACE", "The folder prefix and hierarchy delimiter.", "RFC 2342 section 5"},
    {"ENABLED", "The extensions ENABLE turned on.", "RFC 5161 section 3.2"},
    {"ID", "The server's name and version.", "RFC 2971 section 3.2"},
};

// Whether offset lies inside a literal ({n} and the n bytes after it) of a reply.
bool insideLiteral(std::string_view b, size_t offset)
{
    size_t pos = 0;
    while (pos < offset && pos < b.size()) {
        size_t lf = b.find('\n', pos);
        if (lf == std::string_view::npos) return false;
        std::optional<LiteralAnnouncement> literal = announcedLiteral(b.substr(pos, lf + 1 - pos));
        pos = lf + 1;
        if (!literal) continue;
        if (offset < pos + literal->size) return true;
        pos += static_cast<size_t>(literal->size);
    }
    return false;
}

} // namespace

std::optional<LineHelp> explainCommandLine(std::string_view line)
{
    std::string_view first = line.substr(0, line.find_first_of("\r\n"));
    if (util::iequals(first, "DONE")) // RFC 2177 section 3
        return LineHelp{"DONE", "Ends IDLE: the client wants to send commands again.", "RFC 2177 section 3"};
    std::string name = commandNameOf(line);
    const CommandInfo* info = findCommand(name);
    if (!info) return std::nullopt;
    const std::string states = stateList(info->allowedStates);
    LineHelp out{info->syntax, info->summary,
                 std::string(info->rfc) + ". Allowed in the " + states + " state" +
                     (states.find(',') != std::string::npos ? "s." : ".")};
    if (name.starts_with("UID "))
        out.text +=
            " With UID in front, the numbers are UIDs, not sequence numbers (RFC 3501 section 6.4.8).";
    return out;
}

std::optional<LineHelp> explainReplyLine(std::string_view reply, size_t offset)
{
    if (insideLiteral(reply, offset)) return std::nullopt;
    std::string_view line = reply.substr(offset);
    line = line.substr(0, line.find_first_of("\r\n"));
    if (line.starts_with("+"))
        return LineHelp{"+ (continuation)",
                        "The server is ready for the rest of the command: a literal's bytes, the next SASL "
                        "step, or the end of IDLE.",
                        "RFC 3501 section 7.5"};
    if (line.starts_with("* ")) {
        // "* OK ...", "* FLAGS ...", or "* 3 EXISTS": the word after an optional number.
        std::string_view rest = line.substr(2);
        size_t digits = 0;
        while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
            ++digits;
        if (digits && digits < rest.size() && rest[digits] == ' ') rest = rest.substr(digits + 1);
        std::string word = util::toUpper(rest.substr(0, rest.find_first_of(" (")));
        for (const Untagged& u : kUntagged)
            if (word == u.word) {
                LineHelp out{std::string("* ") + u.word + " (untagged)",
                             std::string(u.text) +
                                 " Untagged lines (*) carry data; the command ends with the "
                                 "line that starts with its tag.",
                             u.rfc};
                appendCodeText(out.text, line);
                return out;
            }
        return LineHelp{"* (untagged)", "Data from the server, not the end of a command.",
                        "RFC 3501 section 7"};
    }
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::string tag(line.substr(0, space));
    std::string_view rest = line.substr(space + 1);
    LineHelp out;
    switch (statusFromWord(rest.substr(0, rest.find(' ')))) {
    case wire::Status::Ok:
        out = {"OK", "The command tagged " + tag + " is done and succeeded.", "RFC 3501 section 7.1.1"};
        break;
    case wire::Status::No:
        out = {"NO", "The command tagged " + tag + " failed: the server understood it but could not do it.",
               "RFC 3501 section 7.1.2"};
        break;
    case wire::Status::Bad:
        out = {"BAD",
               "The server did not accept the command tagged " + tag +
                   ": a syntax error, or a command that is not allowed in this state.",
               "RFC 3501 section 7.1.3"};
        break;
    default: return std::nullopt;
    }
    out.text += " The tag pairs this reply with its command.";
    appendCodeText(out.text, line);
    return out;
}

std::pair<size_t, size_t> refusalSpan(std::string_view line)
{
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return {0, 0};
    std::string_view status = line.substr(space + 1);
    for (std::string_view word : {std::string_view("NO"), std::string_view("BAD")})
        if (status.starts_with(word) && (status.size() == word.size() || status[word.size()] == ' '))
            return {space + 1, space + 1 + word.size()};
    return {0, 0};
}

} // namespace maillab::imap
