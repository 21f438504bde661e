// OpenSSL 3.0 behind the Endpoint interface: two memory BIOs per connection (ciphertext in, ciphertext
// out), the key log collected per connection, and the self-signed identity made with the EVP/X509 API.
#include "tls/tls_endpoint.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace maillab::tls {
namespace {

// [SECTION] small owners for OpenSSL objects

struct BioFree {
    void operator()(BIO* b) const { BIO_free_all(b); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// The oldest error on this thread's OpenSSL queue in words ("wrong version number"), and the queue emptied
// so that the next connection does not inherit it.
std::string takeOpenSslError(const char* fallback)
{
    unsigned long code = ERR_get_error();
    std::string text;
    if (code != 0) {
        const char* reason = ERR_reason_error_string(code);
        if (reason != nullptr) {
            text = reason;
        } else {
            char buffer[256];
            ERR_error_string_n(code, buffer, sizeof buffer);
            text = buffer;
        }
    }
    ERR_clear_error();
    return text.empty() ? fallback : text;
}

std::string bioToString(BIO* bio)
{
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

BioPtr memoryBioFrom(std::string_view bytes)
{
    return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string fingerprintOf(X509* cert)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return {};
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        if (i > 0) out += ':';
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

bool addExtension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

bool isIpLiteral(const std::string& name)
{
    if (name.empty()) return false;
    if (name.find(':') != std::string::npos) return true; // IPv6
    for (char c : name)
        if ((c < '0' || c > '9') && c != '.') return false;
    return true;
}

bool readWholeFile(const std::filesystem::path& path, std::string& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return static_cast<bool>(in) || in.eof();
}

// Writes via a temporary file and rename, so a crash never leaves half a key; the file is created with
// `mode` from the start, so the key is never readable by others even for a moment.
bool writeFileAtomically(const std::filesystem::path& path, const std::string& bytes, mode_t mode,
                         std::string& error)
{
    std::filesystem::path temp = path;
    temp += ".tmp";
    ::unlink(temp.c_str());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        error = "cannot write " + temp.string() + ": " + std::strerror(errno);
        return false;
    }
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "cannot write " + temp.string() + ": " + std::strerror(errno);
            ::close(fd);
            ::unlink(temp.c_str());
            return false;
        }
        done += static_cast<size_t>(n);
    }
    ::fchmod(fd, mode); // the umask may have taken bits away; never adds any beyond `mode`
    if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
        error = "cannot write " + path.string() + ": " + std::strerror(errno);
        ::unlink(temp.c_str());
        return false;
    }
    return true;
}

// Parses and checks an identity: the first certificate, any further ones (the chain), and a key that
// belongs to the first certificate.
struct ParsedIdentity {
    X509Ptr leaf;
    std::vector<X509Ptr> chain;
    PkeyPtr key;
};
bool parseIdentity(const Identity& identity, ParsedIdentity& out, std::string& error)
{
    ERR_clear_error();
    BioPtr certBio = memoryBioFrom(identity.certificatePem);
    out.leaf.reset(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    if (!out.leaf) {
        error = "no PEM certificate found (" + takeOpenSslError("unreadable") + ")";
        return false;
    }
    while (X509* more = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr))
        out.chain.emplace_back(more);
    ERR_clear_error(); // the loop ends with a "no start line" error that means "no more certificates"
    BioPtr keyBio = memoryBioFrom(identity.privateKeyPem);
    out.key.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!out.key) {
        error = "no unencrypted PEM private key found (" + takeOpenSslError("unreadable") + ")";
        return false;
    }
    if (X509_check_private_key(out.leaf.get(), out.key.get()) != 1) {
        ERR_clear_error();
        error = "the private key does not belong to the certificate";
        return false;
    }
    return true;
}

} // namespace

// [SECTION] identities

