// Small text helpers shared by the parsers: case-insensitive compare, CRLF handling, base64 (OpenSSL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maillab::util {

bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view text, std::string_view prefix);
std::string toUpper(std::string_view text);
std::string toLower(std::string_view text);
std::string_view trim(std::string_view text);
// 1437 -> "1,437": byte and message counts as people read them.
std::string withThousands(uint64_t n);

// Whole unsigned decimal number, no sign, no spaces; nullopt on anything else or overflow.
std::optional<uint64_t> parseNumber(std::string_view text);

// Splits on runs of single spaces as POP3 does (RFC 1939 section 3: arguments separated by a space).
std::vector<std::string_view> splitSpaces(std::string_view text);

// Converts LF or CRLF line ends to CRLF: stored messages always use CRLF (RFC 5322 section 2.1).
std::string toCrlf(std::string_view text);

std::string base64Encode(std::string_view bytes);
// Ignores whitespace (encoded bodies are wrapped); nullopt when the text is not base64.
std::optional<std::string> base64Decode(std::string_view text);

// Lowercase hex of MD5 (RFC 1321) through OpenSSL's EVP API, as APOP needs (RFC 1939 section 7).
std::string md5Hex(std::string_view bytes);

// Makes control bytes visible for a one-line display ("\r\n" -> "\\r\\n").
std::string escapeForDisplay(std::string_view bytes);

} // namespace maillab::util
