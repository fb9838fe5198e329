#include "engine/open_incidents.hpp"

namespace tocsin::engine {

Result<void> ForEachDueIncident(core::Store& store, TimePoint now, const std::function<void(const core::Incident&)>& fn,
                                const std::function<bool()>& keep_going) {
  std::optional<core::DueCursor> after;
  while (true) {
    auto page = store.DueIncidents(now, after, 500);
    if (!page) return tl::unexpected(page.error());
    for (const auto& incident : page->incidents) fn(incident);
    if (!page->next) return {};
    after = page->next;
    if (keep_going && !keep_going()) return {};
  }
}

}  // namespace tocsin::engine
