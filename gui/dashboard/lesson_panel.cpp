// The lesson player: choose a lesson, Step / Run / Back / Reset, and read what is happening and why.
#include "dashboard.hpp"
#include "panels.hpp"
#include "ui_probe.hpp"

#include <algorithm>
#include <map>

namespace maillab::gui {
namespace {

class LessonPanel : public Panel {
public:
    explicit LessonPanel(Dashboard& dashboard) : m_dashboard(dashboard) {}
    const char* id() const override { return "lesson"; }
    const char* title() const override { return "Lesson"; }
    ImVec4 defaultRect() const override { return ImVec4(0.0f, 0.0f, 0.30f, 0.36f); }

    void draw(Context& c) override
    {
        LessonPlayer& player = m_dashboard.player();
        if (m_dashboard.liveMode()) {
            ImGui::TextWrapped("Live mode: the panels show the real server. Stop it in the Live panel to "
                               "go back to the lesson.");
            if (ImGui::Button("Back to the lesson")) m_dashboard.setLiveMode(false);
            return;
        }
        drawChooser(player);
        if (!player.loadError().empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.bad);
            ImGui::TextWrapped("Could not load the lesson: %s", player.loadError().c_str());
            ImGui::PopStyleColor();
        }
        if (!player.loaded()) {
            ImGui::TextWrapped("No lesson loaded. Choose one above.");
            return;
        }
        if (player.generation() != m_generation) {
            m_generation = player.generation();
            // A replay does not change the lesson; a new lesson forgets the student's answers.
            if (player.file() != m_answersFor) {
                m_answers.clear();
                m_answersFor = player.file();
            }
        }
        drawControls(c, player);
        ImGui::Separator();
        drawNarration(c, player);
    }

private:
    void drawChooser(LessonPlayer& player)
    {
        std::string current =
            player.file().empty() ? "(choose a lesson)" : m_dashboard.lessonTitle(player.file());
        ImGui::SetNextItemWidth(-1);
        if (ImGui::BeginCombo("##lesson", current.c_str())) {
            for (const auto& file : m_dashboard.lessonFiles()) {
                bool selected = file.filename() == player.file().filename();
                if (ImGui::Selectable(m_dashboard.lessonTitle(file).c_str(), selected)) player.load(file);
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", file.filename().c_str());
                if (selected) ImGui::SetItemDefaultFocus();
            }
            ImGui::EndCombo();
        }
        probe::track("Lesson chooser");
    }

    void drawControls(Context& c, LessonPlayer& player)
    {
        const bool atStart = player.stepNumber() == 0;
        ImGui::BeginDisabled(atStart);
        if (ImGui::Button("Reset")) player.reset();
        probe::track("Reset");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to the start of the lesson");
        ImGui::SameLine();
        if (ImGui::Button("< Back")) player.back();
        probe::track("Back");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("One step back (the simulation is replayed to the step before)");
        ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::BeginDisabled(player.finished());
        if (ImGui::Button("Step >")) player.step();
        probe::track("Step");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("One exchange: a command and its whole reply");
        ImGui::SameLine();
        if (ImGui::Button(player.running() ? "Pause" : "Run >>")) player.setRunning(!player.running());
        probe::track("Run");
        ImGui::EndDisabled();
        // The speed slider goes beside the buttons when there is room, below them when not (presenter mode).
        float room =
            ImGui::GetWindowContentRegionMax().x - (ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x);
        if (room > ImGui::GetFontSize() * 9) ImGui::SameLine();
        ImGui::SetNextItemWidth(-1);
        ImGui::SliderFloat("##speed", &player.stepsPerSecond, 0.5f, 20.0f, "%.1f steps/s",
                           ImGuiSliderFlags_Logarithmic);
        probe::track("Speed");

        int total = std::max(player.totalSteps(), player.stepNumber());
        char label[64];
        std::snprintf(label, sizeof label, "step %d of %d%s", player.stepNumber(), total,
                      player.finished() ? " (the end)" : "");
        ImGui::ProgressBar(total ? static_cast<float>(player.stepNumber()) / static_cast<float>(total) : 0.0f,
                           ImVec2(-1, 0), label);
        if (!player.breakMessage().empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.note);
            ImGui::TextWrapped("%s. What will happen next? Press Step to see.",
                               player.breakMessage().c_str());
            ImGui::PopStyleColor();
        }
    }

