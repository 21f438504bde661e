// The one clock format every panel and export shows (issue 13: the transcript said "10:00:01.950" where the
// diagram said "day 9").
#include "wire/clock_text.hpp"

#include <gtest/gtest.h>

namespace maillab::wire {
namespace {

TEST(ClockText, CountsDaysFromTheLessonsStartDay)
{
    const int64_t start = VirtualClock::kDefaultStartMs; // 2026-11-26 09:00:00 UTC
    EXPECT_EQ(clockText(start), "day 1 09:00:00.000");
    EXPECT_EQ(clockText(start + 3600000 + 1950), "day 1 10:00:01.950");
    // A week later, same time of day.
    EXPECT_EQ(clockText(start + 7 * 86400000LL), "day 8 09:00:00.000");
    // Midnight starts the next day, not 24 hours after the start.
    EXPECT_EQ(clockText(start + 15 * 3600000LL), "day 2 00:00:00.000");
}

TEST(ClockText, AnOriginOfItsOwnForARealClock)
{
    const int64_t served = 1800000000000; // 2027-01-15 08:00:00 UTC
    EXPECT_EQ(clockText(served + 61001, served), "day 1 08:01:01.001");
}

} // namespace
} // namespace maillab::wire
