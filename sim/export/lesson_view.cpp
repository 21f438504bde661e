#include "export/lesson_view.hpp"

#include "imap/imap_session.hpp"
#include "mail/message.hpp"
#include "pop3/pop3_types.hpp"
#include "scenario/question.hpp"
#include "util/text.hpp"
#include "wire/clock.hpp"

#include <algorithm>
#include <cstdio>

namespace maillab::exporter {

// [SECTION] text and time

namespace {

// The length of the well-formed UTF-8 sequence at the start of `bytes`, or 0 (RFC 3629 section 4).
size_t utf8SequenceLength(std::string_view bytes)
{
    auto at = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
    const unsigned char lead = at(0);
    if (lead < 0x80) return 1;
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF; // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF)
        length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;  // overlong
        if (lead == 0xED) high = 0x9F; // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;  // overlong
        if (lead == 0xF4) high = 0x8F; // above U+10FFFF
    } else
        return 0;
    if (bytes.size() < length) return 0;
    if (at(1) < low || at(1) > high) return 0;
    for (size_t i = 2; i < length; ++i)
        if (at(i) < 0x80 || at(i) > 0xBF) return 0;
    return length;
}

void appendHexByte(std::string& out, unsigned char c)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
}

// Days since 1970-01-01 to a civil date (the inverse of mail::daysFromCivil; H. Hinnant's algorithm).
void civilFromDays(int64_t days, int& year, unsigned& month, unsigned& day)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

std::string formatTime(int64_t epochMs, const char* pattern)
{
    int64_t seconds = epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000;
    const int ms = static_cast<int>(epochMs - seconds * 1000);
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const int64_t secondOfDay = seconds - days * 86400;
    int year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, year, month, day);
    char buf[64];
    std::snprintf(buf, sizeof buf, pattern, year, month, day, static_cast<int>(secondOfDay / 3600),
                  static_cast<int>(secondOfDay / 60 % 60), static_cast<int>(secondOfDay % 60), ms);
    return buf;
}

} // namespace

bool isValidUtf8(std::string_view bytes)
{
    size_t pos = 0;
    while (pos < bytes.size()) {
        const size_t length = utf8SequenceLength(bytes.substr(pos));
        if (length == 0) return false;
        pos += length;
    }
    return true;
}

std::string displayText(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) {
        const unsigned char c = static_cast<unsigned char>(bytes[pos]);
        const size_t length = utf8SequenceLength(bytes.substr(pos));
        if (length == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
            appendHexByte(out, c);
            ++pos;
            continue;
        }
        out.append(bytes, pos, length);
        pos += length;
    }
    return out;
}

std::string displayLine(std::string_view bytes)
{
    std::string flat(bytes);
    std::replace(flat.begin(), flat.end(), '\r', ' ');
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    return displayText(flat);
}

std::string isoTime(int64_t epochMs)
{
    return formatTime(epochMs, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ");
}

std::string readableTime(int64_t epochMs)
{
    return formatTime(epochMs, "%04d-%02u-%02u %02d:%02d:%02d.%03d UTC");
}

std::vector<std::string_view> wireLines(std::string_view bytes)
{
    std::vector<std::string_view> lines;
    size_t pos = 0;
    while (pos < bytes.size()) {
        const size_t lf = bytes.find('\n', pos);
        const size_t end = lf == std::string_view::npos ? bytes.size() : lf;
        const size_t stop = end > pos && bytes[end - 1] == '\r' ? end - 1 : end;
        lines.push_back(bytes.substr(pos, stop - pos));
        if (lf == std::string_view::npos) break;
        pos = lf + 1;
    }
    return lines;
}

// [SECTION] the lesson header

LessonHeader lessonHeader(const scenario::Simulation& simulation)
{
    const scenario::Scenario& lesson = simulation.scenario();
    LessonHeader header;
    header.title = lesson.title;
    header.setting = lesson.setting;
    header.description = lesson.description;
    header.sourceName = lesson.source.filename().string();
    // Simulation starts its VirtualClock at the default moment; the clock has moved on since.
    header.startMs = wire::VirtualClock::kDefaultStartMs;
    std::vector<int> allSessions;
    for (const auto& device : simulation.devices()) {
        DeviceInfo info;
        info.name = device->spec.name;
        info.protocol = wire::protocolName(device->spec.protocol);
        info.mode = device->spec.mode;
        info.user = device->spec.user;
        if (device->spec.protocol == wire::Protocol::Pop3) info.auth = device->spec.auth;
        if (device->spec.security != wire::Security::Plain)
            info.security = wire::securityName(device->spec.security);
        info.port = scenario::serverPortFor(device->spec.protocol, device->spec.security);
        header.devices.push_back(std::move(info));
    }
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        if (e.sessionId == 0) continue;
        if (std::find(allSessions.begin(), allSessions.end(), e.sessionId) == allSessions.end())
            allSessions.push_back(e.sessionId);
        for (DeviceInfo& info : header.devices) {
            if (info.name != e.device) continue;
            if (std::find(info.sessions.begin(), info.sessions.end(), e.sessionId) == info.sessions.end())
                info.sessions.push_back(e.sessionId);
        }
    }
    header.tagged = allSessions.size() > 1; // the rule Transcript::toText uses
    return header;
}

