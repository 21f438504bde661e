// Where maillab finds its shipped data (assets/, lessons/), from a source tree or an install.
#pragma once

#include <filesystem>

namespace maillab::util {

// $MAILLAB_ASSETS, else <exe>/../share/maillab/assets, else the source tree's assets/.
std::filesystem::path assetsDir();
// $MAILLAB_LESSONS, else <exe>/../share/maillab/lessons, else the source tree's lessons/.
std::filesystem::path lessonsDir();
// Where maillab keeps what it makes for the user (the TLS certificate, imgui.ini): $MAILLAB_CONFIG_DIR, else
// $XDG_CONFIG_HOME/maillab (when absolute), else ~/.config/maillab; empty when none of them is set.
std::filesystem::path configDir();

} // namespace maillab::util
