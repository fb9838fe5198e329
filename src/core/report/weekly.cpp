#include "core/report/weekly.hpp"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "core/schedule/schedule.hpp"

namespace tocsin::core::report {
namespace {

using namespace std::chrono_literals;

constexpr Micros kSlot = 15min;  // every zone's offset is a multiple of 15 minutes
constexpr Micros kYear = std::chrono::hours(24 * 365);

// Monday of week 1: the Monday on or before 4 January.
date::sys_days WeekOneMonday(int year) {
  date::sys_days jan4{date::year{year} / date::January / 4};
  return jan4 - (date::weekday{jan4} - date::Monday);
}

int WeeksIn(int year) {
  return static_cast<int>((WeekOneMonday(year + 1) - WeekOneMonday(year)).count() / 7);
}

bool Live(const Incident& i) { return !i.deleted && !i.is_test; }

bool In(TimePoint t, TimePoint from, TimePoint to) { return t >= from && t < to; }

IncidentRef Ref(const Incident& i) { return {i.public_id, i.title, i.severity}; }

Distribution Distribute(std::vector<Micros> values, std::int64_t missing) {
  Distribution d;
  d.buckets.assign(kDurationBucketMinutes.size() + 1, 0);
  for (auto v : values) {
    std::size_t b = 0;
    while (b < kDurationBucketMinutes.size() && v >= std::chrono::minutes(kDurationBucketMinutes[b])) ++b;
    ++d.buckets[b];
  }
  d.summary = metrics::Summarize(std::move(values), missing);
  return d;
}

// Published as at `as_of`: the state the post-mortem had then.
PostmortemLine PostmortemAt(const Incident& i, TimePoint as_of) {
  const Postmortem& pm = *i.postmortem;
  PostmortemLine line{Ref(i), std::string(PostmortemStateName(pm.state)), pm.due, std::nullopt};
  if (pm.published && *pm.published < as_of) {
    line.published = pm.published;
    line.state = "published";
  } else if (pm.state == PostmortemState::kPublished) {
    line.state = "in_review";  // published only later
  }
  return line;
}

// An action item is a todo people added (not a checklist step), or a follow-up.
bool IsActionItem(const Todo& t) { return t.follow_up || t.checklist.empty(); }

std::vector<Ranked> TopOf(const std::map<std::pair<std::string, std::string>, std::int64_t>& counts,
                          std::int64_t at_least) {
  std::vector<Ranked> out;
  for (const auto& [key, n] : counts) {
    if (n >= at_least) out.push_back({key.first, key.second, n});
  }
  std::stable_sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) { return a.count > b.count; });
  if (out.size() > kTopLimit) out.resize(kTopLimit);
  return out;
}

// Local hour of each 15-minute slot of [start, end) (plus one).
std::vector<int> SlotHours(const std::string& zone, TimePoint start, TimePoint end) {
  std::vector<int> hours;
  for (TimePoint t = start; t <= end; t += kSlot) {
    TimePoint wall = schedule::InstantToWallClock(zone, t).value_or(t);
    auto of_day = wall - date::floor<date::days>(wall);
    hours.push_back(static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(of_day).count()));
  }
  return hours;
}

// The alert side of the patterns (the incident side is counted in the main pass).
void FindAlertPatterns(const WeeklyInput& in, const WeeklyReport& r, Patterns& p) {
  if (in.alerts == nullptr) return;
  p.alerts_available = true;
  std::map<std::pair<std::string, std::string>, std::int64_t> opened_by_monitor, opened_by_series;
  std::map<std::string, std::int64_t> received;
  std::set<std::string> with_incident;
  std::map<std::string, std::string> scope_of;
  for (const auto& a : *in.alerts) {
    if (a.duplicate || !In(a.alert.received_at, r.start, r.end)) continue;
    const std::string& monitor = a.alert.monitor_name;
    ++received[monitor];
    if (!a.incident_id.empty()) with_incident.insert(monitor);
    if (a.decision == "opened") {
      ++opened_by_monitor[{monitor, ""}];
      ++opened_by_series[{monitor + "\x1f" + a.fingerprint, a.alert.scope}];
    }
  }
  p.top_monitors = TopOf(opened_by_monitor, 1);
  p.recurrences = TopOf(opened_by_series, 2);
  for (auto& rec : p.recurrences) rec.name = rec.name.substr(0, rec.name.find('\x1f'));
  std::map<std::pair<std::string, std::string>, std::int64_t> noisy;
  for (const auto& [monitor, n] : received) {
    if (!with_incident.count(monitor)) noisy[{monitor, ""}] = n;
  }
  p.noisy_monitors = TopOf(noisy, 2);
}

