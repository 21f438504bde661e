// Each device's own copy of the mail: what it downloaded, whole or only the header, and what it has read.
#include "dashboard.hpp"
#include "panels.hpp"
#include "scene_model.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <algorithm>
#include <string>

namespace maillab::gui {
namespace {

std::string describe(const scenario::DeviceSpec& spec)
{
    std::string text = spec.protocol == wire::Protocol::Pop3 ? "POP3, " + spec.mode + " mode" : "IMAP";
    if (spec.protocol == wire::Protocol::Pop3 && spec.removeAfterDays > 0)
        text += ", remove after " + std::to_string(spec.removeAfterDays) + " days";
    return text + ", account " + spec.user;
}

// Lines that wrap in a narrow panel instead of running past its edge.
void wrapped(const ImVec4& colour, const std::string& text)
{
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
}

std::string heldText(const store::LocalMessage& m)
{
    if (m.complete) return "whole message";
    if (m.partsHeld.empty()) return m.bytes.empty() ? "nothing yet" : "header only";
    // IMAP: the envelope, header and structure describe a message; numbered sections are its contents.
    std::string parts;
    for (const std::string& part : m.partsHeld)
        if (part != "ENVELOPE" && part != "HEADER" && part != "BODYSTRUCTURE")
            parts += (parts.empty() ? "" : ", ") + part;
    return parts.empty() ? "headers only" : "headers + part " + parts;
}

class DevicesPanel : public Panel {
public:
    const char* id() const override { return "devices"; }
    const char* title() const override { return "Devices"; }
    ImVec4 defaultRect() const override { return ImVec4(0.72f, 0.0f, 0.28f, 0.34f); }

    void draw(Context& c) override
    {
        if (c.devices.empty()) {
            ImGui::TextWrapped(c.player ? "This lesson has no devices."
                                        : "Live mode: the devices are the real clients; their own "
                                          "copies live on their machines.");
            return;
        }
        const bool actorChanged = c.actor != m_followedActor;
        m_followedActor = c.actor;
        for (scenario::Device* device : c.devices) {
            // Focus follows the action: the acting device is scrolled into view and its header lit.
            const bool acting = device->spec.name == c.actor;
            if (acting && actorChanged) ImGui::SetScrollHereY(0.0f);
            drawDevice(c, *device);
        }
    }

private:
    std::string m_followedActor;

