// Ingest parser: ingest::ParseDatadog (src/ingest/ingest.hpp). Any body either
// parses into at most limits.max_alerts alerts or is refused with an error;
// never a crash, a leak or undefined behaviour.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "ingest/ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tocsin::ingest::ParseLimits limits;
  limits.max_alerts = 50;
  auto alerts = tocsin::ingest::ParseDatadog(tocsin::fuzz::AsText(data, size), tocsin::fuzz::FixedNow(), limits);
  if (alerts && alerts->size() > limits.max_alerts) std::abort();
  if (!alerts && alerts.error().message.empty()) std::abort();  // errors name the problem
  return 0;
}
