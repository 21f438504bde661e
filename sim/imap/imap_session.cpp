// The IMAP session: framing (lines and literals), the state guard, dispatch, and mailbox updates.
#include "imap/imap_session.hpp"

#include "util/text.hpp"

#include <algorithm>

namespace maillab::imap {

namespace {
constexpr uint8_t kNotAuth = static_cast<uint8_t>(State::NotAuthenticated);
constexpr uint8_t kAuth = static_cast<uint8_t>(State::Authenticated);
constexpr uint8_t kSel = static_cast<uint8_t>(State::Selected);
constexpr uint8_t kAny = kNotAuth | kAuth | kSel;
constexpr uint8_t kLoggedIn = kAuth | kSel;
} // namespace

const char* stateName(State state)
{
    switch (state) {
    case State::NotAuthenticated: return "not authenticated";
    case State::Authenticated: return "authenticated";
    case State::Selected: return "selected";
    case State::Logout: return "logout";
    }
    return "";
}

const std::vector<CommandInfo>& commandTable()
{
    static const std::vector<CommandInfo> table = {
        {CommandName::Capability, "CAPABILITY", kAny, "CAPABILITY", "Lists what this server can do.",
         "RFC 3501 section 6.1.1"},
        {CommandName::Noop, "NOOP", kAny, "NOOP",
         "Does nothing, but gives the server a chance to report new mail and flag changes.",
         "RFC 3501 section 6.1.2"},
        {CommandName::Logout, "LOGOUT", kAny, "LOGOUT", "Ends the session; the server says BYE.",
         "RFC 3501 section 6.1.3"},
        {CommandName::Starttls, "STARTTLS", kNotAuth, "STARTTLS",
         "Switches the connection to TLS before logging in: after the tagged OK both sides start a TLS "
         "handshake, and the password then travels encrypted. The client asks CAPABILITY again afterwards.",
         "RFC 3501 section 6.2.1"},
        {CommandName::Authenticate, "AUTHENTICATE", kNotAuth, "AUTHENTICATE mechanism [initial-response]",
         "Logs in with a SASL mechanism; maillab offers PLAIN.", "RFC 3501 section 6.2.2"},
        {CommandName::Login, "LOGIN", kNotAuth, "LOGIN user password",
         "Logs in with a user name and password.", "RFC 3501 section 6.2.3"},
        {CommandName::Select, "SELECT", kLoggedIn, "SELECT mailbox",
         "Opens a folder for reading and changing; the server reports its size, flags and UIDs.",
         "RFC 3501 section 6.3.1"},
        {CommandName::Examine, "EXAMINE", kLoggedIn, "EXAMINE mailbox",
         "Opens a folder read-only: nothing, not even \\Seen, changes.", "RFC 3501 section 6.3.2"},
        {CommandName::Create, "CREATE", kLoggedIn, "CREATE mailbox", "Creates a folder on the server.",
         "RFC 3501 section 6.3.3"},
        {CommandName::Delete, "DELETE", kLoggedIn, "DELETE mailbox", "Deletes a folder and the mail in it.",
         "RFC 3501 section 6.3.4"},
        {CommandName::Rename, "RENAME", kLoggedIn, "RENAME old new",
         "Renames a folder; renaming INBOX moves its messages to a new folder.", "RFC 3501 section 6.3.5"},
        {CommandName::Subscribe, "SUBSCRIBE", kLoggedIn, "SUBSCRIBE mailbox",
         "Adds a folder to the list a mail program shows (LSUB).", "RFC 3501 section 6.3.6"},
        {CommandName::Unsubscribe, "UNSUBSCRIBE", kLoggedIn, "UNSUBSCRIBE mailbox",
         "Removes a folder from the subscribed list.", "RFC 3501 section 6.3.7"},
        {CommandName::List, "LIST", kLoggedIn, "LIST reference pattern",
         "Lists folders matching a pattern: * matches anything, % stops at the hierarchy delimiter /.",
         "RFC 3501 section 6.3.8"},
        {CommandName::Lsub, "LSUB", kLoggedIn, "LSUB reference pattern", "Lists subscribed folders.",
         "RFC 3501 section 6.3.9"},
        {CommandName::Status, "STATUS", kLoggedIn, "STATUS mailbox (items)",
         "Asks about a folder (message count, unseen, UIDNEXT) without selecting it.",
         "RFC 3501 section 6.3.10"},
        {CommandName::Append, "APPEND", kLoggedIn, "APPEND mailbox [(flags)] [date] {size}",
         "Uploads a message into a folder, e.g. a draft or a sent message.", "RFC 3501 section 6.3.11"},
        {CommandName::Namespace, "NAMESPACE", kLoggedIn, "NAMESPACE",
         "Tells the client the folder prefix and hierarchy delimiter.", "RFC 2342 section 5"},
        {CommandName::Enable, "ENABLE", kLoggedIn, "ENABLE capability...",
         "Turns on extensions that change responses.", "RFC 5161 section 3.1"},
        {CommandName::Id, "ID", kAny, "ID (fields) | ID NIL",
         "Client and server tell each other their names.", "RFC 2971 section 3.1"},
        {CommandName::Idle, "IDLE", kLoggedIn, "IDLE ... DONE",
         "Waits for the server to push news (new mail, expunges, flag changes) until the client sends DONE.",
         "RFC 2177 section 3"},
        {CommandName::Check, "CHECK", kSel, "CHECK",
         "Asks the server to save its state; nothing to see here.", "RFC 3501 section 6.4.1"},
        {CommandName::Close, "CLOSE", kSel, "CLOSE",
         "Closes the folder, silently removing messages marked \\Deleted.", "RFC 3501 section 6.4.2"},
        {CommandName::Expunge, "EXPUNGE", kSel, "EXPUNGE | UID EXPUNGE uids",
         "Removes messages marked \\Deleted for good; later messages' sequence numbers shift down.",
         "RFC 3501 section 6.4.3"},
        {CommandName::Search, "SEARCH", kSel, "SEARCH [CHARSET x] keys",
         "The server searches the folder and returns matching message numbers: nothing is downloaded.",
         "RFC 3501 section 6.4.4"},
        {CommandName::Fetch, "FETCH", kSel, "FETCH set items",
         "Gets parts of messages: flags, headers, structure, one body part, or all of it.",
         "RFC 3501 section 6.4.5"},
        {CommandName::Store, "STORE", kSel, "STORE set +FLAGS (flags)",
         "Changes flags on the server, e.g. \\Seen or \\Flagged; every device sees them.",
         "RFC 3501 section 6.4.6"},
        {CommandName::Copy, "COPY", kSel, "COPY set mailbox",
         "Copies messages into another folder on the server.", "RFC 3501 section 6.4.7"},
        {CommandName::Move, "MOVE", kSel, "MOVE set mailbox",
         "Moves messages into another folder on the server.", "RFC 6851 section 3.1"},
        {CommandName::Unselect, "UNSELECT", kSel, "UNSELECT", "Closes the folder without removing anything.",
         "RFC 3691 section 2"},
    };
    return table;
}

const CommandInfo& commandInfo(CommandName name)
{
    for (const CommandInfo& info : commandTable())
        if (info.name == name) return info;
    return commandTable().front();
}

namespace {
constexpr const char* kBaseCapabilities =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE";
} // namespace

std::string ImapSession::capabilities()
{
    return std::string(kBaseCapabilities) + " AUTH=PLAIN";
}

std::string ImapSession::currentCapabilities() const
{
    std::string out = kBaseCapabilities;
    // STARTTLS is valid only in the not authenticated state, and never twice (RFC 3501 section 6.2.1).
    if (m_options.tlsAvailable && !m_tlsActive && m_state == State::NotAuthenticated) out += " STARTTLS";
    // PLAIN MUST NOT be advertised without TLS where plain-text logins are disabled (RFC 2595 section 6).
    if (m_options.loginRequiresTls && !m_tlsActive)
        out += " LOGINDISABLED";
    else
        out += " AUTH=PLAIN";
    return out;
}

ImapSession::ImapSession(store::Store& store, const wire::Clock& clock, int sessionId, SessionOptions options)
    : m_store(store), m_clock(clock), m_sessionId(sessionId), m_options(std::move(options))
{
    m_listener = m_store.subscribe([this](const store::StoreEvent& event) { onStoreEvent(event); });
}

ImapSession::~ImapSession()
{
    m_store.unsubscribe(m_listener);
}

std::string ImapSession::greeting()
{
    return "* OK [CAPABILITY " + currentCapabilities() + "] " + m_options.hostname +
           " IMAP4rev1 server ready\r\n";
}

void ImapSession::disconnected()
{
    m_closed = true;
    m_state = State::Logout;
}

// [SECTION] framing

std::string ImapSession::receive(std::string_view bytes)
{
    std::string out;
    size_t pos = 0;
    // Between the OK to STARTTLS and the end of the handshake nothing the client sends counts: plaintext
    // that arrives there could have been injected by a man in the middle (RFC 3501 section 6.2.1,
    // CVE-2011-0411).
    if (m_awaitingTls) return out;
    while (pos < bytes.size() && !m_closed) {
        if (m_literalRemaining > 0) {
            size_t take = std::min(m_literalRemaining, bytes.size() - pos);
            m_command.append(bytes.data() + pos, take);
            m_literalRemaining -= take;
            pos += take;
            continue;
        }
        size_t lf = bytes.find('\n', pos);
        size_t end = lf == std::string_view::npos ? bytes.size() : lf + 1;
        if (m_discardingLine) {
            if (lf != std::string_view::npos) m_discardingLine = false;
            pos = end;
            continue;
        }
        m_line.append(bytes.data() + pos, end - pos);
        pos = end;
        const bool early = m_state == State::NotAuthenticated;
        const size_t maxLine = early ? std::min(m_options.preAuthMaxLineLength, m_options.maxLineLength)
                                     : m_options.maxLineLength;
        if (m_line.size() > maxLine) {
            // Answer once and skip the rest of the line, so a flood cannot grow memory (RFC 9051 section 4).
            out += "* BAD line too long: at most " + std::to_string(maxLine) + " octets\r\n";
            m_discardingLine = lf == std::string_view::npos;
            m_line.clear();
            m_command.clear();
            if (!m_saslTag.empty()) {
                // The line was the AUTHENTICATE response: the exchange ends here, so that the client's next
                // line is read as a command again, not as a second response (F12, RFC 3501 section 6.2.2).
                out += m_saslTag + " BAD AUTHENTICATE cancelled: the response line was too long\r\n";
                m_saslTag.clear();
            }
            continue;
        }
        if (lf == std::string_view::npos) break;
        std::string line = std::move(m_line);
        m_line.clear();
        // Moving the first reply in saves copying what may be tens of megabytes of FETCH data.
        if (out.empty())
            out = onLine(std::move(line));
        else
            out += onLine(std::move(line));
        if (m_awaitingTls) break; // the rest of these bytes came after STARTTLS: dropped
    }
    return out;
}

bool ImapSession::takeTlsRequest()
{
    const bool requested = m_tlsRequested;
    m_tlsRequested = false;
    return requested;
}

void ImapSession::tlsStarted()
{
    m_tlsActive = true;
    m_awaitingTls = false;
    m_tlsRequested = false;
    m_line.clear();
    m_command.clear();
    m_literalRemaining = 0;
    m_discardingLine = false;
}

std::string ImapSession::onLine(std::string line)
{
    if (!m_saslTag.empty()) return onSaslResponse(line);
    if (m_idling) return onIdleLine(line);

    m_command += line;
    if (auto literal = announcedLiteral(line)) {
        const uint64_t size = literal->size;
        const bool nonSync = literal->nonSynchronizing;
        std::string tag = m_command.substr(0, m_command.find(' '));
        // Before login only what LOGIN needs (F3): a stranger cannot make the server hold megabytes.
        const bool early = m_state == State::NotAuthenticated;
        const size_t maxLiteral = early ? std::min(m_options.preAuthMaxLiteralSize, m_options.maxLiteralSize)
                                        : m_options.maxLiteralSize;
        const size_t maxCommand =
            early ? std::min(m_options.preAuthMaxLineLength + 2 * m_options.preAuthMaxLiteralSize,
                             m_options.maxCommandSize)
                  : m_options.maxCommandSize;
        if (size > maxLiteral || m_command.size() + size > maxCommand) {
            m_command.clear();
            std::string why = size > maxLiteral
                                  ? "literal too large: at most " + std::to_string(maxLiteral) + " octets"
                                  : "command too large: at most " + std::to_string(maxCommand) +
                                        " octets with its literals";
            if (nonSync) {
                // The client sends the bytes without waiting: the stream cannot be resynchronised.
                m_closed = true;
                m_state = State::Logout;
                return "* BYE " + why + "\r\n";
            }
            return tag + " NO [TOOBIG] " + why + "\r\n";
        }
        m_literalRemaining = static_cast<size_t>(size);
        // The client waits for "+" before sending a synchronizing literal's bytes and the rest of its
        // line, even when there are no bytes: {0} too (RFC 3501 section 4.3 and 7.5).
        if (nonSync) return {};
        return "+ Ready for literal data\r\n";
    }
    std::string command = std::move(m_command);
    m_command.clear();
    return execute(command);
}

std::string ImapSession::execute(const std::string& bytes)
{
    std::string_view trimmed = util::trim(bytes);
    if (trimmed.empty()) return {}; // empty lines are ignored, as most servers do
    auto parsed = parseCommand(bytes);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
        if (error->tag.empty()) return "* BAD " + error->message + "\r\n";
        return error->tag + " BAD " + error->message + "\r\n";
    }
    return dispatch(std::get<Command>(parsed));
}

