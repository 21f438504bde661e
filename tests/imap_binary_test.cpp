// BINARY (RFC 3516, also part of IMAP4rev2, RFC 9051 section 6.4.5): FETCH BINARY[part], BINARY.PEEK and
// BINARY.SIZE with the Content-Transfer-Encoding undone, literal8 in answers and in APPEND, UNKNOWN-CTE,
// and the syntax each of them refuses. The messages are written for these tests.
#include "imap/imap_response.hpp"
#include "imap/imap_session.hpp"
#include "imap_dave.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {
namespace {

using namespace std::string_literals;

std::string lit(std::string_view bytes)
{
    return "{" + std::to_string(bytes.size()) + "}\r\n" + std::string(bytes);
}
std::string lit8(std::string_view bytes)
{
    return "~{" + std::to_string(bytes.size()) + "}\r\n" + std::string(bytes);
}

const std::string kHeader = "From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
                            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
// Part 1 plain, part 2 base64 ("hello world" with a bare CR in it), part 3 quoted-printable, part 4 base64
// of bytes with NUL, part 5 an encoding nobody can undo.
const std::string kMessage = kHeader +
                             "--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n"
                             "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                             "aGVsbG8N\r\nd29ybGQ=\r\n"
                             "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
                             "quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft  \r\nend\r\n"
                             "--b\r\nContent-Type: application/octet-stream\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\nAAEAAg==\r\n"
                             "--b\r\nContent-Type: application/octet-stream\r\n"
                             "Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n"
                             "--b--\r\n";

// kMessage delivered and INBOX selected.
class ImapBinaryFetch : public ::testing::Test {
protected:
    ImapBinaryFetch()
    {
        w.deliver(kMessage);
        c.select();
    }
    DaveWorld w;
    DaveClient c{w};
};

TEST(ImapBinary, CapabilityIsAdvertised_Rfc3516_4_1)
{
    DaveWorld w;
    DaveClient c(w);
    EXPECT_NE(c.send("c CAPABILITY").find(" BINARY"), std::string::npos);
}

// BINARY[part] answers the part with its CTE undone: base64 and quoted-printable decoded, 7bit as it is.
TEST_F(ImapBinaryFetch, FetchDecodesBase64AndQuotedPrintable_Rfc3516_4_2)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[1])"),
              "* 1 FETCH (BINARY[1] " + lit("plain text") + ")\r\nf OK FETCH completed\r\n");
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[2])"),
              "* 1 FETCH (BINARY[2] " + lit("hello\rworld") + ")\r\nf OK FETCH completed\r\n");
    // Trailing white space goes and "=" at a line's end joins it to the next (RFC 2045 section 6.7).
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[3])"),
              "* 1 FETCH (BINARY[3] " + lit("caf\xC3\xA9 soft\r\nend") + ")\r\nf OK FETCH completed\r\n");
}

// BINARY.SIZE is the size of the decoded part, not of its encoded form (RFC 3516 section 4.2).
TEST_F(ImapBinaryFetch, SizeIsOfTheDecodedPart_Rfc3516_4_2)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.SIZE[2] BINARY.SIZE[4] BINARY.SIZE[1])"),
              "* 1 FETCH (BINARY.SIZE[2] 11 BINARY.SIZE[4] 4 BINARY.SIZE[1] 10)\r\nf OK FETCH completed\r\n");
}

// Decoded data with NUL goes as literal8 "~{n}" (RFC 3516 section 4.4.1); BODY[4] stays the encoded text.
TEST_F(ImapBinaryFetch, NulInDecodedDataIsSentAsLiteral8_Rfc3516_4_4_1)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[4])"),
              "* 1 FETCH (BINARY[4] " + lit8("\0\1\0\2"s) + ")\r\nf OK FETCH completed\r\n");
    EXPECT_EQ(c.send("f FETCH 1 (BODY.PEEK[4])"),
              "* 1 FETCH (BODY[4] " + lit("AAEAAg==") + ")\r\nf OK FETCH completed\r\n");
}

// <partial> counts octets of the decoded data, and only the origin is echoed (RFC 3516 section 4.2).
TEST_F(ImapBinaryFetch, PartialCountsDecodedOctets_Rfc3516_4_2)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[2]<3.4>)"),
              "* 1 FETCH (BINARY[2]<3> " + lit("lo\rw") + ")\r\nf OK FETCH completed\r\n");
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[2]<50.4>)"),
              "* 1 FETCH (BINARY[2]<50> " + lit("") + ")\r\nf OK FETCH completed\r\n");
}

