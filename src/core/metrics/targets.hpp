#pragma once
// The seed's targets (metrics.targets), each evaluated over a period as met,
// missed or without data, with the figure beside it. "Trending down" is the
// least-squares slope of the weekly incident counts over the trend window.
// Definitions in docs/metrics.md.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/metrics/metrics.hpp"

namespace tocsin::core::metrics {

enum class TargetStatus { kMet, kMissed, kNoData };
std::string_view TargetStatusName(TargetStatus s);  // "met", "missed", "no_data"

struct TargetResult {
  std::string name;
  std::string metric;
  TargetStatus status = TargetStatus::kNoData;
  std::optional<double> value;  // seconds (mttd/mtta/mttr), percent (completion), incidents/week (trend slope)
  std::string figure;           // "4.2 min (mean of 12 incidents)"
  std::int64_t count = 0;       // incidents the figure is over
  // incident_count: the weekly counts, oldest first, in total and by severity, and each slope.
  std::vector<std::int64_t> weekly_counts;
  std::map<std::string, std::vector<std::int64_t>> weekly_counts_by_severity;
  std::map<std::string, double> slope_by_severity;
};

// The slope of the least-squares line through (0, y0), (1, y1), ...; 0 for
// fewer than two points.
double Slope(const std::vector<std::int64_t>& ys);

// `incidents` must hold every incident created in [min(from, to - trend
// window), to); post-mortem completion counts those resolved in [from, to).
std::vector<TargetResult> EvaluateTargets(const MetricsConfig& config, const std::vector<Incident>& incidents,
                                          TimePoint from, TimePoint to);

// EvaluateTargets as one reducing pass that callers can share with other
// sections: Add every incident (any order), then Done once.
class TargetsAccumulator {
 public:
  TargetsAccumulator(const MetricsConfig& config, TimePoint from, TimePoint to);
  void Add(const Incident& incident);
  void Add(const Incident& incident, const Sample& sample);  // sample = SampleOf(incident)
  void Add(const Rows& rows, const Row& row);                // the same from an incident's compact row
  std::vector<TargetResult> Done();

 private:
  // What a target reads of an incident.
  struct Facts {
    TimePoint created{};
    bool resolved_set = false;  // closed with a resolution time
    TimePoint resolved{};
    const std::string* severity = nullptr;
    int severity_id = -1;  // a row's interned severity (Rows::Severity), for a cache without compares
    bool published = false;  // its post-mortem is published
  };
  void Add(const Facts& facts, const Sample& sample);
  enum class Kind { kDetect, kAcknowledge, kResolve, kCompletion, kTrend };
  struct State {
    Kind kind = Kind::kDetect;
    bool mean_only = false;      // the statistic is the mean: a count and a sum, no values kept
    std::vector<Micros> values;  // durations (median, p90)
    std::int64_t count = 0;
    long double sum = 0;
    std::int64_t missing = 0;
    std::int64_t required = 0, published = 0;  // completion
    TargetResult trend;                         // weekly counts
    std::vector<std::vector<std::int64_t>> trend_by_severity;  // by membership index; into trend at Done
  };
  // Per severity seen, whether each target covers it (a few severities:
  // looked up linearly, not compared against every target's list per incident).
  std::size_t Memberships(const std::string& severity);  // index into memberships_
  const MetricsConfig& config_;
  TimePoint from_, to_, trend_start_;
  std::vector<State> states_;
  std::vector<std::pair<std::string, std::vector<char>>> memberships_;
  const Rows* rows_ = nullptr;               // the rows row_memberships_ is for
  std::vector<int> row_memberships_;         // by a row's severity id: index into memberships_ (-1 unknown yet)
};

// Where the incidents for EvaluateTargets must start.
TimePoint TargetsWindowStart(const MetricsConfig& config, TimePoint from, TimePoint to);

}  // namespace tocsin::core::metrics
