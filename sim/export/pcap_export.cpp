// pcap: the transcript as the packets a capture on the LAN would show, so Wireshark or tshark dissect the
// lesson as POP / IMAP. Classic libpcap format, Ethernet II, IPv4 (RFC 791), TCP (RFC 9293): one connection
// per session with its three-way handshake, data in segments of at most one MSS, the receiver's ACKs, and a
// FIN exchange where the transcript has a Closed entry. A TLS session carries its records (TlsRecord entries)
// and not the plaintext, so the capture is what an eavesdropper records; exportKeyLog decrypts it. Everything
// is derived from the transcript: addresses from the documentation ranges, initial sequence numbers from the
// session id, times from the virtual clock.
#include "export/export.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>

namespace maillab::exporter {

namespace {

// [SECTION] constants

constexpr uint32_t kLinkTypeEthernet = 1; // LINKTYPE_ETHERNET (tcpdump.org link-layer header types)
constexpr uint32_t kSnapLength = 262144;
constexpr size_t kMss = 1460;       // Ethernet MTU 1500 - 20 (IPv4) - 20 (TCP)
constexpr uint16_t kWindow = 65535; // no window scaling: ACKs every second segment keep flights far below it
constexpr uint16_t kFirstClientPort = 49152; // RFC 6335 section 6: the dynamic range starts here
constexpr uint8_t kTtl = 64;
constexpr int64_t kLatencyUs = scenario::Simulation::kOneWayLatencyMs * 1000;

// RFC 5737 TEST-NET-1 for IPv4, RFC 7042 section 2.1.2 documentation MACs (00-00-5E-00-53-xx).
constexpr uint32_t kServerIp = 0xC0000201;      // 192.0.2.1
constexpr uint32_t kFirstClientIp = 0xC000020A; // 192.0.2.10, then .11, ... one per device
using Mac = std::array<uint8_t, 6>;
constexpr Mac kServerMac = {0x00, 0x00, 0x5E, 0x00, 0x53, 0x01};

enum TcpFlag : uint8_t { kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10 };

// [SECTION] byte writing and checksums

void put16be(std::string& out, uint16_t v)
{
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xFF);
}
void put32be(std::string& out, uint32_t v)
{
    put16be(out, static_cast<uint16_t>(v >> 16));
    put16be(out, static_cast<uint16_t>(v & 0xFFFF));
}
// The pcap headers are written little-endian on every host, so the file is the same everywhere.
void put16le(std::string& out, uint16_t v)
{
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
}
void put32le(std::string& out, uint32_t v)
{
    put16le(out, static_cast<uint16_t>(v & 0xFFFF));
    put16le(out, static_cast<uint16_t>(v >> 16));
}
void poke16be(std::string& out, size_t at, uint16_t v)
{
    out[at] = static_cast<char>(v >> 8);
    out[at + 1] = static_cast<char>(v & 0xFF);
}

// RFC 1071: the 16-bit ones' complement of the ones' complement sum, over big-endian 16-bit words.
uint32_t sumWords(std::string_view bytes, uint32_t sum = 0)
{
    for (size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += (static_cast<uint8_t>(bytes[i]) << 8) | static_cast<uint8_t>(bytes[i + 1]);
    if (bytes.size() % 2) sum += static_cast<uint8_t>(bytes.back()) << 8;
    return sum;
}
uint16_t finishChecksum(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xFFFF);
}

// [SECTION] connections

struct Endpoint {
    uint32_t ip = 0;
    Mac mac{};
    uint16_t port = 0;
    uint32_t next = 0; // the next sequence number this side sends (RFC 9293 SND.NXT)
};

struct Connection {
    Endpoint client;
    Endpoint server;
    bool closed = false;
};

class Capture {
public:
    Capture()
    {
        put32le(m_out, 0xA1B2C3D4); // microsecond timestamps
        put16le(m_out, 2);
        put16le(m_out, 4);
        put32le(m_out, 0); // thiszone: times are UTC
        put32le(m_out, 0); // sigfigs
        put32le(m_out, kSnapLength);
        put32le(m_out, kLinkTypeEthernet);
    }

