// maillab lint FILE.json...: every finding as "file:line:column: what", exit 1 when there is any.
#include "cli.hpp"
#include "scenario/lint.hpp"

#include <iostream>

namespace maillab::cli {

int runLint(const Args& args)
{
    if (args.empty()) {
        std::cerr << "usage: maillab lint FILE.json...\n";
        return 2;
    }
    size_t findings = 0;
    for (const std::string& file : args)
        for (const scenario::LintFinding& finding : scenario::lintLesson(file)) {
            std::cout << finding.text() << "\n";
            ++findings;
        }
    if (findings)
        std::cerr << "maillab lint: " << findings << " finding(s) in " << args.size() << " file(s)\n";
    return findings ? 1 : 0;
}

} // namespace maillab::cli
