// The wire transcript panel: see transcript_panel.hpp.
#include "transcript_panel.hpp"

#include "imap/imap_session.hpp"
#include "imap/imap_types.hpp"
#include "lesson_player.hpp"
#include "panels.hpp"
#include "pop3/pop3_types.hpp"
#include "text_fit.hpp"
#include "tls/tls_endpoint.hpp"
#include "ui_probe.hpp"
#include "util/text.hpp"
#include "wire/clock_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <imgui_stdlib.h>
#include <optional>
#include <vector>

namespace maillab::gui {
namespace {

using Kind = wire::TranscriptEntry::Kind;

constexpr uint8_t kHead = 1;            // the first line of an entry: time and session are shown there
constexpr uint8_t kFoldable = 4;        // the entry has more than one line
constexpr size_t kMaxShownBytes = 2000; // a longer line is cut when drawn (a 1 MB base64 line stays cheap)

// [SECTION] text helpers

char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
}

// Case-insensitive search for a needle that is already lower case.
size_t findNoCase(std::string_view hay, std::string_view needle, size_t from = 0)
{
    if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
    const char first = needle[0];
    const char firstUpper = first >= 'a' && first <= 'z' ? static_cast<char>(first - 'a' + 'A') : first;
    for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
        if (hay[i] != first && hay[i] != firstUpper) continue;
        size_t k = 1;
        while (k < needle.size() && lower(hay[i + k]) == needle[k])
            ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

// Calls f(offset, length) for each line of b, without its CRLF.
template <class F> void forEachLine(std::string_view b, F&& f)
{
    size_t pos = 0;
    while (pos < b.size()) {
        size_t lf = b.find('\n', pos);
        size_t end = lf == std::string_view::npos ? b.size() : lf;
        size_t stop = end > pos && b[end - 1] == '\r' ? end - 1 : end;
        f(pos, stop - pos);
        if (lf == std::string_view::npos) break;
        pos = lf + 1;
    }
}

size_t lineCount(std::string_view b)
{
    if (b.empty()) return 0;
    // memchr is vectorized: a rebuild counts the lines of every downloaded message.
    size_t n = 0;
    for (const char *p = b.data(), *end = b.data() + b.size();
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))); ++p)
        ++n;
    return b.back() == '\n' ? n : n + 1;
}

std::string sessionTag(const wire::TranscriptEntry& e)
{
    if (e.sessionId == 0) return e.device;
    return e.device + " #" + std::to_string(e.sessionId);
}

