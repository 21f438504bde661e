// maillab serve: POP3 and IMAP for real clients over TCP, one poll() loop, the same sessions as the
// simulator.
#pragma once

#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace maillab::net {

struct ServerOptions {
    std::string bindAddress = "127.0.0.1";
    uint16_t pop3Port = 1110; // 0: any free port (see Server::pop3Port())
    uint16_t imapPort = 1143;
    size_t maxConnections = 512;
    size_t imapMaxLine = 65536;
    size_t imapMaxLiteral = 32u * 1024 * 1024;
    int pop3IdleSeconds = 600;  // RFC 1939 section 3: an autologout timer of at least 10 minutes
    int imapIdleSeconds = 1800; // RFC 3501 section 5.4: at least 30 minutes
    int loginFailuresBeforeDelay = 3;
    int loginDelayMs = 2000;
    size_t maxQueuedOutput = 8u * 1024 * 1024; // past this, stop reading that client until it catches up
};

class Server {
public:
    Server(store::Store& store, const wire::Clock& clock, wire::Transcript& transcript,
           ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Opens the listening sockets; false (and why) when a port cannot be bound.
    bool start(std::string& error);
    uint16_t pop3Port() const { return m_pop3Port; }
    uint16_t imapPort() const { return m_imapPort; }

    // One round of the event loop: waits up to timeoutMs for activity, then serves all of it.
    void poll(int timeoutMs);
    // Ends every connection as a dropped one (POP3 deletes nothing) and closes the listeners.
    void shutdown();

    size_t connectionCount() const { return m_connections.size(); }

private:
    struct Connection;
    void accept(int listenFd, wire::Protocol protocol, uint16_t port);
    void readFrom(Connection& c);
    void pump(Connection& c);
    void flush(Connection& c);
    void close(Connection& c, const std::string& why);
    void record(Connection& c, wire::TranscriptEntry::Kind kind, wire::Direction direction,
                std::string bytes);
    void noteLoginFailures(Connection& c, const std::string& reply);

    store::Store& m_store;
    const wire::Clock& m_clock;
    wire::Transcript& m_transcript;
    ServerOptions m_options;
    int m_pop3Fd = -1;
    int m_imapFd = -1;
    uint16_t m_pop3Port = 0;
    uint16_t m_imapPort = 0;
    int m_nextSessionId = 1;
    std::vector<std::unique_ptr<Connection>> m_connections;
};

} // namespace maillab::net
