// A device's POP3 mail program: "check mail" in delete mode or keep mode, as real mail programs do it.
#pragma once

#include "store/device_store.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maillab::pop3 {

enum class Mode {
    Delete, // download every message, DELE each, QUIT: the server keeps nothing
    Keep,   // "leave a copy on the server": remember UIDL ids, download only new ones
};
const char* modeName(Mode mode);

enum class AuthMethod { UserPass, Apop, SaslPlain };

struct ClientOptions {
    std::string user;
    std::string password;
    Mode mode = Mode::Delete;
    AuthMethod auth = AuthMethod::UserPass;
    int removeAfterDays =
        0; // keep mode: DELE a message this many days after it was first downloaded (0: never)
    // StartTls: CAPA, STLS, the handshake, CAPA again, then login; never a password in plain text. Implicit
    // TLS is the transport's business (port 995): the program itself talks as on a plain connection.
    wire::Security security = wire::Security::Plain;
};

// Frames POP3 replies: one status line, or a status line plus a dot-terminated block after +OK.
size_t frameSingleLine(std::string_view buffer);
size_t frameMultiLine(std::string_view buffer);
bool isOk(std::string_view reply);

class Pop3Client : public wire::ClientEngine {
public:
    Pop3Client(store::DeviceStore& local, const wire::Clock& clock, ClientOptions options);

    // CheckMail, Raw and Quit; POP3 has no folders, flags or search, so the rest are declined.
    void perform(const wire::UserAction& action) override;
    // User actions. Each runs until the session ends.
    void checkMail();
    // A raw line typed by the user (telnet-like); connects first when needed and stays connected.
    void sendRaw(std::string line);
    void quit();

    const ClientOptions& options() const { return m_options; }
    ClientOptions& options() { return m_options; }
    // The UIDL ids this device already downloaded, with when (keep mode's memory).
    const std::map<std::string, int64_t>& knownIds() const { return m_known; }
    void forget() override { m_known.clear(); }

    struct Stats {
        int messagesDownloaded = 0;
        int messagesDeleted = 0;
    };
    const Stats& lastCheck() const { return m_lastCheck; }
    // The capabilities of the last CAPA reply this session (RFC 2449), upper-case keywords with arguments;
    // emptied at connect and when TLS starts (RFC 2595 section 4: the client discards what it learned).
    const std::vector<std::string>& capabilities() const { return m_capabilities; }
    bool hasCapability(std::string_view keyword) const override;

protected:
    // STLS's words for the upgrade the engine runs (RFC 2595 section 4).
    const char* tlsCommand() const override { return "STLS"; }
    void forgetCapabilities() override { m_capabilities.clear(); }
    SubTask<void> askCapabilities() override;
    SubTask<std::string> requestTls() override;
    SubTask<void> sayGoodbye() override;

private:
    // The programs, one per user action, made of the sub-tasks below.
    Task runCheckMail();
    Task runRaw(std::string line);
    Task runQuit();
    // The greeting (APOP signs its timestamp), or nothing when there is no server to talk to.
    SubTask<std::optional<std::string>> greet();
    // False (with the status set, the connection closed) when the server refused the login.
    SubTask<bool> logIn(std::string greeting);
    SubTask<void> downloadAndDelete();
    SubTask<void> downloadNew(); // keep mode: only what UIDL shows is new, DELE after removeAfterDays
    void storeMessage(const std::string& wireReply, const std::string& serverId, size_t size);

    store::DeviceStore& m_local;
    const wire::Clock& m_clock;
    ClientOptions m_options;
    std::map<std::string, int64_t> m_known;
    Stats m_lastCheck;
    std::vector<std::string> m_capabilities;
};

} // namespace maillab::pop3
