#include "pop3/pop3_client.hpp"

#include "mail/message.hpp"
#include "pop3/pop3_types.hpp"
#include "util/text.hpp"

#include <sstream>

namespace maillab::pop3 {

const char* modeName(Mode mode)
{
    return mode == Mode::Delete ? "delete" : "keep";
}

size_t frameSingleLine(std::string_view buffer)
{
    size_t lf = buffer.find('\n');
    return lf == std::string_view::npos ? 0 : lf + 1;
}

size_t frameMultiLine(std::string_view buffer)
{
    size_t first = frameSingleLine(buffer);
    if (first == 0) return 0;
    if (!isOk(buffer)) return first; // an -ERR is always one line
    if (buffer.substr(first, 3) == ".\r\n") return first + 3;
    size_t end = buffer.find("\r\n.\r\n", first - 2);
    return end == std::string_view::npos ? 0 : end + 5;
}

bool isOk(std::string_view reply)
{
    return reply.substr(0, 3) == "+OK";
}

namespace {

// The lines of a multi-line reply between the status line and the terminating ".".
std::string multiLineBody(const std::string& reply)
{
    size_t first = reply.find('\n');
    if (first == std::string::npos || reply.size() < first + 1 + 3) return {};
    return dotUnstuff(std::string_view(reply).substr(first + 1, reply.size() - (first + 1) - 3));
}

std::vector<std::pair<int, std::string>> listing(const std::string& reply)
{
    std::vector<std::pair<int, std::string>> out;
    std::istringstream in(multiLineBody(reply));
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t space = line.find(' ');
        if (space == std::string::npos) continue;
        auto number = util::parseNumber(line.substr(0, space));
        if (number) out.emplace_back(static_cast<int>(*number), line.substr(space + 1));
    }
    return out;
}

// Every line of a multi-line reply's body (CAPA), without CRLF.
std::vector<std::string> listingLines(const std::string& reply)
{
    std::vector<std::string> out;
    std::istringstream in(multiLineBody(reply));
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

std::string statusText(const std::string& reply)
{
    size_t end = reply.find('\r');
    return reply.substr(0, end == std::string::npos ? reply.size() : end);
}

} // namespace

Pop3Client::Pop3Client(store::DeviceStore& local, const wire::Clock& clock, ClientOptions options)
    : m_local(local), m_clock(clock), m_options(std::move(options))
{
}

void Pop3Client::checkMail()
{
    startTask(runCheckMail());
}
void Pop3Client::sendRaw(std::string line)
{
    startTask(runRaw(std::move(line)));
}
void Pop3Client::quit()
{
    startTask(runQuit());
}

bool Pop3Client::hasCapability(std::string_view keyword) const
{
    for (const std::string& line : m_capabilities)
        if (util::iequals(line.substr(0, line.find(' ')), keyword)) return true;
    return false;
}

bool Pop3Client::loginSucceeded(const wire::Reply& reply)
{
    if (reply.connectionLost || !isOk(reply.bytes)) {
        setStatus(reply.connectionLost ? "connection lost" : "login failed: " + statusText(reply.bytes));
        return false;
    }
    return true;
}

void Pop3Client::storeMessage(const std::string& wireReply, const std::string& serverId, size_t size)
{
    store::LocalMessage message;
    message.bytes = multiLineBody(wireReply);
    message.complete = true;
    message.serverId = serverId;
    message.serverSize = size;
    mail::Summary summary = mail::summarize(message.bytes);
    message.from = summary.from;
    message.subject = summary.subject;
    message.downloadedAtMs = m_clock.nowMs();
    m_local.add(std::move(message));
}

wire::ClientEngine::Task Pop3Client::runCheckMail()
{
    m_lastCheck = {};
    m_capabilities.clear();
    wire::Reply reply = co_await connect(frameSingleLine);
    if (reply.connectionLost || !isOk(reply.bytes)) {
        setStatus("could not connect");
        co_await close();
        co_return;
    }
    // APOP signs the greeting's timestamp (RFC 1939 section 7); STLS and CAPA may come in between.
    const std::string greeting = reply.bytes;
    if (m_options.security == wire::Security::StartTls) {
        // RFC 2595 section 4: STLS is offered in CAPA; after TLS the client asks again, since the list may
        // change (STLS goes, logins may come).
        reply = co_await exchange("CAPA\r\n", frameMultiLine);
        if (reply.connectionLost) co_return;
        m_capabilities = isOk(reply.bytes) ? listingLines(reply.bytes) : std::vector<std::string>{};
        std::string refusal;
        if (!hasCapability("STLS")) {
            refusal = "the server does not offer STLS";
        } else {
            reply = co_await exchange("STLS\r\n", frameSingleLine);
            if (reply.connectionLost) co_return;
            if (!isOk(reply.bytes)) refusal = "the server refused STLS: " + statusText(reply.bytes);
        }
        if (!refusal.empty()) {
            // What a mail program set to "STARTTLS required" does: stop before any credentials go out.
            stopForSecurity(refusal + "; stopping rather than sending the password in plain text");
            co_await exchange("QUIT\r\n", frameSingleLine);
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
        reply = co_await exchange("CAPA\r\n", frameMultiLine);
        if (reply.connectionLost) co_return;
        if (isOk(reply.bytes)) m_capabilities = listingLines(reply.bytes);
    }
    switch (m_options.auth) {
    case AuthMethod::UserPass:
        reply = co_await exchange("USER " + m_options.user + "\r\n", frameSingleLine);
        if (isOk(reply.bytes))
            reply = co_await exchange("PASS " + m_options.password + "\r\n", frameSingleLine);
        break;
    case AuthMethod::Apop: {
        size_t lt = greeting.find('<'), gt = greeting.find('>', lt);
        std::string timestamp = lt == std::string::npos || gt == std::string::npos
                                    ? std::string()
                                    : greeting.substr(lt, gt - lt + 1);
        reply = co_await exchange("APOP " + m_options.user + " " +
                                      util::md5Hex(timestamp + m_options.password) + "\r\n",
                                  frameSingleLine);
        break;
    }
    case AuthMethod::SaslPlain:
        reply = co_await exchange("AUTH PLAIN " +
                                      util::base64Encode(std::string("\0", 1) + m_options.user +
                                                         std::string("\0", 1) + m_options.password) +
                                      "\r\n",
                                  frameSingleLine);
        break;
    }
    if (!loginSucceeded(reply)) {
        if (!reply.connectionLost) co_await exchange("QUIT\r\n", frameSingleLine);
        co_await close();
        co_return;
    }

    reply = co_await exchange("STAT\r\n", frameSingleLine);
    if (reply.connectionLost) co_return;
    if (m_options.mode == Mode::Delete) {
        reply = co_await exchange("LIST\r\n", frameMultiLine);
        if (reply.connectionLost) co_return;
        for (auto& [number, size] : listing(reply.bytes)) {
            reply = co_await exchange("RETR " + std::to_string(number) + "\r\n", frameMultiLine);
            if (reply.connectionLost) co_return;
            if (!isOk(reply.bytes)) continue;
            storeMessage(reply.bytes, {}, util::parseNumber(size).value_or(0));
            ++m_lastCheck.messagesDownloaded;
            reply = co_await exchange("DELE " + std::to_string(number) + "\r\n", frameSingleLine);
            if (reply.connectionLost) co_return;
            if (isOk(reply.bytes)) ++m_lastCheck.messagesDeleted;
        }
    } else {
        reply = co_await exchange("UIDL\r\n", frameMultiLine);
        if (reply.connectionLost) co_return;
        const int64_t now = m_clock.nowMs();
        for (auto& [number, id] : listing(reply.bytes)) {
            if (!m_known.count(id)) {
                reply = co_await exchange("RETR " + std::to_string(number) + "\r\n", frameMultiLine);
                if (reply.connectionLost) co_return;
                if (!isOk(reply.bytes)) continue;
                storeMessage(reply.bytes, id, 0);
                m_known[id] = now;
                ++m_lastCheck.messagesDownloaded;
            }
            const int64_t keepMs = int64_t(m_options.removeAfterDays) * 86400000;
            if (m_options.removeAfterDays > 0 && now - m_known[id] >= keepMs) {
                reply = co_await exchange("DELE " + std::to_string(number) + "\r\n", frameSingleLine);
                if (reply.connectionLost) co_return;
                if (isOk(reply.bytes)) ++m_lastCheck.messagesDeleted;
            }
        }
    }
    reply = co_await exchange("QUIT\r\n", frameSingleLine);
    co_await close();
    setStatus("downloaded " + std::to_string(m_lastCheck.messagesDownloaded) + ", deleted on server " +
              std::to_string(m_lastCheck.messagesDeleted));
}

wire::ClientEngine::Task Pop3Client::runRaw(std::string line)
{
    if (!connected()) {
        wire::Reply greeting = co_await connect(frameSingleLine);
        if (greeting.connectionLost) {
            setStatus("could not connect");
            co_return;
        }
    }
    wire::Reply reply =
        co_await exchange(line + "\r\n", expectsMultiLine(line) ? frameMultiLine : frameSingleLine);
    setStatus(reply.connectionLost ? "connection closed" : statusText(reply.bytes));
    if (!reply.connectionLost && isOk(reply.bytes) && util::iequals(util::trim(line), "STLS")) {
        // As openssl s_client -starttls pop3 does: the handshake follows the server's +OK at once.
        m_capabilities.clear();
        reply = co_await startTls();
        setStatus(reply.connectionLost ? "the TLS handshake failed" : "TLS started");
    }
}

wire::ClientEngine::Task Pop3Client::runQuit()
{
    if (!connected()) co_return;
    wire::Reply reply = co_await exchange("QUIT\r\n", frameSingleLine);
    co_await close();
    setStatus(statusText(reply.bytes));
}

} // namespace maillab::pop3
