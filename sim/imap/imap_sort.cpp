// SORT (RFC 5256 section 3, RFC 5957), THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 section 3),
// and the session's SORT / THREAD handlers, which run as a SEARCH whose matches are then ordered.
#include "imap/imap_sort.hpp"

#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "mail/date.hpp"
#include "mail/message.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace maillab::imap {

// [SECTION] the base subject (RFC 5256 section 2.1)

namespace {

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && util::iequals(text.substr(0, prefix.size()), prefix);
}

bool isWsp(char c)
{
    return c == ' ' || c == '\t';
}

// subj-blob = "[" *BLOBCHAR "]" *WSP, BLOBCHAR any octet but "[" and "]": its length at `pos`, or 0.
size_t blobLength(std::string_view text, size_t pos)
{
    if (pos >= text.size() || text[pos] != '[') return 0;
    size_t end = pos + 1;
    while (end < text.size() && text[end] != '[' && text[end] != ']')
        ++end;
    if (end >= text.size() || text[end] != ']') return 0;
    ++end;
    while (end < text.size() && isWsp(text[end]))
        ++end;
    return end - pos;
}

// subj-leader = (*subj-blob subj-refwd) / WSP, subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
// Its length at the start of `text`, or 0; `refwd` says whether it was a Re: / Fw: / Fwd: one.
size_t leaderLength(std::string_view text, bool& refwd)
{
    refwd = false;
    if (!text.empty() && isWsp(text[0])) return 1;
    size_t pos = 0;
    while (size_t blob = blobLength(text, pos))
        pos += blob;
    std::string_view rest = text.substr(pos);
    size_t word = startsWithNoCase(rest, "fwd")                                  ? 3
                  : startsWithNoCase(rest, "fw") || startsWithNoCase(rest, "re") ? 2
                                                                                 : 0;
    if (word == 0) return 0;
    pos += word;
    while (pos < text.size() && isWsp(text[pos]))
        ++pos;
    pos += blobLength(text, pos);
    if (pos >= text.size() || text[pos] != ':') return 0;
    refwd = true;
    return pos + 1;
}

} // namespace

std::string baseSubject(std::string_view subject, bool* replyOrForward)
{
    bool reply = false;
    // (1) Encoded-words decoded; tabs and line breaks become spaces, runs of spaces one space.
    std::string text;
    for (char c : mail::decodeEncodedWords(subject)) {
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
        if (c == ' ' && !text.empty() && text.back() == ' ') continue;
        text += c;
    }
    std::string_view s = text;
    while (true) {
        // (2) Trailers: subj-trailer = "(fwd)" / WSP, as often as they come.
        while (!s.empty()) {
            if (isWsp(s.back())) {
                s.remove_suffix(1);
            } else if (s.size() >= 5 && util::iequals(s.substr(s.size() - 5), "(fwd)")) {
                s.remove_suffix(5);
                reply = true;
            } else {
                break;
            }
        }
        // (3)-(5) Leaders, and a leading blob unless nothing would be left after it.
        while (true) {
            bool refwd = false;
            if (size_t leader = leaderLength(s, refwd)) {
                s.remove_prefix(leader);
                reply = reply || refwd;
                continue;
            }
            size_t blob = blobLength(s, 0);
            if (blob > 0 && blob < s.size()) {
                s.remove_prefix(blob);
                continue;
            }
            break;
        }
        // (6) "[fwd: ...]" around all of it: unwrap and start again from (2).
        if (startsWithNoCase(s, "[fwd:") && !s.empty() && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            reply = true;
            continue;
        }
        break;
    }
    if (replyOrForward) *replyOrForward = reply;
    return std::string(s);
}

int compareCasemap(std::string_view a, std::string_view b)
{
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x >= 'a' && x <= 'z') x = static_cast<unsigned char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<unsigned char>(y - 'a' + 'A');
        if (x != y) return x < y ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

