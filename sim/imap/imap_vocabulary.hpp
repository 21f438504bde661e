// IMAP's vocabulary in one place: the connection states and the moves between them, one table row per
// command (read by the parser, the session, the console, the help texts, the exports and every panel), and
// what the lines of a reply mean. A new command is a CommandName, a row here and its handler.
#pragma once

#include "imap/imap_types.hpp"
#include "wire/exchange.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maillab::imap {

// [SECTION] states (RFC 3501 section 3)

enum class State : uint8_t { NotAuthenticated = 1, Authenticated = 2, Selected = 4, Logout = 8 };
const char* stateName(State state); // "not authenticated", ...

// One arrow of RFC 3501 section 3's state diagram. The session moves only along these; the state panel draws
// them, and a test drives a session along each, sending `example` in the demo world.
struct Transition {
    State from;
    State to;
    const char* trigger; // what moves it, for the diagram: "LOGIN, AUTHENTICATE"
    const char* example; // a command that does it, after a login as alice where `from` needs one
    const char* rfc;
};
const std::vector<Transition>& transitions();
bool canMove(State from, State to);

// [SECTION] commands

class ImapSession;
struct Reply;
using Handler = Reply (ImapSession::*)(const Command&);

// How the parser reads a command's arguments: commands of one shape share the code that reads it.
enum class Arguments : uint8_t {
    None,
    Expunge, // none, or a UID set after UID (RFC 4315 section 2.1)
    Authenticate,
    Login,
    Select,
    Mailbox, // one mailbox name
    Rename,
    List,
    Status,
    Append,
    Enable,
    Id,
    Search,
    Fetch,
    Store,
    CopyMove,
    CancelUpdate, // 1*(SP quoted) (RFC 5267 section 5)
};

enum CommandFlag : uint8_t {
    kUsesSequenceNumbers = 1 << 0, // its arguments or answers name messages by sequence number
    kUidForm = 1 << 1,             // UID may prefix it (RFC 3501 section 6.4.8)
    kLogsIn = 1 << 2,              // a login attempt: serve's throttle counts the failures
    // No EXPUNGE may be sent while answering it, since its answer uses sequence numbers (RFC 3501
    // section 7.4.1); the UID form may have them.
    kHoldsExpungeNews = 1 << 3,
};

struct CommandInfo {
    CommandName name;
    const char* wireName;
    uint8_t allowedStates; // bits of State
    uint8_t flags;         // CommandFlag bits
    Arguments arguments;
    Handler handler;
    const char* syntax;
    const char* summary; // one or two sentences for a student
    const char* rfc;
    const char* usage;    // the parser's answer when arguments are missing: what is needed, an example
    const char* uidUsage; // the same for the UID form, or null
};
const std::vector<CommandInfo>& commandTable();
const CommandInfo& commandInfo(CommandName name);
const CommandInfo* findCommand(std::string_view wireName); // case-insensitive; "UID FETCH" finds FETCH

// [SECTION] what the lines of a reply mean (for the dashboard's hover help and the exports)

using wire::LineHelp;
// The meaning of one line of what the client sent (`line` starts a command, or is IDLE's DONE).
std::optional<LineHelp> explainCommandLine(std::string_view line);
// The meaning of the line at `offset` of a server reply (none inside a literal's bytes).
std::optional<LineHelp> explainReplyLine(std::string_view reply, size_t offset);
// Where the NO or BAD of a tagged line is, to colour it: [begin, end), or {0, 0}.
std::pair<size_t, size_t> refusalSpan(std::string_view line);

// The response code of a status text "[TRYCREATE] no mailbox ..." -> "TRYCREATE" (RFC 3501 section 7.1).
std::string responseCode(std::string_view text);
wire::Status statusFromWord(std::string_view word); // "OK" -> Ok, "NO" -> No, "BAD" -> Bad

} // namespace maillab::imap
