// The real clock, for serve and connect; the simulator uses wire::VirtualClock instead.
#pragma once

#include "wire/clock.hpp"

#include <chrono>

namespace maillab::net {

class SystemClock : public wire::Clock {
public:
    int64_t nowMs() const override
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

} // namespace maillab::net
