// The scene panel: the devices and the server drawn as pictures, the mail as envelopes in trays, and what the
// last step sent travelling along its connection (scene_model.hpp says what; this panel paints it).
#pragma once

#include "panel.hpp"
#include "scene_model.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace maillab::gui {

struct SceneColours;

// Scene labels are never drawn smaller than a share of the body font (legible from the back of a room); a
// label that does not fit at that size is said shorter instead, the whole of it on hover.
namespace scene_text {

// The smallest scene text, as a share of the body font.
constexpr float kSmallest = 0.85f;

enum class Shorten {
    Middle, // keep the start and the end: a device's name
    Words,  // keep the first words down to `keep` (a line's command, "UID FETCH"), then `keep` alone
    Folder, // a nested folder's last name: "Term 1/Networks" -> "…/Networks" -> "Networks"
};

// The ways to say `text` in less room, longest first, the text itself first. When even the last does not
// fit, the panel keeps that one's start and end.
std::vector<std::string> shorterForms(const std::string& text, Shorten how, const std::string& keep = {});

// `text` with its middle left out ("…") so that widthOf(result) <= width, keeping whole UTF-8 characters;
// "…" alone when nothing else fits.
std::string elideMiddle(const std::string& text, float width,
                        const std::function<float(const std::string&)>& widthOf);

} // namespace scene_text

class ScenePanel : public Panel {
public:
    const char* id() const override { return "scene"; }
    const char* title() const override { return "Scene"; }
    ImVec4 defaultRect() const override { return ImVec4(0.22f, 0.20f, 0.56f, 0.60f); }
    void draw(Context& context) override;

    // What the last frame drew (tests read it).
    const scene::Scene& lastScene() const { return m_scene; }
    // How far the last step's flights are on their way: 0 at the server, 1 landed.
    float progress() const { return m_progress; }
    // The smallest text size the last frame drew, and the floor it must not go below (pixels).
    float smallestText() const { return m_smallestText; }
    float textFloor() const { return m_textFloor; }
    // What the last frame placed, for the layout's tests: the server's box, and each box or label inside it
    // (an account's name, a tray, a folder chip) or of a device (its icon, store, name, lines under it).
    struct Placed {
        std::string what; // "tray alice/INBOX", "laptop name", ...
        bool inServer = false;
        ImVec2 min, max;
    };
    const std::vector<Placed>& placed() const { return m_placed; }
    std::pair<ImVec2, ImVec2> serverBox() const { return m_serverBox; }
    // The glyphs a device's "× N" summary drew (one per kind of copy it holds); empty when none was drawn.
    std::vector<scene::Held> summaryGlyphs(const std::string& device) const
    {
        auto it = m_summaryGlyphs.find(device);
        return it == m_summaryGlyphs.end() ? std::vector<scene::Held>{} : it->second;
    }

private:
    using HoverFn = std::function<void(ImVec2, ImVec2, std::string)>;
    struct Label {
        std::string text; // what is drawn: the text, or a shorter form of it
        float size = 0, width = 0;
        bool shortened = false;
    };
    // The text at the largest size from `size` down to the floor that fits `width`, else its first shorter
    // form that fits at the floor.
    Label fit(ImFont* font, float size, float width, const std::vector<std::string>& forms) const;
    // Draws fit()'s label at pos (centred in width); a shortened one shows the whole text on hover. Returns
    // the width drawn.
    float drawLabel(ImDrawList* draw, ImFont* font, float size, ImVec2 pos, float width, ImU32 col,
                    const std::string& text, bool centre, const HoverFn& hover,
                    scene_text::Shorten how = scene_text::Shorten::Middle);
    void noteDrawn(float size) { m_smallestText = std::min(m_smallestText, size); }
    void drawScene(Context& c);
    void drawServer(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em, ImVec2 min,
                    ImVec2 max, const HoverFn& hover);
    void drawTray(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                  const std::string& user, const scene::Tray& tray, ImVec2 min, ImVec2 max,
                  const HoverFn& hover, bool showCount = true);
    void drawDevice(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                    const scene::DeviceView& device, ImVec2 min, ImVec2 max, bool onLeft, ImVec2 serverMin,
                    ImVec2 serverMax, const HoverFn& hover);
    void drawFlights(Context& c, ImDrawList* draw, const SceneColours& col, float em);
    void drawOverheard(Context& c, ImDrawList* draw, const SceneColours& col, float em,
                       const scene::Overheard& o, ImVec2 at, float width, const HoverFn& hover,
                       const std::string& device);
    void drawIdleBadge(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                       ImVec2 at, float width, const HoverFn& hover);
    float footerHeight(float width) const;
    void drawFooter(Context& c, ImDrawList* draw, const SceneColours& col, float em);
    float flightProgress(size_t index, size_t count) const;
    const std::string& subjectOf(Context& c, const std::string& user, const std::string& mailbox,
                                 uint32_t uid, ImVec2 min, ImVec2 max);

    scene::Scene m_scene;
    int m_animatedStep = -1, m_animatedGeneration = -1;
    size_t m_animatedEntries = 0;
    double m_clock = 0;
    float m_progress = 1.0f;
    float m_textFloor = 0, m_smallestText = 0;
    std::string m_hoverText, m_subject;
    std::map<std::pair<std::string, std::string>, ImVec4> m_trayRects; // (user, mailbox) -> min.xy, max.xy
    std::map<std::string, std::pair<ImVec2, ImVec2>> m_devicePorts;    // device -> its end, the server's end
    std::map<std::string, std::vector<scene::Held>> m_summaryGlyphs;
    std::vector<Placed> m_placed;
    std::pair<ImVec2, ImVec2> m_serverBox;
    void place(std::string what, bool inServer, ImVec2 min, ImVec2 max)
    {
        m_placed.push_back({std::move(what), inServer, min, max});
    }
};

// The scene the panel drew in its last frame, or null when the panel is not the scene.
const scene::Scene* sceneOf(const Panel& panel);

} // namespace maillab::gui
