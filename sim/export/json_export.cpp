// json: a header (lesson, devices, steps) and every transcript entry with its exact bytes. Bytes that are
// valid UTF-8 go in "bytes" as a JSON string (RFC 8259 escapes, so NUL and CR LF survive); anything else goes
// in "bytes_base64" (RFC 4648 section 4) instead, so every entry round-trips to the octets on the wire.
#include "export/export.hpp"
#include "export/lesson_view.hpp"
#include "tls/tls_endpoint.hpp"
#include "util/text.hpp"

#include <map>
#include <nlohmann/json.hpp>

namespace maillab::exporter {

namespace {

using Json = nlohmann::ordered_json; // keys in the order written here, so the file reads top-down

const char* kindName(wire::TranscriptEntry::Kind kind)
{
    switch (kind) {
    case wire::TranscriptEntry::Kind::Data: return "data";
    case wire::TranscriptEntry::Kind::Connected: return "connected";
    case wire::TranscriptEntry::Kind::Closed: return "closed";
    case wire::TranscriptEntry::Kind::Note: return "note";
    case wire::TranscriptEntry::Kind::TlsRecord: return "tls_record";
    }
    return "";
}

const char* effectName(wire::Effect::Kind kind)
{
    using Kind = wire::Effect::Kind;
    switch (kind) {
    case Kind::Sent: return "sent";
    case Kind::Marked: return "marked";
    case Kind::Unmarked: return "unmarked";
    case Kind::Expunged: return "expunged";
    case Kind::Copied: return "copied";
    case Kind::Moved: return "moved";
    case Kind::FlagsChanged: return "flags_changed";
    case Kind::Appended: return "appended";
    case Kind::MailboxCreated: return "mailbox_created";
    case Kind::MailboxDeleted: return "mailbox_deleted";
    case Kind::MailboxRenamed: return "mailbox_renamed";
    }
    return "";
}

const char* extentName(wire::Effect::Extent extent)
{
    using Extent = wire::Effect::Extent;
    switch (extent) {
    case Extent::Whole: return "whole";
    case Extent::Headers: return "headers";
    case Extent::HeadersAndLines: return "headers_and_lines";
    case Extent::Text: return "text";
    case Extent::Part: return "part";
    }
    return "";
}

// What a reply meant, as the session told it (wire/exchange.hpp): only what is there, so it reads short.
Json meaning(const wire::Exchange& x)
{
    Json out;
    if (!x.command.empty()) out["command"] = x.command;
    if (!x.tag.empty()) out["tag"] = x.tag;
    out["status"] = x.status == wire::Status::None ? "none" : wire::statusName(x.status);
    if (!x.code.empty()) out["code"] = x.code;
    if (!x.stateBefore.empty()) out["state_before"] = x.stateBefore;
    out["state_after"] = x.stateAfter;
    if (x.login != wire::Login::None) {
        out["login"] = x.login == wire::Login::Succeeded ? "succeeded" : "failed";
        out["user"] = x.user;
    }
    if (x.effects.empty()) return out;
    Json effects = Json::array();
    for (const wire::Effect& f : x.effects) {
        Json effect = {{"kind", effectName(f.kind)}, {"mailbox", f.mailbox}};
        if (f.kind == wire::Effect::Kind::Sent) effect["extent"] = extentName(f.extent);
        if (f.uid) effect["uid"] = f.uid;
        if (f.number) effect["number"] = f.number;
        if (!f.part.empty()) effect["part"] = f.part;
        if (f.bytes) effect["octets"] = f.bytes;
        if (!f.target.empty()) effect["target"] = f.target;
        if (f.targetUid) effect["target_uid"] = f.targetUid;
        if (!f.flags.empty()) effect["flags"] = f.flags;
        effects.push_back(std::move(effect));
    }
    out["effects"] = std::move(effects);
    return out;
}

// Lesson text is UTF-8 already (it came through a JSON parser); anything else is shown, not dropped.
std::string text(std::string_view value)
{
    return isValidUtf8(value) ? std::string(value) : displayText(value);
}

} // namespace

std::string exportJson(const scenario::Simulation& simulation)
{
    const LessonHeader header = lessonHeader(simulation);
    const wire::Transcript& transcript = simulation.transcript();
    Json document;
    document["format"] = "maillab-transcript";
    document["version"] = 1;
    document["lesson"] = {{"title", text(header.title)},
                          {"description", text(header.description)},
                          {"source", text(header.sourceName)},
                          {"start_ms", header.startMs},
                          {"start", isoTime(header.startMs)}};
    if (!header.setting.empty()) document["lesson"]["setting"] = text(header.setting);
    Json devices = Json::array();
    for (const DeviceInfo& d : header.devices) {
        Json device = {
            {"name", text(d.name)}, {"protocol", d.protocol}, {"mode", text(d.mode)}, {"user", text(d.user)}};
        if (!d.auth.empty()) device["auth"] = text(d.auth);
        if (!d.security.empty()) {
            device["security"] = d.security;
            device["port"] = d.port;
        }
        device["sessions"] = d.sessions;
        devices.push_back(std::move(device));
    }
    document["devices"] = std::move(devices);
    Json steps = Json::array();
    const std::vector<scenario::Action>& actions = simulation.scenario().actions;
    // The entry after which each answer is shown (answerAfterEntry), by its index in "entries".
    std::map<const wire::TranscriptEntry*, size_t> answerAfterAction;
    for (const StepView& step : lessonView(simulation).steps)
        if (const wire::TranscriptEntry* after = step.action ? answerAfterEntry(step) : nullptr)
            answerAfterAction[after] = step.actionIndex;
    std::vector<Json> answerAfter(actions.size(), Json(nullptr));
    uint64_t position = transcript.dropped();
    for (const wire::TranscriptEntry& e : transcript.entries()) {
        if (auto it = answerAfterAction.find(&e);
            it != answerAfterAction.end() && it->second < actions.size())
            answerAfter[it->second] = position;
        ++position;
    }
    for (size_t i = 0; i < actions.size(); ++i) {
        Json step = {{"number", i + 1}, {"action", scenario::actionName(actions[i].kind)}};
        if (!actions[i].device.empty()) step["device"] = text(actions[i].device);
        step["narration"] = text(actions[i].narration);
        step["reached"] = i < simulation.actionIndex();
        if (const auto& q = actions[i].question) {
            Json choices = Json::array();
            for (const std::string& choice : q->choices)
                choices.push_back(text(choice));
            step["question"] = {{"prompt", text(q->prompt)},
                                {"choices", std::move(choices)},
                                {"answer", q->answer},
                                {"explanation", text(q->explanation)},
                                {"answer_after_entry", answerAfter[i]}};
        }
        if (const auto& checkpoint = actions[i].checkpoint) {
            Json result = {{"description", text(checkpoint->description)}, {"result", "not reached"}};
            for (const scenario::CheckpointResult& r : simulation.checkpointResults()) {
                if (r.action != i) continue;
                result["result"] = r.passed() ? "holds" : "fails";
                Json failures = Json::array();
                for (const std::string& failure : r.failures)
                    failures.push_back(text(failure));
                result["failures"] = std::move(failures);
            }
            step["checkpoint"] = std::move(result);
        }
        steps.push_back(std::move(step));
    }
    document["steps"] = std::move(steps);
    document["octets"] = {{"client_to_server", transcript.byteCount(wire::Direction::ClientToServer)},
                          {"server_to_client", transcript.byteCount(wire::Direction::ServerToClient)}};
    Json entries = Json::array();
    uint64_t index = transcript.dropped();
    for (const wire::TranscriptEntry& e : transcript.entries()) {
        Json entry;
        entry["index"] = index++;
        entry["step"] = e.step;
        const size_t action = simulation.actionOfStep(e.step);
        entry["lesson_step"] = action == SIZE_MAX ? Json(nullptr) : Json(action + 1);
        entry["session"] = e.sessionId;
        entry["device"] = text(e.device);
        entry["protocol"] = wire::protocolName(e.protocol);
        entry["direction"] =
            e.direction == wire::Direction::ClientToServer ? "client_to_server" : "server_to_client";
        entry["kind"] = kindName(e.kind);
        entry["time_ms"] = e.timeMs;
        entry["time"] = isoTime(e.timeMs);
        if (e.serverPort) entry["server_port"] = e.serverPort;
        if (e.encrypted) entry["encrypted"] = true;
        if (e.abrupt) entry["abrupt"] = true; // a drop: neither side closed it
        if (e.kind == wire::TranscriptEntry::Kind::TlsRecord) {
            // The record headers an eavesdropper reads (RFC 8446 section 5.1); the bytes follow in full.
            Json records = Json::array();
            for (const tls::RecordInfo& r : tls::parseRecords(e.bytes))
                records.push_back({{"type", r.contentType},
                                   {"type_name", tls::contentTypeName(r.contentType)},
                                   {"version", r.version},
                                   {"length", r.length}});
            entry["records"] = std::move(records);
        }
        if (!e.exchanges.empty()) {
            Json meanings = Json::array();
            for (const wire::Exchange& x : e.exchanges)
                meanings.push_back(meaning(x));
            entry["exchanges"] = std::move(meanings);
        }
        if (isValidUtf8(e.bytes))
            entry["bytes"] = e.bytes;
        else
            entry["bytes_base64"] = util::base64Encode(e.bytes);
        entries.push_back(std::move(entry));
    }
    document["entries"] = std::move(entries);
    // With these SSLKEYLOGFILE lines the tls_record bytes decrypt (Wireshark, or any TLS 1.3 implementation).
    if (!transcript.keyLog.empty()) document["tls_key_log"] = transcript.keyLog;
    return document.dump(2) + "\n";
}

} // namespace maillab::exporter
