// The in-process connection between a device's mail program and a server session: the simulator's twin of a
// socket connection in sim/net/server.cpp. It owns the open connection's server session and its TLS, adds
// the one-way latency to the virtual clock, and records every byte into the Transcript with session, device,
// protocol, direction, time, step and port. Who acts when, and faults, are the simulation's business.
#pragma once

#include "wire/client.hpp"
#include "wire/clock.hpp"
#include "wire/session.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace maillab::scenario {

// In sim/scenario, not sim/wire: it runs TLS (sim/tls), and sim/tls itself depends on sim/wire.
class Link {
public:
    using ClientEngine = wire::ClientEngine;
    using Direction = wire::Direction;
    using Protocol = wire::Protocol;
    using Security = wire::Security;
    using ServerSession = wire::ServerSession;
    using Transcript = wire::Transcript;
    using TranscriptEntry = wire::TranscriptEntry;
    using VirtualClock = wire::VirtualClock;

public:
    // One way through the link: what a LAN round trip of 50 ms looks like.
    static constexpr int64_t kOneWayLatencyMs = 25;
    // The simulated server's host name: its certificate's, the devices' SNI, and the captures' name for it.
    static constexpr const char* kServerName = "mail.maillab.example";

    // The server side of a new connection, with the session id the transcript gives it.
    struct Accepted {
        int sessionId = 0;
        std::unique_ptr<ServerSession> session;
    };
    using Acceptor = std::function<Accepted()>;

    // The client end: the device's name in the transcript, its protocol, how it reaches the server (RFC 8314)
    // and the port that means.
    struct ClientEnd {
        std::string device;
        Protocol protocol = Protocol::Pop3;
        Security security = Security::Plain;
        uint16_t port = 0;
    };

    // step is read whenever something is recorded: the simulation's step in progress.
    Link(ClientEnd end, Acceptor accept, Transcript& transcript, VirtualClock& clock, const int& step);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // What carrying out the client's request amounted to: an exchange to show (a step of its own), nothing
    // anybody sees (the client only learnt that the connection is gone), or nothing to do until someone else
    // acts (the client waits for news).
    enum class Progress { Visible, Silent, Stuck };
    // Carries out the client's current request, or the next flight of a TLS handshake in progress.
    Progress serve(ClientEngine& client);

    bool open() const { return m_session != nullptr; }
    // The open connection's server side, or null; the id of the current or last session.
    const std::unique_ptr<ServerSession>& session() const { return m_session; }
    const int& sessionId() const { return m_sessionId; }

    // The connection vanishes without a goodbye (the Wi-Fi is gone, the device lost): the session hears
    // nothing more (no POP3 UPDATE), the client learns the connection is gone.
    void drop(ClientEngine& client, const std::string& why);
    // Bytes the server sends unasked (IMAP IDLE news), carried to the client now.
    void deliverUnsolicited(ClientEngine& client);

private:
    struct TlsChannel;

    Progress connect(ClientEngine& client);
    Progress send(ClientEngine& client, const std::string& bytes);
    Progress startTls(ClientEngine& client);
    Progress close(ClientEngine& client);
    Progress plainTextToTls(ClientEngine& client, const std::string& bytes);
    void closeSession();

    // [SECTION] TLS
    void newTlsChannel();  // both ends, made when the server expects a handshake
    void beginHandshake(); // the client's first flight
    Progress tlsFlight(ClientEngine& client);
    void tlsFailed(ClientEngine& client, const std::string& why);
    void tlsClose(Direction direction); // close_notify from that side, if TLS is up
    // Bytes from one side to the other, through TLS when the connection has it: recorded, and returned as the
    // receiving side gets them (for TLS: what its end decrypted).
    std::string transmit(Direction direction, const std::string& bytes);

    // [SECTION] recording
    // One server reply (or greeting, or unsolicited news) as it left the server: the one Data entry the
    // transcript holds for it. encrypted: it travels inside TLS (its records follow as TlsRecord entries).
    void recordServerBytes(std::string bytes, bool encrypted);
    void recordClientBytes(std::string bytes, bool encrypted);
    void recordRecords(Direction direction, std::string records);
    void recordClosed(Direction direction, std::string why, bool abrupt = false);
    // A note about this session (TLS flights), and one in the device's name only, not tied to a session (what
    // went wrong), as the simulation's own notes are.
    void recordSessionNote(Direction direction, std::string text);
    void recordDeviceNote(std::string text);
    TranscriptEntry entry(TranscriptEntry::Kind kind, Direction direction, std::string bytes) const;

    ClientEnd m_end;
    Acceptor m_accept;
    Transcript& m_transcript;
    VirtualClock& m_clock;
    const int& m_step;
    std::unique_ptr<ServerSession> m_session;
    int m_sessionId = 0;
    std::unique_ptr<TlsChannel> m_tls; // the open connection's TLS, once the server expects a handshake
};

} // namespace maillab::scenario
