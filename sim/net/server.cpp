#include "net/server.hpp"

#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "scenario/session_factory.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace maillab::net {

struct Server::Connection {
    int fd = -1;
    wire::Protocol protocol = wire::Protocol::Pop3;
    uint16_t port = 0;
    int sessionId = 0;
    std::string peer; // "127.0.0.1:54321"
    std::unique_ptr<wire::ServerSession> session;
    std::string output;
    size_t outputSent = 0;
    // Group commit: what the session said in a round that is not yet durable, in plain text. It is recorded,
    // encrypted and queued only once the round's changes are on disk, or dropped unsent if they are not.
    std::string held;
    bool closeNotifyHeld = false; // the TLS close_notify that follows the held bytes
    // Bytes read but not yet given to the session: fed a line at a time, and only while the output queue is
    // below its limit and no login delay holds the connection, so pipelined commands cannot make the server
    // build more output than the limit (or check more passwords than the delay allows) in one go.
    std::string input;
    size_t inputUsed = 0;
    int64_t lastActivityMs = 0;
    int64_t holdUntilMs = 0;   // after repeated failed logins nothing is read or sent before this
    std::string address;       // the peer's IP address, for the login throttle
    bool loggedIn = false;     // a login succeeded: from then on the full budget and the RFC's idle timers
    int64_t lastCommandMs = 0; // before login: when a command was last answered (partial bytes do not count)
    bool closing = false;      // close once the output is sent
    bool clientDone = false;   // the client shut down its sending side: answer what it sent, then close
    bool dead = false;
    // TLS: the endpoint once a handshake starts (at once on an implicit-TLS port, after STLS/STARTTLS on a
    // plain one). From then on every byte to and from the socket passes through it.
    std::unique_ptr<tls::Endpoint> tls;
    bool implicitTls = false;
    bool handshaking = false;
    int64_t handshakeStartedMs = 0;
    std::string partialRecord; // client ciphertext that is not yet a whole record, for the transcript
    size_t keyLogLinesSent = 0;
    size_t unsent() const { return output.size() - outputSent; }
    size_t queued() const { return unsent() + held.size(); }
    size_t pending() const { return input.size() - inputUsed; }
};

namespace {

// How much of a long IMAP answer is made at a time (see wire::ServerSession::continueOutput).
constexpr size_t kReplyChunkBytes = 256 * 1024;

int openListener(const std::string& address, uint16_t port, uint16_t& boundPort, std::string& error)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
        error = "not an IPv4 address: " + address;
        ::close(fd);
        return -1;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 256) != 0) {
        error = "cannot listen on " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    socklen_t length = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
    boundPort = ntohs(addr.sin_port);
    return fd;
}

} // namespace

Server::Server(store::Store& store, const wire::Clock& clock, wire::Transcript& transcript,
               ServerOptions options)
    : m_store(store), m_clock(clock), m_transcript(transcript), m_options(std::move(options)),
      // "failures before delay" counts the failure that is answered late: one fewer goes free.
      m_throttle(LoginThrottleOptions{std::max(0, m_options.loginFailuresBeforeDelay - 1),
                                      m_options.loginDelayMs,
                                      std::max(m_options.loginMaxDelayMs, m_options.loginDelayMs)})
{
    m_store.setLoginGuard({[this](std::string_view user) { return allowLogin(user); },
                           [this](std::string_view user, bool ok) { loginChecked(user, ok); }});
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    m_lastTickMs = m_clock.nowMs();
}

Server::~Server()
{
    shutdown();
    m_store.setLoginGuard({});
    if (m_spareFd >= 0) ::close(m_spareFd);
}

