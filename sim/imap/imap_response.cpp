#include "imap/imap_response.hpp"

#include "util/text.hpp"

#include <cctype>

namespace maillab::imap {

std::optional<uint64_t> Value::number() const
{
    if (kind != Kind::Atom) return std::nullopt;
    return util::parseNumber(text);
}

const Value* Value::get(std::string_view key) const
{
    for (size_t i = 0; i + 1 < items.size(); i += 2)
        if (items[i].kind == Kind::Atom && util::iequals(items[i].text, key)) return &items[i + 1];
    return nullptr;
}

namespace {

// A literal "{n}\r\n" or literal8 "~{n}\r\n" (RFC 3516 section 4.4.1) at pos: its size and where its
// bytes start.
bool literalAt(std::string_view text, size_t pos, size_t& size, size_t& dataStart)
{
    if (pos + 1 < text.size() && text[pos] == '~' && text[pos + 1] == '{') ++pos;
    if (pos >= text.size() || text[pos] != '{') return false;
    size_t close = text.find('}', pos);
    if (close == std::string_view::npos) return false;
    std::string_view digits = text.substr(pos + 1, close - pos - 1);
    if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
    auto n = util::parseNumber(digits);
    if (!n || text.substr(close + 1, 2) != "\r\n") return false;
    size = static_cast<size_t>(*n);
    dataStart = close + 3;
    return true;
}

Value parseOne(std::string_view text, size_t& pos, int depth);

} // namespace

std::vector<Value> parseValues(std::string_view text, size_t& pos)
{
    std::vector<Value> values;
    while (pos < text.size()) {
        char c = text[pos];
        if (c == ' ' || c == '\r' || c == '\n') {
            ++pos;
            continue;
        }
        if (c == ')') break;
        values.push_back(parseOne(text, pos, 0));
    }
    return values;
}

namespace {

Value parseOne(std::string_view text, size_t& pos, int depth)
{
    Value value;
    char c = text[pos];
    if (c == '(') {
        value.kind = Value::Kind::List;
        ++pos;
        while (pos < text.size() && text[pos] != ')') {
            if (text[pos] == ' ' || text[pos] == '\r' || text[pos] == '\n') {
                ++pos;
                continue;
            }
            if (depth > 64) { // bounded, whatever a server sends
                pos = text.size();
                break;
            }
            value.items.push_back(parseOne(text, pos, depth + 1));
        }
        if (pos < text.size()) ++pos;
        return value;
    }
    if (c == '"') {
        value.kind = Value::Kind::String;
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
            if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
            value.text += text[pos++];
        }
        if (pos < text.size()) ++pos;
        return value;
    }
    size_t size = 0, start = 0;
    if (literalAt(text, pos, size, start)) {
        value.kind = Value::Kind::String;
        value.text = std::string(text.substr(start, size));
        pos = std::min(text.size(), start + size);
        return value;
    }
    // An atom; "[...]" inside it may hold spaces and parentheses (BODY[HEADER.FIELDS (FROM)]).
    size_t begin = pos;
    int brackets = 0;
    while (pos < text.size()) {
        char ch = text[pos];
        if (ch == '[')
            ++brackets;
        else if (ch == ']')
            --brackets;
        else if (brackets <= 0 && (ch == ' ' || ch == '(' || ch == ')' || ch == '\r' || ch == '\n'))
            break;
        ++pos;
    }
    if (pos == begin) ++pos; // a stray character: skip it rather than loop
    value.text = std::string(text.substr(begin, pos - begin));
    value.kind = util::iequals(value.text, "NIL") ? Value::Kind::Nil : Value::Kind::Atom;
    return value;
}

} // namespace

size_t frameResponse(std::string_view buffer)
{
    size_t pos = 0;
    for (;;) {
        size_t lf = buffer.find('\n', pos);
        if (lf == std::string_view::npos) return 0;
        // A line that ends with {n} continues after n bytes of literal.
        size_t lineEnd = lf > 0 && buffer[lf - 1] == '\r' ? lf - 1 : lf;
        if (lineEnd > 0 && buffer[lineEnd - 1] == '}') {
            size_t open = buffer.rfind('{', lineEnd);
            if (open != std::string_view::npos && open >= pos) {
                std::string_view digits = buffer.substr(open + 1, lineEnd - 1 - open - 1);
                if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
                if (auto n = util::parseNumber(digits)) {
                    size_t after = lf + 1 + static_cast<size_t>(*n);
                    if (after > buffer.size()) return 0;
                    pos = after;
                    continue;
                }
            }
        }
        return lf + 1;
    }
}

namespace {

size_t frameUntil(std::string_view buffer, std::string_view tag, bool continuationCompletes)
{
    size_t pos = 0;
    while (pos < buffer.size()) {
        size_t length = frameResponse(buffer.substr(pos));
        if (length == 0) return 0;
        std::string_view line = buffer.substr(pos, length);
        pos += length;
        if (line.size() > tag.size() && line.substr(0, tag.size()) == tag && line[tag.size()] == ' ')
            return pos;
        if (continuationCompletes && line.substr(0, 1) == "+") return pos;
        if (line.substr(0, 6) == "* BYE ") {
            // A BYE ends the conversation; what follows, if anything, is the tagged reply of a LOGOUT.
            size_t next = frameResponse(buffer.substr(pos));
            if (next == 0) return tag.empty() ? pos : 0;
        }
    }
    return 0;
}

} // namespace

size_t frameTagged(std::string_view buffer, std::string_view tag)
{
    return frameUntil(buffer, tag, false);
}

size_t frameTaggedOrContinuation(std::string_view buffer, std::string_view tag)
{
    return frameUntil(buffer, tag, true);
}

Response parseResponse(std::string_view raw)
{
    Response r;
    r.raw = std::string(raw);
    std::string_view text = raw;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    // Words are taken off the front; what is left (literals included) is the rest.
    auto nextWord = [&]() {
        size_t space = text.find(' ');
        std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
        return word;
    };
    if (text.substr(0, 1) == "+") {
        r.kind = Response::Kind::Continuation;
        r.rest = std::string(util::trim(text.substr(1)));
        return r;
    }
    std::string_view first = nextWord();
    if (first != "*") {
        r.kind = Response::Kind::Tagged;
        r.tag = std::string(first);
        r.status = util::toUpper(nextWord());
        r.word = r.status;
        r.rest = std::string(text);
        return r;
    }
    std::string_view word = nextWord();
    if (auto n = util::parseNumber(word)) {
        r.number = static_cast<uint32_t>(*n);
        word = nextWord();
    }
    r.word = util::toUpper(word);
    if (r.word == "OK" || r.word == "NO" || r.word == "BAD" || r.word == "BYE" || r.word == "PREAUTH")
        r.status = r.word;
    r.rest = std::string(text);
    return r;
}

std::vector<Response> splitResponses(std::string_view bytes)
{
    std::vector<Response> out;
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t length = frameResponse(bytes.substr(pos));
        if (length == 0) break;
        out.push_back(parseResponse(bytes.substr(pos, length)));
        pos += length;
    }
    return out;
}

} // namespace maillab::imap
