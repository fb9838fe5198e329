#pragma once
// The engine's walk over the incidents that are due (escalation tier or
// reminder), page by page, in due order. Only due incidents are read, so an
// idle engine costs nothing however many incidents are open.

#include <functional>

#include "core/ports/store.hpp"

namespace tocsin::engine {

// Calls `fn` for every open incident due at `now`, page by page, until
// `keep_going` (checked between pages; may be empty) says stop. Each incident
// is visited at most once per call. Store errors come back.
Result<void> ForEachDueIncident(core::Store& store, TimePoint now, const std::function<void(const core::Incident&)>& fn,
                                const std::function<bool()>& keep_going = {});

}  // namespace tocsin::engine