bool Server::start(std::string& error)
{
    struct Wanted {
        wire::Protocol protocol;
        bool implicitTls;
        uint16_t port;
        uint16_t* bound;
    };
    std::vector<Wanted> wanted = {{wire::Protocol::Pop3, false, m_options.pop3Port, &m_pop3Port},
                                  {wire::Protocol::Imap, false, m_options.imapPort, &m_imapPort}};
    if (m_options.tlsIdentity) {
        wanted.push_back({wire::Protocol::Pop3, true, m_options.pop3sPort, &m_pop3sPort});
        wanted.push_back({wire::Protocol::Imap, true, m_options.imapsPort, &m_imapsPort});
    }
    for (const Wanted& w : wanted) {
        Listener listener{-1, w.protocol, w.implicitTls, 0};
        listener.fd = openListener(m_options.bindAddress, w.port, listener.port, error);
        if (listener.fd < 0) {
            for (const Listener& open : m_listeners)
                ::close(open.fd);
            m_listeners.clear();
            return false;
        }
        *w.bound = listener.port;
        m_listeners.push_back(listener);
    }
    return true;
}

void Server::record(Connection& c, wire::TranscriptEntry::Kind kind, wire::Direction direction,
                    std::string bytes, bool encrypted)
{
    wire::TranscriptEntry entry;
    entry.kind = kind;
    entry.sessionId = c.sessionId;
    entry.device = c.peer;
    entry.protocol = c.protocol;
    entry.direction = direction;
    entry.timeMs = m_clock.nowMs();
    entry.bytes = std::move(bytes);
    entry.serverPort = c.port;
    entry.encrypted = encrypted;
    if (kind == wire::TranscriptEntry::Kind::Data && direction == wire::Direction::ServerToClient)
        entry.exchanges = c.session->takeExchanges();
    m_transcript.record(std::move(entry));
}

// Says why, best effort, and hangs up: the limits keep the process alive for those already here. A client
// on an implicit-TLS port expects a handshake, where plain text would only be garbage.
void Server::refuse(int fd, const Listener& listener, std::string_view why)
{
    const std::string refusal =
        (listener.protocol == wire::Protocol::Pop3 ? "-ERR [SYS/TEMP] " : "* BYE [UNAVAILABLE] ") +
        std::string(why) + ", try again later\r\n";
    if (!listener.implicitTls) {
        [[maybe_unused]] ssize_t ignored = ::send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL);
    }
    ::close(fd);
}

bool Server::preAuth(const Connection& c) const
{
    return !c.loggedIn && !c.dead;
}

size_t Server::preAuthCount() const
{
    return static_cast<size_t>(std::count_if(m_connections.begin(), m_connections.end(),
                                             [this](const auto& c) { return preAuth(*c); }));
}

// The pre-login cap is full: the pre-login connection that has been quiet longest goes, if it has been
// quiet long enough, so that a newcomer is not locked out by connections that never say anything (F9).
bool Server::makeRoomForPreAuth()
{
    const int64_t now = m_clock.nowMs();
    Connection* quietest = nullptr;
    for (auto& c : m_connections)
        if (preAuth(*c) && (!quietest || c->lastCommandMs < quietest->lastCommandMs)) quietest = c.get();
    if (!quietest || now - quietest->lastCommandMs < int64_t(m_options.preAuthEvictSeconds) * 1000)
        return false;
    if (quietest->protocol == wire::Protocol::Imap && quietest->queued() == 0)
        sendBye(*quietest, "* BYE [UNAVAILABLE] no login in time; making room for another client\r\n");
    close(*quietest, "closed to make room: no login, quiet for " +
                         std::to_string((now - quietest->lastCommandMs) / 1000) + " seconds");
    return true;
}

