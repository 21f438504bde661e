// The TLS record layer as it crosses the wire (RFC 8446 section 5.1): what an eavesdropper can read of a TLS
// connection. Plain byte reading, no OpenSSL, so the transcript, the simulator and the exports share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace maillab::wire {

struct RecordInfo {
    uint8_t contentType = 0; // 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data
    uint16_t version = 0;    // legacy_record_version as written on the wire (0x0303 also for TLS 1.3)
    uint16_t length = 0;     // payload length
    size_t offset = 0;       // where the payload starts in the bytes parsed
};
const char* contentTypeName(uint8_t contentType); // "Handshake", "ApplicationData", ...
// Splits a run of ciphertext into whole records; a partial record at the end is left out.
std::vector<RecordInfo> parseRecords(std::string_view bytes);

} // namespace maillab::wire
