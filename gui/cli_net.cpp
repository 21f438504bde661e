// maillab serve and maillab connect: the network subcommands.
#include "app/window.hpp"
#include "cli.hpp"
#include "imap/imap_client.hpp"
#include "net/remote_link.hpp"
#include "net/server.hpp"
#include "net/system_clock.hpp"
#include "pop3/pop3_client.hpp"
#include "store/demo_mail.hpp"
#include "store/maildir.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>

namespace maillab::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int)
{
    g_stop = 1;
}

// "--name value" options; returns false (and prints why) on an unknown or incomplete option.
struct Options {
    std::map<std::string, std::string> values;
    std::vector<std::string> flags;
    std::vector<std::string> positional;
    bool has(const std::string& flag) const
    {
        return std::find(flags.begin(), flags.end(), flag) != flags.end();
    }
    std::optional<std::string> get(const std::string& name) const
    {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
};

bool parseOptions(const Args& args, const std::vector<std::string>& withValue,
                  const std::vector<std::string>& flags, Options& out)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) {
            out.positional.push_back(a);
        } else if (std::find(withValue.begin(), withValue.end(), a) != withValue.end()) {
            if (i + 1 >= args.size()) {
                std::cerr << "maillab: " << a << " needs a value\n";
                return false;
            }
            out.values[a] = args[++i];
        } else if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
            out.flags.push_back(a);
        } else {
            std::cerr << "maillab: unknown option " << a << "\n";
            return false;
        }
    }
    return true;
}

std::optional<uint64_t> numberOption(const Options& o, const std::string& name, uint64_t fallback)
{
    auto text = o.get(name);
    if (!text) return fallback;
    auto value = util::parseNumber(*text);
    if (!value) std::cerr << "maillab: " << name << " takes a whole number, not \"" << *text << "\"\n";
    return value;
}

// accounts.json: [{"user": "carol", "password": "secret", "mail": "demo" | "none",
//                  "quota": {"storage": KiB, "messages": N}}, ...]  (quota and its two fields optional)
bool loadAccounts(const std::string& file, store::Store& store)
{
    std::ifstream in(file);
    if (!in) {
        std::cerr << "maillab: cannot read " << file << "\n";
        return false;
    }
    try {
        nlohmann::json accounts = nlohmann::json::parse(in);
        if (accounts.is_object() && accounts.contains("accounts")) accounts = accounts["accounts"];
        if (!accounts.is_array()) throw std::runtime_error("expected a list of accounts");
        std::vector<std::string> problems;
        for (const auto& a : accounts) {
            std::string user = a.at("user").get<std::string>();
            store::Account& account = store.addAccount(user, a.at("password").get<std::string>());
            if (a.contains("quota")) { // RFC 9208's STORAGE (KiB) and MESSAGE limits
                const nlohmann::json& quota = a.at("quota");
                if (!quota.is_object()) throw std::runtime_error(user + ": quota must be an object");
                auto limit = [&](const char* name) -> std::optional<uint64_t> {
                    if (!quota.contains(name)) return std::nullopt;
                    if (!quota.at(name).is_number_unsigned())
                        throw std::runtime_error(user + ": quota " + name + " must be a whole number");
                    return quota.at(name).get<uint64_t>();
                };
                account.quota.storageKiB = limit("storage");
                account.quota.messages = limit("messages");
            }
            store::addStandardMailboxes(store, user);
            if (a.value("mail", std::string("none")) == "demo")
                store::loadUserMail(store, util::assetsDir() / "mail", user, {}, problems);
        }
    } catch (const std::exception& e) {
        std::cerr << "maillab: " << file << ": " << e.what() << "\n";
        return false;
    }
    return true;
}

// Where serve keeps its certificate: $MAILLAB_CONFIG_DIR (tests), else $XDG_CONFIG_HOME/maillab, else
// ~/.config/maillab (the XDG Base Directory rules: a relative XDG_CONFIG_HOME is ignored).
std::string hostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || !*name) return "localhost";
    return name;
}

