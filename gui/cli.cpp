#include "cli.hpp"

#include "pop3/pop3_session.hpp"
#include "scenario/simulation.hpp"
#include "store/demo_mail.hpp"
#include "util/paths.hpp"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace maillab::cli {

void printUsage()
{
    std::cout << "usage: maillab [command]\n"
                 "\n"
                 "  (no command)            open the dashboard (on a machine without a display: run the\n"
                 "                          default lesson headless and print its transcript)\n"
                 "  run FILE.json           run a scenario and print its transcript as C:/S: lines\n"
                 "        --quiet           print only the transcript, without narration\n"
                 "  console pop3            talk POP3 to the built-in server on stdin/stdout, like telnet\n"
                 "                          (accounts alice/wonderland and bob/builder)\n"
                 "  help                    this text\n";
}

namespace {

int printScenario(const std::string& path, bool narrate)
{
    auto loaded = scenario::loadScenario(path);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        std::cerr << "maillab: " << error->message << "\n";
        return 1;
    }
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)));
    for (const std::string& problem : simulation.setupErrors()) std::cerr << "maillab: warning: " << problem << "\n";
    if (narrate) std::cout << "# " << simulation.scenario().title << "\n";
    size_t printed = 0;
    size_t lastAction = SIZE_MAX;
    const bool tagged = simulation.devices().size() > 1;
    while (simulation.step()) {
        // Narration goes before the first line that its step produced.
        size_t action = simulation.actionIndex() - 1;
        const auto& entries = simulation.transcript().entries();
        if (narrate && action != lastAction && action < simulation.scenario().actions.size()) {
            const std::string& narration = simulation.scenario().actions[action].narration;
            if (!narration.empty()) std::cout << "\n# " << narration << "\n";
            lastAction = action;
        }
        for (; printed < entries.size(); ++printed) std::cout << wire::formatEntry(entries[printed], tagged);
    }
    return 0;
}

} // namespace

int runScenario(const Args& args)
{
    std::string file;
    bool narrate = true;
    for (const std::string& arg : args) {
        if (arg == "--quiet") narrate = false;
        else if (file.empty()) file = arg;
    }
    if (file.empty()) {
        std::cerr << "usage: maillab run FILE.json [--quiet]\n";
        return 2;
    }
    return printScenario(file, narrate);
}

int runDefault()
{
    const std::string lesson = (util::lessonsDir() / "pop3-delete-mode.json").string();
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((!display || !*display) && (!wayland || !*wayland))
        std::cout << "No display found: running the default lesson headless (" << lesson << ").\n";
    else
        std::cout << "The dashboard is not part of this build yet: running the default lesson headless (" << lesson
                  << ").\n";
    return printScenario(lesson, true);
}

int runConsole(const Args& args)
{
    if (args.empty() || (args[0] != "pop3")) {
        std::cerr << "usage: maillab console pop3\n";
        return 2;
    }
    wire::VirtualClock clock;
    store::Store store(static_cast<uint32_t>(clock.nowSeconds()));
    store::loadDemoAccounts(store, util::assetsDir() / "mail");
    pop3::Pop3Session session(store, clock, 1);
    if (isatty(STDIN_FILENO))
        std::cerr << "maillab POP3 console: type commands (USER alice, PASS wonderland, LIST, RETR 1, QUIT).\n";
    std::cout << session.greeting() << std::flush;
    std::string line;
    while (!session.closed() && std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::cout << session.receive(line + "\r\n") << std::flush;
        clock.advance(1000);
    }
    // End of input without QUIT is a dropped connection: the server deletes nothing.
    if (!session.closed()) session.disconnected();
    return 0;
}

} // namespace maillab::cli