    // One TCP segment from `from` to `to`. Times never go backwards: a packet wanted earlier than the one
    // before it (or at the same microsecond) is stamped one microsecond later, so the order is the causal
    // one.
    void segment(int64_t wantedUs, const Endpoint& from, const Endpoint& to, uint32_t seq, uint32_t ack,
                 uint8_t flags, std::string_view payload)
    {
        const int64_t us = std::max(wantedUs, m_lastUs + 1);
        m_lastUs = us;
        const bool syn = flags & kSyn;
        std::string tcp;
        put16be(tcp, from.port);
        put16be(tcp, to.port);
        put32be(tcp, seq);
        put32be(tcp, (flags & kAck) ? ack : 0);
        const uint8_t headerWords = syn ? 6 : 5;
        tcp += static_cast<char>(headerWords << 4);
        tcp += static_cast<char>(flags);
        put16be(tcp, kWindow);
        put16be(tcp, 0); // checksum, below
        put16be(tcp, 0); // urgent pointer
        if (syn) {
            // RFC 9293 section 3.7.1: announce the MSS the data segments keep to.
            tcp += '\x02';
            tcp += '\x04';
            put16be(tcp, static_cast<uint16_t>(kMss));
        }
        tcp.append(payload);
        // RFC 9293 section 3.1: the checksum covers a pseudo-header of addresses, protocol and TCP length.
        std::string pseudo;
        put32be(pseudo, from.ip);
        put32be(pseudo, to.ip);
        put16be(pseudo, 6);
        put16be(pseudo, static_cast<uint16_t>(tcp.size()));
        poke16be(tcp, 16, finishChecksum(sumWords(tcp, sumWords(pseudo))));

        std::string ip;
        ip += '\x45'; // version 4, 5 words of header
        ip += '\x00';
        put16be(ip, static_cast<uint16_t>(20 + tcp.size()));
        put16be(ip, m_ipId[from.ip]++);
        put16be(ip, 0x4000); // don't fragment
        ip += static_cast<char>(kTtl);
        ip += '\x06'; // TCP
        put16be(ip, 0);
        put32be(ip, from.ip);
        put32be(ip, to.ip);
        poke16be(ip, 10, finishChecksum(sumWords(ip)));

        std::string frame(to.mac.begin(), to.mac.end());
        frame.append(from.mac.begin(), from.mac.end());
        put16be(frame, 0x0800); // IPv4
        frame += ip;
        frame += tcp;

        put32le(m_out, static_cast<uint32_t>(us / 1000000));
        put32le(m_out, static_cast<uint32_t>(us % 1000000));
        put32le(m_out, static_cast<uint32_t>(frame.size()));
        put32le(m_out, static_cast<uint32_t>(frame.size()));
        m_out += frame;
    }

    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
    int64_t m_lastUs = std::numeric_limits<int64_t>::min() / 2;
    std::map<uint32_t, uint16_t> m_ipId; // per sending host, as a stack numbers its datagrams
};

} // namespace

