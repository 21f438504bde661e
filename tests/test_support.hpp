// Shared helpers for the test suites: a store with the demo mail, and reading files of the source tree.
#pragma once

#include "store/demo_mail.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <filesystem>
#include <string>

namespace maillab::test {

inline std::filesystem::path sourceDir() { return MAILLAB_SOURCE_DIR; }
inline std::filesystem::path mailDir() { return sourceDir() / "assets" / "mail"; }

std::string readFile(const std::filesystem::path& path);

// A store with alice and bob and all their demo mail, UIDVALIDITY from the default virtual clock.
struct DemoWorld {
    wire::VirtualClock clock;
    store::Store store{static_cast<uint32_t>(wire::VirtualClock::kDefaultStartMs / 1000)};
    DemoWorld() { store::loadDemoAccounts(store, mailDir()); }
};

} // namespace maillab::test
