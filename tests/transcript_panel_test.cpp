// The wire transcript panel driven headless: folding, filters, search, following, the eavesdropper's view,
// and an index that grows with the transcript instead of being rebuilt every frame.
#include "gui_harness.hpp"
#include "pop3/pop3_types.hpp"
#include "test_support.hpp"
#include "tls/tls_endpoint.hpp"
#include "transcript_panel.hpp"

#include <gtest/gtest.h>
#include <imgui_internal.h>

namespace maillab::test {
namespace {

using Kind = wire::TranscriptEntry::Kind;
using wire::Direction;

gui::DashboardOptions lesson(const std::string& name)
{
    gui::DashboardOptions options;
    options.lesson = sourceDir() / "lessons" / name;
    return options;
}

gui::TranscriptPanel& transcriptPanel(GuiHarness& gui)
{
    auto* panel = dynamic_cast<gui::TranscriptPanel*>(gui.dashboard().panel("transcript"));
    EXPECT_NE(panel, nullptr);
    return *panel;
}

const wire::TranscriptEntry& entryOf(const wire::Transcript& t, uint64_t number)
{
    return t.entries()[number - t.dropped()];
}

std::vector<std::string> linesOf(const std::string& bytes)
{
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t lf = bytes.find('\n', pos);
        size_t end = lf == std::string::npos ? bytes.size() : lf;
        lines.push_back(bytes.substr(pos, end - pos - (end > pos && bytes[end - 1] == '\r' ? 1 : 0)));
        if (lf == std::string::npos) break;
        pos = lf + 1;
    }
    return lines;
}

// Rows when every reply is unfolded: a row a line of Data, one for each other entry.
size_t unfoldedRows(const wire::Transcript& t)
{
    size_t rows = 0;
    for (const auto& e : t.entries())
        if (e.kind == Kind::Data)
            rows += linesOf(e.bytes).size();
        else if (e.kind != Kind::TlsRecord)
            ++rows;
    return rows;
}

// The absolute number of the server's reply to a client line that starts with `command`.
std::optional<uint64_t> replyTo(const wire::Transcript& t, const std::string& command)
{
    const auto& entries = t.entries();
    for (size_t i = 0; i + 1 < entries.size(); ++i)
        if (entries[i].kind == Kind::Data && entries[i].direction == Direction::ClientToServer &&
            entries[i].bytes.starts_with(command) && entries[i + 1].direction == Direction::ServerToClient)
            return t.dropped() + i + 1;
    return std::nullopt;
}

std::string lower(std::string text)
{
    for (char& ch : text)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
}

TEST(TranscriptPanel, ClickingAFoldedRetrReplyUnfoldsIt)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (!replyTo(player.simulation()->transcript(), "RETR 1"))
        ASSERT_TRUE(player.step());
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    const wire::Transcript& t = player.simulation()->transcript();
    const uint64_t retr = *replyTo(t, "RETR 1");
    const std::vector<std::string> lines = linesOf(entryOf(t, retr).bytes);
    ASSERT_GT(lines.size(), 10u);
    // RFC 1939 section 5: the reply is the status line, the message, and a line with a single dot.
    EXPECT_EQ(lines.back(), ".");
    EXPECT_TRUE(panel.folded(retr));
    const size_t before = panel.rowCount();
    ASSERT_TRUE(gui.click("Fold " + std::to_string(retr)));
    EXPECT_FALSE(panel.folded(retr));
    EXPECT_EQ(panel.rowCount(), before + lines.size() - 1);
    // Every line of the reply is a row now, in order.
    size_t first = 0;
    while (panel.rowEntry(first) != retr)
        ++first;
    for (size_t i = 0; i < lines.size(); ++i)
        EXPECT_EQ(panel.rowText(first + i), lines[i]) << "line " << i;
    ASSERT_TRUE(gui.click("Fold all"));
    EXPECT_TRUE(panel.folded(retr));
    EXPECT_EQ(panel.rowCount(), before);
}