std::string securityText(const DeviceInfo& device)
{
    if (device.security.empty()) return {};
    return (device.security == "tls" ? ", implicit TLS on port " : ", STARTTLS on port ") +
           std::to_string(device.port);
}

// [SECTION] commands explained from the command tables

std::optional<Explanation> explainCommand(wire::Protocol protocol, std::string_view clientBytes)
{
    std::vector<std::string_view> lines = wireLines(clientBytes);
    if (lines.empty()) return std::nullopt;
    std::vector<std::string_view> words = util::splitSpaces(lines.front());
    if (words.empty()) return std::nullopt;
    if (protocol == wire::Protocol::Pop3) {
        const pop3::CommandInfo* info = pop3::findCommand(words[0]);
        if (!info) return std::nullopt;
        return Explanation{info->name, info->syntax, info->summary, info->rfc};
    }
    // RFC 2177 section 3: DONE is not a command of its own but the end of IDLE.
    if (words.size() == 1 && util::iequals(words[0], "DONE")) {
        const imap::CommandInfo& idle = imap::commandInfo(imap::CommandName::Idle);
        return Explanation{"DONE (ends IDLE)", idle.syntax, idle.summary, idle.rfc};
    }
    if (words.size() < 2) return std::nullopt;
    const bool uid = util::iequals(words[1], "UID") && words.size() >= 3;
    std::string_view name = uid ? words[2] : words[1];
    for (const imap::CommandInfo& info : imap::commandTable()) {
        if (!util::iequals(name, info.wireName)) continue;
        return Explanation{uid ? std::string("UID ") + info.wireName : std::string(info.wireName),
                           info.syntax, info.summary, info.rfc};
    }
    return std::nullopt;
}

// [SECTION] steps and exchanges

namespace {

// The largest literal "{n}" or "{n+}" announced at the end of a line in these bytes (RFC 3501 section 4.3).
size_t largestLiteral(std::string_view bytes)
{
    size_t largest = 0;
    size_t pos = 0;
    while ((pos = bytes.find("}\r\n", pos)) != std::string_view::npos) {
        const size_t open = bytes.rfind('{', pos);
        if (open != std::string_view::npos) {
            std::string_view digits = bytes.substr(open + 1, pos - open - 1);
            if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
            if (auto n = util::parseNumber(digits)) largest = std::max(largest, static_cast<size_t>(*n));
        }
        pos += 3;
    }
    return largest;
}

constexpr size_t kLongReplyLines = 20;

bool carriesMessageContent(const Item& item, const ReplySize& size)
{
    if (item.kind == Item::Kind::Event) return false;
    if (size.literal > 0 || size.lines > kLongReplyLines) return true;
    if (item.kind != Item::Kind::Exchange || !item.explanation || item.replies.empty()) return false;
    // POP3 RETR and TOP answer +OK and the message (RFC 1939 sections 5 and 7): the session says so. (IMAP's
    // message content comes in literals, counted above.)
    if (item.replies.front()->protocol != wire::Protocol::Pop3) return false;
    const auto& exchanges = item.replies.front()->exchanges;
    return std::any_of(exchanges.begin(), exchanges.end(), [](const wire::Exchange& x) {
        return std::any_of(x.effects.begin(), x.effects.end(),
                           [](const wire::Effect& f) { return f.kind == wire::Effect::Kind::Sent; });
    });
}

} // namespace

