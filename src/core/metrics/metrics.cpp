#include "core/metrics/metrics.hpp"

#include <date/date.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "core/metrics/targets.hpp"

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

// Calls `f` with each distinct, non-empty group key of the incident, or
// "(none)" when it has none; allocates nothing for severity and type.
template <typename F>
void ForEachGroupKey(const Incident& i, GroupBy by, F&& f) {
  switch (by) {
    case GroupBy::kNone: return;
    case GroupBy::kSeverity: f(i.severity.empty() ? std::string_view("(none)") : std::string_view(i.severity)); return;
    case GroupBy::kType: f(i.type.empty() ? std::string_view("(none)") : std::string_view(i.type)); return;
    case GroupBy::kTeam:
    case GroupBy::kService: break;
  }
  const std::vector<std::string>* list = nullptr;
  const std::string* text = nullptr;
  auto it = i.fields.find(by == GroupBy::kTeam ? "teams" : "services");
  if (it != i.fields.end()) {
    if (it->second.is_list && it->second.list) list = &*it->second.list;
    if (!it->second.is_list && it->second.text) text = &*it->second.text;
  }
  bool any = false;
  if (text && !text->empty()) {
    f(std::string_view(*text));
    any = true;
  }
  if (list) {
    for (std::size_t k = 0; k < list->size(); ++k) {
      const std::string& v = (*list)[k];
      if (v.empty() || std::find(list->begin(), list->begin() + static_cast<std::ptrdiff_t>(k), v) !=
                           list->begin() + static_cast<std::ptrdiff_t>(k)) {
        continue;  // empty, or seen earlier in the list
      }
      f(std::string_view(v));
      any = true;
    }
  }
  if (!any) f(std::string_view("(none)"));
}

// Sorts durations: an LSD radix sort (11-bit digits, only as many passes as
// the largest value needs) for the large cells of a year's analytics, where it
// is several times faster than a comparison sort; std::sort otherwise.
void SortDurations(std::vector<Micros>& v) {
  constexpr std::size_t kRadixFrom = 512;
  constexpr int kBits = 11;
  constexpr std::size_t kDigits = std::size_t{1} << kBits;
  if (v.size() < kRadixFrom) {
    std::sort(v.begin(), v.end());
    return;
  }
  std::int64_t max = 0;
  for (Micros d : v) {
    if (d.count() < 0) {  // durations are never negative; sort them the plain way if some are
      std::sort(v.begin(), v.end());
      return;
    }
    max = std::max(max, d.count());
  }
  std::vector<Micros> scratch(v.size());
  std::vector<std::size_t> count(kDigits);
  for (int shift = 0; shift < 64 && (max >> shift) != 0; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (Micros d : v) ++count[static_cast<std::size_t>(d.count() >> shift) & (kDigits - 1)];
    if (count[static_cast<std::size_t>(v.front().count() >> shift) & (kDigits - 1)] == v.size()) continue;  // one digit: in order
    std::size_t at = 0;
    for (auto& c : count) at += std::exchange(c, at);
    for (Micros d : v) scratch[count[static_cast<std::size_t>(d.count() >> shift) & (kDigits - 1)]++] = d;
    v.swap(scratch);
  }
}

// The durations of one cell of a partition (a bucket, or a bucket and group).
struct Cell {
  std::int64_t incidents = 0, unacknowledged = 0, open = 0;
  std::vector<Micros> mttd, mtta, mttr;
  long double sum_d = 0, sum_a = 0, sum_r = 0;  // of each list (exact: integers far below 2^64)
  bool sorted = false;

