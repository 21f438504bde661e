// The transcript as a sequence diagram: one lifeline per session (device and session number) and one for
// the server, an arrow per command and per reply, connections opening and closing, the simulator's notes
// across the lanes. Rows are indexed as the transcript grows and only the visible ones are drawn, so a
// long-running server's 100,000 entries cost no more per frame than a lesson's fifty.
#include "diagram_panels.hpp"
#include "lesson_player.hpp"
#include "panels.hpp"
#include "text_fit.hpp"
#include "ui_probe.hpp"
#include "wire/clock_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <imgui_internal.h> // SetNextWindowScroll
#include <string>
#include <unordered_map>
#include <vector>

namespace maillab::gui {
namespace {

using Entry = wire::TranscriptEntry;

// Beyond this many lanes, a new session reuses the lane of one that has closed, so a server that served
// thousands of connections one after another still fits the panel.
constexpr size_t kMaxLanes = 8;

enum class RowKind : uint8_t { Command, Reply, TlsToServer, TlsToClient, Connect, Close, Note };

struct Row {
    uint64_t entry; // the entry's number in the transcript (Transcript::dropped() + index)
    int lane;       // -1: across the lanes (notes)
    RowKind kind;
    uint32_t lines = 0; // a reply's line count, counted once when indexed (a RETR can be megabytes)
};

// A session's stretch of a lane, from its connection to its close (absolute row numbers).
struct Segment {
    uint64_t first = 0;
    uint64_t last = UINT64_MAX; // UINT64_MAX: still open
    std::string label;          // "laptop #1"
};

struct Lane {
    std::string device;
    std::vector<Segment> segments;
    bool open = false;
};

ImU32 colour(ImVec4 c, float alpha = 1.0f)
{
    c.w *= alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

std::string firstLine(const std::string& bytes)
{
    size_t end = bytes.find_first_of("\r\n");
    return bytes.substr(0, end == std::string::npos ? bytes.size() : end);
}

size_t lineCount(const std::string& bytes)
{
    size_t lines = static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    return lines + (!bytes.empty() && bytes.back() != '\n' ? 1 : 0);
}

// Text in width pixels of the current font: its middle elided, so an arrow's label keeps what the reply
// said at its end; the row's tooltip shows it whole.
std::string fit(const std::string& text, float width)
{
    Fitted fitted = elideMiddle(text, width);
    if (fitted.elided) probe::noteElided(text, false);
    return fitted.text;
}

// A lifeline's name in lines no wider than width, broken between words: a name is never cut.
std::vector<std::string> wrapName(const std::string& name, float width)
{
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < name.size()) {
        size_t end = name.find(' ', pos);
        std::string word = name.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (!lines.empty() && ImGui::CalcTextSize((lines.back() + " " + word).c_str()).x <= width)
            lines.back() += " " + word;
        else
            lines.push_back(word);
        pos = end == std::string::npos ? name.size() : end + 1;
    }
    return lines;
}

void arrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 col, float thickness, float head, bool dashed)
{
    const float dir = to.x > from.x ? 1.0f : -1.0f;
    const ImVec2 base(to.x - dir * head, to.y);
    if (dashed) {
        const float dash = head * 0.9f;
        for (float x = from.x; dir * (base.x - x) > 0; x += dir * dash * 2)
            draw->AddLine(ImVec2(x, from.y),
                          ImVec2(dir > 0 ? std::min(x + dash, base.x) : std::max(x - dash, base.x), from.y),
                          col, thickness);
    } else {
        draw->AddLine(from, base, col, thickness);
    }
    draw->AddTriangleFilled(to, ImVec2(base.x, to.y - head * 0.5f), ImVec2(base.x, to.y + head * 0.5f), col);
}

class SequencePanel : public Panel {
public:
    const char* id() const override { return "sequence"; }
    const char* title() const override { return "Sequence diagram"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.62f, 0.42f, 0.38f); }

