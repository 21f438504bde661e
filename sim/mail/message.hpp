// The message model: header fields, addresses and the MIME tree of one RFC 5322 message.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maillab::mail {

// One header field, unfolded (RFC 5322 section 2.2.3): CRLF before WSP removed, value not decoded.
struct HeaderField {
    std::string name;
    std::string value;
};

struct Headers {
    std::vector<HeaderField> fields;
    // First field of that name (case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const;
};

// Parses a header block (everything before the empty line); tolerant of LF-only lines.
Headers parseHeaders(std::string_view block);

struct Parameter {
    std::string name; // lowercased
    std::string value;
};

// A Content-Type or Content-Disposition value: "type/subtype; a=b" (RFC 2045 section 5.1).
struct ContentValue {
    std::string value; // "text/plain" or "attachment", lowercased
    std::vector<Parameter> params;
    const std::string* param(std::string_view name) const;
};
ContentValue parseContentValue(std::string_view text);

// One MIME entity. Offsets are into the whole message's bytes.
struct MimePart {
    size_t headerOffset = 0;
    size_t headerSize = 0; // the header block including the empty line that ends it
    size_t bodyOffset = 0;
    size_t bodySize = 0;
    size_t bodyLines = 0;
    Headers headers;
    std::string type = "text"; // lowercased
    std::string subtype = "plain";
    std::vector<Parameter> params;  // Content-Type parameters (charset defaults to us-ascii for text)
    std::string encoding = "7bit";  // Content-Transfer-Encoding, lowercased
    std::vector<MimePart> children; // parts of a multipart, or the one encapsulated message of message/rfc822

    bool isMultipart() const { return type == "multipart"; }
    bool isMessageRfc822() const { return type == "message" && subtype == "rfc822"; }
    size_t size() const { return headerSize + bodySize; }
};

// Parses a whole message: the root part covers all bytes. Never fails: malformed MIME degrades to
// text/plain, as RFC 2045 section 5.2 asks.
MimePart parseMime(std::string_view message);

// Finds the part named by an IMAP section path ("1", "2.3"; RFC 3501 section 6.4.5). Part 1 of a
// non-multipart entity is its body; parts of a message/rfc822 are those of the message inside.
const MimePart* findPart(const MimePart& root, const std::vector<unsigned>& path);

// RFC 5322 section 3.4 address, as IMAP's ENVELOPE needs it.
struct Address {
    std::string name;      // display name, raw (may hold RFC 2047 encoded-words)
    std::string mailbox;   // local part
    std::string host;      // domain
    std::string group;     // non-empty for a group start marker
    bool groupEnd = false; // the marker that ends a group
    std::string route;     // an obsolete source route "@a,@b" (RFC 5322 section 4.4), IMAP's adl
};
std::vector<Address> parseAddressList(std::string_view text);

// RFC 2047 encoded-words decoded to UTF-8 (UTF-8, US-ASCII and ISO-8859-1/15 charsets), for display.
std::string decodeEncodedWords(std::string_view text);

// A part's body with its Content-Transfer-Encoding undone (base64, quoted-printable), for display.
std::string decodeBody(std::string_view message, const MimePart& part);

// Counts CRLF-terminated lines (a final line without CRLF counts too).
size_t countLines(std::string_view text);

// Splits off the header block: returns the offset of the body (after the empty line), or the end.
size_t findBodyOffset(std::string_view message);

// A human summary for the dashboard and the device views.
struct Summary {
    std::string from;    // decoded display name or address
    std::string subject; // decoded
    std::string date;    // as written
    std::string messageId;
};
Summary summarize(std::string_view message);

} // namespace maillab::mail
