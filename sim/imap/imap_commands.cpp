// One small handler per IMAP command, except FETCH, STORE and SEARCH (imap_fetch.cpp).
#include "imap/imap_format.hpp"
#include "imap/imap_session.hpp"
#include "util/sasl.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <set>

namespace maillab::imap {

namespace {

Reply tagged(const Command&, std::string_view status, std::string text)
{
    return Reply{{}, std::string(status), std::move(text)};
}

Reply done(const Command& c)
{
    return tagged(c, "OK", commandWireName(c) + " completed");
}

std::string storeProblem(store::Store::Result result, const std::string& name)
{
    switch (result) {
    case store::Store::Result::Ok: return {};
    case store::Store::Result::NoSuchAccount: return "no such account";
    case store::Store::Result::NoSuchMailbox: return "[NONEXISTENT] no mailbox named " + name;
    case store::Store::Result::AlreadyExists: return "[ALREADYEXISTS] " + name + " already exists";
    case store::Store::Result::HasChildren: // RFC 9051 section 6.3.4 (INUSE is for another session's lock)
        return "[HASCHILDREN] " + name + " has folders inside it: delete those first";
    case store::Store::Result::Invalid: return "[CANNOT] that cannot be done to " + name;
    // RFC 5530 section 3; the name is not repeated: it may be thousands of bytes.
    case store::Store::Result::NameTooLong:
        return "[CANNOT] mailbox name too long: at most " +
               std::to_string(store::Store::kMaxMailboxLevelBytes) +
               " bytes between '/' (less where the disk cannot hold it)";
    case store::Store::Result::TooDeep:
        return "[LIMIT] mailbox name too deep: at most " + std::to_string(store::Store::kMaxMailboxLevels) +
               " levels";
    case store::Store::Result::WriteFailed: // RFC 5530 section 3; the why goes to the server's log
        return "[SERVERBUG] the change could not be written to disk; nothing was changed";
    }
    return "failed";
}

} // namespace

// Turns IMAP flag names into the store's bits and keywords; false (with `bad`) for an unknown system flag.
bool parseFlagNames(const std::vector<std::string>& names, uint8_t& bits, std::vector<std::string>& keywords,
                    std::string& bad)
{
    for (const std::string& name : names) {
        if (!name.empty() && name[0] == '\\') {
            auto flag = store::flagFromName(name);
            if (!flag) {
                bad = name;
                return false;
            }
            if (*flag != store::kRecent) bits |= *flag; // \Recent cannot be set by a client (RFC 3501 2.3.2)
        } else if (std::find(keywords.begin(), keywords.end(), name) == keywords.end()) {
            keywords.push_back(name);
        }
    }
    return true;
}

std::string compactSet(const std::vector<uint32_t>& numbers)
{
    std::string out;
    for (size_t i = 0; i < numbers.size();) {
        size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1)
            ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(numbers[i]);
        if (j > i) out += ":" + std::to_string(numbers[j]);
        i = j + 1;
    }
    return out;
}

Reply ImapSession::cmdCapability(const Command& c)
{
    return "* CAPABILITY " + currentCapabilities() + "\r\n" + done(c);
}

Reply ImapSession::cmdNoop(const Command& c)
{
    return done(c);
}

Reply ImapSession::cmdLogout(const Command& c)
{
    enter(State::Logout);
    m_closed = true;
    return "* BYE " + m_options.hostname + " IMAP4rev1 server logging out\r\n" + done(c);
}

Reply ImapSession::login(const std::string& user, const std::string& password)
{
    m_exchange.user = user;
    if (!m_store.checkPassword(user, password)) {
        m_exchange.login = wire::Login::Failed;
        return Reply{{}, "NO", "[AUTHENTICATIONFAILED] wrong user name or password"};
    }
    m_exchange.login = wire::Login::Succeeded;
    m_user = user;
    enter(State::Authenticated);
    return Reply{{}, "OK", "[CAPABILITY " + currentCapabilities() + "] logged in"};
}

Reply ImapSession::cmdStarttls(const Command& c)
{
    if (m_tlsActive) return tagged(c, "BAD", "TLS is already active (RFC 3501 section 6.2.1)");
    if (!m_options.tlsAvailable) return tagged(c, "NO", "STARTTLS is not offered on this connection");
    m_tlsRequested = true;
    m_awaitingTls = true;
    return tagged(c, "OK", "Begin TLS negotiation now");
}