TEST(TranscriptPanel, UnfoldAllShowsEveryLineAndSurvivesBack)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    for (int i = 0; i < 12; ++i)
        ASSERT_TRUE(player.step());
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    const size_t folded = panel.rowCount();
    ASSERT_TRUE(gui.click("Unfold all"));
    EXPECT_EQ(panel.rowCount(), unfoldedRows(player.simulation()->transcript()));
    EXPECT_GT(panel.rowCount(), folded + 50);
    // Back is a replay into a new simulation: the rows follow it, still unfolded.
    ASSERT_TRUE(gui.click("Back"));
    EXPECT_EQ(panel.rowCount(), unfoldedRows(player.simulation()->transcript()));
    ASSERT_TRUE(gui.click("Step"));
    EXPECT_EQ(panel.rowCount(), unfoldedRows(player.simulation()->transcript()));
}

TEST(TranscriptPanel, DeviceAndSessionFiltersHideTheOtherRows)
{
    GuiHarness gui(lesson("17-imap-two-devices.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (player.step()) {}
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    const wire::Transcript& t = player.simulation()->transcript();
    const size_t all = panel.rowCount();
    auto devicesShown = [&] {
        std::set<std::string> devices;
        for (size_t i = 0; i < panel.rowCount(); ++i)
            devices.insert(entryOf(t, panel.rowEntry(i)).device);
        return devices;
    };
    EXPECT_TRUE(devicesShown().contains("phone"));
    ASSERT_TRUE(gui.click("Show device phone"));
    EXPECT_LT(panel.rowCount(), all);
    EXPECT_FALSE(devicesShown().contains("phone"));
    EXPECT_TRUE(devicesShown().contains("laptop"));
    ASSERT_TRUE(gui.click("Show device phone"));
    EXPECT_EQ(panel.rowCount(), all);

    // One session: its rows and the simulator's own notes (session 0).
    ASSERT_TRUE(gui.click("Session filter"));
    gui.frame(); // the list settles its size and place in the frames after it opens
    gui.frame();
    ASSERT_TRUE(gui.click("Session 2"));
    ASSERT_GT(panel.rowCount(), 0u);
    EXPECT_LT(panel.rowCount(), all);
    for (size_t i = 0; i < panel.rowCount(); ++i) {
        int session = entryOf(t, panel.rowEntry(i)).sessionId;
        EXPECT_TRUE(session == 2 || session == 0) << "row " << i << " is from session " << session;
    }
}

TEST(TranscriptPanel, SearchCountsMatchingLinesAndStepsThroughThem)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (player.step()) {}
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    const wire::Transcript& t = player.simulation()->transcript();
    size_t expected = 0;
    for (const auto& e : t.entries())
        if (e.kind == Kind::Data) {
            for (const std::string& line : linesOf(e.bytes))
                expected += lower(line).find("dele") != std::string::npos;
        } else {
            expected += lower(e.bytes).find("dele") != std::string::npos;
        }
    ASSERT_GE(expected, 6u); // three DELEs and their replies at least
    ASSERT_TRUE(gui.type("Transcript search", "DeLe"));
    EXPECT_EQ(panel.matchCount(), expected);
    EXPECT_EQ(panel.currentMatch(), 0) << "Enter goes to the first match";
    EXPECT_FALSE(panel.following()) << "going to a match stops following";
    ASSERT_TRUE(gui.click("Next match"));
    EXPECT_EQ(panel.currentMatch(), 1);
    ASSERT_TRUE(gui.click("Previous match"));
    ASSERT_TRUE(gui.click("Previous match"));
    EXPECT_EQ(panel.currentMatch(), static_cast<int>(expected) - 1) << "Previous from the first wraps around";

    ASSERT_TRUE(gui.click("Only matching"));
    EXPECT_EQ(panel.rowCount(), expected);
    for (size_t i = 0; i < panel.rowCount(); ++i)
        EXPECT_NE(lower(panel.rowText(i)).find("dele"), std::string::npos) << panel.rowText(i);
}

TEST(TranscriptPanel, GoingToAMatchInsideAFoldedReplyUnfoldsIt)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (player.step()) {}
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    const wire::Transcript& t = player.simulation()->transcript();
    const uint64_t retr = *replyTo(t, "RETR 1");
    // The subject of message 1 is only in the body of the reply to RETR 1.
    ASSERT_NE(entryOf(t, retr).bytes.find("Welcome to Networks 101"), std::string::npos);
    ASSERT_TRUE(panel.folded(retr));
    ASSERT_TRUE(gui.type("Transcript search", "welcome to networks"));
    EXPECT_GE(panel.matchCount(), 1u);
    EXPECT_FALSE(panel.folded(retr));
}