// The certificate serve presents: --cert/--key, or the one in the config folder (made on first use).
std::shared_ptr<const tls::Identity> serverIdentity(const Options& o)
{
    std::string error;
    tls::Identity identity;
    std::filesystem::path certPath;
    auto cert = o.get("--cert");
    auto key = o.get("--key");
    if (cert.has_value() != key.has_value()) {
        std::cerr << "maillab: --cert and --key go together\n";
        return nullptr;
    }
    if (cert) {
        identity = tls::loadFiles(*cert, *key, error);
        certPath = *cert;
    } else {
        std::filesystem::path dir = util::configDir();
        if (dir.empty()) {
            std::cerr
                << "maillab: no HOME or XDG_CONFIG_HOME to keep a certificate in; give --cert and --key, "
                   "or --no-tls\n";
            return nullptr;
        }
        const bool existed = std::filesystem::exists(dir / "cert.pem");
        identity = tls::loadOrCreate(dir, hostName(), error);
        certPath = dir / "cert.pem";
        if (error.empty() && !existed)
            std::cout << "maillab serve: made a self-signed certificate for localhost, 127.0.0.1 and "
                      << hostName() << " (clients must be told to trust it, e.g. curl --cacert "
                      << certPath.string() << ")\n";
    }
    if (!error.empty()) {
        std::cerr << "maillab: " << error << " (or run with --no-tls)\n";
        return nullptr;
    }
    std::cout << "maillab serve: TLS certificate " << certPath.string() << "\n"
              << "maillab serve: SHA-256 fingerprint " << identity.sha256Fingerprint << "\n";
    return std::make_shared<const tls::Identity>(std::move(identity));
}

