// QUOTA (RFC 9208): one quota root, "", per account, with the limits the accounts file gives (STORAGE in
// KiB, MESSAGE); GETQUOTA, GETQUOTAROOT, SETQUOTA (refused: limits are the administrator's), and the
// OVERQUOTA response code APPEND, COPY and MOVE give when a limit would be passed.
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"

namespace maillab::imap {

std::string ImapSession::quotaLine() const
{
    const store::Quota& quota = m_store.account(m_user)->quota;
    if (!quota.storageKiB && !quota.messages) return {};
    const store::Store::Usage used = m_store.usage(m_user);
    std::string resources;
    // STORAGE counts units of 1024 octets (RFC 9208 section 5.1); a part of one counts as one.
    if (quota.storageKiB)
        resources += "STORAGE " + std::to_string((used.octets + 1023) / 1024) + " " +
                     std::to_string(*quota.storageKiB);
    if (quota.messages)
        resources += std::string(resources.empty() ? "" : " ") + "MESSAGE " + std::to_string(used.messages) +
                     " " + std::to_string(*quota.messages);
    return "* QUOTA \"\" (" + resources + ")\r\n";
}

std::string ImapSession::overQuota(uint64_t messages, uint64_t octets) const
{
    const store::Quota& quota = m_store.account(m_user)->quota;
    if (!offers("QUOTA") || (!quota.storageKiB && !quota.messages)) return {};
    const store::Store::Usage used = m_store.usage(m_user);
    if (quota.messages && used.messages + messages > *quota.messages)
        return "[OVERQUOTA] that would make " + std::to_string(used.messages + messages) +
               " messages; this account may keep " + std::to_string(*quota.messages) +
               " (RFC 9208 section 5.2)";
    if (quota.storageKiB && used.octets + octets > *quota.storageKiB * 1024)
        return "[OVERQUOTA] that would need " + std::to_string((used.octets + octets + 1023) / 1024) +
               " KiB; this account may use " + std::to_string(*quota.storageKiB) + " (RFC 9208 section 5.1)";
    return {};
}

Reply ImapSession::cmdGetQuota(const Command& c)
{
    if (!offers("QUOTA")) return Reply{{}, "BAD", "unknown command GETQUOTA: QUOTA is not offered"};
    std::string line = quotaLine();
    if (!c.mailbox.empty() || line.empty()) // RFC 9208 section 4.1.1: NO for a root that does not exist
        return Reply{{}, "NO", "[NONEXISTENT] no quota root named " + imapString(c.mailbox)};
    return Reply{line, "OK", "GETQUOTA completed"};
}

Reply ImapSession::cmdGetQuotaRoot(const Command& c)
{
    if (!offers("QUOTA")) return Reply{{}, "BAD", "unknown command GETQUOTAROOT: QUOTA is not offered"};
    const store::Mailbox* box = m_store.mailbox(m_user, c.mailbox);
    if (!box) return Reply{{}, "NO", "[NONEXISTENT] no mailbox named " + c.mailbox};
    // Every mailbox counts against the account's one root; an account without limits has none (section
    // 4.1.2: the QUOTAROOT response then names no root, and no QUOTA follows).
    std::string line = quotaLine();
    return Reply{"* QUOTAROOT " + astring(box->name) + (line.empty() ? "" : " \"\"") + "\r\n" + line, "OK",
                 "GETQUOTAROOT completed"};
}

Reply ImapSession::cmdSetQuota(const Command&)
{
    if (!offers("QUOTA")) return Reply{{}, "BAD", "unknown command SETQUOTA: QUOTA is not offered"};
    // A server need not let users set limits (RFC 9208 section 4.1.3; it would offer QUOTASET): here they
    // come from serve's accounts file.
    return Reply{
        {}, "NO", "[NOPERM] quota limits are set by the server's administrator, in its accounts file"};
}

} // namespace maillab::imap