std::string exportPcap(const scenario::Simulation& simulation)
{
    const auto& entries = simulation.transcript().entries();
    // What crossed the wire: plain-text Data as it is; for TLS, the records (TlsRecord entries), never the
    // plaintext of encrypted Data entries.
    auto onWire = [](const wire::TranscriptEntry& e) {
        return e.sessionId != 0 && e.kind != wire::TranscriptEntry::Kind::Note &&
               !(e.kind == wire::TranscriptEntry::Kind::Data && e.encrypted);
    };
    // When the next packet-making entry happens: replies and ACKs are due one latency later, but never after
    // it.
    std::vector<int64_t> nextUs(entries.size() + 1, std::numeric_limits<int64_t>::max());
    for (size_t i = entries.size(); i-- > 0;)
        nextUs[i] =
            i + 1 < entries.size() && onWire(entries[i + 1]) ? entries[i + 1].timeMs * 1000 : nextUs[i + 1];

    // One address per device, in the lesson's order; devices the lesson does not list come after.
    std::vector<std::string> deviceOrder;
    for (const auto& device : simulation.devices())
        deviceOrder.push_back(device->spec.name);
    auto deviceIndex = [&](const std::string& name) {
        auto it = std::find(deviceOrder.begin(), deviceOrder.end(), name);
        if (it == deviceOrder.end()) it = deviceOrder.insert(deviceOrder.end(), name);
        return static_cast<uint32_t>(it - deviceOrder.begin());
    };

    Capture capture;
    std::map<int, Connection> connections;
    auto open = [&](const wire::TranscriptEntry& e, int64_t synUs, int64_t dueUs) -> Connection& {
        Connection c;
        const uint32_t n = deviceIndex(e.device);
        c.client.ip = kFirstClientIp + n % 240;
        c.client.mac = {0x00, 0x00, 0x5E, 0x00, 0x53, static_cast<uint8_t>(0x10 + n % 240)};
        c.client.port = static_cast<uint16_t>(kFirstClientPort + e.sessionId % 16384);
        c.server.ip = kServerIp;
        c.server.mac = kServerMac;
        c.server.port = e.serverPort                         ? e.serverPort
                        : e.protocol == wire::Protocol::Pop3 ? scenario::kPop3Port
                                                             : scenario::kImapPort;
        // Initial sequence numbers from the session id (not random, so exports repeat; RFC 9293 section
        // 3.4.1 wants them unpredictable on a real network, which this is not).
        const uint32_t id = static_cast<uint32_t>(e.sessionId);
        const uint32_t clientIsn = 1000000u * id;
        const uint32_t serverIsn = 2000000000u + 1000000u * id;
        // RFC 9293 section 3.5: SYN, SYN-ACK, ACK; each SYN takes one sequence number.
        capture.segment(synUs, c.client, c.server, clientIsn, 0, kSyn, {});
        capture.segment(std::min(synUs + kLatencyUs, dueUs), c.server, c.client, serverIsn, clientIsn + 1,
                        kSyn | kAck, {});
        c.client.next = clientIsn + 1;
        c.server.next = serverIsn + 1;
        capture.segment(std::min(synUs + 2 * kLatencyUs, dueUs), c.client, c.server, c.client.next,
                        c.server.next, kAck, {});
        return connections[e.sessionId] = c;
    };

    for (size_t i = 0; i < entries.size(); ++i) {
        const wire::TranscriptEntry& e = entries[i];
        if (!onWire(e)) continue;
        const int64_t us = e.timeMs * 1000;
        auto found = connections.find(e.sessionId);
        if (e.kind == wire::TranscriptEntry::Kind::Connected) {
            if (found == connections.end()) open(e, us, nextUs[i]);
            continue;
        }
        // A transcript that lost its Connected entry (a byte limit dropped it) still gets a handshake.
        Connection& c = found != connections.end() ? found->second : open(e, us, us);
        if (c.closed) continue; // nothing follows a Closed entry on one session in the simulator
        const bool fromClient = e.direction == wire::Direction::ClientToServer;
        Endpoint& sender = fromClient ? c.client : c.server;
        Endpoint& receiver = fromClient ? c.server : c.client;
        if (e.kind == wire::TranscriptEntry::Kind::Closed) {
            // The side that closes sends FIN first; the peer answers with its own FIN, and the last ACK ends
            // it.
            capture.segment(us, sender, receiver, sender.next, receiver.next, kFin | kAck, {});
            ++sender.next;
            capture.segment(std::min(us + kLatencyUs, nextUs[i]), receiver, sender, receiver.next,
                            sender.next, kFin | kAck, {});
            ++receiver.next;
            capture.segment(std::min(us + 2 * kLatencyUs, nextUs[i]), sender, receiver, sender.next,
                            receiver.next, kAck, {});
            c.closed = true;
            continue;
        }
        // Data: segments of at most one MSS, PSH on the last; the receiver ACKs every second segment and
        // the last (RFC 9293 section 3.8.6.3 allows an ACK per two full-sized segments).
        const std::string_view bytes = e.bytes;
        if (bytes.empty()) continue;
        const size_t count = std::max<size_t>(1, (bytes.size() + kMss - 1) / kMss);
        for (size_t k = 0; k < count; ++k) {
            const std::string_view chunk = bytes.substr(k * kMss, kMss);
            const bool last = k + 1 == count;
            capture.segment(us, sender, receiver, sender.next, receiver.next, last ? (kAck | kPsh) : kAck,
                            chunk);
            sender.next += static_cast<uint32_t>(chunk.size());
            if (k % 2 == 1 || last)
                capture.segment(last ? std::min(us + kLatencyUs, nextUs[i]) : us, receiver, sender,
                                receiver.next, sender.next, kAck, {});
        }
    }
    return capture.take();
}

} // namespace maillab::exporter
