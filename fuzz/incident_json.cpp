// The incident request bodies of the API (api/v2/incident_json.hpp): a body
// that passes ParseBody goes through ParseCreate and ParseUpdate, which
// accept it or refuse it with a message; never a crash or an exception.
#include <cstdlib>

#include "api/v2/incident_json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  const auto& config = fuzz::ExampleConfig();
  auto body = api::v2::ParseBody(std::string(fuzz::AsText(data, size)));
  if (!body) return 0;
  auto created = api::v2::ParseCreate(*body, config);
  if (!created && created.error().message.empty()) std::abort();
  auto patch = api::v2::ParseUpdate(*body, "00000000-0000-4000-8000-000000000001", config);
  if (!patch && patch.error().message.empty()) std::abort();
  return 0;
}
