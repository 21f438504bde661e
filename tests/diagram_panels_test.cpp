// The compare, sequence-diagram and session-state panels driven headless: real frames, synthetic clicks,
// assertions on what they changed and drew (gui/dashboard/diagram_panels.hpp).
#include "diagram_panels.hpp"
#include "gui_harness.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <gtest/gtest.h>
#include <imgui_internal.h>
#include <iostream>

namespace maillab::test {
namespace {

using Entry = wire::TranscriptEntry;

gui::DashboardOptions lesson(const std::string& name, const std::string& onlyPanel = {})
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / name;
    options.onlyPanel = onlyPanel;
    return options;
}

size_t countKind(const wire::Transcript& t, Entry::Kind kind)
{
    size_t n = 0;
    for (const Entry& e : t.entries())
        n += e.kind == kind;
    return n;
}

// [SECTION] compare

TEST(ComparePanel, StepAllLanesRunAndResetDriveTheComparison)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json", "compare"));
    gui::Panel* panel = gui.dashboard().panel("compare");
    ASSERT_NE(panel, nullptr);
    scenario::Comparison* comparison = gui::comparisonOf(*panel);
    ASSERT_NE(comparison, nullptr);
    EXPECT_EQ(comparison->actionIndex(), 0u);

    ASSERT_TRUE(gui.click("Compare step"));
    EXPECT_EQ(comparison->actionIndex(), 1u);
    for (const auto& lane : comparison->lanes())
        EXPECT_EQ(lane->samples().size(), 2u) << lane->spec().label;
    // The first action is the laptop's first check: every lane talked to its server.
    for (const auto& lane : comparison->lanes())
        EXPECT_GT(lane->latest().bytesToClient, 0u) << lane->spec().label;

    ASSERT_TRUE(gui.click("Compare run"));
    for (int i = 0; i < 20 && !comparison->finished(); ++i)
        gui.frame(1.0); // one action a second
    EXPECT_TRUE(comparison->finished());
    gui.frame();
    EXPECT_EQ(comparison->lanes()[0]->samples().size(), comparison->actionCount() + 1);

    ASSERT_TRUE(gui.click("Compare reset"));
    EXPECT_EQ(comparison->actionIndex(), 0u);
    EXPECT_EQ(comparison->lanes()[0]->samples().size(), 1u);
}

TEST(ComparePanel, ChoosingTheLostLaptopShowsPop3DeleteLosingTheMail)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json", "compare"));
    gui::Panel* panel = gui.dashboard().panel("compare");
    ASSERT_TRUE(gui.click("Compare chooser"));
    gui.frame(); // a popup's first frame only measures it: its items are in place from the next one
    ASSERT_TRUE(gui.click("Comparison lost-laptop"));
    scenario::Comparison* comparison = gui::comparisonOf(*panel);
    ASSERT_EQ(comparison->base().title, "The laptop is lost after checking");
    while (!comparison->finished())
        ASSERT_TRUE(gui.click("Compare step"));
    // POP3 delete | POP3 keep | IMAP: the new laptop got nothing, everything, everything (RFC 1939 section
    // 6).
    EXPECT_EQ(comparison->lanes()[0]->latest().serverMessages, 0);
    EXPECT_EQ(comparison->lanes()[0]->latest().deviceMessages[1], 0);
    EXPECT_EQ(comparison->lanes()[1]->latest().deviceMessages[1], 3);
    EXPECT_EQ(comparison->lanes()[2]->latest().deviceMessages[1], 3);
    // The Step button is disabled at the end: a click changes nothing.
    EXPECT_TRUE(gui.click("Compare step"));
    EXPECT_EQ(comparison->actionIndex(), comparison->actionCount());
}

// [SECTION] sequence diagram

