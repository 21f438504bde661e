// Type raw POP3 or IMAP lines into a live session with the lesson's server, as with telnet. The lines and
// replies go into the lesson's transcript like any device's, under the device name "console".
#include "lesson_player.hpp"
#include "panels.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <deque>
#include <imgui_stdlib.h>

namespace maillab::gui {
namespace {

constexpr int kConsoleSessionBase = 900; // far from the simulated devices' session numbers

class ConsolePanel : public Panel {
public:
    const char* id() const override { return "console"; }
    const char* title() const override { return "Console"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.30f, 0.42f, 0.45f); }

    void draw(Context& c) override
    {
        if (!c.player || !c.player->simulation()) {
            ImGui::TextWrapped("The console talks to the lesson's server. In live mode, use a real client "
                               "(see the Live panel).");
            return;
        }
        if (!m_listening) {
            m_listening = true;
            c.player->onRebuild([this] { // Back, Reset or a new lesson: that server is about to go
                if (!m_session) return;
                m_session->disconnected();
                m_session.reset();
                m_lines.push_back({"(session ended: the lesson was replayed or changed)", false});
            });
        }
        scenario::Simulation& sim = *c.player->simulation();
        if (!m_session) {
            ImGui::TextWrapped("Talk to the lesson's server yourself. Try CAPA, USER alice, PASS wonderland, "
                               "LIST (POP3) or a1 LOGIN alice wonderland, a2 SELECT INBOX (IMAP).");
            ImGui::RadioButton("POP3 (port 110)", &m_protocol, 0);
            flow(checkboxWidth("IMAP (port 143)"));
            ImGui::RadioButton("IMAP (port 143)", &m_protocol, 1);
            flow(buttonWidth("Connect"));
            if (ImGui::Button("Connect")) connect(sim);
            probe::track("Console connect");
        } else {
            ImGui::TextColored(c.palette.good, "connected to %s, server state %s",
                               wire::protocolName(m_session->protocol()), m_session->stateName().c_str());
            flow(buttonWidth("Drop connection"));
            if (ImGui::SmallButton("Drop connection")) end(sim, "the console hung up (no QUIT/LOGOUT)");
        }
        ImGui::Separator();
        float inputHeight = ImGui::GetFrameHeightWithSpacing();
        ImGui::BeginChild("scrollback", ImVec2(0, -inputHeight), false, 0);
        ImGui::PushFont(c.fonts.mono);
        // A long reply wraps: the console is where a student reads a reply whole.
        ImGui::PushTextWrapPos(0.0f);
        for (const auto& line : m_lines)
            ImGui::TextColored(line.fromClient ? c.palette.client : c.palette.server, "%s",
                               line.text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        if (m_scrollDown) ImGui::SetScrollHereY(1.0f);
        m_scrollDown = false;
        ImGui::EndChild();
        ImGui::BeginDisabled(!m_session);
        ImGui::SetNextItemWidth(-1);
        ImGui::PushFont(c.fonts.mono);
        if (ImGui::InputTextWithHint("##line", "type a command and press Enter", &m_input,
                                     ImGuiInputTextFlags_EnterReturnsTrue)) {
            send(sim, m_input);
            m_input.clear();
            ImGui::SetKeyboardFocusHere(-1);
        }
        ImGui::PopFont();
        probe::track("Console input");
        ImGui::EndDisabled();
    }

    // For tests and for the Enter key alike.
    void send(scenario::Simulation& sim, const std::string& line)
    {
        if (!m_session) return;
        std::string bytes = line + "\r\n";
        record(sim, wire::TranscriptEntry::Kind::Data, wire::Direction::ClientToServer, bytes);
        addLines(bytes, true);
        std::string reply = m_session->receive(bytes);
        reply += m_session->takeUnsolicited();
        if (!reply.empty()) {
            record(sim, wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, reply);
            addLines(reply, false);
        }
        if (m_session->closed()) end(sim, "the server closed the connection");
    }

private:
    void connect(scenario::Simulation& sim)
    {
        wire::Protocol protocol = m_protocol == 0 ? wire::Protocol::Pop3 : wire::Protocol::Imap;
        m_sessionId = kConsoleSessionBase + ++m_connections;
        m_session = scenario::makeServerSession(protocol, sim.store(), sim.clock(), m_sessionId);
        record(sim, wire::TranscriptEntry::Kind::Connected, wire::Direction::ClientToServer,
               std::string("console connects to port ") + (m_protocol == 0 ? "110" : "143"));
        std::string greeting = m_session->greeting();
        record(sim, wire::TranscriptEntry::Kind::Data, wire::Direction::ServerToClient, greeting);
        addLines(greeting, false);
    }

    void end(scenario::Simulation& sim, const std::string& why)
    {
        if (!m_session) return;
        if (!m_session->closed()) m_session->disconnected();
        record(sim, wire::TranscriptEntry::Kind::Closed, wire::Direction::ClientToServer, why);
        m_lines.push_back({"(" + why + ")", false});
        m_session.reset();
    }

    void record(scenario::Simulation& sim, wire::TranscriptEntry::Kind kind, wire::Direction direction,
                std::string bytes)
    {
        wire::TranscriptEntry e;
        e.kind = kind;
        e.sessionId = m_sessionId;
        e.device = "console";
        e.protocol = m_session->protocol();
        e.direction = direction;
        e.timeMs = sim.clock().nowMs();
        e.bytes = std::move(bytes);
        e.step = sim.stepNumber();
        e.serverPort = e.protocol == wire::Protocol::Pop3 ? scenario::kPop3Port : scenario::kImapPort;
        if (kind == wire::TranscriptEntry::Kind::Data && direction == wire::Direction::ServerToClient)
            e.exchanges = m_session->takeExchanges();
        sim.transcript().record(std::move(e));
    }

    void addLines(const std::string& bytes, bool fromClient)
    {
        size_t start = 0;
        while (start < bytes.size()) {
            size_t end = bytes.find("\r\n", start);
            if (end == std::string::npos) end = bytes.size();
            m_lines.push_back({(fromClient ? "C: " : "S: ") + bytes.substr(start, end - start), fromClient});
            start = end + 2;
        }
        while (m_lines.size() > 2000)
            m_lines.pop_front();
        m_scrollDown = true;
    }

    struct Line {
        std::string text;
        bool fromClient = false;
    };
    std::unique_ptr<wire::ServerSession> m_session;
    std::deque<Line> m_lines;
    std::string m_input;
    int m_protocol = 0;
    int m_sessionId = 0;
    int m_connections = 0;
    bool m_listening = false;
    bool m_scrollDown = false;
};

} // namespace

std::unique_ptr<Panel> makeConsolePanel()
{
    return std::make_unique<ConsolePanel>();
}

} // namespace maillab::gui
