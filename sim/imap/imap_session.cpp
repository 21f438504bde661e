// The IMAP session: framing (lines and literals), the state guard, dispatch, and mailbox updates.
#include "imap/imap_session.hpp"

#include "imap/imap_format.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace maillab::imap {

namespace {
constexpr const char* kBaseCapabilities =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS "
    "MOVE CHILDREN SPECIAL-USE CREATE-SPECIAL-USE CONDSTORE QRESYNC ESEARCH STATUS=SIZE SEARCHRES "
    "CONTEXT=SEARCH BINARY MULTIAPPEND CATENATE APPENDLIMIT SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT "
    "THREAD=REFERENCES ESORT CONTEXT=SORT LIST-EXTENDED LIST-STATUS OBJECTID QUOTA QUOTA=RES-STORAGE "
    "QUOTA=RES-MESSAGE";

// APPENDLIMIT carries the largest message APPEND takes, the largest literal (RFC 7889 section 3).
std::string capabilityWord(std::string_view word, const SessionOptions& options)
{
    if (word == "APPENDLIMIT") return "APPENDLIMIT=" + std::to_string(options.maxLiteralSize);
    return std::string(word);
}

// Offered only where SessionOptions::capabilitiesOn asks: `maillab serve` does by default; a lesson keeps to
// IMAP4rev1, the textbook's protocol, unless it switches them on.
constexpr const char* kRev2Capabilities = "IMAP4rev2 UTF8=ACCEPT";

bool isRev2Capability(std::string_view capability)
{
    return util::iequals(capability, "IMAP4rev2") || util::iequals(capability, "UTF8=ACCEPT");
}
} // namespace

std::string ImapSession::capabilities()
{
    std::string out;
    for (std::string_view word : util::splitSpaces(kBaseCapabilities))
        out += capabilityWord(word, SessionOptions{}) + " ";
    return out + "AUTH=PLAIN";
}

bool ImapSession::offers(std::string_view capability) const
{
    for (const std::string& off : m_options.capabilitiesOff)
        if (util::iequals(off, capability)) return false;
    if (isRev2Capability(capability))
        return std::any_of(m_options.capabilitiesOn.begin(), m_options.capabilitiesOn.end(),
                           [&](const std::string& on) { return util::iequals(on, capability); });
    // QRESYNC is built on CONDSTORE (RFC 7162 section 3.2): without it there is none.
    if (util::iequals(capability, "QRESYNC")) return offers("CONDSTORE");
    // Both speak through SEARCH RETURN and ESEARCH (RFC 5182 section 2.4, RFC 5267 section 4.1).
    if (util::iequals(capability, "SEARCHRES") || util::iequals(capability, "CONTEXT=SEARCH"))
        return offers("ESEARCH");
    // SORT=DISPLAY and ESORT extend SORT (RFC 5957 section 3, RFC 5267 section 3), and ESORT answers with
    // ESEARCH's response (RFC 4731).
    if (util::iequals(capability, "SORT=DISPLAY")) return offers("SORT");
    if (util::iequals(capability, "ESORT")) return offers("SORT") && offers("ESEARCH");
    // CONTEXT=SORT is PARTIAL and UPDATE for SORT RETURN, so it needs ESORT and CONTEXT=SEARCH's machinery
    // (RFC 5267 section 4).
    if (util::iequals(capability, "CONTEXT=SORT")) return offers("ESORT") && offers("CONTEXT=SEARCH");
    // QUOTA=RES-x names a resource of QUOTA (RFC 9208 section 3.1): without QUOTA there is none.
    if (util::istartsWith(capability, "QUOTA=")) return offers("QUOTA");
    return true;
}

