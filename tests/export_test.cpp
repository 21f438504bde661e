// The transcript exporters (sim/export): each format against a golden file, byte-identical on every run,
// JSON that round-trips every octet, HTML and Markdown that never let mail text become markup, and a pcap
// whose IPv4/TCP headers, checksums and sequence numbers are checked here by an independent reader.
//
// The goldens export frozen copies of two lessons (tests/golden/export/lessons/). After an intended change,
// regenerate with:  MAILLAB_UPDATE_GOLDEN=1 build/maillab_tests --gtest_filter='ExportGolden.*'  and read
// the diff (for the pcap: tshark -r tests/golden/export/x.pcap -o tcp.relative_sequence_numbers:FALSE).
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "pop3/pop3_types.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace maillab::test {
namespace {

using scenario::Simulation;

// [SECTION] helpers

std::unique_ptr<Simulation> runFile(const std::filesystem::path& file)
{
    return runLessonFile(file);
}

// The golden files export frozen copies of two lessons (tests/golden/export/lessons/), so editing a lesson in
// lessons/ does not change them; only a change to the exporters or to what the engines say does.
std::filesystem::path fixture(const std::string& name)
{
    return sourceDir() / "tests" / "golden" / "export" / "lessons" / (name + ".json");
}
std::unique_ptr<Simulation> runFixture(const std::string& name)
{
    return runFile(fixture(name));
}

std::unique_ptr<Simulation> runJson(const std::string& json, const std::filesystem::path& mail)
{
    auto loaded = scenario::parseScenario(json, "hostile.json");
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    auto simulation = std::make_unique<Simulation>(std::get<scenario::Scenario>(std::move(loaded)), mail);
    EXPECT_TRUE(simulation->setupErrors().empty());
    simulation->run();
    EXPECT_TRUE(simulation->finished());
    return simulation;
}

using Exporter = std::string (*)(const Simulation&);

void compareWithGolden(const std::string& lesson, const char* extension, Exporter exporter)
{
    auto simulation = runFixture(lesson);
    ASSERT_TRUE(simulation);
    compareWithGoldenFile(sourceDir() / "tests" / "golden" / "export" / (lesson + "." + extension),
                          exporter(*simulation));
}

const char* const kLessons[] = {"14-pop3-delete-mode", "17-imap-two-devices"};

// [SECTION] golden files, one per format and lesson

TEST(ExportGolden, Text)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "txt", exporter::exportText);
}

TEST(ExportGolden, Markdown)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "md", exporter::exportMarkdown);
}

TEST(ExportGolden, Html)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "html", exporter::exportHtml);
}

TEST(ExportGolden, Json)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "json", exporter::exportJson);
}

TEST(ExportGolden, Pcap)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "pcap", exporter::exportPcap);
}

TEST(ExportGolden, Pcapng)
{
    for (const char* lesson : kLessons)
        compareWithGolden(lesson, "pcapng", exporter::exportPcapng);
}

// [SECTION] determinism

// A lesson with TLS: its records and keys are random, so the exports compare on what the programs said.
bool usesTls(const Simulation& simulation)
{
    for (const wire::TranscriptEntry& e : simulation.transcript().entries())
        if (e.kind == wire::TranscriptEntry::Kind::TlsRecord) return true;
    return false;
}

// txt without the record summaries ("-- TLS records, ... --" lines hold the random record lengths).
std::string textWithoutRecords(const Simulation& simulation)
{
    std::string out;
    const std::string text = exporter::exportText(simulation);
    for (std::string_view line : exporter::wireLines(text))
        if (line.find("-- TLS records, ") == std::string_view::npos) out += std::string(line) + "\n";
    return out;
}

// json without what is random: the records' bytes and lengths, and the key log. Their number stays.
nlohmann::json jsonWithoutCiphertext(const Simulation& simulation)
{
    nlohmann::json document = nlohmann::json::parse(exporter::exportJson(simulation));
    for (auto& entry : document["entries"])
        if (entry["kind"] == "tls_record") {
            entry.erase("bytes");
            entry.erase("bytes_base64");
            for (auto& record : entry["records"])
                record.erase("length");
        }
    EXPECT_EQ(document["tls_key_log"].size(), simulation.transcript().keyLog.size());
    document.erase("tls_key_log");
    return document;
}

