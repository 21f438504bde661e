// Real loopback sockets to a net::Server, for the network suites: a client that can switch to TLS, and the
// demo world served on ports the kernel picks. The server runs on the test's thread, so a client's read()
// serves the server's loop between its reads.
#pragma once

#include "net/server.hpp"
#include "test_support.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace maillab::tls {
class Endpoint;
}

namespace maillab::test {

// The suites differ in how long they wait and in whether a hangup is part of what they test.
struct LoopbackOptions {
    int rounds = 200;             // read()'s rounds when the test names none
    int pollMs = 5;               // how long each round lets the server's loop wait
    bool hangupsExpected = false; // then a send() to a server that hung up is no failure: read() tells
};

class LoopbackClient {
public:
    explicit LoopbackClient(uint16_t port, LoopbackOptions options = {});
    ~LoopbackClient();
    LoopbackClient(const LoopbackClient&) = delete;
    LoopbackClient& operator=(const LoopbackClient&) = delete;

    bool connected() const { return m_connected; }
    bool closed() const { return m_closed; }
    // Whether bytes from the server are waiting to be read, without reading them.
    bool hasBytesWaiting() const;

    // Plain text, or through TLS once it is on.
    void send(const std::string& bytes);
    // The bytes as they are, even with TLS on: for what a server does with bytes that are not TLS.
    void sendRaw(const std::string& bytes);
    // The client's side of a TLS handshake (implicit TLS, or after STLS/STARTTLS); read() carries it on.
    void startTls();
    tls::Endpoint* tls() { return m_tls.get(); }

    // What arrived (decrypted when TLS is on) until `until` appears, the connection closes, or the rounds
    // run out.
    std::string read(net::Server& server, const std::string& until)
    {
        return read(server, until, m_options.rounds);
    }
    std::string read(net::Server& server, const std::string& until, int rounds);

private:
    void received(const char* bytes, size_t size);

    LoopbackOptions m_options;
    int m_fd = -1;
    bool m_connected = false;
    bool m_closed = false;
    std::string m_buffer;
    std::unique_ptr<tls::Endpoint> m_tls;
};

// Ports 0, so that the kernel picks free ones and suites that ctest runs side by side never collide. A test
// failure when the server cannot start.
std::unique_ptr<net::Server> serveOnLoopback(store::Store& store, const wire::Clock& clock,
                                             wire::Transcript& transcript, net::ServerOptions options);

// alice's and bob's demo mail, served on loopback.
struct DemoServer {
    DemoWorld world;
    wire::Transcript transcript;
    std::unique_ptr<net::Server> server;
    explicit DemoServer(net::ServerOptions options = {})
        : server(serveOnLoopback(world.store, world.clock, transcript, std::move(options)))
    {
    }
    uint16_t imap() const { return server->imapPort(); }
    uint16_t pop3() const { return server->pop3Port(); }
};

} // namespace maillab::test
