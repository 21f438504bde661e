// The scene panel: the devices and the server drawn as pictures, the mail as envelopes in trays, and what the
// last step sent travelling along its connection (scene_model.hpp says what; this panel paints it).
#pragma once

#include "panel.hpp"
#include "scene_model.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

namespace maillab::gui {

struct SceneColours;

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

private:
    using HoverFn = std::function<void(ImVec2, ImVec2, std::string)>;
    void drawScene(Context& c);
    void drawServer(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em, ImVec2 min,
                    ImVec2 max, const HoverFn& hover);
    void drawTray(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                  const std::string& user, const scene::Tray& tray, ImVec2 min, ImVec2 max,
                  const HoverFn& hover);
    void drawDevice(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                    const scene::DeviceView& device, ImVec2 min, ImVec2 max, bool onLeft, ImVec2 serverMin,
                    ImVec2 serverMax, const HoverFn& hover);
    void drawFlights(Context& c, ImDrawList* draw, const SceneColours& col, float em);
    void drawOverheard(Context& c, ImDrawList* draw, const SceneColours& col, float em,
                       const scene::Overheard& o, ImVec2 at, float width);
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
    std::string m_hoverText, m_subject;
    std::map<std::pair<std::string, std::string>, ImVec4> m_trayRects; // (user, mailbox) -> min.xy, max.xy
    std::map<std::string, std::pair<ImVec2, ImVec2>> m_devicePorts;    // device -> its end, the server's end
};

// The scene the panel drew in its last frame, or null when the panel is not the scene.
const scene::Scene* sceneOf(const Panel& panel);

} // namespace maillab::gui
