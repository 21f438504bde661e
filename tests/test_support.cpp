#include "test_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace maillab::test {

std::filesystem::path sourceDir()
{
    return MAILLAB_SOURCE_DIR;
}

std::vector<std::filesystem::path> shippedLessons()
{
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(sourceDir() / "lessons"))
        if (entry.path().extension() == ".json" && entry.path().filename() != "lesson.schema.json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::unique_ptr<scenario::Simulation> runLessonFile(const std::filesystem::path& file)
{
    auto loaded = scenario::loadScenario(file);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    auto simulation =
        std::make_unique<scenario::Simulation>(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    EXPECT_TRUE(simulation->setupErrors().empty()) << file;
    simulation->run();
    EXPECT_TRUE(simulation->finished()) << file;
    return simulation;
}

std::unique_ptr<scenario::Simulation> runLesson(const std::string& name)
{
    return runLessonFile(sourceDir() / "lessons" / (name + ".json"));
}

ScratchDir::ScratchDir(const std::string& name)
{
    path =
        std::filesystem::temp_directory_path() / ("maillab-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
}

ScratchDir::~ScratchDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

namespace {

std::string firstDifference(const std::string& expected, const std::string& actual)
{
    size_t line = 1, start = 0;
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
        if (expected[i] != actual[i]) break;
        if (expected[i] == '\n') {
            ++line;
            start = i + 1;
        }
    }
    auto lineAt = [start](const std::string& text) {
        size_t end = text.find('\n', start);
        return start > text.size() ? std::string()
                                   : text.substr(start, end == std::string::npos ? end : end - start);
    };
    return "first difference at line " + std::to_string(line) + ":\n  golden: " + lineAt(expected) +
           "\n  actual: " + lineAt(actual);
}

} // namespace

void compareWithGoldenFile(const std::filesystem::path& golden, const std::string& actual)
{
    const char* update = std::getenv("MAILLAB_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::filesystem::create_directories(golden.parent_path());
        std::ofstream(golden, std::ios::binary) << actual;
        std::cout << "updated " << golden.string() << "\n";
        return;
    }
    ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " is missing; run with MAILLAB_UPDATE_GOLDEN=1";
    const std::string expected = readFile(golden);
    EXPECT_TRUE(actual == expected)
        << golden.string() << " differs from the run; " << firstDifference(expected, actual)
        << "\n(if the change is intended: MAILLAB_UPDATE_GOLDEN=1, then read the diff)";
}

void expectSameTranscripts(const scenario::Simulation& first, const scenario::Simulation& second)
{
    EXPECT_TRUE(first.transcript().toText() == second.transcript().toText());
    const auto& a = first.transcript().entries();
    const auto& b = second.transcript().entries();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].bytes, b[i].bytes);
        EXPECT_EQ(a[i].timeMs, b[i].timeMs);
        EXPECT_EQ(a[i].step, b[i].step);
        EXPECT_EQ(a[i].sessionId, b[i].sessionId);
    }
}

} // namespace maillab::test
