#include "scenario/session_factory.hpp"

#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"

#include <algorithm>

namespace maillab::scenario {

std::unique_ptr<wire::ServerSession> makeServerSession(wire::Protocol protocol, store::Store& store,
                                                       const wire::Clock& clock, int sessionId,
                                                       const ServerSessionOptions& options)
{
    if (protocol == wire::Protocol::Pop3) {
        pop3::SessionOptions pop3Options;
        pop3Options.tlsAvailable = options.tlsAvailable;
        pop3Options.loginRequiresTls = options.loginRequiresTls;
        return std::make_unique<pop3::Pop3Session>(store, clock, sessionId, pop3Options);
    }
    imap::SessionOptions imapOptions;
    if (options.imapMaxLine) imapOptions.maxLineLength = *options.imapMaxLine;
    if (options.imapMaxLiteral) {
        imapOptions.maxLiteralSize = *options.imapMaxLiteral;
        imapOptions.maxCommandSize = std::max(imapOptions.maxCommandSize, *options.imapMaxLiteral * 2);
    }
    if (options.preAuthMaxLine)
        imapOptions.preAuthMaxLineLength = std::min(*options.preAuthMaxLine, imapOptions.maxLineLength);
    if (options.preAuthMaxLiteral)
        imapOptions.preAuthMaxLiteralSize = std::min(*options.preAuthMaxLiteral, imapOptions.maxLiteralSize);
    imapOptions.replyChunkBytes = options.replyChunkBytes;
    imapOptions.tlsAvailable = options.tlsAvailable;
    imapOptions.loginRequiresTls = options.loginRequiresTls;
    imapOptions.capabilitiesOff = options.imapCapabilitiesOff;
    imapOptions.capabilitiesOn = options.imapCapabilitiesOn;
    return std::make_unique<imap::ImapSession>(store, clock, sessionId, imapOptions);
}

} // namespace maillab::scenario
