// IMAP data items (RFC 3501 section 7.4.2 and 9): strings, ENVELOPE and BODYSTRUCTURE of every demo message,
// each expectation written by hand from the file's bytes, plus an independent checker for the grammar.
#include "imap/imap_format.hpp"
#include "mail/message.hpp"
#include "test_support.hpp"

#include <cctype>
#include <gtest/gtest.h>
#include <iterator>
#include <set>

namespace maillab::test {
namespace {

using imap::bodyStructure;
using imap::envelope;

// [SECTION] an independent checker for the RFC 3501 section 9 productions "envelope" and "body"

bool iequal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Recursive descent over exactly the productions the formatter may produce; every optional part that the
// grammar introduces with SP is taken when an SP follows, so there is no backtracking.
class Rfc3501Grammar {
public:
    static bool isEnvelope(std::string_view text)
    {
        Rfc3501Grammar g(text);
        return g.envelope() && g.atEnd();
    }
    static bool isBody(std::string_view text, bool extensible)
    {
        Rfc3501Grammar g(text);
        return g.body(extensible) && g.atEnd();
    }
    static bool isString(std::string_view text)
    {
        Rfc3501Grammar g(text);
        return g.string() && g.atEnd();
    }

private:
    explicit Rfc3501Grammar(std::string_view text) : m_text(text) {}

    bool atEnd() const { return m_pos == m_text.size(); }
    bool peek(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }
    bool expect(char c)
    {
        if (!peek(c)) return false;
        ++m_pos;
        return true;
    }
    bool sp() { return expect(' '); }

    // nil = "NIL"
    bool nil()
    {
        if (m_text.substr(m_pos, 3) != "NIL") return false;
        m_pos += 3;
        return true;
    }
    // number = 1*DIGIT
    bool number(size_t* value = nullptr)
    {
        size_t start = m_pos, n = 0;
        while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos])))
            n = n * 10 + static_cast<size_t>(m_text[m_pos++] - '0');
        if (value) *value = n;
        return m_pos > start;
    }
    // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <TEXT-CHAR except quoted-specials> / "\"
    // quoted-specials; TEXT-CHAR = <CHAR (%x01-7F) except CR and LF>
    bool quoted(std::string* value)
    {
        if (!expect('"')) return false;
        while (m_pos < m_text.size()) {
            unsigned char c = static_cast<unsigned char>(m_text[m_pos++]);
            if (c == '"') return true;
            if (c == '\\') {
                if (!peek('"') && !peek('\\')) return false;
                c = static_cast<unsigned char>(m_text[m_pos++]);
            } else if (c == 0 || c >= 0x80 || c == '\r' || c == '\n') {
                return false;
            }
            if (value) *value += static_cast<char>(c);
        }
        return false;
    }
    // literal = "{" number "}" CRLF *CHAR8; CHAR8 = %x01-ff
    bool literal(std::string* value)
    {
        size_t n = 0;
        if (!expect('{') || !number(&n) || !expect('}') || !expect('\r') || !expect('\n')) return false;
        if (m_text.size() - m_pos < n) return false;
        std::string_view bytes = m_text.substr(m_pos, n);
        if (bytes.find('\0') != std::string_view::npos) return false;
        if (value) *value = bytes;
        m_pos += n;
        return true;
    }
    // string = quoted / literal
    bool string(std::string* value = nullptr, bool* isQuoted = nullptr)
    {
        if (isQuoted) *isQuoted = peek('"');
        return peek('"') ? quoted(value) : literal(value);
    }
    // nstring = string / nil
    bool nstring() { return nil() || string(); }

    // address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")", each an nstring
    bool address()
    {
        return expect('(') && nstring() && sp() && nstring() && sp() && nstring() && sp() && nstring() &&
               expect(')');
    }
    // env-from etc. = "(" 1*address ")" / nil
    bool addressList()
    {
        if (nil()) return true;
        if (!expect('(') || !address()) return false;
        while (peek('('))
            if (!address()) return false;
        return expect(')');
    }
    // envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP env-cc SP
    //            env-bcc SP env-in-reply-to SP env-message-id ")"
    bool envelope()
    {
        if (!expect('(') || !nstring() || !sp() || !nstring()) return false;
        for (int i = 0; i < 6; ++i)
            if (!sp() || !addressList()) return false;
        return sp() && nstring() && sp() && nstring() && expect(')');
    }

    // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    bool bodyFldParam()
    {
        if (nil()) return true;
        if (!expect('(') || !string() || !sp() || !string()) return false;
        while (sp())
            if (!string() || !sp() || !string()) return false;
        return expect(')');
    }
    // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
    bool bodyFields()
    {
        return bodyFldParam() && sp() && nstring() && sp() && nstring() && sp() && string() && sp() &&
               number();
    }
    // body-fld-dsp = "(" string SP body-fld-param ")" / nil
    bool bodyFldDsp() { return nil() || (expect('(') && string() && sp() && bodyFldParam() && expect(')')); }
    // body-fld-lang = nstring / "(" string *(SP string) ")"
    bool bodyFldLang()
    {
        if (!peek('(')) return nstring();
        if (!expect('(') || !string()) return false;
        while (sp())
            if (!string()) return false;
        return expect(')');
    }
    // body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"
    bool bodyExtension()
    {
        if (peek('(')) {
            ++m_pos;
            if (!bodyExtension()) return false;
            while (sp())
                if (!bodyExtension()) return false;
            return expect(')');
        }
        return nstring() || number();
    }
    // [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]], shared by both ext forms
    bool extensionTail()
    {
        if (!sp()) return true;
        if (!bodyFldDsp()) return false;
        if (!sp()) return true;
        if (!bodyFldLang()) return false;
        if (!sp()) return true;
        if (!nstring()) return false;
        while (sp())
            if (!bodyExtension()) return false;
        return true;
    }

    // body = "(" (body-type-1part / body-type-mpart) ")"
    bool body(bool extensible)
    {
        if (!expect('(')) return false;
        if (peek('(')) {
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]: no SP between the bodies
            while (peek('('))
                if (!body(extensible)) return false;
            if (!sp() || !string()) return false;
            // body-ext-mpart = body-fld-param [...]; MUST NOT be returned on a non-extensible BODY fetch
            if (extensible && sp() && (!bodyFldParam() || !extensionTail())) return false;
            return expect(')');
        }
        std::string type, subtype;
        bool typeQuoted = false, subtypeQuoted = false;
        if (!string(&type, &typeQuoted) || !sp() || !string(&subtype, &subtypeQuoted) || !sp() ||
            !bodyFields())
            return false;
        // media-text = DQUOTE "TEXT" DQUOTE SP media-subtype; media-message = DQUOTE "MESSAGE" DQUOTE SP
        // DQUOTE "RFC822" DQUOTE (and body-type-basic "MESSAGE subtype MUST NOT be RFC822")
        if (typeQuoted && iequal(type, "TEXT")) {
            if (!sp() || !number()) return false; // body-fld-lines
        } else if (iequal(type, "MESSAGE") && iequal(subtype, "RFC822")) {
            if (!typeQuoted || !subtypeQuoted) return false;
            if (!sp() || !envelope() || !sp() || !body(extensible) || !sp() || !number()) return false;
        }
        // body-ext-1part = body-fld-md5 [...]; MUST NOT be returned on a non-extensible BODY fetch
        if (extensible && sp() && (!nstring() || !extensionTail())) return false;
        return expect(')');
    }

    std::string_view m_text;
    size_t m_pos = 0;
};

