#include "scenario/scenario.hpp"

#include "util/paths.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace maillab::scenario {

using nlohmann::json;

namespace {

struct ActionName {
    ActionKind kind;
    const char* name;
};
const ActionName kActionNames[] = {
    {ActionKind::CheckMail, "check mail"},
    {ActionKind::Raw, "raw"},
    {ActionKind::Quit, "quit"},
    {ActionKind::Drop, "drop"},
    {ActionKind::LoseDevice, "lose device"},
    {ActionKind::Deliver, "deliver"},
    {ActionKind::Wait, "wait"},
    {ActionKind::ResetUidValidity, "reset uidvalidity"},
    {ActionKind::Note, "note"},
    {ActionKind::OpenFolder, "open folder"},
    {ActionKind::OpenMessage, "open message"},
    {ActionKind::Flag, "flag"},
    {ActionKind::Unflag, "unflag"},
    {ActionKind::Move, "move"},
    {ActionKind::Copy, "copy"},
    {ActionKind::Delete, "delete"},
    {ActionKind::CreateFolder, "create folder"},
    {ActionKind::RenameFolder, "rename folder"},
    {ActionKind::DeleteFolder, "delete folder"},
    {ActionKind::Search, "search"},
    {ActionKind::SaveDraft, "save draft"},
    {ActionKind::Idle, "idle"},
};

// A failure inside the document, with where it was found.
struct Problem {
    std::string where;
    std::string what;
};

std::string stringField(const json& object, const char* key, const std::string& where, bool required,
                        std::string fallback = {})
{
    auto it = object.find(key);
    if (it == object.end()) {
        if (required) throw Problem{where, std::string("missing \"") + key + "\""};
        return fallback;
    }
    if (!it->is_string()) throw Problem{where, std::string("\"") + key + "\" must be a string"};
    return it->get<std::string>();
}

void requireObject(const json& value, const std::string& where)
{
    if (!value.is_object()) throw Problem{where, "expected an object { ... }"};
}

AccountSpec parseAccount(const json& value, const std::string& where)
{
    requireObject(value, where);
    AccountSpec account;
    account.user = stringField(value, "user", where, true);
    account.password = stringField(value, "password", where, true);
    auto mail = value.find("mail");
    if (mail == value.end() || (mail->is_string() && *mail == "demo")) {
        account.allDemoMail = true;
    } else if (mail->is_string() && *mail == "none") {
        account.allDemoMail = false;
    } else if (mail->is_array()) {
        account.allDemoMail = false;
        for (const json& file : *mail) {
            if (!file.is_string())
                throw Problem{where + ".mail", "expected file names like \"INBOX/01-x.eml\""};
            account.files.push_back(file.get<std::string>());
        }
    } else {
        throw Problem{where + ".mail", "expected \"demo\", \"none\" or a list of files"};
    }
    return account;
}

DeviceSpec parseDevice(const json& value, const std::string& where)
{
    requireObject(value, where);
    DeviceSpec device;
    device.name = stringField(value, "name", where, true);
    device.kind = util::toLower(stringField(value, "kind", where, false));
    if (!device.kind.empty() && !deviceKindFromName(device.kind))
        throw Problem{where + ".kind", "unknown kind \"" + device.kind +
                                           "\"; expected \"laptop\", \"phone\", \"desktop\" or \"webmail\""};
    std::string protocol = util::toLower(stringField(value, "protocol", where, true));
    if (protocol == "pop3")
        device.protocol = wire::Protocol::Pop3;
    else if (protocol == "imap")
        device.protocol = wire::Protocol::Imap;
    else
        throw Problem{where + ".protocol",
                      "unknown protocol \"" + protocol + "\"; expected \"pop3\" or \"imap\""};
    device.mode = util::toLower(stringField(value, "mode", where, false,
                                            device.protocol == wire::Protocol::Pop3 ? "delete" : "online"));
    if (device.protocol == wire::Protocol::Pop3 && device.mode != "delete" && device.mode != "keep")
        throw Problem{where + ".mode",
                      "unknown POP3 mode \"" + device.mode + "\"; expected \"delete\" or \"keep\""};
    if (device.protocol == wire::Protocol::Imap && device.mode != "online")
        throw Problem{where + ".mode", "unknown IMAP mode \"" + device.mode + "\"; expected \"online\""};
    device.user = stringField(value, "user", where, true);
    device.password = stringField(value, "password", where, true);
    device.auth = util::toLower(stringField(value, "auth", where, false, "user"));
    if (device.auth != "user" && device.auth != "apop" && device.auth != "plain")
        throw Problem{where + ".auth",
                      "unknown auth \"" + device.auth + "\"; expected \"user\", \"apop\" or \"plain\""};
    if (auto days = value.find("remove_after_days"); days != value.end()) {
        if (!days->is_number_integer() || days->get<int>() < 0)
            throw Problem{where + ".remove_after_days", "expected a whole number of days (0 or more)"};
        device.removeAfterDays = days->get<int>();
    }
    const std::string security = util::toLower(stringField(value, "security", where, false, "plain"));
    if (security == "plain")
        device.security = wire::Security::Plain;
    else if (security == "starttls")
        device.security = wire::Security::StartTls;
    else if (security == "tls")
        device.security = wire::Security::Implicit;
    else
        throw Problem{where + ".security",
                      "unknown security \"" + security + "\"; expected \"plain\", \"starttls\" or \"tls\""};
    if (deviceKind(device) == DeviceKind::Webmail && device.protocol != wire::Protocol::Imap)
        throw Problem{where + ".protocol", "a webmail device speaks IMAP to its server; expected \"imap\""};
    return device;
}

Question parseQuestion(const json& value, const std::string& where, const std::vector<DeviceSpec>& devices)
{
    requireObject(value, where);
    Question q;
    q.prompt = stringField(value, "prompt", where, true);
    auto choices = value.find("choices");
    if (choices == value.end() || !choices->is_array() || choices->size() < 2)
        throw Problem{where + ".choices", "expected a list of at least two answers"};
    for (const json& choice : *choices) {
        if (!choice.is_string()) throw Problem{where + ".choices", "every choice must be a string"};
        q.choices.push_back(choice.get<std::string>());
    }
    auto answer = value.find("answer");
    if (answer == value.end() || !answer->is_number_integer() || answer->get<int64_t>() < 0 ||
        answer->get<size_t>() >= q.choices.size())
        throw Problem{where + ".answer", "expected the number of the right choice, counting from 0"};
    q.answer = answer->get<size_t>();
    q.explanation = stringField(value, "explanation", where, true);
    if (auto reveal = value.find("reveal"); reveal != value.end()) {
        requireObject(*reveal, where + ".reveal");
        q.revealAfterReplyTo = util::toUpper(stringField(*reveal, "after reply to", where + ".reveal", true));
        if (q.revealAfterReplyTo.empty())
            throw Problem{where + ".reveal.after reply to", "expected a command name such as \"RETR\""};
        q.revealDevice = stringField(*reveal, "device", where + ".reveal", false);
        if (!q.revealDevice.empty() && std::none_of(devices.begin(), devices.end(), [&](const DeviceSpec& d) {
                return d.name == q.revealDevice;
            }))
            throw Problem{where + ".reveal.device",
                          "no device named \"" + q.revealDevice + "\" in \"devices\""};
    }
    return q;
}

Checkpoint parseCheckpoint(const json& value, const std::string& where,
                           const std::vector<DeviceSpec>& devices)
{
    requireObject(value, where);
    Checkpoint checkpoint;
    checkpoint.description = stringField(value, "description", where, true);
    auto claims = value.find("claims");
    if (claims == value.end() || !claims->is_array() || claims->empty())
        throw Problem{where + ".claims", "expected a list of claims"};
    for (size_t i = 0; i < claims->size(); ++i) {
        const json& c = (*claims)[i];
        const std::string at = where + ".claims[" + std::to_string(i) + "]";
        requireObject(c, at);
        Claim claim;
        const std::string kind = stringField(c, "claim", at, true);
        if (kind == "server messages")
            claim.kind = Claim::Kind::ServerMessages;
        else if (kind == "device messages")
            claim.kind = Claim::Kind::DeviceMessages;
        else if (kind == "server said")
            claim.kind = Claim::Kind::ServerSaid;
        else if (kind == "device holds whole")
            claim.kind = Claim::Kind::DeviceHoldsWhole;
        else if (kind == "wire shows")
            claim.kind = Claim::Kind::WireShows;
        else
            throw Problem{at + ".claim",
                          "unknown claim \"" + kind +
                              "\"; expected \"server messages\", \"device messages\", \"server said\", "
                              "\"device holds whole\" or \"wire shows\""};
        claim.user = stringField(c, "user", at, claim.kind == Claim::Kind::ServerMessages);
        claim.folder =
            stringField(c, "folder", at, false, claim.kind == Claim::Kind::ServerMessages ? "INBOX" : "");
        claim.device = stringField(c, "device", at,
                                   claim.kind == Claim::Kind::DeviceMessages ||
                                       claim.kind == Claim::Kind::DeviceHoldsWhole);
        if (!claim.device.empty() && std::none_of(devices.begin(), devices.end(), [&](const DeviceSpec& d) {
                return d.name == claim.device;
            }))
            throw Problem{at + ".device", "no device named \"" + claim.device + "\" in \"devices\""};
        claim.text = stringField(c, "text", at,
                                 claim.kind == Claim::Kind::ServerSaid ||
                                     claim.kind == Claim::Kind::DeviceHoldsWhole ||
                                     claim.kind == Claim::Kind::WireShows);
        if (claim.kind == Claim::Kind::WireShows) {
            if (claim.text.empty()) throw Problem{at + ".text", "expected the text to look for"};
            claim.equals = 1;
            if (auto equals = c.find("equals"); equals != c.end()) {
                if (!equals->is_number_integer() || (*equals != 0 && *equals != 1))
                    throw Problem{at + ".equals", "expected 1 (it crossed the wire) or 0 (it did not)"};
                claim.equals = equals->get<int64_t>();
            }
        } else if (claim.kind != Claim::Kind::ServerSaid) {
            auto equals = c.find("equals");
            if (equals == c.end() || !equals->is_number_integer())
                throw Problem{at + ".equals", "expected a whole number"};
            claim.equals = equals->get<int64_t>();
        }
        checkpoint.claims.push_back(claim);
    }
    return checkpoint;
}

Action parseAction(const json& value, const std::string& where, const std::vector<DeviceSpec>& devices)
{
    requireObject(value, where);
    Action action;
    std::string name = util::toLower(stringField(value, "action", where, true));
    for (char& c : name)
        if (c == '_') c = ' ';
    bool known = false;
    for (const ActionName& n : kActionNames)
        if (name == n.name) {
            action.kind = n.kind;
            known = true;
        }
    if (!known) {
        std::string expected;
        for (const ActionName& n : kActionNames)
            expected += std::string(expected.empty() ? "" : ", ") + n.name;
        throw Problem{where + ".action", "unknown action \"" + name + "\"; expected one of: " + expected};
    }
    action.narration = stringField(value, "narration", where, false);
    if (auto question = value.find("question"); question != value.end())
        action.question = parseQuestion(*question, where + ".question", devices);
    if (auto checkpoint = value.find("checkpoint"); checkpoint != value.end())
        action.checkpoint = parseCheckpoint(*checkpoint, where + ".checkpoint", devices);
    const bool needsDevice = action.kind == ActionKind::CheckMail || action.kind == ActionKind::Raw ||
                             action.kind == ActionKind::Quit || action.kind == ActionKind::Drop ||
                             action.kind == ActionKind::LoseDevice || isImapOnly(action.kind);
    if (needsDevice) {
        action.device = stringField(value, "device", where, true);
        const DeviceSpec* device = nullptr;
        for (const DeviceSpec& d : devices)
            if (d.name == action.device) device = &d;
        if (!device)
            throw Problem{where + ".device", "no device named \"" + action.device + "\" in \"devices\""};
        if (isImapOnly(action.kind) && device->protocol != wire::Protocol::Imap)
            throw Problem{where + ".action",
                          "\"" + name + "\" needs an IMAP device, and " + action.device +
                              " speaks POP3 (to show what a POP3 server answers, use \"raw\")"};
    }
    if (isImapOnly(action.kind)) {
        if (auto message = value.find("message"); message != value.end()) {
            if (!message->is_number_integer() || message->get<int64_t>() < 1)
                throw Problem{where + ".message", "expected a message number (1, 2, ...)"};
            action.messageNumber = message->get<uint32_t>();
        }
        action.subjectMatch = stringField(value, "subject", where, false);
        const bool needsMessage = action.kind == ActionKind::OpenMessage || action.kind == ActionKind::Flag ||
                                  action.kind == ActionKind::Unflag || action.kind == ActionKind::Move ||
                                  action.kind == ActionKind::Copy || action.kind == ActionKind::Delete;
        if (needsMessage && action.messageNumber == 0 && action.subjectMatch.empty())
            throw Problem{where,
                          "\"" + name + "\" needs \"message\" (a number) or \"subject\" (part of one)"};
        const bool needsFolder =
            action.kind == ActionKind::Move || action.kind == ActionKind::Copy ||
            action.kind == ActionKind::OpenFolder || action.kind == ActionKind::CreateFolder ||
            action.kind == ActionKind::RenameFolder || action.kind == ActionKind::DeleteFolder;
        action.targetFolder = stringField(value, "folder", where, needsFolder);
        if (action.kind == ActionKind::RenameFolder)
            action.newName = stringField(value, "new_name", where, true);
        action.flag = stringField(value, "flag", where, false, "\\Flagged");
        if (action.kind == ActionKind::Search) {
            action.query = stringField(value, "query", where, true);
            action.searchKey = util::toUpper(stringField(value, "key", where, false, "TEXT"));
        }
        if (action.kind == ActionKind::SaveDraft) {
            action.subject = stringField(value, "subject", where, true);
            action.body = stringField(value, "body", where, false);
        }
        if (auto expunge = value.find("expunge"); expunge != value.end()) {
            if (!expunge->is_boolean()) throw Problem{where + ".expunge", "expected true or false"};
            action.expunge = expunge->get<bool>();
        }
    }
    switch (action.kind) {
    case ActionKind::Raw:
        action.line = stringField(value, "line", where, true);
        if (action.line.find_first_of("\r\n") != std::string::npos)
            throw Problem{where + ".line", "one line without CR or LF (the simulator adds CRLF)"};
        break;
    case ActionKind::CheckMail:
        if (auto fault = value.find("fault"); fault != value.end()) {
            requireObject(*fault, where + ".fault");
            action.dropBefore = util::toUpper(stringField(*fault, "drop_before", where + ".fault", true));
        }
        break;
    case ActionKind::Deliver:
        action.to = stringField(value, "to", where, true);
        action.folder = stringField(value, "folder", where, false, "INBOX");
        action.messageFile = stringField(value, "message", where, false);
        if (action.messageFile.empty()) {
            action.from = stringField(value, "from", where, true);
            action.subject = stringField(value, "subject", where, true);
            action.body = stringField(value, "body", where, false, "");
        }
        break;
    case ActionKind::Wait: {
        static const std::pair<const char*, int64_t> units[] = {
            {"days", 86400000}, {"hours", 3600000}, {"minutes", 60000}, {"seconds", 1000}};
        for (auto [unit, ms] : units)
            if (auto it = value.find(unit); it != value.end()) {
                if (!it->is_number() || it->get<double>() < 0)
                    throw Problem{where + "." + unit, "expected a number of " + std::string(unit)};
                action.waitMs += static_cast<int64_t>(it->get<double>() * static_cast<double>(ms));
            }
        if (action.waitMs == 0)
            throw Problem{where, "\"wait\" needs \"days\", \"hours\", \"minutes\" or \"seconds\""};
        break;
    }
    case ActionKind::ResetUidValidity:
        action.to = stringField(value, "user", where, true);
        action.folder = stringField(value, "folder", where, false, "INBOX");
        break;
    default: break;
    }
    return action;
}

} // namespace

