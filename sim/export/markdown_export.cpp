// md: the lesson as a handout (CommonMark with GitHub tables): narration, each exchange with its command
// explained from the command table, long replies in a block of their own, and the final state as tables;
// it opens with the lesson's setting and ends with its description ("What this lesson showed").
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "util/text.hpp"
#include "wire/clock_text.hpp"

#include <algorithm>

namespace maillab::exporter {

namespace {

// [SECTION] escaping

// Inline text from a lesson or from mail: backslash-escapes what CommonMark or a GFM table would read as
// markup (CommonMark 0.30 section 2.4 allows a backslash before any ASCII punctuation), so a subject like
// "<script>" or "*WIN*" shows as written and never becomes HTML, a link or emphasis.
std::string mdInline(std::string_view text)
{
    const std::string shown = displayLine(text);
    std::string out;
    out.reserve(shown.size());
    for (size_t i = 0; i < shown.size(); ++i) {
        const char c = shown[i];
        if (std::string_view("\\`*_[]<>|~&").find(c) != std::string_view::npos ||
            (i == 0 && std::string_view("#-+=").find(c) != std::string_view::npos)) {
            out += '\\';
        }
        out += c;
    }
    return out;
}

// A code span that no backtick inside can end (CommonMark 0.30 section 6.1), for file names and tags.
std::string mdCode(std::string_view text)
{
    const std::string shown = displayLine(text);
    size_t longest = 0, run = 0;
    for (char c : shown) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string ticks(longest + 1, '`');
    const bool pad = longest > 0 || shown.empty();
    return ticks + (pad ? " " : "") + shown + (pad ? " " : "") + ticks;
}

// A fence longer than any run of backticks inside, so mail text can never close it (CommonMark 4.5).
std::string fenceFor(std::string_view content)
{
    size_t longest = 0, run = 0;
    for (char c : content) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<size_t>(3, longest + 1), '`');
}

void appendFenced(std::string& out, const std::string& content)
{
    const std::string fence = fenceFor(content);
    out += fence + "text\n" + content + fence + "\n\n";
}

// [SECTION] the transcript

void appendWireLines(std::string& content, const wire::TranscriptEntry& e, bool tagged)
{
    const char* who = e.direction == wire::Direction::ClientToServer ? "C: " : "S: ";
    const char* tls = e.encrypted ? "[TLS] " : ""; // the line crossed the wire inside TLS records
    for (std::string_view line : wireLines(e.bytes))
        content += sessionTag(e, tagged) + tls + who + displayText(line) + "\n";
}

std::string explanationText(const Item& item)
{
    if (!item.explanation) return "client line (not a command in the command table)";
    const Explanation& x = *item.explanation;
    return "**" + mdInline(x.command) + "**: " + mdInline(x.summary) + " *" + mdInline(x.rfc) + "; syntax " +
           mdCode(x.syntax) + "*";
}

std::string sizeText(const ReplySize& size)
{
    std::string text = std::to_string(size.lines) + " lines, " + std::to_string(size.octets) + " octets";
    if (size.literal) text += ", a literal of " + std::to_string(size.literal) + " octets";
    return text;
}

void appendItem(std::string& out, const Item& item, bool tagged)
{
    const wire::TranscriptEntry& first = *item.first;
    const std::string tag = tagged ? mdCode(util::trim(sessionTag(first, true))) + " " : "";
    if (item.kind == Item::Kind::Event) {
        out += tag + "*— " + mdInline(first.bytes) + " —*\n\n";
        return;
    }
    std::string lead;
    if (item.kind == Item::Kind::Exchange)
        lead = explanationText(item);
    else
        lead = item.greeting ? "*greeting*" : "*from the server, not the reply to a command here*";
    out += tag + lead + "\n\n";
    std::string shortLines;
    if (item.kind == Item::Kind::Exchange) appendWireLines(shortLines, first, tagged);
    if (!item.longReply) {
        if (item.kind == Item::Kind::Server) appendWireLines(shortLines, first, tagged);
        for (const wire::TranscriptEntry* reply : item.replies)
            appendWireLines(shortLines, *reply, tagged);
        appendFenced(out, shortLines);
        return;
    }
    if (!shortLines.empty()) appendFenced(out, shortLines);
    std::string longLines;
    if (item.kind == Item::Kind::Server) appendWireLines(longLines, first, tagged);
    for (const wire::TranscriptEntry* reply : item.replies)
        appendWireLines(longLines, *reply, tagged);
    out += "> **Reply in full** (" + sizeText(replySize(item)) + ")\n>\n";
    // Inside a block quote every line needs the "> " marker, the fence lines too.
    std::string block;
    appendFenced(block, longLines);
    for (std::string_view line : wireLines(block))
        out += line.empty() ? ">\n" : "> " + std::string(line) + "\n";
    out += "\n";
}

// The question goes before the step's lines, so a student can answer before watching; the answer after the
// exchange that settles it (answerAfterItems).
void appendQuestion(std::string& out, const StepView& step)
{
    if (!step.action || !step.action->question) return;
    const scenario::Question& q = *step.action->question;
    out += "**Question:** " + mdInline(q.prompt) + "\n\n";
    for (size_t i = 0; i < q.choices.size(); ++i)
        out += std::string("- ") + static_cast<char>('a' + i) + ") " + mdInline(q.choices[i]) + "\n";
    out += "\n";
}

void appendAnswer(std::string& out, const StepView& step)
{
    if (!step.action || !step.action->question) return;
    const scenario::Question& q = *step.action->question;
    out += std::string("**Answer:** ") + static_cast<char>('a' + q.answer) + ") " +
           mdInline(q.choices[q.answer]) + ". " + mdInline(q.explanation) + "\n\n";
}

void appendStep(std::string& out, const StepView& step, size_t number, bool tagged)
{
    out += "## Step " + std::to_string(number) + ": " + mdInline(stepTitle(step)) + "\n\n";
    if (step.action && !step.action->narration.empty()) {
        for (std::string_view line : wireLines(step.action->narration))
            out += "> " + mdInline(line) + "\n";
        out += "\n";
    }
    appendQuestion(out, step);
    if (step.items.empty()) {
        out += "*Nothing went over the wire in this step.*\n\n";
    } else {
        out += "*" + wire::clockText(step.startMs) + "*\n\n";
    }
    const size_t answerAfter = answerAfterItems(step);
    for (size_t i = 0; i <= step.items.size(); ++i) {
        if (i == answerAfter) appendAnswer(out, step);
        if (i < step.items.size()) appendItem(out, step.items[i], tagged);
    }
}

// [SECTION] the final state

void appendServerState(std::string& out, const store::Store& store)
{
    out += "## The server at the end\n\n";
    for (const AccountState& account : serverState(store)) {
        out += "### Account " + mdInline(account.user) + "\n\n";
        for (const MailboxState& box : account.mailboxes) {
            out += "**" + mdInline(box.name) + "**";
            if (!box.specialUse.empty()) out += " (" + mdInline(box.specialUse) + ")";
            out += ": UIDVALIDITY " + std::to_string(box.uidValidity) + ", UIDNEXT " +
                   std::to_string(box.uidNext);
            if (box.messages.empty()) {
                out += ", empty\n\n";
                continue;
            }
            out += "\n\n| # | UID | Flags | Size | From | Subject |\n|---:|---:|---|---:|---|---|\n";
            for (const ServerMessage& m : box.messages) {
                out += "| " + std::to_string(m.sequence) + " | " + std::to_string(m.uid) + " | " +
                       mdInline(m.flags) + " | " + std::to_string(m.size) + " | " + mdInline(m.from) + " | " +
                       mdInline(m.subject) + " |\n";
            }
            out += "\n";
        }
    }
}

void appendDeviceState(std::string& out, const scenario::Simulation& simulation)
{
    out += "## The devices at the end\n\n";
    for (const DeviceState& device : deviceState(simulation)) {
        const bool imap = device.info.protocol == "IMAP";
        out += "### " + mdInline(device.info.name) + " (" + device.info.protocol + ", " +
               mdInline(device.info.mode) + " mode, " + mdInline(device.info.user) +
               (device.connected ? ", still connected" : "") + ")\n\n";
        if (device.messages.empty()) {
            out += "Holds no mail.\n\n";
            continue;
        }
        out += imap ? "| Folder | Server id | From | Subject | Holds | Octets held | Read | Flags |\n"
                      "|---|---|---|---|---|---:|---|---|\n"
                    : "| Folder | Server id | From | Subject | Holds | Octets held | Read |\n"
                      "|---|---|---|---|---|---:|---|\n";
        for (const DeviceMessage& m : device.messages) {
            std::string octets = std::to_string(m.octetsHeld);
            if (m.serverSize && m.serverSize != m.octetsHeld) octets += " of " + std::to_string(m.serverSize);
            out += "| " + mdInline(m.folder) + " | " +
                   (m.serverId.empty() ? std::string("—") : mdInline(m.serverId)) + " | " + mdInline(m.from) +
                   " | " + mdInline(m.subject) + " | " + mdInline(m.held) + " | " + octets + " | " +
                   (m.read ? "read" : "unread") + " |";
            if (imap) out += " " + mdInline(m.flags) + " |";
            out += "\n";
        }
        out += "\n";
    }
}

// Its lines as one paragraph; nothing for an empty text.
void appendParagraph(std::string& out, std::string_view text)
{
    if (text.empty()) return;
    for (std::string_view line : wireLines(text))
        out += mdInline(line) + "\n";
    out += "\n";
}

} // namespace