Identity generateSelfSigned(const std::string& hostName, int validDays)
{
    // EC P-256: fast to make and to use, and understood by every TLS 1.2 and 1.3 client.
    PkeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!key || !cert) return {};
    X509_set_version(cert.get(), X509_VERSION_3);

    // A random positive serial (RFC 5280 section 4.1.2.2: at most 20 octets), so that a regenerated
    // certificate never repeats one a browser or client has already seen.
    unsigned char serialBytes[16];
    RAND_bytes(serialBytes, sizeof serialBytes);
    serialBytes[0] &= 0x7f;
    BIGNUM* serial = BN_bin2bn(serialBytes, sizeof serialBytes, nullptr);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
    BN_free(serial);

    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60); // an hour of slack for skewed clocks
    X509_time_adj_ex(X509_getm_notAfter(cert.get()), validDays, 0, nullptr);
    X509_set_pubkey(cert.get(), key.get());

    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("maillab"),
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(hostName.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    // Clients match the host against the subject alternative names (RFC 6125), not the CN. No keyUsage:
    // OpenSSL only counts a self-signed certificate as its own issuer (so that --cacert can trust it) when
    // keyUsage is absent or includes keyCertSign.
    std::string san = "DNS:localhost,IP:127.0.0.1";
    if (!hostName.empty() && hostName != "localhost" && hostName != "127.0.0.1")
        san += (isIpLiteral(hostName) ? ",IP:" : ",DNS:") + hostName;
    bool ok = addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
              addExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
              addExtension(cert.get(), NID_subject_key_identifier, "hash") &&
              addExtension(cert.get(), NID_authority_key_identifier, "keyid:always") &&
              addExtension(cert.get(), NID_subject_alt_name, san);
    if (!ok || X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
        ERR_clear_error();
        return {};
    }

    Identity identity;
    BioPtr certOut(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(certOut.get(), cert.get());
    identity.certificatePem = bioToString(certOut.get());
    BioPtr keyOut(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    identity.privateKeyPem = bioToString(keyOut.get());
    identity.sha256Fingerprint = fingerprintOf(cert.get());
    return identity;
}

Identity loadFiles(const std::filesystem::path& cert, const std::filesystem::path& key, std::string& error)
{
    error.clear();
    Identity identity;
    if (!readWholeFile(cert, identity.certificatePem)) {
        error = "cannot read " + cert.string() + ": " + std::strerror(errno);
        return {};
    }
    if (!readWholeFile(key, identity.privateKeyPem)) {
        error = "cannot read " + key.string() + ": " + std::strerror(errno);
        return {};
    }
    ParsedIdentity parsed;
    if (!parseIdentity(identity, parsed, error)) {
        error = cert.string() + " / " + key.string() + ": " + error;
        return {};
    }
    identity.sha256Fingerprint = fingerprintOf(parsed.leaf.get());
    return identity;
}

Identity loadOrCreate(const std::filesystem::path& dir, const std::string& hostName, std::string& error)
{
    error.clear();
    const std::filesystem::path cert = dir / "cert.pem";
    const std::filesystem::path key = dir / "key.pem";
    std::error_code ec;
    bool haveCert = std::filesystem::exists(cert, ec);
    bool haveKey = std::filesystem::exists(key, ec);
    if (haveCert && haveKey) return loadFiles(cert, key, error);
    if (haveCert != haveKey) {
        // Never overwrite half of someone's pair: they may have put their own certificate there.
        error = "found " + (haveCert ? cert : key).string() + " but not " + (haveCert ? key : cert).string() +
                "; remove it or add the other file";
        return {};
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir.string() + ": " + ec.message();
        return {};
    }
    Identity identity = generateSelfSigned(hostName);
    if (identity.certificatePem.empty()) {
        error = "could not generate a certificate: " + takeOpenSslError("OpenSSL error");
        return {};
    }
    if (!writeFileAtomically(key, identity.privateKeyPem, 0600, error) ||
        !writeFileAtomically(cert, identity.certificatePem, 0644, error))
        return {};
    return identity;
}

// [SECTION] records on the wire

// [SECTION] the endpoint

namespace {

// Everything of one connection; Endpoint::Impl is this under the header's private name.
struct Connection {
    using Role = Endpoint::Role;
    using State = Endpoint::State;
    Role role = Role::Server;
    State state = State::Handshaking;
    std::string error;
    CtxPtr ctx;
    SslPtr ssl;
    BIO* in = nullptr;        // ciphertext from the peer; owned by ssl
    BIO* out = nullptr;       // ciphertext for the peer; owned by ssl
    std::string pendingPlain; // written before the handshake finished
    std::string plain;        // decrypted, not yet taken
    std::vector<std::string> keyLog;
    bool started = false;
    bool verifying = false; // a client that checks the server's certificate (verifyingClient)

    void fail(const char* fallback)
    {
        state = State::Failed;
        error = takeOpenSslError(fallback);
    }

    // Moves the connection on as far as the bytes that came allow: the handshake, then decryption and the
    // plaintext that waited for it.
    void drive()
    {
        if (state == State::Failed || state == State::Closed || !ssl) return;
        ERR_clear_error();
        if (state == State::Handshaking) {
            started = true;
            int rc = SSL_do_handshake(ssl.get());
            if (rc != 1) {
                int err = SSL_get_error(ssl.get(), rc);
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
                fail(err == SSL_ERROR_ZERO_RETURN ? "the peer closed the connection during the handshake"
                                                  : "handshake failed");
                const long verified = SSL_get_verify_result(ssl.get());
                if (verifying && verified != X509_V_OK)
                    error = std::string("the server's certificate was not accepted: ") +
                            X509_verify_cert_error_string(verified);
                return;
            }
            state = State::Established;
        }
        if (!pendingPlain.empty()) {
            std::string queued;
            queued.swap(pendingPlain);
            writeNow(queued);
            if (state != State::Established) return;
        }
        readAvailable();
    }

    void writeNow(std::string_view bytes)
    {
        ERR_clear_error();
        while (!bytes.empty()) {
            size_t written = 0;
            if (SSL_write_ex(ssl.get(), bytes.data(), bytes.size(), &written) != 1) {
                fail("write failed");
                return;
            }
            bytes.remove_prefix(written);
        }
    }

    void readAvailable()
    {
        char buffer[16384];
        for (;;) {
            size_t got = 0;
            int rc = SSL_read_ex(ssl.get(), buffer, sizeof buffer, &got);
            if (rc == 1) {
                plain.append(buffer, got);
                continue;
            }
            int err = SSL_get_error(ssl.get(), rc);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
            if (err == SSL_ERROR_ZERO_RETURN) {
                state = State::Closed; // close_notify from the peer (RFC 8446 section 6.1)
                ERR_clear_error();
                return;
            }
            fail("record could not be decrypted");
            return;
        }
    }
};

int endpointIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

void keyLogCallback(const SSL* ssl, const char* line)
{
    auto* connection = static_cast<Connection*>(SSL_get_ex_data(ssl, endpointIndex()));
    if (connection != nullptr && line != nullptr) connection->keyLog.emplace_back(line);
}

// A context with the settings both roles share.
void makeContext(Connection* impl, Endpoint::Role role)
{
    impl->role = role;
    ERR_clear_error();
    impl->ctx.reset(SSL_CTX_new(role == Endpoint::Role::Server ? TLS_server_method() : TLS_client_method()));
    if (!impl->ctx) {
        impl->fail("cannot create a TLS context");
        return;
    }
    SSL_CTX_set_min_proto_version(impl->ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_keylog_callback(impl->ctx.get(), keyLogCallback);
    // No client-initiated renegotiation in TLS 1.2 (a denial-of-service lever), and no session tickets: each
    // connection has its own context, so a ticket could never be used, and the transcript stays shorter.
    SSL_CTX_set_options(impl->ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(impl->ctx.get(), 0);
    SSL_CTX_set_session_cache_mode(impl->ctx.get(), SSL_SESS_CACHE_OFF);
}

// The SSL object on two memory BIOs.
void attachSsl(Connection& impl)
{
    impl.ssl.reset(SSL_new(impl.ctx.get()));
    if (!impl.ssl) {
        impl.fail("cannot create a TLS connection");
        return;
    }
    impl.in = BIO_new(BIO_s_mem());
    impl.out = BIO_new(BIO_s_mem());
    // An empty input BIO means "wait for more", not end of file.
    BIO_set_mem_eof_return(impl.in, -1);
    BIO_set_mem_eof_return(impl.out, -1);
    SSL_set_bio(impl.ssl.get(), impl.in, impl.out);
    SSL_set_ex_data(impl.ssl.get(), endpointIndex(), &impl);
    if (impl.role == Endpoint::Role::Server)
        SSL_set_accept_state(impl.ssl.get());
    else
        SSL_set_connect_state(impl.ssl.get());
}

} // namespace

struct Endpoint::Impl : Connection {};

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Endpoint::~Endpoint() = default;

std::unique_ptr<Endpoint> Endpoint::server(const Identity& identity)
{
    auto impl = std::make_unique<Impl>();
    makeContext(impl.get(), Role::Server);
    if (impl->state == State::Failed) return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    ParsedIdentity parsed;
    std::string error;
    if (!parseIdentity(identity, parsed, error)) {
        impl->state = State::Failed;
        impl->error = "server identity: " + error;
        return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    }
    SSL_CTX* ctx = impl->ctx.get();
    if (SSL_CTX_use_certificate(ctx, parsed.leaf.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, parsed.key.get()) != 1) {
        impl->fail("cannot use the server certificate");
        return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    }
    for (auto& extra : parsed.chain)
        SSL_CTX_add1_chain_cert(ctx, extra.get());
    attachSsl(*impl);
    return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

std::unique_ptr<Endpoint> Endpoint::client(const std::string& serverName)
{
    auto impl = std::make_unique<Impl>();
    makeContext(impl.get(), Role::Client);
    if (impl->state == State::Failed) return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    SSL_CTX_set_verify(impl->ctx.get(), SSL_VERIFY_NONE, nullptr);
    attachSsl(*impl);
    // RFC 6066 section 3: SNI carries host names only, never an address literal.
    if (impl->ssl && !serverName.empty() && !isIpLiteral(serverName))
        SSL_set_tlsext_host_name(impl->ssl.get(), serverName.c_str());
    return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

std::unique_ptr<Endpoint> Endpoint::verifyingClient(const std::string& serverName, const std::string& caFile)
{
    auto impl = std::make_unique<Impl>();
    makeContext(impl.get(), Role::Client);
    if (impl->state == State::Failed) return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    SSL_CTX* ctx = impl->ctx.get();
    const bool loaded = caFile.empty() ? SSL_CTX_set_default_verify_paths(ctx) == 1
                                       : SSL_CTX_load_verify_locations(ctx, caFile.c_str(), nullptr) == 1;
    if (!loaded) {
        const std::string what = caFile.empty() ? "cannot load the system's CA certificates"
                                                : "cannot load CA certificates from " + caFile;
        impl->fail(what.c_str());
        return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    impl->verifying = true;
    attachSsl(*impl);
    if (impl->ssl) {
        // RFC 6125: the name the user asked for must be in the certificate; SNI only for host names.
        if (isIpLiteral(serverName)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(impl->ssl.get()), serverName.c_str());
        } else {
            SSL_set_tlsext_host_name(impl->ssl.get(), serverName.c_str());
            SSL_set1_host(impl->ssl.get(), serverName.c_str());
        }
    }
    return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

void Endpoint::feedCiphertext(std::string_view bytes)
{
    if (!m_impl->ssl || m_impl->state == State::Failed || m_impl->state == State::Closed) return;
    if (!bytes.empty()) BIO_write(m_impl->in, bytes.data(), static_cast<int>(bytes.size()));
    m_impl->drive();
}

std::string Endpoint::takeCiphertext()
{
    if (m_impl->out == nullptr) return {};
    std::string bytes = bioToString(m_impl->out);
    (void)BIO_reset(m_impl->out);
    return bytes;
}

void Endpoint::writePlain(std::string_view bytes)
{
    if (bytes.empty() || m_impl->state == State::Failed || m_impl->state == State::Closed) return;
    if (m_impl->state == State::Handshaking) {
        m_impl->pendingPlain.append(bytes);
        return;
    }
    m_impl->writeNow(bytes);
}

std::string Endpoint::takePlain()
{
    std::string bytes;
    bytes.swap(m_impl->plain);
    return bytes;
}

void Endpoint::startHandshake()
{
    if (m_impl->state == State::Handshaking && !m_impl->started) m_impl->drive();
}

void Endpoint::shutdown()
{
    if (!m_impl->ssl) return;
    if (m_impl->state == State::Established || m_impl->state == State::Closed) {
        ERR_clear_error();
        SSL_shutdown(m_impl->ssl.get());
        ERR_clear_error();
    }
    if (m_impl->state != State::Failed) m_impl->state = State::Closed;
}

Endpoint::State Endpoint::state() const
{
    return m_impl->state;
}

const std::string& Endpoint::error() const
{
    return m_impl->error;
}

std::string Endpoint::version() const
{
    if (!m_impl->ssl || m_impl->state == State::Handshaking) return {};
    const char* v = SSL_get_version(m_impl->ssl.get());
    return v != nullptr ? v : "";
}

std::string Endpoint::cipher() const
{
    if (!m_impl->ssl) return {};
    const SSL_CIPHER* c = SSL_get_current_cipher(m_impl->ssl.get());
    if (c == nullptr) return {};
    // The IANA name (RFC 8446 appendix B.4), as Wireshark shows it; for TLS 1.3 OpenSSL's name is the same.
    const char* name = SSL_CIPHER_standard_name(c);
    return name != nullptr ? name : SSL_CIPHER_get_name(c);
}

const std::vector<std::string>& Endpoint::keyLogLines() const
{
    return m_impl->keyLog;
}

} // namespace maillab::tls
