// metrics: the seed's "Metrics and Reporting" targets — MTTD < 5 min, MTTA <
// 10 min, MTTR < 1 hour for SEV-1, incident count trending down, post-mortem
// completion 100 % for SEV-1/2 — each evaluated per period by core/metrics.

#include <cstdlib>

#include "config/sections.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::config::detail {
namespace {

using ListForm = Reader::ListForm;

bool IsDurationMetric(const std::string& m) { return m == "mttd" || m == "mtta" || m == "mttr"; }

// "100%", "99.5 %" or a number: a percentage in [0, 100].
std::optional<double> Percentage(Reader& r, const Value* v) {
  auto text = r.String(v);
  if (!text) return std::nullopt;
  std::string s = *text;
  while (!s.empty() && (s.back() == ' ' || s.back() == '%')) s.pop_back();
  char* end = nullptr;
  double d = s.empty() ? -1 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || d < 0 || d > 100) {
    r.Report(*v, "expected a percentage from 0 to 100 (\"100%\"), got '" + *text + "'");
    return std::nullopt;
  }
  return d;
}

void LoadTarget(LoadState& state, const Value& item) {
  Reader& r = state.reader;
  auto fields = r.Map(item, {"name", "metric", "statistic", "severity", "below", "at_least", "trend"});
  if (!fields) return;
  core::MetricTarget t;
  t.mark = item.mark;
  std::size_t problems = r.problem_count();
  auto metric = r.OneOf(r.Require(*fields, "metric"), {"mttd", "mtta", "mttr", "incident_count", "postmortem_completion"});
  if (!metric) return;
  t.metric = *metric;
  if (auto s = r.String(fields->Get("name"))) t.name = *s;
  if (auto s = r.OneOf(fields->Get("statistic"), {"mean", "median", "p90"})) t.statistic = *s;
  if (auto list = r.StringList(fields->Get("severity"), ListForm::kListOrScalar)) {
    for (const auto& sev : *list) {
      t.severities.push_back(sev.text);
      state.refs.metric_severities.push_back(sev);
    }
  }
  const Value* below = fields->Get("below");
  const Value* at_least = fields->Get("at_least");
  const Value* trend = fields->Get("trend");
  if (below) t.below = r.Duration(below);
  if (at_least) t.at_least = Percentage(r, at_least);
  if (trend) {
    if (auto s = r.OneOf(trend, {"down"})) t.trend = *s;
  }
  // Each metric takes the one comparison that makes sense for it.
  if (IsDurationMetric(t.metric)) {
    if (!below) r.Report(item, "a " + t.metric + " target needs 'below' (a duration, e.g. 5m)");
    if (at_least || trend) r.Report(item, "a " + t.metric + " target takes 'below' only");
  } else if (t.metric == "postmortem_completion") {
    if (!at_least) r.Report(item, "a postmortem_completion target needs 'at_least' (e.g. 100%)");
    if (below || trend) r.Report(item, "a postmortem_completion target takes 'at_least' only");
  } else {
    if (!trend) r.Report(item, "an incident_count target needs 'trend: down'");
    if (below || at_least) r.Report(item, "an incident_count target takes 'trend' only");
  }
  if (fields->Get("statistic") && !IsDurationMetric(t.metric)) {
    r.Report(item, "'statistic' applies to mttd, mtta and mttr only");
  }
  if (r.problem_count() != problems) return;
  if (t.name.empty()) {
    t.name = t.metric;
    if (!t.severities.empty()) {
      std::string list;
      for (const auto& s : t.severities) list += (list.empty() ? "" : ", ") + s;
      t.name += " (" + list + ")";
    }
  }
  state.config.metrics.targets.push_back(std::move(t));
}

}  // namespace

