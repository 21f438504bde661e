// The protocols' vocabularies live in sim/<protocol>: outside sim/, code reads wire::Exchange and the command
// tables, never the reply text. A literal that starts like a status line in gui/ means a view went back to
// matching protocol text, and would silently break when a reply is reworded.
#include "test_support.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <regex>
#include <string>

namespace maillab::test {
namespace {

TEST(VocabularyBoundary, NoFileOutsideSimMatchesReplyText)
{
    // "+OK", "-ERR", "* ", " NO ", " BAD ", "NO [", tagged statuses: as the start of a string literal.
    const std::regex statusLiteral(R"re("(\+OK|-ERR|\* |\+ |NO |BAD |OK \[|NO \[| NO | BAD | OK ))re");
    size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(sourceDir() / "gui")) {
        const std::string ext = entry.path().extension().string();
        if (ext != ".cpp" && ext != ".hpp") continue;
        ++files;
        const std::string text = readFile(entry.path());
        std::smatch match;
        EXPECT_FALSE(std::regex_search(text, match, statusLiteral))
            << entry.path().filename() << " matches protocol text: " << match.str();
    }
    EXPECT_GT(files, 10u);
}

} // namespace
} // namespace maillab::test
