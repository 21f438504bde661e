#include "net/remote_link.hpp"

#include "util/text.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace maillab::net {

RemoteLink::RemoteLink(wire::ClientEngine& client, wire::Transcript& transcript, const wire::Clock& clock,
                       std::string host, uint16_t port, wire::Protocol protocol, std::string device)
    : m_client(client), m_transcript(transcript), m_clock(clock), m_host(std::move(host)), m_port(port),
      m_protocol(protocol), m_device(std::move(device))
{
}

RemoteLink::~RemoteLink()
{
    disconnect();
}

void RemoteLink::record(wire::TranscriptEntry::Kind kind, wire::Direction direction, std::string bytes,
                        bool encrypted)
{
    wire::TranscriptEntry entry{
        kind, m_sessionId, m_device, m_protocol, direction, m_clock.nowMs(), std::move(bytes), 0, m_port};
    entry.encrypted = encrypted;
    m_transcript.record(std::move(entry));
}

void RemoteLink::setTls(wire::Security security, std::string caFile)
{
    m_security = security;
    m_caFile = std::move(caFile);
}

bool RemoteLink::sendRaw(std::string_view bytes, std::string& error)
{
    while (!bytes.empty()) {
        ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            error = std::string("send: ") + std::strerror(errno);
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// The client's side of a TLS handshake on the open connection, to the end or to a clear failure.
bool RemoteLink::handshake(int timeoutMs, std::string& error)
{
    const std::string where = m_host + ":" + std::to_string(m_port);
    m_tls = tls::Endpoint::verifyingClient(m_host, m_caFile);
    m_tls->startHandshake();
    std::string received; // the server's first bytes, to name a plain-text answer
    for (;;) {
        std::string out = m_tls->takeCiphertext();
        if (!out.empty()) {
            record(wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ClientToServer, out);
            if (!sendRaw(out, error)) return false;
        }
        if (m_tls->state() == tls::Endpoint::State::Established) {
            record(wire::TranscriptEntry::Kind::Note, wire::Direction::ServerToClient,
                   "TLS handshake done: " + m_tls->version() + " " + m_tls->cipher() +
                       ", the server's certificate verified for " + m_host);
            return true;
        }
        if (m_tls->state() != tls::Endpoint::State::Handshaking) {
            error = "TLS handshake with " + where + " failed: " + m_tls->error();
            // "+OK" or "* OK" where a ServerHello belongs: a plain-text port (RFC 8314 section 3).
            if (!received.empty() && (received[0] == '+' || received[0] == '*' || received[0] == '-'))
                error += " (the server answered in plain text: \"" +
                         util::escapeForDisplay(received.substr(0, received.find('\r'))) +
                         "\"; this port does not start with TLS: use --starttls, or the TLS port)";
            return false;
        }
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) == 0) {
            error = "TLS handshake with " + where + ": the server said nothing for " +
                    std::to_string(timeoutMs / 1000) + " s";
            return false;
        }
        char buffer[65536];
        ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            error = "TLS handshake with " + where + ": the server closed the connection" +
                    (received.empty() ? std::string()
                                      : " after \"" + util::escapeForDisplay(received.substr(0, 60)) + "\"");
            return false;
        }
        std::string bytes(buffer, static_cast<size_t>(n));
        if (received.size() < 200) received += bytes;
        record(wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ServerToClient, bytes);
        m_tls->feedCiphertext(bytes);
    }
}

