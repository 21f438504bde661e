// libFuzzer: the message model and everything IMAP derives from it, on arbitrary message bytes.
#include "imap/imap_format.hpp"
#include "mail/message.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace maillab;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    mail::MimePart root = mail::parseMime(bytes);
    if (root.size() != size) std::abort(); // the root covers every byte
    imap::bodyStructure(bytes, root, true);
    imap::envelope(bytes.substr(0, mail::findBodyOffset(bytes)));
    mail::summarize(bytes);
    for (unsigned a = 1; a <= 3; ++a)
        for (unsigned b = 1; b <= 3; ++b)
            if (const mail::MimePart* part = mail::findPart(root, {a, b})) {
                if (part->bodyOffset + part->bodySize > size) std::abort();
                mail::decodeBody(bytes, *part);
            }
    return 0;
}
