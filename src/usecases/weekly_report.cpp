#include "usecases/weekly_report.hpp"

#include "core/schedule/schedule.hpp"

namespace tocsin::usecases {
namespace {

constexpr std::int64_t kPage = 1000;
// Alert records read for a week's patterns, at most (newest first).
constexpr std::int64_t kMaxAlerts = 200000;

// The alert records received in [from, to), newest first from the store, page
// by page, until the pages reach before `from`.
Result<std::vector<core::AlertRecord>> ReceivedIn(core::Store& store, TimePoint from, TimePoint to) {
  std::vector<core::AlertRecord> out;
  core::AlertFilter filter;
  filter.limit = kPage;
  for (filter.offset = 0; filter.offset < kMaxAlerts; filter.offset += kPage) {
    auto page = store.ListAlerts(filter);
    if (!page) return tl::unexpected(page.error());
    bool older = false;
    for (auto& a : *page) {
      if (a.alert.received_at < from) older = true;
      if (a.alert.received_at >= from && a.alert.received_at < to) out.push_back(std::move(a));
    }
    if (older || static_cast<std::int64_t>(page->size()) < kPage) break;
  }
  return out;
}

}  // namespace

Result<void> ForEachIncidentCreatedIn(core::Store& store, TimePoint from, TimePoint to,
                                      const std::function<void(core::Incident&)>& visit) {
  core::SearchRequest req;
  req.limit = kPage;
  req.with_total = false;
  for (std::int64_t offset = 0;; offset += kPage) {
    req.offset = offset;
    auto page = store.SearchIncidents(req);
    if (!page) return tl::unexpected(page.error());
    bool older = false;
    for (auto& i : page->incidents) {
      if (i.created < from) older = true;
      if (i.created >= from && i.created < to) visit(i);
    }
    if (older || static_cast<std::int64_t>(page->incidents.size()) < kPage) break;
  }
  return {};
}

Result<std::vector<core::Incident>> IncidentsCreatedIn(core::Store& store, TimePoint from, TimePoint to) {
  std::vector<core::Incident> out;
  auto ok = ForEachIncidentCreatedIn(store, from, to, [&out](core::Incident& i) { out.push_back(std::move(i)); });
  if (!ok) return tl::unexpected(ok.error());
  return out;
}

// Incidents opened this long before an SLO's window are not read for it.
constexpr Micros kImpactLookback = std::chrono::hours(24 * 30);

Result<std::vector<core::metrics::ErrorBudget>> ErrorBudgetsAt(core::Store& store, const core::Config& config,
                                                               TimePoint at) {
  std::vector<core::metrics::ErrorBudget> out;
  if (config.slos.empty()) return out;
  std::chrono::seconds longest{0};
  for (const auto& slo : config.slos) longest = std::max(longest, slo.window);
  auto incidents = IncidentsCreatedIn(store, at - longest - kImpactLookback, at + std::chrono::microseconds(1));
  if (!incidents) return tl::unexpected(incidents.error());
  for (const auto& slo : config.slos) out.push_back(core::metrics::ComputeErrorBudget(slo, *incidents, at));
  return out;
}

Result<core::report::WeeklyReport> BuildWeeklyReport(core::Store& store, const core::Config& config,
                                                     const Clock& clock, const WeeklyReportRequest& request) {
  namespace report = core::report;
  const core::MetricsConfig& metrics = config.metrics;
  std::string zone = request.time_zone.value_or(metrics.time_zone);
  if (!core::schedule::IsKnownTimeZone(zone)) {
    return InvalidArgument("time_zone: unknown time zone '" + zone + "' (expected an IANA name like Europe/Paris)");
  }
  TimePoint now = clock.Now();
  std::optional<report::IsoWeek> week = request.week ? request.week : report::PreviousWeek(now, zone);
  auto span = week ? report::WeekSpan(*week, zone) : std::nullopt;
  if (!span) return InvalidArgument("time_zone: unknown time zone '" + zone + "'");
  if (span->start > now) return InvalidArgument("week: " + report::FormatIsoWeek(*week) + " has not started");
  auto incidents = IncidentsCreatedIn(store, report::LookbackStart(metrics, *span), span->end);
  if (!incidents) return tl::unexpected(incidents.error());
  auto alerts = ReceivedIn(store, span->start, span->end);
  if (!alerts) return tl::unexpected(alerts.error());
  report::WeeklyInput in{*week, zone, now, &metrics, &config.severities, &*incidents, &*alerts, &config.slos};
  auto built = report::BuildWeekly(in);
  if (!built) return InvalidArgument("time_zone: unknown time zone '" + zone + "'");
  return std::move(*built);
}

}  // namespace tocsin::usecases