bool RemoteLink::open(std::string& error)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(m_host.c_str(), std::to_string(m_port).c_str(), &hints, &found);
    if (rc != 0) {
        error = "cannot resolve " + m_host + ": " + ::gai_strerror(rc);
        return false;
    }
    for (addrinfo* a = found; a; a = a->ai_next) {
        m_fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (m_fd < 0) continue;
        if (::connect(m_fd, a->ai_addr, a->ai_addrlen) == 0) break;
        ::close(m_fd);
        m_fd = -1;
    }
    ::freeaddrinfo(found);
    if (m_fd < 0) {
        error = "cannot connect to " + m_host + ":" + std::to_string(m_port) + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

void RemoteLink::disconnect()
{
    if (m_fd < 0) return;
    if (m_tls && m_tls->state() == tls::Endpoint::State::Established) {
        m_tls->shutdown(); // close_notify (RFC 8314 section 3.4)
        std::string error;
        sendRaw(m_tls->takeCiphertext(), error);
    }
    m_tls.reset();
    ::close(m_fd);
    m_fd = -1;
    record(wire::TranscriptEntry::Kind::Closed, wire::Direction::ClientToServer,
           m_device + " closes the connection");
}

bool RemoteLink::runAction(int timeoutMs, std::string& error)
{
    using Kind = wire::ClientEngine::Request::Kind;
    while (m_client.busy()) {
        const wire::ClientEngine::Request& request = m_client.request();
        switch (request.kind) {
        case Kind::StartTls:
            if (m_security != wire::Security::StartTls || !handshake(timeoutMs, error)) {
                if (error.empty())
                    error = "the program asked for STARTTLS, but TLS was not set up (--starttls)";
                m_client.onTlsStarted(false);
                return false;
            }
            m_client.onTlsStarted(true);
            break;
        case Kind::Connect:
            if (!open(error)) return false;
            record(wire::TranscriptEntry::Kind::Connected, wire::Direction::ClientToServer,
                   m_device + " connects to " + m_host + " port " + std::to_string(m_port) +
                       (m_security == wire::Security::Implicit ? " (implicit TLS: the handshake comes first)"
                                                               : ""));
            if (m_security == wire::Security::Implicit && !handshake(timeoutMs, error)) return false;
            m_client.onConnected();
            break;
        case Kind::Send: {
            const bool encrypted = m_tls && m_tls->state() == tls::Endpoint::State::Established;
            record(wire::TranscriptEntry::Kind::Data, wire::Direction::ClientToServer, request.bytes,
                   encrypted);
            if (encrypted) {
                m_tls->writePlain(request.bytes);
                std::string ciphertext = m_tls->takeCiphertext();
                record(wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ClientToServer, ciphertext);
                if (!sendRaw(ciphertext, error)) return false;
            } else if (!sendRaw(request.bytes, error)) {
                return false;
            }
            m_client.onSent();
            break;
        }
        case Kind::Wait: {
            pollfd p{m_fd, POLLIN, 0};
            int ready = ::poll(&p, 1, timeoutMs);
            if (ready == 0) {
                error = "the server said nothing for " + std::to_string(timeoutMs / 1000) + " s";
                // A TLS port waits for the client's hello and says nothing first (RFC 8314 section 3).
                if (!m_heardAnything && m_security != wire::Security::Implicit)
                    error += ": if port " + std::to_string(m_port) +
                             " is a TLS port (995 and 993 are), connect with --tls";
                return false;
            }
            char buffer[65536];
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                ::close(m_fd);
                m_fd = -1;
                m_tls.reset();
                record(wire::TranscriptEntry::Kind::Closed, wire::Direction::ServerToClient,
                       "the server closes the connection");
                m_client.onClosed();
                break;
            }
            m_heardAnything = true;
            std::string bytes(buffer, static_cast<size_t>(n));
            if (m_tls) {
                record(wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ServerToClient, bytes);
                m_tls->feedCiphertext(bytes);
                bytes = m_tls->takePlain();
                if (bytes.empty()) break; // a record cut in two, or a ticket: wait for more
                record(wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, bytes, true);
            } else {
                record(wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, bytes);
            }
            m_client.onBytes(bytes);
            break;
        }
        case Kind::Close:
            if (m_fd >= 0) disconnect();
            m_client.onClosed();
            break;
        case Kind::Idle: return true;
        }
    }
    return true;
}

} // namespace maillab::net
