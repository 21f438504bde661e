// TLS in the network adapter, with real loopback sockets and a real TLS client (the memory-BIO endpoint on
// the test's side): implicit TLS, STLS/STARTTLS, what the transcript keeps, and handshakes that fail or
// stall (a virtual clock drives the timers, so no test sleeps).
#include "loopback_client.hpp"
#include "net/server.hpp"
#include "test_support.hpp"
#include "tls/tls_endpoint.hpp"

#include <algorithm>
#include <gtest/gtest.h>

namespace maillab::test {
namespace {

using Kind = wire::TranscriptEntry::Kind;

const std::shared_ptr<const tls::Identity>& identity()
{
    static const auto id = std::make_shared<const tls::Identity>(tls::generateSelfSigned("localhost"));
    return id;
}

// The handshakes take rounds of their own.
class Client : public LoopbackClient {
public:
    explicit Client(uint16_t port) : LoopbackClient(port, {.rounds = 300}) {}
};

struct Served {
    DemoWorld world;
    wire::Transcript transcript;
    std::vector<std::string> keyLog;
    std::unique_ptr<net::Server> server;
    explicit Served(net::ServerOptions options = {}, bool withTls = true)
    {
        if (withTls) options.tlsIdentity = identity();
        options.onKeyLogLine = [this](const std::string& line) { keyLog.push_back(line); };
        server = serveOnLoopback(world.store, world.clock, transcript, std::move(options));
    }
    // The entries of one session of a kind.
    std::vector<wire::TranscriptEntry> entries(int sessionId, Kind kind) const
    {
        std::vector<wire::TranscriptEntry> out;
        for (const auto& e : transcript.entries())
            if (e.sessionId == sessionId && e.kind == kind) out.push_back(e);
        return out;
    }
    std::string notes(int sessionId) const
    {
        std::string out;
        for (const auto& e : transcript.entries())
            if (e.sessionId == sessionId && e.kind != Kind::Data && e.kind != Kind::TlsRecord)
                out += e.bytes + "\n";
        return out;
    }
};

// [SECTION] implicit TLS (RFC 8314 section 3)

TEST(NetTls, Pop3sGreetsInsideTlsAndNeverOffersStls_Rfc8314_3_1)
{
    Served s;
    ASSERT_NE(s.server->pop3sPort(), 0);
    ASSERT_NE(s.server->imapsPort(), 0);
    Client c(s.server->pop3sPort());
    ASSERT_TRUE(c.connected());
    c.startTls();
    std::string greeting = c.read(*s.server, "\r\n");
    EXPECT_EQ(greeting.substr(0, 4), "+OK ") << greeting;
    ASSERT_EQ(c.tls()->state(), tls::Endpoint::State::Established);
    EXPECT_EQ(c.tls()->version(), "TLSv1.3");
    c.send("CAPA\r\n");
    std::string capa = c.read(*s.server, "\r\n.\r\n");
    EXPECT_EQ(capa.find("STLS"), std::string::npos) << capa;
    EXPECT_NE(capa.find("USER"), std::string::npos);
    c.send("USER alice\r\nPASS wonderland\r\nSTAT\r\nQUIT\r\n");
    std::string replies = c.read(*s.server, "signing off");
    EXPECT_NE(replies.find("+OK 17 "), std::string::npos) << replies;
    // QUIT: the last reply, then close_notify (RFC 8314 section 3.4), then the server hangs up.
    c.read(*s.server, "never", 20);
    EXPECT_EQ(c.tls()->state(), tls::Endpoint::State::Closed);
    EXPECT_TRUE(c.closed());

    // The transcript: the password only in decrypted Data entries marked encrypted; the wire view in whole
    // TLS records that never show it.
    bool sawPassword = false;
    for (const auto& e : s.entries(1, Kind::Data)) {
        EXPECT_TRUE(e.encrypted) << e.bytes;
        sawPassword = sawPassword || e.bytes.find("PASS wonderland") != std::string::npos;
    }
    EXPECT_TRUE(sawPassword);
    auto records = s.entries(1, Kind::TlsRecord);
    ASSERT_GE(records.size(), 4u);
    for (const auto& e : records) {
        EXPECT_EQ(e.bytes.find("wonderland"), std::string::npos);
        size_t total = 0;
        for (const auto& r : tls::parseRecords(e.bytes))
            total += 5 + r.length;
        EXPECT_EQ(total, e.bytes.size()) << "whole records only";
    }
    EXPECT_EQ(records.front().direction, wire::Direction::ClientToServer); // the ClientHello comes first
    EXPECT_NE(s.notes(1).find("TLS handshake done: TLSv1.3 TLS_AES_256_GCM_SHA384"), std::string::npos)
        << s.notes(1);
    EXPECT_NE(s.notes(1).find("POP3S port"), std::string::npos);
    // The key log of the connection went to the callback: the same secrets the client derived (each side
    // logs them in its own order).
    std::vector<std::string> serverLines = s.keyLog;
    std::vector<std::string> clientLines = c.tls()->keyLogLines();
    std::sort(serverLines.begin(), serverLines.end());
    std::sort(clientLines.begin(), clientLines.end());
    EXPECT_EQ(serverLines, clientLines);
    EXPECT_EQ(serverLines.size(), 5u); // two handshake secrets, two traffic secrets, the exporter secret
}

TEST(NetTls, ImapsGreetingHasNoStarttlsAndLoginWorks_Rfc8314_3_2)
{
    net::ServerOptions options;
    options.loginRequiresTls = true; // implicit TLS satisfies it
    Served s(options);
    Client c(s.server->imapsPort());
    c.startTls();
    std::string greeting = c.read(*s.server, "\r\n");
    EXPECT_EQ(greeting.substr(0, 5), "* OK ");
    EXPECT_EQ(greeting.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(greeting.find("LOGINDISABLED"), std::string::npos);
    c.send("a LOGIN alice wonderland\r\n");
    EXPECT_NE(c.read(*s.server, "a OK").find("a OK "), std::string::npos);
}

// [SECTION] STLS and STARTTLS on the plain ports

TEST(NetTls, Pop3StlsUpgradesThePlainPortAndCapaChanges_Rfc2595_4)
{
    Served s;
    Client c(s.server->pop3Port());
    c.read(*s.server, "\r\n");
    c.send("CAPA\r\n");
    EXPECT_NE(c.read(*s.server, "\r\n.\r\n").find("\r\nSTLS\r\n"), std::string::npos);
    c.send("STLS\r\n");
    EXPECT_EQ(c.read(*s.server, "\r\n"), "+OK Begin TLS negotiation\r\n");
    c.startTls();
    c.send("CAPA\r\n");
    std::string capa = c.read(*s.server, "\r\n.\r\n");
    ASSERT_EQ(c.tls()->state(), tls::Endpoint::State::Established);
    EXPECT_NE(capa.find("USER"), std::string::npos) << capa;
    EXPECT_EQ(capa.find("STLS"), std::string::npos) << capa;
    c.send("STLS\r\n");
    EXPECT_EQ(c.read(*s.server, "\r\n").substr(0, 5), "-ERR ");
    // Before STLS the Data entries are plain, after it encrypted.
    auto data = s.entries(1, Kind::Data);
    auto accepted = std::find_if(data.begin(), data.end(),
                                 [](const auto& e) { return e.bytes == "+OK Begin TLS negotiation\r\n"; });
    ASSERT_NE(accepted, data.end());
    for (auto it = data.begin(); it != data.end(); ++it)
        EXPECT_EQ(it->encrypted, it > accepted) << it->bytes;
}

TEST(NetTls, BytesPipelinedAfterStarttlsAreDroppedAndNoted_Rfc3501_6_2_1)
{
    Served s;
    Client c(s.server->imapPort());
    std::string greeting = c.read(*s.server, "\r\n");
    EXPECT_NE(greeting.find(" STARTTLS"), std::string::npos) << greeting;
    // A man in the middle appends a command to the client's STARTTLS (CVE-2011-0411).
    c.send("a STARTTLS\r\nb CREATE Injected\r\n");
    EXPECT_EQ(c.read(*s.server, "\r\n"), "a OK Begin TLS negotiation now\r\n");
    c.startTls();
    c.send("c CAPABILITY\r\n");
    std::string caps = c.read(*s.server, "c OK");
    ASSERT_EQ(c.tls()->state(), tls::Endpoint::State::Established);
    EXPECT_EQ(caps.find("STARTTLS"), std::string::npos) << caps;
    EXPECT_EQ(caps.find("b "), std::string::npos) << caps; // no answer to the injected command, ever
    c.send("d LOGIN alice wonderland\r\n");
    EXPECT_NE(c.read(*s.server, "d OK").find("d OK "), std::string::npos);
    EXPECT_EQ(s.world.store.mailbox("alice", "Injected"), nullptr);
    EXPECT_NE(s.notes(1).find("bytes that came after the TLS request"), std::string::npos) << s.notes(1);
}

TEST(NetTls, RequireTlsRefusesPlainLoginsUntilStarttls)
{
    net::ServerOptions options;
    options.loginRequiresTls = true;
    Served s(options);
    Client pop3(s.server->pop3Port());
    pop3.read(*s.server, "\r\n");
    pop3.send("USER alice\r\n");
    EXPECT_EQ(pop3.read(*s.server, "\r\n").substr(0, 5), "-ERR ");
    Client imap(s.server->imapPort());
    EXPECT_NE(imap.read(*s.server, "\r\n").find("LOGINDISABLED"), std::string::npos);
    imap.send("a LOGIN alice wonderland\r\n");
    EXPECT_EQ(imap.read(*s.server, "\r\n").substr(0, 22), "a NO [PRIVACYREQUIRED]");
    imap.send("b STARTTLS\r\n");
    imap.read(*s.server, "\r\n");
    imap.startTls();
    imap.send("c LOGIN alice wonderland\r\n");
    EXPECT_NE(imap.read(*s.server, "c OK").find("c OK "), std::string::npos);
}

TEST(NetTls, WithoutAnIdentityThereIsNoTlsAtAll)
{
    Served s({}, false);
    EXPECT_EQ(s.server->pop3sPort(), 0);
    EXPECT_EQ(s.server->imapsPort(), 0);
    Client imap(s.server->imapPort());
    EXPECT_EQ(imap.read(*s.server, "\r\n").find("STARTTLS"), std::string::npos);
    imap.send("a STARTTLS\r\n");
    EXPECT_EQ(imap.read(*s.server, "\r\n"), "a NO STARTTLS is not offered on this connection\r\n");
}

// [SECTION] handshakes that fail: only that connection closes

TEST(NetTls, PlainTextToTheTlsPortClosesThatConnectionOnly)
{
    Served s;
    Client good(s.server->pop3sPort());
    Client wrong(s.server->pop3sPort());
    good.startTls();
    EXPECT_EQ(good.read(*s.server, "\r\n").substr(0, 4), "+OK ");
    wrong.sendRaw("USER alice\r\n");
    wrong.read(*s.server, "never", 50);
    EXPECT_TRUE(wrong.closed());
    EXPECT_NE(s.notes(2).find("TLS handshake failed"), std::string::npos) << s.notes(2);
    EXPECT_NE(s.notes(2).find("USER alice"), std::string::npos) << s.notes(2); // shown as not TLS
    good.send("NOOP\r\n");
    EXPECT_EQ(good.read(*s.server, "\r\n").substr(0, 5), "-ERR "); // NOOP before login: refused, but served
    EXPECT_EQ(s.server->connectionCount(), 1u);
}

TEST(NetTls, GarbageRecordsCloseThatConnectionOnly)
{
    Served s;
    Client good(s.server->imapsPort());
    Client garbage(s.server->imapsPort());
    std::string junk = "\x16\x03\x01\x00\x20";
    junk += std::string(32, '\xAB'); // a Handshake record whose body is no ClientHello
    garbage.sendRaw(junk);
    good.startTls();
    EXPECT_EQ(good.read(*s.server, "\r\n").substr(0, 5), "* OK ");
    garbage.read(*s.server, "never", 50);
    EXPECT_TRUE(garbage.closed());
    EXPECT_NE(s.notes(2).find("TLS handshake failed"), std::string::npos) << s.notes(2);
    good.send("a NOOP\r\n");
    EXPECT_EQ(good.read(*s.server, "\r\n"), "a OK NOOP completed\r\n");
}

TEST(NetTls, StalledHandshakesTimeOutOnTheVirtualClock)
{
    net::ServerOptions options;
    options.tlsHandshakeSeconds = 30;
    Served s(options);
    Client silent(s.server->pop3sPort()); // connects and never sends
    Client half(s.server->imapsPort());   // half a ClientHello, then nothing
    Client upgraded(s.server->pop3Port());
    upgraded.read(*s.server, "\r\n");
    upgraded.send("STLS\r\n");
    upgraded.read(*s.server, "\r\n"); // and never starts the handshake
    {
        auto hello = tls::Endpoint::client("localhost");
        hello->startHandshake();
        std::string bytes = hello->takeCiphertext();
        half.sendRaw(bytes.substr(0, bytes.size() / 2));
    }
    silent.read(*s.server, "never", 20);
    EXPECT_EQ(s.server->connectionCount(), 3u);
    s.world.clock.advance(29 * 1000);
    silent.read(*s.server, "never", 5);
    EXPECT_EQ(s.server->connectionCount(), 3u); // not yet
    s.world.clock.advance(2 * 1000);
    silent.read(*s.server, "never", 5);
    half.read(*s.server, "never", 5);
    upgraded.read(*s.server, "never", 5);
    EXPECT_TRUE(silent.closed());
    EXPECT_TRUE(half.closed());
    EXPECT_TRUE(upgraded.closed());
    EXPECT_EQ(s.server->connectionCount(), 0u);
    for (int id : {1, 2, 3})
        EXPECT_NE(s.notes(id).find("TLS handshake timed out after 30 seconds"), std::string::npos)
            << s.notes(id);
    // The server goes on: a new client is served.
    Client next(s.server->pop3sPort());
    next.startTls();
    EXPECT_EQ(next.read(*s.server, "\r\n").substr(0, 4), "+OK ");
}

TEST(NetTls, ClientThatHangsUpMidHandshakeIsNoted)
{
    Served s;
    {
        Client quitter(s.server->pop3sPort());
        quitter.sendRaw("\x16\x03\x01");
        quitter.read(*s.server, "never", 10);
    }
    Client probe(s.server->pop3Port());
    probe.read(*s.server, "\r\n");
    EXPECT_NE(s.notes(1).find("during the TLS handshake"), std::string::npos) << s.notes(1);
    EXPECT_EQ(s.server->connectionCount(), 1u);
}

} // namespace
} // namespace maillab::test
