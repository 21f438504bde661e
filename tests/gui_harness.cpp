#include "gui_harness.hpp"

namespace maillab::test {

GuiHarness::GuiHarness(gui::DashboardOptions options, ImVec2 size)
{
    m_context = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = size;
    // The backends map keys; with none, the harness names the few keys the tests press.
    io.KeyMap[ImGuiKey_Enter] = kEnter;
    io.KeyMap[ImGuiKey_Space] = kSpace;
    io.KeyMap[ImGuiKey_LeftArrow] = kLeft;
    io.KeyMap[ImGuiKey_RightArrow] = kRight;
    m_dashboard = std::make_unique<gui::Dashboard>(std::move(options));
    m_dashboard->loadFonts();
    unsigned char* pixels = nullptr;
    int width = 0, height = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height); // builds the atlas, as a renderer would
    frame();
}

GuiHarness::~GuiHarness()
{
    m_dashboard.reset();
    ImGui::DestroyContext(m_context);
}

void GuiHarness::frame(double seconds)
{
    ImGui::GetIO().DeltaTime = static_cast<float>(seconds > 0 ? seconds : 1.0 / 60);
    ImGui::NewFrame();
    m_dashboard->frame(seconds);
    ImGui::Render();
}

bool GuiHarness::click(const std::string& probeName)
{
    return clickAt(probeName, 0.5f);
}

bool GuiHarness::clickAt(const std::string& probeName, float fraction)
{
    ImVec2 point;
    if (!gui::probe::findAcross(probeName, fraction, point)) return false;
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = point;
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
    return true;
}

bool GuiHarness::type(const std::string& probeName, const std::string& text)
{
    if (!click(probeName)) return false;
    ImGuiIO& io = ImGui::GetIO();
    io.AddInputCharactersUTF8(text.c_str());
    frame();
    press(kEnter);
    return true;
}

gui::probe::ClipReport GuiHarness::clipReport()
{
    gui::probe::ClipProbe probe;
    ImGui::NewFrame();
    m_dashboard->frame(0.0);
    ImGui::Render();
    return probe.read();
}

void GuiHarness::press(int key)
{
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[key] = true;
    frame();
    io.KeysDown[key] = false;
    frame();
}

} // namespace maillab::test
