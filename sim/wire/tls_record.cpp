#include "wire/tls_record.hpp"

namespace maillab::wire {

const char* contentTypeName(uint8_t contentType)
{
    switch (contentType) {
    case 20: return "ChangeCipherSpec";
    case 21: return "Alert";
    case 22: return "Handshake";
    case 23: return "ApplicationData";
    case 24: return "Heartbeat";
    default: return "Unknown";
    }
}

std::vector<RecordInfo> parseRecords(std::string_view bytes)
{
    // Type (1), legacy_record_version (2), length (2), then the fragment.
    std::vector<RecordInfo> records;
    size_t at = 0;
    while (bytes.size() - at >= 5) {
        RecordInfo record;
        record.contentType = static_cast<uint8_t>(bytes[at]);
        record.version = static_cast<uint16_t>((static_cast<uint8_t>(bytes[at + 1]) << 8) |
                                               static_cast<uint8_t>(bytes[at + 2]));
        record.length = static_cast<uint16_t>((static_cast<uint8_t>(bytes[at + 3]) << 8) |
                                              static_cast<uint8_t>(bytes[at + 4]));
        record.offset = at + 5;
        if (bytes.size() - at - 5 < record.length) break;
        records.push_back(record);
        at += 5 + record.length;
    }
    return records;
}

} // namespace maillab::wire