TEST(TranscriptPanel, FollowingStopsWhenScrolledUpAndResumes)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (player.step()) {}
    ASSERT_TRUE(gui.click("Unfold all")); // far more lines than fit
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    EXPECT_TRUE(panel.following());
    ImVec2 rows;
    ASSERT_TRUE(gui::probe::find("Transcript rows", rows));
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = rows;
    gui.frame();
    EXPECT_TRUE(panel.following());
    io.MouseWheel = 5;
    gui.frame();
    gui.frame();
    EXPECT_FALSE(panel.following());
    ASSERT_TRUE(gui.click("Follow newest"));
    gui.frame();
    gui.frame();
    EXPECT_TRUE(panel.following());

    // Scrolling up and then all the way down again resumes following too.
    io.MousePos = rows;
    gui.frame();
    io.MouseWheel = 5;
    gui.frame();
    gui.frame();
    ASSERT_FALSE(panel.following());
    io.MouseWheel = -10000;
    gui.frame();
    gui.frame();
    EXPECT_TRUE(panel.following());
}

TEST(TranscriptPanel, HoverHelpComesFromTheCommandTables)
{
    auto entry = [](wire::Protocol protocol, Direction direction, std::string bytes) {
        wire::TranscriptEntry e;
        e.protocol = protocol;
        e.direction = direction;
        e.bytes = std::move(bytes);
        return e;
    };
    using P = wire::Protocol;
    using gui::TranscriptPanel;
    auto dele = TranscriptPanel::help(entry(P::Pop3, Direction::ClientToServer, "dele 1\r\n"), 0);
    ASSERT_TRUE(dele);
    EXPECT_EQ(dele->text, pop3::findCommand("DELE")->summary);
    EXPECT_NE(dele->rfc.find("RFC 1939 section 5"), std::string::npos);
    EXPECT_NE(dele->rfc.find("TRANSACTION"), std::string::npos);

    auto fetch =
        TranscriptPanel::help(entry(P::Imap, Direction::ClientToServer, "a4 UID FETCH 1:* (FLAGS)\r\n"), 0);
    ASSERT_TRUE(fetch);
    EXPECT_TRUE(fetch->title.starts_with("FETCH"));
    EXPECT_NE(fetch->text.find("UIDs, not sequence numbers"), std::string::npos);
    EXPECT_NE(fetch->rfc.find("RFC 3501 section 6.4.5"), std::string::npos);

    auto inUse = TranscriptPanel::help(
        entry(P::Pop3, Direction::ServerToClient, "-ERR [IN-USE] maildrop already locked\r\n"), 0);
    ASSERT_TRUE(inUse);
    EXPECT_NE(inUse->text.find("RFC 2449 section 8.1.2"), std::string::npos);

    const std::string reply =
        "* 3 EXISTS\r\n* 1 FETCH (BODY[] {13}\r\nSubject: hi\r\n)\r\na5 NO [TRYCREATE] no\r\n";
    auto exists = TranscriptPanel::help(entry(P::Imap, Direction::ServerToClient, reply), 0);
    ASSERT_TRUE(exists);
    EXPECT_EQ(exists->rfc, "RFC 3501 section 7.3.1");
    // A line of a message inside a literal is the message, not a response.
    EXPECT_FALSE(
        TranscriptPanel::help(entry(P::Imap, Direction::ServerToClient, reply), reply.find("Subject")));
    auto no = TranscriptPanel::help(entry(P::Imap, Direction::ServerToClient, reply), reply.find("a5 NO"));
    ASSERT_TRUE(no);
    EXPECT_EQ(no->rfc, "RFC 3501 section 7.1.2");
    EXPECT_NE(no->text.find("CREATE it first"), std::string::npos);
}