void tooltip(const char* text)
{
    if (!ImGui::IsItemHovered()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

// [SECTION] what a command or a reply means: the protocols' vocabularies in sim/ say it

using Explanation = TranscriptPanel::LineHelp;

std::optional<Explanation> explainCommand(wire::Protocol protocol, std::string_view line)
{
    return protocol == wire::Protocol::Pop3 ? pop3::explainCommandLine(line) : imap::explainCommandLine(line);
}

std::optional<Explanation> explainReply(const wire::TranscriptEntry& e, size_t offset)
{
    return e.protocol == wire::Protocol::Pop3 ? pop3::explainReplyLine(e.bytes, offset)
                                              : imap::explainReplyLine(e.bytes, offset);
}

// Where the status word of a reply's line is, to colour a failure: [begin, end) or {0, 0}.
std::pair<size_t, size_t> failureWord(const wire::TranscriptEntry& e, std::string_view line, bool head)
{
    return e.protocol == wire::Protocol::Pop3 ? pop3::refusalSpan(line, head) : imap::refusalSpan(line);
}

// A record's type, version and length, then its first bytes in hex: up to maxBytes of them.
std::string recordText(std::string_view record, size_t maxBytes = 16)
{
    std::vector<tls::RecordInfo> info = tls::parseRecords(record);
    if (info.empty()) return "(not a whole TLS record)";
    char head[96];
    std::snprintf(head, sizeof head, "%-16s 0x%04x %6u byte%s ", tls::contentTypeName(info[0].contentType),
                  info[0].version, static_cast<unsigned>(info[0].length), info[0].length == 1 ? " " : "s");
    std::string out = head;
    static const char* hex = "0123456789abcdef";
    size_t shown = std::min<size_t>(record.size(), std::max<size_t>(maxBytes, 1));
    for (size_t i = 0; i < shown; ++i) {
        unsigned char byte = static_cast<unsigned char>(record[i]);
        out += ' ';
        out += hex[byte >> 4];
        out += hex[byte & 15];
    }
    if (record.size() > shown) out += " \u2026";
    return out;
}

} // namespace

// [SECTION] the row index

void TranscriptPanel::discover(const wire::TranscriptEntry& e)
{
    if (e.kind == Kind::TlsRecord || e.encrypted) m_sawTls = true;
    if (e.sessionId == 0) return;
    auto [it, added] = m_sessions.try_emplace(e.sessionId);
    if (!added) return;
    it->second = {e.device, e.protocol};
    m_devices.try_emplace(e.device, true);
    (e.protocol == wire::Protocol::Pop3 ? m_sawPop3 : m_sawImap) = true;
    m_tagChars = std::min<size_t>(24, std::max(m_tagChars, sessionTag(e).size()));
}

bool TranscriptPanel::passes(const wire::TranscriptEntry& e) const
{
    if (e.kind == Kind::TlsRecord && m_view == View::Programs) return false;
    if (e.kind == Kind::Data && e.encrypted && m_view == View::Eavesdropper) return false;
    if (e.sessionId != 0) {
        if (m_session != 0 && e.sessionId != m_session) return false;
        if (!(e.protocol == wire::Protocol::Pop3 ? m_showPop3 : m_showImap)) return false;
    }
    if (!m_anyDeviceHidden) return true; // a live server has a "device" per connection: skip the lookup
    auto device = m_devices.find(e.device);
    return device == m_devices.end() || device->second;
}

void TranscriptPanel::indexEntry(uint64_t number, const wire::TranscriptEntry& e, std::deque<Row>& rows,
                                 bool withMatches)
{
    if (!passes(e)) return;
    const bool searching = !m_queryLower.empty();
    const bool onlyMatching = searching && m_onlyMatching;
    const std::string_view b = e.bytes;
    auto length = [](size_t n) { return static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX)); };

    if (e.kind == Kind::Connected || e.kind == Kind::Closed || e.kind == Kind::Note) {
        bool hit = searching && findNoCase(b, m_queryLower) != std::string_view::npos;
        if (withMatches && hit) m_matches.push_back({number, 0});
        if (onlyMatching && !hit) return;
        rows.push_back(
            {number, 0, length(b.size()), 0, e.kind == Kind::Note ? RowKind::Note : RowKind::Event, kHead});
        return;
    }
    if (e.kind == Kind::TlsRecord) {
        if (onlyMatching) return; // ciphertext is not text to search
        size_t offset = 0;
        for (const tls::RecordInfo& record : tls::parseRecords(b)) {
            size_t size = 5 + static_cast<size_t>(record.length);
            rows.push_back({number, length(offset), length(size), 0, RowKind::Record,
                            static_cast<uint8_t>(offset == 0 ? kHead : 0)});
            offset += size;
        }
        return;
    }
    // Data: one row a line, or the first line (and an IMAP reply's tagged status) when folded.
    if (searching && (withMatches || onlyMatching)) {
        forEachLine(b, [&](size_t offset, size_t n) {
            if (findNoCase(b.substr(offset, n), m_queryLower) == std::string_view::npos) return;
            if (withMatches) m_matches.push_back({number, length(offset)});
            if (onlyMatching)
                rows.push_back({number, length(offset), length(n), 0, RowKind::Line,
                                static_cast<uint8_t>(offset == 0 ? kHead : 0)});
        });
        if (onlyMatching) return;
    }
    const size_t lines = lineCount(b);
    uint8_t foldable = 0;
    if (lines > 1) {
        size_t firstEnd = b.find('\n');
        size_t firstLength = firstEnd > 0 && b[firstEnd - 1] == '\r' ? firstEnd - 1 : firstEnd;
        // The tagged status at the end says how an IMAP command ended: it stays in sight when folded.
        std::string_view body = b.substr(0, b.size() - (b.ends_with("\r\n") ? 2 : b.ends_with("\n") ? 1 : 0));
        size_t lastStart = body.rfind('\n') + 1;
        std::string_view last = body.substr(lastStart);
        bool tail = !e.exchanges.empty() && !e.exchanges.back().tag.empty() &&
                    last == e.exchanges.back().statusLine && lastStart > firstEnd;
        size_t hidden = lines - 1 - (tail ? 1 : 0);
        if (hidden > 0 && folded(number)) {
            rows.push_back({number, 0, length(firstLength), length(hidden), RowKind::Line,
                            static_cast<uint8_t>(kHead | kFoldable)});
            if (tail) rows.push_back({number, length(lastStart), length(last.size()), 0, RowKind::Line, 0});
            return;
        }
        if (hidden > 0) foldable = kFoldable;
    }
    forEachLine(b, [&](size_t offset, size_t n) {
        rows.push_back({number, length(offset), length(n), 0, RowKind::Line,
                        static_cast<uint8_t>(offset == 0 ? kHead | foldable : 0)});
    });
}

