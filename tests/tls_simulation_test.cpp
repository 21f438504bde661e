// TLS inside the simulator: devices that connect with implicit TLS (995/993) or upgrade with STLS/STARTTLS
// (RFC 2595, RFC 3501 section 6.2.1, RFC 8314), every handshake flight a step of its own, application data
// encrypted by one real OpenSSL end and decrypted by the other, and the transcript keeping both layers.
#include "imap/imap_client.hpp"
#include "pop3/pop3_client.hpp"
#include "scenario/scenario.hpp"
#include "scenario/simulation.hpp"
#include "test_support.hpp"
#include "tls/tls_endpoint.hpp"
#include "util/text.hpp"
#include "wire/transcript.hpp"

#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

using scenario::Simulation;
using Entry = wire::TranscriptEntry;

// [SECTION] helpers

std::unique_ptr<Simulation> simulate(const std::string& json)
{
    auto parsed = scenario::parseScenario(json, "inline.json");
    if (auto* error = std::get_if<scenario::LoadError>(&parsed)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    auto simulation =
        std::make_unique<Simulation>(std::get<scenario::Scenario>(std::move(parsed)), mailDir());
    EXPECT_TRUE(simulation->setupErrors().empty());
    simulation->run(100000);
    EXPECT_TRUE(simulation->finished());
    return simulation;
}

// One device checking mail, then quitting (IMAP), with the server options given.
std::string lesson(const std::string& protocol, const std::string& security, const std::string& server = "")
{
    std::string json = R"({"title": "t", "accounts": [{"user": "alice", "password": "wonderland",
        "mail": ["INBOX/17-borrow-cable.eml"]}], )";
    if (!server.empty()) json += R"("server": )" + server + ", ";
    json += R"("devices": [{"name": "dev", "protocol": ")" + protocol + R"(", "security": ")" + security +
            R"(", "user": "alice", "password": "wonderland"}], "steps": [
        {"device": "dev", "action": "check mail"}, {"device": "dev", "action": "quit"}]})";
    return json;
}

std::vector<const Entry*> entriesOf(const Simulation& simulation, Entry::Kind kind)
{
    std::vector<const Entry*> out;
    for (const Entry& e : simulation.transcript().entries())
        if (e.kind == kind) out.push_back(&e);
    return out;
}

// What a capture on the wire holds, per direction: plain-text Data as it is and TLS records.
std::string wireBytes(const Simulation& simulation)
{
    std::string out;
    for (const Entry& e : simulation.transcript().entries())
        if ((e.kind == Entry::Kind::Data && !e.encrypted) || e.kind == Entry::Kind::TlsRecord) out += e.bytes;
    return out;
}

// What the programs said to each other (decrypted where TLS was used).
std::string programBytes(const Simulation& simulation)
{
    std::string out;
    for (const Entry& e : simulation.transcript().entries())
        if (e.kind == Entry::Kind::Data) out += e.bytes;
    return out;
}

std::vector<std::string> clientLines(const Simulation& simulation)
{
    std::vector<std::string> out;
    for (const Entry& e : simulation.transcript().entries())
        if (e.kind == Entry::Kind::Data && e.direction == wire::Direction::ClientToServer)
            out.push_back(e.bytes.substr(0, e.bytes.find("\r\n")));
    return out;
}

bool hasNote(const Simulation& simulation, const std::string& text)
{
    for (const Entry* e : entriesOf(simulation, Entry::Kind::Note))
        if (e->bytes.find(text) != std::string::npos) return true;
    return false;
}

// The steps that carried handshake records: those before the first Data entry that travelled inside TLS.
struct Handshake {
    std::vector<int> steps;                  // one per flight, in order
    std::vector<wire::Direction> directions; // of each flight
    std::vector<std::string> flights;        // the records of each flight
    int firstEncryptedStep = 0;
};
Handshake handshakeOf(const Simulation& simulation, int sessionId)
{
    Handshake h;
    for (const Entry& e : simulation.transcript().entries()) {
        if (e.sessionId != sessionId) continue;
        if (e.kind == Entry::Kind::Data && e.encrypted) {
            h.firstEncryptedStep = e.step;
            break;
        }
        if (e.kind != Entry::Kind::TlsRecord) continue;
        h.steps.push_back(e.step);
        h.directions.push_back(e.direction);
        h.flights.push_back(e.bytes);
    }
    return h;
}

// [SECTION] implicit TLS (RFC 8314): the handshake first, every flight a step, then the greeting