std::string ImapSession::currentCapabilities() const
{
    std::string out;
    for (std::string_view word : util::splitSpaces(kBaseCapabilities))
        if (offers(word)) out += (out.empty() ? "" : " ") + capabilityWord(word, m_options);
    for (std::string_view word : util::splitSpaces(kRev2Capabilities))
        if (offers(word)) out += " " + std::string(word);
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
    std::string line =
        "* OK [CAPABILITY " + currentCapabilities() + "] " + m_options.hostname + " IMAP4rev1 server ready";
    beginExchange({}, {});
    m_exchange.status = wire::Status::Ok;
    m_exchange.code = "CAPABILITY";
    m_exchange.statusLine = line;
    m_exchange.stateAfter = imap::stateName(m_state);
    m_exchanges.push_back(std::move(m_exchange));
    m_exchange = {};
    return line + "\r\n";
}

void ImapSession::disconnected()
{
    m_closed = true;
    m_state = State::Logout;
    m_fetch.reset();
    m_search.reset();
}

// [SECTION] what each exchange meant

void ImapSession::beginExchange(std::string command, std::string tag)
{
    m_exchange = {};
    m_exchange.command = std::move(command);
    m_exchange.tag = std::move(tag);
    m_exchange.stateBefore = imap::stateName(m_state);
}

wire::Effect& ImapSession::addEffect(wire::Effect::Kind kind, std::string mailbox, uint32_t uid,
                                     uint32_t number)
{
    wire::Effect& effect = m_exchange.effects.emplace_back();
    effect.kind = kind;
    effect.mailbox = std::move(mailbox);
    effect.uid = uid;
    effect.number = number;
    return effect;
}

void ImapSession::enter(State state)
{
    // Every move is an arrow of the transition table (imap_vocabulary.cpp), which the dashboard draws.
    assert(state == m_state || state == State::Logout || canMove(m_state, state));
    m_state = state;
}

std::string ImapSession::finish(const std::string& tag, Reply reply, bool allowExpunge)
{
    std::string out = std::move(reply.untagged);
    if (reply.pending == Reply::Pending::Continuation) {
        // The command goes on after the client's next line: this exchange ends with "+", the next with the
        // tagged status (RFC 3501 section 7.5).
        wire::Exchange open = m_exchange;
        m_exchange.status = wire::Status::Continue;
        std::string_view text = util::trim(out);
        m_exchange.statusLine =
            std::string(text.substr(text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1));
        m_exchange.stateAfter = imap::stateName(m_state);
        m_exchanges.push_back(std::move(m_exchange));
        m_exchange = {};
        beginExchange(open.command, open.tag);
        return out;
    }
    // Untagged news goes before the tagged completion (RFC 3501 section 5.2).
    if (m_state == State::Selected) out += updates(allowExpunge);
    std::string line = tag + " " + reply.status + " " + reply.text;
    out += line;
    out += "\r\n";
    m_exchange.tag = tag;
    m_exchange.status = statusFromWord(reply.status);
    m_exchange.code = responseCode(reply.text);
    m_exchange.statusLine = std::move(line);
    m_exchange.stateAfter = imap::stateName(m_state);
    m_exchanges.push_back(std::move(m_exchange));
    m_exchange = {};
    return out;
}

std::string ImapSession::untaggedOnly(std::string bytes, wire::Status status)
{
    m_exchange.status = status;
    std::string_view first = bytes;
    first = first.substr(0, first.find("\r\n"));
    m_exchange.statusLine = std::string(first);
    if (first.starts_with("* ")) {
        std::string_view rest = first.substr(2);
        rest = rest.substr(rest.find(' ') == std::string_view::npos ? rest.size() : rest.find(' ') + 1);
        m_exchange.code = responseCode(rest);
    }
    m_exchange.stateAfter = imap::stateName(m_state);
    m_exchanges.push_back(std::move(m_exchange));
    m_exchange = {};
    return bytes;
}

