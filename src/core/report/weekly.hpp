#pragma once
// The weekly incident review (the seed's "Weekly Incident Review"): for one
// ISO week in a time zone, each target met or missed with its figure, the
// week's incidents by severity with a trend of weekly counts, MTTA/MTTR
// distributions, post-mortems due, overdue and published, action items open
// and overdue with their owners, and the patterns that stand out. Pure: the
// incidents (and the week's alert records, when available) come in, a report
// goes out; render.hpp turns it into Markdown, HTML or JSON. Definitions in
// docs/metrics.md ("Weekly review").

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/metrics/metrics.hpp"
#include "core/metrics/slo.hpp"
#include "core/metrics/targets.hpp"
#include "core/ports/store.hpp"

namespace tocsin::core::report {

// An ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday.
struct IsoWeek {
  int year = 0;
  int week = 0;  // 1..52 or 53
  bool operator==(const IsoWeek&) const = default;
};

// "2026-W48" (also "2026W48"); nullopt when it does not parse or the year has
// no such week.
std::optional<IsoWeek> ParseIsoWeek(std::string_view text);
std::string FormatIsoWeek(IsoWeek week);  // "2026-W48"
// The week `weeks` later (earlier when negative).
IsoWeek AddWeeks(IsoWeek week, int weeks);
// The week holding the calendar day of `wall_clock` (a local time given as if UTC).
IsoWeek IsoWeekOf(TimePoint wall_clock);
// Monday 00:00 of the week, as a wall-clock time (given as if UTC).
TimePoint MondayOf(IsoWeek week);

// The instants at which the week starts and ends in `zone` (Monday 00:00 to
// the next Monday 00:00 on that zone's clocks); nullopt for an unknown zone.
struct Span {
  TimePoint start{}, end{};
};
std::optional<Span> WeekSpan(IsoWeek week, const std::string& zone);

// The week a report defaults to at `now`: the last full week in `zone`.
std::optional<IsoWeek> PreviousWeek(TimePoint now, const std::string& zone);

// The scheduled weekly review (issue 13): sent each ISO week at `day` (1 =
// Monday .. 7 = Sunday) and `time_of_day` on the clocks of `zone`, about the
// week before. At `now`, the report that should have gone out last: the
// previous week's once this week's send time has come, else the one before
// (a start after a missed send sends it then). Queued under a key per week
// and channel, sending "what is due" at every chance sends each one once.
// A send time skipped by a daylight-saving change is the moment of the
// change. nullopt for an unknown zone or a day outside 1..7.
std::optional<IsoWeek> ScheduledReportWeek(TimePoint now, int day, std::chrono::minutes time_of_day,
                                           const std::string& zone);

// Upper bounds of the duration histogram's buckets; the last bucket is open.
inline constexpr std::array<std::int64_t, 6> kDurationBucketMinutes = {5, 15, 30, 60, 240, 1440};

struct Distribution {
  metrics::Summary summary;
  std::vector<std::int64_t> buckets;  // kDurationBucketMinutes.size() + 1 counts
};

struct WeekCount {
  IsoWeek week;
  TimePoint start{};
  std::int64_t total = 0;
  std::map<std::string, std::int64_t> by_severity;
};

// One incident as a report lists it.
struct IncidentRef {
  std::int64_t public_id = 0;
  std::string title;
  std::string severity;
};

struct PostmortemLine {
  IncidentRef incident;
  std::string state;  // draft, in_review, published (as at the report's as_of)
  TimePoint due{};
  std::optional<TimePoint> published;
};

struct ActionItem {
  IncidentRef incident;
  std::string content;
  std::vector<std::string> owners;  // "@alice"; empty = unassigned
  std::optional<TimePoint> due;
  bool follow_up = false;
};

struct OwnerLoad {
  std::string owner;  // "@alice" or "(unassigned)"
  std::int64_t open = 0;
  std::int64_t overdue = 0;
};

struct Ranked {
  std::string name;    // monitor name
  std::string detail;  // scope for recurrences
  std::int64_t count = 0;
};

struct Patterns {
  bool alerts_available = false;
  std::vector<Ranked> top_monitors;    // incidents opened in the week, by monitor
  std::vector<Ranked> recurrences;     // alert series (fingerprints) that opened 2+ incidents
  std::vector<Ranked> noisy_monitors;  // alerts received, none of which opened or joined an incident
  std::array<std::int64_t, 24> pages_by_hour{};     // escalation pages, local hour
  std::array<std::int64_t, 24> incidents_by_hour{};  // incidents opened, local hour
};

struct WeeklyReport {
  IsoWeek week;
  std::string time_zone;
  TimePoint start{}, end{};  // [start, end)
  TimePoint as_of{};          // min(now, end): open/overdue are as at this instant
  std::vector<std::string> severities;  // display order (configured, then others)

  std::vector<metrics::TargetResult> targets;
  std::int64_t incidents = 0;
  std::map<std::string, std::int64_t> incidents_by_severity;
  std::vector<IncidentRef> incident_list;  // the week's incidents, by public id
  std::vector<WeekCount> trend;            // oldest first, this week last
  double trend_slope = 0;                  // incidents/week, least squares over `trend`
  metrics::Measures measures;              // over the week's incidents
  Distribution mtta, mttr;

  std::vector<PostmortemLine> postmortems_due;        // due within the week
  std::vector<PostmortemLine> postmortems_overdue;    // due before as_of, not published by then
  std::vector<PostmortemLine> postmortems_published;  // published within the week

  std::int64_t action_items_open = 0;
  std::int64_t action_items_overdue = 0;
  std::vector<OwnerLoad> owners;              // by overdue, open, then name
  std::vector<ActionItem> overdue_items;      // oldest due first, at most kListLimit
  std::vector<metrics::ErrorBudget> error_budgets;  // each configured SLO, as at as_of
  Patterns patterns;
};

inline constexpr std::size_t kListLimit = 20;  // lines per list
inline constexpr std::size_t kTopLimit = 5;    // entries per ranking

struct WeeklyInput {
  IsoWeek week;
  std::string time_zone = "UTC";
  TimePoint now{};
  const MetricsConfig* metrics = nullptr;
  const std::vector<SeverityLevel>* severities = nullptr;
  // Incidents created from LookbackStart on (older ones are ignored).
  const std::vector<Incident>* incidents = nullptr;
  // Alert records received in the week; nullptr when not available.
  const std::vector<AlertRecord>* alerts = nullptr;
  // Service objectives (slos:); nullptr or empty = none.
  const std::vector<Slo>* slos = nullptr;
};

// Where the incidents a report needs start: the trend window, or a year back
// for post-mortems and action items still open, whichever is earlier.
TimePoint LookbackStart(const MetricsConfig& metrics, Span span);

// nullopt when the zone is unknown.
std::optional<WeeklyReport> BuildWeekly(const WeeklyInput& input);

}  // namespace tocsin::core::report