TEST(TlsSimulation, ImplicitTlsConnectsTo995And993AndHandshakesBeforeTheGreeting_Rfc8314_3_3)
{
    for (const auto& [protocol, port] : {std::pair<std::string, uint16_t>{"pop3", 995}, {"imap", 993}}) {
        SCOPED_TRACE(protocol);
        auto sim = simulate(lesson(protocol, "tls"));
        ASSERT_TRUE(sim);
        const auto connected = entriesOf(*sim, Entry::Kind::Connected);
        ASSERT_EQ(connected.size(), 1u);
        EXPECT_EQ(connected[0]->serverPort, port);
        EXPECT_NE(connected[0]->bytes.find("port " + std::to_string(port)), std::string::npos);
        for (const Entry& e : sim->transcript().entries())
            if (e.kind == Entry::Kind::Data || e.kind == Entry::Kind::TlsRecord) {
                EXPECT_EQ(e.serverPort, port);
            }

        // TLS 1.3 (RFC 8446 section 2): ClientHello; ServerHello..Finished; the client's Finished. One step
        // each, in that order, and the greeting only after the last.
        const Handshake h = handshakeOf(*sim, 1);
        ASSERT_EQ(h.steps.size(), 3u);
        EXPECT_LT(h.steps[0], h.steps[1]);
        EXPECT_LT(h.steps[1], h.steps[2]);
        EXPECT_LT(h.steps[2], h.firstEncryptedStep);
        EXPECT_EQ(h.directions[0], wire::Direction::ClientToServer);
        EXPECT_EQ(h.directions[1], wire::Direction::ServerToClient);
        EXPECT_EQ(h.directions[2], wire::Direction::ClientToServer);
        // The records themselves say so: a ClientHello (handshake type 1) in a Handshake record, a
        // ServerHello (type 2) first in the server's flight.
        const auto first = tls::parseRecords(h.flights[0]);
        ASSERT_EQ(first.size(), 1u);
        EXPECT_EQ(first[0].contentType, 22);
        EXPECT_EQ(static_cast<uint8_t>(h.flights[0][5]), 1);
        EXPECT_EQ(static_cast<uint8_t>(h.flights[1][5]), 2);
        EXPECT_TRUE(hasNote(*sim, "flight 1, dev to the server: ClientHello"));
        EXPECT_TRUE(hasNote(*sim, "flight 2, the server to dev: ServerHello, ChangeCipherSpec, encrypted: "
                                  "EncryptedExtensions, Certificate, CertificateVerify, Finished"));
        EXPECT_TRUE(hasNote(*sim, "flight 3, dev to the server: ChangeCipherSpec, encrypted: Finished"));
        EXPECT_TRUE(hasNote(*sim, "TLS established (TLSv1.3, TLS_AES_256_GCM_SHA384)"));

        // The greeting is the first thing the programs exchange, and it travelled encrypted.
        const auto data = entriesOf(*sim, Entry::Kind::Data);
        ASSERT_FALSE(data.empty());
        EXPECT_EQ(data[0]->direction, wire::Direction::ServerToClient);
        EXPECT_TRUE(data[0]->bytes.rfind(protocol == "pop3" ? "+OK maillab POP3" : "* OK [CAPABILITY", 0) ==
                    0);
        EXPECT_EQ(data[0]->step, h.firstEncryptedStep);
    }
}

TEST(TlsSimulation, EveryDataEntryOfATlsSessionIsEncryptedAndFollowedByItsRecords)
{
    for (const std::string protocol : {"pop3", "imap"}) {
        SCOPED_TRACE(protocol);
        auto sim = simulate(lesson(protocol, "tls"));
        ASSERT_TRUE(sim);
        const auto& entries = sim->transcript().entries();
        size_t data = 0;
        for (size_t i = 0; i < entries.size(); ++i) {
            if (entries[i].kind != Entry::Kind::Data) continue;
            ++data;
            EXPECT_TRUE(entries[i].encrypted) << i;
            ASSERT_LT(i + 1, entries.size());
            const Entry& records = entries[i + 1];
            EXPECT_EQ(records.kind, Entry::Kind::TlsRecord) << i;
            EXPECT_EQ(records.direction, entries[i].direction);
            EXPECT_EQ(records.step, entries[i].step);
            // Whole application_data records, each 17 octets longer than its plaintext (RFC 8446 section
            // 5.2: the content type octet and AES-GCM's 16-octet tag), covering exactly the bytes.
            size_t payload = 0;
            const auto parsed = tls::parseRecords(records.bytes);
            ASSERT_FALSE(parsed.empty());
            for (const tls::RecordInfo& r : parsed) {
                EXPECT_EQ(r.contentType, 23);
                EXPECT_EQ(r.version, 0x0303);
                payload += r.length - 17u;
            }
            EXPECT_EQ(payload, entries[i].bytes.size());
            EXPECT_EQ(records.bytes.find(entries[i].bytes), std::string::npos);
        }
        EXPECT_GE(data, 6u);
    }
}

TEST(TlsSimulation, ThePasswordIsOnThePlainWireAndNotInTheRecords)
{
    for (const std::string protocol : {"pop3", "imap"}) {
        SCOPED_TRACE(protocol);
        auto plain = simulate(lesson(protocol, "plain"));
        auto tls = simulate(lesson(protocol, "tls"));
        ASSERT_TRUE(plain && tls);
        // The programs said the same words both times...
        EXPECT_NE(programBytes(*plain).find("wonderland"), std::string::npos);
        EXPECT_NE(programBytes(*tls).find("wonderland"), std::string::npos);
        EXPECT_EQ(clientLines(*plain), clientLines(*tls));
        // ...but only the plain connection carried them readably.
        EXPECT_NE(wireBytes(*plain).find("wonderland"), std::string::npos);
        EXPECT_EQ(wireBytes(*tls).find("wonderland"), std::string::npos);
        EXPECT_EQ(wireBytes(*tls).find("alice"), std::string::npos);
        EXPECT_EQ(wireBytes(*tls).find("console cable"), std::string::npos); // the message's subject
        EXPECT_TRUE(entriesOf(*plain, Entry::Kind::TlsRecord).empty());
        EXPECT_TRUE(plain->transcript().keyLog.empty());
    }
}