// [SECTION] what SORT compares

namespace {

const mail::Headers& headersOf(const SortMessage& m)
{
    return m.headers;
}

// The sent date (RFC 5256 section 2.2): the Date field, or the internal date when it is missing or cannot
// be read; compared in UTC.
int64_t sentDate(const SortMessage& m)
{
    if (const std::string* date = headersOf(m).find("Date"))
        if (auto parsed = mail::parseRfc5322Date(*date)) return parsed->epochSeconds;
    return m.message->internalDate.epochSeconds;
}

// The first address of a field, as ENVELOPE gives it: a group's start is the group's name (so "undisclosed:;"
// sorts as "undisclosed"); none when the field is missing or empty.
std::optional<mail::Address> firstAddress(const SortMessage& m, std::string_view field)
{
    const std::string* value = headersOf(m).find(field);
    if (!value) return std::nullopt;
    std::vector<mail::Address> list = mail::parseAddressList(*value);
    if (list.empty()) return std::nullopt;
    return list.front();
}

// FROM, TO, CC: the first address's mailbox, its local part (RFC 5256 section 3); a group's name.
std::string addressMailbox(const SortMessage& m, std::string_view field)
{
    auto address = firstAddress(m, field);
    if (!address) return {};
    return address->group.empty() ? address->mailbox : address->group;
}

// DISPLAYFROM, DISPLAYTO: the first address's display name, decoded; without one, its addr-spec (RFC 5957
// section 3); a group's name.
std::string addressDisplay(const SortMessage& m, std::string_view field)
{
    auto address = firstAddress(m, field);
    if (!address) return {};
    if (!address->group.empty()) return mail::decodeEncodedWords(address->group);
    if (!address->name.empty()) return mail::decodeEncodedWords(address->name);
    return address->host.empty() ? address->mailbox : address->mailbox + "@" + address->host;
}

std::string subjectOf(const SortMessage& m, bool* replyOrForward = nullptr)
{
    const std::string* subject = headersOf(m).find("Subject");
    if (replyOrForward) *replyOrForward = false;
    return subject ? baseSubject(*subject, replyOrForward) : std::string();
}

// One message's values for the keys asked for, read once before sorting.
struct SortValues {
    std::vector<int64_t> numbers;
    std::vector<std::string> texts;
};

SortValues valuesOf(const SortMessage& m, const std::vector<SortCriterion>& criteria)
{
    using Key = SortCriterion::Key;
    SortValues values;
    for (const SortCriterion& criterion : criteria) {
        int64_t number = 0;
        std::string text;
        switch (criterion.key) {
        case Key::Arrival: number = m.message->internalDate.epochSeconds; break;
        case Key::Date: number = sentDate(m); break;
        case Key::Size: number = static_cast<int64_t>(m.message->size()); break;
        case Key::Subject: text = subjectOf(m); break;
        case Key::From: text = addressMailbox(m, "From"); break;
        case Key::To: text = addressMailbox(m, "To"); break;
        case Key::Cc: text = addressMailbox(m, "Cc"); break;
        case Key::DisplayFrom: text = addressDisplay(m, "From"); break;
        case Key::DisplayTo: text = addressDisplay(m, "To"); break;
        }
        values.numbers.push_back(number);
        values.texts.push_back(std::move(text));
    }
    return values;
}

} // namespace

std::vector<size_t> sortOrder(const std::vector<SortMessage>& messages,
                              const std::vector<SortCriterion>& criteria)
{
    std::vector<SortValues> values;
    values.reserve(messages.size());
    for (const SortMessage& m : messages)
        values.push_back(valuesOf(m, criteria));
    std::vector<size_t> order(messages.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        for (size_t k = 0; k < criteria.size(); ++k) {
            int cmp = compareCasemap(values[a].texts[k], values[b].texts[k]);
            if (cmp == 0 && values[a].numbers[k] != values[b].numbers[k])
                cmp = values[a].numbers[k] < values[b].numbers[k] ? -1 : 1;
            if (cmp != 0) return criteria[k].reverse ? cmp > 0 : cmp < 0;
        }
        return messages[a].sequence < messages[b].sequence;
    });
    return order;
}

