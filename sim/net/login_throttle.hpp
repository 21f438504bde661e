// Password guessing made slow across connections: failed logins counted per account and per client
// address, whatever connection they came on (F8). No I/O and no clock: the caller passes the time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace maillab::net {

struct LoginThrottleOptions {
    int freeFailures = 3;           // failures of one key before any wait (typing mistakes)
    int64_t baseDelayMs = 2000;     // the first wait; each further failure doubles it...
    int64_t maxDelayMs = 30000;     // ...up to this, so a locked-out owner waits at most this long
    int64_t forgetAfterMs = 900000; // a key with no failure for this long starts again from zero
    size_t maxKeys = 100000;        // past this, keys whose wait is over are dropped (memory stays bounded)
    size_t trustedPerAccount = 8;   // addresses remembered per account after a successful login
};

// Two keys take part in every attempt: the account tried and the client's address. Each key's failures
// make a wait that grows (base, 2 x base, 4 x base, ... up to max); an attempt must wait for the longer of
// its two keys. A success clears the account's count, not the address's: an attacker with an account of
// their own must not be able to reset the address they guess from. So that guessing from elsewhere cannot
// lock the owner out, the account's wait does not apply to the addresses the account last logged in from
// (their own address wait still does).
class LoginThrottle {
public:
    enum class Outcome { Success, Failure };
    explicit LoginThrottle(LoginThrottleOptions options = {}) : m_options(options) {}

    // Records an attempt's outcome; returns how long (ms) that client must now wait before its next
    // attempt: 0 when it need not.
    int64_t record(std::string_view account, std::string_view address, Outcome outcome, int64_t nowMs);
    // How long (ms) an attempt on account from address must still wait; an empty account asks only about
    // the address (before the client has said which account it wants).
    int64_t wait(std::string_view account, std::string_view address, int64_t nowMs) const;

    size_t keyCount() const { return m_keys.size(); }

private:
    struct Key {
        int failures = 0;
        int64_t lastFailureMs = 0;
        int64_t blockedUntilMs = 0;
    };
    int64_t fail(const std::string& key, int64_t nowMs);
    int64_t waitOf(const std::string& key, int64_t nowMs) const;
    void prune(int64_t nowMs);

    bool trusted(std::string_view account, std::string_view address) const;

    LoginThrottleOptions m_options;
    std::unordered_map<std::string, Key> m_keys; // "a:" + account, "i:" + address
    // account -> the addresses it last logged in from, newest last (bounded like m_keys)
    std::unordered_map<std::string, std::vector<std::string>> m_trusted;
};

} // namespace maillab::net