void LoadMetrics(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"targets", "trend_weeks", "time_zone"});
  if (!fields) return;
  if (const Value* v = fields->Get("time_zone")) {
    if (auto tz = r.String(v)) {
      if (!core::schedule::IsKnownTimeZone(*tz)) {
        r.Report(*v, "unknown time zone '" + *tz + "' (expected an IANA name like Europe/Paris or UTC)");
      } else {
        state.config.metrics.time_zone = *tz;
      }
    }
  }
  if (auto n = r.Integer(fields->Get("trend_weeks"), 2, 520)) state.config.metrics.trend_weeks = static_cast<int>(*n);
  if (const Value* targets = fields->Get("targets")) {
    auto items = r.List(*targets);
    if (!items) return;
    for (const Value& item : *items) LoadTarget(state, item);
  }
}

// slos: per service an availability objective over a rolling window.
void LoadSlos(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"service", "objective", "window", "channels"});
    if (!fields) continue;
    std::size_t problems = r.problem_count();
    core::Slo slo;
    slo.mark = item.mark;
    if (auto s = r.String(r.Require(*fields, "service"))) slo.service = *s;
    if (const Value* objective = r.Require(*fields, "objective")) {
      if (auto p = Percentage(r, objective)) {
        if (*p <= 0 || *p >= 100) {
          r.Report(*objective, std::string("an objective of ") + (*p <= 0 ? "0%" : "100%") +
                                   " leaves no error budget to measure (expected more than 0% and less than 100%, e.g. 99.9%)");
        }
        slo.objective = *p;
      }
    }
    if (const Value* window = fields->Get("window")) {
      if (auto w = r.Duration(window)) {
        if (*w < std::chrono::hours(1) || *w > std::chrono::hours(24 * 366)) {
          r.Report(*window, "expected a window from 1h to 366d");
        }
        slo.window = *w;
      }
    }
    if (auto list = r.StringList(fields->Get("channels"), ListForm::kListOrScalar)) {
      for (const auto& name : *list) {
        slo.channels.push_back(name.text);
        state.refs.report_channels.push_back(name);
      }
    }
    for (const auto& other : state.config.slos) {
      if (other.service == slo.service) r.Report(item, "a second objective for service '" + slo.service + "'");
    }
    if (r.problem_count() == problems) state.config.slos.push_back(std::move(slo));
  }
}

// reports: {weekly: {day, time, time_zone, channels}}: the weekly review sent
// on a schedule. The channels are checked once channels: is read (references.cpp).
void LoadReports(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"weekly"});
  if (!fields) return;
  const Value* weekly_value = fields->Get("weekly");
  if (!weekly_value) return;
  auto weekly = r.Map(*weekly_value, {"day", "time", "time_zone", "channels"});
  if (!weekly) return;
  std::size_t problems = r.problem_count();
  core::WeeklyReportSchedule w;
  w.mark = weekly_value->mark;
  w.time_zone = state.config.metrics.time_zone;
  if (const Value* day = weekly->Get("day")) {
    if (auto text = r.String(day)) {
      if (auto d = ParseWeekday(*text)) {
        w.day = *d == 0 ? 7 : *d;
      } else {
        r.Report(*day, "unknown day '" + *text + "' (expected a weekday like monday or mon)");
      }
    }
  }
  if (const Value* time = weekly->Get("time")) {
    if (auto text = r.String(time)) {
      if (auto t = ParseClock(*text, false)) {
        w.time = *t;
      } else {
        r.Report(*time, "expected a time of day like \"09:00\" (24-hour clock), got '" + *text + "'");
      }
    }
  }
  if (const Value* zone = weekly->Get("time_zone")) {
    if (auto tz = r.String(zone)) {
      if (core::schedule::IsKnownTimeZone(*tz)) {
        w.time_zone = *tz;
      } else {
        r.Report(*zone, "unknown time zone '" + *tz + "' (expected an IANA name like Europe/Paris or UTC)");
      }
    }
  }
  if (auto list = r.StringList(r.Require(*weekly, "channels"), ListForm::kListOrScalar)) {
    if (list->empty()) r.Report(*weekly_value, "channels: name at least one channel to send the review to");
    for (const auto& name : *list) {
      w.channels.push_back(name.text);
      state.refs.report_channels.push_back(name);
    }
  }
  if (r.problem_count() == problems) state.config.reports.weekly = std::move(w);
}

}  // namespace tocsin::config::detail
