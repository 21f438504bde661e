// The scene panel's model, headless: per lesson and step, what it says is where (envelopes, devices' stores,
// the padlock, what is in flight) is checked against the store, the device stores and the sessions.
#include "diagram_panels.hpp"
#include "gui_harness.hpp"
#include "imap/imap_session.hpp"
#include "mailbox_panel.hpp"
#include "scene_model.hpp"
#include "scene_panel.hpp"
#include "test_support.hpp"
#include "wire/clock_text.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <map>

namespace maillab::test {
namespace {

using gui::scene::Flight;
using Extent = wire::Effect::Extent;

scenario::Scenario lessonFile(const std::string& name)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / name);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) ADD_FAILURE() << error->message;
    return std::get<scenario::Scenario>(std::move(loaded));
}

gui::scene::Scene sceneOf(const scenario::Simulation& sim)
{
    gui::scene::SceneInput in;
    in.store = &sim.store();
    in.transcript = &sim.transcript();
    for (const auto& device : sim.devices()) {
        in.devices.push_back(device.get());
        if (device->session)
            in.sessions.push_back({device->sessionId, device->spec.name, device->session.get()});
    }
    in.checkpoints = &sim.checkpointResults();
    in.nowMs = sim.clock().nowMs();
    return gui::scene::buildScene(in);
}

// Plays a lesson and calls check after every step; stops early when check returns true.
void play(const std::string& lesson,
          const std::function<bool(const scenario::Simulation&, const gui::scene::Scene&)>& check)
{
    scenario::Simulation sim(lessonFile(lesson));
    while (sim.step())
        if (check(sim, sceneOf(sim))) return;
}

const scenario::Device* deviceNamed(const scenario::Simulation& sim, const std::string& name)
{
    for (const auto& device : sim.devices())
        if (device->spec.name == name) return device.get();
    return nullptr;
}

bool hasFlight(const gui::scene::Scene& scene, Flight::Kind kind, Extent extent)
{
    for (const Flight& f : scene.flights)
        if (f.kind == kind && f.extent == extent) return true;
    return false;
}

// Every shipped lesson's file name.
std::vector<std::string> shippedLessons()
{
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(sourceDir() / "lessons"))
        if (entry.path().extension() == ".json" && entry.path().stem() != "lesson.schema")
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

TEST(SceneModel, AgreesWithTheStoresAtEveryStepOfEveryLesson)
{
    size_t lessons = 0, steps = 0;
    for (const std::string& lesson : shippedLessons()) {
        ++lessons;
        play(lesson, [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
            ++steps;
            const std::string where = lesson + " step " + std::to_string(sim.stepNumber());
            for (const std::string& user : sim.store().users()) {
                const store::Account& account = *sim.store().account(user);
                const gui::scene::Account* shown = scene.account(user);
                EXPECT_NE(shown, nullptr) << where;
                if (!shown) continue;
                const store::Mailbox& inbox = account.mailboxes.at("INBOX");
                const gui::scene::Tray* tray = scene.tray(user, "INBOX");
                EXPECT_NE(tray, nullptr) << where;
                if (!tray) continue;
                EXPECT_EQ(tray->count, inbox.messages.size()) << where;
                for (size_t i = 0; i < tray->envelopes.size(); ++i) {
                    EXPECT_EQ(tray->envelopes[i].uid, inbox.messages[i].uid) << where;
                    // The stickers are the stored flags (RFC 3501 section 2.3.2).
                    EXPECT_EQ(tray->envelopes[i].flags, inbox.messages[i].flags) << where;
                }
                std::string holder;
                for (const auto& device : sim.devices())
                    if (account.pop3LockHolder && device->sessionId == account.pop3LockHolder &&
                        device->session)
                        holder = device->spec.name;
                EXPECT_EQ(shown->lockHolder, holder) << where;
                for (const auto& [name, mailbox] : account.mailboxes)
                    if (const gui::scene::Tray* t = scene.tray(user, name)) {
                        EXPECT_EQ(t->count, mailbox.messages.size()) << where;
                    } else {
                        EXPECT_TRUE(mailbox.messages.empty())
                            << where << ": " << name << " holds mail, not shown";
                    }
            }
            for (const auto& device : sim.devices()) {
                const gui::scene::DeviceView* view = scene.device(device->spec.name);
                EXPECT_NE(view, nullptr) << where;
                if (!view) continue;
                EXPECT_EQ(view->localCount, device->local.messages().size()) << where;
                EXPECT_EQ(view->lost, device->lost) << where;
                EXPECT_EQ(view->connected, device->session != nullptr) << where;
                if (view->lost) { EXPECT_EQ(view->localCount, 0u) << where; }
            }
            return false;
        });
    }
    EXPECT_GT(lessons, 10u);
    EXPECT_GT(steps, 300u);
}

