#include "live_server.hpp"

#include "store/demo_mail.hpp"
#include "util/paths.hpp"

namespace maillab::gui {

void LiveServer::ServerDelete::operator()(net::Server* server) const
{
    delete server;
}

LiveServer::LiveServer() = default;
LiveServer::~LiveServer()
{
    stop();
}

bool LiveServer::start(uint16_t pop3Port, uint16_t imapPort, std::string& error)
{
    stop();
    m_ownStore = std::make_unique<store::Store>(static_cast<uint32_t>(m_clock.nowSeconds()));
    store::loadDemoAccounts(*m_ownStore, util::assetsDir() / "mail");
    m_ownTranscript = std::make_unique<wire::Transcript>();
    m_ownTranscript->setByteLimit(4u * 1024 * 1024);
    net::ServerOptions options;
    options.pop3Port = pop3Port;
    options.imapPort = imapPort;
    m_ownServer.reset(new net::Server(*m_ownStore, m_clock, *m_ownTranscript, options));
    if (!m_ownServer->start(error)) {
        m_ownServer.reset();
        return false;
    }
    attach(*m_ownStore, *m_ownTranscript, m_ownServer.get());
    return true;
}

void LiveServer::attach(store::Store& store, wire::Transcript& transcript, net::Server* server)
{
    m_store = &store;
    m_transcript = &transcript;
    m_server = server;
}

void LiveServer::stop()
{
    if (m_ownServer) m_ownServer->shutdown();
    m_server = nullptr;
    m_ownServer.reset();
    m_store = nullptr;
    m_transcript = nullptr;
    m_ownTranscript.reset();
    m_ownStore.reset();
}

void LiveServer::poll()
{
    if (m_server) m_server->poll(0);
}

std::vector<SessionView> LiveServer::sessions() const
{
    std::vector<SessionView> views;
    if (m_server)
        for (const auto& s : m_server->sessions())
            views.push_back({s.id, s.peer, s.protocol, s.session});
    return views;
}

} // namespace maillab::gui
