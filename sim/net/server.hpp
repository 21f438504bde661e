// maillab serve: POP3 and IMAP for real clients over TCP, one poll() loop, the same sessions as the
// simulator.
#pragma once

#include "net/login_throttle.hpp"
#include "store/store.hpp"
#include "tls/tls_endpoint.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
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
    // Failed logins, counted per account and per client address across connections (LoginThrottle): the
    // loginFailuresBeforeDelay-th failure is answered loginDelayMs late, and so is the next attempt; each
    // further failure doubles the wait, up to loginMaxDelayMs.
    int loginFailuresBeforeDelay = 3;
    int loginDelayMs = 2000;
    int loginMaxDelayMs = 30000;
    size_t maxQueuedOutput = 8u * 1024 * 1024; // past this, stop reading that client until it catches up

    // Before login a connection gets a small budget (F3, F9): a short idle timer that only complete
    // commands reset, short lines and literals, a small output queue, and a cap of its own below
    // maxConnections (0: three quarters of it). When the cap is full, the pre-login connection idle the
    // longest (at least preAuthEvictSeconds) makes room for the newcomer, so silent connections cannot lock
    // out a real client.
    int preAuthIdleSeconds = 60;
    size_t maxPreAuthConnections = 0;
    int preAuthEvictSeconds = 10;
    size_t preAuthMaxLine = 64u * 1024; // Dovecot's imap_max_line_length: room for a long ID (RFC 2971)
    size_t preAuthMaxLiteral = 8192;
    size_t preAuthMaxQueuedOutput = 64u * 1024;

    // TLS (RFC 8314, RFC 2595, RFC 3501 section 6.2.1). With an identity the server also listens for
    // implicit TLS (POP3S, IMAPS) and offers STLS/STARTTLS on the plain ports; without one, neither.
    std::shared_ptr<const tls::Identity> tlsIdentity;
    uint16_t pop3sPort = 1995; // 0: any free port (see Server::pop3sPort())
    uint16_t imapsPort = 1993;
    bool loginRequiresTls = false; // on the plain ports: no login before STLS/STARTTLS (LOGINDISABLED)
    // IMAP extensions offered here though not yet to all (serve --imap4rev2: IMAP4rev2 and UTF8=ACCEPT).
    std::vector<std::string> imapCapabilitiesOn;
    int tlsHandshakeSeconds = 30; // a handshake not done by then closes the connection
    // Each SSLKEYLOGFILE line of every TLS connection, as it is made (serve --keylog).
    std::function<void(const std::string&)> onKeyLogLine;
    // Called from poll() about every tickMs on the server's clock (serve: the Maildir rescan).
    std::function<void()> onTick;
    int tickMs = 1000;
    // Group commit (serve --maildir): when set, the replies a poll() round made are sent only after this
    // has run once, after every connection's commands of the round, so their changes share the fsyncs
    // that make them durable, and nothing is acknowledged before they are done. It returns the sessions
    // whose changes the disk did not keep (MaildirSync::sync): their replies are dropped unsent, and their
    // connections are closed with a BYE [UNAVAILABLE] / -ERR [SYS/TEMP] that says why.
    std::function<std::set<int>()> beforeReplies;
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
    uint16_t pop3sPort() const { return m_pop3sPort; } // 0 without TLS
    uint16_t imapsPort() const { return m_imapsPort; }

    // One round of the event loop: waits up to timeoutMs for activity, then serves all of it.
    void poll(int timeoutMs);
    // Ends every connection as a dropped one (POP3 deletes nothing) and closes the listeners.
    void shutdown();

    size_t connectionCount() const { return m_connections.size(); }

    // The open connections' server sides, for the dashboard (state diagrams, POP3 deletion marks); valid
    // until the next poll().
    struct SessionInfo {
        int id = 0;
        std::string peer; // "127.0.0.1:54321", the device name in the transcript
        wire::Protocol protocol = wire::Protocol::Pop3;
        const wire::ServerSession* session = nullptr;
        bool tls = false;
    };
    std::vector<SessionInfo> sessions() const;

private:
    struct Connection;
    struct Listener {
        int fd = -1;
        wire::Protocol protocol = wire::Protocol::Pop3;
        bool implicitTls = false;
        uint16_t port = 0;
    };
    void accept(const Listener& listener);
    void readFrom(Connection& c);
    void receiveCiphertext(Connection& c, std::string_view bytes);
    void afterTls(Connection& c);
    void startTls(Connection& c);
    void pump(Connection& c);
    // Server bytes for the client: recorded, encrypted on a TLS connection, and queued.
    void queue(Connection& c, std::string bytes);
    void sendBye(Connection& c, const std::string& bye);
    void closeNotify(Connection& c); // TLS close_notify, now or after the round's held replies
    void releaseHeld(Connection& c);
    void refuseRound(Connection& c);
    void flush(Connection& c);
    void close(Connection& c, const std::string& why);
    void record(Connection& c, wire::TranscriptEntry::Kind kind, wire::Direction direction, std::string bytes,
                bool encrypted = false);
    bool allowLogin(std::string_view user);
    void loginChecked(std::string_view user, bool ok);
    bool preAuth(const Connection& c) const;
    size_t preAuthCount() const;
    bool makeRoomForPreAuth();
    void refuse(int fd, const Listener& listener, std::string_view why);
    size_t queueLimit(const Connection& c) const;
    bool inputHeld(const Connection& c, int64_t now) const;

    store::Store& m_store;
    const wire::Clock& m_clock;
    wire::Transcript& m_transcript;
    ServerOptions m_options;
    std::vector<Listener> m_listeners;
    uint16_t m_pop3Port = 0;
    uint16_t m_imapPort = 0;
    uint16_t m_pop3sPort = 0;
    uint16_t m_imapsPort = 0;
    int m_nextSessionId = 1;
    std::vector<std::unique_ptr<Connection>> m_connections;
    LoginThrottle m_throttle;
    Connection* m_current = nullptr; // whose bytes the sessions are reading now (for the login guard)
    bool m_holdReplies = false;      // inside a poll() round with beforeReplies: flush() sends nothing yet
    // Out of file descriptors (F11): a spare one is given up to accept and refuse a waiting client; when
    // even that fails the listeners rest a while instead of waking the loop at once, again and again.
    int m_spareFd = -1;
    int64_t m_listenersRestUntilMs = 0;
    int64_t m_lastTickMs = 0;
};

} // namespace maillab::net
