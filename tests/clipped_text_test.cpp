// Nothing cut (issue 13): every shipped lesson at its first, middle and last step, in each layout and at
// the sizes a classroom projects, draws no text cut by its window or column (gui/dashboard/ui_probe.hpp).
#include "diagram_panels.hpp"
#include "gui_harness.hpp"
#include "test_support.hpp"
#include "transcript_panel.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <set>
#include <vector>

namespace maillab::test {
namespace {

// A way the dashboard is shown. Add a layout here and every lesson, step and size is checked in it.
struct Layout {
    const char* name;
    void (*apply)(gui::DashboardOptions& options);
    void (*open)(gui::Dashboard& dashboard); // after construction: which panels show
};

void eavesdropper(gui::Dashboard& dashboard)
{
    if (auto* transcript = dynamic_cast<gui::TranscriptPanel*>(dashboard.panel("transcript")))
        transcript->setView(gui::TranscriptPanel::View::Eavesdropper);
}

const Layout kLayouts[] = {
    {"normal", [](gui::DashboardOptions&) {}, [](gui::Dashboard&) {}},
    {"student",
     [](gui::DashboardOptions& o) {
         o.layout = gui::Layout::Student;
         o.layoutGiven = true;
     },
     [](gui::Dashboard&) {}},
    {"presenter", [](gui::DashboardOptions& o) { o.presenter = true; }, [](gui::Dashboard&) {}},
    // Console, Compare and Live start closed: open them over the normal layout, as a student would, and
    // play the comparison far enough that its lanes carry long replies.
    {"every panel", [](gui::DashboardOptions&) {},
     [](gui::Dashboard& d) {
         for (const auto& panel : d.panels())
             panel->open = true;
         if (scenario::Comparison* lanes = gui::comparisonOf(*d.panel("compare")))
             for (int i = 0; i < 12 && lanes->step(); ++i) {}
     }},
    // The transcript as an eavesdropper sees it: TLS records instead of lines.
    {"eavesdropper", [](gui::DashboardOptions&) {}, eavesdropper},
    {"eavesdropper presenter", [](gui::DashboardOptions& o) { o.presenter = true; }, eavesdropper},
};

const ImVec2 kSizes[] = {ImVec2(1280, 720), ImVec2(1920, 1080)};

// Panels held to zero. The others are counted and printed, so whoever brings them under the rule knows
// what is left; add their ids here when they pass.
const std::set<std::string> kCheckedPanels = {"transcript",  "sequence",  "compare", "console",
                                              "breakpoints", "live",      "lesson",  "events",
                                              "scene",       "mailboxes", "devices", "state"};

class ClippedText : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(ClippedText, NoTextCutInAnyLessonAtFirstMiddleAndLastStep)
{
    const Layout& layout = kLayouts[std::get<0>(GetParam())];
    const ImVec2 size = kSizes[std::get<1>(GetParam())];
    gui::DashboardOptions options;
    layout.apply(options);
    GuiHarness gui(options, size);
    layout.open(gui.dashboard());
    const auto lessons = shippedLessons();
    ASSERT_GE(lessons.size(), 10u);
    std::map<std::string, int> othersTotal, items;
    for (const auto& file : lessons) {
        gui::LessonPlayer& player = gui.dashboard().player();
        ASSERT_TRUE(player.load(file)) << file;
        const int last = player.totalSteps();
        for (int step : std::set<int>{std::min(1, last), (last + 1) / 2, last}) {
            player.replayTo(step);
            // ImGui sizes tables and auto-fit columns from what the frames before measured.
            for (int i = 0; i < 3; ++i)
                gui.frame();
            const gui::probe::ClipReport report = gui.clipReport();
            for (const auto& [window, count] : report.textItemsByWindow)
                items[window] += count;
            for (const auto& item : report.clipped) {
                if (kCheckedPanels.count(item.window))
                    ADD_FAILURE() << layout.name << " " << size.x << "x" << size.y << " "
                                  << file.filename().string() << " step " << step << ": " << item.window
                                  << " cuts \"" << item.text << "\"";
                else
                    ++othersTotal[item.window];
            }
        }
    }
    // Not a vacuous zero: each checked panel that the layout shows was seen drawing text.
    for (const auto& panel : gui.dashboard().panels()) {
        if (!panel->open || !kCheckedPanels.count(panel->id())) continue;
        EXPECT_GT(items[panel->id()], 0) << panel->id() << " drew no text the probe could see";
    }
    std::cout << "[ clipped  ] " << layout.name << " " << size.x << "x" << size.y << ", other panels:";
    for (const auto& [window, count] : othersTotal)
        std::cout << " " << window << "=" << count;
    std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(LayoutsAndSizes, ClippedText,
                         ::testing::Combine(::testing::Range(0, static_cast<int>(std::size(kLayouts))),
                                            ::testing::Range(0, static_cast<int>(std::size(kSizes)))),
                         [](const auto& info) {
                             std::string name = kLayouts[std::get<0>(info.param)].name;
                             std::replace(name.begin(), name.end(), ' ', '_');
                             const ImVec2 size = kSizes[std::get<1>(info.param)];
                             return name + "_" + std::to_string(static_cast<int>(size.x)) + "x" +
                                    std::to_string(static_cast<int>(size.y));
                         });

// The probe itself: a label wider than its button, a line past the window's edge, a header ImGui elides and
// a cut a panel reports are seen; text that fits is not.
TEST(ClipProbe, SeesTextCutByFrameWindowOrColumnAndNotTextThatFits)
{
    GuiHarness gui;
    gui::probe::ClipReport report;
    {
        gui::probe::ClipProbe probe;
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(10, 10));
        ImGui::SetNextWindowSize(ImVec2(400, 200));
        ImGui::Begin("Probe test###probetest");
        ImGui::Button("a label far too long for its button", ImVec2(60, 0));
        ImGui::Button("fits");
        ImGui::TextUnformatted("a line of text much longer than the four hundred pixels of this window, so "
                               "its end is under the window's right edge");
        ImGui::TextUnformatted("short");
        // A header wider than its fixed column: ImGui elides it ("Fol…"), the column cuts nothing.
        if (ImGui::BeginTable("t", 2, ImGuiTableFlags_SizingFixedFit)) {
            ImGui::TableSetupColumn("Folder name", ImGuiTableColumnFlags_WidthFixed, 30.0f);
            ImGui::TableSetupColumn("Size", ImGuiTableColumnFlags_WidthFixed, 80.0f);
            ImGui::TableHeadersRow();
            ImGui::EndTable();
        }
        gui::probe::noteElided("a panel's own cut", true);
        ImGui::End();
        ImGui::Render();
        report = probe.read();
    }
    ASSERT_EQ(report.clippedIn("probetest"), 4);
    std::set<std::string> cut;
    for (const auto& item : report.clipped)
        cut.insert(item.text.substr(0, std::min<size_t>(item.text.size(), 9)));
    EXPECT_EQ(cut, (std::set<std::string>{"a label f", "a line of", "a panel's", "Fol\xe2\x80\xa6"}));
    EXPECT_EQ(report.textItemsByWindow.at("probetest"), 7)
        << "two buttons, two lines, two headers, the title";
}

} // namespace
} // namespace maillab::test
