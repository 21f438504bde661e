// Transcript exporters: a simulation's transcript, narration and final state as text, Markdown, HTML, JSON, a
// synthetic pcap, or a folder with all of them. Pure functions of the simulation: no clock reads, no random
// ids, so one lesson always exports to the same bytes.
#pragma once

#include "scenario/simulation.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace maillab::exporter {

enum class Format { Text, Markdown, Html, Json, Pcap, Bundle };

// "txt", "md", "html", "json", "pcap", "bundle" (case-insensitive); nullopt for anything else.
std::optional<Format> formatFromName(std::string_view name);
const char* formatName(Format format);

// Each returns the whole file. A simulation that has not run to the end exports what happened so far.
std::string exportText(const scenario::Simulation& simulation);     // C:/S: lines under a header
std::string exportMarkdown(const scenario::Simulation& simulation); // the lesson as a handout
std::string exportHtml(const scenario::Simulation& simulation);     // the same, self-contained and printable
std::string exportJson(const scenario::Simulation& simulation);     // every entry with its exact bytes
std::string exportPcap(const scenario::Simulation& simulation);     // classic pcap, Ethernet/IPv4/TCP

// The file names inside a bundle folder.
inline constexpr const char* kBundleText = "transcript.txt";
inline constexpr const char* kBundleMarkdown = "transcript.md";
inline constexpr const char* kBundleHtml = "transcript.html";
inline constexpr const char* kBundleJson = "transcript.json";
inline constexpr const char* kBundlePcap = "transcript.pcap";
inline constexpr const char* kBundleLesson = "lesson.json"; // a byte-for-byte copy of the lesson file

// Writes one format to `out`: a file, or for Bundle a folder (created if needed; the six files in it are
// replaced). Returns an empty string on success, else what went wrong ("cannot write OUT: reason").
std::string write(Format format, const scenario::Simulation& simulation, const std::filesystem::path& out);

} // namespace maillab::exporter