void TranscriptPanel::rebuild(const wire::Transcript& t)
{
    m_rows.clear();
    m_matches.clear();
    uint64_t number = t.dropped();
    for (const wire::TranscriptEntry& e : t.entries())
        indexEntry(number++, e, m_rows, true);
    m_indexedEnd = number;
    if (m_currentMatch >= static_cast<int>(m_matches.size())) m_currentMatch = -1;
    ++m_rebuilds;
    m_dirty = false;
}

void TranscriptPanel::syncIndex(const Context& c)
{
    const wire::Transcript& t = *c.transcript;
    const int generation = c.player ? c.player->generation() : -1;
    const uint64_t dropped = t.dropped(), end = dropped + t.size();
    if (&t != m_transcript || generation != m_generation || end < m_indexedEnd) {
        // Another lesson, a replay, or another live server: the filters stay, the rows are made anew.
        m_transcript = &t;
        m_generation = generation;
        m_discoveredEnd = dropped;
        m_currentMatch = -1;
        m_dirty = true;
    }
    const auto& entries = t.entries();
    for (uint64_t n = std::max(m_discoveredEnd, dropped); n < end; ++n)
        discover(entries[n - dropped]);
    m_discoveredEnd = end;
    if (m_dirty) {
        rebuild(t);
        return;
    }
    // Entries that left the front of a long-running server's transcript take their rows along.
    while (!m_rows.empty() && m_rows.front().entry < dropped) {
        m_rows.pop_front();
        ++m_droppedRows;
    }
    while (!m_matches.empty() && m_matches.front().entry < dropped) {
        m_matches.pop_front();
        if (m_currentMatch >= 0) --m_currentMatch;
    }
    for (uint64_t n = std::max(m_indexedEnd, dropped); n < end; ++n)
        indexEntry(n, entries[n - dropped], m_rows, true);
    m_indexedEnd = end;
}

size_t TranscriptPanel::findRow(uint64_t entry, uint32_t offset) const
{
    auto it = std::lower_bound(m_rows.begin(), m_rows.end(), std::make_pair(entry, offset),
                               [](const Row& row, const std::pair<uint64_t, uint32_t>& key) {
                                   return std::make_pair(row.entry, row.offset) < key;
                               });
    return static_cast<size_t>(it - m_rows.begin());
}

void TranscriptPanel::toggleFold(uint64_t entry)
{
    if (!m_foldExceptions.erase(entry)) m_foldExceptions.insert(entry);
    if (!m_queryLower.empty() && m_onlyMatching) return; // matching lines are shown whatever the folding
    const uint64_t dropped = m_transcript->dropped();
    if (entry < dropped || entry >= m_indexedEnd) return;
    // Only this entry's rows change: splice them instead of rebuilding the whole index.
    size_t first = findRow(entry, 0), last = first;
    while (last < m_rows.size() && m_rows[last].entry == entry)
        ++last;
    std::deque<Row> fresh;
    indexEntry(entry, m_transcript->entries()[entry - dropped], fresh, false);
    m_rows.erase(m_rows.begin() + static_cast<long>(first), m_rows.begin() + static_cast<long>(last));
    m_rows.insert(m_rows.begin() + static_cast<long>(first), fresh.begin(), fresh.end());
}

void TranscriptPanel::goToMatch(int match)
{
    if (m_matches.empty()) return;
    const int count = static_cast<int>(m_matches.size());
    m_currentMatch = ((match % count) + count) % count;
    m_follow = false;
    const Match m = m_matches[static_cast<size_t>(m_currentMatch)];
    size_t row = findRow(m.entry, m.offset);
    if ((row == m_rows.size() || m_rows[row].entry != m.entry || m_rows[row].offset != m.offset) &&
        folded(m.entry)) {
        toggleFold(m.entry); // the line is inside a folded reply: open it
        row = findRow(m.entry, m.offset);
    }
    m_scrollToRow = static_cast<long>(std::min(row, m_rows.empty() ? 0 : m_rows.size() - 1));
}

std::string TranscriptPanel::rowText(size_t index) const
{
    const Row& row = m_rows[index];
    const wire::TranscriptEntry& e = m_transcript->entries()[row.entry - m_transcript->dropped()];
    std::string_view bytes = std::string_view(e.bytes).substr(row.offset, row.length);
    if (row.kind == RowKind::Record) return recordText(bytes);
    return std::string(bytes);
}

// [SECTION] drawing

