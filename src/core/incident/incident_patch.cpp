#include "core/incident/incident_patch.hpp"

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
         !customer_impact_end && !detected && !commander && fields.empty() && !notification_handles;
}

Result<void> ValidateIncident(const Incident& incident) {
  if (incident.title.empty()) return InvalidArgument("data.attributes.title: must not be empty");
  if (incident.title.size() > 4096) return InvalidArgument("data.attributes.title: longer than 4096 characters");
  if (incident.customer_impact_start && incident.customer_impact_end &&
      *incident.customer_impact_end < *incident.customer_impact_start) {
    return InvalidArgument("data.attributes.customer_impact_end: is before customer_impact_start");
  }
  return {};
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
  if (auto ok = ValidateIncident(next); !ok) return tl::unexpected(ok.error());
  if (!changes.empty()) {
    next.modified = now;
    next.modified_by = actor;
    ++next.version;
  }
  return out;
}

}  // namespace tocsin::core
