// maillab export LESSON.json --format txt|md|html|json|pcap|bundle -o OUT: run a lesson headless, write it
// out.
#include "cli.hpp"
#include "export/export.hpp"
#include "scenario/simulation.hpp"

#include <iostream>
#include <unistd.h>

namespace maillab::cli {

namespace {

int usage()
{
    std::cerr << "usage: maillab export LESSON.json --format txt|md|html|json|pcap|bundle|keylog -o OUT\n"
                 "       (OUT is a folder for bundle; without -o, or with -o -, other formats go to stdout;\n"
                 "       a pcap of a lesson with TLS gets its key log beside it: x.pcap, x.keys)\n";
    return 2;
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
    if (toStdout && *format == exporter::Format::Pcap && isatty(STDOUT_FILENO)) {
        std::cerr << "maillab export: a pcap is binary; write it to a file with -o, or pipe it\n";
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

    if (toStdout) {
        std::string bytes;
        switch (*format) {
        case exporter::Format::Text: bytes = exporter::exportText(simulation); break;
        case exporter::Format::Markdown: bytes = exporter::exportMarkdown(simulation); break;
        case exporter::Format::Html: bytes = exporter::exportHtml(simulation); break;
        case exporter::Format::Json: bytes = exporter::exportJson(simulation); break;
        case exporter::Format::Pcap: bytes = exporter::exportPcap(simulation); break;
        case exporter::Format::KeyLog: bytes = exporter::exportKeyLog(simulation); break;
        case exporter::Format::Bundle: break;
        }
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

} // namespace maillab::cli
