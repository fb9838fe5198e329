#include "storage/postgres/ingest_combiner.hpp"

#include <algorithm>
#include <utility>

namespace tocsin::storage::postgres {

IngestCombiner::IngestCombiner(RunFn run, EachFn each, int max_leaders, std::size_t max_alerts)
    : run_(std::move(run)),
      each_(std::move(each)),
      max_leaders_(std::max(1, max_leaders)), max_alerts_(std::max<std::size_t>(1, max_alerts)) {}

Result<std::vector<core::AlertRecord>> IngestCombiner::Ingest(std::vector<core::AlertWork> work) {
  Call me;
  me.work = &work;
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leaders_ < max_leaders_ && !queue_.empty()) {
      Lead(lock);
    } else {
      cv_.wait(lock);
    }
  }
  return std::move(me.result);
}

std::size_t IngestCombiner::queued() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

// Called with `lock` held; runs one batch without it.
void IngestCombiner::Lead(std::unique_lock<std::mutex>& lock) {
  std::vector<Call*> calls;
  std::size_t alerts = 0;
  while (!queue_.empty()) {
    Call* next = queue_.front();
    if (!calls.empty() && alerts + next->work->size() > max_alerts_) break;
    alerts += next->work->size();
    calls.push_back(next);
    queue_.pop_front();
  }
  ++leaders_;
  lock.unlock();

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

  lock.lock();
  --leaders_;
  for (Call* c : calls) c->done = true;
  cv_.notify_all();
}

}  // namespace tocsin::storage::postgres
