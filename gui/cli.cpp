#include "cli.hpp"

#include "export/export.hpp"
#include "imap/imap_types.hpp"
#include "imap/imap_vocabulary.hpp"
#include "pop3/pop3_session.hpp"
#include "scenario/question.hpp"
#include "scenario/simulation.hpp"
#include "scenario/summary.hpp"
#include "store/demo_mail.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace maillab::cli {

void printUsage()
{
    std::cout
        << "usage: maillab [command]\n"
           "\n"
           "  (no command)            open the dashboard (on a machine without a display: run the\n"
           "                          default lesson headless and print its transcript)\n"
           "  run FILE.json           run a scenario and print its transcript as C:/S: lines\n"
           "        --quiet           print only the transcript, without narration\n"
           "                          (on a terminal, you predict each question's answer first)\n"
           "        --answers A.json --hand-in DIR\n"
           "                          a student's answers (docs/answers.schema.json): write DIR/NAME/\n"
           "                          with them graded, the checkpoints, the transcript and capture\n"
           "  lint FILE.json...       check lessons: answers given away before their reveal point,\n"
           "                          reveal points that never happen, schema errors\n"
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
           "        --imap4rev1                   IMAP4rev1 only: no IMAP4rev2 or UTF8=ACCEPT (RFC 9051,\n"
           "                                      6855), offered by default\n"
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
           "  export FILE.json --format F -o OUT\n"
           "                          run a lesson and write its transcript, a handout or a capture:\n";
    for (const exporter::FormatHelp& format : exporter::formatHelp())
        std::cout << "        " << format.name
                  << std::string(10 - std::min<size_t>(9, std::strlen(format.name)), ' ') << format.what
                  << "\n";
    std::cout << "  dashboard [FILE.json] [--layout student|presenter|analyst] [--theme light]\n"
                 "                          the dashboard with this lesson (what no command opens)\n"
                 "  screenshot --out FILE.png [--lesson FILE.json] [--step N] [--panel NAME]\n"
                 "             [--size WxH] [--theme dark|light] [--layout student|presenter|analyst]\n"
                 "             [--presenter] [--eavesdropper]\n"
                 "             [--comparison checks-twice|two-devices|lost-laptop|phone-catches-up]\n"
                 "             [--compare-steps N]\n"
                 "                          render the dashboard offscreen to a PNG (xvfb-run -a without\n"
                 "                          a display); panels: lesson events transcript scene\n"
                 "                          mailboxes devices sequence state breakpoints console compare\n"
                 "                          live\n"
                 "  help                    this text\n";
}