TEST(TlsSimulation, RecordsAreFreshCiphertextOnEveryRunWhileTheProgramsSayTheSame)
{
    auto first = simulate(lesson("pop3", "tls"));
    auto second = simulate(lesson("pop3", "tls"));
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->transcript().toText(false), second->transcript().toText(false));
    const auto a = entriesOf(*first, Entry::Kind::TlsRecord);
    const auto b = entriesOf(*second, Entry::Kind::TlsRecord);
    ASSERT_EQ(a.size(), b.size());
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i)
        differing += a[i]->bytes != b[i]->bytes;
    EXPECT_EQ(differing, a.size()); // new randoms and keys each run: no record repeats
}

TEST(TlsSimulation, KeyLogHasTheTls13SecretsOfTheClientHelloThatWasSent)
{
    auto sim = simulate(lesson("imap", "tls"));
    ASSERT_TRUE(sim);
    const std::vector<std::string>& keyLog = sim->transcript().keyLog;
    // RFC 8446 section 7.1 secrets as the NSS key log format names them.
    const std::set<std::string> expected = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                            "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                            "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
    std::set<std::string> labels;
    // The client random is ClientHello.random: after the record header (5), the handshake header (4) and
    // legacy_version (2), 32 octets (RFC 8446 section 4.1.2).
    const std::string clientHello = handshakeOf(*sim, 1).flights.at(0);
    std::string random;
    for (size_t i = 11; i < 43; ++i) {
        static const char* hex = "0123456789abcdef";
        random += hex[static_cast<uint8_t>(clientHello[i]) >> 4];
        random += hex[static_cast<uint8_t>(clientHello[i]) & 15];
    }
    const std::regex line("([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]{64}|[0-9a-f]{96})");
    for (const std::string& l : keyLog) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(l, m, line)) << l;
        labels.insert(m[1]);
        EXPECT_EQ(m[2], random) << l;
    }
    EXPECT_EQ(labels, expected);
    EXPECT_EQ(keyLog.size(), expected.size());
}

TEST(TlsSimulation, TwoTlsSessionsLogTwoSetsOfSecrets)
{
    auto sim = simulate(R"({"title": "t", "devices": [
        {"name": "laptop", "protocol": "pop3", "mode": "keep", "security": "tls", "user": "alice", "password": "wonderland"},
        {"name": "phone", "protocol": "imap", "security": "tls", "user": "alice", "password": "wonderland"}],
        "steps": [{"device": "laptop", "action": "check mail"}, {"device": "phone", "action": "check mail"},
                  {"device": "laptop", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    EXPECT_EQ(sim->transcript().keyLog.size(), 15u);
    std::set<std::string> randoms;
    for (const std::string& l : sim->transcript().keyLog)
        randoms.insert(l.substr(l.find(' ') + 1, 64));
    EXPECT_EQ(randoms.size(), 3u);
}

TEST(TlsSimulation, ImapIdleNewsTravelsInsideTls_Rfc2177)
{
    auto sim = simulate(R"({"title": "t", "devices": [
        {"name": "phone", "protocol": "imap", "security": "tls", "user": "alice", "password": "wonderland"},
        {"name": "laptop", "protocol": "imap", "user": "alice", "password": "wonderland"}],
        "steps": [{"device": "phone", "action": "check mail"}, {"device": "phone", "action": "idle"},
                  {"device": "laptop", "action": "check mail"}, {"device": "laptop", "action": "flag", "message": 1},
                  {"device": "phone", "action": "quit"}]})");
    ASSERT_TRUE(sim);
    bool pushed = false;
    for (const Entry& e : sim->transcript().entries())
        if (e.kind == Entry::Kind::Data && e.device == "phone" &&
            e.bytes.find("FETCH (FLAGS") != std::string::npos) {
            pushed = true;
            EXPECT_TRUE(e.encrypted);
        }
    EXPECT_TRUE(pushed);
    for (const Entry& e : sim->transcript().entries())
        if (e.kind == Entry::Kind::Data && e.device == "laptop") { EXPECT_FALSE(e.encrypted); }
}

TEST(TlsSimulation, AReplyLargerThanOneRecordIsSplitAndArrivesWhole_Rfc8446_5_1)
{
    // 57 KB of body: more than three records of at most 2^14 octets of plaintext each.
    std::string body;
    for (int i = 0; i < 1000; ++i)
        body += "line " + std::to_string(100000 + i) + " of a message that needs several TLS records\\n";
    auto sim =
        simulate(R"({"title": "t", "accounts": [{"user": "alice", "password": "wonderland", "mail": "none"}],
        "devices": [{"name": "dev", "protocol": "pop3", "security": "tls", "user": "alice", "password": "wonderland"}],
        "steps": [{"action": "deliver", "to": "alice", "from": "Bob <bob@example.com>", "subject": "Big",
                   "body": ")" +
                 body + R"("}, {"device": "dev", "action": "check mail"}]})");
    ASSERT_TRUE(sim);
    const auto& entries = sim->transcript().entries();
    size_t largest = 0;
    for (size_t i = 0; i + 1 < entries.size(); ++i) {
        if (entries[i].kind != Entry::Kind::Data || entries[i].bytes.size() < 50000) continue;
        const auto records = tls::parseRecords(entries[i + 1].bytes);
        ASSERT_EQ(records.size(), 4u);
        for (const tls::RecordInfo& r : records)
            EXPECT_LE(r.length, 16384 + 17);
        largest = entries[i].bytes.size();
    }
    EXPECT_GT(largest, 50000u);
    // What the device stored is what was delivered: decrypted from the four records.
    const auto& local = sim->device("dev")->local.messages();
    ASSERT_EQ(local.size(), 1u);
    size_t lines = 0;
    for (size_t at = 0; (at = local[0].bytes.find(" of a message that needs", at)) != std::string::npos; ++at)
        ++lines;
    EXPECT_EQ(lines, 1000u);
    EXPECT_NE(local[0].bytes.find("line 100999 of a message"), std::string::npos);
}