void Server::accept(const Listener& listener)
{
    const wire::Protocol protocol = listener.protocol;
    const size_t preAuthCap = m_options.maxPreAuthConnections > 0
                                  ? m_options.maxPreAuthConnections
                                  : std::max<size_t>(1, m_options.maxConnections * 3 / 4);
    for (;;) {
        sockaddr_in addr{};
        socklen_t length = sizeof addr;
        int fd =
            ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&addr), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
            // Out of descriptors (F11): the client would stay in the backlog and the listener readable, so
            // poll() would return at once forever. Give up the spare descriptor to take the client and tell
            // it; without a spare, rest the listeners for a while.
            if (m_spareFd >= 0) {
                ::close(m_spareFd);
                m_spareFd = -1;
                int waiting = ::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (waiting >= 0) refuse(waiting, listener, "the server is out of resources");
                m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (waiting >= 0 && m_spareFd >= 0) continue;
            }
            m_listenersRestUntilMs = m_clock.nowMs() + 250;
            return;
        }
        if (fd < 0) return; // EAGAIN: no more waiting
        const size_t open = static_cast<size_t>(std::count_if(m_connections.begin(), m_connections.end(),
                                                              [](const auto& c) { return !c->dead; }));
        if (open >= m_options.maxConnections || (preAuthCount() >= preAuthCap && !makeRoomForPreAuth())) {
            refuse(fd, listener, "too many connections");
            continue;
        }
        // Replies go out whole as soon as they are made: a reply's tail must not wait for the client's
        // delayed ACK of its head (Nagle).
        const int noDelay = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->protocol = protocol;
        c->port = listener.port;
        c->implicitTls = listener.implicitTls;
        c->sessionId = m_nextSessionId++;
        char ip[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
        c->address = ip;
        c->peer = std::string(ip) + ":" + std::to_string(ntohs(addr.sin_port));
        scenario::ServerSessionOptions options;
        options.tlsAvailable = m_options.tlsIdentity != nullptr;
        options.loginRequiresTls = options.tlsAvailable && m_options.loginRequiresTls;
        options.imapCapabilitiesOn = m_options.imapCapabilitiesOn;
        options.imapMaxLine = m_options.imapMaxLine;
        options.imapMaxLiteral = m_options.imapMaxLiteral;
        options.preAuthMaxLine = m_options.preAuthMaxLine;
        options.preAuthMaxLiteral = m_options.preAuthMaxLiteral;
        // A FETCH of a whole mailbox is sent as the client reads it, not built whole first; a long SEARCH
        // is worked in slices between the other connections' turns.
        options.replyChunkBytes = kReplyChunkBytes;
        c->session = scenario::makeServerSession(protocol, m_store, m_clock, c->sessionId, options);
        c->lastActivityMs = m_clock.nowMs();
        c->lastCommandMs = c->lastActivityMs;
        const std::string service =
            std::string(wire::protocolName(protocol)) + (listener.implicitTls ? "S" : "");
        record(*c, wire::TranscriptEntry::Kind::Connected, wire::Direction::ClientToServer,
               c->peer + " connects to " + service + " port " + std::to_string(listener.port) +
                   (listener.implicitTls ? " (implicit TLS: the handshake comes first)" : ""));
        if (listener.implicitTls) {
            // RFC 8314 section 3: TLS first, the greeting only inside it; the session is told at once so
            // that its greeting offers no STLS/STARTTLS (RFC 2595, RFC 3501 section 6.2.1).
            c->session->tlsStarted();
            c->tls = tls::Endpoint::server(*m_options.tlsIdentity);
            c->handshaking = true;
            c->handshakeStartedMs = m_clock.nowMs();
            afterTls(*c);
        } else {
            queue(*c, c->session->greeting());
        }
        flush(*c);
        m_connections.push_back(std::move(c));
    }
}

// [SECTION] login throttle
//
// The Store's login guard (every credential check of every session passes through it) calls these while
// m_current's bytes are being read, so each attempt is known with its account and the client's address.
// Guessing passwords gets slow across connections (RFC 1939 section 13, F8): after a few failures of an
// account or of an address, that connection's answer is held back, pre-login input from that address waits
// (so parallel connections take turns), and attempts on that account are refused unchecked until the wait
// is over (so many addresses cannot try many passwords at once).

