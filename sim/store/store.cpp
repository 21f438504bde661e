#include "store/store.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <utility>

namespace maillab::store {

const char* flagName(Flag flag)
{
    switch (flag) {
    case kSeen: return "\\Seen";
    case kAnswered: return "\\Answered";
    case kFlagged: return "\\Flagged";
    case kDeleted: return "\\Deleted";
    case kDraft: return "\\Draft";
    case kRecent: return "\\Recent";
    }
    return "";
}

std::optional<Flag> flagFromName(std::string_view name)
{
    for (Flag flag : kAllFlags)
        if (util::iequals(name, flagName(flag))) return flag;
    return std::nullopt;
}

const mail::MimePart& MessageBody::mime() const
{
    if (!m_mime) m_mime = std::make_unique<mail::MimePart>(mail::parseMime(m_bytes));
    return *m_mime;
}

const std::string& MessageData::emailId() const
{
    // MD5 is no defence against someone who crafts a collision, which would only make two of their own
    // messages share an id; 96 bits of it keep ids short for the screen. A message on disk is read once.
    if (m_emailId.empty()) {
        const std::shared_ptr<const MessageBody> whole = body();
        m_emailId = "E" + util::md5Hex(whole ? whole->bytes() : std::string_view()).substr(0, 24);
    }
    return m_emailId;
}

bool MessageBody::hasEncodedParts() const
{
    if (m_encodedParts < 0) {
        // A cheap pre-check: without a Content-Transfer-Encoding field nothing is encoded (RFC 2045 6.1).
        bool mentioned = false;
        for (size_t at = m_bytes.find("ransfer-"); at != std::string::npos && !mentioned;
             at = m_bytes.find("ransfer-", at + 1))
            mentioned = at >= 9 && util::istartsWith(std::string_view(m_bytes).substr(at - 9),
                                                     "content-transfer-encoding");
        bool encoded = false;
        if (mentioned) {
            std::vector<const mail::MimePart*> stack{&mime()};
            while (!stack.empty() && !encoded) {
                const mail::MimePart* part = stack.back();
                stack.pop_back();
                for (const mail::MimePart& child : part->children)
                    stack.push_back(&child);
                encoded = part->encoding == "base64" || part->encoding == "quoted-printable";
            }
        }
        m_encodedParts = encoded ? 1 : 0;
    }
    return m_encodedParts == 1;
}

MessageData::MessageData(std::string bytes)
    : m_size(bytes.size()), m_held(std::make_shared<const MessageBody>(std::move(bytes)))
{
}

MessageData::MessageData(std::shared_ptr<const MessageSource> source, size_t size, std::string header)
    : m_size(size), m_source(std::move(source)), m_header(std::move(header))
{
    m_header.shrink_to_fit();
}

std::optional<std::string_view> MessageData::header() const
{
    if (m_held) {
        std::string_view bytes = m_held->bytes();
        return bytes.substr(0, mail::findBodyOffset(bytes));
    }
    if (m_header.empty()) {
        std::optional<std::string> read;
        if (std::shared_ptr<const MessageBody> held = m_read.lock())
            read = held->bytes();
        else
            read = m_source->readHeader();
        if (!read) return std::nullopt;
        read->resize(mail::findBodyOffset(*read));
        read->shrink_to_fit();
        m_header = std::move(*read);
    }
    return std::string_view(m_header);
}

std::shared_ptr<const MessageBody> MessageData::body() const
{
    if (m_held) return m_held;
    if (std::shared_ptr<const MessageBody> held = m_read.lock()) return held;
    std::optional<std::string> bytes = m_source->readAll();
    if (!bytes || bytes->size() != m_size) return nullptr;
    auto body = std::make_shared<const MessageBody>(std::move(*bytes));
    if (m_header.empty()) {
        std::string_view all = body->bytes();
        m_header = std::string(all.substr(0, mail::findBodyOffset(all)));
    }
    m_read = body;
    return body;
}

std::shared_ptr<const MessageData> MessageData::keptIn(std::shared_ptr<const MessageSource> source) const
{
    std::string block;
    if (m_held || !m_header.empty()) block = std::string(header().value_or(std::string_view()));
    auto kept = std::make_shared<const MessageData>(std::move(source), m_size, std::move(block));
    if (m_derived) kept->m_derived = std::make_unique<std::array<std::string, kDerivedSlots>>(*m_derived);
    return kept;
}

const std::string* MessageData::derived(size_t slot) const
{
    if (!m_derived || slot >= kDerivedSlots || (*m_derived)[slot].empty()) return nullptr;
    return &(*m_derived)[slot];
}

void MessageData::keepDerived(size_t slot, std::string text) const
{
    if (slot >= kDerivedSlots) return;
    if (!m_derived) m_derived = std::make_unique<std::array<std::string, kDerivedSlots>>();
    text.shrink_to_fit();
    (*m_derived)[slot] = std::move(text);
}

size_t MessageData::heldBytes() const
{
    size_t total = sizeof(MessageData) + (m_held ? m_held->bytes().capacity() : m_header.capacity());
    if (m_source) total += m_source->heldBytes();
    if (m_derived)
        for (const std::string& text : *m_derived)
            total += text.capacity();
    return total;
}

const StoredMessage* Mailbox::find(uint32_t uid) const
{
    size_t index = indexOf(uid);
    return index < messages.size() ? &messages[index] : nullptr;
}

StoredMessage* Mailbox::find(uint32_t uid)
{
    size_t index = indexOf(uid);
    return index < messages.size() ? &messages[index] : nullptr;
}

size_t Mailbox::indexOf(uint32_t uid) const
{
    auto it = std::lower_bound(messages.begin(), messages.end(), uid,
                               [](const StoredMessage& m, uint32_t u) { return m.uid < u; });
    if (it == messages.end() || it->uid != uid) return messages.size();
    return static_cast<size_t>(it - messages.begin());
}

Store::Store(uint32_t uidValidityBase) : m_nextUidValidity(uidValidityBase) {}

Account& Store::addAccount(std::string user, std::string password)
{
    Account& account = m_accounts[user];
    account.user = user;
    account.password = std::move(password);
    if (!account.mailboxes.count("INBOX")) {
        account.mailboxes.emplace("INBOX", newMailbox("INBOX"));
        account.subscriptions.insert("INBOX");
    }
    return account;
}

Mailbox Store::newMailbox(std::string name)
{
    Mailbox box;
    box.name = std::move(name);
    box.uidValidity = m_nextUidValidity++;
    // The UIDVALIDITY it was born with is never handed out again (serve starts from the clock's seconds,
    // and a Maildir read back raises the next one above its own); the id keeps it after a reset of the
    // UIDVALIDITY or a rename (RFC 8474 section 4.2). An objectid is letters, digits, "-" and "_".
    box.mailboxId = "M" + std::to_string(box.uidValidity);
    return box;
}

Store::Usage Store::usage(std::string_view user) const
{
    Usage usage;
    if (const Account* a = account(user))
        for (const auto& [name, box] : a->mailboxes) {
            usage.messages += box.messages.size();
            for (const StoredMessage& m : box.messages)
                usage.octets += m.size();
        }
    return usage;
}

Account* Store::account(std::string_view user)
{
    auto it = m_accounts.find(std::string(user));
    return it == m_accounts.end() ? nullptr : &it->second;
}

const Account* Store::account(std::string_view user) const
{
    auto it = m_accounts.find(std::string(user));
    return it == m_accounts.end() ? nullptr : &it->second;
}

std::vector<std::string> Store::users() const
{
    std::vector<std::string> out;
    for (const auto& [name, account] : m_accounts)
        out.push_back(name);
    return out;
}

bool Store::checkPassword(std::string_view user, std::string_view password) const
{
    if (m_loginGuard.allow && !m_loginGuard.allow(user)) return false;
    const Account* a = account(user);
    const bool ok = a && a->password == password;
    if (m_loginGuard.checked) m_loginGuard.checked(user, ok);
    return ok;
}

bool Store::checkApop(std::string_view user, std::string_view timestamp, std::string_view digest) const
{
    if (m_loginGuard.allow && !m_loginGuard.allow(user)) return false;
    const Account* a = account(user);
    const bool ok = a && util::iequals(util::md5Hex(std::string(timestamp) + a->password), digest);
    if (m_loginGuard.checked) m_loginGuard.checked(user, ok);
    return ok;
}

std::string Store::canonicalName(std::string_view name)
{
    if (util::iequals(name, "INBOX")) return "INBOX";
    if (util::istartsWith(name, "INBOX/")) return "INBOX" + std::string(name.substr(5));
    return std::string(name);
}

Mailbox* Store::mailbox(std::string_view user, std::string_view name)
{
    Account* a = account(user);
    if (!a) return nullptr;
    auto it = a->mailboxes.find(canonicalName(name));
    return it == a->mailboxes.end() ? nullptr : &it->second;
}

const Mailbox* Store::mailbox(std::string_view user, std::string_view name) const
{
    const Account* a = account(user);
    if (!a) return nullptr;
    auto it = a->mailboxes.find(canonicalName(name));
    return it == a->mailboxes.end() ? nullptr : &it->second;
}

bool Store::validMailboxName(std::string_view canonical)
{
    return !canonical.empty() && canonical.front() != '/' && canonical.back() != '/' &&
           canonical.find("//") == std::string_view::npos;
}

Store::Result Store::mailboxNameFits(std::string_view canonical) const
{
    size_t levels = 1, levelBytes = 0;
    for (char c : canonical) {
        if (c != '/') {
            if (++levelBytes > kMaxMailboxLevelBytes) return Result::NameTooLong;
            continue;
        }
        if (++levels > kMaxMailboxLevels) return Result::TooDeep;
        levelBytes = 0;
    }
    if (m_nameFits && !m_nameFits(canonical)) return Result::NameTooLong;
    return Result::Ok;
}

Store::Result Store::createMailbox(std::string_view user, std::string_view name, std::string specialUse,
                                   bool subscribe)
{
    Account* a = account(user);
    if (!a) return Result::NoSuchAccount;
    std::string canonical = canonicalName(name);
    while (!canonical.empty() && canonical.back() == '/')
        canonical.pop_back(); // RFC 3501 section 6.3.3
    if (!validMailboxName(canonical)) return Result::Invalid;
    if (a->mailboxes.count(canonical)) return Result::AlreadyExists;
    // Its superiors are shorter and shallower: checking the name checks them all.
    if (Result fits = mailboxNameFits(canonical); fits != Result::Ok) return fits;
    // Create missing superiors too, as RFC 3501 section 6.3.3 suggests: outermost first, each once (not by
    // recursion, which looked at every superior of every superior: cubic in the depth). Each is written to
    // durable storage before anyone hears of it; a write that fails stops there.
    auto add = [&](const std::string& boxName, std::string use) {
        Mailbox mailbox = newMailbox(boxName);
        mailbox.specialUse = std::move(use);
        a->mailboxes.emplace(boxName, std::move(mailbox));
        const bool subscribed = subscribe && a->subscriptions.insert(boxName).second;
        const StoreEvent event{StoreEvent::Kind::MailboxCreated, std::string(user), boxName, 0, {}, 0};
        if (!persist(event)) {
            a->mailboxes.erase(boxName);
            if (subscribed) a->subscriptions.erase(boxName);
            return false;
        }
        emit(event);
        return true;
    };
    for (size_t slash = canonical.find('/'); slash != std::string::npos;
         slash = canonical.find('/', slash + 1)) {
        const std::string parent = canonical.substr(0, slash);
        if (!a->mailboxes.count(parent) && !add(parent, {})) return Result::WriteFailed;
    }
    if (!add(canonical, std::move(specialUse))) return Result::WriteFailed;
    return Result::Ok;
}

Store::Result Store::deleteMailbox(std::string_view user, std::string_view name, int origin)
{
    Account* a = account(user);
    if (!a) return Result::NoSuchAccount;
    std::string canonical = canonicalName(name);
    if (canonical == "INBOX") return Result::Invalid; // RFC 3501 section 6.3.4
    auto it = a->mailboxes.find(canonical);
    if (it == a->mailboxes.end()) return Result::NoSuchMailbox;
    auto next = std::next(it);
    if (next != a->mailboxes.end() && next->first.rfind(canonical + "/", 0) == 0) return Result::HasChildren;
    // Off the disk first: a folder that could not be removed would come back at the next start.
    const StoreEvent event{StoreEvent::Kind::MailboxDeleted, std::string(user), canonical, 0, {}, origin};
    if (!persist(event)) return Result::WriteFailed;
    a->mailboxes.erase(it);
    emit(event);
    return Result::Ok;
}

Store::Result Store::renameMailbox(std::string_view user, std::string_view from, std::string_view to,
                                   int origin)
{
    Account* a = account(user);
    if (!a) return Result::NoSuchAccount;
    std::string source = canonicalName(from);
    std::string target = canonicalName(to);
    if (!a->mailboxes.count(source)) return Result::NoSuchMailbox;
    if (a->mailboxes.count(target)) return Result::AlreadyExists;
    // The new name must be one CREATE would make (F5: "/x", "a//b" or "x/" were accepted, and with a
    // Maildir the mail was gone after a restart), and not inside the mailbox itself.
    if (!validMailboxName(target) || target.rfind(source + "/", 0) == 0) return Result::Invalid;
    // Inferiors move along (RFC 3501 section 6.3.5, not INBOX's): each new name must fit, not only the
    // target.
    if (Result fits = mailboxNameFits(target); fits != Result::Ok) return fits;
    for (const auto& [name, box] : a->mailboxes)
        if (source != "INBOX" && name.rfind(source + "/", 0) == 0)
            if (Result fits = mailboxNameFits(target + name.substr(source.size())); fits != Result::Ok)
                return fits;
    if (source == "INBOX") {
        // Renaming INBOX moves its messages to the new mailbox and leaves INBOX empty (RFC 3501
        // section 6.3.5).
        Result created = createMailbox(user, target);
        if (created != Result::Ok) return created;
        Mailbox& inbox = a->mailboxes.at("INBOX");
        std::vector<uint32_t> uids;
        bool failed = false;
        for (const StoredMessage& m : inbox.messages) {
            if (deliverShared(user, target, m.data, m.internalDate, m.flags, m.keywords, origin) == 0) {
                failed = true; // it stays in INBOX
                continue;
            }
            uids.push_back(m.uid);
        }
        expunge(user, "INBOX", uids, origin);
        return failed ? Result::WriteFailed : Result::Ok;
    }
    for (size_t slash = target.find('/'); slash != std::string::npos; slash = target.find('/', slash + 1)) {
        std::string parent = target.substr(0, slash);
        if (!a->mailboxes.count(parent)) {
            Result made = createMailbox(user, parent);
            if (made != Result::Ok) return made;
        }
    }
    std::vector<std::string> moving;
    for (const auto& [name, box] : a->mailboxes)
        if (name == source || name.rfind(source + "/", 0) == 0) moving.push_back(name);
    for (const std::string& name : moving) {
        auto node = a->mailboxes.extract(name);
        std::string renamed = target + name.substr(source.size());
        node.key() = renamed;
        node.mapped().name = renamed;
        auto placed = a->mailboxes.insert(std::move(node)).position;
        // The new name is subscribed as a new mailbox would be; the old subscription stays (RFC 3501 6.3.6).
        // Before the persister hears of it, so that it keeps the subscription too.
        const bool subscribed = a->subscriptions.insert(renamed).second;
        const StoreEvent event{StoreEvent::Kind::MailboxRenamed, std::string(user), name, 0, renamed, origin};
        if (!persist(event)) {
            // This one stays where it is, in memory as on disk; those renamed before it stay renamed.
            auto back = a->mailboxes.extract(placed);
            back.key() = name;
            back.mapped().name = name;
            a->mailboxes.insert(std::move(back));
            if (subscribed) a->subscriptions.erase(renamed);
            return Result::WriteFailed;
        }
        emit(event);
    }
    return Result::Ok;
}

uint32_t Store::deliver(std::string_view user, std::string_view mailbox, std::string bytes,
                        mail::DateTime internalDate, uint8_t flags, std::vector<std::string> keywords,
                        int origin)
{
    bytes.shrink_to_fit(); // messages built line by line carry spare capacity; the store keeps them for long
    return deliverShared(user, mailbox, std::make_shared<const MessageData>(std::move(bytes)), internalDate,
                         flags, std::move(keywords), origin);
}

uint32_t Store::deliverShared(std::string_view user, std::string_view mailboxName,
                              std::shared_ptr<const MessageData> data, mail::DateTime internalDate,
                              uint8_t flags, std::vector<std::string> keywords, int origin)
{
    Mailbox* box = mailbox(user, mailboxName);
    if (!box) return 0;
    StoredMessage message;
    message.uid = box->uidNext++;
    message.flags = flags;
    message.keywords = std::move(keywords);
    message.internalDate = internalDate;
    message.data = std::move(data);
    message.modseq = ++box->highestModseq;
    box->messages.push_back(std::move(message));
    uint32_t uid = box->messages.back().uid;
    const StoreEvent event{StoreEvent::Kind::MessageAdded, std::string(user), box->name, uid, {}, origin};
    if (!persist(event)) {
        box->messages.pop_back();
        --box->uidNext; // nobody saw the UID
        return 0;
    }
    emit(event);
    return uid;
}

bool Store::setFlags(std::string_view user, std::string_view mailboxName, uint32_t uid, uint8_t flags,
                     std::vector<std::string> keywords, int origin)
{
    Mailbox* box = mailbox(user, mailboxName);
    StoredMessage* message = box ? box->find(uid) : nullptr;
    if (!message) return false;
    if (message->flags == flags && message->keywords == keywords) return true;
    const uint8_t oldFlags = message->flags;
    const uint64_t oldModseq = message->modseq;
    std::vector<std::string> oldKeywords = std::exchange(message->keywords, std::move(keywords));
    message->flags = flags;
    message->modseq = ++box->highestModseq;
    const StoreEvent event{StoreEvent::Kind::FlagsChanged, std::string(user), box->name, uid, {}, origin};
    if (!persist(event)) {
        message->flags = oldFlags;
        message->keywords = std::move(oldKeywords);
        message->modseq = oldModseq;
        return false;
    }
    emit(event);
    return true;
}

size_t Store::expunge(std::string_view user, std::string_view mailboxName, const std::vector<uint32_t>& uids,
                      int origin)
{
    Mailbox* box = mailbox(user, mailboxName);
    if (!box) return 0;
    std::vector<uint32_t> sorted(uids);
    std::sort(sorted.begin(), sorted.end());
    // One pass, so removing most of a large mailbox stays linear.
    std::vector<StoredMessage> kept, removed;
    kept.reserve(box->messages.size());
    for (StoredMessage& m : box->messages)
        (std::binary_search(sorted.begin(), sorted.end(), m.uid) ? removed : kept).push_back(std::move(m));
    box->messages = std::move(kept);
    // Each one leaves the disk first; one whose file could not be removed would come back at the next start,
    // so it stays, and no session hears that it went.
    std::vector<StoredMessage> stayed;
    size_t count = 0;
    for (StoredMessage& m : removed) {
        StoreEvent event{StoreEvent::Kind::MessageExpunged, std::string(user), box->name, m.uid, {}, origin};
        // Its mod-sequence first, so that durable storage keeps it with the expunge (RFC 7162 3.2.5.1).
        Mailbox* from = mailbox(user, mailboxName);
        if (from) from->vanished.emplace_back(m.uid, ++from->highestModseq);
        if (!persist(event)) {
            if ((from = mailbox(user, mailboxName))) from->vanished.pop_back();
            stayed.push_back(std::move(m));
            continue;
        }
        event.message = &m;
        emit(event);
        ++count;
    }
    if (!stayed.empty()) {
        Mailbox* again = mailbox(user, mailboxName);
        if (!again) return count;
        for (StoredMessage& m : stayed)
            again->messages.push_back(std::move(m));
        std::sort(again->messages.begin(), again->messages.end(),
                  [](const StoredMessage& a, const StoredMessage& b) { return a.uid < b.uid; });
    }
    return count;
}

bool Store::claimRecent(std::string_view user, std::string_view mailboxName, uint32_t uid)
{
    Mailbox* box = mailbox(user, mailboxName);
    StoredMessage* message = box ? box->find(uid) : nullptr;
    if (!message || !message->has(kRecent)) return false;
    message->flags &= static_cast<uint8_t>(~kRecent);
    return true;
}

void Store::resetUidValidity(std::string_view user, std::string_view mailboxName)
{
    Mailbox* box = mailbox(user, mailboxName);
    if (!box) return;
    box->uidValidity = m_nextUidValidity++;
    box->uidNext = 1;
    box->vanished.clear(); // UIDs of the old UIDVALIDITY mean nothing now
    for (StoredMessage& message : box->messages)
        message.uid = box->uidNext++;
    const StoreEvent event{StoreEvent::Kind::UidValidityChanged, std::string(user), box->name, 0, {}, 0};
    persist(event);
    emit(event);
}

bool Store::restoreMailbox(std::string_view user, std::string_view name, uint32_t uidValidity,
                           uint32_t uidNext, std::vector<StoredMessage> messages, uint64_t modseqFloor,
                           const KeptModseqs* kept)
{
    Mailbox* box = mailbox(user, name);
    if (!box || uidValidity == 0) return false;
    std::sort(messages.begin(), messages.end(),
              [](const StoredMessage& a, const StoredMessage& b) { return a.uid < b.uid; });
    for (size_t i = 0; i < messages.size(); ++i) {
        if (messages[i].uid == 0 || !messages[i].data) return false;
        if (i > 0 && messages[i].uid == messages[i - 1].uid) return false;
    }
    if (!messages.empty() && messages.back().uid == UINT32_MAX) return false; // no UIDNEXT could follow it
    box->uidValidity = uidValidity;
    box->uidNext = std::max(uidNext, messages.empty() ? 1u : messages.back().uid + 1);
    box->messages = std::move(messages);
    box->vanished.clear();
    if (kept) {
        uint64_t& highest = box->highestModseq;
        highest = std::max(highest, kept->highest);
        for (const StoredMessage& m : box->messages)
            highest = std::max(highest, m.modseq);
        for (const auto& [uid, modseq] : kept->vanished)
            highest = std::max(highest, modseq);
        for (StoredMessage& m : box->messages)
            if (m.modseq == 0) m.modseq = ++highest;
        for (const auto& [uid, modseq] : kept->vanished)
            box->vanished.emplace_back(uid, modseq != 0 ? modseq : ++highest);
        box->restoredAt = 0;
    } else {
        box->highestModseq = std::max(box->highestModseq, modseqFloor);
        for (StoredMessage& m : box->messages) {
            m.modseq = std::max(m.modseq, modseqFloor);
            box->highestModseq = std::max(box->highestModseq, m.modseq);
        }
        box->restoredAt = box->highestModseq;
    }
    if (uidValidity != UINT32_MAX) m_nextUidValidity = std::max(m_nextUidValidity, uidValidity + 1);
    return true;
}

Store::Result Store::setSubscribed(std::string_view user, std::string_view name, bool subscribed, int origin)
{
    Account* a = account(user);
    if (!a) return Result::NoSuchAccount;
    std::string canonical = canonicalName(name);
    if (subscribed && !a->mailboxes.count(canonical)) return Result::NoSuchMailbox;
    if (a->subscriptions.count(canonical) == (subscribed ? 1u : 0u)) return Result::Ok;
    if (subscribed)
        a->subscriptions.insert(canonical);
    else
        a->subscriptions.erase(canonical);
    const StoreEvent event{
        StoreEvent::Kind::SubscriptionsChanged, std::string(user), canonical, 0, {}, origin};
    if (!persist(event)) {
        if (subscribed)
            a->subscriptions.erase(canonical);
        else
            a->subscriptions.insert(canonical);
        return Result::WriteFailed;
    }
    emit(event);
    return Result::Ok;
}

bool Store::tryLockMaildrop(std::string_view user, int session)
{
    Account* a = account(user);
    if (!a) return false;
    if (a->pop3LockHolder != 0 && a->pop3LockHolder != session) return false;
    a->pop3LockHolder = session;
    emit({StoreEvent::Kind::LockChanged, std::string(user), "INBOX", 0, {}, session});
    return true;
}

void Store::unlockMaildrop(std::string_view user, int session)
{
    Account* a = account(user);
    if (!a || a->pop3LockHolder != session) return;
    a->pop3LockHolder = 0;
    emit({StoreEvent::Kind::LockChanged, std::string(user), "INBOX", 0, {}, session});
}

int Store::subscribe(Listener listener)
{
    int id = m_nextListener++;
    m_listeners.emplace(id, std::move(listener));
    return id;
}

void Store::unsubscribe(int id)
{
    m_listeners.erase(id);
}

bool Store::persist(const StoreEvent& event)
{
    if (!m_persister) return true;
    std::string error = m_persister(event);
    if (error.empty()) return true;
    m_lastWriteError = std::move(error);
    return false;
}

void Store::emit(const StoreEvent& event)
{
    if (m_listeners.empty()) return;
    // A listener may unsubscribe (or subscribe) while we notify: walk by id, not by iterator.
    std::vector<int> ids;
    ids.reserve(m_listeners.size());
    for (const auto& [id, listener] : m_listeners)
        ids.push_back(id);
    for (int id : ids) {
        auto it = m_listeners.find(id);
        if (it != m_listeners.end()) it->second(event);
    }
}

size_t Store::messageBytes() const
{
    size_t total = 0;
    for (const auto& [user, account] : m_accounts)
        for (const auto& [name, box] : account.mailboxes)
            for (const StoredMessage& m : box.messages)
                total += m.size();
    return total;
}

size_t Store::heldBytes() const
{
    std::set<const MessageData*> counted;
    size_t total = 0;
    for (const auto& [user, account] : m_accounts)
        for (const auto& [name, box] : account.mailboxes)
            for (const StoredMessage& m : box.messages)
                if (counted.insert(m.data.get()).second) total += m.data->heldBytes();
    return total;
}

void addStandardMailboxes(Store& store, std::string_view user)
{
    static const std::pair<const char*, const char*> standard[] = {{"Archive", "\\Archive"},
                                                                   {"Drafts", "\\Drafts"},
                                                                   {"Junk", "\\Junk"},
                                                                   {"Sent", "\\Sent"},
                                                                   {"Trash", "\\Trash"}};
    for (auto [name, use] : standard)
        if (!store.mailbox(user, name)) store.createMailbox(user, name, use);
}

} // namespace maillab::store