std::optional<DeviceKind> deviceKindFromName(std::string_view name)
{
    if (name == "laptop") return DeviceKind::Laptop;
    if (name == "phone") return DeviceKind::Phone;
    if (name == "desktop") return DeviceKind::Desktop;
    if (name == "webmail") return DeviceKind::Webmail;
    return std::nullopt;
}

const char* deviceKindName(DeviceKind kind)
{
    switch (kind) {
    case DeviceKind::Phone: return "phone";
    case DeviceKind::Desktop: return "desktop";
    case DeviceKind::Webmail: return "webmail";
    case DeviceKind::Laptop: break;
    }
    return "laptop";
}

DeviceKind deviceKind(const DeviceSpec& device)
{
    if (auto named = deviceKindFromName(device.kind)) return *named;
    const std::string name = util::toLower(device.name);
    if (name.find("phone") != std::string::npos) return DeviceKind::Phone;
    if (name.find("webmail") != std::string::npos || name.find("browser") != std::string::npos)
        return DeviceKind::Webmail;
    return DeviceKind::Laptop;
}

bool isImapOnly(ActionKind kind)
{
    return kind >= ActionKind::OpenFolder;
}

const char* actionName(ActionKind kind)
{
    for (const ActionName& n : kActionNames)
        if (n.kind == kind) return n.name;
    return "";
}

