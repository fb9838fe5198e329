#pragma once
// OutboxWorker: delivers the durable outbox. RunOnce(now) claims the
// deliveries that are due, sends them (in parallel, at most
// `per_channel_concurrency` at once per channel), and records each attempt
// and its outcome on the incident's timeline:
// delivered; retry later (exponential backoff with jitter, Retry-After
// respected); failed for good (a permanent refusal); or given up after
// RetryPolicy::give_up_after, which is also logged as an error.
// Start() runs RunOnce in a background thread on the system clock; tests call
// RunOnce themselves with a fake clock.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "common/clock.hpp"
#include "core/config/config.hpp"
#include "core/notification/delivery.hpp"
#include "core/ports/store.hpp"
#include "notify/notifier.hpp"

namespace tocsin::engine {

struct OutboxOptions {
  core::RetryPolicy retry;
  std::int64_t batch = 256;
  int per_channel_concurrency = 4;
  int threads = 8;
  std::chrono::milliseconds send_timeout{10000};
  std::chrono::milliseconds idle_poll{1000};  // background loop: longest wait between checks
};

// The sending step, replaceable in tests.
using SendFn = std::function<core::AttemptOutcome(const core::Channel&, const core::Delivery&, const core::Incident*,
                                                  const notify::SendContext&)>;

class OutboxWorker {
 public:
  OutboxWorker(core::Store& store, const core::Config& config, const Clock& clock, OutboxOptions options = {},
               SendFn send = notify::Send);
  ~OutboxWorker();

  // Sends every delivery due at `now`; returns how many attempts were made.
  int RunOnce(TimePoint now);
  // Background delivery on the worker's clock; Wake() after enqueuing.
  void Start();
  void Stop();
  void Wake();

 private:
  void Attempt(core::Delivery delivery, TimePoint now);

  core::Store& store_;
  const core::Config& config_;
  const Clock& clock_;
  OutboxOptions options_;
  SendFn send_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
};

}  // namespace tocsin::engine
