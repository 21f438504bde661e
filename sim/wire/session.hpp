// The contract between a transport (in-process link or socket) and a protocol's server side.
#pragma once

#include "wire/exchange.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace maillab::wire {

enum class Protocol { Pop3, Imap };
const char* protocolName(Protocol protocol); // "POP3", "IMAP"

// One connection's server side: bytes in, bytes out, no I/O, no clock of its own.
class ServerSession {
public:
    virtual ~ServerSession() = default;
    virtual Protocol protocol() const = 0;
    virtual std::string greeting() = 0;
    // Client bytes in (any split: a partial line is kept until its CRLF), reply bytes out (may be empty).
    virtual std::string receive(std::string_view bytes) = 0;
    // Bytes the server sends on its own (IMAP IDLE updates); empty for POP3.
    virtual std::string takeUnsolicited() { return {}; }
    // What the exchanges answered since the last call meant (wire/exchange.hpp), in order: the greeting,
    // each command with its status, code, state change and effects, news sent on the server's own.
    virtual std::vector<Exchange> takeExchanges() { return {}; }

    // A long answer (IMAP FETCH of many messages) is made a piece at a time, so it is never held whole:
    // while outputPending(), the transport calls continueOutput() whenever it has sent what it holds, and
    // bytes the client sends meanwhile wait inside the session until the answer is done.
    virtual bool outputPending() const { return false; }
    virtual std::string continueOutput() { return {}; }
    // The server ended the session (QUIT, LOGOUT, a fatal limit): the transport closes the connection.
    virtual bool closed() const = 0;
    // The peer vanished without saying goodbye: no POP3 UPDATE state.
    virtual void disconnected() = 0;
    // The state's name as the RFC writes it, for the dashboard's state diagram.
    virtual std::string stateName() const = 0;

    // TLS (RFC 2595, RFC 3501 section 6.2.1, RFC 8314). After a reply that accepted STLS or STARTTLS this
    // returns true once (and the session has dropped any bytes the client sent after that command): the
    // transport must run a server-side TLS handshake before it passes on anything more. When the handshake
    // is done, or at once for implicit TLS (995/993), the transport calls tlsStarted(): the session then
    // stops offering STLS/STARTTLS and allows logins that require TLS.
    virtual bool takeTlsRequest() { return false; }
    virtual void tlsStarted() {}
    virtual bool tlsActive() const { return false; }
};

} // namespace maillab::wire