// Under LOGINDISABLED the server answers NO even to a right password (RFC 3501 section 7.2.1), with the
// response code that tells the client why (RFC 9051 section 7.1).
static bool loginDisabled(const SessionOptions& options, bool tlsActive)
{
    return options.loginRequiresTls && !tlsActive;
}

Reply ImapSession::cmdLogin(const Command& c)
{
    if (loginDisabled(m_options, m_tlsActive))
        return tagged(c, "NO",
                      "[PRIVACYREQUIRED] LOGIN is disabled until the connection is encrypted: send STARTTLS "
                      "first (LOGINDISABLED, RFC 3501 section 6.2.3)");
    return login(c.user, c.password);
}

Reply ImapSession::cmdAuthenticate(const Command& c)
{
    if (loginDisabled(m_options, m_tlsActive))
        return tagged(c, "NO",
                      "[PRIVACYREQUIRED] no authentication before the connection is encrypted: send STARTTLS "
                      "first (RFC 2595 section 6)");
    if (!util::iequals(c.mechanism, "PLAIN"))
        return tagged(c, "NO", "unsupported SASL mechanism; this server offers PLAIN");
    if (c.initialResponse) // SASL-IR (RFC 4959): "=" is an empty response
        return onSaslResponse(*c.initialResponse == "=" ? std::string() : *c.initialResponse);
    m_saslTag = c.tag;
    return Reply{"+ \r\n", {}, {}, Reply::Pending::Continuation};
}

Reply ImapSession::onSaslResponse(const std::string& line)
{
    // The line end goes, nothing else: the response is strict base64 (RFC 3501 section 6.2.2).
    std::string_view text = line;
    if (text.ends_with('\n')) text.remove_suffix(1);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text == "*") return Reply{{}, "BAD", "AUTHENTICATE cancelled by the client (RFC 3501 section 6.2.2)"};
    // One strict decoder for IMAP and POP3 (RFC 4616 section 2).
    auto decoded = util::decodeSaslPlain(text);
    if (auto* error = std::get_if<util::SaslPlainError>(&decoded)) {
        if (*error == util::SaslPlainError::NotBase64)
            return Reply{{}, "BAD", std::string(util::describe(*error))};
        m_exchange.login = wire::Login::Failed;
        return Reply{{}, "NO", "[AUTHENTICATIONFAILED] " + std::string(util::describe(*error))};
    }
    const util::SaslPlain& plain = std::get<util::SaslPlain>(decoded);
    if (!plain.authzid.empty() && plain.authzid != plain.authcid) {
        m_exchange.login = wire::Login::Failed;
        m_exchange.user = plain.authcid;
        return Reply{{}, "NO", "[AUTHORIZATIONFAILED] you may not act as another user"};
    }
    return login(plain.authcid, plain.passwd);
}