bool Server::allowLogin(std::string_view user)
{
    if (!m_current) return true;
    Connection& c = *m_current;
    const int64_t now = m_clock.nowMs();
    const int64_t wait = m_throttle.wait(user, c.address, now);
    if (wait <= 0) return true;
    c.holdUntilMs = std::max(c.holdUntilMs, now + wait);
    record(
        c, wire::TranscriptEntry::Kind::Note, wire::Direction::ServerToClient,
        "login as \"" + util::escapeForDisplay(std::string(user)) +
            "\" refused without checking the password: too many failed logins for this account or address; "
            "the answer waits " +
            std::to_string((wait + 999) / 1000) + " s");
    return false;
}

void Server::loginChecked(std::string_view user, bool ok)
{
    if (!m_current) return;
    Connection& c = *m_current;
    const int64_t now = m_clock.nowMs();
    const int64_t delay = m_throttle.record(
        user, c.address, ok ? LoginThrottle::Outcome::Success : LoginThrottle::Outcome::Failure, now);
    if (ok) {
        c.loggedIn = true;
        c.lastActivityMs = now;
        return;
    }
    if (delay > 0) c.holdUntilMs = std::max(c.holdUntilMs, now + delay);
}

void Server::readFrom(Connection& c)
{
    char buffer[65536];
    // Before login a read takes a little at a time (F3): what the session has not used is all it holds.
    const size_t want = preAuth(c) ? 4096 : sizeof buffer;
#ifdef TCP_QUICKACK
    // Acknowledge at once, not after the 40 ms delayed-ACK timer: a client that writes a command in two
    // pieces (imaplib sends an APPEND literal, then its CRLF) waits for that ACK before the second (Nagle),
    // which cost 44 ms per APPEND (issue 14). Linux clears the flag by itself, so it is set before each read.
    const int quick = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_QUICKACK, &quick, sizeof quick);
#endif
    ssize_t n = ::recv(c.fd, buffer, want, 0);
    if (n == 0) {
        // The client will send no more, but may still be reading (a shutdown(SHUT_WR) after its commands, as
        // `nc -N` does): answer what it sent and let the queue drain, then close (flush does).
        if (c.handshaking)
            close(c, "the client closed the connection during the TLS handshake");
        else if (c.queued() == 0 && c.pending() == 0)
            close(c, "the client closed the connection");
        else
            c.clientDone = true;
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            close(c, std::string("connection error: ") + std::strerror(errno));
        return;
    }
    c.lastActivityMs = m_clock.nowMs();
    if (c.tls) {
        receiveCiphertext(c, std::string_view(buffer, static_cast<size_t>(n)));
        return;
    }
    record(c, wire::TranscriptEntry::Kind::Data, wire::Direction::ClientToServer,
           std::string(buffer, static_cast<size_t>(n)));
    c.input.append(buffer, static_cast<size_t>(n));
    pump(c);
}

// [SECTION] TLS

void Server::receiveCiphertext(Connection& c, std::string_view bytes)
{
    // The eavesdropper's view, in whole records (RFC 8446 section 5.1), however TCP split them.
    c.partialRecord.append(bytes);
    size_t whole = 0;
    for (const tls::RecordInfo& r : tls::parseRecords(c.partialRecord))
        whole += 5 + size_t(r.length);
    if (whole > 0) {
        record(c, wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ClientToServer,
               c.partialRecord.substr(0, whole));
        c.partialRecord.erase(0, whole);
    }
    c.tls->feedCiphertext(bytes);
    afterTls(c);
}

