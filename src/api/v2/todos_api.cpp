#include "api/v2/todos_api.hpp"

#include <algorithm>

#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "usecases/todos.hpp"

namespace tocsin::api::v2 {
namespace {

json OptTime(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json UserRef(const core::Actor& a) {
  if (a.user_uuid.empty()) return json{{"data", nullptr}};
  return json{{"data", {{"type", "users"}, {"id", a.user_uuid}}}};
}

json ActorJson(const core::Actor& a, const core::Config& config) {
  const core::User* u = config.FindUser(a.handle);
  return json{{"type", "users"},
              {"id", a.user_uuid.empty() ? json(nullptr) : json(a.user_uuid)},
              {"attributes", {{"handle", a.handle}, {"name", u ? u->name : a.handle}, {"email", u ? u->email : ""}}}};
}

json TodoJson(const core::Todo& t, const std::string& incident_id, const core::Config& config) {
  return json{{"type", "incident_todos"},
              {"id", t.id},
              {"attributes",
               {{"content", t.content},
                {"assignees", t.assignees},
                {"due_date", OptTime(t.due)},
                {"completed", OptTime(t.completed)},
                {"incident_id", incident_id},
                {"created", FormatRfc3339(t.created)},
                {"modified", FormatRfc3339(t.modified)},
                {"created_by", ActorJson(t.created_by, config)},
                {"created_by_uuid", t.created_by.user_uuid.empty() ? json(nullptr) : json(t.created_by.user_uuid)},
                {"last_modified_by", ActorJson(t.modified_by, config)},
                {"last_modified_by_uuid",
                 t.modified_by.user_uuid.empty() ? json(nullptr) : json(t.modified_by.user_uuid)},
                // Tocsin's own: a post-mortem action item; the checklist that
                // added it, the event that ticks it, and the one that did.
                {"follow_up", t.follow_up},
                {"checklist", t.checklist.empty() ? json(nullptr) : json(t.checklist)},
                {"completes_on", t.completes_on.empty() ? json(nullptr) : json(t.completes_on)},
                {"completed_by_event", t.completed_by_event.empty() ? json(nullptr) : json(t.completed_by_event)}}},
              {"relationships",
               {{"created_by_user", UserRef(t.created_by)}, {"last_modified_by_user", UserRef(t.modified_by)}}}};
}

http::Response Json(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<std::string> IncidentIdParam(const RouteParams& p) { return ParseIncidentId(p["incident_id"]); }

Result<std::optional<TimePoint>> TimeOrNull(const json& a, const char* key) {
  const json& v = a[key];
  if (v.is_null()) return std::optional<TimePoint>();
  if (!v.is_string()) return InvalidArgument(std::string("data.attributes.") + key + ": must be an RFC 3339 time or null");
  auto t = ParseRfc3339(v.get<std::string>());
  if (!t) {
    return InvalidArgument(std::string("data.attributes.") + key + ": '" + v.get<std::string>() +
                           "' is not an RFC 3339 time");
  }
  return std::optional<TimePoint>(*t);
}

// The body of a create or a PATCH: {"data":{"type":"incident_todos","attributes":{...}}}.
Result<usecases::TodoInput> ParseTodo(const std::string& raw, const std::string& incident_id, bool create) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  const json& b = *body;
  if (!b.is_object() || !b.contains("data") || !b["data"].is_object()) return InvalidArgument("data: is required");
  const json& d = b["data"];
  if (!d.contains("type") || d["type"] != "incident_todos") {
    return InvalidArgument("data.type: must be 'incident_todos'");
  }
  if (!d.contains("attributes") || !d["attributes"].is_object()) return InvalidArgument("data.attributes: is required");
  const json& a = d["attributes"];
  usecases::TodoInput in;
  if (a.contains("content")) {
    if (!a["content"].is_string()) return InvalidArgument("data.attributes.content: must be a string");
    in.content = a["content"].get<std::string>();
  } else if (create) {
    return InvalidArgument("data.attributes.content: is required");
  }
  if (a.contains("assignees")) {
    if (!a["assignees"].is_array()) return InvalidArgument("data.attributes.assignees: must be a list of handles");
    std::vector<std::string> list;
    for (std::size_t k = 0; k < a["assignees"].size(); ++k) {
      const json& x = a["assignees"][k];
      // Datadog also allows anonymous Slack/Teams assignees ({icon,id,name,source}); Tocsin knows people by handle.
      if (!x.is_string()) {
        return InvalidArgument("data.attributes.assignees[" + std::to_string(k) + "]: must be a handle string ('@name')");
      }
      list.push_back(x.get<std::string>());
    }
    in.assignees = std::move(list);
  } else if (create) {
    in.assignees = std::vector<std::string>{};
  }
  for (const char* key : {"due_date", "completed"}) {
    if (!a.contains(key)) continue;
    auto t = TimeOrNull(a, key);
    if (!t) return tl::unexpected(t.error());
    (std::string(key) == "due_date" ? in.due : in.completed) = *t;
  }
  if (a.contains("follow_up") && !a["follow_up"].is_null()) {
    if (!a["follow_up"].is_boolean()) return InvalidArgument("data.attributes.follow_up: must be a boolean");
    in.follow_up = a["follow_up"].get<bool>();
  }
  if (a.contains("incident_id") && !(a["incident_id"].is_string() && a["incident_id"] == incident_id)) {
    if (!a["incident_id"].is_null()) return InvalidArgument("data.attributes.incident_id: does not match the path");
  }
  return in;
}

// Errors from the use case name attributes ("content: ..."); on the wire they
// live under data.attributes.
http::Response UseCaseError(const Error& e) {
  if (e.code != ErrorCode::kInvalidArgument) return ErrorResponse(e);
  return ErrorResponse(Error{e.code, "data.attributes." + e.message});
}

}  // namespace

void AddTodoRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases) {
  const std::string base = "/api/v2/incidents/{incident_id}/relationships/todos";
  const ApiContext* c = &ctx;
  router.Add("GET", base, Access::kApiKey, [c](const http::Request& req, const RouteParams& p, const core::Actor&) {
    auto id = IncidentIdParam(p);
    if (!id) return ErrorResponse(id.error());
    auto inc = c->store->GetIncident(*id);
    if (!inc) return ErrorResponse(inc.error());
    json data = json::array();
    for (const auto& t : inc->todos) data.push_back(TodoJson(t, inc->id, *c->config));
    (void)req;
    auto n = static_cast<std::int64_t>(inc->todos.size());
    return Json(200, {{"data", data}, {"meta", {{"pagination", {{"offset", 0}, {"size", n}, {"next_offset", n}}}}}});
  });
  router.Add("POST", base, Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto input = ParseTodo(req.body, *id, true);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::CreateTodo(use_cases(), *id, *input, actor);
               if (!done) return UseCaseError(done.error());
               return Json(201, {{"data", TodoJson(done->todo, done->incident.id, *c->config)}});
             });
  router.Add("GET", base + "/{todo_id}", Access::kApiKey,
             [c](const http::Request&, const RouteParams& p, const core::Actor&) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto inc = c->store->GetIncident(*id);
               if (!inc) return ErrorResponse(inc.error());
               for (const auto& t : inc->todos) {
                 if (t.id == p["todo_id"]) return Json(200, {{"data", TodoJson(t, inc->id, *c->config)}});
               }
               return ErrorResponse(404, "todo " + p["todo_id"] + " not found on incident " + *id);
             });
  router.Add("PATCH", base + "/{todo_id}", Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto input = ParseTodo(req.body, *id, false);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::UpdateTodo(use_cases(), *id, p["todo_id"], *input, actor);
               if (!done) return UseCaseError(done.error());
               return Json(200, {{"data", TodoJson(done->todo, done->incident.id, *c->config)}});
             });
  router.Add("DELETE", base + "/{todo_id}", Access::kApiKey,
             [use_cases](const http::Request&, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto done = usecases::DeleteTodo(use_cases(), *id, p["todo_id"], actor);
               if (!done) return UseCaseError(done.error());
               http::Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace tocsin::api::v2
