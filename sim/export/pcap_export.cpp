// pcap and pcapng: the transcript as the packets a capture on the LAN would show, so Wireshark or tshark
// dissect the lesson as POP / IMAP. Ethernet II, IPv4 (RFC 791), TCP (RFC 9293): one connection per session
// with its three-way handshake, data in segments of at most one MSS, the receiver's ACKs, and a FIN exchange
// where the transcript has a Closed entry; a dropped connection is silence, then the server's idle timer and
// the device's RST. A TLS session carries its records (TlsRecord entries) and not the plaintext, so the
// capture is what an eavesdropper records; exportKeyLog decrypts it. Everything is derived from the
// transcript: addresses from the documentation ranges, initial sequence numbers from the session id, times
// from the virtual clock. Classic pcap holds only the packets; pcapng (RFC draft-ietf-opsawg-pcapng) adds the
// names of the hosts and the lesson's steps as packet comments.
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "scenario/link.hpp"

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

enum TcpFlag : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

// How long a server waits on a silent connection before it gives up (the minimum autologout timers of RFC
// 1939 section 3 and RFC 3501 section 5.4): a dropped device's connection ends only then.
constexpr int64_t kPop3IdleUs = 10 * 60 * 1000000LL;
constexpr int64_t kImapIdleUs = 30 * 60 * 1000000LL;

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

struct Packet {
    int64_t us = 0;
    std::string frame; // Ethernet II, from the destination MAC on
    std::vector<std::string> comments;
};

class Capture {
public:
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
        put16be(tcp, (flags & kRst) ? 0 : kWindow);
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

        Packet packet;
        packet.us = us;
        packet.frame.assign(to.mac.begin(), to.mac.end());
        packet.frame.append(from.mac.begin(), from.mac.end());
        put16be(packet.frame, 0x0800); // IPv4
        packet.frame += ip;
        packet.frame += tcp;
        packet.comments = std::move(m_pending);
        m_pending.clear();
        m_packets.push_back(std::move(packet));
    }

    // A comment for the next packet (pcapng only).
    void commentNext(std::string text) { m_pending.push_back(std::move(text)); }
    // A comment for the packet written last, or the next one when there is none yet.
    void commentLast(std::string text)
    {
        if (m_packets.empty())
            commentNext(std::move(text));
        else
            m_packets.back().comments.push_back(std::move(text));
    }
    // Comments nobody took (nothing went on the wire after them) go on the last packet.
    std::vector<Packet> take()
    {
        for (std::string& text : m_pending)
            if (!m_packets.empty()) m_packets.back().comments.push_back(std::move(text));
        m_pending.clear();
        return std::move(m_packets);
    }

private:
    std::vector<Packet> m_packets;
    std::vector<std::string> m_pending;
    int64_t m_lastUs = std::numeric_limits<int64_t>::min() / 2;
    std::map<uint32_t, uint16_t> m_ipId; // per sending host, as a stack numbers its datagrams
};

// [SECTION] the lesson as comments

// Each lesson step's heading and narration on the first packet it put on the wire (steps that put nothing
// there ride on the next packet), and each checkpoint's result on the last packet of its step.
class StepComments {
public:
    explicit StepComments(const scenario::Simulation& simulation)
        : m_actions(simulation.scenario().actions), m_checkpoints(simulation.checkpointResults()),
          m_reached(std::min(simulation.actionIndex(), m_actions.size()))
    {
    }

    // Before the first packet of an entry that lesson step `action` made.
    void reach(Capture& capture, size_t action)
    {
        if (action == SIZE_MAX || action >= m_actions.size() || (m_started && action <= m_current)) return;
        if (m_started) capture.commentLast(checkpointText(m_current));
        for (size_t k = m_started ? m_current + 1 : 0; k < action; ++k) {
            capture.commentNext(stepText(k));
            capture.commentNext(checkpointText(k));
        }
        capture.commentNext(stepText(action));
        m_current = action;
        m_started = true;
    }

    void finish(Capture& capture)
    {
        if (m_started) capture.commentLast(checkpointText(m_current));
        for (size_t k = m_started ? m_current + 1 : 0; k < m_reached; ++k) {
            capture.commentLast(stepText(k));
            capture.commentLast(checkpointText(k));
        }
        m_current = m_reached;
    }

private:
    std::string stepText(size_t action) const
    {
        StepView step;
        step.actionIndex = action;
        step.action = &m_actions[action];
        std::string text = "Step " + std::to_string(action + 1) + " of " + std::to_string(m_actions.size()) +
                           ": " + stepTitle(step);
        if (!m_actions[action].narration.empty()) text += ". " + displayLine(m_actions[action].narration);
        return text;
    }

    // "" when the step has no checkpoint: Capture ignores empty comments.
    std::string checkpointText(size_t action) const
    {
        for (const scenario::CheckpointResult& result : m_checkpoints) {
            if (result.action != action) continue;
            std::string text = "Checkpoint, step " + std::to_string(action + 1) + ": " + result.description +
                               (result.passed() ? ": holds" : ": FAILS");
            for (const std::string& failure : result.failures)
                text += "; " + failure;
            return text;
        }
        return {};
    }

