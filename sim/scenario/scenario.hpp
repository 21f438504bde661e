// A scenario: the accounts and mail to start from, the devices, and the steps (user actions and world
// events).
#pragma once

#include "wire/client.hpp"
#include "wire/session.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace maillab::scenario {

struct AccountSpec {
    std::string user;
    std::string password;
    // Mail to load: every demo file of that user ("demo"), none, or listed files ("INBOX/01-x.eml").
    bool allDemoMail = true;
    std::vector<std::string> files;
};

struct DeviceSpec {
    std::string name;
    wire::Protocol protocol = wire::Protocol::Pop3;
    std::string mode = "delete"; // POP3: "delete" or "keep"; IMAP: "online"
    std::string user;
    std::string password;
    std::string auth = "user"; // POP3: "user", "apop", "plain"
    int removeAfterDays = 0;
    // "plain" (110/143), "starttls" (110/143, STLS/STARTTLS before login) or "tls" (995/993, implicit TLS).
    wire::Security security = wire::Security::Plain;
    std::string kind; // "laptop", "phone", "desktop" or "webmail"; empty: from the name (deviceKind)
};

// What the device is, for the pictures and the summary. A webmail device is a browser session: the webmail
// program runs at the server and speaks IMAP to it, so it stores nothing on the student's side.
enum class DeviceKind { Laptop, Phone, Desktop, Webmail };
// The lesson's "kind", or inferred from the name: "phone" in it is a phone, "webmail" or "browser" webmail,
// anything else a laptop.
DeviceKind deviceKind(const DeviceSpec& device);
const char* deviceKindName(DeviceKind kind); // "laptop", ...
std::optional<DeviceKind> deviceKindFromName(std::string_view name);

// The server's TLS options (the lesson's "server" section).
struct ServerSpec {
    // STLS/STARTTLS offered on 110/143. Unset in the file: offered when some device uses "starttls" or "tls".
    bool tlsAvailable = false;
    // No USER/PASS, APOP, AUTH or LOGIN before TLS (RFC 2595 section 3.1; IMAP says LOGINDISABLED).
    bool loginRequiresTls = false;
    // IMAP extensions the lesson switches off ("capabilities": {"QRESYNC": false}): the server stops
    // advertising and honouring them, and the devices fall back to what is left.
    std::vector<std::string> capabilitiesOff;
    // And those it switches on before the server offers them to all ({"IMAP4rev2": true}).
    std::vector<std::string> capabilitiesOn;
};

enum class ActionKind {
    CheckMail,        // POP3: a whole check; IMAP: connect, list, select, fetch headers
    Raw,              // one raw protocol line from the device
    Quit,             // end the session politely (QUIT / LOGOUT)
    Drop,             // the connection vanishes (no QUIT)
    LoseDevice,       // the device and everything on it is gone
    Deliver,          // new mail arrives at the server
    Wait,             // virtual time passes
    ResetUidValidity, // the server's mailbox is restored from backup: new UIDVALIDITY
    Note,             // narration only
    // IMAP devices only: organising and reading on the server.
    OpenFolder,  // SELECT another folder, fetch its headers
    OpenMessage, // BODYSTRUCTURE, then only the text part
    Flag,
    Unflag,
    Move,
    Copy,
    Delete, // to Trash, or with "expunge": \Deleted + EXPUNGE
    CreateFolder,
    RenameFolder,
    DeleteFolder,
    Search,
    SaveDraft,
    Idle,
};
bool isImapOnly(ActionKind kind);
const char* actionName(ActionKind kind);

// "What will the server answer?": asked before the step runs, answered by watching it (lessons/README.md).
struct Question {
    std::string prompt;
    std::vector<std::string> choices;
    size_t answer = 0; // index into choices
    std::string explanation;
    // The point that settles it (lessons/README.md "questions"): the server's first reply to this command
    // ("RETR", "UID SEARCH") from the question's step on, by `revealDevice` when set; empty: the end of the
    // question's step. Nothing may show the answer before it (scenario/question.hpp).
    std::string revealAfterReplyTo;
    std::string revealDevice;
};

// A claim about the state after a step, checked by the simulator: the lesson is wrong if it fails.
struct Claim {
    enum class Kind {
        ServerMessages,   // user's folder holds `equals` messages
        DeviceMessages,   // the device holds `equals` messages (in `folder`, when given)
        ServerSaid,       // some server reply during the step contains `text`
        DeviceHoldsWhole, // the device holds `equals` (0 or 1) complete copy of the message with `text` in
                          // its subject
        WireShows // `text` crossed the wire during the step as an eavesdropper sees it (plain-text Data
                  // and TLS records, never the decrypted bytes); `equals` 0 claims it did not
    };
    Kind kind = Kind::ServerMessages;
    std::string user;
    std::string folder;
    std::string device;
    std::string text;
    int64_t equals = 0;
};

struct Checkpoint {
    std::string description; // "the server's INBOX is empty", shown to the student
    std::vector<Claim> claims;
};

struct Action {
    ActionKind kind = ActionKind::Note;
    std::string device;
    std::string narration;
    std::string line;       // Raw
    std::string dropBefore; // CheckMail fault: the connection drops just before this command is sent
    // Deliver
    std::string to;
    std::string folder = "INBOX";
    std::string messageFile; // relative to assets/mail/
    std::string from, subject, body;
    // Wait
    int64_t waitMs = 0;
    // IMAP actions: which message (its number in the device's view of the folder, or part of its subject)
    uint32_t messageNumber = 0;
    std::string subjectMatch;
    std::string targetFolder; // move/copy target, open/create/delete folder
    std::string newName;      // rename folder
    std::string flag = "\\Flagged";
    std::string query; // search text
    std::string searchKey = "TEXT";
    bool expunge = false;
    std::optional<Question> question;
    std::optional<Checkpoint> checkpoint;
};

struct Scenario {
    std::string title;
    // The situation the student starts from, without its outcome: shown before anything happens, so it must
    // not give away an answer (`maillab lint` checks). Without it the student sees only the title.
    std::string setting;
    // What the lesson shows, for the instructor; a student sees it only once the lesson is over.
    std::string description;
    std::filesystem::path source;
    std::vector<AccountSpec> accounts;
    std::vector<DeviceSpec> devices;
    ServerSpec server;
    std::vector<Action> actions;
};

struct LoadError {
    std::string message; // "file: position: what was expected"
};

// Reads and checks a lesson file, including that every message file it names exists under assets/mail/.
std::variant<Scenario, LoadError> loadScenario(const std::filesystem::path& file);
std::optional<LoadError> checkMessageFiles(const Scenario& scenario, const std::filesystem::path& mailDir,
                                           const std::string& sourceName);
std::variant<Scenario, LoadError> parseScenario(std::string_view json, const std::string& sourceName);

} // namespace maillab::scenario
