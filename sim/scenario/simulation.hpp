// Runs a scenario one exchange at a time: which device acts when, world events, faults and checkpoints. Each
// device reaches the server through its own Link, which carries the bytes, TLS and the recording.
#pragma once

#include "scenario/checkpoint.hpp"
#include "scenario/link.hpp"
#include "scenario/scenario.hpp"
#include "scenario/session_factory.hpp"
#include "store/device_store.hpp"
#include "store/store.hpp"
#include "wire/client.hpp"
#include "wire/clock.hpp"
#include "wire/transcript.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace maillab::scenario {

// Well-known ports (RFC 1939 section 3, RFC 3501 section 2.1), shown in the transcript and used in exports.
constexpr uint16_t kPop3Port = 110;
constexpr uint16_t kImapPort = 143;
// Implicit TLS (RFC 8314 section 7): POP3S and IMAPS.
constexpr uint16_t kPop3sPort = 995;
constexpr uint16_t kImapsPort = 993;
// The port a device connects to for its protocol and security.
uint16_t serverPortFor(wire::Protocol protocol, wire::Security security);

// A wait as the narration would say it: "10 minutes pass", "1 day passes", "2 hours 30 minutes pass".
std::string describeWait(int64_t ms);

struct Device {
    Device(DeviceSpec spec, Link::Acceptor accept, wire::Transcript& transcript, wire::VirtualClock& clock,
           const int& step);
    DeviceSpec spec;
    store::DeviceStore local;
    std::unique_ptr<wire::ClientEngine> client;
    Link link; // the device's connection to the server, open or not
    // The open connection's server side (or null) and the id of the current or last session, as the
    // dashboard and the tests read them; the link owns both.
    const std::unique_ptr<wire::ServerSession>& session = link.session();
    const int& sessionId = link.sessionId();
    // Lost ("lose device"): its connection dropped and its store wiped; it stays lost until it acts again
    // (a lesson may set it up anew), so views can grey it out without reading the transcript's notes.
    bool lost = false;
};

class Simulation {
public:
    // One way through the in-process link: what a LAN round trip of 50 ms looks like.
    static constexpr int64_t kOneWayLatencyMs = Link::kOneWayLatencyMs;

    explicit Simulation(Scenario scenario, std::filesystem::path mailDir = {});
    ~Simulation();

    // One exchange (a command and its complete reply, or a connect and its greeting) or one world event.
    // Returns false when the scenario has nothing left to do.
    bool step();
    // Runs to the end (or maxSteps); returns the number of steps taken.
    int run(int maxSteps = 1000000);
    bool finished() const;

    int stepNumber() const { return m_step; }
    // The lesson action (index into scenario().actions) that step n ran, n as in TranscriptEntry::step;
    // SIZE_MAX for a step not taken yet. Exports put an action's narration before its first step's lines.
    size_t actionOfStep(int step) const;
    // The index of the action in progress, or of the next one.
    size_t actionIndex() const { return m_actionIndex; }
    // Whether action `index` has run to its end (a device action that waits for another device, IDLE, ends
    // when the next action starts).
    bool actionDone(size_t index) const
    {
        return index + 1 < m_actionIndex || (index + 1 == m_actionIndex && m_activeDevice == nullptr);
    }
    // Every device lost so far, with the subjects of the mail it held when it went (the summary's "what
    // survived where").
    struct LostDevice {
        std::string name;
        std::vector<std::string> subjects;
    };
    const std::vector<LostDevice>& lostDevices() const { return m_lost; }
    // The subjects of the messages the server's virus filter kept out of every mailbox, in order.
    const std::vector<std::string>& quarantined() const { return m_quarantined; }
    const Scenario& scenario() const { return m_scenario; }
    const wire::Transcript& transcript() const { return m_transcript; }
    // For sessions the simulation does not drive itself (the dashboard's console) to record into.
    wire::Transcript& transcript() { return m_transcript; }
    store::Store& store() { return *m_store; }
    const store::Store& store() const { return *m_store; }
    const wire::VirtualClock& clock() const { return m_clock; }
    std::vector<std::unique_ptr<Device>>& devices() { return m_devices; }
    const std::vector<std::unique_ptr<Device>>& devices() const { return m_devices; }
    Device* device(const std::string& name);
    // Every checkpoint of the actions done so far, in order (a Note in the transcript says each too).
    const std::vector<CheckpointResult>& checkpointResults() const { return m_checkpoints; }
    // "Lose this device" now, outside the lesson's script (the dashboard's button): the connection drops and
    // everything stored on it is gone. A step of its own, like the lesson action of the same name.
    void loseDevice(const std::string& name);
    // Problems found while setting up (a listed message file that does not exist, ...).
    const std::vector<std::string>& setupErrors() const { return m_setupErrors; }

private:
    Link::Progress serveRequest(Device& device);
    void startAction(const Action& action);
    void finishAction(size_t index);
    void dropConnection(Device& device, const std::string& why);
    void wipeDevice(Device& device);
    void deliverUnsolicited();
    void note(const std::string& text, const std::string& device = "server");
    // The server side of a device's new connection, with the lesson's server options and the next session id.
    Link::Accepted acceptConnection(wire::Protocol protocol);
    std::string composeMessage(const Action& action);

    Scenario m_scenario;
    std::filesystem::path m_mailDir;
    wire::VirtualClock m_clock;
    std::unique_ptr<store::Store> m_store;
    wire::Transcript m_transcript;
    std::vector<std::unique_ptr<Device>> m_devices;
    std::vector<std::string> m_setupErrors;
    size_t m_actionIndex = 0;
    Device* m_activeDevice = nullptr;
    const Action* m_activeAction = nullptr;
    int m_step = 0;
    std::vector<CheckpointResult> m_checkpoints;
    std::vector<std::string> m_quarantined;
    std::vector<LostDevice> m_lost;
    std::vector<size_t> m_stepActions; // [n - 1]: the action step n ran
    int m_nextSessionId = 1;
    int m_composed = 0;
};

} // namespace maillab::scenario
