#include "api/v2/attachments_api.hpp"

#include <set>

#include "api/v2/attachment_json.hpp"
#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "usecases/attachments.hpp"

namespace tocsin::api::v2 {
namespace {

constexpr std::size_t kMaxBulkItems = 200;
constexpr const char* kPostmortemPath = "POST /api/v2/incidents/{incident_id}/attachments/postmortems";

http::Response Json(int status, std::string body) { return http::Response::Json(status, std::move(body)); }

// Which kinds a list answers: filter[attachment_type] = link | postmortem, or
// Datadog's numbers (1 = postmortem, 2 = link); a comma-separated list too.
struct TypeFilter {
  bool links = true;
  bool postmortem = true;
};

Result<TypeFilter> ParseTypeFilter(const http::Request& req) {
  if (!req.Query("filter[attachment_type]")) return TypeFilter{};
  TypeFilter f{false, false};
  auto items = QueryList(req, "filter[attachment_type]");
  if (items.empty()) return InvalidArgument("filter[attachment_type]: give link, postmortem, 1 or 2");
  for (std::string_view item : items) {
    if (item == "link" || item == "2") {
      f.links = true;
    } else if (item == "postmortem" || item == "1") {
      f.postmortem = true;
    } else {
      return InvalidArgument("filter[attachment_type]: unknown value '" + std::string(item) +
                             "' (allowed: link, postmortem, or Datadog's 1 = postmortem, 2 = link)");
    }
  }
  return f;
}

// include=last_modified_by_user puts the users who last changed the
// attachments in "included".
Result<bool> ParseInclude(const http::Request& req) {
  bool users = false;
  for (std::string_view item : QueryList(req, "include")) {
    if (item != "last_modified_by_user") {
      return InvalidArgument("include: unknown value '" + std::string(item) + "' (allowed: last_modified_by_user)");
    }
    users = true;
  }
  return users;
}

// {"data": <one or a list>, "included": [users]} (included only when asked for).
std::string Answer(const std::string& incident_id, const std::vector<AttachmentItem>& items, bool list,
                   bool include_users, const core::Config& config) {
  std::string out;
  out.reserve(256 + 512 * items.size());
  JsonWriter w(out);
  w.BeginObject();
  w.Key("data");
  if (list) w.BeginArray();
  for (const auto& item : items) WriteAttachmentData(w, incident_id, item);
  if (list) w.EndArray();
  if (include_users) {
    w.Key("included");
    w.BeginArray();
    std::set<std::string> seen;
    for (const auto& item : items) {
      if (!item.modified_by.user_uuid.empty() && seen.insert(item.modified_by.user_uuid).second) {
        WriteUserData(w, item.modified_by, config);
      }
    }
    w.EndArray();
  }
  w.EndObject();
  return out;
}

Result<std::string> IncidentIdParam(const RouteParams& p) { return ParseIncidentId(p["incident_id"]); }

// data[.attributes].attachment_type: "link" (or absent where allowed); a
// post-mortem is created through its own endpoint.
Result<void> CheckLinkType(const json& a, const std::string& where, bool required) {
  if (!a.contains("attachment_type")) {
    if (required) return InvalidArgument(where + ".attachment_type: is required ('link')");
    return {};
  }
  const json& t = a["attachment_type"];
  if (t == "postmortem") {
    return InvalidArgument(where + ".attachment_type: 'postmortem' attachments are created with " +
                           std::string(kPostmortemPath) + "; this endpoint adds links");
  }
  if (t != "link") return InvalidArgument(where + ".attachment_type: must be 'link'");
  return {};
}

// attributes.attachment {documentUrl, title} into a LinkInput.
Result<usecases::LinkInput> ParseAttachment(const json& a, const std::string& where, bool create) {
  usecases::LinkInput in;
  if (!a.contains("attachment") || a["attachment"].is_null()) {
    if (create) return InvalidArgument(where + ".attachment.documentUrl: is required");
    return in;
  }
  const json& att = a["attachment"];
  if (!att.is_object()) return InvalidArgument(where + ".attachment: must be an object {documentUrl, title}");
  // A link always has a URL: null cannot clear it. A null title is "show the URL".
  if (att.contains("documentUrl") && !(create && att["documentUrl"].is_null())) {
    if (!att["documentUrl"].is_string()) return InvalidArgument(where + ".attachment.documentUrl: must be a string");
    in.url = att["documentUrl"].get<std::string>();
  } else if (create) {
    return InvalidArgument(where + ".attachment.documentUrl: is required");
  }
  if (att.contains("title")) {
    if (!att["title"].is_string() && !att["title"].is_null()) {
      return InvalidArgument(where + ".attachment.title: must be a string");
    }
    in.title = att["title"].is_null() ? std::string() : att["title"].get<std::string>();
  }
  return in;
}

Result<const json*> DataObject(const json& b) {
  if (!b.is_object() || !b.contains("data")) return InvalidArgument("data: is required");
  if (!b["data"].is_object()) return InvalidArgument("data: must be an object");
  const json& d = b["data"];
  if (!d.contains("type") || d["type"] != kAttachmentType) {
    return InvalidArgument("data.type: must be 'incident_attachments'");
  }
  return &d;
}

Result<usecases::LinkInput> ParseCreate(const std::string& raw) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  auto d = DataObject(*body);
  if (!d) return tl::unexpected(d.error());
  const json& data = **d;
  if (!data.contains("attributes") || !data["attributes"].is_object()) {
    return InvalidArgument("data.attributes: is required");
  }
  const json& a = data["attributes"];
  if (auto ok = CheckLinkType(a, "data.attributes", true); !ok) return tl::unexpected(ok.error());
  return ParseAttachment(a, "data.attributes", true);
}

Result<usecases::LinkInput> ParsePatch(const std::string& raw, const std::string& attachment_id) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  auto d = DataObject(*body);
  if (!d) return tl::unexpected(d.error());
  const json& data = **d;
  if (data.contains("id") && !data["id"].is_null() && data["id"] != attachment_id) {
    return InvalidArgument("data.id: does not match the attachment id in the path");
  }
  if (!data.contains("attributes") || data["attributes"].is_null()) return usecases::LinkInput{};
  if (!data["attributes"].is_object()) return InvalidArgument("data.attributes: must be an object");
  const json& a = data["attributes"];
  if (auto ok = CheckLinkType(a, "data.attributes", false); !ok) return tl::unexpected(ok.error());
  return ParseAttachment(a, "data.attributes", false);
}

