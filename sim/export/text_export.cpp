// txt: a short header, then the transcript as `maillab run` prints it (C:/S: lines, "-- note --", "#
// narration").
#include "export/export.hpp"
#include "export/lesson_view.hpp"

namespace maillab::exporter {

namespace {

void appendDevices(std::string& out, const LessonHeader& header)
{
    out += "Devices:\n";
    if (header.devices.empty()) out += "  (none)\n";
    for (const DeviceInfo& d : header.devices) {
        out += "  " + d.name + ": " + d.protocol + ", " + d.mode + " mode, user " + d.user;
        if (!d.auth.empty()) out += ", login " + d.auth;
        out += securityText(d) + "\n";
    }
}

} // namespace

std::string exportText(const scenario::Simulation& simulation)
{
    const LessonHeader header = lessonHeader(simulation);
    std::string out;
    out += "Lesson: " + header.title + "\n";
    out += "Source: " + header.sourceName + "\n";
    appendDevices(out, header);
    out += "Virtual start (day 1): " + readableTime(header.startMs) + "\n";

    out += "\n";

    // Each action's narration goes before the first line of its first step, as `maillab run` prints it;
    // an action that put nothing on the wire still gets its narration, in order.
    const std::vector<scenario::Action>& actions = simulation.scenario().actions;
    size_t narrated = 0;
    bool atStart = true;
    auto narrateUpTo = [&](size_t action) {
        for (; narrated <= action && narrated < actions.size(); ++narrated) {
            if (actions[narrated].narration.empty()) continue;
            out += (atStart ? "# " : "\n# ") + actions[narrated].narration + "\n";
            atStart = false;
        }
    };
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        const size_t action = simulation.actionOfStep(e.step);
        if (action != SIZE_MAX) narrateUpTo(action);
        out += wire::formatEntry(e, header.tagged);
        atStart = false;
    }
    if (simulation.actionIndex() > 0) narrateUpTo(simulation.actionIndex() - 1);
    return out;
}

} // namespace maillab::exporter
