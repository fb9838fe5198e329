// The per-replica work counters (issue 15) in the exposition: label-free
// (one process is one scrape target), present at 0 before any work, and
// counting what the PostgreSQL store reports.

#include "common/server_metrics.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace tocsin {
namespace {

double Sample(const std::string& exposition, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(exposition, m, std::regex("\n" + name + " ([0-9.e+]+)\n"))) return -1;
  return std::stod(m[1]);
}

TEST(ServerMetrics, ReplicaWorkCountersAreLabelFreeCounters) {
  std::string before = server_metrics::Get().registry.Render();
  for (const char* name : {"tocsin_replica_deliveries_claimed_total", "tocsin_replica_lease_takeovers_total",
                           "tocsin_replica_fenced_finishes_total"}) {
    EXPECT_NE(before.find(std::string("# TYPE ") + name + " counter\n"), std::string::npos) << name;
    EXPECT_GE(Sample(before, name), 0) << name << " has no label-free sample:\n" << before;
  }
  server_metrics::ReplicaClaims(5, 2);
  server_metrics::ReplicaFenced(1);
  std::string after = server_metrics::Get().registry.Render();
  EXPECT_EQ(Sample(after, "tocsin_replica_deliveries_claimed_total") -
                Sample(before, "tocsin_replica_deliveries_claimed_total"), 5);
  EXPECT_EQ(Sample(after, "tocsin_replica_lease_takeovers_total") -
                Sample(before, "tocsin_replica_lease_takeovers_total"), 2);
  EXPECT_EQ(Sample(after, "tocsin_replica_fenced_finishes_total") -
                Sample(before, "tocsin_replica_fenced_finishes_total"), 1);
}

}  // namespace
}  // namespace tocsin
