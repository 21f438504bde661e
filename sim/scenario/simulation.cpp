#include "scenario/simulation.hpp"

#include "imap/imap_client.hpp"
#include "mail/date.hpp"
#include "pop3/pop3_client.hpp"
#include "scenario/delivery.hpp"
#include "store/demo_mail.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <stdexcept>

namespace maillab::scenario {

uint16_t serverPortFor(wire::Protocol protocol, wire::Security security)
{
    const bool implicitTls = security == wire::Security::Implicit;
    if (protocol == wire::Protocol::Pop3) return implicitTls ? kPop3sPort : kPop3Port;
    return implicitTls ? kImapsPort : kImapPort;
}

Device::Device(DeviceSpec deviceSpec, Link::Acceptor accept, wire::Transcript& transcript,
               wire::VirtualClock& clock, const int& step)
    : spec(std::move(deviceSpec)),
      link({spec.name, spec.protocol, spec.security, serverPortFor(spec.protocol, spec.security)},
           std::move(accept), transcript, clock, step)
{
}

namespace {

std::unique_ptr<wire::ClientEngine> makeClient(const DeviceSpec& spec, store::DeviceStore& local,
                                               const wire::Clock& clock)
{
    if (spec.protocol == wire::Protocol::Pop3) {
        pop3::ClientOptions options;
        options.user = spec.user;
        options.password = spec.password;
        options.mode = spec.mode == "keep" ? pop3::Mode::Keep : pop3::Mode::Delete;
        options.auth = spec.auth == "apop"    ? pop3::AuthMethod::Apop
                       : spec.auth == "plain" ? pop3::AuthMethod::SaslPlain
                                              : pop3::AuthMethod::UserPass;
        options.removeAfterDays = spec.removeAfterDays;
        options.security = spec.security;
        return std::make_unique<pop3::Pop3Client>(local, clock, options);
    }
    imap::ClientOptions options;
    options.user = spec.user;
    options.password = spec.password;
    options.security = spec.security;
    return std::make_unique<imap::ImapClient>(local, clock, options);
}

// A lesson's device action in the words every mail program reads.
wire::UserAction userAction(const Action& action)
{
    using Kind = wire::UserAction::Kind;
    wire::UserAction out;
    switch (action.kind) {
    case ActionKind::CheckMail: out.kind = Kind::CheckMail; break;
    case ActionKind::Raw: out.kind = Kind::Raw; break;
    case ActionKind::Quit: out.kind = Kind::Quit; break;
    case ActionKind::OpenFolder: out.kind = Kind::OpenFolder; break;
    case ActionKind::OpenMessage: out.kind = Kind::OpenMessage; break;
    case ActionKind::Flag: out.kind = Kind::Flag; break;
    case ActionKind::Unflag: out.kind = Kind::Unflag; break;
    case ActionKind::Move: out.kind = Kind::Move; break;
    case ActionKind::Copy: out.kind = Kind::Copy; break;
    case ActionKind::Delete: out.kind = Kind::Delete; break;
    case ActionKind::CreateFolder: out.kind = Kind::CreateFolder; break;
    case ActionKind::RenameFolder: out.kind = Kind::RenameFolder; break;
    case ActionKind::DeleteFolder: out.kind = Kind::DeleteFolder; break;
    case ActionKind::Search: out.kind = Kind::Search; break;
    case ActionKind::SaveDraft: out.kind = Kind::SaveDraft; break;
    case ActionKind::Idle: out.kind = Kind::Idle; break;
    default: break;
    }
    out.message = action.messageNumber;
    out.subject = action.subjectMatch;
    out.folder = action.targetFolder;
    out.newName = action.newName;
    out.flag = action.flag;
    out.query = action.query;
    out.searchKey = action.searchKey;
    out.expunge = action.expunge;
    out.line = action.line;
    out.draftSubject = action.subject;
    out.draftBody = action.body;
    return out;
}

} // namespace

Simulation::Simulation(Scenario scenario, std::filesystem::path mailDir)
    : m_scenario(std::move(scenario)),
      m_mailDir(mailDir.empty() ? util::assetsDir() / "mail" : std::move(mailDir))
{
    // UIDVALIDITY starts from the virtual clock, as servers that use the time do, so runs repeat exactly.
    m_store = std::make_unique<store::Store>(static_cast<uint32_t>(m_clock.nowSeconds()));
    for (const AccountSpec& account : m_scenario.accounts) {
        m_store->addAccount(account.user, account.password);
        store::addStandardMailboxes(*m_store, account.user);
        if (account.allDemoMail || !account.files.empty())
            store::loadUserMail(*m_store, m_mailDir, account.user, account.files, m_setupErrors);
    }
    for (const DeviceSpec& spec : m_scenario.devices) {
        auto device = std::make_unique<Device>(
            spec, [this, protocol = spec.protocol] { return acceptConnection(protocol); }, m_transcript,
            m_clock, m_step);
        device->client = makeClient(spec, device->local, m_clock);
        if (!device->client)
            m_setupErrors.push_back("device " + spec.name + ": this protocol has no client yet");
        m_devices.push_back(std::move(device));
    }
}

Simulation::~Simulation() = default;

Link::Accepted Simulation::acceptConnection(wire::Protocol protocol)
{
    // The lesson's server options. A session on an implicit-TLS port learns of TLS when the handshake is
    // done.
    ServerSessionOptions options;
    options.tlsAvailable = m_scenario.server.tlsAvailable;
    options.loginRequiresTls = m_scenario.server.loginRequiresTls;
    options.imapCapabilitiesOff = m_scenario.server.capabilitiesOff;
    options.imapCapabilitiesOn = m_scenario.server.capabilitiesOn;
    Link::Accepted accepted;
    accepted.sessionId = m_nextSessionId++;
    accepted.session = makeServerSession(protocol, *m_store, m_clock, accepted.sessionId, options);
    return accepted;
}

Device* Simulation::device(const std::string& name)
{
    for (auto& d : m_devices)
        if (d->spec.name == name) return d.get();
    return nullptr;
}

size_t Simulation::actionOfStep(int step) const
{
    if (step < 1 || static_cast<size_t>(step) > m_stepActions.size()) return SIZE_MAX;
    return m_stepActions[static_cast<size_t>(step) - 1];
}

bool Simulation::finished() const
{
    return m_activeDevice == nullptr && m_actionIndex >= m_scenario.actions.size();
}

int Simulation::run(int maxSteps)
{
    int steps = 0;
    while (steps < maxSteps && step())
        ++steps;
    return steps;
}

bool Simulation::step()
{
    ++m_step;
    for (;;) {
        if (m_activeDevice) {
            Device& device = *m_activeDevice;
            if (device.client->busy()) {
                Link::Progress progress = serveRequest(device);
                if (progress == Link::Progress::Visible) {
                    deliverUnsolicited();
                    m_stepActions.push_back(m_actionIndex - 1);
                    if (!device.client->busy()) { // the action ended with this exchange
                        m_activeDevice = nullptr;
                        m_activeAction = nullptr;
                        finishAction(m_actionIndex - 1);
                    }
                    return true;
                }
                if (progress == Link::Progress::Silent) continue;
            }
            // Done, or waiting for something only another device can cause: the next action runs.
            m_activeDevice = nullptr;
            m_activeAction = nullptr;
            finishAction(m_actionIndex - 1);
        }
        if (m_actionIndex >= m_scenario.actions.size()) {
            --m_step;
            return false;
        }
        const Action& action = m_scenario.actions[m_actionIndex++];
        startAction(action);
        if (!m_activeDevice) {
            deliverUnsolicited();
            m_stepActions.push_back(m_actionIndex - 1);
            finishAction(m_actionIndex - 1);
            return true; // a world event is a step of its own
        }
    }
}

void Simulation::wipeDevice(Device& device)
{
    dropConnection(device, "the connection drops with the device");
    LostDevice lost{device.spec.name, {}};
    for (const store::LocalMessage& message : device.local.messages())
        lost.subjects.push_back(message.subject);
    m_lost.push_back(std::move(lost));
    device.local.wipe();
    device.client->forget();
    device.lost = true;
    note(device.spec.name + " is lost: everything stored on it is gone", device.spec.name);
}

void Simulation::loseDevice(const std::string& name)
{
    Device* lost = device(name);
    if (!lost) return;
    ++m_step;
    if (m_activeDevice == lost) { // the action it was doing ends with it
        m_activeDevice = nullptr;
        m_activeAction = nullptr;
    }
    wipeDevice(*lost);
    m_stepActions.push_back(m_actionIndex == 0 ? 0 : m_actionIndex - 1);
}

void Simulation::finishAction(size_t index)
{
    const Action& action = m_scenario.actions[index];
    if (Device* device = action.device.empty() ? nullptr : this->device(action.device);
        device && device->client && device->client->stoppedForSecurity())
        note(action.device + ": " + device->client->status(), action.device);
    if (!action.checkpoint) return;
    CheckpointResult result = evaluateCheckpoint(*action.checkpoint, *this, index);
    std::string text = "checkpoint: " + result.description + (result.passed() ? " (holds)" : " (FAILS:");
    for (size_t i = 0; i < result.failures.size(); ++i)
        text += (i ? "; " : " ") + result.failures[i];
    if (!result.passed()) text += ")";
    note(text);
    m_checkpoints.push_back(std::move(result));
}

void Simulation::startAction(const Action& action)
{
    Device* device = action.device.empty() ? nullptr : this->device(action.device);
    if (isImapOnly(action.kind) || action.kind == ActionKind::CheckMail || action.kind == ActionKind::Raw ||
        action.kind == ActionKind::Quit) {
        if (!device || !device->client) {
            note("device " + action.device + " cannot act: it has no mail program for its protocol");
            return;
        }
        device->lost = false;
        device->client->perform(userAction(action));
        if (device->client->busy()) {
            m_activeDevice = device;
            m_activeAction = &action;
        } else {
            // The device decided without asking the server (no such message on it, nothing to quit).
            const std::string& why = device->client->status();
            note(action.device + ": " + (why.empty() ? "nothing to do" : why) + " (" +
                     actionName(action.kind) + ")",
                 action.device);
        }
        return;
    }
    switch (action.kind) {
    case ActionKind::Drop:
        if (device->link.open())
            dropConnection(*device, "the connection drops");
        else
            note(action.device + " has no open connection to drop", action.device);
        return;
    case ActionKind::LoseDevice: wipeDevice(*device); return;
    case ActionKind::Deliver: {
        std::string bytes = composeMessage(action);
        if (bytes.empty()) return;
        mail::Summary summary = mail::summarize(bytes);
        if (holdsEicarTestString(bytes)) {
            m_quarantined.push_back(summary.subject);
            note("virus filter: \"" + summary.subject + "\" for " + action.to +
                 " holds the EICAR test virus: quarantined, delivered to no mailbox");
            return;
        }
        mail::DateTime now{m_clock.nowSeconds(), 0};
        uint32_t uid = m_store->deliver(action.to, action.folder, std::move(bytes), now);
        if (uid == 0)
            note("delivery failed: no mailbox " + action.folder + " for " + action.to);
        else
            note("new mail for " + action.to + " in " + action.folder + ": \"" + summary.subject + "\"");
        return;
    }
    case ActionKind::Wait: {
        m_clock.advance(action.waitMs);
        note(describeWait(action.waitMs));
        return;
    }
    case ActionKind::ResetUidValidity:
        m_store->resetUidValidity(action.to, action.folder);
        note("the server restored " + action.to + "'s " + action.folder + " from a backup: new UIDVALIDITY");
        return;
    case ActionKind::Note: return; // narration only: it lives in the action, not on the wire
    default: return;
    }
}

Link::Progress Simulation::serveRequest(Device& device)
{
    // The lesson's fault: the connection drops just before the named command goes out.
    const wire::ClientEngine::Request& request = device.client->request();
    if (request.kind == wire::ClientEngine::Request::Kind::Send && m_activeAction &&
        !m_activeAction->dropBefore.empty() && util::istartsWith(request.bytes, m_activeAction->dropBefore) &&
        device.link.open()) {
        dropConnection(device, "the connection drops before " + m_activeAction->dropBefore + " is sent");
        return Link::Progress::Visible;
    }
    return device.link.serve(*device.client);
}

void Simulation::dropConnection(Device& device, const std::string& why)
{
    device.link.drop(*device.client, why);
}

void Simulation::deliverUnsolicited()
{
    for (auto& device : m_devices)
        device->link.deliverUnsolicited(*device->client);
}

void Simulation::note(const std::string& text, const std::string& device)
{
    m_transcript.record({wire::TranscriptEntry::Kind::Note, 0, device, wire::Protocol::Pop3,
                         wire::Direction::ServerToClient, m_clock.nowMs(), text, m_step, 0});
}

std::string Simulation::composeMessage(const Action& action)
{
    std::string error;
    const int serial = action.messageFile.empty() ? ++m_composed : 0;
    std::string bytes = deliveredMessage(action, m_mailDir, m_clock.nowSeconds(), serial, error);
    if (!error.empty()) note("delivery failed: " + error);
    return bytes;
}

std::string describeWait(int64_t ms)
{
    // The two largest units that are not zero, so that a lesson's "ten minutes" reads as 10 minutes, not
    // 600 seconds, and "a day and a half" as 1 day 12 hours.
    static constexpr std::pair<int64_t, const char*> units[] = {
        {86400000, "day"}, {3600000, "hour"}, {60000, "minute"}, {1000, "second"}};
    std::string span;
    int parts = 0;
    int64_t last = 0;
    for (const auto& [size, name] : units) {
        if (parts == 2 || ms < size) continue;
        last = ms / size;
        span += (span.empty() ? "" : " ") + std::to_string(last) + " " + name + (last == 1 ? "" : "s");
        ms %= size;
        ++parts;
    }
    if (span.empty()) return "a moment passes";
    return span + (parts == 1 && last == 1 ? " passes" : " pass");
}

} // namespace maillab::scenario
