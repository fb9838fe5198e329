#pragma once
// Escalation decisions: which tiers of a policy are due, who their targets
// resolve to, and what to page now. Pure: `now` is a parameter and the result is
// data the engine applies (pages into the outbox, step records into storage).
//
// Restarts: every tier of every round is a step with a due time computed from
// the incident's creation. The engine stores a StepRecord for each step it
// applies and passes them back in State::done, so after a restart every overdue
// step is decided exactly once and none twice.
//
// Nobody to page: a tier whose targets resolve to nobody falls through, i.e. the
// next tier of the same round is decided at once instead of at its own start, and
// the step's note says so. A tier whose condition does not hold is skipped (noted
// too); while falling through, the tier after it takes over.
//
// Thread-safety: Evaluate is a pure function. A Directory is immutable except
// through PutSchedule(), which callers must not race with readers.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "core/config/config.hpp"
#include "core/escalation/policy.hpp"
#include "core/incident/incident.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::core::escalation {

// One link of the chain that explains a page:
// team -> policy -> tier -> schedule -> layer or override -> user.
struct Link {
  enum class Kind { kTeam, kPolicy, kTier, kSchedule, kLayer, kOverride, kPosition, kUser };
  Kind kind = Kind::kUser;
  std::string name;    // team id, policy name, tier number ("2"), schedule name, ...
  std::string detail;  // tier label ("Secondary"); for an override, whom it covers
  bool operator==(const Link&) const = default;
};

// "team security → policy 'Security Escalation' → tier 2 'Secondary' → position
// 'Security Lead' → user olu".
std::string DescribeChain(const std::vector<Link>& chain);

// A person a target resolves to, with the links from the target down to them
// (ending with the user).
struct Resolved {
  std::string user;
  std::vector<Link> why;
  bool operator==(const Resolved&) const = default;
};

// Who a target means at an instant. Implemented by Directory; tests may fake it.
class Resolver {
 public:
  virtual ~Resolver() = default;
  // Empty when the target has nobody at `at` (or is unknown). No duplicates.
  virtual std::vector<Resolved> Resolve(const Target& target, TimePoint at) const = 0;
};

// What the engine stores per decided step.
enum class Outcome {
  kPaged,    // the tier paged at least one person
  kNobody,   // its targets resolved to nobody: fell through to the next tier
  kSkipped,  // its condition did not hold
};
std::string_view OutcomeName(Outcome outcome);  // "paged", "nobody", "skipped"

struct StepRecord {
  int round = 0;  // 0 = the first run through the tiers, 1.. = repeats
  int tier = 0;   // index into Policy::tiers
  TimePoint due{};
  Outcome outcome = Outcome::kPaged;
  bool operator==(const StepRecord&) const = default;
};

// The incident as escalation sees it.
struct State {
  TimePoint created{};
  std::optional<TimePoint> acknowledged;  // set: the policy has stopped
  std::string severity;                   // "SEV-1"
  std::map<std::string, FieldValue> fields;
  std::vector<StepRecord> done;           // every step decided before (from storage)
};

struct Page {
  std::string user;
  int round = 0;
  int tier = 0;
  TimePoint due{};         // the step's due time (the page goes out now)
  std::vector<Link> why;   // team → policy → tier → ... → user
  bool operator==(const Page&) const = default;
  std::string Why() const { return DescribeChain(why); }
};

struct StepDecision {
  StepRecord record;        // store it, so the step is never decided again
  std::vector<Page> pages;
  std::string note;         // for the timeline: "tier 2 'Secondary': nobody to page (...); falls through to tier 3"
  bool operator==(const StepDecision&) const = default;
};

struct Decision {
  std::vector<StepDecision> steps;    // decided now, in order
  std::vector<Page> pages;            // every page of `steps`, in order
  std::optional<TimePoint> next_due;  // evaluate again then; nullopt: nothing left to do
};

// When step (round, tier) is due: created + round * (last tier's start +
// repeat_after) + the tier's start.
TimePoint DueTime(const Policy& policy, TimePoint created, int round, int tier);

// Decides every step due at `now` that State::done does not hold yet. Nothing
// when the incident is acknowledged.
Decision Evaluate(const Policy& policy, const State& state, const Resolver& resolver, TimePoint now);

// True when `condition` holds; otherwise `why_not` (if given) says why.
bool ConditionHolds(const Condition& condition, const std::string& severity,
                    const std::map<std::string, FieldValue>& fields, std::string* why_not = nullptr);

// "15m", "1h30m", "0m".
std::string FormatOffset(std::chrono::seconds offset);

// One line for people: "0m: schedule 'commerce-primary'; repeats 2 times, 15m after the last tier".
std::string Summary(const Policy& policy);

// A policy for each team that has none in `config`: page the team's schedules'
// on-call at once, repeated twice 15 minutes apart. A team without schedules
// gets a tier with no targets (it pages nobody).
std::vector<Policy> DefaultPolicies(const Config& config);

// A mistake in the escalation_policies section; `path` is the full config path
// ("escalation_policies[1].tiers[2].targets[0]").
struct Problem {
  std::string path;
  std::string message;
  bool operator==(const Problem&) const = default;
};

// Checks config.escalation_policies against the rest of the config: a team that
// exists and has one policy, tiers with targets, in order of start, a first tier
// without condition, targets that name known users, schedules, teams and held
// positions, conditions over configured severities and known fields, and no
// cycle of team targets (team A's first tier pages team B's on-call, whose first
// tier pages team A's). Default policies are not checked.
std::vector<Problem> ValidatePolicies(const Config& config);

// The config's people, schedules and policies, ready to resolve targets.
class Directory final : public Resolver {
 public:
  // Compiles every schedule and adds DefaultPolicies() for teams without one.
  // Errors: kInvalidArgument naming the first schedule that does not validate.
  static Result<Directory> Create(const Config& config);

  // The team's policy (configured or default); nullptr for an unknown team.
  const Policy* PolicyForTeam(std::string_view team_id) const;
  const schedule::Schedule* FindSchedule(std::string_view name) const;
  // Adds or replaces (by name) a schedule, e.g. one with overrides made through the API.
  void PutSchedule(schedule::Schedule schedule);

  // Whom the team's on-call handle names at `at`: the people its policy's first
  // tier pages. The first of them becomes an incident's commander.
  std::vector<Resolved> TeamOnCall(std::string_view team_id, TimePoint at) const;

  std::vector<Resolved> Resolve(const Target& target, TimePoint at) const override;

 private:
  Directory() = default;
  std::vector<Resolved> ResolveIn(const Target& target, TimePoint at, std::vector<std::string>& teams_open) const;
  std::vector<Resolved> TeamOnCallIn(std::string_view team_id, TimePoint at,
                                     std::vector<std::string>& teams_open) const;

  std::vector<std::string> users_;  // handles
  std::map<std::string, std::vector<std::string>, std::less<>> users_by_position_;
  std::map<std::string, Policy, std::less<>> policies_by_team_;
  std::map<std::string, schedule::Schedule, std::less<>> schedules_;
};

}  // namespace tocsin::core::escalation
