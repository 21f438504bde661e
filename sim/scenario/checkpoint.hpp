// Checking a lesson's claims about state against what the simulation really did.
#pragma once

#include "scenario/scenario.hpp"

#include <string>
#include <vector>

namespace maillab::scenario {

class Simulation;

struct CheckpointResult {
    size_t action = 0; // index into the scenario's actions
    std::string description;
    std::vector<std::string> failures; // empty when every claim holds
    bool passed() const { return failures.empty(); }
};

CheckpointResult evaluateCheckpoint(const Checkpoint& checkpoint, const Simulation& simulation,
                                    size_t action);

} // namespace maillab::scenario
