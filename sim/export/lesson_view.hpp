// What the exporters share: the lesson's header, its steps with the transcript grouped into exchanges and
// each client command looked up in its protocol's command table, the final state of server and devices,
// and the small text and time helpers every format needs. Read-only over a Simulation.
#pragma once

#include "scenario/simulation.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::exporter {

// [SECTION] text and time

// Whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view bytes);
// For display in md and html: valid UTF-8 stays, each byte of an invalid sequence and each control byte
// other than TAB becomes "\xNN" (so an ISO-8859-1 body shows as "caf\xe9", not as a replacement box).
std::string displayText(std::string_view bytes);
// One line for a table cell or heading: displayText, with CR and LF shown as spaces.
std::string displayLine(std::string_view bytes);

// "2026-11-26T09:00:00.050Z" (ISO 8601, UTC, milliseconds).
std::string isoTime(int64_t epochMs);
// "2026-11-26 09:00:00.050 UTC", for people.
std::string readableTime(int64_t epochMs);

// The lines of a wire chunk as formatEntry splits them: CRLF or LF ends a line; a last line without one
// counts too.
std::vector<std::string_view> wireLines(std::string_view bytes);

// [SECTION] the lesson header

struct DeviceInfo {
    std::string name;
    std::string protocol; // "POP3", "IMAP"
    std::string mode;     // "delete", "keep", "online"
    std::string user;
    std::string auth; // POP3 only: "user", "apop", "plain"
    std::vector<int> sessions;
    std::string security; // "starttls" or "tls"; empty for plain text
    uint16_t port = 0;    // the server port it connects to (110, 995, 143, 993)
};
// ", STARTTLS on port 110", ", implicit TLS on port 995", or "" for a plain-text device: for device lists.
std::string securityText(const DeviceInfo& device);

struct LessonHeader {
    std::string title;
    std::string setting;     // where a handout starts: the situation, not its outcome
    std::string description; // what the lesson showed: a handout's last words
    std::string sourceName;  // the lesson file's name, without folders (exports must not depend on the cwd)
    int64_t startMs = 0;     // the virtual clock's start
    std::vector<DeviceInfo> devices;
    bool tagged = false; // several sessions: lines carry "[device#session]" as in Transcript::toText
};
LessonHeader lessonHeader(const scenario::Simulation& simulation);

// [SECTION] commands explained from the command tables

struct Explanation {
    std::string command; // as the table names it: "RETR", "UID FETCH"
    std::string syntax;
    std::string summary;
    std::string rfc;
};
// Looks up a client line (POP3 "RETR 1", IMAP "A4 UID FETCH ..."); nullopt for lines that are not commands
// (SASL responses, literal data). IMAP's "DONE" is explained by IDLE's row.
std::optional<Explanation> explainCommand(wire::Protocol protocol, std::string_view clientBytes);

// [SECTION] steps and exchanges

// One block of the transcript as the handouts show it.
struct Item {
    enum class Kind {
        Event,    // a Connected, Closed or Note entry
        Exchange, // a client command and the server data that followed it at once on that session
        Server,   // server data nobody asked for in that place: a greeting, an IMAP untagged update
    };
    Kind kind = Kind::Event;
    const wire::TranscriptEntry* first = nullptr;      // the event, the command, or the first server chunk
    std::vector<const wire::TranscriptEntry*> replies; // server chunks after `first` (Exchange, Server)
    std::optional<Explanation> explanation;            // Exchange only
    bool longReply = false; // the replies carry message content (RETR, TOP, a FETCH literal) or many lines
    bool greeting = false;  // Server: the first bytes after the connection opened
};

// A step's question (scenario::Action::question) is rendered by the md and html exporters: the prompt and
// choices before the step's lines, the answer and its explanation after. Checkpoint results are notes in the
// transcript, so every format shows them.
struct StepView {
    size_t actionIndex = 0;
    const scenario::Action* action = nullptr; // null only for entries no lesson step claims
    std::vector<Item> items;
    int64_t startMs = 0; // of the first entry; 0 when the step put nothing on the transcript
    // The transcript line that settles the step's question (scenario::revealOf), when it has happened.
    const wire::TranscriptEntry* evidence = nullptr;
};

struct LessonView {
    LessonHeader header;
    std::vector<StepView> steps; // every action the simulation reached, in order, even those without entries
    size_t actionsTotal = 0;
};
LessonView lessonView(const scenario::Simulation& simulation);

// Where a step's answer is shown: after this many of its items (0 .. items.size()). Every format asks here,
// so an answer never shows before the exchange that settles it: the item holding the question's reveal
// point (scenario::revealOf), else the step's last exchange (or its end, when it has none).
size_t answerAfterItems(const StepView& step);
// The transcript entry after which the answer is shown, for formats that list entries (txt, json): the last
// entry of the item answerAfterItems names; null when the answer goes at the step's end with no entry.
const wire::TranscriptEntry* answerAfterEntry(const StepView& step);

// The lesson's questions in order, for the worksheet and the key: "Question 2 · Step 5: check mail (laptop)".
struct AskedQuestion {
    size_t number = 0;      // 1 for the lesson's first question
    size_t actionIndex = 0; // its step: "Step actionIndex + 1"
    const scenario::Action* action = nullptr;
    const scenario::Question* question = nullptr;
    std::string stepHeading; // "Step 5: check mail (laptop)", not escaped
};
std::vector<AskedQuestion> askedQuestions(const scenario::Scenario& lesson);

// "check mail (laptop)", "deliver (to alice)", "wait": what a step heading says after its number.
std::string stepTitle(const StepView& step);

// Lines and octets of all server chunks of an item, and the largest literal announced in them (0: none).
struct ReplySize {
    size_t lines = 0;
    size_t octets = 0;
    size_t literal = 0;
};
ReplySize replySize(const Item& item);

// "[laptop#1] " when the lesson has several sessions, else "".
std::string sessionTag(const wire::TranscriptEntry& entry, bool tagged);

// [SECTION] final state

struct ServerMessage {
    uint32_t sequence = 0;
    uint32_t uid = 0;
    std::string flags; // "\\Seen \\Flagged $Label"
    size_t size = 0;
    std::string from;    // decoded, as UTF-8 (may still need displayLine)
    std::string subject; // decoded
};

struct MailboxState {
    std::string name;
    std::string specialUse;
    uint32_t uidValidity = 0;
    uint32_t uidNext = 0;
    std::vector<ServerMessage> messages;
};

struct AccountState {
    std::string user;
    std::vector<MailboxState> mailboxes; // INBOX first, then by name
};
std::vector<AccountState> serverState(const store::Store& store);

struct DeviceMessage {
    std::string folder;
    std::string serverId;
    std::string from;
    std::string subject;
    std::string held; // "whole message", or which parts: "ENVELOPE, BODYSTRUCTURE, 1"
    size_t octetsHeld = 0;
    size_t serverSize = 0;
    bool read = false;
    std::string flags; // IMAP flags as last heard from the server
};

struct DeviceState {
    DeviceInfo info;
    std::vector<DeviceMessage> messages;
    bool connected = false;
};
std::vector<DeviceState> deviceState(const scenario::Simulation& simulation);

} // namespace maillab::exporter
