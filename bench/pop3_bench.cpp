// The POP3 engine in-process: one session that logs in, LISTs and RETRs 10,000 messages of 4 KiB, with the
// wire bytes (client commands + server replies) as the throughput. Also measures what the store costs in
// memory against the raw message bytes. Goals: at least 500 MB/s on one core, at most 1.5x the raw bytes.
//
//   build-pop3/pop3_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "pop3/pop3_session.hpp"
#include "pop3/pop3_types.hpp"
#include "store/store.hpp"
#include "util/text.hpp"
#include "wire/clock.hpp"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace maillab;

constexpr size_t kMessages = 10000;
constexpr size_t kMessageSize = 4096;

// [SECTION] the mail: realistic header and text lines, some starting with '.', exactly 4 KiB each

class Words {
public:
    explicit Words(uint64_t seed) : m_state(seed * 2654435761u + 1) {}
    const char* next()
    {
        static const char* const words[] = {
            "the", "packet", "router",  "of",    "a",       "mailbox", "network", "server",  "client",
            "and", "to",     "lab",     "week",  "message", "line",    "dot",     "session", "protocol",
            "is",  "in",     "for",     "with",  "POP3",    "IMAP",    "TCP",     "port",    "header",
            "we",  "will",   "capture", "first", "lecture", "on",      "Monday",  "grades",  "posted"};
        m_state = m_state * 6364136223846793005u + 1442695040888963407u; // PCG's LCG step: deterministic
        return words[(m_state >> 33) % (sizeof words / sizeof words[0])];
    }
    uint64_t number(uint64_t modulo) { return (next()[0] + (m_state >> 40)) % modulo; }

private:
    uint64_t m_state;
};

std::string makeMessage(size_t index)
{
    Words words(index);
    std::string text;
    text += "Return-Path: <sender" + std::to_string(index % 97) + "@lists.maillab.example>\r\n";
    text += "Received: from mx.maillab.example (mx.maillab.example [192.0.2.25])\r\n"
            "\tby pop.maillab.example (maillab) with ESMTPS id " +
            std::to_string(100000 + index) +
            "\r\n\tfor <bench@maillab.example>; Mon, 21 Sep 2026 09:12:11 -0400\r\n";
    text += "Date: Mon, 21 Sep 2026 09:12:05 -0400\r\n";
    text += "From: \"Sender " + std::to_string(index % 97) + "\" <sender" + std::to_string(index % 97) +
            "@lists.maillab.example>\r\n";
    text += "To: Networks 101 students <networks101@lists.maillab.example>\r\n";
    text += "Subject: Lab notes, part " + std::to_string(index) + "\r\n";
    text += "Message-ID: <" + std::to_string(index) + ".bench@maillab.example>\r\n";
    text += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: "
            "7bit\r\n\r\n";
    size_t line = 0;
    while (text.size() < kMessageSize + 200) {
        std::string out;
        bool fill = true;
        switch (line++ % 11) {
        case 3:
            out = ".";
            fill = false;
            break;                                       // a line that is just a dot
        case 7: out = ".profile and .bashrc"; break;     // a line that starts with a dot
        case 9: out = "...and a line with three"; break; // stuffed once more on the wire
        case 10: fill = false; break;                    // paragraph break
        default: break;
        }
        const size_t width = 60 + words.number(16);
        while (fill && out.size() < width) {
            if (!out.empty()) out += ' ';
            out += words.next();
        }
        text += out + "\r\n";
    }
    text.resize(kMessageSize - 2);
    if (text.back() == '\r') text.back() = '.'; // never leave a bare CR before the final CRLF
    text += "\r\n";
    return text;
}

// [SECTION] the store, and what it costs in memory

// Bytes the allocator has handed out and not got back: chunks in use, plus blocks big enough to be mmapped.
size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

size_t residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct MemoryCost {
    size_t rawBytes = 0;
    size_t heapBytes = 0;     // heapInUse() growth
    size_t residentBytes = 0; // RSS growth of the process
};

// Fills a store, the way the demo loader does (util::toCrlf, as store::readMessageFile), or from strings
// grown line by line (whose capacity can be far above their size), and measures the heap it keeps.
MemoryCost fillStore(store::Store& store, const std::vector<std::string>& messages, bool viaLoaderPath)
{
    const size_t heapBefore = heapInUse();
    const size_t rssBefore = residentBytes();
    store.addAccount("bench", "secret");
    for (const std::string& m : messages) {
        std::string bytes;
        if (viaLoaderPath) {
            bytes = util::toCrlf(m);
        } else {
            for (size_t i = 0, end; i < m.size(); i = end) { // line by line, as a composer would
                end = std::min(m.find('\n', i) + 1, m.size());
                bytes.append(m, i, end - i);
            }
        }
        store.deliver("bench", "INBOX", std::move(bytes), mail::DateTime{1795683600, 0});
    }
    MemoryCost cost;
    cost.rawBytes = store.messageBytes();
    cost.heapBytes = heapInUse() - heapBefore;
    cost.residentBytes = residentBytes() - rssBefore;
    return cost;
}

