// The scene's model: see scene_model.hpp.
#include "scene_model.hpp"

#include "imap/imap_session.hpp"
#include "pop3/pop3_session.hpp"
#include "util/text.hpp"
#include "wire/clock_text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace maillab::gui::scene {
namespace {

using Entry = wire::TranscriptEntry;

// The newest entries only: a step is a handful of entries, and a live server's transcript is long.
constexpr size_t kStepLookBack = 256;
// How far back a device's connection is searched for the TLS records that make it a sealed tube.
constexpr size_t kTlsLookBack = 2000;

std::string sessionUser(const wire::ServerSession* session)
{
    if (const auto* pop = dynamic_cast<const pop3::Pop3Session*>(session)) return pop->user();
    if (const auto* imap = dynamic_cast<const imap::ImapSession*>(session)) return imap->user();
    return {};
}

std::string hexOf(const std::string& bytes, size_t count)
{
    std::string out;
    char buffer[4];
    for (size_t i = 0; i < bytes.size() && i < count; ++i) {
        std::snprintf(buffer, sizeof buffer, "%02x", static_cast<unsigned char>(bytes[i]));
        out += (out.empty() ? "" : " ") + std::string(buffer);
    }
    return out;
}

// The line's start: the panel shortens it to the room beside the device, the whole line is its hover.
std::string firstLine(const std::string& bytes, size_t limit)
{
    const size_t end = std::min(bytes.find_first_of("\r\n"), bytes.size());
    std::string line = bytes.substr(0, std::min(end, limit));
    if (end > limit) line += "\xe2\x80\xa6";
    for (char& ch : line)
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return line;
}

const char* const kDescriptiveSections[] = {"ENVELOPE", "HEADER", "BODYSTRUCTURE"};

std::string contentParts(const std::set<std::string>& held)
{
    std::string parts;
    for (const std::string& part : held)
        if (std::find(std::begin(kDescriptiveSections), std::end(kDescriptiveSections), part) ==
            std::end(kDescriptiveSections))
            parts += (parts.empty() ? "" : ", ") + part;
    return parts;
}

} // namespace

uint8_t localFlags(const store::LocalMessage& m)
{
    uint8_t flags = m.seen ? store::kSeen : 0;
    for (const std::string_view word : util::splitSpaces(m.flags))
        if (const auto flag = store::flagFromName(word); flag && *flag != store::kSeen) flags |= *flag;
    return flags;
}

const Account* Scene::account(const std::string& user) const
{
    for (const Account& a : accounts)
        if (a.user == user) return &a;
    return nullptr;
}

const Tray* Scene::tray(const std::string& user, const std::string& mailbox) const
{
    if (const Account* a = account(user))
        for (const Tray& t : a->trays)
            if (t.mailbox == mailbox) return &t;
    return nullptr;
}

const DeviceView* Scene::device(const std::string& name) const
{
    for (const DeviceView& d : devices)
        if (d.name == name) return &d;
    return nullptr;
}

std::string actorOf(const wire::Transcript& transcript)
{
    const auto& entries = transcript.entries();
    if (entries.empty()) return {};
    const int step = entries.back().step;
    for (size_t i = entries.size(), seen = 0; i > 0 && seen < kStepLookBack; --i, ++seen) {
        const Entry& e = entries[i - 1];
        if (e.step != step) break; // an earlier step's device did not act in this one
        // The simulator's own remarks name "server"; a device's remark (it is lost, it gave up) names it.
        if (e.kind == Entry::Kind::Note && e.device == "server") continue;
        // What the server sent: an answer follows its device's own words in the same step, and news pushed
        // to a device in IDLE (new mail arrived) is not that device acting.
        if ((e.kind == Entry::Kind::Data || e.kind == Entry::Kind::TlsRecord) &&
            e.direction == wire::Direction::ServerToClient)
            continue;
        if (!e.device.empty()) return e.device;
    }
    return {};
}