// Moves what the endpoint made on: its ciphertext to the socket, its key log, the end of the handshake,
// and decrypted client bytes to the session.
void Server::afterTls(Connection& c)
{
    std::string out = c.tls->takeCiphertext();
    if (!out.empty()) {
        record(c, wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ServerToClient, out);
        c.output += out;
    }
    const std::vector<std::string>& keyLog = c.tls->keyLogLines();
    for (; c.keyLogLinesSent < keyLog.size(); ++c.keyLogLinesSent)
        if (m_options.onKeyLogLine) m_options.onKeyLogLine(keyLog[c.keyLogLinesSent]);

    const tls::Endpoint::State state = c.tls->state();
    if (state == tls::Endpoint::State::Failed) {
        std::string why = (c.handshaking ? "TLS handshake failed: " : "TLS error: ") + c.tls->error();
        // Port 995/993 spoken to in plain text is the classic mistake: show what came instead of a TLS
        // record.
        const unsigned char first =
            c.partialRecord.empty() ? 0 : static_cast<unsigned char>(c.partialRecord[0]);
        if (c.handshaking && !c.partialRecord.empty() && (first < 20 || first > 24))
            why += " (the client sent \"" + util::escapeForDisplay(c.partialRecord.substr(0, 40)) +
                   "\", which is not TLS)";
        record(c, wire::TranscriptEntry::Kind::Note, wire::Direction::ServerToClient, why);
        // The alert, if any, goes out; then the connection closes. Nothing more is read.
        c.handshaking = false;
        c.closing = true;
        c.input.clear();
        c.inputUsed = 0;
        return;
    }
    if (c.handshaking && state == tls::Endpoint::State::Established) {
        c.handshaking = false;
        record(c, wire::TranscriptEntry::Kind::Note, wire::Direction::ServerToClient,
               "TLS handshake done: " + c.tls->version() + " " + c.tls->cipher());
        if (c.implicitTls)
            queue(c, c.session->greeting());
        else
            c.session->tlsStarted(); // the client asks CAPA/CAPABILITY again; the answer has changed
    }
    std::string plain = c.tls->takePlain();
    if (!plain.empty()) {
        record(c, wire::TranscriptEntry::Kind::Data, wire::Direction::ClientToServer, plain, true);
        c.input += plain;
    }
    // close_notify from the client (RFC 8314 section 3.4): answer what came before it, then close.
    if (state == tls::Endpoint::State::Closed) c.clientDone = true;
    pump(c);
}

void Server::startTls(Connection& c)
{
    releaseHeld(c); // the STARTTLS reply goes in plain text
    // Bytes after the STLS/STARTTLS line were sent before the client could have seen the answer: a client
    // that follows the RFC sends none, so they are an attacker's (CVE-2011-0411) and are dropped unread.
    const size_t dropped = c.pending();
    c.input.clear();
    c.inputUsed = 0;
    if (dropped > 0)
        record(c, wire::TranscriptEntry::Kind::Note, wire::Direction::ClientToServer,
               std::to_string(dropped) +
                   " bytes that came after the TLS request, before the handshake, were dropped unread");
    c.tls = tls::Endpoint::server(*m_options.tlsIdentity);
    c.handshaking = true;
    c.handshakeStartedMs = m_clock.nowMs();
    afterTls(c);
}

void Server::queue(Connection& c, std::string bytes)
{
    if (bytes.empty()) return;
    if (m_holdReplies) {
        c.held += bytes;
        return;
    }
    if (!c.tls) {
        record(c, wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, bytes);
        c.output += bytes;
        return;
    }
    c.tls->writePlain(bytes);
    record(c, wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, std::move(bytes), true);
    std::string ciphertext = c.tls->takeCiphertext();
    if (!ciphertext.empty()) {
        record(c, wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ServerToClient, ciphertext);
        c.output += ciphertext;
    }
}

void Server::closeNotify(Connection& c)
{
    if (!c.tls || c.tls->state() != tls::Endpoint::State::Established) return;
    if (m_holdReplies) {
        c.closeNotifyHeld = true; // after the held replies, once they may go
        return;
    }
    c.tls->shutdown(); // close_notify (RFC 8314 section 3.4)
    std::string alert = c.tls->takeCiphertext();
    record(c, wire::TranscriptEntry::Kind::TlsRecord, wire::Direction::ServerToClient, alert);
    c.output += alert;
}

void Server::releaseHeld(Connection& c)
{
    const bool hold = std::exchange(m_holdReplies, false);
    queue(c, std::exchange(c.held, {}));
    if (std::exchange(c.closeNotifyHeld, false)) closeNotify(c);
    m_holdReplies = hold;
}

