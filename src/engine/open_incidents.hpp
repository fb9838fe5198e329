#pragma once
// The engine's scan of open (active or stable) incidents, page by page.

#include <functional>

#include "core/ports/store.hpp"

namespace tocsin::engine {

// Calls `fn` for every open incident; kUnavailable etc. when the store fails.
Result<void> ForEachOpenIncident(core::Store& store, const std::function<void(const core::Incident&)>& fn);

}  // namespace tocsin::engine
