// The dashboard driven headless: synthetic clicks on the real widgets, assertions on the state they change.
#include "gui_harness.hpp"
#include "scenario/question.hpp"
#include "test_support.hpp"
#include "ui_probe.hpp"

#include <fstream>
#include <gtest/gtest.h>

namespace maillab::test {
namespace {

static gui::DashboardOptions lesson(const std::string& name)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / name;
    return options;
}

size_t countDataFrom(const wire::Transcript& transcript, const std::string& device, const std::string& prefix)
{
    size_t n = 0;
    for (const auto& e : transcript.entries())
        if (e.kind == wire::TranscriptEntry::Kind::Data && e.device == device &&
            e.direction == wire::Direction::ClientToServer && e.bytes.starts_with(prefix))
            ++n;
    return n;
}

TEST(Dashboard, ExchangeBackAndResetButtonsMoveThroughTheLesson)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    ASSERT_TRUE(player.loaded());
    EXPECT_EQ(player.stepNumber(), 0);
    ASSERT_TRUE(gui.click("Next exchange"));
    EXPECT_EQ(player.stepNumber(), 1);
    // Step 1 is the connection and the greeting (RFC 1939 section 4).
    const auto& entries = player.simulation()->transcript().entries();
    ASSERT_FALSE(entries.empty());
    EXPECT_TRUE(entries.back().bytes.starts_with("+OK"));
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(gui.click("Next exchange"));
    EXPECT_EQ(player.stepNumber(), 5);
    std::string fifth = player.simulation()->transcript().toText(false);
    // Back goes to the start of the lesson step in progress.
    ASSERT_TRUE(gui.click("Back"));
    EXPECT_EQ(player.stepNumber(), player.timeline()->previousBoundary(5));
    EXPECT_LT(player.stepNumber(), 5);
    // Going forward again gives the same bytes: the lesson is deterministic.
    player.seek(5);
    EXPECT_EQ(player.simulation()->transcript().toText(false), fifth);
    ASSERT_TRUE(gui.click("Reset"));
    EXPECT_EQ(player.stepNumber(), 0);
    EXPECT_EQ(player.simulation()->transcript().size(), 0u);
}

TEST(Dashboard, StepPlaysOneWholeLessonStepAtTheRunSpeed)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    const int end = player.timeline()->nextBoundary(0);
    ASSERT_GT(end, 2) << "the first lesson step should take several exchanges";
    player.stepsPerSecond = 2.0f;
    ASSERT_TRUE(gui.click("Step"));
    EXPECT_TRUE(player.playingLessonStep());
    EXPECT_LT(player.stepNumber(), end) << "the exchanges play one after another, not all at once";
    for (int i = 0; i < 60 && player.playingLessonStep(); ++i)
        gui.frame(0.5);
    EXPECT_FALSE(player.playingLessonStep());
    EXPECT_EQ(player.stepNumber(), end);
    EXPECT_EQ(player.lessonStep(), player.timeline()->actionAt(end));
}

TEST(Dashboard, ClickingTheProgressBarAndTheEventListMovesThere)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    // Only the two panels under test, so that no other window lies over them.
    for (const char* id : {"transcript", "mailboxes", "devices", "sequence", "state", "breakpoints"})
        if (gui::Panel* other = gui.dashboard().panel(id)) other->open = false;
    gui.dashboard().panel("events")->open = true;
    gui.frame();
    const int total = player.totalSteps();
    // Three quarters along the bar.
    ASSERT_TRUE(gui.clickAt("Progress", 0.75f));
    EXPECT_NEAR(player.stepNumber(), total * 3 / 4, 1);
    // An exchange already played, in the event list.
    player.seek(4);
    gui.frame();
    gui.frame();
    ASSERT_TRUE(gui.click("Event 2"));
    EXPECT_EQ(player.stepNumber(), 2);
    // A lesson step not played yet: only its title is listed, and a click goes to where it begins.
    gui.frame();
    const int third = player.timeline()->actionStart(2);
    ASSERT_GT(third, 2);
    ASSERT_TRUE(gui.click("Event step 3"));
    EXPECT_EQ(player.stepNumber(), third);
}

TEST(Dashboard, BackAndResetAreDisabledAtTheStart)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    ASSERT_TRUE(gui.click("Back"));
    EXPECT_EQ(gui.dashboard().player().stepNumber(), 0);
    EXPECT_EQ(gui.dashboard().player().generation(), 1) << "a disabled Back must not replay";
}

