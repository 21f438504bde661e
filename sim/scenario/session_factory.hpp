// The server side of a new connection, made in one place for every transport: the simulator's links, the
// dashboard's console, `maillab console` and `maillab serve`'s sockets all meet the same sessions.
#pragma once

#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maillab::scenario {

// What the transport tells a new session, whatever its protocol.
struct ServerSessionOptions {
    // The transport can run TLS: STLS/STARTTLS is offered and accepted (RFC 2595 section 4, RFC 3501 6.2.1).
    bool tlsAvailable = false;
    // No login before TLS is active (RFC 2595 section 2.1; IMAP says LOGINDISABLED).
    bool loginRequiresTls = false;
    // IMAP limits on one command line and one literal (serve's --max-line, --max-literal); unset keeps the
    // session's own default. A whole command may then hold at least two literals of that size.
    std::optional<size_t> imapMaxLine;
    std::optional<size_t> imapMaxLiteral;
    // IMAP before login: a stranger gets only what LOGIN and AUTHENTICATE need (never more than the above).
    std::optional<size_t> preAuthMaxLine;
    std::optional<size_t> preAuthMaxLiteral;
    // A long IMAP answer is made this many bytes at a time (ServerSession::continueOutput); SIZE_MAX: whole.
    size_t replyChunkBytes = SIZE_MAX;
    // IMAP extensions this server does not offer (a lesson's capability toggle).
    std::vector<std::string> imapCapabilitiesOff;
    std::vector<std::string> imapCapabilitiesOn; // offered here though not yet to all (IMAP4rev2)
};

std::unique_ptr<wire::ServerSession> makeServerSession(wire::Protocol protocol, store::Store& store,
                                                       const wire::Clock& clock, int sessionId,
                                                       const ServerSessionOptions& options = {});

} // namespace maillab::scenario