    void drawDevice(Context& c, scenario::Device& device)
    {
        const store::DeviceStore& local = device.local;
        std::string header = device.spec.name + " (" + std::to_string(local.messages().size()) + " message" +
                             (local.messages().size() == 1 ? "" : "s") + ")###" + device.spec.name;
        ImGui::SetNextItemOpen(true, ImGuiCond_FirstUseEver);
        const bool acting = device.spec.name == c.actor;
        if (acting) ImGui::PushStyleColor(ImGuiCol_Header, c.palette.stateLit);
        const bool open = ImGui::CollapsingHeader(header.c_str());
        if (acting) ImGui::PopStyleColor();
        if (!open) return;
        ImGui::PushID(device.spec.name.c_str());
        wrapped(c.palette.dim, describe(device.spec));
        const std::string connection = device.session
                                           ? "connected, session " + std::to_string(device.sessionId) +
                                                 ", server state " + device.session->stateName()
                                           : "not connected";
        const float button = ImGui::CalcTextSize("Lose this device").x + ImGui::GetStyle().FramePadding.x * 2;
        // The button beside the connection when both fit, else under it: neither is cut.
        const bool besideIt =
            ImGui::CalcTextSize(connection.c_str()).x + ImGui::GetStyle().ItemSpacing.x * 2 + button <=
            ImGui::GetContentRegionAvail().x;
        wrapped(device.session ? c.palette.good : c.palette.dim, connection);
        if (besideIt) ImGui::SameLine();
        if (c.player) {
            const float width = button;
            ImGui::SetCursorPosX(
                std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - width));
            if (ImGui::Button("Lose this device")) c.player->loseDevice(device.spec.name);
            probe::track("Lose " + device.spec.name);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("The device is stolen or broken: everything stored on it is gone.\n"
                                  "What can still be recovered from the server?");
        }
        if (!device.client->status().empty())
            ImGui::TextWrapped("Last action: %s", device.client->status().c_str());
        if (local.messages().empty()) {
            ImGui::TextColored(c.palette.dim, "Nothing stored on this device.");
        } else if (const float rowHeight =
                       ImGui::GetTextLineHeightWithSpacing() + ImGui::GetStyle().CellPadding.y;
                   ImGui::BeginTable("local", 5,
                                     ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                         ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollY,
                                     // The table fits the panel: From and Subject share what the short
                                     // columns leave, a long one keeps its start and end (whole on hover).
                                     ImVec2(0, rowHeight * static_cast<float>(std::min<size_t>(
                                                               local.messages().size() + 1, 9)) +
                                                   ImGui::GetStyle().ScrollbarSize +
                                                   ImGui::GetStyle().CellPadding.y * 2))) {
            ImGui::TableSetupScrollFreeze(0, 1);
            // On a projector or in a narrow panel it keeps what the lessons are about: which message, and how
            // much of it the device holds.
            const bool narrow = ImGui::GetContentRegionAvail().x < ImGui::GetFontSize() * 30;
            const ImGuiTableColumnFlags secondary =
                c.presenter || narrow ? ImGuiTableColumnFlags_Disabled : 0;
            ImGui::TableSetupColumn("Folder", secondary);
            ImGui::TableSetupColumn("From", secondary | ImGuiTableColumnFlags_WidthStretch, 1.0f);
            ImGui::TableSetupColumn("Subject", ImGuiTableColumnFlags_WidthStretch, 1.6f);
            ImGui::TableSetupColumn("Held");
            ImGui::TableSetupColumn("Read", secondary);
            ImGui::TableHeadersRow();
            ImGuiListClipper clipper;
            clipper.Begin(static_cast<int>(local.messages().size()));
            while (clipper.Step())
                for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
                    const store::LocalMessage& m = local.messages()[static_cast<size_t>(i)];
                    ImGui::TableNextRow();
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(m.folder.c_str());
                    ImGui::TableNextColumn();
                    fittedText(m.from, ImGui::GetStyleColorVec4(ImGuiCol_Text));
                    ImGui::TableNextColumn();
                    fittedText(m.subject, ImGui::GetStyleColorVec4(ImGuiCol_Text));
                    ImGui::TableNextColumn();
                    ImGui::TextColored(m.complete ? c.palette.good : c.palette.note, "%s",
                                       heldText(m).c_str());
                    if (ImGui::IsItemHovered())
                        ImGui::SetTooltip("%zu of %zu bytes on the device", m.bytes.size(), m.serverSize);
                    ImGui::TableNextColumn();
                    // The same state the scene's stickers show on this device's copy.
                    const uint8_t flags = scene::localFlags(m);
                    ImGui::TextUnformatted((std::string(flags & store::kSeen ? "read" : "unread") +
                                            (flags & store::kFlagged ? ", flagged" : "") +
                                            (flags & store::kDeleted ? ", deleted" : ""))
                                               .c_str());
                }
            ImGui::EndTable();
        }
        size_t whole = 0;
        for (const store::LocalMessage& m : local.messages())
            whole += m.complete ? 1 : 0;
        wrapped(c.palette.dim,
                std::to_string(whole) + " whole, " + std::to_string(local.messages().size() - whole) +
                    " headers or parts only; " + std::to_string(local.bytesHeld()) + " bytes of mail stored");
        ImGui::PopID();
        ImGui::Spacing();
    }
};

} // namespace

std::unique_ptr<Panel> makeDevicesPanel()
{
    return std::make_unique<DevicesPanel>();
}

} // namespace maillab::gui