TEST(SequencePanel, TwoDevicesGetALifelineEachAndAnArrowPerExchange)
{
    GuiHarness gui(lesson("17-imap-two-devices.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    const gui::SequenceDiagramInfo* info = gui::sequenceInfo(*gui.dashboard().panel("sequence"));
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->rows, 0u);
    for (int i = 0; i < 15; ++i)
        ASSERT_TRUE(gui.click("Next exchange"));
    ASSERT_EQ(player.stepNumber(), 15);
    gui.frame();
    const wire::Transcript& t = player.simulation()->transcript();
    EXPECT_EQ(info->arrows, countKind(t, Entry::Kind::Data));
    EXPECT_EQ(info->notes, countKind(t, Entry::Kind::Note));
    EXPECT_EQ(info->rows, t.size()); // every entry of a lesson is a row: arrow, connection mark or note
    EXPECT_EQ(info->sessions, 2u);
    EXPECT_EQ(info->lifelines, (std::vector<std::string>{"laptop #1", "phone #2", "server"}));
    // The panel is smaller than the diagram: only the visible rows are drawn, and they are the newest.
    EXPECT_LT(info->drawnRows, info->rows);
    EXPECT_GT(info->drawnRows, 3u);
    EXPECT_TRUE(info->following);
    EXPECT_EQ(info->firstDrawn + info->drawnRows, info->rows);

    // Back moves to another simulation (kept at the start of the lesson step): the diagram is rebuilt from
    // it.
    ASSERT_TRUE(gui.click("Back"));
    gui.frame();
    EXPECT_EQ(info->rows, player.simulation()->transcript().size());
    EXPECT_EQ(info->arrows, countKind(player.simulation()->transcript(), Entry::Kind::Data));
}

TEST(SequencePanel, AClosedSessionEndsItsLifelineAndTheDeviceReconnectsInTheSameLane)
{
    GuiHarness gui(lesson("15-pop3-keep-mode.json", "sequence"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (player.step()) {}
    gui.frame();
    const gui::SequenceDiagramInfo* info = gui::sequenceInfo(*gui.dashboard().panel("sequence"));
    const wire::Transcript& t = player.simulation()->transcript();
    ASSERT_GE(countKind(t, Entry::Kind::Connected), 2u) << "keep mode checks twice";
    EXPECT_EQ(info->sessions, 0u) << "every session has closed";
    // One device, one lane: its sessions follow each other down it.
    EXPECT_EQ(info->lifelines.size(), 2u);
    EXPECT_TRUE(info->lifelines[0].starts_with("laptop #")) << info->lifelines[0];
}

// A long-running server: 100,000 entries from 2,000 connections, one after another. Indexing happens once;
// each later frame draws only the visible rows, and new entries are indexed as they come.
TEST(SequencePanel, StaysFastWithAHundredThousandEntries)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json", "sequence"));
    store::Store store;
    wire::Transcript transcript;
    int64_t time = wire::VirtualClock::kDefaultStartMs;
    auto record = [&](Entry::Kind kind, int session, wire::Direction direction, std::string bytes) {
        transcript.record({kind, session, "client " + std::to_string(session % 37), wire::Protocol::Pop3,
                           direction, time += 5, std::move(bytes), 0, 110});
    };
    auto connection = [&](int session) {
        record(Entry::Kind::Connected, session, wire::Direction::ClientToServer, "connects");
        for (int i = 0; i < 24; ++i) {
            record(Entry::Kind::Data, session, wire::Direction::ClientToServer, "NOOP\r\n");
            record(Entry::Kind::Data, session, wire::Direction::ServerToClient, "+OK\r\n");
        }
        record(Entry::Kind::Closed, session, wire::Direction::ClientToServer, "closes");
    };
    int session = 1;
    while (transcript.size() < 100000)
        connection(session++);
    gui.dashboard().watchServer(store, transcript, nullptr);
    gui.dashboard().panel("live")->open = false;

    using Clock = std::chrono::steady_clock;
    auto first = Clock::now();
    gui.frame(); // indexes everything once
    const double indexMs = std::chrono::duration<double, std::milli>(Clock::now() - first).count();
    const gui::SequenceDiagramInfo* info = gui::sequenceInfo(*gui.dashboard().panel("sequence"));
    EXPECT_EQ(info->rows, transcript.size());
    EXPECT_LE(info->lifelines.size(), 9u) << "at most 8 lanes and the server";

    auto start = Clock::now();
    constexpr int kFrames = 20;
    for (int i = 0; i < kFrames; ++i) {
        connection(session++); // 50 new entries a frame
        gui.frame();
    }
    const double frameMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / kFrames;
    EXPECT_EQ(info->rows, transcript.size());
    EXPECT_LT(info->drawnRows, 100u);
    EXPECT_TRUE(info->following);
    EXPECT_EQ(info->firstDrawn + info->drawnRows, info->rows);
    // Generous bounds (sanitizer builds, a shared machine); a frame that walked the whole transcript would
    // still pass the first but not the second's ratio.
    EXPECT_LT(frameMs, 50.0) << "index " << indexMs << " ms";
    EXPECT_LT(frameMs, indexMs) << "a frame must not cost as much as indexing everything";
    std::cout << "[ sequence ] 100k entries: first frame " << indexMs << " ms, then " << frameMs
              << " ms a frame\n";

    // The server forgets its oldest entries: so does the diagram.
    transcript.setByteLimit(20000);
    connection(session++);
    gui.frame();
    EXPECT_LT(transcript.size(), 100000u);
    EXPECT_EQ(info->rows, transcript.size());
}

// Scrolled up, the view stays where the student put it while new exchanges arrive; "newest" follows again.
// TLS records (what an eavesdropper sees) are thin arrows of their own.
TEST(SequencePanel, ScrolledUpItStaysThereUntilAskedToFollowAgain)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json", "sequence"));
    store::Store store;
    wire::Transcript transcript;
    auto record = [&](Entry::Kind kind, wire::Direction direction, std::string bytes) {
        transcript.record({kind, 1, "laptop", wire::Protocol::Pop3, direction,
                           wire::VirtualClock::kDefaultStartMs, std::move(bytes), 0, 995});
    };
    record(Entry::Kind::Connected, wire::Direction::ClientToServer, "laptop connects");
    for (int i = 0; i < 300; ++i) {
        record(Entry::Kind::TlsRecord, wire::Direction::ClientToServer, std::string(29, 'x'));
        record(Entry::Kind::Data, wire::Direction::ClientToServer, "NOOP\r\n");
        record(Entry::Kind::TlsRecord, wire::Direction::ServerToClient, std::string(27, 'y'));
        record(Entry::Kind::Data, wire::Direction::ServerToClient, "+OK\r\n");
    }
    gui.dashboard().watchServer(store, transcript, nullptr);
    gui.dashboard().panel("live")->open = false; // watching a server opens it, over the whole screen here
    gui.frame();
    const gui::SequenceDiagramInfo* info = gui::sequenceInfo(*gui.dashboard().panel("sequence"));
    EXPECT_EQ(info->tlsArrows, 600u);
    EXPECT_EQ(info->arrows, 600u);
    EXPECT_TRUE(info->following);
    EXPECT_EQ(info->firstDrawn + info->drawnRows, info->rows);

    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(800, 450);
    io.MouseWheel = 10.0f; // up
    gui.frame();
    io.MouseWheel = 0.0f;
    gui.frame();
    EXPECT_FALSE(info->following);
    const size_t firstBefore = info->firstDrawn;
    EXPECT_LT(firstBefore + info->drawnRows, info->rows);
    record(Entry::Kind::Data, wire::Direction::ClientToServer, "QUIT\r\n");
    gui.frame();
    EXPECT_EQ(info->firstDrawn, firstBefore) << "new rows do not pull the view down";
    EXPECT_EQ(info->rows, 1202u);

    ASSERT_TRUE(gui.click("Sequence newest"));
    gui.frame();
    EXPECT_TRUE(info->following);
    EXPECT_EQ(info->firstDrawn + info->drawnRows, info->rows);
}

// Every tooltip (rows, state boxes, command names, plot points) is drawn somewhere under a sweep of the mouse
// over each panel; the frames must go on and the font stack stay balanced.
TEST(DiagramPanels, HoveringEverywhereDrawsTheTooltips)
{
    for (const char* id : {"sequence", "state", "compare"}) {
        GuiHarness gui(lesson("17-imap-two-devices.json", id), ImVec2(1000, 600));
        gui::LessonPlayer& player = gui.dashboard().player();
        for (int i = 0; i < 8; ++i)
            player.step();
        if (scenario::Comparison* comparison = gui::comparisonOf(*gui.dashboard().panel("compare")))
            comparison->step();
        for (float y = 5; y < 600; y += 23)
            for (float x = 5; x < 1000; x += 61) {
                ImGui::GetIO().MousePos = ImVec2(x, y);
                gui.frame();
            }
        EXPECT_EQ(ImGui::GetCurrentContext()->FontStack.Size, 0) << id << ": a PushFont without its PopFont";
    }
}

TEST(DiagramPanels, RepliesThatSayNoAreThoseTheSessionCalledRefused)
{
    // Lesson 03: the phone's login meets the laptop's maildrop lock (RFC 2449 section 8.1.2).
    auto sim = runLesson("03-one-device-at-a-time");
    ASSERT_TRUE(sim);
    size_t refused = 0, accepted = 0;
    for (const wire::TranscriptEntry& e : sim->transcript().entries()) {
        if (e.kind != wire::TranscriptEntry::Kind::Data || e.direction != wire::Direction::ServerToClient)
            continue;
        const bool inUse = e.bytes.starts_with("-ERR [IN-USE]");
        EXPECT_EQ(gui::replyRefused(e), e.bytes.starts_with("-ERR") ||
                                            e.bytes.find(" NO ") != std::string::npos ||
                                            e.bytes.find(" BAD ") != std::string::npos)
            << e.bytes;
        if (inUse) ++refused;
        if (!gui::replyRefused(e)) ++accepted;
    }
    EXPECT_GE(refused, 1u);
    EXPECT_GT(accepted, 5u);
}

// [SECTION] session state

std::vector<std::string> litStates(GuiHarness& gui)
{
    gui.frame();
    std::vector<std::string> lit;
    for (const gui::SessionStateInfo& s : *gui::stateInfo(*gui.dashboard().panel("state")))
        lit.push_back(s.device + " " + s.litState);
    return lit;
}

TEST(StatePanel, Pop3SessionLightsAuthorizationThenTransaction_Rfc1939_3)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json", "state"));
    gui::LessonPlayer& player = gui.dashboard().player();
    EXPECT_TRUE(litStates(gui).empty()) << "no session: the diagrams are greyed";
    player.step(); // connect and greeting
    EXPECT_EQ(litStates(gui), std::vector<std::string>{"laptop AUTHORIZATION"});
    // The command table decides what the state accepts (RFC 1939 sections 4 and 5): USER now, RETR later.
    const auto& info = *gui::stateInfo(*gui.dashboard().panel("state"));
    auto accepts = [&](const std::string& command) {
        return std::find(info[0].accepted.begin(), info[0].accepted.end(), command) != info[0].accepted.end();
    };
    EXPECT_EQ(info[0].shownState, "AUTHORIZATION");
    EXPECT_TRUE(accepts("USER"));
    EXPECT_FALSE(accepts("RETR"));
    // Pointing at TRANSACTION lists what it would accept there; the lit state does not change.
    ASSERT_TRUE(gui.click("State laptop#1 TRANSACTION"));
    gui.frame();
    EXPECT_EQ(info[0].litState, "AUTHORIZATION");
    EXPECT_EQ(info[0].shownState, "TRANSACTION");
    EXPECT_TRUE(accepts("RETR"));
    EXPECT_FALSE(accepts("USER"));
    ImGui::GetIO().MousePos = ImVec2(-1, -1);
    while (player.simulation()->device("laptop")->session &&
           player.simulation()->device("laptop")->session->stateName() != "TRANSACTION")
        ASSERT_TRUE(player.step());
    EXPECT_EQ(litStates(gui), std::vector<std::string>{"laptop TRANSACTION"});
    while (player.simulation()->device("laptop")->session)
        ASSERT_TRUE(player.step());
    EXPECT_TRUE(litStates(gui).empty()) << "QUIT closed the session";
}

TEST(StatePanel, ImapSessionsLightTheirOwnStates_Rfc3501_3)
{
    GuiHarness gui(lesson("17-imap-two-devices.json", "state"));
    gui::LessonPlayer& player = gui.dashboard().player();
    auto imapState = [&](const std::string& device) {
        scenario::Device* d = player.simulation()->device(device);
        return d && d->session ? d->session->stateName() : std::string();
    };
    player.step();
    EXPECT_EQ(litStates(gui), std::vector<std::string>{"laptop Not Authenticated"});
    while (imapState("laptop") != "authenticated")
        ASSERT_TRUE(player.step());
    EXPECT_EQ(litStates(gui), std::vector<std::string>{"laptop Authenticated"});
    while (imapState("phone") != "selected")
        ASSERT_TRUE(player.step());
    // The acting device's session comes first: focus follows the action.
    EXPECT_EQ(litStates(gui), (std::vector<std::string>{"phone Selected", "laptop Selected"}));
}

} // namespace
} // namespace maillab::test
