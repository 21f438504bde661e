#include "net/login_throttle.hpp"

#include <algorithm>

namespace maillab::net {

namespace {

std::string accountKey(std::string_view account)
{
    return "a:" + std::string(account);
}

std::string addressKey(std::string_view address)
{
    return "i:" + std::string(address);
}

} // namespace

int64_t LoginThrottle::fail(const std::string& key, int64_t nowMs)
{
    Key& k = m_keys[key];
    if (k.failures > 0 && nowMs - k.lastFailureMs > m_options.forgetAfterMs) k = {};
    ++k.failures;
    k.lastFailureMs = nowMs;
    const int over = k.failures - m_options.freeFailures;
    if (over <= 0) return 0;
    int64_t delay = m_options.baseDelayMs;
    for (int i = 1; i < over && delay < m_options.maxDelayMs; ++i)
        delay *= 2;
    delay = std::min(delay, m_options.maxDelayMs);
    k.blockedUntilMs = std::max(k.blockedUntilMs, nowMs + delay);
    return k.blockedUntilMs - nowMs;
}

int64_t LoginThrottle::waitOf(const std::string& key, int64_t nowMs) const
{
    auto it = m_keys.find(key);
    return it == m_keys.end() ? 0 : std::max<int64_t>(0, it->second.blockedUntilMs - nowMs);
}

int64_t LoginThrottle::record(std::string_view account, std::string_view address, Outcome outcome,
                              int64_t nowMs)
{
    if (m_keys.size() >= m_options.maxKeys) prune(nowMs);
    if (outcome == Outcome::Success) {
        m_keys.erase(accountKey(account));
        if (!address.empty()) {
            if (m_trusted.size() >= m_options.maxKeys) m_trusted.clear(); // bounded; only a convenience
            std::vector<std::string>& known = m_trusted[std::string(account)];
            std::erase(known, address);
            known.emplace_back(address);
            if (known.size() > m_options.trustedPerAccount) known.erase(known.begin());
        }
        return waitOf(addressKey(address), nowMs);
    }
    const int64_t byAccount = account.empty() ? 0 : fail(accountKey(account), nowMs);
    const int64_t byAddress = address.empty() ? 0 : fail(addressKey(address), nowMs);
    return std::max(byAccount, byAddress);
}

bool LoginThrottle::trusted(std::string_view account, std::string_view address) const
{
    auto it = m_trusted.find(std::string(account));
    return it != m_trusted.end() &&
           std::find(it->second.begin(), it->second.end(), address) != it->second.end();
}

int64_t LoginThrottle::wait(std::string_view account, std::string_view address, int64_t nowMs) const
{
    const int64_t byAccount =
        account.empty() || trusted(account, address) ? 0 : waitOf(accountKey(account), nowMs);
    const int64_t byAddress = address.empty() ? 0 : waitOf(addressKey(address), nowMs);
    return std::max(byAccount, byAddress);
}

void LoginThrottle::prune(int64_t nowMs)
{
    // Forgotten keys first; if that is not enough, every key whose wait is over (an attacker spraying
    // addresses or account names cannot grow the table without bound).
    std::erase_if(m_keys, [&](const auto& entry) {
        return nowMs - entry.second.lastFailureMs > m_options.forgetAfterMs;
    });
    if (m_keys.size() >= m_options.maxKeys)
        std::erase_if(m_keys, [&](const auto& entry) { return entry.second.blockedUntilMs <= nowMs; });
}

} // namespace maillab::net