TEST(Dashboard, RunPlaysAtTheChosenSpeedAndStopsAtTheEnd)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    player.stepsPerSecond = 4.0f;
    ASSERT_TRUE(gui.click("Run"));
    EXPECT_TRUE(player.running());
    int before = player.stepNumber();
    gui.frame(1.0); // one second at 4 steps a second
    EXPECT_EQ(player.stepNumber() - before, 4);
    ASSERT_TRUE(gui.click("Run")); // now labelled Pause
    EXPECT_FALSE(player.running());
    int paused = player.stepNumber();
    gui.frame(1.0);
    EXPECT_EQ(player.stepNumber(), paused);
    player.stepsPerSecond = 20.0f;
    ASSERT_TRUE(gui.click("Run"));
    for (int i = 0; i < 10 && player.running(); ++i)
        gui.frame(1.0);
    EXPECT_FALSE(player.running());
    EXPECT_TRUE(player.finished());
    EXPECT_EQ(player.stepNumber(), player.totalSteps());
}

TEST(Dashboard, BreakpointStopsBeforeTheFirstDeleAndRunGoesPastIt)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    ASSERT_TRUE(gui.click("Add DELE"));
    player.stepsPerSecond = 20.0f;
    ASSERT_TRUE(gui.click("Run"));
    for (int i = 0; i < 10 && player.running(); ++i)
        gui.frame(1.0);
    ASSERT_FALSE(player.running());
    EXPECT_FALSE(player.finished());
    EXPECT_NE(player.breakMessage().find("DELE 1"), std::string::npos) << player.breakMessage();
    // Stopped before: nothing has sent DELE yet, and the next exchange sends it.
    EXPECT_EQ(countDataFrom(player.simulation()->transcript(), "laptop", "DELE"), 0u);
    ASSERT_TRUE(gui.click("Next exchange"));
    EXPECT_EQ(countDataFrom(player.simulation()->transcript(), "laptop", "DELE"), 1u);
    ASSERT_TRUE(gui.click("Run"));
    for (int i = 0; i < 10 && player.running(); ++i)
        gui.frame(1.0);
    EXPECT_NE(player.breakMessage().find("DELE 2"), std::string::npos) << player.breakMessage();
    // Unticking it lets the lesson run to the end.
    ASSERT_TRUE(gui.click("Toggle DELE"));
    ASSERT_TRUE(gui.click("Run"));
    for (int i = 0; i < 20 && player.running(); ++i)
        gui.frame(1.0);
    EXPECT_TRUE(player.finished());
}

TEST(Dashboard, LosingADeviceWipesItAndSurvivesBack)
{
    GuiHarness gui(lesson("15-pop3-keep-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (!player.finished())
        player.step();
    gui.frame();
    scenario::Device* laptop = player.simulation()->device("laptop");
    ASSERT_NE(laptop, nullptr);
    ASSERT_FALSE(laptop->local.messages().empty());
    size_t onServer = player.simulation()->store().mailbox("alice", "INBOX")->messages.size();
    ASSERT_TRUE(gui.click("Lose laptop"));
    laptop = player.simulation()->device("laptop");
    EXPECT_TRUE(laptop->local.messages().empty());
    // Keep mode left everything on the server: it can all be recovered.
    EXPECT_EQ(player.simulation()->store().mailbox("alice", "INBOX")->messages.size(), onServer);
    int afterLoss = player.stepNumber();
    player.step(); // nothing left to do, or more of the lesson
    player.back();
    player.back();
    player.step();
    EXPECT_LE(player.stepNumber(), afterLoss);
    // Replaying up to the loss loses the device again.
    player.replayTo(afterLoss);
    EXPECT_TRUE(player.simulation()->device("laptop")->local.messages().empty());
}

TEST(Dashboard, ConsoleTalksToTheLessonsServerAndFeelsTheLock)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    gui.dashboard().panel("console")->open = true;
    gui.frame();
    // The laptop logs in and holds alice's maildrop.
    while (player.simulation()->device("laptop")->session == nullptr ||
           player.simulation()->device("laptop")->session->stateName() != "TRANSACTION")
        ASSERT_TRUE(player.step());
    gui.frame();
    ASSERT_TRUE(gui.click("Console connect"));
    ASSERT_TRUE(gui.type("Console input", "USER alice"));
    ASSERT_TRUE(gui.type("Console input", "PASS wonderland"));
    const auto& entries = player.simulation()->transcript().entries();
    const auto& reply = entries.back();
    EXPECT_EQ(reply.device, "console");
    EXPECT_EQ(reply.direction, wire::Direction::ServerToClient);
    // RFC 2449 section 8.1.2: the maildrop is locked by the laptop's session.
    EXPECT_TRUE(reply.bytes.starts_with("-ERR [IN-USE]")) << reply.bytes;
    // A replay ends the console's session without touching the old server.
    ASSERT_TRUE(gui.click("Back"));
    gui.frame();
    EXPECT_TRUE(gui.click("Console connect"));
}

TEST(Dashboard, ABrokenLessonFileShowsTheErrorAndKeepsTheLessonPlaying)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    player.step();
    auto broken = std::filesystem::temp_directory_path() / "maillab-broken-lesson.json";
    std::ofstream(broken) << "{\n  \"title\": \"x\",\n  \"devices\": [ {\"name\": \"laptop\" ]\n}\n";
    EXPECT_FALSE(player.load(broken));
    EXPECT_NE(player.loadError().find("maillab-broken-lesson.json"), std::string::npos) << player.loadError();
    EXPECT_NE(player.loadError().find("line 3"), std::string::npos) << player.loadError();
    EXPECT_EQ(player.stepNumber(), 1);
    EXPECT_EQ(player.file().filename(), "14-pop3-delete-mode.json");
    gui.frame(); // the panel shows it and goes on
    std::filesystem::remove(broken);
}

