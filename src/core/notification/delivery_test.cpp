#include "core/notification/delivery.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

using namespace std::chrono_literals;

TEST(Delivery, BackoffGrowsWithJitterAndIsCapped) {
  RetryPolicy p;
  TimePoint now = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_EQ(NextAttemptAt(p, 1, std::nullopt, now, 0.5), now + 1s);
  EXPECT_EQ(NextAttemptAt(p, 3, std::nullopt, now, 0.5), now + 4s);
  EXPECT_EQ(NextAttemptAt(p, 1, std::nullopt, now, 0.0), now + 800ms);
  EXPECT_EQ(NextAttemptAt(p, 30, std::nullopt, now, 0.5), now + 10min);
}

TEST(Delivery, RetryAfterWinsWhenLater) {
  RetryPolicy p;
  TimePoint now = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_EQ(NextAttemptAt(p, 1, 30s, now, 0.5), now + 30s);
  EXPECT_EQ(NextAttemptAt(p, 8, 1s, now, 0.5), now + 128s);
}

TEST(Delivery, GivesUpAfterTheConfiguredAge) {
  RetryPolicy p;
  p.give_up_after = 1h;
  TimePoint t = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_FALSE(ShouldGiveUp(p, t, t + 59min));
  EXPECT_TRUE(ShouldGiveUp(p, t, t + 1h));
}

TEST(Delivery, StateNamesRoundTrip) {
  for (auto s : {DeliveryState::kQueued, DeliveryState::kSending, DeliveryState::kDelivered, DeliveryState::kFailed,
                 DeliveryState::kGaveUp}) {
    EXPECT_EQ(ParseDeliveryStateName(DeliveryStateName(s)), s);
  }
  EXPECT_EQ(Delivery{42}.IdempotencyKey(), "tocsin-delivery-42");
}

}  // namespace
}  // namespace tocsin::core
