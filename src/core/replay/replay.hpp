#pragma once
// Replay: what a candidate configuration would have done with the alerts
// Tocsin really received (issue 14, docs/replay.md). Pure: the recorded history
// is a parameter, time is virtual (each alert at its recorded time, escalation
// tiers at their due times), nothing is read or written.
//
// Simulate() feeds each recorded alert, oldest first, through the config's rules
// (core/rules Decide, exactly as ingestion does), its grouping, the teams'
// escalation policies over the on-call schedules (core/escalation Evaluate) and
// the notification routing (rule channels; a paged person's contact methods or
// else the team's PagerDuty channel). An incident it opens is matched to the
// incident that really happened through the alert that opens it (the incident
// that alert really opened or joined): it is acknowledged and resolved when
// that one was. An incident with no real counterpart is never acknowledged
// (its policy runs its full course) and is resolved by its group's recovery.
//
// Compare() diffs two outcomes (the config in force and the candidate);
// Fidelity() compares the outcome under the config in force with what the
// history records (replaying the config in force reproduces what happened:
// any difference is listed); Load() computes page load and fairness.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"

namespace tocsin::core::replay {

// An incident that really happened, as far as replay needs it.
struct RecordedIncident {
  std::string id;
  std::int64_t public_id = 0;
  TimePoint created{};
  std::optional<TimePoint> acknowledged;
  std::optional<TimePoint> resolved;
  std::vector<EscalationStep> tiers;  // the escalation steps it really took
};

struct History {
  TimePoint from{};  // the range replayed, [from, to)
  TimePoint to{};
  std::vector<AlertRecord> alerts;  // received in the range, oldest first (by seq)
  std::map<std::string, RecordedIncident> incidents;  // by id: those the alerts opened or joined
};

// One page to one person.
struct Page {
  std::string user;
  TimePoint at{};
  std::string incident;  // SimIncident::key
  std::string team;
  int round = 0;
  int tier = 0;
  std::string schedule;              // the schedule the page came through ("" when none)
  std::vector<std::string> channels;  // the contact methods' channels sent before the acknowledgement, or the team's PagerDuty channel
};

struct Tier {
  int round = 0;
  int tier = 0;
  TimePoint due{};
  std::string outcome;  // paged | nobody | skipped
  bool operator==(const Tier&) const = default;
};

struct SimIncident {
  std::string key;  // "A<seq>": the seq of the alert that opened it (stable across configs)
  std::int64_t opening_seq = 0;
  std::string group_key;
  std::string rule;  // the rule that opened it
  std::string title;
  std::string severity;
  std::string type;
  std::string commander;  // handle the commander resolved to
  std::vector<std::string> channels;
  TimePoint opened{};
  std::optional<TimePoint> acknowledged;
  std::optional<TimePoint> resolved;
  std::string recorded;  // id of the real incident it is matched to ("" none)
  std::string team;      // escalating team
  std::vector<Tier> tiers;
  std::vector<std::int64_t> alerts;  // seqs of every alert that opened, joined or recovered it
};

// What one alert did: the decision ("opened", "appended", "recovered",
// "ignored") and the index of its incident in Outcome::incidents (-1 none).
struct AlertOutcome {
  std::int64_t seq = 0;
  const char* decision = "";  // a static string (rules' AlertActionName)
  int incident = -1;
};

struct Outcome {
  std::vector<SimIncident> incidents;  // in opening order
  std::vector<Page> pages;             // in time order
  std::vector<AlertOutcome> alerts;    // one per replayed (non-duplicate) alert, by seq
  // The alert with this seq (null when it was not replayed).
  const AlertOutcome* FindAlert(std::int64_t seq) const;
};

// Errors: kInvalidArgument when the config's schedules do not compile.
Result<Outcome> Simulate(const Config& config, const History& history);

// --- Differences -----------------------------------------------------------

struct FieldChange {
  std::string incident;  // key
  std::string title;
  std::string field;  // severity | type | commander | channels | tiers
  std::string before;
  std::string after;
};

struct Grouping {
  std::string incident;                 // the key on the side that has one
  std::string title;
  std::vector<std::string> other_side;  // the keys it corresponds to on the other side
};

struct PersonPages {
  std::string user;
  int before = 0;
  int after = 0;
};

struct Diff {
  std::vector<const SimIncident*> only_before;  // opened only under the config in force
  std::vector<const SimIncident*> only_after;   // ... only under the candidate
  std::vector<Grouping> merged;                 // one candidate incident holds alerts of several
  std::vector<Grouping> split;                  // one incident's alerts open several candidate ones
  std::vector<FieldChange> changes;
  std::vector<PersonPages> pages;               // per person whose count changes, by name
  std::vector<Page> pages_only_before;          // (user, incident, tier, time) pages that disappear
  std::vector<Page> pages_only_after;
  bool Empty() const;
};

Diff Compare(const Outcome& before, const Outcome& after);

// --- Fidelity --------------------------------------------------------------

struct Mismatch {
  std::int64_t seq = 0;
  std::string recorded;  // "opened IR-12", "ignored"
  std::string replayed;  // "opened A17", "appended A3"
};

// Alerts whose replay under the config in force differs from the record:
// another decision, or a grouping the record does not have (two recorded
// incidents in one replayed one, or the reverse), and incidents whose
// escalation tiers differ from the steps really taken (seq: the opening
// alert's). Duplicates are skipped. Tiers are compared as far as the record
// goes: a recorded incident still escalating when the history was read has
// only the steps taken by then.
std::vector<Mismatch> Fidelity(const History& history, const Outcome& replayed);

// --- Page load and fairness ------------------------------------------------

struct PersonLoad {
  std::string user;
  int pages = 0;
  double per_week = 0;
  int busiest_week = 0;       // pages in the busiest 7-day window from the range's start
  int night_pages = 0;        // outside 08:00-20:00 in the person's own time zone
  int longest_night_run = 0;  // consecutive local nights on call (on call at 03:00 local)
};

struct RotationShare {
  std::string schedule;  // "" for pages to people named directly
  int pages = 0;
  double share = 0;  // of all pages, 0..1
};

struct Load {
  std::vector<PersonLoad> people;  // every configured user, by handle
  std::vector<RotationShare> rotations;
};

// True when `at` is outside 08:00-20:00 in `zone` (UTC when unknown).
bool IsNight(const std::string& zone, TimePoint at);

Load ComputeLoad(const Config& config, const Outcome& outcome, TimePoint from, TimePoint to);

// --- The report --------------------------------------------------------------

struct Report {
  TimePoint from{};
  TimePoint to{};
  std::string before_hash;  // config hashes
  std::string after_hash;
  std::int64_t alerts = 0;
  Outcome before;
  Outcome after;
  Diff diff;  // points into before/after: keep the report where it is built (no copies)
  std::vector<Mismatch> fidelity;
  Load load_before;
  Load load_after;
};

// Simulates under both configs (once when they have the same hash) and compares. The returned report must not be
// copied (its diff points into its outcomes); it is heap-allocated.
Result<std::unique_ptr<Report>> Run(const Config& in_force, const Config& candidate, const History& history);

std::string RenderText(const Report& report);
std::string RenderMarkdown(const Report& report);
std::string RenderJson(const Report& report);

}  // namespace tocsin::core::replay