    void draw(Context& c) override
    {
        const wire::Transcript* transcript = c.transcript;
        if (!transcript) {
            forget(nullptr, -1);
            ImGui::TextColored(c.palette.dim, "Nothing to draw: no lesson and no server.");
            return;
        }
        index(*transcript, c.player ? c.player->generation() : -1);
        if (m_rows.empty()) {
            m_info.drawnRows = 0;
            ImGui::PushStyleColor(ImGuiCol_Text, c.palette.dim);
            ImGui::TextWrapped(
                "Nothing has crossed the wire yet. Press Step: each command a device sends and "
                "each reply of the server appears here as an arrow, one lifeline per "
                "connection.");
            ImGui::PopStyleColor();
            return;
        }
        drawDiagram(c, *transcript);
    }

    const SequenceDiagramInfo& info() const { return m_info; }

private:
    // [SECTION] the incremental index

    void forget(const wire::Transcript* transcript, int generation)
    {
        m_transcript = transcript;
        m_generation = generation;
        m_rows.clear();
        m_rowBase = 0;
        m_indexed = 0;
        m_lanes.clear();
        m_sessionLane.clear();
        m_info = {};
        m_scrollToEnd = true;
    }

    void index(const wire::Transcript& transcript, int generation)
    {
        const uint64_t dropped = transcript.dropped();
        const uint64_t end = dropped + transcript.size();
        // A rebuilt simulation (Back, Reset, another lesson) or another transcript: start again.
        if (&transcript != m_transcript || generation != m_generation || end < m_indexed)
            forget(&transcript, generation);
        // The oldest entries of a long-running server's transcript are gone: so are their rows.
        while (!m_rows.empty() && m_rows.front().entry < dropped) {
            m_rows.pop_front();
            ++m_rowBase;
        }
        const auto& entries = transcript.entries();
        for (uint64_t n = std::max(m_indexed, dropped); n < end; ++n)
            add(entries[static_cast<size_t>(n - dropped)], n);
        m_indexed = end;
        m_info.rows = m_rows.size();
        m_info.sessions = m_sessionLane.size();
    }

    void add(const Entry& e, uint64_t number)
    {
        const uint64_t row = m_rowBase + m_rows.size();
        switch (e.kind) {
        case Entry::Kind::Note:
            m_rows.push_back({number, -1, RowKind::Note});
            ++m_info.notes;
            return;
        case Entry::Kind::Connected: {
            int lane = laneFor(e, row, true);
            m_rows.push_back({number, lane, RowKind::Connect});
            return;
        }
        case Entry::Kind::Closed: {
            auto it = m_sessionLane.find(e.sessionId);
            if (it == m_sessionLane.end()) return; // a close of a session we never saw open
            Lane& lane = m_lanes[static_cast<size_t>(it->second)];
            lane.segments.back().last = row;
            lane.open = false;
            m_rows.push_back({number, it->second, RowKind::Close});
            m_sessionLane.erase(it);
            return;
        }
        case Entry::Kind::Data:
            m_rows.push_back(
                {number, laneFor(e, row, false),
                 e.direction == wire::Direction::ClientToServer ? RowKind::Command : RowKind::Reply,
                 static_cast<uint32_t>(lineCount(e.bytes))});
            ++m_info.arrows;
            return;
        case Entry::Kind::TlsRecord:
            m_rows.push_back({number, laneFor(e, row, false),
                              e.direction == wire::Direction::ClientToServer ? RowKind::TlsToServer
                                                                             : RowKind::TlsToClient});
            ++m_info.tlsArrows;
            return;
        }
    }