ReplySize replySize(const Item& item)
{
    ReplySize size;
    auto add = [&](const wire::TranscriptEntry* e) {
        if (e->kind != wire::TranscriptEntry::Kind::Data || e->direction != wire::Direction::ServerToClient)
            return;
        size.lines += wireLines(e->bytes).size();
        size.octets += e->bytes.size();
        size.literal = std::max(size.literal, largestLiteral(e->bytes));
    };
    if (item.kind == Item::Kind::Server) add(item.first);
    for (const wire::TranscriptEntry* e : item.replies)
        add(e);
    return size;
}

LessonView lessonView(const scenario::Simulation& simulation)
{
    LessonView view;
    view.header = lessonHeader(simulation);
    const std::vector<scenario::Action>& actions = simulation.scenario().actions;
    view.actionsTotal = actions.size();
    const size_t reached = std::min(simulation.actionIndex(), actions.size());
    for (size_t i = 0; i < reached; ++i)
        view.steps.push_back(StepView{i, &actions[i], {}, 0});
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        // The handouts show what the programs said; the handshake is told by its notes, and the records
        // themselves are for the capture (pcap, json).
        if (e.kind == wire::TranscriptEntry::Kind::TlsRecord) continue;
        size_t action = simulation.actionOfStep(e.step);
        if (view.steps.empty()) view.steps.push_back(StepView{0, nullptr, {}, 0}); // no lesson step known
        StepView& step = view.steps[std::min(action, view.steps.size() - 1)];
        if (step.items.empty()) step.startMs = e.timeMs;
        const bool data = e.kind == wire::TranscriptEntry::Kind::Data;
        if (data && e.direction == wire::Direction::ClientToServer) {
            Item item{Item::Kind::Exchange, &e, {}, explainCommand(e.protocol, e.bytes), false, false};
            step.items.push_back(std::move(item));
        } else if (data) {
            Item* open = step.items.empty() ? nullptr : &step.items.back();
            if (open && open->kind != Item::Kind::Event && open->first->sessionId == e.sessionId)
                open->replies.push_back(&e);
            else {
                Item item{Item::Kind::Server, &e, {}, std::nullopt, false, false};
                item.greeting = open && open->kind == Item::Kind::Event &&
                                open->first->kind == wire::TranscriptEntry::Kind::Connected &&
                                open->first->sessionId == e.sessionId;
                step.items.push_back(std::move(item));
            }
        } else {
            step.items.push_back(Item{Item::Kind::Event, &e, {}, std::nullopt, false, false});
        }
    }
    const auto& entries = simulation.transcript().entries();
    for (const scenario::Reveal& reveal : scenario::reveals(simulation))
        if (reveal.revealed() && reveal.evidence < entries.size() && reveal.action < view.steps.size())
            view.steps[reveal.action].evidence = &entries[reveal.evidence];
    for (StepView& step : view.steps)
        for (Item& item : step.items)
            item.longReply = carriesMessageContent(item, replySize(item));
    return view;
}

size_t answerAfterItems(const StepView& step)
{
    if (step.evidence)
        for (size_t i = 0; i < step.items.size(); ++i) {
            const Item& item = step.items[i];
            if (item.first == step.evidence ||
                std::find(item.replies.begin(), item.replies.end(), step.evidence) != item.replies.end())
                return i + 1;
        }
    for (size_t i = step.items.size(); i-- > 0;)
        if (step.items[i].kind != Item::Kind::Event) return i + 1;
    return step.items.size();
}

const wire::TranscriptEntry* answerAfterEntry(const StepView& step)
{
    const size_t after = answerAfterItems(step);
    if (after == 0) return nullptr;
    const Item& item = step.items[after - 1];
    return item.replies.empty() ? item.first : item.replies.back();
}