  void Add(const Row& r) {
    ++incidents;
    if (r.ttd != Row::kNone) {
      mttd.push_back(r.ttd);
      sum_d += static_cast<long double>(r.ttd.count());
    }
    if (r.tta != Row::kNone) {
      mtta.push_back(r.tta);
      sum_a += static_cast<long double>(r.tta.count());
    }
    if (r.ttr != Row::kNone) {
      mttr.push_back(r.ttr);
      sum_r += static_cast<long double>(r.ttr.count());
    }
    if (!r.Has(Row::kAcknowledged)) ++unacknowledged;
    if (r.Has(Row::kOpen)) ++open;
  }
  void Sort() {
    if (sorted) return;
    SortDurations(mttd);
    SortDurations(mtta);
    SortDurations(mttr);
    sorted = true;
  }
};

// The measures of a union of disjoint cells: a single cell is summarized
// directly; several are sorted once each and their order statistics found by
// bisection on the value, so no set is ever copied or sorted whole.
constexpr std::size_t kFewCells = 8;

Measures Combine(const std::vector<Cell*>& cells) {
  Measures m;
  if (cells.size() == 1 && !cells.front()->sorted) {  // (a sorted one is read in place below)
    Cell& c = *cells.front();
    m.incidents = c.incidents;
    m.unacknowledged = c.unacknowledged;
    m.open = c.open;
    auto n = [&](const std::vector<Micros>& v) { return static_cast<std::int64_t>(v.size()); };
    m.mttd = Summarize(c.mttd, c.incidents - n(c.mttd));
    m.mtta = Summarize(c.mtta, c.incidents - n(c.mtta));
    m.mttr = Summarize(c.mttr, c.incidents - n(c.mttr));
    return m;
  }
  bool all_sorted = std::all_of(cells.begin(), cells.end(), [](const Cell* c) { return c->sorted; });
  if (cells.size() <= kFewCells && !all_sorted) {
    // A few large cells (a period without an interval): copying them into one
    // set and selecting is linear, where sorting each would not be.
    Cell joined;
    for (Cell* c : cells) {
      joined.incidents += c->incidents;
      joined.unacknowledged += c->unacknowledged;
      joined.open += c->open;
      joined.mttd.insert(joined.mttd.end(), c->mttd.begin(), c->mttd.end());
      joined.mtta.insert(joined.mtta.end(), c->mtta.begin(), c->mtta.end());
      joined.mttr.insert(joined.mttr.end(), c->mttr.begin(), c->mttr.end());
    }
    return Combine({&joined});
  }
  std::vector<const std::vector<Micros>*> d, a, r;
  long double sum_d = 0, sum_a = 0, sum_r = 0;
  for (Cell* c : cells) {
    c->Sort();
    m.incidents += c->incidents;
    m.unacknowledged += c->unacknowledged;
    m.open += c->open;
    d.push_back(&c->mttd);
    a.push_back(&c->mtta);
    r.push_back(&c->mttr);
    sum_d += c->sum_d;
    sum_a += c->sum_a;
    sum_r += c->sum_r;
  }
  m.mttd = SummarizeSorted(d, m.incidents, sum_d);
  m.mtta = SummarizeSorted(a, m.incidents, sum_a);
  m.mttr = SummarizeSorted(r, m.incidents, sum_r);
  return m;
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
  // Mean in long double: a sum of a million durations in microseconds stays exact enough.
  long double sum = 0;
  for (auto v : values) sum += static_cast<long double>(v.count());
  s.mean = Micros(static_cast<std::int64_t>(sum / static_cast<long double>(values.size()) + 0.5L));
  // Selection, not a sort: the median's upper element, then the one below it
  // (the largest of the lower half), then the p90 in the upper half.
  std::size_t n = values.size();
  auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  Micros upper = *mid;
  s.median = n % 2 ? upper : (*std::max_element(values.begin(), mid) + upper) / 2;
  // Nearest rank: the smallest value with at least 90 % of the values at or below it.
  std::size_t rank = std::max<std::size_t>((9 * n + 9) / 10, 1);  // ceil(0.9 n)
  auto p90 = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(mid, p90, values.end());
  s.p90 = *p90;
  return s;
}