// [SECTION] THREAD (RFC 5256 section 3)

namespace {

// One container of the REFERENCES algorithm: a message, or a dummy standing for one that is referred to
// but not in the set. ORDEREDSUBJECT uses the same tree, one level deep.
struct ThreadNode {
    int message = -1; // index into the messages, -1 for a dummy
    int parent = -1;
    std::vector<int> children;
};

class ThreadTree {
public:
    explicit ThreadTree(const std::vector<SortMessage>& messages) : m_messages(messages)
    {
        for (const SortMessage& m : messages)
            m_dates.push_back(sentDate(m));
    }

    std::string orderedSubject();
    std::string references();

private:
    int newNode(int message = -1)
    {
        m_nodes.push_back(ThreadNode{message, -1, {}});
        return static_cast<int>(m_nodes.size() - 1);
    }
    bool isAncestor(int ancestor, int node) const
    {
        for (int n = node; n >= 0; n = m_nodes[static_cast<size_t>(n)].parent)
            if (n == ancestor) return true;
        return false;
    }
    // The message whose date and number stand for a node: itself, or a dummy's first child's.
    int representative(int node) const
    {
        while (m_nodes[static_cast<size_t>(node)].message < 0 &&
               !m_nodes[static_cast<size_t>(node)].children.empty())
            node = m_nodes[static_cast<size_t>(node)].children.front();
        return m_nodes[static_cast<size_t>(node)].message;
    }
    // By sent date, then sequence number (RFC 5256 section 2.2).
    bool earlier(int a, int b) const
    {
        int x = representative(a), y = representative(b);
        if (x < 0 || y < 0) return x < y;
        if (m_dates[static_cast<size_t>(x)] != m_dates[static_cast<size_t>(y)])
            return m_dates[static_cast<size_t>(x)] < m_dates[static_cast<size_t>(y)];
        return m_messages[static_cast<size_t>(x)].sequence < m_messages[static_cast<size_t>(y)].sequence;
    }
    void sortSiblings(std::vector<int>& list) const
    {
        std::stable_sort(list.begin(), list.end(), [&](int a, int b) { return earlier(a, b); });
    }
    // Every node under `roots`, parents before children (no recursion: a chain of replies may be long).
    std::vector<int> topDown(const std::vector<int>& roots) const
    {
        std::vector<int> order(roots.begin(), roots.end());
        for (size_t i = 0; i < order.size(); ++i)
            for (int child : m_nodes[static_cast<size_t>(order[i])].children)
                order.push_back(child);
        return order;
    }
    void sortAll(std::vector<int>& roots)
    {
        std::vector<int> order = topDown(roots);
        for (auto it = order.rbegin(); it != order.rend(); ++it)
            sortSiblings(m_nodes[static_cast<size_t>(*it)].children);
        sortSiblings(roots);
    }
    void linkReferences();
    std::vector<int> prune(std::vector<int> roots);
    void mergeSubjects(std::vector<int>& roots);
    std::string write(const std::vector<int>& roots) const;

