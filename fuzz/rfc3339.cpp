// RFC 3339 timestamps (common/time.hpp): parsing never crashes, and whatever
// parses formats back to text that parses to the same instant.
#include <cstdlib>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto t = tocsin::ParseRfc3339(tocsin::fuzz::AsText(data, size));
  if (!t) return 0;
  std::string formatted = tocsin::FormatRfc3339(*t);
  auto again = tocsin::ParseRfc3339(formatted);
  if (!again || *again != *t) std::abort();
  return 0;
}
