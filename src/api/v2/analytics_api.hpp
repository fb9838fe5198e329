#pragma once
// Incident analytics (Tocsin's own): GET /api/v2/analytics/incidents
// ?from=&to=&group_by=severity|team|type|service&interval=day|week|month —
// MTTD, MTTA and MTTR (core/metrics) over the incidents created in a period.

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"

namespace tocsin::api::v2 {

void AddAnalyticsRoutes(Router& router, const ApiContext& ctx);

}  // namespace tocsin::api::v2