// A student trusts every envelope a device shows: at every exchange of every lesson, once the step's flights
// have landed the device holds what the Devices panel lists, and while they travel it holds what it held
// before the step (each copy is drawn once: on the wire, then on the device). Keep mode included, where one
// RETR follows another with nothing in between.
TEST(SceneModel, DevicesShowTheirOwnCopyAtEveryExchangeOfEveryLesson)
{
    size_t checked = 0;
    for (const std::string& lesson : shippedLessons()) {
        std::map<std::string, std::vector<int>> before; // device -> the local ids it held after the last step
        play(lesson, [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
            for (const auto& device : sim.devices()) {
                const std::string where =
                    lesson + " exchange " + std::to_string(sim.stepNumber()) + " " + device->spec.name;
                std::vector<int> now;
                for (const store::LocalMessage& m : device->local.messages())
                    now.push_back(m.localId);
                const gui::scene::DeviceView* view = scene.device(device->spec.name);
                EXPECT_NE(view, nullptr) << where;
                if (view) {
                    EXPECT_EQ(view->shownCount(true), now.size()) << where << ": landed";
                    // Only when the step added copies and removed none is "before" a count to compare with.
                    const std::vector<int>& was = before[device->spec.name];
                    if (now.size() >= was.size() && std::equal(was.begin(), was.end(), now.begin())) {
                        EXPECT_EQ(view->shownCount(false), was.size()) << where << ": in flight";
                    }
                    ++checked;
                }
                before[device->spec.name] = std::move(now);
            }
            return false;
        });
    }
    EXPECT_GT(checked, 500u);
}

// Delete mode (RFC 1939 sections 5 and 6): RETR sends whole envelopes, DELE strikes the server's copy, QUIT
// removes it.
TEST(SceneModel, DeleteModeSendsWholeEnvelopesStrikesThemAndEmptiesTheTrayAtQuit)
{
    bool sawRetr = false, sawStruck = false, sawRemoval = false;
    play("14-pop3-delete-mode.json", [&](const scenario::Simulation&, const gui::scene::Scene& scene) {
        const gui::scene::Tray* inbox = scene.tray("alice", "INBOX");
        if (hasFlight(scene, Flight::Kind::Download, Extent::Whole)) {
            sawRetr = true;
            EXPECT_EQ(scene.flights.front().device, "laptop");
            EXPECT_EQ(scene.account("alice")->lockHolder, "laptop");
            EXPECT_EQ(scene.actor, "laptop");
            EXPECT_TRUE(scene.device("laptop")->acting);
            // The copy this RETR made is the one on its way: shown on the laptop once it lands.
            EXPECT_EQ(scene.device("laptop")->arrivingCount, 1u);
            EXPECT_TRUE(scene.device("laptop")->local.back().arrivingNow);
        }
        for (const gui::scene::Envelope& e : inbox->envelopes)
            if (e.markedBy == "laptop") sawStruck = true;
        if (!scene.removed.empty() && !sawRemoval) {
            sawRemoval = true;
            EXPECT_EQ(scene.removed.size(), 3u);
            EXPECT_EQ(inbox->count, 0u);
            EXPECT_TRUE(scene.account("alice")->lockHolder.empty()) << "QUIT releases the lock";
            EXPECT_EQ(scene.device("laptop")->localCount, 3u);
        }
        return false;
    });
    EXPECT_TRUE(sawRetr);
    EXPECT_TRUE(sawStruck);
    EXPECT_TRUE(sawRemoval);
}

