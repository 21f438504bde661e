// Dates as mail carries them: RFC 5322 Date fields and IMAP's date-time (RFC 3501 section 9, date-time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maillab::mail {

struct DateTime {
    int64_t epochSeconds = 0; // UTC
    int zoneMinutes = 0;      // the writer's zone, kept so dates are shown as they were written
};

int64_t daysFromCivil(int year, unsigned month, unsigned day);

// "Thu, 26 Nov 2026 09:00:00 +0100" (RFC 5322 section 3.3); tolerant of a missing weekday or seconds.
std::optional<DateTime> parseRfc5322Date(std::string_view text);
std::string formatRfc5322Date(const DateTime& when);

// IMAP date-time "26-Nov-2026 09:00:00 +0100" (no quotes) and date "26-Nov-2026" (RFC 3501 section 9).
std::string formatImapDateTime(const DateTime& when);
std::optional<DateTime> parseImapDateTime(std::string_view text);
// A SEARCH date: the UTC-day number it names (days since 1970-01-01).
std::optional<int64_t> parseImapDate(std::string_view text);

// The calendar day (days since 1970-01-01) of a moment, in the zone it was written in.
int64_t localDay(const DateTime& when);

} // namespace maillab::mail
