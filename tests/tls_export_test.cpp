// Exports of lessons with TLS: the pcap carries what an eavesdropper records (TLS records, not plaintext),
// the key log beside it is in SSLKEYLOGFILE format, and json, txt, md and html keep both layers apart.
// tests/e2e/export_tls_pcap.sh has Wireshark itself decrypt the capture with the key log.
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "tls/tls_endpoint.hpp"
#include "util/text.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

namespace maillab::test {
namespace {

using scenario::Simulation;
using Entry = wire::TranscriptEntry;

// Three devices: plain POP3 on 110, IMAP with STARTTLS on 143, POP3S on 995.
constexpr const char* kLesson = R"({"title": "tls export",
    "accounts": [{"user": "alice", "password": "wonderland", "mail": ["INBOX/17-borrow-cable.eml"]}],
    "devices": [
      {"name": "laptop", "protocol": "pop3", "mode": "keep", "user": "alice", "password": "wonderland"},
      {"name": "phone", "protocol": "imap", "security": "starttls", "user": "alice", "password": "wonderland"},
      {"name": "desktop", "protocol": "pop3", "mode": "keep", "security": "tls", "user": "alice",
       "password": "wonderland"}],
    "steps": [{"device": "laptop", "action": "check mail"}, {"device": "phone", "action": "check mail"},
              {"device": "phone", "action": "quit"}, {"device": "desktop", "action": "check mail"}]})";

