// The headless subcommands of the maillab executable.
#pragma once

#include "export/hand_in.hpp"

#include <optional>
#include <string>
#include <vector>

namespace maillab::scenario {
struct Scenario;
class Simulation;
} // namespace maillab::scenario

namespace maillab::cli {

using Args = std::vector<std::string>;

int runScenario(const Args& args); // maillab run FILE.json
int runConsole(const Args& args);  // maillab console pop3|imap
int runDefault();                  // maillab with no arguments
int runServe(const Args& args);    // maillab serve [options]
int runConnect(const Args& args);  // maillab connect pop3|imap HOST PORT --user U --password P
int runExport(const Args& args);
int runLint(const Args& args); // maillab lint FILE.json...   // maillab export LESSON.json --format F -o OUT
void printUsage();

// maillab run FILE --answers A.json [--hand-in DIR] (gui/cli_export.cpp): the answers are checked against the
// lesson before it runs (false: the error is printed), and with a folder the hand-in is written from the run.
struct HandInRequest {
    std::string answersFile;
    std::string folder;
    bool wanted() const { return !answersFile.empty() || !folder.empty(); }
};
bool checkHandIn(const HandInRequest& request, const scenario::Scenario& lesson);
// The answers of --answers, as the run's predictions (nothing without the option or when they do not load).
std::optional<exporter::StudentAnswers> loadHandedInAnswers(const HandInRequest& request,
                                                            const scenario::Scenario& lesson);
int writeHandIn(const HandInRequest& request, const scenario::Simulation& simulation);

} // namespace maillab::cli