    // The lane of an entry's session; a session not seen before starts a segment (at its connection, or at
    // its first entry when the transcript's start is gone).
    int laneFor(const Entry& e, uint64_t row, bool connecting)
    {
        auto it = m_sessionLane.find(e.sessionId);
        if (it != m_sessionLane.end() && !connecting) return it->second;
        size_t lane = m_lanes.size();
        // The same device's lane when it is free, else a new lane, else the lane closed the longest ago.
        for (size_t i = 0; i < m_lanes.size(); ++i)
            if (!m_lanes[i].open && m_lanes[i].device == e.device) {
                lane = i;
                break;
            }
        if (lane == m_lanes.size() && m_lanes.size() >= kMaxLanes) {
            uint64_t oldest = UINT64_MAX;
            for (size_t i = 0; i < m_lanes.size(); ++i) {
                uint64_t last = m_lanes[i].segments.empty() ? 0 : m_lanes[i].segments.back().last;
                if (!m_lanes[i].open && last < oldest) {
                    oldest = last;
                    lane = i;
                }
            }
            if (lane == m_lanes.size())
                lane = static_cast<size_t>(e.sessionId) % kMaxLanes; // all busy: share
        }
        if (lane == m_lanes.size()) m_lanes.push_back({e.device, {}, false});
        Lane& l = m_lanes[lane];
        if (l.open && !l.segments.empty()) l.segments.back().last = row == 0 ? 0 : row - 1;
        l.device = e.device;
        l.open = true;
        l.segments.push_back({row, UINT64_MAX, e.device + " #" + std::to_string(e.sessionId)});
        // Keep a lane's history bounded when its rows are long gone.
        constexpr size_t kKeep = 2048;
        if (l.segments.size() > 2 * kKeep && l.segments[kKeep - 1].last < m_rowBase)
            l.segments.erase(l.segments.begin(), l.segments.begin() + kKeep);
        m_sessionLane[e.sessionId] = static_cast<int>(lane);
        return static_cast<int>(lane);
    }

    // The segment of a lane that covers row, or the first one after it up to `until`, or null.
    const Segment* segmentAt(const Lane& lane, uint64_t row, uint64_t until) const
    {
        auto it =
            std::lower_bound(lane.segments.begin(), lane.segments.end(), row,
                             [](const Segment& s, uint64_t r) { return s.last != UINT64_MAX && s.last < r; });
        if (it == lane.segments.end()) return nullptr;
        if (it->first <= row || it->first < until) return &*it;
        return nullptr;
    }

    // [SECTION] drawing

    // Whether a lane had anyone on it in the rows the last frame showed.
    bool inView(size_t lane) const { return lane < m_inView.size() && m_inView[lane]; }

    struct Geometry {
        float timeW = 0, left = 0, serverX = 0;
        std::vector<float> laneX;
    };

    Geometry layout(float originX, float width) const
    {
        Geometry g;
        ImGui::PushFont(m_mono);
        g.timeW = ImGui::CalcTextSize(m_widestTime.c_str()).x;
        ImGui::PopFont();
        const float font = ImGui::GetFontSize();
        // The arrows need the room more than the clock (it is in each row's tooltip): a narrow diagram
        // has no time column.
        if (width - g.timeW < font * 30) g.timeW = 0;
        g.left = originX + (g.timeW > 0 ? g.timeW + font * 0.8f : font * 0.3f);
        const float serverHalf = ImGui::CalcTextSize("server").x * 0.5f + font;
        g.serverX = originX + width - serverHalf;
        // Lanes no wider than their names need, and a lane with nobody on it in view only a sliver: the
        // room left goes to the arrows, whose labels must stay between their lifeline and the server's.
        const size_t n = std::max<size_t>(1, m_lanes.size());
        const float sliver = font * 1.2f;
        size_t active = 0;
        float widestName = font * 3;
        for (size_t i = 0; i < m_lanes.size(); ++i) {
            if (!inView(i)) continue;
            ++active;
            if (!m_lanes[i].segments.empty())
                widestName =
                    std::max(widestName, ImGui::CalcTextSize(m_lanes[i].segments.back().label.c_str()).x);
        }
        const float idle = static_cast<float>(n - std::max<size_t>(active, 1)) * sliver;
        const float step =
            std::min((g.serverX - g.left - idle) / (static_cast<float>(std::max<size_t>(active, 1)) + 0.6f),
                     widestName + font);
        float x = g.left;
        for (size_t i = 0; i < n; ++i) {
            const float slot = inView(i) || active == 0 ? step : sliver;
            g.laneX.push_back(x + slot * 0.5f);
            x += slot;
        }
        return g;
    }

