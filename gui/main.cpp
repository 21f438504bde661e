// maillab: no arguments opens the dashboard; subcommands run headless.
#include "app/window.hpp"
#include "cli.hpp"

#include <cstring>
#include <iostream>

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        maillab::gui::DashboardOptions options;
        options.layout = maillab::gui::Layout::Student; // what a new student should see first
        int code = maillab::app::runDashboard(options);
        return code >= 0 ? code : maillab::cli::runDefault();
    }
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "screenshot") return maillab::app::runScreenshot(args);
    if (command == "dashboard") return maillab::app::runDashboardCommand(args);
    if (command == "run") return maillab::cli::runScenario(args);
    if (command == "console") return maillab::cli::runConsole(args);
    if (command == "serve") return maillab::cli::runServe(args);
    if (command == "connect") return maillab::cli::runConnect(args);
    if (command == "export") return maillab::cli::runExport(args);
    if (command == "lint") return maillab::cli::runLint(args);
    if (command == "help" || command == "--help" || command == "-h") {
        maillab::cli::printUsage();
        return 0;
    }
    if (command == "--version" || command == "version") {
        std::cout << "maillab 0.1.0\n";
        return 0;
    }
    std::cerr << "maillab: unknown command \"" << command << "\"\n";
    maillab::cli::printUsage();
    return 2;
}
