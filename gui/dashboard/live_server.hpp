// Real clients on real sockets, watched in the dashboard: `maillab serve --gui`, or Start in the Live panel.
#pragma once

#include "net/server.hpp"
#include "net/system_clock.hpp"
#include "panel.hpp"
#include "store/store.hpp"
#include "wire/transcript.hpp"

#include <memory>
#include <string>

namespace maillab::gui {

class LiveServer {
public:
    LiveServer();
    ~LiveServer();

    // Starts a server of its own on 127.0.0.1 with the demo accounts and mail (0: any free port).
    bool start(uint16_t pop3Port, uint16_t imapPort, std::string& error);
    // Watches a server someone else runs (serve --gui): the dashboard polls it every frame. Without a
    // server (benchmarks, tests), the panels just draw that store and transcript.
    void attach(store::Store& store, wire::Transcript& transcript, net::Server* server);
    void stop();
    bool running() const { return m_store != nullptr; }
    // Serves whatever arrived, without waiting (called once a frame).
    void poll();
    // The open connections' server sides (none without a server).
    std::vector<SessionView> sessions() const;

    store::Store* store() { return m_store; }
    const wire::Transcript* transcript() const { return m_transcript; }
    net::Server* server() { return m_server; }
    const wire::Clock& clock() const { return m_clock; }

private:
    net::SystemClock m_clock;
    std::unique_ptr<store::Store> m_ownStore;
    std::unique_ptr<wire::Transcript> m_ownTranscript;
    // Deleted by a function in live_server.cpp, so that only that file needs net::Server's code: the web
    // build, which has no sockets, links web/live_server_web.cpp instead and no part of sim/net.
    struct ServerDelete {
        void operator()(net::Server* server) const;
    };
    std::unique_ptr<net::Server, ServerDelete> m_ownServer;
    store::Store* m_store = nullptr;
    wire::Transcript* m_transcript = nullptr;
    net::Server* m_server = nullptr;
};

} // namespace maillab::gui