TEST(ImapFormat, GrammarCheckerRejectsWhatRfc3501Forbids_Rfc3501_9)
{
    // The checker accepts the examples of RFC 3501 section 7.4.2...
    EXPECT_TRUE(
        Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2279 48))", false));
    EXPECT_TRUE(Rfc3501Grammar::isBody(
        R"((("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23))"
        R"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") )"
        R"("<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73))"
        R"( "MIXED"))",
        false));
    // ...and rejects each of these.
    EXPECT_FALSE(Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10))", false)); // no lines
    EXPECT_FALSE(
        Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL))", false));     // ext in BODY
    EXPECT_FALSE(Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" () NIL NIL "7BIT" 10 1))", false)); // empty params
    EXPECT_FALSE(
        Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1) ("TEXT" "PLAIN" NIL NIL NIL)"
                               R"( "7BIT" 10 1) "MIXED"))",
                               false)); // SP between the bodies of a multipart
    EXPECT_FALSE(
        Rfc3501Grammar::isBody(R"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 10))", false));    // no envelope
    EXPECT_FALSE(Rfc3501Grammar::isBody(R"((TEXT PLAIN NIL NIL NIL "7BIT" 10 1))", false)); // atoms
    EXPECT_FALSE(Rfc3501Grammar::isBody(R"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL "x"))", true)); // dsp
    EXPECT_FALSE(Rfc3501Grammar::isBody("(\"TEXT\" \"PLAIN\" NIL NIL \"a\rb\" \"7BIT\" 1 1)", false)); // CR
    EXPECT_FALSE(Rfc3501Grammar::isEnvelope("(NIL NIL NIL NIL NIL NIL NIL NIL NIL)"));    // 9 members
    EXPECT_FALSE(Rfc3501Grammar::isEnvelope("(NIL NIL () NIL NIL NIL NIL NIL NIL NIL)")); // empty list
    EXPECT_FALSE(
        Rfc3501Grammar::isEnvelope("(NIL NIL ((NIL NIL NIL)) NIL NIL NIL NIL NIL NIL NIL)")); // 3 fields
    EXPECT_FALSE(Rfc3501Grammar::isString(std::string("{3}\r\na\0b", 8)));                    // NUL
    EXPECT_FALSE(Rfc3501Grammar::isString("{4}\r\nabc"));                                     // short
    EXPECT_FALSE(Rfc3501Grammar::isString("\"a\\b\""));                                       // bad escape
}

// [SECTION] strings (RFC 3501 section 4.3 and 9)

