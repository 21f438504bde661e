#include "scenario/checkpoint.hpp"

#include "scenario/simulation.hpp"
#include "util/text.hpp"

namespace maillab::scenario {

namespace {

std::string claimFailure(const Claim& claim, const Simulation& simulation, size_t action)
{
    switch (claim.kind) {
    case Claim::Kind::ServerMessages: {
        const store::Mailbox* box = simulation.store().mailbox(claim.user, claim.folder);
        if (!box) return "the server has no folder " + claim.folder + " for " + claim.user;
        if (static_cast<int64_t>(box->messages.size()) != claim.equals)
            return claim.user + "'s " + claim.folder + " on the server holds " +
                   std::to_string(box->messages.size()) + " messages, not " + std::to_string(claim.equals);
        return {};
    }
    case Claim::Kind::DeviceMessages:
    case Claim::Kind::DeviceHoldsWhole: {
        const Device* device = nullptr;
        for (const auto& d : simulation.devices())
            if (d->spec.name == claim.device) device = d.get();
        if (!device) return "no device " + claim.device;
        int64_t count = 0;
        for (const store::LocalMessage& m : device->local.messages()) {
            if (claim.kind == Claim::Kind::DeviceMessages) {
                if (claim.folder.empty() || m.folder == claim.folder) ++count;
            } else if (m.complete &&
                       util::toLower(m.subject).find(util::toLower(claim.text)) != std::string::npos) {
                ++count;
            }
        }
        if (count != claim.equals) {
            if (claim.kind == Claim::Kind::DeviceMessages)
                return claim.device + " holds " + std::to_string(count) + " messages" +
                       (claim.folder.empty() ? "" : " in " + claim.folder) + ", not " +
                       std::to_string(claim.equals);
            return claim.device + " holds " + std::to_string(count) + " whole copies of \"" + claim.text +
                   "\", not " + std::to_string(claim.equals);
        }
        return {};
    }
    case Claim::Kind::ServerSaid:
        for (const wire::TranscriptEntry& e : simulation.transcript().entries())
            if (e.kind == wire::TranscriptEntry::Kind::Data &&
                e.direction == wire::Direction::ServerToClient && simulation.actionOfStep(e.step) == action &&
                e.bytes.find(claim.text) != std::string::npos)
                return {};
        return "the server never said \"" + claim.text + "\" in this step";
    case Claim::Kind::WireShows: {
        // What an eavesdropper captures: plain-text Data as it is, and for TLS only the records.
        bool seen = false;
        for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
            const bool onWire = (e.kind == wire::TranscriptEntry::Kind::Data && !e.encrypted) ||
                                e.kind == wire::TranscriptEntry::Kind::TlsRecord;
            if (onWire && simulation.actionOfStep(e.step) == action &&
                e.bytes.find(claim.text) != std::string::npos)
                seen = true;
        }
        if (seen && claim.equals == 0) return "\"" + claim.text + "\" crossed the wire readably in this step";
        if (!seen && claim.equals != 0)
            return "\"" + claim.text + "\" did not cross the wire readably in this step";
        return {};
    }
    }
    return {};
}

} // namespace

CheckpointResult evaluateCheckpoint(const Checkpoint& checkpoint, const Simulation& simulation, size_t action)
{
    CheckpointResult result;
    result.action = action;
    result.description = checkpoint.description;
    for (const Claim& claim : checkpoint.claims)
        if (std::string failure = claimFailure(claim, simulation, action); !failure.empty())
            result.failures.push_back(failure);
    return result;
}

} // namespace maillab::scenario
