// Plays a lesson: Step, Run at a speed, Back (the simulation is deterministic, so one step back is a replay
// to the step before), Reset, breakpoints on command names, and the user's own interventions.
#pragma once

#include "panel.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maillab::gui {

class LessonPlayer {
public:
    LessonPlayer();
    ~LessonPlayer();

    // Loads a lesson file; on failure keeps the lesson that was playing and returns false (see loadError()).
    bool load(const std::filesystem::path& file);
    // Plays a scenario built in memory (tests, benchmarks).
    void load(scenario::Scenario scenario);
    bool loaded() const { return m_simulation != nullptr; }
    const std::string& loadError() const { return m_loadError; }
    const std::filesystem::path& file() const { return m_file; }

    scenario::Simulation* simulation() { return m_simulation.get(); }
    const scenario::Simulation* simulation() const { return m_simulation.get(); }
    const scenario::Scenario& scenario() const { return m_scenario; }
    // Bumped whenever the simulation is rebuilt (Back, Reset, load): whoever keeps pointers into it drops
    // them.
    int generation() const { return m_generation; }

    int stepNumber() const;
    int totalSteps() const { return m_totalSteps; } // as the lesson runs with no interventions
    bool finished() const;

    bool step();
    void back();
    void reset();
    void replayTo(int step);

    // Run / Pause: tick() takes as many steps as `stepsPerSecond` allows in the time given.
    bool running() const { return m_running; }
    void setRunning(bool running);
    float stepsPerSecond = 2.0f;
    void tick(double seconds);

    // Breakpoints: stop before a step in which a device sends one of these commands ("DELE", "EXPUNGE").
    std::vector<std::string> breakpoints;
    // Why the run stopped ("about to send DELE 1"), empty when it did not stop at a breakpoint.
    const std::string& breakMessage() const { return m_breakMessage; }

    // "Lose this device": replayed with the lesson on Back.
    void loseDevice(const std::string& device);

    const StepChanges& changes() const { return m_changes; }

    // Called just before the simulation is destroyed for a rebuild: whoever holds a session on its store
    // (the console) must let go of it first.
    void onRebuild(std::function<void()> listener) { m_rebuildListeners.push_back(std::move(listener)); }

private:
    void rebuild();
    bool stepOnce();
    std::string breakpointHit(int step) const;

    scenario::Scenario m_scenario;
    std::filesystem::path m_file;
    std::unique_ptr<scenario::Simulation> m_simulation;
    std::string m_loadError;
    int m_generation = 0;
    int m_totalSteps = 0;
    bool m_running = false;
    double m_runCredit = 0;
    int m_skipBreakAt = 0;
    std::string m_breakMessage;
    struct Intervention {
        int beforeStep = 0; // it was step number beforeStep
        std::string device;
    };
    std::vector<Intervention> m_interventions;
    StepChanges m_changes;
    int m_listener = 0;
    std::vector<std::function<void()>> m_rebuildListeners;
};

} // namespace maillab::gui