TEST(ImapFormat, QuotedStringEscapesQuoteAndBackslash_Rfc3501_4_3)
{
    EXPECT_EQ(imap::imapString("plain text"), "\"plain text\"");
    EXPECT_EQ(imap::imapString(""), "\"\"");
    EXPECT_EQ(imap::imapString("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(imap::imapString("C:\\temp\\"), "\"C:\\\\temp\\\\\"");
    EXPECT_EQ(imap::imapString("tab\there"), "\"tab\there\""); // TAB is a TEXT-CHAR
    for (std::string_view s : {"say \"hi\"", "C:\\temp\\", "tab\there", ""})
        EXPECT_TRUE(Rfc3501Grammar::isString(imap::imapString(s))) << s;
}

TEST(ImapFormat, CrLfAndEightBitAndNulBecomeLiterals_Rfc3501_4_3)
{
    // CR and LF are not TEXT-CHARs and 8-bit bytes are not CHARs: only a literal can carry them.
    EXPECT_EQ(imap::imapString("a\r\nb"), "{4}\r\na\r\nb");
    EXPECT_EQ(imap::imapString("bare\nlf"), "{7}\r\nbare\nlf");
    EXPECT_EQ(imap::imapString("Caf\xC3\xA9"), "{5}\r\nCaf\xC3\xA9");
    EXPECT_EQ(imap::imapString("\"quoted\"\r\n"), "{10}\r\n\"quoted\"\r\n"); // no escaping inside a literal
    EXPECT_EQ(imap::imapString(std::string("a\0b", 3)), std::string("{3}\r\na\0b", 8));
    EXPECT_TRUE(Rfc3501Grammar::isString(imap::imapString("a\r\nb")));
    EXPECT_TRUE(Rfc3501Grammar::isString(imap::imapString("Caf\xC3\xA9")));
}

TEST(ImapFormat, LongStringsBecomeLiterals_Rfc3501_4_3)
{
    std::string limit(1024, 'x');
    EXPECT_EQ(imap::imapString(limit), "\"" + limit + "\"");
    std::string longer(1025, 'x');
    EXPECT_EQ(imap::imapString(longer), "{1025}\r\n" + longer);
}

TEST(ImapFormat, NstringIsNilForAbsent_Rfc3501_4_5)
{
    EXPECT_EQ(imap::nstring(nullptr), "NIL");
    std::string empty;
    EXPECT_EQ(imap::nstring(&empty), "\"\""); // present but empty is not NIL
    std::string nil = "NIL";
    EXPECT_EQ(imap::nstring(&nil), "\"NIL\"");
}

TEST(ImapFormat, AstringIsAnAtomOnlyWhenItCanBe_Rfc3501_9)
{
    EXPECT_EQ(imap::astring("INBOX"), "INBOX");
    EXPECT_EQ(imap::astring("Archive/2026"), "Archive/2026");
    EXPECT_EQ(imap::astring("Junk.Spam-1"), "Junk.Spam-1");
    EXPECT_EQ(imap::astring(""), "\"\"");
    EXPECT_EQ(imap::astring("NIL"), "\"NIL\""); // an atom NIL reads as nil to nstring-minded clients
    EXPECT_EQ(imap::astring("nil"), "\"nil\"");
    EXPECT_EQ(imap::astring("My Folder"), "\"My Folder\""); // SP
    for (std::string_view special : {"a(b", "a)b", "a{b", "a%b", "a*b", "a]b"})
        EXPECT_EQ(imap::astring(special), "\"" + std::string(special) + "\"") << special;
    EXPECT_EQ(imap::astring("a\"b"), "\"a\\\"b\"");
    EXPECT_EQ(imap::astring("a\\b"), "\"a\\\\b\"");
    EXPECT_EQ(imap::astring("tab\t"), "\"tab\t\""); // CTL
    EXPECT_EQ(imap::astring("Entw\xC3\xBCrfe"), "{9}\r\nEntw\xC3\xBCrfe");
}

// [SECTION] ENVELOPE (RFC 3501 section 7.4.2)

TEST(ImapFormat, EnvelopeDefaultsSenderToFrom_Rfc3501_7_4_2)
{
    std::string env = envelope("From: Ann <ann@a.example>\r\nReply-To: desk@a.example\r\n");
    EXPECT_EQ(env, R"((NIL NIL (("Ann" NIL "ann" "a.example")) (("Ann" NIL "ann" "a.example")) )"
                   R"(((NIL NIL "desk" "a.example")) NIL NIL NIL NIL NIL))");
    // A Sender that is present is kept; an empty one defaults to From like an absent one.
    EXPECT_EQ(envelope("From: ann@a.example\r\nSender: sec@a.example\r\n"),
              R"((NIL NIL ((NIL NIL "ann" "a.example")) ((NIL NIL "sec" "a.example")) )"
              R"(((NIL NIL "ann" "a.example")) NIL NIL NIL NIL NIL))");
    EXPECT_EQ(envelope("From: ann@a.example\r\nSender:\r\nReply-To: \r\n"),
              R"((NIL NIL ((NIL NIL "ann" "a.example")) ((NIL NIL "ann" "a.example")) )"
              R"(((NIL NIL "ann" "a.example")) NIL NIL NIL NIL NIL))");
}

TEST(ImapFormat, EnvelopeOfAnEmptyHeaderIsAllNil_Rfc3501_7_4_2)
{
    EXPECT_EQ(envelope(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelope("\r\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    EXPECT_TRUE(Rfc3501Grammar::isEnvelope(envelope("")));
}

TEST(ImapFormat, EnvelopeWithoutFromHasNilSenderAndReplyTo_Rfc3501_7_4_2)
{
    std::string env = envelope("Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nTo: b@b.example\r\nSubject: hi\r\n");
    EXPECT_EQ(env, R"(("Mon, 2 Nov 2026 10:00:00 +0000" "hi" NIL NIL NIL ((NIL NIL "b" "b.example")) )"
                   R"(NIL NIL NIL NIL))");
    // From present but empty is NIL too.
    EXPECT_EQ(envelope("From:\r\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(ImapFormat, EnvelopePresentButEmptyFieldIsEmptyString_Rfc3501_7_4_2)
{
    EXPECT_EQ(
        envelope("Subject:\r\nFrom: a@b.example\r\n"),
        R"((NIL "" ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) )"
        R"(NIL NIL NIL NIL NIL))");
}

TEST(ImapFormat, EnvelopeCarriesRawUnfoldedValues_Rfc3501_7_4_2)
{
    // Folding removed (RFC 5322 section 2.2.3), encoded-words kept as sent: decoding is the client's job.
    std::string env = envelope("Subject: =?UTF-8?Q?Caf=C3=A9?= and\r\n a \"quoted\" \\ word\r\n"
                               "In-Reply-To: <a@b.example>\r\nMessage-ID: <c@d.example>\r\n"
                               "Bcc: hidden@b.example\r\nCc: one@b.example, Two <two@b.example>\r\n");
    EXPECT_EQ(
        env, R"((NIL "=?UTF-8?Q?Caf=C3=A9?= and a \"quoted\" \\ word" NIL NIL NIL NIL )"
             R"(((NIL NIL "one" "b.example")("Two" NIL "two" "b.example")) ((NIL NIL "hidden" "b.example")) )"
             R"("<a@b.example>" "<c@d.example>"))");
    EXPECT_TRUE(Rfc3501Grammar::isEnvelope(env));
}

TEST(ImapFormat, EnvelopeEightBitHeaderGoesAsLiteral_Rfc3501_4_3)
{
    // Raw UTF-8 in a header (RFC 6532 style) cannot be a quoted string.
    std::string env = envelope("Subject: Gr\xC3\xBC\xC3\x9F"
                               "e\r\nFrom: \"J\xC3\xB6rg\" <j@x.example>\r\n");
    EXPECT_EQ(env,
              "(NIL {7}\r\nGr\xC3\xBC\xC3\x9F"
              "e (({5}\r\nJ\xC3\xB6rg NIL \"j\" \"x.example\")) "
              "(({5}\r\nJ\xC3\xB6rg NIL \"j\" \"x.example\")) (({5}\r\nJ\xC3\xB6rg NIL \"j\" \"x.example\")) "
              "NIL NIL NIL NIL NIL)");
    EXPECT_TRUE(Rfc3501Grammar::isEnvelope(env));
}

TEST(ImapFormat, EnvelopeGroupsUseNilHostMarkers_Rfc3501_7_4_2)
{
    // Group start: NIL host, group name in the mailbox field; group end: all four NIL.
    std::string env =
        envelope("From: a@b.example\r\nTo: Team: x@y.example, Ann <ann@y.example>;, z@y.example\r\n"
                 "Cc: undisclosed-recipients:;\r\n");
    EXPECT_EQ(
        env,
        R"((NIL NIL ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) )"
        R"(((NIL NIL "Team" NIL)(NIL NIL "x" "y.example")("Ann" NIL "ann" "y.example")(NIL NIL NIL NIL))"
        R"((NIL NIL "z" "y.example")) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) )"
        R"(NIL NIL NIL))");
    EXPECT_TRUE(Rfc3501Grammar::isEnvelope(env));
}

TEST(ImapFormat, EnvelopeAddressQuotingRemovedAndReapplied_Rfc3501_9)
{
    // addr-name "holds phrase from mailbox after removing quoting"; IMAP then quotes it its own way.
    EXPECT_EQ(
        envelope("From: \"Rivera, \\\"Doc\\\" M.\" <r@x.example>\r\n"),
        R"((NIL NIL (("Rivera, \"Doc\" M." NIL "r" "x.example")) (("Rivera, \"Doc\" M." NIL "r" "x.example")) )"
        R"((("Rivera, \"Doc\" M." NIL "r" "x.example")) NIL NIL NIL NIL NIL))");
    // A comment after a bare address names it (RFC 5322 section 3.4, obsolete but common).
    EXPECT_EQ(envelope("To: jdoe@one.example (John Doe)\r\n"),
              R"((NIL NIL NIL NIL NIL (("John Doe" NIL "jdoe" "one.example")) NIL NIL NIL NIL))");
    // A source route is the address's adl (RFC 3501 section 7.4.2), not dropped.
    EXPECT_EQ(envelope("To: <@relay.example:mary@x.example>\r\n"),
              R"((NIL NIL NIL NIL NIL ((NIL "@relay.example" "mary" "x.example")) NIL NIL NIL NIL))");
}

