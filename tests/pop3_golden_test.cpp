// Golden transcripts of the POP3 lessons: byte for byte against tests/golden/, the same on every run, and
// each exchange checked against the shapes RFC 1939 gives (sections 3, 5, 7 and the example in section 10).
//
// After an intended change, regenerate with:  MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests
// --gtest_filter='Pop3Golden.*' and read the diff against RFC 1939 before committing it.
#include "pop3/pop3_types.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "util/text.hpp"
#include "wire/transcript.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using scenario::Simulation;

void compareWithGolden(const std::string& lesson)
{
    auto simulation = runLesson(lesson);
    ASSERT_TRUE(simulation);
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / (lesson + ".txt"),
                          simulation->transcript().toText());
}

// [SECTION] RFC 1939 shapes, checked on every exchange of a transcript

std::vector<std::string> linesOf(std::string_view bytes)
{
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t end = bytes.find("\r\n", pos);
        if (end == std::string_view::npos) {
            lines.emplace_back(bytes.substr(pos));
            break;
        }
        lines.emplace_back(bytes.substr(pos, end - pos));
        pos = end + 2;
    }
    return lines;
}

uint64_t numberAt(const std::string& text, size_t word)
{
    std::vector<std::string_view> words = util::splitSpaces(text);
    return word < words.size() ? util::parseNumber(words[word]).value_or(UINT64_MAX) : UINT64_MAX;
}

void checkRfc1939Shapes(const Simulation& simulation)
{
    const auto& entries = simulation.transcript().entries();
    std::map<int, std::map<uint64_t, uint64_t>> listedSize; // session -> message number -> LIST size
    std::map<int, std::string> lastCommand;
    std::map<int, std::string> dropListing; // session -> its STAT reply
    std::map<int, bool> greeted;
    int exchanges = 0;
    for (const wire::TranscriptEntry& e : entries) {
        if (e.kind != wire::TranscriptEntry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer) {
            // RFC 1939 section 3: a command is one CRLF-terminated line (RFC 2449 section 4: at most 255
            // octets).
            EXPECT_EQ(e.bytes.find("\r\n"), e.bytes.size() - 2) << e.bytes;
            EXPECT_LE(e.bytes.size(), pop3::kMaxCommandLine);
            lastCommand[e.sessionId] = e.bytes.substr(0, e.bytes.size() - 2);
            continue;
        }
        const std::string& reply = e.bytes;
        SCOPED_TRACE("reply to \"" + lastCommand[e.sessionId] + "\": " + reply.substr(0, 60));
        ++exchanges;
        ASSERT_GE(reply.size(), 2u);
        ASSERT_EQ(reply.substr(reply.size() - 2), "\r\n");
        const std::vector<std::string> lines = linesOf(reply);
        const std::string& status = lines.front();
        // Status indicators in upper case; the first line at most 512 octets with its CRLF.
        EXPECT_TRUE(status.rfind("+OK", 0) == 0 || status.rfind("-ERR", 0) == 0) << status;
        EXPECT_LE(status.size() + 2, 512u);
        if (!greeted[e.sessionId]) {
            greeted[e.sessionId] =
                true; // the greeting: a positive response with an APOP timestamp (section 7)
            EXPECT_EQ(status.rfind("+OK ", 0), 0u);
            EXPECT_NE(status.find('<'), std::string::npos);
            EXPECT_EQ(status.back(), '>');
            continue;
        }
        const std::string command = lastCommand[e.sessionId];
        const std::vector<std::string_view> words = util::splitSpaces(command);
        const std::string verb = util::toUpper(words.empty() ? std::string_view() : words[0]);
        const bool ok = status.rfind("+OK", 0) == 0;
        if (ok && pop3::expectsMultiLine(command)) {
            // Multi-line: ends with CRLF "." CRLF, and no line before the end is a lone "." (section 3).
            ASSERT_GE(lines.size(), 2u);
            EXPECT_EQ(lines.back(), ".");
            for (size_t i = 1; i + 1 < lines.size(); ++i)
                EXPECT_NE(lines[i], ".") << "line " << i;
        } else {
            EXPECT_EQ(lines.size(), 1u) << "a single-line reply";
        }
        if (!ok) continue;
        if (verb == "LIST" && words.size() == 1) {
            // "+OK" then scan listings "n size" (section 5).
            uint64_t count = 0, total = 0;
            for (size_t i = 1; i + 1 < lines.size(); ++i) {
                EXPECT_EQ(util::splitSpaces(lines[i]).size(), 2u) << lines[i];
                listedSize[e.sessionId][numberAt(lines[i], 0)] = numberAt(lines[i], 1);
                ++count;
                total += numberAt(lines[i], 1);
            }
            EXPECT_EQ(status, "+OK " + std::to_string(count) + (count == 1 ? " message (" : " messages (") +
                                  std::to_string(total) + " octets)");
            if (dropListing.count(e.sessionId)) {
                EXPECT_EQ(dropListing[e.sessionId],
                          "+OK " + std::to_string(count) + " " + std::to_string(total));
            }
        } else if (verb == "STAT") {
            EXPECT_EQ(util::splitSpaces(status).size(), 3u)
                << "a drop listing is exactly +OK nn mm (section 5)";
            dropListing[e.sessionId] = status;
        } else if (verb == "UIDL" && words.size() == 1) {
            for (size_t i = 1; i + 1 < lines.size(); ++i) {
                std::vector<std::string_view> parts = util::splitSpaces(lines[i]);
                ASSERT_EQ(parts.size(), 2u) << lines[i];
                EXPECT_GE(parts[1].size(), 1u);
                EXPECT_LE(parts[1].size(), 70u);
                for (char c : parts[1])
                    EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << lines[i];
            }
        } else if (verb == "RETR") {
            // The message, byte-stuffed; unstuffed it is exactly as long as the octet count (sections 5, 11).
            const uint64_t number = numberAt(command, 1);
            const std::string_view body =
                std::string_view(reply).substr(status.size() + 2, reply.size() - status.size() - 5);
            const std::string message = pop3::dotUnstuff(body);
            EXPECT_EQ(status, "+OK " + std::to_string(message.size()) + " octets");
            if (listedSize[e.sessionId].count(number)) {
                EXPECT_EQ(listedSize[e.sessionId][number], message.size());
            }
        } else if (verb == "QUIT") {
            EXPECT_NE(status.find("signing off"), std::string::npos);
        }
    }
    EXPECT_GT(exchanges, 10);
}

