// maillab serve under hostile clients (issue 14): memory budgets before login, login throttling across
// connections, pre-login timers and cap, running out of file descriptors, AUTHENTICATE and long lines.
// Real loopback sockets; a virtual clock drives the timers, so no test sleeps.
#include "loopback_client.hpp"
#include "net/login_throttle.hpp"
#include "net/server.hpp"
#include "test_support.hpp"

#include <chrono>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace maillab::test {
namespace {

using net::LoginThrottle;

// Hostile clients: the server hangs up on them by design, and short rounds keep the timer tests quick.
class Client : public LoopbackClient {
public:
    explicit Client(uint16_t port)
        : LoopbackClient(port, {.rounds = 100, .pollMs = 2, .hangupsExpected = true})
    {
    }
};

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// [SECTION] the throttle on its own

TEST(LoginThrottle, FreeFailuresThenAWaitThatDoublesUpToTheCap)
{
    LoginThrottle throttle({3, 1000, 4000, 900000, 1000});
    int64_t now = 0;
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 0);
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 0);
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 0);
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 1000);
    now += 1000;
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 2000);
    now += 2000;
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 4000);
    now += 4000;
    EXPECT_EQ(throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, now), 4000); // the cap
    EXPECT_EQ(throttle.wait("alice", "10.0.0.9", now), 4000); // the account, from any address
    EXPECT_EQ(throttle.wait("bob", "10.0.0.1", now), 4000);   // the address, for any account
    EXPECT_EQ(throttle.wait("bob", "10.0.0.9", now), 0);
    EXPECT_EQ(throttle.wait("alice", "10.0.0.1", now + 4000), 0);
}

TEST(LoginThrottle, FailuresCountAcrossConnectionsPerAccountAndPerAddress)
{
    LoginThrottle throttle({2, 1000, 30000, 900000, 1000});
    // Guesses spread over many addresses still add up on the account...
    for (int i = 0; i < 2; ++i)
        throttle.record("alice", "10.0.0." + std::to_string(i), LoginThrottle::Outcome::Failure, 0);
    EXPECT_EQ(throttle.record("alice", "10.0.0.7", LoginThrottle::Outcome::Failure, 0), 1000);
    // ...and guesses at many accounts from one address add up on the address.
    for (int i = 0; i < 2; ++i)
        throttle.record("user" + std::to_string(i), "10.9.9.9", LoginThrottle::Outcome::Failure, 0);
    EXPECT_EQ(throttle.record("user7", "10.9.9.9", LoginThrottle::Outcome::Failure, 0), 1000);
}

TEST(LoginThrottle, SuccessClearsTheAccountButNotTheAddressAndOldFailuresAreForgotten)
{
    LoginThrottle throttle({1, 1000, 30000, 60000, 1000});
    throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, 0);
    throttle.record("alice", "10.0.0.1", LoginThrottle::Outcome::Failure, 0);
    EXPECT_EQ(throttle.record("mallory", "10.0.0.1", LoginThrottle::Outcome::Success, 0), 1000)
        << "an attacker's own account must not reset the address it guesses from";
    EXPECT_EQ(throttle.wait("alice", "10.0.0.2", 0), 1000);
    throttle.record("alice", "10.0.0.2", LoginThrottle::Outcome::Success, 10);
    EXPECT_EQ(throttle.wait("alice", "10.0.0.2", 10), 0);
    // A long quiet spell starts the count again.
    EXPECT_EQ(throttle.record("carol", "10.0.0.3", LoginThrottle::Outcome::Failure, 0), 0);
    EXPECT_EQ(throttle.record("carol", "10.0.0.3", LoginThrottle::Outcome::Failure, 70000), 0);
}

TEST(LoginThrottle, GuessingFromElsewhereDoesNotLockTheOwnerOut)
{
    LoginThrottle throttle({2, 1000, 30000, 900000, 1000});
    throttle.record("alice", "192.0.2.1", LoginThrottle::Outcome::Success, 0); // alice's own machine
    for (int i = 0; i < 5; ++i)
        throttle.record("alice", "198.51.100." + std::to_string(i), LoginThrottle::Outcome::Failure, 1000);
    EXPECT_GT(throttle.wait("alice", "203.0.113.9", 1000), 0) << "a new address waits for the account";
    EXPECT_EQ(throttle.wait("alice", "192.0.2.1", 1000), 0) << "the owner's known address does not";
    // Its own failures still count against its address.
    throttle.record("bob", "192.0.2.1", LoginThrottle::Outcome::Failure, 1000);
    throttle.record("bob", "192.0.2.1", LoginThrottle::Outcome::Failure, 1000);
    EXPECT_GT(throttle.record("bob", "192.0.2.1", LoginThrottle::Outcome::Failure, 1000), 0);
    EXPECT_GT(throttle.wait("alice", "192.0.2.1", 1000), 0);
}

