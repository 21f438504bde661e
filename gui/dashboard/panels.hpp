// The dashboard's panels, one file each.
#pragma once

#include "panel.hpp"

#include <memory>

namespace maillab::gui {

class Dashboard;

std::unique_ptr<Panel> makeLessonPanel(Dashboard& dashboard);
std::unique_ptr<Panel> makeEventsPanel(Dashboard& dashboard);
std::unique_ptr<Panel> makeTranscriptPanel();
std::unique_ptr<Panel> makeMailboxPanel();
std::unique_ptr<Panel> makeDevicesPanel();
std::unique_ptr<Panel> makeComparePanel();
std::unique_ptr<Panel> makeSequencePanel();
std::unique_ptr<Panel> makeStatePanel();
std::unique_ptr<Panel> makeBreakpointsPanel();
std::unique_ptr<Panel> makeConsolePanel();
std::unique_ptr<Panel> makeLivePanel(Dashboard& dashboard);
std::unique_ptr<Panel> makeScenePanel();

} // namespace maillab::gui