void TranscriptPanel::draw(Context& c)
{
    if (!c.transcript) {
        ImGui::TextWrapped("Nothing to show: no lesson is loaded and no server is running.");
        return;
    }
    syncIndex(c);
    drawToolbar(c);
    if (m_dirty) syncIndex(c); // a filter changed: the rows must match what is drawn this frame
    if (m_transcript->size() == 0) {
        ImGui::TextColored(c.palette.dim, c.player
                                              ? "Nothing on the wire yet. Press Step in the Lesson panel."
                                              : "Nothing on the wire yet: waiting for a client.");
        return;
    }
    drawRows(c);
}

void TranscriptPanel::drawToolbar(Context& c)
{
    View view = m_view;
    if (ImGui::RadioButton("What the programs said", m_view == View::Programs)) view = View::Programs;
    probe::track("Programs view");
    tooltip("Every line as the client and the server wrote and read it. Lines that travelled inside TLS are "
            "shown decrypted, marked TLS.");
    flow(checkboxWidth("What an eavesdropper sees"));
    if (ImGui::RadioButton("What an eavesdropper sees", m_view == View::Eavesdropper))
        view = View::Eavesdropper;
    probe::track("Eavesdropper view");
    tooltip(
        "What someone listening on the network gets: plain POP3 and IMAP as they are, passwords included; "
        "of a TLS connection only its records (type, length, scrambled bytes).");
    if (view != m_view) {
        m_view = view;
        m_dirty = true;
        m_currentMatch = -1;
    }
    flow(checkboxWidth("Follow newest"));
    bool follow = m_follow;
    if (ImGui::Checkbox("Follow newest", &follow)) {
        m_follow = follow;
        m_scrollToRow = -1;
    }
    probe::track("Follow newest");
    tooltip(
        "Keep the newest line in sight. Scrolling up stops following; tick it (or scroll to the bottom) to "
        "follow again.");
    // On a projector the rows matter more than the tools: filters and search fold away until opened.
    if (!c.presenter || ImGui::TreeNodeEx("Filters and search", ImGuiTreeNodeFlags_NoTreePushOnOpen)) {
        drawFilters(c);
        drawSearch(c);
    }
    if (m_view == View::Eavesdropper) {
        ImGui::PushStyleColor(ImGuiCol_Text, c.palette.tls);
        ImGui::TextWrapped("%s", m_sawTls
                                     ? "An eavesdropper reads plain connections as they are; of TLS "
                                       "connections only the records."
                                     : "No TLS here: an eavesdropper reads every line, passwords included.");
        ImGui::PopStyleColor();
    }
}

void TranscriptPanel::drawFilters(Context& c)
{
    const bool devices = m_devices.size() > 1, protocols = m_sawPop3 && m_sawImap,
               sessions = m_sessions.size() > 1;
    if (!devices && !protocols && !sessions) return;
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(c.palette.dim, "Show:");
    auto changed = [&] {
        m_dirty = true;
        m_currentMatch = -1;
        m_anyDeviceHidden =
            std::any_of(m_devices.begin(), m_devices.end(), [](const auto& d) { return !d.second; });
    };
    if (devices && m_devices.size() <= 4) {
        for (auto& [device, shown] : m_devices) {
            flow(checkboxWidth(device.c_str()));
            if (ImGui::Checkbox(device.c_str(), &shown)) changed();
            probe::track("Show device " + device);
        }
    } else if (devices) {
        size_t shownCount = static_cast<size_t>(
            std::count_if(m_devices.begin(), m_devices.end(), [](const auto& d) { return d.second; }));
        std::string label =
            std::to_string(shownCount) + " of " + std::to_string(m_devices.size()) + " devices";
        flow(ImGui::GetFontSize() * 10);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
        if (ImGui::BeginCombo("##devices", label.c_str())) {
            for (auto& [device, shown] : m_devices)
                if (ImGui::Checkbox(device.c_str(), &shown)) changed();
            ImGui::EndCombo();
        }
        probe::track("Device filter");
    }
    if (protocols) {
        flow(checkboxWidth("POP3"));
        if (ImGui::Checkbox("POP3", &m_showPop3)) changed();
        probe::track("Show POP3");
        flow(checkboxWidth("IMAP"));
        if (ImGui::Checkbox("IMAP", &m_showImap)) changed();
        probe::track("Show IMAP");
    }
    if (sessions) {
        auto name = [&](int id) {
            if (id == 0) return std::string("every session");
            auto it = m_sessions.find(id);
            return "session " + std::to_string(id) +
                   (it == m_sessions.end()
                        ? std::string()
                        : " (" + it->second.device + ", " + wire::protocolName(it->second.protocol) + ")");
        };
        std::string current = name(m_session);
        float width = std::min(ImGui::GetFontSize() * 14,
                               ImGui::CalcTextSize(current.c_str()).x + ImGui::GetFrameHeight() * 2);
        flow(width);
        ImGui::SetNextItemWidth(width);
        if (ImGui::BeginCombo("##session", current.c_str())) {
            if (ImGui::Selectable(name(0).c_str(), m_session == 0) && m_session != 0) {
                m_session = 0;
                changed();
            }
            probe::track("Session 0");
            for (const auto& [id, info] : m_sessions) {
                if (ImGui::Selectable(name(id).c_str(), m_session == id) && m_session != id) {
                    m_session = id;
                    changed();
                }
                probe::track("Session " + std::to_string(id));
            }
            ImGui::EndCombo();
        }
        probe::track("Session filter");
        tooltip("Show one connection only. Each connection is a session with its own number.");
    }
}

