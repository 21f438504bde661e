// For the IMAP extension tests: dave's empty account, and one logged-in session of his.
#pragma once

#include "imap_test_client.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <gtest/gtest.h>
#include <string>

namespace maillab::test {

// An empty account, so each test's messages get UIDs and sequence numbers 1, 2, ... in the order delivered.
struct DaveWorld {
    wire::VirtualClock clock;
    store::Store store{100};
    DaveWorld() { store.addAccount("dave", "pw"); }
    const store::Mailbox& inbox() const { return *store.mailbox("dave", "INBOX"); }
    void deliver(const std::string& bytes, const std::string& mailbox = "INBOX")
    {
        ASSERT_NE(store.deliver("dave", mailbox, bytes, mail::DateTime{clock.nowSeconds(), 0}), 0u);
    }
};

struct DaveClient : ImapTestClient {
    explicit DaveClient(DaveWorld& world, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, "dave", 1, std::move(options))
    {
    }
};

} // namespace maillab::test
