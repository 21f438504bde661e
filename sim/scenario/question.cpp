#include "scenario/question.hpp"

#include "scenario/simulation.hpp"
#include "util/text.hpp"

#include <deque>
#include <string_view>

namespace maillab::scenario {

namespace {

// Whether a client's line is `command` (after an IMAP tag, when there is one).
bool lineIsCommand(std::string_view line, const std::string& command)
{
    const std::string upper = util::toUpper(line);
    auto startsWithCommand = [&](size_t at) {
        return upper.compare(at, command.size(), command) == 0 &&
               (at + command.size() == upper.size() || upper[at + command.size()] == ' ' ||
                upper[at + command.size()] == '\r');
    };
    const size_t space = upper.find(' ');
    return startsWithCommand(0) || (space != std::string::npos && startsWithCommand(space + 1));
}

// Whether server entry `index` answers `command`. The session names the command it answered; a command it
// does not know (POP3's answer to CREATE) has no name there, so the client's line that it answers says it.
bool answersCommand(const std::deque<wire::TranscriptEntry>& entries, size_t index,
                    const std::string& command)
{
    const wire::TranscriptEntry& entry = entries[index];
    if (entry.kind != wire::TranscriptEntry::Kind::Data || entry.direction != wire::Direction::ServerToClient)
        return false;
    bool unnamed = false;
    for (const wire::Exchange& exchange : entry.exchanges) {
        if (util::toUpper(exchange.command) == command) return true;
        unnamed = unnamed || (exchange.command.empty() && wire::refused(exchange.status));
    }
    if (!unnamed) return false;
    for (size_t i = index; i-- > 0;) {
        const wire::TranscriptEntry& sent = entries[i];
        if (sent.kind != wire::TranscriptEntry::Kind::Data || sent.sessionId != entry.sessionId ||
            sent.device != entry.device)
            continue;
        if (sent.direction == wire::Direction::ServerToClient) return false; // already answered
        return lineIsCommand(sent.bytes, command);
    }
    return false;
}

bool isCheckpointNote(const wire::TranscriptEntry& entry)
{
    return entry.kind == wire::TranscriptEntry::Kind::Note && entry.bytes.starts_with("checkpoint: ");
}

Reveal revealFor(const Simulation& simulation, size_t action)
{
    const Question& question = *simulation.scenario().actions[action].question;
    const auto& entries = simulation.transcript().entries();
    Reveal reveal;
    reveal.action = action;
    if (!question.revealAfterReplyTo.empty()) {
        for (size_t i = 0; i < entries.size(); ++i) {
            const wire::TranscriptEntry& entry = entries[i];
            const size_t stepAction = simulation.actionOfStep(entry.step);
            if (stepAction == SIZE_MAX || stepAction < action) continue;
            if (!question.revealDevice.empty() && entry.device != question.revealDevice) continue;
            if (!answersCommand(entries, i, question.revealAfterReplyTo)) continue;
            reveal.step = entry.step;
            reveal.evidence = i;
            break;
        }
        return reveal;
    }
    if (!simulation.actionDone(action)) return reveal;
    for (int step = simulation.stepNumber(); step >= 1; --step)
        if (simulation.actionOfStep(step) == action) {
            reveal.step = step;
            break;
        }
    if (!reveal.revealed()) return reveal; // the action took no step (it never ran)
    // The proof: the action's last server reply or note (a delivery, a lost device); or, when the connection
    // ended in a step of its own after it (a drop), that end.
    size_t lastClosed = SIZE_MAX;
    for (size_t i = 0; i < entries.size(); ++i) {
        const wire::TranscriptEntry& entry = entries[i];
        if (simulation.actionOfStep(entry.step) != action) continue;
        if ((entry.kind == wire::TranscriptEntry::Kind::Data &&
             entry.direction == wire::Direction::ServerToClient) ||
            (entry.kind == wire::TranscriptEntry::Kind::Note && !isCheckpointNote(entry)))
            reveal.evidence = i;
        else if (entry.kind == wire::TranscriptEntry::Kind::Closed)
            lastClosed = i;
    }
    if (lastClosed != SIZE_MAX &&
        (reveal.evidence == SIZE_MAX || entries[lastClosed].step > entries[reveal.evidence].step))
        reveal.evidence = lastClosed;
    return reveal;
}

} // namespace

std::vector<Reveal> reveals(const Simulation& simulation)
{
    std::vector<Reveal> out;
    const auto& actions = simulation.scenario().actions;
    for (size_t i = 0; i < actions.size(); ++i)
        if (actions[i].question) out.push_back(revealFor(simulation, i));
    return out;
}

std::optional<Reveal> revealOf(const Simulation& simulation, size_t action)
{
    const auto& actions = simulation.scenario().actions;
    if (action >= actions.size() || !actions[action].question) return std::nullopt;
    return revealFor(simulation, action);
}

char choiceLetter(size_t index)
{
    return static_cast<char>('a' + index);
}

std::string describeRevealPoint(const Question& question)
{
    if (question.revealAfterReplyTo.empty()) return "at the end of its step";
    return "after the server's reply to " + question.revealAfterReplyTo +
           (question.revealDevice.empty() ? "" : " (" + question.revealDevice + ")");
}

} // namespace maillab::scenario
