#include "imap/imap_client.hpp"

#include "imap/imap_format.hpp"
#include "imap/imap_names.hpp"
#include "mail/date.hpp"
#include "mail/message.hpp"
#include "util/sasl.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <functional>

namespace maillab::imap {

namespace {

wire::ReplyFramer tagged(const std::string& tag)
{
    return [tag](std::string_view buffer) { return frameTagged(buffer, tag); };
}

wire::ReplyFramer taggedOrContinuation(const std::string& tag)
{
    return [tag](std::string_view buffer) { return frameTaggedOrContinuation(buffer, tag); };
}

// The first text part of a BODYSTRUCTURE, as a section path ("1", "1.1"); prefers text/plain.
void findTextPart(const Value& body, const std::string& path, std::string& plain, std::string& any,
                  uint64_t& size)
{
    if (body.kind != Value::Kind::List || body.items.empty()) return;
    if (body.items[0].kind == Value::Kind::List) { // multipart: the parts come first
        int n = 0;
        for (const Value& child : body.items) {
            if (child.kind != Value::Kind::List) break;
            ++n;
            findTextPart(child, path.empty() ? std::to_string(n) : path + "." + std::to_string(n), plain, any,
                         size);
        }
        return;
    }
    const std::string part = path.empty() ? "1" : path;
    if (!util::iequals(body.items[0].text, "TEXT")) return;
    if (body.items.size() > 1 && util::iequals(body.items[1].text, "PLAIN") && plain.empty()) {
        plain = part;
        if (body.items.size() > 6) size = body.items[6].number().value_or(0);
    }
    if (any.empty()) any = part;
}

// "1:3,5" -> 1 2 3 5 (a sequence set as servers send it: no "*"); at most `limit` numbers.
std::vector<uint32_t> expandSet(std::string_view text, size_t limit = 1000000)
{
    std::vector<uint32_t> out;
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view range = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        const size_t colon = range.find(':');
        auto first = util::parseNumber(range.substr(0, colon));
        auto last = colon == std::string_view::npos ? first : util::parseNumber(range.substr(colon + 1));
        if (!first || !last) continue;
        for (uint64_t n = std::min(*first, *last); n <= std::max(*first, *last) && out.size() < limit; ++n)
            out.push_back(static_cast<uint32_t>(n));
    }
    return out;
}

std::string statusLine(const std::string& reply)
{
    // The last line's start: the CRLF before it, not the one that ends it.
    size_t end = reply.size() < 3 ? std::string::npos : reply.rfind("\r\n", reply.size() - 3);
    std::string last = reply.substr(end == std::string::npos ? 0 : end + 2);
    while (!last.empty() && (last.back() == '\n' || last.back() == '\r'))
        last.pop_back();
    return last;
}

} // namespace

ImapClient::ImapClient(store::DeviceStore& local, const wire::Clock& clock, ClientOptions options)
    : m_local(local), m_clock(clock), m_options(std::move(options))
{
}

void ImapClient::perform(const ClientAction& action)
{
    startTask(run(action));
}

std::string ImapClient::nextTag()
{
    return "A" + std::to_string(++m_tagCounter);
}

bool ImapClient::ok(std::string_view reply, const std::string& tag)
{
    size_t at = reply.rfind(tag + " OK");
    return at != std::string_view::npos && (at == 0 || reply[at - 1] == '\n');
}

