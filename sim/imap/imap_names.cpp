// Modified UTF-7 (RFC 3501 section 5.1.3) both ways, and the UTF-8 check the IMAP4rev2 names need.
#include "imap/imap_names.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace maillab::imap {

namespace {

// Modified base64: "," instead of "/", no "=" padding (RFC 3501 section 5.1.3).
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

bool printable(uint32_t c)
{
    return c >= 0x20 && c <= 0x7e;
}

// The code point at `pos` of well-formed UTF-8, and its length.
uint32_t nextCodePoint(std::string_view text, size_t& pos)
{
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const unsigned char lead = byte(0);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    uint32_t c = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
    for (size_t i = 1; i < length; ++i)
        c = (c << 6) | (byte(i) & 0x3F);
    pos += length;
    return c;
}

void appendUtf8(std::string& out, uint32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// One shifted run "&...-" of UTF-16 code units as modified base64.
std::string encodeRun(const std::vector<uint16_t>& units)
{
    std::string out = "&";
    uint32_t bits = 0;
    int count = 0;
    for (uint16_t unit : units) {
        bits = (bits << 16) | unit;
        count += 16;
        while (count >= 6) {
            count -= 6;
            out += kAlphabet[(bits >> count) & 0x3F];
        }
        bits &= (1u << count) - 1;
    }
    if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3F];
    return out + "-";
}

} // namespace

std::string encodeModifiedUtf7(std::string_view utf8)
{
    std::string out;
    std::vector<uint16_t> run;
    for (size_t pos = 0; pos < utf8.size();) {
        const uint32_t c = nextCodePoint(utf8, pos);
        if (printable(c)) {
            if (!run.empty()) out += encodeRun(std::exchange(run, {}));
            out += c == '&' ? std::string("&-") : std::string(1, static_cast<char>(c));
        } else if (c >= 0x10000) {
            run.push_back(static_cast<uint16_t>(0xD800 + ((c - 0x10000) >> 10)));
            run.push_back(static_cast<uint16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
        } else {
            run.push_back(static_cast<uint16_t>(c));
        }
    }
    if (!run.empty()) out += encodeRun(run);
    return out;
}

std::optional<std::string> decodeModifiedUtf7(std::string_view mutf7)
{
    std::string out;
    for (size_t i = 0; i < mutf7.size();) {
        const unsigned char c = static_cast<unsigned char>(mutf7[i]);
        if (!printable(c)) return std::nullopt; // 8-bit and control bytes are never part of the form
        if (c != '&') {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        const size_t end = mutf7.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) { // "&-" is "&"
            out += '&';
            i = end + 1;
            continue;
        }
        std::vector<uint16_t> units;
        uint32_t bits = 0;
        int count = 0;
        for (size_t k = i + 1; k < end; ++k) {
            const size_t value = kAlphabet.find(mutf7[k]);
            if (value == std::string_view::npos) return std::nullopt;
            bits = (bits << 6) | static_cast<uint32_t>(value);
            count += 6;
            if (count >= 16) {
                count -= 16;
                units.push_back(static_cast<uint16_t>(bits >> count));
                bits &= (1u << count) - 1;
            }
        }
        if (count >= 6 || bits != 0) return std::nullopt; // the padding bits are zero and fewer than six
        for (size_t k = 0; k < units.size(); ++k) {
            uint32_t code = units[k];
            if (code >= 0xD800 && code <= 0xDBFF) {
                if (k + 1 >= units.size() || units[k + 1] < 0xDC00 || units[k + 1] > 0xDFFF)
                    return std::nullopt;
                code = 0x10000 + ((code - 0xD800) << 10) + (units[++k] - 0xDC00);
            } else if (code >= 0xDC00 && code <= 0xDFFF) {
                return std::nullopt;
            }
            // Printable ASCII is never shifted: each name has one spelling (section 5.1.3).
            if (printable(code)) return std::nullopt;
            appendUtf8(out, code);
        }
        i = end + 1;
    }
    return out;
}

} // namespace maillab::imap
