// The message model: header unfolding, RFC 2047, MIME offsets and line counts, on every demo .eml.
#include "mail/date.hpp"
#include "mail/message.hpp"
#include "test_support.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace maillab::test {

namespace {

using mail::MimePart;

std::string demo(const std::string& relative)
{
    return readFile(mailDir() / relative);
}

std::string structure(const MimePart& part)
{
    std::string out = part.type + "/" + part.subtype;
    if (!part.children.empty()) {
        out += "[";
        for (size_t i = 0; i < part.children.size(); ++i)
            out += (i ? "," : "") + structure(part.children[i]);
        out += "]";
    }
    return out;
}

// Every part's offsets lie inside the message and its header/body split is where the bytes say.
void checkOffsets(std::string_view message, const MimePart& part)
{
    ASSERT_LE(part.headerOffset + part.headerSize, message.size());
    EXPECT_EQ(part.headerOffset + part.headerSize, part.bodyOffset);
    ASSERT_LE(part.bodyOffset + part.bodySize, message.size());
    EXPECT_EQ(part.bodyLines, mail::countLines(message.substr(part.bodyOffset, part.bodySize)));
    for (const MimePart& child : part.children) {
        EXPECT_GE(child.headerOffset, part.bodyOffset);
        EXPECT_LE(child.bodyOffset + child.bodySize, part.bodyOffset + part.bodySize);
        checkOffsets(message, child);
    }
}

TEST(Message, EveryDemoMessageParsesWithConsistentOffsets)
{
    int count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(mailDir())) {
        if (entry.path().extension() != ".eml") continue;
        std::string bytes = readFile(entry.path());
        SCOPED_TRACE(entry.path().string());
        // Stored mail uses CRLF only (RFC 5322 section 2.1).
        for (size_t i = 0; i < bytes.size(); ++i) {
            if (bytes[i] == '\n') { ASSERT_TRUE(i > 0 && bytes[i - 1] == '\r') << "bare LF at " << i; }
        }
        MimePart root = mail::parseMime(bytes);
        EXPECT_EQ(root.headerOffset, 0u);
        EXPECT_EQ(root.size(), bytes.size());
        checkOffsets(bytes, root);
        mail::Headers headers = root.headers;
        EXPECT_NE(headers.find("From"), nullptr);
        EXPECT_NE(headers.find("Date"), nullptr);
        ASSERT_NE(headers.find("Date"), nullptr);
        EXPECT_TRUE(mail::parseRfc5322Date(*headers.find("Date")).has_value());
        ++count;
    }
    EXPECT_GE(count, 20);
}

TEST(Message, MimeTreesOfTheDemoMail_Rfc2046)
{
    EXPECT_EQ(structure(mail::parseMime(demo("alice/INBOX/01-welcome-networks-101.eml"))), "text/plain");
    EXPECT_EQ(structure(mail::parseMime(demo("alice/INBOX/02-course-syllabus.eml"))),
              "multipart/mixed[text/plain,application/pdf]");
    EXPECT_EQ(structure(mail::parseMime(demo("alice/INBOX/03-hiking-photos.eml"))),
              "multipart/alternative[text/plain,text/html]");
    EXPECT_EQ(structure(mail::parseMime(demo("alice/INBOX/14-fwd-lab-room-change.eml"))),
              "multipart/mixed[text/plain,message/rfc822[text/plain]]");
    EXPECT_EQ(structure(mail::parseMime(demo("alice/INBOX/15-study-group-logo.eml"))),
              "multipart/mixed[multipart/alternative[text/plain,text/html],image/png]");
}

TEST(Message, PartBoundsExcludeTheCrlfBeforeTheBoundary_Rfc2046_5_1_1)
{
    std::string message =
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "preamble\r\n--b\r\n\r\nfirst\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n";
    MimePart root = mail::parseMime(message);
    ASSERT_EQ(root.children.size(), 2u);
    const MimePart& first = root.children[0];
    EXPECT_EQ(message.substr(first.bodyOffset, first.bodySize), "first");
    EXPECT_EQ(first.headerSize, 2u); // a part with no header fields still has its empty line
    EXPECT_EQ(first.type, "text");   // default type (RFC 2045 section 5.2)
    const MimePart& second = root.children[1];
    EXPECT_EQ(second.subtype, "html");
    EXPECT_EQ(message.substr(second.bodyOffset, second.bodySize), "<p>x</p>");
    EXPECT_EQ(second.bodyLines, 1u);
}

