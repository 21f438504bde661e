// What imaptest's scripted compliance tests (dovecot/imaptest, release-2.3) found maillab's IMAP server doing
// wrong, each behaviour read again against the RFC section that decides it: section numbers of a message
// whose own type is message/rfc822, source routes in ENVELOPE, SEARCH over addresses, and subscriptions.
// The messages here are written for these tests; none is taken from imaptest.
#include "imap_dave.hpp"

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

// "* 1 FETCH (BODY[section] {n}...)" and the tagged OK, for FETCH 1 (BODY.PEEK[section]).
std::string bodyOfFirst(DaveClient& c, const std::string& section)
{
    return c.send("f FETCH 1 (BODY.PEEK[" + section + "])");
}
std::string expectedBody(const std::string& section, std::string_view bytes)
{
    return "* 1 FETCH (BODY[" + section + "] " + lit(bytes) + ")\r\nf OK FETCH completed\r\n";
}

// [SECTION] a message that is itself message/rfc822 (RFC 3501 section 6.4.5)

const std::string kOuterHeader = "From: outer@example.org\r\nSubject: forwarded\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: message/rfc822\r\n\r\n";
const std::string kInnerHeader = "From: inner@example.org\r\nSubject: the original\r\n"
                                 "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
const std::string kFirstMime = "Content-Type: text/plain\r\n\r\n";
const std::string kSecondMime = "Content-Type: text/html\r\n\r\n";
const std::string kInnerBody =
    "preamble\r\n--b\r\n" + kFirstMime + "one\r\n--b\r\n" + kSecondMime + "<p>two</p>\r\n--b--\r\n";
const std::string kInner = kInnerHeader + kInnerBody;

// "Every message has at least one part number": a message whose body is not multipart has part 1, its body,
// which here is the whole encapsulated message. Only the numbers after that 1 reach inside it.
TEST(ImapCompliance, TopLevelMessageRfc822IsPartOneWhole_Rfc3501_6_4_5)
{
    DaveWorld w;
    w.deliver(kOuterHeader + kInner);
    DaveClient c(w);
    c.select();
    EXPECT_EQ(bodyOfFirst(c, "TEXT"), expectedBody("TEXT", kInner));
    EXPECT_EQ(bodyOfFirst(c, "1"), expectedBody("1", kInner));
    EXPECT_EQ(bodyOfFirst(c, "1.HEADER"), expectedBody("1.HEADER", kInnerHeader));
    EXPECT_EQ(bodyOfFirst(c, "1.TEXT"), expectedBody("1.TEXT", kInnerBody));
    EXPECT_EQ(bodyOfFirst(c, "1.HEADER.FIELDS (SUBJECT)"),
              expectedBody("1.HEADER.FIELDS (SUBJECT)", "Subject: the original\r\n\r\n"));
    EXPECT_EQ(bodyOfFirst(c, "1.1"), expectedBody("1.1", "one"));
    EXPECT_EQ(bodyOfFirst(c, "1.2"), expectedBody("1.2", "<p>two</p>"));
    EXPECT_EQ(bodyOfFirst(c, "1.2.MIME"), expectedBody("1.2.MIME", kSecondMime));
    // Part 2 of a message that is not multipart does not exist.
    EXPECT_EQ(bodyOfFirst(c, "2"), "* 1 FETCH (BODY[2] NIL)\r\nf OK FETCH completed\r\n");
}

// The same section numbers one level down, inside a multipart, were right before and must stay so.
TEST(ImapCompliance, MessageRfc822InsideMultipartKeepsItsNumbers_Rfc3501_6_4_5)
{
    DaveWorld w;
    const std::string attached = "Content-Type: message/rfc822\r\n\r\n";
    w.deliver(
        "From: outer@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n"
        "\r\n--o\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--o\r\n" +
        attached + kInner + "\r\n--o--\r\n");
    DaveClient c(w);
    c.select();
    EXPECT_EQ(bodyOfFirst(c, "2"), expectedBody("2", kInner));
    EXPECT_EQ(bodyOfFirst(c, "2.HEADER"), expectedBody("2.HEADER", kInnerHeader));
    EXPECT_EQ(bodyOfFirst(c, "2.1"), expectedBody("2.1", "one"));
}

// [SECTION] ENVELOPE (RFC 3501 section 7.4.2)

// An address's second field is its at-domain-list, the source route (RFC 3501 section 7.4.2 and
// RFC 5322 section 4.4, obs-route): it is carried, not dropped.
TEST(ImapCompliance, EnvelopeCarriesSourceRouteAsAdl_Rfc3501_7_4_2)
{
    DaveWorld w;
    w.deliver("From: <@relay.example:user@example.org>\r\nTo: Pat <@a.example,@b.example:pat@example.net>\r\n"
              "\r\nhi\r\n");
    DaveClient c(w);
    c.select();
    const std::string reply = c.send("e FETCH 1 (ENVELOPE)");
    EXPECT_NE(reply.find("((NIL \"@relay.example\" \"user\" \"example.org\"))"), std::string::npos) << reply;
    EXPECT_NE(reply.find("((\"Pat\" \"@a.example,@b.example\" \"pat\" \"example.net\"))"), std::string::npos)
        << reply;
}

