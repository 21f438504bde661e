#include "panels.hpp"

namespace maillab::gui {
namespace {

class TranscriptPanel : public Panel {
public:
    const char* id() const override { return "transcript"; }
    const char* title() const override { return "Wire transcript"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.0f, 0.42f, 0.62f); }
    void draw(Context&) override { ImGui::TextUnformatted("(being built)"); }
};

} // namespace

std::unique_ptr<Panel> makeTranscriptPanel()
{
    return std::make_unique<TranscriptPanel>();
}

} // namespace maillab::gui
