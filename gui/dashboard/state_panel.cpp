#include "panels.hpp"

namespace maillab::gui {
namespace {

class StatePanel : public Panel {
public:
    const char* id() const override { return "state"; }
    const char* title() const override { return "Session state"; }
    ImVec4 defaultRect() const override { return ImVec4(0.72f, 0.40f, 0.28f, 0.30f); }
    void draw(Context&) override { ImGui::TextUnformatted("(being built)"); }
};

} // namespace

std::unique_ptr<Panel> makeStatePanel()
{
    return std::make_unique<StatePanel>();
}

} // namespace maillab::gui
