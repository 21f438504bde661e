// APPEND with the extensions that shape what it uploads: several messages at once (MULTIAPPEND, RFC 3502),
// messages made of text and pieces of stored ones (CATENATE, RFC 4469, with IMAP URLs of RFC 5092),
// binary content sent as literal8 (BINARY, RFC 3516 section 4.3), and the size limit it announces
// (APPENDLIMIT, RFC 7889). The messages are checked and built first, then delivered all or none.
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "mail/message.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cstdio>

namespace maillab::imap {

bool parseFlagNames(const std::vector<std::string>& names, uint8_t& bits, std::vector<std::string>& keywords,
                    std::string& bad);

namespace {

Reply tagged(std::string_view status, std::string text)
{
    return Reply{{}, std::string(status), std::move(text)};
}

// [SECTION] binary content (RFC 3516 section 4.3)

// A header block with its Content-Transfer-Encoding field (folded lines too) set to base64, or the field
// added before the empty line that ends the block.
std::string withBase64Encoding(std::string_view header)
{
    std::string out;
    bool replaced = false, skipping = false;
    size_t pos = 0;
    while (pos < header.size()) {
        size_t lf = header.find('\n', pos);
        size_t end = lf == std::string_view::npos ? header.size() : lf + 1;
        std::string_view line = header.substr(pos, end - pos);
        pos = end;
        const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (skipping && continuation) continue;
        skipping = false;
        if (line == "\r\n" || line == "\n") {
            if (!replaced) out += "Content-Transfer-Encoding: base64\r\n";
            replaced = true;
            out.append(line);
            continue;
        }
        if (!continuation && util::istartsWith(line, "Content-Transfer-Encoding:")) {
            if (!replaced) out += "Content-Transfer-Encoding: base64\r\n";
            replaced = skipping = true;
            continue;
        }
        out.append(line);
    }
    if (!replaced) out += "Content-Transfer-Encoding: base64\r\n\r\n";
    return out;
}

// Base64 in lines of 76 characters (RFC 2045 section 6.8), without a final line break: the CRLF before a
// boundary belongs to the boundary.
std::string wrappedBase64(std::string_view bytes)
{
    const std::string encoded = util::base64Encode(bytes);
    std::string out;
    out.reserve(encoded.size() + encoded.size() / 76 * 2);
    for (size_t i = 0; i < encoded.size(); i += 76)
        out.append(i ? "\r\n" : "").append(encoded, i, 76);
    return out;
}

struct Edit {
    size_t offset, size;
    std::string text;
};

void binaryPartEdits(std::string_view message, const mail::MimePart& part, std::vector<Edit>& edits)
{
    for (const mail::MimePart& child : part.children)
        binaryPartEdits(message, child, edits);
    if (!part.children.empty()) return;
    std::string_view body = message.substr(part.bodyOffset, part.bodySize);
    const std::string& cte = part.encoding;
    if (body.find('\0') == std::string_view::npos || (cte != "binary" && cte != "8bit" && cte != "7bit"))
        return;
    edits.push_back({part.headerOffset, part.headerSize,
                     withBase64Encoding(message.substr(part.headerOffset, part.headerSize))});
    edits.push_back({part.bodyOffset, part.bodySize, wrappedBase64(body)});
}

// The message as this server can serve it again through BODY[], whose literals cannot hold NUL (RFC 3501
// section 4.3): each part whose content holds NUL is stored base64-encoded, as Dovecot does; BINARY[]
// gives the client back its bytes. nullopt when a NUL lies outside a part's content (in a header).
std::optional<std::string> withoutNul(std::string message)
{
    if (message.find('\0') == std::string::npos) return message;
    std::vector<Edit> edits;
    binaryPartEdits(message, mail::parseMime(message), edits);
    std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.offset > b.offset; });
    for (const Edit& edit : edits)
        message.replace(edit.offset, edit.size, edit.text);
    if (message.find('\0') != std::string::npos) return std::nullopt;
    return message;
}

