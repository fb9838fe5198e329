// The YAML configuration loader (config/config_loader.hpp LoadConfigString):
// any text gives a config or a list of diagnostics, never a crash. ${VAR}
// references resolve through a fixed lookup, not the process environment.
#include <cstdlib>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (!name.empty() && name[0] == 'U') return std::nullopt;  // some variables are unset
    return "fuzz-" + name;
  };
  auto loaded = tocsin::config::LoadConfigString(tocsin::fuzz::AsText(data, size), "fuzz.yaml", env);
  for (const auto& p : loaded.problems) {
    if (p.message.empty()) std::abort();  // every problem says what is wrong
    (void)p.ToString();
  }
  for (const auto& n : loaded.notes) (void)n.ToString();
  return 0;
}
