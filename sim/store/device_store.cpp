#include "store/device_store.hpp"

#include <algorithm>

namespace maillab::store {

LocalMessage& DeviceStore::add(LocalMessage message)
{
    message.localId = m_nextId++;
    m_messages.push_back(std::move(message));
    return m_messages.back();
}

LocalMessage* DeviceStore::findByServerId(const std::string& serverId)
{
    if (serverId.empty()) return nullptr;
    for (LocalMessage& m : m_messages)
        if (m.serverId == serverId) return &m;
    return nullptr;
}

void DeviceStore::remove(const std::string& serverId)
{
    m_messages.erase(std::remove_if(m_messages.begin(), m_messages.end(),
                                    [&](const LocalMessage& m) { return m.serverId == serverId; }),
                     m_messages.end());
}

std::vector<std::string> DeviceStore::folders() const
{
    std::set<std::string> names;
    for (const LocalMessage& m : m_messages)
        names.insert(m.folder);
    return {names.begin(), names.end()};
}

void DeviceStore::wipe()
{
    m_messages.clear();
}

size_t DeviceStore::bytesHeld() const
{
    size_t total = 0;
    for (const LocalMessage& m : m_messages)
        total += m.bytes.size();
    return total;
}

} // namespace maillab::store
