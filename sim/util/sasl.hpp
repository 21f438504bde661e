// SASL PLAIN (RFC 4616) as a server receives it, for POP3 AUTH (RFC 5034), IMAP AUTHENTICATE (RFC 3501
// section 6.2.2) and its initial response (RFC 4959 SASL-IR): the one strict decoder both sessions and the
// IMAP parser use, so the two protocols accept and refuse exactly the same responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maillab::util {

// RFC 4648 section 4 base64 as a SASL response carries it (RFC 5034 section 4, RFC 3501 section 6.2.2):
// only the 64 letters of the alphabet, a length that is a multiple of 4, "=" only as one or two final pad
// characters, pad bits zero (RFC 4648 section 3.5), and no whitespace or line breaks (section 3.3). The empty
// text is valid and stands for no octets. util::base64Decode stays lenient, as wrapped MIME bodies need.
bool isStrictBase64(std::string_view text);
std::optional<std::string> decodeStrictBase64(std::string_view text);

// Well-formed UTF-8 (RFC 3629 section 4): no overlong forms, no surrogates, nothing above U+10FFFF. Also
// what IMAP4rev2 and UTF8=ACCEPT accept in quoted strings and mailbox names (RFC 9051 section 4.3).
bool isUtf8(std::string_view text);

// The three fields of a PLAIN message: [authzid] NUL authcid NUL passwd (RFC 4616 section 2).
struct SaslPlain {
    std::string authzid; // empty: act as authcid
    std::string authcid;
    std::string passwd;
};

enum class SaslPlainError {
    NotBase64,      // the response is not strict base64 (see isStrictBase64)
    NotThreeFields, // not exactly two NULs
    EmptyUser,      // authcid = 1*SAFE
    EmptyPassword,  // passwd = 1*SAFE
    TooLong,        // a field longer than kMaxSaslPlainField
    NotUtf8,        // the message is UTF-8 text (RFC 4616 section 2)
};

// RFC 4616 section 2 has servers accept fields of up to 255 octets; maillab accepts no longer ones, so the
// limit is explicit and tested rather than whatever memory allows.
constexpr size_t kMaxSaslPlainField = 255;

// Decodes a client's PLAIN response (the base64 text without its CRLF; "" for an empty response).
std::variant<SaslPlain, SaslPlainError> decodeSaslPlain(std::string_view base64);

// Why a response was refused, in a sentence for the server's -ERR / NO text (no status, no response code).
std::string_view describe(SaslPlainError error);

} // namespace maillab::util
