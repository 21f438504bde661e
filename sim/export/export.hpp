// Transcript exporters: a simulation's transcript, narration and final state as text, Markdown, HTML, JSON, a
// synthetic pcap or pcapng, or a folder with all of them; and the coursework: a worksheet for students and an
// answer key for the instructor. Pure functions of the simulation: no clock reads, no random
// ids, so one lesson always exports to the same bytes.
#pragma once

#include "scenario/simulation.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::exporter {

enum class Format { Text, Markdown, Html, Json, Pcap, Bundle, KeyLog, Pcapng, Worksheet, Key };

// "txt", "md", "html", "json", "pcap", "pcapng", "bundle", "keylog", "worksheet", "key" (case-insensitive);
// nullopt for anything else.
std::optional<Format> formatFromName(std::string_view name);
const char* formatName(Format format);
// Every format with one line on what it writes, in the order `maillab help` lists them.
struct FormatHelp {
    Format format;
    const char* name;
    const char* what;
};
const std::vector<FormatHelp>& formatHelp();

// Each returns the whole file. A simulation that has not run to the end exports what happened so far.
std::string exportText(const scenario::Simulation& simulation);     // C:/S: lines under a header
std::string exportMarkdown(const scenario::Simulation& simulation); // the lesson as a handout
std::string exportHtml(const scenario::Simulation& simulation);     // the same, self-contained and printable
std::string exportJson(const scenario::Simulation& simulation);     // every entry with its exact bytes
std::string exportPcap(const scenario::Simulation& simulation);     // classic pcap, Ethernet/IPv4/TCP
// The same packets as pcapng, with the host names (a name resolution block) and the lesson's steps, narration
// and checkpoint results as packet comments, for Wireshark.
std::string exportPcapng(const scenario::Simulation& simulation);

// Coursework, from the lesson alone (no run needed). The worksheet: each step's narration, question and
// choices with room for the student's prediction and explanation, name and date fields; no answer and no
// explanation anywhere. The key: every question with its answer and explanation, for the instructor.
std::string exportWorksheetHtml(const scenario::Scenario& lesson);
std::string exportWorksheetMarkdown(const scenario::Scenario& lesson);
std::string exportKeyHtml(const scenario::Scenario& lesson);
std::string exportKeyMarkdown(const scenario::Scenario& lesson);
// The TLS sessions' secrets in SSLKEYLOGFILE format (NSS key log: "LABEL <client random hex> <secret hex>"
// per line), for Wireshark's tls.keylog_file; empty when no session used TLS. Unlike the other formats it
// differs on every run: TLS keys are random.
std::string exportKeyLog(const scenario::Simulation& simulation);
// Where write() puts the key log beside a pcap or pcapng: x.pcap -> x.keys.
std::filesystem::path keyLogPathFor(const std::filesystem::path& pcap);

// The file names inside a bundle folder.
inline constexpr const char* kBundleText = "transcript.txt";
inline constexpr const char* kBundleMarkdown = "transcript.md";
inline constexpr const char* kBundleHtml = "transcript.html";
inline constexpr const char* kBundleJson = "transcript.json";
inline constexpr const char* kBundlePcap = "transcript.pcap";
inline constexpr const char* kBundlePcapng = "transcript.pcapng";
inline constexpr const char* kBundleLesson = "lesson.json";     // a byte-for-byte copy of the lesson file
inline constexpr const char* kBundleKeyLog = "transcript.keys"; // only when a session used TLS

// Writes one format to `out`: a file, or for Bundle a folder (created if needed; the seven files in it are
// replaced, and transcript.keys written when a session used TLS). A pcap or pcapng of a lesson with TLS also
// gets its key log beside it (keyLogPathFor): TLS keys are random, so a key log only ever comes from the run
// that made its capture, and Format::KeyLog alone is refused. Worksheet and Key write Markdown when `out`
// ends in ".md", else HTML. Returns an empty string on success, else what went wrong ("cannot write OUT:
// reason").
std::string write(Format format, const scenario::Simulation& simulation, const std::filesystem::path& out);
// Writes bytes to a file, replacing it: "" or "cannot write PATH: reason".
std::string writeFile(const std::filesystem::path& path, const std::string& bytes);
// Reads a whole file into `bytes`: "" or "cannot read PATH: reason".
std::string readFile(const std::filesystem::path& path, std::string& bytes);
// Why a key log cannot be written on its own, or that this lesson has no TLS session to log keys of.
std::string keyLogRefusal(const scenario::Simulation& simulation);
// The bytes of one file format (not Bundle); `markdown` picks the flavour of Worksheet and Key. Empty for
// Bundle; KeyLog gives the keys (callers that write them keep them with their capture).
std::string exportBytes(Format format, const scenario::Simulation& simulation, bool markdown = false);

} // namespace maillab::exporter
