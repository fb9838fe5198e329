#pragma once
// LeaderQueue: the turn-taking behind IngestCombiner and ReadCombiner (ADR
// 0019). Callers queue their call; while it is not done, a caller finding
// fewer than `max_leaders` batches in flight leads one: it takes calls from
// the queue's front (its own or others') and runs them, and the others wait
// for their call to be done or for a turn to lead. An idle queue adds no wait.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace tocsin::storage::postgres {

template <typename Call>
class LeaderQueue {
 public:
  explicit LeaderQueue(int max_leaders) : max_leaders_(std::max(1, max_leaders)) {}

  // Returns once `call` is done. `take(queue)` pops the calls of a batch
  // from the front (under the lock; at least one); `run(calls)` runs them
  // (without it). Each call's `done` is set after its batch ran.
  template <typename Take, typename Run>
  void Join(Call* call, Take&& take, Run&& run) {
    std::unique_lock lock(mu_);
    queue_.push_back(call);
    while (!call->done) {
      if (leaders_ >= max_leaders_ || queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      std::vector<Call*> batch = take(queue_);
      ++leaders_;
      lock.unlock();
      run(batch);
      lock.lock();
      --leaders_;
      for (Call* c : batch) c->done = true;
      cv_.notify_all();
    }
  }

  // Calls waiting for a leader (for tests).
  std::size_t queued() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  const int max_leaders_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Call*> queue_;
  int leaders_ = 0;
};

}  // namespace tocsin::storage::postgres
