#include "loopback_client.hpp"

#include "tls/tls_endpoint.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace maillab::test {

LoopbackClient::LoopbackClient(uint16_t port, LoopbackOptions options) : m_options(options)
{
    // A program the test starts must not hold the connection open; and a test that uses up the descriptors
    // gets no socket at all.
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    m_connected = m_fd >= 0 && ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

LoopbackClient::~LoopbackClient()
{
    if (m_fd >= 0) ::close(m_fd);
}

bool LoopbackClient::hasBytesWaiting() const
{
    pollfd p{m_fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

void LoopbackClient::sendRaw(const std::string& bytes)
{
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            if (!m_options.hangupsExpected)
                ADD_FAILURE() << "send: " << std::strerror(errno) << " after " << sent << " of "
                              << bytes.size();
            return;
        }
        sent += static_cast<size_t>(n);
    }
}

void LoopbackClient::send(const std::string& bytes)
{
    if (!m_tls) return sendRaw(bytes);
    m_tls->writePlain(bytes);
    sendRaw(m_tls->takeCiphertext());
}

void LoopbackClient::startTls()
{
    m_tls = tls::Endpoint::client("localhost");
    m_tls->startHandshake();
    sendRaw(m_tls->takeCiphertext());
}

void LoopbackClient::received(const char* bytes, size_t size)
{
    if (!m_tls) {
        m_buffer.append(bytes, size);
        return;
    }
    m_tls->feedCiphertext(std::string_view(bytes, size));
    std::string out = m_tls->takeCiphertext();
    if (!out.empty()) sendRaw(out);
    m_buffer += m_tls->takePlain();
}

std::string LoopbackClient::read(net::Server& server, const std::string& until, int rounds)
{
    for (int i = 0; i < rounds && m_buffer.find(until) == std::string::npos && !m_closed; ++i) {
        server.poll(m_options.pollMs);
        pollfd p{m_fd, POLLIN, 0};
        while (!m_closed && ::poll(&p, 1, 0) > 0) {
            char buffer[65536];
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                m_closed = true;
            else
                received(buffer, static_cast<size_t>(n));
        }
    }
    return std::exchange(m_buffer, {});
}

std::unique_ptr<net::Server> serveOnLoopback(store::Store& store, const wire::Clock& clock,
                                             wire::Transcript& transcript, net::ServerOptions options)
{
    options.pop3Port = options.imapPort = options.pop3sPort = options.imapsPort = 0;
    auto server = std::make_unique<net::Server>(store, clock, transcript, std::move(options));
    std::string error;
    EXPECT_TRUE(server->start(error)) << error;
    return server;
}

} // namespace maillab::test
