// The POP3 server side of one connection: RFC 1939 with RFC 2449 (CAPA, RESP-CODES) and RFC 5034 (AUTH).
#pragma once

#include "pop3/pop3_types.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/exchange.hpp"
#include "wire/session.hpp"

#include <string>
#include <vector>

namespace maillab::pop3 {

struct SessionOptions {
    std::string hostname = "maillab";
    size_t maxLineLength = kMaxCommandLine;
    // The transport can run TLS on this connection: STLS is offered and accepted (RFC 2595 section 4).
    bool tlsAvailable = false;
    // No USER, PASS, APOP or AUTH until TLS is active, and CAPA lists no USER or SASL before it: the
    // password never crosses the network in plain text (RFC 2595 section 2.1 and 6).
    bool loginRequiresTls = false;
};

class Pop3Session : public wire::ServerSession {
public:
    // One message as this session numbered it when the maildrop was opened (RFC 1939 section 5).
    struct MaildropEntry {
        uint32_t uid = 0;
        size_t size = 0;
        bool markedDeleted = false;
    };

    Pop3Session(store::Store& store, const wire::Clock& clock, int sessionId, SessionOptions options = {});
    ~Pop3Session() override;

    wire::Protocol protocol() const override { return wire::Protocol::Pop3; }
    std::string greeting() override;
    std::string receive(std::string_view bytes) override;
    bool closed() const override { return m_closed; }
    void disconnected() override;
    std::string stateName() const override { return pop3::stateName(m_state); }
    bool takeTlsRequest() override;
    void tlsStarted() override;
    bool tlsActive() const override { return m_tlsActive; }
    std::vector<wire::Exchange> takeExchanges() override;

    State state() const { return m_state; }
    const std::string& user() const { return m_user; }
    const std::vector<MaildropEntry>& maildrop() const { return m_maildrop; }
    int sessionId() const { return m_sessionId; }
    // The unique-id UIDL reports for a message: stable while the mailbox's UIDVALIDITY stays the same.
    static std::string uniqueId(uint32_t uidValidity, uint32_t uid);

private:
    friend const std::vector<CommandInfo>& commandTable();

    std::string handleLine(std::string_view line);
    // "+OK text" / "-ERR text" with CRLF, and the exchange under way learns its status and response code.
    std::string ok(std::string_view text);
    std::string err(std::string_view text);
    // Ends the exchange under way: it is recorded with the state the session is in now.
    void finishExchange();
    void enter(State state);
    wire::Effect& addEffect(wire::Effect::Kind kind, const MaildropEntry& entry);
    std::string dispatch(const Command& command);
    std::string handleSaslResponse(std::string_view line);

    std::string cmdUser(const Command& c);
    std::string cmdPass(const Command& c);
    std::string cmdApop(const Command& c);
    std::string cmdAuth(const Command& c);
    std::string cmdCapa(const Command& c);
    std::string cmdStls(const Command& c);
    std::string cmdQuit(const Command& c);
    std::string cmdStat(const Command& c);
    std::string cmdList(const Command& c);
    std::string cmdRetr(const Command& c);
    std::string cmdDele(const Command& c);
    std::string cmdNoop(const Command& c);
    std::string cmdRset(const Command& c);
    std::string cmdTop(const Command& c);
    std::string cmdUidl(const Command& c);

    std::string login(const std::string& user, bool credentialsOk);
    std::string authPlain(std::string_view base64);
    // Resolves a message-number argument, or sets the -ERR reply and returns nullptr.
    MaildropEntry* messageArg(const std::string& arg, std::string& error);
    size_t messageNumber(const MaildropEntry& entry) const;
    const store::StoredMessage* storedMessage(const MaildropEntry& entry) const;
    uint32_t uidValidity() const;
    void releaseLock();

    store::Store& m_store;
    const wire::Clock& m_clock;
    int m_sessionId;
    SessionOptions m_options;
    State m_state = State::Authorization;
    std::string m_timestamp;   // the <...> of the greeting, for APOP
    std::string m_pendingUser; // after USER, before PASS
    std::string m_user;
    bool m_saslPending = false;
    bool m_closed = false;
    bool m_discardingLongLine = false;
    bool m_locked = false;
    bool m_tlsActive = false;
    bool m_tlsRequested = false; // STLS accepted, the transport has not taken the request yet
    bool m_awaitingTls = false;  // STLS accepted, TLS not started: client bytes are dropped
    std::string m_input;

    wire::Exchange m_exchange; // the exchange under way
    std::vector<wire::Exchange> m_exchanges;
    std::vector<MaildropEntry> m_maildrop;
};

} // namespace maillab::pop3
