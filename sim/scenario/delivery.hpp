// The bytes of a message a lesson delivers: a file from the mail folder, or one composed from the action's
// from, to, subject and body.
#pragma once

#include "scenario/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace maillab::scenario {

// A Deliver action's message. serial numbers the composed ones (their Message-ID), nowSeconds dates them;
// an empty result with error set when the file cannot be read.
std::string deliveredMessage(const Action& action, const std::filesystem::path& mailDir, int64_t nowSeconds,
                             int serial, std::string& error);

} // namespace maillab::scenario
