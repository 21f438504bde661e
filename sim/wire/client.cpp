#include "wire/client.hpp"

#include <stdexcept>

namespace maillab::wire {

const char* securityName(Security security)
{
    switch (security) {
    case Security::Plain: return "plain";
    case Security::StartTls: return "starttls";
    case Security::Implicit: return "tls";
    }
    return "";
}

ClientEngine::Task& ClientEngine::Task::operator=(Task&& other) noexcept
{
    if (this != &other) {
        if (m_handle) m_handle.destroy();
        m_handle = std::exchange(other.m_handle, {});
    }
    return *this;
}

ClientEngine::Task::~Task()
{
    if (m_handle) m_handle.destroy();
}

void ClientEngine::Task::resume()
{
    if (!m_handle || m_handle.done()) return;
    m_handle.resume();
    rethrowIfFailed();
}

void ClientEngine::Task::rethrowIfFailed() const
{
    if (m_handle && m_handle.done() && m_handle.promise().error)
        std::rethrow_exception(m_handle.promise().error);
}

void ClientEngine::startTask(Task task)
{
    if (busy()) throw std::logic_error("a device runs one action at a time");
    m_task = std::move(task);
    m_request = {};
    m_status.clear();
    m_stoppedForSecurity = false;
    m_task.resume();
    if (m_task.done()) m_request = {};
}

void ClientEngine::arm(std::coroutine_handle<> waiting, bool endOnLoss, Request request, ReplyFramer framer)
{
    m_waiting = waiting;
    m_endOnLoss = endOnLoss;
    m_request = std::move(request);
    m_framer = std::move(framer);
    // A Wait starts listening at once; a Send listens only once the bytes are out, a Connect once connected.
    m_awaitingBytes = m_request.kind == Request::Kind::Wait;
    if (m_awaitingBytes) tryComplete();
}

void ClientEngine::resumeWith(Reply reply)
{
    m_request = {};
    m_awaitingBytes = false;
    if (reply.connectionLost && m_endOnLoss) {
        endLostProgram();
        return;
    }
    m_reply = std::move(reply);
    // The innermost waiting coroutine goes on; when it is a sub-task, its end hands over to its awaiter.
    std::exchange(m_waiting, {}).resume();
    if (m_task.done()) {
        m_request = {};
        m_task.rethrowIfFailed();
    }
}

void ClientEngine::endLostProgram()
{
    // The one place a lost connection ends a program: its frame is destroyed where it waits, and with it
    // the frames of the sub-tasks it awaits (their locals' destructors run; no code after the await does).
    m_waiting = {};
    m_task = {};
    m_status = "connection lost";
    connectionLost();
}

void ClientEngine::onConnected()
{
    m_connected = true;
    m_buffer.clear();
    m_awaitingBytes = true;
    m_request.kind = Request::Kind::Wait; // now waiting for the greeting
}

void ClientEngine::onSent()
{
    m_awaitingBytes = true;
    m_request.kind = Request::Kind::Wait;
    tryComplete();
}

void ClientEngine::onBytes(std::string_view bytes)
{
    m_buffer.append(bytes);
    tryComplete();
    if (!m_awaitingBytes && !m_buffer.empty()) m_buffer.erase(0, consumeUnsolicited(m_buffer));
}

void ClientEngine::onTlsStarted(bool established)
{
    if (m_request.kind != Request::Kind::StartTls) return;
    m_buffer.clear();
    resumeWith(Reply{{}, !established});
}

void ClientEngine::tryComplete()
{
    while (m_awaitingBytes && m_framer && !m_buffer.empty()) {
        size_t length = m_framer(m_buffer);
        if (length == 0) return;
        Reply reply{m_buffer.substr(0, length), false};
        m_buffer.erase(0, length);
        resumeWith(std::move(reply));
    }
}

void ClientEngine::onClosed()
{
    bool wasConnected = m_connected;
    m_connected = false;
    if (m_request.kind == Request::Kind::Close) {
        resumeWith({});
        return;
    }
    if (busy() && m_request.kind != Request::Kind::Idle) {
        Reply reply{std::move(m_buffer), true};
        m_buffer.clear();
        resumeWith(std::move(reply));
        return;
    }
    m_buffer.clear();
    if (wasConnected) connectionLost();
}

// [SECTION] the STLS/STARTTLS upgrade

ClientEngine::SubTask<bool> ClientEngine::upgradeToTls()
{
    co_await askCapabilities();
    std::string refusal;
    if (!hasCapability(tlsCommand())) {
        refusal = std::string("the server does not offer ") + tlsCommand();
    } else {
        const std::string answer = co_await requestTls();
        if (!answer.empty()) refusal = std::string("the server refused ") + tlsCommand() + ": " + answer;
    }
    if (!refusal.empty()) {
        // What a mail program set to "STARTTLS required" does: stop before any credentials go out.
        stopForSecurity(refusal + "; stopping rather than sending the password in plain text");
        co_await sayGoodbye();
        co_await close();
        co_return false;
    }
    if (!co_await handshake()) {
        setStatus("the TLS handshake failed");
        co_await close();
        co_return false;
    }
    // The list may change under TLS (STLS/STARTTLS goes, logins may come).
    co_await askCapabilities();
    co_return true;
}

ClientEngine::SubTask<bool> ClientEngine::handshake()
{
    // RFC 2595 section 4, RFC 3501 section 6.2.1: what the client learnt in plain text may have been forged.
    forgetCapabilities();
    const Reply reply = co_await startTls();
    co_return !reply.connectionLost;
}

ClientEngine::SubTask<void> ClientEngine::askCapabilities()
{
    co_return;
}

ClientEngine::SubTask<std::string> ClientEngine::requestTls()
{
    co_return std::string("this program cannot ask for TLS");
}

ClientEngine::SubTask<void> ClientEngine::sayGoodbye()
{
    co_return;
}

} // namespace maillab::wire
