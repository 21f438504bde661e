#include "ui_probe.hpp"

namespace maillab::gui::probe {
namespace {
std::map<std::string, ImVec4>& rects()
{
    static std::map<std::string, ImVec4> map;
    return map;
}
} // namespace

void track(const std::string& name)
{
    ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    rects()[name] = ImVec4(min.x, min.y, max.x, max.y);
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

} // namespace maillab::gui::probe
