#pragma once
// Error budgets (slos:): an availability objective over a rolling window
// allows (100 - objective) % of the window as downtime; the customer-impact
// time of the service's incidents consumes it. Overlapping incidents are not
// counted twice (the union of their intervals). Definitions in docs/metrics.md.

#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core::metrics {

struct Span {
  TimePoint start{}, end{};
};

// The customer-impact intervals of an incident: customer_impact_start to
// customer_impact_end (or to its resolution once closed, or to `now` while
// open), and each recorded impact the same way. Empty when none.
std::vector<Span> ImpactSpans(const Incident& incident, TimePoint now);

// Total length of the union of `spans` clipped to [from, to).
Micros UnionLength(std::vector<Span> spans, TimePoint from, TimePoint to);

struct ErrorBudget {
  std::string service;
  double objective = 0;  // percent
  Micros window{};
  TimePoint from{}, to{};  // the window ending now
  Micros budget{};         // window * (100 - objective) %
  Micros consumed{};       // customer-impact time in the window
  Micros left{};           // budget - consumed (negative once exhausted)
  double consumed_percent = 0;
  // Consumption over the last 24 hours against the rate that would spend the
  // budget exactly over the window (1 = on track to run out at the window's end).
  double burn_rate_24h = 0;
  std::int64_t incidents = 0;  // incidents of the service with impact in the window
};

// ComputeErrorBudget as one reducing pass: Add each incident, then Done once.
class ErrorBudgetAccumulator {
 public:
  ErrorBudgetAccumulator(const Slo& slo, TimePoint now);
  void Add(const Incident& incident);
  ErrorBudget Done();

 private:
  TimePoint now_;
  ErrorBudget b_;
  std::vector<Span> spans_;
};

// `incidents` must include every incident whose impact reaches into the window.
ErrorBudget ComputeErrorBudget(const Slo& slo, const std::vector<Incident>& incidents, TimePoint now);

}  // namespace tocsin::core::metrics
