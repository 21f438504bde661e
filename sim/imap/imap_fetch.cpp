// FETCH, STORE and SEARCH: the commands that read and change messages by number.
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "mail/message.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace maillab::imap {

bool parseFlagNames(const std::vector<std::string>& names, uint8_t& bits, std::vector<std::string>& keywords,
                    std::string& bad);

namespace {

Reply tagged(const Command&, std::string_view status, std::string text)
{
    return Reply{{}, std::string(status), std::move(text)};
}

// Each item once: "BODY.PEEK[] BODY.PEEK[] ..." repeated would otherwise make a reply many times the size of
// the mailbox from a short command. BODY[] and BODY.PEEK[] answer as the same item; the one without PEEK
// wins, since it sets \Seen (RFC 3501 section 6.4.5).
std::vector<FetchItem> withoutRepeats(const std::vector<FetchItem>& items)
{
    std::vector<FetchItem> out;
    for (const FetchItem& item : items) {
        auto same = std::find_if(out.begin(), out.end(), [&](const FetchItem& kept) {
            return kept.attribute == item.attribute && kept.section.part == item.section.part &&
                   kept.section.text == item.section.text && kept.section.fields == item.section.fields &&
                   kept.partialOffset == item.partialOffset && kept.partialLength == item.partialLength;
        });
        if (same == out.end())
            out.push_back(item);
        else
            same->peek = same->peek && item.peek;
    }
    return out;
}

// Appends a literal without building it first: FETCH of every body moves tens of megabytes.
void appendLiteral(std::string& out, std::string_view data)
{
    out += '{';
    out += std::to_string(data.size());
    out += "}\r\n";
    out.append(data);
}

const std::array<unsigned char, 256>& lowerTable()
{
    static const std::array<unsigned char, 256> table = [] {
        std::array<unsigned char, 256> t{};
        for (int i = 0; i < 256; ++i)
            t[i] = static_cast<unsigned char>(i >= 'A' && i <= 'Z' ? i + 32 : i);
        return t;
    }();
    return table;
}

// Case-insensitive substring test (RFC 3501 section 6.4.4: searching is case-insensitive).
bool icontains(std::string_view haystack, std::string_view needle)
{
    if (needle.empty()) return true;
    if (needle.size() > haystack.size()) return false;
    const auto& lower = lowerTable();
    const unsigned char first = lower[static_cast<unsigned char>(needle[0])];
    const size_t last = haystack.size() - needle.size();
    for (size_t i = 0; i <= last; ++i) {
        if (lower[static_cast<unsigned char>(haystack[i])] != first) continue;
        size_t k = 1;
        while (k < needle.size() && lower[static_cast<unsigned char>(haystack[i + k])] ==
                                        lower[static_cast<unsigned char>(needle[k])])
            ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

// The header lines whose field names are (or, with `exclude`, are not) in `names`, then the empty line.
std::string filterHeader(std::string_view header, const std::vector<std::string>& names, bool exclude)
{
    std::string out;
    size_t pos = 0;
    bool keep = false;
    while (pos < header.size()) {
        size_t lf = header.find('\n', pos);
        size_t end = lf == std::string_view::npos ? header.size() : lf + 1;
        std::string_view line = header.substr(pos, end - pos);
        pos = end;
        if (line == "\r\n" || line == "\n") break;
        if (line[0] != ' ' && line[0] != '\t') {
            size_t colon = line.find(':');
            std::string_view name = util::trim(line.substr(0, colon));
            bool listed = std::any_of(names.begin(), names.end(),
                                      [&](const std::string& n) { return util::iequals(n, name); });
            keep = colon != std::string_view::npos && listed != exclude;
        }
        if (keep) out.append(line);
    }
    return out + "\r\n";
}

std::string sectionName(const Section& s)
{
    std::string out;
    for (size_t i = 0; i < s.part.size(); ++i)
        out += (i ? "." : "") + std::to_string(s.part[i]);
    auto fieldList = [&] {
        std::string list = " (";
        for (size_t i = 0; i < s.fields.size(); ++i)
            list += (i ? " " : "") + util::toUpper(s.fields[i]);
        return list + ")";
    };
    const char* sep = s.part.empty() ? "" : ".";
    switch (s.text) {
    case SectionText::None: break;
    case SectionText::Header: out += std::string(sep) + "HEADER"; break;
    case SectionText::HeaderFields: out += std::string(sep) + "HEADER.FIELDS" + fieldList(); break;
    case SectionText::HeaderFieldsNot: out += std::string(sep) + "HEADER.FIELDS.NOT" + fieldList(); break;
    case SectionText::Text: out += std::string(sep) + "TEXT"; break;
    case SectionText::Mime: out += std::string(sep) + "MIME"; break;
    }
    return out;
}

// The message's own header sections (HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT) need only its header block,
// which the store keeps; everything else needs the whole message, which may have to be read from disk.
bool needsWholeMessage(const FetchItem& item)
{
    switch (item.attribute) {
    case FetchAttribute::Rfc822:
    case FetchAttribute::Rfc822Text:
    case FetchAttribute::Binary:
    case FetchAttribute::BinarySize: return true;
    case FetchAttribute::BodySection: {
        const SectionText text = item.section.text;
        return !item.section.part.empty() ||
               (text != SectionText::Header && text != SectionText::HeaderFields &&
                text != SectionText::HeaderFieldsNot);
    }
    default: return false;
    }
}

bool needsHeader(const FetchItem& item)
{
    return item.attribute == FetchAttribute::Envelope || item.attribute == FetchAttribute::Rfc822Header ||
           item.attribute == FetchAttribute::BodySection;
}

// BODY and BODYSTRUCTURE need the bytes only until they are kept (keptStructure).
bool needsStructure(const FetchItem& item, const store::MessageData& data)
{
    const bool extensible = item.attribute == FetchAttribute::BodyStructure;
    return (extensible || item.attribute == FetchAttribute::Body) &&
           !keptStructure(data, nullptr, extensible);
}

const std::string& structureOf(const store::MessageData& data, const store::MessageBody* body,
                               bool extensible)
{
    static const std::string unreadable = "NIL";
    const std::string* kept = keptStructure(data, body, extensible);
    return kept ? *kept : unreadable; // fetchSome read the body first, so never NIL
}

// The bytes a section names (RFC 3501 section 6.4.5), or nullopt when the message has no such part. Views
// into the stored bytes where it can; HEADER.FIELDS builds its answer in `scratch`. `body` may be null only
// for the message's own header sections (needsWholeMessage).
std::optional<std::string_view> sectionBytes(std::string_view messageHeader, const store::MessageBody* body,
                                             const Section& s, std::string& scratch)
{
    if (s.part.empty() && s.text != SectionText::None && s.text != SectionText::Text &&
        s.text != SectionText::Mime) {
        if (s.text == SectionText::Header) return messageHeader;
        scratch = filterHeader(messageHeader, s.fields, s.text == SectionText::HeaderFieldsNot);
        return scratch;
    }
    if (!body) return std::nullopt;
    std::string_view bytes = body->bytes();
    if (s.part.empty() && s.text == SectionText::None) return bytes;
    const mail::MimePart& root = body->mime();
    const mail::MimePart* part = s.part.empty() ? &root : mail::findPart(root, s.part);
    if (!part) return std::nullopt;
    if (s.text == SectionText::None) return bytes.substr(part->bodyOffset, part->bodySize);
    if (s.text == SectionText::Mime) return bytes.substr(part->headerOffset, part->headerSize);
    // HEADER, HEADER.FIELDS and TEXT of a part mean those of the message inside a message/rfc822 part.
    const mail::MimePart* message = part;
    if (!s.part.empty()) {
        if (!part->isMessageRfc822() || part->children.empty()) return std::nullopt;
        message = &part->children[0];
    }
    std::string_view header = bytes.substr(message->headerOffset, message->headerSize);
    switch (s.text) {
    case SectionText::Header: return header;
    case SectionText::HeaderFields: scratch = filterHeader(header, s.fields, false); return scratch;
    case SectionText::HeaderFieldsNot: scratch = filterHeader(header, s.fields, true); return scratch;
    case SectionText::Text: return bytes.substr(message->bodyOffset, message->bodySize);
    default: return std::nullopt;
    }
}

// The bytes BINARY[part] stands for (RFC 3516 section 4.2): the part with its Content-Transfer-Encoding
// undone. The whole message, a multipart and a message/rfc822 go as they are: their CTE can only be 7bit,
// 8bit or binary, which need no decoding (RFC 2045 section 6.4). nullopt when there is no such part; `why`
// says what could not be decoded (NO [UNKNOWN-CTE], RFC 3516 section 4.4.2), and is empty otherwise.
std::optional<std::string_view> binarySection(const store::MessageBody* whole,
                                              const std::vector<unsigned>& path, std::string& scratch,
                                              std::string& why)
{
    why.clear();
    if (!whole) return std::nullopt; // the message can no longer be read
    std::string_view bytes = whole->bytes();
    if (path.empty()) return bytes;
    const mail::MimePart* part = mail::findPart(whole->mime(), path);
    if (!part) return std::nullopt;
    std::string_view body = bytes.substr(part->bodyOffset, part->bodySize);
    const std::string& cte = part->encoding;
    if (!part->children.empty() || cte == "7bit" || cte == "8bit" || cte == "binary") return body;
    if (cte == "base64") {
        std::optional<std::string> decoded = util::base64Decode(body);
        if (!decoded) {
            why = "part " + sectionName(Section{path, {}, {}}) + " is not valid base64";
            return std::nullopt;
        }
        scratch = std::move(*decoded);
        return scratch;
    }
    if (cte == "quoted-printable") {
        scratch = mail::decodeBody(bytes, *part);
        return scratch;
    }
    why = "part " + sectionName(Section{path, {}, {}}) + " has the Content-Transfer-Encoding " + cte +
          ", which this server cannot decode";
    return std::nullopt;
}

bool fetchSetsSeen(const FetchItem& item)
{
    return ((item.attribute == FetchAttribute::BodySection || item.attribute == FetchAttribute::Binary) &&
            !item.peek) ||
           item.attribute == FetchAttribute::Rfc822 || item.attribute == FetchAttribute::Rfc822Text;
}

// The header block, or nothing when the message can no longer be read (a search then finds nothing in it).
std::string_view headerOf(const store::StoredMessage& m)
{
    return m.headerOrEmpty();
}

bool headerContains(const store::StoredMessage& m, std::string_view field, std::string_view text)
{
    mail::Headers headers = mail::parseHeaders(headerOf(m));
    for (const mail::HeaderField& f : headers.fields) {
        if (!util::iequals(f.name, field)) continue;
        if (icontains(f.value, text) || icontains(mail::decodeEncodedWords(f.value), text)) return true;
    }
    return false;
}

// FROM, TO, CC and BCC look at the addresses as ENVELOPE gives them, not at the raw text: a comment inside
// an address, or a display name in a comment, must neither hide nor fake a match (RFC 3501 section 6.4.4).
// Each part is searched on its own (the display name raw and decoded, "mailbox@host", a group's name).
bool addressContains(const store::StoredMessage& m, std::string_view field, std::string_view text)
{
    mail::Headers headers = mail::parseHeaders(headerOf(m));
    for (const mail::HeaderField& f : headers.fields) {
        if (!util::iequals(f.name, field)) continue;
        if (text.empty()) return true;
        for (const mail::Address& a : mail::parseAddressList(f.value)) {
            const std::string address = a.host.empty() ? a.mailbox : a.mailbox + "@" + a.host;
            if (icontains(a.group, text) || icontains(address, text) || icontains(a.name, text) ||
                (a.name.find("=?") != std::string::npos && icontains(mail::decodeEncodedWords(a.name), text)))
                return true;
        }
    }
    return false;
}

// Text anywhere in the header block, raw or with RFC 2047 encoded-words decoded (SEARCH TEXT).
bool anyHeaderContains(const store::StoredMessage& m, std::string_view text)
{
    std::string_view header = headerOf(m);
    if (icontains(header, text)) return true;
    if (header.find("=?") == std::string_view::npos) return false;
    mail::Headers headers = mail::parseHeaders(header);
    return std::any_of(headers.fields.begin(), headers.fields.end(), [&](const mail::HeaderField& f) {
        return f.value.find("=?") != std::string::npos && icontains(mail::decodeEncodedWords(f.value), text);
    });
}

bool encodedBodyContains(const store::StoredMessage& m, std::string_view text);

// Text in the body, raw or with base64 / quoted-printable undone. A message that can no longer be read
// holds no text.
bool bodyContains(const store::StoredMessage& m, std::string_view text)
{
    const std::shared_ptr<const store::MessageBody> whole = m.data->body();
    if (!whole) return false;
    std::string_view bytes = whole->bytes();
    std::string_view body = bytes.substr(mail::findBodyOffset(bytes));
    if (icontains(body, text)) return true;
    return encodedBodyContains(m, text);
}

// Text in a base64 or quoted-printable text part, once decoded.
bool encodedBodyContains(const store::StoredMessage& m, std::string_view text)
{
    const std::shared_ptr<const store::MessageBody> body = m.data->body();
    if (!body || !body->hasEncodedParts()) return false;
    std::string_view bytes = body->bytes();
    std::vector<const mail::MimePart*> stack{&body->mime()};
    while (!stack.empty()) {
        const mail::MimePart* part = stack.back();
        stack.pop_back();
        for (const mail::MimePart& child : part->children)
            stack.push_back(&child);
        if (part->children.empty() && part->type == "text" && part->encoding != "7bit" &&
            part->encoding != "8bit" && icontains(mail::decodeBody(bytes, *part), text))
            return true;
    }
    return false;
}

std::optional<int64_t> sentDay(const store::StoredMessage& m)
{
    mail::Headers headers = mail::parseHeaders(headerOf(m));
    const std::string* date = headers.find("Date");
    if (!date) return std::nullopt;
    auto parsed = mail::parseRfc5322Date(*date);
    if (!parsed) return std::nullopt;
    return mail::localDay(*parsed);
}

// Keys that read a message's text (its header or body): what a search costs.
bool readsText(SearchKey::Kind kind)
{
    using Kind = SearchKey::Kind;
    switch (kind) {
    case Kind::Bcc:
    case Kind::Body:
    case Kind::Cc:
    case Kind::From:
    case Kind::Header:
    case Kind::SentBefore:
    case Kind::SentOn:
    case Kind::SentSince:
    case Kind::Subject:
    case Kind::Text:
    case Kind::To: return true;
    default: return false;
    }
}

bool readsBody(const SearchKey& key)
{
    return key.kind == SearchKey::Kind::Body || key.kind == SearchKey::Kind::Text ||
           std::any_of(key.children.begin(), key.children.end(), readsBody);
}

size_t textKeys(const SearchKey& key)
{
    size_t n = readsText(key.kind) ? 1 : 0;
    for (const SearchKey& child : key.children)
        n += textKeys(child);
    return n;
}

} // namespace

std::optional<std::string_view> sectionBytes(const store::StoredMessage& m, const Section& s,
                                             std::string& scratch)
{
    // The body lives only as long as its handle, so what it names is copied into the caller's scratch.
    const std::shared_ptr<const store::MessageBody> body = m.data->body();
    const std::optional<std::string_view> header = m.data->header();
    if (!header) return std::nullopt;
    std::string local;
    std::optional<std::string_view> bytes = sectionBytes(*header, body.get(), s, local);
    if (!bytes) return std::nullopt;
    scratch.assign(bytes->data(), bytes->size());
    return std::string_view(scratch);
}

void ImapSession::fetchItem(const store::StoredMessage& m, const FetchItem& item, std::string& out)
{
    // What fetchSome read for this message, when an item needs the whole of it.
    const store::MessageBody* body = m_fetch->body.get();
    auto sent = [&](wire::Effect::Extent extent, uint64_t bytes, std::string part = {}) {
        {
            wire::Effect& e = addEffect(wire::Effect::Kind::Sent, m_selected, m.uid,
                                        static_cast<uint32_t>(m_fetch->indices[m_fetch->next] + 1));
            e.extent = extent;
            e.part = std::move(part);
            e.bytes = bytes;
        }
    };
    auto literal = [&](std::string_view name, std::string_view data) {
        out.append(name);
        out += ' ';
        appendLiteral(out, data);
    };
    using Extent = wire::Effect::Extent;
    switch (item.attribute) {
    case FetchAttribute::Uid: out += "UID " + std::to_string(m.uid); break;
    case FetchAttribute::Modseq: out += "MODSEQ (" + std::to_string(m.modseq) + ")"; break;
    case FetchAttribute::EmailId: out += "EMAILID (" + m.data->emailId() + ")"; break;
    case FetchAttribute::ThreadId: out += "THREADID NIL"; break; // no threads kept (RFC 8474 section 5.2)
    case FetchAttribute::Flags:
        out += "FLAGS " + flagList(m);
        m_fetch->sentFlags = true;
        break;
    case FetchAttribute::InternalDate:
        out += "INTERNALDATE \"" + mail::formatImapDateTime(m.internalDate) + "\"";
        break;
    case FetchAttribute::Rfc822Size: out += "RFC822.SIZE " + std::to_string(m.size()); break;
    case FetchAttribute::Envelope: {
        const std::string_view header = headerOf(m);
        out += "ENVELOPE " + envelope(header);
        sent(Extent::Headers, header.size());
        break;
    }
    case FetchAttribute::Body:
        out += "BODY ";
        out += structureOf(*m.data, body, false);
        break;
    case FetchAttribute::BodyStructure:
        out += "BODYSTRUCTURE ";
        out += structureOf(*m.data, body, true);
        break;
    case FetchAttribute::Rfc822:
        literal("RFC822", body ? std::string_view(body->bytes()) : std::string_view());
        sent(Extent::Whole, m.size());
        break;
    case FetchAttribute::Rfc822Header:
        literal("RFC822.HEADER", headerOf(m));
        sent(Extent::Headers, headerOf(m).size());
        break;
    case FetchAttribute::Rfc822Text: {
        std::string_view whole = body ? std::string_view(body->bytes()) : std::string_view();
        std::string_view text = whole.substr(mail::findBodyOffset(whole));
        literal("RFC822.TEXT", text);
        sent(Extent::Text, text.size());
        break;
    }
    case FetchAttribute::Binary:
    case FetchAttribute::BinarySize: {
        std::string scratch, why;
        std::optional<std::string_view> data = binarySection(body, item.section.part, scratch, why);
        const std::string section = sectionName(item.section);
        if (item.attribute == FetchAttribute::BinarySize) {
            out += "BINARY.SIZE[" + section + "] " + std::to_string(data ? data->size() : 0);
            break;
        }
        std::string name = "BINARY[" + section + "]";
        if (item.partialOffset) {
            name += "<" + std::to_string(*item.partialOffset) + ">";
            if (data)
                data = data->substr(std::min<size_t>(*item.partialOffset, data->size()),
                                    item.partialLength.value_or(UINT32_MAX));
        }
        if (!data) { // checked before the answer began (cmdFetch): only a part that does not exist
            out += name + " NIL";
            break;
        }
        // Decoded data with NUL goes as a literal8, which only a BINARY answer may carry (RFC 3516 section
        // 4.4.1); all else as an ordinary literal.
        out += name;
        out += data->find('\0') == std::string_view::npos ? " " : " ~";
        appendLiteral(out, *data);
        sent(section.empty() ? Extent::Whole : Extent::Part, data->size(), section);
        break;
    }
    case FetchAttribute::BodySection: {
        std::string scratch;
        std::optional<std::string_view> data = sectionBytes(headerOf(m), body, item.section, scratch);
        std::string name = "BODY[" + sectionName(item.section) + "]";
        if (item.partialOffset) {
            // Only the origin is echoed back (RFC 3501 section 7.4.2, BODY[<section>]<<origin octet>>).
            name += "<" + std::to_string(*item.partialOffset) + ">";
            if (data) {
                size_t offset = std::min<size_t>(*item.partialOffset, data->size());
                data = data->substr(offset, item.partialLength.value_or(UINT32_MAX));
            }
        }
        if (!data) {
            out += name + " NIL";
            break;
        }
        literal(name, *data);
        const Section& section = item.section;
        const bool headerOnly =
            section.text == SectionText::Header || section.text == SectionText::HeaderFields ||
            section.text == SectionText::HeaderFieldsNot || section.text == SectionText::Mime;
        if (headerOnly)
            sent(Extent::Headers, data->size(), sectionName(section));
        else if (!section.part.empty())
            sent(Extent::Part, data->size(), sectionName(section));
        else if (section.text == SectionText::Text)
            sent(Extent::Text, data->size());
        else
            sent(Extent::Whole, data->size());
        break;
    }
    }
}

bool ImapSession::fetchSome(std::string& out, size_t budget)
{
    FetchJob& job = *m_fetch;
    const Command& c = job.command;
    const size_t start = out.size();
    // UID FETCH always reports the UID (RFC 3501 section 6.4.8): as an item of its own before the rest.
    const bool addUid =
        c.uid && std::none_of(c.fetchItems.begin(), c.fetchItems.end(),
                              [](const FetchItem& i) { return i.attribute == FetchAttribute::Uid; });
    const size_t itemCount = c.fetchItems.size() + (addUid ? 1 : 0);
    while (job.next < job.indices.size()) {
        if (out.size() - start >= budget) return false;
        const size_t index = job.indices[job.next];
        // A message another session expunged is still answered until this client hears of it (RFC 2180
        // section 4.1.1); the tagged OK then says so (RFC 5530 EXPUNGEISSUED).
        // (UID FETCH simply skips a UID that is gone, and may be told of the EXPUNGE at once, section 6.4.8.)
        const store::StoredMessage* m = c.uid ? messageAt(index) : readableAt(index);
        const bool gone = m && messageAt(index) == nullptr;
        if (gone) job.expungeIssued = true;
        if (job.item == 0 && m && !readForFetch(*m, c.fetchItems)) {
            // Its file is gone or changed behind the server's back (serve --maildir): as if expunged, until
            // the next rescan expunges it for every session.
            job.unreadable = true;
            m = nullptr;
        }
        if (!m) {
            // Expunged by another session, maybe while its answer was being made: that answer is closed.
            if (job.item > 0) out += ")\r\n";
            job.item = 0;
            job.missing = true;
            job.body.reset();
            ++job.next;
            continue;
        }
        if (job.item == 0) {
            job.sentFlags = false;
            job.flagsChanged = false;
            if (!gone && !m_readOnly && !m->has(store::kSeen) &&
                std::any_of(c.fetchItems.begin(), c.fetchItems.end(), fetchSetsSeen)) {
                // Reading a body sets \Seen; BODY.PEEK does not (RFC 3501 section 6.4.5).
                m_store.setFlags(m_user, m_selected, m->uid, m->flags | store::kSeen, m->keywords,
                                 m_sessionId);
                m = messageAt(index);
                job.flagsChanged = true;
                {
                    wire::Effect& e = addEffect(wire::Effect::Kind::FlagsChanged, m_selected, m->uid,
                                                static_cast<uint32_t>(index + 1));
                    e.flags = flagList(*m);
                }
            }
            if (std::any_of(c.fetchItems.begin(), c.fetchItems.end(),
                            [](const FetchItem& i) { return i.attribute == FetchAttribute::Flags; }) ||
                job.flagsChanged)
                out += newKeywords(*m);
            out += "* ";
            out += std::to_string(index + 1);
            out += " FETCH (";
        }
        // One item at a time, so that many large items of one message are not held at once either.
        while (job.item < itemCount) {
            if (job.item > 0) out += ' ';
            if (addUid && job.item == 0)
                out += "UID " + std::to_string(m->uid);
            else
                fetchItem(*m, c.fetchItems[job.item - (addUid ? 1 : 0)], out);
            ++job.item;
            if (out.size() - start >= budget && job.item < itemCount) return false;
        }
        if (job.flagsChanged && !job.sentFlags) out += " FLAGS " + flagList(*m);
        // Setting \Seen changed the message's mod-sequence: a CONDSTORE client hears it with its UID
        // (RFC 7162 section 3.2.4), unless the items asked for them already.
        if (job.flagsChanged && m_condstore)
            out += changeItems(
                *m, !addUid && std::none_of(c.fetchItems.begin(), c.fetchItems.end(), [](const FetchItem& i) {
                    return i.attribute == FetchAttribute::Uid;
                }));
        out += ")\r\n";
        job.item = 0;
        job.body.reset(); // the bytes of a message on disk leave memory with its answer
        ++job.next;
    }
    return true;
}

const std::string* keptStructure(const store::MessageData& data, const store::MessageBody* body,
                                 bool extensible)
{
    const size_t slot = extensible ? 1 : 0; // the store's derived slots for BODY and BODYSTRUCTURE
    if (const std::string* kept = data.derived(slot)) return kept;
    if (!body) return nullptr;
    data.keepDerived(slot, bodyStructure(body->bytes(), body->mime(), extensible));
    return data.derived(slot);
}

bool ImapSession::readForFetch(const store::StoredMessage& m, const std::vector<FetchItem>& items)
{
    FetchJob& job = *m_fetch;
    job.body.reset();
    const bool whole = std::any_of(items.begin(), items.end(), [&](const FetchItem& item) {
        return needsWholeMessage(item) || needsStructure(item, *m.data);
    });
    if (whole) {
        job.body = m.data->body();
        return job.body != nullptr;
    }
    return std::none_of(items.begin(), items.end(), needsHeader) || m.data->header().has_value();
}

Reply ImapSession::fetchDone(const FetchJob& job)
{
    const Command& c = job.command;
    // A UID that is gone is no error for UID FETCH (RFC 3501 section 6.4.8); a sequence number the client
    // still holds for a message that could not be read is (RFC 3501 section 7.4.1).
    // Dovecot's words too, which clients and imaptest know for this case (RFC 2180 section 4.1.2 allows NO).
    if (job.unreadable) // RFC 5530 section 3
        return tagged(
            c, "NO",
            "[EXPUNGEISSUED] some of the messages no longer exist on the server's disk and were left out");
    if (job.missing && !c.uid)
        return tagged(
            c, "NO",
            "[EXPUNGEISSUED] some of the messages were expunged by another session (RFC 3501 section "
            "7.4.1)");
    if (job.expungeIssued) // RFC 5530 section 3: the client may want to send NOOP soon
        return tagged(c, "OK",
                      "[EXPUNGEISSUED] " + commandWireName(c) + " completed; another session expunged some");
    return tagged(c, "OK", commandWireName(c) + " completed");
}

Reply ImapSession::cmdFetch(const Command& c)
{
    if (std::string problem = sequenceProblem(c); !problem.empty()) return tagged(c, "BAD", problem);
    const bool asksModseq = std::any_of(c.fetchItems.begin(), c.fetchItems.end(), [](const FetchItem& i) {
        return i.attribute == FetchAttribute::Modseq;
    });
    if ((asksModseq || c.changedSince) && !offers("CONDSTORE"))
        return tagged(c, "BAD", "MODSEQ and CHANGEDSINCE are not offered by this server");
    if (std::any_of(c.fetchItems.begin(), c.fetchItems.end(),
                    [](const FetchItem& i) {
                        return i.attribute == FetchAttribute::EmailId ||
                               i.attribute == FetchAttribute::ThreadId;
                    }) &&
        !offers("OBJECTID"))
        return tagged(c, "BAD", "EMAILID and THREADID are not offered by this server");
    if (c.vanished && !m_qresync) // RFC 7162 section 3.2.6
        return tagged(c, "BAD", "VANISHED needs ENABLE QRESYNC first (RFC 7162 section 3.2.6)");
    // A part that cannot be decoded fails the whole FETCH before any of it is sent (RFC 3516 section 4.4.2).
    for (const FetchItem& item : c.fetchItems) {
        if (item.attribute != FetchAttribute::Binary && item.attribute != FetchAttribute::BinarySize)
            continue;
        if (!offers("BINARY")) return tagged(c, "BAD", "BINARY is not offered by this server");
        for (size_t index : resolve(c.sequence, c.uid)) {
            const store::StoredMessage* m = readableAt(index);
            std::string scratch, why;
            const std::shared_ptr<const store::MessageBody> whole = m ? m->data->body() : nullptr;
            if (whole && !binarySection(whole.get(), item.section.part, scratch, why) && !why.empty())
                return tagged(c, "NO", "[UNKNOWN-CTE] " + why + " (RFC 3516 section 4.4.2)");
        }
    }
    std::string out = asksModseq || c.changedSince ? enableCondstore() : std::string();
    std::vector<size_t> indices = resolve(c.sequence, c.uid);
    Command command = c;
    if (c.changedSince) {
        // Only what changed after the client's mod-sequence, with MODSEQ implied (RFC 7162 section 3.1.4.1).
        std::erase_if(indices, [&](size_t i) {
            const store::StoredMessage* m = messageAt(i);
            return !m || m->modseq <= *c.changedSince;
        });
        if (!asksModseq) command.fetchItems.push_back(FetchItem{FetchAttribute::Modseq, false, {}, {}, {}});
        // And first, which of the UIDs asked for are gone since then (RFC 7162 section 3.2.6).
        if (c.vanished)
            if (const store::Mailbox* box = selected())
                out += vanishedEarlier(*box, *c.changedSince, &c.sequence);
    }
    m_fetch = FetchJob{command, std::move(indices)};
    m_fetch->command.fetchItems = withoutRepeats(command.fetchItems);
    if (std::any_of(c.fetchItems.begin(), c.fetchItems.end(), [](const FetchItem& i) {
            return i.attribute == FetchAttribute::BodySection || i.attribute == FetchAttribute::Rfc822 ||
                   i.attribute == FetchAttribute::Binary;
        })) {
        // Room for the bodies up front: growing by doubling would copy them again and again.
        size_t total = 0;
        for (size_t index : m_fetch->indices)
            if (const store::StoredMessage* m = messageAt(index)) total += m->size() + 64;
        out.reserve(std::min(total, m_options.replyChunkBytes));
    }
    if (!fetchSome(out, m_options.replyChunkBytes))
        return Reply{std::move(out), {}, {}, Reply::Pending::Streaming};
    FetchJob job = std::move(*m_fetch);
    m_fetch.reset();
    return out + fetchDone(job);
}

Reply ImapSession::cmdStore(const Command& c)
{
    if (m_readOnly) return tagged(c, "NO", "[READ-ONLY] the mailbox was opened with EXAMINE");
    if (std::string problem = sequenceProblem(c); !problem.empty()) return tagged(c, "BAD", problem);
    uint8_t bits = 0;
    std::vector<std::string> keywords;
    std::string bad;
    if (!parseFlagNames(c.store.flags, bits, keywords, bad)) return tagged(c, "BAD", "unknown flag " + bad);
    if (c.unchangedSince && !offers("CONDSTORE"))
        return tagged(c, "BAD", "UNCHANGEDSINCE is not offered by this server");
    std::string out = c.unchangedSince ? enableCondstore() : std::string();
    bool missing = false;
    bool unwritten = false;
    std::vector<uint32_t> modified; // failed the UNCHANGEDSINCE test (RFC 7162 section 3.1.3)
    for (size_t index : resolve(c.sequence, c.uid)) {
        const store::StoredMessage* m = messageAt(index);
        if (!m) {
            missing = true;
            continue;
        }
        if (c.unchangedSince && m->modseq > *c.unchangedSince) {
            modified.push_back(c.uid ? m->uid : static_cast<uint32_t>(index + 1));
            continue;
        }
        uint8_t flags = m->flags;
        std::vector<std::string> words = m->keywords;
        auto hasWord = [&](const std::string& k) {
            return std::any_of(words.begin(), words.end(),
                               [&](const std::string& w) { return util::iequals(w, k); });
        };
        switch (c.store.mode) {
        case StoreAction::Mode::Replace:
            flags = static_cast<uint8_t>((flags & store::kRecent) | bits);
            words = keywords;
            break;
        case StoreAction::Mode::Add:
            flags |= bits;
            for (const std::string& k : keywords)
                if (!hasWord(k)) words.push_back(k);
            break;
        case StoreAction::Mode::Remove:
            flags = static_cast<uint8_t>(flags & ~bits);
            words.erase(std::remove_if(words.begin(), words.end(),
                                       [&](const std::string& w) {
                                           return std::any_of(
                                               keywords.begin(), keywords.end(),
                                               [&](const std::string& k) { return util::iequals(w, k); });
                                       }),
                        words.end());
            break;
        }
        // A change the disk refused is undone: the FETCH below shows the flags as they stay.
        const bool written = m_store.setFlags(m_user, m_selected, m->uid, flags, words, m_sessionId);
        if (!written) unwritten = true;
        m = messageAt(index);
        if (written) {
            wire::Effect& e = addEffect(wire::Effect::Kind::FlagsChanged, m_selected, m->uid,
                                        static_cast<uint32_t>(index + 1));
            e.flags = flagList(*m);
        }
        // Even without an untagged FETCH, the client must learn the keyword before one could show it.
        out += newKeywords(*m);
        // A conditional STORE answers even when silent, so the client learns the new mod-sequence (RFC 7162
        // section 3.1.3).
        if (c.store.silent && !c.unchangedSince) continue;
        std::string items = c.store.silent ? std::string() : "FLAGS " + flagList(*m);
        if (c.uid || m_condstore)
            items += (items.empty() ? "" : " ") + std::string("UID ") + std::to_string(m->uid);
        if (m_condstore) items += " MODSEQ (" + std::to_string(m->modseq) + ")";
        out += "* " + std::to_string(index + 1) + " FETCH (" + items + ")\r\n";
    }
    // Messages another session expunged are left alone and the rest is done: OK (RFC 2180 section 4.2.1), as
    // Dovecot answers and imaptest expects (a NO there counted as an error, issue 14). The code tells the
    // client to send NOOP (RFC 5530 section 3).
    if (missing && !c.uid)
        return out +
               tagged(c, "OK",
                      "[EXPUNGEISSUED] " + commandWireName(c) + " completed; another session expunged some");
    if (unwritten) // RFC 5530 section 3
        return out +
               tagged(c, "NO", "[SERVERBUG] some flags could not be written to disk and were not changed");
    if (!modified.empty())
        return out + tagged(c, "OK",
                            "[MODIFIED " + compactSet(modified) +
                                "] changed elsewhere since the client's mod-sequence: left alone");
    return out + tagged(c, "OK", commandWireName(c) + " completed");
}

bool ImapSession::matches(const SearchKey& key, size_t index, const store::StoredMessage& m) const
{
    using Kind = SearchKey::Kind;
    const bool recent = m_recent.count(m.uid) > 0;
    m_searchWork += readsText(key.kind) ? m.size() : 16;
    switch (key.kind) {
    case Kind::All: return true;
    case Kind::And:
        return std::all_of(key.children.begin(), key.children.end(),
                           [&](const SearchKey& k) { return matches(k, index, m); });
    case Kind::Or:
        return key.children.size() == 2 &&
               (matches(key.children[0], index, m) || matches(key.children[1], index, m));
    case Kind::Not: return key.children.size() == 1 && !matches(key.children[0], index, m);
    case Kind::Answered: return m.has(store::kAnswered);
    case Kind::Deleted: return m.has(store::kDeleted);
    case Kind::Draft: return m.has(store::kDraft);
    case Kind::Flagged: return m.has(store::kFlagged);
    case Kind::Seen: return m.has(store::kSeen);
    case Kind::Unanswered: return !m.has(store::kAnswered);
    case Kind::Undeleted: return !m.has(store::kDeleted);
    case Kind::Undraft: return !m.has(store::kDraft);
    case Kind::Unflagged: return !m.has(store::kFlagged);
    case Kind::Unseen: return !m.has(store::kSeen);
    case Kind::Recent: return recent;
    case Kind::New: return recent && !m.has(store::kSeen);
    case Kind::Old: return !recent;
    case Kind::Keyword:
    case Kind::Unkeyword: {
        bool has = std::any_of(m.keywords.begin(), m.keywords.end(),
                               [&](const std::string& k) { return util::iequals(k, key.text); });
        return key.kind == Kind::Keyword ? has : !has;
    }
    case Kind::Larger: return m.size() > key.number;
    case Kind::Smaller: return m.size() < key.number;
    // Internal-date comparisons ignore the time of day (RFC 3501 section 6.4.4).
    case Kind::Before: return mail::localDay(m.internalDate) < key.day;
    case Kind::On: return mail::localDay(m.internalDate) == key.day;
    case Kind::Since: return mail::localDay(m.internalDate) >= key.day;
    case Kind::SentBefore:
    case Kind::SentOn:
    case Kind::SentSince: {
        auto day = sentDay(m);
        if (!day) return false;
        return key.kind == Kind::SentBefore ? *day < key.day
               : key.kind == Kind::SentOn   ? *day == key.day
                                            : *day >= key.day;
    }
    case Kind::From: return addressContains(m, "From", key.text);
    case Kind::To: return addressContains(m, "To", key.text);
    case Kind::Cc: return addressContains(m, "Cc", key.text);
    case Kind::Bcc: return addressContains(m, "Bcc", key.text);
    case Kind::Subject: return headerContains(m, "Subject", key.text);
    case Kind::Header: return headerContains(m, key.header, key.text);
    case Kind::Body: return bodyContains(m, key.text);
    case Kind::Text: {
        // One pass over the stored bytes finds most matches; decoding is only for what is encoded.
        const std::shared_ptr<const store::MessageBody> body = m.data->body();
        return body && (icontains(body->bytes(), key.text) || anyHeaderContains(m, key.text) ||
                        encodedBodyContains(m, key.text));
    }
    case Kind::Uid: return key.set.contains(m.uid, m_uids.empty() ? 0 : m_uids.back());
    case Kind::SequenceSet:
        return key.set.contains(static_cast<uint32_t>(index + 1), static_cast<uint32_t>(m_uids.size()));
    case Kind::Modseq: return m.modseq >= key.number; // RFC 7162 section 3.1.5
    }
    return false;
}

namespace {
bool usesModseq(const SearchKey& key)
{
    return key.kind == SearchKey::Kind::Modseq ||
           std::any_of(key.children.begin(), key.children.end(),
                       [](const SearchKey& k) { return usesModseq(k); });
}

// RECENT, NEW and OLD, which IMAP4rev2 no longer has (RFC 9051 appendix E item 12).
bool usesRecent(const SearchKey& key)
{
    using Kind = SearchKey::Kind;
    return key.kind == Kind::Recent || key.kind == Kind::New || key.kind == Kind::Old ||
           std::any_of(key.children.begin(), key.children.end(),
                       [](const SearchKey& k) { return usesRecent(k); });
}
} // namespace

Reply ImapSession::cmdSearch(const Command& c)
{
    const bool modseq = usesModseq(c.search);
    if (modseq && !offers("CONDSTORE")) return tagged(c, "BAD", "the search key MODSEQ is not offered here");
    // IMAP4rev2 has ESEARCH whether or not it is advertised (RFC 9051 appendix E item 2).
    if (c.searchReturn && !offers("ESEARCH") && !m_rev2)
        return tagged(c, "BAD", "SEARCH RETURN is not offered here");
    const SearchReturn wanted = c.searchReturn.value_or(SearchReturn{});
    if (wanted.save && !offers("SEARCHRES"))
        return tagged(c, "BAD", "SEARCH RETURN (SAVE) is not offered here");
    if ((wanted.update || wanted.partial || wanted.context) && !offers("CONTEXT=SEARCH"))
        return tagged(c, "BAD", "SEARCH RETURN (CONTEXT, UPDATE, PARTIAL) is not offered here");
    // The tag names the updates that follow, so it cannot name two (RFC 5267 section 4.3).
    if (wanted.update && std::any_of(m_contexts.begin(), m_contexts.end(),
                                     [&](const UpdateContext& u) { return u.tag == c.tag; }))
        return tagged(c, "BAD",
                      "tag " + c.tag +
                          " already names a search with UPDATE: use a new tag (RFC 5267 section 4.3)");
    // A search with SAVE that fails leaves "$" empty; one without SAVE leaves it alone (RFC 5182
    // section 2.1).
    if (wanted.save) m_savedResult.clear();
    if (!c.charset.empty() && !util::iequals(c.charset, "US-ASCII") && !util::iequals(c.charset, "UTF-8"))
        return tagged(c, "NO", "[BADCHARSET (US-ASCII UTF-8)] unsupported charset " + c.charset);
    // After UTF8=ACCEPT everything is UTF-8: a CHARSET is the client's mistake (RFC 6855 section 3).
    if (m_utf8Accept && !c.charset.empty())
        return tagged(c, "BAD",
                      "no CHARSET after ENABLE UTF8=ACCEPT: search text is UTF-8 (RFC 6855 section 3)");
    if (m_rev2 && usesRecent(c.search))
        return tagged(
            c, "BAD",
            "the search keys RECENT, NEW and OLD were removed in IMAP4rev2 (RFC 9051 appendix E item "
            "12)");
    // A search is done in slices, but each message in one go: thousands of text keys over one big message
    // would hold the server for seconds (issue 14 F4).
    const size_t keys = textKeys(c.search);
    if (keys > 1) {
        size_t largest = 0;
        for (size_t i = 0; i < m_uids.size(); ++i)
            if (const store::StoredMessage* m = messageAt(i)) largest = std::max(largest, m->size());
        if (largest > 0 && keys > kSearchMessageWork / largest)
            return tagged(c, "NO",
                          "[LIMIT] too many keys that read message text (" + std::to_string(keys) +
                              "): this mailbox allows " + std::to_string(kSearchMessageWork / largest) +
                              " for its largest message of " + std::to_string(largest) + " octets");
    }
    m_search = SearchJob{c};
    m_search->modseq = modseq;
    m_search->readsBody = readsBody(c.search);
    m_search->untagged = modseq ? enableCondstore() : std::string();
    // serve answers a piece at a time (replyChunkBytes): the search goes on in continueOutput() too.
    const bool sliced = m_options.replyChunkBytes != SIZE_MAX;
    if (!searchSome(sliced ? kSearchSliceBytes : SIZE_MAX))
        return Reply{{}, {}, {}, Reply::Pending::Streaming};
    SearchJob job = std::move(*m_search);
    m_search.reset();
    return searchDone(job);
}

bool ImapSession::searchSome(size_t budget)
{
    SearchJob& job = *m_search;
    m_searchWork = 0;
    for (; job.next < m_uids.size(); ++job.next) {
        if (m_searchWork >= budget) return false;
        const size_t i = job.next;
        const store::StoredMessage* m = messageAt(i);
        m_searchWork += 64; // the keys that read no text still cost something per message
        // Held while its keys are tested, so that a message on disk is read once however many keys read it.
        const std::shared_ptr<const store::MessageBody> body =
            m && job.readsBody ? m->data->body() : std::shared_ptr<const store::MessageBody>();
        if (!m || !matches(job.command.search, i, *m)) continue;
        job.found.push_back(job.command.uid ? m->uid : static_cast<uint32_t>(i + 1));
        job.modseqs.push_back(m->modseq);
        job.uids.push_back(m->uid);
        job.indices.push_back(i);
    }
    if (job.command.name == CommandName::Sort) sortFound(job);
    return true;
}

Reply ImapSession::searchDone(const SearchJob& job)
{
    const Command& c = job.command;
    const std::vector<uint32_t>& found = job.found;
    const std::vector<uint64_t>& modseqs = job.modseqs; // for a MODSEQ search (RFC 7162 section 3.1.5)
    const bool modseq = job.modseq;
    std::string out = job.untagged;
    if (c.name == CommandName::Thread)
        return out + "* THREAD" + threadLine(job) + "\r\n" +
               tagged(c, "OK", commandWireName(c) + " completed");
    // SORT RETURN is answered as SEARCH RETURN, in sort order: MIN and MAX are the first and last sorted
    // (RFC 5267 section 3.1).
    if (c.searchReturn) {
        if (c.searchReturn->answers())
            out += esearchResponse(c.tag, c.uid, *c.searchReturn, found,
                                   modseq ? modseqs : std::vector<uint64_t>());
        out += keepSearchResult(job);
        return out + tagged(c, "OK", commandWireName(c) + " completed");
    }
    if (m_rev2 && c.name == CommandName::Search) {
        // IMAP4rev2 answers every SEARCH with ESEARCH, without RETURN as RETURN (ALL) (RFC 9051
        // section 6.4.4, appendix E item 4).
        SearchReturn all;
        all.all = true;
        out += esearchResponse(c.tag, c.uid, all, found, modseq ? modseqs : std::vector<uint64_t>());
        return out + tagged(c, "OK", commandWireName(c) + " completed");
    }
    out += c.name == CommandName::Sort ? "* SORT" : "* SEARCH";
    for (uint32_t n : found)
        out += " " + std::to_string(n);
    if (modseq && !found.empty())
        out += " (MODSEQ " + std::to_string(*std::max_element(modseqs.begin(), modseqs.end())) + ")";
    return out + "\r\n" + tagged(c, "OK", commandWireName(c) + " completed");
}

std::string esearchResponse(std::string_view tag, bool uid, const SearchReturn& wanted,
                            const std::vector<uint32_t>& found, const std::vector<uint64_t>& modseqs)
{
    std::string out = "* ESEARCH (TAG " + imapString(tag) + ")" + (uid ? " UID" : "");
    // MODSEQ is the highest of the messages the answer names: of MIN and MAX alone when only they are asked
    // for, else of every match (RFC 4731 section 3.2).
    uint64_t highest = 0;
    auto named = [&](size_t first, size_t last) {
        for (size_t i = first; i < last && i < modseqs.size(); ++i)
            highest = std::max(highest, modseqs[i]);
    };
    if (!found.empty()) {
        if (wanted.min) {
            out += " MIN " + std::to_string(found.front());
            named(0, 1);
        }
        if (wanted.max) {
            out += " MAX " + std::to_string(found.back());
            named(found.size() - 1, found.size());
        }
        if (wanted.all) out += " ALL " + compactSet(found);
    }
    if (wanted.partial) {
        // The positions asked for (first <= last), then the results at them, or NIL when there are none
        // (RFC 5267 section 4.4).
        const size_t first = std::min<size_t>(wanted.partial->first - 1, found.size());
        const size_t last = std::min<size_t>(wanted.partial->last, found.size());
        std::vector<uint32_t> window(found.begin() + static_cast<ptrdiff_t>(first),
                                     found.begin() + static_cast<ptrdiff_t>(std::max(first, last)));
        out += " PARTIAL (" + std::to_string(wanted.partial->first) + ":" +
               std::to_string(wanted.partial->last) + " " +
               (window.empty() ? std::string("NIL") : compactSet(window)) + ")";
        named(first, last);
    }
    if (wanted.count) out += " COUNT " + std::to_string(found.size());
    if (wanted.all || wanted.count) named(0, found.size());
    if (highest > 0) out += " MODSEQ " + std::to_string(highest);
    return out + "\r\n";
}

std::string esearchUpdate(std::string_view tag, bool uid, std::string_view item,
                          const std::vector<uint32_t>& numbers)
{
    return "* ESEARCH (TAG " + imapString(tag) + ")" + (uid ? " UID " : " ") + std::string(item) + " (0 " +
           compactSet(numbers) + ")\r\n";
}

} // namespace maillab::imap
