// The Live panel's server in the browser: a page has no listening sockets, so there is nothing to start.
// Replaces gui/dashboard/live_server.cpp in the web build (web/CMakeLists.txt), which keeps sim/net out.
#include "live_server.hpp"

namespace maillab::gui {

// No server is ever made here, so there is never one to delete.
void LiveServer::ServerDelete::operator()(net::Server*) const {}

LiveServer::LiveServer() = default;
LiveServer::~LiveServer() = default;

bool LiveServer::start(uint16_t, uint16_t, std::string& error)
{
    error =
        "A web page cannot listen for connections, so real mail programs cannot reach this copy of maillab. "
        "Run maillab serve on a computer for that; here, the Console panel talks to the lesson's server.";
    return false;
}

void LiveServer::attach(store::Store& store, wire::Transcript& transcript, net::Server* server)
{
    m_store = &store;
    m_transcript = &transcript;
    m_server = server;
}

void LiveServer::stop()
{
    m_store = nullptr;
    m_transcript = nullptr;
    m_server = nullptr;
}

void LiveServer::poll() {}

std::vector<SessionView> LiveServer::sessions() const
{
    return {};
}

} // namespace maillab::gui
