// A device's IMAP mail program in online mode: folders and flags live on the server, the device caches
// headers and the parts it has opened, and IDLE lets it hear changes made elsewhere.
#pragma once

#include "imap/imap_response.hpp"
#include "store/device_store.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maillab::imap {

struct ClientOptions {
    std::string user;
    std::string password;
    bool useIdle = true;
    // StartTls: CAPABILITY, STARTTLS, the handshake, CAPABILITY again, then LOGIN (RFC 3501 section 6.2.1);
    // never LOGIN in plain text. Implicit TLS (port 993) is the transport's business.
    wire::Security security = wire::Security::Plain;
};

// The user's actions, in the words every mail program reads (wire::UserAction).
using ClientAction = wire::UserAction;

class ImapClient : public wire::ClientEngine {
public:
    ImapClient(store::DeviceStore& local, const wire::Clock& clock, ClientOptions options);

    void perform(const ClientAction& action) override;

    const std::string& selectedFolder() const { return m_selected; }
    const std::vector<std::string>& folders() const { return m_folders; }
    const std::vector<uint32_t>& lastSearch() const { return m_lastSearch; }
    bool idling() const { return m_idling; }
    // The server's capabilities as last announced on this connection (greeting, CAPABILITY); emptied when TLS
    // starts (RFC 3501 section 6.2.1: the client discards cached capabilities).
    const std::vector<std::string>& capabilities() const { return m_capabilities; }
    bool hasCapability(std::string_view name) const override;
    void forget() override; // nothing cached survives, but the mail is still on the server

protected:
    size_t consumeUnsolicited(std::string_view buffer) override;
    void connectionLost() override;
    // STARTTLS's words for the upgrade the engine runs (RFC 3501 section 6.2.1).
    const char* tlsCommand() const override { return "STARTTLS"; }
    void forgetCapabilities() override { m_capabilities.clear(); }
    SubTask<void> askCapabilities() override;
    SubTask<std::string> requestTls() override;
    SubTask<void> sayGoodbye() override;

private:
    // The program for one action, made of the sub-tasks below: each returns false when the program must end
    // (the status says why).
    Task run(ClientAction action);
    SubTask<void> leaveIdle();
    SubTask<void> logOut();
    SubTask<bool> openConnection(); // connect, read the greeting, upgrade to TLS when asked to
    SubTask<void> sendRaw(std::string line);
    SubTask<bool> logIn(); // LOGIN, then LIST
    // SELECT and the headers of every message in it; sets fetchedHeaders.
    SubTask<bool> select(std::string folder, bool& fetchedHeaders);
    SubTask<void> act(ClientAction action, bool fetchedHeaders); // the action itself, on the open folder
    SubTask<void> checkNew(bool fetchedHeaders);
    SubTask<void> openMessage(uint32_t uid);
    SubTask<void> setFlag(uint32_t uid, const ClientAction& action);
    SubTask<void> moveCopyOrDelete(uint32_t uid, const ClientAction& action);
    SubTask<void> changeFolder(const ClientAction& action);
    SubTask<void> search(const ClientAction& action);
    SubTask<void> saveDraft(const ClientAction& action);
    SubTask<void> idle();
    // tag + " " + command + CRLF, awaited to the tagged reply; the untagged parts are absorbed on the way.
    SubTask<std::string> command(const std::string& tag, const std::string& text);
    std::string nextTag();
    // Applies the untagged responses (EXISTS, EXPUNGE, FETCH, SEARCH, LIST, ...) in a reply.
    void absorb(const std::string& reply);
    void absorbOne(const Response& response);
    void applyFetch(uint32_t number, const Value& items);
    std::string serverId(uint32_t uid) const;
    uint32_t targetUid(const ClientAction& action) const;
    static bool ok(std::string_view reply, const std::string& tag);
    static std::string quote(std::string_view text);
    // A folder name as the server reads it: UTF-8 after ENABLE IMAP4rev2, else modified UTF-7 (RFC 9051
    // section 5.1, RFC 3501 section 5.1.3); and back, for the names LIST sends.
    std::string mailboxArgument(std::string_view folder) const;
    std::string folderName(const std::string& listed) const;
    uint32_t highestKnownUid() const;
    // The UIDs this device holds for a folder of that UIDVALIDITY, ascending.
    std::vector<uint32_t> cachedUids(const std::string& folder, uint32_t uidValidity) const;
    // After SELECT of a folder this device has seen before: brings its copy up to date with what the
    // server offers (QRESYNC, CONDSTORE, or flags of every message), then fetches the new headers.
    SubTask<void> resync(const std::string& folder, uint64_t modseq, const std::vector<uint32_t>& known,
                         bool qresynced);
    void vanish(uint32_t uid, bool renumbers);

    store::DeviceStore& m_local;
    const wire::Clock& m_clock;
    ClientOptions m_options;
    int m_tagCounter = 0;
    bool m_loggedIn = false;
    std::string m_selected;
    uint32_t m_uidValidity = 0;
    std::vector<uint32_t> m_uids; // sequence number n -> UID (0 while unknown)
    std::vector<std::string> m_folders;
    std::vector<uint32_t> m_lastSearch;
    bool m_idling = false;
    std::string m_idleTag;
    std::vector<std::string> m_capabilities;
    // What the device remembers of each folder between connections, to catch up cheaply (RFC 7162
    // section 3.2.5, RFC 4549 section 4.3): its UIDVALIDITY and the mod-sequence it last caught up to.
    struct FolderSync {
        uint32_t uidValidity = 0;
        uint64_t highestModseq = 0;
        int connection = 0; // the connection that last read it
    };
    int m_connections = 0;
    std::map<std::string, FolderSync> m_sync;
    bool m_qresyncOn = false; // ENABLE QRESYNC accepted on this connection
    bool m_rev2On = false;    // ENABLE IMAP4rev2 accepted: names in UTF-8, every SEARCH answered by ESEARCH
};

} // namespace maillab::imap