TEST(TlsSimulation, ServerAndClientSayGoodbyeWithCloseNotify_Rfc8446_6_1)
{
    auto sim = simulate(lesson("pop3", "tls"));
    ASSERT_TRUE(sim);
    const auto& entries = sim->transcript().entries();
    auto closed = std::find_if(entries.begin(), entries.end(),
                               [](const Entry& e) { return e.kind == Entry::Kind::Closed; });
    ASSERT_NE(closed, entries.end());
    ASSERT_NE(closed, entries.begin());
    // The record before the FIN: one encrypted alert (2 octets + type + tag = 19), after QUIT's reply.
    const Entry& alert = *(closed - 1);
    EXPECT_EQ(alert.kind, Entry::Kind::TlsRecord);
    ASSERT_EQ(tls::parseRecords(alert.bytes).size(), 1u);
    EXPECT_EQ(tls::parseRecords(alert.bytes)[0].length, 19);
}

// [SECTION] STLS and STARTTLS (RFC 2595, RFC 3501 section 6.2.1)

// The server lines of the reply to the client line that starts with `command` in the session, from the
// n-th such command on (0-based).
std::string replyTo(const Simulation& simulation, const std::string& command, int nth = 0)
{
    const auto& entries = simulation.transcript().entries();
    int seen = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        if (e.kind != Entry::Kind::Data || e.direction != wire::Direction::ClientToServer) continue;
        const std::string verb = e.bytes.substr(0, e.bytes.find("\r\n"));
        if (verb.find(command) == std::string::npos || seen++ != nth) continue;
        for (size_t j = i + 1; j < entries.size(); ++j)
            if (entries[j].kind == Entry::Kind::Data &&
                entries[j].direction == wire::Direction::ServerToClient)
                return entries[j].bytes;
    }
    return {};
}

TEST(TlsSimulation, Pop3StlsUpgradesPort110AndCapaChangesAfterTls_Rfc2595_4)
{
    auto sim = simulate(lesson("pop3", "starttls", R"({"login_requires_tls": true})"));
    ASSERT_TRUE(sim);
    EXPECT_EQ(entriesOf(*sim, Entry::Kind::Connected).at(0)->serverPort, 110);
    EXPECT_EQ(clientLines(*sim),
              (std::vector<std::string>{"CAPA", "STLS", "CAPA", "USER alice", "PASS wonderland", "STAT",
                                        "LIST", "RETR 1", "DELE 1", "QUIT"}));
    // Before TLS: STLS offered, no USER (plain-text login is off); after: no STLS, USER and SASL PLAIN.
    const std::string before = replyTo(*sim, "CAPA", 0), after = replyTo(*sim, "CAPA", 1);
    EXPECT_NE(before.find("\r\nSTLS\r\n"), std::string::npos);
    EXPECT_EQ(before.find("\r\nUSER\r\n"), std::string::npos);
    EXPECT_EQ(after.find("STLS"), std::string::npos);
    EXPECT_NE(after.find("\r\nUSER\r\n"), std::string::npos);
    EXPECT_EQ(replyTo(*sim, "STLS").rfind("+OK", 0), 0u);
    const auto& client = dynamic_cast<const pop3::Pop3Client&>(*sim->device("dev")->client);
    EXPECT_FALSE(client.hasCapability("STLS"));
    EXPECT_TRUE(client.hasCapability("USER"));
    EXPECT_EQ(sim->device("dev")->local.messages().size(), 1u);

    // Only the exchanges before the handshake are plain text; the handshake's steps sit between STLS and
    // the second CAPA, one flight each.
    // (greeting, CAPA, its reply, STLS, +OK: the five Data entries before the handshake).
    const auto data = entriesOf(*sim, Entry::Kind::Data);
    for (size_t i = 0; i < data.size(); ++i)
        EXPECT_EQ(data[i]->encrypted, i >= 5) << i << ": " << data[i]->bytes;
    EXPECT_EQ(data.at(4)->bytes.rfind("+OK Begin TLS", 0), 0u);
    const Handshake h = handshakeOf(*sim, 1);
    ASSERT_EQ(h.steps.size(), 3u);
    EXPECT_EQ(std::set<int>(h.steps.begin(), h.steps.end()).size(), 3u);
    int stlsStep = 0;
    for (const Entry* e : entriesOf(*sim, Entry::Kind::Data))
        if (e->bytes == "STLS\r\n") stlsStep = e->step;
    EXPECT_EQ(h.steps[0], stlsStep + 1);
    EXPECT_EQ(h.firstEncryptedStep, h.steps[2] + 1);
    EXPECT_EQ(wireBytes(*sim).find("wonderland"), std::string::npos);
    EXPECT_NE(wireBytes(*sim).find("STLS\r\n"), std::string::npos);
}

