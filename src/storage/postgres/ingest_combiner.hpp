#pragma once
// IngestCombiner: group commit for alert ingestion on PostgreSQL (ADR 0019).
// Concurrent IngestAlerts calls, each usually one alert, are run together as
// one batch, one transaction, by whichever caller leads: a caller finding
// fewer than `max_leaders` batches in flight leads at once, taking every
// call queued (up to `max_alerts` alerts); the others wait for a leader's
// result or for a turn to lead. An idle server thus adds no wait, and a busy
// one pays a transaction per batch instead of per request. With a batch in
// flight, another starts only once `another_at` alerts are queued, or a call
// has waited `patience`: fewer wait for the running one, to go out together.
//
// Calls of one alert each are run together by `each`, which reports each
// alert's result. Otherwise a batch that fails (it wrote nothing) is run
// again one call at a time, so that one call's failure is only its own.
// Each call's alerts stay in order, and the batch keeps the calls in their
// arrival order.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

#include "common/result.hpp"
#include "core/ports/store.hpp"
#include "storage/postgres/leader_queue.hpp"

namespace tocsin::storage::postgres {

class IngestCombiner {
 public:
  // Runs alerts in one transaction (all or nothing).
  using RunFn = std::function<Result<std::vector<core::AlertRecord>>(std::vector<core::AlertWork>)>;
  // Runs alerts that are calls of their own (one-alert calls combined): each
  // alert's result is its own, and they need not commit together.
  using EachFn = std::function<std::vector<Result<core::AlertRecord>>(std::vector<core::AlertWork>)>;

  IngestCombiner(RunFn run, EachFn each, int max_leaders, std::size_t max_alerts, std::size_t another_at = 1,
                 std::chrono::milliseconds patience = std::chrono::milliseconds(0));

  Result<std::vector<core::AlertRecord>> Ingest(std::vector<core::AlertWork> work);
  // Calls waiting for a leader (for tests).
  std::size_t queued();

 private:
  struct Call {
    std::vector<core::AlertWork>* work = nullptr;
    Result<std::vector<core::AlertRecord>> result = std::vector<core::AlertRecord>{};
    bool done = false;
  };
  std::vector<Call*> Take(std::deque<Call*>& queue) const;
  void Run(const std::vector<Call*>& calls);

  const RunFn run_;
  const EachFn each_;
  const std::size_t max_alerts_;
  const std::size_t another_at_;
  const std::chrono::milliseconds patience_;
  LeaderQueue<Call> turns_;
};

}  // namespace tocsin::storage::postgres
