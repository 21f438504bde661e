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

struct FormatName {
    Format format;
    const char* name;
};
constexpr FormatName kFormatNames[] = {
    {Format::Text, "txt"},  {Format::Markdown, "md"},   {Format::Html, "html"},    {Format::Json, "json"},
    {Format::Pcap, "pcap"}, {Format::Bundle, "bundle"}, {Format::KeyLog, "keylog"}};

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
    if (!file) return "cannot read the lesson file " + path.string() + ": " + std::strerror(errno);
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (file.bad()) return "cannot read the lesson file " + path.string();
    return {};
}

std::string writeBundle(const scenario::Simulation& simulation, const std::filesystem::path& folder)
{
    // The lesson copy first: a bundle without the lesson it came from is not worth writing.
    const std::filesystem::path& source = simulation.scenario().source;
    if (source.empty()) return "the lesson was not loaded from a file, so the bundle cannot include it";
    std::string lesson;
    if (std::string error = readFile(source, lesson); !error.empty()) return error;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return "cannot create " + folder.string() + ": " + ec.message();
    const std::pair<const char*, std::string> files[] = {
        {kBundleText, exportText(simulation)}, {kBundleMarkdown, exportMarkdown(simulation)},
        {kBundleHtml, exportHtml(simulation)}, {kBundleJson, exportJson(simulation)},
        {kBundlePcap, exportPcap(simulation)}, {kBundleLesson, std::move(lesson)},
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

std::string writePcap(const scenario::Simulation& simulation, const std::filesystem::path& out)
{
    if (std::string error = writeFile(out, exportPcap(simulation)); !error.empty()) return error;
    if (simulation.transcript().keyLog.empty()) return {};
    return writeFile(keyLogPathFor(out), exportKeyLog(simulation));
}

} // namespace

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

std::optional<Format> formatFromName(std::string_view name)
{
    for (const FormatName& f : kFormatNames)
        if (util::iequals(name, f.name)) return f.format;
    return std::nullopt;
}

const char* formatName(Format format)
{
    for (const FormatName& f : kFormatNames)
        if (f.format == format) return f.name;
    return "";
}

std::string write(Format format, const scenario::Simulation& simulation, const std::filesystem::path& out)
{
    switch (format) {
    case Format::Text: return writeFile(out, exportText(simulation));
    case Format::Markdown: return writeFile(out, exportMarkdown(simulation));
    case Format::Html: return writeFile(out, exportHtml(simulation));
    case Format::Json: return writeFile(out, exportJson(simulation));
    case Format::Pcap: return writePcap(simulation, out);
    case Format::Bundle: return writeBundle(simulation, out);
    case Format::KeyLog: return writeFile(out, exportKeyLog(simulation));
    }
    return "unknown format";
}

} // namespace maillab::exporter
