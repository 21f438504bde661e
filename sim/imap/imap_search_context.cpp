// What a search leaves behind: the saved result "$" (SEARCHRES, RFC 5182) and the searches that keep the
// client told as their results change (CONTEXT=SEARCH's UPDATE, RFC 5267 section 4.3), with CANCELUPDATE.
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"

#include <algorithm>

namespace maillab::imap {

namespace {

// Ascending numbers as a set of ranges.
SequenceSet setOf(const std::vector<uint32_t>& ascending)
{
    SequenceSet set;
    for (uint32_t n : ascending) {
        if (!set.ranges.empty() && set.ranges.back().last + 1 == n)
            set.ranges.back().last = n;
        else
            set.ranges.push_back(SeqRange{n, n});
    }
    return set;
}

bool keyMentionsSavedResult(const SearchKey& key)
{
    if (key.set.savedResult) return true;
    return std::any_of(key.children.begin(), key.children.end(), keyMentionsSavedResult);
}

} // namespace

// [SECTION] the saved result "$" (RFC 5182)

bool ImapSession::mentionsSavedResult(const Command& c) const
{
    return c.sequence.savedResult || keyMentionsSavedResult(c.search);
}

SequenceSet ImapSession::savedResultSet(bool byUid) const
{
    // "$" is kept as UIDs, so it follows its messages however the numbers shift; a command reading sequence
    // numbers gets the numbers they have now (RFC 5182 section 2.1, implementation note).
    std::vector<uint32_t> numbers;
    for (uint32_t uid : m_savedResult) {
        auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
        if (it == m_uids.end() || *it != uid) continue;
        numbers.push_back(byUid ? uid : static_cast<uint32_t>(it - m_uids.begin() + 1));
    }
    // An empty "$" is a valid set that names no message: FETCH $ answers OK and nothing else (section 2.1).
    return setOf(numbers);
}

void ImapSession::fillSavedResult(SearchKey& key) const
{
    if (key.set.savedResult) key.set = savedResultSet(key.kind == SearchKey::Kind::Uid);
    for (SearchKey& child : key.children)
        fillSavedResult(child);
}

Command ImapSession::withSavedResult(Command c) const
{
    if (c.sequence.savedResult) c.sequence = savedResultSet(c.uid);
    fillSavedResult(c.search);
    return c;
}

// [SECTION] UPDATE contexts (RFC 5267 section 4.3)

SearchKey ImapSession::numbersAsUids(const SearchKey& key) const
{
    SearchKey out = key;
    if (key.kind == SearchKey::Kind::SequenceSet) {
        std::vector<uint32_t> uids;
        for (size_t index : resolve(key.set, false))
            uids.push_back(m_uids[index]);
        out.kind = SearchKey::Kind::Uid;
        out.set = setOf(uids);
    }
    for (SearchKey& child : out.children)
        child = numbersAsUids(child);
    return out;
}

std::string ImapSession::keepSearchResult(const SearchJob& job)
{
    const Command& c = job.command;
    const SearchReturn& wanted = *c.searchReturn;
    if (wanted.save) {
        // With MIN and/or MAX alone "$" holds just those; with ALL or COUNT, every match (RFC 5182 section
        // 2.4). PARTIAL is a window onto ALL, so it keeps every match too.
        const bool ends = (wanted.min || wanted.max) && !wanted.all && !wanted.count && !wanted.partial;
        if (!ends || job.uids.empty()) {
            m_savedResult = job.uids;
        } else {
            m_savedResult.clear();
            if (wanted.min) m_savedResult.push_back(job.uids.front());
            if (wanted.max && (!wanted.min || job.uids.size() > 1)) m_savedResult.push_back(job.uids.back());
        }
    }
    if (!wanted.update) return {};
    if (m_contexts.size() >= kMaxUpdateContexts)
        // The other results still come; only the news is refused (RFC 5267 section 4.3.1).
        return "* NO [NOUPDATE " + imapString(c.tag) + "] at most " + std::to_string(kMaxUpdateContexts) +
               " searches with UPDATE at a time: CANCELUPDATE one first\r\n";
    UpdateContext context;
    context.tag = c.tag;
    context.uid = c.uid;
    context.search = numbersAsUids(c.search);
    context.found.insert(job.uids.begin(), job.uids.end());
    m_contexts.push_back(std::move(context));
    return {};
}

std::string ImapSession::contextRemovals(const std::set<uint32_t>& expunged)
{
    std::string out;
    for (UpdateContext& context : m_contexts) {
        std::vector<uint32_t> removed;
        for (uint32_t uid : expunged) {
            auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
            if (it == m_uids.end() || *it != uid || context.found.erase(uid) == 0) continue;
            removed.push_back(context.uid ? uid : static_cast<uint32_t>(it - m_uids.begin() + 1));
        }
        if (!removed.empty()) out += esearchUpdate(context.tag, context.uid, "REMOVEFROM", removed);
    }
    return out;
}

std::string ImapSession::contextNews()
{
    // Only the messages that arrived or changed are tested again (RFC 5267 appendix B).
    const std::set<uint32_t> changed = std::exchange(m_contextDirty, {});
    std::string out;
    for (UpdateContext& context : m_contexts) {
        std::vector<uint32_t> added, removed;
        for (uint32_t uid : changed) {
            auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
            if (it == m_uids.end() || *it != uid) continue;
            const size_t index = static_cast<size_t>(it - m_uids.begin());
            const store::StoredMessage* m = messageAt(index);
            if (!m) continue; // expunged: its REMOVEFROM comes just before its EXPUNGE
            const bool now = matches(context.search, index, *m);
            if (now == (context.found.count(uid) > 0)) continue;
            const uint32_t number = context.uid ? uid : static_cast<uint32_t>(index + 1);
            if (now) {
                context.found.insert(uid);
                added.push_back(number);
            } else {
                context.found.erase(uid);
                removed.push_back(number);
            }
        }
        if (!removed.empty()) out += esearchUpdate(context.tag, context.uid, "REMOVEFROM", removed);
        if (!added.empty()) out += esearchUpdate(context.tag, context.uid, "ADDTO", added);
    }
    return out;
}

Reply ImapSession::cmdCancelUpdate(const Command& c)
{
    if (!offers("CONTEXT=SEARCH")) return Reply{{}, "BAD", "CANCELUPDATE is not offered here"};
    std::vector<std::string> unknown;
    for (const std::string& tag : c.updateTags)
        if (std::none_of(m_contexts.begin(), m_contexts.end(),
                         [&](const UpdateContext& u) { return u.tag == tag; }))
            unknown.push_back(tag);
    // All or nothing, so a typo does not leave the client unsure which updates still come.
    if (!unknown.empty())
        return Reply{{},
                     "NO",
                     "no search with UPDATE is tagged " + imapString(unknown.front()) +
                         ": nothing was cancelled (RFC 5267 section 4.3.5)"};
    std::erase_if(m_contexts, [&](const UpdateContext& u) {
        return std::find(c.updateTags.begin(), c.updateTags.end(), u.tag) != c.updateTags.end();
    });
    return Reply{{}, "OK", "CANCELUPDATE completed: no further updates"};
}

} // namespace maillab::imap