void TranscriptPanel::drawSearch(Context& c)
{
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11);
    bool enter = ImGui::InputTextWithHint("##search", "search the wire", &m_query,
                                          ImGuiInputTextFlags_EnterReturnsTrue);
    probe::track("Transcript search");
    std::string lowerQuery = util::toLower(m_query);
    if (lowerQuery != m_queryLower) {
        m_queryLower = std::move(lowerQuery);
        m_currentMatch = -1;
        m_dirty = true; // the matches, and in "only matching lines" the rows
    }
    if (enter) {
        ImGui::SetKeyboardFocusHere(-1); // Enter again: the next match
        if (m_dirty) syncIndex(c);
        goToMatch(m_currentMatch + 1);
    }
    if (!m_queryLower.empty()) {
        if (m_dirty) syncIndex(c);
        ImGui::SameLine();
        ImGui::BeginDisabled(m_matches.empty());
        if (ImGui::Button("<")) goToMatch(m_currentMatch < 0 ? -1 : m_currentMatch - 1);
        probe::track("Previous match");
        tooltip("The previous matching line");
        ImGui::SameLine(0, 2);
        if (ImGui::Button(">")) goToMatch(m_currentMatch + 1);
        probe::track("Next match");
        tooltip("The next matching line (or press Enter in the search box)");
        ImGui::EndDisabled();
        ImGui::SameLine();
        if (m_matches.empty())
            ImGui::TextColored(c.palette.bad, "no line matches");
        else if (m_currentMatch < 0)
            ImGui::Text("%s line%s match", util::withThousands(m_matches.size()).c_str(),
                        m_matches.size() == 1 ? "" : "s");
        else
            ImGui::Text("%d of %s", m_currentMatch + 1, util::withThousands(m_matches.size()).c_str());
        flow(checkboxWidth("only matching lines"));
        if (ImGui::Checkbox("only matching lines", &m_onlyMatching)) {
            m_dirty = true;
            m_currentMatch = -1;
        }
        probe::track("Only matching");
    }
    flow(buttonWidth("Unfold all") + buttonWidth("Fold all") + ImGui::GetStyle().ItemSpacing.x);
    if (ImGui::Button("Unfold all")) {
        m_foldByDefault = false;
        m_foldExceptions.clear();
        m_dirty = true;
    }
    probe::track("Unfold all");
    tooltip("Show every line of every reply (a message downloaded with RETR or FETCH is many lines).");
    ImGui::SameLine();
    if (ImGui::Button("Fold all")) {
        m_foldByDefault = true;
        m_foldExceptions.clear();
        m_dirty = true;
    }
    probe::track("Fold all");
    tooltip("Show each long reply as its first line; click a line's arrow to open it.");
}