    void drawNarration(Context& c, LessonPlayer& player)
    {
        const scenario::Simulation& sim = *player.simulation();
        const scenario::Scenario& lesson = player.scenario();
        ImGui::BeginChild("narration", ImVec2(0, 0), false);
        if (!c.presenter) { // in presenter mode the menu bar carries the title and the narration gets the
                            // room
            ImGui::PushFont(c.fonts.heading);
            ImGui::TextWrapped("%s", lesson.title.c_str());
            ImGui::PopFont();
        }
        size_t last = sim.actionOfStep(player.stepNumber());
        if (last == SIZE_MAX) {
            ImGui::TextWrapped("%s", lesson.description.c_str());
        } else {
            const scenario::Action& action = lesson.actions[last];
            // An action without words of its own (a QUIT at the end) keeps the last narration on screen.
            size_t told = last;
            while (told > 0 && lesson.actions[told].narration.empty())
                --told;
            if (!lesson.actions[told].narration.empty())
                ImGui::TextWrapped("%s", lesson.actions[told].narration.c_str());
            if (action.question) drawAnswer(c, last, *action.question);
            for (const scenario::CheckpointResult& result : sim.checkpointResults())
                if (result.action == last) drawCheckpoint(c, result);
        }
        if (player.finished()) drawSummary(c, sim);
        size_t next = sim.actionIndex();
        if (next < lesson.actions.size() && next != last && lesson.actions[next].question) {
            ImGui::Separator();
            drawQuestion(c, next, *lesson.actions[next].question);
        }
        ImGui::EndChild();
    }

    void drawSummary(Context& c, const scenario::Simulation& sim)
    {
        size_t held = 0, total = sim.checkpointResults().size();
        for (const auto& result : sim.checkpointResults())
            held += result.passed() ? 1 : 0;
        ImGui::Separator();
        ImGui::TextColored(held == total ? c.palette.good : c.palette.bad,
                           "The end of the lesson: %zu of %zu checks held.", held, total);
        ImGui::TextColored(c.palette.dim, "Back steps through it again; Reset starts over.");
    }

    void drawQuestion(Context& c, size_t action, const scenario::Question& question)
    {
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.note);
        ImGui::TextWrapped("Before the next step: %s", question.prompt.c_str());
        ImGui::PopStyleColor();
        int& choice = m_answers.try_emplace(action, -1).first->second;
        for (size_t i = 0; i < question.choices.size(); ++i) {
            ImGui::PushID(static_cast<int>(i));
            ImGui::RadioButton(question.choices[i].c_str(), &choice, static_cast<int>(i));
            probe::track("Choice " + std::to_string(i));
            ImGui::PopID();
        }
        ImGui::TextColored(c.palette.dim, "Pick an answer, then press Step.");
    }

    void drawAnswer(Context& c, size_t action, const scenario::Question& question)
    {
        ImGui::Separator();
        ImGui::TextWrapped("Q: %s", question.prompt.c_str());
        auto picked = m_answers.find(action);
        std::string right =
            question.answer < question.choices.size() ? question.choices[question.answer] : "";
        if (picked != m_answers.end() && picked->second >= 0) {
            bool correct = static_cast<size_t>(picked->second) == question.answer;
            ImGui::TextColored(correct ? c.palette.good : c.palette.bad, "%s",
                               correct ? "Your answer is right." : "Not quite.");
        }
        ImGui::TextColored(c.palette.good, "Answer: %s", right.c_str());
        if (!question.explanation.empty()) ImGui::TextWrapped("%s", question.explanation.c_str());
    }

    void drawCheckpoint(Context& c, const scenario::CheckpointResult& result)
    {
        if (result.passed()) {
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.good);
            ImGui::TextWrapped("[ok] %s", result.description.c_str());
            ImGui::PopStyleColor();
            return;
        }
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.bad);
        ImGui::TextWrapped("[fails] %s", result.description.c_str());
        for (const std::string& failure : result.failures)
            ImGui::BulletText("%s", failure.c_str());
        ImGui::PopStyleColor();
    }

    Dashboard& m_dashboard;
    int m_generation = -1;
    std::filesystem::path m_answersFor;
    std::map<size_t, int> m_answers; // action index -> the choice the student picked
};

} // namespace

std::unique_ptr<Panel> makeLessonPanel(Dashboard& dashboard)
{
    return std::make_unique<LessonPanel>(dashboard);
}

} // namespace maillab::gui