TEST(LoginThrottle, ManyAddressesDoNotGrowTheTableWithoutBound)
{
    LoginThrottle throttle({3, 1000, 30000, 900000, 100});
    for (int i = 0; i < 10000; ++i)
        throttle.record("u" + std::to_string(i), "10.0." + std::to_string(i), LoginThrottle::Outcome::Failure,
                        i * 10);
    EXPECT_LE(throttle.keyCount(), 100u);
}

// [SECTION] F8: login attempts across connections

TEST(NetRobustness, WrongPasswordsOnNewConnectionsAreThrottledPerAddress_F8)
{
    net::ServerOptions options;
    options.loginFailuresBeforeDelay = 3;
    options.loginDelayMs = 5000;
    DemoServer s(options);
    // One new connection per guess, as the attacker did: the count follows the address.
    for (int guess = 0; guess < 2; ++guess) {
        Client c(s.imap());
        c.read(*s.server, "\r\n");
        c.send("a LOGIN alice guess" + std::to_string(guess) + "\r\n");
        EXPECT_TRUE(has(c.read(*s.server, "a NO"), "a NO [AUTHENTICATIONFAILED]"));
    }
    // The third guess is answered only after the wait, and a fresh connection from the same address is not
    // even read before it is over: not even the right password gets in early.
    Client third(s.imap());
    third.read(*s.server, "\r\n");
    third.send("a LOGIN alice guess3\r\n");
    std::string early = third.read(*s.server, "a NO", 20);
    Client fresh(s.imap());
    fresh.read(*s.server, "\r\n");
    fresh.send("b LOGIN alice wonderland\r\n");
    EXPECT_EQ(fresh.read(*s.server, "b OK", 20), "");
    EXPECT_EQ(early, "") << "the third failure was answered at once";
    s.world.clock.advance(5000);
    EXPECT_TRUE(has(third.read(*s.server, "a NO"), "a NO [AUTHENTICATIONFAILED]"));
    EXPECT_TRUE(has(fresh.read(*s.server, "b OK"), "b OK"));
}

TEST(NetRobustness, Pop3GuessesCountTowardsTheSameAccountAsImap_F8)
{
    net::ServerOptions options;
    options.loginFailuresBeforeDelay = 3;
    options.loginDelayMs = 5000;
    DemoServer s(options);
    {
        Client c(s.pop3());
        c.read(*s.server, "\r\n");
        c.send("USER alice\r\nPASS nope\r\n");
        EXPECT_TRUE(has(c.read(*s.server, "-ERR"), "-ERR [AUTH]"));
    }
    {
        Client c(s.imap());
        c.read(*s.server, "\r\n");
        c.send("a LOGIN alice nope\r\n");
        EXPECT_TRUE(has(c.read(*s.server, "a NO"), "a NO"));
    }
    // APOP goes through the same check.
    Client c(s.pop3());
    std::string greeting = c.read(*s.server, "\r\n");
    c.send("APOP alice 00000000000000000000000000000000\r\n");
    EXPECT_EQ(c.read(*s.server, "-ERR", 20), "");
    s.world.clock.advance(5000);
    EXPECT_TRUE(has(c.read(*s.server, "-ERR"), "-ERR [AUTH]"));
}

// [SECTION] F3: a small budget before login

