#pragma once
// Datadog's incident attachments, /api/v2/incidents/{incident_id}/attachments:
// list (filter[attachment_type]), create a link, change and delete one
// (.../attachments/{attachment_id}), and the older bulk PATCH of the list
// itself. The incident's post-mortem is listed among them (type
// "postmortem") but only read here. The work is done by usecases/attachments;
// the JSON shapes are in attachment_json.hpp.

#include <functional>

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::api::v2 {

void AddAttachmentRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases);

}  // namespace tocsin::api::v2
