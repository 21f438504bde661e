#include "scenario/timeline.hpp"

#include <algorithm>

namespace maillab::scenario {
namespace {

std::string firstLine(const std::string& bytes)
{
    std::string line = bytes.substr(0, bytes.find_first_of("\r\n"));
    constexpr size_t kLongest = 72;
    if (line.size() > kLongest) line = line.substr(0, kLongest - 3) + "...";
    return line;
}

// What step `step` did, read from its transcript entries (from `first` on, all of the same step).
TimelineEvent describeStep(const std::deque<wire::TranscriptEntry>& entries, size_t first, int step,
                           size_t action)
{
    using Kind = wire::TranscriptEntry::Kind;
    TimelineEvent event;
    event.step = step;
    event.action = action;
    event.firstEntry = first;
    const wire::TranscriptEntry* sent = nullptr;
    const wire::TranscriptEntry* connected = nullptr;
    const wire::TranscriptEntry* note = nullptr;
    const wire::TranscriptEntry* closed = nullptr;
    bool tls = false;
    for (size_t i = first; i < entries.size() && entries[i].step == step; ++i) {
        const wire::TranscriptEntry& e = entries[i];
        if (event.device.empty() && e.device != "server" && e.kind != Kind::Note) event.device = e.device;
        switch (e.kind) {
        case Kind::Data:
            if (e.direction == wire::Direction::ClientToServer) {
                if (!sent) sent = &e;
            } else {
                for (const wire::Exchange& exchange : e.exchanges) {
                    if (exchange.statusLine.empty()) continue;
                    // Another device's news (IDLE) in the same step does not answer this step's command.
                    if (!event.device.empty() && e.device != event.device) continue;
                    event.outcome = exchange.statusLine;
                    event.failed = event.failed || wire::refused(exchange.status);
                }
            }
            break;
        case Kind::Connected:
            if (!connected) connected = &e;
            break;
        case Kind::Closed:
            if (!closed) closed = &e;
            break;
        case Kind::Note:
            if (!note) note = &e;
            if (e.bytes.starts_with("checkpoint:") && !e.bytes.ends_with("(holds)")) event.failed = true;
            break;
        case Kind::TlsRecord: tls = true; break;
        }
    }
    if (sent)
        event.summary = firstLine(sent->bytes);
    else if (connected)
        event.summary = connected->bytes;
    else if (tls)
        event.summary = "TLS handshake";
    else if (note) // what the simulator says of a drop or a loss tells more than the closed socket
        event.summary = note->bytes;
    else if (closed)
        event.summary = closed->bytes;
    if (event.device.empty()) event.device = note ? note->device : "server";
    return event;
}

} // namespace

Timeline::Timeline(Scenario scenario, std::filesystem::path mailDir)
    : m_scenario(std::move(scenario)), m_mailDir(std::move(mailDir))
{
    runThrough();
}

Timeline::~Timeline() = default;

std::unique_ptr<Simulation> Timeline::fresh() const
{
    return std::make_unique<Simulation>(m_scenario, m_mailDir);
}

bool Timeline::advance(Simulation& simulation) const
{
    const int next = simulation.stepNumber() + 1;
    for (const LostDevice& lost : m_lost)
        if (lost.beforeStep == next && simulation.device(lost.device)) {
            simulation.loseDevice(lost.device);
            return true;
        }
    return simulation.step();
}

void Timeline::runThrough()
{
    std::unique_ptr<Simulation> run = fresh();
    while (advance(*run)) {}
    m_events.clear();
    const auto& entries = run->transcript().entries();
    size_t first = 0;
    for (int step = 1; step <= run->stepNumber(); ++step) {
        while (first < entries.size() && entries[first].step < step)
            ++first;
        TimelineEvent event = describeStep(entries, first, step, run->actionOfStep(step));
        event.opensAction = m_events.empty() || m_events.back().action != event.action;
        m_events.push_back(std::move(event));
    }
    const int total = totalSteps();
    m_actionStarts.assign(m_scenario.actions.size(), total);
    // An action that ends without an exchange of its own (the device had nothing to ask) begins where the
    // next one does.
    for (size_t a = m_scenario.actions.size(); a-- > 0;) {
        if (a + 1 < m_scenario.actions.size()) m_actionStarts[a] = m_actionStarts[a + 1];
        for (const TimelineEvent& event : m_events)
            if (event.action == a) {
                m_actionStarts[a] = event.step - 1;
                break;
            }
    }
    m_boundaries.assign(m_actionStarts.begin(), m_actionStarts.end());
    m_boundaries.push_back(0);
    m_boundaries.push_back(total);
    std::sort(m_boundaries.begin(), m_boundaries.end());
    m_boundaries.erase(std::unique(m_boundaries.begin(), m_boundaries.end()), m_boundaries.end());
}

int Timeline::actionStart(size_t action) const
{
    return action < m_actionStarts.size() ? m_actionStarts[action] : totalSteps();
}

size_t Timeline::actionAt(int step) const
{
    if (step >= totalSteps()) return SIZE_MAX;
    return m_events[static_cast<size_t>(std::max(step, 0))].action;
}

int Timeline::nextBoundary(int step) const
{
    auto it = std::upper_bound(m_boundaries.begin(), m_boundaries.end(), step);
    return it == m_boundaries.end() ? totalSteps() : *it;
}

int Timeline::previousBoundary(int step) const
{
    auto it = std::lower_bound(m_boundaries.begin(), m_boundaries.end(), step);
    return it == m_boundaries.begin() ? 0 : *std::prev(it);
}

void Timeline::addIntervention(LostDevice lost)
{
    std::erase_if(m_lost, [&](const LostDevice& l) { return l.beforeStep >= lost.beforeStep; });
    m_lost.push_back(std::move(lost));
    const int from = m_lost.back().beforeStep;
    // Snapshots past the new intervention show a future that no longer happens.
    std::erase_if(m_snapshots, [&](const auto& kept) { return kept.first >= from; });
    if (m_builder && m_builder->stepNumber() >= from) m_builder.reset();
    runThrough();
}

void Timeline::clearInterventions()
{
    if (m_lost.empty()) return;
    const int from = m_lost.front().beforeStep;
    m_lost.clear();
    std::erase_if(m_snapshots, [&](const auto& kept) { return kept.first >= from; });
    m_builder.reset();
    runThrough();
}

std::unique_ptr<Simulation> Timeline::simulationAt(int step)
{
    step = std::clamp(step, 0, totalSteps());
    std::unique_ptr<Simulation> simulation;
    auto kept = m_snapshots.upper_bound(step);
    if (kept != m_snapshots.begin()) {
        --kept;
        simulation = std::move(kept->second);
        m_snapshots.erase(kept);
    }
    // The builder may be nearer than any snapshot.
    if (m_builder && m_builder->stepNumber() <= step &&
        (!simulation || m_builder->stepNumber() > simulation->stepNumber()))
        simulation = std::move(m_builder);
    if (!simulation) simulation = fresh();
    while (simulation->stepNumber() < step && advance(*simulation)) {}
    return simulation;
}

bool Timeline::prepare(int budget)
{
    while (budget > 0) {
        int missing = -1;
        for (int boundary : m_boundaries)
            if (boundary > 0 && boundary < totalSteps() && !m_snapshots.count(boundary)) {
                missing = boundary;
                break;
            }
        if (missing < 0) {
            m_builder.reset();
            return true;
        }
        if (!m_builder || m_builder->stepNumber() > missing) m_builder = fresh();
        while (m_builder->stepNumber() < missing && budget > 0) {
            if (!advance(*m_builder)) { // cannot happen in a deterministic lesson; never spin on it
                m_builder.reset();
                return false;
            }
            --budget;
        }
        if (m_builder->stepNumber() == missing) m_snapshots[missing] = std::move(m_builder);
    }
    return false;
}

} // namespace maillab::scenario
