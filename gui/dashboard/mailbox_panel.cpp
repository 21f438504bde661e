#include "panels.hpp"

namespace maillab::gui {
namespace {

class MailboxPanel : public Panel {
public:
    const char* id() const override { return "mailboxes"; }
    const char* title() const override { return "Server mailboxes"; }
    ImVec4 defaultRect() const override { return ImVec4(0.0f, 0.36f, 0.30f, 0.64f); }
    void draw(Context&) override { ImGui::TextUnformatted("(being built)"); }
};

} // namespace

std::unique_ptr<Panel> makeMailboxPanel()
{
    return std::make_unique<MailboxPanel>();
}

} // namespace maillab::gui
