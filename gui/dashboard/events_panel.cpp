// The event list (Packet Tracer's Event List, Wireshark's packet list): the lesson steps, and under the ones
// already played every exchange; a click moves the simulation there. Steps not played yet show only their
// titles, so the list never tells what the server will answer before it has; in the student layout they are
// not listed at all ("+N more steps"), since "7. phone: move" after an open question hints at its answer.
#include "dashboard.hpp"
#include "panels.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <algorithm>

namespace maillab::gui {
namespace {

std::string stepTitle(const scenario::Scenario& lesson, size_t action)
{
    const scenario::Action& a = lesson.actions[action];
    std::string title = std::to_string(action + 1) + ". ";
    if (!a.device.empty()) title += a.device + ": ";
    title += scenario::actionName(a.kind);
    if (a.question) title += "  (?)";
    return title;
}

class EventsPanel : public Panel {
public:
    explicit EventsPanel(Dashboard& dashboard) : m_dashboard(dashboard) {}
    const char* id() const override { return "events"; }
    const char* title() const override { return "Events"; }
    ImVec4 defaultRect() const override { return ImVec4(0.0f, 0.36f, 0.30f, 0.30f); }

    void draw(Context& c) override
    {
        LessonPlayer& player = m_dashboard.player();
        if (m_dashboard.liveMode() || !player.loaded() || !player.timeline()) {
            ImGui::TextWrapped("The events of a lesson are listed here.");
            return;
        }
        const scenario::Timeline& timeline = *player.timeline();
        const scenario::Scenario& lesson = player.scenario();
        const int at = player.stepNumber();
        const bool moved = at != m_lastStep;
        m_lastStep = at;
        int seekTo = -1;
        size_t event = 0;
        const auto& events = timeline.events();
        const bool onlyPlayed = m_dashboard.layout() == Layout::Student;
        size_t ahead = 0;
        for (size_t action = 0; action < lesson.actions.size(); ++action) {
            const int start = timeline.actionStart(action);
            const bool played = start < at;
            if (onlyPlayed && !played) {
                ++ahead;
                continue;
            }
            ImGui::PushID(static_cast<int>(action));
            ImGui::PushStyleColor(ImGuiCol_Text,
                                  played ? ImGui::GetStyleColorVec4(ImGuiCol_Text) : c.palette.dim);
            // Only the last thing that happened is selected: a lesson step's title stands for its start.
            if (fittedSelectable(stepTitle(lesson, action), false)) seekTo = start;
            probe::track("Event step " + std::to_string(action + 1));
            ImGui::PopStyleColor();
            if (ImGui::IsItemHovered() && !lesson.actions[action].narration.empty() && played)
                ImGui::SetTooltip("%s", lesson.actions[action].narration.c_str());
            // The exchanges of this lesson step, as far as they have been played.
            while (event < events.size() && events[event].action < action)
                ++event;
            ImGui::Indent();
            for (; event < events.size() && events[event].action == action; ++event) {
                const scenario::TimelineEvent& e = events[event];
                if (e.step > at) continue;
                drawEvent(c, e, at, moved, seekTo);
            }
            ImGui::Unindent();
            ImGui::PopID();
        }
        if (ahead > 0) {
            const std::string steps = ahead == 1 ? " step" : " steps";
            const std::string text = ahead == lesson.actions.size()
                                         ? std::to_string(ahead) + steps + " ahead"
                                         : "+" + std::to_string(ahead) + " more" + steps;
            ImGui::TextColored(c.palette.dim, "%s", text.c_str());
            probe::track("Event steps ahead");
        }
        if (seekTo >= 0) player.seek(seekTo);
    }

private:
    // A row that fits the panel: a long command keeps its start and its end, whole on hover. The start gets
    // most of the room: who acted and the command's name ("phone  A4 UID FETCH 1:*") say what the row is,
    // where an even split cut "UID FETCH" in half.
    static bool fittedSelectable(const std::string& text, bool selected)
    {
        const Fitted fitted =
            elideMiddle(text, ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x, 0.3f, 0.6f);
        const bool clicked = ImGui::Selectable((fitted.text + "##row").c_str(), selected);
        if (fitted.elided && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
        return clicked;
    }

    void drawEvent(Context& c, const scenario::TimelineEvent& e, int at, bool moved, int& seekTo)
    {
        ImGui::PushID(e.step);
        const bool here = e.step == at;
        // "laptop connects to ..." names its device already.
        std::string text = e.summary.starts_with(e.device + " ") ? e.summary : e.device + "  " + e.summary;
        ImGui::PushStyleColor(ImGuiCol_Text,
                              e.failed ? c.palette.bad : ImGui::GetStyleColorVec4(ImGuiCol_Text));
        if (fittedSelectable(text, here)) seekTo = e.step;
        ImGui::PopStyleColor();
        probe::track("Event " + std::to_string(e.step));
        if (here && moved) ImGui::SetScrollHereY(0.5f);
        if (ImGui::IsItemHovered() && !e.outcome.empty()) ImGui::SetTooltip("%s", e.outcome.c_str());
        ImGui::PopID();
    }

    Dashboard& m_dashboard;
    int m_lastStep = -1;
};

} // namespace

std::unique_ptr<Panel> makeEventsPanel(Dashboard& dashboard)
{
    return std::make_unique<EventsPanel>(dashboard);
}

} // namespace maillab::gui
