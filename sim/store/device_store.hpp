// What a device (laptop, phone) holds locally: the mail a client program downloaded or cached.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace maillab::store {

struct LocalMessage {
    int localId = 0;
    std::string folder = "INBOX";
    std::string
        serverId; // POP3 UIDL unique-id, or IMAP "uidvalidity/uid"; empty when the client never learned it
    std::string bytes;     // what the device holds: the whole message, or only its header
    bool complete = false; // the whole message is here (POP3 RETR), not just the header or some parts
    std::set<std::string> partsHeld; // IMAP sections fetched ("HEADER", "1", "2.1", ...)
    size_t serverSize = 0;           // RFC822.SIZE or the LIST size, when known
    std::string from;                // decoded, for the device view
    std::string subject;
    bool seen = false; // read on this device
    std::string flags; // IMAP flags as last heard from the server, space-separated
    int64_t downloadedAtMs = 0;
};

class DeviceStore {
public:
    LocalMessage& add(LocalMessage message);
    LocalMessage* findByServerId(const std::string& serverId);
    const std::vector<LocalMessage>& messages() const { return m_messages; }
    std::vector<LocalMessage>& messages() { return m_messages; }
    void remove(const std::string& serverId);
    std::vector<std::string> folders() const;
    // "Lose this device": everything local is gone.
    void wipe();
    size_t bytesHeld() const;

private:
    std::vector<LocalMessage> m_messages;
    int m_nextId = 1;
};

} // namespace maillab::store
