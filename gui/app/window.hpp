// The dashboard in a real window (GLFW + OpenGL 3), and offscreen for `maillab screenshot`.
#pragma once

#include "cli.hpp"
#include "dashboard.hpp"

#include <functional>

namespace maillab::app {

// Opens the dashboard; returns the exit code, or -1 when there is no display to open it on.
// setup runs once the dashboard exists (serve --gui attaches its server there); poll runs every frame.
// keepRunning is asked every frame (serve --gui stops on Ctrl-C in the terminal too).
int runDashboard(gui::DashboardOptions options, const std::function<void(gui::Dashboard&)>& setup = {},
                 const std::function<bool()>& keepRunning = {});

// maillab screenshot --lesson FILE --step N --out FILE.png [--panel NAME] [--size WxH] [--theme light]
int runScreenshot(const cli::Args& args);

} // namespace maillab::app

namespace maillab::app {
// maillab dashboard [FILE.json] [--presenter] [--theme light]
int runDashboardCommand(const cli::Args& args);
} // namespace maillab::app