TEST(Export, EveryFormatIsByteIdenticalAcrossRuns)
{
    const Exporter exporters[] = {exporter::exportText, exporter::exportMarkdown, exporter::exportHtml,
                                  exporter::exportJson, exporter::exportPcap};
    const std::vector<std::filesystem::path> lessons = shippedLessons();
    ASSERT_GE(lessons.size(), 2u);
    size_t withTls = 0;
    for (const std::filesystem::path& lesson : lessons) {
        SCOPED_TRACE(lesson.filename().string());
        auto first = runFile(lesson);
        auto second = runFile(lesson);
        ASSERT_TRUE(first && second);
        if (usesTls(*first)) {
            // TLS keys are random: the records differ on every run (tls_simulation_test checks that they
            // do), the programs' layer and the handouts must not. The pcap is checked by checkCapture.
            ++withTls;
            EXPECT_TRUE(exporter::exportMarkdown(*first) == exporter::exportMarkdown(*second));
            EXPECT_TRUE(exporter::exportHtml(*first) == exporter::exportHtml(*second));
            EXPECT_EQ(textWithoutRecords(*first), textWithoutRecords(*second));
            EXPECT_EQ(jsonWithoutCiphertext(*first), jsonWithoutCiphertext(*second));
            EXPECT_EQ(first->transcript().toText(false), second->transcript().toText(false));
            EXPECT_NE(exporter::exportKeyLog(*first), exporter::exportKeyLog(*second));
        } else {
            for (Exporter e : exporters)
                EXPECT_TRUE(e(*first) == e(*second));
            EXPECT_EQ(exporter::exportKeyLog(*first), "");
        }
        // Whatever the lesson does, html and md stay valid UTF-8 and html has no markup from mail.
        EXPECT_TRUE(exporter::isValidUtf8(exporter::exportHtml(*first)));
        EXPECT_TRUE(exporter::isValidUtf8(exporter::exportMarkdown(*first)));
    }
    EXPECT_GE(withTls, 1u); // 02-ports-and-tls.json
}

TEST(Export, BundleHoldsEveryFormatAndTheLessonFile)
{
    auto simulation = runFixture("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    ScratchDir dir("export-bundle");
    for (const char* run : {"a", "b"}) {
        const std::string error = exporter::write(exporter::Format::Bundle, *simulation, dir.path / run);
        ASSERT_EQ(error, "");
    }
    const std::pair<const char*, std::string> files[] = {
        {exporter::kBundleText, exporter::exportText(*simulation)},
        {exporter::kBundleMarkdown, exporter::exportMarkdown(*simulation)},
        {exporter::kBundleHtml, exporter::exportHtml(*simulation)},
        {exporter::kBundleJson, exporter::exportJson(*simulation)},
        {exporter::kBundlePcap, exporter::exportPcap(*simulation)},
        {exporter::kBundlePcapng, exporter::exportPcapng(*simulation)},
        {exporter::kBundleLesson, readFile(fixture("14-pop3-delete-mode"))},
    };
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path / "a")) {
        (void)entry;
        ++count;
    }
    EXPECT_EQ(count, std::size(files));
    for (const auto& [name, bytes] : files) {
        EXPECT_TRUE(readFile(dir.path / "a" / name) == bytes) << name;
        EXPECT_TRUE(readFile(dir.path / "b" / name) == bytes) << name;
    }
}

