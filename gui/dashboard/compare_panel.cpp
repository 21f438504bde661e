#include "panels.hpp"

namespace maillab::gui {
namespace {

class ComparePanel : public Panel {
public:
    const char* id() const override { return "compare"; }
    const char* title() const override { return "Compare modes"; }
    ImVec4 defaultRect() const override { return ImVec4(0.04f, 0.04f, 0.92f, 0.90f); }
    void draw(Context&) override { ImGui::TextUnformatted("(being built)"); }
};

} // namespace

std::unique_ptr<Panel> makeComparePanel()
{
    return std::make_unique<ComparePanel>();
}

} // namespace maillab::gui
