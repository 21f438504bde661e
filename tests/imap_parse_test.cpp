// The IMAP command parser against RFC 3501 section 9's grammar and the extensions maillab speaks:
// every command, strings and literals, FETCH items, SEARCH keys, limits, and malformed input.
#include "imap/imap_types.hpp"
#include "mail/date.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using imap::Command;
using imap::CommandName;
using imap::FetchAttribute;
using imap::ParseError;
using imap::SearchKey;
using imap::SectionText;
using imap::SeqRange;
using imap::SequenceSet;
using imap::StoreAction;
using Kind = SearchKey::Kind;
using namespace std::string_literals;

// [SECTION] helpers

Command ok(std::string_view bytes)
{
    auto result = imap::parseCommand(bytes);
    if (const ParseError* error = std::get_if<ParseError>(&result)) {
        ADD_FAILURE() << "expected a command from \"" << bytes << "\" but got BAD: " << error->message;
        return {};
    }
    return std::get<Command>(result);
}

ParseError bad(std::string_view bytes)
{
    auto result = imap::parseCommand(bytes);
    if (std::holds_alternative<Command>(result)) {
        ADD_FAILURE() << "expected a parse error from \"" << bytes << "\"";
        return {};
    }
    return std::get<ParseError>(result);
}

bool isBad(std::string_view bytes)
{
    return std::holds_alternative<ParseError>(imap::parseCommand(bytes));
}

std::vector<FetchAttribute> attributes(const Command& c)
{
    std::vector<FetchAttribute> out;
    for (const imap::FetchItem& item : c.fetchItems)
        out.push_back(item.attribute);
    return out;
}

bool sameRanges(const SequenceSet& set, const std::vector<std::pair<uint32_t, uint32_t>>& expected)
{
    if (set.ranges.size() != expected.size()) return false;
    for (size_t i = 0; i < expected.size(); ++i)
        if (set.ranges[i].first != expected[i].first || set.ranges[i].last != expected[i].second)
            return false;
    return true;
}

// The single top-level key of "a SEARCH <keys>".
SearchKey searchKey(const std::string& keys)
{
    Command c = ok("a SEARCH " + keys);
    if (c.search.children.size() != 1) {
        ADD_FAILURE() << "expected one key in " << keys;
        return {};
    }
    return c.search.children[0];
}

int64_t day(const char* text)
{
    return *mail::parseImapDate(text);
}

std::string repeat(std::string_view piece, size_t times)
{
    std::string out;
    for (size_t i = 0; i < times; ++i)
        out += piece;
    return out;
}

// [SECTION] tags, names and the line

TEST(ImapParse, EmptyInputIsBadWithoutTag_Rfc3501_9)
{
    for (std::string_view input : {"", "\r\n", "\n"}) {
        ParseError e = bad(input);
        EXPECT_EQ(e.tag, "");
        EXPECT_NE(e.message.find("empty"), std::string::npos);
    }
}

TEST(ImapParse, MissingOrInvalidTagGivesEmptyTag_Rfc3501_9)
{
    for (std::string_view input : {" NOOP", "* NOOP", "+ NOOP", "a+b NOOP", "a(b NOOP", "\"a\" NOOP",
                                   "a%1 NOOP", "a{1 NOOP", "a\\1 NOOP", "\ta NOOP", "\x80 NOOP"}) {
        ParseError e = bad(input);
        EXPECT_EQ(e.tag, "") << input;
        EXPECT_NE(e.message.find("tag"), std::string::npos) << input;
    }
}

TEST(ImapParse, TagMayUseAstringPunctuationExceptPlus_Rfc3501_9)
{
    EXPECT_EQ(ok("A.001 NOOP").tag, "A.001");
    EXPECT_EQ(ok("x]y NOOP").tag, "x]y");
    EXPECT_EQ(ok("$-_!#&'=,.;<>?@[^`|~ NOOP").tag, "$-_!#&'=,.;<>?@[^`|~");
}

TEST(ImapParse, TagWithoutCommandIsBadWithTag_Rfc3501_2_2_1)
{
    ParseError e = bad("a1");
    EXPECT_EQ(e.tag, "a1");
    EXPECT_NE(e.message.find("command name"), std::string::npos);
    EXPECT_EQ(bad("a1 ").tag, "a1");
    EXPECT_EQ(bad("a1 \r\n").tag, "a1");
    EXPECT_EQ(bad("a1\r\nNOOP").tag, "a1");
}

TEST(ImapParse, CommandNamesAreCaseInsensitive_Rfc3501_9)
{
    EXPECT_EQ(ok("a noop").name, CommandName::Noop);
    EXPECT_EQ(ok("a NoOp").name, CommandName::Noop);
    EXPECT_EQ(ok("a uid Fetch 1 flags").name, CommandName::Fetch);
}

TEST(ImapParse, TrailingCrlfIsOptional)
{
    EXPECT_EQ(ok("a NOOP\r\n").name, CommandName::Noop);
    EXPECT_EQ(ok("a NOOP").name, CommandName::Noop);
    EXPECT_EQ(ok("a NOOP\n").name, CommandName::Noop);
}

TEST(ImapParse, BytesAfterTheLineEndAreBad)
{
    EXPECT_EQ(bad("a NOOP\r\nb NOOP").tag, "a");
    EXPECT_EQ(bad("a NOOP\r\n\r\n").tag, "a");
    EXPECT_EQ(bad("a NOOP\r").tag, "a");
}

TEST(ImapParse, UnknownCommandIsBadWithTag)
{
    ParseError e = bad("t7 FROB 1 2");
    EXPECT_EQ(e.tag, "t7");
    EXPECT_NE(e.message.find("unknown command \"FROB\""), std::string::npos);
    EXPECT_EQ(bad("t7 X-FOO").tag, "t7");
    EXPECT_EQ(bad("t7 (NOOP)").tag, "t7");
}

TEST(ImapParse, EveryCommandNameIsRecognised_Rfc3501_6)
{
    struct Case {
        const char* text;
        CommandName name;
        const char* wire;
    };
    const Case cases[] = {
        {"a CAPABILITY", CommandName::Capability, "CAPABILITY"},
        {"a NOOP", CommandName::Noop, "NOOP"},
        {"a LOGOUT", CommandName::Logout, "LOGOUT"},
        {"a STARTTLS", CommandName::Starttls, "STARTTLS"},
        {"a AUTHENTICATE PLAIN", CommandName::Authenticate, "AUTHENTICATE"},
        {"a LOGIN u p", CommandName::Login, "LOGIN"},
        {"a SELECT INBOX", CommandName::Select, "SELECT"},
        {"a EXAMINE INBOX", CommandName::Examine, "EXAMINE"},
        {"a CREATE Work", CommandName::Create, "CREATE"},
        {"a DELETE Work", CommandName::Delete, "DELETE"},
        {"a RENAME Work Play", CommandName::Rename, "RENAME"},
        {"a SUBSCRIBE Work", CommandName::Subscribe, "SUBSCRIBE"},
        {"a UNSUBSCRIBE Work", CommandName::Unsubscribe, "UNSUBSCRIBE"},
        {"a LIST \"\" *", CommandName::List, "LIST"},
        {"a LSUB \"\" *", CommandName::Lsub, "LSUB"},
        {"a STATUS INBOX (MESSAGES)", CommandName::Status, "STATUS"},
        {"a APPEND INBOX {0}\r\n", CommandName::Append, "APPEND"},
        {"a NAMESPACE", CommandName::Namespace, "NAMESPACE"},
        {"a ENABLE CONDSTORE", CommandName::Enable, "ENABLE"},
        {"a ID NIL", CommandName::Id, "ID"},
        {"a IDLE", CommandName::Idle, "IDLE"},
        {"a CHECK", CommandName::Check, "CHECK"},
        {"a CLOSE", CommandName::Close, "CLOSE"},
        {"a EXPUNGE", CommandName::Expunge, "EXPUNGE"},
        {"a SEARCH ALL", CommandName::Search, "SEARCH"},
        {"a FETCH 1 FLAGS", CommandName::Fetch, "FETCH"},
        {"a STORE 1 FLAGS ()", CommandName::Store, "STORE"},
        {"a COPY 1 Work", CommandName::Copy, "COPY"},
        {"a MOVE 1 Work", CommandName::Move, "MOVE"},
        {"a UNSELECT", CommandName::Unselect, "UNSELECT"},
        {"a UID FETCH 1 FLAGS", CommandName::Fetch, "UID FETCH"},
        {"a UID STORE 1 FLAGS ()", CommandName::Store, "UID STORE"},
        {"a UID COPY 1 Work", CommandName::Copy, "UID COPY"},
        {"a UID MOVE 1 Work", CommandName::Move, "UID MOVE"},
        {"a UID SEARCH ALL", CommandName::Search, "UID SEARCH"},
        {"a UID EXPUNGE 1", CommandName::Expunge, "UID EXPUNGE"},
    };
    for (const Case& c : cases) {
        Command command = ok(c.text);
        EXPECT_EQ(command.tag, "a") << c.text;
        EXPECT_EQ(command.name, c.name) << c.text;
        EXPECT_EQ(command.uid, std::string_view(c.wire).starts_with("UID ")) << c.text;
        EXPECT_EQ(imap::commandWireName(command), c.wire) << c.text;
    }
}

