// libFuzzer: what arrives from the network before and during a TLS handshake: the record splitter the
// eavesdropper's view uses, its description in the transcript, and a server endpoint fed arbitrary bytes
// (a plaintext client on a TLS port, garbage, a cut-off ClientHello).
#include "tls/tls_endpoint.hpp"
#include "wire/transcript.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace maillab;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    size_t covered = 0;
    for (const tls::RecordInfo& record : tls::parseRecords(bytes))
        covered += 5 + record.length;
    if (covered > size) std::abort(); // whole records only, never past the end

    wire::TranscriptEntry entry;
    entry.kind = wire::TranscriptEntry::Kind::TlsRecord;
    entry.bytes.assign(bytes);
    wire::formatEntry(entry, true);

    // One identity for the whole run: making a key per input would be all the fuzzer ever did.
    static const tls::Identity identity = tls::generateSelfSigned("fuzz.maillab");
    auto server = tls::Endpoint::server(identity);
    server->feedCiphertext(bytes);
    server->takeCiphertext();
    server->takePlain();
    if (server->state() == tls::Endpoint::State::Established) std::abort(); // no handshake from one flight
    return 0;
}
