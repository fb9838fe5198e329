#pragma once
// OutboxWorker: delivers the durable outbox. It claims the deliveries that are
// due, sends them, and records each attempt and its outcome on the incident's
// timeline: delivered; retry later (exponential backoff with jitter,
// Retry-After respected); failed for good (a permanent refusal); or given up
// after RetryPolicy::give_up_after, which is also logged as an error.
//
// Sending runs on a persistent pool of sender threads (each keeps its own
// keep-alive connections, see notify/transport.hpp), under two rules:
// - deliveries of one incident to one channel and recipient ("a lane") are
//   sent one at a time, in queue order, also across retries: when one is to
//   be retried, the later ones of its lane are held back (not sent, their
//   claims released once the retry is recorded; the store then claims none
//   of them before the retry). So a Slack thread's first message and its ts
//   are known before its replies are sent, and PagerDuty sees trigger before
//   acknowledge before resolve. A PagerDuty trigger or acknowledge whose
//   incident is already resolved is superseded (cancelled, not sent);
// - at most `per_channel_concurrency` sends are in flight per channel, so one
//   slow receiver holds up neither the others nor more than its share.
// Outcomes are recorded in batches (Store::FinishAttempts: one write
// transaction for many outcomes and their timeline events).
//
// Two ways to drive it:
// - RunOnce(now): claims what is due at `now`, sends it, records every
//   outcome, then returns (tests, with a fake clock).
// - Start(): a dispatcher thread claims on the worker's clock whenever Wake()
//   says something was queued (the app calls it after every commit that
//   queues a notification), when a retry falls due, or at the latest every
//   `idle_poll`. Outcomes are then recorded by a recorder thread once no new
//   delivery was queued for `record_quiet` (so recording does not compete
//   with the commits of incoming alerts), after `record_max_delay` at the
//   latest, or as soon as `record_batch` outcomes are waiting. A crash before
//   an outcome is recorded sends that delivery again after the restart, with
//   the same idempotency key (at least once).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "core/config/config.hpp"
#include "core/notification/delivery.hpp"
#include "core/ports/store.hpp"
#include "notify/notifier.hpp"

namespace tocsin::engine {

struct OutboxOptions {
  core::RetryPolicy retry;
  std::int64_t batch = 256;               // deliveries claimed at once
  int per_channel_concurrency = 4;        // sends in flight per channel
  int threads = 8;                        // sender threads (all channels)
  std::int64_t max_in_flight = 2048;      // claimed but not yet recorded: bounds memory
  std::size_t record_batch = 1024;        // outcomes per write transaction, at most
  std::chrono::milliseconds record_quiet{20};
  std::chrono::milliseconds record_max_delay{1000};
  std::chrono::milliseconds send_timeout{10000};
  std::chrono::milliseconds idle_poll{1000};  // background loop: longest wait between checks
};

// The sending step, replaceable in tests.
using SendFn = std::function<core::AttemptOutcome(const core::Channel&, const core::Delivery&, const core::Incident*,
                                                  const notify::SendContext&)>;

class OutboxWorker {
 public:
  OutboxWorker(core::Store& store, core::ConfigSource config, const Clock& clock, OutboxOptions options = {},
               SendFn send = notify::Send);
  ~OutboxWorker();

  // Sends every delivery due at `now` (one claim of up to `batch`), records
  // the outcomes, and returns how many attempts were made.
  int RunOnce(TimePoint now);
  // Background delivery on the worker's clock; Wake() after enqueuing.
  void Start();
  // Finishes the sends in progress, records their outcomes, and stops.
  void Stop();
  void Wake();

 private:
  struct Job {
    core::Delivery delivery;
    std::shared_ptr<const core::Incident> incident;  // null: deleted (or unreadable)
    bool unreadable = false;                         // reading the incident failed (not: it is gone)
    std::shared_ptr<const core::Config> config;      // the snapshot `channel` points into
    const core::Channel* channel = nullptr;          // null: not configured
    std::optional<TimePoint> now;                    // RunOnce's time; empty: the clock at send time
  };
  // One incident on one channel: its jobs run one at a time, in order.
  struct Lane {
    std::deque<Job> jobs;
    bool active = false;
  };
  struct ChannelQueue {
    int limit = 1;
    int active = 0;
    std::deque<std::string> ready;  // lanes with jobs and no send in progress
  };

  void StartSenders();
  // Under mu_: a channel with a ready lane and a free slot, round robin.
  bool PickLane(std::size_t& channel);
  void SenderLoop();
  void DispatchLoop();
  void RecorderLoop();
  // Loads each claimed delivery's incident once and queues the jobs in their lanes.
  void Enqueue(std::vector<core::Delivery> claimed, std::optional<TimePoint> now);
  core::AttemptRecord Attempt(const Job& job);
  // Records outcomes (one transaction; one by one if that fails).
  void Record(std::vector<core::AttemptRecord> records);

  core::Store& store_;
  core::ConfigSource config_;
  const Clock& clock_;
  OutboxOptions options_;
  SendFn send_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;

  std::mutex mu_;
  std::condition_variable work_cv_;      // senders: a lane is ready, or stop
  std::condition_variable done_cv_;      // a send finished
  std::condition_variable dispatch_cv_;  // dispatcher: woken, room freed, or stop
  std::condition_variable record_cv_;    // recorder: outcomes waiting, or stop
  std::unordered_map<std::string, Lane> lanes_;
  std::vector<ChannelQueue> channels_;
  std::unordered_map<std::string, std::size_t> channel_index_;
  std::size_t next_channel_ = 0;
  std::size_t queued_ = 0;   // jobs waiting in lanes
  std::size_t sending_ = 0;  // sends in progress
  std::int64_t in_flight_ = 0;  // background: claimed and not yet recorded
  std::vector<core::AttemptRecord> outcomes_;  // sent, not yet recorded
  // Lanes whose delivery `blocker` is to be retried and not yet recorded:
  // their later deliveries (`ids`) are held, unsent, until it is.
  struct Held {
    std::int64_t blocker = 0;
    std::vector<std::int64_t> ids;
  };
  std::unordered_map<std::string, Held> held_;
  // Attempts whose record failed, by delivery: tried again kRecordTries times.
  static constexpr int kRecordTries = 5;
  std::unordered_map<std::int64_t, int> record_failures_;
  std::chrono::steady_clock::time_point record_not_before_{};
  // Slack threads started by outcomes not yet recorded: lane -> ts.
  std::unordered_map<std::string, std::string> threads_started_;
  std::chrono::steady_clock::time_point first_outcome_at_{};
  std::chrono::steady_clock::time_point last_wake_at_{};
  std::optional<TimePoint> next_retry_;  // earliest retry scheduled since the last claim
  bool stop_ = false;
  bool stop_senders_ = false;
  bool stop_recorder_ = false;
  bool woken_ = false;
  std::vector<std::thread> senders_;
  std::thread dispatcher_;
  std::thread recorder_;
};

}  // namespace tocsin::engine