    const std::vector<scenario::Action>& m_actions;
    const std::vector<scenario::CheckpointResult>& m_checkpoints;
    size_t m_reached = 0;
    size_t m_current = 0;
    bool m_started = false;
};

// [SECTION] the packets

struct Host {
    uint32_t ip = 0;
    std::string name;
};

struct Packets {
    std::vector<Packet> packets;
    std::vector<Host> hosts; // the server, then each device, for pcapng's name resolution block
};

// A dropped connection's end: nothing for as long as the server's idle timer runs, then the server closes
// and the device, which no longer knows the connection, answers with a reset.
struct IdleEnd {
    int64_t us = 0;
    Connection connection;
    std::string device;
    int sessionId = 0;
    bool imap = false;
    int64_t droppedMs = 0;
};

void endIdleConnection(Capture& capture, IdleEnd& end)
{
    Endpoint& server = end.connection.server;
    Endpoint& client = end.connection.client;
    capture.commentNext("Session #" + std::to_string(end.sessionId) + ": nothing from " + end.device +
                        " since " + readableTime(end.droppedMs) + "; the server's idle timer (" +
                        (end.imap ? "RFC 3501 section 5.4, 30 minutes" : "RFC 1939 section 3, 10 minutes") +
                        ") ends the session");
    capture.segment(end.us, server, client, server.next, client.next, kFin | kAck, {});
    // RFC 9293 section 3.10.7.1: a segment for a connection that does not exist gets a reset, whose sequence
    // number is the segment's acknowledgment number.
    capture.commentNext(end.device + " no longer knows this connection: it answers with a reset");
    capture.segment(end.us + kLatencyUs, client, server, client.next, 0, kRst, {});
}