    void drawDiagram(Context& c, const wire::Transcript& transcript)
    {
        m_mono = c.fonts.mono;
        const float font = ImGui::GetFontSize();
        const float rowH = std::floor(font * 1.85f);
        const ImVec2 headerOrigin = ImGui::GetCursorScreenPos();
        const float width = ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ScrollbarSize;
        if (!transcript.entries().empty())
            m_widestTime = wire::clockText(transcript.entries().back().timeMs, clockOrigin(c));
        // The header: who each lifeline is at the top of the view.
        const uint64_t topRow = m_rowBase + m_lastFirst;
        const uint64_t bottomRow = m_rowBase + m_lastFirst + std::max<size_t>(m_info.drawnRows, 1);
        m_inView.assign(m_lanes.size(), false);
        for (size_t i = 0; i < m_lanes.size(); ++i)
            m_inView[i] = segmentAt(m_lanes[i], topRow, bottomRow) != nullptr;
        Geometry g = layout(headerOrigin.x, width);
        ImDrawList* draw = ImGui::GetWindowDrawList();
        const ImVec4 text = ImGui::GetStyleColorVec4(ImGuiCol_Text);
        m_info.lifelines.clear();
        size_t headerLines = 1;
        for (size_t i = 0; i < m_lanes.size(); ++i) {
            const Segment* s = segmentAt(m_lanes[i], topRow, bottomRow);
            bool past = false;
            if (!s && !m_lanes[i].segments.empty() && m_lanes[i].segments.front().first < topRow) {
                // Nobody on this lane in view: name, dimmed, whose it was above.
                auto it = std::lower_bound(m_lanes[i].segments.begin(), m_lanes[i].segments.end(), topRow,
                                           [](const Segment& seg, uint64_t r) { return seg.first < r; });
                s = &*(it - 1);
                past = true;
            }
            std::string label = s ? s->label : "";
            m_info.lifelines.push_back(label);
            // A sliver of a lane has no room for a name: its lifeline is not in view either.
            if (!inView(i) && m_lanes.size() > 1) continue;
            // Whole names, on as many lines as they need: "alice's" over "laptop #1", never "alic…".
            float slot = g.serverX - g.left;
            for (size_t j = 0; j < m_lanes.size(); ++j)
                if (inView(j) && j != i) slot = std::min(slot, std::fabs(g.laneX[j] - g.laneX[i]));
            slot -= 6;
            const std::vector<std::string> lines = wrapName(label, slot);
            for (size_t l = 0; l < lines.size(); ++l) {
                const float w = ImGui::CalcTextSize(lines[l].c_str()).x;
                draw->AddText(ImVec2(g.laneX[i] - w * 0.5f, headerOrigin.y + static_cast<float>(l) * font),
                              colour(past ? c.palette.dim : c.palette.client), lines[l].c_str());
            }
            headerLines = std::max(headerLines, lines.size());
        }
        m_info.lifelines.push_back("server");
        const float sw = ImGui::CalcTextSize("server").x;
        draw->AddText(ImVec2(g.serverX - sw * 0.5f, headerOrigin.y), colour(c.palette.server), "server");
        if (m_following) {
            if (g.timeW > 0) {
                ImGui::PushFont(m_mono);
                draw->AddText(ImVec2(headerOrigin.x, headerOrigin.y), colour(c.palette.dim), "time");
                ImGui::PopFont();
            }
        } else {
            // Scrolled up: the newest exchanges arrive below, out of sight.
            if (ImGui::SmallButton("\xe2\x86\x93 newest")) m_scrollToEnd = true;
            probe::track("Sequence newest");
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Scroll to the newest exchange and follow it again");
            ImGui::SetCursorScreenPos(headerOrigin);
        }
        ImGui::Dummy(ImVec2(width, static_cast<float>(headerLines) * font + 4));
        // The rows' height is known without drawing them; following the newest, the view moves to the end
        // before this frame's rows are drawn, not a frame late.
        const size_t total = m_rows.size();
        const float contentH = static_cast<float>(total) * rowH;
        if ((m_following && total != m_lastRowCount) || m_scrollToEnd)
            ImGui::SetNextWindowScroll(ImVec2(-1.0f, contentH));
        ImGui::SetNextWindowContentSize(ImVec2(0.0f, contentH));
        ImGui::BeginChild("rows", ImVec2(0, 0), false, ImGuiWindowFlags_NoMove);
        const float scrollY = ImGui::GetScrollY();
        // Scrolled up by the student: stay there; back at the end: follow again.
        m_following = scrollY >= ImGui::GetScrollMaxY() - rowH * 0.5f;
        const float viewH = ImGui::GetWindowHeight();
        const size_t first = std::min(total, static_cast<size_t>(std::max(0.0f, scrollY) / rowH));
        const size_t last =
            std::min(total, static_cast<size_t>((std::max(0.0f, scrollY) + viewH) / rowH) + 1);
        const ImVec2 origin = ImGui::GetCursorScreenPos(); // row 0's top left, scrolled
        ImDrawList* rows = ImGui::GetWindowDrawList();
        g = layout(origin.x, width);
        auto rowTop = [&](size_t i) { return origin.y + static_cast<float>(i) * rowH; };

        const auto& entries = transcript.entries();
        const uint64_t dropped = transcript.dropped();
        // What the last Step did, highlighted as in the other panels.
        const int currentStep = c.player ? c.player->stepNumber() : 0;
        for (size_t i = currentStep > 0 ? first : last; i < last; ++i)
            if (entries[static_cast<size_t>(m_rows[i].entry - dropped)].step == currentStep)
                rows->AddRectFilled(ImVec2(origin.x, rowTop(i)), ImVec2(origin.x + width, rowTop(i) + rowH),
                                    colour(c.palette.changed));

        // Lifelines first, so arrows cross over them.
        const ImU32 lifeCol = colour(c.palette.dim, 0.6f);
        rows->AddLine(ImVec2(g.serverX, rowTop(first)), ImVec2(g.serverX, rowTop(last)),
                      colour(c.palette.server, 0.6f), 2.0f);
        for (size_t li = 0; li < m_lanes.size(); ++li) {
            const Lane& lane = m_lanes[li];
            auto it = std::lower_bound(
                lane.segments.begin(), lane.segments.end(), m_rowBase + first,
                [](const Segment& s, uint64_t r) { return s.last != UINT64_MAX && s.last < r; });
            for (; it != lane.segments.end() && it->first < m_rowBase + last; ++it) {
                const float y0 =
                    rowTop(static_cast<size_t>(std::max<uint64_t>(it->first, m_rowBase + first) - m_rowBase));
                const uint64_t stop =
                    it->last == UINT64_MAX ? m_rowBase + last : std::min(it->last, m_rowBase + last);
                const float y1 = rowTop(static_cast<size_t>(stop - m_rowBase)) +
                                 (it->last == UINT64_MAX ? 0 : rowH * 0.5f);
                rows->AddLine(ImVec2(g.laneX[li], y0 + (it->first >= m_rowBase + first ? rowH * 0.5f : 0)),
                              ImVec2(g.laneX[li], y1), lifeCol, 1.5f);
            }
        }

        const bool hoverable = ImGui::IsWindowHovered();
        int64_t previousTime = INT64_MIN;
        if (first > 0) previousTime = entries[static_cast<size_t>(m_rows[first - 1].entry - dropped)].timeMs;
        for (size_t i = first; i < last; ++i) {
            const Row& row = m_rows[i];
            const Entry& e = entries[static_cast<size_t>(row.entry - dropped)];
            const float top = rowTop(i);
            if (e.timeMs != previousTime && g.timeW > 0) {
                ImGui::PushFont(m_mono);
                rows->AddText(ImVec2(origin.x, top + 2), colour(c.palette.dim),
                              wire::clockText(e.timeMs, clockOrigin(c)).c_str());
                ImGui::PopFont();
            }
            previousTime = e.timeMs;
            const ImVec2 rowMin(g.left - font * 0.5f, top), rowMax(origin.x + width, top + rowH);
            const bool hovered = hoverable && ImGui::IsMouseHoveringRect(rowMin, rowMax);
            if (hovered) rows->AddRectFilled(rowMin, rowMax, colour(text, 0.06f));
            drawRow(c, rows, g, row, e, top, rowH);
            if (hovered) tooltip(c, row, e);
        }
        m_scrollToEnd = false;
        ImGui::EndChild();

        m_lastRowCount = total;
        m_lastFirst = first;
        m_info.firstDrawn = first;
        m_info.drawnRows = last - first;
        m_info.following = m_following;
    }

