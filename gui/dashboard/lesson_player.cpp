#include "lesson_player.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace maillab::gui {

LessonPlayer::LessonPlayer() = default;

LessonPlayer::~LessonPlayer()
{
    if (m_simulation && m_listener) m_simulation->store().unsubscribe(m_listener);
}

bool LessonPlayer::load(const std::filesystem::path& file)
{
    auto loaded = scenario::loadScenario(file);
    if (auto* error = std::get_if<scenario::LoadError>(&loaded)) {
        m_loadError = error->message;
        return false;
    }
    m_loadError.clear();
    m_file = file;
    load(std::get<scenario::Scenario>(std::move(loaded)));
    return true;
}

void LessonPlayer::load(scenario::Scenario scenario)
{
    m_scenario = std::move(scenario);
    m_running = false;
    m_playTo = -1;
    m_skipBreakAt = 0;
    // The timeline runs the lesson once to list its events (a few milliseconds).
    m_timeline = std::make_unique<scenario::Timeline>(m_scenario);
    adopt(m_timeline->simulationAt(0));
}

void LessonPlayer::adopt(std::unique_ptr<scenario::Simulation> simulation)
{
    if (m_simulation) {
        for (const auto& listener : m_rebuildListeners)
            listener();
        if (m_listener) m_simulation->store().unsubscribe(m_listener);
    }
    m_simulation = std::move(simulation);
    m_listener = m_simulation->store().subscribe([this](const store::StoreEvent& event) {
        using Kind = store::StoreEvent::Kind;
        switch (event.kind) {
        case Kind::MessageAdded:
        case Kind::FlagsChanged:
        case Kind::MessageExpunged: m_changes.messages.insert({event.user, event.mailbox, event.uid}); break;
        case Kind::LockChanged: m_changes.accounts.insert(event.user); break;
        default: break;
        }
        m_changes.mailboxes.insert({event.user, event.mailbox});
        if (!event.newName.empty()) m_changes.mailboxes.insert({event.user, event.newName});
    });
    m_changes = {};
    m_breakMessage.clear();
    ++m_generation;
}

int LessonPlayer::stepNumber() const
{
    return m_simulation ? m_simulation->stepNumber() : 0;
}

bool LessonPlayer::finished() const
{
    return !m_simulation || m_simulation->finished();
}

size_t LessonPlayer::lessonStep() const
{
    return m_timeline ? m_timeline->actionAt(stepNumber()) : SIZE_MAX;
}

bool LessonPlayer::stepOnce()
{
    if (!m_simulation) return false;
    m_changes = {};
    m_changes.step = m_simulation->stepNumber() + 1;
    return m_timeline->advance(*m_simulation);
}

bool LessonPlayer::step()
{
    m_breakMessage.clear();
    m_playTo = -1;
    return stepOnce();
}

void LessonPlayer::playLessonStep()
{
    if (!m_simulation || finished()) return;
    m_breakMessage.clear();
    m_running = false;
    m_runCredit = 1.0; // the first exchange goes at once: the press is answered
    m_playTo = m_timeline->nextBoundary(stepNumber());
}

void LessonPlayer::finishLessonStep()
{
    if (!m_simulation) return;
    m_breakMessage.clear();
    const int target = m_timeline->nextBoundary(stepNumber());
    m_playTo = -1;
    while (stepNumber() < target && stepOnce()) {}
}

void LessonPlayer::seek(int target)
{
    if (!m_timeline) return;
    m_running = false;
    m_playTo = -1;
    target = std::clamp(target, 0, totalSteps());
    if (target == stepNumber()) return;
    // The last step is taken here, not in the timeline, so that its changes are highlighted as after a Step.
    adopt(m_timeline->simulationAt(std::max(0, target - 1)));
    if (target > 0) stepOnce();
}

void LessonPlayer::back()
{
    if (!m_timeline) return;
    seek(m_timeline->previousBoundary(stepNumber()));
}

void LessonPlayer::reset()
{
    m_running = false;
    m_playTo = -1;
    m_skipBreakAt = 0;
    if (!m_timeline) return;
    m_timeline->clearInterventions();
    adopt(m_timeline->simulationAt(0));
}

void LessonPlayer::setRunning(bool running)
{
    m_running = running && !finished();
    m_playTo = -1;
    m_runCredit = 0;
    if (m_running) m_breakMessage.clear();
}

void LessonPlayer::loseDevice(const std::string& device)
{
    if (!m_simulation || !m_simulation->device(device)) return;
    m_playTo = -1;
    m_timeline->addIntervention({m_simulation->stepNumber() + 1, device});
    stepOnce();
}

std::string LessonPlayer::breakpointHit(int step) const
{
    if (breakpoints.empty()) return {};
    const auto& entries = m_simulation->transcript().entries();
    // The step's entries are at the end of the transcript.
    size_t first = entries.size();
    while (first > 0 && entries[first - 1].step == step)
        --first;
    // Each reply names the command it answered (wire::Exchange); the line shown is what the client sent.
    std::map<int, const wire::TranscriptEntry*> lastSent; // by session
    for (size_t i = first; i < entries.size(); ++i) {
        const wire::TranscriptEntry& e = entries[i];
        if (e.kind != wire::TranscriptEntry::Kind::Data) continue;
        if (e.direction == wire::Direction::ClientToServer) {
            lastSent[e.sessionId] = &e;
            continue;
        }
        for (const wire::Exchange& exchange : e.exchanges)
            for (const std::string& breakpoint : breakpoints) {
                const std::string wanted = util::toUpper(breakpoint);
                const std::string& name = exchange.command;
                const bool hit = name == wanted || (name.starts_with("UID ") && name.substr(4) == wanted);
                if (!hit) continue;
                const wire::TranscriptEntry* sent =
                    lastSent.count(e.sessionId) ? lastSent[e.sessionId] : nullptr;
                std::string line = sent ? sent->bytes.substr(0, sent->bytes.find("\r\n")) : name;
                if (line.size() > 60) line = line.substr(0, 57) + "...";
                return "Breakpoint " + wanted + ": " + e.device + " is about to send \"" + line + "\"";
            }
    }
    return {};
}

void LessonPlayer::tick(double seconds)
{
    if (!m_simulation) return;
    const bool playing = m_running || m_playTo >= 0;
    // Snapshots are made while nothing plays, a few exchanges a frame (a lesson's whole run is ~5 ms).
    if (!playing) {
        m_timeline->prepare(8);
        return;
    }
    m_runCredit += seconds * std::max(0.1f, stepsPerSecond);
    while (m_runCredit >= 1.0 && (m_running || m_playTo >= 0)) {
        m_runCredit -= 1.0;
        if (m_playTo >= 0 && stepNumber() >= m_playTo) {
            m_playTo = -1;
            break;
        }
        if (!stepOnce()) {
            m_running = false;
            m_playTo = -1;
            break;
        }
        if (m_playTo >= 0 && stepNumber() >= m_playTo) m_playTo = -1;
        int taken = m_simulation->stepNumber();
        if (taken == m_skipBreakAt) continue;
        std::string hit = breakpointHit(taken);
        if (!hit.empty()) {
            // Stop *before* the step, so the class can guess what comes next.
            seek(taken - 1);
            m_breakMessage = hit;
            m_skipBreakAt = taken; // Run again goes past it
        }
    }
    if (finished()) {
        m_running = false;
        m_playTo = -1;
    }
}

} // namespace maillab::gui