std::vector<wire::Exchange> ImapSession::takeExchanges()
{
    return std::exchange(m_exchanges, {});
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
    // Commands wait while a FETCH or SEARCH answer is still being made: answers go out in the order asked.
    if (outputPending()) {
        m_heldInput.append(bytes);
        return out;
    }
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
            wire::Exchange open = std::move(m_exchange); // AUTHENTICATE's, when it waits for this line
            beginExchange({}, {});
            out += untaggedOnly("* BAD line too long: at most " + std::to_string(maxLine) + " octets\r\n",
                                wire::Status::Bad);
            m_discardingLine = lf == std::string_view::npos;
            m_line.clear();
            m_command.clear();
            if (!m_saslTag.empty()) {
                // The line was the AUTHENTICATE response: the exchange ends here, so that the client's next
                // line is read as a command again, not as a second response (F12, RFC 3501 section 6.2.2).
                m_exchange = std::move(open);
                out +=
                    finish(std::exchange(m_saslTag, {}),
                           Reply{{}, "BAD", "AUTHENTICATE cancelled: the response line was too long"}, true);
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
        if (outputPending()) {
            m_heldInput.append(bytes.substr(pos));
            break;
        }
    }
    return out;
}

std::string ImapSession::continueOutput()
{
    std::string out;
    if (m_search) {
        // Nothing to send until the search is done: the transport calls again on its next round.
        if (!searchSome(kSearchSliceBytes)) return out;
        SearchJob job = std::move(*m_search);
        m_search.reset();
        out = finish(job.command.tag, searchDone(job), job.command.uid);
    } else if (m_fetch) {
        if (!fetchSome(out, m_options.replyChunkBytes)) return out;
        FetchJob job = std::move(*m_fetch);
        m_fetch.reset();
        out += finish(job.command.tag, fetchDone(job), job.command.uid);
    } else {
        return out;
    }
    if (!m_heldInput.empty()) out += receive(std::exchange(m_heldInput, {}));
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
    if (!m_saslTag.empty()) {
        std::string tag = std::exchange(m_saslTag, {});
        return finish(tag, onSaslResponse(line), true);
    }
    if (m_idling) return onIdleLine(line);

    m_command += line;
    if (auto literal = announcedLiteral(line)) {
        const uint64_t size = literal->size;
        const bool nonSync = literal->nonSynchronizing;
        std::string tag = m_command.substr(0, m_command.find(' '));
        beginExchange({}, tag);
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
                return untaggedOnly("* BYE " + why + "\r\n", wire::Status::Bye);
            }
            return finish(tag, Reply{{}, "NO", "[TOOBIG] " + why}, true);
        }
        m_literalRemaining = static_cast<size_t>(size);
        // The client waits for "+" before sending a synchronizing literal's bytes and the rest of its
        // line, even when there are no bytes: {0} too (RFC 3501 section 4.3 and 7.5).
        if (nonSync) return {};
        return untaggedOnly("+ Ready for literal data\r\n", wire::Status::Continue);
    }
    std::string command = std::move(m_command);
    m_command.clear();
    return execute(command);
}

std::string ImapSession::execute(const std::string& bytes)
{
    std::string_view trimmed = util::trim(bytes);
    if (trimmed.empty()) return {}; // empty lines are ignored, as most servers do
    auto parsed = parseCommand(bytes, ParseOptions{utf8Enabled()});
    if (auto* error = std::get_if<ParseError>(&parsed)) {
        beginExchange({}, error->tag);
        if (error->tag.empty()) return untaggedOnly("* BAD " + error->message + "\r\n", wire::Status::Bad);
        return finish(error->tag, Reply{{}, "BAD", error->message}, true);
    }
    return dispatch(std::get<Command>(parsed));
}

