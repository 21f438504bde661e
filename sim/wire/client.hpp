// The client side of a link: a device's mail program, written as coroutines that await server replies.
//
// A user action ("check mail") is one program: a Task made of awaited sub-tasks (greet, upgrade to TLS, log
// in, then the action itself), each a SubTask coroutine. Each co_await on the engine names what the program
// wants next (connect, send these bytes, close, or wait for the server) and suspends; the driver (the
// simulator's Link or a socket adapter) carries that out and hands back the server's bytes. The engine never
// does I/O itself, so the same program runs in-process, step by step, and against a real server.
//
// A lost connection is handled once, here: when the reply to exchange() cannot come because the connection
// is gone, the engine ends the whole program where it waits (its frames and its sub-tasks' are destroyed),
// sets the status "connection lost" and calls connectionLost(). Only the awaits whose loss means something
// else (connect: "could not connect"; a goodbye whose answer does not matter; a raw line; the TLS handshake)
// see a Reply with connectionLost set.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
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

// What the user asks a mail program to do, in words every protocol's program reads. A program whose protocol
// cannot do it (POP3 has no folders) declines without starting, and status() says why.
struct UserAction {
    enum class Kind {
        CheckMail,    // POP3: a whole check; IMAP: connect, log in, LIST, SELECT INBOX, fetch new headers
        Raw,          // one raw protocol line (line)
        Quit,         // end the session politely (QUIT / LOGOUT)
        OpenFolder,   // open another folder (folder) and fetch its headers
        OpenMessage,  // BODYSTRUCTURE, then only the text part, then \Seen
        Flag,         // set flag
        Unflag,       // clear flag
        Move,         // to folder
        Copy,         // to folder
        Delete,       // to Trash, or \Deleted + EXPUNGE when expunge is set
        CreateFolder, // folder
        RenameFolder, // folder to newName
        DeleteFolder, // folder
        Search,       // on the server: searchKey query
        SaveDraft,    // draftSubject, draftBody into Drafts
        Idle,         // listen for news until the next action
    };
    Kind kind = Kind::CheckMail;
    uint32_t message = 0; // position in the device's view of the folder (1-based), or 0 to use subject
    std::string subject;  // a substring of the subject, to pick a message
    std::string folder;
    std::string newName;
    std::string flag = "\\Flagged";
    std::string query;
    std::string searchKey = "TEXT";
    bool expunge = false;
    std::string line;
    std::string draftSubject, draftBody;
};

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

    // A user action in progress: the program's outermost coroutine. Owns its frame, and through it the frames
    // of the sub-tasks it awaits.
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
        // Once done: passes on what the program threw (a bug, never a lost connection).
        void rethrowIfFailed() const;

    private:
        std::coroutine_handle<promise_type> m_handle;
    };

    // A part of a program (greet, upgrade, log in, one action), awaited by the program or by another
    // sub-task: co_await greet() runs it to its co_return and gives its value. It starts when awaited and
    // hands control back to its awaiter when done.
    template <typename T> class SubTask;

    virtual ~ClientEngine() = default;

    const Request& request() const { return m_request; }
    bool busy() const { return !m_task.done(); }
    bool connected() const { return m_connected; }
    // Starts what the user asked for, unless the program's protocol cannot do it (then status() says why).
    virtual void perform(const UserAction& action) = 0;
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
    // The action is not one this program can do: nothing starts, and the status says why.
    void decline(std::string why)
    {
        m_status = std::move(why);
        m_stoppedForSecurity = false;
    }
    void setStatus(std::string status) { m_status = std::move(status); }
    void stopForSecurity(std::string status)
    {
        m_status = std::move(status);
        m_stoppedForSecurity = true;
    }

    // What a co_await on the engine gives: the Reply itself (Lossy), or only its bytes, the connection lost
    // ending the program instead (Checked).
    enum class OnLoss { Lossy, Checked };
    template <OnLoss onLoss> struct Awaiter {
        ClientEngine& engine;
        Request request;
        ReplyFramer framer;
        // Closing a connection that is already gone (the server hung up, the device was lost) is done at
        // once: no driver will ever serve that request.
        bool await_ready() const noexcept
        {
            return request.kind == Request::Kind::Close && !engine.m_connected;
        }
        void await_suspend(std::coroutine_handle<> waiting)
        {
            engine.arm(waiting, onLoss == OnLoss::Checked, std::move(request), std::move(framer));
        }
        auto await_resume()
        {
            if constexpr (onLoss == OnLoss::Checked)
                return std::exchange(engine.m_reply, {}).bytes;
            else
                return std::exchange(engine.m_reply, {});
        }
    };
    // co_await exchange(bytes, f): the reply's bytes; a lost connection ends the program there.
    Awaiter<OnLoss::Checked> exchange(std::string bytes, ReplyFramer framer)
    {
        return {*this, {Request::Kind::Send, std::move(bytes)}, std::move(framer)};
    }
    // co_await tryExchange(bytes, f): the Reply, lost or not, for the program to judge (a goodbye, a raw
    // line).
    Awaiter<OnLoss::Lossy> tryExchange(std::string bytes, ReplyFramer framer)
    {
        return {*this, {Request::Kind::Send, std::move(bytes)}, std::move(framer)};
    }
    // co_await connect(f): the greeting, or connectionLost when there is no server to greet.
    Awaiter<OnLoss::Lossy> connect(ReplyFramer framer)
    {
        return {*this, {Request::Kind::Connect, {}}, std::move(framer)};
    }
    // co_await waitFor(f): bytes the server sends unasked (IDLE).
    Awaiter<OnLoss::Checked> waitFor(ReplyFramer framer)
    {
        return {*this, {Request::Kind::Wait, {}}, std::move(framer)};
    }
    // co_await close(): the connection is gone.
    Awaiter<OnLoss::Lossy> close() { return {*this, {Request::Kind::Close, {}}, nullptr}; }
    // co_await startTls(): a reply with connectionLost set when the handshake failed, else empty.
    Awaiter<OnLoss::Lossy> startTls() { return {*this, {Request::Kind::StartTls, {}}, nullptr}; }

    // [SECTION] the STLS/STARTTLS upgrade, one shape for every protocol (RFC 2595 section 4, RFC 3501
    // section 6.2.1): ask what the server offers; if it offers the upgrade, ask for it; on a refusal stop
    // before any password goes out; run the handshake; ask again, since what was learnt in plain text is
    // forgotten. False when the program must end (the connection is closed then).
    SubTask<bool> upgradeToTls();
    // The handshake right after the server accepted the upgrade; false when it failed.
    SubTask<bool> handshake();
    // The protocol's words for it. tlsCommand: "STLS", "STARTTLS".
    virtual const char* tlsCommand() const { return "STARTTLS"; }
    virtual bool hasCapability(std::string_view) const { return false; }
    virtual void forgetCapabilities() {}
    virtual SubTask<void> askCapabilities();
    // Sends the upgrade command: empty when the server agreed, else its answer's status line.
    virtual SubTask<std::string> requestTls();
    // QUIT or LOGOUT before closing, whatever the answer.
    virtual SubTask<void> sayGoodbye();

    // The connection ended unexpectedly: while no action was running, or ending the running one.
    virtual void connectionLost() {}
    // Bytes the server sent while no action waits for them (IMAP IDLE news): returns how many were used.
    virtual size_t consumeUnsolicited(std::string_view) { return 0; }