struct World {
    wire::VirtualClock clock;
    std::vector<std::string> messages;
    std::unique_ptr<store::Store> store = std::make_unique<store::Store>(1000);
    MemoryCost cost;
    int nextSession = 1;
    std::vector<std::string> retrCommands; // formatted once: the client's cost is not the engine's

    World()
    {
        messages.reserve(kMessages);
        for (size_t i = 0; i < kMessages; ++i) {
            messages.push_back(makeMessage(i));
            if (messages.back().size() != kMessageSize) throw std::logic_error("message size");
        }
        cost = fillStore(*store, messages, true);
        for (size_t i = 1; i <= kMessages; ++i)
            retrCommands.push_back("RETR " + std::to_string(i) + "\r\n");
    }
};

World& world()
{
    static World w;
    return w;
}

void printMemoryReport()
{
    World& w = world();
    const double raw = static_cast<double>(w.cost.rawBytes);
    std::printf("store: %zu messages, %zu raw message bytes (%.2f MB)\n", kMessages, w.cost.rawBytes,
                raw / 1e6);
    std::printf("store memory, loader path (util::toCrlf):  heap %.2f MB = %.3fx raw, RSS growth %.2f MB = "
                "%.3fx raw\n",
                static_cast<double>(w.cost.heapBytes) / 1e6, static_cast<double>(w.cost.heapBytes) / raw,
                static_cast<double>(w.cost.residentBytes) / 1e6,
                static_cast<double>(w.cost.residentBytes) / raw);
    {
        store::Store appended(2000);
        MemoryCost cost = fillStore(appended, w.messages, false);
        std::printf(
            "store memory, strings grown line by line:  heap %.2f MB = %.3fx raw (the store keeps the "
            "capacity of the string it is given)\n",
            static_cast<double>(cost.heapBytes) / 1e6, static_cast<double>(cost.heapBytes) / raw);
    }
    std::fflush(stdout);
}

// [SECTION] benchmarks

size_t exchange(pop3::Pop3Session& session, const std::string& command, std::string& reply)
{
    reply = session.receive(command);
    return command.size() + reply.size();
}

// One iteration is a whole session: greeting, USER/PASS, LIST, RETR 1..10000; no QUIT (the session ends
// without UPDATE and releases the lock), so the store is the same for the next iteration.
void BM_Pop3Session_ListAndRetrAll(benchmark::State& state)
{
    World& w = world();
    std::string reply;
    uint64_t wireBytes = 0;
    for (auto _ : state) {
        pop3::Pop3Session session(*w.store, w.clock, w.nextSession++);
        uint64_t bytes = session.greeting().size();
        bytes += exchange(session, "USER bench\r\n", reply);
        bytes += exchange(session, "PASS secret\r\n", reply);
        bytes += exchange(session, "LIST\r\n", reply);
        for (const std::string& command : w.retrCommands) {
            bytes += exchange(session, command, reply);
            benchmark::DoNotOptimize(reply.data());
        }
        wireBytes += bytes;
        if (reply.size() < kMessageSize || reply.compare(reply.size() - 5, 5, "\r\n.\r\n") != 0)
            state.SkipWithError("RETR reply is not a complete message");
    }
    state.SetBytesProcessed(static_cast<int64_t>(wireBytes));
    state.counters["messages"] =
        benchmark::Counter(static_cast<double>(kMessages) * state.iterations(), benchmark::Counter::kIsRate);
    state.counters["store_heap_x_raw"] =
        static_cast<double>(w.cost.heapBytes) / static_cast<double>(w.cost.rawBytes);
}
// CPU time, not wall time: the figure is "on one core", and the machine may be shared.
BENCHMARK(BM_Pop3Session_ListAndRetrAll)->Unit(benchmark::kMillisecond);

// LIST alone: 10,000 scan listings.
void BM_Pop3Session_List(benchmark::State& state)
{
    World& w = world();
    pop3::Pop3Session session(*w.store, w.clock, w.nextSession++);
    session.greeting();
    session.receive("USER bench\r\nPASS secret\r\n");
    uint64_t wireBytes = 0;
    for (auto _ : state) {
        std::string reply = session.receive("LIST\r\n");
        wireBytes += 6 + reply.size();
        benchmark::DoNotOptimize(reply.data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(wireBytes));
}
BENCHMARK(BM_Pop3Session_List)->Unit(benchmark::kMicrosecond);

// Byte-stuffing one 4 KiB message (RFC 1939 section 3), the inner loop of RETR.
void BM_DotStuff4KiB(benchmark::State& state)
{
    const std::string& message = world().messages[0];
    for (auto _ : state) {
        std::string stuffed = pop3::dotStuff(message);
        benchmark::DoNotOptimize(stuffed.data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * message.size()));
}
BENCHMARK(BM_DotStuff4KiB);

} // namespace

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    printMemoryReport();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
