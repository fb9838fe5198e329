#include "api/v2/analytics_api.hpp"

#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "common/json_writer.hpp"
#include "core/metrics/metrics.hpp"
#include "core/metrics/slo.hpp"
#include "core/metrics/targets.hpp"
#include "core/report/render.hpp"
#include "core/schedule/schedule.hpp"
#include "usecases/analytics_index.hpp"
#include "usecases/scheduled_notices.hpp"
#include "usecases/weekly_report.hpp"

namespace tocsin::api::v2 {
namespace {

using namespace std::chrono_literals;

constexpr Micros kMaxRange = std::chrono::hours(24 * 366 * 2);  // two years
constexpr Micros kDefaultRange = std::chrono::hours(24 * 7);

json Seconds(const std::optional<Micros>& d) {
  if (!d) return nullptr;
  return static_cast<double>(d->count()) / 1e6;
}

json SummaryJson(const core::metrics::Summary& s) {
  return {{"count", s.count}, {"missing", s.missing}, {"mean_seconds", Seconds(s.mean)},
          {"median_seconds", Seconds(s.median)}, {"p90_seconds", Seconds(s.p90)}};
}

json MeasuresJson(const core::metrics::Measures& m) {
  return {{"incidents", m.incidents}, {"unacknowledged", m.unacknowledged}, {"open", m.open},
          {"mttd", SummaryJson(m.mttd)}, {"mtta", SummaryJson(m.mtta)}, {"mttr", SummaryJson(m.mttr)}};
}

json GroupsJson(const std::vector<core::metrics::Group>& groups) {
  json out = json::array();
  for (const auto& g : groups) out.push_back({{"key", g.key}, {"measures", MeasuresJson(g.measures)}});
  return out;
}

Result<TimePoint> TimeParam(const http::Request& req, const char* name, TimePoint fallback) {
  auto raw = req.Query(name);
  if (!raw) return fallback;
  auto t = ParseRfc3339(*raw);
  if (!t) return InvalidArgument(std::string(name) + ": '" + *raw + "' is not an RFC 3339 time");
  return *t;
}

// The representation asked for: ?format= first, then Accept; JSON by default.
std::optional<std::string> ReportFormat(const http::Request& req) {
  if (auto f = req.Query("format")) {
    if (*f == "json" || *f == "markdown" || *f == "html") return *f;
    return std::nullopt;
  }
  const std::string* accept = req.Header("accept");
  if (accept && accept->find("text/html") != std::string::npos) return "html";
  if (accept && accept->find("text/markdown") != std::string::npos) return "markdown";
  return "json";
}

http::Response WeeklyReport(const ApiContext& c, const http::Request& req) {
  auto format = ReportFormat(req);
  if (!format) return ErrorResponse(400, "format: unknown value '" + *req.Query("format") + "' (allowed: json, markdown, html)");
  usecases::WeeklyReportRequest ask;
  ask.time_zone = req.Query("time_zone");
  if (auto raw = req.Query("week")) {
    ask.week = core::report::ParseIsoWeek(*raw);
    if (!ask.week) return ErrorResponse(400, "week: '" + *raw + "' is not an ISO week like 2026-W48");
  }
  auto report = usecases::BuildWeeklyReport(*c.store, *c.config, *c.clock, ask);
  if (!report) return ErrorResponse(report.error());
  http::Response r;
  if (*format == "markdown") {
    r.content_type = "text/markdown; charset=utf-8";
    r.body = core::report::RenderMarkdown(*report);
  } else if (*format == "html") {
    r.content_type = "text/html; charset=utf-8";
    r.body = core::report::RenderHtml(*report);
  } else {
    r.body = "{\"data\":" + usecases::WeeklyReportResource(*report) + "}";
  }
  return r;
}

http::Response ErrorBudgets(const ApiContext& c, const http::Request& req) {
  auto at = TimeParam(req, "at", c.clock->Now());
  if (!at) return ErrorResponse(at.error());
  auto budgets = usecases::ErrorBudgetsAt(*c.store, *c.config, *at);
  if (!budgets) return ErrorResponse(budgets.error());
  std::string out = "{\"data\":[";
  for (std::size_t k = 0; k < budgets->size(); ++k) {
    const auto& budget = (*budgets)[k];
    if (k) out += ',';
    out += "{\"type\":\"error_budget\",\"id\":";
    JsonWriter::AppendQuoted(out, budget.service);
    out += ",\"attributes\":";
    std::string one;
    JsonWriter one_writer(one);
    core::report::ErrorBudgetJson(one_writer, budget);
    out += one + "}";
  }
  out += "]}";
  return http::Response::Json(200, std::move(out));
}

// The analytics' compact rows of every live incident created in [from, to),
// projected page by page so that whole incidents are never all held at once
// (a server without a change feed: no kept index).
Result<core::metrics::Rows> RowsCreatedIn(core::Store& store, TimePoint from, TimePoint to) {
  core::metrics::Rows rows;
  auto ok = usecases::ForEachIncidentCreatedIn(store, from, to, [&rows](core::Incident& i) { rows.Add(i); });
  if (!ok) return tl::unexpected(ok.error());
  return rows;
}

}  // namespace

void AddAnalyticsRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  // The rows kept up to date from the change feed (built on first use).
  std::shared_ptr<usecases::AnalyticsIndex> index;
  if (ctx.changes && ctx.store) index = std::make_shared<usecases::AnalyticsIndex>(*ctx.store, ctx.changes);
  router.Add("GET", "/api/v2/analytics/incidents", Access::kApiKey,
             [c, index](const http::Request& req, const RouteParams&, const core::Actor&) {
               TimePoint now = c->clock->Now();
               auto to = TimeParam(req, "to", now);
               if (!to) return ErrorResponse(to.error());
               auto from = TimeParam(req, "from", *to - kDefaultRange);
               if (!from) return ErrorResponse(from.error());
               if (*from >= *to) return ErrorResponse(400, "from: must be before to");
               if (*to - *from > kMaxRange) return ErrorResponse(400, "from: the range is over 2 years");
               auto group_by = core::metrics::ParseGroupBy(req.Query("group_by").value_or(""));
               if (!group_by) {
                 return ErrorResponse(400, "group_by: unknown value '" + req.Query("group_by").value_or("") +
                                               "' (allowed: severity, team, type, service)");
               }
               auto interval = core::metrics::ParseInterval(req.Query("interval").value_or(""));
               if (!interval) {
                 return ErrorResponse(400, "interval: unknown value '" + req.Query("interval").value_or("") +
                                               "' (allowed: day, week, month)");
               }
               // The targets' trend looks back over its own window.
               const core::MetricsConfig& metrics = c->config->metrics;
               // Buckets start at midnight in this zone (default: the weekly review's).
               std::string zone = req.Query("time_zone").value_or(metrics.time_zone);
               if (!core::schedule::IsKnownTimeZone(zone)) {
                 return ErrorResponse(400, "time_zone: unknown time zone '" + zone +
                                               "' (expected an IANA name like Europe/Paris)");
               }
               core::metrics::Calendar calendar;
               if (zone != "UTC") {
                 calendar.to_wall = [zone](TimePoint t) { return core::schedule::InstantToWallClock(zone, t).value_or(t); };
                 calendar.to_instant = [zone](TimePoint w) {
                   return core::schedule::WallClockToInstant(zone, w).value_or(w);
                 };
               }
               // One pass over the rows for the figures and the targets.
               core::metrics::TargetsAccumulator evaluated(metrics, *from, *to);
               core::metrics::Report report;
               auto reduce = [&](const core::metrics::Rows& rows) {
                 report = core::metrics::Compute(rows, *group_by, *from, *to, *interval, &evaluated, calendar);
               };
               if (index) {
                 if (auto ok = index->Read(reduce); !ok) return ErrorResponse(ok.error());
               } else {
                 auto rows = RowsCreatedIn(*c->store, core::metrics::TargetsWindowStart(metrics, *from, *to), *to);
                 if (!rows) return ErrorResponse(rows.error());
                 reduce(*rows);
               }
               json targets = json::array();
               for (const auto& t : evaluated.Done()) {
                 json one{{"name", t.name},
                          {"metric", t.metric},
                          {"status", std::string(core::metrics::TargetStatusName(t.status))},
                          {"value", t.value ? json(*t.value) : json(nullptr)},
                          {"figure", t.figure},
                          {"count", t.count}};
                 if (t.metric == "incident_count") {
                   one["weekly_counts"] = t.weekly_counts;
                   one["weekly_counts_by_severity"] = t.weekly_counts_by_severity;
                   one["slope_by_severity"] = t.slope_by_severity;
                 }
                 targets.push_back(std::move(one));
               }
               json buckets = json::array();
               for (const auto& b : report.buckets) {
                 buckets.push_back({{"start", FormatRfc3339(b.start)}, {"end", FormatRfc3339(b.end)},
                                    {"total", MeasuresJson(b.total)}, {"groups", GroupsJson(b.groups)}});
               }
               json body{{"data",
                          {{"type", "incident_analytics"},
                           {"id", FormatRfc3339(*from) + "/" + FormatRfc3339(*to)},
                           {"attributes",
                            {{"from", FormatRfc3339(*from)},
                             {"to", FormatRfc3339(*to)},
                             {"group_by", req.Query("group_by").value_or("")},
                             {"interval", req.Query("interval").value_or("")},
                             {"time_zone", zone},
                             {"total", MeasuresJson(report.total)},
                             {"groups", GroupsJson(report.groups)},
                             {"buckets", buckets},
                             {"targets", targets}}}}}};
               return http::Response::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
             });
  router.Add("GET", "/api/v2/reports/weekly", Access::kApiKey,
             [c](const http::Request& req, const RouteParams&, const core::Actor&) { return WeeklyReport(*c, req); });
  router.Add("GET", "/api/v2/analytics/error-budgets", Access::kApiKey,
             [c](const http::Request& req, const RouteParams&, const core::Actor&) { return ErrorBudgets(*c, req); });
}

}  // namespace tocsin::api::v2
