#pragma once
// The automatic incident creation rules (the seed's "Automatic Incident
// Creation Rules"), with the semantics of DESIGN.md section 4:
// - trigger.monitors: exact names or globs (*, ?); trigger.tags: all must be
//   present (key:value, key:*, or a bare key); trigger.condition: states.
// - several matching rules make ONE incident: the most severe rule sets title,
//   severity and commander; notifications, services and fields are unioned
//   (the most severe rule wins a conflict); the timeline names every rule.
// - re-triggers append to the open incident; a recovery is a timeline event
//   (optionally moving the incident to stable); an alert after resolution
//   opens a new incident that says which one it recurs.
// Rules are indexed by exact monitor name and by tag, so matching does not
// scan every rule. Pure: no I/O, time is a parameter.

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/alert/alert.hpp"
#include "core/config/config.hpp"
#include "core/escalation/escalation.hpp"
#include "core/rules/plan.hpp"

namespace tocsin::core {

// Glob match with * and ? (no character classes).
bool GlobMatch(std::string_view pattern, std::string_view text);

// True when every tag pattern of `rule` is present in `alert`.
bool TagsMatch(const Rule& rule, const Alert& alert);

class RuleIndex {
 public:
  RuleIndex(const std::vector<Rule>& rules, const std::vector<SeverityLevel>& severities);

  // Rules whose monitors and tags match (ignoring the condition), most
  // severe first, ties in config order.
  std::vector<const Rule*> Match(const Alert& alert) const;
  std::size_t size() const { return rules_.size(); }

 private:
  void Add(const Rule* rule);
  std::vector<const Rule*> rules_;
  std::map<const Rule*, int> rank_;  // severity rank, then position
  std::unordered_map<std::string, std::vector<const Rule*>> by_monitor_;
  std::unordered_map<std::string, std::vector<const Rule*>> by_tag_key_;  // rules with only '*' monitors
  std::vector<const Rule*> globs_;                                     // other glob rules
};

// Which rules fire for this alert and which incident group it belongs to.
struct Evaluation {
  std::vector<const Rule*> matched;    // monitors + tags match, most severe first
  std::vector<const Rule*> triggered;  // ... and the condition accepts the state
  std::string fingerprint;             // the alert's (source + monitor + scope)
  std::string group_key;               // fingerprint, or the group_by key
};

Evaluation Evaluate(const RuleIndex& index, const Alert& alert);
// The same with the alert's fingerprint already known (a recorded alert's,
// for replay): saves hashing it again.
Evaluation Evaluate(const RuleIndex& index, const Alert& alert, std::string fingerprint);

struct PlanContext {
  const Config* config = nullptr;
  TimePoint now{};
  std::string new_incident_id;  // used when the plan opens an incident
  // Who is on call: a team handle commander becomes the team's tier-1 person
  // at `now`. Null: the handle itself is stored as the commander.
  const escalation::Directory* directory = nullptr;
  // Replay's mode (core/replay): the same decision and incident, without what
  // only a store keeps (timeline events, outbox items, the commander's actor id).
  bool outcome_only = false;
};

// What an alert does to its group, before any text is built: Decide() acts on
// it, and replay (core/replay) uses it alone for every alert that does not open
// an incident.
enum class AlertAction { kIgnored, kRecovered, kAppended, kOpened };
AlertAction Classify(const Evaluation& evaluation, const Alert& alert, bool group_has_open);
const char* AlertActionName(AlertAction action);  // "ignored", "recovered", "appended", "opened"

// The pure decision for `alert` given its group's current incidents.
AlertPlan Decide(const Evaluation& evaluation, const Alert& alert, const GroupState& group, const PlanContext& ctx);

// Fills {{monitor.name}}, {{monitor_name}}, {{scope}}, {{value}}, {{priority}},
// {{title}}, {{tags.KEY}} / {{tag.KEY}} from the alert; unknown names become "".
std::string RenderTitle(const std::string& title_template, const Alert& alert);

// The actor rules act as on the timeline.
Actor RulesActor();

}  // namespace tocsin::core