Packets buildPackets(const scenario::Simulation& simulation)
{
    const auto& entries = simulation.transcript().entries();
    // What crossed the wire: plain-text Data as it is; for TLS, the records (TlsRecord entries), never the
    // plaintext of encrypted Data entries. A dropped connection's Closed entry is a moment, not packets.
    auto onWire = [](const wire::TranscriptEntry& e) {
        return e.sessionId != 0 && e.kind != wire::TranscriptEntry::Kind::Note &&
               !(e.kind == wire::TranscriptEntry::Kind::Data && e.encrypted) &&
               !(e.kind == wire::TranscriptEntry::Kind::Closed && e.abrupt);
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
    auto deviceIp = [](uint32_t n) { return kFirstClientIp + n % 240; };

    Capture capture;
    StepComments steps(simulation);
    std::map<int, Connection> connections;
    std::vector<IdleEnd> idleEnds; // in the order the drops happened, so by time within one protocol
    auto open = [&](const wire::TranscriptEntry& e, int64_t synUs, int64_t dueUs) -> Connection& {
        Connection c;
        const uint32_t n = deviceIndex(e.device);
        c.client.ip = deviceIp(n);
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
    // Idle timers that ran out before `us` end their connections first, so packets stay in time order.
    auto endIdleBefore = [&](int64_t us) {
        std::stable_sort(idleEnds.begin(), idleEnds.end(),
                         [](const IdleEnd& a, const IdleEnd& b) { return a.us < b.us; });
        size_t ended = 0;
        for (; ended < idleEnds.size() && idleEnds[ended].us <= us; ++ended)
            endIdleConnection(capture, idleEnds[ended]);
        idleEnds.erase(idleEnds.begin(), idleEnds.begin() + static_cast<std::ptrdiff_t>(ended));
    };

    for (size_t i = 0; i < entries.size(); ++i) {
        const wire::TranscriptEntry& e = entries[i];
        const int64_t us = e.timeMs * 1000;
        auto found = connections.find(e.sessionId);
        if (e.kind == wire::TranscriptEntry::Kind::Closed && e.abrupt && found != connections.end() &&
            !found->second.closed) {
            // Nothing goes on the wire; the server learns of it only when its idle timer runs out.
            Connection& c = found->second;
            c.closed = true;
            const bool imap = e.protocol == wire::Protocol::Imap;
            idleEnds.push_back(
                IdleEnd{us + (imap ? kImapIdleUs : kPop3IdleUs), c, e.device, e.sessionId, imap, e.timeMs});
            capture.commentNext(readableTime(e.timeMs) + ", session #" + std::to_string(e.sessionId) + ": " +
                                displayLine(e.bytes) + "; " + e.device +
                                " sends nothing more on it, not even a FIN");
            continue;
        }
        if (!onWire(e)) continue;
        endIdleBefore(us);
        steps.reach(capture, simulation.actionOfStep(e.step));
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
    steps.finish(capture);
    // The servers' idle timers run on after the lesson's last event: the capture shows how each drop ended.
    endIdleBefore(std::numeric_limits<int64_t>::max());

    Packets out;
    out.packets = capture.take();
    out.hosts.push_back({kServerIp, scenario::Link::kServerName});
    for (size_t n = 0; n < deviceOrder.size() && n < 240; ++n)
        out.hosts.push_back({deviceIp(static_cast<uint32_t>(n)), deviceOrder[n]});
    return out;
}

// [SECTION] file formats

std::string classicPcap(const std::vector<Packet>& packets)
{
    std::string out;
    put32le(out, 0xA1B2C3D4); // microsecond timestamps
    put16le(out, 2);
    put16le(out, 4);
    put32le(out, 0); // thiszone: times are UTC
    put32le(out, 0); // sigfigs
    put32le(out, kSnapLength);
    put32le(out, kLinkTypeEthernet);
    for (const Packet& p : packets) {
        put32le(out, static_cast<uint32_t>(p.us / 1000000));
        put32le(out, static_cast<uint32_t>(p.us % 1000000));
        put32le(out, static_cast<uint32_t>(p.frame.size()));
        put32le(out, static_cast<uint32_t>(p.frame.size()));
        out += p.frame;
    }
    return out;
}

// pcapng (draft-ietf-opsawg-pcapng section 3): blocks of type, total length, body, total length again;
// everything 32-bit aligned, little-endian (the section header's byte-order magic says so).
void pad4(std::string& out)
{
    while (out.size() % 4)
        out += '\0';
}

// One option: code, length, value padded to 32 bits (section 3.5).
void putOption(std::string& body, uint16_t code, std::string_view value)
{
    put16le(body, code);
    put16le(body, static_cast<uint16_t>(value.size()));
    body.append(value);
    pad4(body);
}

void putBlock(std::string& out, uint32_t type, const std::string& body)
{
    const uint32_t total = static_cast<uint32_t>(12 + body.size());
    put32le(out, type);
    put32le(out, total);
    out += body;
    put32le(out, total);
}

constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kOptComment = 1;

std::string pcapng(const Packets& capture)
{
    std::string out;
    std::string body;
    // Section Header Block (section 4.1): byte-order magic, version 1.0, section length unknown (-1).
    put32le(body, 0x1A2B3C4D);
    put16le(body, 1);
    put16le(body, 0);
    put32le(body, 0xFFFFFFFF);
    put32le(body, 0xFFFFFFFF);
    putOption(body, 4, "maillab"); // shb_userappl
    putOption(body, kOptEnd, {});
    putBlock(out, 0x0A0D0D0A, body);

    // Interface Description Block (section 4.2): one Ethernet interface, microsecond timestamps.
    body.clear();
    put16le(body, static_cast<uint16_t>(kLinkTypeEthernet));
    put16le(body, 0);
    put32le(body, kSnapLength);
    putOption(body, 2, "lan");                        // if_name
    putOption(body, 3, "the lesson's simulated LAN"); // if_description
    putOption(body, 9, std::string_view("\x06", 1));  // if_tsresol: 10^-6 s
    putOption(body, kOptEnd, {});
    putBlock(out, 1, body);

    // Name Resolution Block (section 4.5): the server's and each device's name for its IPv4 address.
    body.clear();
    for (const Host& host : capture.hosts) {
        std::string value;
        put32be(value, host.ip); // the address in network order, then the name, NUL-terminated
        value += host.name;
        value += '\0';
        put16le(body, 1); // nrb_record_ipv4
        put16le(body, static_cast<uint16_t>(value.size()));
        body += value;
        pad4(body);
    }
    put16le(body, 0); // nrb_record_end
    put16le(body, 0);
    putBlock(out, 4, body);

    // Enhanced Packet Blocks (section 4.3), with the lesson's comments as opt_comment.
    for (const Packet& p : capture.packets) {
        body.clear();
        put32le(body, 0); // interface 0
        const uint64_t us = static_cast<uint64_t>(p.us);
        put32le(body, static_cast<uint32_t>(us >> 32));
        put32le(body, static_cast<uint32_t>(us & 0xFFFFFFFF));
        put32le(body, static_cast<uint32_t>(p.frame.size()));
        put32le(body, static_cast<uint32_t>(p.frame.size()));
        body += p.frame;
        pad4(body);
        bool commented = false;
        for (const std::string& comment : p.comments) {
            if (comment.empty()) continue;
            // An option's length is 16 bits; a comment longer than that is cut at a UTF-8 boundary.
            std::string_view text = comment;
            if (text.size() > 65000) {
                size_t cut = 65000;
                while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80)
                    --cut;
                text = text.substr(0, cut);
            }
            putOption(body, kOptComment, text);
            commented = true;
        }
        if (commented) putOption(body, kOptEnd, {});
        putBlock(out, 6, body);
    }
    return out;
}

} // namespace

std::string exportPcap(const scenario::Simulation& simulation)
{
    return classicPcap(buildPackets(simulation).packets);
}

std::string exportPcapng(const scenario::Simulation& simulation)
{
    return pcapng(buildPackets(simulation));
}

} // namespace maillab::exporter
