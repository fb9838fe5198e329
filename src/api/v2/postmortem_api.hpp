#pragma once
// Post-mortems: GET/PATCH /api/v2/incidents/{incident_id}/postmortem (Tocsin's
// own: Datadog has no public post-mortem document API; Markdown with
// `Accept: text/markdown`, JSON otherwise) and Datadog's
// POST /api/v2/incidents/{incident_id}/attachments/postmortems, which asks for
// a post-mortem where the severity does not require one. The work is done by
// usecases/postmortems.

#include <functional>

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::api::v2 {

void AddPostmortemRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases);

}  // namespace tocsin::api::v2