TEST(ImapParse, CommandsWithoutArgumentsRejectArguments_Rfc3501_6)
{
    for (const char* name : {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "NAMESPACE", "IDLE", "CHECK",
                             "CLOSE", "EXPUNGE", "UNSELECT"}) {
        std::string text = std::string("z9 ") + name;
        ok(text);
        ParseError e = bad(text + " now");
        EXPECT_EQ(e.tag, "z9");
        EXPECT_NE(e.message.find("takes no arguments"), std::string::npos) << e.message;
        EXPECT_TRUE(isBad(text + " ")) << name;
        EXPECT_TRUE(isBad(text + "(")) << name;
    }
}

TEST(ImapParse, ExtraSpacesAreBad_Rfc3501_9)
{
    EXPECT_TRUE(isBad("a  NOOP"));
    EXPECT_TRUE(isBad("a LOGIN  alice pw"));
    EXPECT_TRUE(isBad("a LOGIN alice  pw"));
    ParseError e = bad("a SELECT INBOX ");
    EXPECT_EQ(e.tag, "a");
    EXPECT_NE(e.message.find("space"), std::string::npos);
}

// [SECTION] strings and literals (RFC 3501 section 4.3)

TEST(ImapParse, LoginTakesTwoAstrings_Rfc3501_6_2_3)
{
    Command c = ok("a1 LOGIN alice secret\r\n");
    EXPECT_EQ(c.name, CommandName::Login);
    EXPECT_EQ(c.user, "alice");
    EXPECT_EQ(c.password, "secret");
    // ASTRING-CHAR includes "]", which an atom cannot hold.
    EXPECT_EQ(ok("a1 LOGIN a]b c]").password, "c]");
}

TEST(ImapParse, QuotedStringsUnescapeQuoteAndBackslash_Rfc3501_9)
{
    Command c = ok(R"(a1 LOGIN "al\"ice" "p\\w d")");
    EXPECT_EQ(c.user, "al\"ice");
    EXPECT_EQ(c.password, "p\\w d");
    EXPECT_EQ(ok(R"(a1 LOGIN "" "")").user, "");
    EXPECT_EQ(ok(R"(a1 LOGIN "(){%*]" x)").user, "(){%*]");
}

