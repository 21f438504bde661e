// Writing IMAP data items (RFC 3501 section 9): strings, ENVELOPE and BODYSTRUCTURE from the message model.
#pragma once

#include "mail/message.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::imap {

// A string as IMAP sends it: a quoted string when it can be one, else a literal "{n}\r\n<bytes>"
// (quoted strings cannot hold CR, LF, NUL or 8-bit bytes; RFC 3501 section 4.3).
std::string imapString(std::string_view text);
// NIL for an absent value (nullptr), else imapString.
std::string nstring(const std::string* text);
// An astring for mailbox names in LIST/LSUB/STATUS: an atom when it is one, else imapString.
std::string astring(std::string_view text);

// The ENVELOPE of a message whose header block is `header` (RFC 3501 section 7.4.2, "envelope"):
// (date subject from sender reply-to to cc bcc in-reply-to message-id); sender and reply-to default to from.
std::string envelope(std::string_view header);
// The same from header fields already parsed (a MimePart's `headers`).
std::string envelope(const mail::Headers& headers);

// BODYSTRUCTURE (extensible = true) or BODY (extensible = false) of an entity (RFC 3501 section 7.4.2).
// `message` holds the bytes the part's offsets point into.
std::string bodyStructure(std::string_view message, const mail::MimePart& part, bool extensible);
// BODY and BODYSTRUCTURE of a whole message, made once and kept with it (store::MessageData::derived, as
// Dovecot keeps them in its cache file): `body` is its bytes, read by the caller; nullptr when they could not
// be read and nothing is kept yet.
const std::string* keptStructure(const store::MessageData& data, const store::MessageBody* body,
                                 bool extensible);

// "1:3,5" from ascending numbers, as COPYUID, APPENDUID (RFC 4315 section 3), VANISHED and ESEARCH's ALL
// write sets; the client sends known UIDs the same way (RFC 7162 section 3.2.5).
std::string compactSet(const std::vector<uint32_t>& numbers);

} // namespace maillab::imap