std::string exportMarkdown(const scenario::Simulation& simulation)
{
    const LessonView view = lessonView(simulation);
    const LessonHeader& header = view.header;
    std::string out = "# " + mdInline(header.title) + "\n\n";
    // The setting, not the description: a student reads this before the steps, and the description tells
    // how they end.
    appendParagraph(out, header.setting);
    out += "| Lesson | |\n|---|---|\n";
    std::string file = mdCode(header.sourceName);
    // GFM tables split cells at '|' even inside a code span, unless it is escaped.
    for (size_t at = file.find('|'); at != std::string::npos; at = file.find('|', at + 2))
        file.insert(at, "\\");
    out += "| File | " + file + " |\n";
    out += "| Virtual start (day 1) | " + readableTime(header.startMs) + " |\n";
    out += "| Octets sent | client " +
           std::to_string(simulation.transcript().byteCount(wire::Direction::ClientToServer)) + ", server " +
           std::to_string(simulation.transcript().byteCount(wire::Direction::ServerToClient)) + " |\n\n";
    out += "## Devices\n\n| Device | Protocol | Mode | User | Sessions |\n|---|---|---|---|---|\n";
    for (const DeviceInfo& d : header.devices) {
        std::string sessions;
        for (int id : d.sessions)
            sessions += (sessions.empty() ? "#" : ", #") + std::to_string(id);
        out += "| " + mdInline(d.name) + " | " + d.protocol + " | " + mdInline(d.mode) +
               (d.auth.empty() ? "" : ", login " + mdInline(d.auth)) + securityText(d) + " | " +
               mdInline(d.user) + " | " + (sessions.empty() ? "none" : sessions) + " |\n";
    }
    out += "\n";
    for (size_t i = 0; i < view.steps.size(); ++i)
        appendStep(out, view.steps[i], i + 1, header.tagged);
    if (view.steps.size() < view.actionsTotal)
        out += "*The simulation stopped before step " + std::to_string(view.steps.size() + 1) + ".*\n\n";
    appendServerState(out, simulation.store());
    appendDeviceState(out, simulation);
    if (!header.description.empty()) {
        out += "## What this lesson showed\n\n";
        appendParagraph(out, header.description);
    }
    return out;
}

} // namespace maillab::exporter

