#include "api/v2/impacts_api.hpp"

#include <set>

#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "usecases/impacts.hpp"

namespace tocsin::api::v2 {
namespace {

json OptTime(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json UserRef(const core::Actor& a) {
  if (a.user_uuid.empty()) return json{{"data", nullptr}};
  return json{{"data", {{"type", "users"}, {"id", a.user_uuid}}}};
}

json ImpactJson(const core::Impact& m, const std::string& incident_id) {
  return json{{"type", "incident_impacts"},
              {"id", m.id},
              {"attributes",
               {{"description", m.description},
                {"start_at", FormatRfc3339(m.start)},
                {"end_at", OptTime(m.end)},
                {"fields", json::object()},
                {"created", FormatRfc3339(m.created)},
                {"modified", FormatRfc3339(m.modified)}}},
              {"relationships",
               {{"incident", {{"data", {{"type", "incidents"}, {"id", incident_id}}}}},
                {"created_by_user", UserRef(m.created_by)},
                {"last_modified_by_user", UserRef(m.modified_by)}}}};
}

// include=created_by_user,last_modified_by_user puts those users in
// "included"; "incident" is accepted (the client offers it) and adds nothing,
// the incident being one GET away.
struct Includes {
  bool created_by = false;
  bool modified_by = false;
};

Result<Includes> ParseIncludes(const http::Request& req) {
  Includes inc;
  for (std::string_view item : QueryList(req, "include")) {
    if (item == "created_by_user") {
      inc.created_by = true;
    } else if (item == "last_modified_by_user") {
      inc.modified_by = true;
    } else if (item != "incident") {
      return InvalidArgument("include: unknown value '" + std::string(item) +
                             "' (allowed: created_by_user, last_modified_by_user, incident)");
    }
  }
  return inc;
}

http::Response Answer(int status, json data, const std::vector<core::Impact>& impacts, const Includes& inc,
                      const core::Config& config) {
  json body{{"data", std::move(data)}};
  if (inc.created_by || inc.modified_by) {
    std::string users;
    JsonWriter w(users);
    w.BeginArray();
    std::set<std::string> seen;
    auto add = [&](const core::Actor& a) {
      if (!a.user_uuid.empty() && seen.insert(a.user_uuid).second) WriteUserData(w, a, config);
    };
    for (const auto& m : impacts) {
      if (inc.created_by) add(m.created_by);
      if (inc.modified_by) add(m.modified_by);
    }
    w.EndArray();
    body["included"] = json::parse(users);
  }
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<std::string> IncidentIdParam(const RouteParams& p) { return ParseIncidentId(p["incident_id"]); }

Result<std::optional<TimePoint>> Time(const json& a, const char* key, bool nullable) {
  const json& v = a[key];
  std::string where = std::string("data.attributes.") + key;
  if (v.is_null() && nullable) return std::optional<TimePoint>();
  if (!v.is_string()) return InvalidArgument(where + (nullable ? ": must be an RFC 3339 time or null" : ": must be an RFC 3339 time"));
  auto t = ParseRfc3339(v.get<std::string>());
  if (!t) return InvalidArgument(where + ": '" + v.get<std::string>() + "' is not an RFC 3339 time");
  return std::optional<TimePoint>(*t);
}

// {"data":{"type":"incident_impacts","attributes":{description, start_at, end_at?, fields?}}}
Result<usecases::ImpactInput> ParseImpact(const std::string& raw, bool create) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  const json& b = *body;
  if (!b.is_object() || !b.contains("data")) return InvalidArgument("data: is required");
  if (!b["data"].is_object()) return InvalidArgument("data: must be an object");
  const json& d = b["data"];
  if (!d.contains("type") || d["type"] != "incident_impacts") return InvalidArgument("data.type: must be 'incident_impacts'");
  if (!d.contains("attributes") || !d["attributes"].is_object()) return InvalidArgument("data.attributes: is required");
  const json& a = d["attributes"];
  usecases::ImpactInput in;
  // An impact always has a description and a start: null cannot clear them.
  if (a.contains("description") && !(create && a["description"].is_null())) {
    if (!a["description"].is_string()) return InvalidArgument("data.attributes.description: must be a string");
    in.description = a["description"].get<std::string>();
  } else if (create) {
    return InvalidArgument("data.attributes.description: is required");
  }
  if (a.contains("start_at") && !(create && a["start_at"].is_null())) {
    auto t = Time(a, "start_at", false);
    if (!t) return tl::unexpected(t.error());
    in.start = **t;
  } else if (create) {
    return InvalidArgument("data.attributes.start_at: is required");
  }
  if (a.contains("end_at")) {
    auto t = Time(a, "end_at", true);
    if (!t) return tl::unexpected(t.error());
    in.end = *t;
  }
  // Datadog's impact fields are values of configured impact fields; Tocsin
  // configures none, so a value would be silently lost: refused instead.
  if (a.contains("fields") && !a["fields"].is_null()) {
    if (!a["fields"].is_object()) return InvalidArgument("data.attributes.fields: must be an object");
    if (!a["fields"].empty()) {
      return InvalidArgument("data.attributes.fields: impact fields are not supported (Tocsin configures none); "
                             "send {} or leave it out");
    }
  }
  return in;
}

// Use-case errors name attributes ("description: ...", "end: ...").
http::Response UseCaseError(const Error& e) {
  if (e.code != ErrorCode::kInvalidArgument) return ErrorResponse(e);
  const std::string& m = e.message;
  if (m.rfind("start: ", 0) == 0) return ErrorResponse(400, "data.attributes.start_at: " + m.substr(7));
  if (m.rfind("end: ", 0) == 0) {
    return ErrorResponse(400, "data.attributes.end_at: " + m.substr(5));
  }
  if (m.rfind("description: ", 0) == 0) return ErrorResponse(400, "data.attributes." + m);
  return ErrorResponse(e);
}

}  // namespace

void AddImpactRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases) {
  const std::string base = "/api/v2/incidents/{incident_id}/impacts";
  const ApiContext* c = &ctx;
  router.Add("GET", base, Access::kApiKey, [c](const http::Request& req, const RouteParams& p, const core::Actor&) {
    auto id = IncidentIdParam(p);
    if (!id) return ErrorResponse(id.error());
    auto includes = ParseIncludes(req);
    if (!includes) return ErrorResponse(includes.error());
    auto inc = c->store->GetIncident(*id);
    if (!inc) return ErrorResponse(inc.error());
    json data = json::array();
    for (const auto& m : inc->impacts) data.push_back(ImpactJson(m, inc->id));
    return Answer(200, std::move(data), inc->impacts, *includes, *c->config);
  });
  router.Add("POST", base, Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto includes = ParseIncludes(req);
               if (!includes) return ErrorResponse(includes.error());
               auto input = ParseImpact(req.body, true);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::AddImpact(use_cases(), *id, *input, actor);
               if (!done) return UseCaseError(done.error());
               return Answer(201, ImpactJson(done->impact, done->incident.id), {done->impact}, *includes, *c->config);
             });
  router.Add("PATCH", base + "/{impact_id}", Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto includes = ParseIncludes(req);
               if (!includes) return ErrorResponse(includes.error());
               auto input = ParseImpact(req.body, false);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::UpdateImpact(use_cases(), *id, p["impact_id"], *input, actor);
               if (!done) return UseCaseError(done.error());
               return Answer(200, ImpactJson(done->impact, done->incident.id), {done->impact}, *includes, *c->config);
             });
  router.Add("DELETE", base + "/{impact_id}", Access::kApiKey,
             [use_cases](const http::Request&, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto done = usecases::RemoveImpact(use_cases(), *id, p["impact_id"], actor);
               if (!done) return UseCaseError(done.error());
               http::Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace tocsin::api::v2
