// One side of a TLS connection driven through OpenSSL memory BIOs: ciphertext in and out as bytes, no
// sockets, so the same code runs between the simulator's devices and server and on a real connection.
#pragma once

#include "wire/tls_record.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::tls {

// A certificate and its private key, PEM encoded.
struct Identity {
    std::string certificatePem;
    std::string privateKeyPem;
    std::string sha256Fingerprint; // "AB:CD:..." as browsers and openssl x509 -fingerprint print it
};

// A fresh self-signed certificate for hostName (and 127.0.0.1 / localhost as subject alternative names),
// made with the OpenSSL API.
Identity generateSelfSigned(const std::string& hostName, int validDays = 825);
// Loads cert.pem/key.pem from dir, or generates and writes them there (key file mode 0600) on first use.
Identity loadOrCreate(const std::filesystem::path& dir, const std::string& hostName, std::string& error);
// Loads a PEM certificate (chain) and key given by the user (--cert/--key); empty error when fine.
Identity loadFiles(const std::filesystem::path& cert, const std::filesystem::path& key, std::string& error);

// The record layer lives in sim/wire (an eavesdropper needs no OpenSSL to split records).
using wire::contentTypeName;
using wire::parseRecords;
using wire::RecordInfo;

class Endpoint {
public:
    enum class Role { Client, Server };
    enum class State { Handshaking, Established, Failed, Closed };

    // Server: presents identity. Client: verifies nothing (the simulator's devices trust the simulated
    // server; real clients do their own checking) and sends serverName as SNI.
    static std::unique_ptr<Endpoint> server(const Identity& identity);
    static std::unique_ptr<Endpoint> client(const std::string& serverName);
    // A client for real servers (maillab connect): the server's chain is verified against the system's CA
    // store, or only against the PEM certificates in caFile when one is given, and its certificate must
    // name serverName (a host name, or an IP address literal); a handshake that fails says why.
    static std::unique_ptr<Endpoint> verifyingClient(const std::string& serverName,
                                                     const std::string& caFile);
    ~Endpoint();

    // Ciphertext that arrived from the peer (any split).
    void feedCiphertext(std::string_view bytes);
    // Ciphertext to send to the peer now (handshake flights, records of written plaintext, alerts).
    std::string takeCiphertext();
    // Plaintext for the peer, sent once the handshake is done.
    void writePlain(std::string_view bytes);
    // Plaintext decrypted so far.
    std::string takePlain();
    // Starts the handshake (a client's ClientHello is ready in takeCiphertext() afterwards).
    void startHandshake();
    // Sends close_notify.
    void shutdown();

    State state() const;
    const std::string& error() const; // why the handshake failed, in words
    std::string version() const;      // "TLSv1.3"
    std::string cipher() const;       // "TLS_AES_256_GCM_SHA384"
    // SSLKEYLOGFILE lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>" ...) of this connection.
    const std::vector<std::string>& keyLogLines() const;

private:
    struct Impl;
    explicit Endpoint(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace maillab::tls
