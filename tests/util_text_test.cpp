// util::toCrlf: every line end becomes CR LF (RFC 5322 section 2.3), whatever the file used.
#include "util/text.hpp"

#include <gtest/gtest.h>

namespace maillab::test {
namespace {

TEST(ToCrlf, EveryKindOfLineEndBecomesCrLfOnce_Rfc5322_2_3)
{
    EXPECT_EQ(util::toCrlf(""), "");
    EXPECT_EQ(util::toCrlf("no line end"), "no line end");
    EXPECT_EQ(util::toCrlf("a\nb\n"), "a\r\nb\r\n");
    EXPECT_EQ(util::toCrlf("a\r\nb\r\n"), "a\r\nb\r\n");
    EXPECT_EQ(util::toCrlf("a\rb\r"), "a\r\nb\r\n");
    EXPECT_EQ(util::toCrlf("\n\r\n\r\r\n\n"), "\r\n\r\n\r\n\r\n\r\n");
    EXPECT_EQ(util::toCrlf("x\r"), "x\r\n");
    EXPECT_EQ(util::toCrlf("mixed\r\nthen lf\nthen cr\rend"), "mixed\r\nthen lf\r\nthen cr\r\nend");
}

TEST(ToCrlf, ALongMessageWithOneStrayCrAtTheEnd)
{
    std::string lf;
    for (int i = 0; i < 10000; ++i)
        lf += "line " + std::to_string(i) + "\n";
    std::string crlf = util::toCrlf(lf + "last\r");
    EXPECT_EQ(crlf.size(), lf.size() + 10000 + 6);
    EXPECT_EQ(crlf.substr(0, 16), "line 0\r\nline 1\r\n");
    EXPECT_EQ(crlf.substr(crlf.size() - 6), "last\r\n");
    EXPECT_EQ(crlf.find("\n\n"), std::string::npos);
}

} // namespace
} // namespace maillab::test
