// LIST and LSUB: RFC 3501 sections 6.3.8 and 6.3.9, LIST-EXTENDED (RFC 5258) with SPECIAL-USE's options
// (RFC 6154 section 5.1) and LIST-STATUS (RFC 5819).
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace maillab::imap {

namespace {

// LIST patterns: "*" matches anything, "%" anything but the hierarchy delimiter (RFC 3501 section 6.3.8).
bool matchPattern(std::string_view name, std::string_view pattern)
{
    if (pattern.empty()) return name.empty();
    if (pattern[0] == '*') {
        for (size_t i = 0; i <= name.size(); ++i)
            if (matchPattern(name.substr(i), pattern.substr(1))) return true;
        return false;
    }
    if (pattern[0] == '%') {
        for (size_t i = 0; i <= name.size(); ++i) {
            if (matchPattern(name.substr(i), pattern.substr(1))) return true;
            if (i < name.size() && name[i] == '/') return false;
        }
        return false;
    }
    return !name.empty() && name[0] == pattern[0] && matchPattern(name.substr(1), pattern.substr(1));
}

// Whether `name` matches the canonical pattern (reference and pattern joined, RFC 3501 section 6.3.8).
bool matchesCanonical(const std::string& name, std::string pattern)
{
    if (name == "INBOX" || util::istartsWith(name, "INBOX/")) {
        // INBOX is case-insensitive (RFC 3501 section 5.1): so is the part of the pattern that spells it.
        size_t literal = std::min<size_t>({pattern.find_first_of("*%"), pattern.size(), 5});
        if (util::istartsWith("INBOX", pattern.substr(0, literal)))
            for (size_t k = 0; k < literal; ++k)
                pattern[k] = "INBOX"[k];
    }
    return matchPattern(name, pattern);
}

// The levels above a name: "a/b/c" -> "a", "a/b".
std::vector<std::string> superiors(const std::string& name)
{
    std::vector<std::string> out;
    for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1))
        out.push_back(name.substr(0, slash));
    return out;
}

bool hasChildren(const store::Account& account, const std::string& name)
{
    // The names are sorted: a child, if any, is the first name at or after "name/".
    auto first = account.mailboxes.lower_bound(name + "/");
    return first != account.mailboxes.end() && first->first.rfind(name + "/", 0) == 0;
}

std::vector<std::string> inboxFirst(const std::set<std::string>& names)
{
    std::vector<std::string> ordered(names.begin(), names.end());
    auto inbox = std::find(ordered.begin(), ordered.end(), "INBOX");
    if (inbox != ordered.end())
        std::rotate(ordered.begin(), inbox, inbox + 1); // INBOX first, as mail programs show it
    return ordered;
}

} // namespace

// CHILDREN's attributes (RFC 3348) and the special use (RFC 6154 section 2) of an existing mailbox, as LSUB
// and IMAP4rev2's SELECT give them.
std::string listAttributes(const store::Account& account, const std::string& name)
{
    std::string attributes = hasChildren(account, name) ? "\\HasChildren" : "\\HasNoChildren";
    auto box = account.mailboxes.find(name);
    if (box != account.mailboxes.end() && !box->second.specialUse.empty())
        attributes += " " + box->second.specialUse;
    return attributes;
}

Reply ImapSession::cmdList(const Command& c)
{
    if (c.name == CommandName::Lsub) return lsubReply(c);
    const ListOptions& o = c.list;
    // Options belong to the extensions that define them; one not offered is unknown here (RFC 5258 sec. 3).
    const bool listExtended = o.selectSubscribed || o.selectRemote || o.selectRecursiveMatch ||
                              o.returnSubscribed || o.returnChildren || c.patterns.size() > 1;
    if (listExtended && !offers("LIST-EXTENDED"))
        return Reply{{}, "BAD", "LIST options and pattern lists need LIST-EXTENDED, which is not offered"};
    if ((o.selectSpecialUse || o.returnSpecialUse) && !offers("SPECIAL-USE"))
        return Reply{{}, "BAD", "the SPECIAL-USE option is not offered"};
    if (o.returnStatus && !offers("LIST-STATUS"))
        return Reply{{}, "BAD", "RETURN (STATUS ...) needs LIST-STATUS, which is not offered"};
    return listReply(c, o);
}

