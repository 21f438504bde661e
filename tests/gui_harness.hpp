// Drives the dashboard headless: a bare ImGui context (no window, no OpenGL), frames on demand, and a
// synthetic mouse and keyboard that click widgets where the last frame drew them (gui/dashboard/ui_probe).
#pragma once

#include "dashboard.hpp"
#include "ui_probe.hpp"

#include <imgui.h>
#include <memory>
#include <string>

namespace maillab::test {

class GuiHarness {
public:
    explicit GuiHarness(gui::DashboardOptions options = {}, ImVec2 size = ImVec2(1600, 900));
    ~GuiHarness();

    gui::Dashboard& dashboard() { return *m_dashboard; }
    // One whole frame: NewFrame, the dashboard, Render.
    void frame(double seconds = 1.0 / 60);
    // Moves the mouse onto the widget the last frame drew under this probe name and clicks it (three
    // frames: hover, press, release). False when no such widget was drawn.
    bool click(const std::string& probeName);
    // Clicks `fraction` of the way across the widget (0: its left edge, 1: its right edge).
    bool clickAt(const std::string& probeName, float fraction);
    // Clicks a text field and types into it, then presses Enter.
    bool type(const std::string& probeName, const std::string& text);
    // Presses and releases a key (one of the k* names below) over two frames.
    void press(int key);
    // One more frame, read by the clipped-text probe (gui/dashboard/ui_probe.hpp).
    gui::probe::ClipReport clipReport();
    static constexpr int kEnter = 13, kSpace = 32, kLeft = 263, kRight = 262;

private:
    ImGuiContext* m_context = nullptr;
    std::unique_ptr<gui::Dashboard> m_dashboard;
};

} // namespace maillab::test