Reply ImapSession::cmdSelect(const Command& c)
{
    const bool examine = c.name == CommandName::Examine;
    if (c.condstore && !offers("CONDSTORE"))
        return tagged(c, "BAD", "unknown SELECT parameter CONDSTORE: this server does not offer it");
    if (c.qresync && !m_qresync)
        return tagged(c, "BAD", "QRESYNC must be enabled first: ENABLE QRESYNC (RFC 7162 section 3.2.3)");
    // SELECT first deselects: one that fails leaves no mailbox selected (RFC 3501 section 6.3.1). With
    // CONDSTORE offered, [CLOSED] marks where news of the old mailbox ends (RFC 7162 section 3.2.11).
    std::string closed;
    if (m_state == State::Selected) {
        deselect();
        // IMAP4rev2 always says so (RFC 9051 section 6.3.2, appendix E item 9).
        if (offers("CONDSTORE") || m_rev2) closed = "* OK [CLOSED] previous mailbox closed\r\n";
    }
    const store::Mailbox* box = m_store.mailbox(m_user, c.mailbox);
    if (!box) return closed + tagged(c, "NO", "[NONEXISTENT] no mailbox named " + c.mailbox);
    if (c.condstore || c.qresync) m_condstore = true; // RFC 7162 section 3.1.8
    enter(State::Selected);
    m_selected = box->name;
    m_readOnly = examine;
    uint32_t firstUnseen = 0;
    std::vector<std::string> keywords;
    for (const store::StoredMessage& m : box->messages) {
        m_uids.push_back(m.uid);
        if (!examine && m_store.claimRecent(m_user, m_selected, m.uid))
            m_recent.insert(m.uid);
        else if (examine && m.has(store::kRecent))
            m_recent.insert(m.uid);
        if (!firstUnseen && !m.has(store::kSeen)) firstUnseen = static_cast<uint32_t>(m_uids.size());
        for (const std::string& k : m.keywords)
            if (std::find(keywords.begin(), keywords.end(), k) == keywords.end()) keywords.push_back(k);
    }
    m_keywords = keywords;
    std::string out = closed + flagsAnnouncement();
    out += "* " + std::to_string(m_uids.size()) + " EXISTS\r\n";
    // IMAP4rev2 drops RECENT and the UNSEEN code and wants a LIST line (RFC 9051 appendix E items 10-12).
    if (m_rev2) {
        out += selectedListLine(*m_store.account(m_user), box->name);
    } else {
        out += "* " + std::to_string(m_recent.size()) + " RECENT\r\n";
        if (firstUnseen) out += "* OK [UNSEEN " + std::to_string(firstUnseen) + "] first unseen message\r\n";
    }
    out += "* OK [UIDVALIDITY " + std::to_string(box->uidValidity) + "] UIDs valid\r\n";
    out += "* OK [UIDNEXT " + std::to_string(box->uidNext) + "] predicted next UID\r\n";
    // Where the mailbox stands, at every SELECT while CONDSTORE is offered (RFC 7162 section 3.1.2), so a
    // client can catch up from here next time without enabling anything now.
    if (offers("CONDSTORE")) out += highestModseqLine();
    if (offers("OBJECTID")) out += "* OK [MAILBOXID (" + box->mailboxId + ")] mailbox id\r\n"; // RFC 8474 4.3
    if (c.qresync) out += qresyncNews(*c.qresync, *box); // RFC 7162 section 3.2.5.1
    return out + tagged(c, "OK",
                        std::string(examine ? "[READ-ONLY] " : "[READ-WRITE] ") + commandWireName(c) +
                            " completed");
}

Reply ImapSession::cmdCreate(const Command& c)
{
    if (util::iequals(c.mailbox, "INBOX")) return tagged(c, "NO", "[ALREADYEXISTS] INBOX always exists");
    // CREATE ... (USE (attribute)) (RFC 6154 section 3): this server gives a mailbox one special use, of
    // those section 2 defines; anything else is NO [USE].
    static constexpr std::string_view kUses[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                                 "\\Junk", "\\Sent",    "\\Trash"};
    std::string use;
    if (c.flags.size() > 1)
        return tagged(c, "NO",
                      "[USE] this server gives a mailbox one special use, not " +
                          std::to_string(c.flags.size()));
    for (const std::string& wanted : c.flags)
        for (std::string_view known : kUses)
            if (util::iequals(wanted, known)) use = std::string(known);
    if (!c.flags.empty() && use.empty())
        return tagged(c, "NO", "[USE] " + c.flags.front() + " is not a special use (RFC 6154 section 2)");
    std::string problem = storeProblem(m_store.createMailbox(m_user, c.mailbox, use, false), c.mailbox);
    if (!problem.empty()) return tagged(c, "NO", problem);
    addEffect(wire::Effect::Kind::MailboxCreated, c.mailbox, 0, 0);
    std::string created = c.mailbox;
    while (created.ends_with('/')) // "Travel/" made Travel (RFC 3501 section 6.3.3)
        created.pop_back();
    const store::Mailbox* box = m_store.mailbox(m_user, created);
    if (box && offers("OBJECTID")) // RFC 8474 section 4.1
        return tagged(c, "OK", "[MAILBOXID (" + box->mailboxId + ")] CREATE completed");
    return done(c);
}

Reply ImapSession::cmdDelete(const Command& c)
{
    if (util::iequals(c.mailbox, "INBOX"))
        return tagged(c, "NO", "[CANNOT] INBOX cannot be deleted (RFC 3501 6.3.4)");
    const bool selectedOne =
        m_state == State::Selected && store::Store::canonicalName(c.mailbox) == m_selected;
    std::string problem = storeProblem(m_store.deleteMailbox(m_user, c.mailbox, m_sessionId), c.mailbox);
    if (!problem.empty()) return tagged(c, "NO", problem);
    addEffect(wire::Effect::Kind::MailboxDeleted, c.mailbox, 0, 0);
    // Deleting the mailbox this session has selected closes it here, as CLOSE would (without expunging:
    // the messages are gone anyway); other sessions that have it selected get BYE.
    if (selectedOne) deselect();
    return done(c);
}

