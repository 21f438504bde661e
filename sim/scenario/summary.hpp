// The end of a lesson in one picture: what it showed, how the student's predictions went, and where the
// mail is now. `maillab run` prints it; the dashboard draws it (scenario::summarize is the one model).
#pragma once

#include "scenario/scenario.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace maillab::scenario {

class Simulation;

struct FolderCount {
    std::string folder;
    size_t messages = 0;
};

// The server's mail for one account, or what one device holds.
struct HolderState {
    std::string name;                 // "alice" (an account on the server) or the device's name
    std::string description;          // "server", "laptop, POP3 keep", "webmail, IMAP"
    bool lost = false;                // the device was lost: it holds nothing
    std::vector<FolderCount> folders; // only folders that hold something, INBOX first
    size_t total() const;
};

struct PredictionOutcome {
    size_t action = 0; // the question's action
    std::string prompt;
    std::string answer;               // the right choice's text
    std::optional<size_t> prediction; // the student's first choice, when they made one
    bool revealed = false;            // the reveal point was reached
    bool rightFirstTime() const { return prediction.has_value() && rightChoice == *prediction; }
    size_t rightChoice = 0;
};

// For a lesson where a device was lost: one message and every place it survives.
struct Survivor {
    std::string subject;
    std::vector<std::string> places; // "server: alice INBOX", "phone"; empty: gone everywhere
};

struct Summary {
    std::string title;
    std::vector<std::string> shown; // what the lesson showed: its checkpoints, each "(holds)" or "(FAILS)"
    std::vector<PredictionOutcome> predictions;
    std::vector<HolderState> server;  // one per account
    std::vector<HolderState> devices; // in the lesson's order
    std::vector<std::string> lostDevices;
    std::vector<Survivor> survivors; // only when a device was lost: the mail it held, and where it is now
    std::vector<std::string> quarantined; // subjects the virus filter kept out of every mailbox
    size_t answered() const;
    size_t rightFirstTime() const;
};

// predictions[i]: the student's first choice for the i-th question (in action order), when made.
Summary summarize(const Simulation& simulation, const std::vector<std::optional<size_t>>& predictions = {});

// The summary as text lines (`maillab run` prints them after "#").
std::vector<std::string> summaryLines(const Summary& summary);

} // namespace maillab::scenario
