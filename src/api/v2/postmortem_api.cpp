#include "api/v2/postmortem_api.hpp"

#include "api/v2/attachment_json.hpp"
#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "usecases/postmortems.hpp"

namespace tocsin::api::v2 {
namespace {

json OptTime(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

http::Response Json(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool WantsMarkdown(const http::Request& req) {
  if (auto f = req.Query("format")) return *f == "markdown";
  const std::string* accept = req.Header("accept");
  return accept && accept->find("text/markdown") != std::string::npos;
}

json PostmortemJson(const usecases::PostmortemView& view, const std::string& markdown) {
  const core::Incident& inc = view.incident;
  const core::Postmortem& pm = *inc.postmortem;
  json sections = json::array();
  for (const auto& s : view.document.sections) {
    sections.push_back({{"key", s.key}, {"heading", s.heading}, {"body", s.body}, {"written", s.written}});
  }
  json attendees = json::array();
  for (const auto& a : view.document.attendees) {
    attendees.push_back({{"handle", "@" + a.handle}, {"name", a.name}, {"role", a.role}});
  }
  json actions = json::array();
  for (const auto& a : view.document.action_items) {
    actions.push_back({{"action", a.action}, {"owner", a.owner.empty() ? json(nullptr) : json(a.owner)},
                       {"due_date", OptTime(a.due)}, {"done", a.done}});
  }
  json timeline = json::array();
  for (const auto& t : view.document.timeline) {
    timeline.push_back({{"at", FormatRfc3339(t.at)}, {"actor", "@" + t.actor}, {"text", t.text}});
  }
  return json{{"data",
               {{"type", "postmortems"},
                {"id", pm.id},
                {"attributes",
                 {{"title", view.document.title},
                  {"state", std::string(core::PostmortemStateName(pm.state))},
                  {"created", FormatRfc3339(pm.created)},
                  {"modified", FormatRfc3339(pm.modified)},
                  {"due", FormatRfc3339(pm.due)},
                  {"published", OptTime(pm.published)},
                  {"overdue_reminded", OptTime(pm.last_reminder)},
                  {"incident_id", inc.id},
                  {"public_id", inc.public_id},
                  {"sections", sections},
                  {"attendees", attendees},
                  {"action_items", actions},
                  {"timeline", timeline},
                  {"markdown", markdown}}},
                {"relationships", {{"incident", {{"data", {{"type", "incidents"}, {"id", inc.id}}}}}}}}}};
}

// PATCH body: {"data":{"type":"postmortems","attributes":{"state":"in_review","sections":{"root_cause":"..."}}}}.
Result<usecases::PostmortemEdit> ParseEdit(const std::string& raw) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  const json& b = *body;
  if (!b.is_object() || !b.contains("data") || !b["data"].is_object()) return InvalidArgument("data: is required");
  const json& d = b["data"];
  if (d.contains("type") && d["type"] != "postmortems") return InvalidArgument("data.type: must be 'postmortems'");
  if (!d.contains("attributes") || !d["attributes"].is_object()) return InvalidArgument("data.attributes: is required");
  const json& a = d["attributes"];
  usecases::PostmortemEdit edit;
  for (const auto& [key, value] : a.items()) {
    std::string path = "data.attributes." + key;
    if (key == "state") {
      if (!value.is_string()) return InvalidArgument(path + ": must be a string");
      auto s = core::ParsePostmortemState(value.get<std::string>());
      if (!s) {
        return InvalidArgument(path + ": unknown state '" + value.get<std::string>() +
                               "' (allowed: draft, in_review, published)");
      }
      edit.state = *s;
    } else if (key == "sections") {
      if (!value.is_object()) return InvalidArgument(path + ": must be an object of section texts");
      for (const auto& [name, text] : value.items()) {
        if (text.is_null()) {
          edit.sections[name] = std::nullopt;
        } else if (text.is_string()) {
          edit.sections[name] = text.get<std::string>();
        } else {
          return InvalidArgument(path + "." + name + ": must be a string or null");
        }
      }
    } else {
      return InvalidArgument(path + ": not a post-mortem attribute (state, sections)");
    }
  }
  return edit;
}

http::Response UseCaseError(const Error& e) {
  if (e.code != ErrorCode::kInvalidArgument) return ErrorResponse(e);
  return ErrorResponse(Error{e.code, "data.attributes." + e.message});
}

}  // namespace

void AddPostmortemRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases) {
  const ApiContext* c = &ctx;
  const std::string base = "/api/v2/incidents/{incident_id}";
  auto read = [use_cases](const http::Request& req, const std::string& id) {
    auto view = usecases::ReadPostmortem(use_cases(), id);
    if (!view) return ErrorResponse(view.error());
    std::string markdown = core::postmortem::RenderMarkdown(view->incident, view->document);
    if (WantsMarkdown(req)) {
      http::Response r;
      r.status = 200;
      r.content_type = "text/markdown; charset=utf-8";
      r.body = std::move(markdown);
      return r;
    }
    return Json(200, PostmortemJson(*view, markdown));
  };
  router.Add("GET", base + "/postmortem", Access::kApiKey,
             [read](const http::Request& req, const RouteParams& p, const core::Actor&) {
               auto id = ParseIncidentId(p["incident_id"]);
               if (!id) return ErrorResponse(id.error());
               return read(req, *id);
             });
  router.Add("PATCH", base + "/postmortem", Access::kApiKey,
             [read, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = ParseIncidentId(p["incident_id"]);
               if (!id) return ErrorResponse(id.error());
               auto edit = ParseEdit(req.body);
               if (!edit) return ErrorResponse(edit.error());
               auto done = usecases::EditPostmortem(use_cases(), *id, *edit, actor);
               if (!done) return UseCaseError(done.error());
               return read(req, *id);
             });
  router.Add("POST", base + "/attachments/postmortems", Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = ParseIncidentId(p["incident_id"]);
               if (!id) return ErrorResponse(id.error());
               // The body (title, content, template id, cells) is optional:
               // the document follows the configured template.
               if (!req.body.empty()) {
                 auto body = ParseBody(req.body);
                 if (!body) return ErrorResponse(body.error());
               }
               auto done = usecases::CreatePostmortem(use_cases(), *id, actor);
               if (!done) return ErrorResponse(done.error());
               AttachmentItem item;
               for (auto& a : IncidentAttachments(done->incident, c->config->server.public_url)) {
                 if (a.postmortem) item = std::move(a);
               }
               std::string out;
               JsonWriter w(out);
               w.BeginObject();
               w.Key("data");
               WriteAttachmentData(w, done->incident.id, item);
               w.EndObject();
               http::Response r = http::Response::Json(done->created ? 201 : 200, std::move(out));
               return r;
             });
}

}  // namespace tocsin::api::v2
