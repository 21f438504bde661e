// Mailbox names on the wire: modified UTF-7 for IMAP4rev1 (RFC 3501 section 5.1.3, RFC 9051 appendix A.1),
// UTF-8 once a client enables IMAP4rev2 or UTF8=ACCEPT (RFC 9051 section 5.1, RFC 6855 section 3).
// The store keeps the IMAP4rev1 form, as Dovecot does, so that both kinds of client see the same folders.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace maillab::imap {

// UTF-8 to modified UTF-7: printable ASCII stays, "&" becomes "&-", anything else goes as modified base64
// of UTF-16 between "&" and "-". Input must be UTF-8 (util::isUtf8).
std::string encodeModifiedUtf7(std::string_view utf8);

// Modified UTF-7 to UTF-8; nullopt when the text is not in the canonical form section 5.1.3 requires
// (raw 8-bit bytes, an unterminated or empty shift, printable ASCII shifted, bad padding, lone surrogates).
std::optional<std::string> decodeModifiedUtf7(std::string_view mutf7);

} // namespace maillab::imap
