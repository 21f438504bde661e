// maillab export LESSON.json --format F -o OUT: run a lesson headless, write it out; and the hand-in of
// `maillab run FILE --answers A.json --hand-in DIR`.
#include "cli.hpp"
#include "export/export.hpp"
#include "export/hand_in.hpp"
#include "scenario/simulation.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace maillab::cli {

namespace {

int usage()
{
    std::cerr << "usage: maillab export LESSON.json --format F -o OUT\n";
    for (const exporter::FormatHelp& format : exporter::formatHelp())
        std::cerr << "  " << format.name
                  << std::string(11 - std::min<size_t>(10, std::strlen(format.name)), ' ') << format.what
                  << "\n";
    std::cerr
        << "OUT is a folder for bundle; without -o, or with -o -, other formats go to stdout. A pcap or\n"
           "pcapng of a lesson with TLS gets its key log beside it: x.pcapng, x.keys.\n";
    return 2;
}

bool isBinary(exporter::Format format)
{
    return format == exporter::Format::Pcap || format == exporter::Format::Pcapng;
}

} // namespace

int runExport(const Args& args)
{
    std::string lessonFile, formatText = "txt", out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if ((arg == "--format" || arg == "-f") && i + 1 < args.size())
            formatText = args[++i];
        else if ((arg == "-o" || arg == "--output") && i + 1 < args.size())
            out = args[++i];
        else if (arg.rfind("--format=", 0) == 0)
            formatText = arg.substr(9);
        else if (!arg.empty() && arg[0] == '-' && arg != "-") {
            std::cerr << "maillab export: unknown option \"" << arg << "\"\n";
            return usage();
        } else if (lessonFile.empty())
            lessonFile = arg;
        else
            return usage();
    }
    if (lessonFile.empty()) return usage();
    const std::optional<exporter::Format> format = exporter::formatFromName(formatText);
    if (!format) {
        std::cerr << "maillab export: unknown format \"" << formatText << "\"\n";
        return usage();
    }
    const bool toStdout = out.empty() || out == "-";
    if (toStdout && *format == exporter::Format::Bundle) {
        std::cerr << "maillab export: a bundle is a folder: give it with -o\n";
        return usage();
    }
    if (toStdout && isBinary(*format) && isatty(STDOUT_FILENO)) {
        std::cerr << "maillab export: a capture is binary; write it to a file with -o, or pipe it\n";
        return 2;
    }

    auto loaded = scenario::loadScenario(lessonFile);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        std::cerr << "maillab: " << error->message << "\n";
        return 1;
    }
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)));
    for (const std::string& problem : simulation.setupErrors())
        std::cerr << "maillab: warning: " << problem << "\n";
    simulation.run();
    if (!simulation.finished())
        std::cerr << "maillab: warning: the lesson did not finish; exporting what ran\n";
    if (*format == exporter::Format::KeyLog) {
        std::cerr << "maillab export: " << exporter::keyLogRefusal(simulation) << "\n";
        return 1;
    }

    if (toStdout) {
        const std::string bytes = exporter::exportBytes(*format, simulation);
        if (isBinary(*format) && !simulation.transcript().keyLog.empty())
            std::cerr
                << "maillab: warning: the key log that decrypts this capture is not written: TLS keys are "
                   "new on every run, so export with -o FILE to get FILE's key log beside it\n";
        std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        std::cout.flush();
        return std::cout ? 0 : 1;
    }
    if (std::string error = exporter::write(*format, simulation, out); !error.empty()) {
        std::cerr << "maillab export: " << error << "\n";
        return 1;
    }
    return 0;
}

bool checkHandIn(const HandInRequest& request, const scenario::Scenario& lesson)
{
    if (request.answersFile.empty()) {
        std::cerr << "maillab run: --hand-in DIR needs the student's answers: --answers A.json\n";
        return false;
    }
    auto answers = exporter::loadAnswers(request.answersFile, lesson);
    if (auto* error = std::get_if<std::string>(&answers)) {
        std::cerr << "maillab: " << *error << "\n";
        return false;
    }
    return true;
}

std::optional<exporter::StudentAnswers> loadHandedInAnswers(const HandInRequest& request,
                                                            const scenario::Scenario& lesson)
{
    if (request.answersFile.empty()) return std::nullopt;
    auto answers = exporter::loadAnswers(request.answersFile, lesson);
    if (auto* loaded = std::get_if<exporter::StudentAnswers>(&answers)) return std::move(*loaded);
    return std::nullopt; // checkHandIn has said why
}

int writeHandIn(const HandInRequest& request, const scenario::Simulation& simulation)
{
    if (request.folder.empty()) return 0; // answers without a hand-in: checked, nothing to write
    const scenario::Scenario& lesson = simulation.scenario();
    auto answers = exporter::loadAnswers(request.answersFile, lesson);
    if (auto* error = std::get_if<std::string>(&answers)) {
        std::cerr << "maillab: " << *error << "\n";
        return 1;
    }
    auto written = exporter::writeHandIn(simulation, lesson, std::get<exporter::StudentAnswers>(answers),
                                         request.folder);
    if (auto* error = std::get_if<std::string>(&written)) {
        std::cerr << "maillab: hand-in: " << *error << "\n";
        return 1;
    }
    std::cerr << "maillab: hand-in written to " << std::get<std::filesystem::path>(written).string() << "\n";
    return 0;
}

} // namespace maillab::cli
