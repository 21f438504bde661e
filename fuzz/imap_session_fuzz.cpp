// libFuzzer: arbitrary bytes into an IMAP session with a second session watching the same account.
#include "imap/imap_session.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace maillab;
    wire::VirtualClock clock;
    store::Store store(1);
    store.addAccount("alice", "wonderland");
    store.createMailbox("alice", "Archive");
    store.deliver(
        "alice", "INBOX",
        "Subject: a\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\none\r\n--x--\r\n", {0, 0});
    store.deliver("alice", "INBOX", "Subject: b\r\n\r\nworld\r\n", {0, 0});
    imap::SessionOptions options;
    options.maxLineLength = 4096;
    options.maxLiteralSize = 4096;
    imap::ImapSession session(store, clock, 1, options);
    imap::ImapSession watcher(store, clock, 2, options);
    session.greeting();
    watcher.receive("w1 LOGIN alice wonderland\r\nw2 SELECT INBOX\r\nw3 IDLE\r\n");
    if (size > 0 && data[0] & 1) session.receive("a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t cut = size > 1 ? data[size - 1] % size : 0;
    session.receive(input.substr(0, cut));
    watcher.takeUnsolicited();
    session.receive(input.substr(cut));
    watcher.takeUnsolicited();
    watcher.receive("DONE\r\nw4 NOOP\r\n");
    return 0;
}