// The week's post-mortem lists: incidents are noted in the pass, and lines
// (with their copied titles) made only once each list is sorted.
class Postmortems {
 public:
  void Add(const Incident& i, const WeeklyReport& r) {
    if (!i.postmortem || i.postmortem->created >= r.as_of) return;
    const Postmortem& pm = *i.postmortem;
    bool published = pm.published && *pm.published < r.as_of;  // as at as_of
    if (In(pm.due, r.start, r.end)) due_.push_back(&i);
    if (!published && pm.due < r.as_of) overdue_.push_back(&i);
    if (published && In(*pm.published, r.start, r.end)) published_.push_back(&i);
  }
  void Done(WeeklyReport& r) {
    Lines(due_, r.as_of, r.postmortems_due);
    Lines(overdue_, r.as_of, r.postmortems_overdue);
    Lines(published_, r.as_of, r.postmortems_published);
  }

 private:
  static void Lines(std::vector<const Incident*>& incidents, TimePoint as_of, std::vector<PostmortemLine>& out) {
    std::sort(incidents.begin(), incidents.end(), [](const Incident* a, const Incident* b) {
      return a->postmortem->due != b->postmortem->due ? a->postmortem->due < b->postmortem->due
                                                      : a->public_id < b->public_id;
    });
    out.reserve(incidents.size());
    for (const Incident* i : incidents) out.push_back(PostmortemAt(*i, as_of));
  }
  std::vector<const Incident*> due_, overdue_, published_;
};

// Open and overdue action items as at the report's as_of, by owner.
class ActionItems {
 public:
  void Add(const Incident& i, WeeklyReport& r) {
    for (const auto& t : i.todos) {
      if (!IsActionItem(t) || t.created >= r.as_of || (t.completed && *t.completed < r.as_of)) continue;
      bool late = t.due && *t.due < r.as_of;
      ++r.action_items_open;
      if (late) ++r.action_items_overdue;
      if (t.assignees.empty()) Load("(unassigned)", late);
      for (const auto& n : t.assignees) Load(n, late);
      if (late) overdue_.push_back({&i, &t});
    }
  }
  void Done(WeeklyReport& r) {
    for (auto& [name, load] : owners_) r.owners.push_back(load);
    std::stable_sort(r.owners.begin(), r.owners.end(), [](const OwnerLoad& a, const OwnerLoad& b) {
      return a.overdue != b.overdue ? a.overdue > b.overdue : a.open > b.open;  // then by name (map order)
    });
    // The oldest due first; only the first kListLimit are copied out.
    auto older = [](const Late& a, const Late& b) {
      return *a.todo->due != *b.todo->due ? *a.todo->due < *b.todo->due : a.incident->public_id != b.incident->public_id ? a.incident->public_id < b.incident->public_id
                                                                   : a.todo < b.todo;  // the incident's order
    };
    std::size_t shown = std::min(kListLimit, overdue_.size());
    std::partial_sort(overdue_.begin(), overdue_.begin() + static_cast<std::ptrdiff_t>(shown), overdue_.end(), older);
    for (std::size_t k = 0; k < shown; ++k) {
      const Todo& t = *overdue_[k].todo;
      r.overdue_items.push_back({Ref(*overdue_[k].incident), t.content, t.assignees, t.due, t.follow_up});
    }
  }

