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
  TimePoint start{};  // UTC day, ISO week (Monday), or month
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

// One live incident as the analytics reduce it: its sample, times, severity,
// group keys and flags in 64 bytes, projected once (while reading incidents
// page by page) so that the reduction streams over a small array instead of
// whole incidents.
struct Row {
  enum Flag : std::uint8_t { kAcknowledged = 1, kOpen = 2, kResolved = 4, kPublished = 8 };
  static constexpr Micros kNone{-1};  // no value (durations are never negative)
  TimePoint created{};
  TimePoint resolved{};  // with kResolved: closed, at this time
  Micros ttd = kNone, tta = kNone, ttr = kNone;
  std::uint32_t first_key = 0;  // its group keys: Rows::KeyId(first_key .. first_key + key_count - 1)
  std::uint16_t key_count = 0;
  std::uint16_t severity = 0;  // Rows::Severity
  std::uint8_t flags = 0;      // kResolved: closed with a resolution time; kPublished: post-mortem published
  bool Has(Flag f) const { return (flags & f) != 0; }
  Sample ToSample() const;
};

// The rows of a set of incidents with their interned severities and group
// keys (for one GroupBy).
class Rows {
 public:
  explicit Rows(GroupBy group_by = GroupBy::kNone) : group_by_(group_by) {}
  // Projects a live incident (false: deleted or test, left out).
  bool Add(const Incident& incident);
  GroupBy group_by() const { return group_by_; }
  const std::vector<Row>& rows() const { return rows_; }
  const std::string& Severity(const Row& row) const { return severities_[row.severity]; }
  std::uint32_t KeyId(std::size_t k) const { return key_ids_[k]; }
  const std::vector<std::string>& keys() const { return keys_; }  // by id
  void Reserve(std::size_t n) { rows_.reserve(n); }

 private:
  GroupBy group_by_;
  std::vector<Row> rows_;
  std::vector<std::string> severities_;
  std::vector<std::string> keys_;
  std::vector<std::uint32_t> key_ids_;
};

class TargetsAccumulator;  // targets.hpp

// The incidents created in [from, to), deleted and test incidents left out.
Report Compute(const std::vector<Incident>& incidents, TimePoint from, TimePoint to, GroupBy group_by,
               Interval interval, const EachLive& each_live = {});
// The same over projected rows (grouped by rows.group_by()); every row also
// goes to `targets` when given, in the same pass.
Report Compute(const Rows& rows, TimePoint from, TimePoint to, Interval interval, TargetsAccumulator* targets = nullptr);

}  // namespace tocsin::core::metrics