std::string ImapSession::dispatch(const Command& c)
{
    const CommandInfo& info = commandInfo(c.name);
    // The one state guard: the allowed states of every command come from the command table.
    if ((info.allowedStates & static_cast<uint8_t>(m_state)) == 0) {
        // The way out depends on what the command needs: a login, a selected mailbox, or no login yet.
        std::string why = m_state == State::NotAuthenticated ? "log in first (LOGIN or AUTHENTICATE)"
                          : (info.allowedStates & kSel) != 0 ? "select a mailbox first (SELECT or EXAMINE)"
                                                             : "not after logging in";
        return c.tag + " BAD " + commandWireName(c) + " is not allowed in the " + imap::stateName(m_state) +
               " state: " + why + " (" + info.rfc + ")\r\n";
    }
    std::string reply = run(c);
    if (m_state == State::Selected && !(c.name == CommandName::Idle && m_idling)) {
        // Untagged news goes before the tagged completion; never an EXPUNGE during FETCH, STORE or SEARCH,
        // whose replies use sequence numbers (RFC 3501 section 7.4.1). The UID forms may have them.
        const bool numbered = !c.uid && (c.name == CommandName::Fetch || c.name == CommandName::Store ||
                                         c.name == CommandName::Search);
        std::string news = updates(!numbered);
        if (!news.empty()) {
            size_t tagLine = reply.rfind("\r\n" + c.tag + " ");
            reply.insert(tagLine == std::string::npos ? 0 : tagLine + 2, news);
        }
    }
    return reply;
}

