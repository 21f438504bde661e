#include "pop3/pop3_types.hpp"
#include "util/text.hpp"

#include <cstring>

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
        {Verb::User, "USER", kAuth, 1, 1, "USER name", "Names the mailbox to log in to; PASS must follow.",
         "RFC 1939 section 7"},
        {Verb::Pass, "PASS", kAuth, 1, 1, "PASS string",
         "Gives the password after USER. On success the server locks the maildrop and enters TRANSACTION.",
         "RFC 1939 section 7"},
        {Verb::Apop, "APOP", kAuth, 2, 2, "APOP name digest",
         "Logs in without sending the password: the digest is MD5 of the greeting's timestamp and the "
         "password.",
         "RFC 1939 section 7"},
        {Verb::Auth, "AUTH", kAuth, 0, 2, "AUTH mechanism [initial-response]",
         "Logs in with a SASL mechanism; maillab offers PLAIN (base64 of authzid NUL user NUL password).",
         "RFC 5034 section 4"},
        {Verb::Capa, "CAPA", kAuth | kTrans, 0, 0, "CAPA", "Lists the extensions this server supports.",
         "RFC 2449 section 5"},
        {Verb::Stls, "STLS", kAuth, 0, 0, "STLS",
         "Switches the connection to TLS before logging in: after +OK both sides start a TLS handshake, and "
         "the password then travels encrypted. The client asks CAPA again afterwards.",
         "RFC 2595 section 4"},
        {Verb::Quit, "QUIT", kAuth | kTrans, 0, 0, "QUIT",
         "Ends the session. In TRANSACTION it enters UPDATE: only now are messages marked with DELE removed.",
         "RFC 1939 section 6"},
        {Verb::Stat, "STAT", kTrans, 0, 0, "STAT",
         "Answers the number of messages and their total size in octets.", "RFC 1939 section 5"},
        {Verb::List, "LIST", kTrans, 0, 1, "LIST [msg]", "Lists each message's number and size in octets.",
         "RFC 1939 section 5"},
        {Verb::Retr, "RETR", kTrans, 1, 1, "RETR msg",
         "Downloads a whole message; POP3 has no way to fetch only a part.", "RFC 1939 section 5"},
        {Verb::Dele, "DELE", kTrans, 1, 1, "DELE msg",
         "Marks a message for deletion. Nothing is removed until QUIT; RSET unmarks.", "RFC 1939 section 5"},
        {Verb::Noop, "NOOP", kTrans, 0, 0, "NOOP",
         "Does nothing; the server answers +OK (keeps the line alive).", "RFC 1939 section 5"},
        {Verb::Rset, "RSET", kTrans, 0, 0, "RSET", "Unmarks every message marked with DELE in this session.",
         "RFC 1939 section 5"},
        {Verb::Top, "TOP", kTrans, 2, 2, "TOP msg n",
         "Sends a message's header and the first n lines of its body: a way to peek before downloading.",
         "RFC 1939 section 7"},
        {Verb::Uidl, "UIDL", kTrans, 0, 1, "UIDL [msg]",
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

std::variant<Command, ParseError> parseCommand(std::string_view line)
{
    if (line.empty()) return ParseError{"empty command line"};
    if (line.find('\0') != std::string_view::npos)
        return ParseError{"NUL bytes are not allowed in a command"};
    size_t space = line.find(' ');
    std::string_view keyword = line.substr(0, space);
    const CommandInfo* info = findCommand(keyword);
    if (!info) {
        std::string shown = util::escapeForDisplay(keyword.substr(0, 40));
        return ParseError{"unknown command \"" + shown + "\""};
    }
    Command command;
    command.info = info;
    if (space != std::string_view::npos) {
        std::string_view rest = line.substr(space + 1);
        // PASS takes the rest of the line: RFC 1939 section 7 notes that a password may contain spaces.
        if (info->verb == Verb::Pass) {
            command.args.emplace_back(rest);
        } else if (info->verb == Verb::Auth) {
            // "AUTH" SP sasl-mech [SP initial-response] (RFC 5034 section 4): the response is all that
            // follows one space, so a stray space reaches the strict SASL decoder and is refused there.
            const size_t gap = rest.find(' ');
            command.args.emplace_back(rest.substr(0, gap));
            if (gap != std::string_view::npos && gap + 1 < rest.size())
                command.args.emplace_back(rest.substr(gap + 1));
        } else {
            for (std::string_view arg : util::splitSpaces(rest))
                command.args.emplace_back(arg);
        }
    }
    const int count = static_cast<int>(command.args.size());
    if (count < info->minArgs)
        return ParseError{std::string("missing argument: the syntax is ") + info->syntax};
    if (count > info->maxArgs)
        return ParseError{std::string("too many arguments: the syntax is ") + info->syntax};
    for (const std::string& arg : command.args)
        if (arg.size() > 255) return ParseError{"argument too long"};
    return command;
}

bool expectsMultiLine(std::string_view commandLine)
{
    std::vector<std::string_view> words = util::splitSpaces(util::trim(commandLine));
    if (words.empty()) return false;
    std::string_view verb = words[0];
    if (util::iequals(verb, "RETR") || util::iequals(verb, "TOP") || util::iequals(verb, "CAPA")) return true;
    if (util::iequals(verb, "LIST") || util::iequals(verb, "UIDL") || util::iequals(verb, "AUTH"))
        return words.size() == 1;
    return false;
}

std::string dotStuff(std::string_view text)
{
    std::string out;
    appendDotStuffed(out, text);
    return out;
}

void appendDotStuffed(std::string& out, std::string_view text)
{
    out.reserve(out.size() + text.size() + text.size() / 64 + 8);
    size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == '.') out += '.';
        const void* lf = std::memchr(text.data() + pos, '\n', text.size() - pos);
        size_t end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - text.data()) + 1 : text.size();
        out.append(text.data() + pos, end - pos);
        pos = end;
    }
    if (!text.empty() && text.back() != '\n') out += "\r\n";
    out += ".\r\n";
}

std::string dotUnstuff(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == '.') ++pos;
        size_t lf = text.find('\n', pos);
        size_t end = lf == std::string_view::npos ? text.size() : lf + 1;
        out.append(text.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

} // namespace maillab::pop3
