#pragma once
// Incident metrics (the seed's "Metrics and Reporting"): MTTD, MTTA and MTTR
// across incidents, as numbers people can trust — mean, median and p90, the
// count each is over, and how many incidents lack the timestamps. Pure: the
// incidents and the period come in, figures go out. Definitions in
// docs/metrics.md:
//   MTTD = detected - customer impact start   ("time from issue start to alert")
//   MTTA = acknowledged - detected            ("from alert to acknowledgment")
//   MTTR = resolved - created                 (the seed's own definition)
// An incident never acknowledged is counted as unacknowledged, not as zero;
// one not resolved is open, not in MTTR.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/incident/incident.hpp"

namespace tocsin::core::metrics {

// One duration measure over a set of incidents.
struct Summary {
  std::int64_t count = 0;    // incidents that have the measure
  std::int64_t missing = 0;  // incidents of the set that lack a timestamp for it
  std::optional<Micros> mean, median, p90;
};

struct Measures {
  std::int64_t incidents = 0;
  std::int64_t unacknowledged = 0;  // never acknowledged (also counted in mtta.missing)
  std::int64_t open = 0;            // not resolved (also counted in mttr.missing)
  Summary mttd, mtta, mttr;
};

enum class GroupBy { kNone, kSeverity, kTeam, kType, kService };
std::optional<GroupBy> ParseGroupBy(std::string_view name);  // "severity", "team", "type", "service", "" = none

enum class Interval { kNone, kDay, kWeek, kMonth };
std::optional<Interval> ParseInterval(std::string_view name);  // "day", "week", "month", "" = none

struct Group {
  std::string key;  // severity name, team, type, service; "(none)" when the incident has none
  Measures measures;
};

struct Bucket {
  TimePoint start{};  // day, ISO week (Monday) or month, in UTC or the report's Calendar
  TimePoint end{};
  Measures total;
  std::vector<Group> groups;  // by the report's GroupBy, sorted by key
};

struct Report {
  TimePoint from{}, to{};
  Measures total;
  std::vector<Group> groups;    // over the whole period
  std::vector<Bucket> buckets;  // when an interval is asked for, every one in [from, to), empty ones too
};

// The figures of `values` (any order); linear time (selection, no sort).
Summary Summarize(std::vector<Micros> values, std::int64_t missing);
// The figures of the union of `lists`, each sorted ascending, over
// `incidents` incidents (those without a value are the missing ones).
Summary SummarizeSorted(const std::vector<const std::vector<Micros>*>& lists, std::int64_t incidents);
// The same with the sum of all the values known (each list's summed apart).
Summary SummarizeSorted(const std::vector<const std::vector<Micros>*>& lists, std::int64_t incidents, long double sum);

// What one incident brings to the measures, computed once per incident.
struct Sample {
  std::optional<Micros> ttd, tta, ttr;
  bool acknowledged = false;
  bool open = false;
};
Sample SampleOf(const Incident& incident);

// What one incident contributes (nullopt where it lacks the timestamps).
std::optional<Micros> TimeToDetect(const Incident& incident);
std::optional<Micros> TimeToAcknowledge(const Incident& incident);
std::optional<Micros> TimeToResolve(const Incident& incident);

// Called with every live incident (created in the period or not) and its
// sample, so that another reduction (the targets) shares the pass.
using EachLive = std::function<void(const Incident&, const Sample&)>;

// One live incident as the analytics reduce it: its sample, times, flags and
// its keys in every grouping (severity, type, teams, services) in 64 bytes,
// projected once, so that a reduction streams over a small array instead of
// whole incidents, and a kept index (usecases/analytics_index) can answer any
// grouping from the same rows.
struct Row {
  enum Flag : std::uint8_t { kAcknowledged = 1, kOpen = 2, kResolved = 4, kPublished = 8 };
  static constexpr Micros kNone{-1};  // no value (durations are never negative)
  TimePoint created{};
  TimePoint resolved{};  // with kResolved: closed, at this time
  Micros ttd = kNone, tta = kNone, ttr = kNone;
  std::uint32_t teams = 0, services = 0;  // the first of its team / service keys in Rows' key lists
  std::uint16_t team_count = 0, service_count = 0;
  std::uint16_t severity = 0;  // Rows::Severity
  std::uint16_t type = 0;      // Rows::Names(GroupBy::kType)
  std::uint8_t flags = 0;      // kResolved: closed with a resolution time; kPublished: post-mortem published
  bool Has(Flag f) const { return (flags & f) != 0; }
  Sample ToSample() const;
};

// The rows of a set of incidents with their interned names. Rows may be
// replaced and removed in place (the order of rows carries no meaning).
class Rows {
 public:
  Rows() = default;
  // Projects a live incident onto a new row (false: deleted or test, left out).
  bool Add(const Incident& incident);
  // Projects it onto row `at` (false: deleted or test; row `at` is unchanged).
  bool Set(std::size_t at, const Incident& incident);
  // Removes row `at`; the last row takes its place.
  void Remove(std::size_t at);
  const std::vector<Row>& rows() const { return rows_; }
  std::size_t size() const { return rows_.size(); }
  void Reserve(std::size_t n) { rows_.reserve(n); }
  const std::string& Severity(const Row& row) const { return severities_.names[row.severity]; }
  // The group keys of a grouping by id ("(none)" for an incident without one).
  const std::vector<std::string>& Names(GroupBy by) const;
  // Calls f(key id) with each group key of the row (none for kNone).
  template <typename F>
  void ForEachKey(const Row& row, GroupBy by, F&& f) const {
    switch (by) {
      case GroupBy::kNone: return;
      case GroupBy::kSeverity: f(static_cast<std::uint32_t>(row.severity)); return;
      case GroupBy::kType: f(static_cast<std::uint32_t>(row.type)); return;
      case GroupBy::kTeam:
        for (std::uint32_t k = row.teams; k < row.teams + row.team_count; ++k) f(lists_[k]);
        return;
      case GroupBy::kService:
        for (std::uint32_t k = row.services; k < row.services + row.service_count; ++k) f(lists_[k]);
        return;
    }
  }