    void drawRow(Context& c, ImDrawList* draw, const Geometry& g, const Row& row, const Entry& e, float top,
                 float rowH)
    {
        const float font = ImGui::GetFontSize();
        const float arrowY = top + rowH - font * 0.45f;
        const float head = font * 0.55f;
        if (row.kind == RowKind::Note) {
            const ImVec2 a(g.left, top + 3), b(g.serverX + font * 0.5f, top + rowH - 3);
            draw->AddRectFilled(a, b, colour(c.palette.note, 0.14f), 3.0f);
            draw->AddRect(a, b, colour(c.palette.note, 0.5f), 3.0f);
            std::string shown = fit(e.bytes, b.x - a.x - font);
            draw->AddText(ImVec2(a.x + font * 0.5f, (a.y + b.y - font) * 0.5f), colour(c.palette.note),
                          shown.c_str());
            return;
        }
        const float laneX = g.laneX[static_cast<size_t>(row.lane)];
        const float span = g.serverX - laneX;
        if (row.kind == RowKind::Connect || row.kind == RowKind::Close) {
            const bool connect = row.kind == RowKind::Connect;
            const ImU32 col = colour(c.palette.dim);
            if (connect) {
                draw->AddCircleFilled(ImVec2(laneX, arrowY), font * 0.3f, colour(c.palette.client));
                arrow(draw, ImVec2(laneX + font * 0.4f, arrowY), ImVec2(g.serverX, arrowY), col, 1.0f,
                      head * 0.8f, true);
            } else {
                const float s = font * 0.3f;
                draw->AddLine(ImVec2(laneX - s, arrowY - s), ImVec2(laneX + s, arrowY + s),
                              colour(c.palette.bad), 2.0f);
                draw->AddLine(ImVec2(laneX - s, arrowY + s), ImVec2(laneX + s, arrowY - s),
                              colour(c.palette.bad), 2.0f);
                draw->AddLine(ImVec2(laneX + s * 1.5f, arrowY), ImVec2(g.serverX, arrowY), col, 1.0f);
            }
            std::string label = connect ? "connects to port " + std::to_string(e.serverPort) + " (" +
                                              wire::protocolName(e.protocol) + ")"
                                        : e.bytes;
            std::string shown = fit(label, span - font);
            draw->AddText(ImVec2(laneX + font * 0.5f, top + 2), col, shown.c_str());
            return;
        }
        const bool toServer = row.kind == RowKind::Command || row.kind == RowKind::TlsToServer;
        const ImVec2 from(toServer ? laneX : g.serverX, arrowY), to(toServer ? g.serverX : laneX, arrowY);
        if (row.kind == RowKind::TlsToServer || row.kind == RowKind::TlsToClient) {
            arrow(draw, from, to, colour(c.palette.tls, 0.8f), 1.0f, head * 0.7f, false);
            std::string label = fit("TLS " + std::to_string(e.bytes.size()) + " bytes", span - font);
            draw->AddText(ImVec2(laneX + font * 0.5f, top + 2), colour(c.palette.tls, 0.85f), label.c_str());
            return;
        }
        const ImVec4 base = toServer ? c.palette.client : c.palette.server;
        arrow(draw, from, to, colour(base), 2.0f, head, false);
        std::string label = firstLine(e.bytes);
        if (!toServer && row.lines > 1) label += "  (+" + std::to_string(row.lines - 1) + " lines)";
        if (e.encrypted) label = "[TLS] " + label;
        // The label stays over its own arrow, between its lifeline and the server's: one that does not fit
        // loses its middle and keeps the reply's last words; the row's tooltip has it whole. A plate of the
        // window's colour keeps the lifelines it crosses from striking it through.
        ImGui::PushFont(m_mono);
        std::string shown = fit(label, span - font);
        const float w = ImGui::CalcTextSize(shown.c_str()).x;
        const float x = toServer ? laneX + font * 0.5f : g.serverX - font * 0.5f - w;
        const ImVec4 labelCol = !toServer && replyRefused(e) ? c.palette.bad : base;
        draw->AddRectFilled(ImVec2(x - 2, top + 1), ImVec2(x + w + 2, top + 1 + ImGui::GetFontSize()),
                            ImGui::GetColorU32(ImGuiCol_WindowBg, 0.85f));
        draw->AddText(ImVec2(x, top + 1), colour(labelCol), shown.c_str());
        ImGui::PopFont();
    }