TEST(SceneModel, KeepModeLeavesTheServersCopy)
{
    bool sawRetr = false;
    play("15-pop3-keep-mode.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        if (!hasFlight(scene, Flight::Kind::Download, Extent::Whole)) return false;
        sawRetr = true;
        EXPECT_EQ(scene.tray("alice", "INBOX")->count,
                  sim.store().mailbox("alice", "INBOX")->messages.size());
        EXPECT_GT(scene.tray("alice", "INBOX")->count, 0u);
        return false;
    });
    EXPECT_TRUE(sawRetr);
    // At the end the server still holds every message the laptop downloaded.
    scenario::Simulation sim(lessonFile("15-pop3-keep-mode.json"));
    sim.run();
    const gui::scene::Scene scene = sceneOf(sim);
    EXPECT_TRUE(scene.removed.empty());
    EXPECT_GE(scene.tray("alice", "INBOX")->count, scene.device("laptop")->localCount);
}

// IMAP fetches headers first (postcards), then one part when a message is opened (RFC 3501 section 6.4.5).
TEST(SceneModel, ImapSendsPostcardsFirstThenOnePart)
{
    bool headers = false, part = false;
    play("11-headers-before-bodies.json", [&](const scenario::Simulation&, const gui::scene::Scene& scene) {
        headers = headers || hasFlight(scene, Flight::Kind::Download, Extent::Headers);
        if (hasFlight(scene, Flight::Kind::Download, Extent::Part)) {
            part = true;
            for (const Flight& f : scene.flights)
                if (f.extent == Extent::Part) { EXPECT_FALSE(f.part.empty()); }
        }
        return false;
    });
    EXPECT_TRUE(headers);
    EXPECT_TRUE(part);
}

// IMAP MOVE (RFC 6851): the envelope travels from one tray to the other on the server, and the flag sticker
// comes from the stored \Flagged (RFC 3501 section 2.3.2).
TEST(SceneModel, ImapMovesEnvelopesBetweenTraysAndFlagsBecomeStickers)
{
    bool moved = false, flagged = false;
    play("05-organise-on-server.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        for (const gui::scene::Account& account : scene.accounts)
            for (const gui::scene::Tray& tray : account.trays)
                for (const gui::scene::Envelope& e : tray.envelopes)
                    flagged = flagged || (e.flags & store::kFlagged);
        for (const Flight& f : scene.flights) {
            if (f.kind != Flight::Kind::Move) continue;
            moved = true;
            EXPECT_NE(f.mailbox, f.target);
            const store::Mailbox* target = sim.store().mailbox(f.user, f.target);
            EXPECT_TRUE(target && target->find(f.uid)) << "the moved envelope is in its new tray";
            const gui::scene::Tray* tray = scene.tray(f.user, f.target);
            EXPECT_NE(tray, nullptr) << "the tray it moved to is shown";
            bool there = false;
            for (const gui::scene::Envelope& e : tray ? tray->envelopes : std::vector<gui::scene::Envelope>{})
                there = there || (e.uid == f.uid && e.changedNow);
            EXPECT_TRUE(there);
            bool removed = false;
            for (const gui::scene::Removal& r : scene.removed)
                removed = removed || (r.mailbox == f.mailbox);
            EXPECT_TRUE(removed) << "MOVE expunges the original";
        }
        return false;
    });
    EXPECT_TRUE(moved);
    EXPECT_TRUE(flagged);
}

// RFC 1939 section 4: while one POP3 session holds the maildrop, a second device's login bounces off it.
TEST(SceneModel, ASecondPop3LoginBouncesOffThePadlock)
{
    bool bounced = false;
    play("03-one-device-at-a-time.json", [&](const scenario::Simulation&, const gui::scene::Scene& scene) {
        for (const gui::scene::DeviceView& d : scene.devices)
            if (d.bouncedOffLock) {
                bounced = true;
                const gui::scene::Account* account = scene.account(d.user);
                EXPECT_FALSE(account->lockHolder.empty());
                EXPECT_NE(account->lockHolder, d.name);
                EXPECT_TRUE(d.bounced);
            }
        return bounced;
    });
    EXPECT_TRUE(bounced);
}

