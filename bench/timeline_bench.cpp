// Moving along a lesson's timeline: a jump to any step of the longest shipped lesson, from the simulation
// kept at the nearest lesson step (what Back, the event list and the progress bar do), against a replay from
// the start (what Back did before). Goal: a jump under 50 ms.
//
//   build/timeline_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "scenario/timeline.hpp"
#include "util/paths.hpp"

#include <benchmark/benchmark.h>
#include <stdexcept>
#include <variant>

namespace {

using namespace maillab;

// The shipped lesson with the most simulation steps.
const scenario::Scenario& longestLesson()
{
    static const scenario::Scenario longest = [] {
        scenario::Scenario best;
        int bestSteps = -1;
        for (const auto& entry : std::filesystem::directory_iterator(util::lessonsDir())) {
            if (entry.path().extension() != ".json" || entry.path().filename() == "lesson.schema.json")
                continue;
            auto loaded = scenario::loadScenario(entry.path());
            if (!std::holds_alternative<scenario::Scenario>(loaded)) continue;
            auto& lesson = std::get<scenario::Scenario>(loaded);
            scenario::Timeline timeline(lesson);
            if (timeline.totalSteps() > bestSteps) {
                bestSteps = timeline.totalSteps();
                best = lesson;
            }
        }
        if (bestSteps < 0) throw std::runtime_error("no lessons found");
        return best;
    }();
    return longest;
}

// Every iteration jumps to the next step in turn, so all of them are measured; the snapshot a jump takes is
// made again outside the timing, as the dashboard does between frames.
void BM_JumpToAnyStep(benchmark::State& state)
{
    scenario::Timeline timeline(longestLesson());
    while (!timeline.prepare(1000)) {}
    int target = 0;
    for (auto _ : state) {
        auto simulation = timeline.simulationAt(target);
        benchmark::DoNotOptimize(simulation->stepNumber());
        state.PauseTiming();
        simulation.reset();
        while (!timeline.prepare(1000)) {}
        target = (target + 1) % (timeline.totalSteps() + 1);
        state.ResumeTiming();
    }
    state.counters["steps"] = timeline.totalSteps();
}
BENCHMARK(BM_JumpToAnyStep)->Unit(benchmark::kMillisecond);

void BM_ReplayFromTheStart(benchmark::State& state)
{
    scenario::Timeline timeline(longestLesson());
    int target = 0;
    for (auto _ : state) {
        scenario::Simulation simulation(longestLesson());
        while (simulation.stepNumber() < target && timeline.advance(simulation)) {}
        benchmark::DoNotOptimize(simulation.stepNumber());
        target = (target + 1) % (timeline.totalSteps() + 1);
    }
}
BENCHMARK(BM_ReplayFromTheStart)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
