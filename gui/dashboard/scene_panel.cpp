// The scene: the devices and the server as pictures, the server's mailboxes as trays of envelopes, each
// device's own store beside it, and what the last step sent travelling along its connection. It draws
// scene::Scene (scene_model.hpp), which is worked out from sim/ state alone; this file only paints it.
#include "scene_panel.hpp"

#include "lesson_player.hpp"
#include "mail/message.hpp"
#include "panels.hpp"
#include "ui_probe.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <set>
#include <string>
#include <utility>

namespace maillab::gui {
namespace {

using scene::DeviceKind;
using scene::Flight;
using Extent = wire::Effect::Extent;

ImU32 colour(ImVec4 c, float alpha = 1.0f)
{
    c.w *= alpha;
    return ImGui::ColorConvertFloat4ToU32(c);
}

ImVec2 lerp(ImVec2 a, ImVec2 b, float t)
{
    return ImVec2(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
}

// The largest envelope (1.45 wide for 1 high) from `largest` down to `smallest` of which `count` fit in the
// area; 0 when not even the smallest do. Returns the columns through `columns`.
float envelopeWidth(size_t count, ImVec2 area, float gap, float largest, float smallest, int& columns)
{
    for (float w = largest; w >= smallest; w *= 0.92f) {
        const float h = w / 1.45f;
        columns = std::max(1, static_cast<int>((area.x + gap) / (w + gap)));
        const int rows = std::max(0, static_cast<int>((area.y + gap) / (h + gap)));
        if (static_cast<size_t>(columns) * static_cast<size_t>(rows) >= count) return w;
    }
    return 0;
}

// [SECTION] what travels: a whole envelope, a postcard (headers only), one part

void drawEnvelope(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 paper, ImU32 ink, float thickness = 1.0f)
{
    draw->AddRectFilled(min, max, paper, 1.5f);
    draw->AddRect(min, max, ink, 1.5f, 0, thickness);
    const ImVec2 fold((min.x + max.x) * 0.5f, min.y + (max.y - min.y) * 0.55f);
    draw->AddLine(min, fold, ink, thickness);
    draw->AddLine(fold, ImVec2(max.x, min.y), ink, thickness);
}

void drawPostcard(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 paper, ImU32 ink, float thickness = 1.0f)
{
    draw->AddRectFilled(min, max, paper, 1.0f);
    draw->AddRect(min, max, ink, 1.0f, 0, thickness);
    const float h = max.y - min.y, w = max.x - min.x;
    for (int i = 1; i <= 3; ++i) {
        const float y = min.y + h * static_cast<float>(i) / 4.5f;
        draw->AddLine(ImVec2(min.x + w * 0.12f, y), ImVec2(min.x + w * (i == 1 ? 0.75f : 0.55f), y), ink,
                      1.0f);
    }
    // The stamp corner: a postcard, not a letter.
    draw->AddRect(ImVec2(max.x - w * 0.22f, min.y + h * 0.12f), ImVec2(max.x - w * 0.06f, min.y + h * 0.42f),
                  ink);
}

void drawPiece(ImDrawList* draw, ImVec2 centre, float size, ImU32 paper, ImU32 ink)
{
    // A torn-off corner: one MIME part, not the whole message.
    const ImVec2 a(centre.x - size, centre.y + size * 0.7f), b(centre.x + size, centre.y + size * 0.7f),
        c(centre.x + size * 0.2f, centre.y - size * 0.8f);
    draw->AddTriangleFilled(a, b, c, paper);
    draw->AddTriangle(a, b, c, ink, 1.5f);
}

void drawCargo(ImDrawList* draw, Extent extent, ImVec2 centre, float em, ImU32 paper, ImU32 ink)
{
    const ImVec2 half(em * 0.9f, em * 0.6f);
    const ImVec2 min(centre.x - half.x, centre.y - half.y), max(centre.x + half.x, centre.y + half.y);
    switch (extent) {
    case Extent::Whole:
    case Extent::Text: drawEnvelope(draw, min, max, paper, ink, 1.5f); break;
    case Extent::Headers:
    case Extent::HeadersAndLines: drawPostcard(draw, min, max, paper, ink, 1.5f); break;
    case Extent::Part: drawPiece(draw, centre, em * 0.6f, paper, ink); break;
    }
}

void drawPadlock(ImDrawList* draw, ImVec2 centre, float size, ImU32 body, ImU32 ink)
{
    const ImVec2 min(centre.x - size * 0.5f, centre.y - size * 0.1f),
        max(centre.x + size * 0.5f, centre.y + size * 0.6f);
    draw->PathArcTo(ImVec2(centre.x, min.y), size * 0.32f, 3.14159f, 6.28318f, 12);
    draw->PathStroke(ink, 0, size * 0.14f);
    draw->AddRectFilled(min, max, body, size * 0.1f);
    draw->AddRect(min, max, ink, size * 0.1f);
    draw->AddCircleFilled(ImVec2(centre.x, (min.y + max.y) * 0.5f), size * 0.09f, ink);
}

void drawCheck(ImDrawList* draw, ImVec2 min, float size, bool passed, ImU32 col)
{
    if (passed) {
        draw->AddLine(ImVec2(min.x, min.y + size * 0.55f), ImVec2(min.x + size * 0.38f, min.y + size * 0.9f),
                      col, 2.5f);
        draw->AddLine(ImVec2(min.x + size * 0.38f, min.y + size * 0.9f),
                      ImVec2(min.x + size, min.y + size * 0.1f), col, 2.5f);
    } else {
        draw->AddLine(min, ImVec2(min.x + size, min.y + size), col, 2.5f);
        draw->AddLine(ImVec2(min.x + size, min.y), ImVec2(min.x, min.y + size), col, 2.5f);
    }
}

// [SECTION] the devices, as a class recognises them

void drawDeviceIcon(ImDrawList* draw, DeviceKind kind, ImVec2 min, ImVec2 max, ImU32 body, ImU32 screen,
                    ImU32 ink)
{
    const float w = max.x - min.x, h = max.y - min.y;
    switch (kind) {
    case DeviceKind::Laptop:
    case DeviceKind::Desktop: {
        // A lid with its screen, and the keyboard's base below, wider than the lid.
        const ImVec2 lidMin(min.x + w * 0.12f, min.y), lidMax(max.x - w * 0.12f, min.y + h * 0.74f);
        draw->AddRectFilled(lidMin, lidMax, body, w * 0.04f);
        draw->AddRectFilled(ImVec2(lidMin.x + w * 0.05f, lidMin.y + w * 0.05f),
                            ImVec2(lidMax.x - w * 0.05f, lidMax.y - w * 0.04f), screen, w * 0.02f);
        draw->AddQuadFilled(ImVec2(lidMin.x, lidMax.y + h * 0.03f), ImVec2(lidMax.x, lidMax.y + h * 0.03f),
                            ImVec2(max.x, max.y), ImVec2(min.x, max.y), body);
        draw->AddLine(ImVec2(min.x + w * 0.4f, max.y - h * 0.08f),
                      ImVec2(max.x - w * 0.4f, max.y - h * 0.08f), ink, 1.5f);
        break;
    }
    case DeviceKind::Phone: {
        // Tall and narrow, a speaker slit at the top and a home button at the bottom.
        const float pw = std::min(w, h * 0.55f);
        const ImVec2 pMin((min.x + max.x - pw) * 0.5f, min.y), pMax((min.x + max.x + pw) * 0.5f, max.y);
        draw->AddRectFilled(pMin, pMax, body, pw * 0.18f);
        draw->AddRectFilled(ImVec2(pMin.x + pw * 0.1f, pMin.y + h * 0.1f),
                            ImVec2(pMax.x - pw * 0.1f, pMax.y - h * 0.14f), screen, pw * 0.04f);
        draw->AddLine(ImVec2(pMin.x + pw * 0.38f, pMin.y + h * 0.05f),
                      ImVec2(pMax.x - pw * 0.38f, pMin.y + h * 0.05f), ink, 2.0f);
        draw->AddCircle(ImVec2((pMin.x + pMax.x) * 0.5f, pMax.y - h * 0.07f), pw * 0.07f, ink, 12, 1.5f);
        break;
    }
    case DeviceKind::Webmail: {
        // A browser window: the title bar with its three dots, the address bar, a page.
        draw->AddRectFilled(min, max, body, w * 0.04f);
        draw->AddRectFilled(ImVec2(min.x + w * 0.04f, min.y + h * 0.3f),
                            ImVec2(max.x - w * 0.04f, max.y - h * 0.05f), screen);
        for (int i = 0; i < 3; ++i)
            draw->AddCircleFilled(
                ImVec2(min.x + w * (0.08f + 0.07f * static_cast<float>(i)), min.y + h * 0.12f), w * 0.025f,
                ink);
        draw->AddRectFilled(ImVec2(min.x + w * 0.32f, min.y + h * 0.07f),
                            ImVec2(max.x - w * 0.06f, min.y + h * 0.2f), screen, h * 0.05f);
        break;
    }
    }
}

const char* kindName(DeviceKind kind)
{
    switch (kind) {
    case DeviceKind::Laptop: return "laptop";
    case DeviceKind::Desktop: return "desktop";
    case DeviceKind::Phone: return "phone";
    case DeviceKind::Webmail: return "webmail in a browser";
    }
    return "";
}

// What the device runs, under its name. A keep-mode device that removes the server's copies after some days
// says its mode on a line of its own, with the delay (settingLine).
std::string deviceSubtitle(const scene::DeviceView& d)
{
    std::string text = d.protocol == wire::Protocol::Imap ? "IMAP"
                       : d.removeAfterDays > 0            ? "POP3"
                                                          : "POP3 " + d.mode;
    text += " \xc2\xb7 " + d.user;
    return text;
}

std::string settingLine(const scene::DeviceView& d)
{
    return d.removeAfterDays > 0 ? "keep, remove after " + std::to_string(d.removeAfterDays) + " d" : "";
}

std::string flagWords(uint8_t flags)
{
    std::string out;
    for (store::Flag flag : store::kAllFlags)
        if (flags & flag) out += std::string(out.empty() ? "" : " ") + store::flagName(flag);
    return out.empty() ? "no flags" : out;
}

} // namespace

struct SceneColours {
    ImU32 paper, ink, dim, text, changed, deleted, tls, good, bad, client, server, note, panel, frame, actor;
};

namespace {

// The palette's colours as the scene paints them; paper and ink for the mail itself.
SceneColours coloursOf(const Palette& p)
{
    const ImVec4 text = ImGui::GetStyleColorVec4(ImGuiCol_Text);
    const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
    const bool dark = bg.x + bg.y + bg.z < 1.5f;
    SceneColours c;
    c.paper = dark ? IM_COL32(238, 232, 214, 255) : IM_COL32(255, 252, 240, 255);
    c.ink = IM_COL32(70, 60, 45, 255);
    c.dim = colour(p.dim);
    c.text = colour(text);
    c.changed = colour(ImVec4(p.changed.x, p.changed.y, p.changed.z, 1.0f));
    c.deleted = colour(p.deleted);
    c.tls = colour(p.tls);
    c.good = colour(p.good);
    c.bad = colour(p.bad);
    c.client = colour(p.client);
    c.server = colour(p.server);
    c.note = colour(p.note);
    c.panel = dark ? IM_COL32(52, 56, 66, 255) : IM_COL32(226, 230, 238, 255);
    c.frame = dark ? IM_COL32(110, 116, 130, 255) : IM_COL32(150, 156, 170, 255);
    c.actor = colour(p.stateLit);
    return c;
}

// Stickers, the same on the server's envelopes and on a device's copies: unread (a blue dot), flagged (an
// orange flag corner), answered (a green dot); struck when marked for deletion (POP3 DELE until QUIT, IMAP
// \Deleted until EXPUNGE). A small glyph gets smaller stickers, so they do not cover it.
void drawHeld(ImDrawList* draw, const SceneColours& col, scene::Held held, ImVec2 min, ImVec2 max)
{
    switch (held) {
    case scene::Held::Whole: drawEnvelope(draw, min, max, col.paper, col.ink); break;
    case scene::Held::Headers: drawPostcard(draw, min, max, col.paper, col.ink); break;
    case scene::Held::Part:
        drawPiece(draw, ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f), (max.y - min.y) * 0.6f,
                  col.paper, col.ink);
        break;
    }
}

void drawStickers(ImDrawList* draw, const SceneColours& col, ImVec2 min, ImVec2 max, float em, uint8_t flags,
                  bool struck)
{
    const float unit = std::min(em, (max.y - min.y) * 0.9f);
    if (!(flags & store::kSeen)) draw->AddCircleFilled(min, unit * 0.16f, col.client);
    if (flags & store::kFlagged)
        draw->AddTriangleFilled(ImVec2(max.x - unit * 0.45f, min.y), ImVec2(max.x, min.y),
                                ImVec2(max.x, min.y + unit * 0.45f), IM_COL32(240, 140, 30, 255));
    if (flags & store::kAnswered) draw->AddCircleFilled(max, unit * 0.15f, col.good);
    if (struck) {
        draw->AddLine(ImVec2(min.x - 2, max.y + 1), ImVec2(max.x + 2, min.y - 1), col.deleted, 2.5f);
        draw->AddLine(ImVec2(min.x - 2, min.y - 1), ImVec2(max.x + 2, max.y + 1), col.deleted, 2.5f);
    }
}

} // namespace

// [SECTION] labels: never below the floor, said shorter rather than shrunk

namespace scene_text {
namespace {

constexpr const char* kEllipsis = "\xe2\x80\xa6"; // "…"

bool continuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Words split at spaces, but a quoted string ("Term 1") is one word: a name is kept whole or not at all.
std::vector<std::string> wordsOf(const std::string& text)
{
    std::vector<std::string> words;
    std::string word;
    bool quoted = false;
    for (char ch : text) {
        if (ch == ' ' && !quoted) {
            if (!word.empty()) words.push_back(std::exchange(word, {}));
            continue;
        }
        quoted = ch == '"' ? !quoted : quoted;
        word += ch;
    }
    if (!word.empty()) words.push_back(word);
    return words;
}

std::string joined(const std::vector<std::string>& words, size_t count)
{
    std::string out;
    for (size_t i = 0; i < count; ++i)
        out += (i ? " " : "") + words[i];
    return out;
}

} // namespace

std::vector<std::string> shorterForms(const std::string& text, Shorten how, const std::string& keep)
{
    std::vector<std::string> forms{text};
    switch (how) {
    case Shorten::Middle: break;
    case Shorten::Words: {
        // Down to the words that end with `keep` ("A4 UID FETCH"), or to the first word without it; then
        // `keep` alone, which says more than the tag before it: "UID FETCH …".
        const std::vector<std::string> words = wordsOf(text), kept = wordsOf(keep);
        size_t at = words.size(); // where `keep` starts among the words
        for (size_t i = 0; !kept.empty() && i + kept.size() <= words.size() && at == words.size(); ++i)
            if (std::equal(kept.begin(), kept.end(), words.begin() + static_cast<std::ptrdiff_t>(i),
                           [](const std::string& a, const std::string& b) { return util::iequals(a, b); }))
                at = i;
        const size_t least = at < words.size() ? at + kept.size() : 1;
        for (size_t count = words.size(); count-- > least;)
            forms.push_back(joined(words, count) + " " + kEllipsis);
        if (at > 0 && at < words.size()) forms.push_back(keep + " " + kEllipsis);
        break;
    }
    case Shorten::Folder: {
        const size_t slash = text.rfind('/');
        if (slash == std::string::npos || slash + 1 >= text.size()) break;
        forms.push_back(kEllipsis + text.substr(slash));
        forms.push_back(text.substr(slash + 1));
        break;
    }
    }
    return forms;
}

std::string elideMiddle(const std::string& text, float width,
                        const std::function<float(const std::string&)>& widthOf)
{
    if (widthOf(text) <= width) return text;
    // The start weighs a little more: it says what the text is.
    for (size_t keep = text.size(); keep-- > 1;) {
        size_t head = (keep * 3 + 4) / 5, tail = text.size() - (keep - head);
        while (head > 0 && continuationByte(text[head]))
            --head;
        while (tail < text.size() && continuationByte(text[tail]))
            ++tail;
        // A shortened form already ends "… (LOGOUT …)": its own ellipsis marks the cut, not a second one.
        std::string rest = text.substr(tail);
        const size_t own = rest.find_first_not_of(' ');
        if (own != std::string::npos && rest.compare(own, std::strlen(kEllipsis), kEllipsis) == 0)
            rest.erase(0, own + std::strlen(kEllipsis));
        const std::string candidate = text.substr(0, head) + kEllipsis + rest;
        if (widthOf(candidate) <= width) return candidate;
    }
    return kEllipsis;
}

} // namespace scene_text

ScenePanel::Label ScenePanel::fit(ImFont* font, float size, float width,
                                  const std::vector<std::string>& forms) const
{
    auto widthAt = [font](float px) {
        return [font, px](const std::string& text) {
            return font->CalcTextSizeA(px, FLT_MAX, 0, text.c_str()).x;
        };
    };
    const float floor = std::min(size, m_textFloor);
    Label label;
    label.text = forms.front();
    const float whole = widthAt(size)(label.text);
    label.size = whole > width && whole > 0 ? std::max(floor, size * width / whole) : size;
    label.width = widthAt(label.size)(label.text);
    if (label.width <= width + 0.5f) return label;
    label.size = floor;
    label.shortened = true;
    const auto measure = widthAt(floor);
    for (size_t i = 1; i < forms.size(); ++i)
        if (measure(forms[i]) <= width) {
            label.text = forms[i];
            label.width = measure(label.text);
            return label;
        }
    label.text = scene_text::elideMiddle(forms.back(), width, measure);
    label.width = measure(label.text);
    return label;
}

float ScenePanel::drawLabel(ImDrawList* draw, ImFont* font, float size, ImVec2 pos, float width, ImU32 col,
                            const std::string& text, bool centre, const HoverFn& hover,
                            scene_text::Shorten how)
{
    const Label label = fit(font, size, width, scene_text::shorterForms(text, how));
    if (centre) pos.x += (width - label.width) * 0.5f;
    draw->AddText(font, label.size, pos, col, label.text.c_str());
    noteDrawn(label.size);
    if (label.shortened) {
        probe::noteElided(text, false);
        hover(pos, ImVec2(pos.x + label.width, pos.y + label.size), text);
    }
    return label.width;
}

// [SECTION] the panel

void ScenePanel::draw(Context& c)
{
    if (!c.store) {
        ImGui::TextWrapped("No server to show: no lesson is loaded and no server is running.");
        return;
    }
    scene::SceneInput input;
    input.store = c.store;
    input.transcript = c.transcript;
    for (scenario::Device* d : c.devices)
        input.devices.push_back(d);
    for (const SessionView& s : c.sessions)
        input.sessions.push_back({s.id, s.device, s.session});
    if (c.player && c.player->simulation()) input.checkpoints = &c.player->simulation()->checkpointResults();
    if (c.changes) input.changed = &c.changes->messages;
    if (c.player && c.player->simulation()) {
        input.nowMs = c.player->simulation()->clock().nowMs();
        input.originMs = clockOrigin(c);
    }
    m_scene = scene::buildScene(input);

    // The clock of the last step's animation: it restarts whenever a step is taken or replayed.
    const int generation = c.player ? c.player->generation() : 0;
    const size_t entries = c.transcript ? c.transcript->size() : 0;
    if (m_scene.step != m_animatedStep || generation != m_animatedGeneration || entries < m_animatedEntries) {
        m_animatedStep = m_scene.step;
        m_animatedGeneration = generation;
        m_clock = 0;
    }
    m_animatedEntries = entries;
    m_clock += ImGui::GetIO().DeltaTime;
    const float stepsPerSecond = c.player ? std::max(0.1f, c.player->stepsPerSecond) : 2.0f;
    // The flight takes most of one step at the run speed, so it lands before the next one starts.
    const float duration = std::clamp(0.8f / stepsPerSecond, 0.25f, 2.0f);
    m_progress =
        c.animationAt >= 0 ? static_cast<float>(c.animationAt) : static_cast<float>(m_clock) / duration;

    drawScene(c);
}

float ScenePanel::flightProgress(size_t index, size_t count) const
{
    // Several things in one step leave one after another, a little apart.
    const float stagger = count > 1 ? std::min(0.15f, 0.5f / static_cast<float>(count)) : 0.0f;
    const float t =
        (m_progress - stagger * static_cast<float>(index)) / (1.0f - stagger * static_cast<float>(count - 1));
    return std::clamp(t, 0.0f, 1.0f);
}

void ScenePanel::drawScene(Context& c)
{
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const SceneColours col = coloursOf(c.palette);
    ImFont* font = ImGui::GetFont();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    // The legend and the checkpoints go below the picture, as ordinary wrapped text.
    const float footer = footerHeight(avail.x);
    // On a large screen the picture grows with the panel (a little: the font is drawn from its atlas).
    const float font0 = ImGui::GetFontSize();
    m_textFloor = font0 * scene_text::kSmallest;
    m_smallestText = FLT_MAX;
    const float em =
        font0 * std::clamp(std::min(avail.x / (font0 * 52), (avail.y - footer) / (font0 * 26)), 1.0f, 1.4f);
    const float height = std::max(em * 8, avail.y - footer);
    const float width = std::max(em * 20, avail.x);

    // Devices left and right of the server, alternating, so two devices face each other across it.
    std::vector<size_t> left, right;
    for (size_t i = 0; i < m_scene.devices.size(); ++i)
        (i % 2 == 0 ? left : right).push_back(i);
    const bool twoSides = !right.empty();
    const float side = width * (twoSides ? 0.24f : 0.33f);
    const float gap = width * (twoSides ? 0.09f : 0.12f);
    const ImVec2 serverMin(origin.x + side + gap, origin.y);
    const ImVec2 serverMax(twoSides ? origin.x + width - side - gap : origin.x + width, origin.y + height);

    m_hoverText.clear();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool hoverable = ImGui::IsWindowHovered();
    auto hover = [&](ImVec2 min, ImVec2 max, std::string text) {
        if (hoverable && mouse.x >= min.x && mouse.x < max.x && mouse.y >= min.y && mouse.y < max.y)
            m_hoverText = std::move(text);
    };

    // [SECTION] the server: accounts, padlocks, trays
    m_trayRects.clear();
    m_placed.clear();
    m_serverBox = {serverMin, serverMax};
    drawServer(c, draw, col, font, em, serverMin, serverMax, hover);

    // [SECTION] the devices and their connections
    m_devicePorts.clear();
    m_summaryGlyphs.clear();
    auto drawSide = [&](const std::vector<size_t>& indices, bool onLeft) {
        if (indices.empty()) return;
        const float cellH = height / static_cast<float>(indices.size());
        for (size_t k = 0; k < indices.size(); ++k) {
            const scene::DeviceView& d = m_scene.devices[indices[k]];
            const float x0 = onLeft ? origin.x : origin.x + width - side;
            const ImVec2 min(x0, origin.y + cellH * static_cast<float>(k));
            drawDevice(c, draw, col, font, em, d, min, ImVec2(min.x + side, min.y + cellH), onLeft, serverMin,
                       serverMax, hover);
        }
    };
    drawSide(left, true);
    drawSide(right, false);

    // [SECTION] what the last step sent, on its way
    drawFlights(c, draw, col, em);

    if (!m_hoverText.empty()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(em * 26);
        ImGui::TextUnformatted(m_hoverText.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
    }
    ImGui::Dummy(ImVec2(width, height));
    drawFooter(c, draw, col, font0);
}

void ScenePanel::drawServer(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                            ImVec2 min, ImVec2 max, const HoverFn& hover)
{
    draw->AddRectFilled(min, max, col.panel, em * 0.5f);
    // A step of the server's alone (a delivery, time passing) lights the server, as a device's step lights
    // it.
    if (m_scene.serverActing) draw->AddRectFilled(min, max, colour(c.palette.stateLit, 0.18f), em * 0.5f);
    draw->AddRect(min, max, m_scene.serverActing ? col.actor : col.frame, em * 0.5f, 0,
                  m_scene.serverActing ? 3.0f : 2.0f);
    const float pad = em * 0.5f;
    const float innerW = max.x - min.x - pad * 2;
    // Once the lesson lets days pass, the server's corner says which day it is (the transcript's "day N").
    float dayW = 0;
    if (m_scene.day > 1) {
        const std::string day = "day " + std::to_string(m_scene.day);
        const float size = em * 0.9f;
        dayW = font->CalcTextSizeA(size, FLT_MAX, 0, day.c_str()).x + em * 0.8f;
        const ImVec2 dMin(max.x - pad - dayW, min.y + pad * 0.7f), dMax(max.x - pad, dMin.y + em * 1.3f);
        draw->AddRectFilled(dMin, dMax, colour(c.palette.note, 0.2f), em * 0.3f);
        draw->AddRect(dMin, dMax, col.note, em * 0.3f, 0, 1.5f);
        draw->AddText(font, size, ImVec2(dMin.x + em * 0.4f, (dMin.y + dMax.y - size) * 0.5f), col.text,
                      day.c_str());
        noteDrawn(size);
        hover(dMin, dMax,
              "The simulated clock: day " + std::to_string(m_scene.day) + ", " +
                  std::to_string(m_scene.day - 1) +
                  " day(s) after the lesson began. Time passes only when the lesson says so.");
        dayW += pad;
    }
    // The title stays centred on the server while it clears the day; a crowded server says it smaller (the
    // packing below decides).
    auto heading = [&](float scale) {
        drawLabel(draw, c.fonts.heading ? c.fonts.heading : font, em * 1.3f * scale,
                  ImVec2(min.x + pad + dayW, min.y + pad * 0.6f * scale), innerW - dayW * 2, col.text,
                  "mail server", true, hover);
        return min.y + (pad + em * 1.5f) * scale;
    };
    if (m_scene.accounts.empty()) {
        heading(1.0f);
        return;
    }
    float y = 0;

    // Trays with mail (and INBOX, and those the last step touched) get room for their envelopes; empty
    // folders are small labelled boxes in a row, ready to receive a move.
    std::set<std::pair<std::string, std::string>> touched;
    for (const scene::Removal& r : m_scene.removed)
        touched.insert({r.user, r.mailbox});
    for (const Flight& f : m_scene.flights)
        touched.insert({f.user, f.target.empty() ? f.mailbox : f.target});
    const float small = em * 0.85f;
    const float minTrayW = em * 6.5f;
    struct Plan {
        std::vector<const scene::Tray*> full, empty;
        std::vector<ImVec2> chipPos; // from the chips' top left
        float chipsH = 0; // under the trays; beside the title: how far below the title's top they end
        bool besideTitle = false;
        bool folded = false; // the empty folders as one chip, "5 empty folders", their names on hover
        size_t columns = 1, rows = 0;
    };
    // A crowded server (two accounts, many folders, a projector's large type) packs tighter, a step at a
    // time, until it all fits inside its box: empty folders' chips without their "0" (a chip is an empty
    // folder), then flatter trays, then tighter rows, then the chips beside the account's name, then the
    // empty folders as one chip and a smaller heading.
    struct Packing {
        bool chipCounts;
        float trayMin, chipH, titleH;
        bool besideTitle = false;
        bool foldChips = false;
        float headingScale = 1.0f;
    };
    const Packing packings[] = {{true, em * 2.0f, em * 1.45f, em * 1.35f},
                                {false, em * 2.0f, em * 1.45f, em * 1.35f},
                                {false, em * 1.5f, em * 1.45f, em * 1.35f},
                                {false, em * 1.5f, em * 1.2f, em * 1.15f},
                                {false, em * 1.5f, em * 1.2f, em * 1.15f, true},
                                {false, em * 1.25f, em * 1.2f, em * 1.05f, true},
                                {false, em * 1.25f, em * 1.2f, em * 1.05f, true, true, 0.8f}};
    Packing packing = packings[0];
    auto foldedText = [](size_t count) { return std::to_string(count) + " empty folders"; };
    auto foldedWidth = [&](size_t count) {
        return font->CalcTextSizeA(small, FLT_MAX, 0, foldedText(count).c_str()).x + em * 1.0f;
    };
    auto titleWidth = [&](const scene::Account& account) {
        return font->CalcTextSizeA(em, FLT_MAX, 0, ("account " + account.user).c_str()).x;
    };
    auto chipWidth = [&](const scene::Tray& tray) {
        const std::string text = packing.chipCounts ? tray.mailbox + "  0" : tray.mailbox;
        return font->CalcTextSizeA(small, FLT_MAX, 0, text.c_str()).x + em * 1.0f;
    };
    std::vector<Plan> plans;
    float fixed = 0;
    size_t fullRows = 0;
    for (const Packing& tried : packings) {
        packing = tried;
        y = min.y + (pad + em * 1.5f) * packing.headingScale;
        plans.clear();
        fixed = 0;
        fullRows = 0;
        for (const scene::Account& account : m_scene.accounts) {
            Plan plan;
            for (const scene::Tray& tray : account.trays) {
                const bool roomy = tray.count > 0 || tray.mailbox == "INBOX" ||
                                   touched.contains({account.user, tray.mailbox});
                (roomy ? plan.full : plan.empty).push_back(&tray);
            }
            // Beside the title only where no padlock's "held by" needs that room.
            plan.besideTitle = packing.besideTitle && account.lockHolder.empty() && !plan.empty.empty();
            float x = plan.besideTitle ? titleWidth(account) + em : 0, rowY = 0;
            plan.folded = packing.foldChips && plan.empty.size() > 1;
            for (const scene::Tray* tray : plan.empty) {
                if (plan.folded && !plan.chipPos.empty()) break;
                const float w = plan.folded ? foldedWidth(plan.empty.size()) : chipWidth(*tray);
                if (x > 0 && x + w > innerW) {
                    x = 0;
                    rowY += packing.chipH + pad * 0.5f;
                }
                plan.chipPos.push_back(ImVec2(x, rowY));
                x += w + pad * 0.5f;
            }
            plan.chipsH = plan.empty.empty() ? 0 : rowY + packing.chipH + pad * 0.5f;
            const float head = plan.besideTitle ? std::max(packing.titleH, plan.chipsH) : packing.titleH;
            plan.columns =
                std::max<size_t>(1, std::min(plan.full.size(), static_cast<size_t>(innerW / minTrayW)));
            plan.rows = (plan.full.size() + plan.columns - 1) / plan.columns;
            fixed += head + (plan.besideTitle ? 0 : plan.chipsH) + pad * static_cast<float>(plan.rows);
            fullRows += plan.rows;
            plans.push_back(std::move(plan));
        }
        if (max.y - y - pad - fixed >= packing.trayMin * static_cast<float>(fullRows)) break;
    }
    y = heading(packing.headingScale);
    const float titleH = packing.titleH, chipH = packing.chipH;
    const float trayH = fullRows ? std::clamp((max.y - y - pad - fixed) / static_cast<float>(fullRows),
                                              packing.trayMin, em * 9.0f)
                                 : 0;

    for (size_t a = 0; a < m_scene.accounts.size(); ++a) {
        const scene::Account& account = m_scene.accounts[a];
        const Plan& plan = plans[a];
        const scene::DeviceView* actor = m_scene.device(m_scene.actor);
        const bool actorsAccount = actor && actor->user == account.user;
        // The account's name, and its padlock with the holder's name while a POP3 session has it.
        std::string title = "account " + account.user;
        draw->AddText(font, em, ImVec2(min.x + pad, y), actorsAccount ? col.actor : col.text, title.c_str());
        float titleW = font->CalcTextSizeA(em, FLT_MAX, 0, title.c_str()).x;
        place(title, true, ImVec2(min.x + pad, y), ImVec2(min.x + pad + titleW, y + em));
        if (!account.lockHolder.empty()) {
            const ImVec2 lock(min.x + pad + titleW + em * 0.9f, y + em * 0.4f);
            drawPadlock(draw, lock, em * 0.9f, col.note, col.ink);
            const std::string held = "held by " + account.lockHolder;
            const float room = max.x - pad - (lock.x + em * 0.7f);
            drawLabel(draw, font, em * 0.9f, ImVec2(lock.x + em * 0.7f, y + em * 0.05f), room, col.note, held,
                      false, hover);
            hover(ImVec2(lock.x - em * 0.5f, y), ImVec2(max.x, y + em * 1.2f),
                  "The POP3 maildrop lock: " + account.lockHolder +
                      "'s session has logged in, so until it ends no other POP3 login to " + account.user +
                      " gets in (RFC 1939 section 4).");
        }
        const float titleY = y;
        y += plan.besideTitle ? std::max(titleH, plan.chipsH) : titleH;
        const float trayW =
            (innerW - pad * static_cast<float>(plan.columns - 1)) / static_cast<float>(plan.columns);
        for (size_t i = 0; i < plan.full.size(); ++i) {
            const ImVec2 tMin(min.x + pad + (trayW + pad) * static_cast<float>(i % plan.columns),
                              y + (trayH + pad) * static_cast<float>(i / plan.columns));
            drawTray(c, draw, col, font, em, account.user, *plan.full[i], tMin,
                     ImVec2(tMin.x + trayW, tMin.y + trayH), hover);
        }
        y += (trayH + pad) * static_cast<float>(plan.rows);
        for (size_t i = 0; i < plan.empty.size(); ++i) {
            const ImVec2 cMin(min.x + pad + plan.chipPos[i].x,
                              (plan.besideTitle ? titleY - em * 0.1f : y) + plan.chipPos[i].y);
            if (plan.folded) {
                const ImVec2 cMax(cMin.x + foldedWidth(plan.empty.size()), cMin.y + chipH);
                draw->AddRectFilled(cMin, cMax, colour(ImGui::GetStyleColorVec4(ImGuiCol_WindowBg)),
                                    em * 0.3f);
                draw->AddRect(cMin, cMax, col.frame, em * 0.3f);
                drawLabel(draw, font, small, ImVec2(cMin.x + em * 0.5f, (cMin.y + cMax.y - small) * 0.5f),
                          cMax.x - cMin.x - em, col.text, foldedText(plan.empty.size()), false, hover);
                place("empty folders of " + account.user, true, cMin, cMax);
                std::string names;
                for (const scene::Tray* tray : plan.empty)
                    names += "\n" + tray->mailbox;
                hover(cMin, cMax, "Folders of " + account.user + " with no mail:" + names);
                break;
            }
            drawTray(c, draw, col, font, em, account.user, *plan.empty[i], cMin,
                     ImVec2(cMin.x + chipWidth(*plan.empty[i]), cMin.y + chipH), hover, packing.chipCounts);
        }
        if (!plan.besideTitle) y += plan.chipsH;
    }
}

void ScenePanel::drawTray(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                          const std::string& user, const scene::Tray& tray, ImVec2 min, ImVec2 max,
                          const HoverFn& hover, bool showCount)
{
    m_trayRects[{user, tray.mailbox}] = ImVec4(min.x, min.y, max.x, max.y);
    place("tray " + user + "/" + tray.mailbox, true, min, max);
    const bool changed = c.changes && c.changes->mailboxes.contains({user, tray.mailbox});
    draw->AddRectFilled(min, max, colour(ImGui::GetStyleColorVec4(ImGuiCol_WindowBg)), em * 0.3f);
    draw->AddRect(min, max, changed ? col.note : col.frame, em * 0.3f, 0, changed ? 2.5f : 1.0f);
    const float small = em * 0.85f;
    const std::string count = showCount ? util::withThousands(tray.count) : std::string();
    const float countW = showCount ? font->CalcTextSizeA(small, FLT_MAX, 0, count.c_str()).x : 0.0f;
    const float pad = em * 0.3f;
    // A short tray has its name and count on the left and the envelopes beside them; a tall one, above them.
    const bool flat = max.y - min.y < em * 3.2f;
    const float labelY = flat ? (min.y + max.y - small) * 0.5f : min.y + pad * 0.5f;
    // A nested folder too long for its tray goes by its own name ("…/Networks"), the whole path on hover.
    // In a flat tray the name is whole when that leaves the envelopes room for a stack (its count is the
    // tray's, beside the name).
    const float nameRoom = max.x - min.x - countW - pad * 3;
    const float flatNameRoom =
        std::max(std::min(font->CalcTextSizeA(small, FLT_MAX, 0, tray.mailbox.c_str()).x,
                          nameRoom - pad * 2 - em * 1.8f),
                 (max.x - min.x) * 0.45f - countW - pad * 3);
    const float nameW = drawLabel(draw, font, small, ImVec2(min.x + pad, labelY),
                                  flat && tray.count > 0 ? flatNameRoom : nameRoom, col.text, tray.mailbox,
                                  false, hover, scene_text::Shorten::Folder);
    const float countX = flat ? min.x + pad * 2 + nameW : max.x - pad - countW;
    draw->AddText(font, small, ImVec2(countX, labelY), col.dim, count.c_str());
    const float left = flat ? countX + countW + pad * 2 : min.x + pad;
    const float top = flat ? min.y + pad : min.y + small + pad * 2;
    const ImVec2 area(max.x - left - pad, max.y - top - pad);

    const float gapX = em * 0.35f, gapY = em * 0.35f;
    int columns = 1;
    const size_t ghosts =
        std::count_if(m_scene.removed.begin(), m_scene.removed.end(),
                      [&](const scene::Removal& r) { return r.user == user && r.mailbox == tray.mailbox; });
    if (tray.envelopes.empty() && ghosts == 0 && tray.count == 0) return;
    const float ew = envelopeWidth(tray.envelopes.size() + ghosts, area, gapX, em * 3.0f, em * 0.8f, columns);
    const ImVec2 envelope(ew, ew / 1.45f);
    const size_t room = ew > 0 ? tray.envelopes.size() + ghosts : 0;
    const bool stacked = ew == 0 || tray.count > tray.envelopes.size();
    if (stacked) {
        // Too many to draw one by one (a 10,000-message INBOX): a stack, as high as the tray allows, and its
        // count.
        const float off = std::min(em * 0.18f, area.y * 0.08f);
        const float sh = std::clamp(area.y - off * 4, em * 0.5f, em * 1.6f), sw = sh * 1.45f;
        const ImVec2 base(left, top);
        for (int i = 4; i >= 0; --i) {
            const float o = static_cast<float>(i) * off;
            drawEnvelope(draw, ImVec2(base.x + o, base.y + o), ImVec2(base.x + o + sw, base.y + o + sh),
                         col.paper, col.ink);
        }
        const std::string label = "\xc3\x97 " + count;
        const float labelX = base.x + sw + off * 4 + pad * 2;
        if (!flat || font->CalcTextSizeA(em, FLT_MAX, 0, label.c_str()).x <= max.x - labelX - pad)
            drawLabel(draw, font, em, ImVec2(labelX, base.y + (sh + off * 4 - em) * 0.5f),
                      max.x - labelX - pad, col.text, label, false, hover);
        hover(min, max, tray.mailbox + ": " + count + " messages, too many to draw one by one.");
        return;
    }
    for (size_t i = 0; i < tray.envelopes.size(); ++i) {
        const scene::Envelope& e = tray.envelopes[i];
        const ImVec2 eMin(left + (envelope.x + gapX) * static_cast<float>(i % static_cast<size_t>(columns)),
                          top + (envelope.y + gapY) * static_cast<float>(i / static_cast<size_t>(columns)));
        const ImVec2 eMax(eMin.x + envelope.x, eMin.y + envelope.y);
        const bool going = !e.markedBy.empty() || (e.flags & store::kDeleted);
        if (e.changedNow)
            draw->AddRectFilled(ImVec2(eMin.x - 3, eMin.y - 3), ImVec2(eMax.x + 3, eMax.y + 3), col.changed,
                                3.0f);
        drawEnvelope(draw, eMin, eMax, col.paper, col.ink);
        drawStickers(draw, col, eMin, eMax, em, e.flags, going);
        std::string text = subjectOf(c, user, tray.mailbox, e.uid, eMin, eMax) + "\nUID " +
                           std::to_string(e.uid) + ", " + flagWords(e.flags);
        if (!e.markedBy.empty())
            text += "\nMarked with DELE by " + e.markedBy + ": removed when its session ends with QUIT.";
        else if (e.flags & store::kDeleted)
            text += "\nFlagged \\Deleted: removed by EXPUNGE.";
        hover(eMin, eMax, std::move(text));
    }
    // What left the tray in the last step fades where it was.
    const float fade = 1.0f - std::clamp(m_progress, 0.0f, 1.0f);
    size_t slot = tray.envelopes.size();
    for (const scene::Removal& r : m_scene.removed) {
        if (r.user != user || r.mailbox != tray.mailbox || fade <= 0.0f || slot >= room) continue;
        const ImVec2 eMin(
            left + (envelope.x + gapX) * static_cast<float>(slot % static_cast<size_t>(columns)),
            top + (envelope.y + gapY) * static_cast<float>(slot / static_cast<size_t>(columns)));
        const ImVec2 eMax(eMin.x + envelope.x, eMin.y + envelope.y);
        drawEnvelope(draw, eMin, eMax, colour(ImVec4(1, 1, 1, 0.15f * fade)),
                     colour(c.palette.deleted, fade));
        draw->AddLine(ImVec2(eMin.x - 2, eMax.y + 1), ImVec2(eMax.x + 2, eMin.y - 1),
                      colour(c.palette.deleted, fade), 2.5f);
        ++slot;
    }
}

const std::string& ScenePanel::subjectOf(Context& c, const std::string& user, const std::string& mailbox,
                                         uint32_t uid, ImVec2 min, ImVec2 max)
{
    // Worked out only for the envelope under the mouse: the subject is a hover detail.
    static const std::string none;
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (mouse.x < min.x || mouse.x >= max.x || mouse.y < min.y || mouse.y >= max.y) return none;
    const store::Mailbox* box = c.store->mailbox(user, mailbox);
    const store::StoredMessage* m = box ? box->find(uid) : nullptr;
    m_subject = m ? mail::summarize(m->headerOrEmpty()).subject : std::string();
    if (m_subject.empty()) m_subject = "(no subject)";
    return m_subject;
}

void ScenePanel::drawDevice(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                            const scene::DeviceView& d, ImVec2 min, ImVec2 max, bool onLeft, ImVec2 serverMin,
                            ImVec2 serverMax, const HoverFn& hover)
{
    const float w = max.x - min.x, h = max.y - min.y;
    const float pad = em * 0.35f;
    const float alpha = d.lost ? 0.3f : 1.0f;
    // The icon on the side of the wire, the device's own store on the outer side.
    // Room under the icon for the name, what it runs (and its keep setting) and what an eavesdropper heard.
    const std::string setting = settingLine(d);
    const float lines = 4.2f + (setting.empty() ? 0.0f : 1.15f);
    // A short cell (five or six devices on a projector) keeps at least the name's line under the icon: the
    // icon shrinks rather than the name spilling into the next cell.
    const float nameH = em * 1.2f;
    // Too short for a fair icon over the name: the icon takes the cell's whole height on the wire's side, the
    // store and the name under it share the rest.
    const float rowH = h - pad * 2.5f - nameH;
    const bool compact = rowH < em * 1.6f;
    const float iconH = compact ? std::min(h - pad * 2, em * 3.0f)
                                : std::clamp(h - em * lines, em * 1.6f, std::min(em * 6.0f, w * 0.42f));
    const float iconW = iconH * 1.3f;
    const float iconX = onLeft ? max.x - iconW - pad : min.x + pad;
    // In a tall cell the device sits in its middle, and so does its wire.
    const float top =
        compact ? min.y + pad
                : min.y + pad + std::max(0.0f, (h - (pad * 2 + iconH + em * (lines - 0.6f))) * 0.5f);
    const ImVec2 iconMin(iconX, top), iconMax(iconX + iconW, top + iconH);
    // The bottom of the row of icon and store, where the lines under them start.
    const float rowBottom = compact ? top + std::max(rowH, em * 0.8f) : iconMax.y;
    if (d.acting && !d.lost)
        draw->AddRectFilled(ImVec2(min.x + 2, min.y + 2), ImVec2(max.x - 2, max.y - 2),
                            colour(c.palette.stateLit, 0.18f), em * 0.4f);
    const ImU32 body = d.lost ? col.dim : colour(ImVec4(0.55f, 0.58f, 0.64f, 1.0f), alpha);
    const ImU32 screen =
        d.connected ? colour(c.palette.client, 0.8f) : colour(ImVec4(0.16f, 0.18f, 0.22f, 1.0f), alpha);
    drawDeviceIcon(draw, d.kind, iconMin, iconMax, body, screen, col.ink);
    place(d.name + " icon", false, iconMin, iconMax);
    if (d.lost) {
        draw->AddLine(iconMin, iconMax, col.bad, 3.0f);
        draw->AddLine(ImVec2(iconMax.x, iconMin.y), ImVec2(iconMin.x, iconMax.y), col.bad, 3.0f);
    }
    hover(iconMin, iconMax,
          d.name + ": a " + kindName(d.kind) + ", " + deviceSubtitle(d) +
              (setting.empty() ? "" : ", " + setting) +
              (d.lost ? "\nLost: everything stored on it is gone." : "") +
              (d.connected ? "\nConnected; the server's session is in state " + d.state + "."
                           : "\nNot connected."));

    // Under the icon across the whole cell: the name, what it runs, its keep setting, IDLE and what an
    // eavesdropper heard. The name and what was heard always show; a short cell drops what it runs first.
    ImFont* heading = c.fonts.heading ? c.fonts.heading : font;
    const scene::Overheard* overheard = nullptr;
    for (const scene::Overheard& o : m_scene.overheard)
        if (o.device == d.name) overheard = &o;
    enum Line { Name, Subtitle, Setting, Idle, Heard };
    const float lineH[] = {nameH, em * 1.15f, em * 1.15f, em * 1.45f, em * 1.3f};
    bool lineShown[5] = {};
    // The last line needs no space under it (the next cell starts with its own padding); what is drawn on it
    // is shorter than its line.
    float roomLeft = max.y - (rowBottom + pad * 0.5f) + em * 0.15f;
    for (Line line : {Name, Heard, Idle, Setting, Subtitle}) {
        const bool wanted = line == Name || line == Subtitle || (line == Setting && !setting.empty()) ||
                            (line == Idle && d.idle && !d.lost) || (line == Heard && overheard);
        if (wanted && (line == Name || lineH[line] <= roomLeft)) {
            lineShown[line] = true;
            roomLeft -= lineH[line];
        }
    }
    // No line of its own for what was heard: it shares the name's line, the name on the wire's side.
    const bool heardBeside = overheard && !lineShown[Heard];
    const float storeX0 = onLeft ? min.x + pad : iconMax.x + pad;
    const float storeX1 = onLeft ? iconMin.x - pad : max.x - pad;
    const float textX = compact ? storeX0 : min.x + pad, textW = compact ? storeX1 - storeX0 : w - pad * 2;
    float y = rowBottom + pad * 0.5f;
    const std::string name = d.name + (d.lost ? " (lost)" : "");
    const float nameSize = em * 1.15f;
    float nameX = textX, nameW = textW;
    if (heardBeside) {
        nameW = std::min(textW * 0.45f, heading->CalcTextSizeA(nameSize, FLT_MAX, 0, name.c_str()).x + pad);
        nameX = onLeft ? textX + textW - nameW : textX;
    }
    const float nameDrawn = drawLabel(
        draw, heading, nameSize, ImVec2(nameX, y), nameW,
        d.acting ? col.actor : colour(ImGui::GetStyleColorVec4(ImGuiCol_Text), alpha), name, true, hover);
    place(d.name + " name", false, ImVec2(nameX + (nameW - nameDrawn) * 0.5f, y),
          ImVec2(nameX + (nameW + nameDrawn) * 0.5f, y + nameSize));
    if (heardBeside) {
        const float heardX = onLeft ? textX : textX + nameW + pad;
        drawOverheard(c, draw, col, em, *overheard, ImVec2(heardX, y), textW - nameW - pad, hover, d.name);
    }
    y += lineH[Name];
    // What it runs and its setting, at the body size when the cell is wide enough.
    const float detail = std::max(em * 0.85f, ImGui::GetFontSize());
    auto detailLine = [&](const std::string& text, const std::string& what) {
        const float drawn =
            drawLabel(draw, font, detail, ImVec2(textX, y), textW, col.dim, text, true, hover);
        place(d.name + " " + what, false, ImVec2(textX + (textW - drawn) * 0.5f, y),
              ImVec2(textX + (textW + drawn) * 0.5f, y + std::min(detail, lineH[Subtitle])));
        return drawn;
    };
    if (lineShown[Subtitle]) {
        detailLine(deviceSubtitle(d), "subtitle");
        y += lineH[Subtitle];
    }
    if (lineShown[Setting]) {
        const float drawn = detailLine(setting, "setting");
        hover(ImVec2(textX + (textW - drawn) * 0.5f, y), ImVec2(textX + (textW + drawn) * 0.5f, y + em),
              "Keep mode: " + d.name + " leaves its copies on the server and deletes each there (DELE) " +
                  std::to_string(d.removeAfterDays) +
                  " days after downloading it, at its next check for mail.");
        y += lineH[Setting];
    }
    if (lineShown[Idle]) {
        drawIdleBadge(c, draw, col, font, em, ImVec2(textX, y), textW, hover);
        y += lineH[Idle];
    }
    if (lineShown[Heard]) drawOverheard(c, draw, col, em, *overheard, ImVec2(textX, y), textW, hover, d.name);

    // The device's own store: one glyph per message it holds, whole or headers or a part.
    const ImVec2 sMin(storeX0, iconMin.y), sMax(storeX1, rowBottom);
    if (sMax.x - sMin.x > em * 2) {
        draw->AddRect(sMin, sMax, colour(c.palette.dim, 0.6f * alpha), em * 0.2f);
        place(d.name + " store", false, sMin, sMax);
        // What arrived in this step shows once its flight has landed.
        const size_t arriving = m_progress < 1.0f ? d.arrivingCount : 0;
        const size_t shownCount = d.shownCount(arriving == 0);
        std::vector<const scene::LocalItem*> items;
        for (const scene::LocalItem& m : d.local)
            if (!(m.arrivingNow && arriving > 0)) items.push_back(&m);
        const size_t shown = items.size();
        const float gx = em * 0.25f;
        int columns = 1;
        const float gw = envelopeWidth(shown, ImVec2(sMax.x - sMin.x - gx * 2, sMax.y - sMin.y - gx * 2), gx,
                                       em * 2.4f, em * 0.9f, columns);
        const ImVec2 glyph(gw > 0 ? gw : em, (gw > 0 ? gw : em) / 1.45f);
        const size_t room = gw > 0 ? shown : 0;
        if (shownCount == 0) {
            const float size =
                std::max(m_textFloor, std::min(std::max(em * 0.85f, ImGui::GetFontSize()), sMax.y - sMin.y));
            drawLabel(draw, font, size, ImVec2(sMin.x, (sMin.y + sMax.y - size) * 0.5f), sMax.x - sMin.x,
                      col.dim, "empty", true, hover);
        } else if (shownCount > room || shownCount > shown) {
            // Too many to draw one by one: the glyph of each kind held (headers only is a postcard, not an
            // envelope), then the count.
            std::vector<scene::Held>& kinds = m_summaryGlyphs[d.name];
            for (const scene::LocalItem* m : items)
                if (std::find(kinds.begin(), kinds.end(), m->held()) == kinds.end())
                    kinds.push_back(m->held());
            std::sort(kinds.begin(), kinds.end());
            // One under the other, so the count beside them keeps its room in a narrow store.
            float x = sMin.x + gx, y = sMin.y + gx;
            for (scene::Held kind : kinds) {
                if (y > sMin.y + gx && y + glyph.y > sMax.y - gx) {
                    x += glyph.x + gx;
                    y = sMin.y + gx;
                }
                drawHeld(draw, col, kind, ImVec2(x, y), ImVec2(x + glyph.x, y + glyph.y));
                y += glyph.y + gx;
            }
            x += glyph.x + gx;
            const std::string count = "\xc3\x97 " + util::withThousands(shownCount);
            drawLabel(draw, font, em * 0.85f, ImVec2(x + gx * 2, sMin.y + gx), sMax.x - x - gx * 3, col.text,
                      count, false, hover);
        } else {
            for (size_t i = 0; i < shown; ++i) {
                const scene::LocalItem& m = *items[i];
                const ImVec2 gMin(
                    sMin.x + gx + (glyph.x + gx) * static_cast<float>(i % static_cast<size_t>(columns)),
                    sMin.y + gx + (glyph.y + gx) * static_cast<float>(i / static_cast<size_t>(columns)));
                const ImVec2 gMax(gMin.x + glyph.x, gMin.y + glyph.y);
                drawHeld(draw, col, m.held(), gMin, gMax);
                // The device's own copy: read here or not, the flags it last heard of.
                drawStickers(draw, col, gMin, gMax, em, m.flags, (m.flags & store::kDeleted) != 0);
                hover(gMin, gMax,
                      (m.subject.empty() ? std::string("(no subject)") : m.subject) + "\n" + m.folder +
                          " on " + d.name + ": " +
                          (m.whole               ? "the whole message"
                           : m.partsHeld.empty() ? "headers only"
                                                 : "headers and part " + m.partsHeld) +
                          "\nOn this device: " + (m.flags & store::kSeen ? "read" : "unread") +
                          (m.flags & ~store::kSeen
                               ? ", " + flagWords(static_cast<uint8_t>(m.flags & ~store::kSeen))
                               : ""));
            }
        }
    }

    // The connection: a dotted line when closed, a line when open, a sealed tube inside TLS.
    const ImVec2 port(onLeft ? iconMax.x + pad * 0.5f : iconMin.x - pad * 0.5f,
                      (iconMin.y + iconMax.y) * 0.5f);
    const float serverY = std::clamp(port.y, serverMin.y + em * 2.5f, serverMax.y - em);
    const ImVec2 dock(onLeft ? serverMin.x : serverMax.x, serverY);
    m_devicePorts[d.name] = {port, dock};
    const ImU32 wireCol = d.acting ? col.actor : col.frame;
    if (d.sealed) {
        const float r = em * 0.55f;
        draw->AddLine(port, dock, colour(c.palette.tls, 0.35f), r * 2);
        draw->AddLine(ImVec2(port.x, port.y - r), ImVec2(dock.x, dock.y - r), col.tls, 2.0f);
        draw->AddLine(ImVec2(port.x, port.y + r), ImVec2(dock.x, dock.y + r), col.tls, 2.0f);
        drawPadlock(draw, lerp(port, dock, 0.12f), em * 0.8f, col.tls, col.ink); // clear of what travels
        hover(
            ImVec2(std::min(port.x, dock.x), port.y - r), ImVec2(std::max(port.x, dock.x), port.y + r),
            "TLS: everything on this connection is encrypted. An eavesdropper sees only scrambled records.");
    } else if (d.connected) {
        draw->AddLine(port, dock, wireCol, d.acting ? 3.0f : 2.0f);
    } else if (!d.lost) {
        const int dashes = 8;
        for (int i = 0; i < dashes; ++i)
            draw->AddLine(lerp(port, dock, static_cast<float>(i) / dashes),
                          lerp(port, dock, (static_cast<float>(i) + 0.5f) / dashes),
                          colour(c.palette.dim, 0.5f), 1.0f);
    }
    if (d.bounced && !d.lost) {
        // The login bounced: an arrow that stops at the padlock (or the server) and turns back.
        const float t = std::clamp(m_progress, 0.0f, 1.0f);
        const ImVec2 wall = lerp(port, dock, 0.75f);
        const ImVec2 at = t < 0.5f ? lerp(port, wall, t * 2) : lerp(wall, port, (t - 0.5f) * 2);
        draw->AddLine(port, wall, col.bad, 2.5f);
        draw->AddCircleFilled(at, em * 0.3f, col.bad);
        if (d.bouncedOffLock)
            drawPadlock(draw, ImVec2(wall.x, wall.y - em * 0.9f), em * 0.9f, col.note, col.ink);
        const std::string why = d.bouncedOffLock ? "locked out" : "refused";
        const float tw = font->CalcTextSizeA(em * 0.9f, FLT_MAX, 0, why.c_str()).x;
        draw->AddText(font, em * 0.9f, ImVec2(lerp(port, wall, 0.45f).x - tw * 0.5f, port.y + em * 0.35f),
                      col.bad, why.c_str());
    }
}

void ScenePanel::drawFlights(Context&, ImDrawList* draw, const SceneColours& col, float em)
{
    const size_t shown = std::min<size_t>(m_scene.flights.size(), 12);
    for (size_t i = 0; i < shown; ++i) {
        const Flight& f = m_scene.flights[i];
        const float t = flightProgress(i, shown);
        if (t >= 1.0f) continue; // landed: it is in the store it went to now
        ImVec2 from, to;
        auto tray = [&](const std::string& mailbox, ImVec2& at) {
            auto it = m_trayRects.find({f.user, mailbox});
            if (it == m_trayRects.end()) return false;
            at = ImVec2((it->second.x + it->second.z) * 0.5f, (it->second.y + it->second.w) * 0.5f);
            return true;
        };
        auto ports = m_devicePorts.find(f.device);
        if (f.kind == Flight::Kind::Move || f.kind == Flight::Kind::Copy) {
            if (!tray(f.mailbox, from) || !tray(f.target, to)) continue;
        } else {
            if (ports == m_devicePorts.end()) continue;
            ImVec2 trayAt;
            const ImVec2 dock = ports->second.second, port = ports->second.first;
            // From the tray to the server's edge, then along the wire.
            if (!tray(f.mailbox, trayAt)) trayAt = dock;
            const bool down = f.kind == Flight::Kind::Download;
            const ImVec2 a = down ? trayAt : port, b = down ? dock : dock, e = down ? port : trayAt;
            from = t < 0.25f ? a : b;
            to = t < 0.25f ? b : e;
            const float local = t < 0.25f ? t / 0.25f : (t - 0.25f) / 0.75f;
            const ImVec2 at = lerp(from, to, local);
            const bool sealed = f.encrypted;
            if (sealed && t >= 0.25f) {
                // Inside the tube: sealed, its shape hidden from anyone on the wire.
                const ImVec2 cMin(at.x - em * 1.1f, at.y - em * 0.75f),
                    cMax(at.x + em * 1.1f, at.y + em * 0.75f);
                draw->AddRectFilled(cMin, cMax, col.tls, em * 0.4f);
                draw->AddRect(cMin, cMax, col.ink, em * 0.4f, 0, 1.5f);
                drawPadlock(draw, ImVec2(at.x, at.y - em * 0.1f), em * 0.7f, col.paper, col.ink);
            } else {
                drawCargo(draw, f.extent, at, em, col.paper, col.ink);
            }
            if (f.extent == Extent::Part && !f.part.empty())
                draw->AddText(ImVec2(at.x + em * 0.7f, at.y - em * 1.2f), col.text,
                              ("part " + f.part).c_str());
            continue;
        }
        drawCargo(draw, Extent::Whole, lerp(from, to, t), em, col.paper, col.ink);
    }
    if (m_scene.flights.size() > shown && m_progress < 1.0f) {
        const std::string more =
            "+" + std::to_string(m_scene.flights.size() - shown + m_scene.flightsLeftOut) + " more";
        if (auto ports = m_devicePorts.find(m_scene.flights.front().device); ports != m_devicePorts.end()) {
            const ImVec2 mid = lerp(ports->second.first, ports->second.second, 0.5f);
            draw->AddText(ImVec2(mid.x - em, mid.y - em * 1.8f), col.text, more.c_str());
        }
    }
}

void ScenePanel::drawOverheard(Context& c, ImDrawList* draw, const SceneColours& col, float em,
                               const scene::Overheard& o, ImVec2 at, float width, const HoverFn& hover,
                               const std::string& device)
{
    // An eye, and what it read on this device's wire in the last step: the words in plain text, noise in TLS.
    const ImVec2 eye(at.x + em * 0.75f, at.y + em * 0.5f);
    draw->AddBezierQuadratic(ImVec2(eye.x - em * 0.7f, eye.y), ImVec2(eye.x, eye.y - em * 0.75f),
                             ImVec2(eye.x + em * 0.7f, eye.y), col.dim, 1.5f);
    draw->AddBezierQuadratic(ImVec2(eye.x - em * 0.7f, eye.y), ImVec2(eye.x, eye.y + em * 0.75f),
                             ImVec2(eye.x + em * 0.7f, eye.y), col.dim, 1.5f);
    draw->AddCircleFilled(eye, em * 0.17f, col.dim);
    ImFont* mono = c.fonts.mono ? c.fonts.mono : ImGui::GetFont();
    // Too long for the room: its first words down to the command ("A4 UID FETCH …"), never smaller type.
    std::vector<std::string> forms =
        scene_text::shorterForms(o.text, scene_text::Shorten::Words, o.encrypted ? "" : o.command);
    for (std::string& form : forms)
        form = o.encrypted ? form + (form == o.text ? " \xe2\x80\xa6" : "") : "\"" + form + "\"";
    const Label label = fit(mono, std::max(em * 0.85f, ImGui::GetFontSize()), width - em * 1.8f - 8, forms);
    noteDrawn(label.size);
    if (label.shortened) probe::noteElided(forms.front(), false);
    const ImVec2 ts(label.width, label.size);
    const ImVec2 box(at.x + em * 1.7f + 4, at.y + std::max(2.0f, (em - ts.y) * 0.5f));
    const ImU32 ink = o.encrypted ? col.tls : col.bad;
    draw->AddRect(ImVec2(box.x - 4, box.y - 2), ImVec2(box.x + ts.x + 4, box.y + ts.y + 2), ink, 4.0f);
    place(device + " heard", false, ImVec2(at.x, box.y - 2), ImVec2(box.x + ts.x + 4, box.y + ts.y + 2));
    draw->AddText(mono, label.size, box, ink, label.text.c_str());
    hover(ImVec2(at.x, at.y), ImVec2(at.x + width, at.y + em * 1.2f),
          (o.encrypted
               ? "What an eavesdropper on this connection saw in the last step: TLS records, scrambled. "
                 "Without the keys nobody on the way can read them."
               : "What an eavesdropper on this connection saw in the last step: the words themselves. "
                 "Without TLS anyone on the way can read them.") +
              (label.shortened ? "\n" + forms.front() : ""));
}

void ScenePanel::drawIdleBadge(Context& c, ImDrawList* draw, const SceneColours& col, ImFont* font, float em,
                               ImVec2 at, float width, const HoverFn& hover)
{
    // A pill in the client's colour with three arcs, a device listening for news on its open connection.
    const std::string text = "IDLE: listening";
    const float size = std::max(em * 0.85f, m_textFloor);
    const Label label = fit(font, size, width - em * 1.6f, {text, "IDLE"});
    noteDrawn(label.size);
    const float pillW = label.width + em * 1.6f, pillH = em * 1.25f;
    const ImVec2 pMin(at.x + (width - pillW) * 0.5f, at.y), pMax(pMin.x + pillW, at.y + pillH);
    draw->AddRectFilled(pMin, pMax, colour(c.palette.client, 0.22f), pillH * 0.5f);
    draw->AddRect(pMin, pMax, col.client, pillH * 0.5f, 0, 1.5f);
    const ImVec2 source(pMin.x + em * 0.45f, (pMin.y + pMax.y) * 0.5f);
    draw->AddCircleFilled(source, em * 0.1f, col.client);
    for (int i = 1; i <= 2; ++i) {
        draw->PathArcTo(source, em * 0.22f * static_cast<float>(i), -0.8f, 0.8f, 8);
        draw->PathStroke(col.client, 0, 1.5f);
    }
    draw->AddText(font, label.size, ImVec2(pMin.x + em * 1.1f, (pMin.y + pMax.y - label.size) * 0.5f),
                  col.text, label.text.c_str());
    hover(pMin, pMax,
          "IDLE (RFC 2177): the session waits with its connection open, and the server tells it at once when "
          "something changes (new mail, flags, a message removed), without being asked. DONE ends it.");
}

float ScenePanel::footerHeight(float width) const
{
    const float line = ImGui::GetTextLineHeightWithSpacing();
    float h = line * 1.2f; // the legend
    size_t badges = std::min<size_t>(m_scene.checkpoints.size(), 2);
    for (size_t i = m_scene.checkpoints.size() - badges; i < m_scene.checkpoints.size(); ++i)
        h += ImGui::CalcTextSize(m_scene.checkpoints[i].description.c_str(), nullptr, false,
                                 width - line * 1.5f)
                 .y +
             ImGui::GetStyle().ItemSpacing.y;
    return h + ImGui::GetStyle().ItemSpacing.y;
}

void ScenePanel::drawFooter(Context& c, ImDrawList* draw, const SceneColours& col, float em)
{
    // The checkpoints of the lesson so far, newest last: a tick when the claim holds.
    const size_t badges = std::min<size_t>(m_scene.checkpoints.size(), 2);
    for (size_t i = m_scene.checkpoints.size() - badges; i < m_scene.checkpoints.size(); ++i) {
        const scene::Badge& badge = m_scene.checkpoints[i];
        const ImVec2 at = ImGui::GetCursorScreenPos();
        drawCheck(draw, ImVec2(at.x + 2, at.y + em * 0.15f), em * 0.8f, badge.passed,
                  badge.passed ? col.good : col.bad);
        ImGui::Indent(em * 1.4f);
        ImGui::PushStyleColor(ImGuiCol_Text, badge.passed ? c.palette.good : c.palette.bad);
        ImGui::TextWrapped("%s", badge.description.c_str());
        ImGui::PopStyleColor();
        ImGui::Unindent(em * 1.4f);
    }
    // The legend: what the shapes mean, drawn with the shapes themselves.
    ImGui::PushStyleColor(ImGuiCol_Text, c.palette.dim);
    const float size = em * 0.9f;
    const ImVec2 glyph(em * 1.1f, em * 0.75f);
    auto item = [&](int shape, const char* text) {
        const float w = glyph.x + em * 0.3f + ImGui::CalcTextSize(text).x;
        if (ImGui::GetContentRegionAvail().x < w &&
            ImGui::GetCursorPosX() > ImGui::GetStyle().WindowPadding.x * 2)
            ImGui::NewLine();
        const ImVec2 at = ImGui::GetCursorScreenPos();
        const ImVec2 gMin(at.x, at.y + (ImGui::GetTextLineHeight() - glyph.y) * 0.5f),
            gMax(gMin.x + glyph.x, gMin.y + glyph.y);
        if (shape == 0) drawEnvelope(draw, gMin, gMax, col.paper, col.ink);
        if (shape == 1) drawPostcard(draw, gMin, gMax, col.paper, col.ink);
        if (shape == 2)
            drawPiece(draw, ImVec2((gMin.x + gMax.x) * 0.5f, (gMin.y + gMax.y) * 0.5f), glyph.y * 0.6f,
                      col.paper, col.ink);
        if (shape == 3) {
            drawEnvelope(draw, gMin, gMax, col.paper, col.ink);
            draw->AddLine(ImVec2(gMin.x - 1, gMax.y), ImVec2(gMax.x + 1, gMin.y), col.deleted, 2.0f);
            draw->AddLine(gMin, gMax, col.deleted, 2.0f);
        }
        if (shape == 4) {
            drawEnvelope(draw, gMin, gMax, col.paper, col.ink);
            draw->AddCircleFilled(gMin, em * 0.16f, col.client);
        }
        ImGui::Dummy(ImVec2(glyph.x, ImGui::GetTextLineHeight()));
        ImGui::SameLine(0, em * 0.3f);
        ImGui::TextUnformatted(text);
        ImGui::SameLine(0, em * 1.0f);
    };
    (void)size;
    item(0, "whole message");
    item(1, "headers only");
    item(2, "one part");
    item(3, "to be deleted");
    item(4, "unread");
    ImGui::NewLine();
    ImGui::PopStyleColor();
}

std::unique_ptr<Panel> makeScenePanel()
{
    return std::make_unique<ScenePanel>();
}

const scene::Scene* sceneOf(const Panel& panel)
{
    const auto* scene = dynamic_cast<const ScenePanel*>(&panel);
    return scene ? &scene->lastScene() : nullptr;
}

} // namespace maillab::gui
