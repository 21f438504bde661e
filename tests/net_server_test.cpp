// The network adapter with real loopback sockets: the event loop, limits and timers (a virtual clock
// drives the timers, so no test sleeps).
#include "loopback_client.hpp"
#include "net/server.hpp"
#include "store/maildir.hpp"
#include "test_support.hpp"

#include <cerrno>
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>
#include <set>

namespace maillab::test {
namespace {

TEST(NetServer, ServesPop3AndImapOnLoopbackWithGreetings)
{
    DemoServer s;
    LoopbackClient pop3(s.server->pop3Port());
    LoopbackClient imap(s.server->imapPort());
    ASSERT_TRUE(pop3.connected() && imap.connected());
    EXPECT_EQ(pop3.read(*s.server, "\r\n").substr(0, 4), "+OK ");
    EXPECT_EQ(imap.read(*s.server, "\r\n").substr(0, 5), "* OK ");
    pop3.send("USER alice\r\nPASS wonderland\r\nSTAT\r\n"); // pipelined (RFC 2449 PIPELINING)
    std::string replies = pop3.read(*s.server, "+OK 17 ");
    EXPECT_NE(replies.find("+OK 17 "), std::string::npos) << replies;
    // Every byte went through the transcript, tagged with the client's address.
    bool sawCommand = false;
    for (const auto& e : s.transcript.entries())
        sawCommand =
            sawCommand || (e.bytes.find("STAT") != std::string::npos && e.device.rfind("127.0.0.1:", 0) == 0);
    EXPECT_TRUE(sawCommand);
}

TEST(NetServer, WithGroupCommitTheRoundsRepliesWaitUntilItsChangesAreDurable)
{
    net::ServerOptions options;
    int commits = 0;
    LoopbackClient* watched = nullptr;
    bool sentEarly = false;
    options.beforeReplies = [&] {
        ++commits;
        // serve --maildir syncs here: no reply of this round may have left yet.
        if (watched && watched->hasBytesWaiting()) sentEarly = true;
        return std::set<int>{};
    };
    DemoServer s(options);
    LoopbackClient imap(s.server->imapPort());
    imap.read(*s.server, "\r\n");
    watched = &imap;
    imap.send("a LOGIN alice wonderland\r\nb SELECT INBOX\r\nc STORE 1 +FLAGS (\\Flagged)\r\n");
    std::string reply = imap.read(*s.server, "c OK");
    EXPECT_NE(reply.find("c OK"), std::string::npos) << reply;
    EXPECT_GT(commits, 0);
    EXPECT_FALSE(sentEarly);
}

TEST(NetServer, IdleSessionHearsAnotherSessionsChangeAtOnce_Rfc2177)
{
    DemoServer s;
    LoopbackClient watcher(s.server->imapPort()), actor(s.server->imapPort());
    watcher.read(*s.server, "\r\n");
    actor.read(*s.server, "\r\n");
    watcher.send("w1 LOGIN alice wonderland\r\nw2 SELECT INBOX\r\nw3 IDLE\r\n");
    EXPECT_NE(watcher.read(*s.server, "+ idling").find("+ idling"), std::string::npos);
    actor.send("a1 LOGIN alice wonderland\r\na2 SELECT INBOX\r\na3 STORE 1 +FLAGS (\\Flagged)\r\n");
    actor.read(*s.server, "a3 OK");
    EXPECT_NE(watcher.read(*s.server, "FETCH").find("* 1 FETCH (FLAGS (\\Flagged"), std::string::npos);
}

TEST(NetServer, ConnectionsPastTheLimitAreToldWhyAndClosed)
{
    net::ServerOptions options;
    options.maxConnections = 2;
    options.maxPreAuthConnections = 2; // both may be new (the pre-login cap is tested in net_robustness)
    DemoServer s(options);
    LoopbackClient a(s.server->pop3Port()), b(s.server->imapPort());
    a.read(*s.server, "\r\n");
    b.read(*s.server, "\r\n");
    LoopbackClient c(s.server->pop3Port());
    std::string refusal = c.read(*s.server, "\r\n");
    EXPECT_EQ(refusal, "-ERR [SYS/TEMP] too many connections, try again later\r\n");
    EXPECT_EQ(s.server->connectionCount(), 2u);
    // The ones already in are still served.
    a.send("CAPA\r\n");
    EXPECT_NE(a.read(*s.server, "\r\n.\r\n").find("IMPLEMENTATION maillab"), std::string::npos);
}

TEST(NetServer, IdleConnectionsAreLoggedOutAndPop3DeletesNothing_Rfc1939_3)
{
    DemoServer s;
    LoopbackClient pop3(s.server->pop3Port()), imap(s.server->imapPort());
    pop3.read(*s.server, "\r\n");
    imap.read(*s.server, "\r\n");
    pop3.send("USER alice\r\nPASS wonderland\r\nDELE 1\r\n");
    pop3.read(*s.server, "marked for deletion");
    imap.send("a LOGIN bob builder\r\n"); // before login a connection has only 60 s (net_robustness)
    imap.read(*s.server, "a OK");
    s.world.clock.advance(601 * 1000); // past the 10-minute POP3 autologout timer
    pop3.read(*s.server, "never", 3);
    EXPECT_TRUE(pop3.closed());
    EXPECT_EQ(s.world.store.mailbox("alice", "INBOX")->messages.size(), 17u); // no UPDATE state
    EXPECT_EQ(s.world.store.account("alice")->pop3LockHolder, 0);             // and the lock is free
    EXPECT_EQ(s.server->connectionCount(), 1u);                               // IMAP's 30 minutes are not up
    s.world.clock.advance(1200 * 1000);
    std::string bye = imap.read(*s.server, "BYE");
    EXPECT_NE(bye.find("* BYE autologout"), std::string::npos);
}

TEST(NetServer, RepeatedFailedLoginsSlowDownTheAnswers)
{
    net::ServerOptions options;
    options.loginFailuresBeforeDelay = 2;
    options.loginDelayMs = 5000;
    DemoServer s(options);
    LoopbackClient c(s.server->pop3Port());
    c.read(*s.server, "\r\n");
    c.send("USER alice\r\nPASS wrong\r\n");
    EXPECT_NE(c.read(*s.server, "-ERR").find("-ERR [AUTH]"), std::string::npos);
    c.send("USER alice\r\nPASS wrong\r\n");
    // The second failure's answer is held back until the virtual clock passes the delay.
    EXPECT_EQ(c.read(*s.server, "-ERR", 5).find("-ERR [AUTH]"), std::string::npos);
    s.world.clock.advance(5001);
    EXPECT_NE(c.read(*s.server, "-ERR [AUTH]").find("-ERR [AUTH]"), std::string::npos);
}

TEST(NetServer, ShutdownSaysByeToImapAndDropsPop3WithoutUpdate)
{
    DemoServer s;
    LoopbackClient pop3(s.server->pop3Port()), imap(s.server->imapPort());
    pop3.read(*s.server, "\r\n");
    imap.read(*s.server, "\r\n");
    pop3.send("USER alice\r\nPASS wonderland\r\nDELE 1\r\nDELE 2\r\n");
    pop3.read(*s.server, "message 2 marked");
    s.server->shutdown();
    std::string bye = imap.read(*s.server, "BYE", 3);
    EXPECT_NE(bye.find("* BYE maillab is shutting down"), std::string::npos);
    EXPECT_EQ(s.world.store.mailbox("alice", "INBOX")->messages.size(), 17u);
}

// [SECTION] group commit on a failing disk

// serve --maildir: a new message's file is fsynced with the round's others after its APPEND was answered
// (the reply waits in the server). A disk that fails that fsync (EIO) must not leave an OK behind.
struct OnDisk {
    ScratchDir dir{"net-grouped-fsync"};
    DemoWorld world;
    wire::Transcript transcript;
    std::optional<store::MaildirSync> maildir;
    std::unique_ptr<net::Server> server;
    std::string failOn;       // the fsync of a file whose bytes hold this fails, as a dying disk's would
    bool failCurDirs = false; // and so does the fsync of every cur/ directory
    OnDisk()
    {
        maildir.emplace(world.store, world.clock, dir.path);
        maildir->setGroupedSync(true);
        maildir->setFsyncFault([this](const std::filesystem::path& file) {
            if (failCurDirs && file.filename() == "cur") return EIO;
            return !failOn.empty() && readFile(file).find(failOn) != std::string::npos ? EIO : 0;
        });
        net::ServerOptions options;
        options.beforeReplies = [this] { return maildir->sync(); };
        server = serveOnLoopback(world.store, world.clock, transcript, std::move(options));
    }
    std::string problems() const
    {
        std::string all;
        for (const std::string& p : maildir->problems())
            all += p + "\n";
        return all;
    }
    // Every file of the account's folder (its cur/ and tmp/) whose bytes hold `text`.
    size_t filesHolding(const std::string& folder, const std::string& text) const
    {
        size_t n = 0;
        for (const char* sub : {"cur", "tmp", "new"})
            for (const auto& entry : std::filesystem::directory_iterator(dir.path / "alice" / folder / sub))
                n += readFile(entry.path()).find(text) != std::string::npos;
        return n;
    }
};

std::string appendCommand(LoopbackClient& c, net::Server& server, const std::string& tag,
                          const std::string& message)
{
    c.send(tag + " APPEND INBOX {" + std::to_string(message.size()) + "}\r\n");
    EXPECT_NE(c.read(server, "+ ").find("+ "), std::string::npos);
    return message + "\r\n";
}

TEST(NetServer, AFailedGroupedFsyncSendsNoOkTakesTheMessageBackAndSaysWhy_Rfc5530_3)
{
    OnDisk s;
    const std::string kept = "From: a@example.org\r\nSubject: kept\r\n\r\nstays\r\n";
    const std::string doomed = "From: a@example.org\r\nSubject: doomed\r\n\r\nthe disk refuses it\r\n";
    LoopbackClient imap(s.server->imapPort()), bystander(s.server->imapPort());
    imap.read(*s.server, "\r\n");
    bystander.read(*s.server, "\r\n");
    imap.send("a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    const std::string selected = imap.read(*s.server, "b OK");
    ASSERT_NE(selected.find("* 17 EXISTS"), std::string::npos) << selected;
    bystander.send("n LOGIN bob builder\r\n");
    bystander.read(*s.server, "n OK");
    imap.send(appendCommand(imap, *s.server, "c", kept));
    EXPECT_NE(imap.read(*s.server, "c OK").find("c OK [APPENDUID"), std::string::npos);

    s.failOn = "Subject: doomed";
    // The last bytes of the APPEND and another client's command come in the same round of the loop.
    const std::string last = appendCommand(imap, *s.server, "d", doomed);
    bystander.send("n2 NOOP\r\n");
    imap.send(last);
    const std::string refused = imap.read(*s.server, "never", 50);
    EXPECT_EQ(refused.find("d OK"), std::string::npos) << refused;
    EXPECT_NE(refused.find("* BYE [UNAVAILABLE] the server's disk failed"), std::string::npos) << refused;
    EXPECT_TRUE(imap.closed());
    // The other client's reply of that round is sent, and its connection lives on.
    EXPECT_NE(bystander.read(*s.server, "n2 OK").find("n2 OK"), std::string::npos);
    EXPECT_FALSE(bystander.closed());

    // Taken back: not in the store, no file anywhere; the failure is logged and noted in the transcript.
    const store::Mailbox* inbox = s.world.store.mailbox("alice", "INBOX");
    ASSERT_EQ(inbox->messages.size(), 18u);
    EXPECT_NE(inbox->messages.back().copyBytes().find("Subject: kept"), std::string::npos);
    EXPECT_EQ(s.filesHolding("", "Subject: doomed"), 0u);
    EXPECT_EQ(s.filesHolding("", "Subject: kept"), 1u);
    EXPECT_NE(s.problems().find("fsync"), std::string::npos) << s.problems();
    EXPECT_NE(s.problems().find("Input/output error"), std::string::npos) << s.problems();
    bool noted = false;
    for (const auto& e : s.transcript.entries())
        noted = noted || (e.kind == wire::TranscriptEntry::Kind::Note &&
                          e.bytes.find("were not sent") != std::string::npos);
    EXPECT_TRUE(noted);

    // A new connection sees what the disk holds, and so does a restart.
    s.failOn.clear();
    LoopbackClient again(s.server->imapPort());
    again.read(*s.server, "\r\n");
    again.send("e LOGIN alice wonderland\r\nf SELECT INBOX\r\n");
    EXPECT_NE(again.read(*s.server, "f OK").find("* 18 EXISTS"), std::string::npos);
    s.server->shutdown();
    s.server.reset();
    s.maildir.reset();
    store::Store restarted(1);
    restarted.addAccount("alice", "wonderland");
    store::MaildirSync reload(restarted, s.world.clock, s.dir.path);
    ASSERT_NE(restarted.mailbox("alice", "INBOX"), nullptr);
    EXPECT_EQ(restarted.mailbox("alice", "INBOX")->messages.size(), 18u);
}

// A MOVE removes its source at once, while the copy's fsync waits for the round's end: were the copy then
// refused, the message would be in neither mailbox. The source stays until the copy is on disk.
TEST(NetServer, AMoveWhoseCopyCannotBeSyncedKeepsTheSource_Rfc6851_3_3)
{
    OnDisk s;
    const std::string first = s.world.store.mailbox("alice", "INBOX")->messages[0].copyBytes();
    const size_t idAt = first.find("Message-ID:");
    ASSERT_NE(idAt, std::string::npos);
    const std::string messageId = first.substr(idAt, first.find('\r', idAt) - idAt);
    LoopbackClient imap(s.server->imapPort());
    imap.read(*s.server, "\r\n");
    imap.send("a LOGIN alice wonderland\r\nb CREATE Kept\r\nc SELECT INBOX\r\n");
    imap.read(*s.server, "c OK");
    s.failOn = messageId;
    imap.send("d MOVE 1 Kept\r\n");
    const std::string refused = imap.read(*s.server, "never", 50);
    EXPECT_NE(refused.find("* BYE [UNAVAILABLE]"), std::string::npos) << refused;
    EXPECT_EQ(refused.find("d OK"), std::string::npos) << refused;
    EXPECT_TRUE(imap.closed());
    EXPECT_EQ(s.world.store.mailbox("alice", "INBOX")->messages.size(), 17u);
    EXPECT_TRUE(s.world.store.mailbox("alice", "Kept")->messages.empty());
    EXPECT_EQ(s.filesHolding("", messageId), 1u);
    EXPECT_EQ(s.filesHolding(".Kept", messageId), 0u);
}

// POP3 changes the disk only in the UPDATE state: a QUIT whose removals the disk may not keep gets -ERR, as
// RFC 1939 section 6 allows ("some deleted messages not removed"), and the maildrop lock is free again.
TEST(NetServer, APop3QuitWhoseRemovalsCannotBeSyncedAnswersErr_Rfc1939_6_Rfc3206)
{
    OnDisk s;
    LoopbackClient pop3(s.server->pop3Port());
    pop3.read(*s.server, "\r\n");
    pop3.send("USER alice\r\nPASS wonderland\r\nDELE 1\r\n");
    pop3.read(*s.server, "marked for deletion");
    s.failCurDirs = true;
    pop3.send("QUIT\r\n");
    const std::string refused = pop3.read(*s.server, "never", 50);
    EXPECT_EQ(refused.rfind("-ERR [SYS/TEMP] the server's disk failed", 0), 0u) << refused;
    EXPECT_EQ(refused.find("+OK"), std::string::npos) << refused;
    EXPECT_TRUE(pop3.closed());
    EXPECT_NE(s.problems().find("fsync directory"), std::string::npos) << s.problems();
    s.failCurDirs = false;
    LoopbackClient again(s.server->pop3Port());
    again.read(*s.server, "\r\n");
    again.send("USER alice\r\nPASS wonderland\r\n");
    EXPECT_NE(again.read(*s.server, "maildrop").find("+OK"), std::string::npos);
}

} // namespace
} // namespace maillab::test