void TranscriptPanel::drawRows(Context& c)
{
    const wire::Transcript& t = *m_transcript;
    // No horizontal scrolling: every row fits the width (a long line loses its middle, not its end).
    ImGui::BeginChild("rows", ImVec2(0, 0), true);
    if (c.fonts.mono) ImGui::PushFont(c.fonts.mono);
    const float lineHeight = ImGui::GetTextLineHeightWithSpacing();

    // Did the user scroll? Following keeps the view at the bottom, so being above it means they did.
    const float scrollY = ImGui::GetScrollY(), scrollMax = ImGui::GetScrollMaxY();
    if (m_droppedRows > 0 && !m_follow)
        ImGui::SetScrollY(std::max(0.0f, scrollY - static_cast<float>(m_droppedRows) * lineHeight));
    m_droppedRows = 0;
    if (m_follow && scrollY < scrollMax - 1.0f && m_scrollToRow < 0 && m_followedLastFrame)
        m_follow = false;
    else if (!m_follow && scrollMax > 0 && scrollY >= scrollMax - 1.0f && scrollY != m_lastScrollY &&
             m_scrollToRow < 0)
        m_follow = true; // scrolled back down to the newest line
    m_lastScrollY = scrollY;

    const uint64_t dropped = t.dropped();
    // The lesson asked to see a line (the reply that proves an answer): scroll to it and mark it.
    if (c.showEntry != SIZE_MAX) {
        m_shownEntry = dropped + c.showEntry;
        m_follow = false;
        const size_t row = findRow(m_shownEntry, 0);
        m_scrollToRow = static_cast<long>(std::min(row, m_rows.empty() ? 0 : m_rows.size() - 1));
        c.showEntry = SIZE_MAX;
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(m_rows.size()), lineHeight);
    while (clipper.Step())
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            // A click may splice rows: stop this frame's drawing at the new end.
            if (static_cast<size_t>(i) >= m_rows.size()) break;
            const Row row = m_rows[static_cast<size_t>(i)];
            drawRow(c, row, t.entries()[row.entry - dropped]);
        }
    clipper.End();

    if (m_scrollToRow >= 0) {
        ImGui::SetScrollY(
            std::max(0.0f, static_cast<float>(m_scrollToRow) * lineHeight - ImGui::GetWindowHeight() * 0.4f));
        m_scrollToRow = -1;
    } else if (m_follow) {
        ImGui::SetScrollHereY(1.0f);
    }
    m_followedLastFrame = m_follow;
    if (c.fonts.mono) ImGui::PopFont();
    ImGui::EndChild();
    probe::track("Transcript rows");
}