    const std::vector<SortMessage>& m_messages;
    std::vector<int64_t> m_dates;
    std::vector<ThreadNode> m_nodes;
};

// ORDEREDSUBJECT: messages by base subject, then sent date; each run of one subject is a thread whose first
// message is the parent of all the others; threads in the order of their first messages.
std::string ThreadTree::orderedSubject()
{
    std::vector<std::string> subjects;
    for (const SortMessage& m : m_messages)
        subjects.push_back(subjectOf(m));
    std::vector<int> order(m_messages.size());
    std::iota(order.begin(), order.end(), 0);
    for (int i : order)
        newNode(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        int cmp = compareCasemap(subjects[static_cast<size_t>(a)], subjects[static_cast<size_t>(b)]);
        return cmp != 0 ? cmp < 0 : earlier(a, b);
    });
    std::vector<int> roots;
    for (size_t i = 0; i < order.size(); ++i) {
        if (i > 0 && compareCasemap(subjects[static_cast<size_t>(order[i - 1])],
                                    subjects[static_cast<size_t>(order[i])]) == 0)
            m_nodes[static_cast<size_t>(roots.back())].children.push_back(order[i]);
        else
            roots.push_back(order[i]);
    }
    sortSiblings(roots);
    return write(roots);
}

// The message IDs in a field, "<id>" each, brackets off; any text between them (comments, phrases) skipped.
std::vector<std::string> messageIds(const std::string* field)
{
    std::vector<std::string> ids;
    if (!field) return ids;
    std::string_view text = *field;
    for (size_t open = text.find('<'); open != std::string_view::npos; open = text.find('<', open + 1)) {
        size_t close = text.find('>', open + 1);
        if (close == std::string_view::npos) break;
        std::string_view id = text.substr(open + 1, close - open - 1);
        if (!id.empty() && id.find_first_of(" \t\r\n<") == std::string_view::npos) ids.emplace_back(id);
        open = close;
    }
    return ids;
}

constexpr size_t kMaxReferences = 100;

// Step 1: a container per message ID; each message's references linked as a chain, its parent the last.
void ThreadTree::linkReferences()
{
    std::unordered_map<std::string, int> byId;
    auto nodeFor = [&](const std::string& id) {
        auto [it, added] = byId.emplace(id, -1);
        if (added) it->second = newNode();
        return it->second;
    };
    for (size_t i = 0; i < m_messages.size(); ++i) {
        const mail::Headers& headers = headersOf(m_messages[i]);
        // (A) A message without an ID, or with one already taken, gets a container of its own.
        std::vector<std::string> id = messageIds(headers.find("Message-ID"));
        int node = id.empty() ? newNode() : nodeFor(id.front());
        if (m_nodes[static_cast<size_t>(node)].message >= 0) node = newNode();
        m_nodes[static_cast<size_t>(node)].message = static_cast<int>(i);
        // References, or else the first ID of In-Reply-To.
        std::vector<std::string> refs = messageIds(headers.find("References"));
        if (refs.empty()) {
            refs = messageIds(headers.find("In-Reply-To"));
            if (refs.size() > 1) refs.resize(1);
        }
        // Each link is checked for loops up the whole chain: a crafted References field of thousands of IDs
        // would cost their square. The last ones, which hold the parent, are kept.
        if (refs.size() > kMaxReferences) refs.erase(refs.begin(), refs.end() - kMaxReferences);
        int previous = -1;
        for (const std::string& ref : refs) {
            int current = nodeFor(ref);
            // Links already made are kept; none is made that would close a loop.
            ThreadNode& child = m_nodes[static_cast<size_t>(current)];
            if (previous >= 0 && child.parent < 0 && !isAncestor(current, previous)) child.parent = previous;
            previous = current;
        }
        // (B) The message's own parent is its last reference: a different one found earlier is dropped,
        // and the new one is not taken if it would close a loop.
        ThreadNode& self = m_nodes[static_cast<size_t>(node)];
        if (self.parent != previous) self.parent = -1;
        if (previous >= 0 && !isAncestor(node, previous))
            m_nodes[static_cast<size_t>(node)].parent = previous;
    }
}

