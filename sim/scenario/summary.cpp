#include "scenario/summary.hpp"

#include "mail/message.hpp"
#include "scenario/question.hpp"
#include "scenario/simulation.hpp"

#include <algorithm>
#include <map>

namespace maillab::scenario {

namespace {

// INBOX first, then the others in name order (the store keeps them by name).
void sortFolders(std::vector<FolderCount>& folders)
{
    std::stable_sort(folders.begin(), folders.end(), [](const FolderCount& a, const FolderCount& b) {
        return (a.folder == "INBOX") > (b.folder == "INBOX");
    });
}

std::string describeDevice(const DeviceSpec& spec)
{
    std::string out = deviceKindName(deviceKind(spec));
    if (spec.protocol == wire::Protocol::Imap) return out + ", IMAP";
    return out + ", POP3 " + spec.mode;
}

void addPlace(std::map<std::string, std::vector<std::string>>& places, std::vector<std::string>& order,
              const std::string& subject, const std::string& place)
{
    auto [it, added] = places.try_emplace(subject);
    if (added) order.push_back(subject);
    if (!place.empty() && std::find(it->second.begin(), it->second.end(), place) == it->second.end())
        it->second.push_back(place);
}

std::vector<Survivor> survivors(const Simulation& simulation)
{
    std::map<std::string, std::vector<std::string>> places;
    std::vector<std::string> order;
    std::vector<std::string> users;
    for (const Simulation::LostDevice& lost : simulation.lostDevices()) {
        for (const DeviceSpec& spec : simulation.scenario().devices)
            if (spec.name == lost.name && std::find(users.begin(), users.end(), spec.user) == users.end())
                users.push_back(spec.user);
        for (const std::string& subject : lost.subjects)
            addPlace(places, order, subject, "");
    }
    for (const std::string& user : users) {
        const store::Account* account = simulation.store().account(user);
        if (!account) continue;
        for (const auto& [name, mailbox] : account->mailboxes)
            for (const store::StoredMessage& message : mailbox.messages)
                addPlace(places, order, mail::summarize(message.headerOrEmpty()).subject, "server " + name);
    }
    for (const auto& device : simulation.devices()) {
        if (std::find(users.begin(), users.end(), device->spec.user) == users.end()) continue;
        for (const store::LocalMessage& message : device->local.messages())
            addPlace(places, order, message.subject, device->spec.name);
    }
    std::vector<Survivor> out;
    for (const std::string& subject : order)
        out.push_back({subject, places[subject]});
    return out;
}

} // namespace

size_t HolderState::total() const
{
    size_t n = 0;
    for (const FolderCount& folder : folders)
        n += folder.messages;
    return n;
}

size_t Summary::answered() const
{
    return static_cast<size_t>(
        std::count_if(predictions.begin(), predictions.end(),
                      [](const PredictionOutcome& p) { return p.prediction.has_value(); }));
}

size_t Summary::rightFirstTime() const
{
    return static_cast<size_t>(std::count_if(predictions.begin(), predictions.end(),
                                             [](const PredictionOutcome& p) { return p.rightFirstTime(); }));
}

Summary summarize(const Simulation& simulation, const std::vector<std::optional<size_t>>& predictions)
{
    const Scenario& lesson = simulation.scenario();
    Summary summary;
    summary.title = lesson.title;
    for (const CheckpointResult& result : simulation.checkpointResults())
        summary.shown.push_back(result.description + (result.passed() ? " (holds)" : " (FAILS)"));
    const std::vector<Reveal> found = reveals(simulation);
    for (size_t i = 0; i < found.size(); ++i) {
        const Question& question = *lesson.actions[found[i].action].question;
        PredictionOutcome outcome;
        outcome.action = found[i].action;
        outcome.prompt = question.prompt;
        outcome.answer = question.choices[question.answer];
        outcome.rightChoice = question.answer;
        if (i < predictions.size()) outcome.prediction = predictions[i];
        outcome.revealed = found[i].revealed();
        summary.predictions.push_back(std::move(outcome));
    }
    for (const AccountSpec& account : lesson.accounts) {
        HolderState state{account.user, "server", false, {}};
        if (const store::Account* stored = simulation.store().account(account.user))
            for (const auto& [name, mailbox] : stored->mailboxes)
                if (!mailbox.messages.empty()) state.folders.push_back({name, mailbox.messages.size()});
        sortFolders(state.folders);
        summary.server.push_back(std::move(state));
    }
    for (const auto& device : simulation.devices()) {
        HolderState state{device->spec.name, describeDevice(device->spec), false, {}};
        for (const Simulation::LostDevice& lost : simulation.lostDevices())
            state.lost = state.lost || lost.name == device->spec.name;
        for (const store::LocalMessage& message : device->local.messages()) {
            auto it = std::find_if(state.folders.begin(), state.folders.end(),
                                   [&](const FolderCount& f) { return f.folder == message.folder; });
            if (it == state.folders.end())
                state.folders.push_back({message.folder, 1});
            else
                ++it->messages;
        }
        sortFolders(state.folders);
        if (state.lost) summary.lostDevices.push_back(state.name);
        summary.devices.push_back(std::move(state));
    }
    if (!simulation.lostDevices().empty()) summary.survivors = survivors(simulation);
    summary.quarantined = simulation.quarantined();
    return summary;
}

namespace {

std::string folderList(const HolderState& holder)
{
    if (holder.folders.empty()) return "nothing";
    std::string out;
    for (const FolderCount& folder : holder.folders)
        out += (out.empty() ? "" : ", ") + folder.folder + " " + std::to_string(folder.messages);
    return out;
}

} // namespace

std::vector<std::string> summaryLines(const Summary& summary)
{
    std::vector<std::string> lines;
    lines.push_back("Summary: " + summary.title);
    if (!summary.shown.empty()) {
        lines.push_back("Shown:");
        for (const std::string& shown : summary.shown)
            lines.push_back("  - " + shown);
    }
    if (!summary.predictions.empty()) {
        lines.push_back("Predictions: " + std::to_string(summary.rightFirstTime()) + " of " +
                        std::to_string(summary.predictions.size()) + " right first time" +
                        (summary.answered() < summary.predictions.size()
                             ? " (" + std::to_string(summary.answered()) + " answered)"
                             : ""));
        for (const PredictionOutcome& p : summary.predictions) {
            std::string mark = !p.prediction        ? "not answered"
                               : p.rightFirstTime() ? "right"
                                                    : std::string("wrong: ") + choiceLetter(*p.prediction);
            lines.push_back("  - " + p.prompt + " " + choiceLetter(p.rightChoice) + ") " + p.answer + " [" +
                            mark + "]");
        }
    }
    lines.push_back("End state (messages per folder):");
    for (const HolderState& holder : summary.server)
        lines.push_back("  server, " + holder.name + ": " + folderList(holder));
    for (const HolderState& holder : summary.devices)
        lines.push_back("  " + holder.name + " (" + holder.description + "): " +
                        (holder.lost && holder.folders.empty() ? "lost, holds nothing" : folderList(holder)));
    for (const std::string& subject : summary.quarantined)
        lines.push_back("  quarantined by the virus filter, in no mailbox: \"" + subject + "\"");
    if (!summary.survivors.empty()) {
        std::string lost;
        for (const std::string& name : summary.lostDevices)
            lost += (lost.empty() ? "" : ", ") + name;
        lines.push_back("After losing " + lost + ", what survived where:");
        for (const Survivor& survivor : summary.survivors) {
            std::string places;
            for (const std::string& place : survivor.places)
                places += (places.empty() ? "" : ", ") + place;
            lines.push_back("  \"" + survivor.subject + "\": " + (places.empty() ? "gone" : places));
        }
    }
    return lines;
}

} // namespace maillab::scenario