// [SECTION] CATENATE's URLs (RFC 4469 section 5, RFC 5092)

// The URL as BADURL may echo it: url-resp-text is 7-bit without CR, LF or "]" (RFC 4469 section 6), so
// the rest is percent-encoded as in the URL itself (RFC 3986 section 2.1).
std::string badUrl(std::string_view url, std::string_view why)
{
    std::string echo;
    for (unsigned char c : url.substr(0, 200)) {
        if (c < 0x20 || c >= 0x7f || c == ']') {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            echo += escaped;
        } else {
            echo += static_cast<char>(c);
        }
    }
    return "[BADURL " + echo + "] " + std::string(why);
}

// BODY and BODYSTRUCTURE are made while the bytes are at hand: with --maildir they leave memory as soon as
// the file is written, and the first FETCH of them would read every file back.
std::shared_ptr<const store::MessageData> withStructure(std::string bytes)
{
    auto data = std::make_shared<const store::MessageData>(std::move(bytes));
    if (const std::shared_ptr<const store::MessageBody> body = data->body()) {
        keptStructure(*data, body.get(), false);
        keptStructure(*data, body.get(), true);
    }
    return data;
}

} // namespace

// [SECTION] APPEND

Reply ImapSession::cmdAppend(const Command& c)
{
    // Each extension's syntax counts only while it is offered (a lesson may switch one off).
    if (c.appends.size() > 1 && !offers("MULTIAPPEND"))
        return tagged("BAD", "one message per APPEND: MULTIAPPEND is not offered by this server");
    for (const AppendMessage& a : c.appends) {
        const bool binary =
            a.binary || (a.catenate && std::any_of(a.catenate->begin(), a.catenate->end(),
                                                   [](const CatenatePart& p) { return p.binary; }));
        if (binary && !offers("BINARY"))
            return tagged("BAD", "literal8 ~{n} is not offered by this server (BINARY, RFC 3516)");
        if (a.catenate && !offers("CATENATE")) return tagged("BAD", "CATENATE is not offered by this server");
        // The UTF8 form is for clients that enabled UTF8=ACCEPT (RFC 6855 section 4).
        if (a.utf8 && !m_utf8Accept)
            return tagged("BAD", "APPEND UTF8 (~{n}) needs ENABLE UTF8=ACCEPT first (RFC 6855 section 4)");
    }
    const store::Mailbox* box = m_store.mailbox(m_user, c.mailbox);
    if (!box) return tagged("NO", "[TRYCREATE] no mailbox named " + c.mailbox + ": CREATE it first");
    const std::string mailbox = box->name;

    // Every message is built and checked before any is added: all or nothing (RFC 3502 section 6.3.11).
    struct Ready {
        std::string bytes;
        mail::DateTime date;
        uint8_t flags = 0;
        std::vector<std::string> keywords;
    };
    std::vector<Ready> ready;
    const size_t limit = m_options.maxLiteralSize; // APPENDLIMIT (RFC 7889 section 4)
    size_t total = 0;
    for (const AppendMessage& a : c.appends) {
        Ready& r = ready.emplace_back();
        std::string bad;
        if (!parseFlagNames(a.flags, r.flags, r.keywords, bad)) return tagged("BAD", "unknown flag " + bad);
        // An appended message is \Recent for whoever selects it next (RFC 3501 section 6.3.11).
        r.flags |= store::kRecent;
        r.date = a.internalDate.value_or(mail::DateTime{m_clock.nowSeconds(), 0});
        if (!a.catenate) {
            r.bytes = a.message;
        } else {
            for (const CatenatePart& part : *a.catenate) {
                std::string_view piece = part.text;
                std::string scratch;
                if (part.url) {
                    std::string why;
                    std::optional<std::string_view> bytes = urlContent(part.text, scratch, why);
                    if (!bytes) return tagged("NO", badUrl(part.text, why));
                    piece = *bytes;
                }
                // The message would pass the limit: TOOBIG before it is built (RFC 4469 section 6).
                if (r.bytes.size() + piece.size() > limit)
                    return tagged("NO", "[TOOBIG] the message would be larger than " + std::to_string(limit) +
                                            " octets, this server's APPENDLIMIT");
                r.bytes.append(piece);
            }
        }
        std::optional<std::string> storable = withoutNul(std::move(r.bytes));
        if (!storable)
            return tagged("NO", "[UNKNOWN-CTE] a NUL outside a MIME part's content cannot be stored "
                                "(RFC 3516 section 4.3)");
        r.bytes = std::move(*storable);
        total += r.bytes.size();
        if (total > m_options.maxCommandSize)
            return tagged("NO", "[TOOBIG] the messages of one APPEND may come to at most " +
                                    std::to_string(m_options.maxCommandSize) + " octets");
    }

    // The quota counts all of them together: they go in as one or not at all (RFC 9208 section 4.3.1).
    if (std::string over = overQuota(ready.size(), total); !over.empty()) return tagged("NO", over);

    std::vector<uint32_t> uids;
    for (Ready& r : ready) {
        const size_t size = r.bytes.size();
        uint32_t uid = m_store.deliverShared(m_user, mailbox, withStructure(std::move(r.bytes)), r.date,
                                             r.flags, r.keywords, m_sessionId);
        if (uid == 0) {
            // The disk refused one: those already added go again, so that none of them stays.
            m_store.expunge(m_user, mailbox, uids, m_sessionId);
            m_exchange.effects.clear();
            return tagged("NO", "[SERVERBUG] the message could not be written to disk; nothing was appended");
        }
        uids.push_back(uid);
        wire::Effect& e = addEffect(wire::Effect::Kind::Appended, mailbox, uid, 0);
        e.bytes = size;
    }
    const uint32_t validity = m_store.mailbox(m_user, mailbox)->uidValidity;
    // The UIDs of all of them, in the order sent (RFC 4315 section 3 with RFC 3502).
    return tagged("OK",
                  "[APPENDUID " + std::to_string(validity) + " " + compactSet(uids) + "] APPEND completed");
}