    void tooltip(Context& c, const Row& row, const Entry& e)
    {
        ImGui::BeginTooltip();
        const std::string who = e.device + " #" + std::to_string(e.sessionId);
        std::string heading;
        switch (row.kind) {
        case RowKind::Command: heading = who + " \xe2\x86\x92 server"; break;
        case RowKind::Reply: heading = "server \xe2\x86\x92 " + who; break;
        case RowKind::TlsToServer: heading = who + " \xe2\x86\x92 server, TLS ciphertext"; break;
        case RowKind::TlsToClient: heading = "server \xe2\x86\x92 " + who + ", TLS ciphertext"; break;
        case RowKind::Connect: heading = who + " connects"; break;
        case RowKind::Close: heading = who + ": connection closed"; break;
        case RowKind::Note: heading = "note"; break;
        }
        ImGui::TextUnformatted(heading.c_str());
        ImGui::TextColored(
            c.palette.dim, "%s, step %d%s", wire::clockText(e.timeMs, clockOrigin(c)).c_str(), e.step,
            e.kind == Entry::Kind::Data ? (", " + std::to_string(e.bytes.size()) + " bytes").c_str() : "");
        ImGui::Separator();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        if (row.kind == RowKind::TlsToServer || row.kind == RowKind::TlsToClient) {
            ImGui::TextWrapped(
                "What an eavesdropper sees: %zu bytes of TLS records, unreadable without the keys.",
                e.bytes.size());
        } else if (e.kind == Entry::Kind::Data) {
            // The wire text, up to a screenful.
            constexpr size_t kMaxLines = 30, kMaxBytes = 3000;
            std::string shown;
            size_t lines = 0, pos = 0;
            while (pos < e.bytes.size() && lines < kMaxLines && shown.size() < kMaxBytes) {
                size_t lf = e.bytes.find('\n', pos);
                size_t end = lf == std::string::npos ? e.bytes.size() : lf;
                size_t stop = end > pos && e.bytes[end - 1] == '\r' ? end - 1 : end;
                shown.append(e.bytes, pos, std::min(stop - pos, kMaxBytes)).append("\n");
                ++lines;
                pos = lf == std::string::npos ? e.bytes.size() : lf + 1;
            }
            ImGui::PushFont(m_mono);
            ImGui::TextUnformatted(shown.c_str());
            ImGui::PopFont();
            if (pos < e.bytes.size())
                ImGui::TextColored(c.palette.dim, "... %zu more bytes", e.bytes.size() - pos);
        } else {
            ImGui::TextWrapped("%s", e.bytes.c_str());
        }
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }

