// When a lesson's question may be answered: predict, observe, explain. A question is asked before its step;
// its answer may be shown only once the exchange that settles it has happened (its reveal point), and the
// explanation points at the transcript line that proves it. The dashboard, `maillab run`, the exports and
// `maillab lint` all ask here, so none of them can show an answer early.
#pragma once

#include "scenario/scenario.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace maillab::scenario {

class Simulation;

struct Reveal {
    size_t action = 0;          // the question's action (index into scenario().actions)
    int step = 0;               // the simulation step (TranscriptEntry::step) that settled it; 0: not yet
    size_t evidence = SIZE_MAX; // index into transcript().entries() of the reply that proves it, if any
    bool revealed() const { return step > 0; }
};

// One Reveal for every question of the lesson, in the order of their actions, as far as the simulation
// has run: revealed() once the reveal point is behind it.
std::vector<Reveal> reveals(const Simulation& simulation);
// The question of `action`, or nothing when that action asks none.
std::optional<Reveal> revealOf(const Simulation& simulation, size_t action);

// "a) 3 messages": the letter a student picks a choice by, from its index.
char choiceLetter(size_t index);
// The reveal point in words: "after the server's reply to RETR (laptop)" or "at the end of its step".
std::string describeRevealPoint(const Question& question);

} // namespace maillab::scenario