// 127.0.0.0/8 and ::1 (RFC 1122 section 3.2.1.3, RFC 4291 section 2.5.3): only this machine reaches them.
bool isLoopback(const std::string& address)
{
    in_addr v4{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return ::inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// serve --log: what the programs said, line by line; for TLS connections the decrypted lines, marked
// "[TLS]" by formatEntry, and the handshake as one note. The ciphertext itself (TlsRecord entries) is not
// printed.
void printLogEntry(const wire::TranscriptEntry& e)
{
    if (e.kind == wire::TranscriptEntry::Kind::TlsRecord) return;
    std::cout << wire::formatEntry(e, true) << std::flush;
}

} // namespace

int runServe(const Args& args)
{
    Options o;
    if (!parseOptions(args,
                      {"--pop3-port",
                       "--imap-port",
                       "--bind",
                       "--max-connections",
                       "--max-line",
                       "--max-literal",
                       "--pop3-idle",
                       "--imap-idle",
                       "--login-failures",
                       "--login-delay-ms",
                       "--accounts",
                       "--maildir",
                       "--pop3s-port",
                       "--imaps-port",
                       "--cert",
                       "--key",
                       "--keylog",
                       "--handshake-timeout",
                       "--login-max-delay-ms",
                       "--preauth-idle",
                       "--max-preauth"},
                      {"--standard-ports", "--log", "--no-tls", "--require-tls", "--gui", "--imap4rev1"}, o))
        return 2;
    net::ServerOptions options;
    const bool standard = o.has("--standard-ports");
    auto pop3Port = numberOption(o, "--pop3-port", standard ? 110 : 1110);
    auto imapPort = numberOption(o, "--imap-port", standard ? 143 : 1143);
    auto pop3sPort = numberOption(o, "--pop3s-port", standard ? 995 : 1995);
    auto imapsPort = numberOption(o, "--imaps-port", standard ? 993 : 1993);
    auto handshake =
        numberOption(o, "--handshake-timeout", static_cast<uint64_t>(options.tlsHandshakeSeconds));
    const bool useTls = !o.has("--no-tls");
    if (!useTls && (o.has("--require-tls") || o.get("--cert") || o.get("--keylog"))) {
        std::cerr << "maillab: --no-tls cannot go with --require-tls, --cert or --keylog\n";
        return 2;
    }
    if (!pop3sPort || !imapsPort || !handshake || *pop3sPort > 65535 || *imapsPort > 65535 ||
        *handshake == 0 || *handshake > 3600)
        return 2;
    options.pop3sPort = static_cast<uint16_t>(*pop3sPort);
    options.imapsPort = static_cast<uint16_t>(*imapsPort);
    options.tlsHandshakeSeconds = static_cast<int>(*handshake);
    options.loginRequiresTls = o.has("--require-tls");
    // A real server speaks today's IMAP: IMAP4rev2 beside IMAP4rev1, as RFC 9051 appendix A allows. Lessons
    // keep to IMAP4rev1, the textbook's protocol, unless one switches rev2 on.
    if (!o.has("--imap4rev1")) options.imapCapabilitiesOn = {"IMAP4rev2", "UTF8=ACCEPT"};
    auto maxConnections = numberOption(o, "--max-connections", options.maxConnections);
    auto maxLine = numberOption(o, "--max-line", options.imapMaxLine);
    auto maxLiteral = numberOption(o, "--max-literal", options.imapMaxLiteral);
    auto pop3Idle = numberOption(o, "--pop3-idle", static_cast<uint64_t>(options.pop3IdleSeconds));
    auto imapIdle = numberOption(o, "--imap-idle", static_cast<uint64_t>(options.imapIdleSeconds));
    auto failures =
        numberOption(o, "--login-failures", static_cast<uint64_t>(options.loginFailuresBeforeDelay));
    auto delay = numberOption(o, "--login-delay-ms", static_cast<uint64_t>(options.loginDelayMs));
    auto maxDelay = numberOption(o, "--login-max-delay-ms", static_cast<uint64_t>(options.loginMaxDelayMs));
    auto preAuthIdle = numberOption(o, "--preauth-idle", static_cast<uint64_t>(options.preAuthIdleSeconds));
    auto maxPreAuth = numberOption(o, "--max-preauth", options.maxPreAuthConnections);
    if (!maxDelay || !preAuthIdle || !maxPreAuth || *maxDelay > 3600000 || *preAuthIdle == 0 ||
        *preAuthIdle > 86400)
        return 2;
    options.loginMaxDelayMs = static_cast<int>(*maxDelay);
    options.preAuthIdleSeconds = static_cast<int>(*preAuthIdle);
    options.maxPreAuthConnections = *maxPreAuth;
    if (!pop3Port || !imapPort || !maxConnections || !maxLine || !maxLiteral || !pop3Idle || !imapIdle ||
        !failures || !delay || *pop3Port > 65535 || *imapPort > 65535)
        return 2;
    options.pop3Port = static_cast<uint16_t>(*pop3Port);
    options.imapPort = static_cast<uint16_t>(*imapPort);
    options.maxConnections = *maxConnections;
    options.imapMaxLine = *maxLine;
    options.imapMaxLiteral = *maxLiteral;
    options.pop3IdleSeconds = static_cast<int>(*pop3Idle);
    options.imapIdleSeconds = static_cast<int>(*imapIdle);
    options.loginFailuresBeforeDelay = static_cast<int>(*failures);
    options.loginDelayMs = static_cast<int>(*delay);
    if (auto bind = o.get("--bind")) {
        options.bindAddress = *bind;
        if (!isLoopback(*bind))
            std::cerr
                << "maillab: warning: listening on " << *bind
                << ": other machines can reach this server, and its demo accounts have published passwords\n";
    }

    net::SystemClock clock;
    store::Store store(static_cast<uint32_t>(clock.nowSeconds()));
    if (auto accounts = o.get("--accounts")) {
        if (!loadAccounts(*accounts, store)) return 1;
    } else {
        for (const store::DemoAccount& demo : store::kDemoAccounts) {
            store.addAccount(demo.user, demo.password);
            store::addStandardMailboxes(store, demo.user);
        }
    }
    bool loaded = false; // startup problems are printed together below, later ones as they happen
    std::unique_ptr<store::MaildirSync> maildir;
    if (auto dir = o.get("--maildir")) {
        std::error_code ec;
        std::filesystem::create_directories(*dir, ec);
        // A Maildir that is new gets the demo mail once; after that, what is on disk is the truth.
        bool fresh = std::filesystem::is_empty(*dir, ec);
        // Every problem as it happens: a write that failed made its command fail, and says why here.
        maildir =
            std::make_unique<store::MaildirSync>(store, clock, *dir, [&loaded](const std::string& problem) {
                if (loaded) std::cerr << "maillab: maildir: " << problem << std::endl;
            });
        if (!maildir->lockError().empty()) {
            std::cerr << "maillab: " << maildir->lockError() << "\n";
            return 1;
        }
        if (fresh && !o.get("--accounts")) {
            std::vector<std::string> problems;
            for (const store::DemoAccount& demo : store::kDemoAccounts)
                store::loadUserMail(store, util::assetsDir() / "mail", demo.user, {}, problems);
        }
        for (const std::string& problem : maildir->problems())
            std::cerr << "maillab: maildir: " << problem << "\n";
        loaded = true;
        // Mail other programs deliver into the Maildir while serve runs is seen within about a second.
        options.onTick = [m = maildir.get()] { m->rescan(); };
        // The changes of one round of the loop share their fsyncs; its replies go out after them.
        maildir->setGroupedSync(true);
        options.beforeReplies = [m = maildir.get()] { return m->sync(); };
    } else if (!o.get("--accounts")) {
        std::vector<std::string> problems;
        for (const store::DemoAccount& demo : store::kDemoAccounts)
            store::loadUserMail(store, util::assetsDir() / "mail", demo.user, {}, problems);
    }

    if (useTls) {
        options.tlsIdentity = serverIdentity(o);
        // TLS the user asked for must work; the default certificate may fail (a read-only home) without
        // taking plain-text serving down with it.
        const bool asked = o.get("--cert") || o.has("--require-tls") || o.get("--keylog");
        if (!options.tlsIdentity && asked) return 1;
        if (!options.tlsIdentity)
            std::cerr << "maillab: warning: serving without TLS (no POP3S/IMAPS, no STLS/STARTTLS)\n";
    }
    if (auto keylog = o.get("--keylog")) {
        // The secrets decrypt every session: the file is the user's alone, as the private key is.
        int fd = ::open(keylog->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            std::cerr << "maillab: cannot open " << *keylog << ": " << std::strerror(errno) << "\n";
            return 1;
        }
        auto file = std::shared_ptr<int>(new int(fd), [](int* f) {
            ::close(*f);
            delete f;
        });
        options.onKeyLogLine = [file](const std::string& line) {
            std::string text = line + "\n";
            [[maybe_unused]] ssize_t ignored = ::write(*file, text.data(), text.size());
        };
        std::cout << "maillab serve: TLS secrets are appended to " << *keylog
                  << " (SSLKEYLOGFILE format: Wireshark can decrypt these sessions with it)\n";
    }

    wire::Transcript transcript;
    // A long-running server keeps only the newest wire bytes (enough for a dashboard to scroll back).
    transcript.setByteLimit(4u * 1024 * 1024);
    if (o.has("--log")) transcript.onRecord = printLogEntry;
    net::Server server(store, clock, transcript, options);
    std::string error;
    if (!server.start(error)) {
        std::cerr << "maillab: " << error << "\n";
        return 1;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    // The TLS line first: scripts wait for the "POP3 on" line and then know every port.
    if (options.tlsIdentity)
        std::cout << "maillab serve: POP3S on " << options.bindAddress << ":" << server.pop3sPort()
                  << ", IMAPS on " << options.bindAddress << ":" << server.imapsPort()
                  << " (implicit TLS); STLS and STARTTLS on the plain ports"
                  << (options.loginRequiresTls ? ", where no login is allowed before them" : "") << std::endl;
    std::cout << "maillab serve: POP3 on " << options.bindAddress << ":" << server.pop3Port() << ", IMAP on "
              << options.bindAddress << ":" << server.imapPort() << " (Ctrl-C to stop)" << std::endl;
    bool served = false;
    if (o.has("--gui")) {
        // The dashboard polls the server once a frame and shows its clients as they talk.
        int code = app::runDashboard(
            {}, [&](gui::Dashboard& dashboard) { dashboard.watchServer(store, transcript, &server); },
            [] { return !g_stop; });
        served = code >= 0;
        if (!served) std::cerr << "maillab serve: no display for --gui: serving without the dashboard\n";
    }
    while (!served && !g_stop)
        server.poll(250);
    server.shutdown();
    std::cout << "maillab serve: stopped; sessions that had not said QUIT deleted nothing" << std::endl;
    return 0;
}

int runConnect(const Args& args)
{
    Options o;
    if (!parseOptions(args, {"--user", "--password", "--mode", "--open", "--search", "--timeout", "--cacert"},
                      {"--quiet", "--tls", "--starttls"}, o))
        return 2;
    if (o.positional.size() != 3 || (o.positional[0] != "pop3" && o.positional[0] != "imap") ||
        !o.get("--user") || !o.get("--password") || (o.has("--tls") && o.has("--starttls"))) {
        std::cerr
            << "usage: maillab connect pop3|imap HOST PORT --user U --password P [--mode delete|keep]\n"
               "                       [--open N] [--search TEXT]   (IMAP: open message N, search the "
               "server)\n"
               "                       [--tls | --starttls] [--cacert FILE]   (implicit TLS, as on 995 and "
               "993, or STLS/STARTTLS first;\n"
               "                       the certificate is checked against the system's CA store, or FILE)\n";
        return 2;
    }
    const wire::Security security = o.has("--tls")        ? wire::Security::Implicit
                                    : o.has("--starttls") ? wire::Security::StartTls
                                                          : wire::Security::Plain;
    if (o.get("--cacert") && security == wire::Security::Plain) {
        std::cerr << "maillab: --cacert goes with --tls or --starttls\n";
        return 2;
    }
    auto port = util::parseNumber(o.positional[2]);
    auto timeout = numberOption(o, "--timeout", 10);
    if (!port || *port > 65535 || !timeout) return 2;
    const bool imap = o.positional[0] == "imap";
    net::SystemClock clock;
    wire::Transcript transcript;
    if (!o.has("--quiet"))
        transcript.onRecord = [](const wire::TranscriptEntry& e) {
            // Inside TLS the decrypted lines are shown ("[TLS]"), not the ciphertext records.
            if (e.kind == wire::TranscriptEntry::Kind::TlsRecord) return;
            std::cout << wire::formatEntry(e, false) << std::flush;
        };
    store::DeviceStore local;
    std::unique_ptr<wire::ClientEngine> client;
    std::vector<std::function<void()>> actions;
    if (imap) {
        // STARTTLS is the program's own step (RFC 3501 section 6.2.1); implicit TLS is the link's.
        auto* c = new imap::ImapClient(
            local, clock,
            {*o.get("--user"), *o.get("--password"), true,
             security == wire::Security::StartTls ? wire::Security::StartTls : wire::Security::Plain});
        client.reset(c);
        actions.push_back([c] { c->perform({}); });
        if (auto n = o.get("--open"))
            actions.push_back([c, n = util::parseNumber(*n).value_or(1)] {
                imap::ClientAction a;
                a.kind = imap::ClientAction::Kind::OpenMessage;
                a.message = static_cast<uint32_t>(n);
                c->perform(a);
            });
        if (auto text = o.get("--search"))
            actions.push_back([c, text = *text] {
                imap::ClientAction a;
                a.kind = imap::ClientAction::Kind::Search;
                a.query = text;
                c->perform(a);
            });
        actions.push_back([c] {
            imap::ClientAction a;
            a.kind = imap::ClientAction::Kind::Quit;
            c->perform(a);
        });
    } else {
        pop3::ClientOptions options;
        options.user = *o.get("--user");
        options.password = *o.get("--password");
        options.mode = o.get("--mode").value_or("keep") == "delete" ? pop3::Mode::Delete : pop3::Mode::Keep;
        if (security == wire::Security::StartTls) options.security = wire::Security::StartTls;
        auto* c = new pop3::Pop3Client(local, clock, options);
        client.reset(c);
        actions.push_back([c] { c->checkMail(); });
    }
    net::RemoteLink link(*client, transcript, clock, o.positional[1], static_cast<uint16_t>(*port),
                         imap ? wire::Protocol::Imap : wire::Protocol::Pop3, "maillab-" + o.positional[0]);
    if (security != wire::Security::Plain) link.setTls(security, o.get("--cacert").value_or(""));
    for (auto& action : actions) {
        action();
        std::string error;
        if (!link.runAction(static_cast<int>(*timeout) * 1000, error)) {
            std::cerr << "maillab: " << error << "\n";
            return 1;
        }
        const std::string& status = client->status();
        if (!status.empty()) std::cerr << "maillab: " << status << "\n";
        if (status.rfind("login failed", 0) == 0 || status.rfind("could not connect", 0) == 0) return 1;
    }
    std::cerr << "maillab: the device now holds " << local.messages().size() << " message(s), "
              << local.bytesHeld() << " bytes\n";
    return 0;
}

} // namespace maillab::cli