std::string stepTitle(const StepView& step)
{
    if (!step.action) return "outside the lesson's steps";
    const scenario::Action& action = *step.action;
    std::string title = scenario::actionName(action.kind);
    if (!action.device.empty())
        title += " (" + action.device + ")";
    else if (action.kind == scenario::ActionKind::Deliver && !action.to.empty())
        title += " (to " + action.to + ")";
    return title;
}

std::vector<AskedQuestion> askedQuestions(const scenario::Scenario& lesson)
{
    std::vector<AskedQuestion> asked;
    for (size_t i = 0; i < lesson.actions.size(); ++i) {
        if (!lesson.actions[i].question) continue;
        StepView step;
        step.actionIndex = i;
        step.action = &lesson.actions[i];
        asked.push_back({asked.size() + 1, i, &lesson.actions[i], &*lesson.actions[i].question,
                         "Step " + std::to_string(i + 1) + ": " + stepTitle(step)});
    }
    return asked;
}

std::string sessionTag(const wire::TranscriptEntry& entry, bool tagged)
{
    if (!tagged) return {};
    return "[" + entry.device + "#" + std::to_string(entry.sessionId) + "] ";
}

// [SECTION] final state

std::vector<AccountState> serverState(const store::Store& store)
{
    std::vector<AccountState> accounts;
    for (const std::string& user : store.users()) {
        const store::Account* account = store.account(user);
        if (!account) continue;
        AccountState state;
        state.user = user;
        std::vector<const store::Mailbox*> boxes;
        for (const auto& [name, mailbox] : account->mailboxes)
            boxes.push_back(&mailbox);
        std::stable_partition(boxes.begin(), boxes.end(),
                              [](const store::Mailbox* m) { return m->name == "INBOX"; });
        for (const store::Mailbox* mailbox : boxes) {
            MailboxState box{mailbox->name, mailbox->specialUse, mailbox->uidValidity, mailbox->uidNext, {}};
            uint32_t sequence = 0;
            for (const store::StoredMessage& message : mailbox->messages) {
                ServerMessage row;
                row.sequence = ++sequence;
                row.uid = message.uid;
                for (store::Flag flag : store::kAllFlags)
                    if (message.has(flag))
                        row.flags += (row.flags.empty() ? "" : " ") + std::string(store::flagName(flag));
                for (const std::string& keyword : message.keywords)
                    row.flags += (row.flags.empty() ? "" : " ") + keyword;
                row.size = message.size();
                mail::Summary summary = mail::summarize(message.headerOrEmpty());
                row.from = summary.from;
                row.subject = summary.subject;
                box.messages.push_back(std::move(row));
            }
            state.mailboxes.push_back(std::move(box));
        }
        accounts.push_back(std::move(state));
    }
    return accounts;
}

namespace {

std::string heldDescription(const store::LocalMessage& message)
{
    if (message.complete) return "whole message";
    if (message.partsHeld.empty()) return "nothing but its id";
    std::string bodyParts, all;
    for (const std::string& part : message.partsHeld) {
        all += (all.empty() ? "" : ", ") + part;
        if (part == "ENVELOPE" || part == "BODYSTRUCTURE" || part == "HEADER" ||
            util::istartsWith(part, "HEADER."))
            continue;
        bodyParts += (bodyParts.empty() ? "" : ", ") + part;
    }
    if (bodyParts.empty()) return "headers only (" + all + ")";
    return "headers + part " + bodyParts + " (" + all + ")";
}

} // namespace

std::vector<DeviceState> deviceState(const scenario::Simulation& simulation)
{
    LessonHeader header = lessonHeader(simulation);
    std::vector<DeviceState> states;
    const auto& devices = simulation.devices();
    for (size_t i = 0; i < devices.size(); ++i) {
        const scenario::Device& device = *devices[i];
        DeviceState state;
        state.info = header.devices[i];
        state.connected = device.session != nullptr;
        for (const store::LocalMessage& local : device.local.messages()) {
            state.messages.push_back(DeviceMessage{local.folder, local.serverId, local.from, local.subject,
                                                   heldDescription(local), local.bytes.size(),
                                                   local.serverSize, local.seen, local.flags});
        }
        states.push_back(std::move(state));
    }
    return states;
}

} // namespace maillab::exporter
