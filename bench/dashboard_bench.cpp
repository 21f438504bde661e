// One whole dashboard frame on the CPU (NewFrame, Dashboard::frame, Render; no GPU) while it watches a busy
// live server: a transcript of 100,000 entries (100,000 rows with long replies folded, about 490,000 lines
// unfolded), the newest in view, and a 10,000-message INBOX shown in the
// mailboxes panel, and the scene (its trays, the devices, what is in flight) beside them or, in the student
// and presenter layouts, large. Goal: under 2 ms a frame, also while new lines arrive every frame.
//
//   build-guiwire/dashboard_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "dashboard.hpp"
#include "mailbox_panel.hpp"
#include "panels.hpp"
#include "transcript_panel.hpp"

#include <benchmark/benchmark.h>
#include <imgui.h>
#include <memory>
#include <string>

namespace {

using namespace maillab;

constexpr int kEntries = 100000;
constexpr int kMessages = 10000;

std::string message(int i)
{
    std::string text = "From: Student " + std::to_string(i % 97) + " <s" + std::to_string(i % 97) +
                       "@example.org>\r\nTo: alice@example.org\r\nSubject: Lab report " + std::to_string(i) +
                       "\r\nDate: Thu, 26 Nov 2026 09:00:00 +0100\r\nMessage-ID: <" + std::to_string(i) +
                       "@example.org>\r\n\r\n";
    for (int line = 0; line < 24; ++line)
        text += "The packet left the router and reached the mail server on the second try.\r\n";
    return text;
}

// What a live server's transcript looks like: many short POP3 sessions, now and then a RETR's reply.
class Traffic {
public:
    explicit Traffic(wire::Transcript& transcript) : m_transcript(transcript) {}

    void add(int entries)
    {
        for (int i = 0; i < entries; ++i)
            m_lines += next();
    }
    uint64_t lines() const { return m_lines; }
    uint64_t bytes() const { return m_bytes; }

private:
    int next()
    {
        const int kind = m_n % 8;
        const int session = 1 + m_n / 400;
        const std::string device = "127.0.0.1:" + std::to_string(40000 + session % 20000);
        const bool fromClient = kind % 2 == 0;
        std::string bytes;
        int lines = 1;
        switch (kind) {
        case 0: bytes = "USER alice\r\n"; break;
        case 1: bytes = "+OK send PASS\r\n"; break;
        case 2: bytes = "PASS wonderland\r\n"; break;
        case 3: bytes = "+OK alice's maildrop has 10000 messages (23512345 octets)\r\n"; break;
        case 4: bytes = "RETR " + std::to_string(1 + m_n % kMessages) + "\r\n"; break;
        case 5:
            bytes = "+OK 2210 octets\r\n" + message(m_n) + ".\r\n";
            lines = 32;
            break;
        case 6: bytes = "NOOP\r\n"; break;
        case 7: bytes = "+OK\r\n"; break;
        }
        ++m_n;
        m_bytes += bytes.size();
        m_transcript.record({wire::TranscriptEntry::Kind::Data, session, device, wire::Protocol::Pop3,
                             fromClient ? wire::Direction::ClientToServer : wire::Direction::ServerToClient,
                             1795683600000 + m_n * 7, std::move(bytes), 0, 110});
        return lines;
    }

    wire::Transcript& m_transcript;
    int m_n = 0;
    uint64_t m_lines = 0, m_bytes = 0;
};

class Bench {
public:
    explicit Bench(gui::Layout layout = gui::Layout::Analyst)
    {
        m_store.addAccount("alice", "wonderland");
        for (int i = 0; i < kMessages; ++i)
            m_store.deliver("alice", "INBOX", message(i), mail::DateTime{1795683600 + i, 60});
        m_traffic.add(kEntries);

        m_context = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(1600, 900);
        gui::DashboardOptions options;
        options.layout = layout;
        m_dashboard = std::make_unique<gui::Dashboard>(options);
        m_dashboard->loadFonts();
        unsigned char* pixels = nullptr;
        int width = 0, height = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
        m_dashboard->watchServer(m_store, m_transcript, nullptr);
        m_dashboard->panel("mailboxes")->open = true; // in every layout, to keep the 10,000 rows in the frame
        dynamic_cast<gui::MailboxPanel&>(*m_dashboard->panel("mailboxes")).select("alice", "INBOX");
        for (int i = 0; i < 5; ++i) // layout settles, the index is built, the view is at the newest line
            frame();
    }
    ~Bench()
    {
        m_dashboard.reset();
        ImGui::DestroyContext(m_context);
    }