Reply ImapSession::cmdRename(const Command& c)
{
    if (util::iequals(c.newName, "INBOX")) return tagged(c, "NO", "[ALREADYEXISTS] INBOX always exists");
    store::Store::Result result = m_store.renameMailbox(m_user, c.mailbox, c.newName, m_sessionId);
    // ALREADYEXISTS is about the new name; the other problems are about the old one.
    std::string problem =
        storeProblem(result, result == store::Store::Result::AlreadyExists ? c.newName : c.mailbox);
    if (!problem.empty()) return tagged(c, "NO", problem);
    {
        wire::Effect& e = addEffect(wire::Effect::Kind::MailboxRenamed, c.mailbox, 0, 0);
        e.target = c.newName;
    }
    return done(c);
}

Reply ImapSession::cmdSubscribe(const Command& c)
{
    const bool subscribe = c.name == CommandName::Subscribe;
    store::Mailbox* box = m_store.mailbox(m_user, c.mailbox);
    const std::string name = box ? box->name : store::Store::canonicalName(c.mailbox);
    // A subscription may outlive its mailbox, so it must stay removable once the mailbox is gone (RFC 3501
    // section 6.3.7); only a name that is neither a mailbox nor subscribed is refused.
    if (!box && (subscribe || !m_store.account(m_user)->subscriptions.count(name)))
        return tagged(c, "NO", "[NONEXISTENT] no mailbox named " + c.mailbox);
    // Through the store, so that durable storage keeps the subscriptions across restarts.
    std::string problem =
        storeProblem(m_store.setSubscribed(m_user, name, subscribe, m_sessionId), c.mailbox);
    return problem.empty() ? done(c) : tagged(c, "NO", problem);
}

std::string ImapSession::statusValues(const store::Mailbox& box, const std::vector<std::string>& items,
                                      std::string& refusal, bool& enabling) const
{
    std::string out;
    for (const std::string& item : items) {
        std::string value;
        auto count = [&](auto predicate) {
            return std::to_string(std::count_if(box.messages.begin(), box.messages.end(), predicate));
        };
        if (item == "MESSAGES")
            value = std::to_string(box.messages.size());
        else if (item == "UIDNEXT")
            value = std::to_string(box.uidNext);
        else if (item == "UIDVALIDITY")
            value = std::to_string(box.uidValidity);
        else if (item == "RECENT" && m_rev2) {
            refusal = "STATUS RECENT was removed in IMAP4rev2 (RFC 9051 appendix E item 12)";
            return {};
        } else if (item == "RECENT")
            value = count([](const store::StoredMessage& m) { return m.has(store::kRecent); });
        else if (item == "UNSEEN")
            value = count([](const store::StoredMessage& m) { return !m.has(store::kSeen); });
        else if (item == "DELETED" && (m_rev2 || offers("QUOTA=RES-MESSAGE"))) // RFC 9051 6.3.11, 9208 4.1.4
            value = count([](const store::StoredMessage& m) { return m.has(store::kDeleted); });
        else if ((item == "SIZE" && offers("STATUS=SIZE")) || // what a quota would count (RFC 8438 section 3)
                 (item == "DELETED-STORAGE" && offers("QUOTA=RES-STORAGE"))) { // in KiB (RFC 9208 4.1.4)
            uint64_t octets = 0;
            for (const store::StoredMessage& m : box.messages)
                if (item == "SIZE" || m.has(store::kDeleted)) octets += m.size();
            value = std::to_string(item == "SIZE" ? octets : (octets + 1023) / 1024);
        } else if (item == "HIGHESTMODSEQ" && offers("CONDSTORE")) { // RFC 7162 section 3.1.7
            value = std::to_string(box.highestModseq);
            enabling = true; // STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command (RFC 7162 section 3.1)
        } else if (item == "APPENDLIMIT" &&
                   offers("APPENDLIMIT")) { // the same for every mailbox (RFC 7889 5)
            value = std::to_string(m_options.maxLiteralSize);
        } else if (item == "MAILBOXID" && offers("OBJECTID")) { // RFC 8474 section 4.4
            value = "(" + box.mailboxId + ")";
        } else {
            refusal = "unknown status item " + item;
            return {};
        }
        if (!out.empty()) out += ' ';
        out += item + " " + value;
    }
    return "* STATUS " + mailboxString(box.name) + " (" + out + ")\r\n";
}