TEST(ImapParse, QuotedStringOtherEscapesAreBad_Rfc3501_9)
{
    ParseError e = bad(R"(a1 LOGIN "a\b" x)");
    EXPECT_EQ(e.tag, "a1");
    EXPECT_NE(e.message.find("backslash"), std::string::npos);
    EXPECT_TRUE(isBad(R"(a1 LOGIN "a\)"));
}

TEST(ImapParse, QuotedStringMustBeClosedAndSevenBit_Rfc3501_4_3)
{
    EXPECT_NE(bad(R"(a1 LOGIN "alice x)").message.find("closing"), std::string::npos);
    EXPECT_TRUE(isBad("a1 LOGIN \"al\r\nice\" x"));
    EXPECT_TRUE(isBad("a1 LOGIN \"al\nice\" x"));
    EXPECT_TRUE(isBad("a1 LOGIN \"al\xc3\xa9\" x"));
    EXPECT_TRUE(isBad("a1 LOGIN \"a\0b\" x"s));
}

TEST(ImapParse, LiteralsAreStrings_Rfc3501_4_3)
{
    Command c = ok("a1 LOGIN {5}\r\nalice {6}\r\nse cre\r\n");
    EXPECT_EQ(c.user, "alice");
    EXPECT_EQ(c.password, "se cre");
    // A literal may hold anything but NUL: CRLF, quotes, parentheses, 8-bit bytes.
    c = ok("a1 LOGIN {7}\r\na\r\n(b)\" {2}\r\n\xc3\xa9");
    EXPECT_EQ(c.user, "a\r\n(b)\"");
    EXPECT_EQ(c.password, "\xc3\xa9");
    EXPECT_EQ(ok("a1 LOGIN {0}\r\n x").user, "");
}

TEST(ImapParse, NonSynchronizingLiterals_Rfc7888_3)
{
    Command c = ok("a1 LOGIN {5+}\r\nalice {6+}\r\nsecret");
    EXPECT_EQ(c.user, "alice");
    EXPECT_EQ(c.password, "secret");
}

TEST(ImapParse, LiteralSizeMustMatchTheBytes_Rfc3501_4_3)
{
    ParseError e = bad("a1 LOGIN {10}\r\nalice x");
    EXPECT_EQ(e.tag, "a1");
    EXPECT_NE(e.message.find("10 bytes"), std::string::npos) << e.message;
    EXPECT_TRUE(isBad("a1 LOGIN {2}\r\nalice x")); // too few: "ice" is left where a space belongs
    EXPECT_TRUE(isBad("a1 LOGIN alice {7}\r\nsecret"));
    EXPECT_TRUE(isBad("a1 LOGIN alice {5}\r\nsecret"));
    EXPECT_TRUE(isBad("a1 LOGIN {4294967295}\r\nx y"));
}

TEST(ImapParse, MalformedLiteralsAreBad_Rfc3501_9)
{
    EXPECT_TRUE(isBad("a1 LOGIN {5}alice x"));               // no CRLF
    EXPECT_TRUE(isBad("a1 LOGIN {}\r\n x"));                 // no size
    EXPECT_TRUE(isBad("a1 LOGIN {5\r\nalice x"));            // no }
    EXPECT_TRUE(isBad("a1 LOGIN {-1}\r\nalice x"));          // not a number
    EXPECT_TRUE(isBad("a1 LOGIN {5++}\r\nalice x"));         // one + only
    EXPECT_TRUE(isBad("a1 LOGIN {99999999999}\r\nalice x")); // beyond a 32-bit number
    EXPECT_TRUE(isBad("a1 LOGIN {3}\r\na\0b x"s));           // CHAR8 excludes NUL
    EXPECT_TRUE(isBad("a1 LOGIN {5}"));
}

TEST(ImapParse, LoginMissingArgumentsExplainsTheSyntax_Rfc3501_6_2_3)
{
    for (std::string_view input : {"a1 LOGIN", "a1 LOGIN alice", "a1 LOGIN alice\r\n"}) {
        ParseError e = bad(input);
        EXPECT_EQ(e.tag, "a1");
        EXPECT_NE(e.message.find("LOGIN needs a user name and a password"), std::string::npos) << e.message;
    }
    EXPECT_TRUE(isBad("a1 LOGIN alice secret extra"));
    EXPECT_TRUE(isBad("a1 LOGIN (alice) x"));
    EXPECT_TRUE(isBad("a1 LOGIN alice* x"));
}

// [SECTION] AUTHENTICATE (RFC 3501 section 6.2.2, RFC 4959)

TEST(ImapParse, AuthenticateMechanismIsUppercased_Rfc3501_6_2_2)
{
    Command c = ok("a AUTHENTICATE plain");
    EXPECT_EQ(c.mechanism, "PLAIN");
    EXPECT_FALSE(c.initialResponse.has_value());
}

TEST(ImapParse, AuthenticateInitialResponse_Rfc4959_3)
{
    Command c = ok("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==");
    ASSERT_TRUE(c.initialResponse.has_value());
    EXPECT_EQ(*c.initialResponse, "AGFsaWNlAHNlY3JldA==");
    c = ok("a AUTHENTICATE PLAIN =");
    ASSERT_TRUE(c.initialResponse.has_value());
    EXPECT_EQ(*c.initialResponse, "="); // an empty response, kept as written
}

TEST(ImapParse, AuthenticateRejectsBadInput_Rfc4959_3)
{
    EXPECT_NE(bad("a AUTHENTICATE").message.find("AUTHENTICATE needs"), std::string::npos);
    EXPECT_TRUE(isBad("a AUTHENTICATE \"PLAIN\""));
    EXPECT_TRUE(isBad("a AUTHENTICATE PLAIN abc"));   // not a multiple of 4
    EXPECT_TRUE(isBad("a AUTHENTICATE PLAIN a=bc"));  // padding in the middle
    EXPECT_TRUE(isBad("a AUTHENTICATE PLAIN ab===")); // too much padding
    EXPECT_TRUE(isBad("a AUTHENTICATE PLAIN ab!d"));
    EXPECT_TRUE(isBad("a AUTHENTICATE PLAIN abcd efgh"));
}

// [SECTION] mailboxes

TEST(ImapParse, InboxIsCaseInsensitive_Rfc3501_5_1)
{
    EXPECT_EQ(ok("a SELECT inbox").mailbox, "INBOX");
    EXPECT_EQ(ok("a SELECT \"InBoX\"").mailbox, "INBOX");
    EXPECT_EQ(ok("a COPY 1 inbox").mailbox, "INBOX");
    EXPECT_EQ(ok("a SELECT inbox/sub").mailbox, "inbox/sub"); // only INBOX itself is special
}

TEST(ImapParse, SelectAndExamineTakeAMailbox_Rfc3501_6_3_1)
{
    Command c = ok("a SELECT \"Work/Lab 3\"");
    EXPECT_EQ(c.name, CommandName::Select);
    EXPECT_EQ(c.mailbox, "Work/Lab 3");
    c = ok("a EXAMINE {4}\r\nJunk");
    EXPECT_EQ(c.name, CommandName::Examine);
    EXPECT_EQ(c.mailbox, "Junk");
    EXPECT_NE(bad("a SELECT").message.find("SELECT needs a mailbox"), std::string::npos);
    EXPECT_TRUE(isBad("a SELECT INBOX Junk"));
    EXPECT_TRUE(isBad("a SELECT *"));
}

// The select-params of RFC 4466 section 2.1 this server knows: CONDSTORE and QRESYNC (RFC 7162 sections 3.1.8
// and 3.2.5); any other is refused rather than silently ignored.
TEST(ImapParse, SelectParametersAreCondstoreAndQresync_Rfc7162_3_2_5)
{
    EXPECT_EQ(ok("a SELECT INBOX (CONDSTORE)").mailbox, "INBOX");
    EXPECT_TRUE(ok("a SELECT INBOX (condstore)").condstore);
    const Command q = ok("a EXAMINE INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))");
    ASSERT_TRUE(q.qresync);
    EXPECT_EQ(q.qresync->uidValidity, 67890007u);
    EXPECT_EQ(q.qresync->modseq, 20050715194045000u);
    ASSERT_TRUE(q.qresync->knownUids);
    EXPECT_EQ(q.qresync->knownUids->ranges.size(), 3u); // 41, 43:211, 214:541
    const Command m = ok("a SELECT INBOX (QRESYNC (1 2 1:9 (1:3 5,7,9)))");
    ASSERT_TRUE(m.qresync && m.qresync->sequenceMatch);
    EXPECT_EQ(m.qresync->sequenceMatch->second.ranges.size(), 3u);
    EXPECT_TRUE(isBad("a SELECT INBOX (X \"a)b\" {1}\r\n) ())"));
    EXPECT_TRUE(isBad("a SELECT INBOX (QRESYNC (0 5))")); // uidvalidity is nz-number
    EXPECT_TRUE(isBad("a SELECT INBOX (QRESYNC (1 0))")); // so is the mod-sequence
    EXPECT_TRUE(isBad("a SELECT INBOX (QRESYNC (1 99999999999999999999))"));
    EXPECT_TRUE(isBad("a SELECT INBOX (CONDSTORE"));
    EXPECT_TRUE(isBad("a SELECT INBOX (CONDSTORE))"));
    EXPECT_TRUE(isBad("a SELECT INBOX (CONDSTORE) (X)"));
}

TEST(ImapParse, SelectParameterNestingIsBounded)
{
    // Parameters are read, not skipped: a nested list is no parameter, and is refused at once.
    std::string nested = "a SELECT INBOX " + repeat("(", imap::kMaxNesting) + repeat(")", imap::kMaxNesting);
    EXPECT_EQ(bad(nested).tag, "a");
    std::string tooDeep =
        "a SELECT INBOX " + repeat("(", imap::kMaxNesting + 1) + repeat(")", imap::kMaxNesting + 1);
    EXPECT_EQ(bad(tooDeep).tag, "a");
    EXPECT_TRUE(isBad("a SELECT INBOX " + repeat("(", 100000)));
}

TEST(ImapParse, MailboxCommandsTakeOneMailbox_Rfc3501_6_3)
{
    const std::pair<const char*, CommandName> cases[] = {{"CREATE", CommandName::Create},
                                                         {"DELETE", CommandName::Delete},
                                                         {"SUBSCRIBE", CommandName::Subscribe},
                                                         {"UNSUBSCRIBE", CommandName::Unsubscribe}};
    for (const auto& [name, expected] : cases) {
        Command c = ok(std::string("a ") + name + " \"Lab Notes\"");
        EXPECT_EQ(c.name, expected);
        EXPECT_EQ(c.mailbox, "Lab Notes");
        EXPECT_EQ(ok(std::string("a ") + name + " {4+}\r\nWork").mailbox, "Work");
        ParseError e = bad(std::string("a ") + name);
        EXPECT_NE(e.message.find(std::string(name) + " needs a mailbox"), std::string::npos) << e.message;
        EXPECT_TRUE(isBad(std::string("a ") + name + " Work Play"));
    }
}

TEST(ImapParse, RenameTakesOldAndNewName_Rfc3501_6_3_5)
{
    Command c = ok("a RENAME Work \"Old Work\"");
    EXPECT_EQ(c.mailbox, "Work");
    EXPECT_EQ(c.newName, "Old Work");
    EXPECT_EQ(ok("a RENAME inbox Saved").mailbox, "INBOX");
    EXPECT_NE(bad("a RENAME Work").message.find("RENAME needs"), std::string::npos);
}

TEST(ImapParse, ListTakesReferenceAndWildcardPattern_Rfc3501_6_3_8)
{
    Command c = ok("a LIST \"\" *");
    EXPECT_EQ(c.name, CommandName::List);
    EXPECT_EQ(c.mailbox, "");
    EXPECT_EQ(c.pattern, "*");
    c = ok("a LIST ~/Mail Work/%");
    EXPECT_EQ(c.mailbox, "~/Mail");
    EXPECT_EQ(c.pattern, "Work/%");
    c = ok("a LIST \"\" \"\"");
    EXPECT_EQ(c.pattern, "");
    c = ok("a LSUB {0}\r\n %]*");
    EXPECT_EQ(c.name, CommandName::Lsub);
    EXPECT_EQ(c.pattern, "%]*");
    EXPECT_EQ(ok("a LIST inbox *").mailbox, "inbox"); // the reference is kept as written
}

TEST(ImapParse, ListNeedsBothArguments_Rfc3501_6_3_8)
{
    EXPECT_NE(bad("a LIST \"\"").message.find("LIST needs a reference"), std::string::npos);
    EXPECT_TRUE(isBad("a LIST"));
    EXPECT_TRUE(isBad("a LIST * *")); // the reference is a mailbox: no wildcards unquoted
    EXPECT_TRUE(isBad("a LIST \"\" (x)"));
    EXPECT_TRUE(isBad("a LSUB \"\" * x"));
}

TEST(ImapParse, StatusItemsAreValidatedAndUppercased_Rfc3501_6_3_10)
{
    Command c = ok("a STATUS INBOX (messages Recent UIDNEXT uidvalidity UNSEEN)");
    EXPECT_EQ(c.mailbox, "INBOX");
    EXPECT_EQ(c.statusItems,
              (std::vector<std::string>{"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"}));
    ParseError e = bad("a STATUS INBOX (MESSAGES DELETED-STORAGE)");
    EXPECT_NE(e.message.find("DELETED-STORAGE"), std::string::npos);
    EXPECT_TRUE(isBad("a STATUS INBOX ()"));
    EXPECT_TRUE(isBad("a STATUS INBOX MESSAGES"));
    EXPECT_TRUE(isBad("a STATUS INBOX (MESSAGES"));
    EXPECT_TRUE(isBad("a STATUS INBOX (MESSAGES )"));
    EXPECT_TRUE(isBad("a STATUS INBOX"));
    EXPECT_TRUE(isBad("a STATUS (MESSAGES)"));
}

// [SECTION] APPEND (RFC 3501 section 6.3.11)

TEST(ImapParse, AppendWithOnlyALiteral_Rfc3501_6_3_11)
{
    std::string message = "Subject: hi\r\n\r\nhello\r\n";
    Command c = ok("a APPEND Drafts {" + std::to_string(message.size()) + "}\r\n" + message + "\r\n");
    EXPECT_EQ(c.mailbox, "Drafts");
    EXPECT_EQ(c.message, message);
    EXPECT_TRUE(c.flags.empty());
    EXPECT_FALSE(c.internalDate.has_value());
}

TEST(ImapParse, AppendWithFlagsAndDate_Rfc3501_6_3_11)
{
    Command c = ok("a APPEND inbox (\\Seen $Work) \"26-Nov-2026 09:00:00 +0100\" {5+}\r\nhello");
    EXPECT_EQ(c.mailbox, "INBOX");
    EXPECT_EQ(c.flags, (std::vector<std::string>{"\\Seen", "$Work"}));
    ASSERT_TRUE(c.internalDate.has_value());
    EXPECT_EQ(c.internalDate->zoneMinutes, 60);
    EXPECT_EQ(c.internalDate->epochSeconds, day("26-Nov-2026") * 86400 + 8 * 3600);
    EXPECT_EQ(mail::formatImapDateTime(*c.internalDate), "26-Nov-2026 09:00:00 +0100");
    EXPECT_EQ(c.message, "hello");
}

TEST(ImapParse, AppendDateDayMayBeSpacePadded_Rfc3501_9)
{
    Command c = ok("a APPEND INBOX \" 5-Nov-2026 23:59:60 -0830\" {1}\r\nx");
    ASSERT_TRUE(c.internalDate.has_value());
    EXPECT_EQ(c.internalDate->zoneMinutes, -510);
    c = ok("a APPEND INBOX () {1}\r\nx");
    EXPECT_TRUE(c.flags.empty());
}

TEST(ImapParse, AppendRejectsBadDates_Rfc3501_9)
{
    for (const char* date :
         {"26-Nov-2026", "26-Nov-2026 09:00:00", "31-Feb-2026 09:00:00 +0100", "29-Feb-2026 09:00:00 +0100",
          "26-Foo-2026 09:00:00 +0100", "26-Nov-26 09:00:00 +0100", "26-Nov-2026 24:00:00 +0100",
          "26-Nov-2026 09:60:00 +0100", "26-Nov-2026 9:00:00 +0100", "26-Nov-2026 09:00:00 +0160",
          "26-Nov-2026 09:00:00 0100", "5-Nov-2026 09:00:00 +0100", "00-Nov-2026 09:00:00 +0100",
          "26-Nov-2026 +1:+2:+3 +0100", "2026-11-26T09:00:00Z"}) {
        ParseError e = bad(std::string("a APPEND INBOX \"") + date + "\" {1}\r\nx");
        EXPECT_EQ(e.tag, "a");
        EXPECT_NE(e.message.find("date-time"), std::string::npos) << date << ": " << e.message;
    }
    EXPECT_EQ(ok("a APPEND INBOX \"29-Feb-2028 09:00:00 +0100\" {1}\r\nx").name, CommandName::Append);
}

TEST(ImapParse, AppendMessageMustBeALiteral_Rfc3501_6_3_11)
{
    EXPECT_NE(bad("a APPEND INBOX \"hello\"").message.find("date-time"), std::string::npos);
    EXPECT_NE(bad("a APPEND INBOX hello").message.find("literal"), std::string::npos);
    EXPECT_NE(bad("a APPEND INBOX").message.find("APPEND needs"), std::string::npos);
    EXPECT_TRUE(isBad("a APPEND INBOX (\\Seen)"));
    EXPECT_TRUE(isBad("a APPEND INBOX (\\Seen){1}\r\nx"));
    EXPECT_TRUE(isBad("a APPEND INBOX {10}\r\nshort"));
    EXPECT_TRUE(isBad("a APPEND INBOX {1}\r\nxy"));
    EXPECT_TRUE(isBad("a APPEND INBOX {1}\r\nx {1}\r\ny"));
    EXPECT_TRUE(isBad("a APPEND INBOX (\\Seen \"26-Nov-2026 09:00:00 +0100\" {1}\r\nx"));
    EXPECT_TRUE(isBad("a APPEND INBOX 26-Nov-2026 {1}\r\nx"));
}

// [SECTION] ENABLE and ID

TEST(ImapParse, EnableUppercasesCapabilities_Rfc5161_3_1)
{
    Command c = ok("a ENABLE condstore Utf8=Accept");
    EXPECT_EQ(c.capabilities, (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
    EXPECT_NE(bad("a ENABLE").message.find("ENABLE needs"), std::string::npos);
    EXPECT_TRUE(isBad("a ENABLE \"CONDSTORE\""));
    EXPECT_TRUE(isBad("a ENABLE CONDSTORE "));
}

TEST(ImapParse, IdTakesNilOrFieldValuePairs_Rfc2971)
{
    EXPECT_TRUE(ok("a ID NIL").idFields.empty());
    EXPECT_TRUE(ok("a ID nil").idFields.empty());
    EXPECT_TRUE(ok("a ID ()").idFields.empty());
    Command c = ok("a ID (\"name\" \"Thunderbird\" \"version\" NIL \"os\" {5}\r\nLinux)");
    ASSERT_EQ(c.idFields.size(), 3u);
    EXPECT_EQ(c.idFields[0], (std::pair<std::string, std::string>{"name", "Thunderbird"}));
    EXPECT_EQ(c.idFields[1], (std::pair<std::string, std::string>{"version", ""})); // NIL value -> ""
    EXPECT_EQ(c.idFields[2], (std::pair<std::string, std::string>{"os", "Linux"}));
}

TEST(ImapParse, IdRejectsMalformedLists_Rfc2971)
{
    EXPECT_NE(bad("a ID").message.find("ID needs"), std::string::npos);
    EXPECT_TRUE(isBad("a ID (name \"x\")")); // field names are strings
    EXPECT_TRUE(isBad("a ID (\"name\")"));   // a field needs a value
    EXPECT_TRUE(isBad("a ID (\"name\" x)")); // values are nstrings
    EXPECT_TRUE(isBad("a ID (\"name\" \"x\""));
    EXPECT_TRUE(isBad("a ID NILL"));
    EXPECT_TRUE(isBad("a ID \"name\" \"x\""));
    EXPECT_TRUE(isBad("a ID (\"name\" \"x\") NIL"));
}

// [SECTION] sequence sets (RFC 3501 section 9)

TEST(ImapParse, SequenceSetNumbersStarsRangesAndLists_Rfc3501_9)
{
    Command c = ok("a FETCH 1,3:5,*,7:2,4:*,*:9 FLAGS");
    EXPECT_TRUE(sameRanges(c.sequence, {{1, 1}, {3, 5}, {0, 0}, {7, 2}, {4, 0}, {0, 9}}));
    EXPECT_TRUE(sameRanges(ok("a FETCH 4294967295 FLAGS").sequence, {{4294967295u, 4294967295u}}));
}

TEST(ImapParse, SequenceRangesInEitherOrder_Rfc3501_9)
{
    SequenceSet forward, backward;
    forward.ranges = {SeqRange{2, 4}};
    backward.ranges = {SeqRange{4, 2}};
    for (uint32_t n = 1; n <= 6; ++n) {
        EXPECT_EQ(forward.contains(n, 10), n >= 2 && n <= 4) << n;
        EXPECT_EQ(backward.contains(n, 10), n >= 2 && n <= 4) << n;
    }
}

TEST(ImapParse, StarIsTheLargestNumberInUse_Rfc3501_9)
{
    SequenceSet star;
    star.ranges = {SeqRange{0, 0}};
    EXPECT_TRUE(star.contains(7, 7));
    EXPECT_FALSE(star.contains(6, 7));
    SequenceSet fromFive;
    fromFive.ranges = {SeqRange{5, 0}};
    EXPECT_TRUE(fromFive.contains(9, 9));
    EXPECT_FALSE(fromFive.contains(4, 9));
    // "559:*" always includes the last UID, even when 559 is beyond it (RFC 3501 section 6.4.8).
    SequenceSet beyond;
    beyond.ranges = {SeqRange{559, 0}};
    EXPECT_TRUE(beyond.contains(300, 300));
    EXPECT_FALSE(beyond.contains(299, 300));
    EXPECT_FALSE(SequenceSet{}.contains(1, 1));
    EXPECT_TRUE(SequenceSet{}.empty());
}

TEST(ImapParse, ZeroIsNotASequenceNumber_Rfc3501_9)
{
    for (const char* set : {"0", "1:0", "0:*", "1,0", "0:0"}) {
        ParseError e = bad(std::string("a FETCH ") + set + " FLAGS");
        EXPECT_EQ(e.tag, "a");
        EXPECT_NE(e.message.find("0 is not a valid message number"), std::string::npos) << set << e.message;
    }
    EXPECT_TRUE(isBad("a FETCH 01 FLAGS")); // nz-number has no leading zeros
    EXPECT_TRUE(isBad("a UID EXPUNGE 0"));
    EXPECT_TRUE(isBad("a SEARCH UID 0"));
}

TEST(ImapParse, MalformedSequenceSetsAreBad_Rfc3501_9)
{
    for (const char* set : {"1:", ":1", "1,,2", "1::2", "1-3", "a", "1,", ",1", "**", "1:*:2", "4294967296",
                            "1.5", "99999999999999999999999"}) {
        ParseError e = bad(std::string("a FETCH ") + set + " FLAGS");
        EXPECT_EQ(e.tag, "a") << set;
    }
}

TEST(ImapParse, SequenceSetRangeCountIsBounded)
{
    std::string set = "1" + repeat(",1", imap::kMaxSequenceRanges - 1);
    EXPECT_EQ(ok("a FETCH " + set + " FLAGS").sequence.ranges.size(), imap::kMaxSequenceRanges);
    ParseError e = bad("a FETCH " + set + ",1 FLAGS");
    EXPECT_NE(e.message.find("ranges"), std::string::npos);
}

// [SECTION] FETCH (RFC 3501 section 6.4.5)

TEST(ImapParse, FetchMacrosExpand_Rfc3501_6_4_5)
{
    using A = FetchAttribute;
    EXPECT_EQ(attributes(ok("a FETCH 1 ALL")),
              (std::vector<A>{A::Flags, A::InternalDate, A::Rfc822Size, A::Envelope}));
    EXPECT_EQ(attributes(ok("a FETCH 1 fast")), (std::vector<A>{A::Flags, A::InternalDate, A::Rfc822Size}));
    EXPECT_EQ(attributes(ok("a FETCH 1 Full")),
              (std::vector<A>{A::Flags, A::InternalDate, A::Rfc822Size, A::Envelope, A::Body}));
}

TEST(ImapParse, FetchMacrosCannotBeInAList_Rfc3501_6_4_5)
{
    EXPECT_NE(bad("a FETCH 1 (ALL)").message.find("macro"), std::string::npos);
    EXPECT_TRUE(isBad("a FETCH 1 (FLAGS FAST)"));
    EXPECT_TRUE(isBad("a FETCH 1 ALL FLAGS"));
}

TEST(ImapParse, FetchSimpleAttributes_Rfc3501_6_4_5)
{
    using A = FetchAttribute;
    const std::pair<const char*, A> cases[] = {
        {"ENVELOPE", A::Envelope},           {"FLAGS", A::Flags},
        {"INTERNALDATE", A::InternalDate},   {"RFC822", A::Rfc822},
        {"RFC822.HEADER", A::Rfc822Header},  {"RFC822.SIZE", A::Rfc822Size},
        {"RFC822.TEXT", A::Rfc822Text},      {"BODY", A::Body},
        {"BODYSTRUCTURE", A::BodyStructure}, {"UID", A::Uid},
        {"rfc822.size", A::Rfc822Size},      {"bodystructure", A::BodyStructure},
    };
    for (const auto& [name, attribute] : cases) {
        Command c = ok(std::string("a FETCH 1 ") + name);
        ASSERT_EQ(c.fetchItems.size(), 1u) << name;
        EXPECT_EQ(c.fetchItems[0].attribute, attribute) << name;
        EXPECT_FALSE(c.fetchItems[0].peek);
        EXPECT_FALSE(c.fetchItems[0].partialOffset.has_value());
        c = ok(std::string("a FETCH 1 (") + name + ")");
        ASSERT_EQ(c.fetchItems.size(), 1u) << name;
        EXPECT_EQ(c.fetchItems[0].attribute, attribute) << name;
    }
}

TEST(ImapParse, FetchListKeepsOrder_Rfc3501_6_4_5)
{
    using A = FetchAttribute;
    Command c = ok("a UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER] RFC822.SIZE)");
    EXPECT_TRUE(c.uid);
    EXPECT_TRUE(sameRanges(c.sequence, {{1, 0}}));
    EXPECT_EQ(attributes(c), (std::vector<A>{A::Uid, A::Flags, A::BodySection, A::Rfc822Size}));
    // UID FETCH does not add UID itself: the session answers with it (RFC 3501 section 6.4.8).
    EXPECT_EQ(attributes(ok("a UID FETCH 1 FLAGS")), (std::vector<A>{A::Flags}));
}

TEST(ImapParse, FetchBodySectionForms_Rfc3501_6_4_5)
{
    Command c = ok("a FETCH 1 BODY[]");
    ASSERT_EQ(c.fetchItems.size(), 1u);
    EXPECT_EQ(c.fetchItems[0].attribute, FetchAttribute::BodySection);
    EXPECT_FALSE(c.fetchItems[0].peek);
    EXPECT_TRUE(c.fetchItems[0].section.part.empty());
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::None);

    c = ok("a FETCH 1 body.peek[header]");
    EXPECT_TRUE(c.fetchItems[0].peek);
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::Header);

    c = ok("a FETCH 1 BODY[TEXT]");
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::Text);

    c = ok("a FETCH 1 BODY[1.2.3]");
    EXPECT_EQ(c.fetchItems[0].section.part, (std::vector<unsigned>{1, 2, 3}));
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::None);

    c = ok("a FETCH 1 BODY[2.MIME]");
    EXPECT_EQ(c.fetchItems[0].section.part, (std::vector<unsigned>{2}));
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::Mime);

    c = ok("a FETCH 1 BODY.PEEK[1.2.HEADER]");
    EXPECT_EQ(c.fetchItems[0].section.part, (std::vector<unsigned>{1, 2}));
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::Header);

    c = ok("a FETCH 1 BODY[3.text]");
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::Text);
}

