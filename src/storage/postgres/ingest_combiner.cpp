#include "storage/postgres/ingest_combiner.hpp"

#include <algorithm>
#include <utility>

namespace tocsin::storage::postgres {

IngestCombiner::IngestCombiner(RunFn run, EachFn each, int max_leaders, std::size_t max_alerts,
                               std::size_t another_at, std::chrono::milliseconds patience)
    : run_(std::move(run)),
      each_(std::move(each)),
      max_alerts_(std::max<std::size_t>(1, max_alerts)),
      another_at_(another_at),
      patience_(patience),
      turns_(max_leaders) {}

Result<std::vector<core::AlertRecord>> IngestCombiner::Ingest(std::vector<core::AlertWork> work) {
  Call me;
  me.work = &work;
  turns_.Join(
      &me, [this](std::deque<Call*>& queue) { return Take(queue); },
      [this](const std::vector<Call*>& calls) { Run(calls); },
      [this](const std::deque<Call*>& queue) {
        std::size_t alerts = 0;
        for (const Call* c : queue) {
          alerts += c->work->size();
          if (alerts >= another_at_) return true;
        }
        return false;  // (never called on an empty queue)
      },
      patience_);
  return std::move(me.result);
}

std::size_t IngestCombiner::queued() { return turns_.queued(); }

// Every call queued, up to max_alerts_ alerts (at least one call).
std::vector<IngestCombiner::Call*> IngestCombiner::Take(std::deque<Call*>& queue) const {
  std::vector<Call*> calls;
  std::size_t alerts = 0;
  while (!queue.empty()) {
    Call* next = queue.front();
    if (!calls.empty() && alerts + next->work->size() > max_alerts_) break;
    alerts += next->work->size();
    calls.push_back(next);
    queue.pop_front();
  }
  return calls;
}

void IngestCombiner::Run(const std::vector<Call*>& calls) {
  std::size_t alerts = 0;
  for (Call* c : calls) alerts += c->work->size();
  bool ran = false;
  if (calls.size() > 1 && alerts == calls.size()) {
    std::vector<core::AlertWork> all;
    all.reserve(alerts);
    for (Call* c : calls) all.push_back(std::move(c->work->front()));
    auto results = each_(std::move(all));
    for (std::size_t k = 0; k < calls.size(); ++k) {
      if (k < results.size() && results[k]) {
        calls[k]->result = std::vector<core::AlertRecord>{std::move(*results[k])};
      } else {
        calls[k]->result = tl::unexpected(k < results.size() ? results[k].error()
                                                             : Error{ErrorCode::kInternal, "no result for an alert"});
      }
    }
    ran = true;
  } else if (calls.size() > 1) {
    // The batch gets copies: if it fails, each call runs again from its own.
    std::vector<core::AlertWork> all;
    all.reserve(alerts);
    for (Call* c : calls) all.insert(all.end(), c->work->begin(), c->work->end());
    auto records = run_(std::move(all));
    if (!records && records.error().code == ErrorCode::kUnavailable) {
      // The store is unreachable, and a lost COMMIT answer may hide a
      // COMMIT: not run again, every call reports it.
      for (Call* c : calls) c->result = tl::unexpected(records.error());
      ran = true;
    } else if (records && records->size() == alerts) {
      std::size_t at = 0;
      for (Call* c : calls) {
        auto from = records->begin() + static_cast<std::ptrdiff_t>(at);
        c->result = std::vector<core::AlertRecord>(std::make_move_iterator(from),
                                                   std::make_move_iterator(from + static_cast<std::ptrdiff_t>(c->work->size())));
        at += c->work->size();
      }
      ran = true;
    }
  }
  if (!ran) {
    for (Call* c : calls) c->result = run_(std::move(*c->work));
  }
}

}  // namespace tocsin::storage::postgres
