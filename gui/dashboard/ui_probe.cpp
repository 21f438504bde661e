#include "ui_probe.hpp"

#include <cmath>
#include <imgui_internal.h>

namespace maillab::gui::probe {
namespace {
std::map<std::string, ImVec4>& rects()
{
    static std::map<std::string, ImVec4> map;
    return map;
}

// A code point that no panel writes, drawn by ImGui where it elides: the probe frame makes it every
// font's ellipsis, so "cut by ImGui" is told from a "…" a panel wrote on purpose.
constexpr ImWchar kElisionMark = 0x00A4; // ¤
// Glyph quads carry their code point in V; the font atlas's own V coordinates stay within 0..1.
constexpr float kFirstCodePointV = 31.5f;
// Less than a pixel past the edge is antialiasing, not a lost letter.
constexpr float kEdgeTolerance = 1.0f;

ClipReport* g_report = nullptr; // while a ClipProbe lives: noteElided() adds to it

std::string windowId(const char* ownerName)
{
    std::string name = ownerName ? ownerName : "";
    size_t hashes = name.find("###");
    size_t begin = hashes == std::string::npos ? 0 : hashes + 3;
    size_t slash = name.find('/', begin);
    return name.substr(begin, slash == std::string::npos ? std::string::npos : slash - begin);
}

std::string currentWindowId()
{
    ImGuiWindow* window = ImGui::GetCurrentWindowRead();
    while (window && window->ParentWindow && (window->Flags & ImGuiWindowFlags_ChildWindow))
        window = window->ParentWindow;
    return window ? windowId(window->Name) : std::string();
}

struct Glyph {
    ImVec2 min, max;
    unsigned codePoint = 0;
    bool trimmedX = false;
    bool trimmedBottom = false;
};

// The bottom of the panel (the top-level window) that `window` belongs to, where nothing drawn should be
// cut: a scroll area inside a panel ends above it, so a line cut there is one that scrolling brings back.
float panelBottom(const ImGuiWindow* window)
{
    const ImGuiWindow* root = window ? window->RootWindow : nullptr;
    return root ? root->InnerClipRect.Max.y : 1e30f;
}

// Cut by the panel's bottom edge: the line starts above the clip rectangle's bottom and ends below it,
// and that bottom is the panel's own.
bool cutAtPanelBottom(float top, float bottom, float clipBottom, float panelEdge)
{
    return clipBottom >= panelEdge - 1.5f && top < clipBottom && bottom > clipBottom + 1.0f;
}

// The glyph quad ImFont::RenderText writes (indices i, i+1, i+2, i, i+2, i+3) with a probe V, or false.
bool glyphAt(const ImDrawIdx* idx, const ImDrawVert* vtx, Glyph& glyph)
{
    const unsigned i = idx[0];
    if (idx[1] != i + 1 || idx[2] != i + 2 || idx[3] != i || idx[4] != i + 2 || idx[5] != i + 3) return false;
    const ImDrawVert& a = vtx[i];
    const ImDrawVert& c = vtx[i + 2];
    if (a.uv.y < kFirstCodePointV) return false;
    glyph.min = a.pos;
    glyph.max = c.pos;
    glyph.codePoint = static_cast<unsigned>(std::floor(a.uv.y));
    glyph.trimmedX = a.uv.x > 0.001f || c.uv.x < 0.999f;
    glyph.trimmedBottom = c.uv.y < std::floor(a.uv.y) + 0.499f;
    return true;
}

bool sameLine(const Glyph& a, const Glyph& b)
{
    return std::fabs(a.min.y - b.min.y) < 0.5f || std::fabs(a.max.y - b.max.y) < 0.5f;
}

} // namespace

void track(const std::string& name)
{
    ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    rects()[name] = ImVec4(min.x, min.y, max.x, max.y);
    // A widget sliced by its panel's bottom edge (a button half shown) has no glyph to say so when its
    // label happens to fit: the widget's own rectangle does.
    const ImGuiWindow* window = ImGui::GetCurrentWindowRead();
    if (g_report && window && cutAtPanelBottom(min.y, max.y, window->ClipRect.Max.y, panelBottom(window))) {
        g_report->cutAtBottom.push_back({currentWindowId(), name + " (widget)", false});
        ++g_report->cutAtBottomByWindow[currentWindowId()];
    }
}

bool find(const std::string& name, ImVec2& centre)
{
    auto it = rects().find(name);
    if (it == rects().end()) return false;
    centre = ImVec2((it->second.x + it->second.z) / 2, (it->second.y + it->second.w) / 2);
    return true;
}

bool findAcross(const std::string& name, float fraction, ImVec2& point)
{
    auto it = rects().find(name);
    if (it == rects().end()) return false;
    point =
        ImVec2(it->second.x + (it->second.z - it->second.x) * fraction, (it->second.y + it->second.w) / 2);
    return true;
}

void clear()
{
    rects().clear();
}

int ClipReport::clippedIn(const std::string& window) const
{
    auto it = clippedByWindow.find(window);
    return it == clippedByWindow.end() ? 0 : it->second;
}

int ClipReport::cutAtBottomIn(const std::string& window) const
{
    auto it = cutAtBottomByWindow.find(window);
    return it == cutAtBottomByWindow.end() ? 0 : it->second;
}

ClipProbe::ClipProbe()
{
    static ClipReport notes; // filled by noteElided() during the frame, merged by read()
    notes = {};
    g_report = &notes;
    ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    for (ImFont* font : atlas->Fonts) {
        m_saved.push_back(
            {font, std::vector<ImFontGlyph>(font->Glyphs.begin(), font->Glyphs.end()), font->EllipsisChar});
        const ImFontGlyph* ellipsis = font->FindGlyph(font->EllipsisChar);
        const float ellipsisX0 = ellipsis ? ellipsis->X0 : 0.0f, ellipsisX1 = ellipsis ? ellipsis->X1 : 0.0f;
        for (ImFontGlyph& glyph : font->Glyphs) {
            const auto codePoint = static_cast<ImWchar>(glyph.Codepoint);
            glyph.Visible = 1;
            // RenderTextEllipsis measures its ellipsis by X0 and X1: the mark keeps the real one's.
            glyph.X0 = codePoint == kElisionMark ? ellipsisX0 : 0.0f;
            glyph.X1 = codePoint == kElisionMark ? ellipsisX1 : glyph.AdvanceX;
            glyph.Y0 = 0.0f;
            glyph.Y1 = font->FontSize;
            glyph.U0 = 0.0f;
            glyph.U1 = 1.0f;
            glyph.V0 = static_cast<float>(glyph.Codepoint);
            glyph.V1 = static_cast<float>(glyph.Codepoint) + 0.5f;
        }
        if (font->FindGlyphNoFallback(kElisionMark)) font->EllipsisChar = kElisionMark;
    }
}

ClipProbe::~ClipProbe()
{
    for (SavedFont& saved : m_saved) {
        std::copy(saved.glyphs.begin(), saved.glyphs.end(), saved.font->Glyphs.begin());
        saved.font->EllipsisChar = saved.ellipsis;
    }
    g_report = nullptr;
}

ClipReport ClipProbe::read() const
{
    ClipReport report = g_report ? *g_report : ClipReport{};
    const ImDrawData* data = ImGui::GetDrawData();
    if (!data) return report;
    for (int l = 0; l < data->CmdListsCount; ++l) {
        const ImDrawList* list = data->CmdLists[l];
        const std::string window = windowId(list->_OwnerName);
        const float edge = panelBottom(ImGui::FindWindowByName(list->_OwnerName));
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback) continue;
            const ImDrawIdx* idx = list->IdxBuffer.Data + cmd.IdxOffset;
            const ImDrawVert* vtx = list->VtxBuffer.Data + cmd.VtxOffset;
            const ImVec4& clip = cmd.ClipRect;
            // One text item: glyphs that touch on one line. Closes it into the report.
            std::string text;
            bool cut = false, cutBottom = false, byImGui = false, open = false;
            Glyph last;
            auto close = [&] {
                if (!open) return;
                ++report.textItemsByWindow[window];
                if (cut) {
                    report.clipped.push_back({window, text, byImGui});
                    ++report.clippedByWindow[window];
                } else if (cutBottom) {
                    report.cutAtBottom.push_back({window, text, false});
                    ++report.cutAtBottomByWindow[window];
                }
                text.clear();
                cut = cutBottom = byImGui = open = false;
            };
            for (unsigned p = 0; p + 6 <= cmd.ElemCount;) {
                Glyph glyph;
                if (!glyphAt(idx + p, vtx, glyph)) {
                    p += 3;
                    continue;
                }
                p += 6;
                const bool mark = glyph.codePoint == kElisionMark;
                const float gap = glyph.min.x - last.max.x;
                const bool joins = open && sameLine(glyph, last) &&
                                   (mark ? gap > -kEdgeTolerance && gap < glyph.max.y - glyph.min.y + 1.0f
                                         : std::fabs(gap) < 0.5f);
                if (!joins) close();
                open = true;
                char utf8[5];
                text += mark ? "\xe2\x80\xa6" : ImTextCharToUtf8(utf8, glyph.codePoint);
                byImGui = byImGui || mark;
                cut = cut || mark || glyph.trimmedX || glyph.min.x < clip.x - kEdgeTolerance ||
                      glyph.max.x > clip.z + kEdgeTolerance;
                cutBottom = cutBottom || (glyph.trimmedBottom && clip.w >= edge - 1.5f) ||
                            cutAtPanelBottom(glyph.min.y, glyph.max.y, clip.w, edge);
                last = glyph;
            }
            close();
        }
    }
    return report;
}

void noteElided(const std::string& fullText, bool endLost)
{
    if (!g_report) return;
    const std::string window = currentWindowId();
    if (endLost) {
        g_report->clipped.push_back({window, fullText, false});
        ++g_report->clippedByWindow[window];
    } else {
        ++g_report->elidedByWindow[window];
    }
}

} // namespace maillab::gui::probe
