#include "mail/date.hpp"

#include "util/text.hpp"

#include <cctype>
#include <cstdio>
#include <vector>

namespace maillab::mail {

namespace {

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kWeekdays[] = {"Thu", "Fri", "Sat", "Sun",
                                 "Mon", "Tue", "Wed"}; // 1970-01-01 was a Thursday

int monthFromName(std::string_view name)
{
    for (int i = 0; i < 12; ++i)
        if (util::iequals(name, kMonths[i])) return i + 1;
    return 0;
}

void civilFromDays(int64_t z, int& year, unsigned& month, unsigned& day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int>(y + (month <= 2));
}

std::optional<int> parseZone(std::string_view zone)
{
    if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
        auto digits = util::parseNumber(zone.substr(1));
        if (!digits) return std::nullopt;
        int minutes = static_cast<int>(*digits / 100 * 60 + *digits % 100);
        return zone[0] == '-' ? -minutes : minutes;
    }
    // Obsolete zone names (RFC 5322 section 4.3).
    struct Named {
        const char* name;
        int minutes;
    };
    static const Named named[] = {{"UT", 0},        {"GMT", 0},       {"Z", 0},         {"EST", -5 * 60},
                                  {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60}, {"MST", -7 * 60},
                                  {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}};
    for (const Named& n : named)
        if (util::iequals(zone, n.name)) return n.minutes;
    return 0; // unknown zones mean "no information" (RFC 5322 section 4.3): treat as UTC
}

std::optional<int64_t> parseClock(std::string_view text)
{
    unsigned h = 0, m = 0, s = 0;
    std::string copy(text);
    int fields = std::sscanf(copy.c_str(), "%u:%u:%u", &h, &m, &s);
    if (fields < 2 || h > 23 || m > 59 || s > 60) return std::nullopt;
    return static_cast<int64_t>(h) * 3600 + m * 60 + s;
}

std::vector<std::string_view> words(std::string_view text)
{
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ','))
            ++i;
        size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ',')
            ++i;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

std::string formatZone(int minutes)
{
    char buf[16];
    int a = (minutes < 0 ? -minutes : minutes) % (100 * 60);
    std::snprintf(buf, sizeof buf, "%c%02d%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

} // namespace

int64_t daysFromCivil(int year, unsigned month, unsigned day)
{
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<DateTime> parseRfc5322Date(std::string_view text)
{
    // Drop comments such as "(UTC)".
    std::string clean;
    int depth = 0;
    for (char c : text) {
        if (c == '(')
            ++depth;
        else if (c == ')' && depth > 0)
            --depth;
        else if (depth == 0)
            clean += c;
    }
    std::vector<std::string_view> w = words(clean);
    if (!w.empty() && std::isalpha(static_cast<unsigned char>(w[0][0]))) w.erase(w.begin()); // weekday
    if (w.size() < 4) return std::nullopt;
    auto day = util::parseNumber(w[0]);
    int month = monthFromName(w[1]);
    auto year = util::parseNumber(w[2]);
    auto clock = parseClock(w[3]);
    if (!day || !month || !year || !clock || *day < 1 || *day > 31) return std::nullopt;
    int64_t y = static_cast<int64_t>(*year);
    if (w[2].size() == 2) y += y < 50 ? 2000 : 1900; // obsolete two-digit years (RFC 5322 section 4.3)
    int zone = 0;
    if (w.size() >= 5) zone = parseZone(w[4]).value_or(0);
    DateTime result;
    result.zoneMinutes = zone;
    result.epochSeconds =
        daysFromCivil(static_cast<int>(y), static_cast<unsigned>(month), static_cast<unsigned>(*day)) *
            86400 +
        *clock - zone * 60;
    return result;
}

int64_t localDay(const DateTime& when)
{
    int64_t local = when.epochSeconds + when.zoneMinutes * 60;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

std::string formatRfc5322Date(const DateTime& when)
{
    int64_t local = when.epochSeconds + when.zoneMinutes * 60;
    int64_t days = localDay(when);
    int64_t secs = local - days * 86400;
    int year;
    unsigned month, day;
    civilFromDays(days, year, month, day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %u %s %d %02d:%02d:%02d %s", kWeekdays[((days % 7) + 7) % 7], day,
                  kMonths[month - 1], year, static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60), formatZone(when.zoneMinutes).c_str());
    return buf;
}

std::string formatImapDateTime(const DateTime& when)
{
    int64_t local = when.epochSeconds + when.zoneMinutes * 60;
    int64_t days = localDay(when);
    int64_t secs = local - days * 86400;
    int year;
    unsigned month, day;
    civilFromDays(days, year, month, day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%2u-%s-%04d %02d:%02d:%02d %s", day, kMonths[month - 1], year,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60), formatZone(when.zoneMinutes).c_str());
    return buf;
}

std::optional<int64_t> parseImapDate(std::string_view text)
{
    size_t d1 = text.find('-');
    size_t d2 = d1 == std::string_view::npos ? d1 : text.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    auto day = util::parseNumber(util::trim(text.substr(0, d1)));
    int month = monthFromName(text.substr(d1 + 1, d2 - d1 - 1));
    auto year = util::parseNumber(text.substr(d2 + 1));
    if (!day || !month || !year || *day < 1 || *day > 31 || text.size() - d2 - 1 != 4) return std::nullopt;
    return daysFromCivil(static_cast<int>(*year), static_cast<unsigned>(month), static_cast<unsigned>(*day));
}

std::optional<DateTime> parseImapDateTime(std::string_view text)
{
    std::vector<std::string_view> w = words(text);
    if (w.size() != 3) return std::nullopt;
    auto day = parseImapDate(w[0]);
    auto clock = parseClock(w[1]);
    if (!day || !clock || w[1].size() != 8 || w[2].size() != 5) return std::nullopt;
    auto zone = parseZone(w[2]);
    if (!zone) return std::nullopt;
    DateTime result;
    result.zoneMinutes = *zone;
    result.epochSeconds = *day * 86400 + *clock - *zone * 60;
    return result;
}

} // namespace maillab::mail
