// Writing IMAP data items (RFC 3501 section 9): strings, ENVELOPE and BODYSTRUCTURE from the message model.
//
// Conventions clients see (the UW-IMAP/Cyrus style): media type, subtype, parameter attribute names,
// disposition type and transfer encoding are upper case ("TEXT" "PLAIN" ("CHARSET" "utf-8")); every value
// (parameter values, Content-ID, descriptions, header fields in the envelope) is sent as written.
#include "imap/imap_format.hpp"

#include "util/sasl.hpp"
#include "util/text.hpp"

#include <vector>

namespace maillab::imap {

namespace {

constexpr size_t kMaxQuotedSize = 1024; // longer strings go as literals, which need no escaping

// [SECTION] strings (RFC 3501 section 4.3 and 9)

bool isQuotable(std::string_view text, bool utf8)
{
    if (text.size() > kMaxQuotedSize) return false;
    bool eightBit = false;
    for (unsigned char c : text) {
        if (c == '\0' || c == '\r' || c == '\n') return false;
        eightBit = eightBit || c >= 0x80; // QUOTED-CHAR is TEXT-CHAR, 7-bit, unless UTF-8 was enabled
    }
    return !eightBit || (utf8 && util::isUtf8(text));
}

// ATOM-CHAR: any CHAR (%x01-7F) except atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
bool isAtomChar(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F) return false;
    return std::string_view("(){%*\"\\]").find(static_cast<char>(c)) == std::string_view::npos;
}

// [SECTION] envelope (RFC 3501 section 7.4.2, "envelope" and "address" in section 9)

std::string address(const mail::Address& a)
{
    static const std::string kNil = "NIL";
    // Group markers have a NIL host (RFC 3501 section 7.4.2): start (NIL NIL "name" NIL), end all NIL.
    if (a.groupEnd) return "(NIL NIL NIL NIL)";
    if (!a.group.empty()) return "(NIL NIL " + imapString(a.group) + " NIL)";
    // An ordinary address never has a NIL mailbox or host, even when the header left one out: a NIL host
    // would turn it into a group marker.
    return "(" + (a.name.empty() ? kNil : imapString(a.name)) + " " +
           (a.route.empty() ? kNil : imapString(a.route)) + " " + imapString(a.mailbox) + " " +
           imapString(a.host) + ")";
}

// env-from and friends: "(" 1*address ")" / nil, the addresses not separated by spaces.
std::string addressList(const std::vector<mail::Address>& list)
{
    if (list.empty()) return "NIL";
    std::string out = "(";
    for (const mail::Address& a : list)
        out += address(a);
    return out + ")";
}

std::vector<mail::Address> addressesOf(const mail::Headers& headers, std::string_view name)
{
    const std::string* value = headers.find(name);
    return value ? mail::parseAddressList(*value) : std::vector<mail::Address>{};
}

// [SECTION] body structure (RFC 3501 section 7.4.2, "body" in section 9)

// body-fld-param: "(" string SP string *(SP string SP string) ")" / nil
std::string paramList(const std::vector<mail::Parameter>& params)
{
    if (params.empty()) return "NIL";
    std::string out = "(";
    for (const mail::Parameter& p : params) {
        if (out.size() > 1) out += ' ';
        out += imapString(util::toUpper(p.name)) + " " + imapString(p.value);
    }
    return out + ")";
}

std::string headerNstring(const mail::Headers& headers, std::string_view name)
{
    const std::string* value = headers.find(name);
    return value ? imapString(*value) : "NIL";
}

// body-fld-dsp: "(" string SP body-fld-param ")" / nil (RFC 2183).
std::string disposition(const mail::Headers& headers)
{
    const std::string* value = headers.find("Content-Disposition");
    if (!value) return "NIL";
    mail::ContentValue dsp = mail::parseContentValue(*value);
    if (dsp.value.empty()) return "NIL";
    return "(" + imapString(util::toUpper(dsp.value)) + " " + paramList(dsp.params) + ")";
}

// body-fld-lang: nstring / "(" string *(SP string) ")"; Content-Language is a comma list (RFC 3282).
std::string language(const mail::Headers& headers)
{
    const std::string* value = headers.find("Content-Language");
    if (!value) return "NIL";
    std::vector<std::string> tags;
    std::string_view rest = *value;
    while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view tag = util::trim(rest.substr(0, comma));
        if (!tag.empty()) tags.emplace_back(tag);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (tags.empty()) return "NIL";
    if (tags.size() == 1) return imapString(tags[0]);
    std::string out = "(";
    for (const std::string& tag : tags)
        out += (out.size() > 1 ? " " : "") + imapString(tag);
    return out + ")";
}

// The extension fields after the first one (md5 or params): body-fld-dsp SP body-fld-lang SP body-fld-loc.
std::string dispositionLanguageLocation(const mail::Headers& headers)
{
    return disposition(headers) + " " + language(headers) + " " + headerNstring(headers, "Content-Location");
}

// A multipart without parts or a message/rfc822 without its message cannot be written as either (RFC 3501
// needs 1*body, or an envelope and a body). parseMime never leaves one (it degrades such parts to text); a
// part built any other way is sent as opaque text too, so a client never sees an unparsable BODYSTRUCTURE.
bool isOpaque(const mail::MimePart& part)
{
    return (part.isMultipart() || part.isMessageRfc822()) && part.children.empty();
}

std::string bodyFields(const mail::MimePart& part)
{
    // body-fields: body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
    std::string encoding = part.encoding.empty() ? "7BIT" : util::toUpper(part.encoding);
    return paramList(part.params) + " " + headerNstring(part.headers, "Content-ID") + " " +
           headerNstring(part.headers, "Content-Description") + " " + imapString(encoding) + " " +
           std::to_string(part.bodySize);
}

std::string writeBody(std::string_view message, const mail::MimePart& part, bool extensible)
{
    std::string out = "(";
    if (part.isMultipart() && !part.children.empty()) {
        // body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart]
        for (const mail::MimePart& child : part.children)
            out += writeBody(message, child, extensible);
        out += " " + imapString(util::toUpper(part.subtype));
        if (extensible) out += " " + paramList(part.params) + " " + dispositionLanguageLocation(part.headers);
        return out + ")";
    }

    if (isOpaque(part)) {
        out += "\"TEXT\" \"PLAIN\" ";
        mail::MimePart text = part;
        text.params = {{"charset", "us-ascii"}};
        out += bodyFields(text) + " " + std::to_string(part.bodyLines);
    } else if (part.isMessageRfc822()) {
        // body-type-msg: media-message SP body-fields SP envelope SP body SP body-fld-lines
        const mail::MimePart& inner = part.children[0];
        out += "\"MESSAGE\" \"RFC822\" " + bodyFields(part) + " " + envelope(inner.headers) + " " +
               writeBody(message, inner, extensible) + " " + std::to_string(part.bodyLines);
    } else if (part.type == "text") {
        // body-type-text: media-text SP body-fields SP body-fld-lines
        out += "\"TEXT\" " + imapString(util::toUpper(part.subtype)) + " " + bodyFields(part) + " " +
               std::to_string(part.bodyLines);
    } else {
        // body-type-basic: media-basic SP body-fields
        out += imapString(util::toUpper(part.type)) + " " + imapString(util::toUpper(part.subtype)) + " " +
               bodyFields(part);
    }
    // body-ext-1part: body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    if (extensible)
        out += " " + headerNstring(part.headers, "Content-MD5") + " " +
               dispositionLanguageLocation(part.headers);
    return out + ")";
}

} // namespace