namespace {

// The answer goes right after the transcript line that proves it (the question's reveal point).
void printAnswer(const scenario::Question& q, std::optional<size_t> prediction)
{
    std::cout << "# Answer: " << scenario::choiceLetter(q.answer) << ") " << q.choices[q.answer];
    if (prediction)
        std::cout << (*prediction == q.answer
                          ? " (your prediction: right)"
                          : std::string(" (your prediction: ") + scenario::choiceLetter(*prediction) + ")");
    std::cout << ". " << q.explanation << "\n";
}

// On a terminal the student commits to a choice before the step's lines appear: its letter, or its number
// counting from 1.
std::optional<size_t> askPrediction(const scenario::Question& q)
{
    for (;;) {
        std::cout << "# Your prediction (a-" << scenario::choiceLetter(q.choices.size() - 1)
                  << "): " << std::flush;
        std::string line;
        if (!std::getline(std::cin, line)) return std::nullopt;
        const std::string typed = util::toLower(util::trim(line));
        size_t choice = SIZE_MAX;
        if (typed.size() == 1 && typed[0] >= 'a') choice = static_cast<size_t>(typed[0] - 'a');
        if (auto number = util::parseNumber(typed); number && *number >= 1)
            choice = static_cast<size_t>(*number - 1);
        if (choice < q.choices.size()) return choice;
    }
}

int printScenario(const std::string& path, bool narrate, const HandInRequest& handIn = {})
{
    auto loaded = scenario::loadScenario(path);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        std::cerr << "maillab: " << error->message << "\n";
        return 1;
    }
    if (handIn.wanted() && !checkHandIn(handIn, std::get<scenario::Scenario>(loaded))) return 1;
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)));
    for (const std::string& problem : simulation.setupErrors())
        std::cerr << "maillab: warning: " << problem << "\n";
    const auto& actions = simulation.scenario().actions;
    // The setting first; the description tells how the lesson ends, so it comes after the summary.
    if (narrate) std::cout << "# " << simulation.scenario().title << "\n";
    if (narrate && !simulation.scenario().setting.empty())
        std::cout << "# " << simulation.scenario().setting << "\n";
    // Answers handed in are the predictions; only without them does a terminal ask.
    const std::optional<exporter::StudentAnswers> handedIn =
        loadHandedInAnswers(handIn, simulation.scenario());
    const bool interactive = narrate && isatty(STDIN_FILENO) && !handedIn;
    // Per question, in the order of their actions: the student's prediction and whether it was answered.
    std::vector<size_t> questionActions;
    for (size_t i = 0; i < actions.size(); ++i)
        if (actions[i].question) questionActions.push_back(i);
    std::vector<std::optional<size_t>> predictions(questionActions.size());
    if (handedIn)
        for (const exporter::StudentAnswer& answer : handedIn->answers)
            for (size_t q = 0; q < questionActions.size(); ++q)
                if (questionActions[q] + 1 == answer.step) predictions[q] = answer.choice;
    std::vector<bool> answered(questionActions.size(), false);
    // Answers whose reveal point is behind the simulation and whose proof is among the first `shown` lines.
    auto printRevealed = [&](size_t shown) {
        const std::vector<scenario::Reveal> found = scenario::reveals(simulation);
        for (size_t i = 0; i < found.size(); ++i)
            if (!answered[i] && found[i].revealed() &&
                (found[i].evidence == SIZE_MAX || found[i].evidence < shown)) {
                answered[i] = true;
                printAnswer(*actions[found[i].action].question, predictions[i]);
            }
    };
    size_t printed = 0;
    size_t lastAction = SIZE_MAX;
    const bool tagged = simulation.devices().size() > 1;
    while (simulation.step()) {
        // Narration and the question go before the first line of their step; each answer after the line that
        // settles it.
        size_t action = simulation.actionOfStep(simulation.stepNumber());
        const auto& entries = simulation.transcript().entries();
        if (narrate) printRevealed(printed);
        if (narrate && action != lastAction && action < actions.size()) {
            if (!actions[action].narration.empty()) std::cout << "\n# " << actions[action].narration << "\n";
            if (const auto& q = actions[action].question) {
                std::cout << "# Question: " << q->prompt << "\n";
                for (size_t i = 0; i < q->choices.size(); ++i)
                    std::cout << "#   " << scenario::choiceLetter(i) << ") " << q->choices[i] << "\n";
                const size_t index =
                    static_cast<size_t>(std::find(questionActions.begin(), questionActions.end(), action) -
                                        questionActions.begin());
                if (interactive)
                    predictions[index] = askPrediction(*q);
                else if (predictions[index])
                    std::cout << "# (handed in: " << scenario::choiceLetter(*predictions[index]) << ")\n";
                else
                    std::cout << "# (answer after the step)\n";
            }
            lastAction = action;
        }
        for (; printed < entries.size(); ++printed) {
            std::cout << wire::formatEntry(entries[printed], tagged);
            if (narrate) printRevealed(printed + 1);
        }
    }
    if (narrate) {
        printRevealed(SIZE_MAX);
        for (size_t i = 0; i < answered.size(); ++i)
            if (!answered[i]) printAnswer(*actions[questionActions[i]].question, predictions[i]);
        std::cout << "\n";
        for (const std::string& line : scenario::summaryLines(scenario::summarize(simulation, predictions)))
            std::cout << "# " << line << "\n";
        if (!simulation.scenario().description.empty())
            std::cout << "# What this lesson showed: " << simulation.scenario().description << "\n";
    }
    int failed = 0;
    for (const scenario::CheckpointResult& result : simulation.checkpointResults())
        if (!result.passed()) {
            std::cerr << "maillab: " << path << ": step " << result.action + 1 << ": checkpoint \""
                      << result.description << "\" fails\n";
            ++failed;
        }
    if (handIn.wanted())
        if (int status = writeHandIn(handIn, simulation); status != 0) return status;
    return failed ? 3 : 0;
}

} // namespace

int runScenario(const Args& args)
{
    std::string file;
    bool narrate = true;
    HandInRequest handIn;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--quiet")
            narrate = false;
        else if (arg == "--answers" && i + 1 < args.size())
            handIn.answersFile = args[++i];
        else if (arg == "--hand-in" && i + 1 < args.size())
            handIn.folder = args[++i];
        else if (file.empty())
            file = arg;
    }
    if (file.empty()) {
        std::cerr << "usage: maillab run FILE.json [--quiet] [--answers A.json --hand-in DIR]\n";
        return 2;
    }
    return printScenario(file, narrate, handIn);
}

int runDefault()
{
    const std::string lesson = (util::lessonsDir() / "14-pop3-delete-mode.json").string();
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
