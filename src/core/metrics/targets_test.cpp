// The seed's targets on hand-made incidents: met, missed and without data;
// the trend's sign from a least-squares slope; post-mortem completion.

#include "core/metrics/targets.hpp"

#include <gtest/gtest.h>

namespace tocsin::core::metrics {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* t) { return *ParseRfc3339(t); }

MetricsConfig SeedTargets() {
  MetricsConfig c;
  c.trend_weeks = 4;
  c.targets = {{"MTTD < 5 min", "mttd", "mean", {}, std::chrono::seconds(300), std::nullopt, "", {}},
               {"MTTA < 10 min", "mtta", "mean", {}, std::chrono::seconds(600), std::nullopt, "", {}},
               {"MTTR < 1 hour (SEV-1)", "mttr", "p90", {"SEV-1"}, std::chrono::seconds(3600), std::nullopt, "", {}},
               {"Count down", "incident_count", "mean", {}, std::nullopt, std::nullopt, "down", {}},
               {"Post-mortems", "postmortem_completion", "mean", {"SEV-1", "SEV-2"}, std::nullopt, 100.0, "", {}}};
  return c;
}

Incident Resolved(TimePoint created, Micros ack_after, Micros resolve_after, const std::string& severity) {
  Incident i;
  i.id = FormatRfc3339(created);
  i.severity = severity;
  i.created = created;
  i.detected = created;
  i.customer_impact_start = created - 2min;
  i.acknowledged = created + ack_after;
  i.state = IncidentState::kResolved;
  i.resolved = created + resolve_after;
  return i;
}

TEST(Targets, SlopeIsTheLeastSquaresLine) {
  EXPECT_DOUBLE_EQ(Slope({4, 3, 2, 1}), -1.0);
  EXPECT_DOUBLE_EQ(Slope({1, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(Slope({0, 2, 1, 3}), 0.8);
  EXPECT_DOUBLE_EQ(Slope({5}), 0.0);
}

TEST(Targets, EachIsMetMissedOrWithoutData) {
  TimePoint to = At("2026-11-30T00:00:00Z");
  TimePoint from = to - std::chrono::hours(24 * 7);
  std::vector<Incident> incidents;
  // The trend: 3, 2, 1 then this week's incidents.
  for (int week = 0; week < 3; ++week) {
    for (int k = 0; k < 3 - week; ++k) {
      incidents.push_back(Resolved(to - std::chrono::hours(24 * 7 * (4 - week)) + std::chrono::hours(k), 1min, 30min, "SEV-3"));
    }
  }
  // This week: a SEV-1 resolved in 20 min with its post-mortem published, a
  // SEV-2 whose post-mortem is a draft; acknowledged in 4 and 20 min.
  Incident a = Resolved(from + 1h, 4min, 20min, "SEV-1");
  a.postmortem = Postmortem{};
  a.postmortem->state = PostmortemState::kPublished;
  Incident b = Resolved(from + 2h, 20min, 3h, "SEV-2");
  b.postmortem = Postmortem{};
  incidents.push_back(a);
  incidents.push_back(b);
  auto results = EvaluateTargets(SeedTargets(), incidents, from, to);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0].status, TargetStatus::kMet);  // MTTD 2 min
  EXPECT_DOUBLE_EQ(*results[0].value, 120.0);
  EXPECT_EQ(results[1].status, TargetStatus::kMissed);  // MTTA mean 12 min
  EXPECT_DOUBLE_EQ(*results[1].value, 720.0);
  EXPECT_NE(results[1].figure.find("12.0 min (mean of 2 incidents; target < 10.0 min)"), std::string::npos)
      << results[1].figure;
  EXPECT_EQ(results[2].status, TargetStatus::kMet);  // SEV-1 only: 20 min
  EXPECT_EQ(results[2].count, 1);
  EXPECT_EQ(results[3].weekly_counts, (std::vector<std::int64_t>{3, 2, 1, 2}));
  EXPECT_LT(*results[3].value, 0);
  EXPECT_EQ(results[3].status, TargetStatus::kMet);
  EXPECT_EQ(results[3].weekly_counts_by_severity.at("SEV-3"), (std::vector<std::int64_t>{3, 2, 1, 0}));
  EXPECT_EQ(results[4].status, TargetStatus::kMissed);  // 1 of 2 published
  EXPECT_DOUBLE_EQ(*results[4].value, 50.0);

  // A week with nothing: no data, not "met".
  auto quiet = EvaluateTargets(SeedTargets(), {}, to, to + std::chrono::hours(24 * 7));
  for (const auto& r : quiet) EXPECT_EQ(r.status, TargetStatus::kNoData) << r.name;
  EXPECT_EQ(TargetStatusName(TargetStatus::kNoData), "no_data");
}

}  // namespace
}  // namespace tocsin::core::metrics
