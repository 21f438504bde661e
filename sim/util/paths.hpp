// Where maillab finds its shipped data (assets/, lessons/), from a source tree or an install.
#pragma once

#include <filesystem>

namespace maillab::util {

// $MAILLAB_ASSETS, else <exe>/../share/maillab/assets, else the source tree's assets/.
std::filesystem::path assetsDir();
// $MAILLAB_LESSONS, else <exe>/../share/maillab/lessons, else the source tree's lessons/.
std::filesystem::path lessonsDir();

} // namespace maillab::util
