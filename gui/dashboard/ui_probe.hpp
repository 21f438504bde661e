// What the last frame drew, for tests and `maillab screenshot`: where the important widgets are (so a test
// can move a synthetic mouse onto "Step" and click it as a student would), and which text was cut.
#pragma once

#include <imgui.h>
#include <map>
#include <string>
#include <vector>

namespace maillab::gui::probe {

// Records the last item's rectangle under name (call right after the widget). Costs a map insert.
void track(const std::string& name);
// The rectangle's centre, or false when the widget was not drawn in the last frame.
bool find(const std::string& name, ImVec2& centre);
// The point `fraction` of the way across the widget, at its middle height (a click on a progress bar).
bool findAcross(const std::string& name, float fraction, ImVec2& point);
void clear();

// [SECTION] clipped text
//
// A text item is one line of glyphs drawn in one go (a Text line, one line of wrapped text, a button's or
// a selectable's label, a window title, a table header, text put on a draw list). It counts as clipped
// when a reader cannot see all of it:
//  - cut by its clip rectangle on the left or right: the window's, a table column's, a child's, or the
//    frame of a button that is too narrow (ImGui's fine clipping);
//  - elided by ImGui (a table header or tab that ends in "…" because the column is too narrow);
//  - elided by a panel at its end (a name cut to "alic…"): panels report that through noteElided().
// A panel may shorten a line in its middle and keep both ends ("S: +OK maillab … (3 deleted, 0 left)")
// when the whole line shows on hover: that counts as elided, not clipped.
//
// How: ClipProbe draws one extra frame with every glyph of every font made as wide as its advance (so the
// glyphs of a line touch and one of them always straddles the edge that cuts it), its code point in its
// texture V coordinate and U spanning 0..1 (so a glyph that ImGui trimmed on the CPU shows a U strictly
// between). Layout only reads advances, so the frame is laid out exactly as the one before. After
// Render() the draw lists are read back.
//
//  - cut by the bottom edge of its panel (half a line, half a button): a panel's last line must be whole.
//    A scroll area inside a panel (a child window that ends above the panel's edge) may cut its last line:
//    its scrollbar says there is more.
// Limits: lines cut at the top of a window are not counted (that is what scrolling is for);
// an item wholly outside its window or column is not drawn at all, so it is not seen; the probe frame's
// pixels are nonsense, so it must not be shown (screenshot reads its pixels from the frame before);
// an image whose texture V coordinates exceeded 31 would be taken for glyphs (atlas and images use 0..1).
struct ClippedText {
    std::string window; // the panel id after "###" in the window name, or the window name
    std::string text;   // what was drawn, with "…" where ImGui elided
    bool elidedByImGui = false;
};

struct ClipReport {
    std::vector<ClippedText> clipped; // cut left or right, or elided at the end
    std::map<std::string, int> clippedByWindow;
    // Lines and tracked widgets (probe::track) cut by their panel's bottom edge, apart from `clipped` so a
    // test can hold panels to it one by one.
    std::vector<ClippedText> cutAtBottom;
    std::map<std::string, int> cutAtBottomByWindow;
    std::map<std::string, int> elidedByWindow;    // middle elisions with the full text on hover
    std::map<std::string, int> textItemsByWindow; // all text items seen, clipped or not
    int clippedIn(const std::string& window) const;
    int cutAtBottomIn(const std::string& window) const;
};

// Construct before ImGui::NewFrame() of the probe frame, call read() after ImGui::Render(); the
// destructor puts the fonts and style back.
class ClipProbe {
public:
    ClipProbe();
    ~ClipProbe();
    ClipProbe(const ClipProbe&) = delete;
    ClipProbe& operator=(const ClipProbe&) = delete;
    ClipReport read() const;

private:
    struct SavedFont {
        ImFont* font;
        std::vector<ImFontGlyph> glyphs;
        ImWchar ellipsis;
    };
    std::vector<SavedFont> m_saved;
};

// A panel cut a text at its end (clipped) or in its middle with the full text on hover (elided). Only
// counted while a ClipProbe is alive; attributed to the current window.
void noteElided(const std::string& fullText, bool endLost);

} // namespace maillab::gui::probe