// The legacy bulk body: {"data": [{"type", "id"?, "attributes"?}, ...]}.
Result<std::vector<usecases::LinkChange>> ParseBulk(const std::string& raw) {
  auto body = ParseBody(raw);
  if (!body) return tl::unexpected(body.error());
  const json& b = *body;
  if (!b.is_object() || !b.contains("data")) return InvalidArgument("data: is required");
  if (!b["data"].is_array()) return InvalidArgument("data: must be a list of attachments");
  if (b["data"].size() > kMaxBulkItems) {
    return InvalidArgument("data: at most " + std::to_string(kMaxBulkItems) + " attachments per request");
  }
  std::vector<usecases::LinkChange> out;
  for (std::size_t k = 0; k < b["data"].size(); ++k) {
    const json& item = b["data"][k];
    std::string where = "data[" + std::to_string(k) + "]";
    if (!item.is_object()) return InvalidArgument(where + ": must be an object");
    if (!item.contains("type") || item["type"] != kAttachmentType) {
      return InvalidArgument(where + ".type: must be 'incident_attachments'");
    }
    usecases::LinkChange change;
    if (item.contains("id") && !item["id"].is_null()) {
      if (!item["id"].is_string()) return InvalidArgument(where + ".id: must be a string");
      change.id = item["id"].get<std::string>();
    }
    if (item.contains("attributes") && !item["attributes"].is_null()) {
      const json& a = item["attributes"];
      if (!a.is_object()) return InvalidArgument(where + ".attributes: must be an object");
      if (auto ok = CheckLinkType(a, where + ".attributes", false); !ok) return tl::unexpected(ok.error());
      auto in = ParseAttachment(a, where + ".attributes", !change.id);
      if (!in) return tl::unexpected(in.error());
      change.input = std::move(*in);
    } else if (!change.id) {
      return InvalidArgument(where + ": an attachment without an id is created, so it needs attributes");
    }
    out.push_back(std::move(change));
  }
  return out;
}

