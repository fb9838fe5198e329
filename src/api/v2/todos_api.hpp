#pragma once
// Datadog's incident todos: /api/v2/incidents/{incident_id}/relationships/todos
// (create, list) and .../todos/{todo_id} (get, patch, delete), in Datadog's
// shapes (IncidentTodoResponse). The work is done by usecases/todos.

#include <functional>

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::api::v2 {

void AddTodoRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases);

}  // namespace tocsin::api::v2
