#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <openssl/evp.h>

namespace maillab::util {

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool istartsWith(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string toUpper(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string toLower(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view text)
{
    const char* ws = " \t\r\n";
    size_t begin = text.find_first_not_of(ws);
    if (begin == std::string_view::npos) return {};
    size_t end = text.find_last_not_of(ws);
    return text.substr(begin, end - begin + 1);
}

std::optional<uint64_t> parseNumber(std::string_view text)
{
    if (text.empty()) return std::nullopt;
    // Leading zeros add no value, however many there are ("000...0001" is 1); what is left is bounded so
    // that it fits in 64 bits.
    const size_t significant = text.find_first_not_of('0');
    if (significant == std::string_view::npos) return 0;
    text.remove_prefix(significant);
    if (text.size() > 19) return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value;
}

std::vector<std::string_view> splitSpaces(std::string_view text)
{
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t next = text.find(' ', pos);
        if (next == std::string_view::npos) next = text.size();
        if (next > pos) parts.push_back(text.substr(pos, next - pos));
        pos = next + 1;
    }
    return parts;
}

std::string toCrlf(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    // Runs between line ends are copied whole, found with memchr: most of a message is text (a byte at a
    // time was a third of serve's start over a large Maildir, issue 14). Each next CR and LF is looked for
    // once, when passed, so text without a CR is not searched again for one.
    auto next = [&](char c, size_t from) { return std::min(text.find(c, from), text.size()); };
    size_t cr = next('\r', 0), lf = next('\n', 0);
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t end = std::min(cr, lf);
        out.append(text.substr(pos, end - pos));
        if (end == text.size()) break;
        out += "\r\n";
        pos = end + 1;
        if (end == cr && lf == pos) ++pos; // CR LF: one line end
        if (cr < pos) cr = next('\r', pos);
        if (lf < pos) lf = next('\n', pos);
    }
    return out;
}

std::string base64Encode(std::string_view bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(written));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text)
{
    std::string clean;
    clean.reserve(text.size());
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
    if (clean.size() % 4 != 0) return std::nullopt;
    if (clean.empty()) return std::string();
    std::string out(clean.size() / 4 * 3, '\0');
    int written =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
    if (written < 0) return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes; drop them.
    size_t padding = 0;
    if (clean.back() == '=') ++padding;
    if (clean.size() >= 2 && clean[clean.size() - 2] == '=') ++padding;
    out.resize(static_cast<size_t>(written) - padding);
    return out;
}

std::string md5Hex(std::string_view bytes)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

std::string escapeForDisplay(std::string_view bytes)
{
    std::string out;
    for (unsigned char c : bytes) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else
            out += static_cast<char>(c);
    }
    return out;
}

std::string withThousands(uint64_t n)
{
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

} // namespace maillab::util