// Use-case errors name attributes ("url: ...", "[2].title: ..."); on the wire
// they live under data(.k).attributes.attachment.
http::Response UseCaseError(const Error& e) {
  if (e.code != ErrorCode::kInvalidArgument) return ErrorResponse(e);
  std::string m = e.message;
  std::string prefix = "data";
  if (m.rfind("[", 0) == 0) {
    std::size_t close = m.find("].");
    if (close != std::string::npos) {
      prefix += m.substr(0, close + 1);
      m.erase(0, close + 2);
    }
  }
  if (m.rfind("url: ", 0) == 0) return ErrorResponse(400, prefix + ".attributes.attachment.documentUrl: " + m.substr(5));
  if (m.rfind("title: ", 0) == 0) return ErrorResponse(400, prefix + ".attributes.attachment.title: " + m.substr(7));
  if (m.rfind("attachment_id: ", 0) == 0) return ErrorResponse(400, m + " (" + kPostmortemPath + ")");
  return ErrorResponse(e);
}

}  // namespace

void AddAttachmentRoutes(Router& router, const ApiContext& ctx, std::function<usecases::Context()> use_cases) {
  const std::string base = "/api/v2/incidents/{incident_id}/attachments";
  const ApiContext* c = &ctx;
  router.Add("GET", base, Access::kApiKey, [c](const http::Request& req, const RouteParams& p, const core::Actor&) {
    auto id = IncidentIdParam(p);
    if (!id) return ErrorResponse(id.error());
    auto filter = ParseTypeFilter(req);
    if (!filter) return ErrorResponse(filter.error());
    auto users = ParseInclude(req);
    if (!users) return ErrorResponse(users.error());
    auto inc = c->store->GetIncident(*id);
    if (!inc) return ErrorResponse(inc.error());
    std::vector<AttachmentItem> items;
    for (auto& item : IncidentAttachments(*inc, c->config->server.public_url)) {
      if (item.postmortem ? filter->postmortem : filter->links) items.push_back(std::move(item));
    }
    return Json(200, Answer(inc->id, items, true, *users, *c->config));
  });
  router.Add("POST", base, Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto users = ParseInclude(req);
               if (!users) return ErrorResponse(users.error());
               auto input = ParseCreate(req.body);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::AddLink(use_cases(), *id, *input, actor);
               if (!done) return UseCaseError(done.error());
               return Json(201, Answer(done->incident.id, {LinkItem(done->link)}, false, *users, *c->config));
             });
  router.Add("PATCH", base, Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto changes = ParseBulk(req.body);
               if (!changes) return ErrorResponse(changes.error());
               auto done = usecases::ChangeLinks(use_cases(), *id, *changes, actor);
               if (!done) return UseCaseError(done.error());
               std::vector<AttachmentItem> items;
               for (const auto& link : *done) items.push_back(LinkItem(link));
               return Json(200, Answer(*id, items, true, false, *c->config));
             });
  router.Add("PATCH", base + "/{attachment_id}", Access::kApiKey,
             [c, use_cases](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto users = ParseInclude(req);
               if (!users) return ErrorResponse(users.error());
               auto input = ParsePatch(req.body, p["attachment_id"]);
               if (!input) return ErrorResponse(input.error());
               auto done = usecases::UpdateLink(use_cases(), *id, p["attachment_id"], *input, actor);
               if (!done) return UseCaseError(done.error());
               return Json(200, Answer(done->incident.id, {LinkItem(done->link)}, false, *users, *c->config));
             });
  router.Add("DELETE", base + "/{attachment_id}", Access::kApiKey,
             [use_cases](const http::Request&, const RouteParams& p, const core::Actor& actor) {
               auto id = IncidentIdParam(p);
               if (!id) return ErrorResponse(id.error());
               auto done = usecases::RemoveLink(use_cases(), *id, p["attachment_id"], actor);
               if (!done) return UseCaseError(done.error());
               http::Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace tocsin::api::v2
