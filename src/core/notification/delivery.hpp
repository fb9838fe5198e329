#pragma once
// Delivery: one notification in the durable outbox, and the pure retry policy
// the outbox workers follow. A delivery is written in the same transaction as
// the change that causes it; workers send it at least once; its idempotency
// key never changes, so receivers can deduplicate a retry of a send that
// succeeded but whose answer was lost.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace tocsin::core {

// kCancelled: not sent because it was no longer wanted when its turn came (a
// page to a person once the incident is acknowledged).
enum class DeliveryState { kQueued, kSending, kDelivered, kFailed, kGaveUp, kCancelled };

std::string_view DeliveryStateName(DeliveryState s);  // queued, sending, delivered, failed, gave_up, cancelled
std::optional<DeliveryState> ParseDeliveryStateName(std::string_view name);

// A delivery to one person through one of their contact methods
// (users[].contact_methods) rather than to the channel's own destination.
struct ContactTarget {
  std::string user;     // handle; empty: the delivery goes to the channel itself
  int method = 0;       // 1-based position in the user's contact_methods
  std::string type;     // slack_dm | email | pagerduty
  std::string address;  // Slack member id or email address; empty for pagerduty (the
                        // routing key is a secret: read from the config when sending)
  bool empty() const { return user.empty(); }
  bool operator==(const ContactTarget&) const = default;
};

struct Delivery {
  std::int64_t id = 0;
  std::string incident_id;
  std::string channel;
  std::string kind;    // incident_opened, incident_resolved, severity_changed, acknowledged, status_update, ...
  std::string reason;  // why it was queued
  TimePoint created{};
  DeliveryState state = DeliveryState::kQueued;
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::string last_error;
  std::optional<TimePoint> delivered_at;
  std::string thread_ts;  // Slack message ts, for threading later updates
  ContactTarget to;       // set: a page to a person through their contact method
  // A notice (a delivery that belongs to no incident: incident_id is empty):
  // its caller-chosen unique key ("weekly-report:2026-W48:sre-slack") and the
  // message it carries, written when it is queued.
  std::string notice_key;
  std::string body;

  std::string IdempotencyKey() const { return "tocsin-delivery-" + std::to_string(id); }
  // The ordering lane: deliveries with equal lanes leave one at a time, in
  // queue order (one incident on one channel to one recipient).
  std::string Lane() const {
    return channel + '\n' + incident_id + '\n' + to.user + '\n' + std::to_string(to.method);
  }
  bool operator==(const Delivery&) const = default;
};

// A notice to queue (Store::EnqueueNotice): a delivery about no incident,
// such as the scheduled weekly review. `key` is unique across the outbox, so
// queuing the same notice again (after a restart, or by a racing caller)
// adds nothing.
struct NoticeItem {
  std::string key;
  std::string channel;
  std::string kind;    // weekly_report, slo_budget_exhausted, ...
  std::string reason;  // why it was queued
  std::string body;    // the message (its format depends on the kind)
  TimePoint created{};
  std::optional<TimePoint> due;  // first attempt not before this (default: created)
};

// What one attempt to send came to, as the channel's notifier judges it.
struct AttemptOutcome {
  enum class Kind { kDelivered, kRetry, kPermanent, kCancelled };
  Kind kind = Kind::kRetry;
  std::optional<std::chrono::seconds> retry_after;  // the receiver asked us to wait (429, Retry-After)
  std::string detail;     // "HTTP 500: rollup_error", never containing secrets
  std::string thread_ts;  // Slack Web API: ts of the posted message
};

struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max{std::chrono::minutes(10)};
  std::chrono::seconds give_up_after{std::chrono::hours(24)};
};

// When to try again after `attempts` failed tries: exponential backoff
// (base * 2^(attempts-1), capped) with jitter in [-20%, +20%] from `jitter01`
// in [0, 1); a receiver's Retry-After wins when it is later.
TimePoint NextAttemptAt(const RetryPolicy& policy, int attempts, std::optional<std::chrono::seconds> retry_after,
                        TimePoint now, double jitter01);

// True when a delivery created at `created` should not be tried any more.
bool ShouldGiveUp(const RetryPolicy& policy, TimePoint created, TimePoint now);

}  // namespace tocsin::core
