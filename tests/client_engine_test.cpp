// The client engines' programs on their own, against a scripted server: a lost connection ends a program in
// one place, whichever sub-task it was waiting in.
#include "imap/imap_client.hpp"
#include "pop3/pop3_client.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace maillab::test {
namespace {

// Drives an engine until it is idle or the connection is lost: `server` answers each line sent, and an empty
// answer means the connection drops instead. Returns every line the engine sent.
std::vector<std::string> driveUntilLost(wire::ClientEngine& engine, const std::string& greeting,
                                        const std::function<std::string(const std::string&)>& server)
{
    using Kind = wire::ClientEngine::Request::Kind;
    std::vector<std::string> sent;
    for (int guard = 0; engine.busy() && guard < 100; ++guard) {
        switch (engine.request().kind) {
        case Kind::Connect:
            engine.onConnected();
            engine.onBytes(greeting);
            break;
        case Kind::Send: {
            const std::string line = engine.request().bytes.substr(0, engine.request().bytes.find("\r\n"));
            sent.push_back(line);
            engine.onSent();
            if (std::string answer = server(line); !answer.empty())
                engine.onBytes(answer);
            else
                engine.onClosed();
            break;
        }
        case Kind::StartTls: engine.onTlsStarted(false); break;
        case Kind::Close: engine.onClosed(); break;
        case Kind::Wait:
        case Kind::Idle: return sent;
        }
    }
    return sent;
}

wire::UserAction action(wire::UserAction::Kind kind)
{
    wire::UserAction a;
    a.kind = kind;
    return a;
}

pop3::ClientOptions alice()
{
    pop3::ClientOptions options;
    options.user = "alice";
    options.password = "wonderland";
    return options;
}

TEST(ClientEngine, Pop3CheckEndsAtOnceWhenTheConnectionIsLostInTheMiddle)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    pop3::Pop3Client client(local, clock, alice());
    client.perform(action(wire::UserAction::Kind::CheckMail));
    const std::vector<std::string> sent =
        driveUntilLost(client, "+OK ready\r\n", [](const std::string& line) -> std::string {
            if (line == "LIST") return "+OK\r\n1 120\r\n2 80\r\n.\r\n";
            if (line == "RETR 1") return {}; // the Wi-Fi drops while the first message is asked for
            return "+OK\r\n";
        });
    EXPECT_EQ(sent, (std::vector<std::string>{"USER alice", "PASS wonderland", "STAT", "LIST", "RETR 1"}));
    EXPECT_FALSE(client.busy());
    EXPECT_FALSE(client.connected());
    EXPECT_EQ(client.status(), "connection lost");
    EXPECT_EQ(client.lastCheck().messagesDownloaded, 0);
    EXPECT_TRUE(local.messages().empty());
}

TEST(ClientEngine, ImapProgramEndsWhenTheConnectionIsLostAndTheNextActionReconnects)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    imap::ClientOptions options;
    options.user = "bob";
    options.password = "secret";
    imap::ImapClient client(local, clock, options);
    client.perform(action(wire::UserAction::Kind::CheckMail));
    const std::vector<std::string> sent =
        driveUntilLost(client, "* OK ready\r\n", [](const std::string& line) -> std::string {
            const std::string tag = line.substr(0, line.find(' '));
            if (line.find(" SELECT ") != std::string::npos) return {}; // lost while INBOX opens
            return tag + " OK done\r\n";
        });
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[2], "A3 SELECT \"INBOX\"");
    EXPECT_FALSE(client.busy());
    EXPECT_EQ(client.status(), "connection lost");
    EXPECT_EQ(client.selectedFolder(), ""); // connectionLost() forgot the session's state

    client.perform(action(wire::UserAction::Kind::CheckMail));
    EXPECT_EQ(client.request().kind, wire::ClientEngine::Request::Kind::Connect);
}

TEST(ClientEngine, Pop3DeclinesWhatOnlyImapCanDo)
{
    store::DeviceStore local;
    wire::VirtualClock clock;
    pop3::Pop3Client client(local, clock, alice());
    client.perform(action(wire::UserAction::Kind::OpenFolder));
    EXPECT_FALSE(client.busy());
    EXPECT_NE(client.status().find("IMAP"), std::string::npos) << client.status();
}

} // namespace
} // namespace maillab::test
