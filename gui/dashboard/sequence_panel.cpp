#include "panels.hpp"

namespace maillab::gui {
namespace {

class SequencePanel : public Panel {
public:
    const char* id() const override { return "sequence"; }
    const char* title() const override { return "Sequence diagram"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.62f, 0.42f, 0.38f); }
    void draw(Context&) override { ImGui::TextUnformatted("(being built)"); }
};

} // namespace

std::unique_ptr<Panel> makeSequencePanel()
{
    return std::make_unique<SequencePanel>();
}

} // namespace maillab::gui
