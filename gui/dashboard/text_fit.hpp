// Text that must fit a width: a long wire line keeps both its start (what it is) and its end (what
// happened: "(3 deleted, 0 left)") and loses its middle; the whole text shows on hover. Every panel that
// shortens text goes through here, so the clipped-text probe (ui_probe.hpp) counts what was shortened.
#pragma once

#include <imgui.h>
#include <string>
#include <string_view>

namespace maillab::gui {

struct Fitted {
    std::string text; // the text, or its start, " … " and its last words
    size_t headBytes; // how much of the start is kept (the whole text when it fits)
    size_t tailBegin; // where the kept end starts in the original text
    bool elided = false;
    // Where byte `at` of the original text is in `text`, or npos when it was elided away.
    size_t shownAt(size_t at) const;
};

// In the current font. tailShare: the part of the width given to the end, which may take more to stay
// whole (a closing parenthesis) but never the part headShare keeps for the start.
Fitted elideMiddle(std::string_view text, float width, float tailShare = 0.5f, float headShare = 0.0f);

// Draws text as one line within width (the rest of the line when width <= 0) in colour, its middle
// elided when it does not fit; hovering shows the whole text. True when it was elided.
bool fittedText(std::string_view text, ImVec4 colour, float width = 0.0f);

// Starts the next widget on this line when `width` still fits there, else on the next line: a row of
// buttons wraps at the panel's edge instead of running past it.
void flow(float width);
float buttonWidth(const char* label);   // a SmallButton's too
float checkboxWidth(const char* label); // also a radio button's

} // namespace maillab::gui