std::variant<Scenario, LoadError> parseScenario(std::string_view text, const std::string& sourceName)
{
    json document;
    try {
        document = json::parse(text);
    } catch (const json::exception& e) {
        // nlohmann's message already names line and column (or the number that overflowed); keep that part.
        std::string what = e.what();
        size_t at = what.find("parse error");
        return LoadError{sourceName + ": " + (at == std::string::npos ? what : what.substr(at))};
    }
    try {
        requireObject(document, "top level");
        Scenario scenario;
        scenario.title = stringField(document, "title", "top level", true);
        scenario.setting = stringField(document, "setting", "top level", false);
        scenario.description = stringField(document, "description", "top level", false);
        auto accounts = document.find("accounts");
        if (accounts == document.end()) {
            scenario.accounts = {{"alice", "wonderland", true, {}}, {"bob", "builder", true, {}}};
        } else {
            if (!accounts->is_array()) throw Problem{"accounts", "expected a list of accounts"};
            for (size_t i = 0; i < accounts->size(); ++i)
                scenario.accounts.push_back(
                    parseAccount((*accounts)[i], "accounts[" + std::to_string(i) + "]"));
        }
        auto devices = document.find("devices");
        if (devices == document.end() || !devices->is_array() || devices->empty())
            throw Problem{"devices", "expected a list with at least one device"};
        for (size_t i = 0; i < devices->size(); ++i) {
            DeviceSpec device = parseDevice((*devices)[i], "devices[" + std::to_string(i) + "]");
            for (const DeviceSpec& other : scenario.devices)
                if (other.name == device.name)
                    throw Problem{"devices[" + std::to_string(i) + "]",
                                  "a second device named \"" + device.name + "\""};
            scenario.devices.push_back(device);
        }
        bool anyTls = false;
        for (const DeviceSpec& device : scenario.devices)
            anyTls = anyTls || device.security != wire::Security::Plain;
        scenario.server.tlsAvailable = anyTls;
        if (auto server = document.find("server"); server != document.end()) {
            requireObject(*server, "server");
            auto flag = [&](const char* key, bool& out) {
                auto it = server->find(key);
                if (it == server->end()) return;
                if (!it->is_boolean()) throw Problem{std::string("server.") + key, "expected true or false"};
                out = it->get<bool>();
            };
            flag("tls_available", scenario.server.tlsAvailable);
            flag("login_requires_tls", scenario.server.loginRequiresTls);
            if (auto caps = server->find("capabilities"); caps != server->end()) {
                requireObject(*caps, "server.capabilities");
                for (const auto& [name, on] : caps->items()) {
                    const std::string where = "server.capabilities." + name;
                    // The extensions whose absence the server and the devices handle (each gated by
                    // ImapSession::offers); IMAP4rev2 and UTF8=ACCEPT are the ones a lesson switches on.
                    static constexpr std::string_view kSwitchable[] = {"CONDSTORE",
                                                                       "QRESYNC",
                                                                       "ESEARCH",
                                                                       "SEARCHRES",
                                                                       "CONTEXT=SEARCH",
                                                                       "CONTEXT=SORT",
                                                                       "BINARY",
                                                                       "MULTIAPPEND",
                                                                       "CATENATE",
                                                                       "APPENDLIMIT",
                                                                       "SORT",
                                                                       "SORT=DISPLAY",
                                                                       "THREAD=ORDEREDSUBJECT",
                                                                       "THREAD=REFERENCES",
                                                                       "ESORT",
                                                                       "LIST-EXTENDED",
                                                                       "LIST-STATUS",
                                                                       "OBJECTID",
                                                                       "QUOTA",
                                                                       "STATUS=SIZE",
                                                                       "IMAP4rev2",
                                                                       "UTF8=ACCEPT"};
                    if (std::find(std::begin(kSwitchable), std::end(kSwitchable), name) ==
                        std::end(kSwitchable)) {
                        std::string known;
                        for (std::string_view word : kSwitchable)
                            known += (known.empty() ? "" : ", ") + std::string(word);
                        throw Problem{where,
                                      name + " cannot be switched; the switchable extensions are " + known};
                    }
                    if (!on.is_boolean()) throw Problem{where, "expected true or false"};
                    (on.get<bool>() ? scenario.server.capabilitiesOn : scenario.server.capabilitiesOff)
                        .push_back(name);
                }
            }
        }
        auto steps = document.find("steps");
        if (steps == document.end() || !steps->is_array()) throw Problem{"steps", "expected a list of steps"};
        for (size_t i = 0; i < steps->size(); ++i)
            scenario.actions.push_back(
                parseAction((*steps)[i], "step " + std::to_string(i + 1), scenario.devices));
        return scenario;
    } catch (const Problem& p) {
        return LoadError{sourceName + ": " + p.where + ": " + p.what};
    } catch (const json::exception& e) {
        return LoadError{sourceName + ": " + e.what()};
    }
}