TEST(SceneModel, ALostDeviceIsGreyedAndHoldsNothing)
{
    bool lost = false;
    play("09-lost-laptop.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        const gui::scene::DeviceView* laptop = scene.device("imap-laptop");
        if (!laptop || !laptop->lost) return false;
        lost = true;
        EXPECT_EQ(laptop->localCount, 0u);
        EXPECT_FALSE(laptop->connected);
        EXPECT_TRUE(deviceNamed(sim, "imap-laptop")->local.messages().empty());
        const gui::scene::DeviceView* other = scene.device("new-imap-laptop");
        EXPECT_TRUE(other && !other->lost) << "only the lost device is greyed";
        return true;
    });
    EXPECT_TRUE(lost);
}

// With TLS the connection is a sealed tube: an eavesdropper hears only records; without it, the words.
TEST(SceneModel, TlsSealsTheConnectionAndTheEavesdropperHearsOnlyRecords)
{
    bool sealedDownload = false, plainWords = false;
    play("02-ports-and-tls.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        for (const Flight& f : scene.flights)
            if (f.kind == Flight::Kind::Download && f.encrypted) {
                sealedDownload = true;
                EXPECT_TRUE(scene.device(f.device)->sealed);
                EXPECT_NE(deviceNamed(sim, f.device)->spec.security, wire::Security::Plain);
            }
        for (const gui::scene::Overheard& o : scene.overheard) {
            const scenario::Device* device = deviceNamed(sim, o.device);
            if (!device) continue;
            if (o.encrypted) { EXPECT_NE(device->spec.security, wire::Security::Plain) << o.device; }
            if (!o.encrypted && device->spec.security == wire::Security::Plain) plainWords = true;
        }
        return false;
    });
    EXPECT_TRUE(sealedDownload);
    EXPECT_TRUE(plainWords);
}

TEST(SceneModel, CheckpointsBecomeBadges)
{
    scenario::Simulation sim(lessonFile("14-pop3-delete-mode.json"));
    sim.run();
    const gui::scene::Scene scene = sceneOf(sim);
    ASSERT_EQ(scene.checkpoints.size(), sim.checkpointResults().size());
    ASSERT_FALSE(scene.checkpoints.empty());
    EXPECT_TRUE(scene.checkpoints.front().passed);
    EXPECT_EQ(scene.checkpoints.front().description, sim.checkpointResults().front().description);
}

// A 10,000-message INBOX is a count and a few envelopes, not 10,000 of them.
TEST(SceneModel, ABigTrayKeepsOnlyItsFirstEnvelopes)
{
    store::Store store;
    store.addAccount("alice", "wonderland");
    for (int i = 0; i < 10000; ++i)
        store.deliver("alice", "INBOX", "Subject: " + std::to_string(i) + "\r\n\r\nx\r\n",
                      mail::DateTime{0, 0});
    gui::scene::SceneInput in;
    in.store = &store;
    const gui::scene::Scene scene = gui::scene::buildScene(in);
    EXPECT_EQ(scene.tray("alice", "INBOX")->count, 10000u);
    EXPECT_EQ(scene.tray("alice", "INBOX")->envelopes.size(), in.maxEnvelopes);
}

// IDLE (RFC 2177): the badge is the session's own state, at every exchange, not the lesson's words.
TEST(SceneModel, IdleIsTheSessionsState)
{
    scenario::Simulation sim(lessonFile("17-imap-two-devices.json"));
    size_t idleExchanges = 0;
    while (sim.step()) {
        const gui::scene::Scene scene = sceneOf(sim);
        for (const auto& device : sim.devices()) {
            const auto* imap = dynamic_cast<const imap::ImapSession*>(device->session.get());
            const bool idling = imap && imap->idling();
            EXPECT_EQ(scene.device(device->spec.name)->idle, idling)
                << device->spec.name << " exchange " << sim.stepNumber();
            idleExchanges += idling ? 1 : 0;
        }
    }
    EXPECT_GT(idleExchanges, 3u) << "the laptop idles while the phone acts";
}

