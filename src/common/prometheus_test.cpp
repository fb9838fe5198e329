// The registry's exposition text: counters per label tuple, cumulative
// histogram buckets with +Inf, _sum and _count, label values escaped.

#include "common/prometheus.hpp"

#include <gtest/gtest.h>

namespace tocsin::prom {
namespace {

TEST(Prometheus, RendersCountersAndHistogramsInTheTextFormat) {
  Registry r;
  Family& alerts = r.Add("t_alerts_total", "Alerts.", Kind::kCounter, {"source", "decision"});
  Family& took = r.Add("t_seconds", "Time.", Kind::kHistogram, {"route"}, {0.1, 1});
  alerts.CounterWith({"generic", "opened"}).Inc();
  alerts.CounterWith({"generic", "opened"}).Inc(2);
  alerts.CounterWith({"a\"b\\c\nd", "x"}).Inc();
  took.HistogramWith({"/x"}).Observe(0.05);
  took.HistogramWith({"/x"}).Observe(0.5);
  took.HistogramWith({"/x"}).Observe(5);
  r.AddCollector([](std::string& out) { AppendSamples(out, "t_ready", "Ready.", Kind::kGauge, {{"", 1}}); });
  EXPECT_EQ(r.Render(),
            "# HELP t_alerts_total Alerts.\n"
            "# TYPE t_alerts_total counter\n"
            "t_alerts_total{source=\"a\\\"b\\\\c\\nd\",decision=\"x\"} 1\n"
            "t_alerts_total{source=\"generic\",decision=\"opened\"} 3\n"
            "# HELP t_seconds Time.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"
            "t_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"
            "t_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"
            "t_seconds_sum{route=\"/x\"} 5.55\n"
            "t_seconds_count{route=\"/x\"} 3\n"
            "# HELP t_ready Ready.\n"
            "# TYPE t_ready gauge\n"
            "t_ready 1\n");
}

TEST(Prometheus, ChildrenAreCreatedOnceAndKeptByReference) {
  Registry r;
  Family& f = r.Add("t_total", "T.", Kind::kCounter, {"k"});
  Counter& a = f.CounterWith({"v"});
  EXPECT_EQ(&a, &f.CounterWith({"v"}));
  a.Inc();
  EXPECT_EQ(f.CounterWith({"v"}).Value(), 1u);
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e18), "1e+18");
}

}  // namespace
}  // namespace tocsin::prom