TEST(ImapParse, FetchHeaderFieldsLists_Rfc3501_6_4_5)
{
    Command c = ok("a FETCH 1 BODY.PEEK[HEADER.FIELDS (From Subject \"Message-ID\" {2}\r\nTo)]");
    const imap::Section& s = c.fetchItems[0].section;
    EXPECT_EQ(s.text, SectionText::HeaderFields);
    EXPECT_EQ(s.fields, (std::vector<std::string>{"From", "Subject", "Message-ID", "To"}));

    c = ok("a FETCH 1 BODY[header.fields.not (X-Spam)]");
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::HeaderFieldsNot);
    EXPECT_EQ(c.fetchItems[0].section.fields, (std::vector<std::string>{"X-Spam"}));

    c = ok("a FETCH 1 BODY[2.1.HEADER.FIELDS (DATE)]");
    EXPECT_EQ(c.fetchItems[0].section.part, (std::vector<unsigned>{2, 1}));
    EXPECT_EQ(c.fetchItems[0].section.text, SectionText::HeaderFields);
}

TEST(ImapParse, FetchPartialNeedsOffsetAndNonZeroLength_Rfc3501_6_4_5)
{
    Command c = ok("a FETCH 1 BODY[]<0.1024>");
    EXPECT_EQ(c.fetchItems[0].partialOffset, 0u);
    EXPECT_EQ(c.fetchItems[0].partialLength, 1024u);
    c = ok("a FETCH 1 BODY.PEEK[TEXT]<100.4294967295>");
    EXPECT_EQ(c.fetchItems[0].partialOffset, 100u);
    EXPECT_EQ(c.fetchItems[0].partialLength, 4294967295u);

    EXPECT_NE(bad("a FETCH 1 BODY[]<0>").message.find("offset and a length"), std::string::npos);
    EXPECT_NE(bad("a FETCH 1 BODY[]<0.0>").message.find("must not be 0"), std::string::npos);
    EXPECT_TRUE(isBad("a FETCH 1 BODY[]<.5>"));
    EXPECT_TRUE(isBad("a FETCH 1 BODY[]<0.5"));
    EXPECT_TRUE(isBad("a FETCH 1 BODY[]<4294967296.5>"));
    EXPECT_TRUE(isBad("a FETCH 1 BODY<0.5>"));
    EXPECT_TRUE(isBad("a FETCH 1 RFC822<0.5>"));
}

