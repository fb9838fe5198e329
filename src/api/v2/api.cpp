#include "api/v2/api.hpp"

#include <algorithm>
#include <charconv>

#include "api/v2/alerts_api.hpp"
#include "api/v2/auth.hpp"
#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "api/v2/notifications_api.hpp"
#include "api/v2/oncall_api.hpp"
#include "common/random.hpp"
#include "core/incident/incident_patch.hpp"
#include "core/notification/contact.hpp"

namespace tocsin::api::v2 {
namespace {

constexpr std::int64_t kMaxPageSize = 100;
constexpr std::int64_t kDefaultPageSize = 10;

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Result<std::int64_t> IntParam(const http::Request& req, const std::string& name, std::int64_t def, std::int64_t min,
                              std::int64_t max) {
  auto v = req.Query(name);
  if (!v) return def;
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return InvalidArgument(name + ": must be an integer, got '" + *v + "'");
  }
  if (out < min || out > max) {
    return InvalidArgument(name + ": must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + *v);
  }
  return out;
}

struct Includes {
  bool users = false;
  bool attachments = false;
};

Result<Includes> ParseIncludes(const http::Request& req) {
  Includes inc;
  auto range = req.query.equal_range("include");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t end = v.find(',', start);
      if (end == std::string_view::npos) end = v.size();
      std::string_view item = v.substr(start, end - start);
      if (item == "users") {
        inc.users = true;
      } else if (item == "attachments") {
        inc.attachments = true;
      } else if (!item.empty()) {
        return InvalidArgument("include: unknown value '" + std::string(item) + "' (allowed: users, attachments)");
      }
      start = end + 1;
    }
  }
  return inc;
}

http::Response JsonResponse(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json Pagination(std::int64_t offset, std::size_t count) {
  auto n = static_cast<std::int64_t>(count);
  return json{{"pagination", {{"offset", offset}, {"size", n}, {"next_offset", offset + n}}}};
}

}  // namespace

struct ApiV2::Impl {
  ApiContext ctx;
  RateLimiter limiter;
  AlertsApi alerts;

  explicit Impl(ApiContext c)
      : ctx(std::move(c)),
        limiter(ctx.config->server.rate_limit_requests, ctx.config->server.rate_limit_period),
        alerts(ctx) {}

  const core::Config& config() const { return *ctx.config; }