std::optional<std::string_view> ImapSession::urlContent(const std::string& url, std::string& scratch,
                                                        std::string& why)
{
    auto parsed = parseImapUrl(url);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        why = *error;
        return std::nullopt;
    }
    const ImapUrl& u = std::get<ImapUrl>(parsed);
    // Only this user's own mailboxes: there are no shared ones whose rights would have to be checked.
    const store::Mailbox* box = m_store.mailbox(m_user, u.mailbox);
    if (!box) {
        why = "this user has no such mailbox"; // the URL, echoed, names it
        return std::nullopt;
    }
    // A UIDVALIDITY that no longer holds names other messages than the client meant (RFC 5092 section 6).
    if (u.uidValidity && *u.uidValidity != box->uidValidity) {
        why = "the mailbox's UIDVALIDITY is " + std::to_string(box->uidValidity) + " now";
        return std::nullopt;
    }
    const store::StoredMessage* m = box->find(u.uid);
    if (!m) {
        why = "the mailbox has no message with that UID";
        return std::nullopt;
    }
    // Read as BODY.PEEK would: the message's flags stay as they are.
    std::optional<std::string_view> bytes = sectionBytes(*m, u.section, scratch);
    if (!bytes) {
        why = "that message has no such section";
        return std::nullopt;
    }
    if (u.partialOffset) {
        const size_t offset = std::min<size_t>(*u.partialOffset, bytes->size());
        bytes = bytes->substr(offset, u.partialLength.value_or(UINT32_MAX));
    }
    // sectionBytes may point into scratch; the caller keeps scratch alive while it uses the view.
    return bytes;
}

} // namespace maillab::imap