TEST(Export, WriteReportsWhatWentWrong)
{
    auto simulation = runFixture("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    const std::string error =
        exporter::write(exporter::Format::Text, *simulation, "/nonexistent-folder/for/maillab/out.txt");
    EXPECT_NE(error.find("cannot write /nonexistent-folder/for/maillab/out.txt"), std::string::npos) << error;
}

TEST(Export, FormatNamesRoundTrip)
{
    for (auto format : {exporter::Format::Text, exporter::Format::Markdown, exporter::Format::Html,
                        exporter::Format::Json, exporter::Format::Pcap, exporter::Format::Bundle})
        EXPECT_EQ(exporter::formatFromName(exporter::formatName(format)), format);
    EXPECT_EQ(exporter::formatFromName("HTML"), exporter::Format::Html);
    EXPECT_FALSE(exporter::formatFromName("pdf"));
}

// [SECTION] text

TEST(ExportText, NarrationComesBeforeTheLinesOfItsStep)
{
    auto simulation = runFixture("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    const std::string text = exporter::exportText(*simulation);
    EXPECT_EQ(
        text.rfind(
            "Lesson: POP3 delete mode: download and remove\nSetting: Alice's laptop reads her mail with "
            "POP3 in delete mode, on port 110. It checks mail twice, a few hours apart.\n"
            "Source: 14-pop3-delete-mode.json\n",
            0),
        0u);
    EXPECT_NE(text.find("  laptop: POP3, delete mode, user alice"), std::string::npos);
    EXPECT_NE(text.find("Virtual start (day 1): 2026-11-26 09:00:00.000 UTC\n"), std::string::npos);
    EXPECT_NE(text.find("# A new message arrives at the server while the laptop is offline.\n"
                        "[server#0] -- new mail for alice in INBOX: \"Quiz 2 grades are posted\" --\n"),
              std::string::npos);
    // The transcript part is exactly what Transcript::toText gives, with the narration lines added.
    std::string withoutNarration;
    const size_t body = text.find("\n\n") + 2;
    for (std::string_view line : exporter::wireLines(std::string_view(text).substr(body)))
        if (!line.empty() && line[0] != '#') withoutNarration += std::string(line) + "\n";
    EXPECT_EQ(withoutNarration, simulation->transcript().toText());
}

// [SECTION] command explanations come from the command tables

TEST(ExportExplain, CommandsAreLookedUpInTheirTables)
{
    auto retr = exporter::explainCommand(wire::Protocol::Pop3, "RETR 1\r\n");
    ASSERT_TRUE(retr);
    EXPECT_EQ(retr->command, "RETR");
    EXPECT_EQ(retr->rfc, pop3::findCommand("RETR")->rfc);
    EXPECT_EQ(retr->summary, pop3::findCommand("RETR")->summary);
    auto fetch = exporter::explainCommand(wire::Protocol::Imap, "A4 UID FETCH 1:* (FLAGS)\r\n");
    ASSERT_TRUE(fetch);
    EXPECT_EQ(fetch->command, "UID FETCH");
    EXPECT_EQ(fetch->rfc, "RFC 3501 section 6.4.5");
    auto done = exporter::explainCommand(wire::Protocol::Imap, "DONE\r\n");
    ASSERT_TRUE(done);
    EXPECT_EQ(done->rfc, "RFC 2177 section 3");
    EXPECT_FALSE(exporter::explainCommand(wire::Protocol::Pop3, "AGFsaWNlAGFsaWNlAHc=\r\n"));
    EXPECT_FALSE(exporter::explainCommand(wire::Protocol::Imap, "Subject: hello\r\n"));
}

TEST(ExportText, Utf8IsCheckedStrictly_Rfc3629)
{
    EXPECT_TRUE(exporter::isValidUtf8("plain \r\n\t and caf\xc3\xa9 and \xf0\x9f\x93\xa7"));
    EXPECT_TRUE(exporter::isValidUtf8(std::string("NUL \0 is UTF-8", 15)));
    EXPECT_FALSE(exporter::isValidUtf8("caf\xe9"));          // ISO-8859-1
    EXPECT_FALSE(exporter::isValidUtf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(exporter::isValidUtf8("\xed\xa0\x80"));     // a UTF-16 surrogate
    EXPECT_FALSE(exporter::isValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(exporter::isValidUtf8("\xe2\x82"));         // cut short
    EXPECT_EQ(exporter::displayText("caf\xe9\x01\tok"), "caf\\xe9\\x01\tok");
    EXPECT_EQ(exporter::isoTime(1795683600050), "2026-11-26T09:00:00.050Z");
    EXPECT_EQ(exporter::isoTime(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(exporter::isoTime(951782400000), "2000-02-29T00:00:00.000Z");
}

// [SECTION] hostile mail: escaping and exact bytes

// A message whose subject is markup and whose bytes are not UTF-8, read by POP3 and IMAP, plus a delivered
// message with a markup subject.
struct HostileWorld {
    ScratchDir dir{"export-hostile"};
    std::unique_ptr<Simulation> simulation;
    HostileWorld()
    {
        std::filesystem::create_directories(dir.path / "alice" / "INBOX");
        std::ofstream(dir.path / "alice" / "INBOX" / "01-hostile.eml", std::ios::binary)
            << "From: \"Mallory <evil>\" <mallory@example.com>\r\n"
               "To: alice@maillab.example\r\n"
               "Subject: <script>alert(\"pwned\")</script> & <img src=x onerror=alert(1)> caf\xe9\r\n"
               "Date: Thu, 26 Nov 2026 08:00:00 +0000\r\n"
               "Message-ID: <hostile@example.com>\r\n"
               "\r\n"
               "</pre><script>alert(2)</script> ``` not a fence end\r\n"
               "Latin-1 bytes: \xe9\xff and a control byte \x1b.\r\n";
        simulation = runJson(R"({
  "title": "Hostile <b>mail</b> & friends",
  "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/01-hostile.eml"]}],
  "devices": [
    {"name": "laptop", "protocol": "pop3", "mode": "keep", "user": "alice", "password": "wonderland"},
    {"name": "phone", "protocol": "imap", "mode": "online", "user": "alice", "password": "wonderland"}
  ],
  "steps": [
    {"device": "laptop", "action": "check mail", "narration": "Read <it> & see"},
    {"device": "phone", "action": "check mail"},
    {"action": "deliver", "to": "alice", "from": "x <x@example.com>", "subject": "<iframe src=//evil>", "body": "hi\n"},
    {"device": "phone", "action": "quit"}
  ]
})",
                             dir.path);
    }
};

TEST(ExportHtml, MailTextIsEscapedEverywhere)
{
    HostileWorld world;
    ASSERT_TRUE(world.simulation);
    const std::string html = exporter::exportHtml(*world.simulation);
    EXPECT_TRUE(exporter::isValidUtf8(html));
    const std::string lower = util::toLower(html);
    EXPECT_EQ(lower.find("<script"), std::string::npos);
    EXPECT_EQ(lower.find("<img"), std::string::npos);
    EXPECT_EQ(lower.find("<iframe"), std::string::npos);
    EXPECT_EQ(lower.find("<b>mail"), std::string::npos);
    // The server's table row and the wire line both show the subject as text.
    EXPECT_NE(html.find("<td>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x "
                        "onerror=alert(1)&gt; caf\\xe9</td>"),
              std::string::npos);
    EXPECT_NE(html.find("S: &lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("Latin-1 bytes: \\xe9\\xff and a control byte \\x1b."), std::string::npos);
    EXPECT_NE(html.find("<h1>Hostile &lt;b&gt;mail&lt;/b&gt; &amp; friends</h1>"), std::string::npos);
    EXPECT_NE(html.find("Read &lt;it&gt; &amp; see"), std::string::npos);
    EXPECT_NE(html.find("&lt;iframe src=//evil&gt;"), std::string::npos);
}

TEST(ExportMarkdown, MailTextCannotBecomeMarkup)
{
    HostileWorld world;
    ASSERT_TRUE(world.simulation);
    const std::string md = exporter::exportMarkdown(*world.simulation);
    EXPECT_TRUE(exporter::isValidUtf8(md));
    EXPECT_NE(md.find("| \\<script\\>alert(\"pwned\")\\</script\\> \\& \\<img src=x onerror=alert(1)\\> "
                      "caf\\\\xe9 |"),
              std::string::npos);
    EXPECT_NE(md.find("# Hostile \\<b\\>mail\\</b\\> \\& friends\n"), std::string::npos);
    // Outside code fences nothing of the mail is raw markup; inside them "```" in a body gets a longer fence.
    bool inFence = false;
    std::string fence;
    for (std::string_view line : exporter::wireLines(md)) {
        std::string_view bare = line.substr(0, 2) == "> " ? line.substr(2) : line;
        if (!inFence && bare.substr(0, 3) == "```") {
            inFence = true;
            fence = std::string(bare.substr(0, bare.find_first_not_of('`')));
            continue;
        }
        if (inFence) {
            if (bare == fence) inFence = false;
            continue;
        }
        // Every '<' (and '&') outside the fences is backslash-escaped, so none can start HTML.
        for (size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '<' || line[i] == '&') { EXPECT_TRUE(i > 0 && line[i - 1] == '\\') << line; }
        }
    }
    EXPECT_FALSE(inFence);
    EXPECT_NE(md.find("````text\n"), std::string::npos); // the body's ``` needs a four-backtick fence
}

TEST(ExportJson, EveryEntryRoundTripsToTheExactBytes)
{
    HostileWorld world;
    ASSERT_TRUE(world.simulation);
    const auto document = nlohmann::json::parse(exporter::exportJson(*world.simulation));
    const auto& entries = world.simulation->transcript().entries();
    ASSERT_EQ(document["entries"].size(), entries.size());
    size_t base64 = 0, plain = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& json = document["entries"][i];
        std::string bytes;
        if (json.contains("bytes_base64")) {
            EXPECT_FALSE(json.contains("bytes"));
            auto decoded = util::base64Decode(json["bytes_base64"].get<std::string>());
            ASSERT_TRUE(decoded);
            bytes = *decoded;
            ++base64;
        } else {
            bytes = json["bytes"].get<std::string>();
            ++plain;
        }
        EXPECT_TRUE(bytes == entries[i].bytes) << "entry " << i;
        EXPECT_EQ(json["index"], i);
        EXPECT_EQ(json["step"], entries[i].step);
        EXPECT_EQ(json["session"], entries[i].sessionId);
        EXPECT_EQ(json["device"], entries[i].device);
        EXPECT_EQ(json["time_ms"], entries[i].timeMs);
        EXPECT_EQ(json["time"], exporter::isoTime(entries[i].timeMs));
    }
    EXPECT_GE(base64, 2u); // POP3 RETR and IMAP's literal carry the ISO-8859-1 bytes
    EXPECT_GT(plain, 10u);
    EXPECT_EQ(document["lesson"]["title"], "Hostile <b>mail</b> & friends");
    EXPECT_EQ(document["devices"][1]["protocol"], "IMAP");
}

// [SECTION] pcap, read back by an independent reader

uint32_t le32(const std::string& b, size_t at)
{
    return static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8 |
           static_cast<uint8_t>(b[at + 2]) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3])) << 24;
}
uint16_t be16(const std::string& b, size_t at)
{
    return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) << 8 | static_cast<uint8_t>(b[at + 1]));
}
uint32_t be32(const std::string& b, size_t at)
{
    return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

// RFC 1071: summing a header together with its checksum gives 0xFFFF.
uint16_t onesComplementSum(const std::string& bytes)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < bytes.size(); i += 2)
        sum += static_cast<uint8_t>(bytes[i]) << 8 |
               (i + 1 < bytes.size() ? static_cast<uint8_t>(bytes[i + 1]) : 0);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

