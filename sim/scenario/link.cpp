#include "scenario/link.hpp"

#include "tls/tls_endpoint.hpp"
#include "wire/tls_record.hpp"

#include <string_view>
#include <vector>

namespace maillab::scenario {

using namespace maillab::wire;

// A connection's TLS: both ends in-process, records passed through the link for real. Each flight of the
// handshake is a step of its own; application data is encrypted by one end and decrypted by the other, and
// the transcript records both the plaintext (Data, encrypted set) and the records (TlsRecord).
struct Link::TlsChannel {
    std::unique_ptr<tls::Endpoint> client;
    std::unique_ptr<tls::Endpoint> server;
    bool started = false;         // the client began the handshake
    bool established = false;     // both ends finished it: application data from here on
    bool greetingPending = false; // implicit TLS: the server greets once the handshake is done
    int flights = 0;
    std::string fromClient, fromServer; // ciphertext waiting for its step
};

namespace {

const tls::Identity& simulatorIdentity()
{
    // One certificate per process: made once (key generation is the slow part), used by every simulation.
    static const tls::Identity identity = tls::generateSelfSigned(Link::kServerName);
    return identity;
}

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
    for (const RecordInfo& record : parseRecords(bytes)) {
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

} // namespace

Link::Link(ClientEnd end, Acceptor accept, Transcript& transcript, VirtualClock& clock, const int& step)
    : m_end(std::move(end)), m_accept(std::move(accept)), m_transcript(transcript), m_clock(clock),
      m_step(step)
{
}

Link::~Link() = default;

Link::Progress Link::serve(ClientEngine& client)
{
    if (m_tls && m_session) {
        TlsChannel& tls = *m_tls;
        if (tls.started && !tls.established) return tlsFlight(client);
        if (tls.established && tls.greetingPending) {
            // Implicit TLS: the server's first words travel inside TLS (RFC 8314 section 3.3).
            tls.greetingPending = false;
            std::string greeting = transmit(Direction::ServerToClient, m_session->greeting());
            m_clock.advance(kOneWayLatencyMs);
            client.onBytes(greeting);
            return Progress::Visible;
        }
    }
    const ClientEngine::Request& request = client.request();
    switch (request.kind) {
    case ClientEngine::Request::Kind::Connect: return connect(client);
    case ClientEngine::Request::Kind::Send: return send(client, request.bytes);
    case ClientEngine::Request::Kind::StartTls: return startTls(client);
    case ClientEngine::Request::Kind::Close: return close(client);
    case ClientEngine::Request::Kind::Wait:
    case ClientEngine::Request::Kind::Idle: return Progress::Stuck;
    }
    return Progress::Stuck;
}

Link::Progress Link::connect(ClientEngine& client)
{
    Accepted accepted = m_accept();
    m_sessionId = accepted.sessionId;
    m_session = std::move(accepted.session);
    m_tls.reset();
    const bool implicitTls = m_end.security == Security::Implicit;
    m_transcript.record(entry(TranscriptEntry::Kind::Connected, Direction::ClientToServer,
                              m_end.device + " connects to the server's " + protocolName(m_end.protocol) +
                                  (implicitTls ? "S" : "") + " port " + std::to_string(m_end.port) +
                                  (implicitTls ? " (implicit TLS: the handshake comes first)" : "")));
    client.onConnected();
    m_clock.advance(2 * kOneWayLatencyMs); // the TCP handshake
    if (implicitTls) {
        newTlsChannel();
        m_tls->greetingPending = true;
        beginHandshake();
        return tlsFlight(client); // the ClientHello goes out with the connection
    }
    std::string greeting = m_session->greeting();
    recordServerBytes(greeting, false);
    m_clock.advance(kOneWayLatencyMs);
    client.onBytes(greeting);
    return Progress::Visible;
}

Link::Progress Link::send(ClientEngine& client, const std::string& bytes)
{
    if (!m_session) {
        client.onClosed();
        return Progress::Silent;
    }
    if (m_tls && !m_tls->started) return plainTextToTls(client, bytes);
    const std::string received = transmit(Direction::ClientToServer, bytes);
    client.onSent();
    m_clock.advance(kOneWayLatencyMs);
    std::string reply = m_session->receive(received);
    if (!reply.empty()) reply = transmit(Direction::ServerToClient, reply);
    if (m_session->takeTlsRequest()) {
        // The reply that accepted STLS/STARTTLS went out in plain text; the next bytes must be TLS.
        newTlsChannel();
    }
    m_clock.advance(kOneWayLatencyMs);
    const bool closedByServer = m_session->closed();
    if (closedByServer) {
        tlsClose(Direction::ServerToClient);
        recordClosed(Direction::ServerToClient, "the server closes the connection");
        closeSession();
    }
    client.onBytes(reply);
    if (closedByServer) client.onClosed();
    return Progress::Visible;
}

Link::Progress Link::plainTextToTls(ClientEngine& client, const std::string& bytes)
{
    // The server accepted STLS/STARTTLS and waits for a ClientHello; plain text is not one.
    recordClientBytes(bytes, false);
    client.onSent();
    m_clock.advance(kOneWayLatencyMs);
    m_tls->server->feedCiphertext(bytes);
    if (std::string alert = m_tls->server->takeCiphertext(); !alert.empty())
        recordRecords(Direction::ServerToClient, std::move(alert));
    recordDeviceNote("the server expected a TLS handshake and got plain text: it gives up on the connection");
    closeSession();
    recordClosed(Direction::ServerToClient, "the server closes the connection");
    client.onClosed();
    return Progress::Visible;
}

Link::Progress Link::startTls(ClientEngine& client)
{
    if (!m_session) {
        client.onClosed();
        return Progress::Silent;
    }
    if (!m_tls) {
        recordDeviceNote(m_end.device + " wants TLS, but the server did not agree to start it");
        client.onTlsStarted(false);
        return Progress::Visible;
    }
    beginHandshake();
    return tlsFlight(client);
}

Link::Progress Link::close(ClientEngine& client)
{
    if (!m_session) {
        client.onClosed();
        return Progress::Silent;
    }
    tlsClose(Direction::ClientToServer);
    m_session->disconnected();
    closeSession();
    recordClosed(Direction::ClientToServer, m_end.device + " closes the connection");
    client.onClosed();
    return Progress::Visible;
}

void Link::drop(ClientEngine& client, const std::string& why)
{
    if (!m_session) return;
    m_session->disconnected();
    closeSession();
    recordClosed(Direction::ClientToServer, why + " (no QUIT/LOGOUT)", true);
    client.onClosed();
}

void Link::deliverUnsolicited(ClientEngine& client)
{
    if (!m_session) return;
    std::string bytes = m_session->takeUnsolicited();
    if (bytes.empty()) return;
    client.onBytes(transmit(Direction::ServerToClient, bytes));
}

void Link::closeSession()
{
    m_session.reset();
    m_tls.reset();
}

// [SECTION] TLS

void Link::newTlsChannel()
{
    m_tls = std::make_unique<TlsChannel>();
    m_tls->server = tls::Endpoint::server(simulatorIdentity());
    m_tls->client = tls::Endpoint::client(Link::kServerName);
}

void Link::beginHandshake()
{
    m_tls->started = true;
    m_tls->client->startHandshake();
    m_tls->fromClient = m_tls->client->takeCiphertext();
}

Link::Progress Link::tlsFlight(ClientEngine& client)
{
    TlsChannel& tls = *m_tls;
    const bool fromClient = !tls.fromClient.empty();
    std::string bytes = std::move(fromClient ? tls.fromClient : tls.fromServer);
    tls.fromClient.clear();
    tls.fromServer.clear();
    if (bytes.empty()) {
        tlsFailed(client, "the handshake stalled: neither side has anything to send");
        return Progress::Visible;
    }
    const Direction direction = fromClient ? Direction::ClientToServer : Direction::ServerToClient;
    const bool bothEstablished = tls.client->state() == tls::Endpoint::State::Established &&
                                 tls.server->state() == tls::Endpoint::State::Established;
    ++tls.flights;
    const std::string who = fromClient ? m_end.device + " to the server" : "the server to " + m_end.device;
    recordSessionNote(direction, "TLS handshake, flight " + std::to_string(tls.flights) + ", " + who + ": " +
                                     describeFlight(bytes, fromClient, bothEstablished));
    recordRecords(direction, bytes);
    m_clock.advance(kOneWayLatencyMs);
    tls::Endpoint& receiver = fromClient ? *tls.server : *tls.client;
    receiver.feedCiphertext(bytes);
    (fromClient ? tls.fromServer : tls.fromClient) = receiver.takeCiphertext();
    if (tls.client->state() == tls::Endpoint::State::Failed ||
        tls.server->state() == tls::Endpoint::State::Failed) {
        const tls::Endpoint& failed =
            tls.server->state() == tls::Endpoint::State::Failed ? *tls.server : *tls.client;
        tlsFailed(client, failed.error());
        return Progress::Visible;
    }
    if (tls.client->state() == tls::Endpoint::State::Established &&
        tls.server->state() == tls::Endpoint::State::Established && tls.fromClient.empty() &&
        tls.fromServer.empty()) {
        tls.established = true;
        for (const std::string& line : tls.client->keyLogLines())
            m_transcript.keyLog.push_back(line);
        recordSessionNote(direction, "TLS established (" + tls.client->version() + ", " +
                                         tls.client->cipher() +
                                         "): from here on the wire carries only encrypted records");
        m_session->tlsStarted();
        if (!tls.greetingPending) client.onTlsStarted(true);
    }
    return Progress::Visible;
}

void Link::tlsFailed(ClientEngine& client, const std::string& why)
{
    TlsChannel& tls = *m_tls;
    // An alert one side produced on its way out still crosses the wire.
    if (!tls.fromServer.empty()) recordRecords(Direction::ServerToClient, std::move(tls.fromServer));
    if (!tls.fromClient.empty()) recordRecords(Direction::ClientToServer, std::move(tls.fromClient));
    recordSessionNote(Direction::ServerToClient, "TLS handshake failed: " + why);
    m_session->disconnected();
    closeSession();
    recordClosed(Direction::ServerToClient, "the connection closes after the failed handshake");
    client.onClosed();
}

void Link::tlsClose(Direction direction)
{
    if (!m_tls || !m_tls->established) return;
    // RFC 8446 section 6.1: a close_notify alert before the TCP FIN, so the peer knows nothing was cut off.
    tls::Endpoint& sender = direction == Direction::ClientToServer ? *m_tls->client : *m_tls->server;
    sender.shutdown();
    if (std::string alert = sender.takeCiphertext(); !alert.empty())
        recordRecords(direction, std::move(alert));
}

std::string Link::transmit(Direction direction, const std::string& bytes)
{
    const bool fromClient = direction == Direction::ClientToServer;
    if (!m_tls || !m_tls->established) {
        fromClient ? recordClientBytes(bytes, false) : recordServerBytes(bytes, false);
        return bytes;
    }
    tls::Endpoint& sender = fromClient ? *m_tls->client : *m_tls->server;
    tls::Endpoint& receiver = fromClient ? *m_tls->server : *m_tls->client;
    sender.writePlain(bytes);
    std::string records = sender.takeCiphertext();
    fromClient ? recordClientBytes(bytes, true) : recordServerBytes(bytes, true);
    receiver.feedCiphertext(records);
    recordRecords(direction, std::move(records));
    return receiver.takePlain();
}

// [SECTION] recording

TranscriptEntry Link::entry(TranscriptEntry::Kind kind, Direction direction, std::string bytes) const
{
    return {kind,   m_sessionId, m_end.device, m_end.protocol, direction, m_clock.nowMs(), std::move(bytes),
            m_step, m_end.port};
}

void Link::recordServerBytes(std::string bytes, bool encrypted)
{
    TranscriptEntry reply = entry(TranscriptEntry::Kind::Data, Direction::ServerToClient, std::move(bytes));
    reply.encrypted = encrypted;
    // What the reply meant travels with it: every view reads that instead of the text.
    if (m_session) reply.exchanges = m_session->takeExchanges();
    m_transcript.record(std::move(reply));
}

void Link::recordClientBytes(std::string bytes, bool encrypted)
{
    TranscriptEntry command = entry(TranscriptEntry::Kind::Data, Direction::ClientToServer, std::move(bytes));
    command.encrypted = encrypted;
    m_transcript.record(std::move(command));
}

void Link::recordRecords(Direction direction, std::string records)
{
    m_transcript.record(entry(TranscriptEntry::Kind::TlsRecord, direction, std::move(records)));
}

void Link::recordClosed(Direction direction, std::string why, bool abrupt)
{
    TranscriptEntry closed = entry(TranscriptEntry::Kind::Closed, direction, std::move(why));
    closed.serverPort = 0;
    closed.abrupt = abrupt;
    m_transcript.record(std::move(closed));
}

void Link::recordSessionNote(Direction direction, std::string text)
{
    m_transcript.record(entry(TranscriptEntry::Kind::Note, direction, std::move(text)));
}

void Link::recordDeviceNote(std::string text)
{
    m_transcript.record({TranscriptEntry::Kind::Note, 0, m_end.device, Protocol::Pop3,
                         Direction::ServerToClient, m_clock.nowMs(), std::move(text), m_step, 0});
}

} // namespace maillab::scenario