TEST(TranscriptPanel, HoveringAReplyOpensItsExplanation)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    gui::LessonPlayer& player = gui.dashboard().player();
    while (!replyTo(player.simulation()->transcript(), "RETR 1"))
        ASSERT_TRUE(player.step());
    gui.frame();
    const uint64_t retr = *replyTo(player.simulation()->transcript(), "RETR 1");
    ImVec2 arrow;
    ASSERT_TRUE(gui::probe::find("Fold " + std::to_string(retr), arrow));
    auto tooltipOpen = [] {
        ImGuiWindow* tooltip = ImGui::FindWindowByName("##Tooltip_00");
        return tooltip && tooltip->Active;
    };
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(-100, -100);
    gui.frame();
    EXPECT_FALSE(tooltipOpen());
    // The reply's text starts five characters after the fold arrow (the arrow's column, then "S: ").
    const float charWidth =
        gui.dashboard()
            .context()
            .fonts.mono->CalcTextSizeA(gui.dashboard().context().fonts.mono->FontSize, FLT_MAX, 0, "0")
            .x;
    io.MousePos = ImVec2(arrow.x + charWidth * 6, arrow.y);
    gui.frame();
    gui.frame();
    EXPECT_TRUE(tooltipOpen());
}

// A live server's transcript: lines arrive every frame, the oldest go once a byte limit is passed.
TEST(TranscriptPanel, TheIndexGrowsWithTheTranscriptInsteadOfBeingRebuilt)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    store::Store store;
    wire::Transcript transcript;
    auto add = [&](int i) {
        wire::TranscriptEntry e;
        e.sessionId = 1 + i / 1000;
        e.device = "127.0.0.1:5000" + std::to_string(i / 1000);
        e.direction = i % 2 ? Direction::ServerToClient : Direction::ClientToServer;
        e.timeMs = i;
        e.bytes = i % 2 ? "+OK\r\n" : "NOOP\r\n";
        transcript.record(std::move(e));
    };
    for (int i = 0; i < 20000; ++i)
        add(i);
    gui.dashboard().watchServer(store, transcript, nullptr);
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    EXPECT_EQ(panel.rowCount(), 20000u);
    const int rebuilds = panel.rebuilds();
    for (int frame = 0; frame < 5; ++frame) {
        for (int i = 0; i < 10; ++i)
            add(20000 + frame * 10 + i);
        gui.frame();
    }
    EXPECT_EQ(panel.rowCount(), 20050u);
    EXPECT_EQ(panel.rowEntry(panel.rowCount() - 1), 20049u);
    transcript.setByteLimit(50000);
    add(20050);
    gui.frame();
    ASSERT_GT(transcript.dropped(), 0u);
    EXPECT_EQ(panel.rowCount(), transcript.size());
    EXPECT_EQ(panel.rowEntry(0), transcript.dropped());
    EXPECT_EQ(panel.rebuilds(), rebuilds);
    EXPECT_TRUE(panel.following());
}

