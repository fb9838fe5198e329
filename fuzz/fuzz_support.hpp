#pragma once
// Shared helpers for the fuzz targets: the v-commerce example configuration
// (loaded once) and a fixed receive time. Header-only, so each target stays
// one translation unit plus the product libraries.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "config/config_loader.hpp"
#include "core/config/config.hpp"

namespace tocsin::fuzz {

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline TimePoint FixedNow() { return *ParseRfc3339("2026-11-27T10:00:00Z"); }

// TOCSIN_SOURCE_DIR is set by fuzz/CMakeLists.txt.
inline const core::Config& ExampleConfig() {
  static const core::Config config = [] {
    auto loaded = config::LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml");
    if (!loaded.ok()) {
      for (const auto& p : loaded.problems) std::fprintf(stderr, "%s\n", p.ToString().c_str());
      std::abort();
    }
    return loaded.config;
  }();
  return config;
}

}  // namespace tocsin::fuzz