// [SECTION] coursework: the worksheet and the key

namespace maillab::exporter {

namespace {

void appendQuoted(std::string& out, std::string_view text)
{
    for (std::string_view line : wireLines(text))
        out += "> " + mdInline(line) + "\n";
    out += "\n";
}

} // namespace

std::string exportWorksheetMarkdown(const scenario::Scenario& lesson)
{
    std::string out = "# Worksheet: " + mdInline(lesson.title) + "\n\n";
    out += "**Name:** ______________________________ **Date:** ______________\n\n";
    if (!lesson.setting.empty()) appendQuoted(out, lesson.setting);
    out += "Before each step runs, mark your prediction and say why. After watching it, write what happened "
           "and which line of the transcript shows it.\n\n";
    // Only the steps that ask: a later step's narration may tell an earlier answer.
    const std::vector<AskedQuestion> asked = askedQuestions(lesson);
    for (const AskedQuestion& q : asked) {
        out += "## " + mdInline(q.stepHeading) + "\n\n";
        if (!q.action->narration.empty()) appendQuoted(out, q.action->narration);
        out += "**Question " + std::to_string(q.number) + ":** " + mdInline(q.question->prompt) + "\n\n";
        for (size_t c = 0; c < q.question->choices.size(); ++c)
            out += std::string("- [ ] ") + static_cast<char>('a' + c) + ") " +
                   mdInline(q.question->choices[c]) + "\n";
        // A backslash at the end of a line is a hard line break (CommonMark 6.7): blank lines to write on.
        out += "\n**My prediction, and why:**\n\n\\\n\\\n\\\n\n"
               "**What happened, and the transcript line that shows it:**\n\n\\\n\\\n\\\n\n";
    }
    if (asked.empty()) out += "*This lesson asks no questions.*\n";
    return out;
}

std::string exportKeyMarkdown(const scenario::Scenario& lesson)
{
    std::string out = "# Answer key: " + mdInline(lesson.title) + "\n\n";
    out += "For the instructor: every question of the lesson with its answer and explanation.\n\n";
    const std::vector<AskedQuestion> asked = askedQuestions(lesson);
    if (asked.empty()) return out + "*This lesson asks no questions.*\n";
    out += "| # | Step | Answer |\n|---:|---|---|\n";
    std::string details;
    for (const AskedQuestion& q : asked) {
        const size_t answer = q.question->answer;
        const std::string right =
            std::string(1, static_cast<char>('a' + answer)) + ") " + mdInline(q.question->choices[answer]);
        out += "| " + std::to_string(q.number) + " | " + mdInline(q.stepHeading) + " | " + right + " |\n";
        details += "## Question " + std::to_string(q.number) + " · " + mdInline(q.stepHeading) + "\n\n" +
                   mdInline(q.question->prompt) + "\n\n";
        for (size_t c = 0; c < q.question->choices.size(); ++c) {
            const std::string choice =
                std::string(1, static_cast<char>('a' + c)) + ") " + mdInline(q.question->choices[c]);
            details += c == answer ? "- **" + choice + "** ✓\n" : "- " + choice + "\n";
        }
        details += "\n**Answer:** " + right + ". " + mdInline(q.question->explanation) + "\n\n";
        if (q.action->checkpoint)
            details +=
                "*Checkpoint after this step: " + mdInline(q.action->checkpoint->description) + "*\n\n";
    }
    return out + "\n" + details;
}

} // namespace maillab::exporter
