// html: the same handout as md, as one self-contained page (inline CSS, no scripts, no external resources)
// that prints well. Every string from a lesson or from mail is escaped here, in one place: esc().
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "wire/clock_text.hpp"

namespace maillab::exporter {

namespace {

// [SECTION] escaping

// Text for an HTML text node or a quoted attribute (HTML Living Standard 13.1.2.6: '&' and '<' in text,
// '"' and '\'' in attributes; '>' for symmetry), after displayText made bytes and controls printable.
std::string esc(std::string_view text)
{
    const std::string shown = displayText(text);
    std::string out;
    out.reserve(shown.size() + shown.size() / 8);
    for (char c : shown) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string escLine(std::string_view text)
{
    return esc(displayLine(text));
}

constexpr const char* kStyle = R"css(
:root { --c: #0b4f8a; --s: #1f5f2a; --note: #6b5a00; --rule: #d0d7de; --code: #f6f8fa; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .3rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--code); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.narration { border-left: 4px solid #8c959f; margin: .5rem 0; padding: .3rem .8rem; background: #f6f8fa; }
.question { border-left: 4px solid #bf8700; margin: .5rem 0; padding: .3rem .8rem; background: #fff8c5; }
.answer { border-left: 4px solid #1a7f37; margin: .5rem 0; padding: .3rem .8rem; background: #dafbe1; }
.time { color: #57606a; font-size: .85rem; margin: .3rem 0; }
.event { color: var(--note); font-style: italic; margin: .4rem 0; }
.item { margin: .6rem 0; }
.explain { margin: .2rem 0; }
.explain .cmd { font-weight: 700; font-family: "DejaVu Sans Mono", monospace; }
.explain .rfc, .explain .syntax { color: #57606a; font-size: .85rem; }
.tag { color: #57606a; font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; }
pre.wire { font: 13px/1.35 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--code);
           border: 1px solid var(--rule); border-radius: 4px; padding: .4rem .6rem; margin: .2rem 0;
           white-space: pre-wrap; overflow-wrap: anywhere; }
pre.wire .c { color: var(--c); font-weight: 600; }
pre.wire .s { color: var(--s); }
figure.reply { margin: .2rem 0 .2rem 1.5rem; border-left: 4px solid var(--s); padding-left: .5rem; }
figure.reply figcaption { font-size: .85rem; color: var(--s); font-weight: 600; }
.empty { color: #57606a; font-style: italic; }
footer { margin-top: 3rem; color: #57606a; font-size: .8rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  .item { break-inside: avoid; }
  .item.long { break-inside: auto; }
  pre.wire, th, .narration { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

// [SECTION] the transcript

void appendWireLines(std::string& out, const wire::TranscriptEntry& e, bool tagged)
{
    const bool client = e.direction == wire::Direction::ClientToServer;
    for (std::string_view line : wireLines(e.bytes)) {
        out += client ? "<span class=\"c\">" : "<span class=\"s\">";
        out += esc(sessionTag(e, tagged)) + (e.encrypted ? "[TLS] " : "") + (client ? "C: " : "S: ") +
               esc(line) + "</span>\n";
    }
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
    const std::string tag = tagged ? "<span class=\"tag\">" + esc(sessionTag(first, true)) + "</span>" : "";
    if (item.kind == Item::Kind::Event) {
        out += "<p class=\"event\">" + tag + "— " + escLine(first.bytes) + " —</p>\n";
        return;
    }
    out += item.longReply ? "<div class=\"item long\">\n" : "<div class=\"item\">\n";
    out += "<p class=\"explain\">" + tag;
    if (item.kind == Item::Kind::Exchange && item.explanation) {
        const Explanation& x = *item.explanation;
        out += "<span class=\"cmd\">" + esc(x.command) + "</span> " + esc(x.summary) +
               " <span class=\"rfc\">" + esc(x.rfc) + "</span> <span class=\"syntax\">syntax: <code>" +
               esc(x.syntax) + "</code></span>";
    } else if (item.kind == Item::Kind::Exchange) {
        out += "<span class=\"empty\">client line (not a command in the command table)</span>";
    } else {
        out += item.greeting
                   ? "<span class=\"empty\">greeting</span>"
                   : "<span class=\"empty\">from the server, not the reply to a command here</span>";
    }
    out += "</p>\n";
    std::string shortLines;
    if (item.kind == Item::Kind::Exchange) appendWireLines(shortLines, first, tagged);
    if (!item.longReply) {
        if (item.kind == Item::Kind::Server) appendWireLines(shortLines, first, tagged);
        for (const wire::TranscriptEntry* reply : item.replies)
            appendWireLines(shortLines, *reply, tagged);
        out += "<pre class=\"wire\">" + shortLines + "</pre>\n</div>\n";
        return;
    }
    if (!shortLines.empty()) out += "<pre class=\"wire\">" + shortLines + "</pre>\n";
    std::string longLines;
    if (item.kind == Item::Kind::Server) appendWireLines(longLines, first, tagged);
    for (const wire::TranscriptEntry* reply : item.replies)
        appendWireLines(longLines, *reply, tagged);
    out += "<figure class=\"reply\"><figcaption>Reply in full (" + sizeText(replySize(item)) +
           ")</figcaption>\n<pre class=\"wire\">" + longLines + "</pre></figure>\n</div>\n";
}

// The question goes before the step's lines, so a student can answer before watching; the answer after the
// exchange that settles it (answerAfterItems).
void appendQuestion(std::string& out, const StepView& step)
{
    if (!step.action || !step.action->question) return;
    const scenario::Question& q = *step.action->question;
    out +=
        "<div class=\"question\"><p><strong>Question:</strong> " + esc(q.prompt) + "</p>\n<ol type=\"a\">\n";
    for (const std::string& choice : q.choices)
        out += "<li>" + esc(choice) + "</li>\n";
    out += "</ol></div>\n";
}

void appendAnswer(std::string& out, const StepView& step)
{
    if (!step.action || !step.action->question) return;
    const scenario::Question& q = *step.action->question;
    out += std::string("<p class=\"answer\"><strong>Answer:</strong> ") + static_cast<char>('a' + q.answer) +
           ") " + esc(q.choices[q.answer]) + ". " + esc(q.explanation) + "</p>\n";
}

void appendStep(std::string& out, const StepView& step, size_t number, bool tagged)
{
    out += "<section class=\"step\" id=\"step-" + std::to_string(number) + "\">\n<h2>Step " +
           std::to_string(number) + ": " + escLine(stepTitle(step)) + "</h2>\n";
    if (step.action && !step.action->narration.empty()) {
        out += "<p class=\"narration\">";
        bool firstLine = true;
        for (std::string_view line : wireLines(step.action->narration)) {
            out += (firstLine ? "" : "<br>") + esc(line);
            firstLine = false;
        }
        out += "</p>\n";
    }
    appendQuestion(out, step);
    if (step.items.empty()) {
        out += "<p class=\"empty\">Nothing went over the wire in this step.</p>\n";
    } else {
        out += "<p class=\"time\">" + wire::clockText(step.startMs) + "</p>\n";
    }
    const size_t answerAfter = answerAfterItems(step);
    for (size_t i = 0; i <= step.items.size(); ++i) {
        if (i == answerAfter) appendAnswer(out, step);
        if (i < step.items.size()) appendItem(out, step.items[i], tagged);
    }
    out += "</section>\n";
}

// [SECTION] the final state

void appendServerState(std::string& out, const store::Store& store)
{
    out += "<section class=\"state\">\n<h2>The server at the end</h2>\n";
    for (const AccountState& account : serverState(store)) {
        out += "<h3>Account " + escLine(account.user) + "</h3>\n";
        for (const MailboxState& box : account.mailboxes) {
            out += "<p><b>" + escLine(box.name) + "</b>";
            if (!box.specialUse.empty()) out += " (" + escLine(box.specialUse) + ")";
            out += ": UIDVALIDITY " + std::to_string(box.uidValidity) + ", UIDNEXT " +
                   std::to_string(box.uidNext);
            if (box.messages.empty()) {
                out += ", <span class=\"empty\">empty</span></p>\n";
                continue;
            }
            out += "</p>\n<table>\n<tr><th>#</th><th>UID</th><th>Flags</th><th>Size</th><th>From</th>"
                   "<th>Subject</th></tr>\n";
            for (const ServerMessage& m : box.messages) {
                out += "<tr><td class=\"n\">" + std::to_string(m.sequence) + "</td><td class=\"n\">" +
                       std::to_string(m.uid) + "</td><td>" + escLine(m.flags) + "</td><td class=\"n\">" +
                       std::to_string(m.size) + "</td><td>" + escLine(m.from) + "</td><td>" +
                       escLine(m.subject) + "</td></tr>\n";
            }
            out += "</table>\n";
        }
    }
    out += "</section>\n";
}

void appendDeviceState(std::string& out, const scenario::Simulation& simulation)
{
    out += "<section class=\"state\">\n<h2>The devices at the end</h2>\n";
    for (const DeviceState& device : deviceState(simulation)) {
        const bool imap = device.info.protocol == "IMAP";
        out += "<h3>" + escLine(device.info.name) + " (" + device.info.protocol + ", " +
               escLine(device.info.mode) + " mode, " + escLine(device.info.user) +
               (device.connected ? ", still connected" : "") + ")</h3>\n";
        if (device.messages.empty()) {
            out += "<p class=\"empty\">Holds no mail.</p>\n";
            continue;
        }
        out += "<table>\n<tr><th>Folder</th><th>Server id</th><th>From</th><th>Subject</th><th>Holds</th>"
               "<th>Octets held</th><th>Read</th>";
        out += imap ? "<th>Flags</th></tr>\n" : "</tr>\n";
        for (const DeviceMessage& m : device.messages) {
            std::string octets = std::to_string(m.octetsHeld);
            if (m.serverSize && m.serverSize != m.octetsHeld) octets += " of " + std::to_string(m.serverSize);
            out += "<tr><td>" + escLine(m.folder) + "</td><td>" +
                   (m.serverId.empty() ? std::string("—") : escLine(m.serverId)) + "</td><td>" +
                   escLine(m.from) + "</td><td>" + escLine(m.subject) + "</td><td>" + escLine(m.held) +
                   "</td><td class=\"n\">" + octets + "</td><td>" + (m.read ? "read" : "unread") + "</td>";
            if (imap) out += "<td>" + escLine(m.flags) + "</td>";
            out += "</tr>\n";
        }
        out += "</table>\n";
    }
    out += "</section>\n";
}

std::string paragraphs(std::string_view text, const char* cssClass)
{
    std::string out = std::string("<p class=\"") + cssClass + "\">";
    bool firstLine = true;
    for (std::string_view line : wireLines(text)) {
        out += (firstLine ? "" : "<br>") + esc(line);
        firstLine = false;
    }
    return out + "</p>\n";
}

} // namespace

std::string exportHtml(const scenario::Simulation& simulation)
{
    const LessonView view = lessonView(simulation);
    const LessonHeader& header = view.header;
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"generator\" content=\"maillab\">\n";
    out += "<title>" + escLine(header.title) + " — maillab</title>\n<style>" + kStyle +
           "</style>\n</head>\n<body>\n";
    out += "<header>\n<h1>" + escLine(header.title) + "</h1>\n";
    // The setting, not the description: a student reads this before the steps, and the description tells
    // how they end.
    if (!header.setting.empty()) out += paragraphs(header.setting, "setting");
    out += "<table>\n<tr><th>File</th><td><code>" + escLine(header.sourceName) + "</code></td></tr>\n";
    out += "<tr><th>Virtual start (day 1)</th><td>" + readableTime(header.startMs) + "</td></tr>\n";
    out += "<tr><th>Octets sent</th><td>client " +
           std::to_string(simulation.transcript().byteCount(wire::Direction::ClientToServer)) + ", server " +
           std::to_string(simulation.transcript().byteCount(wire::Direction::ServerToClient)) +
           "</td></tr>\n";
    out += "</table>\n</header>\n";
    out += "<section "
           "class=\"devices\">\n<h2>Devices</h2>\n<table>\n<tr><th>Device</th><th>Protocol</th><th>Mode</th>"
           "<th>User</th><th>Sessions</th></tr>\n";
    for (const DeviceInfo& d : header.devices) {
        std::string sessions;
        for (int id : d.sessions)
            sessions += (sessions.empty() ? "#" : ", #") + std::to_string(id);
        out += "<tr><td>" + escLine(d.name) + "</td><td>" + d.protocol + "</td><td>" + escLine(d.mode) +
               (d.auth.empty() ? "" : ", login " + escLine(d.auth)) + securityText(d) + "</td><td>" +
               escLine(d.user) + "</td><td>" + (sessions.empty() ? "none" : sessions) + "</td></tr>\n";
    }
    out += "</table>\n</section>\n";
    for (size_t i = 0; i < view.steps.size(); ++i)
        appendStep(out, view.steps[i], i + 1, header.tagged);
    if (view.steps.size() < view.actionsTotal)
        out += "<p class=\"empty\">The simulation stopped before step " +
               std::to_string(view.steps.size() + 1) + ".</p>\n";
    appendServerState(out, simulation.store());
    appendDeviceState(out, simulation);
    if (!header.description.empty())
        out += "<section class=\"showed\">\n<h2>What this lesson showed</h2>\n" +
               paragraphs(header.description, "description") + "</section>\n";
    out += "<footer>Exported by maillab from " + escLine(header.sourceName) +
           ". All times are the simulation's virtual clock.</footer>\n</body>\n</html>\n";
    return out;
}

} // namespace maillab::exporter

// [SECTION] coursework: the worksheet and the key

namespace maillab::exporter {

namespace {

constexpr const char* kCourseworkStyle = R"css(
.who { display: flex; gap: 2rem; margin: 1rem 0 1.5rem; }
.who label { flex: 1; font-weight: 600; }
.who span { display: block; border-bottom: 1px solid #1f2328; height: 1.6rem; }
.q { border: 1px solid var(--rule); border-radius: 4px; padding: .4rem .8rem .8rem; margin: 1rem 0; }
.q h2 { border: 0; margin-top: .4rem; }
ol.choices { list-style: none; padding-left: .5rem; }
ol.choices li { margin: .25rem 0; }
.box { font-weight: 600; display: inline-block; width: 1.6rem; }
.write { margin: .6rem 0 .2rem; font-weight: 600; }
.lines { height: 4.5rem; border: 1px solid #8c959f; border-radius: 3px;
         background: repeating-linear-gradient(transparent 0 1.45rem, #d0d7de 1.45rem 1.5rem); }
.context { color: #57606a; font-size: .9rem; margin: .2rem 0; }
.right { font-weight: 700; color: #1a7f37; }
table.key td { vertical-align: top; }
@media print {
  .q { break-inside: avoid; }
  .lines { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

std::string page(const std::string& title, const std::string& body)
{
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"maillab\">\n<title>" +
           escLine(title) + " — maillab</title>\n<style>" + kStyle + kCourseworkStyle +
           "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
}

} // namespace

std::string exportWorksheetHtml(const scenario::Scenario& lesson)
{
    std::string body = "<header>\n<h1>Worksheet: " + escLine(lesson.title) + "</h1>\n";
    body += "<div class=\"who\"><label>Name<span></span></label><label>Date<span></span></label></div>\n";
    if (!lesson.setting.empty()) body += paragraphs(lesson.setting, "setting");
    body += "<p>Before each step runs, circle your prediction and say why. After watching it, write what "
            "happened and which line of the transcript shows it.</p>\n</header>\n";
    // Only the steps that ask: a later step's narration may tell an earlier answer.
    const std::vector<AskedQuestion> asked = askedQuestions(lesson);
    for (const AskedQuestion& q : asked) {
        body += "<section class=\"q\" id=\"step-" + std::to_string(q.actionIndex + 1) + "\">\n<h2>" +
                escLine(q.stepHeading) + "</h2>\n";
        if (!q.action->narration.empty()) body += paragraphs(q.action->narration, "narration");
        body += "<p><strong>Question " + std::to_string(q.number) + ":</strong> " + esc(q.question->prompt) +
                "</p>\n<ol class=\"choices\">\n";
        for (size_t c = 0; c < q.question->choices.size(); ++c)
            body += std::string("<li><span class=\"box\">") + static_cast<char>('a' + c) + ")</span> " +
                    esc(q.question->choices[c]) + "</li>\n";
        body += "</ol>\n<p class=\"write\">My prediction, and why:</p>\n<div class=\"lines\"></div>\n"
                "<p class=\"write\">What happened, and the transcript line that shows it:</p>\n"
                "<div class=\"lines\"></div>\n</section>\n";
    }
    if (asked.empty()) body += "<p class=\"empty\">This lesson asks no questions.</p>\n";
    return page("Worksheet: " + lesson.title, body);
}

std::string exportKeyHtml(const scenario::Scenario& lesson)
{
    std::string body = "<header>\n<h1>Answer key: " + escLine(lesson.title) + "</h1>\n";
    body += "<p>For the instructor: every question of the lesson with its answer and explanation.</p>\n";
    const std::vector<AskedQuestion> asked = askedQuestions(lesson);
    if (asked.empty())
        return page("Answer key: " + lesson.title,
                    body + "</header>\n<p class=\"empty\">This lesson asks no questions.</p>\n");
    std::string summary, details;
    for (const AskedQuestion& q : asked) {
        const size_t answer = q.question->answer;
        const std::string right =
            std::string(1, static_cast<char>('a' + answer)) + ") " + esc(q.question->choices[answer]);
        summary += "<tr><td class=\"n\">" + std::to_string(q.number) + "</td><td>" + escLine(q.stepHeading) +
                   "</td><td>" + right + "</td></tr>\n";
        details += "<section class=\"q\">\n<h2>Question " + std::to_string(q.number) + " · " +
                   escLine(q.stepHeading) + "</h2>\n<p>" + esc(q.question->prompt) +
                   "</p>\n<ol class=\"choices\">\n";
        for (size_t c = 0; c < q.question->choices.size(); ++c)
            details += std::string("<li") + (c == answer ? " class=\"right\"" : "") +
                       "><span class=\"box\">" + static_cast<char>('a' + c) + ")</span> " +
                       esc(q.question->choices[c]) + (c == answer ? " ✓" : "") + "</li>\n";
        details += "</ol>\n<p class=\"answer\"><strong>Answer:</strong> " + right + ". " +
                   esc(q.question->explanation) + "</p>\n";
        if (q.action->checkpoint)
            details +=
                "<p class=\"context\">Checkpoint after this step: " + esc(q.action->checkpoint->description) +
                "</p>\n";
        details += "</section>\n";
    }
    body += "<table class=\"key\">\n<tr><th>#</th><th>Step</th><th>Answer</th></tr>\n" + summary +
            "</table>\n</header>\n" + details;
    return page("Answer key: " + lesson.title, body);
}

} // namespace maillab::exporter
