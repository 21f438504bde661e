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
    m_interventions.clear();
    // The length of the lesson, for the progress bar: a dry run costs a few milliseconds.
    scenario::Simulation dryRun(m_scenario);
    m_totalSteps = dryRun.run();
    rebuild();
}

void LessonPlayer::rebuild()
{
    if (m_simulation) {
        for (const auto& listener : m_rebuildListeners)
            listener();
        if (m_listener) m_simulation->store().unsubscribe(m_listener);
    }
    m_simulation = std::make_unique<scenario::Simulation>(m_scenario);
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

bool LessonPlayer::stepOnce()
{
    if (!m_simulation) return false;
    m_changes = {};
    m_changes.step = m_simulation->stepNumber() + 1;
    for (const Intervention& intervention : m_interventions)
        if (intervention.beforeStep == m_changes.step) {
            m_simulation->loseDevice(intervention.device);
            return true;
        }
    return m_simulation->step();
}

bool LessonPlayer::step()
{
    m_breakMessage.clear();
    return stepOnce();
}

void LessonPlayer::replayTo(int target)
{
    if (!m_simulation) return;
    rebuild();
    while (m_simulation->stepNumber() < target && stepOnce()) {}
}

void LessonPlayer::back()
{
    m_running = false;
    replayTo(std::max(0, stepNumber() - 1));
}

void LessonPlayer::reset()
{
    m_running = false;
    m_interventions.clear();
    m_skipBreakAt = 0;
    if (m_simulation) rebuild();
}

void LessonPlayer::setRunning(bool running)
{
    m_running = running && !finished();
    m_runCredit = 0;
    if (m_running) m_breakMessage.clear();
}

void LessonPlayer::loseDevice(const std::string& device)
{
    if (!m_simulation || !m_simulation->device(device)) return;
    int stepNumber = m_simulation->stepNumber() + 1;
    // Later interventions belonged to a future that Back has undone.
    std::erase_if(m_interventions, [&](const Intervention& i) { return i.beforeStep >= stepNumber; });
    m_interventions.push_back({stepNumber, device});
    m_changes = {};
    m_changes.step = stepNumber;
    m_simulation->loseDevice(device);
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
    if (!m_running || !m_simulation) return;
    m_runCredit += seconds * std::max(0.1f, stepsPerSecond);
    while (m_runCredit >= 1.0 && m_running) {
        m_runCredit -= 1.0;
        if (!stepOnce()) {
            m_running = false;
            break;
        }
        int taken = m_simulation->stepNumber();
        if (taken == m_skipBreakAt) continue;
        std::string hit = breakpointHit(taken);
        if (!hit.empty()) {
            // Stop *before* the step: replay to the one before it, so the class can guess what comes next.
            replayTo(taken - 1);
            m_breakMessage = hit;
            m_skipBreakAt = taken; // Run again goes past it
            m_running = false;
        }
    }
    if (finished()) m_running = false;
}

} // namespace maillab::gui
