#include "core/ports/store.hpp"

#include <algorithm>

namespace tocsin::core {

// Reads the whole timeline a page at a time and keeps the newest slice; a
// store that can read backwards (every real one) overrides this.
Result<std::vector<TimelineEvent>> Store::TimelineNewest(const std::string& incident_id, std::int64_t offset,
                                                         std::int64_t limit) {
  constexpr std::int64_t kPage = 1000;
  std::vector<TimelineEvent> all;
  for (std::int64_t at = 0;; at += kPage) {
    auto page = Timeline(incident_id, at, kPage);
    if (!page) return page;
    const auto got = static_cast<std::int64_t>(page->size());
    for (auto& e : *page) all.push_back(std::move(e));
    if (got < kPage) break;
  }
  std::reverse(all.begin(), all.end());
  std::vector<TimelineEvent> out;
  for (std::int64_t k = offset; k < static_cast<std::int64_t>(all.size()) && k < offset + limit; ++k) {
    out.push_back(std::move(all[static_cast<std::size_t>(k)]));
  }
  return out;
}

Result<bool> Store::EnqueueNotice(const NoticeItem& notice) {
  return MakeError(ErrorCode::kInternal, "this store does not implement notices (cannot queue '" + notice.key + "')");
}

}  // namespace tocsin::core
