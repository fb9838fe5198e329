#include "core/metrics/metrics.hpp"

#include <date/date.h>

#include <algorithm>
#include <map>

namespace tocsin::core::metrics {
namespace {

// Buckets are UTC days, ISO weeks (from Monday) and calendar months.
TimePoint BucketStart(TimePoint t, Interval interval) {
  date::sys_days day = date::floor<date::days>(t);
  switch (interval) {
    case Interval::kWeek: day -= date::weekday{day} - date::Monday; break;
    case Interval::kMonth: {
      date::year_month_day ymd{day};
      day = date::sys_days{ymd.year() / ymd.month() / 1};
      break;
    }
    case Interval::kDay:
    case Interval::kNone: break;
  }
  return std::chrono::time_point_cast<Micros>(day);
}

TimePoint NextBucket(TimePoint start, Interval interval) {
  date::sys_days day = date::floor<date::days>(start);
  switch (interval) {
    case Interval::kWeek: day += date::days{7}; break;
    case Interval::kMonth: {
      date::year_month ym = date::year_month_day{day}.year() / date::year_month_day{day}.month();
      ym += date::months{1};
      day = date::sys_days{ym / 1};
      break;
    }
    case Interval::kDay:
    case Interval::kNone: day += date::days{1}; break;
  }
  return std::chrono::time_point_cast<Micros>(day);
}

std::vector<std::string> Values(const Incident& i, const char* field) {
  auto it = i.fields.find(field);
  return it == i.fields.end() ? std::vector<std::string>{} : it->second.Values();
}

std::vector<std::string> GroupKeys(const Incident& i, GroupBy by) {
  std::vector<std::string> keys;
  switch (by) {
    case GroupBy::kSeverity: keys = {i.severity}; break;
    case GroupBy::kType: keys = {i.type}; break;
    case GroupBy::kTeam: keys = Values(i, "teams"); break;
    case GroupBy::kService: keys = Values(i, "services"); break;
    case GroupBy::kNone: return {};
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys.erase(std::remove(keys.begin(), keys.end(), std::string()), keys.end());
  if (keys.empty()) keys.emplace_back("(none)");
  return keys;
}

// Gathers the raw durations of a set, then summarizes them.
struct Accumulator {
  std::int64_t incidents = 0, unacknowledged = 0, open = 0;
  std::vector<Micros> mttd, mtta, mttr;

  void Add(const Incident& i) {
    ++incidents;
    if (auto d = TimeToDetect(i)) mttd.push_back(*d);
    if (auto d = TimeToAcknowledge(i)) mtta.push_back(*d);
    if (!i.acknowledged) ++unacknowledged;
    if (auto d = TimeToResolve(i)) mttr.push_back(*d);
    if (!IsClosed(i.state) || !i.resolved) ++open;
  }
  Measures Done() {
    Measures m;
    m.incidents = incidents;
    m.unacknowledged = unacknowledged;
    m.open = open;
    auto n = [&](const std::vector<Micros>& v) { return static_cast<std::int64_t>(v.size()); };
    m.mttd = Summarize(std::move(mttd), incidents - n(mttd));
    m.mtta = Summarize(std::move(mtta), incidents - n(mtta));
    m.mttr = Summarize(std::move(mttr), incidents - n(mttr));
    return m;
  }
};

std::vector<Group> Groups(std::map<std::string, Accumulator>& by_key) {
  std::vector<Group> out;
  for (auto& [key, acc] : by_key) out.push_back({key, acc.Done()});
  return out;
}

}  // namespace

std::optional<GroupBy> ParseGroupBy(std::string_view name) {
  if (name.empty()) return GroupBy::kNone;
  if (name == "severity") return GroupBy::kSeverity;
  if (name == "team") return GroupBy::kTeam;
  if (name == "type") return GroupBy::kType;
  if (name == "service") return GroupBy::kService;
  return std::nullopt;
}

std::optional<Interval> ParseInterval(std::string_view name) {
  if (name.empty()) return Interval::kNone;
  if (name == "day") return Interval::kDay;
  if (name == "week") return Interval::kWeek;
  if (name == "month") return Interval::kMonth;
  return std::nullopt;
}

Summary Summarize(std::vector<Micros> values, std::int64_t missing) {
  Summary s;
  s.count = static_cast<std::int64_t>(values.size());
  s.missing = missing;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  // Mean in long double: a sum of a million durations in microseconds stays exact enough.
  long double sum = 0;
  for (auto v : values) sum += static_cast<long double>(v.count());
  s.mean = Micros(static_cast<std::int64_t>(sum / static_cast<long double>(values.size()) + 0.5L));
  std::size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  // Nearest rank: the smallest value with at least 90 % of the values at or below it.
  std::size_t rank = (9 * n + 9) / 10;  // ceil(0.9 n)
  s.p90 = values[std::max<std::size_t>(rank, 1) - 1];
  return s;
}

std::optional<Micros> TimeToDetect(const Incident& i) {
  if (!i.detected || !i.customer_impact_start || *i.detected < *i.customer_impact_start) return std::nullopt;
  return *i.detected - *i.customer_impact_start;
}

std::optional<Micros> TimeToAcknowledge(const Incident& i) {
  if (!i.acknowledged) return std::nullopt;
  TimePoint from = i.detected.value_or(i.created);
  if (*i.acknowledged < from) return Micros(0);  // acknowledged before the alert's time: counts as at once
  return *i.acknowledged - from;
}

std::optional<Micros> TimeToResolve(const Incident& i) {
  if (!IsClosed(i.state) || !i.resolved || *i.resolved < i.created) return std::nullopt;
  return *i.resolved - i.created;
}

Report Compute(const std::vector<Incident>& incidents, TimePoint from, TimePoint to, GroupBy group_by,
               Interval interval) {
  Report r;
  r.from = from;
  r.to = to;
  Accumulator total;
  std::map<std::string, Accumulator> groups;
  std::map<TimePoint, std::pair<Accumulator, std::map<std::string, Accumulator>>> buckets;
  if (interval != Interval::kNone) {
    for (TimePoint b = BucketStart(from, interval); b < to; b = NextBucket(b, interval)) buckets[b];
  }
  for (const auto& i : incidents) {
    if (i.deleted || i.is_test || i.created < from || i.created >= to) continue;
    total.Add(i);
    auto keys = GroupKeys(i, group_by);
    for (const auto& k : keys) groups[k].Add(i);
    if (interval != Interval::kNone) {
      auto& bucket = buckets[BucketStart(i.created, interval)];
      bucket.first.Add(i);
      for (const auto& k : keys) bucket.second[k].Add(i);
    }
  }
  r.total = total.Done();
  r.groups = Groups(groups);
  for (auto& [start, acc] : buckets) {
    Bucket b;
    b.start = start;
    b.end = NextBucket(start, interval);
    b.total = acc.first.Done();
    b.groups = Groups(acc.second);
    r.buckets.push_back(std::move(b));
  }
  return r;
}

}  // namespace tocsin::core::metrics
