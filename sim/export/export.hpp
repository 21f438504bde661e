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

enum class Format { Text, Markdown, Html, Json, Pcap, Bundle, KeyLog };

// "txt", "md", "html", "json", "pcap", "bundle", "keylog" (case-insensitive); nullopt for anything else.
std::optional<Format> formatFromName(std::string_view name);
const char* formatName(Format format);

// Each returns the whole file. A simulation that has not run to the end exports what happened so far.
std::string exportText(const scenario::Simulation& simulation);     // C:/S: lines under a header
std::string exportMarkdown(const scenario::Simulation& simulation); // the lesson as a handout
std::string exportHtml(const scenario::Simulation& simulation);     // the same, self-contained and printable
std::string exportJson(const scenario::Simulation& simulation);     // every entry with its exact bytes
std::string exportPcap(const scenario::Simulation& simulation);     // classic pcap, Ethernet/IPv4/TCP
// The TLS sessions' secrets in SSLKEYLOGFILE format (NSS key log: "LABEL <client random hex> <secret hex>"
// per line), for Wireshark's tls.keylog_file; empty when no session used TLS. Unlike the other formats it
// differs on every run: TLS keys are random.
std::string exportKeyLog(const scenario::Simulation& simulation);
// Where write() puts the key log beside a pcap: x.pcap -> x.keys.
std::filesystem::path keyLogPathFor(const std::filesystem::path& pcap);

// The file names inside a bundle folder.
inline constexpr const char* kBundleText = "transcript.txt";
inline constexpr const char* kBundleMarkdown = "transcript.md";
inline constexpr const char* kBundleHtml = "transcript.html";
inline constexpr const char* kBundleJson = "transcript.json";
inline constexpr const char* kBundlePcap = "transcript.pcap";
inline constexpr const char* kBundleLesson = "lesson.json";     // a byte-for-byte copy of the lesson file
inline constexpr const char* kBundleKeyLog = "transcript.keys"; // only when a session used TLS

// Writes one format to `out`: a file, or for Bundle a folder (created if needed; the six files in it are
// replaced, and transcript.keys written when a session used TLS). A pcap of a lesson with TLS also gets its
// key log beside it (keyLogPathFor). Returns an empty string on success, else what went wrong ("cannot write
// OUT: reason").
std::string write(Format format, const scenario::Simulation& simulation, const std::filesystem::path& out);

} // namespace maillab::exporter
