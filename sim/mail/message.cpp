#include "mail/message.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace maillab::mail {

namespace {

constexpr int kMaxMimeDepth =
    32; // deeper nesting is treated as opaque text so no input can exhaust the stack

bool isWsp(char c)
{
    return c == ' ' || c == '\t';
}

// Splits a block into lines without their line ends; accepts CRLF or bare LF.
template <typename Fn> void forEachLine(std::string_view block, Fn&& fn)
{
    size_t pos = 0;
    while (pos < block.size()) {
        size_t lf = block.find('\n', pos);
        size_t end = lf == std::string_view::npos ? block.size() : lf;
        size_t stop = end;
        if (stop > pos && block[stop - 1] == '\r') --stop;
        fn(block.substr(pos, stop - pos));
        if (lf == std::string_view::npos) break;
        pos = lf + 1;
    }
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void appendLatin1AsUtf8(std::string& out, std::string_view bytes)
{
    for (unsigned char c : bytes) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
}

// The =XX escapes of one line undone; a "=" that starts none stays as it is.
void appendQuotedPrintableLine(std::string& out, std::string_view line, bool headerQ)
{
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (headerQ && c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < line.size() && hexValue(line[i + 1]) >= 0 &&
                   hexValue(line[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(line[i + 1]) * 16 + hexValue(line[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
}

std::string decodeQuotedPrintable(std::string_view text, bool headerQ)
{
    std::string out;
    out.reserve(text.size());
    if (headerQ) { // an encoded-word is one line (RFC 2047 section 4.2)
        appendQuotedPrintableLine(out, text, true);
        return out;
    }
    size_t pos = 0;
    while (pos < text.size()) {
        size_t lf = text.find('\n', pos);
        size_t end = lf == std::string_view::npos ? text.size() : lf;
        std::string_view line = text.substr(pos, end - pos);
        std::string_view lineBreak = text.substr(end, lf == std::string_view::npos ? 0 : 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
            lineBreak = text.substr(end - 1, lineBreak.size() + 1);
        }
        pos = lf == std::string_view::npos ? text.size() : lf + 1;
        // White space at the end of a line was added on the way and is deleted (RFC 2045 section 6.7 rule
        // 3); a line that then ends in "=" goes on in the next one (rule 5, a soft line break).
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        const bool soft = !line.empty() && line.back() == '=';
        if (soft) line.remove_suffix(1);
        appendQuotedPrintableLine(out, line, false);
        if (!soft) out.append(lineBreak);
    }
    return out;
}

struct Token {
    enum class Kind { Word, Special, Comment } kind;
    std::string text;
};

std::vector<Token> tokenizeAddresses(std::string_view text)
{
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '"') {
            std::string word;
            ++i;
            while (i < text.size() && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < text.size()) ++i;
                word += text[i++];
            }
            ++i;
            tokens.push_back({Token::Kind::Word, word});
        } else if (c == '(') {
            int depth = 0;
            std::string comment;
            do {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    comment += text[++i];
                } else if (text[i] == '(') {
                    if (depth++ > 0) comment += '(';
                } else if (text[i] == ')') {
                    if (--depth > 0) comment += ')';
                } else {
                    comment += text[i];
                }
                ++i;
            } while (i < text.size() && depth > 0);
            tokens.push_back({Token::Kind::Comment, comment});
        } else if (c == '[') {
            size_t end = text.find(']', i);
            if (end == std::string_view::npos) end = text.size() - 1;
            tokens.push_back({Token::Kind::Word, std::string(text.substr(i, end - i + 1))});
            i = end + 1;
        } else if (std::string_view("<>@,;:").find(c) != std::string_view::npos) {
            tokens.push_back({Token::Kind::Special, std::string(1, c)});
            ++i;
        } else {
            size_t start = i;
            while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
                   std::string_view("<>@,;:\"()[").find(text[i]) == std::string_view::npos)
                ++i;
            if (i == start) { // a stray ')' closes nothing: skip it, or the loop would never advance
                ++i;
                continue;
            }
            tokens.push_back({Token::Kind::Word, std::string(text.substr(start, i - start))});
        }
    }
    return tokens;
}

bool isSpecial(const Token& t, char c)
{
    return t.kind == Token::Kind::Special && t.text[0] == c;
}

size_t partEnd(std::string_view body, size_t delimiterLineStart)
{
    // The CRLF before a boundary belongs to the boundary (RFC 2046 section 5.1.1).
    if (delimiterLineStart >= 2 && body[delimiterLineStart - 2] == '\r' &&
        body[delimiterLineStart - 1] == '\n')
        return delimiterLineStart - 2;
    if (delimiterLineStart >= 1 && body[delimiterLineStart - 1] == '\n') return delimiterLineStart - 1;
    return delimiterLineStart;
}

MimePart parseEntity(std::string_view message, size_t offset, size_t size, bool digestDefault, int depth);

void splitMultipart(std::string_view message, MimePart& part, int depth)
{
    const std::string* boundary = nullptr;
    for (const Parameter& p : part.params)
        if (p.name == "boundary") boundary = &p.value;
    if (!boundary || boundary->empty()) return;
    const std::string delimiter = "--" + *boundary;
    std::string_view body = message.substr(part.bodyOffset, part.bodySize);

    std::vector<std::pair<size_t, size_t>> ranges; // [start, end) within body
    size_t partStart = std::string_view::npos;
    size_t lineStart = 0;
    while (lineStart <= body.size()) {
        size_t lf = body.find('\n', lineStart);
        size_t lineEnd = lf == std::string_view::npos ? body.size() : lf + 1;
        std::string_view line = body.substr(lineStart, lineEnd - lineStart);
        if (line.substr(0, delimiter.size()) == delimiter) {
            std::string_view rest = line.substr(delimiter.size());
            bool closing = rest.substr(0, 2) == "--";
            if (closing) rest.remove_prefix(2);
            if (util::trim(rest).empty()) {
                if (partStart != std::string_view::npos)
                    ranges.emplace_back(partStart, partEnd(body, lineStart));
                if (closing) {
                    partStart = std::string_view::npos;
                    break;
                }
                partStart = lineEnd;
            }
        }
        if (lf == std::string_view::npos) break;
        lineStart = lineEnd;
    }
    if (partStart != std::string_view::npos && partStart <= body.size())
        ranges.emplace_back(partStart, body.size()); // no closing delimiter: the last part runs to the end

    const bool digest = part.subtype == "digest";
    for (auto [start, end] : ranges)
        part.children.push_back(
            parseEntity(message, part.bodyOffset + start, end >= start ? end - start : 0, digest, depth + 1));
}

MimePart parseEntity(std::string_view message, size_t offset, size_t size, bool digestDefault, int depth)
{
    MimePart part;
    std::string_view region = message.substr(offset, size);
    size_t bodyStart = findBodyOffset(region);
    part.headerOffset = offset;
    part.headerSize = bodyStart;
    part.bodyOffset = offset + bodyStart;
    part.bodySize = size - bodyStart;
    part.headers = parseHeaders(region.substr(0, bodyStart));
    part.bodyLines = countLines(region.substr(bodyStart));

    if (const std::string* ct = part.headers.find("Content-Type")) {
        ContentValue value = parseContentValue(*ct);
        size_t slash = value.value.find('/');
        if (slash != std::string::npos && slash > 0 && slash + 1 < value.value.size()) {
            part.type = value.value.substr(0, slash);
            part.subtype = value.value.substr(slash + 1);
            part.params = std::move(value.params);
        }
    } else if (digestDefault) {
        part.type = "message";
        part.subtype = "rfc822";
    }
    if (part.type == "text" && !std::any_of(part.params.begin(), part.params.end(),
                                            [](const Parameter& p) { return p.name == "charset"; }))
        part.params.push_back({"charset", "us-ascii"}); // RFC 2045 section 5.2 default
    if (const std::string* cte = part.headers.find("Content-Transfer-Encoding"))
        part.encoding = util::toLower(util::trim(*cte));

    if (depth >= kMaxMimeDepth) {
        // A container left unsplit is opaque text: a multipart without parts or a message/rfc822 without its
        // message has no IMAP BODYSTRUCTURE (RFC 3501 section 9, body-type-mpart and body-type-msg).
        if (part.isMultipart() || part.isMessageRfc822()) {
            part.type = "text";
            part.subtype = "plain";
            part.params = {{"charset", "us-ascii"}};
        }
        return part;
    }
    if (part.isMultipart()) {
        splitMultipart(message, part, depth);
        if (part.children.empty()) { // a multipart without parts is shown as text, not dropped
            part.type = "text";
            part.subtype = "plain";
            part.params = {{"charset", "us-ascii"}};
        }
    } else if (part.isMessageRfc822()) {
        part.children.push_back(parseEntity(message, part.bodyOffset, part.bodySize, false, depth + 1));
    }
    return part;
}

} // namespace

const std::string* Headers::find(std::string_view name) const
{
    for (const HeaderField& field : fields)
        if (util::iequals(field.name, name)) return &field.value;
    return nullptr;
}

Headers parseHeaders(std::string_view block)
{
    Headers headers;
    forEachLine(block, [&](std::string_view line) {
        if (line.empty()) return;
        if (isWsp(line[0])) {
            if (!headers.fields.empty()) headers.fields.back().value += line;
            return;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        headers.fields.push_back(
            {std::string(util::trim(line.substr(0, colon))), std::string(line.substr(colon + 1))});
    });
    for (HeaderField& field : headers.fields)
        field.value = std::string(util::trim(field.value));
    return headers;
}

const std::string* ContentValue::param(std::string_view name) const
{
    for (const Parameter& p : params)
        if (p.name == name) return &p.value;
    return nullptr;
}

ContentValue parseContentValue(std::string_view text)
{
    ContentValue result;
    size_t semi = text.find(';');
    result.value = util::toLower(util::trim(text.substr(0, semi)));
    size_t pos = semi;
    while (pos != std::string_view::npos && pos < text.size()) {
        ++pos; // past ';'
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])))
            ++pos;
        size_t eq = text.find('=', pos);
        if (eq == std::string_view::npos) break;
        std::string name = util::toLower(util::trim(text.substr(pos, eq - pos)));
        pos = eq + 1;
        while (pos < text.size() && isWsp(text[pos]))
            ++pos;
        std::string value;
        if (pos < text.size() && text[pos] == '"') {
            ++pos;
            while (pos < text.size() && text[pos] != '"') {
                if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
                value += text[pos++];
            }
            ++pos;
            pos = text.find(';', pos);
        } else {
            size_t end = text.find(';', pos);
            value =
                std::string(util::trim(text.substr(pos, end == std::string_view::npos ? end : end - pos)));
            pos = end;
        }
        if (!name.empty()) result.params.push_back({name, value});
    }
    return result;
}