TEST(ImapFormat, EnvelopeAddressWithoutHostIsNotAGroupMarker_Rfc3501_7_4_2)
{
    // A NIL host would mean "start of group"; an address missing its domain keeps an empty host instead.
    EXPECT_EQ(envelope("To: alice\r\n"), R"((NIL NIL NIL NIL NIL ((NIL NIL "alice" "")) NIL NIL NIL NIL))");
    EXPECT_EQ(envelope("To: <>\r\n"), R"((NIL NIL NIL NIL NIL ((NIL NIL "" "")) NIL NIL NIL NIL))");
}

// [SECTION] BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2)

std::string structureOf(std::string_view message, bool extensible = true)
{
    return bodyStructure(message, mail::parseMime(message), extensible);
}

TEST(ImapFormat, SinglePartUsesTheTopLevelHeaderAndWholeBody_Rfc3501_7_4_2)
{
    // 12 octets of body ("Hello\r\nyou\r\n"), 2 lines; the header's Content-* fields describe it.
    std::string message =
        "From: a@b.example\r\nContent-Type: text/plain; charset=\"ISO-8859-1\"; format=flowed\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nHello\r\nyou\r\n";
    EXPECT_EQ(
        structureOf(message),
        R"(("TEXT" "PLAIN" ("CHARSET" "ISO-8859-1" "FORMAT" "flowed") NIL NIL "8BIT" 12 2 NIL NIL NIL NIL))");
    EXPECT_EQ(structureOf(message, false),
              R"(("TEXT" "PLAIN" ("CHARSET" "ISO-8859-1" "FORMAT" "flowed") NIL NIL "8BIT" 12 2))");
}

TEST(ImapFormat, MissingContentTypeDefaultsToTextPlainUsAscii_Rfc2045_5_2)
{
    // No MIME header at all: text/plain; charset=us-ascii, 7bit (RFC 2045 sections 5.2 and 6.1).
    EXPECT_EQ(structureOf("Subject: x\r\n\r\nbody\r\n"),
              R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL))");
    // A Content-Type without a subtype is not understood: also the default.
    EXPECT_EQ(structureOf("Content-Type: garbage\r\n\r\nbody"),
              R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL))");
    // A message without a body: 0 octets, 0 lines.
    EXPECT_EQ(structureOf("Subject: x\r\n\r\n"),
              R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL))");
}

TEST(ImapFormat, BasicTypeHasNoLineCount_Rfc3501_9)
{
    // body-type-basic = media-basic SP body-fields: no body-fld-lines. Unknown encodings pass through as
    // strings.
    EXPECT_EQ(
        structureOf("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
                    "abc\r\n"),
        R"(("APPLICATION" "OCTET-STREAM" NIL NIL NIL "X-UUENCODE" 5 NIL NIL NIL NIL))");
}

TEST(ImapFormat, ExtensionFieldsFromContentHeaders_Rfc3501_7_4_2)
{
    // Content-ID and Content-Description in body-fields; MD5, disposition, language, location as extension.
    std::string message =
        "Content-Type: text/html; charset=utf-8\r\nContent-ID: <part1@x.example>\r\n"
        "Content-Description: The \"nice\" version\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
        "Content-Disposition: inline; filename=\"a b.html\"; size=3\r\n"
        "Content-Language: en, de-CH\r\nContent-Location: https://x.example/a.html\r\n\r\n<p>";
    std::string expected =
        R"(("TEXT" "HTML" ("CHARSET" "utf-8") "<part1@x.example>" "The \"nice\" version" "7BIT" )"
        R"(3 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" ("FILENAME" "a b.html" "SIZE" "3")) )"
        R"(("en" "de-CH") "https://x.example/a.html"))";
    EXPECT_EQ(structureOf(message), expected);
    EXPECT_TRUE(Rfc3501Grammar::isBody(structureOf(message), true));
    // A single language is a string, not a list.
    EXPECT_EQ(structureOf("Content-Language: fr\r\n\r\nx"),
              R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 1 1 NIL NIL "fr" NIL))");
    // No extension data at all in BODY.
    EXPECT_EQ(structureOf(message, false),
              R"(("TEXT" "HTML" ("CHARSET" "utf-8") "<part1@x.example>" "The \"nice\" version" "7BIT" 3 1))");
}

TEST(ImapFormat, EightBitParameterValueGoesAsLiteral_Rfc3501_4_3)
{
    std::string message = "Content-Type: application/pdf; name=\"R\xC3\xA9sum\xC3\xA9.pdf\"\r\n\r\n%PDF";
    std::string out = structureOf(message);
    EXPECT_EQ(out, "(\"APPLICATION\" \"PDF\" (\"NAME\" {12}\r\nR\xC3\xA9sum\xC3\xA9.pdf) NIL NIL \"7BIT\" 4 "
                   "NIL NIL NIL NIL)");
    EXPECT_TRUE(Rfc3501Grammar::isBody(out, true));
}

TEST(ImapFormat, MultipartBodyHasNoExtensionDataInBody_Rfc3501_7_4_2)
{
    std::string message =
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\n\r\nfirst\r\n--b\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n"
        "\r\nR0lGODlh\r\n--b--\r\n";
    // Part 1 has no header: the defaults; "first" is 5 octets and 1 line (the CRLF before "--b" is the
    // delimiter's, RFC 2046 section 5.1.1). Part 2's body "R0lGODlh" is 8 octets.
    EXPECT_EQ(
        structureOf(message),
        R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL))"
        R"(("IMAGE" "GIF" NIL NIL NIL "BASE64" 8 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL))");
    EXPECT_EQ(
        structureOf(message, false),
        R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1)("IMAGE" "GIF" NIL NIL NIL "BASE64" 8))"
        R"( "MIXED"))");
}