// [SECTION] the lessons

TEST(Pop3Golden, DeleteModeTranscriptMatchesGolden_Rfc1939_10)
{
    compareWithGolden("14-pop3-delete-mode");
}

TEST(Pop3Golden, KeepModeTranscriptMatchesGolden_Rfc1939_10)
{
    compareWithGolden("15-pop3-keep-mode");
}

TEST(Pop3Golden, EachLessonGivesTheSameTranscriptOnEveryRun)
{
    for (const char* lesson : {"14-pop3-delete-mode", "15-pop3-keep-mode"}) {
        SCOPED_TRACE(lesson);
        auto first = runLesson(lesson);
        auto second = runLesson(lesson);
        ASSERT_TRUE(first && second);
        expectSameTranscripts(*first, *second);
    }
}

TEST(Pop3Golden, LessonExchangesHaveTheShapesOfRfc1939_3_5_7)
{
    for (const char* lesson : {"14-pop3-delete-mode", "15-pop3-keep-mode"}) {
        SCOPED_TRACE(lesson);
        auto simulation = runLesson(lesson);
        ASSERT_TRUE(simulation);
        checkRfc1939Shapes(*simulation);
    }
}

TEST(Pop3Golden, DeleteModeLessonStuffsTheLoneDotLine_Rfc1939_3)
{
    auto simulation = runLesson("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    const std::vector<std::string> lines = linesOf(util::toCrlf(simulation->transcript().toText()));
    // Message 2 of the lesson has a line that is just "." and lines that start with ".": on the wire each
    // gets one more dot. (With two sessions, toText() puts "[laptop#1] " before each line.)
    auto endsWith = [](const std::string& line, std::string_view tail) {
        return line.size() >= tail.size() && line.compare(line.size() - tail.size(), tail.size(), tail) == 0;
    };
    bool loneDot = false, twoDots = false;
    for (size_t i = 1; i < lines.size(); ++i) {
        if (endsWith(lines[i], "S: That line above is a real line of this e-mail, not the end of it."))
            loneDot = endsWith(lines[i - 1], "] S: ..");
        if (endsWith(lines[i], "] S: ...and this line even starts with two dots.")) twoDots = true;
    }
    EXPECT_TRUE(loneDot);
    EXPECT_TRUE(twoDots);
}

} // namespace
} // namespace maillab::test