TEST(TlsSimulation, ImapStartTlsUpgradesPort143AndLoginDisabledGoesAway_Rfc3501_6_2_1)
{
    auto sim = simulate(lesson("imap", "starttls", R"({"login_requires_tls": true})"));
    ASSERT_TRUE(sim);
    EXPECT_EQ(entriesOf(*sim, Entry::Kind::Connected).at(0)->serverPort, 143);
    const auto lines = clientLines(*sim);
    ASSERT_GE(lines.size(), 4u);
    EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.begin() + 4),
              (std::vector<std::string>{"A1 CAPABILITY", "A2 STARTTLS", "A3 CAPABILITY",
                                        "A4 LOGIN \"alice\" \"wonderland\""}));
    const std::string before = replyTo(*sim, "A1 CAPABILITY"), after = replyTo(*sim, "A3 CAPABILITY");
    EXPECT_NE(before.find(" STARTTLS"), std::string::npos);
    EXPECT_NE(before.find(" LOGINDISABLED"), std::string::npos);
    EXPECT_EQ(after.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(after.find("LOGINDISABLED"), std::string::npos);
    EXPECT_NE(replyTo(*sim, "A4 LOGIN").find("A4 OK"), std::string::npos);
    EXPECT_EQ(sim->device("dev")->local.messages().size(), 1u);
    const Handshake h = handshakeOf(*sim, 1);
    EXPECT_EQ(h.steps.size(), 3u);
    EXPECT_EQ(wireBytes(*sim).find("wonderland"), std::string::npos);
    EXPECT_EQ(sim->transcript().keyLog.size(), 5u);
}

TEST(TlsSimulation, ServerRefusesPlainTextLoginWhenLoginRequiresTls_Rfc2595_3_1)
{
    // POP3: the plain device's USER is refused, so its PASS never goes out.
    auto pop3 = simulate(lesson("pop3", "plain", R"({"login_requires_tls": true, "tls_available": true})"));
    ASSERT_TRUE(pop3);
    EXPECT_EQ(clientLines(*pop3), (std::vector<std::string>{"USER alice", "QUIT"}));
    EXPECT_EQ(replyTo(*pop3, "USER").rfind("-ERR", 0), 0u);
    EXPECT_EQ(programBytes(*pop3).find("wonderland"), std::string::npos);
    EXPECT_TRUE(pop3->device("dev")->local.messages().empty());
    // IMAP: the greeting says LOGINDISABLED, so the device does not even try (RFC 3501 section 6.2.3) ...
    auto imap = simulate(lesson("imap", "plain", R"({"login_requires_tls": true, "tls_available": true})"));
    ASSERT_TRUE(imap);
    EXPECT_EQ(clientLines(*imap), (std::vector<std::string>{"A1 LOGOUT"}));
    EXPECT_TRUE(hasNote(*imap, "dev: the server disabled LOGIN on this connection (LOGINDISABLED)"));
    // ... and a LOGIN typed by hand is answered NO, after the password crossed the wire: too late.
    auto raw = simulate(R"({"title": "t", "server": {"login_requires_tls": true, "tls_available": true},
        "devices": [{"name": "dev", "protocol": "imap", "user": "alice", "password": "wonderland"}],
        "steps": [{"device": "dev", "action": "raw", "line": "T1 LOGIN alice wonderland"}]})");
    ASSERT_TRUE(raw);
    EXPECT_NE(replyTo(*raw, "T1 LOGIN").find("T1 NO [PRIVACYREQUIRED]"), std::string::npos);
    EXPECT_NE(wireBytes(*raw).find("wonderland"), std::string::npos);
}

TEST(TlsSimulation, DeviceThatRequiresStartTlsStopsWhenTheServerHasNone)
{
    for (const std::string protocol : {"pop3", "imap"}) {
        SCOPED_TRACE(protocol);
        auto sim = simulate(lesson(protocol, "starttls", R"({"tls_available": false})"));
        ASSERT_TRUE(sim);
        const auto lines = clientLines(*sim);
        const std::vector<std::string> expected =
            protocol == "pop3" ? std::vector<std::string>{"CAPA", "QUIT"}
                               : std::vector<std::string>{"A1 CAPABILITY", "A2 LOGOUT"};
        EXPECT_EQ(lines, expected);
        EXPECT_EQ(programBytes(*sim).find("wonderland"), std::string::npos);
        EXPECT_TRUE(entriesOf(*sim, Entry::Kind::TlsRecord).empty());
        EXPECT_TRUE(hasNote(*sim, protocol == "pop3" ? "dev: the server does not offer STLS; stopping"
                                                     : "dev: the server does not offer STARTTLS; stopping"));
        EXPECT_TRUE(sim->device("dev")->local.messages().empty());
    }
}

TEST(TlsSimulation, RawStlsAndStartTlsLinesStartTheHandshake)
{
    auto sim = simulate(R"({"title": "t", "server": {"tls_available": true}, "devices": [
        {"name": "laptop", "protocol": "pop3", "user": "alice", "password": "wonderland"},
        {"name": "phone", "protocol": "imap", "user": "alice", "password": "wonderland"}],
        "steps": [{"device": "laptop", "action": "raw", "line": "STLS"},
                  {"device": "laptop", "action": "raw", "line": "STLS"},
                  {"device": "laptop", "action": "raw", "line": "USER alice"},
                  {"device": "phone", "action": "raw", "line": "T1 STARTTLS"},
                  {"device": "phone", "action": "raw", "line": "T2 CAPABILITY"}]})");
    ASSERT_TRUE(sim);
    EXPECT_EQ(handshakeOf(*sim, 1).steps.size(), 3u);
    EXPECT_EQ(handshakeOf(*sim, 2).steps.size(), 3u);
    // A second STLS inside TLS is refused by the server (RFC 2595 section 4), and it travels encrypted.
    const std::string second = replyTo(*sim, "STLS", 1);
    EXPECT_EQ(second.rfind("-ERR", 0), 0u);
    EXPECT_EQ(replyTo(*sim, "USER alice").rfind("+OK", 0), 0u);
    EXPECT_EQ(replyTo(*sim, "T2 CAPABILITY").find("STARTTLS"), std::string::npos);
    EXPECT_EQ(sim->transcript().keyLog.size(), 10u);
}