Reply ImapSession::cmdStatus(const Command& c)
{
    const store::Mailbox* box = m_store.mailbox(m_user, c.mailbox);
    if (!box) return tagged(c, "NO", "[NONEXISTENT] no mailbox named " + c.mailbox);
    std::string refusal;
    bool enabling = false;
    std::string line = statusValues(*box, c.statusItems, refusal, enabling);
    if (!refusal.empty()) return tagged(c, "BAD", refusal);
    std::string news = enabling ? enableCondstore() : std::string();
    return news + line + done(c);
}

Reply ImapSession::cmdNamespace(const Command& c)
{
    // One personal namespace with no prefix; no other users' or shared folders (RFC 2342 section 5).
    return "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n" + done(c);
}

Reply ImapSession::cmdEnable(const Command& c)
{
    // ENABLED lists what this command switched on; what is unknown or not offered is left out (RFC 5161
    // section 3.1). QRESYNC implies CONDSTORE (RFC 7162 section 3.2.3).
    std::string enabled;
    std::string news;
    for (const std::string& upper : c.capabilities) {
        const std::string name = upper == "IMAP4REV2" ? "IMAP4rev2" : upper; // as CAPABILITY spells it
        const bool known =
            name == "CONDSTORE" || name == "QRESYNC" || name == "IMAP4rev2" || name == "UTF8=ACCEPT";
        if (!known || !offers(name) || enabled.find(" " + name) != std::string::npos) continue;
        if (name == "QRESYNC") m_qresync = true;
        if (name == "CONDSTORE" || name == "QRESYNC") news += enableCondstore();
        if (name == "IMAP4rev2") m_rev2 = true;         // RFC 9051 appendix A
        if (name == "UTF8=ACCEPT") m_utf8Accept = true; // RFC 6855 section 3
        enabled += " " + name;
    }
    return news + "* ENABLED" + enabled + "\r\n" + done(c);
}

Reply ImapSession::cmdId(const Command& c)
{
    return "* ID (\"name\" \"maillab\" \"version\" \"0.1\" \"vendor\" \"maillab teaching server\")\r\n" +
           done(c);
}

Reply ImapSession::cmdIdle(const Command& c)
{
    m_idling = true;
    m_idleTag = c.tag;
    return Reply{"+ idling\r\n", {}, {}, Reply::Pending::Continuation};
}

Reply ImapSession::cmdCheck(const Command& c)
{
    if (m_rev2)
        return tagged(c, "BAD", "CHECK was removed in IMAP4rev2: use NOOP (RFC 9051 appendix E item 17)");
    return done(c);
}

Reply ImapSession::cmdClose(const Command& c)
{
    if (!m_readOnly) {
        // CLOSE removes \Deleted messages without sending EXPUNGE responses (RFC 3501 section 6.4.2).
        std::vector<uint32_t> doomed;
        for (size_t i = 0; i < m_uids.size(); ++i)
            if (const store::StoredMessage* m = messageAt(i); m && m->has(store::kDeleted)) {
                doomed.push_back(m->uid);
                addEffect(wire::Effect::Kind::Expunged, m_selected, m->uid, static_cast<uint32_t>(i + 1));
            }
        m_store.expunge(m_user, m_selected, doomed, m_sessionId);
    }
    deselect();
    return done(c);
}

Reply ImapSession::cmdUnselect(const Command& c)
{
    deselect();
    return done(c);
}

