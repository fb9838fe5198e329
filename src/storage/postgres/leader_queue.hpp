#pragma once
// LeaderQueue: the turn-taking behind IngestCombiner and ReadCombiner (ADR
// 0019). Callers queue their call; while it is not done, a caller finding
// fewer than `max_leaders` batches in flight leads one: it takes calls from
// the queue's front (its own or others') and runs them, and the others wait
// for their call to be done or for a turn to lead. An idle queue adds no wait.
// A batch beside one already in flight may be held back until the queue is
// worth it (`another`): waiting for the running batch to end then gathers
// the next one bigger, which costs less per call than two small ones.

#include <algorithm>
#include <chrono>
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
    Join(call, take, run, [](const std::deque<Call*>&) { return true; }, std::chrono::milliseconds(0));
  }
  // As above; with a batch in flight, another starts only when
  // `another(queue)` says the queue is worth it (under the lock; each
  // arriving call asks again, so a queue growing past it starts one), or
  // once a call has waited `patience` for a turn: a batch held up (a lock
  // another replica holds) does not hold up the calls behind it for long.
  template <typename Take, typename Run, typename Another>
  void Join(Call* call, Take&& take, Run&& run, Another&& another, std::chrono::milliseconds patience) {
    std::unique_lock lock(mu_);
    queue_.push_back(call);
    auto impatient_at = std::chrono::steady_clock::now() + patience;
    while (!call->done) {
      if (leaders_ >= max_leaders_ || queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (leaders_ > 0 && !another(queue_) && std::chrono::steady_clock::now() < impatient_at) {
        cv_.wait_until(lock, impatient_at);
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