std::string ImapClient::quote(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string ImapClient::mailboxArgument(std::string_view folder) const
{
    return quote(m_rev2On || !util::isUtf8(folder) ? std::string(folder) : encodeModifiedUtf7(folder));
}

std::string ImapClient::folderName(const std::string& listed) const
{
    if (m_rev2On) return listed;
    return decodeModifiedUtf7(listed).value_or(listed);
}

std::string ImapClient::serverId(uint32_t uid) const
{
    return std::to_string(m_uidValidity) + ":" + std::to_string(uid);
}

uint32_t ImapClient::highestKnownUid() const
{
    uint32_t highest = 0;
    for (uint32_t uid : m_uids)
        highest = std::max(highest, uid);
    return highest;
}

void ImapClient::forget()
{
    m_folders.clear();
    m_lastSearch.clear();
    m_sync.clear();
}

std::vector<uint32_t> ImapClient::cachedUids(const std::string& folder, uint32_t uidValidity) const
{
    const std::string prefix = std::to_string(uidValidity) + ":";
    std::vector<uint32_t> uids;
    for (const store::LocalMessage& m : m_local.messages())
        if (m.folder == folder && m.serverId.starts_with(prefix))
            if (auto uid = util::parseNumber(std::string_view(m.serverId).substr(prefix.size())))
                uids.push_back(static_cast<uint32_t>(*uid));
    std::sort(uids.begin(), uids.end());
    return uids;
}

void ImapClient::vanish(uint32_t uid, bool renumbers)
{
    // VANISHED (EARLIER) reports what went before the current numbering; plain VANISHED, like EXPUNGE,
    // shifts the later sequence numbers down (RFC 7162 section 3.2.10).
    auto it = std::find(m_uids.begin(), m_uids.end(), uid);
    if (renumbers && it != m_uids.end()) m_uids.erase(it);
    m_local.remove(serverId(uid));
}

bool ImapClient::hasCapability(std::string_view name) const
{
    for (const std::string& c : m_capabilities)
        if (util::iequals(c, name)) return true;
    return false;
}

void ImapClient::connectionLost()
{
    m_loggedIn = false;
    m_idling = false;
    m_selected.clear();
    m_uids.clear();
    m_qresyncOn = false;
    m_rev2On = false;
}

size_t ImapClient::consumeUnsolicited(std::string_view buffer)
{
    size_t used = 0;
    for (;;) {
        size_t length = frameResponse(buffer.substr(used));
        if (length == 0) break;
        absorbOne(parseResponse(buffer.substr(used, length)));
        used += length;
    }
    return used;
}

void ImapClient::absorb(const std::string& reply)
{
    for (const Response& response : splitResponses(reply))
        if (response.kind == Response::Kind::Untagged || response.status == "OK") absorbOne(response);
}

void ImapClient::absorbOne(const Response& r)
{
    if (r.word == "EXISTS") {
        while (m_uids.size() < r.number)
            m_uids.push_back(0); // UIDs learned by the next FETCH
    } else if (r.word == "EXPUNGE" && r.number >= 1 && r.number <= m_uids.size()) {
        // Later sequence numbers shift down by one (RFC 3501 section 7.4.1); the UIDs stay.
        uint32_t uid = m_uids[r.number - 1];
        m_uids.erase(m_uids.begin() + (r.number - 1));
        if (uid) m_local.remove(serverId(uid));
    } else if (r.word == "FETCH") {
        size_t pos = 0;
        std::vector<Value> values = parseValues(r.rest, pos);
        if (!values.empty()) applyFetch(r.number, values[0]);
    } else if (r.word == "VANISHED") {
        const bool earlier = util::istartsWith(r.rest, "(EARLIER) ");
        for (uint32_t uid : expandSet(std::string_view(r.rest).substr(earlier ? 10 : 0)))
            vanish(uid, !earlier);
    } else if (r.word == "SEARCH") {
        m_lastSearch.clear();
        for (std::string_view n : util::splitSpaces(r.rest))
            if (auto v = util::parseNumber(n)) m_lastSearch.push_back(static_cast<uint32_t>(*v));
    } else if (r.word == "ESEARCH") { // RFC 4731 section 3.1: "ALL" and the set, when anything matched
        m_lastSearch.clear();
        const std::vector<std::string_view> words = util::splitSpaces(r.rest);
        for (size_t i = 0; i + 1 < words.size(); ++i)
            if (util::iequals(words[i], "ALL")) m_lastSearch = expandSet(words[i + 1]);
    } else if (r.word == "LIST") {
        size_t pos = 0;
        std::vector<Value> values = parseValues(r.rest, pos);
        const std::string name = values.size() >= 3 ? folderName(values[2].text) : std::string();
        if (values.size() >= 3 && std::find(m_folders.begin(), m_folders.end(), name) == m_folders.end())
            m_folders.push_back(name);
    } else if (r.word == "CAPABILITY") {
        m_capabilities.clear();
        for (std::string_view c : util::splitSpaces(r.rest))
            m_capabilities.emplace_back(c);
    } else if (r.status == "OK") {
        if (util::istartsWith(r.rest, "[CAPABILITY ")) { // in the greeting (RFC 3501 section 7.1)
            m_capabilities.clear();
            const std::string_view list = std::string_view(r.rest).substr(12, r.rest.find(']') - 12);
            for (std::string_view c : util::splitSpaces(list))
                m_capabilities.emplace_back(c);
        }
        if (util::istartsWith(r.rest, "[UIDVALIDITY "))
            m_uidValidity = static_cast<uint32_t>(
                util::parseNumber(r.rest.substr(13, r.rest.find(']') - 13)).value_or(0));
        // Where this copy of the folder now stands (RFC 7162 section 3.1.2.1; EXPUNGE's tagged OK, 3.2.9).
        if (util::istartsWith(r.rest, "[HIGHESTMODSEQ ") && !m_selected.empty())
            m_sync[m_selected].highestModseq =
                util::parseNumber(r.rest.substr(15, r.rest.find(']') - 15)).value_or(0);
    }
}

void ImapClient::applyFetch(uint32_t number, const Value& items)
{
    if (number < 1) return;
    while (m_uids.size() < number)
        m_uids.push_back(0);
    uint32_t uid = m_uids[number - 1];
    if (const Value* u = items.get("UID")) uid = static_cast<uint32_t>(u->number().value_or(uid));
    m_uids[number - 1] = uid;
    if (!uid) return;
    store::LocalMessage* local = m_local.findByServerId(serverId(uid));
    if (!local) {
        store::LocalMessage fresh;
        fresh.folder = m_selected;
        fresh.serverId = serverId(uid);
        fresh.downloadedAtMs = m_clock.nowMs();
        local = &m_local.add(std::move(fresh));
    }
    if (const Value* flags = items.get("FLAGS")) {
        local->flags.clear();
        local->seen = false;
        for (const Value& f : flags->items) {
            local->flags += (local->flags.empty() ? "" : " ") + f.text;
            if (util::iequals(f.text, "\\Seen")) local->seen = true;
        }
    }
    if (const Value* size = items.get("RFC822.SIZE")) local->serverSize = size->number().value_or(0);
    if (const Value* envelope = items.get("ENVELOPE"); envelope && envelope->items.size() >= 3) {
        local->partsHeld.insert("ENVELOPE");
        if (!envelope->items[1].isNil()) local->subject = mail::decodeEncodedWords(envelope->items[1].text);
        const Value& from = envelope->items[2];
        if (!from.items.empty() && from.items[0].items.size() == 4) {
            const Value& a = from.items[0];
            local->from = !a.items[0].isNil() ? mail::decodeEncodedWords(a.items[0].text)
                                              : a.items[2].text + "@" + a.items[3].text;
        }
    }
    if (items.get("BODYSTRUCTURE")) local->partsHeld.insert("BODYSTRUCTURE");
    for (size_t i = 0; i + 1 < items.items.size(); i += 2) {
        const std::string& key = items.items[i].text;
        if (!util::istartsWith(key, "BODY[")) continue;
        std::string section = key.substr(5, key.find(']') - 5);
        local->partsHeld.insert(section.empty() ? "whole message" : section);
        if (section.empty()) {
            local->bytes = items.items[i + 1].text;
            local->complete = true;
        } else {
            local->bytes += items.items[i + 1].text;
        }
    }
}

uint32_t ImapClient::targetUid(const ClientAction& action) const
{
    if (action.message >= 1 && action.message <= m_uids.size()) return m_uids[action.message - 1];
    if (!action.subject.empty()) {
        for (uint32_t uid : m_uids) {
            for (const store::LocalMessage& m : m_local.messages()) {
                if (m.folder != m_selected || m.serverId != serverId(uid)) continue;
                std::string subject = util::toLower(m.subject);
                if (subject.find(util::toLower(action.subject)) != std::string::npos) return uid;
            }
        }
    }
    return 0;
}

// [SECTION] the program

wire::ClientEngine::Task ImapClient::run(ClientAction action)
{
    using Kind = ClientAction::Kind;
    if (m_idling) co_await leaveIdle();
    if (action.kind == Kind::Quit) {
        co_await logOut();
        co_return;
    }
    if (!connected()) {
        if (!co_await openConnection()) co_return;
    }
    if (action.kind == Kind::Raw) {
        co_await sendRaw(action.line);
        co_return;
    }
    if (!m_loggedIn) {
        if (!co_await logIn()) co_return;
    }

    // Which folder the action needs open.
    std::string folder = m_selected.empty() ? "INBOX" : m_selected;
    if (action.kind == Kind::CheckMail) folder = "INBOX";
    if (action.kind == Kind::OpenFolder) folder = action.folder;
    const bool needsFolder = action.kind != Kind::CreateFolder && action.kind != Kind::RenameFolder &&
                             action.kind != Kind::DeleteFolder && action.kind != Kind::SaveDraft;
    bool fetchedHeaders = false;
    if (needsFolder && folder != m_selected) {
        if (!co_await select(folder, fetchedHeaders)) co_return;
    }
    co_await act(std::move(action), fetchedHeaders);
}

wire::ClientEngine::SubTask<std::string> ImapClient::command(const std::string& tag, const std::string& text)
{
    std::string reply = co_await exchange(tag + " " + text + "\r\n", tagged(tag));
    absorb(reply);
    co_return reply;
}

// [SECTION] connecting, TLS and login

wire::ClientEngine::SubTask<void> ImapClient::leaveIdle()
{
    // Leave IDLE before anything else (RFC 2177 section 3).
    std::string reply = co_await exchange("DONE\r\n", tagged(m_idleTag));
    m_idling = false;
    absorb(reply);
}

wire::ClientEngine::SubTask<void> ImapClient::logOut()
{
    if (!connected()) co_return;
    const std::string tag = nextTag();
    co_await tryExchange(tag + " LOGOUT\r\n", tagged(tag));
    co_await close();
    m_loggedIn = false;
    m_selected.clear();
    setStatus("logged out");
}

wire::ClientEngine::SubTask<bool> ImapClient::openConnection()
{
    m_tagCounter = 0;
    ++m_connections;
    m_loggedIn = false;
    m_selected.clear();
    m_uids.clear();
    m_capabilities.clear();
    wire::Reply reply = co_await connect([](std::string_view b) { return frameResponse(b); });
    if (reply.connectionLost || reply.bytes.substr(0, 4) != "* OK") {
        setStatus("could not connect");
        co_await close();
        co_return false;
    }
    absorb(reply.bytes);
    if (m_options.security != wire::Security::StartTls) co_return true;
    const bool upgraded = co_await upgradeToTls();
    co_return upgraded;
}

wire::ClientEngine::SubTask<void> ImapClient::askCapabilities()
{
    co_await command(nextTag(), "CAPABILITY");
}

wire::ClientEngine::SubTask<std::string> ImapClient::requestTls()
{
    const std::string tag = nextTag();
    const std::string reply = co_await exchange(tag + " STARTTLS\r\n", tagged(tag));
    co_return ok(reply, tag) ? std::string() : statusLine(reply);
}

wire::ClientEngine::SubTask<void> ImapClient::sayGoodbye()
{
    const std::string tag = nextTag();
    co_await tryExchange(tag + " LOGOUT\r\n", tagged(tag));
}

wire::ClientEngine::SubTask<void> ImapClient::sendRaw(std::string line)
{
    const std::string rawTag = line.substr(0, line.find(' '));
    wire::Reply reply = co_await tryExchange(line + "\r\n", taggedOrContinuation(rawTag));
    absorb(reply.bytes);
    setStatus(reply.connectionLost ? "connection closed" : statusLine(reply.bytes));
    const std::vector<std::string_view> words = util::splitSpaces(line);
    if (words.size() == 2 && util::iequals(words[1], "STARTTLS") && !reply.connectionLost &&
        ok(reply.bytes, rawTag)) {
        // As openssl s_client -starttls imap does: the handshake follows the tagged OK at once.
        const bool started = co_await handshake();
        setStatus(started ? "TLS started" : "the TLS handshake failed");
    }
}

wire::ClientEngine::SubTask<bool> ImapClient::logIn()
{
    if (hasCapability("LOGINDISABLED")) {
        // RFC 3501 section 6.2.3: the client must not send LOGIN when the server says LOGINDISABLED.
        stopForSecurity(
            "the server disabled LOGIN on this connection (LOGINDISABLED); not sending the password");
        co_await sayGoodbye();
        co_await close();
        co_return false;
    }
    std::string tag = nextTag();
    const std::string reply = co_await exchange(
        tag + " LOGIN " + quote(m_options.user) + " " + quote(m_options.password) + "\r\n", tagged(tag));
    if (!ok(reply, tag)) {
        setStatus("login failed: " + statusLine(reply));
        co_await sayGoodbye();
        co_await close();
        co_return false;
    }
    m_loggedIn = true;
    // A server that offers both revisions answers as IMAP4rev1 until asked (RFC 9051 appendix A).
    m_rev2On = false;
    if (hasCapability("IMAP4rev2")) {
        const std::string enabled = co_await command(nextTag(), "ENABLE IMAP4rev2");
        m_rev2On = enabled.find("* ENABLED") != std::string::npos &&
                   util::toUpper(enabled).find(" IMAP4REV2") != std::string::npos;
    }
    tag = nextTag();
    m_folders.clear();
    co_await command(tag, "LIST \"\" \"*\"");
    co_return true;
}

// [SECTION] the actions

wire::ClientEngine::SubTask<bool> ImapClient::select(std::string folder, bool& fetchedHeaders)
{
    const FolderSync before = m_sync[folder];
    const std::vector<uint32_t> known = cachedUids(folder, before.uidValidity);
    // A folder this device has seen before is caught up, not read again (RFC 4549 section 4.3): with
    // QRESYNC in the SELECT itself (RFC 7162 section 3.2.5), which wants ENABLE QRESYNC first.
    // Within one connection a folder opened again is read again, as before; catching up is for coming back.
    const bool seenBefore = before.uidValidity != 0 && before.connection != m_connections;
    bool qresync = seenBefore && before.highestModseq > 0 && hasCapability("QRESYNC");
    if (qresync && !m_qresyncOn) {
        const std::string enabled = co_await command(nextTag(), "ENABLE QRESYNC");
        m_qresyncOn = enabled.find("* ENABLED") != std::string::npos &&
                      util::toUpper(enabled).find(" QRESYNC") != std::string::npos;
        qresync = m_qresyncOn;
    }
    // Without QRESYNC a plain SELECT: a CONDSTORE server says where the folder stands anyway (RFC 7162
    // section 3.1.2).
    std::string parameters;
    if (qresync)
        parameters = " (QRESYNC (" + std::to_string(before.uidValidity) + " " +
                     std::to_string(before.highestModseq) + (known.empty() ? "" : " " + compactSet(known)) +
                     "))";
    const std::string tag = nextTag();
    m_uids.clear();
    m_selected = folder;
    const std::string reply = co_await command(tag, "SELECT " + mailboxArgument(folder) + parameters);
    if (!ok(reply, tag)) {
        m_selected.clear();
        setStatus("cannot open " + folder + ": " + statusLine(reply));
        co_return false;
    }
    m_sync[folder].uidValidity = m_uidValidity;
    m_sync[folder].connection = m_connections;
    if (seenBefore && m_uidValidity == before.uidValidity) {
        co_await resync(folder, before.highestModseq, known, qresync);
        fetchedHeaders = true;
        co_return true;
    }
    if (!m_uids.empty()) {
        // Headers first: who, what, how big and which flags; no bodies (the point of IMAP's online mode).
        co_await command(nextTag(), "UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)");
    }
    // What this device cached of the folder earlier but the server no longer lists was expunged while the
    // folder was not selected (by another device, a POP3 QUIT): the cache follows the server.
    std::vector<std::string> listed;
    for (uint32_t uid : m_uids)
        listed.push_back(serverId(uid));
    std::erase_if(m_local.messages(), [&](const store::LocalMessage& m) {
        return m.folder == m_selected && std::find(listed.begin(), listed.end(), m.serverId) == listed.end();
    });
    fetchedHeaders = true;
    co_return true;
}

wire::ClientEngine::SubTask<void> ImapClient::resync(const std::string& folder, uint64_t modseq,
                                                     const std::vector<uint32_t>& known, bool qresynced)
{
    const uint32_t lastKnown = known.empty() ? 0 : known.back();
    const std::string range = "1:" + std::to_string(lastKnown);
    if (!qresynced && lastKnown > 0) {
        std::vector<uint32_t> present;
        if (modseq > 0 && hasCapability("CONDSTORE")) {
            // Flags only of what changed since (RFC 7162 section 3.1.4.1); what vanished needs a search
            // for the UIDs still there, as a compact set where ESEARCH is offered (RFC 4731).
            co_await command(nextTag(), "UID FETCH " + range + " (UID FLAGS) (CHANGEDSINCE " +
                                            std::to_string(modseq) + ")");
            co_await command(nextTag(), std::string("UID SEARCH ") +
                                            (hasCapability("ESEARCH") ? "RETURN (ALL) " : "") + "UID " +
                                            range);
            present = m_lastSearch;
        } else {
            // Without CONDSTORE, the flags of every known message, whose UIDs also tell what is gone (RFC
            // 4549 section 4.3.1).
            const std::string reply = co_await command(nextTag(), "UID FETCH " + range + " (UID FLAGS)");
            for (const Response& r : splitResponses(reply)) {
                if (r.word != "FETCH") continue;
                size_t pos = 0;
                std::vector<Value> values = parseValues(r.rest, pos);
                if (const Value* uid = values.empty() ? nullptr : values[0].get("UID"))
                    present.push_back(static_cast<uint32_t>(uid->number().value_or(0)));
            }
        }
        std::sort(present.begin(), present.end());
        for (uint32_t uid : known)
            if (!std::binary_search(present.begin(), present.end(), uid)) vanish(uid, false);
    }
    // Sequence numbers: the known messages that stayed come first, in UID order; new ones follow.
    const std::vector<uint32_t> stayed = cachedUids(folder, m_uidValidity);
    size_t kept = 0;
    for (; kept < stayed.size() && kept < m_uids.size() && stayed[kept] <= lastKnown; ++kept)
        m_uids[kept] = stayed[kept];
    if (m_uids.size() > kept)
        co_await command(nextTag(), "UID FETCH " + std::to_string(lastKnown + 1) +
                                        ":* (UID FLAGS ENVELOPE RFC822.SIZE)");
    setStatus(folder + ": caught up, " + std::to_string(m_uids.size()) + " messages");
}

wire::ClientEngine::SubTask<void> ImapClient::act(ClientAction action, bool fetchedHeaders)
{
    using Kind = ClientAction::Kind;
    switch (action.kind) {
    case Kind::CheckMail:
    case Kind::OpenFolder: co_await checkNew(fetchedHeaders); co_return;
    case Kind::OpenMessage:
    case Kind::Flag:
    case Kind::Unflag:
    case Kind::Move:
    case Kind::Copy:
    case Kind::Delete: {
        const uint32_t uid = targetUid(action);
        if (!uid)
            setStatus("no such message on this device");
        else if (action.kind == Kind::OpenMessage)
            co_await openMessage(uid);
        else if (action.kind == Kind::Flag || action.kind == Kind::Unflag)
            co_await setFlag(uid, action);
        else
            co_await moveCopyOrDelete(uid, action);
        co_return;
    }
    case Kind::CreateFolder:
    case Kind::DeleteFolder:
    case Kind::RenameFolder: co_await changeFolder(action); co_return;
    case Kind::Search: co_await search(action); co_return;
    case Kind::SaveDraft: co_await saveDraft(action); co_return;
    case Kind::Idle: co_await idle(); co_return;
    case Kind::Raw:
    case Kind::Quit: co_return;
    }
}

wire::ClientEngine::SubTask<void> ImapClient::checkNew(bool fetchedHeaders)
{
    if (!fetchedHeaders) {
        const uint32_t before = highestKnownUid();
        if (std::find(m_uids.begin(), m_uids.end(), 0u) == m_uids.end()) {
            // Nothing heard yet (no IDLE news): NOOP lets the server report new mail.
            co_await command(nextTag(), "NOOP");
        }
        if (std::find(m_uids.begin(), m_uids.end(), 0u) != m_uids.end())
            co_await command(nextTag(), "UID FETCH " + std::to_string(before + 1) +
                                            ":* (UID FLAGS ENVELOPE RFC822.SIZE)");
    }
    setStatus(m_selected + ": " + std::to_string(m_uids.size()) + " messages, headers only");
}

wire::ClientEngine::SubTask<void> ImapClient::openMessage(uint32_t uid)
{
    const std::string u = std::to_string(uid);
    const std::string structure = co_await command(nextTag(), "UID FETCH " + u + " (BODYSTRUCTURE)");
    std::string plain, any;
    uint64_t size = 0;
    for (const Response& r : splitResponses(structure)) {
        if (r.word != "FETCH") continue;
        size_t pos = 0;
        std::vector<Value> values = parseValues(r.rest, pos);
        if (!values.empty())
            if (const Value* body = values[0].get("BODYSTRUCTURE")) findTextPart(*body, "", plain, any, size);
    }
    const std::string part = plain.empty() ? (any.empty() ? "1" : any) : plain;
    // Only the part to show, and only its start when it is long.
    const std::string partial = size > 2048 ? "<0.2048>" : "";
    co_await command(nextTag(), "UID FETCH " + u + " (BODY.PEEK[" + part + "]" + partial + ")");
    co_await command(nextTag(), "UID STORE " + u + " +FLAGS (\\Seen)");
    setStatus("opened part " + part + " of message UID " + u);
}

wire::ClientEngine::SubTask<void> ImapClient::setFlag(uint32_t uid, const ClientAction& action)
{
    const std::string reply =
        co_await command(nextTag(), "UID STORE " + std::to_string(uid) +
                                        (action.kind == ClientAction::Kind::Flag ? " +" : " -") + "FLAGS (" +
                                        action.flag + ")");
    setStatus(statusLine(reply));
}

wire::ClientEngine::SubTask<void> ImapClient::moveCopyOrDelete(uint32_t uid, const ClientAction& action)
{
    using Kind = ClientAction::Kind;
    const std::string u = std::to_string(uid);
    std::string reply;
    if (action.kind == Kind::Delete && action.expunge) {
        co_await command(nextTag(), "UID STORE " + u + " +FLAGS.SILENT (\\Deleted)");
        reply = co_await command(nextTag(), "UID EXPUNGE " + u);
    } else {
        const std::string target = action.kind == Kind::Delete ? "Trash" : action.folder;
        const bool move = action.kind != Kind::Copy;
        if (move && !hasCapability("MOVE")) {
            // What MOVE does in one command, in three (RFC 6851 section 1): copy, mark, expunge only that
            // one.
            reply = co_await command(nextTag(), "UID COPY " + u + " " + mailboxArgument(target));
            if (ok(reply, "A" + std::to_string(m_tagCounter))) {
                co_await command(nextTag(), "UID STORE " + u + " +FLAGS.SILENT (\\Deleted)");
                co_await command(nextTag(), "UID EXPUNGE " + u);
            }
        } else {
            reply = co_await command(nextTag(),
                                     (move ? "UID MOVE " : "UID COPY ") + u + " " + mailboxArgument(target));
        }
    }
    setStatus(statusLine(reply));
}

wire::ClientEngine::SubTask<void> ImapClient::changeFolder(const ClientAction& action)
{
    using Kind = ClientAction::Kind;
    const std::string tag = nextTag();
    const std::string text =
        action.kind == Kind::CreateFolder ? "CREATE " + mailboxArgument(action.folder)
        : action.kind == Kind::DeleteFolder
            ? "DELETE " + mailboxArgument(action.folder)
            : "RENAME " + mailboxArgument(action.folder) + " " + mailboxArgument(action.newName);
    const std::string reply = co_await command(tag, text);
    setStatus(statusLine(reply));
}

wire::ClientEngine::SubTask<void> ImapClient::search(const ClientAction& action)
{
    co_await command(nextTag(), "UID SEARCH " + action.searchKey + " " + quote(action.query));
    setStatus("the server found " + std::to_string(m_lastSearch.size()) + " message(s)");
}

wire::ClientEngine::SubTask<void> ImapClient::saveDraft(const ClientAction& action)
{
    mail::DateTime now{m_clock.nowSeconds(), 0};
    std::string message = "Date: " + mail::formatRfc5322Date(now) + "\r\nFrom: " + m_options.user +
                          "@maillab.example\r\nSubject: " + action.draftSubject +
                          "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
                          util::toCrlf(action.draftBody);
    if (message.substr(message.size() - 2) != "\r\n") message += "\r\n";
    const std::string tag = nextTag();
    // A synchronizing literal: the client waits for "+" before it sends the message (RFC 3501 4.3).
    std::string reply = co_await exchange(tag + " APPEND Drafts (\\Draft \\Seen) {" +
                                              std::to_string(message.size()) + "}\r\n",
                                          taggedOrContinuation(tag));
    if (reply.substr(0, 1) != "+") {
        setStatus("the server refused the draft: " + statusLine(reply));
        co_return;
    }
    reply = co_await exchange(message + "\r\n", tagged(tag));
    absorb(reply);
    setStatus(statusLine(reply));
}

wire::ClientEngine::SubTask<void> ImapClient::idle()
{
    const std::string tag = nextTag();
    const std::string reply = co_await exchange(tag + " IDLE\r\n", taggedOrContinuation(tag));
    absorb(reply);
    if (reply.substr(0, 1) == "+") {
        m_idling = true;
        m_idleTag = tag;
        setStatus("idling: waiting for the server to push news");
    }
}

} // namespace maillab::imap
