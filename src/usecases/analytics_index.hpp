#pragma once
// AnalyticsIndex: the analytics' compact rows (core::metrics::Rows) of every
// live incident, kept in memory and brought up to date from the change feed,
// so that GET /api/v2/analytics/incidents reduces an array of 64-byte rows
// instead of reading and decoding every incident of the period from storage.
//
// - Built on first use from the store (oldest first, a page at a time); until
//   then it costs nothing but a flag per change.
// - Every committed incident change (ChangeFeedStore, and other replicas'
//   through app/change_relay) marks that incident; the next read re-reads the
//   marked incidents before answering. A write answered before the read is
//   therefore always in it (the feed is told before the store call returns).
// - A change without an incident (a relay that lost its connection and may
//   have missed some) or too many marks at once make the next read rebuild.
// - A store failure fails the read (the marks are kept for the next one).
// See docs/metrics.md ("How the analytics are computed").

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"
#include "core/metrics/metrics.hpp"
#include "core/ports/store.hpp"
#include "usecases/change_feed.hpp"

namespace tocsin::usecases {

class AnalyticsIndex {
 public:
  // More marked incidents than this and the next read rebuilds instead (and
  // the marks stop growing while nobody reads).
  static constexpr std::size_t kMaxMarked = 100000;

  AnalyticsIndex(core::Store& store, std::shared_ptr<ChangeFeed> feed);
  ~AnalyticsIndex();
  AnalyticsIndex(const AnalyticsIndex&) = delete;
  AnalyticsIndex& operator=(const AnalyticsIndex&) = delete;

  // Calls `read` with the rows of every live incident as committed before the
  // call (one reader at a time).
  Result<void> Read(const std::function<void(const core::metrics::Rows&)>& read);

  struct Stats {
    std::int64_t rows = 0;
    std::int64_t rebuilds = 0;   // full reads of the store
    std::int64_t refreshed = 0;  // incidents re-read one by one
  };
  Stats stats() const;

 private:
  struct Marks {
    std::mutex mu;
    bool all = true;  // rebuild at the next read (nothing built yet)
    std::unordered_set<std::string> ids;
  };
  Result<void> Rebuild();
  // Re-reads the incidents of `ids`, erasing each one done; `saw_missing`:
  // one was gone (deleted).
  Result<void> Refresh(std::unordered_set<std::string>& ids, bool& saw_missing);
  void Put(const std::string& id, const core::Incident* incident);  // null: gone
  void Drop(const std::string& id);

  core::Store& store_;
  std::shared_ptr<ChangeFeed> feed_;
  std::shared_ptr<Marks> marks_;
  std::uint64_t subscription_ = 0;

  mutable std::mutex mu_;  // the rows, their ids and the stats
  core::metrics::Rows rows_;
  std::unordered_map<std::string, std::size_t> at_;  // row by incident id
  std::vector<const std::string*> ids_;               // by row: its key in at_ (nodes do not move)
  Stats stats_;
};

}  // namespace tocsin::usecases
