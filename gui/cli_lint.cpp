// maillab lint FILE.json...: every finding as "file:line:column: what", exit 1 when there is any that is not
// a warning.
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
    size_t errors = 0;
    size_t warnings = 0;
    for (const std::string& file : args)
        for (const scenario::LintFinding& finding : scenario::lintLesson(file)) {
            std::cout << finding.text() << "\n";
            ++(finding.warning ? warnings : errors);
        }
    if (errors || warnings)
        std::cerr << "maillab lint: " << errors << " finding(s) and " << warnings << " warning(s) in "
                  << args.size() << " file(s)\n";
    return errors ? 1 : 0;
}

} // namespace maillab::cli
