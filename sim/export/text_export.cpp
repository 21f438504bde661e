// txt: a short header, then the transcript as `maillab run` prints it (C:/S: lines, "-- note --", "#
// narration"), with each question before its step's lines and its answer after the exchange that settles it.
#include "export/export.hpp"
#include "export/lesson_view.hpp"

#include <map>

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

void appendQuestion(std::string& out, const scenario::Question& q)
{
    out += "# Question: " + q.prompt + "\n";
    for (size_t i = 0; i < q.choices.size(); ++i)
        out += std::string("#   ") + static_cast<char>('a' + i) + ") " + q.choices[i] + "\n";
}

} // namespace

std::string exportText(const scenario::Simulation& simulation)
{
    const LessonHeader header = lessonHeader(simulation);
    std::string out;
    out += "Lesson: " + header.title + "\n";
    if (!header.setting.empty()) out += "Setting: " + header.setting + "\n";
    out += "Source: " + header.sourceName + "\n";
    appendDevices(out, header);
    out += "Virtual start (day 1): " + readableTime(header.startMs) + "\n";

    out += "\n";

    // Each action's narration and question go before the first line of its first step, as `maillab run`
    // prints them; an action that put nothing on the wire still gets them, in order. The answer follows the
    // entry that settles it (answerAfterEntry), or ends its step.
    const std::vector<scenario::Action>& actions = simulation.scenario().actions;
    std::map<const wire::TranscriptEntry*, size_t> answerAfter;
    for (const StepView& step : lessonView(simulation).steps)
        if (step.action && step.action->question)
            if (const wire::TranscriptEntry* e = answerAfterEntry(step)) answerAfter[e] = step.actionIndex;
    std::vector<bool> answered(actions.size(), false);
    auto answer = [&](size_t action) {
        if (answered[action] || !actions[action].question) return;
        const scenario::Question& q = *actions[action].question;
        out += std::string("# Answer: ") + static_cast<char>('a' + q.answer) + ") " + q.choices[q.answer] +
               ". " + q.explanation + "\n";
        answered[action] = true;
    };
    size_t narrated = 0;
    bool atStart = true;
    auto narrateUpTo = [&](size_t action) {
        for (; narrated <= action && narrated < actions.size(); ++narrated) {
            for (size_t earlier = 0; earlier < narrated; ++earlier)
                answer(earlier);
            if (actions[narrated].narration.empty() && !actions[narrated].question) continue;
            out += atStart ? "" : "\n";
            if (!actions[narrated].narration.empty()) out += "# " + actions[narrated].narration + "\n";
            if (actions[narrated].question) appendQuestion(out, *actions[narrated].question);
            atStart = false;
        }
    };
    for (const wire::TranscriptEntry& e : simulation.transcript().entries()) {
        const size_t action = simulation.actionOfStep(e.step);
        if (action != SIZE_MAX) narrateUpTo(action);
        out += wire::formatEntry(e, header.tagged);
        atStart = false;
        if (auto it = answerAfter.find(&e); it != answerAfter.end()) answer(it->second);
    }
    const size_t reached = std::min(simulation.actionIndex(), actions.size());
    if (reached > 0) narrateUpTo(reached - 1);
    for (size_t k = 0; k < reached; ++k)
        answer(k);
    return out;
}

} // namespace maillab::exporter