// Step 4: dummies without children go; a dummy's children move up in its place, except that several
// children of a dummy at the top stay under it.
std::vector<int> ThreadTree::prune(std::vector<int> roots)
{
    std::vector<int> order = topDown(roots);
    auto spliced = [&](const std::vector<int>& list, bool top) {
        std::vector<int> kept;
        for (int n : list) {
            const ThreadNode& node = m_nodes[static_cast<size_t>(n)];
            if (node.message >= 0 || (top && node.children.size() > 1))
                kept.push_back(n);
            else
                kept.insert(kept.end(), node.children.begin(), node.children.end());
        }
        return kept;
    };
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        ThreadNode& node = m_nodes[static_cast<size_t>(*it)];
        node.children = spliced(node.children, false);
    }
    return spliced(roots, true);
}

// Step 6: threads whose subjects have the same base subject are gathered under one.
void ThreadTree::mergeSubjects(std::vector<int>& roots)
{
    auto isDummy = [&](int n) { return m_nodes[static_cast<size_t>(n)].message < 0; };
    std::unordered_map<int, std::string> subjects; // of each thread, upper-cased for the table
    std::unordered_map<int, bool> replies;
    for (int n : roots) {
        int m = representative(n);
        bool reply = false;
        if (m >= 0) subjects[n] = util::toUpper(subjectOf(m_messages[static_cast<size_t>(m)], &reply));
        replies[n] = reply;
    }
    // (B) One thread holds each subject: a dummy if there is one, else preferably one that is not a reply.
    std::unordered_map<std::string, int> table;
    for (int n : roots) {
        if (subjects[n].empty()) continue;
        auto [it, added] = table.emplace(subjects[n], n);
        if (!added && !isDummy(it->second) && (isDummy(n) || (replies[it->second] && !replies[n])))
            it->second = n;
    }
    // (C) The others join it.
    std::unordered_set<int> gone;
    const std::vector<int> threads = roots;
    for (int n : threads) {
        if (gone.count(n) || subjects[n].empty()) continue;
        int& holder = table[subjects[n]];
        if (holder == n) continue;
        std::vector<int>& held = m_nodes[static_cast<size_t>(holder)].children;
        if (isDummy(holder) && isDummy(n)) { // both dummies: their children become siblings
            const std::vector<int>& children = m_nodes[static_cast<size_t>(n)].children;
            held.insert(held.end(), children.begin(), children.end());
        } else if (isDummy(holder) || (replies[n] && !replies[holder])) {
            held.push_back(n);
        } else { // neither answers the other: both go under a new dummy, which takes the holder's place
            int dummy = newNode();
            m_nodes[static_cast<size_t>(dummy)].children = {holder, n};
            *std::find(roots.begin(), roots.end(), holder) = dummy;
            gone.insert(holder);
            holder = dummy;
        }
        gone.insert(n);
    }
    roots.erase(std::remove_if(roots.begin(), roots.end(), [&](int n) { return gone.count(n) > 0; }),
                roots.end());
}

std::string ThreadTree::references()
{
    linkReferences();
    // Step 2: the threads are the containers without a parent.
    std::vector<int> roots;
    for (size_t n = 0; n < m_nodes.size(); ++n) {
        int parent = m_nodes[n].parent;
        if (parent < 0)
            roots.push_back(static_cast<int>(n));
        else
            m_nodes[static_cast<size_t>(parent)].children.push_back(static_cast<int>(n));
    }
    roots = prune(std::move(roots));
    sortAll(roots); // step 5 sorts the threads, a dummy by its first child; step 6 needs that order
    mergeSubjects(roots);
    sortAll(roots); // step 7
    return write(roots);
}