// [SECTION] the transcript's text: both layers, or the programs' layer only

TEST(TlsSimulation, TextMarksEncryptedLinesAndSummarisesRecords)
{
    auto sim = simulate(lesson("pop3", "tls"));
    ASSERT_TRUE(sim);
    const std::string both = sim->transcript().toText();
    const std::string programs = sim->transcript().toText(false);
    EXPECT_NE(both.find("[TLS] C: PASS wonderland\n"), std::string::npos);
    EXPECT_NE(both.find("-- TLS records, client to server: Handshake "), std::string::npos);
    EXPECT_NE(both.find("-- TLS records, client to server: ApplicationData 34 --"), std::string::npos);
    EXPECT_EQ(programs.find("TLS records"), std::string::npos);
    EXPECT_NE(programs.find("[TLS] C: PASS wonderland\n"), std::string::npos);
    EXPECT_NE(programs.find("-- TLS handshake, flight 1"), std::string::npos);
}

// [SECTION] the "wire shows" claim

TEST(TlsSimulation, WireShowsClaimLooksAtWhatAnEavesdropperSees)
{
    auto run = [](const std::string& security, const std::string& claims) {
        return simulate(R"({"title": "t", "devices": [{"name": "dev", "protocol": "pop3", "security": ")" +
                        security + R"(", "user": "alice", "password": "wonderland"}], "steps": [
            {"device": "dev", "action": "check mail", "checkpoint": {"description": "d", "claims": [)" +
                        claims + "]}}]}");
    };
    const std::string password = R"({"claim": "wire shows", "text": "PASS wonderland"})";
    const std::string noPassword = R"({"claim": "wire shows", "text": "PASS wonderland", "equals": 0})";
    const std::string said = R"({"claim": "server said", "text": "maildrop has"})";
    auto plain = run("plain", password + "," + said);
    auto tls = run("tls", noPassword + "," + said);
    ASSERT_TRUE(plain && tls);
    ASSERT_EQ(plain->checkpointResults().size(), 1u);
    EXPECT_TRUE(plain->checkpointResults()[0].passed());
    ASSERT_EQ(tls->checkpointResults().size(), 1u);
    EXPECT_TRUE(tls->checkpointResults()[0].passed());
    // And the other way round the claims fail, each with its reason.
    auto plainWrong = run("plain", noPassword);
    auto tlsWrong = run("tls", password);
    ASSERT_TRUE(plainWrong && tlsWrong);
    ASSERT_EQ(plainWrong->checkpointResults().size(), 1u);
    ASSERT_EQ(plainWrong->checkpointResults()[0].failures.size(), 1u);
    EXPECT_NE(plainWrong->checkpointResults()[0].failures[0].find("crossed the wire readably"),
              std::string::npos);
    ASSERT_EQ(tlsWrong->checkpointResults()[0].failures.size(), 1u);
    EXPECT_NE(tlsWrong->checkpointResults()[0].failures[0].find("did not cross the wire"), std::string::npos);
}

// [SECTION] the lesson format

std::string loadError(const std::string& json)
{
    auto result = scenario::parseScenario(json, "lesson.json");
    if (auto* error = std::get_if<scenario::LoadError>(&result)) return error->message;
    return "";
}

TEST(TlsScenario, SecurityAndServerOptionsAreReadAndChecked)
{
    auto parsed = scenario::parseScenario(R"({"title": "t", "devices": [
        {"name": "a", "protocol": "pop3", "user": "u", "password": "p"},
        {"name": "b", "protocol": "pop3", "security": "STARTTLS", "user": "u", "password": "p"},
        {"name": "c", "protocol": "imap", "security": "tls", "user": "u", "password": "p"}],
        "server": {"login_requires_tls": true}, "steps": []})",
                                          "x.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(parsed));
    const auto& s = std::get<scenario::Scenario>(parsed);
    EXPECT_EQ(s.devices[0].security, wire::Security::Plain);
    EXPECT_EQ(s.devices[1].security, wire::Security::StartTls);
    EXPECT_EQ(s.devices[2].security, wire::Security::Implicit);
    EXPECT_TRUE(s.server.tlsAvailable); // some device uses TLS
    EXPECT_TRUE(s.server.loginRequiresTls);
    EXPECT_EQ(scenario::serverPortFor(wire::Protocol::Pop3, wire::Security::StartTls), 110);
    EXPECT_EQ(scenario::serverPortFor(wire::Protocol::Imap, wire::Security::Implicit), 993);

    // Without TLS devices and without a server section, nothing about the server changes.
    auto plain = scenario::parseScenario(
        R"({"title": "t", "devices": [{"name": "a", "protocol": "pop3", "user": "u", "password": "p"}], "steps": []})",
        "x.json");
    ASSERT_TRUE(std::holds_alternative<scenario::Scenario>(plain));
    EXPECT_FALSE(std::get<scenario::Scenario>(plain).server.tlsAvailable);
    EXPECT_FALSE(std::get<scenario::Scenario>(plain).server.loginRequiresTls);

    const std::string device =
        R"("devices": [{"name": "a", "protocol": "pop3", "user": "u", "password": "p"}])";
    EXPECT_NE(loadError(R"({"title": "t", "devices": [{"name": "a", "protocol": "pop3", "security": "ssl",
        "user": "u", "password": "p"}], "steps": []})")
                  .find("devices[0].security: unknown security \"ssl\""),
              std::string::npos);
    EXPECT_NE(
        loadError(R"({"title": "t", )" + device + R"(, "server": {"tls_available": "yes"}, "steps": []})")
            .find("server.tls_available: expected true or false"),
        std::string::npos);
    EXPECT_NE(loadError(R"({"title": "t", )" + device + R"(, "server": [], "steps": []})").find("server"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"title": "t", )" + device + R"(, "steps": [{"action": "note", "checkpoint":
        {"description": "d", "claims": [{"claim": "wire shows", "text": "x", "equals": 2}]}}]})")
                  .find("equals"),
              std::string::npos);
    EXPECT_NE(loadError(R"({"title": "t", )" + device + R"(, "steps": [{"action": "note", "checkpoint":
        {"description": "d", "claims": [{"claim": "wire shows"}]}}]})")
                  .find("text"),
              std::string::npos);
}

