#include "api/v2/openapi.hpp"

#include <nlohmann/json.hpp>

#include <map>

#include "api/v2/router.hpp"

namespace tocsin::api::v2 {
namespace {

using nlohmann::json;

// What a person reading the document wants to know about the main routes;
// the others are described by their method and path.
const std::map<std::string, std::string>& Summaries() {
  static const std::map<std::string, std::string> kSummaries = {
      {"GET /healthz", "The process is up"},
      {"GET /readyz", "The server is serving (503 while starting or stopping)"},
      {"GET /metrics", "Prometheus metrics"},
      {"POST /api/integrations/datadog", "Ingest a Datadog monitor webhook"},
      {"POST /api/integrations/alertmanager", "Ingest an Alertmanager webhook"},
      {"POST /api/integrations/generic", "Ingest generic JSON alerts"},
      {"POST /api/v2/alerts", "Ingest alerts pushed by Prometheus"},
      {"GET /api/v2/alerts", "Recent alerts and what each did"},
      {"GET /api/v2/incidents", "List incidents"},
      {"POST /api/v2/incidents", "Create an incident"},
      {"GET /api/v2/incidents/search", "Search incidents"},
      {"GET /api/v2/incidents/{incident_id}", "Get an incident"},
      {"PATCH /api/v2/incidents/{incident_id}", "Update an incident"},
      {"DELETE /api/v2/incidents/{incident_id}", "Delete an incident"},
      {"POST /api/v2/incidents/{incident_id}/acknowledge", "Acknowledge an incident"},
      {"GET /api/v2/incidents/{incident_id}/timeline", "An incident's timeline"},
      {"POST /api/v2/incidents/{incident_id}/timeline", "Post a note or a status update"},
      {"GET /api/v2/notifications", "Deliveries with their state and attempts"},
      {"GET /api/v2/channels", "Notification channels (names and types, never secrets)"},
      {"GET /api/v2/openapi.json", "This document"},
  };
  return kSummaries;
}

// "*" routes answer several methods (the handler refuses the others).
std::vector<std::string> MethodsOf(const RouteInfo& r) {
  if (r.method != "*") return {r.method};
  if (r.access == "ingest") return {"POST"};
  if (r.access == "public") return {"GET"};
  return {"GET", "POST", "DELETE"};
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "/api/v2/incidents/{incident_id}/todos" + "get" -> "getApiV2IncidentsIncidentIdTodos".
std::string OperationId(const std::string& method, const std::string& path) {
  std::string id = Lower(method);
  bool upper = true;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return id;
}

std::string TagOf(const std::vector<std::string>& segments) {
  if (segments.size() >= 3 && segments[0] == "api" && segments[1] == "v2") return segments[2];
  if (segments.size() >= 2 && segments[0] == "api") return segments[1];
  return "health";
}

}  // namespace

std::string OpenApiDocument(const std::vector<RouteInfo>& routes, const std::string& server_url) {
  json paths = json::object();
  for (const auto& r : routes) {
    // The API, not the web UI's pages (docs/ui.md).
    bool api = r.pattern.rfind("/api/", 0) == 0 || r.pattern == "/healthz" || r.pattern == "/readyz" ||
               r.pattern == "/metrics";
    if (!api || r.access == "session") continue;
    std::string path;
    json parameters = json::array();
    auto segments = SplitPath(r.pattern);
    for (const auto& seg : segments) {
      std::string name;
      if (seg == "*") {
        name = "path";
      } else if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        name = seg.substr(1, seg.size() - 2);
      }
      if (name.empty()) {
        path += "/" + seg;
        continue;
      }
      path += "/{" + name + "}";
      parameters.push_back({{"name", name},
                            {"in", "path"},
                            {"required", true},
                            {"schema", {{"type", "string"}}},
                            {"description", seg == "*" ? "the rest of the path (see docs/api.md)"
                                                       : name == "incident_id" ? "the incident's UUID or public id (IR-42)"
                                                                               : "identifier"}});
    }
    for (const auto& method : MethodsOf(r)) {
      json op;
      const std::string key = method + " " + r.pattern;
      auto s = Summaries().find(key);
      op["summary"] = s != Summaries().end() ? s->second : key;
      op["operationId"] = OperationId(method, path);
      op["tags"] = json::array({TagOf(segments)});
      if (!parameters.empty()) op["parameters"] = parameters;
      if (r.access == "public") {
        op["security"] = json::array();
      } else if (r.access == "scrape") {
        op["security"] = json::array({{{"apiKeyAuth", json::array()}, {"appKeyAuth", json::array()}},
                                      {{"scrapeBasic", json::array()}}});
        op["x-tocsin-scope"] = "read";
      } else if (r.access == "ingest") {
        op["security"] = json::array({{{"ingestBearer", json::array()}}, {{"apiKeyAuth", json::array()}}});
      } else {
        op["security"] = json::array(
            {{{"apiKeyAuth", json::array()}, {"appKeyAuth", json::array()}}, {{"sessionCookie", json::array()}}});
        op["x-tocsin-scope"] = (method == "GET" || method == "HEAD") ? "read" : r.write_scope;
      }
      if (method == "POST" || method == "PATCH" || method == "PUT") {
        op["requestBody"] = {{"required", r.access == "ingest"},
                             {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
      }
      op["responses"] = {{"2XX", {{"description", "Success"}}},
                         {"default", {{"description", "An error, naming the member and the problem"},
                                      {"content", {{"application/json",
                                                    {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
      paths[path][Lower(method)] = std::move(op);
    }
  }
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Tocsin API"},
        {"version", "0.1.0"},
        {"description",
         "Datadog's Incidents API v2 (wire-compatible) and Tocsin's own endpoints. Generated from the server's "
         "route table. Key scopes: x-tocsin-scope on each operation (docs/api.md)."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"apiKeyAuth", {{"type", "apiKey"}, {"in", "header"}, {"name", "DD-API-KEY"}}},
          {"appKeyAuth", {{"type", "apiKey"}, {"in", "header"}, {"name", "DD-APPLICATION-KEY"}}},
          {"sessionCookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "tocsin_session"}}},
          {"ingestBearer", {{"type", "http"}, {"scheme", "bearer"}}},
          {"scrapeBasic", {{"type", "http"}, {"scheme", "basic"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"properties", {{"errors", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}}},
  };
  if (!server_url.empty()) doc["servers"] = json::array({{{"url", server_url}}});
  return doc.dump(2);
}

}  // namespace tocsin::api::v2
