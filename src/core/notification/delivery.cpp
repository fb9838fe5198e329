#include "core/notification/delivery.hpp"

#include <algorithm>
#include <cmath>

namespace tocsin::core {

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kQueued: return "queued";
    case DeliveryState::kSending: return "sending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kFailed: return "failed";
    case DeliveryState::kGaveUp: return "gave_up";
    case DeliveryState::kCancelled: return "cancelled";
  }
  return "queued";
}

std::optional<DeliveryState> ParseDeliveryStateName(std::string_view name) {
  for (auto s : {DeliveryState::kQueued, DeliveryState::kSending, DeliveryState::kDelivered, DeliveryState::kFailed,
                 DeliveryState::kGaveUp, DeliveryState::kCancelled}) {
    if (DeliveryStateName(s) == name) return s;
  }
  return std::nullopt;
}

TimePoint NextAttemptAt(const RetryPolicy& policy, int attempts, std::optional<std::chrono::seconds> retry_after,
                        TimePoint now, double jitter01) {
  double factor = std::pow(2.0, std::clamp(attempts - 1, 0, 30));
  double base_ms = std::min(static_cast<double>(policy.base.count()) * factor, static_cast<double>(policy.max.count()));
  double jitter = 0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0);
  auto backoff = Micros(static_cast<std::int64_t>(base_ms * jitter * 1000.0));
  TimePoint at = now + backoff;
  if (retry_after && now + *retry_after > at) at = now + std::chrono::duration_cast<Micros>(*retry_after);
  return at;
}

bool ShouldGiveUp(const RetryPolicy& policy, TimePoint created, TimePoint now) {
  return now - created >= policy.give_up_after;
}

}  // namespace tocsin::core
