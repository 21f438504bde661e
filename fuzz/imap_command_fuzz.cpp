// libFuzzer: the IMAP command parser on arbitrary bytes. Any input must give a Command or a ParseError:
// no crash, no hang, no sanitizer report, and the promises in imap_types.hpp hold.
#include "imap/imap_types.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

namespace {

using namespace maillab::imap;

size_t depth(const SearchKey& key)
{
    size_t deepest = 0;
    for (const SearchKey& child : key.children)
        deepest = std::max(deepest, depth(child));
    return deepest + 1;
}

void check(bool condition)
{
    if (!condition) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto result = parseCommand(bytes);
    if (const Command* command = std::get_if<Command>(&result)) {
        check(!command->tag.empty());
        check(!commandWireName(*command).empty());
        check(command->sequence.ranges.size() <= kMaxSequenceRanges);
        // The top-level And, then at most kMaxNesting levels of parentheses, NOT and OR, then a leaf.
        check(depth(command->search) <= kMaxNesting + 2);
        for (uint32_t n : {1u, 2u, 1000u})
            command->sequence.contains(n, 1000);
        return 0;
    }
    // The session answers "tag BAD <message>": one line of 7-bit text.
    const ParseError& error = std::get<ParseError>(result);
    check(!error.message.empty());
    for (char c : error.message)
        check(c != '\r' && c != '\n' && c != '\0' && static_cast<unsigned char>(c) < 0x80);
    return 0;
}
