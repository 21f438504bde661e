// libFuzzer: lesson files. A broken file must give a LoadError, never a crash or an exception.
#include "scenario/scenario.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    maillab::scenario::parseScenario(std::string_view(reinterpret_cast<const char*>(data), size),
                                     "fuzz.json");
    return 0;
}
