#pragma once
// The engine's scan of open (active or stable) incidents, page by page.

#include <functional>

#include "core/ports/store.hpp"

namespace tocsin::engine {

// Calls `fn` for every open incident, page by page, until `keep_going`
// (checked between pages; may be empty) says stop. Store errors come back.
Result<void> ForEachOpenIncident(core::Store& store, const std::function<void(const core::Incident&)>& fn,
                                 const std::function<bool()>& keep_going = {});

}  // namespace tocsin::engine