Reply ImapSession::listReply(const Command& c, const ListOptions& o)
{
    const std::string done = commandWireName(c) + " completed";
    // Only the basic form gives "" its special meaning: the hierarchy delimiter and root (RFC 3501 section
    // 6.3.8); the extended form ignores empty patterns (RFC 5258 section 3).
    if (!o.extended && c.pattern.empty()) return Reply{"* LIST (\\Noselect) \"/\" \"\"\r\n", "OK", done};
    std::vector<std::string> canonical;
    for (const std::string& pattern : c.patterns)
        if (!pattern.empty()) canonical.push_back(c.mailbox + pattern);
    auto matches = [&](const std::string& name) {
        return std::any_of(canonical.begin(), canonical.end(),
                           [&](const std::string& pattern) { return matchesCanonical(name, pattern); });
    };
    std::string refusal;
    bool enabling = false;
    if (o.returnStatus) { // an item this session does not offer is BAD whether or not a mailbox matches
        statusValues(store::Mailbox{}, *o.returnStatus, refusal, enabling);
        if (!refusal.empty()) return Reply{{}, "BAD", refusal};
    }
    const store::Account& account = *m_store.account(m_user);
    // The selection criteria (RFC 5258 section 3.1; RFC 6154 section 5.1): cumulative, and without
    // SUBSCRIBED they select existing mailboxes.
    auto selected = [&](const std::string& name) {
        auto box = account.mailboxes.find(name);
        if (o.selectSubscribed ? !account.subscriptions.count(name) : box == account.mailboxes.end())
            return false;
        return !o.selectSpecialUse || (box != account.mailboxes.end() && !box->second.specialUse.empty());
    };
    std::set<std::string> candidates = account.subscriptions;
    for (const auto& [name, box] : account.mailboxes)
        candidates.insert(name);
    std::set<std::string> names, childInfo;
    for (const std::string& name : candidates) {
        if (!selected(name)) continue;
        if (matches(name)) {
            names.insert(name);
        } else if (o.selectRecursiveMatch) {
            // A parent that matches is returned with CHILDINFO for a descendant that meets the criteria but
            // is not itself returned (RFC 5258 section 3.5; redundant CHILDINFO is suppressed).
            for (const std::string& parent : superiors(name))
                if (matches(parent)) childInfo.insert(parent);
        }
    }
    names.insert(childInfo.begin(), childInfo.end());
    std::string criteria;
    if (o.selectSubscribed) criteria += "\"SUBSCRIBED\"";
    if (o.selectSpecialUse) criteria += std::string(criteria.empty() ? "" : " ") + "\"SPECIAL-USE\"";
    std::string out;
    for (const std::string& name : inboxFirst(names)) {
        auto box = account.mailboxes.find(name);
        const bool exists = box != account.mailboxes.end();
        std::vector<std::string> attributes;
        if (!exists) {
            attributes.push_back("\\NonExistent"); // implies \Noselect (RFC 5258 section 3.4)
        } else {
            // CHILDREN's attributes are always given: cheap here, and allowed without the option (RFC 5258
            // section 4); so is the special use (RFC 6154 section 2).
            attributes.push_back(hasChildren(account, name) ? "\\HasChildren" : "\\HasNoChildren");
            if (!box->second.specialUse.empty()) attributes.push_back(box->second.specialUse);
        }
        if ((o.selectSubscribed || o.returnSubscribed) && account.subscriptions.count(name))
            attributes.push_back("\\Subscribed"); // RFC 5258 section 3.1 and 3.2
        std::string line = "* LIST (";
        for (size_t i = 0; i < attributes.size(); ++i)
            line += (i ? " " : "") + attributes[i];
        line += ") \"/\" " + mailboxString(name);
        if (childInfo.count(name)) line += " (\"CHILDINFO\" (" + criteria + "))";
        out += line + "\r\n";
        // LIST-STATUS: STATUS follows the LIST line of each selectable mailbox (RFC 5819 section 2).
        if (o.returnStatus && exists) out += statusValues(box->second, *o.returnStatus, refusal, enabling);
    }
    std::string news = enabling ? enableCondstore() : std::string();
    return Reply{news + out, "OK", done};
}

Reply ImapSession::lsubReply(const Command& c)
{
    const std::string done = commandWireName(c) + " completed";
    if (c.pattern.empty()) return Reply{"* LSUB (\\Noselect) \"/\" \"\"\r\n", "OK", done};
    const std::string pattern = c.mailbox + c.pattern;
    const store::Account& account = *m_store.account(m_user);
    // LSUB lists the subscriptions, which may outlive their mailbox (RFC 3501 6.3.6).
    std::set<std::string> names, unsubscribedParents;
    for (const std::string& name : account.subscriptions) {
        if (matchesCanonical(name, pattern)) {
            names.insert(name);
            continue;
        }
        // "%" stops at a level where nothing is subscribed, yet a subscription lies below it: that level is
        // answered with \Noselect (RFC 3501 section 6.3.9).
        for (const std::string& parent : superiors(name))
            if (!account.subscriptions.count(parent) && matchesCanonical(parent, pattern))
                unsubscribedParents.insert(parent);
    }
    names.insert(unsubscribedParents.begin(), unsubscribedParents.end());
    std::string out;
    for (const std::string& name : inboxFirst(names)) {
        auto box = account.mailboxes.find(name);
        std::string attributes;
        if (box == account.mailboxes.end() || unsubscribedParents.count(name)) {
            attributes = "\\Noselect"; // a subscription whose mailbox is gone, or a level above one
        } else {
            attributes = listAttributes(account, name);
        }
        out += "* LSUB (" + attributes + ") \"/\" " + mailboxString(name) + "\r\n";
    }
    return Reply{out, "OK", done};
}

} // namespace maillab::imap
