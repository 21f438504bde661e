// The client side of a link: a device's mail program, written as coroutines that await server replies.
//
// A user action ("check mail") is one coroutine. Each co_await names what the program wants next (connect,
// send these bytes, close, or wait for the server) and suspends; the driver (the simulator's link or a
// socket adapter) carries that out and hands back the server's bytes. The engine never does I/O itself, so
// the same program runs in-process, step by step, and against a real server.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace maillab::wire {

// How a device reaches the server (RFC 8314): plain text on 110/143; plain text upgraded with STLS/STARTTLS
// before login (RFC 2595, RFC 3501 section 6.2.1); or implicit TLS on 995/993, TLS before the first byte.
enum class Security { Plain, StartTls, Implicit };
const char* securityName(Security security); // "plain", "starttls", "tls"

// Returns the length of the first complete reply at the start of the buffer, or 0 when more bytes are needed.
using ReplyFramer = std::function<size_t(std::string_view buffer)>;

struct Reply {
    std::string bytes;
    bool connectionLost = false; // the connection closed before a complete reply arrived
};

class ClientEngine {
public:
    struct Request {
        // StartTls: run a TLS handshake on the open connection now (after the server accepted STLS/STARTTLS);
        // the driver answers with onTlsStarted().
        enum class Kind { Idle, Connect, Send, Close, Wait, StartTls };
        Kind kind = Kind::Idle;
        std::string bytes; // for Send
    };

    // A user action in progress. Owns its coroutine frame.
    class Task {
    public:
        struct promise_type {
            std::exception_ptr error;
            Task get_return_object()
            {
                return Task(std::coroutine_handle<promise_type>::from_promise(*this));
            }
            std::suspend_always initial_suspend() noexcept { return {}; }
            std::suspend_always final_suspend() noexcept { return {}; }
            void return_void() {}
            void unhandled_exception() { error = std::current_exception(); }
        };
        Task() = default;
        explicit Task(std::coroutine_handle<promise_type> handle) : m_handle(handle) {}
        Task(Task&& other) noexcept : m_handle(std::exchange(other.m_handle, {})) {}
        Task& operator=(Task&& other) noexcept;
        ~Task();
        bool done() const { return !m_handle || m_handle.done(); }
        void resume();

    private:
        std::coroutine_handle<promise_type> m_handle;
    };

    virtual ~ClientEngine() = default;

    const Request& request() const { return m_request; }
    bool busy() const { return !m_task.done(); }
    bool connected() const { return m_connected; }
    // The device was lost: the program's own memory (ids downloaded, folders cached) goes with it.
    virtual void forget() {}

    // The driver's side: what happened to the current request.
    void onConnected(); // Connect done: the greeting follows through onBytes
    void onSent();      // Send done: the reply follows through onBytes
    void onBytes(std::string_view bytes);
    void onClosed(); // Close done, or the server closed, or the link dropped
    // StartTls done: established, or the handshake failed (the driver closes the connection then). Bytes
    // received before the handshake are discarded: nothing from the plain-text phase may be trusted.
    void onTlsStarted(bool established);

    // The action's outcome in words (for narration and errors), set by the scripts.
    const std::string& status() const { return m_status; }
    // The action stopped rather than send credentials unprotected (no STLS/STARTTLS, LOGINDISABLED): the
    // driver tells the user, as a mail program shows an error instead of logging in.
    bool stoppedForSecurity() const { return m_stoppedForSecurity; }

protected:
    void startTask(Task task);
    void setStatus(std::string status) { m_status = std::move(status); }
    void stopForSecurity(std::string status)
    {
        m_status = std::move(status);
        m_stoppedForSecurity = true;
    }

    struct Awaiter {
        ClientEngine& engine;
        Request request;
        ReplyFramer framer;
        // Closing a connection that is already gone (the server hung up, the device was lost) is done at
        // once: no driver will ever serve that request.
        bool await_ready() const noexcept
        {
            return request.kind == Request::Kind::Close && !engine.m_connected;
        }
        void await_suspend(std::coroutine_handle<>) { engine.arm(std::move(request), std::move(framer)); }
        Reply await_resume() { return std::exchange(engine.m_reply, {}); }
    };
    // co_await connect(f): the greeting; exchange(bytes, f): the reply; waitFor(f): bytes the server sends
    // unasked (IDLE); close(): the connection is gone.
    Awaiter connect(ReplyFramer framer) { return {*this, {Request::Kind::Connect, {}}, std::move(framer)}; }
    Awaiter exchange(std::string bytes, ReplyFramer framer)
    {
        return {*this, {Request::Kind::Send, std::move(bytes)}, std::move(framer)};
    }
    Awaiter waitFor(ReplyFramer framer) { return {*this, {Request::Kind::Wait, {}}, std::move(framer)}; }
    Awaiter close() { return {*this, {Request::Kind::Close, {}}, nullptr}; }
    // co_await startTls(): a reply with connectionLost set when the handshake failed, else empty.
    Awaiter startTls() { return {*this, {Request::Kind::StartTls, {}}, nullptr}; }

    // Called when the connection ends unexpectedly while no action is running.
    virtual void connectionLost() {}
    // Bytes the server sent while no action waits for them (IMAP IDLE news): returns how many were used.
    virtual size_t consumeUnsolicited(std::string_view) { return 0; }

private:
    void arm(Request request, ReplyFramer framer);
    void tryComplete();
    void resumeWith(Reply reply);

    Request m_request;
    ReplyFramer m_framer;
    bool m_awaitingBytes = false;
    bool m_connected = false;
    std::string m_buffer;
    Reply m_reply;
    Task m_task;
    std::string m_status;
    bool m_stoppedForSecurity = false;
};

} // namespace maillab::wire
