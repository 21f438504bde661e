// The TLS endpoint: a real OpenSSL client and server joined in memory (no sockets), the records an
// eavesdropper sees, the key log, broken input, and the self-signed identity kept on disk.
#include "tls/tls_endpoint.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace maillab::test {
namespace {

using tls::Endpoint;
using State = Endpoint::State;

const tls::Identity& identity()
{
    static const tls::Identity id = tls::generateSelfSigned("mail.example.test");
    return id;
}

// Both directions of a wire, so a test can look at what crossed it.
struct Wire {
    std::string clientToServer;
    std::string serverToClient;
};

// Moves ciphertext both ways until neither side has anything more to send.
void pump(Endpoint& client, Endpoint& server, Wire* wire = nullptr)
{
    for (int round = 0; round < 20; ++round) {
        std::string toServer = client.takeCiphertext();
        std::string toClient = server.takeCiphertext();
        if (toServer.empty() && toClient.empty()) return;
        if (wire != nullptr) {
            wire->clientToServer += toServer;
            wire->serverToClient += toClient;
        }
        if (!toServer.empty()) server.feedCiphertext(toServer);
        if (!toClient.empty()) client.feedCiphertext(toClient);
    }
    FAIL() << "the endpoints kept talking";
}

struct Pair {
    std::unique_ptr<Endpoint> client = Endpoint::client("mail.example.test");
    std::unique_ptr<Endpoint> server = Endpoint::server(identity());
    Wire wire;
    void handshake()
    {
        client->startHandshake();
        pump(*client, *server, &wire);
    }
};

// A temporary folder, removed at the end.
struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "maillab-tls-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// [SECTION] handshake and data

TEST(TlsEndpoint, InMemoryHandshakeReachesEstablishedOnBothSides)
{
    Pair pair;
    EXPECT_EQ(pair.client->state(), State::Handshaking);
    pair.handshake();
    EXPECT_EQ(pair.client->state(), State::Established) << pair.client->error();
    EXPECT_EQ(pair.server->state(), State::Established) << pair.server->error();
    EXPECT_TRUE(pair.client->error().empty());
    EXPECT_TRUE(pair.server->error().empty());
}

TEST(TlsEndpoint, PlaintextCrossesBothWaysAndNeverAppearsOnTheWire)
{
    Pair pair;
    pair.handshake();
    pair.server->writePlain("+OK maillab POP3 server ready\r\n");
    pump(*pair.client, *pair.server, &pair.wire);
    EXPECT_EQ(pair.client->takePlain(), "+OK maillab POP3 server ready\r\n");
    pair.client->writePlain("USER alice\r\n");
    pair.client->writePlain("PASS wonderland\r\n");
    pump(*pair.client, *pair.server, &pair.wire);
    EXPECT_EQ(pair.server->takePlain(), "USER alice\r\nPASS wonderland\r\n");
    EXPECT_EQ(pair.server->takePlain(), ""); // taken once
    // The eavesdropper's view holds none of it.
    EXPECT_EQ(pair.wire.clientToServer.find("wonderland"), std::string::npos);
    EXPECT_EQ(pair.wire.serverToClient.find("maillab POP3"), std::string::npos);
}

TEST(TlsEndpoint, PlaintextWrittenBeforeTheHandshakeIsSentOnceItIsDone)
{
    Pair pair;
    pair.client->writePlain("a1 CAPABILITY\r\n");
    pair.handshake();
    EXPECT_EQ(pair.server->takePlain(), "a1 CAPABILITY\r\n");
}

TEST(TlsEndpoint, CiphertextFedOneByteAtATimeStillWorks)
{
    Pair pair;
    pair.client->startHandshake();
    for (int round = 0; round < 20; ++round) {
        std::string toServer = pair.client->takeCiphertext();
        std::string toClient = pair.server->takeCiphertext();
        if (toServer.empty() && toClient.empty()) break;
        for (char c : toServer)
            pair.server->feedCiphertext(std::string_view(&c, 1));
        for (char c : toClient)
            pair.client->feedCiphertext(std::string_view(&c, 1));
    }
    ASSERT_EQ(pair.server->state(), State::Established);
    pair.client->writePlain("x\r\n");
    std::string record = pair.client->takeCiphertext();
    for (char c : record)
        pair.server->feedCiphertext(std::string_view(&c, 1));
    EXPECT_EQ(pair.server->takePlain(), "x\r\n");
}

TEST(TlsEndpoint, NegotiatesTls13WithAnIanaCipherName_Rfc8446_B4)
{
    Pair pair;
    pair.handshake();
    EXPECT_EQ(pair.client->version(), "TLSv1.3");
    EXPECT_EQ(pair.server->version(), "TLSv1.3");
    EXPECT_EQ(pair.server->cipher(), pair.client->cipher());
    EXPECT_EQ(pair.server->cipher().rfind("TLS_", 0), 0u) << pair.server->cipher();
    EXPECT_EQ(pair.server->cipher(), "TLS_AES_256_GCM_SHA384"); // OpenSSL 3.0's first TLS 1.3 preference
}

TEST(TlsEndpoint, KeyLogHoldsTheTrafficSecretsOfBothSides)
{
    Pair pair;
    pair.handshake();
    for (const Endpoint* side : {pair.client.get(), pair.server.get()}) {
        const auto& lines = side->keyLogLines();
        auto has = [&](const std::string& label) {
            for (const auto& line : lines)
                if (line.rfind(label + " ", 0) == 0) return true;
            return false;
        };
        EXPECT_TRUE(has("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
        EXPECT_TRUE(has("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
        EXPECT_TRUE(has("CLIENT_TRAFFIC_SECRET_0"));
        EXPECT_TRUE(has("SERVER_TRAFFIC_SECRET_0"));
        // "<label> <64 hex client random> <hex secret>", as SSLKEYLOGFILE has it.
        ASSERT_FALSE(lines.empty());
        std::string first = lines.front();
        size_t a = first.find(' ');
        size_t b = first.find(' ', a + 1);
        ASSERT_NE(b, std::string::npos);
        EXPECT_EQ(b - a - 1, 64u);
    }
    // Both sides logged the same secrets for the same client random.
    EXPECT_EQ(pair.client->keyLogLines().size(), pair.server->keyLogLines().size());
}

// [SECTION] the eavesdropper's view

TEST(TlsEndpoint, ParseRecordsSplitsRealHandshakeBytes_Rfc8446_5_1)
{
    Pair pair;
    pair.handshake();
    auto fromClient = tls::parseRecords(pair.wire.clientToServer);
    auto fromServer = tls::parseRecords(pair.wire.serverToClient);
    ASSERT_FALSE(fromClient.empty());
    ASSERT_FALSE(fromServer.empty());
    // The ClientHello is a plaintext Handshake record; then TLS 1.3 hides the rest in ApplicationData.
    EXPECT_EQ(fromClient.front().contentType, 22);
    EXPECT_EQ(fromServer.front().contentType, 22); // ServerHello
    EXPECT_EQ(fromServer.back().contentType, 23);
    EXPECT_EQ(fromClient.back().contentType, 23); // the client's Finished, encrypted
    size_t total = 0;
    for (const auto& r : fromClient) {
        EXPECT_TRUE(r.version == 0x0301 || r.version == 0x0303) << std::hex << r.version;
        total += 5 + r.length;
    }
    EXPECT_EQ(total, pair.wire.clientToServer.size()); // whole records, nothing left over
    EXPECT_STREQ(tls::contentTypeName(22), "Handshake");
    EXPECT_STREQ(tls::contentTypeName(23), "ApplicationData");
    EXPECT_STREQ(tls::contentTypeName(21), "Alert");
    EXPECT_STREQ(tls::contentTypeName(20), "ChangeCipherSpec");
}

TEST(TlsEndpoint, ParseRecordsLeavesOutAPartialRecord)
{
    Pair pair;
    pair.client->startHandshake();
    std::string hello = pair.client->takeCiphertext();
    ASSERT_EQ(tls::parseRecords(hello).size(), 1u);
    EXPECT_EQ(tls::parseRecords(hello.substr(0, hello.size() - 1)).size(), 0u);
    EXPECT_EQ(tls::parseRecords(hello.substr(0, 3)).size(), 0u);
    EXPECT_EQ(tls::parseRecords(hello + hello.substr(0, 7)).size(), 1u);
}

// [SECTION] broken input

TEST(TlsEndpoint, GarbageCiphertextFailsWithAnErrorMessage)
{
    auto server = Endpoint::server(identity());
    std::mt19937 random(7);
    std::string garbage(300, '\0');
    for (char& c : garbage)
        c = static_cast<char>(random());
    garbage[0] = 0x16; // looks like a Handshake record at first
    server->feedCiphertext(garbage);
    EXPECT_EQ(server->state(), State::Failed);
    EXPECT_FALSE(server->error().empty());
    // Once failed it stays failed and ignores more input.
    server->feedCiphertext("more");
    EXPECT_EQ(server->state(), State::Failed);
    EXPECT_EQ(server->takePlain(), "");
}

TEST(TlsEndpoint, PlaintextCommandToATlsServerFails)
{
    auto server = Endpoint::server(identity());
    server->feedCiphertext("USER alice\r\n");
    EXPECT_EQ(server->state(), State::Failed);
    EXPECT_NE(server->error().find("wrong version number"), std::string::npos) << server->error();
}

TEST(TlsEndpoint, TamperedApplicationDataFailsAfterTheHandshake)
{
    Pair pair;
    pair.handshake();
    pair.client->writePlain("PASS wonderland\r\n");
    std::string record = pair.client->takeCiphertext();
    record[record.size() - 3] ^= 0x01; // a bit flipped on the wire: the AEAD tag no longer matches
    pair.server->feedCiphertext(record);
    EXPECT_EQ(pair.server->state(), State::Failed);
    EXPECT_FALSE(pair.server->error().empty());
    EXPECT_EQ(pair.server->takePlain(), "");
}

TEST(TlsEndpoint, HalfAClientHelloWaitsForMore)
{
    Pair pair;
    pair.client->startHandshake();
    std::string hello = pair.client->takeCiphertext();
    pair.server->feedCiphertext(hello.substr(0, hello.size() / 2));
    EXPECT_EQ(pair.server->state(), State::Handshaking);
    EXPECT_EQ(pair.server->takeCiphertext(), "");
    pair.server->feedCiphertext(hello.substr(hello.size() / 2));
    EXPECT_NE(pair.server->takeCiphertext(), ""); // ServerHello and the rest
}

TEST(TlsEndpoint, CloseNotifyClosesThePeer_Rfc8446_6_1)
{
    Pair pair;
    pair.handshake();
    pair.client->shutdown();
    EXPECT_EQ(pair.client->state(), State::Closed);
    std::string alert = pair.client->takeCiphertext();
    ASSERT_FALSE(alert.empty());
    pair.server->feedCiphertext(alert);
    EXPECT_EQ(pair.server->state(), State::Closed);
}

TEST(TlsEndpoint, ServerWithABrokenIdentityIsFailedFromTheStart)
{
    tls::Identity broken = identity();
    broken.privateKeyPem = tls::generateSelfSigned("other").privateKeyPem;
    auto server = Endpoint::server(broken);
    EXPECT_EQ(server->state(), State::Failed);
    EXPECT_NE(server->error().find("does not belong"), std::string::npos) << server->error();
}

// [SECTION] identities

TEST(TlsIdentity, SelfSignedCertificateNamesTheHostLocalhostAndLoopback)
{
    const tls::Identity& id = identity();
    ASSERT_NE(id.certificatePem.find("BEGIN CERTIFICATE"), std::string::npos);
    ASSERT_NE(id.privateKeyPem.find("BEGIN PRIVATE KEY"), std::string::npos);
    // "AB:CD:...": 32 bytes.
    EXPECT_EQ(id.sha256Fingerprint.size(), 32u * 3 - 1);

    BIO* bio = BIO_new_mem_buf(id.certificatePem.data(), static_cast<int>(id.certificatePem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
    EXPECT_EQ(X509_check_host(cert, "mail.example.test", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    EXPECT_NE(X509_check_host(cert, "evil.example", 0, 0, nullptr), 1);
    // Self-signed and verifiable against itself, as curl --cacert will do.
    EXPECT_EQ(X509_check_issued(cert, cert), X509_V_OK);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, cert);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert, nullptr);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    EXPECT_EQ(X509_verify_cert(ctx), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(cert);
}

TEST(TlsIdentity, TwoGeneratedCertificatesDiffer)
{
    EXPECT_NE(tls::generateSelfSigned("a").sha256Fingerprint, tls::generateSelfSigned("a").sha256Fingerprint);
}

TEST(TlsIdentity, LoadOrCreateWritesAPrivateKeyAndReloadsTheSameCertificate)
{
    TempDir temp;
    std::filesystem::path dir = temp.path / "maillab"; // does not exist yet
    std::string error;
    tls::Identity first = tls::loadOrCreate(dir, "localhost", error);
    ASSERT_EQ(error, "");
    ASSERT_FALSE(first.sha256Fingerprint.empty());
    struct stat keyStat {};
    ASSERT_EQ(::stat((dir / "key.pem").c_str(), &keyStat), 0);
    EXPECT_EQ(keyStat.st_mode & 0777, 0600u);
    ASSERT_TRUE(std::filesystem::exists(dir / "cert.pem"));
    EXPECT_FALSE(std::filesystem::exists(dir / "key.pem.tmp"));

    tls::Identity second = tls::loadOrCreate(dir, "localhost", error);
    ASSERT_EQ(error, "");
    EXPECT_EQ(second.sha256Fingerprint, first.sha256Fingerprint);
    EXPECT_EQ(second.certificatePem, first.certificatePem);
    EXPECT_EQ(second.privateKeyPem, first.privateKeyPem);

    // The reloaded identity serves a working handshake.
    auto server = Endpoint::server(second);
    auto client = Endpoint::client("localhost");
    client->startHandshake();
    pump(*client, *server);
    EXPECT_EQ(server->state(), State::Established) << server->error();
}

TEST(TlsIdentity, LoadOrCreateNeverOverwritesHalfAPair)
{
    TempDir temp;
    std::ofstream(temp.path / "cert.pem") << identity().certificatePem;
    std::string error;
    tls::Identity id = tls::loadOrCreate(temp.path, "localhost", error);
    EXPECT_NE(error, "");
    EXPECT_TRUE(id.certificatePem.empty());
    EXPECT_FALSE(std::filesystem::exists(temp.path / "key.pem"));
}

TEST(TlsIdentity, LoadFilesChecksThatTheKeyFitsTheCertificate)
{
    TempDir temp;
    std::ofstream(temp.path / "cert.pem") << identity().certificatePem;
    std::ofstream(temp.path / "key.pem") << identity().privateKeyPem;
    std::ofstream(temp.path / "other.pem") << tls::generateSelfSigned("x").privateKeyPem;
    std::string error;
    tls::Identity id = tls::loadFiles(temp.path / "cert.pem", temp.path / "key.pem", error);
    EXPECT_EQ(error, "");
    EXPECT_EQ(id.sha256Fingerprint, identity().sha256Fingerprint);
    tls::loadFiles(temp.path / "cert.pem", temp.path / "other.pem", error);
    EXPECT_NE(error.find("does not belong"), std::string::npos) << error;
    tls::loadFiles(temp.path / "missing.pem", temp.path / "key.pem", error);
    EXPECT_NE(error.find("missing.pem"), std::string::npos) << error;
    tls::loadFiles(temp.path / "key.pem", temp.path / "key.pem", error);
    EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}

} // namespace
} // namespace maillab::test
