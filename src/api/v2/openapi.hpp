#pragma once
// The OpenAPI 3 document of the HTTP API (`GET /api/v2/openapi.json`), made
// from the route table itself, so it can never list a route the server does
// not have or miss one it has: paths and methods, path parameters, the
// credentials each route takes and the key scope its methods need.

#include <string>
#include <vector>

#include "api/v2/api.hpp"

namespace tocsin::api::v2 {

// `server_url`: the config's public_url (listed as the document's server).
std::string OpenApiDocument(const std::vector<RouteInfo>& routes, const std::string& server_url);

}  // namespace tocsin::api::v2