Scene buildScene(const SceneInput& in)
{
    Scene scene;
    if (!in.store) return scene;
    if (in.nowMs >= 0) scene.day = wire::dayNumber(in.nowMs, in.originMs);

    // [SECTION] who is who: sessions to devices and users
    std::map<int, std::string> deviceOfSession, userOfSession;
    std::map<std::string, const scenario::Device*> deviceByName;
    std::set<std::string> imapUsers;
    for (const SessionRef& s : in.sessions) {
        deviceOfSession[s.id] = s.device;
        userOfSession[s.id] = sessionUser(s.session);
        if (s.session && s.session->protocol() == wire::Protocol::Imap) imapUsers.insert(userOfSession[s.id]);
    }
    for (const scenario::Device* d : in.devices) {
        deviceByName[d->spec.name] = d;
        if (d->sessionId) {
            deviceOfSession[d->sessionId] = d->spec.name;
            userOfSession[d->sessionId] = d->spec.user;
        }
        if (d->spec.protocol == wire::Protocol::Imap) imapUsers.insert(d->spec.user);
    }

    // [SECTION] the last step's entries
    std::vector<const Entry*> last;
    if (in.transcript && !in.transcript->entries().empty()) {
        const auto& entries = in.transcript->entries();
        scene.step = entries.back().step;
        for (size_t i = entries.size(); i > 0 && last.size() < kStepLookBack; --i) {
            if (entries[i - 1].step != scene.step) break;
            last.push_back(&entries[i - 1]);
        }
        std::reverse(last.begin(), last.end());
        scene.actor = actorOf(*in.transcript);
        scene.serverActing = scene.actor.empty() && scene.step > 0;
    }

    // [SECTION] what the last step's exchanges did
    std::set<std::string> bounced, bouncedByRightPassword;
    std::set<std::tuple<std::string, std::string, uint32_t>> changedByEffect;
    std::map<std::string, int64_t>
        firstDownloadMs; // device -> when this step's first reply sending mail left
    for (const Entry* e : last) {
        if (e->kind != Entry::Kind::Data || e->direction != wire::Direction::ServerToClient) continue;
        const std::string& device = e->device;
        for (const wire::Exchange& exchange : e->exchanges)
            for (const wire::Effect& effect : exchange.effects)
                if (effect.kind == wire::Effect::Kind::Sent && !firstDownloadMs.contains(device))
                    firstDownloadMs[device] = e->timeMs;
        const std::string user = userOfSession.count(e->sessionId) ? userOfSession[e->sessionId] : "";
        for (const wire::Exchange& exchange : e->exchanges) {
            if (!exchange.user.empty() && wire::refused(exchange.status)) {
                bounced.insert(device);
                if (exchange.login != wire::Login::Failed) bouncedByRightPassword.insert(device);
            }
            for (const wire::Effect& effect : exchange.effects) {
                using Kind = wire::Effect::Kind;
                Flight flight;
                flight.device = device;
                flight.user = user;
                flight.mailbox = effect.mailbox;
                flight.uid = effect.uid;
                flight.extent = effect.extent;
                flight.part = effect.part;
                flight.target = effect.target;
                flight.bytes = effect.bytes;
                flight.encrypted = e->encrypted;
                bool flies = true;
                switch (effect.kind) {
                case Kind::Sent: flight.kind = Flight::Kind::Download; break;
                case Kind::Appended:
                    flight.kind = Flight::Kind::Upload;
                    changedByEffect.insert({user, effect.mailbox, effect.uid});
                    break;
                case Kind::Moved:
                case Kind::Copied:
                    flight.kind = effect.kind == Kind::Moved ? Flight::Kind::Move : Flight::Kind::Copy;
                    flight.uid = effect.targetUid;
                    changedByEffect.insert({user, effect.target, effect.targetUid});
                    if (effect.kind == Kind::Moved)
                        scene.removed.push_back({user, effect.mailbox, effect.uid});
                    break;
                case Kind::Expunged:
                    scene.removed.push_back({user, effect.mailbox, effect.uid});
                    flies = false;
                    break;
                case Kind::FlagsChanged:
                    changedByEffect.insert({user, effect.mailbox, effect.uid});
                    flies = false;
                    break;
                default: flies = false; break;
                }
                if (!flies) continue;
                if (scene.flights.size() < in.maxFlights)
                    scene.flights.push_back(std::move(flight));
                else
                    ++scene.flightsLeftOut;
            }
        }
    }

    // [SECTION] what an eavesdropper on each connection saw in the last step
    struct Heard {
        std::string tls, client, server, command;
    };
    std::map<std::string, Heard> heard;
    for (const Entry* e : last) {
        if (e->kind == Entry::Kind::TlsRecord) {
            if (heard[e->device].tls.empty()) heard[e->device].tls = hexOf(e->bytes, 8);
        } else if (e->kind == Entry::Kind::Data && !e->encrypted) {
            Heard& h = heard[e->device];
            const bool fromClient = e->direction == wire::Direction::ClientToServer;
            std::string& line = fromClient ? h.client : h.server;
            if (line.empty()) line = firstLine(e->bytes, 120);
            // The answer to the client's first line names its command (the session's own word for it).
            if (!fromClient && h.command.empty())
                for (const wire::Exchange& exchange : e->exchanges)
                    if (!exchange.command.empty()) {
                        h.command = exchange.command;
                        break;
                    }
        }
    }
    // Records, once there are any: the plain lines before them (STLS) say nothing of what TLS carries. Else
    // the client's words first: a password or a command says more than the reply's first line.
    for (const auto& [device, h] : heard) {
        if (!h.tls.empty())
            scene.overheard.push_back({device, true, h.tls, {}});
        else if (!h.client.empty())
            scene.overheard.push_back({device, false, h.client, h.command});
        else if (!h.server.empty())
            scene.overheard.push_back({device, false, h.server, {}});
    }

    // [SECTION] the server's accounts and trays
    std::map<std::pair<std::string, uint32_t>, std::string> marks; // (user, uid) -> the device that sent DELE
    for (const SessionRef& s : in.sessions) {
        const auto* pop = dynamic_cast<const pop3::Pop3Session*>(s.session);
        if (!pop || pop->state() != pop3::State::Transaction) continue;
        for (const pop3::Pop3Session::MaildropEntry& entry : pop->maildrop())
            if (entry.markedDeleted) marks[{pop->user(), entry.uid}] = s.device;
    }
    std::set<std::pair<std::string, std::string>> touched;
    for (const Removal& r : scene.removed)
        touched.insert({r.user, r.mailbox});
    for (const Flight& f : scene.flights)
        touched.insert({f.user, f.target.empty() ? f.mailbox : f.target});
    for (const std::string& user : in.store->users()) {
        const store::Account& stored = *in.store->account(user);
        Account account;
        account.user = user;
        account.lockSession = stored.pop3LockHolder;
        if (stored.pop3LockHolder)
            account.lockHolder = deviceOfSession.count(stored.pop3LockHolder)
                                     ? deviceOfSession[stored.pop3LockHolder]
                                     : "session " + std::to_string(stored.pop3LockHolder);
        auto addTray = [&](const store::Mailbox& mailbox) {
            Tray tray;
            tray.mailbox = mailbox.name;
            tray.specialUse = mailbox.specialUse;
            tray.count = mailbox.messages.size();
            for (size_t i = 0; i < mailbox.messages.size() && i < in.maxEnvelopes; ++i) {
                const store::StoredMessage& m = mailbox.messages[i];
                Envelope envelope;
                envelope.uid = m.uid;
                envelope.flags = m.flags;
                if (mailbox.name == "INBOX")
                    if (auto it = marks.find({user, m.uid}); it != marks.end())
                        envelope.markedBy = it->second;
                const std::tuple<std::string, std::string, uint32_t> key{user, mailbox.name, m.uid};
                envelope.changedNow =
                    changedByEffect.contains(key) || (in.changed && in.changed->contains(key));
                tray.envelopes.push_back(std::move(envelope));
            }
            account.trays.push_back(std::move(tray));
        };
        // INBOX first; the other folders when they hold mail, took part in the last step, or the account is
        // used over IMAP (where folders are the point).
        if (const store::Mailbox* inbox = in.store->mailbox(user, "INBOX")) addTray(*inbox);
        for (const auto& [name, mailbox] : stored.mailboxes)
            if (name != "INBOX" &&
                (!mailbox.messages.empty() || imapUsers.contains(user) || touched.contains({user, name})))
                addTray(mailbox);
        scene.accounts.push_back(std::move(account));
    }

    // [SECTION] the devices
    std::set<int> sealedSessions;
    if (in.transcript) {
        const auto& entries = in.transcript->entries();
        for (size_t i = entries.size(), seen = 0; i > 0 && seen < kTlsLookBack; --i, ++seen) {
            const Entry& e = entries[i - 1];
            if (e.kind == Entry::Kind::TlsRecord || e.encrypted) sealedSessions.insert(e.sessionId);
        }
    }
    for (const scenario::Device* d : in.devices) {
        DeviceView view;
        view.name = d->spec.name;
        view.kind = scenario::deviceKind(d->spec);
        view.protocol = d->spec.protocol;
        view.mode = d->spec.mode;
        view.user = d->spec.user;
        view.security = d->spec.security;
        view.connected = d->session != nullptr;
        view.sealed = view.connected && sealedSessions.contains(d->sessionId);
        view.lost = d->lost;
        view.acting = view.name == scene.actor;
        view.bounced = bounced.contains(view.name);
        if (view.bounced && bouncedByRightPassword.contains(view.name))
            if (const Account* a = scene.account(view.user);
                a && !a->lockHolder.empty() && a->lockHolder != view.name)
                view.bouncedOffLock = true;
        if (d->session) view.state = d->session->stateName();
        if (const auto* imap = dynamic_cast<const imap::ImapSession*>(d->session.get()))
            view.idle = imap->idling();
        if (d->spec.protocol == wire::Protocol::Pop3 && d->spec.mode == "keep")
            view.removeAfterDays = d->spec.removeAfterDays;
        const auto& messages = d->local.messages();
        view.localCount = messages.size();
        // A copy made from a reply of this step (the device's clock stamps each copy when the reply has
        // come). Not "since the step began": a client stores the last step's copy and sends its next command
        // in the same instant, so in keep mode, RETR after RETR, that copy carries this step's first
        // timestamp.
        const auto download = firstDownloadMs.find(view.name);
        for (size_t i = 0; i < messages.size(); ++i) {
            const store::LocalMessage& m = messages[i];
            const bool arriving = download != firstDownloadMs.end() && m.downloadedAtMs >= download->second;
            view.arrivingCount += arriving ? 1 : 0;
            if (i < in.maxEnvelopes)
                view.local.push_back(
                    {m.folder, m.subject, m.complete, contentParts(m.partsHeld), arriving, localFlags(m)});
        }
        scene.devices.push_back(std::move(view));
    }

    if (in.checkpoints)
        for (const scenario::CheckpointResult& result : *in.checkpoints)
            scene.checkpoints.push_back({result.description, result.passed()});
    return scene;
}

} // namespace maillab::gui::scene