// Lesson 08: after "8 day(s) pass" the server is on day 9, as the transcript's clock says; the keep-mode
// laptop's delay is its setting from the start.
TEST(SceneModel, DaysPassOnTheServerAndTheKeepDelayIsShown)
{
    scenario::Simulation sim(lessonFile("08-pop3-delete-vs-keep.json"));
    EXPECT_EQ(sceneOf(sim).day, 1);
    EXPECT_EQ(sceneOf(sim).device("laptop")->removeAfterDays, 7);
    EXPECT_EQ(sceneOf(sim).device("phone")->removeAfterDays, 0) << "delete mode has no delay";
    int64_t lastDay = 1;
    while (sim.step()) {
        const int64_t day = sceneOf(sim).day;
        EXPECT_GE(day, lastDay);
        lastDay = day;
        const std::string clock = wire::clockText(sim.clock().nowMs());
        EXPECT_EQ(clock.substr(0, clock.find(' ', 4)), "day " + std::to_string(day));
    }
    EXPECT_EQ(lastDay, 9);
    gui::scene::SceneInput live; // no clock: no day
    store::Store store;
    live.store = &store;
    EXPECT_EQ(gui::scene::buildScene(live).day, 0);
}

// A device's copies show its own state, not the server's: read on the device, and the IMAP flags it last
// heard (RFC 3501 section 7.4.2: a FETCH response tells a client of a flag another session changed).
TEST(SceneModel, DeviceCopiesShowTheirOwnReadAndFlaggedState)
{
    size_t checked = 0;
    for (const std::string& lesson : shippedLessons())
        play(lesson, [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
            for (const auto& device : sim.devices()) {
                const gui::scene::DeviceView* view = scene.device(device->spec.name);
                const auto& messages = device->local.messages();
                for (size_t i = 0; i < view->local.size(); ++i, ++checked) {
                    const uint8_t flags = view->local[i].flags;
                    EXPECT_EQ((flags & store::kSeen) != 0, messages[i].seen)
                        << lesson << " " << device->spec.name;
                    EXPECT_EQ((flags & store::kFlagged) != 0,
                              messages[i].flags.find("\\Flagged") != std::string::npos)
                        << lesson << " " << device->spec.name;
                }
            }
            return false;
        });
    EXPECT_GT(checked, 1000u);
}

// The copy of message `uid` on `device` as the scene shows it, and the server's envelope of it in INBOX.
struct CopyAndOriginal {
    const gui::scene::LocalItem* copy = nullptr;
    const gui::scene::Envelope* original = nullptr;
};

CopyAndOriginal copyAndOriginal(const scenario::Simulation& sim, const gui::scene::Scene& scene,
                                const std::string& device, const std::string& user, uint32_t uid)
{
    CopyAndOriginal found;
    const auto& messages = deviceNamed(sim, device)->local.messages();
    const gui::scene::DeviceView* view = scene.device(device);
    for (size_t i = 0; i < view->local.size(); ++i)
        if (messages[i].folder == "INBOX" && messages[i].serverId.ends_with(":" + std::to_string(uid)))
            found.copy = &view->local[i];
    if (const gui::scene::Tray* inbox = scene.tray(user, "INBOX"))
        for (const gui::scene::Envelope& e : inbox->envelopes)
            if (e.uid == uid) found.original = &e;
    return found;
}

// Lesson 10: the phone flags message 3; the server's envelope has the flag at once, the laptop's copy only
// once the laptop's next command brings the news ("the flag reached the laptop").
TEST(SceneModel, TheFlagReachesTheLaptopsCopyAfterTheServers)
{
    bool serverAhead = false, caughtUp = false;
    play("10-changes-in-sync.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        const CopyAndOriginal m = copyAndOriginal(sim, scene, "laptop", "alice", 3);
        if (!m.copy || !m.original) return false;
        const bool onServer = m.original->flags & store::kFlagged, onLaptop = m.copy->flags & store::kFlagged;
        serverAhead |= onServer && !onLaptop;
        caughtUp |= serverAhead && onLaptop;
        return caughtUp;
    });
    EXPECT_TRUE(serverAhead);
    EXPECT_TRUE(caughtUp);
}

