// Writing IMAP data items (RFC 3501 section 9): strings, ENVELOPE and BODYSTRUCTURE from the message model.
#pragma once

#include "imap/imap_types.hpp"
#include "mail/message.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::store {
struct StoredMessage;
}

namespace maillab::imap {

// A string as IMAP sends it: a quoted string when it can be one, else a literal "{n}\r\n<bytes>"
// (quoted strings cannot hold CR, LF, NUL or 8-bit bytes; RFC 3501 section 4.3). With `utf8` (after ENABLE
// IMAP4rev2 or UTF8=ACCEPT) well-formed UTF-8 may be quoted too (RFC 9051 section 4.3, RFC 6855 section 3).
std::string imapString(std::string_view text, bool utf8 = false);
// NIL for an absent value (nullptr), else imapString.
std::string nstring(const std::string* text);
// An astring for mailbox names in LIST/LSUB/STATUS: an atom when it is one, else imapString.
std::string astring(std::string_view text, bool utf8 = false);

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

// The one ESEARCH response of a searching command (RFC 4731 section 3.1): only what `wanted` asks for, from
// `found` in the order the command returns it (mailbox order for SEARCH, RFC 5267 section 4.1); MIN, MAX
// and ALL are left out when nothing matched; PARTIAL names the positions asked for and NIL past the end
// (RFC 5267 section 4.4). `modseqs`, beside `found` when the search named MODSEQ (else empty), adds the
// highest mod-sequence of the messages the answer names (RFC 4731 section 3.2).
std::string esearchResponse(std::string_view tag, bool uid, const SearchReturn& wanted,
                            const std::vector<uint32_t>& found, const std::vector<uint64_t>& modseqs);
// News for a search with UPDATE: `item` is "ADDTO" or "REMOVEFROM", of `numbers` at context position 0,
// which keeps the client's list in mailbox order (RFC 5267 sections 4.3.3 and 4.3.4).
std::string esearchUpdate(std::string_view tag, bool uid, std::string_view item,
                          const std::vector<uint32_t>& numbers);
// The bytes a section names (RFC 3501 section 6.4.5), for FETCH BODY[...] and CATENATE's URLs; nullopt when
// the message has no such part. Views into the stored bytes where it can; HEADER.FIELDS builds its answer
// in `scratch`.
std::optional<std::string_view> sectionBytes(const store::StoredMessage& m, const Section& s,
                                             std::string& scratch);

} // namespace maillab::imap