// [SECTION] the client engines alone, against a scripted server: STARTTLS required means no password

// Drives an engine until it is idle: `server` answers each line sent; a StartTls request is answered by
// `tlsWorks`. Returns what the engine did, one line each ("<connect>", "CAPA", "<starttls>", "<close>").
std::vector<std::string> drive(wire::ClientEngine& engine, const std::string& greeting,
                               const std::function<std::string(const std::string&)>& server, bool tlsWorks)
{
    using Kind = wire::ClientEngine::Request::Kind;
    std::vector<std::string> did;
    for (int guard = 0; engine.busy() && guard < 100; ++guard) {
        switch (engine.request().kind) {
        case Kind::Connect:
            did.push_back("<connect>");
            engine.onConnected();
            engine.onBytes(greeting);
            break;
        case Kind::Send: {
            const std::string line = engine.request().bytes.substr(0, engine.request().bytes.find("\r\n"));
            did.push_back(line);
            engine.onSent();
            engine.onBytes(server(line));
            break;
        }
        case Kind::StartTls:
            did.push_back("<starttls>");
            engine.onTlsStarted(tlsWorks);
            break;
        case Kind::Close:
            did.push_back("<close>");
            engine.onClosed();
            break;
        case Kind::Wait:
        case Kind::Idle: return did;
        }
    }
    return did;
}

bool sentAnyOf(const std::vector<std::string>& did, std::initializer_list<const char*> words)
{
    for (const std::string& line : did)
        for (const char* w : words)
            if (line.find(w) != std::string::npos) return true;
    return false;
}

TEST(TlsClients, Pop3WithStartTlsRequiredStopsWhenStlsIsNotOfferedOrRefused_Rfc2595_4)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    pop3::ClientOptions options;
    options.user = "alice";
    options.password = "wonderland";
    options.security = wire::Security::StartTls;
    {
        pop3::Pop3Client client(local, clock, options);
        client.checkMail();
        const auto did = drive(
            client, "+OK ready\r\n",
            [](const std::string& line) -> std::string {
                if (line == "CAPA") return "+OK\r\nUSER\r\nUIDL\r\n.\r\n";
                return "+OK\r\n";
            },
            true);
        EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "CAPA", "QUIT", "<close>"}));
        EXPECT_NE(client.status().find("does not offer STLS"), std::string::npos) << client.status();
    }
    {
        pop3::Pop3Client client(local, clock, options);
        client.checkMail();
        const auto did = drive(
            client, "+OK ready\r\n",
            [](const std::string& line) -> std::string {
                if (line == "CAPA") return "+OK\r\nSTLS\r\nUSER\r\n.\r\n";
                if (line == "STLS") return "-ERR [SYS/TEMP] TLS is broken today\r\n";
                return "+OK\r\n";
            },
            true);
        EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "CAPA", "STLS", "QUIT", "<close>"}));
        EXPECT_NE(client.status().find("refused STLS: -ERR [SYS/TEMP] TLS is broken today"),
                  std::string::npos);
    }
    {
        // The handshake fails: the device closes, still without a word of its credentials.
        pop3::Pop3Client client(local, clock, options);
        client.checkMail();
        const auto did = drive(
            client, "+OK ready\r\n",
            [](const std::string& line) -> std::string {
                return line == "CAPA" ? "+OK\r\nSTLS\r\n.\r\n" : "+OK\r\n";
            },
            false);
        EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "CAPA", "STLS", "<starttls>", "<close>"}));
        EXPECT_EQ(client.status(), "the TLS handshake failed");
    }
    {
        // All well: CAPA again after TLS (the list may differ), then the login.
        pop3::Pop3Client client(local, clock, options);
        client.checkMail();
        int capas = 0;
        const auto did = drive(
            client, "+OK ready\r\n",
            [&](const std::string& line) -> std::string {
                if (line == "CAPA")
                    return ++capas == 1 ? "+OK\r\nSTLS\r\n.\r\n" : "+OK\r\nUSER\r\nUIDL\r\n.\r\n";
                if (line == "STAT") return "+OK 0 0\r\n";
                if (line == "LIST") return "+OK\r\n.\r\n";
                return "+OK\r\n";
            },
            true);
        EXPECT_EQ(did,
                  (std::vector<std::string>{"<connect>", "CAPA", "STLS", "<starttls>", "CAPA", "USER alice",
                                            "PASS wonderland", "STAT", "LIST", "QUIT", "<close>"}));
        EXPECT_EQ(client.capabilities(), (std::vector<std::string>{"USER", "UIDL"}));
    }
}