std::string imapString(std::string_view text, bool utf8)
{
    if (!isQuotable(text, utf8)) return "{" + std::to_string(text.size()) + "}\r\n" + std::string(text);
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\'; // quoted-specials (RFC 3501 section 9)
        out += c;
    }
    out += '"';
    return out;
}

std::string nstring(const std::string* text)
{
    return text ? imapString(*text) : "NIL";
}

std::string astring(std::string_view text, bool utf8)
{
    // "NIL" is a valid atom, but quoting it keeps clients that read astring as nstring from seeing NIL.
    bool atom = !text.empty() && !util::iequals(text, "NIL");
    for (unsigned char c : text)
        atom = atom && isAtomChar(c);
    return atom ? std::string(text) : imapString(text, utf8);
}

std::string envelope(std::string_view header)
{
    return envelope(mail::parseHeaders(header));
}

std::string envelope(const mail::Headers& headers)
{
    std::vector<mail::Address> from = addressesOf(headers, "From");
    std::vector<mail::Address> sender = addressesOf(headers, "Sender");
    std::vector<mail::Address> replyTo = addressesOf(headers, "Reply-To");
    // Absent or empty Sender and Reply-To take the value of From (RFC 3501 section 7.4.2).
    if (sender.empty()) sender = from;
    if (replyTo.empty()) replyTo = from;
    return "(" + nstring(headers.find("Date")) + " " + nstring(headers.find("Subject")) + " " +
           addressList(from) + " " + addressList(sender) + " " + addressList(replyTo) + " " +
           addressList(addressesOf(headers, "To")) + " " + addressList(addressesOf(headers, "Cc")) + " " +
           addressList(addressesOf(headers, "Bcc")) + " " + nstring(headers.find("In-Reply-To")) + " " +
           nstring(headers.find("Message-ID")) + ")";
}

std::string bodyStructure(std::string_view message, const mail::MimePart& part, bool extensible)
{
    return writeBody(message, part, extensible);
}

} // namespace maillab::imap
