// The lesson player: choose a lesson, Step / Run / Back / Reset, and read what is happening and why.
#include "dashboard.hpp"
#include "export/hand_in.hpp"
#include "panels.hpp"
#include "scenario/question.hpp"
#include "scenario/summary.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
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
        // In presenter mode the menu bar names the lesson: its rows go to the narration and the question.
        if (!c.presenter) drawChooser(player);
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
                m_predictions.clear();
                m_answersFor = player.file();
            }
        }
        drawControls(c, player);
        ImGui::Separator();
        // A question cut at the panel's bottom, its Lock in button out of sight, cannot be answered: the
        // layout gives the panel the height its largest question needs.
        m_dashboard.fitLessonPanel(m_controlsBottom + questionRoom(player.scenario()) + narrationRoom() +
                                   ImGui::GetStyle().WindowPadding.y);
        drawNarration(c, player);
    }

private:
    static float wrappedHeight(const std::string& text, float width)
    {
        return ImGui::CalcTextSize(text.c_str(), nullptr, false, width).y;
    }

    // The height of the largest question as drawQuestion draws it, with the separator under it.
    static float questionRoom(const scenario::Scenario& lesson)
    {
        const ImGuiStyle& style = ImGui::GetStyle();
        const float width = ImGui::GetContentRegionAvail().x;
        const float row = ImGui::GetFrameHeight();
        const float choiceWidth = width - row - style.ItemSpacing.x;
        const float hintWidth = width - buttonWidth(kLockIn) - style.ItemSpacing.x;
        float most = 0;
        for (const scenario::Action& action : lesson.actions) {
            if (!action.question) continue;
            const scenario::Question& question = *action.question;
            float height = wrappedHeight(kPredict + question.prompt, width) + style.ItemSpacing.y;
            for (const std::string& choice : question.choices)
                height += std::max(row, wrappedHeight(choice, choiceWidth)) + style.ItemSpacing.y;
            height += std::max(row, wrappedHeight(kLockInHint, hintWidth)) + style.ItemSpacing.y;
            most = std::max(most, height + style.ItemSpacing.y + 1.0f);
        }
        return most;
    }

    // Enough of the narration under a question to say what is happening: two lines, and the line that says
    // there is more.
    static float narrationRoom()
    {
        return ImGui::GetTextLineHeightWithSpacing() * 3 + ImGui::GetStyle().ItemSpacing.y;
    }

    void drawChooser(LessonPlayer& player)
    {
        std::string current =
            player.file().empty() ? "(choose a lesson)" : m_dashboard.lessonTitle(player.file());
        ImGui::SetNextItemWidth(-1);
        // A long title keeps its start and end in the closed box; the list below shows every title whole.
        const Fitted preview =
            elideMiddle(current, ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                                     ImGui::GetStyle().FramePadding.x * 2);
        if (ImGui::BeginCombo("##lesson", preview.text.c_str())) {
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
            ImGui::SetTooltip("Back to the start of this lesson step (or the one before)");
        ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::BeginDisabled(player.finished());
        if (ImGui::Button("Step >")) player.playLessonStep();
        probe::track("Step");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play the next lesson step, one exchange at a time");
        ImGui::SameLine();
        if (ImGui::Button("Exchange >")) player.step();
        probe::track("Next exchange");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Only the next exchange: one command and its whole reply");
        ImGui::SameLine();
        if (ImGui::Button(player.running() ? "Pause" : "Run >>")) player.setRunning(!player.running());
        probe::track("Run");
        ImGui::EndDisabled();
        // The speed slider goes beside the buttons when there is room, below them when not. In presenter mode
        // the timeline takes that place instead: one row of controls leaves the room to the question.
        float room =
            ImGui::GetWindowContentRegionMax().x - (ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x);
        if (room > ImGui::GetFontSize() * 9) ImGui::SameLine();
        if (!c.presenter) {
            ImGui::SetNextItemWidth(-1);
            // A thin grab: the default one sat on the speed's first digit at the usual 2.0 exchanges/s.
            ImGui::PushStyleVar(ImGuiStyleVar_GrabMinSize, std::max(3.0f, ImGui::GetFontSize() * 0.25f));
            ImGui::SliderFloat("##speed", &player.stepsPerSecond, 0.5f, 20.0f, "%.1f exchanges/s",
                               ImGuiSliderFlags_Logarithmic);
            ImGui::PopStyleVar();
            probe::track("Speed");
        }
        drawProgress(c, player);
        // The hand-in form at the end has the room a question had: no more room is asked for it.
        m_controlsBottom = ImGui::GetCursorPosY() + ImGui::GetStyle().ItemSpacing.y + 1.0f;
        // At the end the hand-in form sits under the timeline, where no scrolling can hide it.
        if (player.finished()) drawHandIn(player);
        if (!player.breakMessage().empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.note);
            ImGui::TextWrapped("%s. What will happen next? Press Step to see.",
                               player.breakMessage().c_str());
            ImGui::PopStyleColor();
        }
    }

    // The progress bar is the timeline: ticks where lesson steps begin; a click or a drag moves there.
    void drawProgress(Context& c, LessonPlayer& player)
    {
        const scenario::Timeline& timeline = *player.timeline();
        const int total = std::max(timeline.totalSteps(), player.stepNumber());
        const size_t lessonSteps = player.scenario().actions.size();
        // The lesson step of the last exchange, as the narration beside it.
        const size_t current = player.simulation()->actionOfStep(player.stepNumber());
        char label[96];
        if (player.finished())
            std::snprintf(label, sizeof label, "the end (%zu lesson steps, %d exchanges)", lessonSteps,
                          total);
        else if (current == SIZE_MAX)
            std::snprintf(label, sizeof label, "the start (%zu lesson steps)", lessonSteps);
        else
            std::snprintf(label, sizeof label, "lesson step %zu of %zu   (exchange %d of %d)", current + 1,
                          lessonSteps, player.stepNumber(), total);
        ImGui::ProgressBar(total ? static_cast<float>(player.stepNumber()) / static_cast<float>(total) : 0.0f,
                           ImVec2(-1, 0), label);
        probe::track("Progress");
        const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
        const float width = max.x - min.x;
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImU32 tick = ImGui::GetColorU32(c.palette.dim);
        for (size_t a = 1; a < lessonSteps && total > 0; ++a) {
            const float x =
                min.x + width * static_cast<float>(timeline.actionStart(a)) / static_cast<float>(total);
            // Under the bar, like a ruler's marks: ticks through the label make it hard to read.
            draw->AddLine(ImVec2(x, max.y - 1.0f), ImVec2(x, max.y + ImGui::GetStyle().ItemSpacing.y - 1.0f),
                          tick, 2.0f);
        }
        if (total > 0 && ImGui::IsItemHovered()) {
            const int at = std::clamp(static_cast<int>(std::lround((ImGui::GetIO().MousePos.x - min.x) /
                                                                   width * static_cast<float>(total))),
                                      0, total);
            ImGui::SetTooltip("Go to exchange %d", at);
            if (ImGui::IsMouseDown(ImGuiMouseButton_Left) && at != player.stepNumber()) player.seek(at);
        }
    }

    void drawNarration(Context& c, LessonPlayer& player)
    {
        const scenario::Simulation& sim = *player.simulation();
        const scenario::Scenario& lesson = player.scenario();
        // The question of the lesson step in progress or about to begin. Until the exchange that settles it
        // has happened it is asked above the narration, where no scrolling hides it; then it is answered
        // below the narration. At a boundary the step just finished keeps its answer there while the next
        // step's question is already asked above: two questions in a row are both predicted.
        const size_t asked = askedQuestion(player);
        const bool answered = asked != SIZE_MAX && revealed(player, asked);
        const size_t finished = finishedQuestion(player, asked);
        if (asked != SIZE_MAX && !answered) {
            // Once the step's first exchange has happened its evidence is on screen: too late to predict.
            const bool begun = player.stepNumber() > player.timeline()->actionStart(asked);
            drawQuestion(c, asked, *lesson.actions[asked].question, begun);
            ImGui::Separator();
        }
        // When the narration (or the summary at the end) is longer than its room, a line under it says so: a
        // thin scrollbar is easy to miss from the back of a room.
        const float hint = m_narrationMore ? ImGui::GetTextLineHeightWithSpacing() : 0.0f;
        ImGui::BeginChild("narration", ImVec2(0, -hint), false);
        size_t last = sim.actionOfStep(player.stepNumber());
        // The title once, at the start, whole: later the chooser and the menu bar carry it and the narration
        // gets the room (in presenter mode the menu bar always does).
        if (!c.presenter && last == SIZE_MAX) {
            ImGui::PushFont(c.fonts.heading);
            ImGui::TextWrapped("%s", lesson.title.c_str());
            ImGui::PopFont();
        }
        if (last == SIZE_MAX) {
            // The setting: the situation without its outcome. The description tells the outcome, so it waits
            // for the end of the lesson (drawSummary).
            if (!lesson.setting.empty()) {
                ImGui::TextWrapped("%s", lesson.setting.c_str());
                probe::track("Setting");
            }
        } else {
            // An action without words of its own (a QUIT at the end) keeps the last narration on screen.
            size_t told = last;
            while (told > 0 && lesson.actions[told].narration.empty())
                --told;
            if (!lesson.actions[told].narration.empty())
                ImGui::TextWrapped("%s", lesson.actions[told].narration.c_str());
            for (const scenario::CheckpointResult& result : sim.checkpointResults())
                if (result.action == last) drawCheckpoint(c, result);
        }
        if (answered) {
            ImGui::Separator();
            drawAnswer(c, player, asked, *lesson.actions[asked].question);
        } else if (finished != SIZE_MAX) {
            ImGui::Separator();
            drawAnswer(c, player, finished, *lesson.actions[finished].question);
        }
        if (player.finished()) drawSummary(c, player);
        if (m_pageDown) ImGui::SetScrollY(ImGui::GetScrollY() + ImGui::GetWindowHeight() * 0.8f);
        m_pageDown = false;
        m_narrationMore =
            ImGui::GetScrollMaxY() > 0.0f && ImGui::GetScrollY() < ImGui::GetScrollMaxY() - 1.0f;
        ImGui::EndChild();
        if (m_narrationMore) {
            ImGui::TextColored(c.palette.note, "\xe2\x96\xbc more below: scroll down");
            probe::track("More below");
            m_pageDown = ImGui::IsItemClicked(); // a click on the hint turns a page too
        }
    }

    // The lesson step whose question is on screen: the one about to begin, or in progress, or just ended.
    // The question of the lesson step in progress, or of the one about to begin at a boundary.
    static size_t askedQuestion(const LessonPlayer& player)
    {
        const scenario::Scenario& lesson = player.scenario();
        const size_t next = player.lessonStep();
        if (next < lesson.actions.size() && lesson.actions[next].question) return next;
        return SIZE_MAX;
    }

    // The question of a lesson step that has just ended (the boundary after it is where the simulation
    // stands), other than `asked`, whose answer stays on screen until the next step's first exchange.
    static size_t finishedQuestion(const LessonPlayer& player, size_t asked)
    {
        const scenario::Scenario& lesson = player.scenario();
        const scenario::Timeline& timeline = *player.timeline();
        const int at = player.stepNumber();
        for (size_t a = 0; a < lesson.actions.size(); ++a) {
            if (a == asked || !lesson.actions[a].question) continue;
            const int start = timeline.actionStart(a);
            if (start < at && timeline.nextBoundary(start) == at && revealed(player, a)) return a;
        }
        return SIZE_MAX;
    }

    // Whether the exchange that settles the question has happened (scenario::revealOf decides for every
    // view, so the dashboard cannot show an answer earlier than `maillab run` or an export does).
    static bool revealed(const LessonPlayer& player, size_t action)
    {
        auto reveal = scenario::revealOf(*player.simulation(), action);
        return reveal && reveal->revealed();
    }

    struct Prediction {
        int choice = -1;
        bool locked = false;
    };

    void drawSummary(Context& c, const LessonPlayer& player)
    {
        const scenario::Simulation& sim = *player.simulation();
        const scenario::Scenario& lesson = player.scenario();
        std::vector<std::optional<size_t>> predictions;
        for (size_t a = 0; a < lesson.actions.size(); ++a) {
            if (!lesson.actions[a].question) continue;
            auto it = m_predictions.find(a);
            if (it != m_predictions.end() && it->second.locked)
                predictions.push_back(static_cast<size_t>(it->second.choice));
            else
                predictions.push_back(std::nullopt);
        }
        const scenario::Summary summary = scenario::summarize(sim, predictions);
        size_t held = 0, total = sim.checkpointResults().size();
        for (const auto& result : sim.checkpointResults())
            held += result.passed() ? 1 : 0;
        ImGui::Separator();
        ImGui::PushFont(c.fonts.heading);
        ImGui::TextWrapped("The end of the lesson");
        ImGui::PopFont();
        ImGui::TextColored(held == total ? c.palette.good : c.palette.bad, "%zu of %zu checks held.", held,
                           total);
        if (!lesson.description.empty()) {
            ImGui::TextColored(c.palette.dim, "What this lesson showed:");
            ImGui::TextWrapped("%s", lesson.description.c_str());
            probe::track("Description");
        }
        if (!summary.predictions.empty() && summary.answered() == 0)
            ImGui::TextWrapped("You locked in no predictions. The answers:");
        else if (!summary.predictions.empty())
            ImGui::TextWrapped("Your predictions: %zu of %zu right the first time (%zu answered).",
                               summary.rightFirstTime(), summary.predictions.size(), summary.answered());
        for (const scenario::PredictionOutcome& p : summary.predictions) {
            const bool right = p.rightFirstTime();
            ImGui::PushStyleColor(ImGuiCol_Text, !p.prediction ? c.palette.dim
                                                 : right       ? c.palette.good
                                                               : c.palette.bad);
            ImGui::TextWrapped("%s %s  %s",
                               !p.prediction ? "-"
                               : right       ? "right:"
                                             : "not quite:",
                               p.prompt.c_str(), p.answer.c_str());
            ImGui::PopStyleColor();
        }
        ImGui::TextWrapped("Where the mail is now:");
        auto holderLine = [&](const scenario::HolderState& holder, const char* prefix) {
            std::string folders;
            for (const scenario::FolderCount& folder : holder.folders)
                folders +=
                    (folders.empty() ? "" : ", ") + folder.folder + " " + std::to_string(folder.messages);
            if (folders.empty()) folders = holder.lost ? "lost: nothing left" : "nothing";
            ImGui::Bullet();
            ImGui::TextWrapped("%s%s: %s", prefix, holder.name.c_str(), folders.c_str());
        };
        for (const scenario::HolderState& holder : summary.server)
            holderLine(holder, "server, ");
        for (const scenario::HolderState& holder : summary.devices)
            holderLine(holder, "");
        for (const scenario::Survivor& survivor : summary.survivors) {
            std::string places;
            for (const std::string& place : survivor.places)
                places += (places.empty() ? "" : ", ") + place;
            ImGui::PushStyleColor(ImGuiCol_Text, places.empty() ? c.palette.bad : c.palette.good);
            ImGui::Bullet();
            ImGui::TextWrapped("\"%s\": %s", survivor.subject.c_str(),
                               places.empty() ? "gone" : places.c_str());
            ImGui::PopStyleColor();
        }
        ImGui::TextColored(c.palette.dim, "Back steps through it again; Reset starts over.");
    }

    // Coursework: the predictions, the checks, the transcript and the capture of this run, in a folder named
    // after the student (exporter::writeHandIn, the same as `maillab run --answers --hand-in`).
    void drawHandIn(const LessonPlayer& player)
    {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
        ImGui::InputTextWithHint("##student", "your name", m_studentName, sizeof m_studentName);
        probe::track("Student name");
        ImGui::SameLine();
        ImGui::BeginDisabled(m_studentName[0] == '\0');
        if (ImGui::Button("Hand in")) m_handInResult = handIn(player);
        probe::track("Hand in");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Your predictions, the checks, this run's transcript and capture, in a folder "
                              "named after you");
        ImGui::EndDisabled();
        if (!m_handInResult.empty()) ImGui::TextWrapped("%s", m_handInResult.c_str());
    }

    std::string handIn(const LessonPlayer& player)
    {
        exporter::StudentAnswers answers;
        answers.name = m_studentName;
        const std::time_t now = std::time(nullptr);
        char date[16];
        std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
        answers.date = date;
        answers.lesson = player.file().filename().string();
        for (const auto& [action, prediction] : m_predictions)
            if (prediction.locked && prediction.choice >= 0)
                answers.answers.push_back({action + 1, static_cast<size_t>(prediction.choice)});
        const char* home = std::getenv("HOME");
        const std::filesystem::path parent = std::filesystem::path(home ? home : ".") / "maillab-hand-ins";
        auto written = exporter::writeHandIn(*player.simulation(), player.scenario(), answers, parent);
        if (auto* error = std::get_if<std::string>(&written)) return "Could not hand in: " + *error;
        return "Written to " + std::get<std::filesystem::path>(written).string();
    }

    void drawQuestion(Context& c, size_t action, const scenario::Question& question, bool stepBegun)
    {
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.note);
        ImGui::TextWrapped("%s%s", kPredict, question.prompt.c_str());
        ImGui::PopStyleColor();
        Prediction& prediction = m_predictions[action];
        // Not stored: Back to before the step opens an unlocked prediction again.
        const bool frozen = prediction.locked || stepBegun;
        ImGui::BeginDisabled(frozen);
        for (size_t i = 0; i < question.choices.size(); ++i) {
            ImGui::PushID(static_cast<int>(i));
            // The choice's words wrap beside its button (a radio button's own label never does); clicking
            // them picks it too.
            ImGui::RadioButton("##choice", &prediction.choice, static_cast<int>(i));
            probe::track("Choice " + std::to_string(i));
            ImGui::SameLine();
            ImGui::TextWrapped("%s", question.choices[i].c_str());
            if (!frozen && ImGui::IsItemClicked()) prediction.choice = static_cast<int>(i);
            ImGui::PopID();
        }
        ImGui::EndDisabled();
        if (prediction.locked) {
            ImGui::TextColored(c.palette.dim, "Locked in. Press Step and watch.");
            return;
        }
        if (frozen) {
            ImGui::TextColored(c.palette.note, "Too late to predict: watch, then explain.");
            probe::track("Too late");
            return;
        }
        ImGui::BeginDisabled(prediction.choice < 0);
        if (ImGui::Button(kLockIn)) prediction.locked = true;
        probe::track("Lock in");
        ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.dim);
        ImGui::TextWrapped("%s", kLockInHint);
        ImGui::PopStyleColor();
    }

    void drawAnswer(Context& c, LessonPlayer& player, size_t action, const scenario::Question& question)
    {
        ImGui::TextWrapped("Q: %s", question.prompt.c_str());
        auto picked = m_predictions.find(action);
        std::string right =
            question.answer < question.choices.size() ? question.choices[question.answer] : "";
        if (picked != m_predictions.end() && picked->second.locked) {
            bool correct = static_cast<size_t>(picked->second.choice) == question.answer;
            ImGui::TextColored(correct ? c.palette.good : c.palette.bad, "%s",
                               correct ? "Your prediction was right." : "Not what you predicted.");
        }
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.good);
        ImGui::TextWrapped("Answer: %s", right.c_str());
        ImGui::PopStyleColor();
        if (!question.explanation.empty()) ImGui::TextWrapped("%s", question.explanation.c_str());
        // The explain line points at the reply that proves the answer.
        auto reveal = scenario::revealOf(*player.simulation(), action);
        if (reveal && reveal->revealed()) {
            if (ImGui::SmallButton("Show the reply that proves it")) {
                if (player.stepNumber() != reveal->step) player.seek(reveal->step);
                m_dashboard.showTranscriptEntry(reveal->evidence);
            }
            probe::track("See proof");
        }
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
        for (const std::string& failure : result.failures) {
            ImGui::Bullet();
            ImGui::TextWrapped("%s", failure.c_str());
        }
        ImGui::PopStyleColor();
    }

    static constexpr const char* kPredict = "Predict: ";
    static constexpr const char* kLockIn = "Lock in";
    static constexpr const char* kLockInHint = "Pick one and lock it in, then press Step.";

    Dashboard& m_dashboard;
    bool m_narrationMore = false; // the narration scrolls and its end is not in view
    bool m_pageDown = false;      // the hint was clicked: scroll the narration by most of its height
    float m_controlsBottom = 0;   // under the buttons and the timeline, in the panel
    int m_generation = -1;
    std::filesystem::path m_answersFor;
    std::map<size_t, Prediction> m_predictions; // by action index: kept across Back and jumps
    char m_studentName[64] = "";
    std::string m_handInResult;
};

} // namespace

std::unique_ptr<Panel> makeLessonPanel(Dashboard& dashboard)
{
    return std::make_unique<LessonPanel>(dashboard);
}

} // namespace maillab::gui
