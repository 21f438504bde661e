// The one way a moment of the clock is shown, in every panel and export (beside clock.hpp, which every
// engine includes and which needs no strings).
#pragma once

#include "clock.hpp"

#include <string>

namespace maillab::wire {

// "day 1 09:00:01.950" (UTC), days counted from the day of originMs, so a lesson that waits a week reads
// "day 8" beside the same time of day.
std::string clockText(int64_t ms, int64_t originMs = VirtualClock::kDefaultStartMs);
// The "day N" of clockText alone: 1 on the day of originMs.
int64_t dayNumber(int64_t ms, int64_t originMs = VirtualClock::kDefaultStartMs);

} // namespace maillab::wire
