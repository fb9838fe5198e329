// Error budgets on hand-made incidents: overlapping impact counted once, an
// open incident consuming up to now, other services and deleted incidents
// left out, the burn rate of the last day.

#include "core/metrics/slo.hpp"

#include <gtest/gtest.h>

namespace tocsin::core::metrics {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* t) { return *ParseRfc3339(t); }

Incident Impacting(const char* service, const char* start, std::optional<const char*> end) {
  Incident i;
  i.fields["services"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{service}};
  i.customer_impacted = true;
  i.customer_impact_start = At(start);
  if (end) i.customer_impact_end = At(*end);
  return i;
}

TEST(ErrorBudget, UnionOfImpactWithinTheWindow) {
  Slo slo{"checkout", 99.9, std::chrono::hours(24 * 30), {}};  // 43.2 min of budget
  TimePoint now = At("2026-11-30T12:00:00Z");
  std::vector<Incident> incidents = {
      Impacting("checkout", "2026-11-20T10:00:00Z", "2026-11-20T10:20:00Z"),
      Impacting("checkout", "2026-11-20T10:10:00Z", "2026-11-20T10:30:00Z"),  // overlaps: 30 min in all
      Impacting("search", "2026-11-21T10:00:00Z", "2026-11-21T12:00:00Z"),    // another service
      Impacting("checkout", "2026-10-01T10:00:00Z", "2026-10-01T12:00:00Z"),  // before the window
      Impacting("checkout", "2026-11-30T11:50:00Z", std::nullopt),             // open: to now
  };
  Incident deleted = Impacting("checkout", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z");
  deleted.deleted = true;
  incidents.push_back(deleted);
  ErrorBudget b = ComputeErrorBudget(slo, incidents, now);
  EXPECT_EQ(b.budget, 43min + 12s);
  EXPECT_EQ(b.consumed, 40min);
  EXPECT_EQ(b.left, 3min + 12s);
  EXPECT_EQ(b.incidents, 3);
  EXPECT_NEAR(b.consumed_percent, 92.59, 0.01);
  // Last 24 h: 10 min against 1.44 min a day.
  EXPECT_NEAR(b.burn_rate_24h, 10.0 / 1.44, 1e-6);
}

TEST(ErrorBudget, ClosedIncidentsWithoutAnEndStopAtTheirResolution) {
  Incident i = Impacting("checkout", "2026-11-29T10:00:00Z", std::nullopt);
  i.state = IncidentState::kResolved;
  i.resolved = At("2026-11-29T10:05:00Z");
  Impact extra;
  extra.start = At("2026-11-29T10:03:00Z");
  extra.end = At("2026-11-29T10:09:00Z");
  i.impacts.push_back(extra);
  EXPECT_EQ(UnionLength(ImpactSpans(i, At("2026-11-30T00:00:00Z")), At("2026-11-01T00:00:00Z"),
                        At("2026-11-30T00:00:00Z")),
            9min);
  Slo slo{"checkout", 99.0, std::chrono::hours(24), {}};
  ErrorBudget b = ComputeErrorBudget(slo, {i}, At("2026-11-29T12:00:00Z"));
  EXPECT_EQ(b.budget, 14min + 24s);
  EXPECT_EQ(b.consumed, 9min);
}

}  // namespace
}  // namespace tocsin::core::metrics