// BINARY sets \Seen as BODY does; BINARY.PEEK and BINARY.SIZE do not (RFC 3516 section 4.2).
TEST_F(ImapBinaryFetch, BinarySetsSeenButPeekAndSizeDoNot_Rfc3516_4_2)
{
    c.send("f FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])");
    EXPECT_FALSE(w.inbox().messages.at(0).has(store::kSeen));
    EXPECT_EQ(c.send("f FETCH 1 (BINARY[1])"), "* 1 FETCH (BINARY[1] " + lit("plain text") +
                                                   " FLAGS (\\Seen \\Recent))\r\nf OK FETCH completed\r\n");
    EXPECT_TRUE(w.inbox().messages.at(0).has(store::kSeen));
}

// The whole message, a multipart and a message/rfc822 need no decoding: their CTE is an identity one (RFC
// 2045 section 6.4), so BINARY[] is the message as stored.
TEST_F(ImapBinaryFetch, WholeMessageIsSentAsStored_Rfc3516_4_2)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[])"),
              "* 1 FETCH (BINARY[] " + lit(kMessage) + ")\r\nf OK FETCH completed\r\n");
}

// An encoding the server cannot undo fails the FETCH with NO [UNKNOWN-CTE] and no data (RFC 3516 section
// 4.4.2); BODY[5] still works.
TEST_F(ImapBinaryFetch, UnknownEncodingIsNoUnknownCte_Rfc3516_4_4_2)
{
    std::string reply = c.send("f FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[5])");
    EXPECT_EQ(reply.rfind("f NO [UNKNOWN-CTE] ", 0), 0u) << reply;
    reply = c.send("f FETCH 1 (BINARY.SIZE[5])");
    EXPECT_EQ(reply.rfind("f NO [UNKNOWN-CTE] ", 0), 0u) << reply;
    EXPECT_NE(c.send("f FETCH 1 (BODY.PEEK[5])").find("f OK "), std::string::npos);
}

// A part that does not exist is NIL (nstring, RFC 3516 section 4.5), its size 0.
TEST_F(ImapBinaryFetch, MissingPartIsNil_Rfc3516_4_5)
{
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[9] BINARY.SIZE[9])"),
              "* 1 FETCH (BINARY[9] NIL BINARY.SIZE[9] 0)\r\nf OK FETCH completed\r\n");
}

// section-binary holds part numbers only; BINARY.SIZE takes no <partial> (RFC 3516 section 4.5).
TEST_F(ImapBinaryFetch, SectionIsPartNumbersOnly_Rfc3516_4_5)
{
    for (const char* bad : {"BINARY[HEADER]", "BINARY[1.MIME]", "BINARY[0]", "BINARY[1.]", "BINARY.PEEK",
                            "BINARY.SIZE[1]<0.5>", "BINARY[1", "BINARY.PEEK[TEXT]"}) {
        std::string reply = c.send("f FETCH 1 (" + std::string(bad) + ")");
        EXPECT_EQ(reply.rfind("f BAD ", 0), 0u) << bad << ": " << reply;
    }
}

// APPEND with literal8 may carry NUL (RFC 3516 section 4.3): the part is stored base64-encoded so that
// BODY[] can still be sent (its literals cannot hold NUL), and BINARY gives back the client's bytes.
TEST(ImapBinary, AppendLiteral8KeepsNulForBinary_Rfc3516_4_3)
{
    DaveWorld w;
    DaveClient c(w);
    const std::string body = "\0-\xE4\n\r\n\n"s;
    const std::string message = "From: a@example.org\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: binary\r\n\r\n" +
                                body;
    std::string reply =
        c.raw("a APPEND INBOX ~{" + std::to_string(message.size()) + "+}\r\n" + message + "\r\n");
    EXPECT_NE(reply.find("a OK [APPENDUID "), std::string::npos) << reply;
    const std::string stored = w.inbox().messages.at(0).copyBytes();
    EXPECT_EQ(stored.find('\0'), std::string::npos);
    EXPECT_NE(stored.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos) << stored;
    EXPECT_EQ(stored.find("binary"), std::string::npos) << stored;
    c.select();
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])"),
              "* 1 FETCH (BINARY.SIZE[1] 7 BINARY[1] " + lit8(body) + ")\r\nf OK FETCH completed\r\n");
    std::string plain = c.send("f FETCH 1 (BODY.PEEK[1])");
    EXPECT_EQ(plain.find('\0'), std::string::npos);
    EXPECT_NE(plain.find("{12}\r\nAC3kCg0KCg=="), std::string::npos) << plain;
}

