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
    if (m_handle.done() && m_handle.promise().error) std::rethrow_exception(m_handle.promise().error);
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

void ClientEngine::arm(Request request, ReplyFramer framer)
{
    m_request = std::move(request);
    m_framer = std::move(framer);
    // A Wait starts listening at once; a Send listens only once the bytes are out, a Connect once connected.
    m_awaitingBytes = m_request.kind == Request::Kind::Wait;
    if (m_awaitingBytes) tryComplete();
}

void ClientEngine::resumeWith(Reply reply)
{
    m_reply = std::move(reply);
    m_request = {};
    m_awaitingBytes = false;
    m_task.resume();
    if (m_task.done()) m_request = {};
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

} // namespace maillab::wire
