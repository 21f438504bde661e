// Real clients: start a server on this machine and watch curl, Python or Thunderbird talk to it.
#include "dashboard.hpp"
#include "panels.hpp"
#include "ui_probe.hpp"

namespace maillab::gui {
namespace {

class LivePanel : public Panel {
public:
    explicit LivePanel(Dashboard& dashboard) : m_dashboard(dashboard) {}
    const char* id() const override { return "live"; }
    const char* title() const override { return "Live: real clients"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.20f, 0.42f, 0.40f); }

    void draw(Context& c) override
    {
        LiveServer& live = m_dashboard.live();
        if (!live.running()) {
            ImGui::TextWrapped(
                "Start a POP3 and IMAP server on this machine (127.0.0.1 only) with the demo "
                "accounts alice/wonderland and bob/builder. Real mail programs can then connect, "
                "and every line they exchange appears in the transcript.");
            ImGui::SetNextItemWidth(120);
            ImGui::InputInt("POP3 port", &m_pop3Port, 0);
            ImGui::SetNextItemWidth(120);
            ImGui::InputInt("IMAP port", &m_imapPort, 0);
            if (ImGui::Button("Start the server")) {
                m_error.clear();
                if (live.start(static_cast<uint16_t>(m_pop3Port), static_cast<uint16_t>(m_imapPort), m_error))
                    m_dashboard.setLiveMode(true);
            }
            probe::track("Start server");
            if (!m_error.empty()) ImGui::TextColored(c.palette.bad, "%s", m_error.c_str());
            return;
        }
        if (!live.server()) {
            ImGui::TextWrapped("Watching a store and transcript without a server.");
            return;
        }
        net::Server& server = *live.server();
        // Everything wraps at the panel's edge: a narrow panel shows the whole curl command on two lines.
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(c.palette.good, "Serving POP3 on 127.0.0.1:%u and IMAP on 127.0.0.1:%u",
                           server.pop3Port(), server.imapPort());
        ImGui::Text("%zu client%s connected", server.connectionCount(),
                    server.connectionCount() == 1 ? "" : "s");
        ImGui::TextWrapped("Try it from a terminal:");
        ImGui::PushFont(c.fonts.mono);
        char line[160];
        std::snprintf(line, sizeof line, "curl pop3://alice:wonderland@127.0.0.1:%u/1", server.pop3Port());
        ImGui::TextColored(c.palette.client, "%s", line);
        std::snprintf(line, sizeof line, "curl 'imap://alice:wonderland@127.0.0.1:%u/INBOX;UID=1'",
                      server.imapPort());
        ImGui::TextColored(c.palette.client, "%s", line);
        ImGui::PopFont();
        ImGui::PopTextWrapPos();
        bool watching = m_dashboard.liveMode();
        if (ImGui::Checkbox("Show the live server in the other panels", &watching))
            m_dashboard.setLiveMode(watching);
        if (m_dashboard.ownsLiveServer() && ImGui::Button("Stop the server")) {
            live.stop();
            m_dashboard.setLiveMode(false);
        }
    }

private:
    Dashboard& m_dashboard;
    int m_pop3Port = 1110;
    int m_imapPort = 1143;
    std::string m_error;
};

} // namespace

std::unique_ptr<Panel> makeLivePanel(Dashboard& dashboard)
{
    return std::make_unique<LivePanel>(dashboard);
}

} // namespace maillab::gui