// thread-list = "(" (thread-members / thread-nested) ")": an only child follows its parent after a space,
// several children are each in parentheses; a dummy is only its children (RFC 5256 section 4).
std::string ThreadTree::write(const std::vector<int>& roots) const
{
    std::string out;
    // A stack of what is still to write: a node, or a closing parenthesis (-1).
    std::vector<std::pair<int, bool>> todo; // (node, wrapped in parentheses)
    for (auto it = roots.rbegin(); it != roots.rend(); ++it)
        todo.emplace_back(*it, true);
    out += todo.empty() ? "" : " ";
    while (!todo.empty()) {
        auto [n, wrapped] = todo.back();
        todo.pop_back();
        if (n < 0) {
            out += ')';
            continue;
        }
        if (wrapped) {
            out += '(';
            todo.emplace_back(-1, false);
        }
        const ThreadNode& node = m_nodes[static_cast<size_t>(n)];
        if (node.message >= 0) {
            if (out.back() != '(') out += ' ';
            out += std::to_string(m_messages[static_cast<size_t>(node.message)].number);
        }
        const bool nested = node.children.size() > 1 || node.message < 0;
        if (nested && node.message >= 0) out += ' ';
        for (auto it = node.children.rbegin(); it != node.children.rend(); ++it)
            todo.emplace_back(*it, nested);
    }
    return out;
}

} // namespace

std::string threadAnswer(const std::vector<SortMessage>& messages, ThreadAlgorithm algorithm)
{
    ThreadTree tree(messages);
    return algorithm == ThreadAlgorithm::OrderedSubject ? tree.orderedSubject() : tree.references();
}

// [SECTION] the session's SORT and THREAD

namespace {
Reply notOffered(std::string text)
{
    return Reply{{}, "BAD", std::move(text)};
}

bool usesDisplayKeys(const Command& c)
{
    return std::any_of(c.sortCriteria.begin(), c.sortCriteria.end(), [](const SortCriterion& s) {
        return s.key == SortCriterion::Key::DisplayFrom || s.key == SortCriterion::Key::DisplayTo;
    });
}
} // namespace

Reply ImapSession::cmdSort(const Command& c)
{
    if (!offers("SORT")) return notOffered("SORT is not offered here");
    if (usesDisplayKeys(c) && !offers("SORT=DISPLAY"))
        return notOffered("DISPLAYFROM and DISPLAYTO are not offered here (RFC 5957)");
    if (c.searchReturn && !offers("ESORT")) return notOffered("SORT RETURN is not offered here");
    return cmdSearch(c);
}

Reply ImapSession::cmdThread(const Command& c)
{
    const char* capability =
        c.threadAlgorithm == ThreadAlgorithm::OrderedSubject ? "THREAD=ORDEREDSUBJECT" : "THREAD=REFERENCES";
    if (!offers(capability)) return notOffered(std::string(capability) + " is not offered here");
    return cmdSearch(c);
}

// The messages a finished search found, for SORT and THREAD; one expunged meanwhile is left out.
std::vector<SortMessage> ImapSession::foundMessages(const SearchJob& job,
                                                    std::vector<size_t>* positions) const
{
    std::vector<SortMessage> messages;
    for (size_t k = 0; k < job.indices.size(); ++k) {
        const store::StoredMessage* m = messageAt(job.indices[k]);
        if (!m) continue;
        messages.push_back(SortMessage{m, static_cast<uint32_t>(job.indices[k] + 1), job.found[k],
                                       mail::parseHeaders(m->headerOrEmpty())});
        if (positions) positions->push_back(k);
    }
    return messages;
}

void ImapSession::sortFound(SearchJob& job) const
{
    std::vector<size_t> positions;
    std::vector<SortMessage> messages = foundMessages(job, &positions);
    SearchJob sorted;
    for (size_t i : sortOrder(messages, job.command.sortCriteria)) {
        sorted.found.push_back(job.found[positions[i]]);
        sorted.modseqs.push_back(job.modseqs[positions[i]]);
        sorted.indices.push_back(job.indices[positions[i]]);
    }
    job.found = std::move(sorted.found);
    job.modseqs = std::move(sorted.modseqs);
    job.indices = std::move(sorted.indices);
}

std::string ImapSession::threadLine(const SearchJob& job) const
{
    return threadAnswer(foundMessages(job, nullptr), job.command.threadAlgorithm);
}

} // namespace maillab::imap
