#pragma once
// IncidentPatch: a partial update (PATCH semantics: only what is set changes),
// and ApplyPatch, the pure function that validates it against the current
// incident and returns the new incident plus what changed.

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core {

struct IncidentPatch {
  std::optional<std::string> title;
  std::optional<std::string> severity;
  std::optional<IncidentState> state;
  std::optional<bool> customer_impacted;
  std::optional<std::optional<std::string>> customer_impact_scope;
  std::optional<std::optional<TimePoint>> customer_impact_start;
  std::optional<std::optional<TimePoint>> customer_impact_end;
  std::optional<std::optional<TimePoint>> detected;
  std::optional<std::optional<Actor>> commander;  // {nullopt} removes the commander
  std::map<std::string, FieldValue> fields;       // set these custom fields
  std::optional<std::vector<NotificationHandle>> notification_handles;

  bool Empty() const;
};

struct PatchOutcome {
  Incident incident;
  std::vector<Change> changes;  // empty when the patch changed nothing
};

// Applies `patch` to `current` at time `now` by `actor`. Resolving stamps
// `resolved`; reopening clears it. Errors (kInvalidArgument) name the field:
// an empty title, customer_impact_end before customer_impact_start, a change
// to a deleted incident (kNotFound).
Result<PatchOutcome> ApplyPatch(const Incident& current, const IncidentPatch& patch, const Actor& actor,
                                TimePoint now);

// Validation shared by create and update: title not empty, impact window ordered.
Result<void> ValidateIncident(const Incident& incident);

}  // namespace tocsin::core
