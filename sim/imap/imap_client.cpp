#include "imap/imap_client.hpp"

#include "mail/date.hpp"
#include "mail/message.hpp"
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

void ImapClient::start(ClientAction action)
{
    startTask(run(std::move(action)));
}

std::string ImapClient::nextTag()
{
    return "A" + std::to_string(++m_tagCounter);
}

bool ImapClient::ok(const wire::Reply& reply, const std::string& tag)
{
    if (reply.connectionLost) return false;
    size_t at = reply.bytes.rfind(tag + " OK");
    return at != std::string::npos && (at == 0 || reply.bytes[at - 1] == '\n');
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
        if (response.kind == Response::Kind::Untagged) absorbOne(response);
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
    } else if (r.word == "SEARCH") {
        m_lastSearch.clear();
        for (std::string_view n : util::splitSpaces(r.rest))
            if (auto v = util::parseNumber(n)) m_lastSearch.push_back(static_cast<uint32_t>(*v));
    } else if (r.word == "LIST") {
        size_t pos = 0;
        std::vector<Value> values = parseValues(r.rest, pos);
        if (values.size() >= 3 &&
            std::find(m_folders.begin(), m_folders.end(), values[2].text) == m_folders.end())
            m_folders.push_back(values[2].text);
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

wire::ClientEngine::Task ImapClient::run(ClientAction action)
{
    using Kind = ClientAction::Kind;
    wire::Reply reply;
    std::string tag;

    if (m_idling) { // leave IDLE before anything else (RFC 2177 section 3)
        reply = co_await exchange("DONE\r\n", tagged(m_idleTag));
        m_idling = false;
        absorb(reply.bytes);
        if (reply.connectionLost) co_return;
    }
    if (action.kind == Kind::Logout) {
        if (!connected()) co_return;
        tag = nextTag();
        reply = co_await exchange(tag + " LOGOUT\r\n", tagged(tag));
        co_await close();
        m_loggedIn = false;
        m_selected.clear();
        setStatus("logged out");
        co_return;
    }
    if (!connected()) {
        m_tagCounter = 0;
        m_loggedIn = false;
        m_selected.clear();
        m_uids.clear();
        m_capabilities.clear();
        reply = co_await connect([](std::string_view b) { return frameResponse(b); });
        if (reply.connectionLost || reply.bytes.substr(0, 4) != "* OK") {
            setStatus("could not connect");
            co_await close();
            co_return;
        }
        absorb(reply.bytes);
        if (m_options.security == wire::Security::StartTls) {
            tag = nextTag();
            reply = co_await exchange(tag + " CAPABILITY\r\n", tagged(tag));
            absorb(reply.bytes);
            if (reply.connectionLost) co_return;
            std::string refusal;
            if (!hasCapability("STARTTLS")) {
                refusal = "the server does not offer STARTTLS";
            } else {
                tag = nextTag();
                reply = co_await exchange(tag + " STARTTLS\r\n", tagged(tag));
                if (reply.connectionLost) co_return;
                if (!ok(reply, tag)) refusal = "the server refused STARTTLS: " + statusLine(reply.bytes);
            }
            if (!refusal.empty()) {
                // What a mail program set to "STARTTLS required" does: stop before LOGIN goes out.
                stopForSecurity(refusal + "; stopping rather than sending the password in plain text");
                tag = nextTag();
                co_await exchange(tag + " LOGOUT\r\n", tagged(tag));
                co_await close();
                co_return;
            }
            m_capabilities.clear();
            reply = co_await startTls();
            if (reply.connectionLost) {
                setStatus("the TLS handshake failed");
                co_await close();
                co_return;
            }
            tag = nextTag();
            reply = co_await exchange(tag + " CAPABILITY\r\n", tagged(tag));
            absorb(reply.bytes);
            if (reply.connectionLost) co_return;
        }
    }
    if (action.kind == Kind::Raw) {
        std::string rawTag = action.line.substr(0, action.line.find(' '));
        reply = co_await exchange(action.line + "\r\n", taggedOrContinuation(rawTag));
        absorb(reply.bytes);
        setStatus(reply.connectionLost ? "connection closed" : statusLine(reply.bytes));
        const std::vector<std::string_view> words = util::splitSpaces(action.line);
        if (words.size() == 2 && util::iequals(words[1], "STARTTLS") && ok(reply, rawTag)) {
            // As openssl s_client -starttls imap does: the handshake follows the tagged OK at once.
            m_capabilities.clear();
            reply = co_await startTls();
            setStatus(reply.connectionLost ? "the TLS handshake failed" : "TLS started");
        }
        co_return;
    }
    if (!m_loggedIn) {
        if (hasCapability("LOGINDISABLED")) {
            // RFC 3501 section 6.2.3: the client must not send LOGIN when the server says LOGINDISABLED.
            stopForSecurity(
                "the server disabled LOGIN on this connection (LOGINDISABLED); not sending the password");
            tag = nextTag();
            co_await exchange(tag + " LOGOUT\r\n", tagged(tag));
            co_await close();
            co_return;
        }
        tag = nextTag();
        reply = co_await exchange(
            tag + " LOGIN " + quote(m_options.user) + " " + quote(m_options.password) + "\r\n", tagged(tag));
        if (!ok(reply, tag)) {
            setStatus("login failed: " + statusLine(reply.bytes));
            if (!reply.connectionLost) {
                tag = nextTag();
                co_await exchange(tag + " LOGOUT\r\n", tagged(tag));
            }
            co_await close();
            co_return;
        }
        m_loggedIn = true;
        tag = nextTag();
        m_folders.clear();
        reply = co_await exchange(tag + " LIST \"\" \"*\"\r\n", tagged(tag));
        absorb(reply.bytes);
    }

    // Which folder the action needs open.
    std::string folder = m_selected.empty() ? "INBOX" : m_selected;
    if (action.kind == Kind::CheckMail) folder = "INBOX";
    if (action.kind == Kind::SelectFolder) folder = action.folder;
    const bool needsFolder = action.kind != Kind::CreateFolder && action.kind != Kind::RenameFolder &&
                             action.kind != Kind::DeleteFolder && action.kind != Kind::SaveDraft;
    bool fetchedHeaders = false;
    if (needsFolder && folder != m_selected) {
        tag = nextTag();
        m_uids.clear();
        m_selected = folder;
        reply = co_await exchange(tag + " SELECT " + quote(folder) + "\r\n", tagged(tag));
        absorb(reply.bytes);
        if (!ok(reply, tag)) {
            m_selected.clear();
            setStatus("cannot open " + folder + ": " + statusLine(reply.bytes));
            co_return;
        }
        if (!m_uids.empty()) {
            // Headers first: who, what, how big and which flags; no bodies (the point of IMAP's online mode).
            tag = nextTag();
            reply =
                co_await exchange(tag + " UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)\r\n", tagged(tag));
            absorb(reply.bytes);
        }
        fetchedHeaders = true;
    }

    switch (action.kind) {
    case Kind::CheckMail:
    case Kind::SelectFolder: {
        if (!fetchedHeaders) {
            const uint32_t before = highestKnownUid();
            if (std::find(m_uids.begin(), m_uids.end(), 0u) == m_uids.end()) {
                // Nothing heard yet (no IDLE news): NOOP lets the server report new mail.
                tag = nextTag();
                reply = co_await exchange(tag + " NOOP\r\n", tagged(tag));
                absorb(reply.bytes);
            }
            if (std::find(m_uids.begin(), m_uids.end(), 0u) != m_uids.end()) {
                tag = nextTag();
                reply = co_await exchange(tag + " UID FETCH " + std::to_string(before + 1) +
                                              ":* (UID FLAGS ENVELOPE RFC822.SIZE)\r\n",
                                          tagged(tag));
                absorb(reply.bytes);
            }
        }
        setStatus(m_selected + ": " + std::to_string(m_uids.size()) + " messages, headers only");
        break;
    }
    case Kind::OpenMessage: {
        uint32_t uid = targetUid(action);
        if (!uid) {
            setStatus("no such message on this device");
            break;
        }
        const std::string u = std::to_string(uid);
        tag = nextTag();
        reply = co_await exchange(tag + " UID FETCH " + u + " (BODYSTRUCTURE)\r\n", tagged(tag));
        absorb(reply.bytes);
        std::string plain, any;
        uint64_t size = 0;
        for (const Response& r : splitResponses(reply.bytes)) {
            if (r.word != "FETCH") continue;
            size_t pos = 0;
            std::vector<Value> values = parseValues(r.rest, pos);
            if (!values.empty())
                if (const Value* body = values[0].get("BODYSTRUCTURE"))
                    findTextPart(*body, "", plain, any, size);
        }
        std::string part = plain.empty() ? (any.empty() ? "1" : any) : plain;
        // Only the part to show, and only its start when it is long.
        std::string partial = size > 2048 ? "<0.2048>" : "";
        tag = nextTag();
        reply = co_await exchange(tag + " UID FETCH " + u + " (BODY.PEEK[" + part + "]" + partial + ")\r\n",
                                  tagged(tag));
        absorb(reply.bytes);
        tag = nextTag();
        reply = co_await exchange(tag + " UID STORE " + u + " +FLAGS (\\Seen)\r\n", tagged(tag));
        absorb(reply.bytes);
        setStatus("opened part " + part + " of message UID " + u);
        break;
    }
    case Kind::Flag:
    case Kind::Unflag: {
        uint32_t uid = targetUid(action);
        if (!uid) {
            setStatus("no such message on this device");
            break;
        }
        tag = nextTag();
        reply = co_await exchange(tag + " UID STORE " + std::to_string(uid) +
                                      (action.kind == Kind::Flag ? " +" : " -") + "FLAGS (" + action.flag +
                                      ")\r\n",
                                  tagged(tag));
        absorb(reply.bytes);
        setStatus(statusLine(reply.bytes));
        break;
    }
    case Kind::Move:
    case Kind::Copy:
    case Kind::Delete: {
        uint32_t uid = targetUid(action);
        if (!uid) {
            setStatus("no such message on this device");
            break;
        }
        const std::string u = std::to_string(uid);
        if (action.kind == Kind::Delete && action.expunge) {
            tag = nextTag();
            reply =
                co_await exchange(tag + " UID STORE " + u + " +FLAGS.SILENT (\\Deleted)\r\n", tagged(tag));
            absorb(reply.bytes);
            tag = nextTag();
            reply = co_await exchange(tag + " UID EXPUNGE " + u + "\r\n", tagged(tag));
            absorb(reply.bytes);
        } else {
            std::string target = action.kind == Kind::Delete ? "Trash" : action.folder;
            std::string verb = action.kind == Kind::Copy ? " UID COPY " : " UID MOVE ";
            tag = nextTag();
            reply = co_await exchange(tag + verb + u + " " + quote(target) + "\r\n", tagged(tag));
            absorb(reply.bytes);
        }
        setStatus(statusLine(reply.bytes));
        break;
    }
    case Kind::CreateFolder:
    case Kind::DeleteFolder:
    case Kind::RenameFolder: {
        tag = nextTag();
        std::string command = action.kind == Kind::CreateFolder ? " CREATE " + quote(action.folder)
                              : action.kind == Kind::DeleteFolder
                                  ? " DELETE " + quote(action.folder)
                                  : " RENAME " + quote(action.folder) + " " + quote(action.newName);
        reply = co_await exchange(tag + command + "\r\n", tagged(tag));
        absorb(reply.bytes);
        setStatus(statusLine(reply.bytes));
        break;
    }
    case Kind::Search: {
        tag = nextTag();
        reply = co_await exchange(
            tag + " UID SEARCH " + action.searchKey + " " + quote(action.query) + "\r\n", tagged(tag));
        absorb(reply.bytes);
        setStatus("the server found " + std::to_string(m_lastSearch.size()) + " message(s)");
        break;
    }
    case Kind::SaveDraft: {
        mail::DateTime now{m_clock.nowSeconds(), 0};
        std::string message = "Date: " + mail::formatRfc5322Date(now) + "\r\nFrom: " + m_options.user +
                              "@maillab.example\r\nSubject: " + action.draftSubject +
                              "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
                              util::toCrlf(action.draftBody);
        if (message.substr(message.size() - 2) != "\r\n") message += "\r\n";
        tag = nextTag();
        // A synchronizing literal: the client waits for "+" before it sends the message (RFC 3501 4.3).
        reply = co_await exchange(tag + " APPEND Drafts (\\Draft \\Seen) {" + std::to_string(message.size()) +
                                      "}\r\n",
                                  taggedOrContinuation(tag));
        if (reply.connectionLost || reply.bytes.substr(0, 1) != "+") {
            setStatus("the server refused the draft: " + statusLine(reply.bytes));
            break;
        }
        reply = co_await exchange(message + "\r\n", tagged(tag));
        absorb(reply.bytes);
        setStatus(statusLine(reply.bytes));
        break;
    }
    case Kind::Idle: {
        tag = nextTag();
        reply = co_await exchange(tag + " IDLE\r\n", taggedOrContinuation(tag));
        absorb(reply.bytes);
        if (!reply.connectionLost && reply.bytes.substr(0, 1) == "+") {
            m_idling = true;
            m_idleTag = tag;
            setStatus("idling: waiting for the server to push news");
        }
        break;
    }
    case Kind::Raw:
    case Kind::Logout: break;
    }
}

} // namespace maillab::imap