TEST(ImapFormat, DigestPartsDefaultToMessageRfc822_Rfc2046_5_1_5)
{
    // In multipart/digest a part without Content-Type is message/rfc822: envelope, body, then lines (RFC
    // 3501).
    std::string message = "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n"
                          "From: x@y.example\r\nSubject: inner\r\n\r\nhi\r\n--d--\r\n";
    // The part's body is "From: x@y.example\r\nSubject: inner\r\n\r\nhi": 19 + 16 + 2 + 2 = 39 octets, 4
    // lines.
    std::string expected =
        R"((("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 39 (NIL "inner" ((NIL NIL "x" "y.example")) )"
        R"(((NIL NIL "x" "y.example")) ((NIL NIL "x" "y.example")) NIL NIL NIL NIL NIL) )"
        R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 2 1 NIL NIL NIL NIL) 4 )"
        R"(NIL NIL NIL NIL) "DIGEST" ("BOUNDARY" "d") NIL NIL NIL))";
    EXPECT_EQ(structureOf(message), expected);
    EXPECT_TRUE(Rfc3501Grammar::isBody(expected, true));
}

TEST(ImapFormat, TopLevelMessageRfc822_Rfc3501_7_4_2)
{
    // A whole message that is itself message/rfc822: the encapsulated message is children[0].
    std::string message = "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nx\r\n";
    EXPECT_EQ(structureOf(message, false),
              R"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 18 (NIL "in" NIL NIL NIL NIL NIL NIL NIL NIL) )"
              R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 3 1) 3))");
}

TEST(ImapFormat, NestingBeyondTheParserLimitStaysValid_Rfc3501_9)
{
    // The MIME parser stops at a depth limit; the innermost container must then be opaque text, never a
    // multipart without parts or a message/rfc822 without an encapsulated message.
    std::string messages, multiparts;
    for (int i = 0; i < 40; ++i) {
        messages += "Content-Type: message/rfc822\r\n\r\n";
        multiparts += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
                      std::to_string(i) + "\r\n";
    }
    for (const std::string& message : {messages + "x\r\n", multiparts}) {
        mail::MimePart root = mail::parseMime(message);
        const mail::MimePart* innermost = &root;
        while (!innermost->children.empty())
            innermost = &innermost->children[0];
        EXPECT_EQ(innermost->type, "text");
        EXPECT_TRUE(Rfc3501Grammar::isBody(bodyStructure(message, root, true), true));
        EXPECT_TRUE(Rfc3501Grammar::isBody(bodyStructure(message, root, false), false));
    }
}

// [SECTION] every demo message, by hand

struct DemoExpectation {
    const char* file;
    const char* envelope;
    const char* bodyStructure;
};

