// Where the important widgets were drawn in the last frame, by name, so tests can move a synthetic mouse
// onto "Step" and click it as a student would. Costs a map insert per named widget.
#pragma once

#include <imgui.h>
#include <map>
#include <string>

namespace maillab::gui::probe {

// Records the last item's rectangle under name (call right after the widget).
void track(const std::string& name);
// The rectangle's centre, or false when the widget was not drawn in the last frame.
bool find(const std::string& name, ImVec2& centre);
// The point `fraction` of the way across the widget, at its middle height (a click on a progress bar).
bool findAcross(const std::string& name, float fraction, ImVec2& point);
void clear();

} // namespace maillab::gui::probe
