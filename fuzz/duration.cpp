// Duration syntax of the configuration file (config::ParseDuration): never a
// crash or an overflow, never a negative result.
#include <cstdlib>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto d = tocsin::config::ParseDuration(tocsin::fuzz::AsText(data, size));
  if (d && d->count() < 0) std::abort();
  return 0;
}