// Each part with NUL is re-encoded on its own, inside a multipart too; the others stay byte for byte.
TEST(ImapBinary, AppendLiteral8ReencodesOnlyThePartsWithNul_Rfc3516_4_3)
{
    DaveWorld w;
    DaveClient c(w);
    const std::string message = kHeader + "--b\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
                                          "--b\r\nContent-Type: image/png\r\n\r\n\x89PNG\0\0\r\n"
                                          "--b--\r\n"s;
    std::string reply =
        c.raw("a APPEND INBOX ~{" + std::to_string(message.size()) + "+}\r\n" + message + "\r\n");
    EXPECT_NE(reply.find("a OK "), std::string::npos) << reply;
    c.select();
    EXPECT_EQ(c.send("f FETCH 1 (BODY.PEEK[1] BINARY.PEEK[2])"), "* 1 FETCH (BODY[1] " + lit("kept") +
                                                                     " BINARY[2] " + lit8("\x89PNG\0\0"s) +
                                                                     ")\r\nf OK FETCH completed\r\n");
}

// A NUL in an ordinary literal stays refused (RFC 3501 section 9, CHAR8; RFC 3516 section 4.3), and so is a
// NUL in a header, which no encoding can carry.
TEST(ImapBinary, NulOutsideLiteral8OrInAHeaderIsRefused_Rfc3516_4_3)
{
    DaveWorld w;
    DaveClient c(w);
    std::string reply = c.raw("a APPEND INBOX {3+}\r\na\0b\r\n"s);
    EXPECT_EQ(reply.rfind("a BAD ", 0), 0u) << reply;
    const std::string badHeader = "Subject: a\0b\r\n\r\nbody"s;
    reply = c.raw("b APPEND INBOX ~{" + std::to_string(badHeader.size()) + "+}\r\n" + badHeader + "\r\n");
    EXPECT_EQ(reply.rfind("b NO [UNKNOWN-CTE] ", 0), 0u) << reply;
    EXPECT_TRUE(w.store.mailbox("dave", "INBOX")->messages.empty());
}

// A literal8 is framed as a literal: the synchronizing form waits for "+", and the size limit holds
// (RFC 3516 section 4.3 with RFC 3501 section 7.5 and RFC 7888 section 4).
TEST(ImapBinary, Literal8IsFramedAndLimitedLikeALiteral_Rfc3516_4_3)
{
    DaveWorld w;
    imap::SessionOptions options;
    options.maxLiteralSize = 100;
    DaveClient c(w, options);
    EXPECT_EQ(c.send("a APPEND INBOX ~{5}"), "+ Ready for literal data\r\n");
    EXPECT_NE(c.raw("\r\n\0\0\0\r\n"s).find("a OK "), std::string::npos); // no header, a body of NULs
    EXPECT_EQ(c.send("b APPEND INBOX ~{101}").rfind("b NO [TOOBIG] ", 0), 0u);
}

// With BINARY switched off (a lesson's capability toggle) its syntax is refused and it is not advertised.
TEST(ImapBinary, SwitchedOffMeansNotOffered_Rfc3516_4_1)
{
    DaveWorld w;
    w.deliver(kMessage);
    imap::SessionOptions options;
    options.capabilitiesOff = {"BINARY"};
    DaveClient c(w, options);
    EXPECT_EQ(c.send("c CAPABILITY").find(" BINARY"), std::string::npos);
    EXPECT_EQ(c.raw("a APPEND INBOX ~{1+}\r\nx\r\n").rfind("a BAD ", 0), 0u);
    c.select();
    EXPECT_EQ(c.send("f FETCH 1 (BINARY.PEEK[1])").rfind("f BAD ", 0), 0u);
}

// The client side reads a literal8 in a FETCH answer as a string, NUL and all (RFC 3516 section 4.4.1).
TEST(ImapBinary, ClientReadsLiteral8_Rfc3516_4_4_1)
{
    const std::string answer = "* 1 FETCH (BINARY[1] ~{3}\r\na\0b UID 7)\r\n"s;
    EXPECT_EQ(imap::frameResponse(answer), answer.size());
    imap::Response response = imap::parseResponse(answer);
    size_t pos = 0;
    std::vector<imap::Value> values = imap::parseValues(response.rest, pos);
    ASSERT_EQ(values.size(), 1u);
    const imap::Value* binary = values[0].get("BINARY[1]");
    ASSERT_NE(binary, nullptr);
    EXPECT_EQ(binary->text, "a\0b"s);
    ASSERT_NE(values[0].get("UID"), nullptr);
    EXPECT_EQ(values[0].get("UID")->text, "7");
}

} // namespace
} // namespace maillab::test