// [SECTION] SEARCH over addresses (RFC 3501 section 6.4.4)

std::string searchFor(DaveClient& c, const std::string& keys)
{
    const std::string reply = c.send("q SEARCH " + keys);
    const std::string tail = "\r\nq OK SEARCH completed\r\n";
    if (!reply.starts_with("* SEARCH") || !reply.ends_with(tail)) return "<" + reply + ">";
    const std::string numbers = reply.substr(8, reply.size() - 8 - tail.size());
    return numbers.empty() ? numbers : numbers.substr(1);
}

// FROM, TO, CC and BCC match "the specified string in the envelope structure's ... field": the address as
// ENVELOPE parses it (display name, mailbox@host, group name), not the header's raw text, so comments inside
// an address neither hide it nor match as if they were part of it.
TEST(ImapCompliance, SearchAddressMatchesTheEnvelopesAddresses_Rfc3501_6_4_4)
{
    DaveWorld w;
    w.deliver("From: <ann (the boss) @ (at home) example.org>\r\nTo: bob@example.org\r\n\r\n1\r\n");
    w.deliver("From: ann@example.org (Annie)\r\nCc: Team: bob@example.org, cy@example.org;\r\n\r\n2\r\n");
    w.deliver("From: \"Ann Other\" <other@example.com>\r\nBcc: undisclosed:;\r\n\r\n3\r\n");
    w.deliver("From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.com>\r\n\r\n4\r\n");
    DaveClient c(w);
    c.select();
    EXPECT_EQ(searchFor(c, "FROM ann@example.org"), "1 2"); // a comment inside the address is not text
    EXPECT_EQ(searchFor(c, "FROM \"the boss\""), "");       // ... and is not matched either
    EXPECT_EQ(searchFor(c, "FROM annie"), "2");             // a trailing comment is the display name
    EXPECT_EQ(searchFor(c, "FROM \"ann other\""), "3");     // the display name, case-insensitively
    EXPECT_EQ(searchFor(c, "FROM example.com"), "3 4");     // a substring of mailbox@host
    EXPECT_EQ(searchFor(c, "CC team"), "2");                // a group's name
    EXPECT_EQ(searchFor(c, "CC cy@example"), "2");          // an address inside a group
    EXPECT_EQ(searchFor(c, "BCC undisclosed"), "3");        // an empty group
    EXPECT_EQ(searchFor(c, "TO bob"), "1");
    // An encoded display name, decoded; 8-bit text travels as a literal (RFC 3501 section 4.3).
    EXPECT_EQ(searchFor(c, "CHARSET UTF-8 FROM {6+}\r\nRen\xC3\xA9"
                           "e"),
              "4");
}

// [SECTION] subscriptions (RFC 3501 sections 6.3.3, 6.3.6, 6.3.7, 6.3.9)

// CREATE makes a mailbox; only SUBSCRIBE adds a name to the subscriptions (section 6.3.6), and CREATE does
// not subscribe the superiors it makes either.
TEST(ImapCompliance, CreateDoesNotSubscribe_Rfc3501_6_3_6)
{
    DaveWorld w;
    DaveClient c(w);
    EXPECT_EQ(c.send("a CREATE Projects/2026").rfind("a OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("b LSUB \"\" *"), "* LSUB (\\HasNoChildren) \"/\" INBOX\r\nb OK LSUB completed\r\n");
    EXPECT_EQ(c.send("c LIST \"\" *"), "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                                       "* LIST (\\HasChildren) \"/\" Projects\r\n"
                                       "* LIST (\\HasNoChildren) \"/\" Projects/2026\r\n"
                                       "c OK LIST completed\r\n");
}