size_t countLines(std::string_view text)
{
    size_t lines = 0;
    for (char c : text)
        if (c == '\n') ++lines;
    if (!text.empty() && text.back() != '\n') ++lines;
    return lines;
}

size_t findBodyOffset(std::string_view message)
{
    if (message.substr(0, 2) == "\r\n") return 2;
    if (message.substr(0, 1) == "\n") return 1;
    // One pass to the first empty line, CRLF or bare LF. (Looking for "\r\n\r\n" and then for "\n\n" read
    // every CRLF message to its end, since "\n\n" never occurs in one: each header lookup paid for the body.)
    const char* begin = message.data();
    const char* end = begin + message.size();
    for (const char* p = begin;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))));) {
        ++p;
        if (p < end && *p == '\n') return static_cast<size_t>(p + 1 - begin);
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') return static_cast<size_t>(p + 2 - begin);
    }
    return message.size();
}

MimePart parseMime(std::string_view message)
{
    return parseEntity(message, 0, message.size(), false, 0);
}

const MimePart* findPart(const MimePart& root, const std::vector<unsigned>& path)
{
    const MimePart* current = &root;
    for (size_t level = 0; level < path.size(); ++level) {
        const unsigned number = path[level];
        // The root is the message itself: when its own type is message/rfc822, part 1 is that whole
        // encapsulated message, and only the numbers after it reach inside (RFC 3501 section 6.4.5).
        if (level > 0 && current->isMessageRfc822() && !current->children.empty())
            current = &current->children[0];
        if (current->isMultipart()) {
            if (number < 1 || number > current->children.size()) return nullptr;
            current = &current->children[number - 1];
        } else if (number != 1) {
            return nullptr;
        }
    }
    return current;
}

