#include "core/incident/incident_patch.hpp"

#include "common/utf8.hpp"

#include <algorithm>

namespace tocsin::core {
namespace {

std::string Show(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }
std::string Show(const std::optional<std::string>& s) { return s.value_or(""); }
std::string Show(bool b) { return b ? "true" : "false"; }
std::string Show(const FieldValue& v) {
  std::string out;
  auto values = v.Values();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out;
}

template <typename T>
void Set(T& target, const T& value, const char* name, std::vector<Change>& changes) {
  if (target == value) return;
  changes.push_back({name, Show(target), Show(value)});
  target = value;
}

}  // namespace

bool IncidentPatch::Empty() const {
  return !title && !severity && !state && !customer_impacted && !customer_impact_scope && !customer_impact_start &&
         !customer_impact_end && !detected && !commander && fields.empty() && !notification_handles && !type;
}

std::vector<IncidentProblem> IncidentProblems(const Incident& incident) {
  std::vector<IncidentProblem> out;
  const std::string over = ": longer than ";
  if (incident.title.empty()) out.push_back({"title", "data.attributes.title: must not be empty"});
  if (incident.title.size() > kMaxTitleBytes) {
    out.push_back({"title", "data.attributes.title" + over + std::to_string(kMaxTitleBytes) + " bytes"});
  }
  if (incident.customer_impact_scope && incident.customer_impact_scope->size() > kMaxTextBytes) {
    out.push_back({"customer_impact_scope",
                   "data.attributes.customer_impact_scope" + over + std::to_string(kMaxTextBytes) + " bytes"});
  }
  for (const auto& [name, value] : incident.fields) {
    std::string field = "fields." + name;
    if (name.empty() || name.size() > kMaxFieldNameBytes) {
      out.push_back({field, "data.attributes.fields: field names must be 1-" + std::to_string(kMaxFieldNameBytes) +
                                " characters"});
      continue;
    }
    for (const auto& v : value.Values()) {
      if (v.size() <= kMaxTextBytes) continue;
      out.push_back({field, "data.attributes.fields." + name + over + std::to_string(kMaxTextBytes) + " bytes"});
      break;
    }
  }
  if (incident.customer_impact_start && incident.customer_impact_end &&
      *incident.customer_impact_end < *incident.customer_impact_start) {
    out.push_back({"customer_impact", "data.attributes.customer_impact_end: is before customer_impact_start"});
  }
  return out;
}

Result<void> ValidateIncident(const Incident& incident) {
  auto problems = IncidentProblems(incident);
  if (!problems.empty()) return InvalidArgument(problems.front().message);
  return {};
}

Result<void> CheckCellText(std::string_view text, const std::string& field) {
  if (text.size() > kMaxCellBytes) return InvalidArgument(field + ": longer than " + std::to_string(kMaxCellBytes) + " bytes");
  return {};
}

std::string TruncateText(std::string_view text, std::size_t max_bytes) { return TruncateUtf8(text, max_bytes); }

void FitToLimits(Incident& incident) {
  // Texts within their limits stay as they are (no copies: alert ingestion and
  // replay open incidents through here).
  auto fit = [](std::string& text, std::size_t max_bytes) {
    if (text.size() > max_bytes) text = TruncateText(text, max_bytes);
  };
  fit(incident.title, kMaxTitleBytes);
  if (incident.customer_impact_scope) fit(*incident.customer_impact_scope, kMaxTextBytes);
  bool long_name = false;
  for (auto& [name, value] : incident.fields) {
    if (value.text) fit(*value.text, kMaxTextBytes);
    if (value.list) {
      for (auto& item : *value.list) fit(item, kMaxTextBytes);
    }
    long_name = long_name || name.size() > kMaxFieldNameBytes;
  }
  if (!long_name) return;
  std::map<std::string, FieldValue> fields;
  for (auto& [name, value] : incident.fields) fields.emplace(TruncateText(name, kMaxFieldNameBytes), std::move(value));
  incident.fields = std::move(fields);
}

Result<PatchOutcome> ApplyPatch(const Incident& current, const IncidentPatch& patch, const Actor& actor,
                                TimePoint now) {
  if (current.deleted) return NotFound("incident " + current.id + " not found");
  PatchOutcome out{current, {}};
  Incident& next = out.incident;
  auto& changes = out.changes;
  if (patch.title) Set(next.title, *patch.title, "title", changes);
  if (patch.severity) Set(next.severity, *patch.severity, "severity", changes);
  if (patch.state && *patch.state != next.state) {
    changes.push_back({"state", std::string(StateName(next.state)), std::string(StateName(*patch.state))});
    bool was_closed = IsClosed(next.state);
    next.state = *patch.state;
    if (IsClosed(next.state) && !was_closed) {
      changes.push_back({"resolved", Show(next.resolved), FormatRfc3339(now)});
      next.resolved = now;
    } else if (!IsClosed(next.state) && was_closed) {
      changes.push_back({"resolved", Show(next.resolved), ""});
      next.resolved.reset();
    }
  }
  if (patch.customer_impacted) Set(next.customer_impacted, *patch.customer_impacted, "customer_impacted", changes);
  if (patch.customer_impact_scope) {
    Set(next.customer_impact_scope, *patch.customer_impact_scope, "customer_impact_scope", changes);
  }
  if (patch.customer_impact_start) {
    Set(next.customer_impact_start, *patch.customer_impact_start, "customer_impact_start", changes);
  }
  if (patch.customer_impact_end) {
    Set(next.customer_impact_end, *patch.customer_impact_end, "customer_impact_end", changes);
  }
  if (patch.detected) Set(next.detected, *patch.detected, "detected", changes);
  if (patch.type) Set(next.type, *patch.type, "type", changes);
  if (patch.commander) {
    std::string from = next.commander ? next.commander->handle : "";
    std::string to = *patch.commander ? (*patch.commander)->handle : "";
    bool same = (next.commander.has_value() == patch.commander->has_value()) &&
                (!next.commander || next.commander->user_uuid == (*patch.commander)->user_uuid);
    if (!same) {
      changes.push_back({"commander", from, to});
      next.commander = *patch.commander;
    }
  }
  for (const auto& [name, value] : patch.fields) {
    auto it = next.fields.find(name);
    if (it != next.fields.end() && it->second == value) continue;
    changes.push_back({"fields." + name, it == next.fields.end() ? "" : Show(it->second), Show(value)});
    next.fields[name] = value;
  }
  if (patch.notification_handles && *patch.notification_handles != next.notification_handles) {
    changes.push_back({"notification_handles", "", std::to_string(patch.notification_handles->size()) + " handles"});
    next.notification_handles = *patch.notification_handles;
  }
  // Problems the stored incident already had are tolerated where the patch
  // leaves them alone; anything it changes must be within the limits.
  auto touched = [&](const std::string& field) {
    if (field == "title") return patch.title.has_value();
    if (field == "customer_impact_scope") return patch.customer_impact_scope.has_value();
    if (field == "customer_impact") return patch.customer_impact_start.has_value() || patch.customer_impact_end.has_value();
    return field.rfind("fields.", 0) == 0 && patch.fields.count(field.substr(7)) > 0;
  };
  auto before = IncidentProblems(current);
  for (const auto& problem : IncidentProblems(next)) {
    bool inherited = std::find(before.begin(), before.end(), problem) != before.end();
    if (!inherited || touched(problem.field)) return InvalidArgument(problem.message);
  }
  if (!changes.empty()) {
    next.modified = now;
    next.modified_by = actor;
    ++next.version;
  }
  return out;
}

}  // namespace tocsin::core
