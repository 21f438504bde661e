// Time is passed in, never read by an engine: the simulator's clock is virtual, serve's is real.
#pragma once

#include <cstdint>

namespace maillab::wire {

class Clock {
public:
    virtual ~Clock() = default;
    virtual int64_t nowMs() const = 0; // milliseconds since 1970-01-01 UTC
    int64_t nowSeconds() const { return nowMs() / 1000; }
};

class VirtualClock : public Clock {
public:
    // 2026-11-26 09:00:00 UTC: every simulation starts at the same moment, so transcripts repeat exactly.
    static constexpr int64_t kDefaultStartMs = 1795683600000;

    explicit VirtualClock(int64_t startMs = kDefaultStartMs) : m_nowMs(startMs) {}
    int64_t nowMs() const override { return m_nowMs; }
    void advance(int64_t ms) { m_nowMs += ms; }
    void set(int64_t ms) { m_nowMs = ms; }

private:
    int64_t m_nowMs;
};

} // namespace maillab::wire