    const wire::Transcript* m_transcript = nullptr;
    int m_generation = -1;
    std::deque<Row> m_rows;
    uint64_t m_rowBase = 0; // rows dropped from the front with their entries
    uint64_t m_indexed = 0; // transcript entries indexed (absolute)
    std::vector<Lane> m_lanes;
    std::unordered_map<int, int> m_sessionLane;      // open sessions -> lane
    std::string m_widestTime = "day 1 00:00:00.000"; // sizes the clock column
    std::vector<bool> m_inView;                      // per lane: anyone on it in the rows shown
    size_t m_lastRowCount = 0;
    size_t m_lastFirst = 0;
    bool m_following = true;
    bool m_scrollToEnd = true;
    ImFont* m_mono = nullptr;
    SequenceDiagramInfo m_info;
};

} // namespace

bool replyRefused(const wire::TranscriptEntry& reply)
{
    return std::any_of(reply.exchanges.begin(), reply.exchanges.end(),
                       [](const wire::Exchange& x) { return wire::refused(x.status); });
}

std::unique_ptr<Panel> makeSequencePanel()
{
    return std::make_unique<SequencePanel>();
}

const SequenceDiagramInfo* sequenceInfo(const Panel& panel)
{
    const auto* sequence = dynamic_cast<const SequencePanel*>(&panel);
    return sequence ? &sequence->info() : nullptr;
}

} // namespace maillab::gui
