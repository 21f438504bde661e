#include "net/remote_link.hpp"

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

void RemoteLink::record(wire::TranscriptEntry::Kind kind, wire::Direction direction, std::string bytes)
{
    m_transcript.record(
        {kind, m_sessionId, m_device, m_protocol, direction, m_clock.nowMs(), std::move(bytes), 0, m_port});
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
            // The simulated devices speak TLS in-process; over a socket, `maillab connect` stays plain text.
            error = "maillab connect does not speak TLS: use a plain-text port, or curl/Python for TLS";
            return false;
        case Kind::Connect:
            if (!open(error)) return false;
            record(wire::TranscriptEntry::Kind::Connected, wire::Direction::ClientToServer,
                   m_device + " connects to " + m_host + " port " + std::to_string(m_port));
            m_client.onConnected();
            break;
        case Kind::Send: {
            std::string bytes = request.bytes;
            record(wire::TranscriptEntry::Kind::Data, wire::Direction::ClientToServer, bytes);
            size_t sent = 0;
            while (sent < bytes.size()) {
                ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) {
                    error = std::string("send: ") + std::strerror(errno);
                    return false;
                }
                sent += static_cast<size_t>(n);
            }
            m_client.onSent();
            break;
        }
        case Kind::Wait: {
            pollfd p{m_fd, POLLIN, 0};
            int ready = ::poll(&p, 1, timeoutMs);
            if (ready == 0) {
                error = "the server said nothing for " + std::to_string(timeoutMs / 1000) + " s";
                return false;
            }
            char buffer[65536];
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                ::close(m_fd);
                m_fd = -1;
                record(wire::TranscriptEntry::Kind::Closed, wire::Direction::ServerToClient,
                       "the server closes the connection");
                m_client.onClosed();
                break;
            }
            std::string bytes(buffer, static_cast<size_t>(n));
            record(wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, bytes);
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