void TranscriptPanel::drawRow(Context& c, const Row& row, const wire::TranscriptEntry& e)
{
    const Palette& p = c.palette;
    const float charWidth = ImGui::CalcTextSize("0").x;
    const float lineHeight = ImGui::GetTextLineHeightWithSpacing();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const float left = ImGui::GetWindowPos().x, right = left + ImGui::GetWindowWidth() + ImGui::GetScrollX();

    // What the last step did stands out; so does the line the search is on.
    const bool current =
        (m_currentMatch >= 0 && m_matches[static_cast<size_t>(m_currentMatch)].entry == row.entry &&
         m_matches[static_cast<size_t>(m_currentMatch)].offset == row.offset) ||
        (row.entry == m_shownEntry && row.offset == 0);
    if (current)
        draw->AddRectFilled(ImVec2(left, start.y), ImVec2(right, start.y + lineHeight),
                            ImGui::GetColorU32(ImGuiCol_TextSelectedBg));
    else if (c.player && c.changes && e.step > 0 && e.step == c.changes->step)
        draw->AddRectFilled(ImVec2(left, start.y), ImVec2(right, start.y + lineHeight),
                            ImGui::GetColorU32(p.changed));

    // Columns: time, device and session, fold arrow, C:/S:, TLS, text.
    const float x0 = ImGui::GetCursorPosX();
    // The protocol text needs the room more than the time (which is in the C:/S: tooltip): the time
    // column shows only on a wide panel, never on a projector.
    constexpr float kTimeChars = 20, kTextChars = 56;
    const float otherColumns = static_cast<float>(m_tagChars) + 10;
    const bool showTime = !c.presenter && ImGui::GetContentRegionAvail().x >=
                                              (kTimeChars + otherColumns + kTextChars) * charWidth;
    const std::string timeText = wire::clockText(e.timeMs, clockOrigin(c));
    const char* time = timeText.c_str();
    // "day 12 10:00:01.950" and a space: every row's columns line up up to day 99.
    const float tagX = x0 + (showTime ? kTimeChars : 0.0f) * charWidth,
                foldX = tagX + static_cast<float>(m_tagChars + 1) * charWidth;
    const float whoX = foldX + 2 * charWidth, tlsX = whoX + 3 * charWidth;
    const float textX = tlsX + (m_sawTls && m_view == View::Programs ? 4 * charWidth : 0);

    // The first item of a line starts it; the others go on the same line at their column.
    bool placed = false;
    auto column = [&](float x) {
        if (placed)
            ImGui::SameLine(x);
        else
            ImGui::SetCursorPosX(x);
        placed = true;
    };
    if (row.flags & kHead) {
        placed = true;
        if (showTime) {
            ImGui::TextColored(p.dim, "%s", time);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("Virtual time: the simulator's clock (step %d).", e.step);
            ImGui::SameLine(tagX);
        }
        // A long device name loses its middle, not the session number.
        fittedText(sessionTag(e), p.dim, static_cast<float>(m_tagChars) * charWidth);
        if (ImGui::IsItemHovered() && e.sessionId)
            ImGui::SetTooltip("%s, session %d: %s%s", e.device.c_str(), e.sessionId,
                              wire::protocolName(e.protocol),
                              e.serverPort ? (", server port " + std::to_string(e.serverPort)).c_str() : "");
    }

    if (row.kind == RowKind::Event || row.kind == RowKind::Note) {
        const bool note = row.kind == RowKind::Note;
        const ImVec4 colour = note ? p.note : e.kind == Kind::Connected ? p.good : p.dim;
        const char* mark = note ? "\u25cf" : e.kind == Kind::Connected ? "\u250c" : "\u2514";
        column(foldX);
        ImGui::TextColored(colour, "%s", mark);
        column(whoX);
        std::string_view text =
            std::string_view(e.bytes).substr(0, std::min<size_t>(e.bytes.size(), kMaxShownBytes));
        const Fitted fitted = elideMiddle(text, ImGui::GetContentRegionAvail().x);
        if (fitted.elided) probe::noteElided(std::string(text), false);
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(fitted.text.c_str(), fitted.text.c_str() + fitted.text.size());
        ImGui::PopStyleColor();
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
            ImGui::TextUnformatted(note ? "The simulator's remark (not on the wire):"
                                   : e.kind == Kind::Connected
                                       ? "A TCP connection opens; the server greets first."
                                       : "The TCP connection closes.");
            if (note || fitted.elided) ImGui::TextUnformatted(e.bytes.c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        return;
    }

    const bool fromClient = e.direction == wire::Direction::ClientToServer;
    if (row.flags & kFoldable) {
        const bool isFolded = row.hidden > 0;
        column(foldX);
        ImGui::TextColored(p.dim, "%s", isFolded ? "\u25b6" : "\u25bc");
        probe::track("Fold " + std::to_string(row.entry));
        if (ImGui::IsItemClicked()) toggleFold(row.entry);
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(isFolded ? "Show every line" : "Fold to the first line");
    }
    if (row.flags & kHead) {
        column(whoX);
        ImGui::TextColored(fromClient ? p.client : p.server, "%s", fromClient ? "C:" : "S:");
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(fromClient ? "C: the client (%s) sent this at %s"
                                         : "S: the server sent this to %s at %s",
                              e.device.c_str(), time);
        if (row.kind == RowKind::Line && e.encrypted) {
            column(tlsX);
            ImGui::TextColored(p.tls, "TLS");
            tooltip(
                "This travelled encrypted: shown here as the programs read it. On the wire it is only TLS "
                "records (see \"What an eavesdropper sees\").");
        }
    }
    column(textX);
    if (row.kind == RowKind::Record) {
        drawRecordRow(c, row, e);
        return;
    }

    std::string_view line =
        std::string_view(e.bytes).substr(row.offset, std::min<size_t>(row.length, kMaxShownBytes));
    std::string more;
    if (row.hidden > 0) more = "(+" + std::to_string(row.hidden) + " line" + (row.hidden == 1 ? ")" : "s)");
    // A reply says what happened at its end ("(3 deleted, 0 left)"): a line too long for the panel loses
    // its middle, never its end, and shows whole on hover.
    const float moreWidth =
        more.empty() ? 0.0f : ImGui::CalcTextSize(more.c_str()).x + ImGui::GetStyle().ItemSpacing.x;
    const Fitted fitted = elideMiddle(line, ImGui::GetContentRegionAvail().x - moreWidth, 0.55f);
    if (fitted.elided) probe::noteElided(std::string(line), false);
    const std::string_view shown = fitted.text;
    const ImVec2 textPos = ImGui::GetCursorScreenPos();
    if (!m_queryLower.empty())
        for (size_t at = findNoCase(line, m_queryLower); at != std::string_view::npos;
             at = findNoCase(line, m_queryLower, at + m_queryLower.size())) {
            const size_t from = fitted.shownAt(at), to = fitted.shownAt(at + m_queryLower.size());
            if (from == std::string_view::npos || to == std::string_view::npos) continue;
            float x = textPos.x + ImGui::CalcTextSize(shown.data(), shown.data() + from).x;
            float w = ImGui::CalcTextSize(shown.data() + from, shown.data() + to).x;
            draw->AddRectFilled(ImVec2(x, textPos.y), ImVec2(x + w, textPos.y + ImGui::GetTextLineHeight()),
                                ImGui::GetColorU32(ImVec4(p.note.x, p.note.y, p.note.z, 0.45f)));
        }
    const ImVec4 colour = fromClient ? p.client : p.server;
    auto [failBegin, failEnd] =
        fromClient ? std::pair<size_t, size_t>{0, 0} : failureWord(e, line, (row.flags & kHead) != 0);
    failBegin = fitted.shownAt(failBegin);
    failEnd = fitted.shownAt(failEnd);
    const char* text = shown.data();
    if (failEnd > failBegin && failEnd != std::string_view::npos) {
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(text, text + failBegin);
        ImGui::PopStyleColor();
        ImGui::SameLine(0, 0);
        ImGui::PushStyleColor(ImGuiCol_Text, p.bad);
        ImGui::TextUnformatted(text + failBegin, text + failEnd);
        ImGui::PopStyleColor();
        ImGui::SameLine(0, 0);
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(text + failEnd, text + shown.size());
        ImGui::PopStyleColor();
    } else {
        ImGui::PushStyleColor(ImGuiCol_Text, colour);
        ImGui::TextUnformatted(text, text + shown.size());
        ImGui::PopStyleColor();
    }
    // The hover is over the whole line, whichever piece the mouse is on.
    const bool hovered =
        ImGui::IsMouseHoveringRect(textPos, ImVec2(ImGui::GetItemRectMax().x, textPos.y + lineHeight)) &&
        ImGui::IsWindowHovered();
    if (hovered) drawTooltip(c, row, e, fitted.elided ? line : std::string_view());
    if (hovered && (row.flags & kFoldable) && ImGui::IsMouseClicked(0)) toggleFold(row.entry);
    if (row.hidden > 0) {
        ImGui::SameLine();
        ImGui::TextColored(p.dim, "%s", more.c_str());
        probe::track("Unfold " + std::to_string(row.entry));
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip("%u more line%s, %s bytes in all: click to show every line of this %s",
                              row.hidden, row.hidden == 1 ? "" : "s",
                              util::withThousands(e.bytes.size()).c_str(), fromClient ? "command" : "reply");
        if (ImGui::IsItemClicked()) toggleFold(row.entry);
    }
}

void TranscriptPanel::drawRecordRow(Context& c, const Row& row, const wire::TranscriptEntry& e)
{
    // As many of the first bytes as the panel has room for, three characters each; " …" says there are more.
    const std::string_view record = std::string_view(e.bytes).substr(row.offset, row.length);
    const float charWidth = ImGui::CalcTextSize("0").x;
    const float room =
        ImGui::GetContentRegionAvail().x / charWidth - static_cast<float>(recordText(record, 1).size());
    std::string text = recordText(record, room > 3 ? static_cast<size_t>(room / 3) : 1);
    if (room < 3) {
        // No room for the version and the bytes: what a record is and how long, which is what leaks.
        std::vector<tls::RecordInfo> info = tls::parseRecords(record);
        if (!info.empty())
            text = std::string(tls::contentTypeName(info[0].contentType)) + " " +
                   std::to_string(info[0].length) + (info[0].length == 1 ? " byte" : " bytes");
    }
    fittedText(text, c.palette.tls);
    tooltip(
        "One TLS record as it crosses the network: its type, the version field, its length and the first "
        "bytes. After the handshake everything is application data: an eavesdropper sees how much was sent "
        "and when, but not what (RFC 8446 section 5.1).");
}

std::optional<TranscriptPanel::LineHelp> TranscriptPanel::help(const wire::TranscriptEntry& e, size_t offset)
{
    if (e.kind != Kind::Data || offset >= e.bytes.size()) return std::nullopt;
    std::string_view rest = std::string_view(e.bytes).substr(offset);
    if (e.direction == wire::Direction::ClientToServer)
        return offset == 0 ? explainCommand(e.protocol, rest) : std::nullopt;
    return explainReply(e, offset);
}

void TranscriptPanel::drawTooltip(Context& c, const Row& row, const wire::TranscriptEntry& e,
                                  std::string_view wholeLine)
{
    std::optional<LineHelp> what = help(e, row.offset);
    if (!what && row.hidden == 0 && wholeLine.empty()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
    if (!wholeLine.empty()) {
        ImGui::TextUnformatted(wholeLine.data(), wholeLine.data() + wholeLine.size());
        if (what) ImGui::Separator();
    }
    if (what) {
        ImGui::TextColored(e.direction == wire::Direction::ClientToServer ? c.palette.client
                                                                          : c.palette.server,
                           "%s", what->title.c_str());
        ImGui::TextUnformatted(what->text.c_str());
        ImGui::TextColored(c.palette.dim, "%s", what->rfc.c_str());
    }
    if (row.hidden > 0)
        ImGui::TextColored(c.palette.dim, "Click to show all %s lines",
                           util::withThousands(row.hidden + 1).c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

std::unique_ptr<Panel> makeTranscriptPanel()
{
    return std::make_unique<TranscriptPanel>();
}

} // namespace maillab::gui
