// For the IMAP extension tests: dave's empty account, and one logged-in session of his.
#pragma once

#include "imap/imap_session.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace maillab::test {

// An empty account, so each test's messages get UIDs and sequence numbers 1, 2, ... in the order delivered.
struct DaveWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    DaveWorld() { store.addAccount("dave", "pw"); }
    const store::Mailbox& inbox() const { return *store.mailbox("dave", "INBOX"); }
    void deliver(const std::string& bytes)
    {
        ASSERT_NE(store.deliver("dave", "INBOX", bytes, mail::DateTime{clock.nowSeconds(), 0}), 0u);
    }
};

// send() adds the CRLF; raw() sends the bytes as they are.
class DaveClient {
public:
    explicit DaveClient(DaveWorld& world, imap::SessionOptions options = {})
        : m_session(world.store, world.clock, 1, std::move(options))
    {
        m_session.greeting();
        EXPECT_NE(send("l LOGIN dave pw").find("l OK "), std::string::npos);
    }
    std::string send(std::string_view line) { return m_session.receive(std::string(line) + "\r\n"); }
    std::string raw(std::string_view bytes) { return m_session.receive(bytes); }
    void select() { EXPECT_NE(send("s SELECT INBOX").find("s OK "), std::string::npos); }

private:
    imap::ImapSession m_session;
};

} // namespace maillab::test
