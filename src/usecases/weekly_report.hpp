#pragma once
// The weekly incident review (issue 13), read from the store: the incidents
// and alert records a week's report needs, handed to core/report. One
// function for every door: GET /api/v2/reports/weekly (and through it
// `tocsin report weekly`), and the scheduled send (usecases/scheduled_notices).
// Errors name the parameter ("week: ...", "time_zone: ...").

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"
#include "core/metrics/slo.hpp"
#include "core/report/weekly.hpp"

namespace tocsin::usecases {

struct WeeklyReportRequest {
  std::optional<core::report::IsoWeek> week;  // default: the last full week in the zone
  std::optional<std::string> time_zone;       // default: metrics.time_zone
};

// kInvalidArgument for an unknown zone or a week that has not started at the
// clock's now; a store error as it came.
Result<core::report::WeeklyReport> BuildWeeklyReport(core::Store& store, const core::Config& config,
                                                     const Clock& clock, const WeeklyReportRequest& request);

// Every live incident created in [from, to), read page by page from the
// newest until the pages reach before `from`: each handed to `visit` as its
// page is read (so they are never all held at once), or all returned.
Result<void> ForEachIncidentCreatedIn(core::Store& store, TimePoint from, TimePoint to,
                                      const std::function<void(core::Incident&)>& visit);
Result<std::vector<core::Incident>> IncidentsCreatedIn(core::Store& store, TimePoint from, TimePoint to);

// Each configured SLO's error budget as at `at` (GET
// /api/v2/analytics/error-budgets, the budget notices), in config order.
Result<std::vector<core::metrics::ErrorBudget>> ErrorBudgetsAt(core::Store& store, const core::Config& config,
                                                               TimePoint at);

}  // namespace tocsin::usecases
