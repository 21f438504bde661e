// The IMAP4rev1 server side of one connection (RFC 3501), with IDLE, MOVE, UIDPLUS, NAMESPACE, UNSELECT,
// ENABLE, ID, SPECIAL-USE, CHILDREN, SASL-IR and LITERAL+.
#pragma once

#include "imap/imap_types.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace maillab::imap {

// RFC 3501 section 3: the connection's states.
enum class State : uint8_t { NotAuthenticated = 1, Authenticated = 2, Selected = 4, Logout = 8 };
const char* stateName(State state); // "not authenticated", ...

struct CommandInfo {
    CommandName name;
    const char* wireName;
    uint8_t allowedStates; // bits of State
    const char* syntax;
    const char* summary; // one or two sentences for a student
    const char* rfc;
};
const std::vector<CommandInfo>& commandTable();
const CommandInfo& commandInfo(CommandName name);

struct SessionOptions {
    std::string hostname = "maillab";
    size_t maxLineLength = 65536;              // one line of a command, literals excluded
    size_t maxLiteralSize = 32u * 1024 * 1024; // one literal (APPEND of a large message)
    size_t maxCommandSize = 64u * 1024 * 1024; // a whole command with its literals
    // Before login (F3): an unauthenticated client gets only what LOGIN and AUTHENTICATE need.
    size_t preAuthMaxLineLength = 8192;
    size_t preAuthMaxLiteralSize = 8192;
    // The transport can run TLS on this connection: STARTTLS is offered and accepted (RFC 3501 6.2.1).
    bool tlsAvailable = false;
    // LOGINDISABLED until TLS is active: LOGIN and AUTHENTICATE get NO [PRIVACYREQUIRED] and AUTH=PLAIN is
    // not advertised (RFC 3501 section 6.2.3 and 7.2.1, RFC 2595 section 6, RFC 9051 section 7.1).
    bool loginRequiresTls = false;
};

class ImapSession : public wire::ServerSession {
public:
    ImapSession(store::Store& store, const wire::Clock& clock, int sessionId, SessionOptions options = {});
    ~ImapSession() override;

    wire::Protocol protocol() const override { return wire::Protocol::Imap; }
    std::string greeting() override;
    std::string receive(std::string_view bytes) override;
    std::string takeUnsolicited() override;
    bool closed() const override { return m_closed; }
    void disconnected() override;
    std::string stateName() const override { return imap::stateName(m_state); }
    bool takeTlsRequest() override;
    void tlsStarted() override;
    bool tlsActive() const override { return m_tlsActive; }

    State state() const { return m_state; }
    const std::string& user() const { return m_user; }
    const std::string& selectedMailbox() const { return m_selected; }
    bool readOnly() const { return m_readOnly; }
    bool idling() const { return m_idling; }
    // This session's sequence numbers: the UID of message n is uids()[n-1] (RFC 3501 section 2.3.1.2).
    const std::vector<uint32_t>& uids() const { return m_uids; }

    // The capabilities of a plain connection without TLS options (what every session offered before TLS).
    static std::string capabilities();
    // What this session advertises now: STARTTLS only while it may be used, LOGINDISABLED while logins wait
    // for TLS. It changes after STARTTLS, which is why the client must ask again (RFC 3501 section 6.2.1).
    std::string currentCapabilities() const;

private:
    // [SECTION] framing
    std::string onLine(std::string line);
    std::string execute(const std::string& bytes);
    std::string dispatch(const Command& command);
    std::string run(const Command& command);
    std::string onSaslResponse(const std::string& line);
    std::string onIdleLine(const std::string& line);

    // [SECTION] mailbox view and updates
    void onStoreEvent(const store::StoreEvent& event);
    // Untagged EXISTS/RECENT/FETCH/EXPUNGE for what changed since this session last told its client.
    std::string updates(bool allowExpunge);
    const store::Mailbox* selected() const;
    const store::StoredMessage*
    messageAt(size_t index) const; // index into m_uids; null when expunged meanwhile
    void deselect();
    // Indices into m_uids named by a sequence set (or UID set when byUid).
    std::vector<size_t> resolve(const SequenceSet& set, bool byUid) const;
    // For commands that take message sequence numbers: why the set names messages that do not exist, or "".
    std::string sequenceProblem(const Command& c) const;
    std::string flagList(const store::StoredMessage& message) const;

    // [SECTION] handlers, one per command
    std::string cmdCapability(const Command& c);
    std::string cmdNoop(const Command& c);
    std::string cmdLogout(const Command& c);
    std::string cmdLogin(const Command& c);
    std::string cmdAuthenticate(const Command& c);
    std::string cmdStarttls(const Command& c);
    std::string cmdSelect(const Command& c);
    std::string cmdCreate(const Command& c);
    std::string cmdDelete(const Command& c);
    std::string cmdRename(const Command& c);
    std::string cmdSubscribe(const Command& c);
    std::string cmdList(const Command& c);
    std::string cmdStatus(const Command& c);
    std::string cmdAppend(const Command& c);
    std::string cmdNamespace(const Command& c);
    std::string cmdEnable(const Command& c);
    std::string cmdId(const Command& c);
    std::string cmdIdle(const Command& c);
    std::string cmdCheck(const Command& c);
    std::string cmdClose(const Command& c);
    std::string cmdUnselect(const Command& c);
    std::string cmdExpunge(const Command& c);
    std::string cmdSearch(const Command& c);
    std::string cmdFetch(const Command& c);
    std::string cmdStore(const Command& c);
    std::string cmdCopy(const Command& c);

    std::string login(const std::string& tag, const std::string& user, const std::string& password);
    void fetchItems(size_t index, const Command& c, bool& missing, std::string& out);
    bool matches(const SearchKey& key, size_t index, const store::StoredMessage& message) const;

    store::Store& m_store;
    const wire::Clock& m_clock;
    int m_sessionId;
    SessionOptions m_options;
    int m_listener = 0;

    State m_state = State::NotAuthenticated;
    bool m_closed = false;
    std::string m_user;
    bool m_tlsActive = false;
    bool m_tlsRequested = false; // STARTTLS accepted, the transport has not taken the request yet
    bool m_awaitingTls = false;  // STARTTLS accepted, TLS not started: client bytes are dropped

    // Framing: the command being collected, and the literal still owed by the client.
    std::string m_line;
    std::string m_command;
    size_t m_literalRemaining = 0;
    bool m_discardingLine = false;
    std::string m_saslTag; // AUTHENTICATE waiting for the client's response
    bool m_idling = false;
    std::string m_idleTag;

    // The selected mailbox as this session has told its client about it.
    std::string m_selected;
    bool m_readOnly = false;
    std::vector<uint32_t> m_uids;
    std::set<uint32_t> m_recent;         // \Recent is per session (RFC 3501 section 2.3.2)
    std::set<uint32_t> m_pendingExpunge; // gone from the store, not yet announced
    std::set<uint32_t> m_pendingFlags;   // changed by another session, not yet announced
    bool m_pendingBye = false;           // the selected mailbox vanished or was renumbered
};

} // namespace maillab::imap
