#include "core/config/config.hpp"

namespace tocsin::core {

const SeverityLevel* Config::FindSeverity(const std::string& name) const {
  for (const auto& s : severities) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const User* Config::FindUser(const std::string& handle) const {
  for (const auto& u : users) {
    if (u.handle == handle) return &u;
  }
  return nullptr;
}

const Team* Config::FindTeamByHandle(const std::string& oncall_handle) const {
  for (const auto& t : teams) {
    if (t.oncall_handle == oncall_handle) return &t;
    for (const auto& alias : t.oncall_aliases) {
      if (alias == oncall_handle) return &t;
    }
  }
  return nullptr;
}

const Team* Config::FindTeam(const std::string& id) const {
  for (const auto& t : teams) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const schedule::Definition* Config::FindSchedule(const std::string& name) const {
  for (const auto& s : schedules) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const escalation::Policy* Config::FindPolicyForTeam(const std::string& team_id) const {
  for (const auto& p : escalation_policies) {
    if (p.team == team_id) return &p;
  }
  return nullptr;
}

const Channel* Config::FindChannel(const std::string& name) const {
  for (const auto& c : channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const IncidentType* Config::FindType(const std::string& name_or_id) const {
  for (const auto& t : types) {
    if (t.name == name_or_id || t.id == name_or_id) return &t;
  }
  return nullptr;
}

const IncidentTemplate* Config::FindTemplate(const std::string& name) const {
  for (const auto& t : templates) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ContactTypeLabel(const std::string& type) {
  if (type == "slack_dm") return "Slack DM";
  if (type == "email") return "email";
  if (type == "pagerduty") return "PagerDuty";
  return type;
}

std::string ContactChannelType(const std::string& type) {
  if (type == "slack_dm") return "slack_webapi";
  if (type == "email" || type == "pagerduty") return type;
  return "";
}

std::vector<SeverityLevel> DefaultSeverities() {
  using std::chrono::minutes;
  using std::chrono::seconds;
  auto level = [](const char* name, const char* label, const char* desc, minutes response,
                  std::optional<minutes> cadence, bool pm, int rank) {
    SeverityLevel s;
    s.name = name;
    s.label = label;
    s.description = desc;
    s.response_time = response;
    if (cadence) s.update_cadence = seconds(*cadence);
    s.postmortem_required = pm;
    s.rank = rank;
    return s;
  };
  return {
      level("SEV-1", "Critical", "Revenue or security impact", minutes(5), minutes(15), true, 0),
      level("SEV-2", "High", "Significant user impact", minutes(15), minutes(30), true, 1),
      level("SEV-3", "Medium", "Moderate impact", minutes(60), std::nullopt, false, 2),
      level("SEV-4", "Low", "Minor impact", minutes(240), std::nullopt, false, 3),
  };
}

}  // namespace tocsin::core