  http::Response Route(const http::Request& req) {
    auto parts = SplitPath(req.path);
    if (req.path == "/healthz") return JsonResponse(200, {{"status", "ok"}});
    if (req.path == "/readyz") {
      bool ready = !ctx.ready || ctx.ready();
      return JsonResponse(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}});
    }
    if (req.path == "/metrics" && req.method == "GET") return Metrics();
    if (parts.size() < 2 || parts[0] != "api") return ErrorResponse(404, "Not found");
    // Alert senders authenticate with an ingestion key, not the API key pair.
    if (parts.size() == 3 && parts[1] == "integrations" &&
        (parts[2] == "datadog" || parts[2] == "alertmanager" || parts[2] == "generic")) {
      return alerts.Ingest(req, parts[2]);
    }
    if (parts.size() == 3 && parts[1] == "v2" && parts[2] == "alerts" && req.method == "POST") {
      return alerts.Ingest(req, "prometheus");
    }

    // Calendar apps cannot send headers: .ics feeds also take the key pair as
    // ?api_key=&application_key= query parameters.
    http::Request with_keys;
    const http::Request* auth_req = &req;
    if (req.path.size() > 4 && req.path.compare(req.path.size() - 4, 4, ".ics") == 0 && !req.Header("dd-api-key")) {
      with_keys = req;
      if (auto k = req.Query("api_key")) with_keys.headers["dd-api-key"] = *k;
      if (auto k = req.Query("application_key")) with_keys.headers["dd-application-key"] = *k;
      auth_req = &with_keys;
    }
    auto principal = Authenticate(*ctx.store, *auth_req);
    if (!principal) return ErrorResponse(principal.error());
    http::Response limited;
    if (!limiter.Admit(principal->key_id, ctx.clock->Now(), limited)) {
      auto r = ErrorResponse(429, "Too many requests");
      r.headers = limited.headers;
      return r;
    }
    http::Response res = Dispatch(req, parts, principal->actor);
    res.headers.insert(res.headers.end(), limited.headers.begin(), limited.headers.end());
    return res;
  }

  http::Response Dispatch(const http::Request& req, const std::vector<std::string>& p, const core::Actor& actor) {
    const std::string& m = req.method;
    if (p.size() == 3 && p[1] == "v1" && p[2] == "validate" && m == "GET") return JsonResponse(200, {{"valid", true}});
    if (p.size() >= 4 && p[1] == "v2" && p[2] == "on-call") return HandleOnCall(ctx, req, p, actor);
    if (p.size() == 3 && p[1] == "v2" && p[2] == "notifications") {
      if (m == "GET") return ListNotifications(ctx, req);
      return MethodNotAllowed("GET");
    }
    if (p.size() == 3 && p[1] == "v2" && p[2] == "channels") {
      if (m == "GET") return ListChannels(ctx);
      return MethodNotAllowed("GET");
    }
    if (p.size() == 5 && p[1] == "v2" && p[2] == "channels" && p[4] == "test") {
      if (m == "POST") return TestChannel(ctx, p[3]);
      return MethodNotAllowed("POST");
    }
    if (p.size() == 3 && p[1] == "v2" && p[2] == "alerts") {
      if (m == "GET") return alerts.List(req);
      return MethodNotAllowed("GET, POST");
    }
    if (p.size() < 3 || p[1] != "v2" || p[2] != "incidents") return ErrorResponse(404, "Not found");
    if (p.size() == 3) {
      if (m == "GET") return List(req);
      if (m == "POST") return Create(req, actor);
      return MethodNotAllowed("GET, POST");
    }
    if (p.size() == 4 && p[3] == "search") {
      if (m == "GET") return Search(req);
      return MethodNotAllowed("GET");
    }
    auto id = IncidentId(p[3]);
    if (!id) return ErrorResponse(id.error());
    if (p.size() == 4) {
      if (m == "GET") return Get(req, *id);
      if (m == "PATCH") return Update(req, *id, actor);
      if (m == "DELETE") return Delete(*id, actor);
      return MethodNotAllowed("GET, PATCH, DELETE");
    }
    if (p.size() == 5 && p[4] == "acknowledge") {
      if (m == "POST") return Acknowledge(*id, actor);
      return MethodNotAllowed("POST");
    }
    if (p.size() == 5 && p[4] == "timeline") {
      if (m == "GET") return GetTimeline(req, *id);
      if (m == "POST") return PostTimeline(req, *id, actor);
      return MethodNotAllowed("GET, POST");
    }
    return ErrorResponse(404, "Not found");
  }

  // Prometheus text format: deliveries by state (so a give-up shows on a
  // dashboard and can alert), and the server's readiness.
  http::Response Metrics() {
    std::string out =
        "# HELP tocsin_notifications Notification deliveries in the outbox, by state.\n"
        "# TYPE tocsin_notifications gauge\n";
    for (auto state : {core::DeliveryState::kQueued, core::DeliveryState::kSending, core::DeliveryState::kDelivered,
                       core::DeliveryState::kFailed, core::DeliveryState::kGaveUp, core::DeliveryState::kCancelled}) {
      auto n = ctx.store->CountDeliveries(state);
      if (!n) return ErrorResponse(n.error());
      out += "tocsin_notifications{state=\"" + std::string(core::DeliveryStateName(state)) + "\"} " +
             std::to_string(*n) + "\n";
    }
    out += "# HELP tocsin_ready Whether the server is serving (1) or starting/stopping (0).\n"
           "# TYPE tocsin_ready gauge\n"
           "tocsin_ready " + std::string(!ctx.ready || ctx.ready() ? "1" : "0") + "\n";
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = std::move(out);
    return r;
  }

  static http::Response MethodNotAllowed(const char* allowed) {
    auto r = ErrorResponse(405, "Method not allowed");
    r.headers.emplace_back("Allow", allowed);
    return r;
  }

  static Result<std::string> IncidentId(const std::string& raw) {
    if (!IsUuid(raw)) return InvalidArgument("incident_id: '" + raw + "' is not a UUID");
    std::string id = raw;
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    return id;
  }

  http::Response IncidentAnswer(int status, const core::Incident& inc, const Includes& includes) {
    Included included = includes.users ? Included::kUsers : includes.attachments ? Included::kEmpty : Included::kNone;
    return http::Response::Json(status, IncidentAnswerBody(inc, included, config()));
  }

  http::Response Create(const http::Request& req, const core::Actor& actor) {
    auto body = ParseBody(req.body);
    if (!body) return ErrorResponse(body.error());
    auto parsed = ParseCreate(*body, config());
    if (!parsed) return ErrorResponse(parsed.error());
    for (std::size_t i = 0; i < parsed->initial_cells.size(); ++i) {
      auto ok = core::CheckCellText(parsed->initial_cells[i],
                                    "data.attributes.initial_cells[" + std::to_string(i) + "].content.content");
      if (!ok) return ErrorResponse(ok.error());
    }
    TimePoint now = ctx.clock->Now();
    core::Incident inc = std::move(parsed->draft);
    inc.id = ctx.new_id();
    inc.created = inc.modified = now;
    inc.created_by = inc.modified_by = actor;
    if (!inc.detected) inc.detected = now;
    if (core::IsClosed(inc.state)) inc.resolved = now;
    inc.version = 1;
    std::vector<core::NewEvent> events;
    events.push_back({now, actor, std::string(core::kEventCreated), "Incident declared: " + inc.title,
                      {{"severity", "", inc.severity}, {"state", "", std::string(core::StateName(inc.state))}}});
    for (const auto& cell : parsed->initial_cells) {
      events.push_back({now, actor, std::string(core::kEventNote), cell, {}});
    }
    auto created = ctx.store->CreateIncident(std::move(inc), std::move(events));
    if (!created) return ErrorResponse(created.error());
    return IncidentAnswer(201, *created, {});
  }

  http::Response Get(const http::Request& req, const std::string& id) {
    auto includes = ParseIncludes(req);
    if (!includes) return ErrorResponse(includes.error());
    auto inc = ctx.store->GetIncident(id);
    if (!inc) return ErrorResponse(inc.error());
    return IncidentAnswer(200, *inc, *includes);
  }

  http::Response Update(const http::Request& req, const std::string& id, const core::Actor& actor) {
    auto includes = ParseIncludes(req);
    if (!includes) return ErrorResponse(includes.error());
    auto body = ParseBody(req.body);
    if (!body) return ErrorResponse(body.error());
    auto patch = ParseUpdate(*body, id, config());
    if (!patch) return ErrorResponse(patch.error());
    TimePoint now = ctx.clock->Now();
    auto updated = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
      auto outcome = core::ApplyPatch(current, *patch, actor, now);
      if (!outcome) return tl::unexpected(outcome.error());
      core::Mutation m{std::move(outcome->incident), {}, {}};
      if (!outcome->changes.empty()) {
        m.events.push_back({now, actor, std::string(core::kEventUpdated), "Incident updated", outcome->changes});
      }
      for (const auto& change : outcome->changes) {
        if (change.field == "state" && core::IsClosed(m.incident.state) && !core::IsClosed(current.state)) {
          Notify(m, "incident_resolved", "resolved by @" + actor.handle, now);
          NotifyPagedContacts(m, "incident_resolved", "resolved by @" + actor.handle, now);
        } else if (change.field == "severity") {
          Notify(m, "severity_changed", "severity " + change.from + " -> " + change.to + " by @" + actor.handle, now);
        }
      }
      return m;
    });
    if (!updated) return ErrorResponse(updated.error());
    Wake();
    return IncidentAnswer(200, *updated, *includes);
  }

  // Queues a notification of `kind` to every channel that follows the incident.
  static void Notify(core::Mutation& m, const std::string& kind, const std::string& reason, TimePoint now) {
    for (const auto& channel : m.incident.channels) {
      m.notifications.push_back({channel, m.incident.id, kind, now, reason});
      m.events.push_back({now, core::Actor{"", "tocsin-notify"}, "notification_queued",
                          "Notification queued for " + channel + " (" + kind + ")", {}});
    }
  }

  // People paged through their own PagerDuty service hear of the acknowledgement
  // and resolution there too, so that PagerDuty stops paging them.
  static void NotifyPagedContacts(core::Mutation& m, const std::string& kind, const std::string& reason, TimePoint now) {
    for (auto& item : core::PagerDutyFollowUps(m.incident, kind, reason, now)) {
      m.events.push_back({now, core::Actor{"", "tocsin-notify"}, "notification_queued",
                          "Notification queued for @" + item.to.user + "'s PagerDuty via " + item.channel + " (" + kind + ")",
                          {}});
      m.notifications.push_back(std::move(item));
    }
  }

  void Wake() {
    if (ctx.wake_outbox) ctx.wake_outbox();
  }

  // POST /api/v2/incidents/{id}/acknowledge: records who and when (MTTA),
  // idempotent; an acknowledged incident stops escalating.
  http::Response Acknowledge(const std::string& id, const core::Actor& actor) {
    TimePoint now = ctx.clock->Now();
    auto updated = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
      if (core::IsClosed(current.state)) {
        return MakeError(ErrorCode::kConflict, "incident " + id + " is " + std::string(core::StateName(current.state)) +
                                                   "; only open incidents can be acknowledged");
      }
      core::Mutation m{current, {}, {}};
      if (current.acknowledged) return m;  // already acknowledged: nothing changes
      m.incident.acknowledged = now;
      m.incident.acknowledged_by = actor;
      m.incident.modified = now;
      m.incident.modified_by = actor;
      ++m.incident.version;
      m.events.push_back({now, actor, "acknowledged", "Acknowledged by @" + actor.handle,
                          {{"acknowledged", "", FormatRfc3339(now)}}});
      Notify(m, "acknowledged", "acknowledged by @" + actor.handle, now);
      NotifyPagedContacts(m, "acknowledged", "acknowledged by @" + actor.handle, now);
      return m;
    });
    if (!updated) return ErrorResponse(updated.error());
    Wake();
    return IncidentAnswer(200, *updated, {});
  }

  http::Response Delete(const std::string& id, const core::Actor& actor) {
    TimePoint now = ctx.clock->Now();
    auto deleted = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
      core::Mutation m{current, {}};
      m.incident.deleted = true;
      m.incident.modified = now;
      m.incident.modified_by = actor;
      ++m.incident.version;
      m.events.push_back({now, actor, std::string(core::kEventDeleted), "Incident deleted", {}});
      return m;
    });
    if (!deleted) return ErrorResponse(deleted.error());
    http::Response r;
    r.status = 204;
    return r;
  }

  http::Response Page(const http::Request& req, core::SearchRequest search, bool search_shape) {
    auto includes = ParseIncludes(req);
    if (!includes) return ErrorResponse(includes.error());
    auto size = IntParam(req, "page[size]", kDefaultPageSize, 1, kMaxPageSize);
    if (!size) return ErrorResponse(size.error());
    auto offset = IntParam(req, "page[offset]", 0, 0, std::numeric_limits<std::int32_t>::max());
    if (!offset) return ErrorResponse(offset.error());
    search.limit = *size;
    search.offset = *offset;
    search.with_facets = search_shape;
    search.with_total = search_shape;  // the list answer has no total
    auto page = ctx.store->SearchIncidents(search);
    if (!page) return ErrorResponse(page.error());
    Included included = includes->users         ? Included::kUsers
                        : includes->attachments ? Included::kEmpty
                                                : Included::kNone;
    SearchAnswer search_answer{&page->facets, page->total};
    return http::Response::Json(
        200, IncidentPageBody(page->incidents, *offset, included, search_shape ? &search_answer : nullptr, config(),
                              &page->content_keys));
  }

  http::Response List(const http::Request& req) {
    core::SearchRequest search;
    // The seed lists active incidents with filter[status]=active (comma lists allowed).
    for (const char* key : {"filter[status]", "filter[state]"}) {
      auto v = req.Query(key);
      if (!v) continue;
      core::Query any{core::Query::Kind::kOr, "", "", {}};
      std::size_t start = 0;
      while (start <= v->size()) {
        std::size_t end = v->find(',', start);
        if (end == std::string::npos) end = v->size();
        std::string state = v->substr(start, end - start);
        if (!core::ParseStateName(state)) {
          return ErrorResponse(400, std::string(key) + ": unknown state '" + state +
                                        "' (allowed: active, stable, resolved, completed)");
        }
        // Each state once: a long list of repeats would otherwise become an
        // SQL expression too deep for SQLite.
        bool repeat = std::any_of(any.children.begin(), any.children.end(),
                                  [&state](const core::Query& q) { return q.value == state; });
        if (!repeat) any.children.push_back({core::Query::Kind::kTerm, "state", state, {}});
        start = end + 1;
      }
      search.query = std::move(any);
    }
    return Page(req, std::move(search), false);
  }

  http::Response Search(const http::Request& req) {
    auto text = req.Query("query");
    if (!text) return ErrorResponse(400, "query: is required");
    auto query = core::ParseQuery(*text);
    if (!query) return ErrorResponse(query.error());
    core::SearchRequest search;
    search.query = std::move(*query);
    if (auto sort = req.Query("sort")) {
      if (*sort == "created") {
        search.newest_first = false;
      } else if (*sort != "-created") {
        return ErrorResponse(400, "sort: must be 'created' or '-created', got '" + *sort + "'");
      }
    }
    return Page(req, std::move(search), true);
  }

  static json CellJson(const core::TimelineEvent& e) {
    json changes = json::array();
    for (const auto& c : e.changes) changes.push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}});
    bool markdown = e.kind == core::kEventNote || e.kind == core::kEventStatusUpdate;
    return json{{"id", std::to_string(e.seq)},
                {"type", "incident_timeline_cells"},
                {"attributes",
                 {{"cell_type", markdown ? "markdown" : "event"},
                  {"kind", e.kind},
                  {"content", {{"content", e.message}}},
                  {"changes", changes},
                  {"created", FormatRfc3339(e.at)},
                  {"author", {{"handle", e.actor.handle},
                              {"uuid", e.actor.user_uuid.empty() ? json(nullptr) : json(e.actor.user_uuid)}}}}},
                {"relationships", {{"incident", {{"data", {{"type", "incidents"}, {"id", e.incident_id}}}}}}}};
  }

  http::Response GetTimeline(const http::Request& req, const std::string& id) {
    auto size = IntParam(req, "page[size]", 100, 1, 1000);
    if (!size) return ErrorResponse(size.error());
    auto offset = IntParam(req, "page[offset]", 0, 0, std::numeric_limits<std::int32_t>::max());
    if (!offset) return ErrorResponse(offset.error());
    auto events = ctx.store->Timeline(id, *offset, *size);
    if (!events) return ErrorResponse(events.error());
    json data = json::array();
    for (const auto& e : *events) data.push_back(CellJson(e));
    return JsonResponse(200, {{"data", data}, {"meta", Pagination(*offset, events->size())}});
  }

  http::Response PostTimeline(const http::Request& req, const std::string& id, const core::Actor& actor) {
    auto body = ParseBody(req.body);
    if (!body) return ErrorResponse(body.error());
    const json& b = *body;
    if (!b.is_object() || !b.contains("data") || !b["data"].is_object()) return ErrorResponse(400, "data: is required");
    const json& d = b["data"];
    if (!d.contains("type") || d["type"] != "incident_timeline_cells") {
      return ErrorResponse(400, "data.type: must be 'incident_timeline_cells'");
    }
    if (!d.contains("attributes") || !d["attributes"].is_object()) return ErrorResponse(400, "data.attributes: is required");
    const json& a = d["attributes"];
    std::string kind = std::string(core::kEventNote);
    if (a.contains("kind")) {
      if (!a["kind"].is_string() || (a["kind"] != "note" && a["kind"] != "status_update")) {
        return ErrorResponse(400, "data.attributes.kind: must be 'note' or 'status_update'");
      }
      kind = a["kind"];
    }
    std::string content;
    std::string content_field = "data.attributes.content.content";
    if (a.contains("content") && a["content"].is_string()) {
      content = a["content"];
      content_field = "data.attributes.content";
    } else if (a.contains("content") && a["content"].is_object() && a["content"].contains("content") &&
               a["content"]["content"].is_string()) {
      content = a["content"]["content"];
    } else {
      return ErrorResponse(400, "data.attributes.content.content: is required (a string)");
    }
    if (content.empty()) return ErrorResponse(400, content_field + ": must not be empty");
    if (auto ok = core::CheckCellText(content, content_field); !ok) return ErrorResponse(ok.error());
    TimePoint now = ctx.clock->Now();
    if (kind == core::kEventStatusUpdate) {
      // A status update resets the cadence clock and goes to the incident's channels.
      // The store answers the events it appended, so the timeline (which may
      // be huge) is never read back to find this one.
      auto updated = ctx.store->UpdateIncidentAndEvents(id, [&](const core::Incident& current) -> Result<core::Mutation> {
        core::Mutation m{current, {{now, actor, kind, content, {}}}, {}};
        m.incident.last_status_update = now;
        m.incident.modified = now;
        ++m.incident.version;
        Notify(m, "status_update", content, now);
        return m;
      });
      if (!updated) return ErrorResponse(updated.error());
      Wake();
      // The mutation's first event is the status update itself.
      if (updated->events.empty()) return ErrorResponse(500, "status update stored but not returned");
      return JsonResponse(201, {{"data", CellJson(updated->events.front())}});
    }
    auto event = ctx.store->AppendEvent(id, {now, actor, kind, content, {}});
    if (!event) return ErrorResponse(event.error());
    return JsonResponse(201, {{"data", CellJson(*event)}});
  }
};

ApiV2::ApiV2(ApiContext context) : impl_(std::make_unique<Impl>(std::move(context))) {}
ApiV2::~ApiV2() = default;

http::Response ApiV2::Handle(const http::Request& request) { return impl_->Route(request); }

}  // namespace tocsin::api::v2