namespace {

// The k-th smallest (from 0) of the union of sorted lists: the smallest value
// v with more than k values at or below it, found by bisection on v.
Micros KthOfSorted(const std::vector<const std::vector<Micros>*>& lists, std::size_t k) {
  std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = std::numeric_limits<std::int64_t>::min();
  for (const auto* l : lists) {
    if (l->empty()) continue;
    lo = std::min(lo, l->front().count());
    hi = std::max(hi, l->back().count());
  }
  while (lo < hi) {  // invariant: the answer is in [lo, hi]
    std::int64_t mid = lo + (hi - lo) / 2;
    std::size_t at_or_below = 0;
    for (const auto* l : lists) {
      at_or_below += static_cast<std::size_t>(std::upper_bound(l->begin(), l->end(), Micros(mid)) - l->begin());
    }
    if (at_or_below > k) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return Micros(lo);
}

}  // namespace

Summary SummarizeSorted(const std::vector<const std::vector<Micros>*>& lists, std::int64_t incidents) {
  long double sum = 0;
  for (const auto* l : lists) {
    for (auto v : *l) sum += static_cast<long double>(v.count());
  }
  return SummarizeSorted(lists, incidents, sum);
}

Summary SummarizeSorted(const std::vector<const std::vector<Micros>*>& lists, std::int64_t incidents, long double sum) {
  Summary s;
  std::size_t n = 0;
  for (const auto* l : lists) n += l->size();
  s.count = static_cast<std::int64_t>(n);
  s.missing = incidents - s.count;
  if (n == 0) return s;
  s.mean = Micros(static_cast<std::int64_t>(sum / static_cast<long double>(n) + 0.5L));
  Micros upper = KthOfSorted(lists, n / 2);
  s.median = n % 2 ? upper : (KthOfSorted(lists, n / 2 - 1) + upper) / 2;
  std::size_t rank = std::max<std::size_t>((9 * n + 9) / 10, 1);
  s.p90 = KthOfSorted(lists, rank - 1);
  return s;
}

Sample SampleOf(const Incident& i) {
  Sample s;
  s.ttd = TimeToDetect(i);
  s.tta = TimeToAcknowledge(i);
  s.ttr = TimeToResolve(i);
  s.acknowledged = i.acknowledged.has_value();
  s.open = !IsClosed(i.state) || !i.resolved;
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

Sample Row::ToSample() const {
  Sample s;
  if (ttd != kNone) s.ttd = ttd;
  if (tta != kNone) s.tta = tta;
  if (ttr != kNone) s.ttr = ttr;
  s.acknowledged = Has(kAcknowledged);
  s.open = Has(kOpen);
  return s;
}

std::uint32_t Rows::Interner::Intern(std::string_view name) {
  if (last < names.size() && names[last] == name) return last;
  auto it = ids.find(std::string(name));
  if (it != ids.end()) return last = it->second;
  names.emplace_back(name);
  last = static_cast<std::uint32_t>(names.size() - 1);
  ids.emplace(names.back(), last);
  return last;
}

bool Rows::Project(const Incident& i, Row& row) {
  if (i.deleted || i.is_test) return false;
  const Sample s = SampleOf(i);
  row = Row{};
  row.created = i.created;
  if (s.ttd) row.ttd = *s.ttd;
  if (s.tta) row.tta = *s.tta;
  if (s.ttr) row.ttr = *s.ttr;
  if (s.acknowledged) row.flags |= Row::kAcknowledged;
  if (s.open) row.flags |= Row::kOpen;
  if (IsClosed(i.state) && i.resolved) {
    row.flags |= Row::kResolved;
    row.resolved = *i.resolved;
  }
  if (i.postmortem && i.postmortem->state == PostmortemState::kPublished) row.flags |= Row::kPublished;
  auto id16 = [](std::uint32_t id) { return static_cast<std::uint16_t>(std::min<std::uint32_t>(id, 0xffff)); };
  row.severity = id16(severities_.Intern(i.severity));
  if (row.severity >= severity_keys_.size()) {
    severity_keys_.push_back(i.severity.empty() ? std::string("(none)") : i.severity);
  }
  ForEachGroupKey(i, GroupBy::kType, [&](std::string_view key) { row.type = id16(types_.Intern(key)); });
  row.teams = static_cast<std::uint32_t>(lists_.size());
  ForEachGroupKey(i, GroupBy::kTeam, [&](std::string_view key) { lists_.push_back(teams_.Intern(key)); });
  row.team_count = static_cast<std::uint16_t>(lists_.size() - row.teams);
  row.services = static_cast<std::uint32_t>(lists_.size());
  ForEachGroupKey(i, GroupBy::kService, [&](std::string_view key) { lists_.push_back(services_.Intern(key)); });
  row.service_count = static_cast<std::uint16_t>(lists_.size() - row.services);
  return true;
}

bool Rows::Add(const Incident& i) {
  Row row;
  if (!Project(i, row)) return false;
  rows_.push_back(row);
  return true;
}

bool Rows::Set(std::size_t at, const Incident& i) {
  Row row;
  if (!Project(i, row)) return false;
  dead_ += rows_[at].team_count + rows_[at].service_count;
  rows_[at] = row;
  if (dead_ > 4096 && dead_ > lists_.size() / 2) Compact();
  return true;
}

void Rows::Remove(std::size_t at) {
  dead_ += rows_[at].team_count + rows_[at].service_count;
  rows_[at] = rows_.back();
  rows_.pop_back();
  if (dead_ > 4096 && dead_ > lists_.size() / 2) Compact();
}

void Rows::Compact() {
  std::vector<std::uint32_t> kept;
  kept.reserve(lists_.size() - dead_);
  for (Row& row : rows_) {
    auto from = lists_.begin() + row.teams;
    row.teams = static_cast<std::uint32_t>(kept.size());
    kept.insert(kept.end(), from, from + row.team_count);
    from = lists_.begin() + row.services;
    row.services = static_cast<std::uint32_t>(kept.size());
    kept.insert(kept.end(), from, from + row.service_count);
  }
  lists_.swap(kept);
  dead_ = 0;
}

const std::vector<std::string>& Rows::Names(GroupBy by) const {
  static const std::vector<std::string> kNoNames;
  switch (by) {
    case GroupBy::kSeverity: return severity_keys_;
    case GroupBy::kType: return types_.names;
    case GroupBy::kTeam: return teams_.names;
    case GroupBy::kService: return services_.names;
    case GroupBy::kNone: break;
  }
  return kNoNames;
}

Report Compute(const std::vector<Incident>& incidents, TimePoint from, TimePoint to, GroupBy group_by,
               Interval interval, const EachLive& each_live) {
  Rows rows;
  rows.Reserve(incidents.size());
  for (const auto& i : incidents) {
    if (rows.Add(i) && each_live) each_live(i, rows.rows().back().ToSample());
  }
  return Compute(rows, group_by, from, to, interval);
}

Report Compute(const Rows& rows, GroupBy group_by, TimePoint from, TimePoint to, Interval interval,
               TargetsAccumulator* targets, const Calendar& calendar) {
  Report r;
  r.from = from;
  r.to = to;
  // The buckets (one spanning the period when no interval is asked for),
  // found on the calendar's wall clock; `starts` are instants, ends[b] the
  // start of the next one.
  std::vector<TimePoint> starts, ends;
  if (interval != Interval::kNone) {
    const bool utc = calendar.utc();
    auto wall = [&](TimePoint t) { return utc ? t : calendar.to_wall(t); };
    auto instant = [&](TimePoint w) { return utc ? w : calendar.to_instant(w); };
    const TimePoint wall_to = wall(to);
    for (TimePoint w = BucketStart(wall(from), interval); w < wall_to; w = NextBucket(w, interval)) {
      starts.push_back(instant(w));
      ends.push_back(instant(NextBucket(w, interval)));
    }
    if (starts.empty()) {  // (a zero-length period)
      starts.push_back(from);
      ends.push_back(to);
    }
  } else {
    starts.push_back(from);
    ends.push_back(to);
  }
  // One pass: each row's sample goes to its bucket-and-group cells, and to its
  // bucket's cell unless the groups partition the incidents (severity, type:
  // one key each); every total, group and bucket is a union of cells.
  bool partition = group_by == GroupBy::kSeverity || group_by == GroupBy::kType;
  std::vector<Cell> by_bucket(starts.size());
  std::vector<std::vector<Cell>> by_bucket_group(starts.size());
  const std::vector<std::string>& names = rows.Names(group_by);
  std::vector<char> used(names.size(), 0);  // keys of rows in the period
  // Days and weeks are fixed lengths in UTC: the bucket is a division (months,
  // and any bucket in a time zone, are searched).
  const Micros step = !calendar.utc()              ? Micros(0)
                      : interval == Interval::kWeek ? Micros(std::chrono::hours(24 * 7))
                      : interval == Interval::kDay  ? Micros(std::chrono::hours(24))
                                                    : Micros(0);
  for (const Row& row : rows.rows()) {
    if (targets) targets->Add(rows, row);
    if (row.created < from || row.created >= to) continue;
    std::size_t b = 0;
    if (step.count() > 0) {
      b = static_cast<std::size_t>((row.created - starts.front()) / step);
    } else {
      auto after = std::upper_bound(starts.begin(), starts.end(), row.created);
      b = after == starts.begin() ? 0 : static_cast<std::size_t>(after - starts.begin()) - 1;
    }
    if (b >= starts.size()) b = starts.size() - 1;
    if (!partition) by_bucket[b].Add(row);
    auto& cells = by_bucket_group[b];
    rows.ForEachKey(row, group_by, [&](std::uint32_t g) {
      used[g] = 1;
      if (cells.size() <= g) cells.resize(g + 1);
      cells[g].Add(row);
    });
  }
  // The cells that make up each bucket's total.
  auto bucket_cells = [&](std::size_t b) {
    std::vector<Cell*> cells;
    if (!partition) {
      cells.push_back(&by_bucket[b]);
    } else {
      for (auto& c : by_bucket_group[b]) {
        if (c.incidents) cells.push_back(&c);
      }
    }
    return cells;
  };
  std::vector<Cell*> all;
  for (std::size_t b = 0; b < starts.size(); ++b) {
    for (Cell* c : bucket_cells(b)) all.push_back(c);
  }
  r.total = Combine(all);
  std::vector<std::pair<std::string, std::size_t>> sorted_keys;  // in key order
  for (std::size_t g = 0; g < used.size(); ++g) {
    if (used[g]) sorted_keys.emplace_back(names[g], g);
  }
  std::sort(sorted_keys.begin(), sorted_keys.end());
  for (const auto& [key, g] : sorted_keys) {
    std::vector<Cell*> cells;
    for (auto& bucket : by_bucket_group) {
      if (g < bucket.size() && bucket[g].incidents) cells.push_back(&bucket[g]);
    }
    r.groups.push_back({key, Combine(cells)});
  }
  if (interval == Interval::kNone) return r;
  for (std::size_t b = 0; b < starts.size(); ++b) {
    Bucket out;
    out.start = starts[b];
    out.end = ends[b];
    out.total = Combine(bucket_cells(b));
    for (const auto& [key, g] : sorted_keys) {
      auto& cells = by_bucket_group[b];
      if (g < cells.size() && cells[g].incidents) out.groups.push_back({key, Combine({&cells[g]})});
    }
    r.buckets.push_back(std::move(out));
  }
  return r;
}

}  // namespace tocsin::core::metrics
