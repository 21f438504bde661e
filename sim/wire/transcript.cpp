#include "wire/transcript.hpp"

#include "wire/tls_record.hpp"

#include <set>

namespace maillab::wire {

const char* statusName(Status status)
{
    switch (status) {
    case Status::None: return "";
    case Status::Ok: return "OK";
    case Status::Err: return "-ERR";
    case Status::No: return "NO";
    case Status::Bad: return "BAD";
    case Status::Bye: return "BYE";
    case Status::Continue: return "+";
    }
    return "";
}

const char* protocolName(Protocol protocol)
{
    return protocol == Protocol::Pop3 ? "POP3" : "IMAP";
}

void Transcript::record(TranscriptEntry entry)
{
    if (onRecord) onRecord(entry);
    m_bytes += entry.bytes.size();
    m_entries.push_back(std::move(entry));
    while (m_byteLimit && m_bytes > m_byteLimit && m_entries.size() > 1) {
        m_bytes -= m_entries.front().bytes.size();
        m_entries.pop_front();
        ++m_dropped;
    }
}

void Transcript::clear()
{
    m_dropped += m_entries.size();
    m_entries.clear();
    m_bytes = 0;
    keyLog.clear();
}

uint64_t Transcript::byteCount(Direction direction) const
{
    uint64_t total = 0;
    for (const TranscriptEntry& e : m_entries)
        if (e.kind == TranscriptEntry::Kind::Data && e.direction == direction) total += e.bytes.size();
    return total;
}

std::string describeTlsRecords(const TranscriptEntry& entry)
{
    std::string out = entry.direction == Direction::ClientToServer ? "TLS records, client to server:"
                                                                   : "TLS records, server to client:";
    const char* separator = " ";
    size_t covered = 0;
    for (const RecordInfo& record : parseRecords(entry.bytes)) {
        out += separator;
        out += record.contentType >= 20 && record.contentType <= 24
                   ? contentTypeName(record.contentType)
                   : "type " + std::to_string(record.contentType);
        out += " " + std::to_string(record.length);
        separator = ", ";
        covered = record.offset + record.length;
    }
    if (covered < entry.bytes.size())
        out += std::string(separator) + std::to_string(entry.bytes.size() - covered) +
               " octets of a partial record";
    return out;
}

std::string formatEntry(const TranscriptEntry& entry, bool withSessionTag)
{
    std::string tag;
    if (withSessionTag) tag = "[" + entry.device + "#" + std::to_string(entry.sessionId) + "] ";
    if (entry.kind == TranscriptEntry::Kind::TlsRecord)
        return tag + "-- " + describeTlsRecords(entry) + " --\n";
    if (entry.kind != TranscriptEntry::Kind::Data) return tag + "-- " + entry.bytes + " --\n";
    if (entry.encrypted) tag += "[TLS] ";
    const char* who = entry.direction == Direction::ClientToServer ? "C: " : "S: ";
    std::string out;
    size_t pos = 0;
    const std::string& b = entry.bytes;
    while (pos < b.size()) {
        size_t lf = b.find('\n', pos);
        size_t end = lf == std::string::npos ? b.size() : lf;
        size_t stop = end > pos && b[end - 1] == '\r' ? end - 1 : end;
        out += tag;
        out += who;
        out.append(b, pos, stop - pos);
        out += '\n';
        if (lf == std::string::npos) break;
        pos = lf + 1;
    }
    return out;
}

std::string Transcript::toText(bool withTlsRecords) const
{
    std::set<int> sessions;
    for (const TranscriptEntry& e : m_entries)
        if (e.sessionId != 0) sessions.insert(e.sessionId);
    const bool tagged = sessions.size() > 1;
    std::string out;
    for (const TranscriptEntry& e : m_entries)
        if (withTlsRecords || e.kind != TranscriptEntry::Kind::TlsRecord) out += formatEntry(e, tagged);
    return out;
}

} // namespace maillab::wire
