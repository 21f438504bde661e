// maillab connect: a simulated device's mail program against a real server, every byte recorded.
#pragma once

#include "wire/client.hpp"
#include "wire/clock.hpp"
#include "wire/transcript.hpp"

#include <string>

namespace maillab::net {

class RemoteLink {
public:
    RemoteLink(wire::ClientEngine& client, wire::Transcript& transcript, const wire::Clock& clock,
               std::string host, uint16_t port, wire::Protocol protocol, std::string device);
    ~RemoteLink();
    RemoteLink(const RemoteLink&) = delete;
    RemoteLink& operator=(const RemoteLink&) = delete;

    // Carries out the client's requests until its current action is done. False (and why) on a network
    // error or when the server stays silent for timeoutMs.
    bool runAction(int timeoutMs, std::string& error);
    void disconnect();

private:
    bool open(std::string& error);
    void record(wire::TranscriptEntry::Kind kind, wire::Direction direction, std::string bytes);

    wire::ClientEngine& m_client;
    wire::Transcript& m_transcript;
    const wire::Clock& m_clock;
    std::string m_host;
    uint16_t m_port;
    wire::Protocol m_protocol;
    std::string m_device;
    int m_fd = -1;
    int m_sessionId = 1;
};

} // namespace maillab::net