std::string ImapSession::run(const Command& c)
{
    switch (c.name) {
    case CommandName::Capability: return cmdCapability(c);
    case CommandName::Noop: return cmdNoop(c);
    case CommandName::Logout: return cmdLogout(c);
    case CommandName::Starttls: return cmdStarttls(c);
    case CommandName::Authenticate: return cmdAuthenticate(c);
    case CommandName::Login: return cmdLogin(c);
    case CommandName::Select:
    case CommandName::Examine: return cmdSelect(c);
    case CommandName::Create: return cmdCreate(c);
    case CommandName::Delete: return cmdDelete(c);
    case CommandName::Rename: return cmdRename(c);
    case CommandName::Subscribe:
    case CommandName::Unsubscribe: return cmdSubscribe(c);
    case CommandName::List:
    case CommandName::Lsub: return cmdList(c);
    case CommandName::Status: return cmdStatus(c);
    case CommandName::Append: return cmdAppend(c);
    case CommandName::Namespace: return cmdNamespace(c);
    case CommandName::Enable: return cmdEnable(c);
    case CommandName::Id: return cmdId(c);
    case CommandName::Idle: return cmdIdle(c);
    case CommandName::Check: return cmdCheck(c);
    case CommandName::Close: return cmdClose(c);
    case CommandName::Unselect: return cmdUnselect(c);
    case CommandName::Expunge: return cmdExpunge(c);
    case CommandName::Search: return cmdSearch(c);
    case CommandName::Fetch: return cmdFetch(c);
    case CommandName::Store: return cmdStore(c);
    case CommandName::Copy:
    case CommandName::Move: return cmdCopy(c);
    }
    return c.tag + " BAD unknown command\r\n";
}