TEST(Message, FindPartFollowsImapSectionNumbers_Rfc3501_6_4_5)
{
    std::string bytes = demo("alice/INBOX/15-study-group-logo.eml");
    MimePart root = mail::parseMime(bytes);
    ASSERT_NE(mail::findPart(root, {1, 2}), nullptr);
    EXPECT_EQ(mail::findPart(root, {1, 2})->subtype, "html");
    EXPECT_EQ(mail::findPart(root, {2})->subtype, "png");
    EXPECT_EQ(mail::findPart(root, {3}), nullptr);
    std::string forwarded = demo("alice/INBOX/14-fwd-lab-room-change.eml");
    MimePart fwd = mail::parseMime(forwarded);
    // Part 2 is message/rfc822; 2.1 is the body of the message inside it.
    EXPECT_TRUE(mail::findPart(fwd, {2})->isMessageRfc822());
    const MimePart* inner = mail::findPart(fwd, {2, 1});
    ASSERT_NE(inner, nullptr);
    EXPECT_EQ(inner->type, "text");
    // Part 1 of a single-part message is its body.
    std::string plain = demo("alice/INBOX/01-welcome-networks-101.eml");
    MimePart single = mail::parseMime(plain);
    EXPECT_EQ(mail::findPart(single, {1}), &single);
    EXPECT_EQ(mail::findPart(single, {2}), nullptr);
}

TEST(Message, HeaderFieldsAreUnfolded_Rfc5322_2_2_3)
{
    mail::Headers headers = mail::parseHeaders("Subject: a long\r\n subject\r\n\tcontinued\r\nTo: x@y\r\n");
    ASSERT_NE(headers.find("subject"), nullptr);
    EXPECT_EQ(*headers.find("SUBJECT"), "a long subject\tcontinued");
    std::string folded = demo("alice/INBOX/06-midterm-moved.eml");
    mail::Headers demoHeaders = mail::parseHeaders(folded.substr(0, mail::findBodyOffset(folded)));
    EXPECT_EQ(demoHeaders.find("Subject")->find('\n'), std::string::npos);
}

TEST(Message, EncodedWordsDecode_Rfc2047)
{
    EXPECT_EQ(mail::decodeEncodedWords("=?UTF-8?B?Q2Fmw6k=?="), "Caf\xC3\xA9");
    EXPECT_EQ(mail::decodeEncodedWords("=?iso-8859-1?q?Jos=E9_Garc=EDa?= <j@x>"), "Jos\xC3\xA9 Garc\xC3\xAD"
                                                                                  "a <j@x>");
    // Space between adjacent encoded-words disappears (RFC 2047 section 6.2); elsewhere it stays.
    EXPECT_EQ(mail::decodeEncodedWords("=?US-ASCII?Q?a?= =?US-ASCII?Q?b?= c"), "ab c");
    EXPECT_EQ(mail::decodeEncodedWords("no words here"), "no words here");
    EXPECT_EQ(mail::decodeEncodedWords("broken =?utf-8?B?"), "broken =?utf-8?B?");
    mail::Summary cafe = mail::summarize(demo("alice/INBOX/04-cafe-saturday.eml"));
    EXPECT_NE(cafe.subject.find("Caf\xC3\xA9"), std::string::npos) << cafe.subject;
    mail::Summary jose = mail::summarize(demo("alice/INBOX/05-hola-from-jose.eml"));
    EXPECT_NE(jose.from.find("Jos\xC3\xA9"), std::string::npos) << jose.from;
}

TEST(Message, AddressListsWithNamesGroupsAndComments_Rfc5322_3_4)
{
    auto list = mail::parseAddressList("\"Rivera, Marisol\" <rivera@cs.example.org>, bob@example.com (Bob), "
                                       "Team: a@x.example, b@y.example;");
    ASSERT_EQ(list.size(), 6u);
    EXPECT_EQ(list[0].name, "Rivera, Marisol");
    EXPECT_EQ(list[0].mailbox, "rivera");
    EXPECT_EQ(list[0].host, "cs.example.org");
    EXPECT_EQ(list[1].mailbox, "bob");
    EXPECT_EQ(list[1].name, "Bob");
    EXPECT_EQ(list[2].group, "Team");
    EXPECT_EQ(list[3].host, "x.example");
    EXPECT_TRUE(list[5].groupEnd);
}

