// The bytes of a message a lesson delivers: a file from the mail folder, or one composed from the action's
// from, to, subject and body.
#pragma once

#include "scenario/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace maillab::scenario {

// A Deliver action's message. serial numbers the composed ones (their Message-ID), nowSeconds dates them;
// an empty result with error set when the file cannot be read.
std::string deliveredMessage(const Action& action, const std::filesystem::path& mailDir, int64_t nowSeconds,
                             int serial, std::string& error);

// The server's virus filter, which runs at delivery, before any access agent (POP3, IMAP) can see the
// message: true when the bytes hold the EICAR anti-virus test string (eicar.org), the harmless text every
// virus scanner reports as a virus so that filters can be tested. Such a message is quarantined: stored in
// no mailbox, only noted in the transcript.
bool holdsEicarTestString(std::string_view bytes);

} // namespace maillab::scenario
