// The lesson panel as a student meets it: a prediction closes once its step has begun (its evidence is on
// screen), and the panel shows its controls and its question whole in every layout at 1280x720.
#include "gui_harness.hpp"
#include "scenario/question.hpp"
#include "test_support.hpp"
#include "ui_probe.hpp"

#include <gtest/gtest.h>
#include <imgui_internal.h>
#include <iostream>
#include <set>

namespace maillab::test {
namespace {

gui::DashboardOptions lessonOptions(const std::string& name)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / name;
    return options;
}

// A lesson step with a question whose answer comes after its first exchange: between the two the evidence
// is arriving and the answer is not yet shown.
size_t questionAnsweredLate(gui::LessonPlayer& player)
{
    const scenario::Scenario& lesson = player.scenario();
    for (size_t a = 0; a < lesson.actions.size(); ++a) {
        if (!lesson.actions[a].question) continue;
        player.seek(player.timeline()->actionStart(a) + 1);
        auto reveal = scenario::revealOf(*player.simulation(), a);
        if (reveal && !reveal->revealed()) return a;
    }
    return SIZE_MAX;
}

TEST(LessonPanel, APredictionCannotBeLockedOnceItsStepHasBegunAndBackOpensItAgain)
{
    GuiHarness gui(lessonOptions("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    const size_t asked = questionAnsweredLate(player);
    ASSERT_NE(asked, SIZE_MAX) << "lesson 14 has a question settled after its step's first exchange";
    const int start = player.timeline()->actionStart(asked);
    player.seek(start);
    gui.frame();
    ImVec2 at;
    ASSERT_TRUE(gui.click("Choice 0")) << "before the step the choices are open";
    ASSERT_TRUE(gui::probe::find("Lock in", at));
    ASSERT_FALSE(gui::probe::find("Too late", at));

    // The step's first exchange: its reply is in the transcript, the answer not yet on screen.
    ASSERT_TRUE(gui.click("Next exchange"));
    ASSERT_EQ(player.stepNumber(), start + 1);
    gui.frame();
    EXPECT_FALSE(gui::probe::find("See proof", at)) << "the answer waits for its reveal point";
    EXPECT_FALSE(gui::probe::find("Lock in", at)) << "too late to lock in a prediction";
    EXPECT_TRUE(gui::probe::find("Too late", at));

    // The answer still comes at its reveal point.
    player.finishLessonStep();
    gui.frame();
    EXPECT_TRUE(gui::probe::find("See proof", at));

    // Back to before the step: the unlocked prediction opens again and can be locked.
    ASSERT_TRUE(gui.click("Back"));
    ASSERT_EQ(player.stepNumber(), start);
    gui.frame();
    EXPECT_FALSE(gui::probe::find("Too late", at));
    ASSERT_TRUE(gui.click("Choice 1"));
    ASSERT_TRUE(gui.click("Lock in"));
    ASSERT_TRUE(gui.click("Next exchange"));
    gui.frame();
    EXPECT_FALSE(gui::probe::find("Too late", at)) << "a locked prediction is not too late";
}

// Every question is asked open at its step's start, also right after another question: the step just
// ended once kept the panel at the boundary, so the next question first appeared "too late" (lessons 02,
// 09, 12 and 17 each had one that could never be predicted). The answer before it stays on screen too.
TEST(LessonPanel, EveryQuestionCanBePredictedAtItsStepsStart)
{
    GuiHarness gui(gui::DashboardOptions{});
    gui::LessonPlayer& player = gui.dashboard().player();
    int asked = 0, afterAnother = 0;
    for (const std::filesystem::path& file : shippedLessons()) {
        ASSERT_TRUE(player.load(file));
        const auto& actions = player.scenario().actions;
        for (size_t a = 0; a < actions.size(); ++a) {
            if (!actions[a].question) continue;
            const int start = player.timeline()->actionStart(a);
            player.seek(start);
            gui.frame();
            gui.frame();
            const std::string where = file.filename().string() + " step " + std::to_string(a + 1);
            ImVec2 at;
            EXPECT_TRUE(gui::probe::find("Lock in", at)) << where << ": not open at its start";
            EXPECT_FALSE(gui::probe::find("Too late", at)) << where;
            ++asked;
            // The question of the step just ended, if any, still shows its answer beside the new one.
            for (size_t before = 0; before < a; ++before)
                if (actions[before].question &&
                    player.timeline()->nextBoundary(player.timeline()->actionStart(before)) == start &&
                    player.timeline()->actionStart(before) < start) {
                    ++afterAnother;
                    EXPECT_TRUE(gui::probe::find("See proof", at)) << where << ": the answer before it went";
                }
        }
    }
    EXPECT_GT(asked, 30);
    EXPECT_GT(afterAnother, 0) << "some lessons ask two questions in a row";
}

// The description tells the outcome ("the message becomes \\Seen"): before anything happens the student
// reads the setting, and the description only in the summary at the end.
TEST(LessonPanel, TheStartShowsTheSettingAndTheEndTheDescription)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / "17-imap-two-devices.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
    scenario::Scenario lesson = std::get<scenario::Scenario>(std::move(loaded));
    ASSERT_FALSE(lesson.description.empty());
    lesson.setting = "Alice reads her mail on a laptop and a phone, both with IMAP.";
    for (gui::Layout layout : {gui::Layout::Student, gui::Layout::Presenter, gui::Layout::Analyst}) {
        gui::DashboardOptions options;
        options.layout = layout;
        options.layoutGiven = true;
        GuiHarness gui(options, ImVec2(1280, 720));
        gui::LessonPlayer& player = gui.dashboard().player();
        player.load(lesson);
        gui.frame();
        ImVec2 at;
        EXPECT_TRUE(gui::probe::find("Setting", at)) << gui::layoutName(layout);
        EXPECT_FALSE(gui::probe::find("Description", at)) << gui::layoutName(layout);
        player.seek(player.totalSteps());
        gui.frame();
        EXPECT_FALSE(gui::probe::find("Setting", at)) << gui::layoutName(layout);
        EXPECT_TRUE(gui::probe::find("Description", at)) << gui::layoutName(layout) << ": in the summary";
    }
}

// The end-of-lesson summary is longer than the panel: a line under it says there is more, and clicking it
// scrolls there until the end is in view and the line goes.
TEST(LessonPanel, ALongSummarySaysThereIsMoreBelowUntilItsEndIsInView)
{
    gui::DashboardOptions options = lessonOptions("01-pop3-inbox-imap-folders.json");
    options.layout = gui::Layout::Presenter;
    options.layoutGiven = true;
    GuiHarness gui(options, ImVec2(1280, 720));
    gui::LessonPlayer& player = gui.dashboard().player();
    player.seek(player.totalSteps());
    for (int i = 0; i < 3; ++i)
        gui.frame();
    ImVec2 at;
    ASSERT_TRUE(gui::probe::find("More below", at)) << "the summary does not fit a 1280x720 projector";
    int clicks = 0;
    while (gui::probe::find("More below", at) && clicks < 20) {
        ASSERT_TRUE(gui.click("More below"));
        gui.frame();
        ++clicks;
    }
    EXPECT_FALSE(gui::probe::find("More below", at))
        << "the end came into view after " << clicks << " clicks";
    EXPECT_TRUE(gui::probe::find("Description", at));
}

// The lesson panel's rectangle on screen (its window's visible inside).
ImRect lessonPanelRect()
{
    ImGuiWindow* window = ImGui::FindWindowByName("Lesson###lesson");
    return window ? window->InnerClipRect : ImRect();
}

// At the end the summary gets the most room the layout allows ("What this lesson showed" was below the
// fold in the student layout), and a replay from the start gives the panel beside it its room back.
TEST(LessonPanel, AtTheEndTheSummaryGetsTheMostRoom)
{
    gui::DashboardOptions options = lessonOptions("14-pop3-delete-mode.json");
    options.layout = gui::Layout::Student;
    options.layoutGiven = true;
    GuiHarness gui(options, ImVec2(1280, 720));
    gui::LessonPlayer& player = gui.dashboard().player();
    for (int i = 0; i < 3; ++i)
        gui.frame();
    const float during = lessonPanelRect().GetHeight();
    player.seek(player.totalSteps());
    for (int i = 0; i < 3; ++i)
        gui.frame();
    const float atTheEnd = lessonPanelRect().GetHeight();
    EXPECT_GT(atTheEnd, during + 20.0f);
    EXPECT_GT(atTheEnd, 0.7f * 720.0f);
    player.seek(0);
    for (int i = 0; i < 3; ++i)
        gui.frame();
    EXPECT_NEAR(lessonPanelRect().GetHeight(), during, 1.0f);
}

struct LayoutCase {
    const char* name;
    gui::Layout layout;
};

class LessonPanelRoom : public ::testing::TestWithParam<LayoutCase> {};

// Presenter and analyst once sliced the Lock in button in half and hid a choice: the panel must get the
// room its question needs, and nothing in it may be cut at its bottom or its sides. Every lesson at its
// start, each question's start and first exchange, and its end.
TEST_P(LessonPanelRoom, QuestionAndControlsAreWholeAt1280x720)
{
    gui::DashboardOptions options;
    options.layout = GetParam().layout;
    options.layoutGiven = true;
    GuiHarness gui(options, ImVec2(1280, 720));
    std::map<std::string, int> othersAtBottom;
    int questionsSeen = 0;
    for (const std::filesystem::path& file : shippedLessons()) {
        const std::string name = file.filename().string();
        gui::LessonPlayer& player = gui.dashboard().player();
        ASSERT_TRUE(player.load(file));
        std::set<int> steps = {0, player.totalSteps()};
        for (size_t a = 0; a < player.scenario().actions.size(); ++a)
            if (player.scenario().actions[a].question) {
                steps.insert(player.timeline()->actionStart(a));
                steps.insert(player.timeline()->actionStart(a) + 1);
            }
        for (int step : steps) {
            player.replayTo(step);
            for (int i = 0; i < 3; ++i)
                gui.frame();
            const std::string where =
                std::string(GetParam().name) + " " + name + " step " + std::to_string(step);
            ImVec2 lockIn;
            if (gui::probe::find("Lock in", lockIn)) {
                ++questionsSeen;
                const ImRect panel = lessonPanelRect();
                for (int choice = 0;; ++choice) {
                    ImVec2 centre;
                    if (!gui::probe::find("Choice " + std::to_string(choice), centre)) break;
                    EXPECT_LT(centre.y, panel.Max.y) << where << ": choice " << choice << " below the panel";
                }
                EXPECT_LT(lockIn.y + ImGui::GetFrameHeight() / 2, panel.Max.y + 1.0f)
                    << where << ": Lock in not whole";
            }
            const gui::probe::ClipReport report = gui.clipReport();
            for (const auto& item : report.clipped)
                if (item.window == "lesson")
                    ADD_FAILURE() << where << ": lesson cuts \"" << item.text << "\"";
            for (const auto& item : report.cutAtBottom) {
                if (item.window == "lesson")
                    ADD_FAILURE() << where << ": lesson's bottom cuts \"" << item.text << "\"";
                else
                    ++othersAtBottom[item.window];
            }
        }
    }
    EXPECT_GT(questionsSeen, 20) << "the questions were on screen";
    std::cout << "[ bottom   ] " << GetParam().name << " 1280x720, other panels cut at the bottom:";
    for (const auto& [window, count] : othersAtBottom)
        std::cout << " " << window << "=" << count;
    std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Layouts, LessonPanelRoom,
                         ::testing::Values(LayoutCase{"student", gui::Layout::Student},
                                           LayoutCase{"presenter", gui::Layout::Presenter},
                                           LayoutCase{"analyst", gui::Layout::Analyst}),
                         [](const auto& info) { return std::string(info.param.name); });

// One probe frame with one window of 400x200 pixels, drawn by `draw`.
template <typename Draw> gui::probe::ClipReport probeOneWindow(const char* name, Draw draw)
{
    gui::probe::ClipProbe probe;
    ImGui::NewFrame();
    ImGui::SetNextWindowSize(ImVec2(400, 200));
    ImGui::SetNextWindowPos(ImVec2(10, 10));
    ImGui::Begin(name);
    draw();
    ImGui::End();
    ImGui::Render();
    return probe.read();
}

// The probe sees a line and a widget cut by a panel's bottom edge, and not those a scroll area inside the
// panel cuts (its scrollbar says there is more).
TEST(ClipProbe, SeesALineAndAWidgetCutByThePanelsBottomButNotByAScrollArea)
{
    GuiHarness gui;
    const gui::probe::ClipReport report = probeOneWindow("Probe test###bottomtest", [] {
        ImGui::BeginChild("scroll", ImVec2(0, 60));
        for (int i = 0; i < 20; ++i)
            ImGui::Text("scrolled line %d", i);
        ImGui::EndChild();
        // Down to where the next line straddles the window's bottom edge.
        const float edge = ImGui::GetCurrentWindow()->InnerClipRect.Max.y;
        ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, edge - ImGui::GetFontSize() / 2));
        ImGui::Button("half a button");
        gui::probe::track("Half");
    });
    EXPECT_EQ(report.cutAtBottomIn("bottomtest"), 2) << "the button's label and the button";
    std::set<std::string> cut;
    for (const auto& item : report.cutAtBottom)
        cut.insert(item.text);
    EXPECT_EQ(cut, (std::set<std::string>{"half a button", "Half (widget)"}));
    EXPECT_EQ(report.clippedIn("bottomtest"), 0);
}

} // namespace
} // namespace maillab::test
