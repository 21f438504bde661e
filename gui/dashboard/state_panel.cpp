// Each open session's protocol state machine, its current state lit, and the commands the server accepts
// in a state (from the command tables the sessions run): why "RETR 1" is refused before PASS and accepted
// after it.
#include "diagram_panels.hpp"
#include "imap/imap_session.hpp"
#include "panels.hpp"
#include "pop3/pop3_types.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace maillab::gui {
namespace {

// [SECTION] the two machines, as drawn

struct StateNode {
    uint8_t bit;         // the state's bit in the command table's allowedStates
    std::string wire;    // what session->stateName() says in this state
    const char* label;   // what the box says
    const char* meaning; // the tooltip
};

// The arrows between neighbouring states: forward (i to i+1) and back (i+1 to i), labelled by what moves.
struct Step {
    const char* forward;
    const char* back; // null: no way back
};

struct Command {
    std::string name, syntax, summary, rfc;
    uint8_t allowedStates;
};

struct Machine {
    wire::Protocol protocol;
    const char* title;
    std::vector<StateNode> states;
    std::vector<Step> steps; // steps[i]: between states[i] and states[i+1]
    std::vector<Command> commands;
};

// The arrows between neighbouring boxes, labelled from the protocol's transition table (sim/), which is what
// the session itself moves along.
template <typename State, typename Transition>
std::vector<Step> stepsOf(const std::vector<StateNode>& states, const std::vector<Transition>& transitions)
{
    auto trigger = [&](uint8_t from, uint8_t to) -> const char* {
        for (const Transition& t : transitions)
            if (static_cast<uint8_t>(t.from) == from && static_cast<uint8_t>(t.to) == to) return t.trigger;
        return nullptr;
    };
    std::vector<Step> steps;
    for (size_t i = 0; i + 1 < states.size(); ++i) {
        const char* forward = trigger(states[i].bit, states[i + 1].bit);
        steps.push_back({forward ? forward : "", trigger(states[i + 1].bit, states[i].bit)});
    }
    return steps;
}

const Machine& pop3Machine()
{
    static const Machine m = [] {
        using pop3::State;
        Machine m{wire::Protocol::Pop3, "POP3 (RFC 1939 section 3)", {}, {}, {}};
        auto bit = [](State s) { return static_cast<uint8_t>(s); };
        m.states = {
            {bit(State::Authorization), pop3::stateName(State::Authorization), "AUTHORIZATION",
             "The server has greeted the client and waits for it to log in."},
            {bit(State::Transaction), pop3::stateName(State::Transaction), "TRANSACTION",
             "Logged in and the maildrop is locked: list, download, mark messages for deletion."},
            {bit(State::Update), pop3::stateName(State::Update), "UPDATE",
             "After QUIT: messages marked with DELE are removed, the lock is released, the connection "
             "closes."},
        };
        m.steps = stepsOf<State>(m.states, pop3::transitions());
        for (const pop3::CommandInfo& info : pop3::commandTable())
            m.commands.push_back({info.name, info.syntax, info.summary, info.rfc, info.allowedStates});
        return m;
    }();
    return m;
}

const Machine& imapMachine()
{
    static const Machine m = [] {
        using imap::State;
        Machine m{wire::Protocol::Imap, "IMAP (RFC 3501 section 3)", {}, {}, {}};
        auto bit = [](State s) { return static_cast<uint8_t>(s); };
        m.states = {
            {bit(State::NotAuthenticated), imap::stateName(State::NotAuthenticated), "Not Authenticated",
             "The server has greeted the client and waits for it to log in."},
            {bit(State::Authenticated), imap::stateName(State::Authenticated), "Authenticated",
             "Logged in: list, create and rename folders, then open one."},
            {bit(State::Selected), imap::stateName(State::Selected), "Selected",
             "A folder is open: fetch, search, flag, copy and move its messages."},
            {bit(State::Logout), imap::stateName(State::Logout), "Logout",
             "The server has said BYE and closes the connection."},
        };
        m.steps = stepsOf<State>(m.states, imap::transitions());
        for (const imap::CommandInfo& info : imap::commandTable())
            m.commands.push_back({info.wireName, info.syntax, info.summary, info.rfc, info.allowedStates});
        return m;
    }();
    return m;
}

int stateIndex(const Machine& machine, const std::string& wireName)
{
    for (size_t i = 0; i < machine.states.size(); ++i)
        if (machine.states[i].wire == wireName) return static_cast<int>(i);
    return -1;
}

ImU32 colour(ImVec4 c, float alpha = 1.0f)
{
    c.w *= alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

void arrowHead(ImDrawList* draw, ImVec2 tip, ImVec2 dir, float size, ImU32 col)
{
    ImVec2 n(-dir.y, dir.x);
    draw->AddTriangleFilled(
        tip, ImVec2(tip.x - dir.x * size + n.x * size * 0.5f, tip.y - dir.y * size + n.y * size * 0.5f),
        ImVec2(tip.x - dir.x * size - n.x * size * 0.5f, tip.y - dir.y * size - n.y * size * 0.5f), col);
}

// [SECTION] the panel

class StatePanel : public Panel {
public:
    const char* id() const override { return "state"; }
    const char* title() const override { return "Session state"; }
    ImVec4 defaultRect() const override { return ImVec4(0.72f, 0.34f, 0.28f, 0.42f); }

    void draw(Context& c) override
    {
        m_info.clear();
        if (c.sessions.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.dim);
            ImGui::TextWrapped(
                "No device is connected. These diagrams light up when a device connects: each open "
                "session shows the state it is in, and hovering a state lists the commands the "
                "server accepts there.");
            ImGui::PopStyleColor();
            for (const Machine* machine : {&pop3Machine(), &imapMachine()}) {
                ImGui::Spacing();
                ImGui::TextColored(c.palette.dim, "%s", machine->title);
                drawSession(c, *machine, -1, machine->title);
            }
            return;
        }
        // The acting device's session first, lit, and scrolled to when the actor changes: focus follows the
        // action.
        std::vector<const SessionView*> order;
        for (const SessionView& s : c.sessions)
            if (s.device == c.actor) order.push_back(&s);
        for (const SessionView& s : c.sessions)
            if (s.device != c.actor) order.push_back(&s);
        const bool actorChanged = c.actor != m_followedActor;
        m_followedActor = c.actor;
        for (const SessionView* view : order) {
            const SessionView& s = *view;
            const bool acting = s.device == c.actor;
            if (acting && actorChanged) ImGui::SetScrollHereY(0.0f);
            const Machine& machine = s.protocol == wire::Protocol::Pop3 ? pop3Machine() : imapMachine();
            const int lit = s.session ? stateIndex(machine, s.session->stateName()) : -1;
            SessionStateInfo info{s.id, s.device, s.protocol, lit >= 0 ? machine.states[lit].label : "",
                                  {},   {}};
            ImGui::PushFont(c.fonts.heading);
            const std::string heading = s.device + " #" + std::to_string(s.id);
            if (acting)
                ImGui::TextColored(c.palette.stateLit, "%s", heading.c_str());
            else
                ImGui::TextUnformatted(heading.c_str());
            ImGui::PopFont();
            // The protocol's name beside the device when it fits, else under it: nothing cut.
            ImGui::SameLine();
            if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(machine.title).x) ImGui::NewLine();
            ImGui::TextColored(c.palette.dim, "%s", machine.title);
            if (c.transcript) drawLastExchange(c, *c.transcript, s.id);
            const int shown = drawSession(c, machine, lit, s.device + "#" + std::to_string(s.id));
            if (shown >= 0) {
                info.shownState = machine.states[static_cast<size_t>(shown)].label;
                for (const Command& command : machine.commands)
                    if (command.allowedStates & machine.states[static_cast<size_t>(shown)].bit)
                        info.accepted.push_back(command.name);
            }
            m_info.push_back(std::move(info));
            ImGui::Separator();
        }
    }

