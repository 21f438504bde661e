// The wire transcript: every exchange, client and server in their own colours, with virtual time, session and
// device. Long replies fold to their first line; filters, search, following the newest line, explanations of
// commands and replies on hover, and the eavesdropper's view of TLS connections.
//
// It scales to a live server's 100,000-line transcript: a row index (one row per drawn line) grows as entries
// arrive and is rebuilt only when a filter, the search or folding changes; the list is drawn with a clipper.
#pragma once

#include "panel.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace maillab::gui {

class TranscriptPanel : public Panel {
public:
    // "What the programs said" (decrypted Data, TLS records hidden) or "what an eavesdropper sees" (plain
    // Data as it is, TLS connections only as their records).
    enum class View { Programs, Eavesdropper };
    enum class RowKind : uint8_t { Line, Event, Note, Record };

    const char* id() const override { return "transcript"; }
    const char* title() const override { return "Wire transcript"; }
    ImVec4 defaultRect() const override { return ImVec4(0.30f, 0.0f, 0.42f, 0.62f); }
    void draw(Context& context) override;
    // Switches the view, as its radio buttons do (a lesson about TLS may start in the eavesdropper's).
    void setView(View view)
    {
        if (view != m_view) m_dirty = true;
        m_view = view;
        m_currentMatch = -1;
    }

    // [SECTION] what the list shows, as of the last frame (tests read it; the draw code uses the same rows)
    size_t rowCount() const { return m_rows.size(); }
    RowKind rowKind(size_t row) const { return m_rows[row].kind; }
    uint64_t rowEntry(size_t row) const { return m_rows[row].entry; } // absolute entry number
    std::string rowText(size_t row) const;                            // the text after the C:/S: column
    bool folded(uint64_t entry) const { return m_foldByDefault != m_foldExceptions.contains(entry); }
    size_t matchCount() const { return m_matches.size(); } // lines that contain the search text
    int currentMatch() const { return m_currentMatch; }    // index into the matches, -1 for none
    bool following() const { return m_follow; }
    View view() const { return m_view; }
    int rebuilds() const { return m_rebuilds; } // full index rebuilds so far

    // What the line at `offset` of an entry means, as its tooltip says: a command from the command tables
    // (POP3: the first word; IMAP: the word after the tag, UID FETCH as FETCH), a reply's status or untagged
    // response. Nothing for a line of a message body.
    using LineHelp = wire::LineHelp;
    static std::optional<LineHelp> help(const wire::TranscriptEntry& entry, size_t offset);

private:
    struct Row {
        uint64_t entry = 0;  // absolute entry number: entries()[entry - dropped()]
        uint32_t offset = 0; // the line's (or TLS record's) first byte in the entry
        uint32_t length = 0; // the line without its CRLF, or the whole record
        uint32_t hidden = 0; // on the first line of a folded entry: how many lines it hides
        RowKind kind = RowKind::Line;
        uint8_t flags = 0;
    };
    struct Match {
        uint64_t entry = 0;
        uint32_t offset = 0;
    };
    struct SessionInfo {
        std::string device;
        wire::Protocol protocol = wire::Protocol::Pop3;
    };

    // [SECTION] the row index
    void syncIndex(const Context& c);
    void rebuild(const wire::Transcript& t);
    void discover(const wire::TranscriptEntry& e);
    bool passes(const wire::TranscriptEntry& e) const;
    void indexEntry(uint64_t number, const wire::TranscriptEntry& e, std::deque<Row>& rows, bool withMatches);
    void toggleFold(uint64_t entry);
    size_t findRow(uint64_t entry, uint32_t offset) const;
    void goToMatch(int match);

    // [SECTION] drawing
    void drawToolbar(Context& c);
    void drawFilters(Context& c);
    void drawSearch(Context& c);
    void drawRows(Context& c);
    void drawRow(Context& c, const Row& row, const wire::TranscriptEntry& e);
    void drawTooltip(Context& c, const Row& row, const wire::TranscriptEntry& e, std::string_view wholeLine);
    void drawRecordRow(Context& c, const Row& row, const wire::TranscriptEntry& e);

    // The transcript the index was built for, and how far it got.
    const wire::Transcript* m_transcript = nullptr;
    int m_generation = -1;
    uint64_t m_indexedEnd = 0;    // entries before this absolute number are indexed
    uint64_t m_discoveredEnd = 0; // entries before this have had their device and session noted
    bool m_dirty = true;
    int m_rebuilds = 0;
    std::deque<Row> m_rows;
    std::deque<Match> m_matches;

    // Filters and view.
    View m_view = View::Programs;
    std::map<std::string, bool> m_devices; // device -> shown
    bool m_anyDeviceHidden = false;
    std::map<int, SessionInfo> m_sessions;
    int m_session = 0; // 0: every session
    bool m_showPop3 = true, m_showImap = true;
    bool m_sawPop3 = false, m_sawImap = false, m_sawTls = false;
    size_t m_tagChars = 6; // width of the device/session column, in characters

    // Folding: an entry is folded when m_foldByDefault, unless it is one of the exceptions.
    bool m_foldByDefault = true;
    std::unordered_set<uint64_t> m_foldExceptions;

    // Search.
    std::string m_query, m_queryLower;
    bool m_onlyMatching = false;
    int m_currentMatch = -1;

    // Scrolling.
    bool m_follow = true;
    bool m_followedLastFrame = false;
    float m_lastScrollY = 0;
    long m_scrollToRow = -1;
    uint64_t m_shownEntry = UINT64_MAX; // the line the lesson pointed at (Context::showEntry), marked
    int m_droppedRows = 0; // rows that left the front since the last frame, to keep the view still
};

} // namespace maillab::gui