TEST(TlsClients, ImapWithStartTlsRequiredStopsWhenStartTlsIsNotOfferedOrRefused_Rfc3501_6_2_1)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    imap::ClientOptions options;
    options.user = "alice";
    options.password = "wonderland";
    options.security = wire::Security::StartTls;
    const std::string greeting = "* OK [CAPABILITY IMAP4rev1] ready\r\n";
    {
        imap::ImapClient client(local, clock, options);
        client.perform({});
        const auto did = drive(
            client, greeting,
            [](const std::string& line) -> std::string {
                const std::string tag = line.substr(0, line.find(' '));
                if (line.find("CAPABILITY") != std::string::npos)
                    return "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + " OK done\r\n";
                return tag + " OK done\r\n";
            },
            true);
        EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "A1 CAPABILITY", "A2 LOGOUT", "<close>"}));
        EXPECT_NE(client.status().find("does not offer STARTTLS"), std::string::npos);
    }
    {
        imap::ImapClient client(local, clock, options);
        client.perform({});
        const auto did = drive(
            client, greeting,
            [](const std::string& line) -> std::string {
                const std::string tag = line.substr(0, line.find(' '));
                if (line.find("CAPABILITY") != std::string::npos)
                    return "* CAPABILITY IMAP4rev1 STARTTLS\r\n" + tag + " OK done\r\n";
                if (line.find("STARTTLS") != std::string::npos) return tag + " BAD not now\r\n";
                return tag + " OK done\r\n";
            },
            true);
        EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "A1 CAPABILITY", "A2 STARTTLS", "A3 LOGOUT",
                                                 "<close>"}));
        EXPECT_NE(client.status().find("refused STARTTLS: A2 BAD not now"), std::string::npos);
        EXPECT_FALSE(sentAnyOf(did, {"LOGIN", "wonderland"}));
    }
    {
        // After TLS the capabilities are asked again and the old ones forgotten: LOGINDISABLED before TLS
        // must not stop the login after it.
        imap::ImapClient client(local, clock, options);
        client.perform({});
        int asked = 0;
        const auto did = drive(
            client, greeting,
            [&](const std::string& line) -> std::string {
                const std::string tag = line.substr(0, line.find(' '));
                if (line.find("CAPABILITY") != std::string::npos)
                    return (++asked == 1 ? "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n"
                                         : "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n") +
                           tag + " OK done\r\n";
                return tag + " OK done\r\n";
            },
            true);
        ASSERT_GE(did.size(), 6u);
        EXPECT_EQ(std::vector<std::string>(did.begin(), did.begin() + 6),
                  (std::vector<std::string>{"<connect>", "A1 CAPABILITY", "A2 STARTTLS", "<starttls>",
                                            "A3 CAPABILITY", "A4 LOGIN \"alice\" \"wonderland\""}));
        EXPECT_FALSE(client.hasCapability("STARTTLS"));
        EXPECT_TRUE(client.hasCapability("AUTH=PLAIN"));
    }
}

TEST(TlsClients, ImapNeverSendsLoginWhenTheServerSaysLoginDisabled_Rfc3501_6_2_3)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    imap::ClientOptions options;
    options.user = "alice";
    options.password = "wonderland";
    imap::ImapClient client(local, clock, options);
    client.perform({});
    const auto did = drive(
        client, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
        [](const std::string& line) { return line.substr(0, line.find(' ')) + " OK done\r\n"; }, true);
    EXPECT_EQ(did, (std::vector<std::string>{"<connect>", "A1 LOGOUT", "<close>"}));
    EXPECT_NE(client.status().find("LOGINDISABLED"), std::string::npos);
}

} // namespace
} // namespace maillab::test

namespace maillab::test {
namespace {

// APOP signs the greeting's timestamp (RFC 1939 section 7), also when STLS and a second CAPA came between
// the greeting and the login (review found the client signing the CAPA reply instead).
TEST(TlsSimulation, ApopAfterStlsSignsTheGreetingsTimestamp)
{
    std::string json = lesson("pop3", "starttls");
    json.replace(json.find(R"("security": "starttls")"), 22, R"("security": "starttls", "auth": "apop")");
    auto simulation = simulate(json);
    bool apopSent = false, loggedIn = false;
    for (const Entry& e : simulation->transcript().entries()) {
        if (e.kind != Entry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer && e.bytes.starts_with("APOP ")) {
            apopSent = true;
            EXPECT_TRUE(e.encrypted) << "the login goes inside TLS";
        } else if (apopSent && !loggedIn && e.direction == wire::Direction::ServerToClient) {
            EXPECT_TRUE(e.bytes.starts_with("+OK")) << e.bytes;
            loggedIn = true;
        }
    }
    EXPECT_TRUE(loggedIn);
}

} // namespace
} // namespace maillab::test