TEST(ImapParse, FetchMalformedSectionsAreBad_Rfc3501_6_4_5)
{
    for (const char* item : {"BODY[MIME]",
                             "BODY[0]",
                             "BODY[1.0]",
                             "BODY[01]",
                             "BODY[1.]",
                             "BODY[1..2]",
                             "BODY[FOO]",
                             "BODY[1.FOO]",
                             "BODY[HEADER.FIELDS]",
                             "BODY[HEADER.FIELDS ()]",
                             "BODY[HEADER.FIELDS (From]",
                             "BODY[HEADER.FIELDS From]",
                             "BODY[HEADER",
                             "BODY[",
                             "BODY.PEEK",
                             "BODY.PEEK FLAGS",
                             "BODY[TEXT.MIME]",
                             "BODY[HEADER.FIELDS.NOT]",
                             "BODY[]]",
                             "BODY[ ]"}) {
        ParseError e = bad(std::string("a FETCH 1 ") + item);
        EXPECT_EQ(e.tag, "a") << item;
    }
    EXPECT_NE(bad("a FETCH 1 BODY[MIME]").message.find("part number"), std::string::npos);
}

TEST(ImapParse, FetchUnknownOrMissingItemsAreBad_Rfc3501_6_4_5)
{
    ParseError e = bad("a FETCH 1 (FLAGS SIZE)");
    EXPECT_NE(e.message.find("unknown FETCH item \"SIZE\""), std::string::npos) << e.message;
    EXPECT_NE(bad("a FETCH 1:3").message.find("FETCH needs a sequence set and items, e.g. FETCH 1:3 (FLAGS)"),
              std::string::npos);
    EXPECT_NE(bad("a FETCH").message.find("FETCH needs"), std::string::npos);
    EXPECT_NE(bad("a UID FETCH").message.find("UID FETCH needs"), std::string::npos);
    for (const char* rest : {"()", "(FLAGS", "(FLAGS) UID", "(FLAGS  UID)", "FLAGS UID", "(FLAGS(UID))",
                             "RFC822.", "\"FLAGS\"", "(FLAGS )", "FLAGS)", "*"})
        EXPECT_TRUE(isBad(std::string("a FETCH 1 ") + rest)) << rest;
}

