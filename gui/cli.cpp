#include "cli.hpp"

#include "imap/imap_types.hpp"
#include "imap/imap_vocabulary.hpp"
#include "pop3/pop3_session.hpp"
#include "scenario/simulation.hpp"
#include "store/demo_mail.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <cstdlib>
#include <iostream>
#include <optional>
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
                 "  console pop3|imap       talk POP3 or IMAP to the built-in server on stdin/stdout, like\n"
                 "                          telnet (accounts alice/wonderland and bob/builder)\n"
                 "  serve                   POP3 and IMAP for real mail clients on 127.0.0.1:1110 and :1143\n"
                 "                          (with STLS/STARTTLS), POP3S and IMAPS (implicit TLS) on :1995\n"
                 "                          and :1993\n"
                 "        --pop3-port N --imap-port N   other ports (0: any free port)\n"
                 "        --pop3s-port N --imaps-port N other TLS ports (0: any free port)\n"
                 "        --standard-ports              110, 143, 995 and 993 (needs the right to bind)\n"
                 "        --cert FILE --key FILE        your PEM certificate and key; without them a\n"
                 "                                      self-signed one is made on first use and kept\n"
                 "                                      in $XDG_CONFIG_HOME/maillab or ~/.config/maillab\n"
                 "        --require-tls                 no login on the plain ports before STLS or\n"
                 "                                      STARTTLS (IMAP: LOGINDISABLED)\n"
                 "        --no-tls                      plain text only: no TLS ports, no STLS/STARTTLS\n"
                 "        --keylog FILE                 append TLS secrets (SSLKEYLOGFILE, Wireshark)\n"
                 "        --handshake-timeout S         end a TLS handshake not done in S s (30)\n"
                 "        --bind ADDR                   listen on another address (warns: the demo\n"
                 "                                      accounts become reachable)\n"
                 "        --accounts FILE.json          your own accounts instead of the demo ones\n"
                 "        --maildir DIR                 keep the mail in Maildirs under DIR (one serve at a\n"
                 "                                      time; mail other programs deliver is seen)\n"
                 "        --log                         print every exchange as C:/S: lines\n"
                 "        --gui                         and watch the clients in the dashboard\n"
                 "        --max-connections N --max-line N --max-literal N --pop3-idle S --imap-idle S\n"
                 "        --login-failures N --login-delay-ms MS --login-max-delay-ms MS\n"
                 "                                      failed logins per account and address (3, 2000,\n"
                 "                                      30000: the third failure waits 2 s, then 4 s, ...)\n"
                 "        --preauth-idle S --max-preauth N   before login: idle limit (60) and how many\n"
                 "                                      connections (3/4 of --max-connections)\n"
                 "  connect pop3|imap HOST PORT --user U --password P [--mode delete|keep]\n"
                 "                          a simulated device against a real server, transcript on stdout\n"
                 "        --tls | --starttls            implicit TLS (995, 993), or STLS/STARTTLS first\n"
                 "        --cacert FILE                 trust these certificates instead of the system's\n"
                 "  export FILE.json --format txt|md|html|json|pcap|bundle -o OUT\n"
                 "                          run a lesson and write its transcript, a handout or a capture\n"
                 "  dashboard [FILE.json] [--presenter] [--theme light]\n"
                 "                          the dashboard with this lesson (what no command opens)\n"
                 "  screenshot --out FILE.png [--lesson FILE.json] [--step N] [--panel NAME]\n"
                 "             [--size WxH] [--theme dark|light] [--presenter] [--eavesdropper]\n"
                 "             [--comparison checks-twice|two-devices|lost-laptop|phone-catches-up] "
                 "[--compare-steps N]\n"
                 "                          render the dashboard offscreen to a PNG (xvfb-run -a without\n"
                 "                          a display); panels: lesson transcript mailboxes devices\n"
                 "                          sequence state breakpoints console compare live\n"
                 "  help                    this text\n";
}

namespace {

void printAnswer(const scenario::Action& action)
{
    if (!action.question) return;
    const scenario::Question& q = *action.question;
    std::cout << "# Answer: " << static_cast<char>('a' + q.answer) << ") " << q.choices[q.answer] << ". "
              << q.explanation << "\n";
}

int printScenario(const std::string& path, bool narrate)
{
    auto loaded = scenario::loadScenario(path);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        std::cerr << "maillab: " << error->message << "\n";
        return 1;
    }
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)));
    for (const std::string& problem : simulation.setupErrors())
        std::cerr << "maillab: warning: " << problem << "\n";
    const auto& actions = simulation.scenario().actions;
    if (narrate) std::cout << "# " << simulation.scenario().title << "\n";
    size_t printed = 0;
    size_t lastAction = SIZE_MAX;
    const bool tagged = simulation.devices().size() > 1;
    while (simulation.step()) {
        // Narration and the question go before the first line of their step; the answer after its last.
        size_t action = simulation.actionOfStep(simulation.stepNumber());
        const auto& entries = simulation.transcript().entries();
        if (narrate && action != lastAction && action < actions.size()) {
            if (lastAction < actions.size()) printAnswer(actions[lastAction]);
            if (!actions[action].narration.empty()) std::cout << "\n# " << actions[action].narration << "\n";
            if (const auto& q = actions[action].question) {
                std::cout << "# Question: " << q->prompt << "\n";
                for (size_t i = 0; i < q->choices.size(); ++i)
                    std::cout << "#   " << static_cast<char>('a' + i) << ") " << q->choices[i] << "\n";
            }
            lastAction = action;
        }
        for (; printed < entries.size(); ++printed)
            std::cout << wire::formatEntry(entries[printed], tagged);
    }
    if (narrate && lastAction < actions.size()) printAnswer(actions[lastAction]);
    int failed = 0;
    for (const scenario::CheckpointResult& result : simulation.checkpointResults())
        if (!result.passed()) {
            std::cerr << "maillab: " << path << ": step " << result.action + 1 << ": checkpoint \""
                      << result.description << "\" fails\n";
            ++failed;
        }
    return failed ? 3 : 0;
}

} // namespace

