// Format names, writing files, and the bundle folder.
#include "export/export.hpp"

#include "util/text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace maillab::exporter {

namespace {

bool endsInMd(const std::filesystem::path& out)
{
    return util::iequals(out.extension().string(), ".md");
}

std::string writeBundle(const scenario::Simulation& simulation, const std::filesystem::path& folder)
{
    // The lesson copy first: a bundle without the lesson it came from is not worth writing.
    const std::filesystem::path& source = simulation.scenario().source;
    if (source.empty()) return "the lesson was not loaded from a file, so the bundle cannot include it";
    std::string lesson;
    if (std::string error = readFile(source, lesson); !error.empty()) return "the lesson file: " + error;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return "cannot create " + folder.string() + ": " + ec.message();
    const std::pair<const char*, std::string> files[] = {
        {kBundleText, exportText(simulation)}, {kBundleMarkdown, exportMarkdown(simulation)},
        {kBundleHtml, exportHtml(simulation)}, {kBundleJson, exportJson(simulation)},
        {kBundlePcap, exportPcap(simulation)}, {kBundlePcapng, exportPcapng(simulation)},
        {kBundleLesson, std::move(lesson)},
    };
    for (const auto& [name, bytes] : files)
        if (std::string error = writeFile(folder / name, bytes); !error.empty()) return error;
    std::error_code ignored;
    std::filesystem::remove(folder / kBundleKeyLog,
                            ignored); // a key log from an earlier export must not stay
    if (!simulation.transcript().keyLog.empty())
        return writeFile(folder / kBundleKeyLog, exportKeyLog(simulation));
    return {};
}

std::string writeCapture(const std::string& capture, const scenario::Simulation& simulation,
                         const std::filesystem::path& out)
{
    if (std::string error = writeFile(out, capture); !error.empty()) return error;
    if (simulation.transcript().keyLog.empty()) return {};
    return writeFile(keyLogPathFor(out), exportKeyLog(simulation));
}

} // namespace

std::string writeFile(const std::filesystem::path& path, const std::string& bytes)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (file) file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (file) file.close();
    if (!file) return "cannot write " + path.string() + ": " + std::strerror(errno);
    return {};
}

std::string readFile(const std::filesystem::path& path, std::string& bytes)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) return "cannot read " + path.string() + ": " + std::strerror(errno);
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (file.bad()) return "cannot read " + path.string();
    return {};
}

std::string exportKeyLog(const scenario::Simulation& simulation)
{
    std::string out;
    for (const std::string& line : simulation.transcript().keyLog)
        out += line + "\n";
    return out;
}

std::filesystem::path keyLogPathFor(const std::filesystem::path& pcap)
{
    std::filesystem::path keys = pcap;
    return keys.replace_extension(".keys");
}

const std::vector<FormatHelp>& formatHelp()
{
    static const std::vector<FormatHelp> formats = {
        {Format::Text, "txt", "the transcript as C:/S: lines, with narration, questions and answers"},
        {Format::Markdown, "md", "the lesson as a handout; each answer after the exchange that settles it"},
        {Format::Html, "html", "the same handout as one printable page"},
        {Format::Json, "json", "every entry with its exact bytes (docs/transcript.schema.json)"},
        {Format::Pcap, "pcap", "the packets for Wireshark (classic pcap)"},
        {Format::Pcapng, "pcapng", "the packets with host names and the lesson's steps as comments"},
        {Format::Bundle, "bundle", "a folder with all of the above and the lesson file"},
        {Format::KeyLog, "keylog", "TLS keys: only beside their capture (pcap, pcapng, bundle, hand-in)"},
        {Format::Worksheet, "worksheet",
         "questions and choices to fill in, no answers (html; .md: Markdown)"},
        {Format::Key, "key", "every answer and explanation, for the instructor (html; .md: Markdown)"},
    };
    return formats;
}

std::optional<Format> formatFromName(std::string_view name)
{
    for (const FormatHelp& f : formatHelp())
        if (util::iequals(name, f.name)) return f.format;
    return std::nullopt;
}

const char* formatName(Format format)
{
    for (const FormatHelp& f : formatHelp())
        if (f.format == format) return f.name;
    return "";
}

std::string keyLogRefusal(const scenario::Simulation& simulation)
{
    if (simulation.transcript().keyLog.empty())
        return "this lesson has no TLS session, so there are no TLS keys to log";
    return "TLS keys are new on every run, so a key log opens only the capture of its own run: export "
           "--format pcapng (or pcap), which writes the key log beside the capture, or --format bundle";
}

std::string exportBytes(Format format, const scenario::Simulation& simulation, bool markdown)
{
    switch (format) {
    case Format::Text: return exportText(simulation);
    case Format::Markdown: return exportMarkdown(simulation);
    case Format::Html: return exportHtml(simulation);
    case Format::Json: return exportJson(simulation);
    case Format::Pcap: return exportPcap(simulation);
    case Format::Pcapng: return exportPcapng(simulation);
    case Format::KeyLog: return exportKeyLog(simulation);
    case Format::Worksheet:
        return markdown ? exportWorksheetMarkdown(simulation.scenario())
                        : exportWorksheetHtml(simulation.scenario());
    case Format::Key:
        return markdown ? exportKeyMarkdown(simulation.scenario()) : exportKeyHtml(simulation.scenario());
    case Format::Bundle: break;
    }
    return {};
}

std::string write(Format format, const scenario::Simulation& simulation, const std::filesystem::path& out)
{
    switch (format) {
    case Format::Pcap: return writeCapture(exportPcap(simulation), simulation, out);
    case Format::Pcapng: return writeCapture(exportPcapng(simulation), simulation, out);
    case Format::Bundle: return writeBundle(simulation, out);
    case Format::KeyLog: return keyLogRefusal(simulation);
    default: return writeFile(out, exportBytes(format, simulation, endsInMd(out)));
    }
}

} // namespace maillab::exporter