std::string ImapSession::onIdleLine(const std::string& line)
{
    std::string_view text = util::trim(line);
    m_idling = false;
    std::string tag = std::move(m_idleTag);
    m_idleTag.clear();
    if (!util::iequals(text, "DONE")) return tag + " BAD expected DONE to end IDLE (RFC 2177 section 3)\r\n";
    return updates(true) + tag + " OK IDLE terminated\r\n";
}

std::string ImapSession::takeUnsolicited()
{
    // Outside IDLE, news waits for the next command (RFC 3501 section 5.2); in IDLE it goes out at once.
    if (!m_idling) return {};
    return updates(true);
}

// [SECTION] mailbox view and updates

void ImapSession::onStoreEvent(const store::StoreEvent& event)
{
    if (m_state != State::Selected || event.user != m_user) return;
    using Kind = store::StoreEvent::Kind;
    switch (event.kind) {
    case Kind::MessageExpunged:
        if (event.mailbox == m_selected) m_pendingExpunge.insert(event.uid);
        break;
    case Kind::FlagsChanged:
        // This session's own STORE and FETCH report their flag changes themselves.
        if (event.mailbox == m_selected && event.originSession != m_sessionId)
            m_pendingFlags.insert(event.uid);
        break;
    case Kind::MailboxRenamed:
        if (event.mailbox == m_selected) m_selected = event.newName;
        break;
    case Kind::MailboxDeleted:
    case Kind::UidValidityChanged:
        if (event.mailbox == m_selected) m_pendingBye = true;
        break;
    default: break; // new messages are found by comparing UIDs when updates are sent
    }
}