 private:
  // Names by id, and ids by name (the last one found first: runs of one name are common).
  struct Interner {
    std::vector<std::string> names;
    std::unordered_map<std::string, std::uint32_t> ids;
    std::uint32_t last = 0;
    std::uint32_t Intern(std::string_view name);
  };
  bool Project(const Incident& incident, Row& row);  // appends its team and service keys
  void Compact();                                    // drops key list entries of replaced rows
  std::vector<Row> rows_;
  Interner severities_;           // as written ("" included), for the targets
  std::vector<std::string> severity_keys_;  // the same as group keys ("(none)" for "")
  Interner types_, teams_, services_;
  std::vector<std::uint32_t> lists_;  // team and service key ids, rows point into it
  std::size_t dead_ = 0;              // entries of lists_ no row points to
};

class TargetsAccumulator;  // targets.hpp

// The incidents created in [from, to), deleted and test incidents left out.
Report Compute(const std::vector<Incident>& incidents, TimePoint from, TimePoint to, GroupBy group_by,
               Interval interval, const EachLive& each_live = {});
// Where buckets start: UTC by default; in a time zone, days, weeks and months
// start at local midnight (a day across a daylight-saving change is 23 or 25
// hours long). `to_wall` gives what the zone's clocks show at an instant (as
// if it were a UTC time), `to_instant` the reverse (core/schedule has both).
struct Calendar {
  std::function<TimePoint(TimePoint instant)> to_wall;
  std::function<TimePoint(TimePoint wall)> to_instant;
  bool utc() const { return !to_wall || !to_instant; }
};

// The same over projected rows; every row (created in the period or not) also
// goes to `targets` when given, in the same pass.
Report Compute(const Rows& rows, GroupBy group_by, TimePoint from, TimePoint to, Interval interval,
               TargetsAccumulator* targets = nullptr, const Calendar& calendar = {});

}  // namespace tocsin::core::metrics