 private:
  void Load(const std::string& name, bool late) {
    OwnerLoad& o = owners_[name];
    o.owner = name;
    ++o.open;
    if (late) ++o.overdue;
  }
  struct Late {
    const Incident* incident;
    const Todo* todo;
  };
  std::map<std::string, OwnerLoad> owners_;
  std::vector<Late> overdue_;
};

}  // namespace

std::optional<IsoWeek> ParseIsoWeek(std::string_view text) {
  // "2026-W48" or "2026W48".
  std::size_t w = text.size() == 8 && text[4] == '-' ? 5 : 4;
  if (text.size() != w + 3 || text[w] != 'W') return std::nullopt;
  std::string digits = std::string(text.substr(0, 4)) + std::string(text.substr(w + 1));
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  IsoWeek out{std::stoi(digits.substr(0, 4)), std::stoi(digits.substr(4))};
  if (out.year < 1970 || out.week < 1 || out.week > WeeksIn(out.year)) return std::nullopt;
  return out;
}

std::string FormatIsoWeek(IsoWeek week) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", week.year, week.week);
  return buf;
}

TimePoint MondayOf(IsoWeek week) {
  return std::chrono::time_point_cast<Micros>(WeekOneMonday(week.year) + date::days{7 * (week.week - 1)});
}

IsoWeek IsoWeekOf(TimePoint wall_clock) {
  date::sys_days day = date::floor<date::days>(wall_clock);
  date::sys_days monday = day - (date::weekday{day} - date::Monday);
  int year = static_cast<int>(date::year_month_day{monday + date::days{3}}.year());  // the Thursday decides
  return {year, static_cast<int>((monday - WeekOneMonday(year)).count() / 7) + 1};
}

IsoWeek AddWeeks(IsoWeek week, int weeks) { return IsoWeekOf(MondayOf(week) + std::chrono::hours(24 * 7 * weeks)); }

std::optional<Span> WeekSpan(IsoWeek week, const std::string& zone) {
  auto start = schedule::WallClockToInstant(zone, MondayOf(week));
  auto end = schedule::WallClockToInstant(zone, MondayOf(AddWeeks(week, 1)));
  if (!start || !end) return std::nullopt;
  return Span{*start, *end};
}

std::optional<IsoWeek> PreviousWeek(TimePoint now, const std::string& zone) {
  auto wall = schedule::InstantToWallClock(zone, now);
  if (!wall) return std::nullopt;
  return AddWeeks(IsoWeekOf(*wall), -1);
}

std::optional<IsoWeek> ScheduledReportWeek(TimePoint now, int day, std::chrono::minutes time_of_day,
                                           const std::string& zone) {
  if (day < 1 || day > 7) return std::nullopt;
  auto wall = schedule::InstantToWallClock(zone, now);
  if (!wall) return std::nullopt;
  IsoWeek current = IsoWeekOf(*wall);
  auto send_at =
      schedule::WallClockToInstant(zone, MondayOf(current) + std::chrono::hours(24 * (day - 1)) + time_of_day);
  if (!send_at) return std::nullopt;
  return AddWeeks(current, now >= *send_at ? -1 : -2);
}

TimePoint LookbackStart(const MetricsConfig& metrics, Span span) {
  return std::min(span.end - std::chrono::hours(24 * 7) * (metrics.trend_weeks + 1), span.end - kYear);
}