// [SECTION] STORE (RFC 3501 section 6.4.6)

TEST(ImapParse, StoreReplaceAddRemove_Rfc3501_6_4_6)
{
    Command c = ok("a STORE 1:3 FLAGS (\\Seen \\Deleted)");
    EXPECT_EQ(c.store.mode, StoreAction::Mode::Replace);
    EXPECT_FALSE(c.store.silent);
    EXPECT_EQ(c.store.flags, (std::vector<std::string>{"\\Seen", "\\Deleted"}));
    EXPECT_TRUE(sameRanges(c.sequence, {{1, 3}}));

    c = ok("a STORE 2 +FLAGS.SILENT ($Important)");
    EXPECT_EQ(c.store.mode, StoreAction::Mode::Add);
    EXPECT_TRUE(c.store.silent);
    EXPECT_EQ(c.store.flags, (std::vector<std::string>{"$Important"}));

    c = ok("a UID STORE 7 -flags.silent \\Flagged");
    EXPECT_TRUE(c.uid);
    EXPECT_EQ(c.store.mode, StoreAction::Mode::Remove);
    EXPECT_TRUE(c.store.silent);
    EXPECT_EQ(c.store.flags, (std::vector<std::string>{"\\Flagged"}));
}

TEST(ImapParse, StoreFlagsWithoutParentheses_Rfc3501_9)
{
    EXPECT_EQ(ok("a STORE 1 +FLAGS \\Seen").store.flags, (std::vector<std::string>{"\\Seen"}));
    EXPECT_EQ(ok("a STORE 1 +FLAGS \\Seen $Work").store.flags, (std::vector<std::string>{"\\Seen", "$Work"}));
    EXPECT_TRUE(ok("a STORE 1 FLAGS ()").store.flags.empty());
}

TEST(ImapParse, StoreRejectsBadActionsAndFlags_Rfc3501_6_4_6)
{
    EXPECT_NE(bad("a STORE 1 LABELS (x)").message.find("FLAGS, +FLAGS or -FLAGS"), std::string::npos);
    EXPECT_NE(bad("a STORE 1 +FLAGS").message.find("STORE needs flags"), std::string::npos);
    EXPECT_NE(bad("a STORE 1").message.find("STORE needs a sequence set"), std::string::npos);
    for (const char* rest : {"+FLAGS (\\*)", "+FLAGS (\\)", "+FLAGS (\\Seen", "+FLAGS (\"x\")", "*FLAGS (x)",
                             "+FLAGS.LOUD (x)", "+FLAGS (x) y", "+FLAGS x ", "FLAGS(x)", "+ FLAGS (x)",
                             "+FLAGS ((x))", "+FLAGS (x  y)", "+FLAGS (x%)"})
        EXPECT_TRUE(isBad(std::string("a STORE 1 ") + rest)) << rest;
}

// [SECTION] COPY, MOVE, EXPUNGE and UID (RFC 3501 sections 6.4.3, 6.4.7, 6.4.8; RFC 6851; RFC 4315)

TEST(ImapParse, CopyAndMoveTakeSetAndDestination_Rfc6851_3)
{
    Command c = ok("a COPY 1:3,5 \"Lab Notes\"");
    EXPECT_EQ(c.name, CommandName::Copy);
    EXPECT_TRUE(sameRanges(c.sequence, {{1, 3}, {5, 5}}));
    EXPECT_EQ(c.mailbox, "Lab Notes");
    c = ok("a UID MOVE 100:* Archive");
    EXPECT_EQ(c.name, CommandName::Move);
    EXPECT_TRUE(c.uid);
    EXPECT_TRUE(sameRanges(c.sequence, {{100, 0}}));
    EXPECT_EQ(c.mailbox, "Archive");
    EXPECT_NE(bad("a COPY 1").message.find("COPY needs a sequence set and a mailbox"), std::string::npos);
    EXPECT_NE(bad("a UID MOVE 1").message.find("UID MOVE needs"), std::string::npos);
    EXPECT_TRUE(isBad("a MOVE Archive 1"));
    EXPECT_TRUE(isBad("a COPY 1 Archive Junk"));
}

TEST(ImapParse, UidExpungeTakesAUidSet_Rfc4315_2_1)
{
    Command c = ok("a UID EXPUNGE 3:5,9");
    EXPECT_EQ(c.name, CommandName::Expunge);
    EXPECT_TRUE(c.uid);
    EXPECT_TRUE(sameRanges(c.sequence, {{3, 5}, {9, 9}}));
    EXPECT_NE(bad("a UID EXPUNGE").message.find("UID EXPUNGE needs a UID set"), std::string::npos);
    EXPECT_TRUE(ok("a EXPUNGE").sequence.empty());
    EXPECT_NE(bad("a EXPUNGE 1:3").message.find("UID EXPUNGE"), std::string::npos);
}

TEST(ImapParse, UidPrefixesOnlyItsCommands_Rfc3501_6_4_8)
{
    for (const char* input : {"a UID", "a UID ", "a UID NOOP", "a UID SELECT INBOX", "a UID LOGIN a b",
                              "a UID UID", "a UID (FETCH)", "a UIDFETCH 1 FLAGS"}) {
        ParseError e = bad(input);
        EXPECT_EQ(e.tag, "a") << input;
    }
    EXPECT_NE(bad("a UID NOOP").message.find("UID must be followed by"), std::string::npos);
}

// [SECTION] SEARCH (RFC 3501 section 6.4.4)

TEST(ImapParse, SearchTopLevelIsAnAndOfTheKeys_Rfc3501_6_4_4)
{
    Command c = ok("a SEARCH UNSEEN FROM alice 1:5");
    EXPECT_EQ(c.search.kind, Kind::And);
    ASSERT_EQ(c.search.children.size(), 3u);
    EXPECT_EQ(c.search.children[0].kind, Kind::Unseen);
    EXPECT_EQ(c.search.children[1].kind, Kind::From);
    EXPECT_EQ(c.search.children[1].text, "alice");
    EXPECT_EQ(c.search.children[2].kind, Kind::SequenceSet);
    EXPECT_TRUE(sameRanges(c.search.children[2].set, {{1, 5}}));
    EXPECT_TRUE(c.charset.empty());
}

TEST(ImapParse, SearchKeysWithoutArguments_Rfc3501_6_4_4)
{
    const std::pair<const char*, Kind> cases[] = {
        {"ALL", Kind::All},
        {"ANSWERED", Kind::Answered},
        {"DELETED", Kind::Deleted},
        {"DRAFT", Kind::Draft},
        {"FLAGGED", Kind::Flagged},
        {"NEW", Kind::New},
        {"OLD", Kind::Old},
        {"RECENT", Kind::Recent},
        {"SEEN", Kind::Seen},
        {"UNANSWERED", Kind::Unanswered},
        {"UNDELETED", Kind::Undeleted},
        {"UNDRAFT", Kind::Undraft},
        {"UNFLAGGED", Kind::Unflagged},
        {"UNSEEN", Kind::Unseen},
        {"unseen", Kind::Unseen},
    };
    for (const auto& [name, kind] : cases)
        EXPECT_EQ(searchKey(name).kind, kind) << name;
}

TEST(ImapParse, SearchStringKeysTakeAstrings_Rfc3501_6_4_4)
{
    const std::pair<const char*, Kind> cases[] = {
        {"BCC", Kind::Bcc},         {"BODY", Kind::Body}, {"CC", Kind::Cc}, {"FROM", Kind::From},
        {"SUBJECT", Kind::Subject}, {"TEXT", Kind::Text}, {"TO", Kind::To}};
    for (const auto& [name, kind] : cases) {
        SearchKey key = searchKey(std::string(name) + " bob");
        EXPECT_EQ(key.kind, kind) << name;
        EXPECT_EQ(key.text, "bob");
        EXPECT_EQ(searchKey(std::string(name) + " \"lab \\\"3\\\"\"").text, "lab \"3\"");
        EXPECT_EQ(searchKey(std::string(name) + " {6}\r\ncaf\xc3\xa9!").text, "caf\xc3\xa9!");
        EXPECT_EQ(searchKey(std::string(name) + " {2+}\r\nhi").text, "hi");
        ParseError e = bad(std::string("a SEARCH ") + name);
        EXPECT_NE(e.message.find(std::string("the search key ") + name + " needs an argument"),
                  std::string::npos)
            << e.message;
    }
}

TEST(ImapParse, SearchDatesQuotedOrNot_Rfc3501_9)
{
    const std::pair<const char*, Kind> cases[] = {{"BEFORE", Kind::Before}, {"ON", Kind::On},
                                                  {"SINCE", Kind::Since},   {"SENTBEFORE", Kind::SentBefore},
                                                  {"SENTON", Kind::SentOn}, {"SENTSINCE", Kind::SentSince}};
    for (const auto& [name, kind] : cases) {
        SearchKey key = searchKey(std::string(name) + " 1-Feb-2026");
        EXPECT_EQ(key.kind, kind);
        EXPECT_EQ(key.day, day("1-Feb-2026"));
        EXPECT_EQ(searchKey(std::string(name) + " \"01-feb-2026\"").day, day("1-Feb-2026"));
        EXPECT_TRUE(isBad(std::string("a SEARCH ") + name));
    }
    EXPECT_EQ(searchKey("SINCE 1-Jan-1970").day, 0);
    EXPECT_EQ(searchKey("SINCE 29-Feb-2024").day, day("29-Feb-2024"));
}

