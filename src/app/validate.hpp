#pragma once
// Checks of a loaded config that need the adapters (notify): each channel's
// settings and template are valid, rendering every default template once.
// Each problem is "file:line:column: channels[i] (name): problem".

#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace tocsin::app {

std::vector<std::string> ValidateAdapters(const core::Config& config);

}  // namespace tocsin::app
