// The weekly review as JSON: every figure of the report, times in RFC 3339
// (UTC), durations in seconds.

#include "common/json_writer.hpp"
#include "core/report/render.hpp"

namespace tocsin::core::report {
namespace {

void Seconds(JsonWriter& w, std::string_view key, const std::optional<Micros>& d) {
  w.Key(key);
  if (d) {
    w.Double(static_cast<double>(d->count()) / 1e6);
  } else {
    w.Null();
  }
}

void Time(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t) {
  w.Key(key);
  if (t) {
    w.String(FormatRfc3339(*t));
  } else {
    w.Null();
  }
}

void SummaryJson(JsonWriter& w, const metrics::Summary& s) {
  w.BeginObject();
  w.Member("count", s.count);
  w.Member("missing", s.missing);
  Seconds(w, "mean_seconds", s.mean);
  Seconds(w, "median_seconds", s.median);
  Seconds(w, "p90_seconds", s.p90);
  w.EndObject();
}

void DistributionJson(JsonWriter& w, const Distribution& d) {
  w.BeginObject();
  w.Key("summary");
  SummaryJson(w, d.summary);
  w.Key("buckets");
  w.BeginArray();
  for (std::size_t b = 0; b < d.buckets.size(); ++b) {
    w.BeginObject();
    if (b < kDurationBucketMinutes.size()) {
      w.Member("below_minutes", kDurationBucketMinutes[b]);
    } else {
      w.NullMember("below_minutes");
    }
    w.Member("count", d.buckets[b]);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void RefJson(JsonWriter& w, const IncidentRef& i) {
  w.Member("public_id", i.public_id);
  w.Member("title", i.title);
  w.Member("severity", i.severity);
}

void PostmortemsJson(JsonWriter& w, std::string_view key, const std::vector<PostmortemLine>& lines) {
  w.Key(key);
  w.BeginArray();
  for (const auto& l : lines) {
    w.BeginObject();
    RefJson(w, l.incident);
    w.Member("state", l.state);
    Time(w, "due", l.due);
    Time(w, "published", l.published);
    w.EndObject();
  }
  w.EndArray();
}

void CountsJson(JsonWriter& w, const std::map<std::string, std::int64_t>& counts) {
  w.BeginObject();
  for (const auto& [k, n] : counts) w.Member(k, n);
  w.EndObject();
}

void RankedJson(JsonWriter& w, std::string_view key, const std::vector<Ranked>& list, bool with_scope) {
  w.Key(key);
  w.BeginArray();
  for (const auto& r : list) {
    w.BeginObject();
    w.Member("monitor", r.name);
    if (with_scope) w.Member("scope", r.detail);
    w.Member("count", r.count);
    w.EndObject();
  }
  w.EndArray();
}

void HoursJson(JsonWriter& w, std::string_view key, const std::array<std::int64_t, 24>& hours) {
  w.Key(key);
  w.BeginArray();
  for (auto n : hours) w.Int(n);
  w.EndArray();
}

}  // namespace

void ErrorBudgetJson(JsonWriter& w, const metrics::ErrorBudget& e) {
  w.BeginObject();
  w.Member("service", e.service);
  w.Key("objective_percent");
  w.Double(e.objective);
  Seconds(w, "window_seconds", e.window);
  Time(w, "from", e.from);
  Time(w, "to", e.to);
  Seconds(w, "budget_seconds", e.budget);
  Seconds(w, "consumed_seconds", e.consumed);
  Seconds(w, "left_seconds", e.left);
  w.Key("consumed_percent");
  w.Double(e.consumed_percent);
  w.Key("burn_rate_24h");
  w.Double(e.burn_rate_24h);
  w.Member("incidents", e.incidents);
  w.EndObject();
}

std::string RenderJson(const WeeklyReport& r) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("week", FormatIsoWeek(r.week));
  w.Member("time_zone", r.time_zone);
  Time(w, "start", r.start);
  Time(w, "end", r.end);
  Time(w, "as_of", r.as_of);

  w.Key("targets");
  w.BeginArray();
  for (const auto& t : r.targets) {
    w.BeginObject();
    w.Member("name", t.name);
    w.Member("metric", t.metric);
    w.Member("status", metrics::TargetStatusName(t.status));
    w.Key("value");
    if (t.value) {
      w.Double(*t.value);
    } else {
      w.Null();
    }
    w.Member("figure", t.figure);
    w.Member("count", t.count);
    w.EndObject();
  }
  w.EndArray();

  w.Key("incidents");
  w.BeginObject();
  w.Member("total", r.incidents);
  w.Key("by_severity");
  CountsJson(w, r.incidents_by_severity);
  w.Key("list");
  w.BeginArray();
  for (const auto& i : r.incident_list) {
    w.BeginObject();
    RefJson(w, i);
    w.EndObject();
  }
  w.EndArray();
  w.Key("trend");
  w.BeginObject();
  w.Key("slope_per_week");
  w.Double(r.trend_slope);
  w.Key("weeks");
  w.BeginArray();
  for (const auto& wc : r.trend) {
    w.BeginObject();
    w.Member("week", FormatIsoWeek(wc.week));
    Time(w, "start", wc.start);
    w.Member("total", wc.total);
    w.Key("by_severity");
    CountsJson(w, wc.by_severity);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();

  w.Key("response");
  w.BeginObject();
  w.Member("unacknowledged", r.measures.unacknowledged);
  w.Member("open", r.measures.open);
  w.Key("mttd");
  SummaryJson(w, r.measures.mttd);
  w.Key("mtta");
  DistributionJson(w, r.mtta);
  w.Key("mttr");
  DistributionJson(w, r.mttr);
  w.EndObject();

  w.Key("postmortems");
  w.BeginObject();
  PostmortemsJson(w, "due", r.postmortems_due);
  PostmortemsJson(w, "overdue", r.postmortems_overdue);
  PostmortemsJson(w, "published", r.postmortems_published);
  w.EndObject();

  w.Key("action_items");
  w.BeginObject();
  w.Member("open", r.action_items_open);
  w.Member("overdue", r.action_items_overdue);
  w.Key("owners");
  w.BeginArray();
  for (const auto& o : r.owners) {
    w.BeginObject();
    w.Member("owner", o.owner);
    w.Member("open", o.open);
    w.Member("overdue", o.overdue);
    w.EndObject();
  }
  w.EndArray();
  w.Key("overdue_items");
  w.BeginArray();
  for (const auto& a : r.overdue_items) {
    w.BeginObject();
    RefJson(w, a.incident);
    w.Member("content", a.content);
    w.Key("owners");
    w.BeginArray();
    for (const auto& o : a.owners) w.String(o);
    w.EndArray();
    Time(w, "due", a.due);
    w.Member("follow_up", a.follow_up);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.Key("error_budgets");
  w.BeginArray();
  for (const auto& e : r.error_budgets) ErrorBudgetJson(w, e);
  w.EndArray();

  const Patterns& p = r.patterns;
  w.Key("patterns");
  w.BeginObject();
  w.Member("alerts_available", p.alerts_available);
  RankedJson(w, "top_monitors", p.top_monitors, false);
  RankedJson(w, "recurrences", p.recurrences, true);
  RankedJson(w, "noisy_monitors", p.noisy_monitors, false);
  HoursJson(w, "pages_by_hour", p.pages_by_hour);
  HoursJson(w, "incidents_by_hour", p.incidents_by_hour);
  w.EndObject();

  w.EndObject();
  return out;
}

}  // namespace tocsin::core::report