std::string ImapSession::dispatch(const Command& c)
{
    const CommandInfo& info = commandInfo(c.name);
    beginExchange(commandWireName(c), c.tag);
    // The one state guard: the allowed states of every command come from the command table.
    if ((info.allowedStates & static_cast<uint8_t>(m_state)) == 0) {
        // The way out depends on what the command needs: a login, a selected mailbox, or no login yet.
        std::string why = m_state == State::NotAuthenticated ? "log in first (LOGIN or AUTHENTICATE)"
                          : (info.allowedStates & static_cast<uint8_t>(State::Selected)) != 0
                              ? "select a mailbox first (SELECT or EXAMINE)"
                              : "not after logging in";
        return finish(c.tag,
                      Reply{{},
                            "BAD",
                            commandWireName(c) + " is not allowed in the " + imap::stateName(m_state) +
                                " state: " + why + " (" + info.rfc + ")"},
                      true);
    }
    // "$" is the saved search result: its numbers go in before the handler reads the command (RFC 5182
    // section 2.1); names arrive in UTF-8 once enabled and are looked up in the store's modified UTF-7 (RFC
    // 9051 appendix A.1).
    std::optional<Command> filled;
    if (mentionsSavedResult(c)) {
        if (!offers("SEARCHRES"))
            return finish(c.tag, Reply{{}, "BAD", "\"$\" (a saved search result) is not offered here"}, true);
        filled = withSavedResult(c);
    }
    if (utf8Enabled()) {
        auto translated = inStoreNames(filled ? *filled : c);
        if (auto* why = std::get_if<std::string>(&translated))
            return finish(c.tag, Reply{{}, "BAD", *why}, true);
        filled = std::move(std::get<Command>(translated));
    }
    Reply reply = (this->*info.handler)(filled ? *filled : c);
    if (reply.pending == Reply::Pending::Streaming) return std::move(reply.untagged);
    // Never an EXPUNGE while answering a command whose answer uses sequence numbers (RFC 3501 section
    // 7.4.1); the UID forms may have them.
    return finish(c.tag, std::move(reply), c.uid || !(info.flags & kHoldsExpungeNews));
}

std::string ImapSession::onIdleLine(const std::string& line)
{
    std::string_view text = util::trim(line);
    m_idling = false;
    std::string tag = std::exchange(m_idleTag, {});
    if (!util::iequals(text, "DONE"))
        return finish(tag, Reply{{}, "BAD", "expected DONE to end IDLE (RFC 2177 section 3)"}, true);
    return finish(tag, Reply{{}, "OK", "IDLE terminated"}, true);
}

std::string ImapSession::takeUnsolicited()
{
    // Outside IDLE, news waits for the next command (RFC 3501 section 5.2); in IDLE it goes out at once.
    if (!m_idling) return {};
    std::string news = updates(true);
    if (news.empty()) return news;
    // The news is part of the IDLE exchange that is still open: it is recorded on its own, without a status.
    wire::Exchange open = m_exchange;
    beginExchange({}, {});
    m_exchange.stateBefore = open.stateBefore;
    news = untaggedOnly(std::move(news), wire::Status::None);
    m_exchange = std::move(open);
    return news;
}

// [SECTION] mailbox view and updates

