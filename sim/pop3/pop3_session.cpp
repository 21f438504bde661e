#include "pop3/pop3_session.hpp"

#include "util/sasl.hpp"
#include "util/text.hpp"

#include <cassert>
#include <cstring>
#include <utility>

namespace maillab::pop3 {

namespace {

// Replies go out in command order; the first one is moved, not copied (a RETR reply can be large).
void appendReply(std::string& out, std::string reply)
{
    if (out.empty())
        out = std::move(reply);
    else
        out += reply;
}

std::string octets(size_t count, size_t total)
{
    return std::to_string(count) + (count == 1 ? " message (" : " messages (") + std::to_string(total) +
           " octets)";
}

} // namespace

Pop3Session::Pop3Session(store::Store& store, const wire::Clock& clock, int sessionId, SessionOptions options)
    : m_store(store), m_clock(clock), m_sessionId(sessionId), m_options(std::move(options))
{
}

Pop3Session::~Pop3Session()
{
    releaseLock();
}

std::string Pop3Session::uniqueId(uint32_t uidValidity, uint32_t uid)
{
    return std::to_string(uidValidity) + "." + std::to_string(uid);
}

std::string Pop3Session::greeting()
{
    // RFC 1939 section 7: the timestamp is a msg-id, unique per greeting; APOP digests it.
    m_timestamp = "<" + std::to_string(m_sessionId) + "." + std::to_string(m_clock.nowMs()) + "@" +
                  m_options.hostname + ">";
    m_exchange = {};
    std::string reply = ok(m_options.hostname + " POP3 server ready " + m_timestamp);
    finishExchange();
    return reply;
}

// [SECTION] what each exchange meant

std::string Pop3Session::ok(std::string_view text)
{
    std::string line = "+OK " + std::string(text);
    m_exchange.status = wire::Status::Ok;
    m_exchange.statusLine = line;
    return line + "\r\n";
}

std::string Pop3Session::err(std::string_view text)
{
    std::string line = "-ERR " + std::string(text);
    m_exchange.status = wire::Status::Err;
    // The response code in brackets right after -ERR (RFC 2449 section 8).
    m_exchange.code = text.starts_with('[') && text.find(']') != std::string_view::npos
                          ? std::string(text.substr(1, text.find(']') - 1))
                          : std::string();
    m_exchange.statusLine = line;
    return line + "\r\n";
}

void Pop3Session::finishExchange()
{
    m_exchange.stateAfter = pop3::stateName(m_state);
    m_exchanges.push_back(std::move(m_exchange));
    m_exchange = {};
}

void Pop3Session::enter(State state)
{
    // Every move is a row of the transition table (pop3_vocabulary.cpp), which the dashboard draws.
    assert(canMove(m_state, state));
    m_state = state;
}

wire::Effect& Pop3Session::addEffect(wire::Effect::Kind kind, const MaildropEntry& entry)
{
    wire::Effect& effect = m_exchange.effects.emplace_back();
    effect.kind = kind;
    effect.mailbox = "INBOX";
    effect.uid = entry.uid;
    effect.number = static_cast<uint32_t>(messageNumber(entry));
    return effect;
}

std::vector<wire::Exchange> Pop3Session::takeExchanges()
{
    return std::exchange(m_exchanges, {});
}

std::string Pop3Session::receive(std::string_view bytes)
{
    std::string out;
    size_t pos = 0;
    // Between +OK to STLS and the end of the handshake nothing the client sends counts: plaintext that
    // arrives there could have been injected by a man in the middle (RFC 2595 section 4, CVE-2011-0411).
    if (m_awaitingTls) return out;
    while (pos < bytes.size() && !m_closed) {
        const void* found = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
        size_t lf =
            found ? static_cast<size_t>(static_cast<const char*>(found) - bytes.data()) : bytes.size();
        std::string_view piece = bytes.substr(pos, lf - pos);
        pos = found ? lf + 1 : bytes.size();
        if (m_discardingLongLine) {
            // The rest of an over-long line: drop it up to its line end, then listen again.
            if (found) m_discardingLongLine = false;
            continue;
        }
        size_t limit = m_saslPending ? kMaxSaslLine : m_options.maxLineLength;
        // Checked before buffering, so an endless line costs no more memory than the limit.
        if (m_input.size() + piece.size() + 1 > limit) {
            m_exchange = {};
            m_exchange.stateBefore = pop3::stateName(m_state);
            appendReply(out, err("line too long: a command line may be at most " + std::to_string(limit) +
                                 " octets with its CRLF (RFC 2449 section 4)"));
            m_input.clear();
            m_saslPending = false; // the -ERR ends an AUTH exchange too (RFC 5034 section 4)
            m_discardingLongLine = !found;
            finishExchange();
            continue;
        }
        if (!found) {
            m_input.append(piece); // wait for the rest of the line
            break;
        }
        std::string_view line = piece;
        if (!m_input.empty()) {
            m_input.append(piece);
            line = m_input;
        }
        if (line.empty() || line.back() != '\r') {
            m_input.clear();
            m_saslPending = false;
            m_exchange = {};
            m_exchange.stateBefore = pop3::stateName(m_state);
            appendReply(out, err("lines must end with CRLF, not a bare LF (RFC 1939 section 3)"));
            finishExchange();
            continue;
        }
        line.remove_suffix(1);
        std::string reply = handleLine(line);
        m_input.clear();
        appendReply(out, std::move(reply));
        if (m_awaitingTls) break; // the rest of these bytes came after STLS: dropped
    }
    return out;
}

bool Pop3Session::takeTlsRequest()
{
    const bool requested = m_tlsRequested;
    m_tlsRequested = false;
    return requested;
}

void Pop3Session::tlsStarted()
{
    m_tlsActive = true;
    m_awaitingTls = false;
    m_tlsRequested = false;
    m_input.clear();
    m_discardingLongLine = false;
}

std::string Pop3Session::handleLine(std::string_view line)
{
    std::string reply;
    if (m_saslPending) {
        // The rest of AUTH: the exchange that said "+ " was recorded, this one ends it.
        m_exchange.command = "AUTH";
        m_exchange.stateBefore = pop3::stateName(m_state);
        reply = handleSaslResponse(line);
    } else {
        m_exchange = {};
        m_exchange.stateBefore = pop3::stateName(m_state);
        auto parsed = parseCommand(line);
        if (auto* error = std::get_if<ParseError>(&parsed)) {
            reply = err(error->message);
        } else {
            m_exchange.command = std::get<Command>(parsed).info->name;
            reply = dispatch(std::get<Command>(parsed));
        }
    }
    finishExchange();
    return reply;
}

std::string Pop3Session::dispatch(const Command& c)
{
    // The one state guard: every command's allowed states come from the command table.
    if ((c.info->allowedStates & static_cast<uint8_t>(m_state)) == 0) {
        if (m_state == State::Authorization)
            return err(std::string(c.info->name) + " is only allowed after logging in (TRANSACTION state, " +
                       c.info->rfc + ")");
        return err(std::string(c.info->name) + " is only allowed before logging in (AUTHORIZATION state, " +
                   c.info->rfc + ")");
    }
    if (c.info->logsIn && m_options.loginRequiresTls && !m_tlsActive)
        return err(std::string("plain-text login is disabled on this server: send STLS first, so that the "
                               "password travels encrypted (RFC 2595 section 4); ") +
                   c.info->name + " refused");
    return (this->*c.info->handler)(c);
}

void Pop3Session::disconnected()
{
    // No QUIT, so no UPDATE state: marked messages stay (RFC 1939 section 6).
    releaseLock();
    m_closed = true;
}

void Pop3Session::releaseLock()
{
    if (m_locked) m_store.unlockMaildrop(m_user, m_sessionId);
    m_locked = false;
}

uint32_t Pop3Session::uidValidity() const
{
    const store::Mailbox* inbox = m_store.mailbox(m_user, "INBOX");
    return inbox ? inbox->uidValidity : 0;
}

// [SECTION] AUTHORIZATION

std::string Pop3Session::cmdUser(const Command& c)
{
    m_pendingUser = c.args[0];
    // Same answer for every name, so the reply does not tell an attacker which mailboxes exist.
    return ok("send PASS");
}

std::string Pop3Session::cmdPass(const Command& c)
{
    if (m_pendingUser.empty()) return err("send USER first (RFC 1939 section 7)");
    std::string user = std::move(m_pendingUser);
    m_pendingUser.clear();
    return login(user, m_store.checkPassword(user, c.args[0]));
}

std::string Pop3Session::cmdApop(const Command& c)
{
    return login(c.args[0], m_store.checkApop(c.args[0], m_timestamp, c.args[1]));
}

std::string Pop3Session::cmdAuth(const Command& c)
{
    if (c.args.empty()) return ok("SASL mechanisms follow") + "PLAIN\r\n.\r\n";
    if (!util::iequals(c.args[0], "PLAIN"))
        return err("unsupported SASL mechanism; this server offers PLAIN");
    if (c.args.size() == 2) {
        // "=" is an empty initial response (RFC 5034 section 4).
        return authPlain(c.args[1] == "=" ? std::string_view() : std::string_view(c.args[1]));
    }
    m_saslPending = true;
    m_exchange.status = wire::Status::Continue;
    m_exchange.statusLine = "+ ";
    return "+ \r\n"; // an empty challenge: send the PLAIN response
}

std::string Pop3Session::handleSaslResponse(std::string_view line)
{
    m_saslPending = false;
    if (line == "*") return err("AUTH cancelled by the client (RFC 5034 section 4)");
    return authPlain(line);
}

std::string Pop3Session::authPlain(std::string_view base64)
{
    // One strict decoder for POP3 and IMAP (RFC 4616 section 2; strict base64 per RFC 5034 section 4).
    auto decoded = util::decodeSaslPlain(base64);
    if (auto* error = std::get_if<util::SaslPlainError>(&decoded))
        return err("[AUTH] " + std::string(util::describe(*error)));
    const util::SaslPlain& plain = std::get<util::SaslPlain>(decoded);
    if (!plain.authzid.empty() && plain.authzid != plain.authcid)
        return err("[AUTH] you may not act as another user");
    return login(plain.authcid, m_store.checkPassword(plain.authcid, plain.passwd));
}

std::string Pop3Session::login(const std::string& user, bool credentialsOk)
{
    m_exchange.user = user;
    m_exchange.login = wire::Login::Failed;
    if (!credentialsOk) return err("[AUTH] wrong user name or password");
    // A right password and a locked maildrop is no failed guess: the throttle leaves it alone.
    m_exchange.login = wire::Login::None;
    if (!m_store.tryLockMaildrop(user, m_sessionId))
        // Short, so that it fits over its arrow in the sequence diagram; the hover help cites RFC 2449 for
        // the code.
        return err("[IN-USE] another session has this maildrop open (RFC 1939 section 4)");
    m_exchange.login = wire::Login::Succeeded;
    m_locked = true;
    m_user = user;
    enter(State::Transaction);
    m_maildrop.clear();
    size_t total = 0;
    if (const store::Mailbox* inbox = m_store.mailbox(user, "INBOX")) {
        m_maildrop.reserve(inbox->messages.size());
        for (const store::StoredMessage& m : inbox->messages) {
            m_maildrop.push_back({m.uid, m.size(), false});
            total += m.size();
        }
    }
    return ok(user + "'s maildrop has " + octets(m_maildrop.size(), total));
}

std::string Pop3Session::cmdCapa(const Command&)
{
    // Without TLS under loginRequiresTls no login is possible, so none is advertised: PLAIN in particular
    // MUST NOT be offered without an encryption layer (RFC 2595 section 6).
    const bool loginOffered = !m_options.loginRequiresTls || m_tlsActive;
    std::string out = ok("capability list follows");
    out += loginOffered ? "TOP\r\nUSER\r\n" : "TOP\r\n";
    out += "UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (loginOffered) out += "SASL PLAIN\r\n";
    // "STLS" means the command is present and permitted in the current state (RFC 2595 section 4).
    if (m_options.tlsAvailable && !m_tlsActive && m_state == State::Authorization) out += "STLS\r\n";
    out += "EXPIRE NEVER\r\nIMPLEMENTATION maillab\r\n.\r\n";
    return out;
}

std::string Pop3Session::cmdStls(const Command&)
{
    if (m_tlsActive) return err("Command not permitted when TLS active (RFC 2595 section 4)");
    if (!m_options.tlsAvailable) return err("STLS is not offered on this connection");
    // What the client said before TLS is forgotten: a USER given in plain text does not carry over.
    m_pendingUser.clear();
    m_tlsRequested = true;
    m_awaitingTls = true;
    return ok("Begin TLS negotiation");
}

std::string Pop3Session::cmdQuit(const Command&)
{
    m_closed = true;
    if (m_state == State::Authorization) return ok(m_options.hostname + " POP3 server signing off");
    // UPDATE state: only now do the messages marked with DELE go (RFC 1939 section 6).
    enter(State::Update);
    std::vector<uint32_t> doomed;
    for (const MaildropEntry& e : m_maildrop)
        if (e.markedDeleted) {
            doomed.push_back(e.uid);
            addEffect(wire::Effect::Kind::Expunged, e);
        }
    size_t removed = m_store.expunge(m_user, "INBOX", doomed, m_sessionId);
    size_t left = 0;
    if (const store::Mailbox* inbox = m_store.mailbox(m_user, "INBOX")) left = inbox->messages.size();
    releaseLock();
    return ok(m_options.hostname + " POP3 server signing off (" + std::to_string(removed) + " deleted, " +
              std::to_string(left) + " left)");
}

// [SECTION] TRANSACTION

Pop3Session::MaildropEntry* Pop3Session::messageArg(const std::string& arg, std::string& error)
{
    auto number = util::parseNumber(arg);
    if (!number || *number == 0) {
        error = err("\"" + util::escapeForDisplay(arg) + "\" is not a message number (1, 2, ...)");
        return nullptr;
    }
    if (*number > m_maildrop.size()) {
        error = err("no such message, only " + std::to_string(m_maildrop.size()) + " in maildrop");
        return nullptr;
    }
    MaildropEntry& entry = m_maildrop[*number - 1];
    if (entry.markedDeleted) {
        error = err("message " + arg + " already deleted");
        return nullptr;
    }
    return &entry;
}

size_t Pop3Session::messageNumber(const MaildropEntry& entry) const
{
    // Listings name the message number in decimal (RFC 1939 section 5), not as the client spelled it ("02").
    return static_cast<size_t>(&entry - m_maildrop.data()) + 1;
}

const store::StoredMessage* Pop3Session::storedMessage(const MaildropEntry& entry) const
{
    const store::Mailbox* inbox = m_store.mailbox(m_user, "INBOX");
    return inbox ? inbox->find(entry.uid) : nullptr;
}

std::string Pop3Session::cmdStat(const Command&)
{
    size_t count = 0, total = 0;
    for (const MaildropEntry& e : m_maildrop) {
        if (e.markedDeleted) continue;
        ++count;
        total += e.size;
    }
    return ok(std::to_string(count) + " " + std::to_string(total));
}

std::string Pop3Session::cmdList(const Command& c)
{
    if (!c.args.empty()) {
        std::string error;
        const MaildropEntry* entry = messageArg(c.args[0], error);
        if (!entry) return error;
        return ok(std::to_string(messageNumber(*entry)) + " " + std::to_string(entry->size));
    }
    size_t count = 0, total = 0;
    std::string lines;
    lines.reserve(m_maildrop.size() * 12);
    for (size_t i = 0; i < m_maildrop.size(); ++i) {
        const MaildropEntry& e = m_maildrop[i];
        if (e.markedDeleted) continue;
        ++count;
        total += e.size;
        lines += std::to_string(i + 1);
        lines += ' ';
        lines += std::to_string(e.size);
        lines += "\r\n";
    }
    return ok(octets(count, total)) + lines + ".\r\n";
}

std::string Pop3Session::cmdRetr(const Command& c)
{
    std::string error;
    const MaildropEntry* entry = messageArg(c.args[0], error);
    if (!entry) return error;
    const store::StoredMessage* message = storedMessage(*entry);
    // A Maildir file another program removed or changed (serve --maildir) is gone as well.
    const std::shared_ptr<const store::MessageBody> body = message ? message->data->body() : nullptr;
    if (!body) return err("message " + c.args[0] + " is no longer on the server");
    std::string out = ok(std::to_string(entry->size) + " octets");
    appendDotStuffed(out, body->bytes());
    addEffect(wire::Effect::Kind::Sent, *entry).bytes = message->size();
    return out;
}

std::string Pop3Session::cmdDele(const Command& c)
{
    std::string error;
    MaildropEntry* entry = messageArg(c.args[0], error);
    if (!entry) return error;
    entry->markedDeleted = true;
    addEffect(wire::Effect::Kind::Marked, *entry);
    return ok("message " + c.args[0] + " marked for deletion (removed at QUIT)");
}

std::string Pop3Session::cmdNoop(const Command&)
{
    return ok("nothing to do");
}

std::string Pop3Session::cmdRset(const Command&)
{
    size_t total = 0;
    for (MaildropEntry& e : m_maildrop) {
        if (e.markedDeleted) addEffect(wire::Effect::Kind::Unmarked, e);
        e.markedDeleted = false;
        total += e.size;
    }
    return ok("maildrop has " + octets(m_maildrop.size(), total));
}

std::string Pop3Session::cmdTop(const Command& c)
{
    std::string error;
    const MaildropEntry* entry = messageArg(c.args[0], error);
    if (!entry) return error;
    auto lines = util::parseNumber(c.args[1]);
    if (!lines) return err("\"" + util::escapeForDisplay(c.args[1]) + "\" is not a line count (0, 1, ...)");
    const store::StoredMessage* message = storedMessage(*entry);
    // TOP n 0 needs only the header block, which the store keeps; a message on disk is read for more.
    std::shared_ptr<const store::MessageBody> body;
    std::optional<std::string_view> header;
    if (message && *lines > 0)
        body = message->data->body();
    else if (message)
        header = message->data->header();
    if (!body && !header) return err("message " + c.args[0] + " is no longer on the server");
    std::string_view bytes = body ? std::string_view(body->bytes()) : *header;
    size_t end = mail::findBodyOffset(bytes);
    for (uint64_t n = 0; n < *lines && end < bytes.size(); ++n) {
        size_t lf = bytes.find('\n', end);
        end = lf == std::string_view::npos ? bytes.size() : lf + 1;
    }
    std::string out = ok("top of message follows");
    appendDotStuffed(out, bytes.substr(0, end));
    wire::Effect& sent = addEffect(wire::Effect::Kind::Sent, *entry);
    sent.extent = *lines == 0 ? wire::Effect::Extent::Headers : wire::Effect::Extent::HeadersAndLines;
    if (*lines > 0) sent.part = std::to_string(*lines);
    sent.bytes = end;
    return out;
}

std::string Pop3Session::cmdUidl(const Command& c)
{
    const uint32_t validity = uidValidity();
    if (!c.args.empty()) {
        std::string error;
        const MaildropEntry* entry = messageArg(c.args[0], error);
        if (!entry) return error;
        return ok(std::to_string(messageNumber(*entry)) + " " + uniqueId(validity, entry->uid));
    }
    std::string out = ok("unique-id listing follows");
    for (size_t i = 0; i < m_maildrop.size(); ++i) {
        if (m_maildrop[i].markedDeleted) continue;
        out += std::to_string(i + 1) + " " + uniqueId(validity, m_maildrop[i].uid) + "\r\n";
    }
    return out + ".\r\n";
}

} // namespace maillab::pop3
