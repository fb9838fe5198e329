#pragma once
// The Datadog JSON:API forms of incidents: responses (IncidentResponseData and
// friends) and requests (IncidentCreateRequest, IncidentUpdateRequest), with
// every validation message naming the JSON path of the offending member.

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident_patch.hpp"
#include "core/search/query.hpp"

namespace tocsin::api::v2 {

using nlohmann::json;

// The incident type every incident belongs to (Tocsin has one).
inline constexpr const char* kIncidentTypeUuid = "00000000-0000-0000-0000-000000000001";

json IncidentData(const core::Incident& incident);
json UserData(const core::Actor& actor, const core::Config& config);
// Users referenced by the incidents, deduplicated, for "included".
void CollectUsers(const core::Incident& incident, std::set<std::string>& seen, json& included,
                  const core::Config& config);
json FacetsJson(const core::SearchFacets& facets, const core::Config& config);

// A parsed create request: the incident draft (without id/public id/times)
// plus the initial cells to put on the timeline.
struct CreateRequest {
  core::Incident draft;
  std::vector<std::string> initial_cells;
};

// Allowed severities = configured ones plus "UNKNOWN".
Result<CreateRequest> ParseCreate(const json& body, const core::Config& config);
Result<core::IncidentPatch> ParseUpdate(const json& body, const std::string& path_id, const core::Config& config);

// Parses a request body, bounded in nesting depth; errors name the problem.
Result<json> ParseBody(const std::string& body);

}  // namespace tocsin::api::v2