// The disk did not keep what the connection changed this round (MaildirSync::sync): the replies that
// acknowledged it are dropped unsent, and the client is told why as the connection closes, so that it
// neither believes its mail stored nor goes on in a session whose state the server took back.
void Server::refuseRound(Connection& c)
{
    const size_t dropped = c.held.size();
    c.held.clear();
    c.closeNotifyHeld = false;
    const std::string why = "the server's disk failed to store what this connection changed";
    record(c, wire::TranscriptEntry::Kind::Note, wire::Direction::ServerToClient,
           why + ": the " + std::to_string(dropped) +
               " bytes of replies that acknowledged it were not sent, and what it added is taken back");
    sendBye(c, c.protocol == wire::Protocol::Imap
                   ? "* BYE [UNAVAILABLE] " + why + "; it is not kept, try again later\r\n"   // RFC 5530
                   : "-ERR [SYS/TEMP] " + why + "; it may not be kept, try again later\r\n"); // RFC 3206
    close(c, why);
}

// A last word before the server hangs up (autologout, shutdown, a failed disk): queued and sent at once,
// best effort. Never inside a held round (it would go before what the round holds).
void Server::sendBye(Connection& c, const std::string& bye)
{
    if (c.handshaking) return; // nothing can be said inside a handshake that has not finished
    queue(c, bye);
    closeNotify(c);
    [[maybe_unused]] ssize_t ignored = ::send(c.fd, c.output.data() + c.outputSent, c.unsent(), MSG_NOSIGNAL);
}

size_t Server::queueLimit(const Connection& c) const
{
    return preAuth(c) ? m_options.preAuthMaxQueuedOutput : m_options.maxQueuedOutput;
}

// Before login, input waits while its address is serving a login penalty: parallel connections from one
// address take turns instead of guessing side by side.
bool Server::inputHeld(const Connection& c, int64_t now) const
{
    return now < c.holdUntilMs || (preAuth(c) && m_throttle.wait({}, c.address, now) > 0);
}

void Server::pump(Connection& c)
{
    // The rest of a long answer first, as the client takes it; the next commands wait until it is done.
    while (!c.dead && !c.closing && c.session->outputPending() && c.queued() < queueLimit(c)) {
        m_current = &c; // commands held behind the answer run in continueOutput()
        std::string more = c.session->continueOutput();
        m_current = nullptr;
        // Nothing made: the session worked a slice (a long SEARCH) and lets the others have their turn.
        if (more.empty()) break;
        queue(c, std::move(more));
    }
    if (c.session->closed()) c.closing = true; // a LOGOUT that waited for the answer before it
    while (!c.dead && !c.closing && c.pending() > 0 && c.queued() < queueLimit(c) &&
           !c.session->outputPending() && !inputHeld(c, m_clock.nowMs())) {
        // One line (or the rest, when no line end has come yet) per call: the session frames lines and
        // literals itself, so any split is fine, and the checks above run between pipelined commands.
        const size_t lf = c.input.find('\n', c.inputUsed);
        const size_t end = lf == std::string::npos ? c.input.size() : lf + 1;
        std::string_view piece(c.input.data() + c.inputUsed, end - c.inputUsed);
        c.inputUsed = end;
        m_current = &c;
        std::string reply = c.session->receive(piece);
        m_current = nullptr;
        if (!reply.empty()) {
            c.lastCommandMs = m_clock.nowMs(); // an answer: a command (or part of one) was complete
            queue(c, std::move(reply));        // an accepted STLS/STARTTLS: still in plain text
        }
        if (c.session->takeTlsRequest()) {
            startTls(c);
            return;
        }
        if (c.session->closed()) {
            c.closing = true;
            closeNotify(c); // after the last reply
        }
    }
    if (c.pending() == 0 || c.closing) {
        c.input.clear();
        c.inputUsed = 0;
        if (c.input.capacity() > (1u << 16)) c.input.shrink_to_fit(); // an idle connection holds nothing
    } else if (c.inputUsed > (1u << 16)) {
        c.input.erase(0, c.inputUsed);
        c.inputUsed = 0;
    }
}

