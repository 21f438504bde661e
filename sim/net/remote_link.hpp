// maillab connect: a simulated device's mail program against a real server, every byte recorded.
#pragma once

#include "tls/tls_endpoint.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"
#include "wire/transcript.hpp"

#include <memory>
#include <string>

namespace maillab::net {

class RemoteLink {
public:
    RemoteLink(wire::ClientEngine& client, wire::Transcript& transcript, const wire::Clock& clock,
               std::string host, uint16_t port, wire::Protocol protocol, std::string device);
    ~RemoteLink();
    RemoteLink(const RemoteLink&) = delete;
    RemoteLink& operator=(const RemoteLink&) = delete;

    // TLS, as real servers want it (RFC 8314): Implicit runs the handshake right after connecting (995,
    // 993); StartTls when the client program asks, after the server accepted STLS/STARTTLS (RFC 2595,
    // RFC 3501 section 6.2.1; the program must be set to StartTls too). The server's certificate is checked
    // against the system's CA store, or against caFile only, and must name the host.
    void setTls(wire::Security security, std::string caFile = {});

    // Carries out the client's requests until its current action is done. False (and why) on a network
    // error, a TLS handshake that fails, or when the server stays silent for timeoutMs.
    bool runAction(int timeoutMs, std::string& error);
    void disconnect();

private:
    bool open(std::string& error);
    bool sendRaw(std::string_view bytes, std::string& error);
    bool handshake(int timeoutMs, std::string& error);
    void record(wire::TranscriptEntry::Kind kind, wire::Direction direction, std::string bytes,
                bool encrypted = false);

    wire::ClientEngine& m_client;
    wire::Transcript& m_transcript;
    const wire::Clock& m_clock;
    std::string m_host;
    uint16_t m_port;
    wire::Protocol m_protocol;
    std::string m_device;
    int m_fd = -1;
    int m_sessionId = 1;
    wire::Security m_security = wire::Security::Plain;
    std::string m_caFile;
    std::unique_ptr<tls::Endpoint> m_tls;
    bool m_heardAnything = false; // a server that never says a word may be a TLS port spoken to in plain text
};

} // namespace maillab::net
