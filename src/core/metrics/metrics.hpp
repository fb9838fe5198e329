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

// The incidents created in [from, to), deleted and test incidents left out.
Report Compute(const std::vector<Incident>& incidents, TimePoint from, TimePoint to, GroupBy group_by,
               Interval interval, const EachLive& each_live = {});

}  // namespace tocsin::core::metrics
