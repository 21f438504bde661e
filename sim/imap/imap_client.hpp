// A device's IMAP mail program in online mode: folders and flags live on the server, the device caches
// headers and the parts it has opened, and IDLE lets it hear changes made elsewhere.
#pragma once

#include "imap/imap_response.hpp"
#include "store/device_store.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"

#include <cstdint>
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

struct ClientAction {
    enum class Kind {
        CheckMail,    // connect, log in, LIST, SELECT INBOX, fetch the headers of new messages
        SelectFolder, // open another folder and fetch its headers
        OpenMessage,  // BODYSTRUCTURE, then only the text part, then \Seen
        Flag,         // STORE +FLAGS (flag)
        Unflag,       // STORE -FLAGS (flag)
        Move,         // UID MOVE to folder
        Copy,         // UID COPY to folder
        Delete,       // to Trash, or \Deleted + UID EXPUNGE when expunge is set
        CreateFolder,
        RenameFolder,
        DeleteFolder,
        Search,    // UID SEARCH on the server
        SaveDraft, // APPEND to Drafts with a literal
        Idle,      // IDLE until the next action
        Raw,       // one raw line
        Logout,
    };
    Kind kind = Kind::CheckMail;
    uint32_t message = 0; // position in the device's view of the folder (1-based), or 0 to use subject
    std::string subject;  // a substring of the subject, to pick a message
    std::string folder;   // SelectFolder, Move/Copy target, Create/Rename/Delete folder
    std::string newName;  // RenameFolder
    std::string flag = "\\Flagged";
    std::string query; // Search: the text to find
    std::string searchKey = "TEXT";
    bool expunge = false; // Delete: \Deleted + EXPUNGE instead of moving to Trash
    std::string line;     // Raw
    std::string draftSubject, draftBody;
};

class ImapClient : public wire::ClientEngine {
public:
    ImapClient(store::DeviceStore& local, const wire::Clock& clock, ClientOptions options);

    void start(ClientAction action);

    const std::string& selectedFolder() const { return m_selected; }
    const std::vector<std::string>& folders() const { return m_folders; }
    const std::vector<uint32_t>& lastSearch() const { return m_lastSearch; }
    bool idling() const { return m_idling; }
    // The server's capabilities as last announced on this connection (greeting, CAPABILITY); emptied when TLS
    // starts (RFC 3501 section 6.2.1: the client discards cached capabilities).
    const std::vector<std::string>& capabilities() const { return m_capabilities; }
    bool hasCapability(std::string_view name) const;
    void forget() override; // nothing cached survives, but the mail is still on the server

protected:
    size_t consumeUnsolicited(std::string_view buffer) override;
    void connectionLost() override;

private:
    Task run(ClientAction action);
    std::string nextTag();
    // Applies the untagged responses (EXISTS, EXPUNGE, FETCH, SEARCH, LIST, ...) in a reply.
    void absorb(const std::string& reply);
    void absorbOne(const Response& response);
    void applyFetch(uint32_t number, const Value& items);
    std::string serverId(uint32_t uid) const;
    uint32_t targetUid(const ClientAction& action) const;
    static bool ok(const wire::Reply& reply, const std::string& tag);
    static std::string quote(std::string_view text);
    uint32_t highestKnownUid() const;

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
};

} // namespace maillab::imap
