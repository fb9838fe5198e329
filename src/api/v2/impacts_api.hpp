#pragma once
// Datadog's incident impacts: /api/v2/incidents/{incident_id}/impacts (list,
// create) and .../impacts/{impact_id} (patch, delete), in Datadog's shapes
// (IncidentImpactResponse). The work is done by usecases/impacts.

#include <functional>

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::api::v2 {

void AddImpactRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases);

}  // namespace tocsin::api::v2