int runScenario(const Args& args)
{
    std::string file;
    bool narrate = true;
    for (const std::string& arg : args) {
        if (arg == "--quiet")
            narrate = false;
        else if (file.empty())
            file = arg;
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
    std::cout << "No display found: running the default lesson headless (" << lesson << ").\n";
    return printScenario(lesson, true);
}

// "?" in the console: every command of the protocol with its syntax, from the command table.
static void printCommands(bool imap)
{
    auto row = [](std::string_view syntax, std::string_view summary) {
        std::cerr << "  " << syntax << std::string(syntax.size() < 34 ? 34 - syntax.size() : 1, ' ')
                  << summary << "\n";
    };
    if (imap)
        for (const imap::CommandInfo& info : imap::commandTable())
            row(info.syntax, info.summary);
    else
        for (const pop3::CommandInfo& info : pop3::commandTable())
            row(info.syntax, info.summary);
}

int runConsole(const Args& args)
{
    if (args.empty() || (args[0] != "pop3" && args[0] != "imap")) {
        std::cerr << "usage: maillab console pop3|imap\n";
        return 2;
    }
    const bool imap = args[0] == "imap";
    wire::VirtualClock clock;
    store::Store store(static_cast<uint32_t>(clock.nowSeconds()));
    store::loadDemoAccounts(store, util::assetsDir() / "mail");
    std::unique_ptr<wire::ServerSession> session =
        scenario::makeServerSession(imap ? wire::Protocol::Imap : wire::Protocol::Pop3, store, clock, 1);
    if (isatty(STDIN_FILENO)) {
        if (imap)
            std::cerr
                << "maillab IMAP console: type tagged commands (a1 LOGIN alice wonderland, a2 SELECT INBOX, "
                   "a3 FETCH 1:3 (FLAGS ENVELOPE), a4 LOGOUT); ? lists the commands.\n";
        else
            std::cerr << "maillab POP3 console: type commands (USER alice, PASS wonderland, LIST, RETR 1, "
                         "QUIT); ? lists "
                         "the commands.\n";
    }
    std::cout << session->greeting() << std::flush;
    // Input is read as a byte stream whose line ends become CRLF, so a literal's size counts them as the
    // server will.
    std::string pending;
    bool endOfInput = false;
    auto fill = [&](size_t wanted, bool wholeLine) {
        std::string line;
        while (!endOfInput &&
               (wholeLine ? pending.find("\r\n") == std::string::npos : pending.size() < wanted)) {
            if (!std::getline(std::cin, line)) {
                endOfInput = true;
                break;
            }
            if (!line.empty() && line.back() == '\r') line.pop_back();
            pending += line + "\r\n";
        }
    };
    while (!session->closed()) {
        fill(0, true);
        size_t end = pending.find("\r\n");
        if (end == std::string::npos) break;
        std::string line = pending.substr(0, end + 2);
        pending.erase(0, end + 2);
        if (line == "?\r\n") { // the command table, not sent to the server
            printCommands(imap);
            continue;
        }
        std::string reply = session->receive(line);
        const std::vector<wire::Exchange> said = session->takeExchanges();
        std::cout << reply << std::flush;
        clock.advance(1000);
        if (!imap || session->closed()) continue;
        if (auto literal = imap::announcedLiteral(line)) {
            // A synchronizing literal goes only after the server's "+" (RFC 3501 section 4.3); {n+} at once.
            const bool go =
                literal->nonSynchronizing || (!said.empty() && said.back().status == wire::Status::Continue);
            const size_t size = static_cast<size_t>(literal->size);
            fill(size, false);
            std::string data = pending.substr(0, size);
            pending.erase(0, std::min(pending.size(), size));
            if (go)
                std::cout << session->receive(data) << std::flush;
            else
                std::cerr << "maillab: the server refused the literal; its " << data.size()
                          << " octets were not sent\n";
        }
    }
    // End of input without QUIT or LOGOUT is a dropped connection: a POP3 server deletes nothing.
    if (!session->closed()) session->disconnected();
    return 0;
}

} // namespace maillab::cli
