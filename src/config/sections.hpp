#pragma once
// Internal to the loader: one function per top-level section, sharing one
// LoadState. Sections may appear in any order in the file, so names that point
// from one section into another are collected here and checked at the end.

#include <chrono>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/config/config.hpp"

namespace tocsin::config::detail {

struct PendingReferences {
  std::vector<MarkedString> team_members;        // user handles, '@' stripped
  std::vector<MarkedString> rule_severities;     // severity names
  std::vector<MarkedString> rule_commanders;     // "@handle" as written
  std::vector<MarkedString> rule_notifications;  // channel names
  std::vector<MarkedString> team_handles;        // oncall_handle and aliases, '@' stripped
  std::vector<MarkedString> severity_channels;   // severities[].response_time_channels
  // The channel a contact method goes through (config.users[user].contact_methods[method]):
  // as written, or empty text for "the only channel of the right type" (marked at the method).
  struct ContactChannel {
    std::size_t user = 0;
    std::size_t method = 0;
    MarkedString written;
  };
  std::vector<ContactChannel> contact_channels;
  // Incident types (workflow_sections.cpp): names written elsewhere, checked once
  // types: and templates: are both read.
  std::vector<MarkedString> rule_types;       // rules[].incident_settings.type
  std::vector<MarkedString> metric_severities;  // metrics.targets[].severity
  std::vector<MarkedString> report_channels;    // reports.weekly.channels, slos[].channels
  std::vector<MarkedString> dashboard_types;  // dashboards[].incident_type
  // types[k].template, by index into config.types (empty text: no template).
  std::vector<MarkedString> type_templates;
};

// What the schedules: and escalation_policies: sections leave for the checks that
// run once the whole file is read (oncall_sections.cpp).
struct OnCallReferences {
  // Config path -> position of every value those sections read, so problems found
  // by core validation ("schedules[0].overrides[2]") point at the right line.
  std::map<std::string, core::SourceMark> marks;
  // Paths whose values were already reported as malformed; core validation of
  // what lies under them would only repeat the report.
  std::vector<std::string> reported;
  std::vector<MarkedString> users;            // rotation members, override users: handles
  std::vector<MarkedString> schedule_teams;   // team ids
  // A target whose meaning needs the whole file: {team: x} (a team id or on-call
  // handle) or '@x' (a team's on-call or a user). Indexes into config.escalation_policies.
  struct TargetSlot {
    std::size_t policy = 0;
    std::size_t tier = 0;
    std::size_t target = 0;
    MarkedString written;
  };
  std::vector<TargetSlot> team_targets;
  std::vector<TargetSlot> handle_targets;
  // The file path ("escalation_policies[2]") of each policy in config.escalation_policies.
  std::vector<std::string> policy_paths;
};

struct LoadState {
  explicit LoadState(Reader r) : reader(std::move(r)) {}

  Reader reader;
  core::Config config;
  PendingReferences refs;
  bool has_channels_section = false;
  bool has_severities_section = false;  // otherwise core::DefaultSeverities() apply
  bool has_types_section = false;       // dashboards[] must then name configured types
  OnCallReferences oncall;
  // Remarks that do not make the file invalid (LoadResult::notes).
  std::vector<Diagnostic> notes;
};

void LoadServer(LoadState& state, const Value& value);
void LoadStorage(LoadState& state, const Value& value);
void LoadSeverities(LoadState& state, const Value& value);
void LoadUsers(LoadState& state, const Value& value);
void LoadTeams(LoadState& state, const Value& value);
void LoadChannels(LoadState& state, const Value& value);
void LoadRules(LoadState& state, const Value& value);
void LoadTemplates(LoadState& state, const Value& value);
void LoadDashboards(LoadState& state, const Value& value);
void LoadSchedules(LoadState& state, const Value& value);
void LoadEscalationPolicies(LoadState& state, const Value& value);
void LoadTypes(LoadState& state, const Value& value);
void LoadChecklists(LoadState& state, const Value& value);
void LoadPostmortem(LoadState& state, const Value& value);
void LoadMetrics(LoadState& state, const Value& value);
void LoadSlos(LoadState& state, const Value& value);
void LoadReports(LoadState& state, const Value& value);

// "09:00" as minutes after midnight; "24:00" only when `allow_24`.
std::optional<std::chrono::minutes> ParseClock(std::string_view text, bool allow_24);
// "monday" or "mon" (any case): 0 = Sunday .. 6 = Saturday.
std::optional<int> ParseWeekday(std::string text);

// Runs once every section is read: severities, commanders, channels and team members
// named elsewhere must exist.
void CheckReferences(LoadState& state);

// Runs after CheckReferences: types name templates, rules and dashboards name types,
// and types without a dashboard take the one dashboards: gives their name.
void CheckWorkflow(LoadState& state);

// Runs after CheckReferences: the names schedules and policies use must exist, core
// validates the policies, and teams without a policy get the default one (a note).
void CheckOnCall(LoadState& state);

// Reports a second definition of `name` ("users[3].handle: duplicate handle 'alice'
// (first defined at line 12)"); returns false for duplicates. `seen` keeps first marks.
bool CheckUnique(LoadState& state, std::vector<MarkedString>& seen, const MarkedString& name,
                 const std::string& what);

// Drops one leading '@': handles may be written either way outside rules.
std::string StripAt(std::string handle);

// Handles are written "@alice" in rules, so they must be one plain word.
bool IsValidHandle(const std::string& handle);

}  // namespace tocsin::config::detail