std::vector<Address> parseAddressList(std::string_view text)
{
    std::vector<Token> tokens = tokenizeAddresses(text);
    std::vector<Address> result;
    bool inGroup = false;
    size_t i = 0;
    auto joinWords = [&](size_t from, size_t to, const char* sep) {
        std::string out;
        for (size_t k = from; k < to; ++k) {
            if (tokens[k].kind != Token::Kind::Word) continue;
            if (!out.empty()) out += sep;
            out += tokens[k].text;
        }
        return out;
    };
    while (i < tokens.size()) {
        size_t start = i;
        while (i < tokens.size() && !(tokens[i].kind == Token::Kind::Special))
            ++i;
        if (i == tokens.size() || isSpecial(tokens[i], ',') || isSpecial(tokens[i], ';')) {
            // A bare word list with no '@': keep it as a mailbox without host rather than drop it.
            if (i > start) {
                std::string local = joinWords(start, i, "");
                if (!local.empty()) result.push_back({"", local, "", "", false});
            }
            if (i < tokens.size() && isSpecial(tokens[i], ';') && inGroup) {
                result.push_back({"", "", "", "", true});
                inGroup = false;
            }
            ++i;
            continue;
        }
        if (isSpecial(tokens[i], ':')) {
            result.push_back({"", "", "", joinWords(start, i, " "), false});
            inGroup = true;
            ++i;
            continue;
        }
        if (isSpecial(tokens[i], '<')) {
            Address address;
            address.name = joinWords(start, i, " ");
            ++i;
            size_t localStart = i;
            // Skip an obsolete source route ("@a,@b:") if present.
            size_t close = i;
            while (close < tokens.size() && !isSpecial(tokens[close], '>'))
                ++close;
            for (size_t k = i; k < close; ++k)
                if (isSpecial(tokens[k], ':')) localStart = k + 1;
            // The route before that ':' is kept as written, without spaces: IMAP's ENVELOPE carries it as
            // the address's adl (RFC 3501 section 7.4.2).
            for (size_t k = i; localStart > i && k + 1 < localStart; ++k)
                address.route += tokens[k].kind == Token::Kind::Comment ? std::string() : tokens[k].text;
            size_t at = localStart;
            while (at < close && !isSpecial(tokens[at], '@'))
                ++at;
            address.mailbox = joinWords(localStart, at, "");
            if (at < close) address.host = joinWords(at + 1, close, "");
            result.push_back(address);
            i = close + 1;
            continue;
        }
        if (isSpecial(tokens[i], '@')) {
            Address address;
            address.mailbox = joinWords(start, i, "");
            ++i;
            size_t hostStart = i;
            while (i < tokens.size() && tokens[i].kind != Token::Kind::Special) {
                if (tokens[i].kind == Token::Kind::Comment && address.name.empty())
                    address.name = tokens[i].text;
                ++i;
            }
            address.host = joinWords(hostStart, i, "");
            result.push_back(address);
            continue;
        }
        ++i; // a stray '>' or similar
    }
    if (inGroup) result.push_back({"", "", "", "", true});
    return result;
}

