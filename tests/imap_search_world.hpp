// A small mailbox and IMAP sessions on it, for the SEARCHRES (RFC 5182) and CONTEXT=SEARCH (RFC 5267) tests.
#pragma once

#include "imap/imap_session.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {

// erin's INBOX holds five messages, UIDs 1-5, subjects "one" to "five"; "two" and "four" are from bob, the
// rest from carol; none is \Recent, so flag lists show only what a test changes.
struct SearchWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    SearchWorld()
    {
        store.addAccount("erin", "pw");
        store.createMailbox("erin", "Archive");
        int n = 0;
        for (const char* subject : {"one", "two", "three", "four", "five"})
            deliver(subject, ++n % 2 == 0 ? "bob" : "carol");
    }
    uint32_t deliver(const std::string& subject, const std::string& from = "carol", uint8_t flags = 0)
    {
        return store.deliver("erin", "INBOX",
                             "From: " + from + "@example.org\r\nSubject: " + subject + "\r\n\r\nhello\r\n",
                             mail::DateTime{clock.nowSeconds(), 0}, flags);
    }
};

class SearchClient {
public:
    explicit SearchClient(SearchWorld& world, int id = 1, imap::SessionOptions options = {})
        : m_session(world.store, world.clock, id, std::move(options))
    {
        m_greeting = m_session.greeting();
        EXPECT_NE(send("l LOGIN erin pw").find("l OK "), std::string::npos);
    }
    std::string send(std::string_view line) { return m_session.receive(std::string(line) + "\r\n"); }
    void select(const std::string& command = "SELECT INBOX")
    {
        std::string reply = send("s " + command);
        EXPECT_NE(reply.find("s OK "), std::string::npos) << reply;
    }
    const std::string& greeting() const { return m_greeting; }
    imap::ImapSession& session() { return m_session; }

private:
    imap::ImapSession m_session;
    std::string m_greeting;
};

inline bool has(const std::string& reply, std::string_view text)
{
    return reply.find(text) != std::string::npos;
}

} // namespace maillab::test
