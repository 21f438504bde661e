// libFuzzer: arbitrary bytes into a logged-in-or-not POP3 session; the store must stay consistent.
#include "pop3/pop3_session.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace maillab;
    wire::VirtualClock clock;
    store::Store store(1);
    store.addAccount("alice", "wonderland");
    store.deliver("alice", "INBOX", "Subject: a\r\n\r\n.hello\r\n", {0, 0});
    store.deliver("alice", "INBOX", "Subject: b\r\n\r\nworld\r\n", {0, 0});
    pop3::Pop3Session session(store, clock, 1);
    session.greeting();
    // Half the inputs start logged in, so the TRANSACTION commands get exercised too.
    if (size > 0 && data[0] & 1) session.receive("USER alice\r\nPASS wonderland\r\n");
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // Split at an arbitrary point: framing must not depend on how bytes arrive.
    size_t cut = size > 1 ? data[size - 1] % size : 0;
    session.receive(input.substr(0, cut));
    session.receive(input.substr(cut));
    if (!session.closed()) session.disconnected();
    if (store.account("alice")->pop3LockHolder != 0) std::abort(); // the lock is always released
    return 0;
}
