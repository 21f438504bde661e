// Reading server responses, for the IMAP client engine and the console: framing with literals, and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::imap {

// One IMAP data value from a response: an atom (also numbers and FETCH item names such as
// "BODY[HEADER.FIELDS (FROM)]<0>"), a string (quoted or literal, unescaped), NIL, or a parenthesised list.
struct Value {
    enum class Kind { Atom, String, Nil, List };
    Kind kind = Kind::Nil;
    std::string text;
    std::vector<Value> items;

    bool isNil() const { return kind == Kind::Nil; }
    std::optional<uint64_t> number() const;
    // For a FETCH item list: the value after the key (case-insensitive), or nullptr.
    const Value* get(std::string_view key) const;
};

// Parses values from `text` starting at `pos` until the end or a ')' that closes nothing.
std::vector<Value> parseValues(std::string_view text, size_t& pos);

// One response: a line and any literals inside it.
struct Response {
    enum class Kind { Untagged, Tagged, Continuation };
    Kind kind = Kind::Untagged;
    std::string tag;     // for Tagged
    std::string status;  // OK / NO / BAD / BYE / PREAUTH for status responses
    uint32_t number = 0; // "* 3 EXISTS" -> 3
    std::string word;    // EXISTS, EXPUNGE, FETCH, SEARCH, LIST, CAPABILITY, OK, ...
    std::string rest;    // everything after the word, with literals inline as "{n}\r\n<bytes>"
    std::string raw;     // the whole response as received
};

// Length of the first complete response line (with its literals) at the start of buffer, or 0.
size_t frameResponse(std::string_view buffer);
// Length through the tagged response with this tag, or 0 while it has not arrived.
size_t frameTagged(std::string_view buffer, std::string_view tag);
// Same, but a continuation request ("+ ...") also completes it (for literals, AUTHENTICATE, IDLE).
size_t frameTaggedOrContinuation(std::string_view buffer, std::string_view tag);

std::vector<Response> splitResponses(std::string_view bytes);
Response parseResponse(std::string_view raw);

} // namespace maillab::imap
