#pragma once
// Customer impacts on an incident (Datadog's incident impacts): what was hurt,
// from when to when. Adding, changing and removing one is each one incident
// mutation with its timeline event.
//
// The incident's own customer-impact window is filled in from its impacts
// while it is unset, and never overwritten by them (a person's PATCH wins):
// - an impact added or changed while the incident has no
//   customer_impact_start sets it to the earliest impact start, and sets
//   customer_impacted;
// - an impact added or changed while the incident has no customer_impact_end
//   and every impact has ended sets it to the latest impact end (when that is
//   not before customer_impact_start).
// Removing an impact changes neither. These changes are listed on the
// impact's timeline event, so the metrics they feed can be audited.
//
// Errors name the attribute ("description: ...", "end: ...").

#include <optional>
#include <string>

#include "usecases/incidents.hpp"

namespace tocsin::usecases {

// What a create or a change sets; unset members are left as they are (on
// create: description and start are required).
struct ImpactInput {
  std::optional<std::string> description;
  std::optional<TimePoint> start;
  std::optional<std::optional<TimePoint>> end;  // engaged nullopt: still going on
};

inline constexpr std::size_t kMaxImpactDescriptionBytes = 4096;
inline constexpr std::size_t kMaxImpactsPerIncident = 200;

struct ImpactResult {
  core::Incident incident;
  core::Impact impact;
};

Result<ImpactResult> AddImpact(const Context& ctx, const std::string& incident_id, const ImpactInput& input,
                               const core::Actor& actor);
// kNotFound when the incident or the impact does not exist.
Result<ImpactResult> UpdateImpact(const Context& ctx, const std::string& incident_id, const std::string& impact_id,
                                  const ImpactInput& input, const core::Actor& actor);
Result<void> RemoveImpact(const Context& ctx, const std::string& incident_id, const std::string& impact_id,
                          const core::Actor& actor);

}  // namespace tocsin::usecases