// Checked for every row: header values are the unfolded raw fields; sizes and lines were counted over the
// raw bytes by a separate Python script (body = bytes after the first CRLF CRLF; a part ends before the CRLF
// that precedes its delimiter line, RFC 2046 section 5.1.1; lines = number of CRLFs, every file ending in
// CRLF). Sender and Reply-To equal From unless the file has a Reply-To; no file has Sender or Bcc. A text
// part ends with body-fld-lines, then (BODYSTRUCTURE only) md5 dsp lang loc, all NIL unless said; a
// multipart ends with its subtype, then (BODYSTRUCTURE only) (params) dsp lang loc.
const DemoExpectation kDemo[] = {
    // 1046 bytes = 585 header + 461 body; 15 lines. text/plain us-ascii 7bit.
    {"alice/Archive/01-housing-move-in.eml",
     R"(("Thu, 03 Sep 2026 11:04:37 -0400" "Your room assignment and move-in details" )"
     R"((("Campus Housing" NIL "housing" "maillab.example")) (("Campus Housing" NIL "housing" "maillab.example")) )"
     R"((("Campus Housing" NIL "housing" "maillab.example")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<20260903110437.housing.2207@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 461 15 NIL NIL NIL NIL))"},
    // 970 bytes = 543 + 427; 12 lines.
    {"alice/Archive/02-package-from-home.eml",
     R"(("Mon, 14 Sep 2026 20:18:02 -0400" "Did the package arrive?" )"
     R"((("Linh Nguyen" NIL "linh.nguyen" "example.net")) (("Linh Nguyen" NIL "linh.nguyen" "example.net")) )"
     R"((("Linh Nguyen" NIL "linh.nguyen" "example.net")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<5e8a1b3c.77d2@mail.example.net>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 427 12 NIL NIL NIL NIL))"},
    // 1437 = 596 + 841; 23 lines. Display name quoted in the file ("Dr. Marisol Rivera"): quotes removed.
    {"alice/INBOX/01-welcome-networks-101.eml",
     R"(("Mon, 21 Sep 2026 09:12:05 -0400" "Welcome to Networks 101" )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Networks 101 students" NIL "networks101" "lists.maillab.example")) )"
     R"(NIL NIL NIL "<20260921091205.rivera.4412@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 841 23 NIL NIL NIL NIL))"},
    // multipart/mixed: part 1 text 442 octets 14 lines; part 2 application/pdf base64 2168 octets (28 lines
    // of
    // base64, not sent: basic type), name= parameter, Content-Disposition attachment with filename.
    {"alice/INBOX/02-course-syllabus.eml",
     R"~(("Tue, 22 Sep 2026 14:30:41 -0400" "Networks 101 syllabus (PDF attached)" )~"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Networks 101 students" NIL "networks101" "lists.maillab.example")) )"
     R"(NIL NIL NIL "<20260922143041.rivera.4419@maillab.example>"))",
     R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 442 14 NIL NIL NIL NIL))"
     R"(("APPLICATION" "PDF" ("NAME" "syllabus.pdf") NIL NIL "BASE64" 2168 NIL )"
     R"(("ATTACHMENT" ("FILENAME" "syllabus.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "=_syllabus_b1f2") NIL NIL NIL))"},
    // multipart/alternative: plain 316/11, html 390/12.
    {"alice/INBOX/03-hiking-photos.eml",
     R"(("Sun, 27 Sep 2026 20:41:17 -0400" "Photos from the hike on Saturday" )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Maya Chen" NIL "maya.chen" "example.org")) )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<a7c3e9d1-5b20-4f0e-9c11-2e8f5d6b7a01@example.org>"))",
     R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 316 11 NIL NIL NIL NIL))"
     R"(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 390 12 NIL NIL NIL NIL) )"
     R"("ALTERNATIVE" ("BOUNDARY" "alt-7f3a91c2") NIL NIL NIL))"},
    // 1237 = 597 + 640; 16 lines. Subject is an RFC 2047 B encoded-word, sent undecoded; charset utf-8, QP.
    {"alice/INBOX/04-cafe-saturday.eml",
     R"(("Fri, 02 Oct 2026 18:05:33 +0200" "=?UTF-8?B?Q2Fmw6kgb24gU2F0dXJkYXk/IEdyw7zDn2UgYXVzIEJlcmxpbg==?=" )"
     R"((("Lena Schmidt" NIL "lena.schmidt" "example.net")) (("Lena Schmidt" NIL "lena.schmidt" "example.net")) )"
     R"((("Lena Schmidt" NIL "lena.schmidt" "example.net")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<87h6k2q0zx.fsf@mail.example.net>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 640 16 NIL NIL NIL NIL))"},
    // 1136 = 596 + 540; 14 lines. From's display name is a Q encoded-word, sent undecoded.
    {"alice/INBOX/05-hola-from-jose.eml",
     R"(("Mon, 05 Oct 2026 21:47:02 -0400" "Dinner on Friday - paella night" )"
     R"((("=?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?=" NIL "jose.garcia" "example.com")) )"
     R"((("=?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?=" NIL "jose.garcia" "example.com")) )"
     R"((("=?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?=" NIL "jose.garcia" "example.com")) )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")) NIL NIL NIL "<CAJ8x2kP0q4mZ+r9HfVQ7aR3nW@mail.example.com>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 540 14 NIL NIL NIL NIL))"},
    // 1410 = 851 + 559; 16 lines. Subject and To folded in the file: unfolded (CRLF removed, the SP kept).
    {"alice/INBOX/06-midterm-moved.eml",
     R"(("Wed, 07 Oct 2026 08:02:44 -0400" "Networks 101 announcement: midterm exam moved to Tuesday, October 27 )"
     R"((room B-214, 10:00-11:30) -- please read" )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Networks 101 students" NIL "networks101" "lists.maillab.example"))"
     R"(("Priya Nair" NIL "p.nair" "maillab.example"))"
     R"(("Networks 101 section A" NIL "networks101-a" "lists.maillab.example"))"
     R"(("Networks 101 section B" NIL "networks101-b" "lists.maillab.example")) )"
     R"(NIL NIL NIL "<20261007080244.rivera.4528@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 559 16 NIL NIL NIL NIL))"},
    // 2008 = 628 + 1380; 31 lines (the stored lines, not dot-stuffed: stuffing is a POP3/SMTP wire matter).
    {"alice/INBOX/07-end-of-data-markers.eml",
     R"~(("Fri, 09 Oct 2026 16:20:11 -0400" "Why a line with a single dot is special (SMTP and POP3)" )~"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Networks 101 students" NIL "networks101" "lists.maillab.example")) )"
     R"(NIL NIL NIL "<20261009162011.rivera.4561@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 1380 31 NIL NIL NIL NIL))"},
    // 973 = 624 + 349; 10 lines. Folded To with three addresses, no SP between address structures.
    {"alice/INBOX/08-study-group-thursday.eml",
     R"(("Mon, 12 Oct 2026 10:02:09 -0400" "Study group on Thursday" )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")("Maya Chen" NIL "maya.chen" "example.org"))"
     R"(("Jose Garcia" NIL "jose.garcia" "example.com")) NIL NIL NIL "<CAB7mq9Lr2Xw3c@mail.maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 349 10 NIL NIL NIL NIL))"},
    // 1304 = 741 + 563; 16 lines. Folded Cc; In-Reply-To present (References is not part of the envelope).
    {"alice/INBOX/09-re-study-group-thursday.eml",
     R"(("Mon, 12 Oct 2026 12:37:51 -0400" "Re: Study group on Thursday" )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Maya Chen" NIL "maya.chen" "example.org")) )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")("Jose Garcia" NIL "jose.garcia" "example.com")) NIL )"
     R"("<CAB7mq9Lr2Xw3c@mail.maillab.example>" "<e41b0c7a-2f93-4d58-b6aa-90d1c3f2e5b7@example.org>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 563 16 NIL NIL NIL NIL))"},
    // 1604 = 803 + 801; 23 lines.
    {"alice/INBOX/10-re-study-group-thursday.eml",
     R"(("Tue, 13 Oct 2026 09:15:27 -0400" "Re: Study group on Thursday" )"
     R"((("Jose Garcia" NIL "jose.garcia" "example.com")) (("Jose Garcia" NIL "jose.garcia" "example.com")) )"
     R"((("Jose Garcia" NIL "jose.garcia" "example.com")) (("Maya Chen" NIL "maya.chen" "example.org")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")("Alice Nguyen" NIL "alice" "maillab.example")) NIL )"
     R"("<e41b0c7a-2f93-4d58-b6aa-90d1c3f2e5b7@example.org>" "<CAJ8x2kQ9w1nB+t4PzWm6sK1yL@mail.example.com>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 801 23 NIL NIL NIL NIL))"},
    // 1453 = 842 + 611; 16 lines.
    {"alice/INBOX/11-re-study-group-thursday.eml",
     R"(("Tue, 13 Oct 2026 11:48:03 -0400" "Re: Study group on Thursday" )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Jose Garcia" NIL "jose.garcia" "example.com")) )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")("Alice Nguyen" NIL "alice" "maillab.example")) NIL )"
     R"("<CAJ8x2kQ9w1nB+t4PzWm6sK1yL@mail.example.com>" "<CAB7mq9Lr2Xw3d@mail.maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 611 16 NIL NIL NIL NIL))"},
    // multipart/alternative, boundary "----=_NL_2026_10_5d1e": plain utf-8 7bit 977/21, html utf-8 QP 1551/32
    // (QP soft line breaks are lines too: counted in the transfer encoding).
    {"alice/INBOX/12-campus-tech-newsletter.eml",
     R"(("Fri, 16 Oct 2026 07:00:00 -0400" "The Byte - October 2026: Wi-Fi maintenance, Wireshark workshop" )"
     R"((("The Byte" NIL "news" "campus-tech.example")) (("The Byte" NIL "news" "campus-tech.example")) )"
     R"((("The Byte" NIL "news" "campus-tech.example")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<nl-2026-10.alice.3f9e1c@campus-tech.example>"))",
     R"((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 977 21 NIL NIL NIL NIL))"
     R"(("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 1551 32 NIL NIL NIL NIL) )"
     R"("ALTERNATIVE" ("BOUNDARY" "----=_NL_2026_10_5d1e") NIL NIL NIL))"},
    // 1531 = 611 + 920; 22 lines.
    {"alice/INBOX/13-textbook-invoice.eml",
     R"(("Tue, 20 Oct 2026 13:26:58 -0400" "Invoice RB-2026-10417 for your order" )"
     R"((("Riverside Bookshop" NIL "orders" "riverside-books.example")) )"
     R"((("Riverside Bookshop" NIL "orders" "riverside-books.example")) )"
     R"((("Riverside Bookshop" NIL "orders" "riverside-books.example")) )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")) NIL NIL NIL "<inv.RB-2026-10417@riverside-books.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 920 22 NIL NIL NIL NIL))"},
    // multipart/mixed: text 155/6; message/rfc822 (no params, no CTE: 7BIT) of 675 octets = inner header 346
    // +
    // inner body 329, 19 lines = 9 header lines (with the empty one) + 10 body lines; then the inner
    // message's envelope and body (text 329/10), and Content-Disposition: inline without parameters.
    {"alice/INBOX/14-fwd-lab-room-change.eml",
     R"(("Mon, 26 Oct 2026 19:12:40 -0400" "Fwd: Lab section B moves to room E-105" )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<CAB7mq9Lr2Xw5k@mail.maillab.example>"))",
     R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 155 6 NIL NIL NIL NIL))"
     R"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 675 )"
     R"(("Thu, 22 Oct 2026 17:03:12 -0400" "Lab section B moves to room E-105" )"
     R"((("Priya Nair" NIL "p.nair" "maillab.example")) (("Priya Nair" NIL "p.nair" "maillab.example")) )"
     R"((("Priya Nair" NIL "p.nair" "maillab.example")) )"
     R"((("Networks 101 section B" NIL "networks101-b" "lists.maillab.example")) )"
     R"(NIL NIL NIL "<20261022170312.pnair.118@maillab.example>") )"
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 329 10 NIL NIL NIL NIL) 19 )"
     R"(NIL ("INLINE" NIL) NIL NIL) "MIXED" ("BOUNDARY" "fwd-20261026-b0b") NIL NIL NIL))"},
    // multipart/mixed [multipart/alternative [plain 269/9, html 346/11], image/png]: the PNG has Content-ID
    // (body-fld-id), base64 148 octets (two lines of 76 and 68 characters plus CRLFs), attachment
    // disposition.
    {"alice/INBOX/15-study-group-logo.eml",
     R"(("Fri, 30 Oct 2026 22:09:55 -0400" "Our study group has a logo now" )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Maya Chen" NIL "maya.chen" "example.org")) )"
     R"((("Maya Chen" NIL "maya.chen" "example.org")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")("Jose Garcia" NIL "jose.garcia" "example.com")) NIL NIL )"
     R"("<0c9d2f6e-8a41-4b7c-a3e5-1f6b2d4c8e90@example.org>"))",
     R"(((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 269 9 NIL NIL NIL NIL))"
     R"(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 346 11 NIL NIL NIL NIL) )"
     R"("ALTERNATIVE" ("BOUNDARY" "alt-9e2b61") NIL NIL NIL))"
     R"(("IMAGE" "PNG" ("NAME" "router-logo.png") "<logo.8x8.20261030@example.org>" NIL "BASE64" 148 NIL )"
     R"(("ATTACHMENT" ("FILENAME" "router-logo.png")) NIL NIL) "MIXED" ("BOUNDARY" "mix-4c1d88") NIL NIL NIL))"},
    // 1301 = 716 + 585; 17 lines. Reply-To present: it, not From, is the third list; Cc with a quoted name.
    {"alice/INBOX/16-lab3-due-friday.eml",
     R"(("Tue, 03 Nov 2026 09:30:00 -0500" "Reminder: Lab 3 due Friday, November 6, 23:59" )"
     R"((("Priya Nair" NIL "p.nair" "maillab.example")) (("Priya Nair" NIL "p.nair" "maillab.example")) )"
     R"((("Networks 101 TAs" NIL "networks101-ta" "maillab.example")) )"
     R"((("Networks 101 students" NIL "networks101" "lists.maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) NIL NIL )"
     R"("<20261103093000.pnair.131@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 585 17 NIL NIL NIL NIL))"},
    // 921 = 557 + 364; 11 lines.
    {"alice/INBOX/17-borrow-cable.eml",
     R"(("Mon, 09 Nov 2026 18:44:21 -0500" "Can I borrow your console cable?" )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"((("Bob Miller" NIL "bob" "maillab.example")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"(NIL NIL NIL "<CAB7mq9Lr2Xw8p@mail.maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 364 11 NIL NIL NIL NIL))"},
    // 1269 = 728 + 541; 19 lines. Reply-To is a bare address (NIL name); To is the empty group
    // "undisclosed-recipients:;" = a start marker (NIL host) and an end marker (all NIL).
    {"alice/Junk/01-you-won-prize.eml",
     R"(("Sun, 18 Oct 2026 03:17:46 +0100" "You have WON a $1,000,000 prize!!!" )"
     R"((("INTL LOTTERY BOARD" NIL "winner.notice-7731" "prize-claim-center.example")) )"
     R"((("INTL LOTTERY BOARD" NIL "winner.notice-7731" "prize-claim-center.example")) )"
     R"(((NIL NIL "claims.agent.0042" "free-mail-host.example")) )"
     R"(((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL )"
     R"("<0000x7731.991ab@prize-claim-center.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 541 19 NIL NIL NIL NIL))"},
    // 1244 = 750 + 494; 15 lines. Bare addresses in To and Reply-To.
    {"alice/Junk/02-mailbox-full.eml",
     R"~(("Wed, 04 Nov 2026 06:52:13 +0000" "Action required: your mailbox is full (98%)" )~"
     R"((("MailLab Account Team" NIL "no-reply" "maillab-account-security.example")) )"
     R"((("MailLab Account Team" NIL "no-reply" "maillab-account-security.example")) )"
     R"(((NIL NIL "helpdesk-verify" "maillab-account-security.example")) )"
     R"(((NIL NIL "alice" "maillab.example")) NIL NIL NIL "<4f1c2a9be7d3@maillab-account-security.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 494 15 NIL NIL NIL NIL))"},
    // 847 = 561 + 286; 8 lines.
    {"bob/INBOX/01-lab-partner.eml",
     R"(("Thu, 24 Sep 2026 15:51:30 -0400" "Lab partners for Networks 101?" )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")) (("Alice Nguyen" NIL "alice" "maillab.example")) )"
     R"((("Alice Nguyen" NIL "alice" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"(NIL NIL NIL "<20260924155130.alice.0071@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 286 8 NIL NIL NIL NIL))"},
    // 1117 = 681 + 436; 14 lines. In-Reply-To to a message not in the store.
    {"bob/INBOX/02-office-hours.eml",
     R"(("Thu, 01 Oct 2026 11:40:08 -0400" "Re: Question about problem set 1" )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) )"
     R"((("Dr. Marisol Rivera" NIL "m.rivera" "maillab.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"(NIL NIL "<CAB7mq9Lr2Xv1a@mail.maillab.example>" "<20261001114008.rivera.4477@maillab.example>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 436 14 NIL NIL NIL NIL))"},
    // multipart/alternative: plain 277/10, html 386/14.
    {"bob/INBOX/03-cycling-club.eml",
     R"(("Thu, 22 Oct 2026 19:03:26 -0400" "Sunday ride: lake loop, 45 km" )"
     R"((("Campus Cycling Club" NIL "rides" "cycling-club.example")) )"
     R"((("Campus Cycling Club" NIL "rides" "cycling-club.example")) )"
     R"((("Campus Cycling Club" NIL "rides" "cycling-club.example")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"(NIL NIL NIL "<ride-2026-10-25.bmiller@cycling-club.example>"))",
     R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 277 10 NIL NIL NIL NIL))"
     R"(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 386 14 NIL NIL NIL NIL) )"
     R"("ALTERNATIVE" ("BOUNDARY" "b1_ride_2026_10_25") NIL NIL NIL))"},
    // 708 = 437 + 271; 9 lines. No MIME header fields at all: RFC 2045 defaults text/plain us-ascii 7bit.
    {"bob/INBOX/04-thanksgiving-plans.eml",
     R"(("Tue, 10 Nov 2026 21:27:49 -0500" "Thanksgiving plans" )"
     R"((("Sam Miller" NIL "sam.miller" "example.com")) (("Sam Miller" NIL "sam.miller" "example.com")) )"
     R"((("Sam Miller" NIL "sam.miller" "example.com")) (("Bob Miller" NIL "bob" "maillab.example")) )"
     R"(NIL NIL NIL "<20261110212749.GA1187@example.com>"))",
     R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 271 9 NIL NIL NIL NIL))"},
};