Reply ImapSession::cmdExpunge(const Command& c)
{
    if (m_readOnly) return tagged(c, "NO", "[READ-ONLY] the mailbox was opened with EXAMINE");
    std::vector<uint32_t> doomed;
    const uint32_t largest = m_uids.empty() ? 0 : m_uids.back();
    for (size_t i = 0; i < m_uids.size(); ++i) {
        const store::StoredMessage* m = messageAt(i);
        if (!m || !m->has(store::kDeleted)) continue;
        if (c.uid && !c.sequence.contains(m->uid, largest)) continue; // UID EXPUNGE (RFC 4315 section 2.1)
        doomed.push_back(m->uid);
        addEffect(wire::Effect::Kind::Expunged, m_selected, m->uid, static_cast<uint32_t>(i + 1));
    }
    // The store tells every session, this one included; the EXPUNGE responses go out before the tagged OK.
    if (m_store.expunge(m_user, m_selected, doomed, m_sessionId) < doomed.size()) // RFC 5530 section 3
        return tagged(c, "NO", "[SERVERBUG] some messages could not be removed from disk and stay");
    // With QRESYNC the client learns the mailbox's new mod-sequence here (RFC 7162 section 3.2.9).
    if (m_qresync && !doomed.empty())
        return tagged(c, "OK",
                      "[HIGHESTMODSEQ " + std::to_string(selected()->highestModseq) + "] " +
                          commandWireName(c) + " completed");
    return done(c);
}

Reply ImapSession::cmdCopy(const Command& c)
{
    const bool move = c.name == CommandName::Move;
    if (move && m_readOnly) return tagged(c, "NO", "[READ-ONLY] the mailbox was opened with EXAMINE");
    const store::Mailbox* target = m_store.mailbox(m_user, c.mailbox);
    if (!target) return tagged(c, "NO", "[TRYCREATE] no mailbox named " + c.mailbox + ": CREATE it first");
    const std::string targetName = target->name;
    if (std::string problem = sequenceProblem(c); !problem.empty()) return tagged(c, "BAD", problem);
    std::vector<size_t> indices = resolve(c.sequence, c.uid);
    // All or nothing (RFC 3501 section 6.4.7): a message another session expunged fails the whole COPY.
    if (!c.uid &&
        std::any_of(indices.begin(), indices.end(), [&](size_t i) { return messageAt(i) == nullptr; }))
        return tagged(
            c, "NO",
            "[EXPUNGEISSUED] some of the messages were expunged by another session (RFC 3501 section "
            "7.4.1)");
    // Copies of the messages first, deliveries after: delivering into the selected mailbox itself grows the
    // vector the source messages live in, so a pointer into it would dangle after the first delivery.
    std::vector<std::pair<size_t, store::StoredMessage>> sources;
    sources.reserve(indices.size());
    for (size_t index : indices)
        if (const store::StoredMessage* m = messageAt(index)) sources.emplace_back(index, *m);
    // A MOVE within the account's one quota root adds nothing; a COPY adds every copy (RFC 9208 section 5).
    if (!move) {
        uint64_t octets = 0;
        for (const auto& [index, m] : sources)
            octets += m.size();
        if (std::string over = overQuota(sources.size(), octets); !over.empty()) return tagged(c, "NO", over);
    }
    std::vector<uint32_t> sourceUids, targetUids;
    for (auto& [index, m] : sources) {
        uint8_t flags = static_cast<uint8_t>((m.flags & ~store::kRecent) | store::kRecent);
        uint32_t uid = m_store.deliverShared(m_user, targetName, std::move(m.data), m.internalDate, flags,
                                             std::move(m.keywords), m_sessionId);
        if (uid == 0) {
            // All or nothing (RFC 3501 section 6.4.7): the copies made so far go again.
            m_store.expunge(m_user, targetName, targetUids, m_sessionId);
            m_exchange.effects.clear();
            return tagged(c, "NO", storeProblem(store::Store::Result::WriteFailed, c.mailbox));
        }
        sourceUids.push_back(m.uid);
        targetUids.push_back(uid);
        {
            wire::Effect& e = addEffect(move ? wire::Effect::Kind::Moved : wire::Effect::Kind::Copied,
                                        m_selected, m.uid, static_cast<uint32_t>(index + 1));
            e.target = targetName;
            e.targetUid = uid;
        }
    }
    const uint32_t validity = m_store.mailbox(m_user, targetName)->uidValidity;
    std::string code = sourceUids.empty() ? std::string()
                                          : "[COPYUID " + std::to_string(validity) + " " +
                                                compactSet(sourceUids) + " " + compactSet(targetUids) + "] ";
    if (!move) return tagged(c, "OK", code + commandWireName(c) + " completed");
    // MOVE: COPYUID comes untagged, then the EXPUNGEs, then the tagged OK (RFC 6851 section 4.3).
    m_store.expunge(m_user, m_selected, sourceUids, m_sessionId);
    std::string out = code.empty() ? std::string() : "* OK " + code + "moved\r\n";
    return out + done(c);
}

} // namespace maillab::imap