void Server::flush(Connection& c)
{
    if (c.dead || m_holdReplies || m_clock.nowMs() < c.holdUntilMs) return;
    while (c.unsent() > 0) {
        ssize_t n = ::send(c.fd, c.output.data() + c.outputSent, c.unsent(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            close(c, std::string("connection error: ") + std::strerror(errno));
            return;
        }
        c.outputSent += static_cast<size_t>(n);
        c.lastActivityMs = m_clock.nowMs(); // a client still taking a long reply is not idle
    }
    if (c.unsent() == 0) {
        c.output.clear();
        c.outputSent = 0;
        if (c.output.capacity() > (1u << 18)) c.output.shrink_to_fit(); // a long reply is not kept around
        if (c.closing)
            close(c, "the server closes the connection");
        else if (c.clientDone && c.pending() == 0)
            close(c, "the client closed the connection");
    } else if (c.outputSent > (1u << 20)) {
        c.output.erase(0, c.outputSent); // keep the queue from holding what is already sent
        c.outputSent = 0;
    }
}

void Server::close(Connection& c, const std::string& why)
{
    if (c.dead) return;
    c.dead = true;
    // A session that did not end itself was dropped: no POP3 UPDATE state (RFC 1939 section 6).
    if (!c.session->closed()) c.session->disconnected();
    ::close(c.fd);
    record(c, wire::TranscriptEntry::Kind::Closed, wire::Direction::ClientToServer, why);
}

void Server::poll(int timeoutMs)
{
    const int64_t now = m_clock.nowMs();
    std::vector<pollfd> fds;
    fds.reserve(m_connections.size() + m_listeners.size());
    int wait = timeoutMs;
    const bool resting = now < m_listenersRestUntilMs;
    if (resting) wait = std::min<int>(wait, static_cast<int>(m_listenersRestUntilMs - now));
    for (const Listener& listener : m_listeners)
        fds.push_back({listener.fd, static_cast<short>(resting ? 0 : POLLIN), 0});
    const size_t firstConnection = fds.size();
    for (auto& c : m_connections) {
        short events = 0;
        const bool held = now < c->holdUntilMs;
        if (held) wait = std::min<int>(wait, static_cast<int>(c->holdUntilMs - now));
        const bool inputWaits = inputHeld(*c, now);
        if (inputWaits && !held) {
            const int64_t penalty = m_throttle.wait({}, c->address, now);
            wait = std::min<int>(wait, static_cast<int>(std::max<int64_t>(1, penalty)));
        }
        // Read more only when all that came before was handed to the session (see Connection::input).
        if (!inputWaits && !c->closing && !c->clientDone && c->queued() < queueLimit(*c) && c->pending() == 0)
            events |= POLLIN;
        if (!held && c->queued() > 0) events |= POLLOUT;
        // An answer still being worked on goes on in the next round without waiting for an event.
        if (!c->closing && c->session->outputPending() && c->queued() < queueLimit(*c)) wait = 0;
        fds.push_back({c->fd, events, 0});
    }
    // Wake at least once a second for idle timeouts.
    int ready = ::poll(fds.data(), fds.size(), std::min(wait, 1000));
    if (ready < 0 && errno != EINTR) return;

    for (size_t i = 0; i < firstConnection; ++i)
        if (fds[i].revents & POLLIN) accept(m_listeners[i]);
    m_holdReplies = static_cast<bool>(m_options.beforeReplies);
    for (size_t i = firstConnection; i < fds.size(); ++i) {
        Connection& c = *m_connections[i - firstConnection];
        // Closed since poll() returned (to make room for a newcomer): its descriptor number may already
        // belong to the connection just accepted, so its events must not be acted on.
        if (c.dead) continue;
        if (fds[i].revents & POLLIN)
            readFrom(c);
        else if (fds[i].revents & (POLLHUP | POLLERR))
            close(c, "the connection was lost");
        if (!c.dead) flush(c);
        // Input held back while the queue was full or a login delay ran, or an answer still being made: go
        // on with it now that it may.
        if (!c.dead && (c.pending() > 0 || c.session->outputPending())) {
            pump(c);
            flush(c);
        }
    }
    // Work that runs on the clock (the Maildir rescan), then news for other sessions (IMAP IDLE), and the
    // autologout timers.
    const int64_t later = m_clock.nowMs();
    if (m_options.onTick && later - m_lastTickMs >= m_options.tickMs) {
        m_lastTickMs = later;
        m_options.onTick();
    }
    if (m_holdReplies) {
        // What the round changed is durable now, except for these sessions' changes: their replies go unsent.
        const std::set<int> failed = m_options.beforeReplies();
        m_holdReplies = false;
        for (auto& c : m_connections) {
            if (c->dead) continue;
            if (failed.count(c->sessionId)) {
                refuseRound(*c);
                continue;
            }
            releaseHeld(*c);
            flush(*c); // also closes those that were only waiting for their last reply to go
        }
    }
    for (auto& c : m_connections) {
        if (c->dead) continue;
        std::string news = c->session->takeUnsolicited();
        if (!news.empty()) {
            queue(*c, std::move(news));
            if (c->session->closed()) c->closing = true;
            flush(*c);
        }
        // A handshake has its own, short timer, which trickling bytes cannot extend.
        if (!c->dead && c->handshaking &&
            later - c->handshakeStartedMs > int64_t(m_options.tlsHandshakeSeconds) * 1000) {
            close(*c, "TLS handshake timed out after " + std::to_string(m_options.tlsHandshakeSeconds) +
                          " seconds");
            continue;
        }
        // Before login a short timer that only answered commands reset (F9): bytes that never make a
        // command do not keep a connection; after it the RFC's autologout timers.
        const bool early = !c->loggedIn;
        const int idleSeconds = early                                 ? m_options.preAuthIdleSeconds
                                : c->protocol == wire::Protocol::Pop3 ? m_options.pop3IdleSeconds
                                                                      : m_options.imapIdleSeconds;
        const int64_t since = early ? c->lastCommandMs : c->lastActivityMs;
        // Connections that only wait for their output to drain time out too: a client that stops reading
        // after QUIT or after shutting down its side must not keep its queue forever.
        if (!c->dead && later - since > int64_t(idleSeconds) * 1000) {
            // The BYE only between responses, never inside a half-sent one.
            const std::string why = early ? "no login within " + std::to_string(idleSeconds) + " seconds"
                                          : std::string("autologout: idle for too long");
            if (c->protocol == wire::Protocol::Imap && !c->closing && !c->clientDone && c->queued() == 0)
                sendBye(*c, "* BYE " + why + "\r\n");
            close(*c, why);
        }
    }
    std::erase_if(m_connections, [](const std::unique_ptr<Connection>& c) { return c->dead; });
}

std::vector<Server::SessionInfo> Server::sessions() const
{
    std::vector<SessionInfo> out;
    for (const auto& c : m_connections)
        if (c->session && !c->dead)
            out.push_back({c->sessionId, c->peer, c->protocol, c->session.get(), c->tls != nullptr});
    return out;
}

void Server::shutdown()
{
    for (auto& c : m_connections) {
        if (c->protocol == wire::Protocol::Imap && !c->dead && !c->session->closed()) {
            // RFC 3501 section 7.1.5: BYE tells the client the server is going away, so it is no surprise.
            sendBye(*c, "* BYE maillab is shutting down\r\n");
        }
        close(*c, "the server is shutting down");
    }
    m_connections.clear();
    for (const Listener& listener : m_listeners)
        ::close(listener.fd);
    m_listeners.clear();
}

} // namespace maillab::net