std::unique_ptr<Simulation> simulate(const std::string& json)
{
    auto parsed = scenario::parseScenario(json, "tls-export.json");
    if (auto* error = std::get_if<scenario::LoadError>(&parsed)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    auto simulation =
        std::make_unique<Simulation>(std::get<scenario::Scenario>(std::move(parsed)), mailDir());
    simulation->run();
    EXPECT_TRUE(simulation->finished());
    return simulation;
}

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
    {
        path = std::filesystem::temp_directory_path() /
               ("maillab-tls-export-test-" + name + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// [SECTION] an independent reader of the capture: TCP payload per connection and direction

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

struct Stream {
    uint16_t serverPort = 0;
    std::string fromClient, fromServer;
};

// Keyed by the client's port. Ethernet (14) + IPv4 (20, no options) + TCP (data offset), as pcap_export
// writes them; this reader only assumes the standard layouts.
std::map<uint16_t, Stream> streams(const std::string& pcap)
{
    std::map<uint16_t, Stream> out;
    for (size_t at = 24; at + 16 <= pcap.size();) {
        const uint32_t length = le32(pcap, at + 8);
        const std::string frame = pcap.substr(at + 16, length);
        at += 16 + length;
        const size_t ipHeader = (static_cast<uint8_t>(frame[14]) & 0x0F) * 4u;
        const std::string tcp = frame.substr(14 + ipHeader);
        const uint16_t source = be16(tcp, 0), destination = be16(tcp, 2);
        const bool fromClient = source >= 49152;
        Stream& s = out[fromClient ? source : destination];
        s.serverPort = fromClient ? destination : source;
        const std::string payload = tcp.substr((static_cast<uint8_t>(tcp[12]) >> 4) * 4u);
        (fromClient ? s.fromClient : s.fromServer) += payload;
    }
    return out;
}

// The length of the longest prefix made of whole TLS records (RFC 8446 section 5.1).
size_t wholeRecords(std::string_view bytes)
{
    size_t covered = 0;
    for (const tls::RecordInfo& r : tls::parseRecords(bytes))
        covered += 5 + r.length;
    return covered;
}

// [SECTION] pcap

TEST(TlsExport, PcapCarriesRecordsNotPlaintextOnTlsConnections)
{
    auto sim = simulate(kLesson);
    ASSERT_TRUE(sim);
    const std::string pcap = exporter::exportPcap(*sim);
    auto all = streams(pcap);
    ASSERT_EQ(all.size(), 3u);
    const Stream& plain = all.at(49153);
    const Stream& starttls = all.at(49154);
    const Stream& implicit = all.at(49155);
    EXPECT_EQ(plain.serverPort, 110);
    EXPECT_EQ(starttls.serverPort, 143);
    EXPECT_EQ(implicit.serverPort, 995);

    // Plain text on 110: the password is there, letter for letter, exactly once in the whole file.
    EXPECT_NE(plain.fromClient.find("PASS wonderland\r\n"), std::string::npos);
    EXPECT_EQ(pcap.find("wonderland"), pcap.rfind("wonderland"));

    // 995: every byte either way is a whole TLS record, the first a ClientHello (handshake type 1).
    EXPECT_EQ(wholeRecords(implicit.fromClient), implicit.fromClient.size());
    EXPECT_EQ(wholeRecords(implicit.fromServer), implicit.fromServer.size());
    EXPECT_EQ(implicit.fromClient.substr(0, 1), "\x16");
    EXPECT_EQ(static_cast<uint8_t>(implicit.fromClient[5]), 1);
    EXPECT_EQ(implicit.fromServer.find("+OK"), std::string::npos);

    // 143: plain text up to the server's "OK Begin TLS", whole records after it.
    const std::string clientPlain = "A1 CAPABILITY\r\nA2 STARTTLS\r\n";
    ASSERT_EQ(starttls.fromClient.substr(0, clientPlain.size()), clientPlain);
    const std::string clientTls = starttls.fromClient.substr(clientPlain.size());
    EXPECT_EQ(wholeRecords(clientTls), clientTls.size());
    const size_t begin = starttls.fromServer.find("A2 OK Begin TLS negotiation now\r\n");
    ASSERT_NE(begin, std::string::npos);
    const std::string serverTls = starttls.fromServer.substr(begin + 33);
    EXPECT_EQ(wholeRecords(serverTls), serverTls.size());
    EXPECT_EQ(clientTls.find("LOGIN"), std::string::npos);

    // And the records are exactly the transcript's TlsRecord entries, in order.
    std::string records;
    for (const Entry& e : sim->transcript().entries())
        if (e.kind == Entry::Kind::TlsRecord && e.sessionId == 3 &&
            e.direction == wire::Direction::ClientToServer)
            records += e.bytes;
    EXPECT_TRUE(records == implicit.fromClient);
}

// [SECTION] the key log

TEST(TlsExport, KeyLogIsSslKeyLogFileFormatWithOneSetPerTlsSession)
{
    auto sim = simulate(kLesson);
    ASSERT_TRUE(sim);
    const std::string keys = exporter::exportKeyLog(*sim);
    const std::regex line(
        "(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|"
        "SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} ([0-9a-f]{64}|[0-9a-f]{96})");
    size_t lines = 0;
    for (std::string_view l : exporter::wireLines(keys)) {
        EXPECT_TRUE(std::regex_match(l.begin(), l.end(), line)) << l;
        ++lines;
    }
    EXPECT_EQ(lines, 10u); // two TLS sessions (STARTTLS and 995), five TLS 1.3 secrets each
    ASSERT_FALSE(keys.empty());
    EXPECT_EQ(keys.back(), '\n');
    EXPECT_EQ(exporter::formatFromName("KeyLog"), exporter::Format::KeyLog);
    EXPECT_STREQ(exporter::formatName(exporter::Format::KeyLog), "keylog");

    auto plain = runLesson("14-pop3-delete-mode");
    ASSERT_TRUE(plain);
    EXPECT_EQ(exporter::exportKeyLog(*plain), "");
}

TEST(TlsExport, WritePutsTheKeyLogBesideThePcapAndInTheBundle)
{
    auto tls = runLesson("02-ports-and-tls");
    auto plain = runLesson("14-pop3-delete-mode");
    ASSERT_TRUE(tls && plain);
    TempDir dir("write");
    EXPECT_EQ(exporter::write(exporter::Format::Pcap, *tls, dir.path / "tls.pcap"), "");
    EXPECT_EQ(exporter::keyLogPathFor(dir.path / "tls.pcap"), dir.path / "tls.keys");
    EXPECT_EQ(readFile(dir.path / "tls.keys"), exporter::exportKeyLog(*tls));
    EXPECT_EQ(readFile(dir.path / "tls.pcap"), exporter::exportPcap(*tls));
    EXPECT_EQ(exporter::write(exporter::Format::Pcap, *plain, dir.path / "plain.pcap"), "");
    EXPECT_FALSE(std::filesystem::exists(dir.path / "plain.keys"));
    EXPECT_EQ(exporter::write(exporter::Format::Pcapng, *tls, dir.path / "tls.pcapng"), "");
    EXPECT_EQ(readFile(dir.path / "tls.pcapng"), exporter::exportPcapng(*tls));
    EXPECT_EQ(readFile(dir.path / "tls.keys"), exporter::exportKeyLog(*tls));
    // TLS keys are new on every run, so a key log alone (from a run whose capture nobody keeps) is refused,
    // and on a lesson without TLS there is nothing to log: each says so instead of writing a useless file.
    const std::string alone = exporter::write(exporter::Format::KeyLog, *tls, dir.path / "alone.txt");
    EXPECT_NE(alone.find("opens only the capture of its own run"), std::string::npos) << alone;
    EXPECT_FALSE(std::filesystem::exists(dir.path / "alone.txt"));
    const std::string none = exporter::write(exporter::Format::KeyLog, *plain, dir.path / "none.txt");
    EXPECT_NE(none.find("no TLS session"), std::string::npos) << none;
    EXPECT_FALSE(std::filesystem::exists(dir.path / "none.txt"));

    EXPECT_EQ(exporter::write(exporter::Format::Bundle, *tls, dir.path / "bundle"), "");
    EXPECT_EQ(readFile(dir.path / "bundle" / exporter::kBundleKeyLog), exporter::exportKeyLog(*tls));
    EXPECT_EQ(readFile(dir.path / "bundle" / exporter::kBundlePcap), exporter::exportPcap(*tls));
    // A plain lesson exported over it leaves no key log that belongs to another capture.
    EXPECT_EQ(exporter::write(exporter::Format::Bundle, *plain, dir.path / "bundle"), "");
    EXPECT_FALSE(std::filesystem::exists(dir.path / "bundle" / exporter::kBundleKeyLog));
}

// [SECTION] json, txt, md, html

TEST(TlsExport, JsonHasTheRecordsTheEncryptedFlagAndTheKeyLog)
{
    auto sim = simulate(kLesson);
    ASSERT_TRUE(sim);
    const auto document = nlohmann::json::parse(exporter::exportJson(*sim));
    const auto& entries = sim->transcript().entries();
    ASSERT_EQ(document["entries"].size(), entries.size());
    size_t records = 0, encrypted = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& json = document["entries"][i];
        EXPECT_EQ(json.value("encrypted", false), entries[i].encrypted) << i;
        encrypted += entries[i].encrypted;
        if (entries[i].kind != Entry::Kind::TlsRecord) {
            EXPECT_FALSE(json.contains("records"));
            continue;
        }
        ++records;
        EXPECT_EQ(json["kind"], "tls_record");
        ASSERT_TRUE(json.contains("bytes_base64")); // ciphertext is not UTF-8
        EXPECT_EQ(util::base64Decode(json["bytes_base64"].get<std::string>()).value_or(""), entries[i].bytes);
        const auto parsed = tls::parseRecords(entries[i].bytes);
        ASSERT_EQ(json["records"].size(), parsed.size());
        for (size_t r = 0; r < parsed.size(); ++r) {
            EXPECT_EQ(json["records"][r]["type"], parsed[r].contentType);
            EXPECT_EQ(json["records"][r]["type_name"], tls::contentTypeName(parsed[r].contentType));
            EXPECT_EQ(json["records"][r]["version"], parsed[r].version);
            EXPECT_EQ(json["records"][r]["length"], parsed[r].length);
        }
        EXPECT_EQ(json["server_port"], entries[i].serverPort);
    }
    EXPECT_GT(records, 20u);
    EXPECT_GT(encrypted, 10u);
    EXPECT_EQ(document["tls_key_log"], sim->transcript().keyLog);
    EXPECT_FALSE(document["devices"][0].contains("security"));
    EXPECT_EQ(document["devices"][1]["security"], "starttls");
    EXPECT_EQ(document["devices"][1]["port"], 143);
    EXPECT_EQ(document["devices"][2]["security"], "tls");
    EXPECT_EQ(document["devices"][2]["port"], 995);
}

TEST(TlsExport, HandoutsMarkEncryptedLinesAndTellTheHandshakeInFlights)
{
    auto sim = simulate(kLesson);
    ASSERT_TRUE(sim);
    const std::string txt = exporter::exportText(*sim);
    const std::string md = exporter::exportMarkdown(*sim);
    const std::string html = exporter::exportHtml(*sim);
    EXPECT_NE(txt.find("  phone: IMAP, online mode, user alice, STARTTLS on port 143\n"), std::string::npos);
    EXPECT_NE(txt.find("  desktop: POP3, keep mode, user alice, login user, implicit TLS on port 995\n"),
              std::string::npos);
    // The plain session's lines as ever, the TLS ones marked.
    EXPECT_NE(txt.find("[laptop#1] C: PASS wonderland\n"), std::string::npos);
    EXPECT_NE(txt.find("[desktop#3] [TLS] C: PASS wonderland\n"), std::string::npos);
    EXPECT_NE(txt.find("[phone#2] -- TLS records, client to server: ApplicationData "), std::string::npos);
    EXPECT_NE(md.find("[phone#2] [TLS] C: A4 LOGIN \"alice\" \"wonderland\"\n"), std::string::npos);
    EXPECT_NE(md.find("[phone#2] C: A2 STARTTLS\n"), std::string::npos);
    EXPECT_NE(md.find("TLS handshake, flight 2, the server to phone: ServerHello"), std::string::npos);
    EXPECT_NE(md.find("TLS established (TLSv1.3, TLS\\_AES\\_256\\_GCM\\_SHA384)"), std::string::npos);
    EXPECT_NE(md.find("STARTTLS on port 143"), std::string::npos);
    // The handouts show what the programs said: no record summaries, and no ciphertext.
    EXPECT_EQ(md.find("TLS records,"), std::string::npos);
    EXPECT_TRUE(exporter::isValidUtf8(md));
    EXPECT_TRUE(exporter::isValidUtf8(html));
    EXPECT_NE(html.find("[TLS] C: A4 LOGIN &quot;alice&quot; &quot;wonderland&quot;"), std::string::npos);
    EXPECT_NE(
        html.find("TLS handshake, flight 3, desktop to the server: ChangeCipherSpec, encrypted: Finished"),
        std::string::npos);
    // A command inside TLS is still explained from the command table.
    EXPECT_NE(md.find("**LOGIN**"), std::string::npos);
}

} // namespace
} // namespace maillab::test
