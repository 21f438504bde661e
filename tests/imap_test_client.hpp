// One logged-in IMAP session, in process, for the tests of commands and extensions. Each test file derives
// its own client from it, with the world, the user and the options its tests take.
#pragma once

#include "imap/imap_session.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {

// send() adds the CRLF; raw() sends the bytes as they are. Both return everything the session answered.
class ImapTestClient {
public:
    ImapTestClient(store::Store& store, const wire::Clock& clock, const std::string& user, int id = 1,
                   imap::SessionOptions options = {})
        : m_session(store, clock, id, std::move(options)), m_greeting(m_session.greeting())
    {
        EXPECT_NE(send("l LOGIN " + user + " pw").find("l OK "), std::string::npos);
    }
    std::string send(std::string_view line) { return m_session.receive(std::string(line) + "\r\n"); }
    std::string raw(std::string_view bytes) { return m_session.receive(bytes); }
    // The arguments may add to the mailbox name, e.g. "INBOX (CONDSTORE)".
    std::string select(const std::string& args = "INBOX") { return open("SELECT " + args); }
    // A whole SELECT or EXAMINE command, e.g. "EXAMINE INBOX".
    std::string open(const std::string& command)
    {
        std::string reply = send("s " + command);
        EXPECT_NE(reply.find("s OK "), std::string::npos) << reply;
        return reply;
    }
    // APPEND with a synchronizing literal: the continuation, then the message.
    std::string append(const std::string& mailbox, const std::string& message)
    {
        std::string go = send("a APPEND " + mailbox + " {" + std::to_string(message.size()) + "}");
        if (go.rfind("+ ", 0) != 0) return go;
        return m_session.receive(message + "\r\n");
    }
    const std::string& greeting() const { return m_greeting; }
    imap::ImapSession& session() { return m_session; }

private:
    imap::ImapSession m_session;
    std::string m_greeting;
};

} // namespace maillab::test
