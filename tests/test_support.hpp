// Shared helpers for the test suites: a store with the demo mail, reading files of the source tree, running
// lessons, and golden files.
#pragma once

#include "scenario/simulation.hpp"
#include "store/demo_mail.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace maillab::test {

std::filesystem::path sourceDir();
inline std::filesystem::path mailDir()
{
    return sourceDir() / "assets" / "mail";
}

std::string readFile(const std::filesystem::path& path);
// Every lesson that ships (lessons/*.json), sorted, for the properties that must hold whatever a lesson does.
std::vector<std::filesystem::path> shippedLessons();

// A store with alice and bob and all their demo mail, UIDVALIDITY from the default virtual clock.
struct DemoWorld {
    wire::VirtualClock clock;
    store::Store store{static_cast<uint32_t>(wire::VirtualClock::kDefaultStartMs / 1000)};
    DemoWorld() { store::loadDemoAccounts(store, mailDir()); }
};

// Loads a lesson file and runs it to the end (a test failure, and nullptr, when it does not load).
std::unique_ptr<scenario::Simulation> runLessonFile(const std::filesystem::path& file);
// The same for lessons/<name>.json.
std::unique_ptr<scenario::Simulation> runLesson(const std::string& name);

// With MAILLAB_UPDATE_GOLDEN=1 the golden file is rewritten from `actual`; otherwise they must be equal,
// and a failure names the first line that differs.
void compareWithGoldenFile(const std::filesystem::path& golden, const std::string& actual);

// Two runs of one lesson recorded the same entries: bytes, times, steps and sessions.
void expectSameTranscripts(const scenario::Simulation& first, const scenario::Simulation& second);

} // namespace maillab::test
