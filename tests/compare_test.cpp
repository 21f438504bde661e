// Side-by-side lanes (sim/scenario/compare.hpp): the same actions in POP3 delete, POP3 keep and IMAP lanes,
// and what the protocols really do differently.
#include "scenario/compare.hpp"

#include <gtest/gtest.h>
#include <stdexcept>

namespace maillab::test {
namespace {

using scenario::Comparison;
using scenario::LaneSample;

Comparison builtIn(const std::string& id)
{
    const scenario::ComparisonSpec* spec = scenario::findComparison(id);
    if (!spec) throw std::runtime_error("no comparison " + id);
    return Comparison(spec->scenario, spec->lanes);
}

void runToEnd(Comparison& c)
{
    while (c.step()) {}
}

// Lane order of every built-in comparison.
enum LaneIndex { kDelete = 0, kKeep = 1, kImap = 2 };

const LaneSample& last(const Comparison& c, LaneIndex lane)
{
    return c.lanes()[lane]->latest();
}

// The bytes of the account's messages as the comparison's scenario starts: what a whole download costs at
// least.
uint64_t mailboxBytes(const Comparison& c)
{
    uint64_t total = 0;
    const scenario::Simulation fresh(c.base());
    for (const auto& [name, mailbox] : fresh.store().account("alice")->mailboxes)
        for (const auto& message : mailbox.messages)
            total += message.size();
    return total;
}

TEST(Comparison, EveryBuiltInComparisonIsValidAndRunsInLockstep)
{
    ASSERT_EQ(scenario::builtInComparisons().size(), 4u);
    for (const scenario::ComparisonSpec& spec : scenario::builtInComparisons()) {
        EXPECT_EQ(Comparison::problem(spec.scenario, spec.lanes), "") << spec.id;
        Comparison c(spec.scenario, spec.lanes);
        ASSERT_EQ(c.lanes().size(), 3u);
        EXPECT_EQ(c.actionIndex(), 0u);
        for (size_t n = 1; n <= c.actionCount(); ++n) {
            ASSERT_TRUE(c.step());
            EXPECT_EQ(c.actionIndex(), n);
            for (const auto& lane : c.lanes()) {
                // One sample per action, and the lane's simulation is exactly at the next action.
                ASSERT_EQ(lane->samples().size(), n + 1) << spec.id << " " << lane->spec().label;
                EXPECT_EQ(lane->latest().actionsDone, n);
                EXPECT_EQ(lane->simulation().actionIndex(), n) << spec.id << " " << lane->spec().label;
                const auto& s = lane->simulation().scenario().actions;
                if (n < s.size()) { EXPECT_FALSE(lane->simulation().finished()); }
            }
        }
        EXPECT_TRUE(c.finished());
        EXPECT_FALSE(c.step());
        for (const auto& lane : c.lanes()) {
            // Counting entry by entry gives what the transcript itself counts.
            const wire::Transcript& t = lane->simulation().transcript();
            EXPECT_EQ(lane->latest().bytesToServer, t.byteCount(wire::Direction::ClientToServer));
            EXPECT_EQ(lane->latest().bytesToClient, t.byteCount(wire::Direction::ServerToClient));
        }
    }
}

TEST(Comparison, EachLaneSpeaksItsOwnProtocolAndMode)
{
    Comparison c = builtIn("checks-twice");
    c.step();
    for (const auto& lane : c.lanes()) {
        for (const auto& device : lane->simulation().devices()) {
            EXPECT_EQ(device->spec.protocol, lane->spec().protocol);
            EXPECT_EQ(device->spec.mode, lane->spec().mode);
        }
        const auto& entries = lane->simulation().transcript().entries();
        ASSERT_FALSE(entries.empty());
        for (const auto& e : entries)
            if (e.kind == wire::TranscriptEntry::Kind::Data) { EXPECT_EQ(e.protocol, lane->spec().protocol); }
    }
}

TEST(Comparison, ResetReplaysTheSameBytes)
{
    Comparison c = builtIn("two-devices");
    runToEnd(c);
    std::vector<std::string> first;
    for (const auto& lane : c.lanes())
        first.push_back(lane->simulation().transcript().toText());
    c.reset();
    EXPECT_EQ(c.actionIndex(), 0u);
    for (const auto& lane : c.lanes()) {
        EXPECT_EQ(lane->samples().size(), 1u);
        EXPECT_EQ(lane->simulation().transcript().size(), 0u);
    }
    runToEnd(c);
    for (size_t i = 0; i < c.lanes().size(); ++i)
        EXPECT_EQ(c.lanes()[i]->simulation().transcript().toText(), first[i]);
}

// RFC 1939 section 6: messages marked with DELE are removed in the UPDATE state, after QUIT. The lost laptop
// held the only copies: the new laptop finds an empty maildrop. Keep mode never sent DELE, and IMAP leaves
// mail on the server (RFC 3501 section 6.4.5: FETCH reads, it does not remove), so both get it all back.
TEST(Comparison, LostLaptopOnlyPop3DeleteModeLosesTheMailForGood_Rfc1939_6)
{
    Comparison c = builtIn("lost-laptop");
    c.step(); // the laptop checks mail
    EXPECT_EQ(last(c, kDelete).serverMessages, 0);
    EXPECT_EQ(last(c, kKeep).serverMessages, 3);
    EXPECT_EQ(last(c, kImap).serverMessages, 3);
    for (LaneIndex lane : {kDelete, kKeep, kImap})
        EXPECT_EQ(last(c, lane).deviceMessages[0], 3) << lane;
    runToEnd(c);
    // The laptop (device 0) is gone; the new laptop (device 1) checked.
    for (LaneIndex lane : {kDelete, kKeep, kImap})
        EXPECT_EQ(last(c, lane).deviceMessages[0], 0) << lane;
    EXPECT_EQ(last(c, kDelete).serverMessages, 0);
    EXPECT_EQ(last(c, kDelete).deviceMessages[1], 0);
    EXPECT_EQ(last(c, kKeep).serverMessages, 3);
    EXPECT_EQ(last(c, kKeep).deviceMessages[1], 3);
    EXPECT_EQ(last(c, kImap).serverMessages, 3);
    EXPECT_EQ(last(c, kImap).deviceMessages[1], 3);
    // The delete lane's new laptop was told so when it logged in (RFC 1939 section 7, PASS).
    EXPECT_NE(c.lanes()[kDelete]->simulation().transcript().toText().find("maildrop has 0 messages"),
              std::string::npos);
}

// POP3 can only RETR whole messages (RFC 1939 section 5), so a first check downloads at least every byte of
// every message. IMAP's client fetches ENVELOPE, FLAGS and RFC822.SIZE first (RFC 3501 section 6.4.5) and no
// bodies, which for mail with long bodies is far less.
TEST(Comparison, ImapHeadersFirstMovesFewerBytesThanPop3Retr_Rfc3501_6_4_5)
{
    Comparison c = builtIn("checks-twice");
    const uint64_t mail = mailboxBytes(c);
    c.step();
    EXPECT_GE(last(c, kDelete).bytesToClient, mail);
    EXPECT_GE(last(c, kKeep).bytesToClient, mail);
    EXPECT_LT(last(c, kImap).bytesToClient, mail / 2);
    // The POP3 device stores the whole messages; the IMAP device only what it shows in the list.
    EXPECT_EQ(last(c, kKeep).deviceBytes[0], last(c, kDelete).deviceBytes[0]);
    EXPECT_GE(last(c, kDelete).deviceBytes[0], mail - 3 * 64); // minus a Received line or so, at most
    EXPECT_LT(last(c, kImap).deviceBytes[0], last(c, kDelete).deviceBytes[0]);
    runToEnd(c);
    EXPECT_LT(last(c, kImap).bytesOnWire(), last(c, kKeep).bytesOnWire());
    EXPECT_LT(last(c, kImap).bytesOnWire(), last(c, kDelete).bytesOnWire());
}

// Keep mode remembers UIDL ids (RFC 1939 section 7): the second check retrieves only the new message.
// IMAP stayed connected and selected: NOOP reports the new message (RFC 3501 section 6.1.2, 7.3.1), then one
// UID FETCH gets its header.
TEST(Comparison, SecondCheckFetchesOnlyTheNewMessage_Rfc1939_7)
{
    Comparison c = builtIn("checks-twice");
    c.step();
    const LaneSample keepFirst = last(c, kKeep), imapFirst = last(c, kImap);
    c.step(); // new mail
    c.step(); // an hour
    EXPECT_EQ(last(c, kDelete).serverMessages, 1);
    EXPECT_EQ(last(c, kKeep).serverMessages, 4);
    c.step(); // the second check
    const LaneSample keepSecond = last(c, kKeep), imapSecond = last(c, kImap);
    EXPECT_EQ(keepSecond.deviceMessages[0], 4);
    EXPECT_LT(keepSecond.bytesToClient - keepFirst.bytesToClient, 1024u) << "only the short new message";
    EXPECT_EQ(keepSecond.connections, 2);
    EXPECT_EQ(imapSecond.connections, 1) << "IMAP is still connected from the first check";
    EXPECT_EQ(imapSecond.roundTrips - imapFirst.roundTrips, 2) << "NOOP and one UID FETCH";
    const std::string imapWire = c.lanes()[kImap]->simulation().transcript().toText();
    EXPECT_NE(imapWire.find("NOOP"), std::string::npos);
    EXPECT_NE(imapWire.find("* 4 EXISTS"), std::string::npos);
    // Delete mode emptied the server again; keep mode and IMAP still have all four.
    EXPECT_EQ(last(c, kDelete).serverMessages, 0);
    EXPECT_EQ(last(c, kKeep).serverMessages, 4);
    EXPECT_EQ(last(c, kImap).serverMessages, 4);
}

// The maildrop is shared: in delete mode the first device to check takes the mail from the second. Keep mode
// downloads everything twice, once per device. IMAP shows both devices the same mailbox.
TEST(Comparison, TwoDevicesDeleteModeTakesTheMailFromTheOther)
{
    Comparison c = builtIn("two-devices");
    c.step(); // laptop
    const LaneSample keepLaptop = last(c, kKeep);
    c.step(); // phone
    EXPECT_EQ(last(c, kDelete).deviceMessages[0], 3);
    EXPECT_EQ(last(c, kDelete).deviceMessages[1], 0);
    EXPECT_EQ(last(c, kKeep).deviceMessages[1], 3);
    EXPECT_EQ(last(c, kImap).deviceMessages[1], 3);
    // The phone's keep-mode check cost as much as the laptop's: the same three messages again.
    EXPECT_EQ(last(c, kKeep).bytesToClient, 2 * keepLaptop.bytesToClient);
    runToEnd(c);
    // The new message went to whichever device checked first (the phone) and nowhere else.
    EXPECT_EQ(last(c, kDelete).deviceMessages[0], 3);
    EXPECT_EQ(last(c, kDelete).deviceMessages[1], 1);
    EXPECT_EQ(last(c, kKeep).deviceMessages[0], 4);
    EXPECT_EQ(last(c, kKeep).deviceMessages[1], 4);
    EXPECT_EQ(last(c, kImap).deviceMessages[0], 4);
    EXPECT_EQ(last(c, kImap).deviceMessages[1], 4);
}

TEST(Comparison, RejectsActionsThatDoNotMeanTheSameInEveryLane)
{
    const scenario::ComparisonSpec& spec = *scenario::findComparison("checks-twice");
    scenario::Scenario imapOnly = spec.scenario;
    scenario::Action move;
    move.kind = scenario::ActionKind::Move;
    move.device = "laptop";
    move.targetFolder = "Archive";
    imapOnly.actions.push_back(move);
    EXPECT_NE(Comparison::problem(imapOnly, spec.lanes).find("step 6"), std::string::npos)
        << Comparison::problem(imapOnly, spec.lanes);
    EXPECT_THROW(Comparison(imapOnly, spec.lanes), std::invalid_argument);

    scenario::Scenario raw = spec.scenario;
    raw.actions[0].kind = scenario::ActionKind::Raw;
    EXPECT_NE(Comparison::problem(raw, spec.lanes), "");

    scenario::Scenario claimed = spec.scenario;
    claimed.actions[0].checkpoint = scenario::Checkpoint{"the server is empty", {}};
    EXPECT_NE(Comparison::problem(claimed, spec.lanes), "");

    scenario::Scenario nobody = spec.scenario;
    nobody.actions[0].device = "tablet";
    EXPECT_NE(Comparison::problem(nobody, spec.lanes).find("tablet"), std::string::npos);

    EXPECT_NE(Comparison::problem(spec.scenario, {}), "");
    scenario::LaneSpec wrongMode = scenario::imapLane();
    wrongMode.mode = "delete";
    EXPECT_NE(Comparison::problem(spec.scenario, {wrongMode}), "");
}

TEST(Comparison, DescribesEachActionForThePlots)
{
    Comparison c = builtIn("lost-laptop");
    EXPECT_EQ(c.describeAction(1), "laptop checks mail");
    EXPECT_EQ(c.describeAction(3), "laptop is lost");
    EXPECT_EQ(c.describeAction(4), "new-laptop checks mail");
    EXPECT_EQ(c.describeAction(0), "");
    EXPECT_EQ(c.describeAction(99), "");
    Comparison twice = builtIn("checks-twice");
    EXPECT_EQ(twice.describeAction(2), "new mail for alice: \"Lab 4 partners?\"");
    EXPECT_EQ(twice.describeAction(3), "1 hour passes");
}

} // namespace
} // namespace maillab::test