// One IMAP session over TLS and one plain POP3 session, recorded as the link records them: the decrypted
// Data marked encrypted, and the ciphertext as TlsRecord entries.
void recordSessions(wire::Transcript& t)
{
    auto record = [&](int session, Kind kind, Direction d, std::string bytes, bool encrypted = false) {
        wire::TranscriptEntry e;
        e.kind = kind;
        e.sessionId = session;
        e.device = session == 1 ? "phone" : "laptop";
        e.protocol = session == 1 ? wire::Protocol::Imap : wire::Protocol::Pop3;
        e.direction = d;
        e.bytes = std::move(bytes);
        e.encrypted = encrypted;
        t.record(std::move(e));
    };
    record(1, Kind::Connected, Direction::ClientToServer, "phone connects to the server's IMAP port 993");
    auto server = tls::Endpoint::server(tls::generateSelfSigned("maillab"));
    auto client = tls::Endpoint::client("maillab");
    client->startHandshake();
    for (int i = 0; i < 6; ++i) {
        if (std::string bytes = client->takeCiphertext(); !bytes.empty()) {
            record(1, Kind::TlsRecord, Direction::ClientToServer, bytes);
            server->feedCiphertext(bytes);
        }
        if (std::string bytes = server->takeCiphertext(); !bytes.empty()) {
            record(1, Kind::TlsRecord, Direction::ServerToClient, bytes);
            client->feedCiphertext(bytes);
        }
    }
    ASSERT_EQ(client->state(), tls::Endpoint::State::Established) << client->error();
    auto say = [&](tls::Endpoint& from, tls::Endpoint& to, Direction d, const std::string& plain) {
        record(1, Kind::Data, d, plain, true);
        from.writePlain(plain);
        std::string bytes = from.takeCiphertext();
        record(1, Kind::TlsRecord, d, bytes);
        to.feedCiphertext(bytes);
        EXPECT_EQ(to.takePlain(), plain);
    };
    say(*server, *client, Direction::ServerToClient, "* OK [CAPABILITY IMAP4rev1] maillab ready\r\n");
    say(*client, *server, Direction::ClientToServer, "a1 LOGIN alice wonderland\r\n");
    say(*server, *client, Direction::ServerToClient, "a1 OK LOGIN completed\r\n");
    record(2, Kind::Connected, Direction::ClientToServer, "laptop connects to the server's POP3 port 110");
    record(2, Kind::Data, Direction::ServerToClient, "+OK maillab POP3 server ready\r\n");
    record(2, Kind::Data, Direction::ClientToServer, "USER bob\r\n");
    record(2, Kind::Data, Direction::ServerToClient, "+OK send PASS\r\n");
    record(2, Kind::Data, Direction::ClientToServer, "PASS builder\r\n");
}

TEST(TranscriptPanel, TheEavesdropperSeesPlainSessionsAndOnlyTheRecordsOfTls)
{
    GuiHarness gui(lesson("14-pop3-delete-mode.json"));
    store::Store store;
    wire::Transcript transcript;
    recordSessions(transcript);
    if (HasFatalFailure()) return;
    gui.dashboard().watchServer(store, transcript, nullptr);
    gui.frame();
    gui::TranscriptPanel& panel = transcriptPanel(gui);
    auto texts = [&] {
        std::vector<std::string> out;
        for (size_t i = 0; i < panel.rowCount(); ++i)
            out.push_back(panel.rowText(i));
        return out;
    };
    auto shows = [&](const std::string& text) {
        for (const std::string& row : texts())
            if (row.find(text) != std::string::npos) return true;
        return false;
    };
    auto records = [&] {
        size_t n = 0;
        for (size_t i = 0; i < panel.rowCount(); ++i)
            n += panel.rowKind(i) == gui::TranscriptPanel::RowKind::Record;
        return n;
    };

    // What the programs said: both logins, no records.
    EXPECT_EQ(panel.view(), gui::TranscriptPanel::View::Programs);
    EXPECT_TRUE(shows("a1 LOGIN alice wonderland"));
    EXPECT_TRUE(shows("PASS builder"));
    EXPECT_EQ(records(), 0u);

    ASSERT_TRUE(gui.click("Eavesdropper view"));
    EXPECT_EQ(panel.view(), gui::TranscriptPanel::View::Eavesdropper);
    EXPECT_FALSE(shows("wonderland")) << "the TLS session's login is not readable on the wire";
    EXPECT_TRUE(shows("PASS builder")) << "the plain session's is";
    size_t expected = 0;
    for (const auto& e : transcript.entries())
        if (e.kind == Kind::TlsRecord) expected += tls::parseRecords(e.bytes).size();
    EXPECT_EQ(records(), expected);
    // The first thing on the wire is the ClientHello: a handshake record (RFC 8446 section 5.1).
    for (size_t i = 0; i < panel.rowCount(); ++i)
        if (panel.rowKind(i) == gui::TranscriptPanel::RowKind::Record) {
            EXPECT_TRUE(panel.rowText(i).starts_with(tls::contentTypeName(22))) << panel.rowText(i);
            EXPECT_NE(panel.rowText(i).find(" 16 03 0"), std::string::npos) << panel.rowText(i);
            break;
        }

    ASSERT_TRUE(gui.click("Programs view"));
    EXPECT_EQ(records(), 0u);
    EXPECT_TRUE(shows("wonderland"));
}

} // namespace
} // namespace maillab::test
