// The lesson timeline: its event list, its lesson-step boundaries, and that a jump from a kept snapshot lands
// in exactly the state a replay from the start reaches.
#include "scenario/timeline.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <variant>

namespace maillab::test {
namespace {

scenario::Scenario loadLesson(const std::string& name)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / name);
    EXPECT_TRUE(std::holds_alternative<scenario::Scenario>(loaded)) << name;
    return std::get<scenario::Scenario>(std::move(loaded));
}

// What a student could see of a simulation: the transcript's programs' bytes and the server's and devices'
// messages.
std::string observable(const scenario::Simulation& sim)
{
    std::string out = sim.transcript().toText(false);
    for (const std::string& user : sim.store().users())
        for (const auto& [name, mailbox] : sim.store().account(user)->mailboxes) {
            out += user + "/" + name + ":";
            for (const auto& m : mailbox.messages)
                out += " " + std::to_string(m.uid);
            out += "\n";
        }
    for (const auto& device : sim.devices())
        out += device->spec.name + " holds " + std::to_string(device->local.messages().size()) + "\n";
    return out;
}

TEST(Timeline, ListsEveryStepOnceWithItsLessonStep)
{
    scenario::Timeline timeline(loadLesson("14-pop3-delete-mode.json"));
    auto whole = test::runLesson("14-pop3-delete-mode");
    ASSERT_NE(whole, nullptr);
    ASSERT_EQ(timeline.totalSteps(), whole->stepNumber());
    for (const scenario::TimelineEvent& event : timeline.events()) {
        EXPECT_EQ(event.action, whole->actionOfStep(event.step)) << event.step;
        EXPECT_FALSE(event.summary.empty()) << event.step;
        EXPECT_FALSE(event.device.empty()) << event.step;
    }
    // The laptop's commands are listed as it sent them (RFC 1939 section 7 spells them).
    bool retr = false;
    for (const auto& event : timeline.events())
        retr = retr || (event.summary.starts_with("RETR ") && event.device == "laptop" &&
                        event.outcome.starts_with("+OK"));
    EXPECT_TRUE(retr);
}

TEST(Timeline, LessonStepsBeginAtIncreasingBoundaries)
{
    scenario::Timeline timeline(loadLesson("08-pop3-delete-vs-keep.json"));
    const auto& actions = timeline.scenario().actions;
    int previous = 0;
    for (size_t a = 0; a < actions.size(); ++a) {
        const int start = timeline.actionStart(a);
        EXPECT_GE(start, previous) << a;
        previous = start;
        if (start < timeline.totalSteps()) { EXPECT_EQ(timeline.actionAt(start), a) << a; }
        EXPECT_GT(timeline.nextBoundary(start), start);
    }
    EXPECT_EQ(timeline.previousBoundary(0), 0);
    EXPECT_EQ(timeline.nextBoundary(timeline.totalSteps()), timeline.totalSteps());
}

TEST(Timeline, AJumpFromASnapshotReachesTheSameStateAsAReplay)
{
    for (const char* name :
         {"08-pop3-delete-vs-keep.json", "17-imap-two-devices.json", "09-lost-laptop.json"}) {
        scenario::Timeline timeline(loadLesson(name));
        while (!timeline.prepare(50)) {}
        EXPECT_GT(timeline.snapshotsReady(), 0u) << name;
        for (int target = 0; target <= timeline.totalSteps(); ++target) {
            auto jumped = timeline.simulationAt(target);
            scenario::Simulation replayed(timeline.scenario());
            while (replayed.stepNumber() < target && timeline.advance(replayed)) {}
            ASSERT_EQ(jumped->stepNumber(), target) << name;
            EXPECT_EQ(observable(*jumped), observable(replayed)) << name << " step " << target;
            while (!timeline.prepare(50)) {}
        }
    }
}

TEST(Timeline, ALostDeviceIsKeptAtItsStepAndDropsTheFutureItChanged)
{
    scenario::Timeline timeline(loadLesson("15-pop3-keep-mode.json"));
    while (!timeline.prepare(1000)) {}
    const int total = timeline.totalSteps();
    const int at = total / 2;
    timeline.addIntervention({at, "laptop"});
    // The loss is a step of its own, listed where it happened.
    ASSERT_GT(timeline.totalSteps(), at);
    EXPECT_EQ(timeline.events()[static_cast<size_t>(at - 1)].device, "laptop");
    EXPECT_NE(timeline.events()[static_cast<size_t>(at - 1)].summary.find("lost"), std::string::npos)
        << timeline.events()[static_cast<size_t>(at - 1)].summary;
    auto after = timeline.simulationAt(at);
    EXPECT_TRUE(after->device("laptop")->local.messages().empty());
    auto before = timeline.simulationAt(at - 1);
    scenario::Simulation replayed(timeline.scenario());
    while (replayed.stepNumber() < at - 1 && timeline.advance(replayed)) {}
    EXPECT_EQ(observable(*before), observable(replayed));
    timeline.clearInterventions();
    EXPECT_EQ(timeline.totalSteps(), total);
}

} // namespace
} // namespace maillab::test
