// POP3 delete | POP3 keep | IMAP side by side: the same mailbox and the same actions in lanes that run in
// lockstep (sim/scenario/compare.hpp), each lane's wire and state, and plots of what differs.
#include "dashboard.hpp"
#include "diagram_panels.hpp"
#include "panels.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace maillab::gui {
namespace {

using scenario::Comparison;
using scenario::LaneSample;

ImU32 colour(ImVec4 c, float alpha = 1.0f)
{
    c.w *= alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

std::string bytesText(uint64_t bytes)
{
    char text[32];
    if (bytes < 1024)
        std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    else if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f KB", static_cast<double>(bytes) / 1024.0);
    else
        std::snprintf(text, sizeof text, "%.2f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text;
}

std::string plural(int n, const char* one, const char* many)
{
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// 1, 2, 5, 10, 20, 50, ...: a round top for a y axis.
double niceCeiling(double value)
{
    if (value <= 1) return 1;
    double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (value <= f * magnitude) return f * magnitude;
    return 10 * magnitude;
}

struct Plot {
    const char* title;
    double unit;  // the axis is rounded in these (1024 for bytes: 5 KB, 10 KB)
    bool integer; // counts: ticks on whole numbers
    std::function<double(const LaneSample&)> value;
    std::function<std::string(double)> format;
};

// Continues the line with text when it fits in the column, else it goes on the next line (presenter mode).
void sameLineIfItFits(const std::string& text)
{
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    const float end = ImGui::GetItemRectMax().x + spacing + ImGui::CalcTextSize(text.c_str()).x;
    if (end <= ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x) ImGui::SameLine();
}

class ComparePanel : public Panel {
public:
    const char* id() const override { return "compare"; }
    const char* title() const override { return "Compare modes"; }
    ImVec4 defaultRect() const override { return ImVec4(0.04f, 0.04f, 0.92f, 0.90f); }

    void draw(Context& c) override
    {
        if (!m_comparison) choose(m_choice);
        if (!m_comparison) {
            ImGui::TextColored(c.palette.bad, "No comparison to show.");
            return;
        }
        tick();
        m_laneColours = {c.palette.client, c.palette.note, c.palette.tls};
        drawControls(c);
        ImGui::Separator();
        const float avail = ImGui::GetContentRegionAvail().y;
        const float plotsH = std::max(ImGui::GetFontSize() * 11, avail * 0.42f);
        drawLanes(c,
                  std::max(ImGui::GetFontSize() * 8, avail - plotsH - ImGui::GetStyle().ItemSpacing.y * 2));
        drawPlots(c);
    }

    Comparison* comparison() { return m_comparison.get(); }

    bool choose(size_t index)
    {
        const auto& specs = scenario::builtInComparisons();
        if (index >= specs.size()) return false;
        m_choice = index;
        m_comparison = std::make_unique<Comparison>(specs[index].scenario, specs[index].lanes);
        m_running = false;
        m_seenEntries.clear();
        return true;
    }

private:
    void tick()
    {
        if (!m_running) return;
        m_credit += ImGui::GetIO().DeltaTime * m_actionsPerSecond;
        while (m_credit >= 1.0 && m_running) {
            m_credit -= 1.0;
            if (!m_comparison->step()) m_running = false;
        }
        if (m_comparison->finished()) m_running = false;
    }

    // [SECTION] controls

    void drawControls(Context& c)
    {
        const auto& specs = scenario::builtInComparisons();
        ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 24));
        if (ImGui::BeginCombo("##comparison", specs[m_choice].title.c_str())) {
            for (size_t i = 0; i < specs.size(); ++i) {
                if (ImGui::Selectable(specs[i].title.c_str(), i == m_choice)) choose(i);
                probe::track("Comparison " + specs[i].id);
            }
            ImGui::EndCombo();
        }
        probe::track("Compare chooser");
        ImGui::SameLine();
        Comparison& cmp = *m_comparison;
        ImGui::BeginDisabled(cmp.actionIndex() == 0);
        if (ImGui::Button("Reset")) {
            cmp.reset();
            m_running = false;
            m_seenEntries.clear();
        }
        probe::track("Compare reset");
        ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::BeginDisabled(cmp.finished());
        if (ImGui::Button("Step all lanes >")) cmp.step();
        probe::track("Compare step");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("Every lane does the next action (a whole check, a delivery, ...)");
        ImGui::SameLine();
        if (ImGui::Button(m_running ? "Pause" : "Run >>")) {
            m_running = !m_running;
            m_credit = 0;
        }
        probe::track("Compare run");
        ImGui::EndDisabled();
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
        ImGui::SliderFloat("##cspeed", &m_actionsPerSecond, 0.25f, 8.0f, "%.2f actions/s",
                           ImGuiSliderFlags_Logarithmic);

        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.dim);
        ImGui::TextWrapped("%s", specs[m_choice].description.c_str());
        ImGui::PopStyleColor();
        const size_t done = cmp.actionIndex();
        if (done == 0) {
            ImGui::TextUnformatted("Nothing has happened yet: press Step all lanes.");
        } else {
            ImGui::Text("After action %zu of %zu: %s", done, cmp.actionCount(),
                        cmp.describeAction(done).c_str());
        }
        if (!cmp.finished()) {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.dim, "  Next: %s", cmp.describeAction(done + 1).c_str());
        } else {
            ImGui::SameLine();
            ImGui::TextColored(c.palette.dim, "  (the end: Reset to play it again)");
        }
    }

