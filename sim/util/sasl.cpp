#include "util/sasl.hpp"

#include <array>
#include <cstdint>

namespace maillab::util {

namespace {

// The value of each base64 letter (RFC 4648 section 4, table 1), or -1 for any other octet.
constexpr std::array<int8_t, 256> kDecode = [] {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return table;
}();

} // namespace

// Well-formed UTF-8 (RFC 3629 section 4): no overlong forms, no surrogates, nothing above U+10FFFF.
bool isUtf8(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        size_t length = 0;
        uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2;
            code = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            code = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            code = c & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3F);
        }
        constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

bool isStrictBase64(std::string_view text)
{
    return decodeStrictBase64(text).has_value();
}

std::optional<std::string> decodeStrictBase64(std::string_view text)
{
    if (text.size() % 4 != 0) return std::nullopt;
    size_t padding = 0;
    if (!text.empty() && text.back() == '=') ++padding;
    if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = 0; i < text.size() - padding; ++i) {
        const int8_t value = kDecode[static_cast<unsigned char>(text[i])];
        if (value < 0) return std::nullopt; // whitespace, "=" before the end, anything outside the alphabet
        bits = (bits << 6) | static_cast<uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    // "xx==" and "xxx=" leave 4 or 2 bits over; they must be zero, or two texts would decode to the same
    // octets (RFC 4648 section 3.5).
    if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
    return out;
}

std::variant<SaslPlain, SaslPlainError> decodeSaslPlain(std::string_view base64)
{
    auto message = decodeStrictBase64(base64);
    if (!message) return SaslPlainError::NotBase64;
    // message = [authzid] UTF8NUL authcid UTF8NUL passwd, and no field holds a NUL (RFC 4616 section 2).
    const size_t first = message->find('\0');
    const size_t second = first == std::string::npos ? first : message->find('\0', first + 1);
    if (second == std::string::npos || message->find('\0', second + 1) != std::string::npos)
        return SaslPlainError::NotThreeFields;
    SaslPlain plain{message->substr(0, first), message->substr(first + 1, second - first - 1),
                    message->substr(second + 1)};
    if (plain.authcid.empty()) return SaslPlainError::EmptyUser;
    if (plain.passwd.empty()) return SaslPlainError::EmptyPassword;
    if (plain.authzid.size() > kMaxSaslPlainField || plain.authcid.size() > kMaxSaslPlainField ||
        plain.passwd.size() > kMaxSaslPlainField)
        return SaslPlainError::TooLong;
    if (!isUtf8(*message)) return SaslPlainError::NotUtf8;
    return plain;
}

std::string_view describe(SaslPlainError error)
{
    switch (error) {
    case SaslPlainError::NotBase64: return "the PLAIN response is not valid base64";
    case SaslPlainError::NotThreeFields: return "the PLAIN response needs authzid NUL user NUL password";
    case SaslPlainError::EmptyUser: return "the PLAIN response has an empty user name (RFC 4616 section 2)";
    case SaslPlainError::EmptyPassword:
        return "the PLAIN response has an empty password (RFC 4616 section 2)";
    case SaslPlainError::TooLong:
        return "a field of the PLAIN response is longer than 255 octets (RFC 4616 section 2)";
    case SaslPlainError::NotUtf8: return "the PLAIN response is not UTF-8 (RFC 4616 section 2)";
    }
    return "the PLAIN response is not valid";
}

} // namespace maillab::util
