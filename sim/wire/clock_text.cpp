#include "clock_text.hpp"

#include <cstdio>

namespace maillab::wire {
namespace {

constexpr int64_t kDayMs = 86400000;

int64_t dayOf(int64_t ms)
{
    return ms >= 0 ? ms / kDayMs : (ms - kDayMs + 1) / kDayMs;
}

} // namespace

int64_t dayNumber(int64_t ms, int64_t originMs)
{
    return dayOf(ms) - dayOf(originMs) + 1;
}

std::string clockText(int64_t ms, int64_t originMs)
{
    const int64_t inDay = ms - dayOf(ms) * kDayMs;
    char text[64];
    std::snprintf(text, sizeof text, "day %lld %02d:%02d:%02d.%03d",
                  static_cast<long long>(dayNumber(ms, originMs)), static_cast<int>(inDay / 3600000),
                  static_cast<int>(inDay / 60000 % 60), static_cast<int>(inDay / 1000 % 60),
                  static_cast<int>(inDay % 1000));
    return text;
}

} // namespace maillab::wire