struct Flow {
    uint32_t next = 0; // the next sequence number this side will send
    bool synSeen = false;
    bool resetSeen = false;
    bool finSeen = false;
    std::string payload;
};

void checkCapture(const Simulation& simulation)
{
    const std::string pcap = exporter::exportPcap(simulation);
    ASSERT_GE(pcap.size(), 24u);
    EXPECT_EQ(le32(pcap, 0), 0xA1B2C3D4u);
    EXPECT_EQ(le32(pcap, 20), 1u);                   // LINKTYPE_ETHERNET
    std::map<std::pair<uint16_t, bool>, Flow> flows; // (client port, from client)
    uint64_t lastUs = 0;
    size_t at = 24, packets = 0;
    while (at < pcap.size()) {
        ASSERT_LE(at + 16, pcap.size());
        const uint64_t us = uint64_t{le32(pcap, at)} * 1000000 + le32(pcap, at + 4);
        EXPECT_GT(us, lastUs) << "packet " << packets;
        lastUs = us;
        const uint32_t length = le32(pcap, at + 8);
        ASSERT_EQ(length, le32(pcap, at + 12));
        const std::string frame = pcap.substr(at + 16, length);
        ASSERT_EQ(frame.size(), length);
        at += 16 + length;
        ++packets;

        EXPECT_EQ(be16(frame, 12), 0x0800);
        const std::string ip = frame.substr(14, 20);
        EXPECT_EQ(static_cast<uint8_t>(ip[0]), 0x45);
        EXPECT_EQ(be16(ip, 2), length - 14);
        EXPECT_EQ(static_cast<uint8_t>(ip[9]), 6);
        EXPECT_EQ(onesComplementSum(ip), 0xFFFF) << "IPv4 header checksum, packet " << packets;
        const std::string tcp = frame.substr(34);
        std::string pseudo = ip.substr(12, 8);
        pseudo += std::string("\0\x06", 2);
        pseudo += static_cast<char>(tcp.size() >> 8);
        pseudo += static_cast<char>(tcp.size() & 0xFF);
        EXPECT_EQ(onesComplementSum(pseudo + tcp), 0xFFFF) << "TCP checksum, packet " << packets;

        const uint16_t source = be16(tcp, 0), destination = be16(tcp, 2);
        const bool fromClient =
            destination == 110 || destination == 143 || destination == 995 || destination == 993;
        const uint16_t clientPort = fromClient ? source : destination;
        EXPECT_GE(clientPort, 49152);
        const uint32_t seq = be32(tcp, 4), ack = be32(tcp, 8);
        const size_t header = (static_cast<uint8_t>(tcp[12]) >> 4) * 4u;
        const uint8_t flags = static_cast<uint8_t>(tcp[13]);
        const std::string payload = tcp.substr(header);
        EXPECT_LE(payload.size(), 1460u);
        Flow& mine = flows[{clientPort, fromClient}];
        Flow& peer = flows[{clientPort, !fromClient}];
        if (flags & 0x02) { // SYN: the first sequence number of this side
            EXPECT_FALSE(mine.synSeen);
            mine.synSeen = true;
            mine.next = seq + 1;
        } else {
            EXPECT_TRUE(mine.synSeen);
            EXPECT_EQ(seq, mine.next) << "packet " << packets << ": no gap, no overlap";
            mine.next += static_cast<uint32_t>(payload.size());
            mine.payload += payload;
            if (flags & 0x01) {
                EXPECT_FALSE(mine.finSeen);
                mine.finSeen = true;
                ++mine.next;
            }
        }
        if (flags & 0x04) {
            // RFC 9293 section 3.10.7.1: the reset to a segment for a connection that no longer exists takes
            // that segment's acknowledgment number, and nothing follows it.
            EXPECT_EQ(flags, 0x04) << "packet " << packets;
            EXPECT_TRUE(peer.finSeen) << "a reset answers the server's FIN after a drop";
            EXPECT_FALSE(mine.resetSeen);
            mine.resetSeen = true;
        } else if (flags & 0x10) {
            EXPECT_EQ(ack, peer.next) << "packet " << packets << ": ACKs all the peer sent";
        } else {
            EXPECT_EQ(flags, 0x02) << "only the first SYN goes without ACK";
        }
    }
    // Per session and direction, the segments carry exactly the bytes on the wire, and Closed means FIN:
    // plain Data as it is, and for TLS the records, never the plaintext that travelled inside them. A drop
    // (an abrupt Closed) is no FIN from the device: the server's FIN when its idle timer ends, then a reset.
    std::map<std::pair<uint16_t, bool>, std::string> expected;
    std::map<uint16_t, bool> closed, dropped;
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        if (e.sessionId == 0) continue;
        const uint16_t port = static_cast<uint16_t>(49152 + e.sessionId);
        if ((e.kind == wire::TranscriptEntry::Kind::Data && !e.encrypted) ||
            e.kind == wire::TranscriptEntry::Kind::TlsRecord)
            expected[{port, e.direction == wire::Direction::ClientToServer}] += e.bytes;
        if (e.kind == wire::TranscriptEntry::Kind::Closed) (e.abrupt ? dropped : closed)[port] = true;
    }
    for (const auto& [key, bytes] : expected) {
        EXPECT_TRUE(flows[key].payload == bytes)
            << "port " << key.first << (key.second ? " client" : " server");
        const bool fromClient = key.second;
        EXPECT_EQ(flows[key].finSeen, closed[key.first] || (dropped[key.first] && !fromClient));
        EXPECT_EQ(flows[key].resetSeen, dropped[key.first] && fromClient);
    }
}