// Lesson 17: the laptop waits in IDLE (RFC 2177) while the phone reads message 2; the laptop's copy turns
// read in the very step the phone's STORE makes the server's envelope read, and not before.
TEST(SceneModel, SeenReachesTheIdleLaptopsCopyInTheSameStep)
{
    bool unreadBefore = false, readWithTheServer = false;
    play("17-imap-two-devices.json", [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
        const CopyAndOriginal m = copyAndOriginal(sim, scene, "laptop", "alice", 2);
        if (!m.copy || !m.original) return false;
        const bool onServer = m.original->flags & store::kSeen, onLaptop = m.copy->flags & store::kSeen;
        if (!onLaptop) unreadBefore = true;
        if (onServer && onLaptop) {
            readWithTheServer = unreadBefore && scene.actor == "phone";
            return true;
        }
        EXPECT_FALSE(onLaptop) << "the laptop's copy read before the server's, step " << sim.stepNumber();
        return false;
    });
    EXPECT_TRUE(unreadBefore);
    EXPECT_TRUE(readWithTheServer);
}

// A delivery or days passing is the server's step alone: no device is lit for it, the server is.
TEST(SceneModel, TheServerActsAloneWhenMailArrivesOrTimePasses)
{
    size_t serverSteps = 0;
    for (const std::string& lesson : shippedLessons())
        play(lesson, [&](const scenario::Simulation& sim, const gui::scene::Scene& scene) {
            const size_t action = sim.actionOfStep(sim.stepNumber());
            if (action >= sim.scenario().actions.size()) return false;
            const scenario::ActionKind kind = sim.scenario().actions[action].kind;
            if (kind != scenario::ActionKind::Deliver && kind != scenario::ActionKind::Wait) return false;
            ++serverSteps;
            EXPECT_EQ(scene.actor, "") << lesson << " step " << sim.stepNumber();
            EXPECT_TRUE(scene.serverActing) << lesson << " step " << sim.stepNumber();
            for (const gui::scene::DeviceView& d : scene.devices)
                EXPECT_FALSE(d.acting) << lesson << " " << d.name;
            return false;
        });
    EXPECT_GT(serverSteps, 10u);
}

// Focus follows the action: after a step by bob's laptop the mailboxes panel shows bob's folder and Session
// state puts bob's session first.
TEST(SceneFocus, PanelsTurnToTheDeviceActingNow)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / "13-pop3-interrupted-and-restored.json";
    GuiHarness gui(options);
    gui.dashboard().panel("scene")->open = true; // every panel at once
    gui::LessonPlayer& player = gui.dashboard().player();
    bool reached = false;
    while (player.step()) {
        const scenario::Simulation& sim = *player.simulation();
        const scenario::Device* bob = deviceNamed(sim, "bob-laptop");
        if (gui::scene::actorOf(sim.transcript()) == "bob-laptop" && bob->session) {
            reached = true;
            break;
        }
    }
    ASSERT_TRUE(reached);
    gui.frame();
    gui.frame();
    EXPECT_EQ(gui.dashboard().context().actor, "bob-laptop");
    auto& mailboxes = dynamic_cast<gui::MailboxPanel&>(*gui.dashboard().panel("mailboxes"));
    EXPECT_EQ(mailboxes.selectedUser(), "bob");
    EXPECT_EQ(mailboxes.selectedMailbox(), "INBOX");
    const auto* sessions = gui::stateInfo(*gui.dashboard().panel("state"));
    ASSERT_NE(sessions, nullptr);
    ASSERT_FALSE(sessions->empty());
    EXPECT_EQ(sessions->front().device, "bob-laptop");
    const gui::scene::Scene* scene = gui::sceneOf(*gui.dashboard().panel("scene"));
    ASSERT_NE(scene, nullptr);
    ASSERT_NE(scene->device("bob-laptop"), nullptr);
    EXPECT_TRUE(scene->device("bob-laptop")->acting);
    // A folder the user clicks stays shown until the next step turns the panel again.
    mailboxes.select("alice", "INBOX");
    gui.frame();
    EXPECT_EQ(mailboxes.selectedUser(), "alice");
    player.step();
    gui.frame();
    const std::string actor = gui.dashboard().context().actor;
    const scenario::Device* acting = player.simulation()->device(actor);
    if (acting) { EXPECT_EQ(mailboxes.selectedUser(), acting->spec.user); }
}