std::string decodeEncodedWords(std::string_view text)
{
    std::string out;
    size_t pos = 0;
    bool lastWasEncoded = false;
    std::string pendingSpace;
    while (pos < text.size()) {
        size_t start = text.find("=?", pos);
        if (start == std::string_view::npos) {
            out += pendingSpace;
            out.append(text.substr(pos));
            break;
        }
        size_t q1 = text.find('?', start + 2);
        size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
        size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
        if (end == std::string_view::npos) {
            out += pendingSpace;
            out.append(text.substr(pos));
            break;
        }
        std::string_view between = text.substr(pos, start - pos);
        // White space between two adjacent encoded-words is not shown (RFC 2047 section 6.2).
        if (!(lastWasEncoded && util::trim(between).empty())) out.append(between);
        std::string charset = util::toLower(text.substr(start + 2, q1 - start - 2));
        if (size_t star = charset.find('*'); star != std::string::npos)
            charset.resize(star); // RFC 2231 language
        char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(text[q1 + 1])));
        std::string_view payload = text.substr(q2 + 1, end - q2 - 1);
        std::string bytes;
        if (encoding == 'B') {
            bytes = util::base64Decode(payload).value_or(std::string(payload));
        } else if (encoding == 'Q') {
            bytes = decodeQuotedPrintable(payload, true);
        } else {
            bytes = std::string(text.substr(start, end + 2 - start));
        }
        if (charset == "iso-8859-1" || charset == "iso-8859-15" || charset == "latin1" ||
            charset == "windows-1252")
            appendLatin1AsUtf8(out, bytes);
        else
            out += bytes;
        lastWasEncoded = true;
        pos = end + 2;
    }
    return out;
}

std::string decodeBody(std::string_view message, const MimePart& part)
{
    std::string_view body = message.substr(part.bodyOffset, part.bodySize);
    if (part.encoding == "base64") return util::base64Decode(body).value_or(std::string(body));
    if (part.encoding == "quoted-printable") return decodeQuotedPrintable(body, false);
    return std::string(body);
}

Summary summarize(std::string_view message)
{
    Headers headers = parseHeaders(message.substr(0, findBodyOffset(message)));
    Summary summary;
    if (const std::string* from = headers.find("From")) {
        std::vector<Address> addresses = parseAddressList(*from);
        if (!addresses.empty()) {
            const Address& a = addresses.front();
            summary.from = !a.name.empty() ? decodeEncodedWords(a.name) : a.mailbox + "@" + a.host;
        }
    }
    if (const std::string* subject = headers.find("Subject")) summary.subject = decodeEncodedWords(*subject);
    if (const std::string* date = headers.find("Date")) summary.date = *date;
    if (const std::string* id = headers.find("Message-ID")) summary.messageId = *id;
    return summary;
}

} // namespace maillab::mail