TEST(NetRobustness, BeforeLoginLiteralsAndLinesAreSmall_F3)
{
    DemoServer s; // --max-literal 32 MiB, --max-line 64 KiB: after login
    Client c(s.imap());
    c.read(*s.server, "\r\n");
    c.send("a LOGIN {20000}\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "a NO"), "a NO [TOOBIG] literal too large: at most 8192 octets"));
    c.send("b LOGIN " + std::string(70000, 'x') + "\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "line too long"), "* BAD line too long: at most 65536 octets"));
    // A non-synchronizing literal cannot be refused and skipped: the connection ends at once.
    c.send("c LOGIN {30000000+}\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "BYE"), "* BYE literal too large"));
}

TEST(NetRobustness, AfterLoginTheConfiguredLimitsApply_F3)
{
    DemoServer s;
    Client c(s.imap());
    c.read(*s.server, "\r\n");
    c.send("a LOGIN alice wonderland\r\n");
    c.read(*s.server, "a OK");
    c.send("b APPEND INBOX {20000}\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "+ "), "+ Ready"));
    c.send(std::string(20000, 'x') + "\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "b OK"), "b OK [APPENDUID"));
}

TEST(NetRobustness, BeforeLoginALiteralWithinTheBudgetStillWorks_F3_Rfc3501_4_3)
{
    DemoServer s;
    Client c(s.imap());
    c.read(*s.server, "\r\n");
    c.send("a LOGIN alice {10}\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "+ "), "+ Ready"));
    c.send("wonderland\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "a OK"), "a OK"));
}

// [SECTION] F9: pre-login timers and cap

TEST(NetRobustness, SilentConnectionsBeforeLoginTimeOutQuicklyAndBytesDoNotResetTheTimer_F9)
{
    net::ServerOptions options;
    options.preAuthIdleSeconds = 60;
    DemoServer s(options);
    Client trickler(s.imap()), user(s.imap());
    trickler.read(*s.server, "\r\n");
    user.read(*s.server, "\r\n");
    user.send("a LOGIN alice wonderland\r\n");
    user.read(*s.server, "a OK");
    for (int i = 0; i < 3; ++i) {
        s.world.clock.advance(25000);
        trickler.send("x"); // never a whole command
        trickler.read(*s.server, "never", 5);
    }
    EXPECT_TRUE(trickler.closed()) << "75 s of bytes that are no command kept a pre-login connection";
    EXPECT_FALSE(user.closed()) << "a logged-in client has the RFC's 30 minutes";
    user.send("b NOOP\r\n");
    EXPECT_TRUE(has(user.read(*s.server, "b OK"), "b OK"));
}

TEST(NetRobustness, SilentConnectionsCannotLockOutARealClient_F9)
{
    net::ServerOptions options;
    options.maxConnections = 4; // three of them for connections that have not logged in
    DemoServer s(options);
    std::vector<std::unique_ptr<Client>> silent;
    for (int i = 0; i < 4; ++i) {
        silent.push_back(std::make_unique<Client>(s.imap()));
        silent.back()->read(*s.server, "\r\n");
    }
    EXPECT_EQ(s.server->connectionCount(), 3u) << "the fourth silent one is over the pre-login cap";
    s.world.clock.advance(11000);
    Client real(s.imap());
    EXPECT_TRUE(has(real.read(*s.server, "\r\n"), "* OK"));
    real.send("a LOGIN alice wonderland\r\n");
    EXPECT_TRUE(has(real.read(*s.server, "a OK"), "a OK"));
    EXPECT_EQ(s.server->connectionCount(), 3u);
}

TEST(NetRobustness, ANewcomerIsNotReadAsTheConnectionItReplaced_F9)
{
    net::ServerOptions options;
    options.maxPreAuthConnections = 2;
    DemoServer s(options);
    Client quiet1(s.imap()), quiet2(s.imap());
    quiet1.read(*s.server, "\r\n");
    quiet2.read(*s.server, "\r\n");
    s.world.clock.advance(11000);
    // In one round of the loop: bytes from the quiet ones, and two newcomers that already sent their
    // commands. Each newcomer closes a quiet one to make room, and the second newcomer gets the descriptor
    // number of the first quiet one, whose readiness poll() has already reported.
    quiet1.send("a NOO");
    quiet2.send("a NOO");
    Client newcomer1(s.imap()), newcomer2(s.imap());
    newcomer1.send("b1 LOGIN alice wonderland\r\n");
    newcomer2.send("c1 LOGIN bob builder\r\n");
    ::usleep(20000);
    std::string first = newcomer1.read(*s.server, "b1 OK");
    std::string second = newcomer2.read(*s.server, "c1 OK");
    EXPECT_TRUE(has(first, "b1 OK")) << first;
    EXPECT_TRUE(has(second, "c1 OK")) << second;
}

// [SECTION] F11: out of file descriptors

TEST(NetRobustness, OutOfFileDescriptorsTheWaitingClientIsToldAndTheLoopRests_F11)
{
    DemoServer s;
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
    // Use up every descriptor but one, which the client's socket takes: the server's accept() then fails.
    std::vector<int> filler;
    for (;;) {
        int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        filler.push_back(fd);
        if (filler.size() > 200000) break;
    }
    ASSERT_FALSE(filler.empty());
    ::close(filler.back());
    filler.pop_back();
    {
        Client c(s.pop3());
        ASSERT_TRUE(c.connected());
        EXPECT_TRUE(has(c.read(*s.server, "\r\n"), "-ERR [SYS/TEMP] the server is out of resources"));
        // Nothing is left waiting on the listener, so the loop sleeps in poll() instead of spinning.
        rusage before{}, after{};
        ::getrusage(RUSAGE_SELF, &before);
        const auto start = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300))
            s.server->poll(50);
        ::getrusage(RUSAGE_SELF, &after);
        auto cpuMs = [](const rusage& u) {
            return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
                   (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
        };
        EXPECT_LT(cpuMs(after) - cpuMs(before), 150);
    }
    for (int fd : filler)
        ::close(fd);
    // Descriptors are back: the next client is served.
    s.world.clock.advance(1000);
    Client later(s.pop3());
    EXPECT_TRUE(has(later.read(*s.server, "\r\n"), "+OK"));
}

// [SECTION] F12: AUTHENTICATE and a line too long

TEST(NetRobustness, ATooLongAuthenticateResponseDoesNotEatTheNextCommand_F12_Rfc3501_6_2_2)
{
    DemoServer s;
    Client c(s.imap());
    c.read(*s.server, "\r\n");
    c.send("a AUTHENTICATE PLAIN\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "+"), "+ "));
    c.send(std::string(70000, 'A') + "\r\n");
    std::string reply = c.read(*s.server, "a BAD");
    EXPECT_TRUE(has(reply, "a BAD AUTHENTICATE cancelled")) << reply;
    c.send("b NOOP\r\n");
    EXPECT_TRUE(has(c.read(*s.server, "b OK"), "b OK"));
}

// [SECTION] F4: one costly command does not hold the only thread

// 400 messages of 64 KiB (25 MiB), every 50th with the word "quince".
void fillWithBigMail(store::Store& store, wire::VirtualClock& clock)
{
    for (int i = 0; i < 400; ++i) {
        std::string m =
            "From: f" + std::to_string(i) + "@example.org\r\nSubject: big " + std::to_string(i) + "\r\n\r\n";
        while (m.size() < 65536)
            m += "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
        if (i % 50 == 0) m += "A quince.\r\n";
        store.deliver("alice", "INBOX", m, {clock.nowSeconds(), 0}, 0);
    }
}

TEST(NetRobustness, ACostlySearchGoesInSlicesAndOthersAreAnsweredMeanwhile_F4)
{
    DemoServer s;
    fillWithBigMail(s.world.store, s.world.clock);
    Client searcher(s.imap()), other(s.imap());
    for (Client* c : {&searcher, &other}) {
        c->read(*s.server, "\r\n");
        c->send("a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
        c->read(*s.server, "b OK");
    }
    // 30 keys that each read every message's text (all true but the last): about 750 MiB to read, far more
    // than one slice.
    std::string keys;
    for (int i = 0; i < 29; ++i)
        keys += "NOT TEXT zebra" + std::to_string(i) + " ";
    keys += "TEXT quince";
    searcher.send("c UID SEARCH " + keys + "\r\nd NOOP\r\n");
    other.send("c NOOP\r\n");
    EXPECT_TRUE(has(other.read(*s.server, "c OK"), "c OK"));
    // The other client was answered while the search still went on.
    std::string answer = searcher.read(*s.server, "c OK", 1);
    EXPECT_FALSE(has(answer, "c OK")) << answer.substr(0, 300);
    answer += searcher.read(*s.server, "d OK", 2000);
    const size_t first = s.world.store.mailbox("alice", "INBOX")->messages.end()[-400].uid;
    std::string expected = "* SEARCH";
    for (int i = 0; i < 400; i += 50)
        expected += " " + std::to_string(first + i);
    EXPECT_TRUE(has(answer, expected + "\r\nc OK")) << answer.substr(0, 300);
    // The command that came behind it waited for it: answers keep their order.
    EXPECT_LT(answer.find("c OK"), answer.find("d OK"));
}

TEST(NetRobustness, TooManyTextKeysForTheLargestMessageAreRefusedWithLimit_F4_Rfc5530)
{
    DemoServer s;
    s.world.store.deliver("alice", "INBOX", "Subject: huge\r\n\r\n" + std::string(8u << 20, 'x'),
                          {s.world.clock.nowSeconds(), 0}, 0);
    Client c(s.imap());
    c.read(*s.server, "\r\n");
    c.send("a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    c.read(*s.server, "b OK");
    std::string keys;
    for (int i = 0; i < 40; ++i)
        keys += " BODY k" + std::to_string(i);
    c.send("c SEARCH" + keys + "\r\n");
    std::string reply = c.read(*s.server, "c ");
    EXPECT_TRUE(has(reply, "c NO [LIMIT] too many keys that read message text (40): this mailbox allows 31"))
        << reply;
    // Keys that read no text, and one text key however large the message, are always fine.
    c.send("d SEARCH UNSEEN UNDELETED UNFLAGGED BODY xxxx\r\n");
    reply = c.read(*s.server, "d OK");
    EXPECT_TRUE(has(reply, "d OK")) << reply;
}

} // namespace
} // namespace maillab::test