const store::Mailbox* ImapSession::selected() const
{
    return m_state == State::Selected ? m_store.mailbox(m_user, m_selected) : nullptr;
}

const store::StoredMessage* ImapSession::messageAt(size_t index) const
{
    const store::Mailbox* box = selected();
    if (!box || index >= m_uids.size() || m_pendingExpunge.count(m_uids[index])) return nullptr;
    return box->find(m_uids[index]);
}

void ImapSession::deselect()
{
    m_state = State::Authenticated;
    m_selected.clear();
    m_uids.clear();
    m_recent.clear();
    m_pendingExpunge.clear();
    m_pendingFlags.clear();
    m_pendingBye = false;
    m_readOnly = false;
}

std::string ImapSession::updates(bool allowExpunge)
{
    if (m_state != State::Selected) return {};
    std::string out;
    if (m_pendingBye) {
        m_closed = true;
        m_state = State::Logout;
        return "* BYE the selected mailbox was deleted or renumbered elsewhere; please reconnect\r\n";
    }
    const store::Mailbox* box = selected();
    if (!box) return {};
    if (allowExpunge && !m_pendingExpunge.empty()) {
        // Each EXPUNGE shifts later sequence numbers down at once (RFC 3501 section 7.4.1), so the number
        // is looked up as each one is sent.
        for (uint32_t uid : m_pendingExpunge) {
            auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
            if (it == m_uids.end() || *it != uid) continue;
            out += "* " + std::to_string(it - m_uids.begin() + 1) + " EXPUNGE\r\n";
            m_uids.erase(it);
            m_recent.erase(uid);
            m_pendingFlags.erase(uid);
        }
        m_pendingExpunge.clear();
    }
    const uint32_t lastKnown = m_uids.empty() ? 0 : m_uids.back();
    auto firstNew = std::upper_bound(box->messages.begin(), box->messages.end(), lastKnown,
                                     [](uint32_t uid, const store::StoredMessage& m) { return uid < m.uid; });
    if (firstNew != box->messages.end()) {
        for (auto it = firstNew; it != box->messages.end(); ++it) {
            m_uids.push_back(it->uid);
            // A read-write session takes \Recent; a read-only one sees it and leaves it (RFC 3501
            // section 2.3.2), as SELECT and EXAMINE do.
            if (m_readOnly ? it->has(store::kRecent) : m_store.claimRecent(m_user, m_selected, it->uid))
                m_recent.insert(it->uid);
        }
        out += "* " + std::to_string(m_uids.size()) + " EXISTS\r\n";
        out += "* " + std::to_string(m_recent.size()) + " RECENT\r\n";
    }
    for (uint32_t uid : m_pendingFlags) {
        auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
        if (it == m_uids.end() || *it != uid || m_pendingExpunge.count(uid)) continue;
        const store::StoredMessage* message = box->find(uid);
        if (!message) continue;
        out +=
            "* " + std::to_string(it - m_uids.begin() + 1) + " FETCH (FLAGS " + flagList(*message) + ")\r\n";
    }
    m_pendingFlags.clear();
    return out;
}