// "If "foo/bar" is subscribed but "foo" is not, a "%" wildcard to LSUB must return foo, not foo/bar, ...
// flagged with the \Noselect attribute" (section 6.3.9), whether or not the mailbox foo exists.
TEST(ImapCompliance, LsubPercentAnswersUnsubscribedParentAsNoselect_Rfc3501_6_3_9)
{
    DaveWorld w;
    DaveClient c(w);
    for (const char* name : {"Work", "Work/Plans", "Play/Games/Chess", "Solo"})
        EXPECT_EQ(c.send("a CREATE "s + name).rfind("a OK [MAILBOXID (M", 0), 0u);
    for (const char* name : {"Work/Plans", "Play/Games/Chess", "Solo"})
        EXPECT_EQ(c.send("b SUBSCRIBE "s + name), "b OK SUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("c LSUB \"\" %"), "* LSUB (\\HasNoChildren) \"/\" INBOX\r\n"
                                       "* LSUB (\\Noselect) \"/\" Play\r\n"
                                       "* LSUB (\\HasNoChildren) \"/\" Solo\r\n"
                                       "* LSUB (\\Noselect) \"/\" Work\r\n"
                                       "c OK LSUB completed\r\n");
    EXPECT_EQ(c.send("d LSUB Play/ %"), "* LSUB (\\Noselect) \"/\" Play/Games\r\nd OK LSUB completed\r\n");
    // "*" reaches the subscribed names themselves, so no parent stands in for them.
    EXPECT_EQ(c.send("e LSUB \"\" Work*"),
              "* LSUB (\\HasNoChildren) \"/\" Work/Plans\r\ne OK LSUB completed\r\n");
    // Subscribing the parent makes it an ordinary answer.
    EXPECT_EQ(c.send("f SUBSCRIBE Work"), "f OK SUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("g LSUB \"\" W%"), "* LSUB (\\HasChildren) \"/\" Work\r\ng OK LSUB completed\r\n");
}

// Subscriptions may outlive their mailbox (section 6.3.6 allows "a name that does not exist"); such a name
// must still be removable with UNSUBSCRIBE (section 6.3.7), while a name that was never subscribed nor
// exists is refused.
TEST(ImapCompliance, UnsubscribeOfADeletedMailboxSucceeds_Rfc3501_6_3_7)
{
    DaveWorld w;
    DaveClient c(w);
    EXPECT_EQ(c.send("a CREATE Old").rfind("a OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("b SUBSCRIBE Old"), "b OK SUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("c DELETE Old"), "c OK DELETE completed\r\n");
    EXPECT_EQ(c.send("d LSUB \"\" O*"), "* LSUB (\\Noselect) \"/\" Old\r\nd OK LSUB completed\r\n");
    EXPECT_EQ(c.send("e UNSUBSCRIBE Old"), "e OK UNSUBSCRIBE completed\r\n");
    EXPECT_EQ(c.send("f LSUB \"\" O*"), "f OK LSUB completed\r\n");
    EXPECT_EQ(c.send("g UNSUBSCRIBE Never"), "g NO [NONEXISTENT] no mailbox named Never\r\n");
}

// [SECTION] CREATE-SPECIAL-USE (RFC 6154 section 3)

// CREATE mailbox (USE (attribute)) gives the new mailbox its special use, which LIST then shows (section 2);
// an attribute section 2 does not define, or more than the one this server keeps, is NO [USE].
TEST(ImapCompliance, CreateWithUseGivesASpecialUse_Rfc6154_3)
{
    DaveWorld w;
    DaveClient c(w);
    EXPECT_EQ(c.send("a CREATE Rubbish (USE (\\Trash))").rfind("a OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("b LIST \"\" Rubbish"),
              "* LIST (\\HasNoChildren \\Trash) \"/\" Rubbish\r\nb OK LIST completed\r\n");
    EXPECT_EQ(c.send("c CREATE Odd (USE (\\Important))"),
              "c NO [USE] \\Important is not a special use (RFC 6154 section 2)\r\n");
    EXPECT_EQ(c.send("d CREATE Both (USE (\\Sent \\Archive))"),
              "d NO [USE] this server gives a mailbox one special use, not 2\r\n");
    EXPECT_EQ(c.send("e CREATE Bad (USE \\Sent)").substr(0, 6), "e BAD ");
    EXPECT_EQ(c.send("f LIST \"\" %").find("Odd"), std::string::npos); // nothing was made
}

// [SECTION] STATUS=SIZE (RFC 8438)

// STATUS (SIZE) is the mailbox's size in octets, the sum of its messages' RFC822.SIZE (RFC 8438 section 3).
TEST(ImapCompliance, StatusSizeIsTheSumOfTheMessages_Rfc8438_3)
{
    DaveWorld w;
    const std::string one = "Subject: one\r\n\r\nhi\r\n", two = "Subject: two\r\n\r\nhello\r\n";
    w.deliver(one);
    w.deliver(two);
    DaveClient c(w);
    EXPECT_EQ(c.send("a STATUS INBOX (SIZE MESSAGES)"), "* STATUS INBOX (SIZE " +
                                                            std::to_string(one.size() + two.size()) +
                                                            " MESSAGES 2)\r\na OK STATUS completed\r\n");
    EXPECT_EQ(c.send("b CREATE Empty").rfind("b OK [MAILBOXID (M", 0), 0u);
    EXPECT_EQ(c.send("c STATUS Empty (SIZE)"), "* STATUS Empty (SIZE 0)\r\nc OK STATUS completed\r\n");
}

} // namespace
} // namespace maillab::test