TEST(ImapParse, SearchBadDatesAreBad_Rfc3501_9)
{
    for (const char* date :
         {"32-Jan-2026", "0-Jan-2026", "30-Feb-2026", "29-Feb-2025", "1-Foo-2026", "1-Feb-26", "2026-02-01",
          "1-Feb-20266", "001-Feb-2026", "1-February-2026", "\"1-Feb-2026", "\"1-Feb-2026 10:00\"",
          "{10}\r\n1-Feb-2026", "-Feb-2026", "1--2026", "yesterday"}) {
        ParseError e = bad(std::string("a SEARCH SINCE ") + date);
        EXPECT_EQ(e.tag, "a") << date;
    }
    EXPECT_NE(bad("a SEARCH ON 31-Apr-2026").message.find("1-Feb-2026"), std::string::npos);
}

TEST(ImapParse, SearchLargerAndSmallerTakeNumbers_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("LARGER 10000");
    EXPECT_EQ(key.kind, Kind::Larger);
    EXPECT_EQ(key.number, 10000u);
    key = searchKey("smaller 0");
    EXPECT_EQ(key.kind, Kind::Smaller);
    EXPECT_EQ(key.number, 0u);
    EXPECT_EQ(searchKey("LARGER 4294967295").number, 4294967295u);
    for (const char* rest :
         {"LARGER", "LARGER x", "LARGER -1", "LARGER 4294967296", "SMALLER \"5\"", "LARGER 1k"})
        EXPECT_TRUE(isBad(std::string("a SEARCH ") + rest)) << rest;
}

TEST(ImapParse, SearchHeaderTakesFieldAndValue_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("HEADER Message-ID \"<1@example.org>\"");
    EXPECT_EQ(key.kind, Kind::Header);
    EXPECT_EQ(key.header, "Message-ID");
    EXPECT_EQ(key.text, "<1@example.org>");
    EXPECT_EQ(searchKey("HEADER \"X-Tag\" \"\"").text, "");
    EXPECT_NE(bad("a SEARCH HEADER X-Tag").message.find("HEADER needs"), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH HEADER"));
}

TEST(ImapParse, SearchKeywordTakesAFlagKeyword_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("KEYWORD $Important");
    EXPECT_EQ(key.kind, Kind::Keyword);
    EXPECT_EQ(key.text, "$Important");
    key = searchKey("UNKEYWORD Junk");
    EXPECT_EQ(key.kind, Kind::Unkeyword);
    EXPECT_EQ(key.text, "Junk");
    EXPECT_NE(bad("a SEARCH KEYWORD \\Seen").message.find("SEEN"), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH KEYWORD \"$Important\""));
    EXPECT_TRUE(isBad("a SEARCH UNKEYWORD"));
}

TEST(ImapParse, SearchUidAndBareSequenceSets_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("UID 100:200,300");
    EXPECT_EQ(key.kind, Kind::Uid);
    EXPECT_TRUE(sameRanges(key.set, {{100, 200}, {300, 300}}));
    key = searchKey("*");
    EXPECT_EQ(key.kind, Kind::SequenceSet);
    EXPECT_TRUE(sameRanges(key.set, {{0, 0}}));
    EXPECT_TRUE(isBad("a SEARCH UID"));
    EXPECT_TRUE(isBad("a SEARCH UID x"));
    EXPECT_TRUE(isBad("a SEARCH 1:x"));
}

