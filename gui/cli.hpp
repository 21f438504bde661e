// The headless subcommands of the maillab executable.
#pragma once

#include <string>
#include <vector>

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

} // namespace maillab::cli