TEST(Dashboard, PresenterModeAndThemeSwitch)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    float normal = ImGui::GetFontSize();
    gui.dashboard().setPresenter(true);
    gui.frame();
    gui.frame();
    EXPECT_GT(ImGui::GetIO().FontDefault->FontSize, normal * 1.3f);
    // On a projector the scene, large, and the lesson; the other panels come back afterwards.
    EXPECT_FALSE(gui.dashboard().panel("sequence")->open);
    EXPECT_FALSE(gui.dashboard().panel("breakpoints")->open);
    EXPECT_TRUE(gui.dashboard().panel("scene")->open);
    EXPECT_TRUE(gui.dashboard().panel("lesson")->open);
    gui.dashboard().setPresenter(false);
    gui.frame();
    EXPECT_TRUE(gui.dashboard().panel("sequence")->open);
    EXPECT_TRUE(gui.dashboard().panel("breakpoints")->open);
    EXPECT_LT(ImGui::GetIO().FontDefault->FontSize, normal * 1.1f);
    ImVec4 darkText = ImGui::GetStyle().Colors[ImGuiCol_Text];
    gui.dashboard().setTheme(gui::Theme::Light);
    gui.frame();
    ImVec4 lightText = ImGui::GetStyle().Colors[ImGuiCol_Text];
    EXPECT_GT(darkText.x, 0.8f);
    EXPECT_LT(lightText.x, 0.2f);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

TEST(Dashboard, ArrowKeysStepAndSpaceRuns)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    // Right plays the next lesson step, like the next slide.
    gui.press(GuiHarness::kRight);
    EXPECT_TRUE(player.playingLessonStep());
    for (int i = 0; i < 100 && player.playingLessonStep(); ++i)
        gui.frame(0.5);
    const int first = player.timeline()->nextBoundary(0);
    EXPECT_EQ(player.stepNumber(), first);
    gui.press(GuiHarness::kRight);
    for (int i = 0; i < 100 && player.playingLessonStep(); ++i)
        gui.frame(0.5);
    EXPECT_EQ(player.stepNumber(), player.timeline()->nextBoundary(first));
    // Left goes back to where the lesson step began.
    gui.press(GuiHarness::kLeft);
    EXPECT_EQ(player.stepNumber(), first);
    gui.press(GuiHarness::kSpace);
    EXPECT_TRUE(player.running());
    gui.press(GuiHarness::kSpace);
    EXPECT_FALSE(player.running());
}

TEST(Dashboard, TypingInATextFieldDoesNotStep)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    ASSERT_TRUE(gui.click("Breakpoint input"));
    gui.press(GuiHarness::kRight);
    for (int i = 0; i < 10; ++i)
        gui.frame(0.5);
    EXPECT_EQ(gui.dashboard().player().stepNumber(), 0);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// ImGui writes imgui.ini when its context ends, after the app's dashboard is gone (found by ASan in