TEST(ImapParse, SearchNotAndOr_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("NOT SEEN");
    EXPECT_EQ(key.kind, Kind::Not);
    ASSERT_EQ(key.children.size(), 1u);
    EXPECT_EQ(key.children[0].kind, Kind::Seen);

    key = searchKey("OR FROM alice NOT OR TO bob (CC carol SINCE 1-Feb-2026)");
    EXPECT_EQ(key.kind, Kind::Or);
    ASSERT_EQ(key.children.size(), 2u);
    EXPECT_EQ(key.children[0].kind, Kind::From);
    const SearchKey& notKey = key.children[1];
    EXPECT_EQ(notKey.kind, Kind::Not);
    ASSERT_EQ(notKey.children.size(), 1u);
    const SearchKey& inner = notKey.children[0];
    EXPECT_EQ(inner.kind, Kind::Or);
    ASSERT_EQ(inner.children.size(), 2u);
    EXPECT_EQ(inner.children[0].text, "bob");
    EXPECT_EQ(inner.children[1].kind, Kind::And);
    ASSERT_EQ(inner.children[1].children.size(), 2u);
    EXPECT_EQ(inner.children[1].children[1].kind, Kind::Since);

    EXPECT_NE(bad("a SEARCH OR SEEN").message.find("OR needs"), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH NOT"));
    EXPECT_TRUE(isBad("a SEARCH OR"));
    EXPECT_TRUE(isBad("a SEARCH NOT NOT"));
}

TEST(ImapParse, SearchParenthesisedLists_Rfc3501_6_4_4)
{
    SearchKey key = searchKey("((SEEN) (FLAGGED UNDELETED))");
    EXPECT_EQ(key.kind, Kind::And);
    ASSERT_EQ(key.children.size(), 2u);
    EXPECT_EQ(key.children[0].kind, Kind::And);
    EXPECT_EQ(key.children[1].children.size(), 2u);
    EXPECT_EQ(searchKey("(1:3)").children[0].kind, Kind::SequenceSet);
    for (const char* rest :
         {"()", "(SEEN", "SEEN)", "(SEEN))", "( SEEN)", "(SEEN )", "(SEEN)(DRAFT)", "((SEEN)"})
        EXPECT_TRUE(isBad(std::string("a SEARCH ") + rest)) << rest;
}

TEST(ImapParse, SearchCharsetComesFirstAndIsUppercased_Rfc3501_6_4_4)
{
    Command c = ok("a SEARCH CHARSET utf-8 TEXT {5}\r\ncaf\xc3\xa9");
    EXPECT_EQ(c.charset, "UTF-8");
    ASSERT_EQ(c.search.children.size(), 1u);
    EXPECT_EQ(c.search.children[0].text, "caf\xc3\xa9");
    EXPECT_EQ(ok("a SEARCH charset \"US-ASCII\" ALL").charset, "US-ASCII");
    EXPECT_NE(bad("a SEARCH CHARSET UTF-8").message.find("SEARCH needs"), std::string::npos);
    EXPECT_NE(bad("a SEARCH CHARSET").message.find("CHARSET needs"), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH ALL CHARSET UTF-8"));
}

TEST(ImapParse, SearchRejectsUnknownKeysAndGarbage_Rfc3501_6_4_4)
{
    ParseError e = bad("a SEARCH UNREAD");
    EXPECT_NE(e.message.find("unknown search key \"UNREAD\""), std::string::npos);
    EXPECT_NE(bad("a SEARCH").message.find("SEARCH needs at least one search key"), std::string::npos);
    for (const char* rest :
         {"\"ALL\"", "ALL ", "ALL  SEEN", "{3}\r\nALL", "FROM alice)", "$1", "SEEN\tDRAFT"})
        EXPECT_TRUE(isBad(std::string("a SEARCH ") + rest)) << rest;
}

TEST(ImapParse, SearchNestingIsBoundedForParentheses_Rfc3501_6_4_4)
{
    const size_t n = imap::kMaxNesting;
    Command c = ok("a SEARCH " + repeat("(", n) + "SEEN" + repeat(")", n));
    const SearchKey* key = &c.search.children[0];
    for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(key->kind, Kind::And);
        key = &key->children[0];
    }
    EXPECT_EQ(key->kind, Kind::Seen);
    ParseError e = bad("a SEARCH " + repeat("(", n + 1) + "SEEN" + repeat(")", n + 1));
    EXPECT_EQ(e.tag, "a");
    EXPECT_NE(e.message.find("nested"), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH " + repeat("(", 1000000)));
}

TEST(ImapParse, SearchNestingIsBoundedForNotAndOr_Rfc3501_6_4_4)
{
    const size_t n = imap::kMaxNesting;
    ok("a SEARCH " + repeat("NOT ", n) + "SEEN");
    EXPECT_TRUE(isBad("a SEARCH " + repeat("NOT ", n + 1) + "SEEN"));
    ok("a SEARCH " + repeat("OR SEEN ", n) + "SEEN");
    EXPECT_TRUE(isBad("a SEARCH " + repeat("OR SEEN ", n + 1) + "SEEN"));
    EXPECT_TRUE(isBad("a SEARCH " + repeat("NOT (OR ", 200000)));
    // Breadth is not depth: many keys side by side are fine.
    EXPECT_EQ(ok("a SEARCH " + repeat("SEEN ", 5000) + "SEEN").search.children.size(), 5001u);
}

// [SECTION] robustness

TEST(ImapParse, GarbageIsBadNotACrash)
{
    const std::string inputs[] = {
        "   ",           "\0\0\0"s,
        "\xff\xfe\xfd",  "{5}\r\nhello",
        "a {",           "a }",
        "a \"",          "a (",
        "a )",           "a \r\n\r\n",
        "a a a a a a",   "a LOGIN \0 x"s,
        "a FETCH ((((",  "a FETCH 1 [[[[",
        "a SEARCH )))",  "a STORE \"1\"",
        "a LOGIN {\r\n", "a APPEND {}",
    };
    for (const std::string& input : inputs) {
        ParseError e = bad(input);
        EXPECT_FALSE(e.message.empty()) << input;
    }
}

TEST(ImapParse, EveryPrefixOfAValidCommandParsesOrFailsCleanly)
{
    const std::string commands[] = {
        "a1 LOGIN {5+}\r\nalice \"se\\\"cret\"\r\n",
        "a2 APPEND INBOX (\\Seen $Work) \" 5-Nov-2026 09:00:00 +0100\" {12}\r\nSubject: x\r\n\r\n",
        "a3 UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From {2}\r\nTo)]<0.100> RFC822.SIZE)\r\n",
        "a4 SEARCH CHARSET UTF-8 OR (FROM alice SINCE \"1-Feb-2026\") NOT UID 5:* HEADER X {3}\r\nabc LARGER "
        "9\r\n",
        "a5 STORE 1,3:4 -FLAGS.SILENT (\\Deleted)\r\n",
        "a6 ID (\"name\" \"mutt\" \"os\" NIL)\r\n",
        "a7 SELECT inbox (QRESYNC (1 2 3:4))\r\n",
        "a8 STATUS \"Lab Notes\" (MESSAGES UIDNEXT)\r\n",
        "a9 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
        "b1 LIST \"\" %\r\n",
    };
    for (const std::string& full : commands) {
        ok(full);
        for (size_t length = 0; length < full.size(); ++length) {
            std::string_view prefix(full.data(), length);
            auto result = imap::parseCommand(prefix);
            if (const ParseError* e = std::get_if<ParseError>(&result)) {
                EXPECT_FALSE(e->message.empty()) << prefix;
                if (length >= 2) { EXPECT_EQ(e->tag, full.substr(0, 2)) << prefix; }
            }
        }
    }
}

TEST(ImapParse, ErrorMessagesAreOneLineOfSevenBitText)
{
    // The session sends "tag BAD <message>": the message must not break the line or carry 8-bit bytes.
    for (std::string_view input : {"a LOGIN \"\xff\xfe\r\n", "a FETCH 1 \xc3\xa9\xc3\xa9",
                                   "a SELECT INBOX \r\n\r\n", "a FROB\x01\x7f\x80", "a SEARCH \r\x00"}) {
        ParseError e = bad(input);
        for (char c : e.message) {
            EXPECT_FALSE(c == '\r' || c == '\n' || c == '\0') << e.message;
            EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << e.message;
        }
    }
}

TEST(ImapParse, MutatedCommandsNeverCrash)
{
    const std::string seeds[] = {
        "a1 FETCH 1:3 (FLAGS BODY.PEEK[HEADER.FIELDS (FROM)]<0.10>)\r\n",
        "a2 SEARCH OR (NOT SEEN) UID 1:* SINCE 1-Feb-2026\r\n",
        "a3 APPEND INBOX (\\Seen) \"26-Nov-2026 09:00:00 +0100\" {5}\r\nhello\r\n",
        "a4 STORE 1 +FLAGS (\\Seen)\r\n",
    };
    const char alphabet[] = "(){}[]<>\"\\ *%:.,+-0129AZaz\r\n\0\x80\xff";
    uint32_t state = 12345;
    auto random = [&state] {
        state = state * 1103515245u + 12345u;
        return state >> 8;
    };
    size_t errors = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text = seeds[random() % std::size(seeds)];
        for (int edits = 1 + random() % 4; edits > 0; --edits) {
            size_t at = random() % (text.size() + 1);
            char c = alphabet[random() % (sizeof alphabet - 1)];
            switch (random() % 3) {
            case 0: text.insert(at, 1, c); break;
            case 1:
                if (at < text.size()) text.erase(at, 1);
                break;
            default:
                if (at < text.size()) text[at] = c;
                break;
            }
        }
        auto result = imap::parseCommand(text);
        if (const ParseError* e = std::get_if<ParseError>(&result)) {
            ++errors;
            EXPECT_FALSE(e->message.empty());
            EXPECT_EQ(e->message.find_first_of("\r\n"), std::string::npos);
        }
    }
    EXPECT_GT(errors, 0u);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

TEST(ImapParse, AnnouncedLiteralAtTheEndOfALine_Rfc3501_4_3_Rfc7888)
{
    auto sync = imap::announcedLiteral("a APPEND INBOX {310}\r\n");
    ASSERT_TRUE(sync);
    EXPECT_EQ(sync->size, 310u);
    EXPECT_FALSE(sync->nonSynchronizing);
    auto nonSync = imap::announcedLiteral("a LOGIN {5+}\n");
    ASSERT_TRUE(nonSync);
    EXPECT_TRUE(nonSync->nonSynchronizing);
    EXPECT_FALSE(imap::announcedLiteral("a NOOP\r\n"));
    EXPECT_FALSE(imap::announcedLiteral("a SEARCH {x}\r\n"));
    EXPECT_FALSE(imap::announcedLiteral("{99999999999999999999}\r\n")); // not a number that fits
}

TEST(ImapParse, DollarIsTheSavedResultWhereverASequenceSetGoes_Rfc5182_3)
{
    for (const char* line : {"a FETCH $ FLAGS", "a UID FETCH $ (UID)", "a STORE $ +FLAGS (\\Seen)",
                             "a COPY $ Archive", "a UID MOVE $ Archive", "a UID EXPUNGE $"}) {
        Command c = ok(line);
        EXPECT_TRUE(c.sequence.savedResult) << line;
        EXPECT_TRUE(c.sequence.ranges.empty()) << line;
    }
    Command search = ok("a SEARCH OR $ UID $");
    const SearchKey& either = search.search.children[0];
    EXPECT_TRUE(either.children[0].set.savedResult);
    EXPECT_EQ(either.children[1].kind, SearchKey::Kind::Uid);
    EXPECT_TRUE(either.children[1].set.savedResult);
    for (const char* line : {"a FETCH $$ FLAGS", "a FETCH $:2 FLAGS", "a FETCH 2,$ FLAGS", "a SEARCH $1"})
        EXPECT_TRUE(isBad(line)) << line;
}

TEST(ImapParse, ReturnOptionsOfSearchresAndContext_Rfc5182_3_Rfc5267_5)
{
    Command save = ok("a SEARCH RETURN (SAVE) ALL");
    ASSERT_TRUE(save.searchReturn);
    EXPECT_TRUE(save.searchReturn->save);
    EXPECT_FALSE(save.searchReturn->all); // SAVE alone asks for no ESEARCH response (RFC 5182 section 2.1)
    EXPECT_FALSE(save.searchReturn->answers());
    Command partial = ok("a UID SEARCH RETURN (update PARTIAL 500:400 context) UNSEEN");
    ASSERT_TRUE(partial.searchReturn && partial.searchReturn->partial);
    EXPECT_EQ(partial.searchReturn->partial->first, 400u); // 500:400 is 400:500 (RFC 5267 section 5)
    EXPECT_EQ(partial.searchReturn->partial->last, 500u);
    EXPECT_TRUE(partial.searchReturn->update && partial.searchReturn->context);
    EXPECT_FALSE(partial.searchReturn->all);
    EXPECT_TRUE(ok("a SEARCH RETURN (CONTEXT) ALL").searchReturn->all); // a hint alone is RETURN ()
    EXPECT_NE(bad("a SEARCH RETURN (PARTIAL 1:*) ALL").message.find("no \"*\""), std::string::npos);
    EXPECT_TRUE(isBad("a SEARCH RETURN (ALL PARTIAL 1:5) ALL"));
}

TEST(ImapParse, CancelUpdateTakesQuotedTags_Rfc5267_5)
{
    Command c = ok("a CANCELUPDATE \"B01\" \"B 02\"");
    EXPECT_EQ(c.name, CommandName::CancelUpdate);
    EXPECT_EQ(c.updateTags, (std::vector<std::string>{"B01", "B 02"}));
    EXPECT_TRUE(isBad("a CANCELUPDATE"));
    EXPECT_TRUE(isBad("a CANCELUPDATE B01"));
    EXPECT_TRUE(isBad("a CANCELUPDATE \"B01\" "));
}

} // namespace
} // namespace maillab::test
