// The scene panel's words: never smaller than the floor, said shorter with their meaning kept.
#include "gui_harness.hpp"
#include "lesson_player.hpp"
#include "scene_panel.hpp"
#include "test_support.hpp"

#include <cfloat>
#include <filesystem>
#include <gtest/gtest.h>

namespace maillab::test {
namespace {

using gui::scene_text::Shorten;
using gui::scene_text::shorterForms;

const std::string kEllipsis = "\xe2\x80\xa6";

// One unit per byte: the forms' order and content do not depend on a font.
float bytes(const std::string& text)
{
    return static_cast<float>(text.size());
}

TEST(SceneText, ALongCommandKeepsItsWordsDownToTheCommandThenTheCommandAlone)
{
    const auto forms =
        shorterForms("A4 UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)", Shorten::Words, "UID FETCH");
    ASSERT_GE(forms.size(), 3u);
    EXPECT_EQ(forms.front(), "A4 UID FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)");
    EXPECT_EQ(forms[forms.size() - 2], "A4 UID FETCH " + kEllipsis);
    EXPECT_EQ(forms.back(), "UID FETCH " + kEllipsis);
    for (size_t i = 1; i < forms.size(); ++i)
        EXPECT_LT(forms[i].size(), forms[i - 1].size()) << "longest first: " << forms[i];
}

TEST(SceneText, AQuotedNameIsOneWord)
{
    const auto forms = shorterForms("A11 RENAME \"Courses\" \"Term 1\"", Shorten::Words, "RENAME");
    const std::vector<std::string> expected{"A11 RENAME \"Courses\" \"Term 1\"",
                                            "A11 RENAME \"Courses\" " + kEllipsis, "A11 RENAME " + kEllipsis,
                                            "RENAME " + kEllipsis};
    EXPECT_EQ(forms, expected);
    // Without a known command: down to the first word (a password line keeps "PASS").
    EXPECT_EQ(shorterForms("PASS wonderland", Shorten::Words).back(), "PASS " + kEllipsis);
}

TEST(SceneText, ANestedFolderGoesByItsOwnName)
{
    const std::vector<std::string> expected{"Term 1/Networks", kEllipsis + "/Networks", "Networks"};
    EXPECT_EQ(shorterForms("Term 1/Networks", Shorten::Folder), expected);
    EXPECT_EQ(shorterForms("INBOX", Shorten::Folder), std::vector<std::string>{"INBOX"});
}

TEST(SceneText, MiddleElisionKeepsBothEndsAndWholeCharacters)
{
    EXPECT_EQ(gui::scene_text::elideMiddle("new-keep-laptop", 20, bytes), "new-keep-laptop");
    const std::string shortened = gui::scene_text::elideMiddle("new-delete-laptop", 12, bytes);
    EXPECT_LE(shortened.size(), 12u);
    EXPECT_EQ(shortened.substr(0, 5), "new-d");
    EXPECT_EQ(shortened.substr(shortened.size() - 3), "top");
    // "é" is two bytes: never cut between them.
    const std::string accented =
        gui::scene_text::elideMiddle("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7, bytes);
    EXPECT_NE(accented.find(kEllipsis), std::string::npos);
    for (size_t i = 0; i < accented.size(); ++i)
        if (static_cast<unsigned char>(accented[i]) == 0xc3) { EXPECT_EQ(accented.substr(i, 2), "\xc3\xa9"); }
}

// Every lesson, every exchange, in the student layout at 1280x720 and the presenter layout: no scene text is
// drawn below the floor (what used to shrink to 6 px is now said shorter).
TEST(ScenePanel, NoTextBelowTheFloorAtAnyExchangeOfAnyLesson)
{
    size_t frames = 0;
    for (const auto& entry : std::filesystem::directory_iterator(sourceDir() / "lessons")) {
        if (entry.path().extension() != ".json" || entry.path().stem() == "lesson.schema") continue;
        for (gui::Layout layout : {gui::Layout::Student, gui::Layout::Presenter}) {
            gui::DashboardOptions options;
            options.lesson = entry.path();
            options.layout = layout;
            GuiHarness gui(options, ImVec2(1280, 720));
            auto& scene = dynamic_cast<gui::ScenePanel&>(*gui.dashboard().panel("scene"));
            gui::LessonPlayer& player = gui.dashboard().player();
            do {
                gui.frame(0.01);
                ++frames;
                // 0.85 of the body font: 13.6 px in the student layout, more on a projector.
                ASSERT_GE(scene.textFloor(), 13.0f);
                if (scene.smallestText() < FLT_MAX) {
                    EXPECT_GE(scene.smallestText(), scene.textFloor() - 0.01f)
                        << entry.path().filename() << " " << gui::layoutName(layout) << " exchange "
                        << player.simulation()->stepNumber();
                }
            } while (player.step());
        }
    }
    EXPECT_GT(frames, 600u);
}

// Lesson 18: the phone's IMAP cache holds 17 headers, too many to draw one by one; its summary draws a
// postcard (headers only, as the legend says), not a whole envelope.
TEST(ScenePanel, AStoreSummaryDrawsWhatIsHeld)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / "18-phone-catches-up.json";
    options.layout = gui::Layout::Student;
    GuiHarness gui(options, ImVec2(1280, 720));
    auto& scene = dynamic_cast<gui::ScenePanel&>(*gui.dashboard().panel("scene"));
    gui::LessonPlayer& player = gui.dashboard().player();
    bool summarised = false;
    do {
        gui.frame(0.01);
        const std::vector<gui::scene::Held> glyphs = scene.summaryGlyphs("phone");
        if (glyphs.empty()) continue;
        summarised = true;
        EXPECT_EQ(glyphs, std::vector<gui::scene::Held>{gui::scene::Held::Headers})
            << "exchange " << player.simulation()->stepNumber();
    } while (player.step());
    EXPECT_TRUE(summarised);
}

} // namespace
} // namespace maillab::test