// serve --gui): the dashboard saves first and takes its settings handler with it.
TEST(Dashboard, SettingsOutliveNoDashboard)
{
    ImGuiContext* context = ImGui::CreateContext();
    auto ini = std::filesystem::temp_directory_path() / "maillab-test-imgui.ini";
    std::filesystem::remove(ini);
    const std::string iniPath = ini.string();
    ImGui::GetIO().IniFilename = iniPath.c_str();
    {
        gui::Dashboard dashboard(lesson("15-pop3-keep-mode.json"));
        dashboard.registerSettings();
        dashboard.setTheme(gui::Theme::Light);
    }
    std::string saved = ImGui::SaveIniSettingsToMemory();
    EXPECT_EQ(saved.find("[Maillab]"), std::string::npos) << "no handler left pointing at the dead dashboard";
    ImGui::DestroyContext(context);
    EXPECT_NE(readFile(ini).find("Theme=light"), std::string::npos) << "saved when the dashboard ended";
    std::filesystem::remove(ini);
}

TEST(Dashboard, ThemePresenterAndLessonAreSavedWithTheLayout)
{
    std::string saved;
    {
        GuiHarness gui(lesson("15-pop3-keep-mode.json"));
        gui.dashboard().registerSettings();
        gui.dashboard().setTheme(gui::Theme::Light);
        gui.dashboard().setPresenter(true);
        gui.frame();
        saved = ImGui::SaveIniSettingsToMemory();
    }
    EXPECT_NE(saved.find("Theme=light"), std::string::npos) << saved;
    EXPECT_NE(saved.find("15-pop3-keep-mode.json"), std::string::npos) << saved;
    EXPECT_NE(saved.find("[Window][###lesson]"), std::string::npos) << saved;
    GuiHarness fresh;
    fresh.dashboard().registerSettings();
    ImGui::LoadIniSettingsFromMemory(saved.c_str());
    EXPECT_EQ(fresh.dashboard().theme(), gui::Theme::Light);
    EXPECT_TRUE(fresh.dashboard().presenter());
    EXPECT_EQ(fresh.dashboard().player().file().filename(), "15-pop3-keep-mode.json");
}

} // namespace
} // namespace maillab::test

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace maillab::test {
namespace {

// A real client on a real socket, as curl would be: the dashboard's live mode must show its session.
TEST(Dashboard, LiveModeShowsARealClientsSessionAsItTalks)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    std::string error;
    ASSERT_TRUE(gui.dashboard().live().start(0, 0, error)) << error;
    gui.dashboard().setLiveMode(true);
    gui.frame();
    EXPECT_EQ(gui.dashboard().context().transcript, gui.dashboard().live().transcript());
    EXPECT_EQ(gui.dashboard().context().player, nullptr) << "live mode draws the server, not the lesson";

    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(gui.dashboard().live().server()->pop3Port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    std::string said = "USER alice\r\n";
    ASSERT_EQ(::send(fd, said.data(), said.size(), 0), static_cast<ssize_t>(said.size()));
    // Frames serve the socket (the dashboard polls without waiting); give the kernel a moment per frame.
    auto heard = [&] {
        bool userSent = false;
        for (const auto& e : gui.dashboard().live().transcript()->entries()) {
            if (e.direction == wire::Direction::ClientToServer && e.bytes == "USER alice\r\n")
                userSent = true;
            if (userSent && e.direction == wire::Direction::ServerToClient && e.bytes.starts_with("+OK"))
                return true;
        }
        return false;
    };
    for (int i = 0; i < 200 && !heard(); ++i) {
        gui.frame();
        ::usleep(5000);
    }
    EXPECT_TRUE(heard()) << gui.dashboard().live().transcript()->toText();
    EXPECT_EQ(gui.dashboard().live().server()->connectionCount(), 1u);
    ::close(fd);
    for (int i = 0; i < 200 && gui.dashboard().live().server()->connectionCount() > 0; ++i) {
        gui.frame();
        ::usleep(5000);
    }
    EXPECT_EQ(gui.dashboard().live().server()->connectionCount(), 0u);
    gui.dashboard().setLiveMode(false);
    gui.frame();
    EXPECT_NE(gui.dashboard().context().player, nullptr);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// "Lose this device" at any moment of a session: the device's program learns the connection is gone and
// its action ends, so the lesson plays on (review found it threw "one action at a time" after step 1).
TEST(Dashboard, ADeviceCanBeLostAtEveryStepAndTheLessonPlaysOn)
{
    for (const char* file :
         {"14-pop3-delete-mode.json", "17-imap-two-devices.json", "02-ports-and-tls.json"}) {
        gui::LessonPlayer player;
        ASSERT_TRUE(player.load(sourceDir() / "lessons" / file));
        const int total = player.totalSteps();
        for (int at = 0; at < total; at += 3) {
            player.reset();
            player.replayTo(at);
            const std::string device = player.simulation()->devices().front()->spec.name;
            ASSERT_NO_THROW(player.loseDevice(device)) << file << " step " << at;
            EXPECT_EQ(player.simulation()->device(device)->session, nullptr);
            EXPECT_FALSE(player.simulation()->device(device)->client->busy()) << file << " step " << at;
            int steps = 0;
            ASSERT_NO_THROW(while (player.step() && ++steps < 1000){}) << file << " lost at step " << at;
            EXPECT_TRUE(player.finished()) << file << " lost at step " << at;
        }
    }
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// Predict, observe, explain: the student locks in a choice; the answer is not on screen until the reply
// that settles it has come; then a click shows that reply in the transcript.
TEST(Dashboard, APredictionIsLockedInAndTheAnswerWaitsForItsRevealPoint)
{
    GuiHarness gui(lesson("15-pop3-keep-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    const size_t asked = 3; // the second check asks how many messages come down
    ASSERT_TRUE(player.scenario().actions[asked].question);
    player.seek(player.timeline()->actionStart(asked));
    gui.frame();
    ImVec2 at;
    EXPECT_FALSE(gui::probe::find("See proof", at)) << "no answer before the step";
    ASSERT_TRUE(gui.click("Choice 1"));
    ASSERT_TRUE(gui.click("Lock in"));
    gui.frame();
    EXPECT_FALSE(gui::probe::find("Lock in", at)) << "locked in: the button is gone";
    // Part way through the step the answer still waits for its reply.
    ASSERT_TRUE(gui.click("Next exchange"));
    EXPECT_FALSE(gui::probe::find("See proof", at));
    player.finishLessonStep();
    gui.frame();
    auto reveal = scenario::revealOf(*player.simulation(), asked);
    ASSERT_TRUE(reveal && reveal->revealed());
    ASSERT_TRUE(gui::probe::find("See proof", at));
    // The button goes to the proof and hands its line to the transcript, which brings it into view.
    ASSERT_TRUE(gui.click("See proof"));
    EXPECT_EQ(player.stepNumber(), reveal->step);
    EXPECT_EQ(gui.dashboard().context().showEntry, SIZE_MAX) << "the transcript took the line";
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// Lesson > Hand in: the form under the summary writes the student's folder, as `maillab run --hand-in` does.
TEST(Dashboard, HandInWritesTheStudentsFolder)
{
    ScratchDir home("hand-in-home");
    const char* oldHome = std::getenv("HOME");
    const std::string savedHome = oldHome ? oldHome : "";
    ::setenv("HOME", home.path.c_str(), 1);
    {
        GuiHarness gui(lesson("15-pop3-keep-mode.json"));
        gui::LessonPlayer& player = gui.dashboard().player();
        player.seek(player.timeline()->actionStart(3));
        gui.frame();
        ASSERT_TRUE(gui.click("Choice 0"));
        ASSERT_TRUE(gui.click("Lock in"));
        ImVec2 at;
        gui.frame();
        EXPECT_FALSE(gui::probe::find("Lock in", at)) << "locked in: the button is gone";
        player.seek(player.totalSteps());
        gui.frame();
        ASSERT_TRUE(gui.type("Student name", "Ada Lovelace"));
        ASSERT_TRUE(gui.click("Hand in"));
    }
    if (oldHome) ::setenv("HOME", savedHome.c_str(), 1);
    const std::filesystem::path folder = home.path / "maillab-hand-ins" / "Ada-Lovelace";
    EXPECT_TRUE(std::filesystem::exists(folder / "results.json"));
    EXPECT_TRUE(std::filesystem::exists(folder / "transcript.pcapng"));
    const std::string answers = readFile(folder / "answers.json");
    EXPECT_NE(answers.find("\"Ada Lovelace\""), std::string::npos) << answers;
    EXPECT_NE(answers.find("\"step\": 4"), std::string::npos) << answers;
}

} // namespace
} // namespace maillab::test
