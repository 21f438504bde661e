#include "util/paths.hpp"

#include <cstdlib>
#include <system_error>

#ifndef MAILLAB_SOURCE_DIR
#define MAILLAB_SOURCE_DIR "."
#endif

namespace maillab::util {

namespace {

std::filesystem::path find(const char* envName, const char* folder)
{
    if (const char* env = std::getenv(envName); env && *env) return env;
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "maillab" / folder;
        if (std::filesystem::is_directory(installed, ec)) return installed;
    }
    return std::filesystem::path(MAILLAB_SOURCE_DIR) / folder;
}

} // namespace

std::filesystem::path assetsDir()
{
    return find("MAILLAB_ASSETS", "assets");
}
std::filesystem::path lessonsDir()
{
    return find("MAILLAB_LESSONS", "lessons");
}

} // namespace maillab::util
