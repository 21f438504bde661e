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

void Pop3Client::perform(const wire::UserAction& action)
{
    using Kind = wire::UserAction::Kind;
    switch (action.kind) {
    case Kind::CheckMail: checkMail(); return;
    case Kind::Raw: sendRaw(action.line); return;
    case Kind::Quit: quit(); return;
    default: decline("POP3 cannot do that: folders, flags and search on the server need IMAP"); return;
    }
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

// [SECTION] the programs

wire::ClientEngine::Task Pop3Client::runCheckMail()
{
    m_lastCheck = {};
    m_capabilities.clear();
    const std::optional<std::string> greeting = co_await greet();
    if (!greeting) co_return;
    if (m_options.security == wire::Security::StartTls) {
        if (!co_await upgradeToTls()) co_return;
    }
    if (!co_await logIn(*greeting)) co_return;
    co_await exchange("STAT\r\n", frameSingleLine);
    if (m_options.mode == Mode::Delete)
        co_await downloadAndDelete();
    else
        co_await downloadNew();
    // Only QUIT's UPDATE state removes what DELE marked (RFC 1939 section 6); its answer changes nothing.
    co_await tryExchange("QUIT\r\n", frameSingleLine);
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
        co_await tryExchange(line + "\r\n", expectsMultiLine(line) ? frameMultiLine : frameSingleLine);
    setStatus(reply.connectionLost ? "connection closed" : statusText(reply.bytes));
    if (!reply.connectionLost && isOk(reply.bytes) && util::iequals(util::trim(line), "STLS")) {
        // As openssl s_client -starttls pop3 does: the handshake follows the server's +OK at once.
        const bool started = co_await handshake();
        setStatus(started ? "TLS started" : "the TLS handshake failed");
    }
}

wire::ClientEngine::Task Pop3Client::runQuit()
{
    if (!connected()) co_return;
    wire::Reply reply = co_await tryExchange("QUIT\r\n", frameSingleLine);
    co_await close();
    setStatus(statusText(reply.bytes));
}

// [SECTION] the sub-tasks

wire::ClientEngine::SubTask<std::optional<std::string>> Pop3Client::greet()
{
    wire::Reply reply = co_await connect(frameSingleLine);
    if (reply.connectionLost || !isOk(reply.bytes)) {
        setStatus("could not connect");
        co_await close();
        co_return std::nullopt;
    }
    co_return std::move(reply.bytes);
}

wire::ClientEngine::SubTask<void> Pop3Client::askCapabilities()
{
    // RFC 2449: the capabilities, one per line; STLS among them when the server offers it (RFC 2595 4).
    const std::string reply = co_await exchange("CAPA\r\n", frameMultiLine);
    m_capabilities = isOk(reply) ? listingLines(reply) : std::vector<std::string>{};
}

wire::ClientEngine::SubTask<std::string> Pop3Client::requestTls()
{
    const std::string reply = co_await exchange("STLS\r\n", frameSingleLine);
    co_return isOk(reply) ? std::string() : statusText(reply);
}

wire::ClientEngine::SubTask<void> Pop3Client::sayGoodbye()
{
    co_await tryExchange("QUIT\r\n", frameSingleLine);
}

wire::ClientEngine::SubTask<bool> Pop3Client::logIn(std::string greeting)
{
    std::string reply;
    switch (m_options.auth) {
    case AuthMethod::UserPass:
        reply = co_await exchange("USER " + m_options.user + "\r\n", frameSingleLine);
        if (isOk(reply)) reply = co_await exchange("PASS " + m_options.password + "\r\n", frameSingleLine);
        break;
    case AuthMethod::Apop: {
        // APOP signs the greeting's timestamp (RFC 1939 section 7).
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
    if (isOk(reply)) co_return true;
    setStatus("login failed: " + statusText(reply));
    co_await sayGoodbye();
    co_await close();
    co_return false;
}

wire::ClientEngine::SubTask<void> Pop3Client::downloadAndDelete()
{
    const std::string list = co_await exchange("LIST\r\n", frameMultiLine);
    for (auto& [number, size] : listing(list)) {
        std::string reply = co_await exchange("RETR " + std::to_string(number) + "\r\n", frameMultiLine);
        if (!isOk(reply)) continue;
        storeMessage(reply, {}, util::parseNumber(size).value_or(0));
        ++m_lastCheck.messagesDownloaded;
        reply = co_await exchange("DELE " + std::to_string(number) + "\r\n", frameSingleLine);
        if (isOk(reply)) ++m_lastCheck.messagesDeleted;
    }
}

wire::ClientEngine::SubTask<void> Pop3Client::downloadNew()
{
    const std::string uidl = co_await exchange("UIDL\r\n", frameMultiLine);
    const int64_t now = m_clock.nowMs();
    for (auto& [number, id] : listing(uidl)) {
        if (!m_known.count(id)) {
            const std::string reply =
                co_await exchange("RETR " + std::to_string(number) + "\r\n", frameMultiLine);
            if (!isOk(reply)) continue;
            storeMessage(reply, id, 0);
            m_known[id] = now;
            ++m_lastCheck.messagesDownloaded;
        }
        const int64_t keepMs = int64_t(m_options.removeAfterDays) * 86400000;
        if (m_options.removeAfterDays > 0 && now - m_known[id] >= keepMs) {
            const std::string reply =
                co_await exchange("DELE " + std::to_string(number) + "\r\n", frameSingleLine);
            if (isOk(reply)) ++m_lastCheck.messagesDeleted;
        }
    }
}

} // namespace maillab::pop3
