// The event list in the student layout lists no lesson step ahead of the one played: a step title such as
// "7. phone: move" under an open question hints at its answer. The presenter and analyst layouts keep the
// whole list.
#include "gui_harness.hpp"
#include "test_support.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <gtest/gtest.h>

namespace maillab::test {
namespace {

bool drawn(const std::string& probeName)
{
    ImVec2 centre;
    return gui::probe::find(probeName, centre);
}

TEST(EventsPanel, StudentLayoutListsOnlyTheStepsPlayedThenHowManyAreLeft)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / "01-pop3-inbox-imap-folders.json";
    options.layout = gui::Layout::Student;
    options.layoutGiven = true;
    GuiHarness gui(options);
    gui::LessonPlayer& player = gui.dashboard().player();
    ASSERT_TRUE(player.loaded());
    ASSERT_TRUE(gui.dashboard().panel("events")->open) << "the student layout shows the event list";
    gui.frame();
    EXPECT_FALSE(drawn("Event step 1")) << "nothing has been played yet";
    EXPECT_TRUE(drawn("Event steps ahead"));

    // Into lesson step 4: the next step asks a question, and steps 5 to 9 are still to come.
    const int fourth = player.timeline()->actionStart(3);
    player.seek(fourth + 1);
    gui.frame();
    gui.frame();
    EXPECT_TRUE(drawn("Event step 1"));
    EXPECT_TRUE(drawn("Event step 4"));
    EXPECT_FALSE(drawn("Event step 5"));
    EXPECT_FALSE(drawn("Event step 7"));
    EXPECT_TRUE(drawn("Event steps ahead"));

    gui.dashboard().setLayout(gui::Layout::Analyst);
    gui.dashboard().panel("events")->open = true;
    gui.frame();
    gui.frame();
    EXPECT_TRUE(drawn("Event step 7")) << "the analyst layout lists every step";
    EXPECT_FALSE(drawn("Event steps ahead"));
}

// An event row that does not fit keeps who acted and the command's name: an even split of the room cut
// "UID FETCH" to "UID FE" to keep the whole argument list.
TEST(EventsPanel, ALongCommandKeepsItsSenderAndName)
{
    GuiHarness gui(gui::DashboardOptions{});
    const std::string row = "phone  A4 UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)";
    const float width = ImGui::CalcTextSize(row.c_str()).x * 0.75f;
    const gui::Fitted even = gui::elideMiddle(row, width);
    EXPECT_EQ(even.text.find("UID FETCH"), std::string::npos) << even.text;
    const gui::Fitted event = gui::elideMiddle(row, width, 0.3f, 0.6f);
    EXPECT_EQ(event.text.rfind("phone  A4 UID FETCH 1:*", 0), 0u) << event.text;
    EXPECT_LE(ImGui::CalcTextSize(event.text.c_str()).x, width);
}

} // namespace
} // namespace maillab::test
