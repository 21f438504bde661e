#include "scenario/simulation.hpp"

#include "imap/imap_client.hpp"
#include "mail/date.hpp"
#include "pop3/pop3_client.hpp"
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

std::unique_ptr<wire::ServerSession> Simulation::makeSession(const Device& device)
{
    // The lesson's server options. A session on an implicit-TLS port learns of TLS when the handshake is
    // done.
    ServerSessionOptions options;
    options.tlsAvailable = m_scenario.server.tlsAvailable;
    options.loginRequiresTls = m_scenario.server.loginRequiresTls;
    return makeServerSession(device.spec.protocol, *m_store, m_clock, device.sessionId, options);
}

namespace {

// The name the simulated server's certificate carries and the devices send as SNI.
constexpr const char* kSimulatedServerName = "mail.maillab.example";

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

imap::ClientAction imapAction(const Action& action)
{
    using Kind = imap::ClientAction::Kind;
    imap::ClientAction out;
    switch (action.kind) {
    case ActionKind::CheckMail: out.kind = Kind::CheckMail; break;
    case ActionKind::Raw: out.kind = Kind::Raw; break;
    case ActionKind::Quit: out.kind = Kind::Logout; break;
    case ActionKind::OpenFolder: out.kind = Kind::SelectFolder; break;
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
        auto device = std::make_unique<Device>();
        device->spec = spec;
        device->client = makeClient(spec, device->local, m_clock);
        if (!device->client)
            m_setupErrors.push_back("device " + spec.name + ": this protocol has no client yet");
        m_devices.push_back(std::move(device));
    }
}

Simulation::~Simulation() = default;

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
                Progress progress = serveRequest(device);
                if (progress == Progress::Visible) {
                    deliverUnsolicited();
                    m_stepActions.push_back(m_actionIndex - 1);
                    if (!device.client->busy()) { // the action ended with this exchange
                        m_activeDevice = nullptr;
                        m_activeAction = nullptr;
                        finishAction(m_actionIndex - 1);
                    }
                    return true;
                }
                if (progress == Progress::Silent) continue;
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
    if (device.session) dropConnection(device, "the connection drops with the device");
    device.local.wipe();
    device.client->forget();
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
    auto* pop3Client = device ? dynamic_cast<pop3::Pop3Client*>(device->client.get()) : nullptr;
    auto* imapClient = device ? dynamic_cast<imap::ImapClient*>(device->client.get()) : nullptr;
    if (isImapOnly(action.kind) || action.kind == ActionKind::CheckMail || action.kind == ActionKind::Raw ||
        action.kind == ActionKind::Quit) {
        if (!device || !device->client) {
            note("device " + action.device + " cannot act: it has no mail program for its protocol");
            return;
        }
        if (pop3Client) {
            if (action.kind == ActionKind::CheckMail)
                pop3Client->checkMail();
            else if (action.kind == ActionKind::Raw)
                pop3Client->sendRaw(action.line);
            else
                pop3Client->quit();
        } else if (imapClient) {
            imapClient->start(imapAction(action));
        }
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
        if (device->session)
            dropConnection(*device, "the connection drops");
        else
            note(action.device + " has no open connection to drop", action.device);
        return;
    case ActionKind::LoseDevice: wipeDevice(*device); return;
    case ActionKind::Deliver: {
        std::string bytes = composeMessage(action);
        if (bytes.empty()) return;
        mail::Summary summary = mail::summarize(bytes);
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
        int64_t hours = action.waitMs / 3600000;
        std::string span = hours >= 24 ? std::to_string(hours / 24) + " day(s)"
                           : hours > 0 ? std::to_string(hours) + " hour(s)"
                                       : std::to_string(action.waitMs / 1000) + " second(s)";
        note(span + " pass");
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

Simulation::Progress Simulation::serveRequest(Device& device)
{
    wire::ClientEngine& client = *device.client;
    if (device.tls && device.session) {
        TlsChannel& tls = *device.tls;
        if (tls.started && !tls.established) return tlsFlight(device);
        if (tls.established && tls.greetingPending) {
            // Implicit TLS: the server's first words travel inside TLS (RFC 8314 section 3.3).
            tls.greetingPending = false;
            std::string greeting =
                transmit(device, wire::Direction::ServerToClient, device.session->greeting());
            m_clock.advance(kOneWayLatencyMs);
            client.onBytes(greeting);
            return Progress::Visible;
        }
    }
    const wire::ClientEngine::Request& request = client.request();
    switch (request.kind) {
    case wire::ClientEngine::Request::Kind::Connect: {
        device.sessionId = m_nextSessionId++;
        device.session = makeSession(device);
        device.tls.reset();
        device.port = serverPortFor(device.spec.protocol, device.spec.security);
        const bool implicitTls = device.spec.security == wire::Security::Implicit;
        m_transcript.record({wire::TranscriptEntry::Kind::Connected, device.sessionId, device.spec.name,
                             device.spec.protocol, wire::Direction::ClientToServer, m_clock.nowMs(),
                             device.spec.name + " connects to the server's " +
                                 wire::protocolName(device.spec.protocol) + (implicitTls ? "S" : "") +
                                 " port " + std::to_string(device.port) +
                                 (implicitTls ? " (implicit TLS: the handshake comes first)" : ""),
                             m_step, device.port});
        client.onConnected();
        m_clock.advance(2 * kOneWayLatencyMs); // the TCP handshake
        if (implicitTls) {
            device.tls = makeTlsChannel();
            device.tls->greetingPending = true;
            device.tls->started = true;
            device.tls->client->startHandshake();
            device.tls->fromClient = device.tls->client->takeCiphertext();
            return tlsFlight(device); // the ClientHello goes out with the connection
        }
        std::string greeting = device.session->greeting();
        recordData(device, wire::Direction::ServerToClient, greeting);
        m_clock.advance(kOneWayLatencyMs);
        client.onBytes(greeting);
        return Progress::Visible;
    }
    case wire::ClientEngine::Request::Kind::Send: {
        std::string bytes = request.bytes;
        if (m_activeAction && !m_activeAction->dropBefore.empty() &&
            util::istartsWith(bytes, m_activeAction->dropBefore) && device.session) {
            dropConnection(device, "the connection drops before " + m_activeAction->dropBefore + " is sent");
            return Progress::Visible;
        }
        if (!device.session) {
            client.onClosed();
            return Progress::Silent;
        }
        if (device.tls && !device.tls->started) {
            // The server accepted STLS/STARTTLS and waits for a ClientHello; plain text is not one.
            recordData(device, wire::Direction::ClientToServer, bytes);
            client.onSent();
            m_clock.advance(kOneWayLatencyMs);
            device.tls->server->feedCiphertext(bytes);
            if (std::string alert = device.tls->server->takeCiphertext(); !alert.empty())
                recordRecords(device, wire::Direction::ServerToClient, std::move(alert));
            note("the server expected a TLS handshake and got plain text: it gives up on the connection",
                 device.spec.name);
            closeSession(device);
            m_transcript.record({wire::TranscriptEntry::Kind::Closed, device.sessionId, device.spec.name,
                                 device.spec.protocol, wire::Direction::ServerToClient, m_clock.nowMs(),
                                 "the server closes the connection", m_step, 0});
            client.onClosed();
            return Progress::Visible;
        }
        const std::string received = transmit(device, wire::Direction::ClientToServer, bytes);
        client.onSent();
        m_clock.advance(kOneWayLatencyMs);
        std::string reply = device.session->receive(received);
        if (!reply.empty()) reply = transmit(device, wire::Direction::ServerToClient, reply);
        if (device.session->takeTlsRequest()) {
            // The reply that accepted STLS/STARTTLS went out in plain text; the next bytes must be TLS.
            device.tls = makeTlsChannel();
        }
        m_clock.advance(kOneWayLatencyMs);
        const bool closedByServer = device.session->closed();
        if (closedByServer) {
            tlsClose(device, wire::Direction::ServerToClient);
            m_transcript.record({wire::TranscriptEntry::Kind::Closed, device.sessionId, device.spec.name,
                                 device.spec.protocol, wire::Direction::ServerToClient, m_clock.nowMs(),
                                 "the server closes the connection", m_step, 0});
            closeSession(device);
        }
        client.onBytes(reply);
        if (closedByServer) client.onClosed();
        return Progress::Visible;
    }
    case wire::ClientEngine::Request::Kind::StartTls:
        if (!device.session) {
            client.onClosed();
            return Progress::Silent;
        }
        if (!device.tls) {
            note(device.spec.name + " wants TLS, but the server did not agree to start it", device.spec.name);
            client.onTlsStarted(false);
            return Progress::Visible;
        }
        device.tls->started = true;
        device.tls->client->startHandshake();
        device.tls->fromClient = device.tls->client->takeCiphertext();
        return tlsFlight(device);
    case wire::ClientEngine::Request::Kind::Close:
        if (device.session) {
            tlsClose(device, wire::Direction::ClientToServer);
            device.session->disconnected();
            closeSession(device);
            m_transcript.record({wire::TranscriptEntry::Kind::Closed, device.sessionId, device.spec.name,
                                 device.spec.protocol, wire::Direction::ClientToServer, m_clock.nowMs(),
                                 device.spec.name + " closes the connection", m_step, 0});
            client.onClosed();
            return Progress::Visible;
        }
        client.onClosed();
        return Progress::Silent;
    case wire::ClientEngine::Request::Kind::Wait:
    case wire::ClientEngine::Request::Kind::Idle: return Progress::Stuck;
    }
    return Progress::Stuck;
}

// [SECTION] TLS

namespace {

const char* handshakeTypeName(uint8_t type)
{
    switch (type) { // RFC 8446 section 4, RFC 5246 section 7.4
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    }
    return "handshake message";
}

// What one flight of the handshake carries, as far as the records show it, with what TLS 1.3 puts inside the
// encrypted ones (RFC 8446 section 2): "ServerHello, ChangeCipherSpec, encrypted: EncryptedExtensions, ...".
std::string describeFlight(std::string_view bytes, bool fromClient, bool bothEstablished)
{
    std::vector<std::string> parts;
    bool changedCipher = false, encryptedNamed = false;
    for (const wire::RecordInfo& record : wire::parseRecords(bytes)) {
        const uint8_t type = record.contentType;
        const std::string_view payload = bytes.substr(record.offset, record.length);
        if (type == 20) {
            parts.push_back("ChangeCipherSpec");
            changedCipher = true;
        } else if (type == 21) {
            parts.push_back(changedCipher ? "encrypted Alert" : "Alert");
        } else if (type == 22 && !changedCipher) {
            for (size_t m = 0; m + 4 <= payload.size();) {
                parts.push_back(handshakeTypeName(static_cast<uint8_t>(payload[m])));
                m += 4 + (static_cast<uint8_t>(payload[m + 1]) << 16 |
                          static_cast<uint8_t>(payload[m + 2]) << 8 | static_cast<uint8_t>(payload[m + 3]));
            }
        } else if (!encryptedNamed) {
            encryptedNamed = true;
            if (bothEstablished && !fromClient)
                parts.push_back("encrypted: NewSessionTicket");
            else if (fromClient || type == 22)
                parts.push_back("encrypted: Finished");
            else
                parts.push_back("encrypted: EncryptedExtensions, Certificate, CertificateVerify, Finished");
        }
    }
    std::string out;
    for (const std::string& part : parts)
        out += (out.empty() ? "" : ", ") + part;
    return out;
}

const tls::Identity& simulatorIdentity()
{
    // One certificate per process: made once (key generation is the slow part), used by every simulation.
    static const tls::Identity identity = tls::generateSelfSigned(kSimulatedServerName);
    return identity;
}

} // namespace

std::unique_ptr<TlsChannel> Simulation::makeTlsChannel()
{
    auto channel = std::make_unique<TlsChannel>();
    channel->server = tls::Endpoint::server(simulatorIdentity());
    channel->client = tls::Endpoint::client(kSimulatedServerName);
    return channel;
}

Simulation::Progress Simulation::tlsFlight(Device& device)
{
    TlsChannel& tls = *device.tls;
    const bool fromClient = !tls.fromClient.empty();
    std::string bytes = std::move(fromClient ? tls.fromClient : tls.fromServer);
    tls.fromClient.clear();
    tls.fromServer.clear();
    if (bytes.empty()) {
        tlsFailed(device, "the handshake stalled: neither side has anything to send");
        return Progress::Visible;
    }
    const wire::Direction direction =
        fromClient ? wire::Direction::ClientToServer : wire::Direction::ServerToClient;
    const bool bothEstablished = tls.client->state() == tls::Endpoint::State::Established &&
                                 tls.server->state() == tls::Endpoint::State::Established;
    ++tls.flights;
    const std::string who =
        fromClient ? device.spec.name + " to the server" : "the server to " + device.spec.name;
    m_transcript.record({wire::TranscriptEntry::Kind::Note, device.sessionId, device.spec.name,
                         device.spec.protocol, direction, m_clock.nowMs(),
                         "TLS handshake, flight " + std::to_string(tls.flights) + ", " + who + ": " +
                             describeFlight(bytes, fromClient, bothEstablished),
                         m_step, device.port});
    recordRecords(device, direction, bytes);
    m_clock.advance(kOneWayLatencyMs);
    tls::Endpoint& receiver = fromClient ? *tls.server : *tls.client;
    receiver.feedCiphertext(bytes);
    (fromClient ? tls.fromServer : tls.fromClient) = receiver.takeCiphertext();
    if (tls.client->state() == tls::Endpoint::State::Failed ||
        tls.server->state() == tls::Endpoint::State::Failed) {
        const tls::Endpoint& failed =
            tls.server->state() == tls::Endpoint::State::Failed ? *tls.server : *tls.client;
        tlsFailed(device, failed.error());
        return Progress::Visible;
    }
    if (tls.client->state() == tls::Endpoint::State::Established &&
        tls.server->state() == tls::Endpoint::State::Established && tls.fromClient.empty() &&
        tls.fromServer.empty()) {
        tls.established = true;
        for (const std::string& line : tls.client->keyLogLines())
            m_transcript.keyLog.push_back(line);
        m_transcript.record({wire::TranscriptEntry::Kind::Note, device.sessionId, device.spec.name,
                             device.spec.protocol, direction, m_clock.nowMs(),
                             "TLS established (" + tls.client->version() + ", " + tls.client->cipher() +
                                 "): from here on the wire carries only encrypted records",
                             m_step, device.port});
        device.session->tlsStarted();
        if (!tls.greetingPending) device.client->onTlsStarted(true);
    }
    return Progress::Visible;
}

void Simulation::tlsFailed(Device& device, const std::string& why)
{
    TlsChannel& tls = *device.tls;
    // An alert one side produced on its way out still crosses the wire.
    if (!tls.fromServer.empty())
        recordRecords(device, wire::Direction::ServerToClient, std::move(tls.fromServer));
    if (!tls.fromClient.empty())
        recordRecords(device, wire::Direction::ClientToServer, std::move(tls.fromClient));
    m_transcript.record({wire::TranscriptEntry::Kind::Note, device.sessionId, device.spec.name,
                         device.spec.protocol, wire::Direction::ServerToClient, m_clock.nowMs(),
                         "TLS handshake failed: " + why, m_step, device.port});
    device.session->disconnected();
    closeSession(device);
    m_transcript.record({wire::TranscriptEntry::Kind::Closed, device.sessionId, device.spec.name,
                         device.spec.protocol, wire::Direction::ServerToClient, m_clock.nowMs(),
                         "the connection closes after the failed handshake", m_step, 0});
    device.client->onClosed();
}

void Simulation::tlsClose(Device& device, wire::Direction direction)
{
    if (!device.tls || !device.tls->established) return;
    // RFC 8446 section 6.1: a close_notify alert before the TCP FIN, so the peer knows nothing was cut off.
    tls::Endpoint& sender =
        direction == wire::Direction::ClientToServer ? *device.tls->client : *device.tls->server;
    sender.shutdown();
    if (std::string alert = sender.takeCiphertext(); !alert.empty())
        recordRecords(device, direction, std::move(alert));
}

void Simulation::closeSession(Device& device)
{
    device.session.reset();
    device.tls.reset();
}

std::string Simulation::transmit(Device& device, wire::Direction direction, const std::string& bytes)
{
    if (!device.tls || !device.tls->established) {
        recordData(device, direction, bytes);
        return bytes;
    }
    TlsChannel& tls = *device.tls;
    const bool fromClient = direction == wire::Direction::ClientToServer;
    tls::Endpoint& sender = fromClient ? *tls.client : *tls.server;
    tls::Endpoint& receiver = fromClient ? *tls.server : *tls.client;
    sender.writePlain(bytes);
    std::string records = sender.takeCiphertext();
    recordData(device, direction, bytes, true);
    receiver.feedCiphertext(records);
    recordRecords(device, direction, std::move(records));
    return receiver.takePlain();
}

void Simulation::recordRecords(Device& device, wire::Direction direction, std::string records)
{
    m_transcript.record({wire::TranscriptEntry::Kind::TlsRecord, device.sessionId, device.spec.name,
                         device.spec.protocol, direction, m_clock.nowMs(), std::move(records), m_step,
                         device.port});
}

void Simulation::dropConnection(Device& device, const std::string& why)
{
    if (!device.session) return;
    device.session->disconnected();
    closeSession(device);
    m_transcript.record({wire::TranscriptEntry::Kind::Closed, device.sessionId, device.spec.name,
                         device.spec.protocol, wire::Direction::ClientToServer, m_clock.nowMs(),
                         why + " (no QUIT/LOGOUT)", m_step, 0});
    device.client->onClosed();
}

void Simulation::deliverUnsolicited()
{
    for (auto& device : m_devices) {
        if (!device->session) continue;
        std::string bytes = device->session->takeUnsolicited();
        if (bytes.empty()) continue;
        device->client->onBytes(transmit(*device, wire::Direction::ServerToClient, bytes));
    }
}

void Simulation::note(const std::string& text, const std::string& device)
{
    m_transcript.record({wire::TranscriptEntry::Kind::Note, 0, device, wire::Protocol::Pop3,
                         wire::Direction::ServerToClient, m_clock.nowMs(), text, m_step, 0});
}

void Simulation::recordData(Device& device, wire::Direction direction, std::string bytes, bool encrypted)
{
    m_transcript.record({wire::TranscriptEntry::Kind::Data, device.sessionId, device.spec.name,
                         device.spec.protocol, direction, m_clock.nowMs(), std::move(bytes), m_step,
                         device.port, encrypted});
}

std::string Simulation::composeMessage(const Action& action)
{
    if (!action.messageFile.empty()) {
        std::string error;
        std::string bytes = store::readMessageFile(m_mailDir / action.messageFile, error);
        if (!error.empty()) note("delivery failed: " + error);
        return bytes;
    }
    ++m_composed;
    mail::DateTime now{m_clock.nowSeconds(), 0};
    std::string text = "Date: " + mail::formatRfc5322Date(now) + "\r\n" + "From: " + action.from + "\r\n" +
                       "To: " + action.to + "@maillab.example\r\n" + "Subject: " + action.subject + "\r\n" +
                       "Message-ID: <sim." + std::to_string(m_composed) + "." +
                       std::to_string(now.epochSeconds) + "@maillab.example>\r\n" + "MIME-Version: 1.0\r\n" +
                       "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + util::toCrlf(action.body);
    if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) text += "\r\n";
    return text;
}

} // namespace maillab::scenario