private:
    void arm(std::coroutine_handle<> waiting, bool endOnLoss, Request request, ReplyFramer framer);
    void tryComplete();
    void resumeWith(Reply reply);
    void endLostProgram();

    Request m_request;
    ReplyFramer m_framer;
    bool m_awaitingBytes = false;
    bool m_connected = false;
    bool m_endOnLoss = false;          // the program waits in exchange(): a lost connection ends it
    std::coroutine_handle<> m_waiting; // the coroutine (program or sub-task) waiting on the request
    std::string m_buffer;
    Reply m_reply;
    Task m_task;
    std::string m_status;
    bool m_stoppedForSecurity = false;
};

namespace detail {
// Where a sub-task keeps its value until its awaiter takes it.
template <typename T> struct SubTaskResult {
    std::optional<T> value;
    void return_value(T v) { value = std::move(v); }
    T take() { return std::move(*value); }
};
template <> struct SubTaskResult<void> {
    void return_void() {}
    void take() {}
};
} // namespace detail

template <typename T> class ClientEngine::SubTask {
public:
    struct promise_type : detail::SubTaskResult<T> {
        std::coroutine_handle<> awaiter;
        std::exception_ptr error;
        SubTask get_return_object()
        {
            return SubTask(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        // Done: the awaiter goes on at once (symmetric transfer, no stack growth).
        struct Final {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> done) noexcept
            {
                return done.promise().awaiter;
            }
            void await_resume() const noexcept {}
        };
        Final final_suspend() noexcept { return {}; }
        void unhandled_exception() { error = std::current_exception(); }
    };

    explicit SubTask(std::coroutine_handle<promise_type> handle) : m_handle(handle) {}
    SubTask(SubTask&& other) noexcept : m_handle(std::exchange(other.m_handle, {})) {}
    SubTask(const SubTask&) = delete;
    SubTask& operator=(const SubTask&) = delete;
    SubTask& operator=(SubTask&&) = delete;
    // Destroying a sub-task that waits (the program ended on a lost connection) destroys its frame too.
    ~SubTask()
    {
        if (m_handle) m_handle.destroy();
    }

    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter)
    {
        m_handle.promise().awaiter = awaiter;
        return m_handle;
    }
    T await_resume()
    {
        if (m_handle.promise().error) std::rethrow_exception(m_handle.promise().error);
        return m_handle.promise().take();
    }

private:
    std::coroutine_handle<promise_type> m_handle;
};

} // namespace maillab::wire