TEST(ImapFormat, EnvelopeOfEveryDemoMessage_Rfc3501_7_4_2)
{
    for (const DemoExpectation& demo : kDemo) {
        SCOPED_TRACE(demo.file);
        std::string bytes = readFile(mailDir() / demo.file);
        ASSERT_FALSE(bytes.empty());
        std::string env = envelope(std::string_view(bytes).substr(0, mail::findBodyOffset(bytes)));
        EXPECT_EQ(env, demo.envelope);
        EXPECT_TRUE(Rfc3501Grammar::isEnvelope(env)) << env;
        EXPECT_EQ(envelope(mail::parseMime(bytes).headers), env); // both overloads agree
    }
}

TEST(ImapFormat, BodyStructureOfEveryDemoMessage_Rfc3501_7_4_2)
{
    for (const DemoExpectation& demo : kDemo) {
        SCOPED_TRACE(demo.file);
        std::string bytes = readFile(mailDir() / demo.file);
        std::string structure = bodyStructure(bytes, mail::parseMime(bytes), true);
        EXPECT_EQ(structure, demo.bodyStructure);
        EXPECT_TRUE(Rfc3501Grammar::isBody(structure, true)) << structure;
    }
}

TEST(ImapFormat, BodyOfEveryDemoMessageIsValidAndHasNoExtensionData_Rfc3501_7_4_2)
{
    for (const DemoExpectation& demo : kDemo) {
        SCOPED_TRACE(demo.file);
        std::string bytes = readFile(mailDir() / demo.file);
        std::string body = bodyStructure(bytes, mail::parseMime(bytes), false);
        EXPECT_TRUE(Rfc3501Grammar::isBody(body, false)) << body;
        EXPECT_FALSE(Rfc3501Grammar::isBody(body + "x", false));
    }
    // Two by hand: the forwarded message (nested BODY inside MESSAGE/RFC822 also without extension data)
    // and the nested multipart.
    std::string fwd = readFile(mailDir() / "alice/INBOX/14-fwd-lab-room-change.eml");
    EXPECT_EQ(
        bodyStructure(fwd, mail::parseMime(fwd), false),
        R"((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 155 6))"
        R"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 675 )"
        R"(("Thu, 22 Oct 2026 17:03:12 -0400" "Lab section B moves to room E-105" )"
        R"((("Priya Nair" NIL "p.nair" "maillab.example")) (("Priya Nair" NIL "p.nair" "maillab.example")) )"
        R"((("Priya Nair" NIL "p.nair" "maillab.example")) )"
        R"((("Networks 101 section B" NIL "networks101-b" "lists.maillab.example")) )"
        R"(NIL NIL NIL "<20261022170312.pnair.118@maillab.example>") )"
        R"(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 329 10) 19) "MIXED"))");
    std::string logo = readFile(mailDir() / "alice/INBOX/15-study-group-logo.eml");
    EXPECT_EQ(
        bodyStructure(logo, mail::parseMime(logo), false),
        R"(((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 269 9))"
        R"(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 346 11) "ALTERNATIVE"))"
        R"(("IMAGE" "PNG" ("NAME" "router-logo.png") "<logo.8x8.20261030@example.org>" NIL "BASE64" 148) )"
        R"("MIXED"))");
}

TEST(ImapFormat, EveryDemoFileIsCovered)
{
    std::set<std::string> covered;
    for (const DemoExpectation& demo : kDemo)
        covered.insert(demo.file);
    size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(mailDir())) {
        if (entry.path().extension() != ".eml") continue;
        ++files;
        EXPECT_TRUE(covered.count(std::filesystem::relative(entry.path(), mailDir()).generic_string()))
            << entry.path();
    }
    EXPECT_EQ(files, std::size(kDemo));
    EXPECT_EQ(files, 25u);
}

} // namespace
} // namespace maillab::test