TEST(ExportPcap, HeadersChecksumsAndSequenceNumbersAreConsistent_Rfc9293)
{
    for (const std::filesystem::path& lesson : shippedLessons()) {
        SCOPED_TRACE(lesson.filename().string());
        auto simulation = runFile(lesson);
        ASSERT_TRUE(simulation);
        checkCapture(*simulation);
    }
    HostileWorld world;
    ASSERT_TRUE(world.simulation);
    checkCapture(*world.simulation);
}

TEST(ExportPcap, HandshakeAndFirstExchangeByHand_Rfc9293_3_5)
{
    auto simulation = runFixture("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    const std::string pcap = exporter::exportPcap(*simulation);
    // The first packets, each 16 bytes of record header then Ethernet (14) + IPv4 (20) + TCP.
    std::vector<std::string> tcp;
    std::vector<uint64_t> times;
    for (size_t at = 24; at < pcap.size() && tcp.size() < 6;) {
        const uint32_t length = le32(pcap, at + 8);
        times.push_back(uint64_t{le32(pcap, at)} * 1000000 + le32(pcap, at + 4));
        tcp.push_back(pcap.substr(at + 16 + 34, length - 34));
        at += 16 + length;
    }
    ASSERT_EQ(tcp.size(), 6u);
    // SYN from 49153 (session 1) to 110 at the virtual start, ISN 1000000; SYN-ACK with ISN 2001000000.
    EXPECT_EQ(times[0], 1795683600000000u);
    EXPECT_EQ(be16(tcp[0], 0), 49153);
    EXPECT_EQ(be16(tcp[0], 2), 110);
    EXPECT_EQ(be32(tcp[0], 4), 1000000u);
    EXPECT_EQ(be32(tcp[1], 4), 2001000000u);
    EXPECT_EQ(be32(tcp[1], 8), 1000001u);
    EXPECT_EQ(be32(tcp[2], 4), 1000001u);
    EXPECT_EQ(be32(tcp[2], 8), 2001000001u);
    // The greeting (57 octets) from 2001000001, then the client's ACK of all of it.
    const std::string greeting = "+OK maillab POP3 server ready <1.1795683600050@maillab>\r\n";
    EXPECT_EQ(tcp[3].substr(20), greeting);
    EXPECT_EQ(be32(tcp[3], 4), 2001000001u);
    EXPECT_EQ(be32(tcp[4], 8), 2001000001u + greeting.size());
    // USER alice from 1000001, acknowledging the greeting.
    EXPECT_EQ(tcp[5].substr(20), "USER alice\r\n");
    EXPECT_EQ(be32(tcp[5], 4), 1000001u);
    EXPECT_EQ(be32(tcp[5], 8), 2001000058u);
}

// [SECTION] the handouts' structure

TEST(ExportMarkdown, StepsExplainCommandsAndShowTheFinalState)
{
    auto simulation = runFixture("14-pop3-delete-mode");
    ASSERT_TRUE(simulation);
    const std::string md = exporter::exportMarkdown(*simulation);
    EXPECT_NE(md.find("## Step 1: check mail (laptop)\n"), std::string::npos);
    EXPECT_NE(md.find(std::string("**RETR**: ") + pop3::findCommand("RETR")->summary), std::string::npos);
    EXPECT_NE(md.find("> **Reply in full** (39 lines, 1457 octets)"), std::string::npos);
    EXPECT_NE(md.find("## The server at the end"), std::string::npos);
    EXPECT_NE(md.find("**INBOX**: UIDVALIDITY 1795683600, UIDNEXT 5, empty"), std::string::npos);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

TEST(Export, QuestionsComeBeforeTheStepAndAnswersAfter)
{
    auto loaded = scenario::loadScenario(sourceDir() / "lessons" / "15-pop3-keep-mode.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(loaded));
    scenario::Simulation simulation(std::get<scenario::Scenario>(std::move(loaded)), mailDir());
    simulation.run();
    for (const std::string& doc : {exporter::exportMarkdown(simulation), exporter::exportHtml(simulation)}) {
        size_t question = doc.find("How many messages will the laptop download with RETR?");
        size_t retr4 = doc.find("RETR 4");
        size_t answer = doc.find("The laptop remembers the three ids");
        ASSERT_NE(question, std::string::npos);
        ASSERT_NE(retr4, std::string::npos);
        ASSERT_NE(answer, std::string::npos);
        EXPECT_LT(question, retr4);
        EXPECT_LT(retr4, answer);
    }
}

} // namespace
} // namespace maillab::test
