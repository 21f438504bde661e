// Side-by-side lanes: the same mailbox and the same user actions, played once per protocol or POP3 mode
// ("POP3 delete | POP3 keep | IMAP"), in lockstep by action, with samples for the comparison plots.
//
// A lane is an ordinary Simulation of the base scenario whose devices all get the lane's protocol and mode,
// so every byte in a lane is what the real engines exchange. The base scenario may only hold actions that
// mean the same in every lane (check mail, deliver, wait, lose device, quit, drop, note): an IMAP-only
// action or a raw protocol line has no counterpart in the other lanes, and a checkpoint's claim that holds
// in one lane fails in another. No GUI here: the dashboard's compare panel draws what this records.
#pragma once

#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace maillab::scenario {

// How every device of a lane talks to the server.
struct LaneSpec {
    std::string label; // "POP3 delete mode", shown above the lane
    wire::Protocol protocol = wire::Protocol::Pop3;
    std::string mode = "delete"; // POP3: "delete" or "keep"; IMAP: "online"
    // IMAP extensions the lane's server does not offer, beside those the scenario switches off: lanes that
    // differ only in these show what an extension saves (QRESYNC | CONDSTORE | neither).
    std::vector<std::string> capabilitiesOff = {};
};

LaneSpec pop3DeleteLane();
LaneSpec pop3KeepLane();
LaneSpec imapLane();

// A lane's totals after an action (sample 0: before the first action).
struct LaneSample {
    size_t actionsDone = 0;     // "after action N"
    int steps = 0;              // exchanges and world events so far
    uint64_t bytesToServer = 0; // protocol bytes the devices sent (Transcript::byteCount)
    uint64_t bytesToClient = 0; // protocol bytes the server sent
    int roundTrips = 0;         // commands sent: each waits for its reply before the next
    int connections = 0;
    int serverMessages = 0;          // messages on the server, every folder of every account the devices use
    int inboxMessages = 0;           // of those, in INBOX
    std::vector<int> deviceMessages; // per device of the scenario, in its order
    std::vector<uint64_t> deviceBytes; // bytes each device stores
    uint64_t bytesOnWire() const { return bytesToServer + bytesToClient; }
};

class Lane {
public:
    Lane(LaneSpec spec, const Scenario& base);

    const LaneSpec& spec() const { return m_spec; }
    const Simulation& simulation() const { return *m_simulation; }
    Simulation& simulation() { return *m_simulation; }
    // samples()[n]: after n actions; samples().front() is the start.
    const std::vector<LaneSample>& samples() const { return m_samples; }
    const LaneSample& latest() const { return m_samples.back(); }

    // Runs the simulation's steps until action `index` is done, then records a sample.
    void finishAction(size_t index);

private:
    LaneSample measure();

    LaneSpec m_spec;
    std::unique_ptr<Simulation> m_simulation;
    std::vector<LaneSample> m_samples;
    std::vector<std::string> m_users; // the accounts the devices log in to
    size_t m_scanned = 0;             // transcript entries already counted
    LaneSample m_running;             // the counters, kept up to date entry by entry
};

class Comparison {
public:
    // The base scenario must pass problem() (throws std::invalid_argument otherwise); 1 to 3 lanes.
    Comparison(Scenario base, std::vector<LaneSpec> lanes);

    // Why a scenario cannot be compared ("step 3: \"move\" is IMAP only"), or "" when it can.
    static std::string problem(const Scenario& base, const std::vector<LaneSpec>& lanes);

    // Advances every lane by one action. False when every action is done.
    bool step();
    // Back to the start: every lane rebuilt from the base scenario.
    void reset();

    size_t actionIndex() const { return m_actionsDone; } // actions done in every lane
    size_t actionCount() const { return m_base.actions.size(); }
    bool finished() const { return m_actionsDone >= m_base.actions.size(); }
    const Scenario& base() const { return m_base; }
    const std::vector<std::unique_ptr<Lane>>& lanes() const { return m_lanes; }
    const std::vector<LaneSpec>& laneSpecs() const { return m_specs; }
    // What action n (counting from 1, as "after action n") does, in words: "laptop checks mail".
    std::string describeAction(size_t n) const;

private:
    Scenario m_base;
    std::vector<LaneSpec> m_specs;
    std::vector<std::unique_ptr<Lane>> m_lanes;
    size_t m_actionsDone = 0;
};

// The comparisons the dashboard offers.
struct ComparisonSpec {
    std::string id;          // "lost-laptop"
    std::string title;       // "The laptop is lost after checking"
    std::string description; // what to look for, for the student
    Scenario scenario;
    std::vector<LaneSpec> lanes;
};
const std::vector<ComparisonSpec>& builtInComparisons();
const ComparisonSpec* findComparison(const std::string& id);

} // namespace maillab::scenario
