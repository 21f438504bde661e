// The scene panel's words: never smaller than the floor, said shorter with their meaning kept.
#include "gui_harness.hpp"
#include "lesson_player.hpp"
#include "scene_panel.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cfloat>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <map>

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
    // A form that already ends in an ellipsis ("LOGOUT …" in quotes) gets no second one beside it.
    // (Measured in characters, as a font would: "…" is one.)
    const auto characters = [](const std::string& text) {
        return static_cast<float>(std::count_if(text.begin(), text.end(), [](char ch) {
            return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
        }));
    };
    const std::string quoted = gui::scene_text::elideMiddle("\"LOGOUT " + kEllipsis + "\"", 9, characters);
    EXPECT_EQ(quoted.find(kEllipsis + kEllipsis), std::string::npos) << quoted;
    EXPECT_EQ(quoted.substr(0, 2), "\"L");
    // "é" is two bytes: never cut between them.
    const std::string accented =
        gui::scene_text::elideMiddle("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7, bytes);
    EXPECT_NE(accented.find(kEllipsis), std::string::npos);
    for (size_t i = 0; i < accented.size(); ++i)
        if (static_cast<unsigned char>(accented[i]) == 0xc3) { EXPECT_EQ(accented.substr(i, 2), "\xc3\xa9"); }
}

// Calls check after a frame at every exchange of every lesson, in the student and presenter layouts at
// 1280x720; `where` names the lesson, layout and exchange. Returns how many frames it checked.
size_t everyExchange(const std::function<void(const std::string& where, const gui::ScenePanel&)>& check)
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
                check(entry.path().filename().string() + " " + gui::layoutName(layout) + " exchange " +
                          std::to_string(player.simulation()->stepNumber()),
                      scene);
            } while (player.step());
        }
    }
    return frames;
}

// No scene text is drawn below the floor (what used to shrink to 6 px is now said shorter).
TEST(ScenePanel, NoTextBelowTheFloorAtAnyExchangeOfAnyLesson)
{
    const size_t frames = everyExchange([](const std::string& where, const gui::ScenePanel& scene) {
        // 0.85 of the body font: 13.6 px in the student layout, more on a projector.
        EXPECT_GE(scene.textFloor(), 13.0f) << where;
        if (scene.smallestText() < FLT_MAX) {
            EXPECT_GE(scene.smallestText(), scene.textFloor() - 0.01f) << where;
        }
    });
    EXPECT_GT(frames, 600u);
}

bool overlap(const gui::ScenePanel::Placed& a, const gui::ScenePanel::Placed& b)
{
    // Half a pixel of grace: neighbours that share an edge do not overlap.
    return a.min.x < b.max.x - 0.5f && b.min.x < a.max.x - 0.5f && a.min.y < b.max.y - 0.5f &&
           b.min.y < a.max.y - 0.5f;
}

// Five or six devices on a projector crowd the scene: what the server holds stays inside its box, and no two
// labels or boxes overlap (an eavesdropper's line over a device's store, a chip out of the server, an
// account's name below it).
TEST(ScenePanel, NothingOverlapsAndTheServerHoldsItsOwnAtAnyExchangeOfAnyLesson)
{
    std::map<std::string, std::string> problems; // what is wrong, in which lesson and layout -> where first
    const size_t frames = everyExchange([&](const std::string& where, const gui::ScenePanel& scene) {
        const std::string lessonAndLayout = where.substr(0, where.find(" exchange"));
        const auto& placed = scene.placed();
        const auto [serverMin, serverMax] = scene.serverBox();
        const gui::ScenePanel::Placed server{"server", false, serverMin, serverMax};
        for (const auto& p : placed) {
            const bool inside = p.min.x >= serverMin.x - 0.5f && p.max.x <= serverMax.x + 0.5f &&
                                p.min.y >= serverMin.y - 0.5f && p.max.y <= serverMax.y + 0.5f;
            if (p.inServer ? !inside : overlap(p, server))
                problems.emplace(lessonAndLayout + ": " + p.what + (p.inServer ? " leaves" : " overlaps") +
                                     " the server",
                                 where);
        }
        for (size_t i = 0; i < placed.size(); ++i)
            for (size_t j = i + 1; j < placed.size(); ++j)
                if (overlap(placed[i], placed[j]))
                    problems.emplace(lessonAndLayout + ": " + placed[i].what + " overlaps " + placed[j].what,
                                     where);
    });
    for (const auto& [problem, first] : problems)
        ADD_FAILURE() << problem << " (first at " << first << ")";
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