    const std::vector<SessionStateInfo>& info() const { return m_info; }

private:
    // The diagram, then the commands the shown state accepts and refuses. lit < 0: nothing is lit (greyed).
    // Returns the state whose commands it lists: the hovered one, else the lit one, else -1.
    int drawSession(Context& c, const Machine& machine, int lit, const std::string& key)
    {
        ImGui::PushID(key.c_str());
        const bool greyed = lit < 0;
        int hovered = drawDiagram(c, machine, lit, greyed, key);
        int shown = hovered >= 0 ? hovered : lit;
        if (shown >= 0) drawCommands(c, machine, shown, hovered >= 0 && hovered != lit);
        ImGui::PopID();
        return shown;
    }

    // The session's last command and the first line of its answer: what just moved it, or was refused.
    void drawLastExchange(Context& c, const wire::Transcript& transcript, int session)
    {
        const auto& entries = transcript.entries();
        const wire::TranscriptEntry* command = nullptr;
        const wire::TranscriptEntry* reply = nullptr;
        // Only the recent past: a session that has been quiet for long shows nothing rather than costing a
        // walk through a long-running server's whole transcript every frame.
        constexpr size_t kLookBack = 400;
        for (size_t i = entries.size(), seen = 0; i > 0 && seen < kLookBack && !command; --i, ++seen) {
            const wire::TranscriptEntry& e = entries[i - 1];
            if (e.sessionId != session || e.kind != wire::TranscriptEntry::Kind::Data) continue;
            if (e.direction == wire::Direction::ServerToClient)
                reply = &e;
            else
                command = &e;
        }
        if (!command) return;
        auto line = [](const std::string& bytes) { return bytes.substr(0, bytes.find_first_of("\r\n")); };
        ImGui::PushFont(c.fonts.mono);
        ImGui::TextColored(c.palette.dim, "last:");
        ImGui::SameLine();
        // The command and its answer share the line; each keeps its start and end when it is long.
        fittedText(line(command->bytes), c.palette.client,
                   reply ? ImGui::GetContentRegionAvail().x * 0.5f : 0.0f);
        if (reply) {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.dim, "\xe2\x86\x92");
            ImGui::SameLine();
            // The status line the session said answered the command (an IMAP reply's tagged line).
            std::string answer =
                reply->exchanges.empty() ? line(reply->bytes) : reply->exchanges.back().statusLine;
            fittedText(answer, replyRefused(*reply) ? c.palette.bad : c.palette.server);
        }
        ImGui::PopFont();
    }

    // Returns the state under the mouse, or -1.
    int drawDiagram(Context& c, const Machine& machine, int lit, bool greyed, const std::string& key)
    {
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const float font = ImGui::GetFontSize();
        const float pad = font * 0.6f, boxH = font * 1.9f;
        const float alpha = greyed ? 0.45f : 1.0f;
        const ImVec4 text = ImGui::GetStyleColorVec4(ImGuiCol_Text);
        const size_t n = machine.states.size();

        std::vector<float> boxW(n);
        for (size_t i = 0; i < n; ++i)
            boxW[i] = ImGui::CalcTextSize(machine.states[i].label).x + pad * 2;
        std::vector<float> gapW(n - 1);
        for (size_t i = 0; i + 1 < n; ++i) {
            float w = ImGui::CalcTextSize(machine.steps[i].forward).x;
            if (machine.steps[i].back) w = std::max(w, ImGui::CalcTextSize(machine.steps[i].back).x);
            gapW[i] = std::max(w + pad * 2, font * 3);
        }
        float rowWidth = 0;
        for (float w : boxW)
            rowWidth += w;
        for (float w : gapW)
            rowWidth += w;
        const float avail = ImGui::GetContentRegionAvail().x;
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        std::vector<ImVec2> boxMin(n), boxMax(n);

        const bool row = rowWidth <= avail;
        if (row) {
            // One row: forward arrows above the middle with their label over them, back arrows below.
            const float top = origin.y + font * 1.3f;
            float x = origin.x;
            for (size_t i = 0; i < n; ++i) {
                boxMin[i] = ImVec2(x, top);
                boxMax[i] = ImVec2(x + boxW[i], top + boxH);
                x += boxW[i] + (i + 1 < n ? gapW[i] : 0);
            }
            ImGui::Dummy(ImVec2(rowWidth, boxH + font * 2.6f));
        } else {
            // One column, for narrow panels: arrows down between the boxes, their labels beside them.
            float widest = *std::max_element(boxW.begin(), boxW.end());
            const float gapH = font * 1.6f;
            float y = origin.y;
            for (size_t i = 0; i < n; ++i) {
                boxMin[i] = ImVec2(origin.x, y);
                boxMax[i] = ImVec2(origin.x + widest, y + boxH);
                y += boxH + gapH;
            }
            ImGui::Dummy(ImVec2(widest, y - gapH - origin.y));
        }

        const ImU32 arrowCol = colour(text, 0.75f * alpha);
        const ImU32 labelCol = colour(text, alpha);
        for (size_t i = 0; i + 1 < n; ++i) {
            const Step& step = machine.steps[i];
            const float head = font * 0.45f;
            if (row) {
                const float midY = (boxMin[i].y + boxMax[i].y) * 0.5f;
                const float fy = step.back ? midY - font * 0.3f : midY;
                const float x0 = boxMax[i].x + 2, x1 = boxMin[i + 1].x - 2;
                draw->AddLine(ImVec2(x0, fy), ImVec2(x1 - head, fy), arrowCol, 1.5f);
                arrowHead(draw, ImVec2(x1, fy), ImVec2(1, 0), head, arrowCol);
                const ImVec2 fs = ImGui::CalcTextSize(step.forward);
                draw->AddText(ImVec2((x0 + x1 - fs.x) * 0.5f, boxMin[i].y - fs.y - 2), labelCol,
                              step.forward);
                if (step.back) {
                    const float by = midY + font * 0.3f;
                    draw->AddLine(ImVec2(x1, by), ImVec2(x0 + head, by), arrowCol, 1.5f);
                    arrowHead(draw, ImVec2(x0, by), ImVec2(-1, 0), head, arrowCol);
                    const ImVec2 bs = ImGui::CalcTextSize(step.back);
                    draw->AddText(ImVec2((x0 + x1 - bs.x) * 0.5f, boxMax[i].y + 2), labelCol, step.back);
                }
            } else {
                const float cx = boxMin[i].x + font * 1.2f;
                const float y0 = boxMax[i].y + 2, y1 = boxMin[i + 1].y - 2;
                draw->AddLine(ImVec2(cx, y0), ImVec2(cx, y1 - head), arrowCol, 1.5f);
                arrowHead(draw, ImVec2(cx, y1), ImVec2(0, 1), head, arrowCol);
                float lx = cx + font * 0.6f;
                if (step.back) {
                    const float bx = cx + font * 0.8f;
                    draw->AddLine(ImVec2(bx, y1), ImVec2(bx, y0 + head), arrowCol, 1.5f);
                    arrowHead(draw, ImVec2(bx, y0), ImVec2(0, -1), head, arrowCol);
                    lx = bx + font * 0.6f;
                }
                std::string label = step.forward;
                if (step.back) label += std::string(";  back: ") + step.back;
                // The arrow's words fit beside it: a long list keeps its start and end (whole on hover).
                const float room = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x - lx;
                const Fitted fitted = elideMiddle(label, room);
                draw->AddText(ImVec2(lx, (y0 + y1 - font) * 0.5f), labelCol, fitted.text.c_str());
                if (fitted.elided && ImGui::IsMouseHoveringRect(ImVec2(lx, y0), ImVec2(lx + room, y1)))
                    ImGui::SetTooltip("%s", label.c_str());
            }
        }

        int hovered = -1;
        const ImVec2 after = ImGui::GetCursorScreenPos();
        for (size_t i = 0; i < n; ++i) {
            const bool isLit = static_cast<int>(i) == lit;
            // An invisible button over the box: ImGui's hover rules (popups, other windows), and a name
            // tests can find.
            ImGui::SetCursorScreenPos(boxMin[i]);
            ImGui::InvisibleButton(machine.states[i].label,
                                   ImVec2(boxMax[i].x - boxMin[i].x, boxMax[i].y - boxMin[i].y));
            probe::track("State " + key + " " + machine.states[i].label);
            const bool over = ImGui::IsItemHovered();
            if (over) hovered = static_cast<int>(i);
            draw->AddRectFilled(boxMin[i], boxMax[i],
                                colour(isLit ? c.palette.stateLit : c.palette.stateIdle, alpha),
                                font * 0.35f);
            draw->AddRect(boxMin[i], boxMax[i], colour(over ? text : c.palette.dim, alpha), font * 0.35f, 0,
                          isLit || over ? 2.0f : 1.0f);
            const char* label = machine.states[i].label;
            const ImVec2 ts = ImGui::CalcTextSize(label);
            const ImVec4 fg = isLit ? ImVec4(1, 1, 1, 1) : text;
            draw->AddText(
                ImVec2((boxMin[i].x + boxMax[i].x - ts.x) * 0.5f, (boxMin[i].y + boxMax[i].y - ts.y) * 0.5f),
                colour(fg, alpha), label);
        }
        ImGui::SetCursorScreenPos(after);
        if (hovered >= 0) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(font * 24);
            ImGui::TextUnformatted(machine.states[hovered].label);
            ImGui::TextColored(c.palette.dim, "%s", machine.states[hovered].meaning);
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        return hovered;
    }

    void drawCommands(Context& c, const Machine& machine, int state, bool hovered)
    {
        const StateNode& node = machine.states[static_cast<size_t>(state)];
        std::vector<const Command*> accepted, refused;
        for (const Command& command : machine.commands)
            ((command.allowedStates & node.bit) ? accepted : refused).push_back(&command);
        ImGui::TextColored(c.palette.dim, "%s %s, the server accepts:", hovered ? "In" : "Now in",
                           node.label);
        if (accepted.empty()) {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.dim, "nothing: the session is ending");
        } else {
            chips(c, accepted, c.palette.good);
        }
        if (!refused.empty()) {
            ImGui::TextColored(c.palette.dim, "and refuses (%s):",
                               wire::statusName(machine.protocol == wire::Protocol::Pop3
                                                    ? wire::Status::Err
                                                    : wire::Status::Bad));
            chips(c, refused, c.palette.dim);
        }
    }

    // Command names in a wrapped row; hover one for its syntax and what it does.
    void chips(Context& c, const std::vector<const Command*>& commands, ImVec4 tint)
    {
        const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
        const float spacing = ImGui::GetStyle().ItemSpacing.x * 0.6f;
        ImGui::PushFont(c.fonts.mono);
        bool first = true;
        for (const Command* command : commands) {
            const float w = ImGui::CalcTextSize(command->name.c_str()).x;
            if (!first) {
                ImGui::SameLine(0, spacing);
                if (ImGui::GetCursorScreenPos().x + w > right) ImGui::NewLine();
            }
            first = false;
            ImGui::TextColored(tint, "%s", command->name.c_str());
            if (ImGui::IsItemHovered()) {
                ImGui::PopFont();
                ImGui::BeginTooltip();
                ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26);
                ImGui::PushFont(c.fonts.mono);
                ImGui::TextUnformatted(command->syntax.c_str());
                ImGui::PopFont();
                ImGui::TextWrapped("%s", command->summary.c_str());
                ImGui::TextColored(c.palette.dim, "%s", command->rfc.c_str());
                ImGui::PopTextWrapPos();
                ImGui::EndTooltip();
                ImGui::PushFont(c.fonts.mono);
            }
        }
        ImGui::PopFont();
    }

    std::vector<SessionStateInfo> m_info;
    std::string m_followedActor;
};

} // namespace

std::unique_ptr<Panel> makeStatePanel()
{
    return std::make_unique<StatePanel>();
}

const std::vector<SessionStateInfo>* stateInfo(const Panel& panel)
{
    const auto* state = dynamic_cast<const StatePanel*>(&panel);
    return state ? &state->info() : nullptr;
}

} // namespace maillab::gui
