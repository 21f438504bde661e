// Plays a lesson along its timeline (scenario::Timeline): Step plays one lesson step at the run speed, Next
// exchange takes one exchange, Back and jumps start from the simulation kept at the nearest lesson step, Run
// plays on, breakpoints stop before a command, and the user's own interventions ("lose this device") are
// kept at the step they were made.
#pragma once

#include "panel.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "scenario/timeline.hpp"

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

    // Simulation steps (exchanges and world events) taken so far, and in the whole lesson as it runs with
    // the interventions so far.
    int stepNumber() const;
    int totalSteps() const { return m_timeline ? m_timeline->totalSteps() : 0; }
    bool finished() const;
    const scenario::Timeline* timeline() const { return m_timeline.get(); }
    // The lesson step in progress (or about to begin), SIZE_MAX at the end.
    size_t lessonStep() const;

    // Next exchange: one simulation step, now.
    bool step();
    // Step: plays the rest of the current lesson step at the run speed (tick() moves it on).
    void playLessonStep();
    // The same without waiting: to the end of the current lesson step.
    void finishLessonStep();
    bool playingLessonStep() const { return m_playTo >= 0; }
    // Back: to the start of the current lesson step, or of the one before when already there.
    void back();
    void reset();
    // Jumps to the state after `step` simulation steps (the event list, the progress bar).
    void seek(int step);
    void replayTo(int step) { seek(step); }

    // Run / Pause: tick() takes as many steps as `stepsPerSecond` allows in the time given, and fills the
    // timeline's snapshots a little at a time.
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
    void adopt(std::unique_ptr<scenario::Simulation> simulation);
    bool stepOnce();
    std::string breakpointHit(int step) const;

    scenario::Scenario m_scenario;
    std::filesystem::path m_file;
    std::unique_ptr<scenario::Timeline> m_timeline;
    std::unique_ptr<scenario::Simulation> m_simulation;
    std::string m_loadError;
    int m_generation = 0;
    bool m_running = false;
    int m_playTo = -1; // Step's target while a lesson step plays
    double m_runCredit = 0;
    int m_skipBreakAt = 0;
    std::string m_breakMessage;
    StepChanges m_changes;
    int m_listener = 0;
    std::vector<std::function<void()>> m_rebuildListeners;
};

} // namespace maillab::gui