std::optional<LoadError> checkMessageFiles(const Scenario& scenario, const std::filesystem::path& mailDir,
                                           const std::string& sourceName)
{
    for (size_t i = 0; i < scenario.accounts.size(); ++i)
        for (const std::string& file : scenario.accounts[i].files)
            if (!std::filesystem::is_regular_file(mailDir / scenario.accounts[i].user / file))
                return LoadError{sourceName + ": accounts[" + std::to_string(i) +
                                 "].mail: no message file \"" + file + "\" in " +
                                 (mailDir / scenario.accounts[i].user).string()};
    for (size_t i = 0; i < scenario.actions.size(); ++i) {
        const Action& action = scenario.actions[i];
        if (action.kind == ActionKind::Deliver && !action.messageFile.empty() &&
            !std::filesystem::is_regular_file(mailDir / action.messageFile))
            return LoadError{sourceName + ": step " + std::to_string(i + 1) + ".message: no message file \"" +
                             action.messageFile + "\" in " + mailDir.string()};
    }
    return std::nullopt;
}

std::variant<Scenario, LoadError> loadScenario(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) return LoadError{file.string() + ": cannot open the file"};
    std::ostringstream text;
    text << in.rdbuf();
    auto result = parseScenario(text.str(), file.string());
    if (auto* scenario = std::get_if<Scenario>(&result)) {
        scenario->source = file;
        if (auto missing = checkMessageFiles(*scenario, util::assetsDir() / "mail", file.string()))
            return *missing;
    }
    return result;
}

} // namespace maillab::scenario
