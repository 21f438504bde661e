#include "scenario/compare.hpp"

#include <algorithm>
#include <stdexcept>

namespace maillab::scenario {

// [SECTION] lanes

LaneSpec pop3DeleteLane()
{
    return {"POP3 delete mode", wire::Protocol::Pop3, "delete"};
}

LaneSpec pop3KeepLane()
{
    return {"POP3 keep mode", wire::Protocol::Pop3, "keep"};
}

LaneSpec imapLane()
{
    return {"IMAP", wire::Protocol::Imap, "online"};
}

namespace {

// A check that never finishes would hang the dashboard; no mode-neutral action comes near this.
constexpr int kMaxStepsPerAction = 100000;

Scenario laneScenario(const Scenario& base, const LaneSpec& spec)
{
    Scenario scenario = base;
    for (DeviceSpec& device : scenario.devices) {
        device.protocol = spec.protocol;
        device.mode = spec.mode;
    }
    for (const std::string& off : spec.capabilitiesOff)
        scenario.server.capabilitiesOff.push_back(off);
    return scenario;
}

bool comparable(ActionKind kind)
{
    switch (kind) {
    case ActionKind::CheckMail:
    case ActionKind::Quit:
    case ActionKind::Drop:
    case ActionKind::LoseDevice:
    case ActionKind::Deliver:
    case ActionKind::Wait:
    case ActionKind::ResetUidValidity:
    case ActionKind::Note: return true;
    default: return false; // Raw and the IMAP-only actions mean something else, or nothing, in a POP3 lane
    }
}

} // namespace

Lane::Lane(LaneSpec spec, const Scenario& base)
    : m_spec(std::move(spec)), m_simulation(std::make_unique<Simulation>(laneScenario(base, m_spec)))
{
    for (const DeviceSpec& device : base.devices)
        if (std::find(m_users.begin(), m_users.end(), device.user) == m_users.end())
            m_users.push_back(device.user);
    m_running.deviceMessages.assign(base.devices.size(), 0);
    m_running.deviceBytes.assign(base.devices.size(), 0);
    m_samples.push_back(measure());
}

void Lane::finishAction(size_t index)
{
    Simulation& sim = *m_simulation;
    const std::vector<Action>& actions = sim.scenario().actions;
    if (index >= actions.size()) return;
    Device* actor = actions[index].device.empty() ? nullptr : sim.device(actions[index].device);
    // actionIndex() passes `index` when the action starts; a device's action goes on while its client is
    // busy (a POP3 check lasts from the connection to QUIT, an IMAP check until the headers are in).
    auto running = [&] {
        return sim.actionIndex() <= index || (actor && actor->client && actor->client->busy());
    };
    for (int guard = 0; guard < kMaxStepsPerAction && !sim.finished() && running(); ++guard) {
        if (!sim.step()) break;
        // A device left waiting (none of the comparable actions does) lets the simulation start the next
        // action within the same step: stop there rather than run ahead of the other lanes.
        size_t ran = sim.actionOfStep(sim.stepNumber());
        if (ran != SIZE_MAX && ran > index) break;
    }
    m_samples.push_back(measure());
    m_samples.back().actionsDone = index + 1;
}

LaneSample Lane::measure()
{
    const Simulation& sim = *m_simulation;
    const auto& entries = sim.transcript().entries();
    // Only the new entries are counted: a lane's transcript only grows (a simulation sets no byte limit).
    for (; m_scanned < entries.size(); ++m_scanned) {
        const wire::TranscriptEntry& e = entries[m_scanned];
        if (e.kind == wire::TranscriptEntry::Kind::Connected) ++m_running.connections;
        if (e.kind != wire::TranscriptEntry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer) {
            m_running.bytesToServer += e.bytes.size();
            ++m_running.roundTrips;
        } else {
            m_running.bytesToClient += e.bytes.size();
        }
    }
    LaneSample sample = m_running;
    sample.steps = sim.stepNumber();
    sample.serverMessages = 0;
    sample.inboxMessages = 0;
    for (const std::string& user : m_users) {
        const store::Account* account = sim.store().account(user);
        if (!account) continue;
        for (const auto& [name, mailbox] : account->mailboxes) {
            sample.serverMessages += static_cast<int>(mailbox.messages.size());
            if (name == "INBOX") sample.inboxMessages += static_cast<int>(mailbox.messages.size());
        }
    }
    const auto& devices = sim.devices();
    for (size_t i = 0; i < devices.size() && i < sample.deviceMessages.size(); ++i) {
        sample.deviceMessages[i] = static_cast<int>(devices[i]->local.messages().size());
        sample.deviceBytes[i] = devices[i]->local.bytesHeld();
    }
    return sample;
}

// [SECTION] the comparison

std::string Comparison::problem(const Scenario& base, const std::vector<LaneSpec>& lanes)
{
    if (lanes.empty() || lanes.size() > 3) return "a comparison has one to three lanes";
    for (const LaneSpec& lane : lanes) {
        const bool pop3 = lane.protocol == wire::Protocol::Pop3;
        if (pop3 ? lane.mode != "delete" && lane.mode != "keep" : lane.mode != "online")
            return "lane \"" + lane.label + "\": no mode \"" + lane.mode + "\" for " +
                   wire::protocolName(lane.protocol);
    }
    if (base.devices.empty()) return "the scenario has no devices";
    // Lanes that are all IMAP may share the IMAP-only actions too.
    const bool allImap = std::all_of(lanes.begin(), lanes.end(), [](const LaneSpec& lane) {
        return lane.protocol == wire::Protocol::Imap;
    });
    for (size_t i = 0; i < base.actions.size(); ++i) {
        const Action& action = base.actions[i];
        const std::string where = "step " + std::to_string(i + 1) + ": ";
        if (!comparable(action.kind) && !(allImap && isImapOnly(action.kind)))
            return where + "\"" + actionName(action.kind) + "\" does not mean the same in every lane";
        if (action.checkpoint) return where + "a checkpoint's claims cannot hold in every lane";
        const bool needsDevice = action.kind == ActionKind::CheckMail || action.kind == ActionKind::Quit ||
                                 action.kind == ActionKind::Drop || action.kind == ActionKind::LoseDevice;
        if (needsDevice && std::none_of(base.devices.begin(), base.devices.end(),
                                        [&](const DeviceSpec& d) { return d.name == action.device; }))
            return where + "no device named \"" + action.device + "\"";
    }
    return {};
}

Comparison::Comparison(Scenario base, std::vector<LaneSpec> lanes)
    : m_base(std::move(base)), m_specs(std::move(lanes))
{
    if (std::string why = problem(m_base, m_specs); !why.empty()) throw std::invalid_argument(why);
    reset();
}

void Comparison::reset()
{
    m_lanes.clear();
    for (const LaneSpec& spec : m_specs)
        m_lanes.push_back(std::make_unique<Lane>(spec, m_base));
    m_actionsDone = 0;
}

bool Comparison::step()
{
    if (finished()) return false;
    for (auto& lane : m_lanes)
        lane->finishAction(m_actionsDone);
    ++m_actionsDone;
    return true;
}

std::string Comparison::describeAction(size_t n) const
{
    if (n == 0 || n > m_base.actions.size()) return {};
    const Action& a = m_base.actions[n - 1];
    switch (a.kind) {
    case ActionKind::CheckMail: return a.device + " checks mail";
    case ActionKind::Quit: return a.device + " quits";
    case ActionKind::Drop: return a.device + "'s connection drops";
    case ActionKind::LoseDevice: return a.device + " is lost";
    case ActionKind::Deliver:
        return "new mail for " + a.to + (a.subject.empty() ? std::string() : ": \"" + a.subject + "\"");
    case ActionKind::Wait: return describeWait(a.waitMs);
    case ActionKind::ResetUidValidity: return "the server restores " + a.to + "'s " + a.folder;
    case ActionKind::Note: return a.narration;
    default: return actionName(a.kind);
    }
}

// [SECTION] built-in comparisons

namespace {

Action deviceAction(ActionKind kind, std::string device, std::string narration)
{
    Action a;
    a.kind = kind;
    a.device = std::move(device);
    a.narration = std::move(narration);
    return a;
}

Action deliver(std::string subject, std::string body, std::string narration)
{
    Action a;
    a.kind = ActionKind::Deliver;
    a.to = "alice";
    a.from = "Bob <bob@example.com>";
    a.subject = std::move(subject);
    a.body = std::move(body);
    a.narration = std::move(narration);
    return a;
}

Action wait(int64_t ms, std::string narration)
{
    Action a;
    a.kind = ActionKind::Wait;
    a.waitMs = ms;
    a.narration = std::move(narration);
    return a;
}

Scenario aliceWith(std::string title, std::vector<std::string> deviceNames)
{
    Scenario s;
    s.title = std::move(title);
    // Three messages: a short welcome, and two longer ones (a syllabus, a newsletter) whose bodies are
    // most of their bytes: what POP3 must download whole and IMAP can leave on the server.
    s.accounts.push_back({"alice",
                          "wonderland",
                          false,
                          {"INBOX/01-welcome-networks-101.eml", "INBOX/02-course-syllabus.eml",
                           "INBOX/12-campus-tech-newsletter.eml"}});
    for (std::string& name : deviceNames)
        s.devices.push_back({std::move(name), wire::Protocol::Pop3, "delete", "alice", "wonderland"});
    return s;
}

Action onMessage(ActionKind kind, std::string device, uint32_t number, std::string narration)
{
    Action a = deviceAction(kind, std::move(device), std::move(narration));
    a.messageNumber = number;
    return a;
}

// The phone is away for a week while the laptop reads, flags, files and deletes; then it catches up, with
// what the server offers: QRESYNC (RFC 7162 section 3.2.5), CONDSTORE alone (section 3.1.4.1), or neither
// (the flags of every message, RFC 4549 section 4.3.1). The same story as the lesson
// lessons/18-phone-catches-up.json, without its questions.
ComparisonSpec resyncComparison()
{
    Scenario s;
    s.title = "The phone catches up after a week away";
    s.accounts.push_back({"alice", "wonderland", true, {}});
    for (const char* name : {"phone", "laptop"})
        s.devices.push_back({name, wire::Protocol::Imap, "online", "alice", "wonderland"});
    Action move = onMessage(ActionKind::Move, "laptop", 3, "The laptop files message 3 in Archive.");
    move.targetFolder = "Archive";
    Action remove = onMessage(ActionKind::Delete, "laptop", 4, "The laptop deletes message 4 for good.");
    remove.expunge = true;
    s.actions = {
        deviceAction(ActionKind::CheckMail, "phone", "The phone reads the inbox's headers."),
        deviceAction(ActionKind::Quit, "phone", "The phone goes offline."),
        deviceAction(ActionKind::CheckMail, "laptop", "The laptop checks mail."),
        onMessage(ActionKind::OpenMessage, "laptop", 1, "The laptop reads message 1."),
        onMessage(ActionKind::Flag, "laptop", 2, "The laptop flags message 2."),
        move,
        remove,
        wait(7 * 24 * 3600000LL, "A week passes."),
        deviceAction(ActionKind::CheckMail, "phone", "The phone is back online and catches up."),
        deviceAction(ActionKind::Quit, "phone", ""),
    };
    const std::vector<LaneSpec> lanes = {
        {"full resync", wire::Protocol::Imap, "online", {"CONDSTORE", "QRESYNC"}},
        {"CONDSTORE", wire::Protocol::Imap, "online", {"QRESYNC"}},
        {"QRESYNC", wire::Protocol::Imap, "online", {}},
    };
    return {"phone-catches-up", s.title,
            "Each lane's server offers less: QRESYNC, then CONDSTORE only, then neither. Watch the phone's "
            "last check: how many bytes and round trips it takes to learn what a week changed.",
            s, lanes};
}

std::vector<ComparisonSpec> makeBuiltIns()
{
    const std::vector<LaneSpec> threeLanes = {pop3DeleteLane(), pop3KeepLane(), imapLane()};
    std::vector<ComparisonSpec> specs;

    Scenario twice = aliceWith("One laptop checks twice, with new mail between", {"laptop"});
    twice.actions = {
        deviceAction(ActionKind::CheckMail, "laptop", "The laptop checks mail: three messages wait."),
        deliver("Lab 4 partners?", "Shall we do lab 4 together?\n", "New mail arrives for Alice."),
        wait(3600000, "An hour passes."),
        deviceAction(ActionKind::CheckMail, "laptop", "The laptop checks mail again."),
        deviceAction(ActionKind::Quit, "laptop", "Alice closes her mail program."),
    };
    specs.push_back(
        {"checks-twice", twice.title,
         "POP3 delete mode empties the server at each check; keep mode leaves everything there and "
         "uses UIDL to download only the new message the second time; IMAP downloads only "
         "headers and stays connected, so its second check is a NOOP and one header.",
         twice, threeLanes});

    Scenario two = aliceWith("Laptop and phone both check", {"laptop", "phone"});
    two.actions = {
        deviceAction(ActionKind::CheckMail, "laptop", "The laptop checks mail first."),
        deviceAction(ActionKind::CheckMail, "phone", "Then the phone checks the same account."),
        deliver("Lab 4 partners?", "Shall we do lab 4 together?\n", "New mail arrives for Alice."),
        deviceAction(ActionKind::CheckMail, "phone", "The phone checks again."),
        deviceAction(ActionKind::CheckMail, "laptop", "And the laptop."),
        deviceAction(ActionKind::Quit, "phone", "Both close their mail programs."),
        deviceAction(ActionKind::Quit, "laptop", ""),
    };
    specs.push_back(
        {"two-devices", two.title,
         "With POP3 delete mode whichever device checks first takes the mail away from the other. "
         "Keep mode gives both devices every message, downloaded twice. With IMAP both see the "
         "same mailbox on the server.",
         two, threeLanes});

    Scenario lost = aliceWith("The laptop is lost after checking", {"laptop", "new-laptop"});
    lost.actions = {
        deviceAction(ActionKind::CheckMail, "laptop", "The laptop checks mail."),
        deviceAction(ActionKind::Quit, "laptop", "Alice closes her mail program."),
        deviceAction(ActionKind::LoseDevice, "laptop", "The laptop is stolen, with everything on it."),
        deviceAction(ActionKind::CheckMail, "new-laptop", "Alice sets up a new laptop and checks mail."),
        deviceAction(ActionKind::Quit, "new-laptop", ""),
    };
    specs.push_back(
        {"lost-laptop", lost.title,
         "POP3 delete mode kept the only copies on the lost laptop: the new laptop finds an empty "
         "server. Keep mode and IMAP left the mail on the server, so the new laptop gets it all "
         "back.",
         lost, threeLanes});
    specs.push_back(resyncComparison());
    return specs;
}

} // namespace

const std::vector<ComparisonSpec>& builtInComparisons()
{
    static const std::vector<ComparisonSpec> specs = makeBuiltIns();
    return specs;
}

const ComparisonSpec* findComparison(const std::string& id)
{
    for (const ComparisonSpec& spec : builtInComparisons())
        if (spec.id == id) return &spec;
    return nullptr;
}

} // namespace maillab::scenario
