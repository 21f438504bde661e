// A lesson as a line a student moves along: every lesson step and every exchange, listed from a run of the
// lesson, and the simulation kept ready at the start of each lesson step, so that Back and a jump anywhere
// cost at most one lesson step's exchanges instead of a replay from the start.
//
// A Simulation cannot be copied (its devices run coroutines, its TLS endpoints hold OpenSSL state), so a
// snapshot is a whole Simulation parked at a step. Taking one for a jump leaves its place empty; prepare()
// fills empty places again a bounded number of exchanges at a time (the dashboard calls it between frames).
#pragma once

#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace maillab::scenario {

// One row of the event list: what one simulation step did.
struct TimelineEvent {
    int step = 0;      // the simulation step (TranscriptEntry::step) that made it happen
    size_t action = 0; // the lesson step it belongs to (index into Scenario::actions)
    bool opensAction = false;
    std::string device;    // who acted; "server" for world events
    std::string summary;   // what the device sent ("RETR 1"), or what happened ("2 days pass")
    std::string outcome;   // the reply's status line ("+OK 1200 octets"), empty when there was none
    bool failed = false;   // the reply refused (-ERR, NO, BAD) or a checkpoint failed
    size_t firstEntry = 0; // index of the step's first transcript entry
};

// "Lose this device" at a step the student chose (the dashboard's button), outside the lesson's script.
struct LostDevice {
    int beforeStep = 0; // it happens as step number beforeStep
    std::string device;
    bool operator==(const LostDevice&) const = default;
};

class Timeline {
public:
    explicit Timeline(Scenario scenario, std::filesystem::path mailDir = {});
    ~Timeline();

    const Scenario& scenario() const { return m_scenario; }
    // Every step of the lesson as it runs with the interventions so far.
    const std::vector<TimelineEvent>& events() const { return m_events; }
    int totalSteps() const { return static_cast<int>(m_events.size()); }
    // The simulation step after which lesson step `action` begins (0 for the first); the lesson's total
    // for an action that never takes a step of its own.
    int actionStart(size_t action) const;
    // The lesson step the simulation is in after `step` steps (the one about to begin at a boundary);
    // SIZE_MAX at the end.
    size_t actionAt(int step) const;
    // The boundary at or after `step` where the next lesson step begins (the end of the current one).
    int nextBoundary(int step) const;
    // The boundary strictly before `step` (0 at the start).
    int previousBoundary(int step) const;

    const std::vector<LostDevice>& interventions() const { return m_lost; }
    // Adds an intervention; later ones belong to a future that a jump back has undone and are forgotten.
    void addIntervention(LostDevice lost);
    void clearInterventions();

    // A new simulation after `step` steps, taken from the nearest snapshot at or before it and advanced.
    std::unique_ptr<Simulation> simulationAt(int step);
    // One step forward, with the interventions due at it. False at the end of the lesson.
    bool advance(Simulation& simulation) const;
    // Fills empty snapshot places with at most `budget` simulation steps of work; true when all are ready.
    bool prepare(int budget);
    size_t snapshotsReady() const { return m_snapshots.size(); }

private:
    void runThrough();
    std::unique_ptr<Simulation> fresh() const;

    Scenario m_scenario;
    std::filesystem::path m_mailDir;
    std::vector<LostDevice> m_lost;
    std::vector<TimelineEvent> m_events;
    std::vector<int> m_actionStarts;                        // per action
    std::vector<int> m_boundaries;                          // sorted, unique: where lesson steps begin
    std::map<int, std::unique_ptr<Simulation>> m_snapshots; // by step, at boundaries
    std::unique_ptr<Simulation> m_builder;                  // on its way to the lowest empty place
};

} // namespace maillab::scenario
