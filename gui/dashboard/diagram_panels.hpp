// Read-only views of what the diagram panels (compare, sequence, state) hold and drew in the last frame,
// for tests and for `maillab screenshot`. Each returns null (or empty) when the panel is not of that kind.
#pragma once

#include "panel.hpp"
#include "scenario/compare.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::gui {

// The compare panel's comparison (its lanes and samples); the screenshot tool steps it.
scenario::Comparison* comparisonOf(Panel& panel);
// Chooses one of scenario::builtInComparisons() by id, from the start; false when there is no such id.
bool chooseComparison(Panel& panel, const std::string& id);

struct SequenceDiagramInfo {
    size_t rows = 0;                    // rows indexed so far: arrows, connection marks, notes
    size_t arrows = 0;                  // commands and replies (Data entries)
    size_t tlsArrows = 0;               // TLS records, drawn thin
    size_t notes = 0;                   // the simulator's remarks, across the lanes
    size_t sessions = 0;                // sessions seen
    size_t drawnRows = 0;               // rows drawn in the last frame: only the visible ones
    size_t firstDrawn = 0;              // the first of them
    bool following = true;              // the view follows the newest exchange
    std::vector<std::string> lifelines; // left to right, as the header shows them: "laptop #1", ..., "server"
};
const SequenceDiagramInfo* sequenceInfo(const Panel& panel);

struct SessionStateInfo {
    int sessionId = 0;
    std::string device;
    wire::Protocol protocol = wire::Protocol::Pop3;
    std::string litState;   // the state drawn lit, as the diagram labels it ("TRANSACTION", "Selected")
    std::string shownState; // the state whose commands are listed: the hovered one, else the lit one
    std::vector<std::string> accepted; // the commands the server accepts in shownState
};
// One per session drawn in the last frame; empty when no session is open (the diagrams are greyed).
const std::vector<SessionStateInfo>* stateInfo(const Panel& panel);

// Whether a server reply said no, as the session that answered it told (wire::Exchange's status: POP3's
// error, IMAP's tagged NO or BAD). The panels only colour a reply by it.
bool replyRefused(const wire::TranscriptEntry& reply);

} // namespace maillab::gui
