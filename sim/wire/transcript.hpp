// Every byte that crossed a link, with who sent it and when: the one record that the GUI and exporters read.
#pragma once

#include "wire/exchange.hpp"
#include "wire/session.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace maillab::wire {

enum class Direction { ClientToServer, ServerToClient };

struct TranscriptEntry {
    // Data: the protocol bytes the programs exchanged (decrypted when encrypted is set). TlsRecord: bytes as
    // an eavesdropper sees them on a TLS connection (one or more whole records, see tls::parseRecords).
    enum class Kind { Data, Connected, Closed, Note, TlsRecord };
    Kind kind = Kind::Data;
    int sessionId = 0;
    std::string device;
    Protocol protocol = Protocol::Pop3;
    Direction direction = Direction::ClientToServer;
    int64_t timeMs = 0;
    std::string bytes;       // exact wire bytes for Data; a human sentence for the other kinds
    int step = 0;            // the simulation step that produced it
    uint16_t serverPort = 0; // the port the session connected to (110, 143, ...), for exports
    bool encrypted = false;  // Data that travelled inside TLS: on the wire it is in TlsRecord entries
    bool abrupt = false;     // Closed: the connection vanished (a drop), so neither side sent a FIN
    // For server Data: what the replies in these bytes meant, as the session told (wire/exchange.hpp).
    std::vector<Exchange> exchanges;
};

class Transcript {
public:
    void record(TranscriptEntry entry);
    const std::deque<TranscriptEntry>& entries() const { return m_entries; }
    size_t size() const { return m_entries.size(); }
    void clear();

    // A long-running server keeps only the newest bytes: the oldest entries go once the data passes this.
    void setByteLimit(size_t maxBytes) { m_byteLimit = maxBytes; }
    // How many entries were dropped from the front so far (entry i of entries() is number dropped() + i).
    uint64_t dropped() const { return m_dropped; }
    // Called for every entry as it is recorded (serve --log prints them live).
    std::function<void(const TranscriptEntry&)> onRecord;

    // Data bytes sent in one direction, for the comparison plots.
    uint64_t byteCount(Direction direction) const;

    // RFC-style text: "C: " and "S: " before each line; with several sessions, the device and session too.
    // Lines that travelled inside TLS read "[TLS] C: "; TlsRecord entries become one summary line each,
    // unless withTlsRecords is false (the programs' layer only: what the two programs said to each other).
    std::string toText(bool withTlsRecords = true) const;

    // The TLS secrets of every session that used TLS, as SSLKEYLOGFILE lines ("CLIENT_TRAFFIC_SECRET_0
    // <client random> <secret>"), in the order the handshakes finished: with them Wireshark decrypts the
    // TlsRecord entries (export --format keylog).
    std::vector<std::string> keyLog;

private:
    std::deque<TranscriptEntry> m_entries;
    size_t m_bytes = 0;
    size_t m_byteLimit = 0; // 0: no limit
    uint64_t m_dropped = 0;
};

// One entry as C:/S: lines (no trailing newline handling surprises: every line ends with '\n').
std::string formatEntry(const TranscriptEntry& entry, bool withSessionTag);
// A TlsRecord entry in words: "TLS records, client to server: Handshake 512, ApplicationData 1234" (content
// types and payload lengths of the whole records, RFC 8446 section 5.1).
std::string describeTlsRecords(const TranscriptEntry& entry);

} // namespace maillab::wire