void ImapSession::onStoreEvent(const store::StoreEvent& event)
{
    if (m_state != State::Selected || event.user != m_user) return;
    using Kind = store::StoreEvent::Kind;
    switch (event.kind) {
    case Kind::MessageExpunged:
        if (event.mailbox != m_selected) break;
        m_pendingExpunge.insert(event.uid);
        // Kept until this client is told, so its FETCH of that number still answers (RFC 2180 section 4.1.1).
        if (event.message && event.originSession != m_sessionId)
            m_expungedCopies.emplace(event.uid, *event.message);
        break;
    case Kind::FlagsChanged:
        // Whoever changed them, a search with UPDATE may gain or lose the message (RFC 5267 section 4.3):
        // noted even before a context exists, since one may be made by a search already under way.
        if (event.mailbox == m_selected) m_contextDirty.insert(event.uid);
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

const store::StoredMessage* ImapSession::readableAt(size_t index) const
{
    if (const store::StoredMessage* live = messageAt(index)) return live;
    if (index >= m_uids.size()) return nullptr;
    auto kept = m_expungedCopies.find(m_uids[index]);
    return kept == m_expungedCopies.end() ? nullptr : &kept->second;
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
    m_expungedCopies.clear();
    m_pendingFlags.clear();
    m_keywords.clear();
    m_pendingBye = false;
    m_readOnly = false;
    // "$" and the UPDATE contexts belong to the mailbox (RFC 5182 section 2.1, RFC 5267 section 4.3).
    m_savedResult.clear();
    m_contexts.clear();
    m_contextDirty.clear();
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
        // is looked up as each one is sent. Once QRESYNC is on, one VANISHED names them all by UID instead
        // (RFC 7162 section 3.2.10).
        out += contextRemovals(m_pendingExpunge);
        std::vector<uint32_t> vanished;
        for (uint32_t uid : m_pendingExpunge) {
            auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
            if (it == m_uids.end() || *it != uid) continue;
            if (m_qresync)
                vanished.push_back(uid);
            else
                out += "* " + std::to_string(it - m_uids.begin() + 1) + " EXPUNGE\r\n";
            m_uids.erase(it);
            m_recent.erase(uid);
            m_pendingFlags.erase(uid);
            // An expunged message leaves "$" (RFC 5182 section 2.1).
            if (auto saved = std::lower_bound(m_savedResult.begin(), m_savedResult.end(), uid);
                saved != m_savedResult.end() && *saved == uid)
                m_savedResult.erase(saved);
        }
        m_pendingExpunge.clear();
        m_expungedCopies.clear();
        if (!vanished.empty()) out += "* VANISHED " + compactSet(vanished) + "\r\n";
    }
    const uint32_t lastKnown = m_uids.empty() ? 0 : m_uids.back();
    auto firstNew = std::upper_bound(box->messages.begin(), box->messages.end(), lastKnown,
                                     [](uint32_t uid, const store::StoredMessage& m) { return uid < m.uid; });
    if (firstNew != box->messages.end()) {
        for (auto it = firstNew; it != box->messages.end(); ++it) {
            m_uids.push_back(it->uid);
            if (!m_contexts.empty()) m_contextDirty.insert(it->uid);
            // A read-write session takes \Recent; a read-only one sees it and leaves it (RFC 3501
            // section 2.3.2), as SELECT and EXAMINE do.
            if (m_readOnly ? it->has(store::kRecent) : m_store.claimRecent(m_user, m_selected, it->uid))
                m_recent.insert(it->uid);
        }
        out += "* " + std::to_string(m_uids.size()) + " EXISTS\r\n";
        // IMAP4rev2 has no RECENT response (RFC 9051 appendix E item 12).
        if (!m_rev2) out += "* " + std::to_string(m_recent.size()) + " RECENT\r\n";
    }
    for (uint32_t uid : m_pendingFlags) {
        auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
        if (it == m_uids.end() || *it != uid || m_pendingExpunge.count(uid)) continue;
        const store::StoredMessage* message = box->find(uid);
        if (!message) continue;
        out += newKeywords(*message);
        out += "* " + std::to_string(it - m_uids.begin() + 1) + " FETCH (FLAGS " + flagList(*message) +
               changeItems(*message, true) + ")\r\n";
    }
    m_pendingFlags.clear();
    // After the EXISTS and FETCH news they follow from, so the numbers they name are known (RFC 5267
    // section 4.3.3).
    out += contextNews();
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

std::string ImapSession::flagsAnnouncement() const
{
    std::string flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    for (const std::string& k : m_keywords)
        flags += " " + k;
    std::string out = "* FLAGS (" + flags + ")\r\n";
    out += m_readOnly ? "* OK [PERMANENTFLAGS ()] read-only: no flags can be changed\r\n"
                      : "* OK [PERMANENTFLAGS (" + flags + " \\*)] flags and new keywords are kept\r\n";
    return out;
}

std::string ImapSession::newKeywords(const store::StoredMessage& message)
{
    bool added = false;
    for (const std::string& k : message.keywords)
        if (std::none_of(m_keywords.begin(), m_keywords.end(),
                         [&](const std::string& known) { return util::iequals(known, k); })) {
            m_keywords.push_back(k);
            added = true;
        }
    // A keyword the client has not been told of comes with the FLAGS (and PERMANENTFLAGS) that now list it,
    // before any FETCH shows it (RFC 3501 section 7.2.6).
    return added ? flagsAnnouncement() : std::string();
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
    if (m_recent.count(message.uid) && !m_rev2) add("\\Recent"); // no \Recent in IMAP4rev2 (appendix E 12)
    for (const std::string& keyword : message.keywords)
        add(keyword);
    return out + ")";
}

} // namespace maillab::imap

namespace maillab::imap {

// [SECTION] CONDSTORE and QRESYNC (RFC 7162)

std::string ImapSession::highestModseqLine() const
{
    const store::Mailbox* box = selected();
    return box ? "* OK [HIGHESTMODSEQ " + std::to_string(box->highestModseq) + "] highest mod-sequence\r\n"
               : std::string();
}

std::string ImapSession::enableCondstore()
{
    const bool first = !m_condstore;
    m_condstore = true;
    // "A first CONDSTORE enabling command executed in the session with a mailbox selected MUST cause the
    // server to return HIGHESTMODSEQ" (RFC 7162 section 3.1), even when SELECT said it already.
    return first && m_state == State::Selected ? highestModseqLine() : std::string();
}

std::string ImapSession::changeItems(const store::StoredMessage& message, bool withUid) const
{
    // IMAP4rev2 puts the UID in every unsolicited FETCH (RFC 9051 section 7.5.2, appendix E item 21).
    std::string uid =
        withUid && (m_condstore || m_rev2) ? " UID " + std::to_string(message.uid) : std::string();
    if (!m_condstore) return uid;
    return uid + " MODSEQ (" + std::to_string(message.modseq) + ")";
}

std::string ImapSession::vanishedEarlier(const store::Mailbox& box, uint64_t modseq,
                                         const SequenceSet* uids) const
{
    using Range = std::pair<uint32_t, uint32_t>;
    std::vector<Range> gone;
    const uint32_t largest = box.uidNext > 1 ? box.uidNext - 1 : 0;
    // [first, last] as far as it lies in the client's UIDs.
    auto add = [&](uint32_t first, uint32_t last) {
        if (first > last) return;
        if (!uids) {
            gone.emplace_back(first, last);
            return;
        }
        for (const SeqRange& r : uids->ranges) {
            const uint32_t a = r.first ? r.first : largest, b = r.last ? r.last : largest;
            const uint32_t lo = std::max(first, std::min(a, b)), hi = std::min(last, std::max(a, b));
            if (lo <= hi) gone.emplace_back(lo, hi);
        }
    };
    for (const auto& [uid, when] : box.vanished)
        if (when > modseq) add(uid, uid);
    // Expunged before the mailbox was read back from disk: each missing UID may be one of them (RFC 7162
    // section 3.2.5.1 lets the server name UIDs the client never had).
    if (modseq < box.restoredAt) {
        uint32_t previous = 0;
        for (const store::StoredMessage& m : box.messages) {
            add(previous + 1, m.uid - 1);
            previous = m.uid;
        }
        add(previous + 1, largest);
    }
    if (gone.empty()) return {};
    std::sort(gone.begin(), gone.end());
    std::string out;
    for (size_t i = 0; i < gone.size();) {
        Range merged = gone[i++];
        while (i < gone.size() && gone[i].first <= merged.second + 1)
            merged.second = std::max(merged.second, gone[i++].second);
        out += (out.empty() ? "" : ",") + std::to_string(merged.first);
        if (merged.second > merged.first) out += ":" + std::to_string(merged.second);
    }
    return "* VANISHED (EARLIER) " + out + "\r\n";
}

std::string ImapSession::qresyncNews(const QresyncParameters& q, const store::Mailbox& box)
{
    // The client's cache is for another UIDVALIDITY: nothing it knows can be updated (RFC 7162 3.2.5).
    if (q.uidValidity != box.uidValidity) return {};
    std::string out = vanishedEarlier(box, q.modseq, q.knownUids ? &*q.knownUids : nullptr);
    for (size_t i = 0; i < m_uids.size(); ++i) {
        const store::StoredMessage* m = messageAt(i);
        if (!m || m->modseq <= q.modseq) continue;
        out += "* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(m->uid) + " FLAGS " +
               flagList(*m) + " MODSEQ (" + std::to_string(m->modseq) + "))\r\n";
    }
    return out;
}

} // namespace maillab::imap
