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

std::filesystem::path configDir()
{
    if (const char* dir = std::getenv("MAILLAB_CONFIG_DIR"); dir && *dir) return dir;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/')
        return std::filesystem::path(xdg) / "maillab";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".config" / "maillab";
    return {};
}

} // namespace maillab::util