TEST(Message, StrayClosingParenthesisInAnAddressIsSkipped)
{
    // Found by mime_fuzz: a ')' that closes nothing used to stop the tokenizer from advancing.
    auto list = mail::parseAddressList("a) <b@c.example>");
    ASSERT_FALSE(list.empty());
    EXPECT_EQ(list.back().host, "c.example");
}

TEST(Message, BodiesDecodeForDisplay_Rfc2045_6)
{
    std::string bytes = demo("alice/INBOX/02-course-syllabus.eml");
    MimePart root = mail::parseMime(bytes);
    ASSERT_EQ(root.children.size(), 2u);
    EXPECT_EQ(root.children[1].encoding, "base64");
    EXPECT_EQ(mail::decodeBody(bytes, root.children[1]).substr(0, 5), "%PDF-");
    std::string qp = "Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 soft=\r\nbreak\r\n";
    EXPECT_EQ(mail::decodeBody(qp, mail::parseMime(qp)), "Caf\xC3\xA9 softbreak\r\n");
}

TEST(Message, MalformedMimeDegradesWithoutCrashing)
{
    const char* inputs[] = {"",
                            "\r\n",
                            "no header end",
                            "Content-Type: multipart/mixed\r\n\r\nno boundary",
                            "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nunterminated",
                            "Content-Type: message/rfc822\r\n\r\n"};
    for (const char* input : inputs) {
        MimePart root = mail::parseMime(input);
        EXPECT_EQ(root.size(), std::string_view(input).size());
    }
    // Deep nesting stops at the depth limit instead of exhausting the stack.
    std::string deep;
    for (int i = 0; i < 500; ++i)
        deep += "Content-Type: message/rfc822\r\n\r\n";
    MimePart root = mail::parseMime(deep);
    int depth = 0;
    for (const MimePart* p = &root; !p->children.empty(); p = &p->children[0])
        ++depth;
    EXPECT_LE(depth, 40);
}

TEST(Date, Rfc5322AndImapFormatsRoundTrip_Rfc3501_9)
{
    auto date = mail::parseRfc5322Date("Thu, 26 Nov 2026 09:00:00 +0100");
    ASSERT_TRUE(date);
    EXPECT_EQ(date->zoneMinutes, 60);
    EXPECT_EQ(mail::formatRfc5322Date(*date), "Thu, 26 Nov 2026 09:00:00 +0100");
    EXPECT_EQ(mail::formatImapDateTime(*date), "26-Nov-2026 09:00:00 +0100");
    auto back = mail::parseImapDateTime("26-Nov-2026 09:00:00 +0100");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->epochSeconds, date->epochSeconds);
    EXPECT_EQ(mail::formatImapDateTime({0, 0}), " 1-Jan-1970 00:00:00 +0000");
    EXPECT_FALSE(mail::parseRfc5322Date("not a date"));
    EXPECT_FALSE(mail::parseImapDate("32-Nov-2026"));
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// The header ends at the first empty line (RFC 5322 section 2.1), in CRLF or in bare-LF mail.
TEST(Message, TheBodyStartsAfterTheFirstEmptyLine_Rfc5322_2_1)
{
    EXPECT_EQ(mail::findBodyOffset("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n"), 14u);
    EXPECT_EQ(mail::findBodyOffset("A: 1\nB: 2\n\nbody\n\nmore\n"), 11u);
    EXPECT_EQ(mail::findBodyOffset("\r\nbody"), 2u);
    EXPECT_EQ(mail::findBodyOffset("\nbody"), 1u);
    EXPECT_EQ(mail::findBodyOffset("A: 1\r\nB: 2\r\n"), 12u); // no body at all
    EXPECT_EQ(mail::findBodyOffset("A: 1\r\n\r"), 7u);
    // A large body behind the header does not change where it ends.
    EXPECT_EQ(mail::findBodyOffset("A: 1\r\n\r\n" + std::string(1 << 20, 'x')), 8u);
}

} // namespace
} // namespace maillab::test