TEST(SceneLayouts, EachLayoutOpensItsPanels)
{
    for (auto [layout, open] : std::vector<std::pair<gui::Layout, std::vector<std::string>>>{
             {gui::Layout::Student, {"scene", "lesson", "transcript", "events"}},
             {gui::Layout::Presenter, {"scene", "lesson"}},
             {gui::Layout::Analyst,
              {"lesson", "transcript", "mailboxes", "devices", "sequence", "state", "breakpoints"}}}) {
        gui::DashboardOptions options;
        options.lesson = sourceDir() / "lessons" / "14-pop3-delete-mode.json";
        options.layout = layout;
        GuiHarness gui(options);
        gui.frame();
        std::vector<std::string> shown;
        for (const auto& panel : gui.dashboard().panels())
            if (panel->open) shown.push_back(panel->id());
        std::sort(shown.begin(), shown.end());
        std::sort(open.begin(), open.end());
        EXPECT_EQ(shown, open) << gui::layoutName(layout);
        EXPECT_EQ(gui.dashboard().presenter(), layout == gui::Layout::Presenter);
    }
}

// What a step sent travels for most of one step at the run speed, counted in the frames' own time.
TEST(SceneAnimation, FlightsLandWithinOneStepAtTheRunSpeed)
{
    for (float speed : {1.0f, 2.0f}) {
        gui::DashboardOptions options;
        options.lesson = sourceDir() / "lessons" / "14-pop3-delete-mode.json";
        options.layout = gui::Layout::Student;
        GuiHarness gui(options);
        gui::LessonPlayer& player = gui.dashboard().player();
        player.stepsPerSecond = speed;
        auto& scene = dynamic_cast<gui::ScenePanel&>(*gui.dashboard().panel("scene"));
        gui.frame();
        while (scene.lastScene().flights.empty()) {
            ASSERT_TRUE(player.step());
            gui.frame(0.001);
        }
        EXPECT_LT(scene.progress(), 0.05f) << "the flight starts at the server";
        gui.frame(0.2);
        // 0.8 of a step: 0.8 s at one step a second, 0.4 s at two.
        EXPECT_NEAR(scene.progress(), (0.2f + 0.001f) * speed / 0.8f, 0.02f) << speed;
        gui.frame(1.0 / speed);
        EXPECT_GE(scene.progress(), 1.0f) << "landed before the next step at this speed";
    }
}

// A layout given on the command line wins over the one saved in imgui.ini; without one the saved one is back.
TEST(SceneLayouts, CommandLineLayoutWinsOverTheSavedOne)
{
    for (bool given : {false, true}) {
        gui::DashboardOptions options;
        options.layout = gui::Layout::Student;
        options.layoutGiven = given;
        GuiHarness gui(options);
        gui.dashboard().registerSettings();
        ImGui::LoadIniSettingsFromMemory("[Maillab][Settings]\nTheme=dark\nLayout=analyst\n\n");
        gui.frame();
        EXPECT_EQ(gui.dashboard().layout(), given ? gui::Layout::Student : gui::Layout::Analyst) << given;
        EXPECT_EQ(gui.dashboard().panel("breakpoints")->open, !given);
    }
}

TEST(SceneLayouts, PresenterKeyReturnsToTheLayoutBefore)
{
    gui::DashboardOptions options;
    options.layout = gui::Layout::Student;
    GuiHarness gui(options);
    gui.dashboard().setPresenter(true);
    EXPECT_EQ(gui.dashboard().layout(), gui::Layout::Presenter);
    gui.dashboard().setPresenter(false);
    EXPECT_EQ(gui.dashboard().layout(), gui::Layout::Student);
    EXPECT_EQ(gui::layoutFromName("analyst"), gui::Layout::Analyst);
    EXPECT_FALSE(gui::layoutFromName("teacher").has_value());
}

} // namespace
} // namespace maillab::test