    void frame()
    {
        ImGui::GetIO().DeltaTime = 1.0f / 60;
        ImGui::NewFrame();
        m_dashboard->frame(1.0 / 60);
        ImGui::Render();
    }

    gui::Dashboard& dashboard() { return *m_dashboard; }
    wire::Transcript& transcript() { return m_transcript; }
    Traffic& traffic() { return m_traffic; }
    gui::TranscriptPanel& transcriptPanel()
    {
        return dynamic_cast<gui::TranscriptPanel&>(*m_dashboard->panel("transcript"));
    }
    gui::MailboxPanel& mailboxPanel()
    {
        return dynamic_cast<gui::MailboxPanel&>(*m_dashboard->panel("mailboxes"));
    }

private:
    store::Store m_store;
    wire::Transcript m_transcript;
    Traffic m_traffic{m_transcript};
    ImGuiContext* m_context = nullptr;
    std::unique_ptr<gui::Dashboard> m_dashboard;
};

void report(benchmark::State& state, Bench& bench)
{
    state.counters["entries"] = static_cast<double>(bench.transcript().size());
    state.counters["lines_recorded"] = static_cast<double>(bench.traffic().lines());
    state.counters["rows"] = static_cast<double>(bench.transcriptPanel().rowCount());
    state.counters["following"] = bench.transcriptPanel().following();
    state.counters["summaries"] = static_cast<double>(bench.mailboxPanel().summariesMade());
}

// The transcript as it is: nothing new arrives.
void BM_DashboardFrame(benchmark::State& state)
{
    Bench bench;
    for (auto _ : state)
        bench.frame();
    report(state, bench);
}
BENCHMARK(BM_DashboardFrame)->Unit(benchmark::kMillisecond);

// The scene large, as a student or a projector sees it: the 10,000-message INBOX is a stack with its count.
void BM_DashboardFrameSceneLarge(benchmark::State& state)
{
    Bench bench(static_cast<gui::Layout>(state.range(0)));
    for (auto _ : state) {
        bench.traffic().add(10);
        bench.frame();
    }
    report(state, bench);
    state.SetLabel(gui::layoutName(static_cast<gui::Layout>(state.range(0))));
}
BENCHMARK(BM_DashboardFrameSceneLarge)
    ->Arg(static_cast<int>(gui::Layout::Student))
    ->Arg(static_cast<int>(gui::Layout::Presenter))
    ->Unit(benchmark::kMillisecond);

// A busy live server: ten new entries every frame, appended to the index.
void BM_DashboardFrameWhileLinesArrive(benchmark::State& state)
{
    Bench bench;
    for (auto _ : state) {
        bench.traffic().add(10);
        bench.frame();
    }
    report(state, bench);
}
BENCHMARK(BM_DashboardFrameWhileLinesArrive)->Unit(benchmark::kMillisecond);

// The same with a byte limit: the oldest lines leave the front as new ones arrive.
void BM_DashboardFrameWhileLinesArriveAndOldOnesGo(benchmark::State& state)
{
    Bench bench;
    bench.transcript().setByteLimit(bench.traffic().bytes());
    for (auto _ : state) {
        bench.traffic().add(10);
        bench.frame();
    }
    report(state, bench);
}
BENCHMARK(BM_DashboardFrameWhileLinesArriveAndOldOnesGo)->Unit(benchmark::kMillisecond);

// The frame in which the transcript panel builds its whole index (the first one, or after a filter, the view,
// the search or "fold all" changed): a fresh panel each time.
void BM_TranscriptPanelFullRebuild(benchmark::State& state)
{
    Bench bench;
    for (auto _ : state) {
        std::unique_ptr<gui::Panel> panel = gui::makeTranscriptPanel();
        ImGui::GetIO().DeltaTime = 1.0f / 60;
        ImGui::NewFrame();
        ImGui::Begin("rebuild");
        panel->draw(bench.dashboard().context());
        ImGui::End();
        ImGui::Render();
        benchmark::DoNotOptimize(panel);
    }
    report(state, bench);
}
BENCHMARK(BM_TranscriptPanelFullRebuild)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
