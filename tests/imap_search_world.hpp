// A small mailbox and IMAP sessions on it, for the SEARCHRES (RFC 5182) and CONTEXT=SEARCH (RFC 5267) tests.
#pragma once

#include "imap_test_client.hpp"
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

struct SearchClient : ImapTestClient {
    explicit SearchClient(SearchWorld& world, int id = 1, imap::SessionOptions options = {})
        : ImapTestClient(world.store, world.clock, "erin", id, std::move(options))
    {
    }
};

inline bool has(const std::string& reply, std::string_view text)
{
    return reply.find(text) != std::string::npos;
}

} // namespace maillab::test
