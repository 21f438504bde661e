// POP3 commands, states and the command table (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH, RFC 2595 STLS).
#pragma once

#include "wire/exchange.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace maillab::pop3 {

// RFC 1939 section 3: a session passes through these states in order.
enum class State : uint8_t { Authorization = 1, Transaction = 2, Update = 4 };
const char* stateName(State state); // "AUTHORIZATION"

// One arrow between the states. The session moves only along these; the state panel draws them, and a test
// drives a session along each by sending `example` (lines separated by CRLF) in the demo world.
struct Transition {
    State from;
    State to;
    const char* trigger; // "USER + PASS, APOP, AUTH"
    const char* example;
    const char* rfc;
};
const std::vector<Transition>& transitions();
bool canMove(State from, State to);

enum class Verb { User, Pass, Apop, Auth, Capa, Stls, Quit, Stat, List, Retr, Dele, Noop, Rset, Top, Uidl };

// Whether a successful answer runs over several lines, ended by "." (RFC 1939 section 3).
enum class MultiLine : uint8_t { Never, Always, WithoutArgument };

class Pop3Session;
struct Command;
using Handler = std::string (Pop3Session::*)(const Command&);

// One row per command: read by the parser, the session (state guard and dispatch), the client (multi-line
// answers), the console, the help texts and the panels. A new command is a Verb, a row and its handler.
struct CommandInfo {
    Verb verb;
    const char* name;
    uint8_t allowedStates; // bits of State
    int minArgs;
    int maxArgs;
    MultiLine multiLine;
    bool logsIn; // USER, PASS, APOP, AUTH: refused before TLS under loginRequiresTls
    Handler handler;
    const char* syntax;  // "TOP msg n"
    const char* summary; // one or two sentences for a student
    const char* rfc;     // "RFC 1939 section 7"
};
const std::vector<CommandInfo>& commandTable();
const CommandInfo* findCommand(std::string_view name); // case-insensitive

using wire::LineHelp; // what a line means, for the hover help and the exports
std::optional<LineHelp> explainCommandLine(std::string_view line);
// The line at `offset` of a reply: its status line (offset 0) or the "." that ends it.
std::optional<LineHelp> explainReplyLine(std::string_view reply, size_t offset);
// Where the -ERR of a reply's status line is, to colour it: [begin, end), or {0, 0}.
std::pair<size_t, size_t> refusalSpan(std::string_view line, bool statusLine);

struct Command {
    const CommandInfo* info = nullptr;
    std::vector<std::string> args;
};

struct ParseError {
    std::string message; // the text after "-ERR "
};

// One command line without its CRLF (RFC 1939 section 3: keyword, then arguments separated by single spaces).
std::variant<Command, ParseError> parseCommand(std::string_view line);

// RFC 1939 section 3: a multi-line response ends with "." CRLF, and lines starting with "." get one more.
std::string dotStuff(std::string_view text);
// The same, appended to out (a reply's status line), so a RETR reply is built without copying the message
// twice.
void appendDotStuffed(std::string& out, std::string_view text);
// The inverse, for a client: takes the lines between the status line and the terminating ".".
std::string dotUnstuff(std::string_view text);

// Whether a successful reply to this command line is multi-line (LIST, UIDL without argument; RETR, TOP,
// CAPA).
bool expectsMultiLine(std::string_view commandLine);

constexpr size_t kMaxCommandLine = 255; // RFC 2449 section 4, including CRLF
constexpr size_t kMaxSaslLine = 8192;   // RFC 5034 section 4 lets SASL responses be longer than commands

} // namespace maillab::pop3
