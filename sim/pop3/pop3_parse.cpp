#include "pop3/pop3_types.hpp"
#include "util/text.hpp"

#include <cstring>

namespace maillab::pop3 {

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
    const CommandInfo* info = findCommand(words[0]);
    if (!info) return false;
    switch (info->multiLine) {
    case MultiLine::Never: return false;
    case MultiLine::Always: return true;
    case MultiLine::WithoutArgument: return words.size() == 1;
    }
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
