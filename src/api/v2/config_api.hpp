#pragma once
// Datadog's incident configuration endpoints, read-only: the config file owns
// incident types, template fields, the post-mortem template and the rules, so
// /api/v2/incidents/config/{types, user-defined-fields, postmortem-templates,
// rules, notification-rules}[/{id}] answer GET in Datadog's shapes (the npm
// client 1.64.0 models) and every write with 405.

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"

namespace tocsin::api::v2 {

void AddConfigRoutes(Router& router, const ApiContext& ctx);

}  // namespace tocsin::api::v2
