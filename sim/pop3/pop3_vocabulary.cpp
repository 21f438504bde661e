// POP3's vocabulary: states and their transitions, and the command table.
#include "pop3/pop3_session.hpp"
#include "pop3/pop3_types.hpp"
#include "util/text.hpp"

namespace maillab::pop3 {

namespace {
constexpr uint8_t kAuth = static_cast<uint8_t>(State::Authorization);
constexpr uint8_t kTrans = static_cast<uint8_t>(State::Transaction);
} // namespace

const char* stateName(State state)
{
    switch (state) {
    case State::Authorization: return "AUTHORIZATION";
    case State::Transaction: return "TRANSACTION";
    case State::Update: return "UPDATE";
    }
    return "";
}

const std::vector<CommandInfo>& commandTable()
{
    static const std::vector<CommandInfo> table = {
        {Verb::User, "USER", kAuth, 1, 1, MultiLine::Never, true, &Pop3Session::cmdUser, "USER name",
         "Names the mailbox to log in to; PASS must follow.", "RFC 1939 section 7"},
        {Verb::Pass, "PASS", kAuth, 1, 1, MultiLine::Never, true, &Pop3Session::cmdPass, "PASS string",
         "Gives the password after USER. On success the server locks the maildrop and enters TRANSACTION.",
         "RFC 1939 section 7"},
        {Verb::Apop, "APOP", kAuth, 2, 2, MultiLine::Never, true, &Pop3Session::cmdApop, "APOP name digest",
         "Logs in without sending the password: the digest is MD5 of the greeting's timestamp and the "
         "password.",
         "RFC 1939 section 7"},
        {Verb::Auth, "AUTH", kAuth, 0, 2, MultiLine::WithoutArgument, true, &Pop3Session::cmdAuth,
         "AUTH mechanism [initial-response]",
         "Logs in with a SASL mechanism; maillab offers PLAIN (base64 of authzid NUL user NUL password).",
         "RFC 5034 section 4"},
        {Verb::Capa, "CAPA", kAuth | kTrans, 0, 0, MultiLine::Always, false, &Pop3Session::cmdCapa, "CAPA",
         "Lists the extensions this server supports.", "RFC 2449 section 5"},
        {Verb::Stls, "STLS", kAuth, 0, 0, MultiLine::Never, false, &Pop3Session::cmdStls, "STLS",
         "Switches the connection to TLS before logging in: after +OK both sides start a TLS handshake, and "
         "the password then travels encrypted. The client asks CAPA again afterwards.",
         "RFC 2595 section 4"},
        {Verb::Quit, "QUIT", kAuth | kTrans, 0, 0, MultiLine::Never, false, &Pop3Session::cmdQuit, "QUIT",
         "Ends the session. In TRANSACTION it enters UPDATE: only now are messages marked with DELE removed.",
         "RFC 1939 section 6"},
        {Verb::Stat, "STAT", kTrans, 0, 0, MultiLine::Never, false, &Pop3Session::cmdStat, "STAT",
         "Answers the number of messages and their total size in octets.", "RFC 1939 section 5"},
        {Verb::List, "LIST", kTrans, 0, 1, MultiLine::WithoutArgument, false, &Pop3Session::cmdList,
         "LIST [msg]", "Lists each message's number and size in octets.", "RFC 1939 section 5"},
        {Verb::Retr, "RETR", kTrans, 1, 1, MultiLine::Always, false, &Pop3Session::cmdRetr, "RETR msg",
         "Downloads a whole message, header and body. (TOP sends only the header and the first lines.)",
         "RFC 1939 section 5"},
        {Verb::Dele, "DELE", kTrans, 1, 1, MultiLine::Never, false, &Pop3Session::cmdDele, "DELE msg",
         "Marks a message for deletion. Nothing is removed until QUIT; RSET unmarks.", "RFC 1939 section 5"},
        {Verb::Noop, "NOOP", kTrans, 0, 0, MultiLine::Never, false, &Pop3Session::cmdNoop, "NOOP",
         "Does nothing; the server answers +OK (keeps the line alive).", "RFC 1939 section 5"},
        {Verb::Rset, "RSET", kTrans, 0, 0, MultiLine::Never, false, &Pop3Session::cmdRset, "RSET",
         "Unmarks every message marked with DELE in this session.", "RFC 1939 section 5"},
        {Verb::Top, "TOP", kTrans, 2, 2, MultiLine::Always, false, &Pop3Session::cmdTop, "TOP msg n",
         "Sends a message's header and the first n lines of its body: a way to peek before downloading.",
         "RFC 1939 section 7"},
        {Verb::Uidl, "UIDL", kTrans, 0, 1, MultiLine::WithoutArgument, false, &Pop3Session::cmdUidl,
         "UIDL [msg]",
         "Lists each message's unique id, which stays the same across sessions: how keep mode knows what is "
         "new.",
         "RFC 1939 section 7"},
    };
    return table;
}

const CommandInfo* findCommand(std::string_view name)
{
    for (const CommandInfo& info : commandTable())
        if (util::iequals(name, info.name)) return &info;
    return nullptr;
}

const std::vector<Transition>& transitions()
{
    static const std::vector<Transition> table = {
        {State::Authorization, State::Transaction, "USER + PASS, APOP, AUTH", "USER alice\r\nPASS wonderland",
         "RFC 1939 section 4"},
        {State::Transaction, State::Update, "QUIT", "USER alice\r\nPASS wonderland\r\nQUIT",
         "RFC 1939 section 6"},
    };
    return table;
}

bool canMove(State from, State to)
{
    for (const Transition& t : transitions())
        if (t.from == from && t.to == to) return true;
    return false;
}

// [SECTION] what the lines mean

namespace {

struct CodeText {
    const char* code;
    const char* text;
};

// Response codes in brackets after -ERR (RFC 2449 section 8, RFC 3206).
constexpr CodeText kCodes[] = {
    {"[IN-USE]", "Another session holds this maildrop's lock: POP3 allows one session at a time "
                 "(RFC 1939 section 4, RFC 2449 section 8.1.2)."},
    {"[LOGIN-DELAY]", "Logging in again this soon is not allowed (RFC 2449 section 8.1.1)."},
    {"[AUTH]", "The user name or password is wrong (RFC 3206 section 4)."},
    {"[SYS/TEMP]", "A temporary problem on the server: try again later (RFC 3206 section 5)."},
    {"[SYS/PERM]", "A lasting problem on the server (RFC 3206 section 5)."},
};

std::string stateList(uint8_t bits)
{
    std::string out;
    for (State s : {State::Authorization, State::Transaction, State::Update})
        if (bits & static_cast<uint8_t>(s)) {
            out += out.empty() ? "" : ", ";
            out += stateName(s);
        }
    return out;
}

} // namespace

std::optional<LineHelp> explainCommandLine(std::string_view line)
{
    std::string_view first = util::trim(line.substr(0, line.find_first_of("\r\n")));
    const CommandInfo* info = findCommand(first.substr(0, first.find(' ')));
    if (!info) return std::nullopt;
    return LineHelp{info->syntax, info->summary,
                    std::string(info->rfc) + ". Allowed in " + stateList(info->allowedStates) + "."};
}

std::optional<LineHelp> explainReplyLine(std::string_view reply, size_t offset)
{
    std::string_view line = reply.substr(std::min(offset, reply.size()));
    line = line.substr(0, line.find_first_of("\r\n"));
    if (offset != 0) {
        if (line == ".")
            return LineHelp{
                ".",
                "A line with only a dot ends a multi-line reply. A line of the message that starts "
                "with a dot gets a second one (dot-stuffing).",
                "RFC 1939 section 3"};
        return std::nullopt;
    }
    LineHelp out;
    out.rfc = "RFC 1939 section 3";
    if (line.starts_with("+OK")) {
        out.title = "+OK";
        out.text = "The server did what was asked.";
        if (line.find('<') != std::string_view::npos && line.find('@') != std::string_view::npos)
            out.text +=
                " The <...> in the greeting is the timestamp that APOP logins use (RFC 1939 section 7).";
        const size_t firstEnd = reply.find('\n');
        if (firstEnd != std::string_view::npos && firstEnd + 1 < reply.size())
            out.text += " The lines after it are the answer; a line with only a dot ends it.";
    } else if (line.starts_with("-ERR")) {
        out.title = "-ERR";
        out.text = "The command failed; the text after -ERR says why.";
        for (const CodeText& c : kCodes)
            if (line.find(c.code) != std::string_view::npos) {
                out.text += " ";
                out.text += c.text;
            }
    } else if (line.starts_with("+")) {
        out.title = "+";
        out.text = "The server waits for the next step of the SASL login.";
        out.rfc = "RFC 5034 section 4";
    } else {
        return std::nullopt;
    }
    return out;
}

std::pair<size_t, size_t> refusalSpan(std::string_view line, bool statusLine)
{
    if (statusLine && line.starts_with("-ERR")) return {0, 4};
    return {0, 0};
}

} // namespace maillab::pop3