std::optional<WeeklyReport> BuildWeekly(const WeeklyInput& in) {
  auto span = WeekSpan(in.week, in.time_zone);
  if (!span) return std::nullopt;
  WeeklyReport r;
  r.week = in.week;
  r.time_zone = in.time_zone;
  r.start = span->start;
  r.end = span->end;
  r.as_of = std::min(in.now, r.end);
  const auto& incidents = *in.incidents;

  std::set<std::string> known;
  for (const auto& s : *in.severities) {
    r.severities.push_back(s.name);
    known.insert(s.name);
  }
  // The trend's weeks, each with its own boundaries in the zone.
  int weeks = std::max(1, in.metrics->trend_weeks);
  std::vector<TimePoint> bounds;
  for (int k = weeks - 1; k >= 0; --k) {
    IsoWeek w = AddWeeks(in.week, -k);
    auto s = WeekSpan(w, in.time_zone);
    r.trend.push_back({w, s->start, 0, {}});
    bounds.push_back(s->start);
  }
  bounds.push_back(r.end);

  // One reducing pass over the incidents feeds every section.
  metrics::TargetsAccumulator targets(*in.metrics, r.start, r.end);
  std::vector<metrics::ErrorBudgetAccumulator> budgets;
  if (in.slos) {
    for (const auto& slo : *in.slos) budgets.emplace_back(slo, r.as_of);
  }
  Postmortems postmortems;
  ActionItems items;
  std::vector<int> hours = SlotHours(in.time_zone, r.start, r.end);
  auto hour_of = [&](TimePoint t) { return hours[static_cast<std::size_t>((t - r.start) / kSlot)]; };
  std::vector<Micros> mttd, mtta, mttr;
  std::int64_t unacknowledged = 0, open = 0;
  for (const auto& i : incidents) {
    if (!Live(i)) continue;
    metrics::Sample sample = metrics::SampleOf(i);
    targets.Add(i, sample);
    postmortems.Add(i, r);
    items.Add(i, r);
    for (auto& b : budgets) b.Add(i);
    if (i.created < bounds.front() || i.created >= r.end) continue;
    auto at = std::upper_bound(bounds.begin(), bounds.end(), i.created) - bounds.begin() - 1;
    WeekCount& wc = r.trend[static_cast<std::size_t>(at)];
    ++wc.total;
    ++wc.by_severity[i.severity];
    if (i.created < r.start) continue;
    ++r.incidents;
    ++r.incidents_by_severity[i.severity];
    if (!known.count(i.severity)) {
      known.insert(i.severity);
      r.severities.push_back(i.severity);
    }
    r.incident_list.push_back(Ref(i));
    if (sample.ttd) mttd.push_back(*sample.ttd);
    if (sample.tta) mtta.push_back(*sample.tta);
    if (sample.ttr) mttr.push_back(*sample.ttr);
    if (!sample.acknowledged) ++unacknowledged;
    if (sample.open) ++open;
    ++r.patterns.incidents_by_hour[hour_of(i.created)];
    for (const auto& step : i.escalation_steps) {
      if (step.outcome == "paged" && In(step.due, r.start, r.end)) ++r.patterns.pages_by_hour[hour_of(step.due)];
    }
  }
  std::sort(r.incident_list.begin(), r.incident_list.end(),
            [](const IncidentRef& a, const IncidentRef& b) { return a.public_id < b.public_id; });
  if (r.incident_list.size() > kListLimit) r.incident_list.resize(kListLimit);
  std::vector<std::int64_t> totals;
  for (const auto& wc : r.trend) totals.push_back(wc.total);
  r.trend_slope = metrics::Slope(totals);
  auto missing = [&](const std::vector<Micros>& v) { return r.incidents - static_cast<std::int64_t>(v.size()); };
  std::int64_t mttd_missing = missing(mttd), mtta_missing = missing(mtta), mttr_missing = missing(mttr);
  r.measures.incidents = r.incidents;
  r.measures.unacknowledged = unacknowledged;
  r.measures.open = open;
  r.measures.mttd = metrics::Summarize(std::move(mttd), mttd_missing);
  r.mtta = Distribute(std::move(mtta), mtta_missing);
  r.mttr = Distribute(std::move(mttr), mttr_missing);
  r.measures.mtta = r.mtta.summary;
  r.measures.mttr = r.mttr.summary;
  r.targets = targets.Done();
  postmortems.Done(r);
  items.Done(r);
  for (auto& b : budgets) r.error_budgets.push_back(b.Done());
  FindAlertPatterns(in, r, r.patterns);
  return r;
}

}  // namespace tocsin::core::report
