// What the scene panel shows, worked out from sim/ state alone and without ImGui, so tests can check it
// headless: the server's accounts with their trays of envelopes, each device with its local store, what
// crossed the wire in the last step (in flight), the POP3 maildrop padlock, lost devices, checkpoints.
// Everything comes from the store, the device stores, the sessions and the typed wire::Exchange effects of
// the transcript; nothing here reads protocol text.
#pragma once

#include "scenario/checkpoint.hpp"
#include "scenario/simulation.hpp"
#include "store/store.hpp"
#include "wire/clock.hpp"
#include "wire/exchange.hpp"
#include "wire/session.hpp"
#include "wire/transcript.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace maillab::gui::scene {

// What a device looks like: the lesson's "kind", or inferred from its name (scenario::deviceKind).
using scenario::DeviceKind;

struct Envelope {
    uint32_t uid = 0;
    uint8_t flags = 0;       // store::Flag bits: stickers for \Seen, \Flagged, \Answered, \Deleted
    std::string markedBy;    // POP3: the device whose DELE marked it, struck until QUIT (RFC 1939 section 6)
    bool changedNow = false; // arrived or changed in the last step
};

// One mailbox of an account: the first envelopes, and how many there are in all (a 10,000-message INBOX is
// drawn as a stack with its count, not as 10,000 envelopes).
struct Tray {
    std::string mailbox;
    std::string specialUse;
    size_t count = 0;
    std::vector<Envelope> envelopes; // ascending UID, at most SceneInput::maxEnvelopes
};

struct Account {
    std::string user;
    std::string lockHolder; // the device (or client) whose POP3 session holds the maildrop lock; empty: free
    int lockSession = 0;
    std::vector<Tray> trays; // INBOX first
};

// How much of a message a device holds, as drawn: an envelope, a postcard (headers), a torn-off part.
enum class Held { Whole, Headers, Part };

struct LocalItem {
    std::string folder;
    std::string subject;
    bool whole = false;       // the whole message is on the device
    std::string partsHeld;    // IMAP sections beyond the header ("1.2"), comma-separated; empty: header only
    bool arrivingNow = false; // downloaded in the last step: still on its way while its flight is drawn
    // The device's own copy's state (store::Flag bits): read on the device, and the IMAP flags it last heard
    // from the server; not the server's, which the device may not have heard of yet.
    uint8_t flags = 0;

    Held held() const { return whole ? Held::Whole : partsHeld.empty() ? Held::Headers : Held::Part; }
};

struct DeviceView {
    std::string name;
    DeviceKind kind = DeviceKind::Laptop;
    wire::Protocol protocol = wire::Protocol::Pop3;
    std::string mode; // POP3 "delete" / "keep"; IMAP "online"
    std::string user;
    wire::Security security = wire::Security::Plain;
    bool connected = false;
    bool sealed = false;         // the open connection runs inside TLS: the wire is a sealed tube
    bool lost = false;           // "lose this device": greyed, its envelopes gone
    bool acting = false;         // the device of the last step
    bool bounced = false;        // its login was refused in the last step
    bool bouncedOffLock = false; // ... while another session held the account's POP3 maildrop lock
    std::string state;           // the open session's state as the RFC names it
    bool idle = false;           // its IMAP session is in IDLE: the server tells it of changes at once
    int removeAfterDays = 0;     // POP3 keep mode: the server's copy is deleted this many days after download
    size_t localCount = 0;
    size_t arrivingCount = 0;     // of them, downloaded in the last step (arrivingNow)
    std::vector<LocalItem> local; // at most SceneInput::maxEnvelopes

    // How many copies the picture shows: all once the step's flights have landed; before, the ones that were
    // already there (what is on its way is drawn on the wire, not twice).
    size_t shownCount(bool landed) const { return landed ? localCount : localCount - arrivingCount; }
};

// Something that crossed the wire, or moved on the server, in the last step.
struct Flight {
    enum class Kind { Download, Upload, Move, Copy };
    Kind kind = Kind::Download;
    std::string device; // whose connection it travels on
    std::string user, mailbox;
    uint32_t uid = 0;
    wire::Effect::Extent extent = wire::Effect::Extent::Whole; // envelope, postcard (headers) or one part
    std::string part;                                          // Extent::Part: "1.2"
    std::string target;                                        // Move / Copy: the destination mailbox
    uint64_t bytes = 0;
    bool encrypted = false; // inside TLS
};

// A message removed for good in the last step (POP3 UPDATE after QUIT, IMAP EXPUNGE, MOVE's original).
struct Removal {
    std::string user, mailbox;
    uint32_t uid = 0;
};

// What an eavesdropper on a device's connection saw in the last step.
struct Overheard {
    std::string device;
    bool encrypted = false; // only TLS records: scrambled bytes
    std::string text;       // plain: the first client line (or else the server's); TLS: record bytes in hex
    std::string command;    // the command the line sent, as the server named it ("UID FETCH"); may be empty
};

struct Badge {
    std::string description;
    bool passed = false;
};

struct Scene {
    int step = 0;              // the simulation step the flights belong to
    int64_t day = 0;           // the simulated day, 1 on the lesson's first; 0 without a clock (live mode)
    std::string actor;         // the device of the last step, empty when the server acted alone
    bool serverActing = false; // the last step was the server's alone (a delivery, time passing)
    std::vector<Account> accounts;
    std::vector<DeviceView> devices;
    std::vector<Flight> flights;
    size_t flightsLeftOut = 0; // beyond maxFlights
    std::vector<Removal> removed;
    std::vector<Overheard> overheard;
    std::vector<Badge> checkpoints;

    const Account* account(const std::string& user) const;
    const Tray* tray(const std::string& user, const std::string& mailbox) const;
    const DeviceView* device(const std::string& name) const;
};

// One open connection's server side (lesson devices bring their own; in live mode, the real clients).
struct SessionRef {
    int id = 0;
    std::string device;
    const wire::ServerSession* session = nullptr;
};

struct SceneInput {
    const store::Store* store = nullptr;
    const wire::Transcript* transcript = nullptr;
    std::vector<const scenario::Device*> devices;
    std::vector<SessionRef> sessions;
    const std::vector<scenario::CheckpointResult>* checkpoints = nullptr;
    // What the store's events said changed in the last step (StepChanges::messages): user, mailbox, UID.
    const std::set<std::tuple<std::string, std::string, uint32_t>>* changed = nullptr;
    // The simulated clock and its day 1 (Scene::day); no clock: nowMs < 0.
    int64_t nowMs = -1;
    int64_t originMs = wire::VirtualClock::kDefaultStartMs;
    size_t maxEnvelopes = 24;
    size_t maxFlights = 64;
};

Scene buildScene(const SceneInput& input);

// A device's copy's state as store::Flag bits: a POP3 copy has only "read on this device"; an IMAP copy also
// the flags it last heard from the server.
uint8_t localFlags(const store::LocalMessage& message);

// The device that acted last: the newest transcript entry a device or client sent, looked for among the
// newest entries only (a live server's transcript is long) and within the newest step: empty when that step
// was the server's alone (a delivery, days passing), or when none.
std::string actorOf(const wire::Transcript& transcript);

} // namespace maillab::gui::scene