    // [SECTION] lanes

    void drawLanes(Context& c, float height)
    {
        Comparison& cmp = *m_comparison;
        const auto& lanes = cmp.lanes();
        const int columns = static_cast<int>(lanes.size());
        if (!ImGui::BeginTable("lanes", columns,
                               ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame,
                               ImVec2(0, height)))
            return;
        ImGui::TableNextRow();
        for (int i = 0; i < columns; ++i) {
            ImGui::TableSetColumnIndex(i);
            ImGui::PushID(i);
            drawLane(c, static_cast<size_t>(i), height);
            ImGui::PopID();
        }
        ImGui::EndTable();
    }

    void drawLane(Context& c, size_t index, float height)
    {
        const Comparison& cmp = *m_comparison;
        const scenario::Lane& lane = *cmp.lanes()[index];
        const LaneSample& now = lane.latest();
        const ImVec4 tint = m_laneColours[index % m_laneColours.size()];
        const float top = ImGui::GetCursorPosY();

        // The lane's name with its colour in the plots.
        const float font = ImGui::GetFontSize();
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + font * 0.25f),
                                                  ImVec2(p.x + font * 0.9f, p.y + font * 1.15f), colour(tint),
                                                  2.0f);
        ImGui::Dummy(ImVec2(font, font));
        ImGui::SameLine();
        ImGui::PushFont(c.fonts.heading);
        ImGui::TextColored(tint, "%s", lane.spec().label.c_str());
        ImGui::PopFont();

        ImGui::Text("On the wire: %s", bytesText(now.bytesOnWire()).c_str());
        const std::string split = "(" + bytesText(now.bytesToClient) + " to devices, " +
                                  bytesText(now.bytesToServer) + " to the server)";
        sameLineIfItFits(split);
        ImGui::TextColored(c.palette.dim, "%s", split.c_str());
        ImGui::Text("Round trips: %s, %s", plural(now.roundTrips, "command", "commands").c_str(),
                    plural(now.connections, "connection", "connections").c_str());
        ImGui::Text("On the server:");
        ImGui::SameLine();
        ImGui::TextColored(now.serverMessages == 0 ? c.palette.bad : c.palette.good, "%s",
                           plural(now.serverMessages, "message", "messages").c_str());
        const auto& devices = cmp.base().devices;
        for (size_t d = 0; d < devices.size() && d < now.deviceMessages.size(); ++d) {
            ImGui::Text("%s holds %s", devices[d].name.c_str(),
                        plural(now.deviceMessages[d], "message", "messages").c_str());
            if (now.deviceMessages[d] > 0) {
                sameLineIfItFits(now.deviceBytes[d] ? bytesText(now.deviceBytes[d]) + "()"
                                                    : "(headers only)");
                // An IMAP device lists what it learnt from ENVELOPE; it stores no message bytes until opened.
                ImGui::TextColored(c.palette.dim, "(%s)",
                                   now.deviceBytes[d] ? bytesText(now.deviceBytes[d]).c_str()
                                                      : "headers only");
            }
        }
        const float used = ImGui::GetCursorPosY() - top;
        drawLaneTranscript(c, lane, std::max(font * 4, height - used - ImGui::GetStyle().ItemSpacing.y));
    }

    // The lane's wire, one line per entry (a reply's first line), the last action's lines highlighted.
    void drawLaneTranscript(Context& c, const scenario::Lane& lane, float height)
    {
        const auto& entries = lane.simulation().transcript().entries();
        const auto& samples = lane.samples();
        const int lastActionFrom = samples.size() >= 2 ? samples[samples.size() - 2].steps : INT32_MAX;
        const bool manyDevices = m_comparison->base().devices.size() > 1;
        // No horizontal scrolling: a line too long for the lane loses its middle, whole on hover.
        ImGui::BeginChild("wire", ImVec2(0, height), true);
        ImGui::PushFont(c.fonts.mono);
        if (entries.empty()) ImGui::TextColored(c.palette.dim, "(nothing on the wire yet)");
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(entries.size()));
        while (clipper.Step())
            for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
                const wire::TranscriptEntry& e = entries[static_cast<size_t>(i)];
                std::string line;
                if (manyDevices && e.kind != wire::TranscriptEntry::Kind::Note) line = e.device + " ";
                ImVec4 col = c.palette.dim;
                if (e.kind == wire::TranscriptEntry::Kind::Data) {
                    const bool client = e.direction == wire::Direction::ClientToServer;
                    size_t end = e.bytes.find_first_of("\r\n");
                    line += (client ? "C: " : "S: ") + e.bytes.substr(0, end);
                    size_t lines = static_cast<size_t>(std::count(e.bytes.begin(), e.bytes.end(), '\n'));
                    if (lines > 1) line += "  (+" + std::to_string(lines - 1) + " lines)";
                    col = client ? c.palette.client : c.palette.server;
                } else {
                    line += "-- " + e.bytes + " --";
                    if (e.kind == wire::TranscriptEntry::Kind::Note) col = c.palette.note;
                }
                if (e.step > lastActionFrom) {
                    ImVec2 p = ImGui::GetCursorScreenPos();
                    ImGui::GetWindowDrawList()->AddRectFilled(
                        p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + ImGui::GetTextLineHeight()),
                        colour(c.palette.changed));
                }
                fittedText(line, col);
            }
        ImGui::PopFont();
        // Like a log: the newest lines stay in view unless the student scrolled up.
        if (entries.size() != m_seenEntries[&lane] && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2)
            ImGui::SetScrollHereY(1.0f);
        m_seenEntries[&lane] = entries.size();
        ImGui::EndChild();
    }

    // [SECTION] plots

    void drawPlots(Context& c)
    {
        static const Plot plots[] = {
            {"Bytes on the wire", 1024, false,
             [](const LaneSample& s) { return static_cast<double>(s.bytesOnWire()); },
             [](double v) { return bytesText(static_cast<uint64_t>(v)); }},
            {"Round trips (commands sent)", 1, true,
             [](const LaneSample& s) { return static_cast<double>(s.roundTrips); },
             [](double v) { return std::to_string(static_cast<long long>(v)); }},
            {"Messages left on the server", 1, true,
             [](const LaneSample& s) { return static_cast<double>(s.serverMessages); },
             [](double v) { return std::to_string(static_cast<long long>(v)); }},
        };
        // The legend, once for all three plots.
        const Comparison& cmp = *m_comparison;
        const float font = ImGui::GetFontSize();
        for (size_t i = 0; i < cmp.lanes().size(); ++i) {
            if (i) ImGui::SameLine(0, font * 1.5f);
            ImVec2 p = ImGui::GetCursorScreenPos();
            ImGui::GetWindowDrawList()->AddLine(ImVec2(p.x, p.y + font * 0.6f),
                                                ImVec2(p.x + font * 1.6f, p.y + font * 0.6f),
                                                colour(m_laneColours[i % m_laneColours.size()]), 3.0f);
            ImGui::Dummy(ImVec2(font * 1.8f, font));
            ImGui::SameLine();
            ImGui::TextUnformatted(cmp.lanes()[i]->spec().label.c_str());
        }
        const ImVec2 avail = ImGui::GetContentRegionAvail();
        const float gap = font;
        const float w = (avail.x - gap * 2) / 3;
        for (size_t i = 0; i < 3; ++i) {
            if (i) ImGui::SameLine(0, gap);
            ImGui::PushID(static_cast<int>(i));
            drawPlot(c, plots[i], ImVec2(w, avail.y - ImGui::GetStyle().ItemSpacing.y));
            ImGui::PopID();
        }
    }

    void drawPlot(Context& c, const Plot& plot, ImVec2 size)
    {
        const Comparison& cmp = *m_comparison;
        const float font = ImGui::GetFontSize();
        const ImVec2 origin = ImGui::GetCursorScreenPos();
        ImGui::InvisibleButton("plot", size);
        const bool hovered = ImGui::IsItemHovered();
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec4 text = ImGui::GetStyleColorVec4(ImGuiCol_Text);

        double top = 0;
        for (const auto& lane : cmp.lanes())
            for (const LaneSample& s : lane->samples())
                top = std::max(top, plot.value(s));
        top = niceCeiling(top / plot.unit) * plot.unit;
        // Small counts get a tick at every whole number, anything else one in the middle.
        const int ticks = plot.integer && top <= 5 ? static_cast<int>(top) : 2;
        const std::string topText = plot.format(top);
        const float axisW =
            std::max(ImGui::CalcTextSize(topText.c_str()).x, ImGui::CalcTextSize("0").x) + font * 0.5f;
        const ImVec2 a(origin.x + axisW, origin.y + font * 1.5f); // plot area, top left
        const ImVec2 b(origin.x + size.x - font * 0.5f, origin.y + size.y - font * 2.6f); // bottom right
        draw->AddText(ImVec2(origin.x, origin.y), colour(text), plot.title);
        draw->AddRectFilled(a, b, colour(text, 0.04f));
        draw->AddLine(ImVec2(a.x, b.y), b, colour(text, 0.6f));
        draw->AddLine(a, ImVec2(a.x, b.y), colour(text, 0.6f));
        for (int k = 0; k <= ticks; ++k) {
            const double v = top * k / ticks;
            const float y = b.y - (b.y - a.y) * static_cast<float>(k) / static_cast<float>(ticks);
            if (k) draw->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), colour(text, 0.10f));
            const std::string label = plot.format(v);
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            draw->AddText(ImVec2(a.x - ts.x - font * 0.25f, y - ts.y * 0.5f), colour(c.palette.dim),
                          label.c_str());
        }
        // x: one tick per action, the whole comparison's length, so the plot does not rescale as it runs
        const size_t count = std::max<size_t>(1, cmp.actionCount());
        auto xOf = [&](size_t n) {
            return a.x + (b.x - a.x) * static_cast<float>(n) / static_cast<float>(count);
        };
        const size_t every = count > 12 ? (count + 11) / 12 : 1;
        for (size_t n = 0; n <= count; n += every) {
            const std::string label = std::to_string(n);
            const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
            draw->AddLine(ImVec2(xOf(n), b.y), ImVec2(xOf(n), b.y + 3), colour(text, 0.6f));
            draw->AddText(ImVec2(xOf(n) - ts.x * 0.5f, b.y + 2), colour(c.palette.dim), label.c_str());
        }
        const char* axis = "after action N";
        const ImVec2 as = ImGui::CalcTextSize(axis);
        draw->AddText(ImVec2((a.x + b.x - as.x) * 0.5f, b.y + font * 1.2f), colour(c.palette.dim), axis);

        // One line per lane; lanes with equal values are shifted a little so that none hides another.
        const float spread = 2.5f;
        const size_t lanes = cmp.lanes().size();
        for (size_t li = 0; li < lanes; ++li) {
            const auto& samples = cmp.lanes()[li]->samples();
            const ImU32 col = colour(m_laneColours[li % m_laneColours.size()]);
            const float shift = (static_cast<float>(li) - static_cast<float>(lanes - 1) * 0.5f) * spread;
            ImVec2 previous;
            for (size_t n = 0; n < samples.size(); ++n) {
                const float y = b.y - (b.y - a.y) * static_cast<float>(plot.value(samples[n]) / top) + shift;
                const ImVec2 point(xOf(n), y);
                if (n) draw->AddLine(previous, point, col, 2.5f);
                draw->AddCircleFilled(point, 3.0f, col);
                previous = point;
            }
        }

        if (!hovered) return;
        const float mx = ImGui::GetIO().MousePos.x;
        const size_t done = cmp.actionIndex();
        long nearest = std::lround((mx - a.x) / (b.x - a.x) * static_cast<float>(count));
        const size_t n = static_cast<size_t>(std::clamp<long>(nearest, 0, static_cast<long>(done)));
        draw->AddLine(ImVec2(xOf(n), a.y), ImVec2(xOf(n), b.y), colour(text, 0.35f));
        ImGui::BeginTooltip();
        if (n == 0)
            ImGui::TextUnformatted("At the start");
        else
            ImGui::Text("After action %zu: %s", n, cmp.describeAction(n).c_str());
        for (size_t li = 0; li < lanes; ++li) {
            const auto& samples = cmp.lanes()[li]->samples();
            if (n >= samples.size()) continue;
            ImGui::TextColored(m_laneColours[li % m_laneColours.size()], "%s: %s",
                               cmp.lanes()[li]->spec().label.c_str(),
                               plot.format(plot.value(samples[n])).c_str());
        }
        ImGui::EndTooltip();
    }

    size_t m_choice = 0;
    std::unique_ptr<Comparison> m_comparison;
    bool m_running = false;
    float m_actionsPerSecond = 1.0f;
    double m_credit = 0;
    std::vector<ImVec4> m_laneColours;
    std::map<const scenario::Lane*, size_t> m_seenEntries;
};

} // namespace

std::unique_ptr<Panel> makeComparePanel()
{
    return std::make_unique<ComparePanel>();
}

scenario::Comparison* comparisonOf(Panel& panel)
{
    auto* compare = dynamic_cast<ComparePanel*>(&panel);
    if (!compare) return nullptr;
    if (!compare->comparison()) compare->choose(0);
    return compare->comparison();
}

bool chooseComparison(Panel& panel, const std::string& id)
{
    auto* compare = dynamic_cast<ComparePanel*>(&panel);
    if (!compare) return false;
    const auto& specs = scenario::builtInComparisons();
    for (size_t i = 0; i < specs.size(); ++i)
        if (specs[i].id == id) return compare->choose(i);
    return false;
}

} // namespace maillab::gui
