// "Stop before the next DELE": run to the interesting moment and ask the class what happens next.
#include "lesson_player.hpp"
#include "panels.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <imgui_stdlib.h>

namespace maillab::gui {
namespace {

class BreakpointsPanel : public Panel {
public:
    const char* id() const override { return "breakpoints"; }
    const char* title() const override { return "Breakpoints"; }
    ImVec4 defaultRect() const override { return ImVec4(0.72f, 0.76f, 0.28f, 0.24f); }

    void draw(Context& c) override
    {
        if (!c.player) {
            ImGui::TextWrapped("Breakpoints stop a lesson; live clients run at their own pace.");
            return;
        }
        ImGui::TextWrapped("Run stops before a step in which a device sends one of these commands.");
        // The buttons flow onto the next line rather than past the panel's edge.
        bool first = true;
        for (const char* common : {"RETR", "DELE", "QUIT", "STORE", "EXPUNGE", "MOVE", "LOGOUT"}) {
            bool present = std::any_of(m_entries.begin(), m_entries.end(),
                                       [&](const Entry& e) { return e.command == common; });
            if (present) continue;
            if (!first) flow(buttonWidth(common));
            first = false;
            if (ImGui::SmallButton(common)) m_entries.push_back({common, true});
            probe::track(std::string("Add ") + common);
        }
        const char* hint = "any command, e.g. UID FETCH";
        const float addWidth = buttonWidth("Add") + ImGui::GetStyle().ItemSpacing.x;
        const float inputWidth = ImGui::GetContentRegionAvail().x - addWidth;
        if (ImGui::CalcTextSize(hint).x + ImGui::GetStyle().FramePadding.x * 2 > inputWidth)
            hint = "a command";
        ImGui::SetNextItemWidth(inputWidth);
        bool entered =
            ImGui::InputTextWithHint("##command", hint, &m_input, ImGuiInputTextFlags_EnterReturnsTrue);
        probe::track("Breakpoint input");
        ImGui::SameLine();
        if ((ImGui::Button("Add") || entered) && !util::trim(m_input).empty()) {
            m_entries.push_back({util::toUpper(util::trim(m_input)), true});
            m_input.clear();
        }
        probe::track("Add breakpoint");
        for (size_t i = 0; i < m_entries.size(); ++i) {
            ImGui::PushID(static_cast<int>(i));
            ImGui::Checkbox(m_entries[i].command.c_str(), &m_entries[i].enabled);
            probe::track("Toggle " + m_entries[i].command);
            ImGui::SameLine();
            if (ImGui::SmallButton("remove")) {
                m_entries.erase(m_entries.begin() + static_cast<long>(i));
                ImGui::PopID();
                break;
            }
            ImGui::PopID();
        }
        c.player->breakpoints.clear();
        for (const Entry& e : m_entries)
            if (e.enabled) c.player->breakpoints.push_back(e.command);
    }

private:
    struct Entry {
        std::string command;
        bool enabled = true;
    };
    std::vector<Entry> m_entries;
    std::string m_input;
};

} // namespace

std::unique_ptr<Panel> makeBreakpointsPanel()
{
    return std::make_unique<BreakpointsPanel>();
}

} // namespace maillab::gui