std::vector<size_t> ImapSession::resolve(const SequenceSet& set, bool byUid) const
{
    std::vector<size_t> indices;
    if (m_uids.empty()) return indices;
    if (byUid) {
        const uint32_t largest = m_uids.back();
        for (size_t i = 0; i < m_uids.size(); ++i)
            if (set.contains(m_uids[i], largest)) indices.push_back(i);
    } else {
        const uint32_t largest = static_cast<uint32_t>(m_uids.size());
        for (size_t i = 0; i < m_uids.size(); ++i)
            if (set.contains(static_cast<uint32_t>(i + 1), largest)) indices.push_back(i);
    }
    return indices;
}

std::string ImapSession::sequenceProblem(const Command& c) const
{
    if (c.uid) return {}; // UIDs that do not exist are simply skipped (RFC 3501 section 6.4.8)
    for (const SeqRange& range : c.sequence.ranges)
        for (uint32_t n : {range.first, range.last})
            if (n > m_uids.size() || (n == 0 && m_uids.empty()))
                return "no message " + (n == 0 ? std::string("*") : std::to_string(n)) +
                       ": the mailbox has " + std::to_string(m_uids.size()) +
                       " (RFC 3501 section 9, seq-number)";
    return {};
}

std::string ImapSession::flagList(const store::StoredMessage& message) const
{
    std::string out = "(";
    auto add = [&](std::string_view flag) {
        if (out.size() > 1) out += ' ';
        out += flag;
    };
    for (store::Flag flag : store::kAllFlags)
        if (flag != store::kRecent && message.has(flag)) add(store::flagName(flag));
    if (m_recent.count(message.uid)) add("\\Recent");
    for (const std::string& keyword : message.keywords)
        add(keyword);
    return out + ")";
}

} // namespace maillab::imap
