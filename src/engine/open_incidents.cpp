#include "engine/open_incidents.hpp"

namespace tocsin::engine {

Result<void> ForEachOpenIncident(core::Store& store, const std::function<void(const core::Incident&)>& fn,
                                 const std::function<bool()>& keep_going) {
  core::SearchRequest req;
  req.with_total = false;
  req.query = *core::ParseQuery("state:(active OR stable)");
  req.limit = 500;
  for (req.offset = 0;; req.offset += req.limit) {
    auto page = store.SearchIncidents(req);
    if (!page) return tl::unexpected(page.error());
    for (const auto& incident : page->incidents) fn(incident);
    if (static_cast<std::int64_t>(page->incidents.size()) < req.limit) return {};
    if (keep_going && !keep_going()) return {};
  }
}

}  // namespace tocsin::engine
