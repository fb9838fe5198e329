#include "api/v2/api.hpp"
#include "api/v2/openapi.hpp"

#include <algorithm>
#include <charconv>

#include "api/ui/web_ui.hpp"
#include "api/v2/alerts_api.hpp"
#include "api/v2/analytics_api.hpp"
#include "api/v2/attachments_api.hpp"
#include "api/v2/auth.hpp"
#include "api/v2/config_api.hpp"
#include "api/v2/errors.hpp"
#include "api/v2/events_api.hpp"
#include "api/v2/impacts_api.hpp"
#include "api/v2/metrics_api.hpp"
#include "api/v2/incident_json.hpp"
#include "api/v2/notifications_api.hpp"
#include "api/v2/oncall_api.hpp"
#include "api/v2/router.hpp"
#include "api/v2/postmortem_api.hpp"
#include "api/v2/sessions.hpp"
#include "api/v2/todos_api.hpp"
#include "common/password.hpp"
#include "common/random.hpp"
#include "common/server_metrics.hpp"
#include "core/incident/incident_patch.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::api::v2 {
namespace {

constexpr std::int64_t kMaxPageSize = 100;
constexpr std::int64_t kDefaultPageSize = 10;

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
  for (std::string_view item : QueryList(req, "include")) {
    if (item == "users") {
      inc.users = true;
    } else if (item == "attachments") {
      inc.attachments = true;
    } else {
      return InvalidArgument("include: unknown value '" + std::string(item) + "' (allowed: users, attachments)");
    }
  }
  return inc;
}

Included ToIncluded(const Includes& inc) {
  if (inc.users) return inc.attachments ? Included::kUsersAndAttachments : Included::kUsers;
  return inc.attachments ? Included::kAttachments : Included::kNone;
}

http::Response JsonResponse(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json Pagination(std::int64_t offset, std::size_t count) {
  auto n = static_cast<std::int64_t>(count);
  return json{{"pagination", {{"offset", offset}, {"size", n}, {"next_offset", offset + n}}}};
}

}  // namespace

// A route as the table's readers (tests, the OpenAPI document) see it.
static RouteInfo Info(const Route& r) {
  return {r.method, r.pattern,
          r.access == Access::kPublic    ? "public"
          : r.access == Access::kIngest  ? "ingest"
          : r.access == Access::kSession ? "session"
          : r.access == Access::kScrape  ? "scrape"
                                         : "api_key",
          ScopeName(r.write_scope)};
}

struct ApiV2::Impl {
  ApiContext ctx;
  RateLimiter limiter;
  AlertsApi alerts;
  Sessions sessions;
  ui::WebUi web_ui;
  EventsApi event_streams;

  explicit Impl(ApiContext c)
      : ctx(std::move(c)),
        limiter(ctx.config->server.rate_limit_requests, ctx.config->server.rate_limit_period),
        alerts(ctx),
        sessions(*ctx.store, ctx.config, *ctx.clock),
        web_ui(ctx, sessions),
        event_streams(ctx) {
    AddRoutes();
  }

  const core::Config& config() const { return *ctx.config; }

  // The route table (router.hpp): every endpoint, what it needs, who handles it.
  Router router;

  void AddRoutes() {
    auto id_route = [this](auto handler) {
      return [this, handler](const http::Request& req, const RouteParams& p, const core::Actor& actor) {
        auto id = IncidentId(p["incident_id"]);
        if (!id) return ErrorResponse(id.error());
        return handler(this, req, *id, actor);
      };
    };
    using A = Access;
    router.Add("*", "/healthz", A::kPublic, [](const http::Request&, const RouteParams&, const core::Actor&) {
      return JsonResponse(200, {{"status", "ok"}});
    });
    router.Add("*", "/readyz", A::kPublic, [this](const http::Request&, const RouteParams&, const core::Actor&) {
      bool ready = !ctx.ready || ctx.ready();
      return JsonResponse(ready ? 200 : 503,
                          {{"status", ready ? "ready" : "not ready"}, {"config_hash", config().source_sha256}});
    });
    // Alertmanager's reload path; an admin key pair (or a signed-in session), never an ingestion key.
    router.Add("POST", "/-/reload", A::kApiKey, [this](const http::Request&, const RouteParams&, const core::Actor& actor) {
      return Reload(actor);
    }, Scope::kAdmin);
    // A replay changes nothing, but reads the whole alert history and costs
    // CPU: a write-scope key pair (or a session), not a read-only key.
    router.Add("POST", "/api/v2/config/replay", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return ConfigReplay(req); });
    router.Add("GET", "/metrics", A::kScrape,
               [this](const http::Request&, const RouteParams&, const core::Actor&) { return Metrics(); });
    // The API's own description, made from this table (DESIGN.md section 7).
    router.Add("GET", "/api/v2/openapi.json", A::kPublic, [this](const http::Request&, const RouteParams&, const core::Actor&) {
      std::vector<RouteInfo> routes;
      for (const auto& r : router.routes()) routes.push_back(Info(r));
      http::Response res;
      res.content_type = "application/json";
      res.body = OpenApiDocument(routes, config().server.public_url);
      return res;
    });
    // Alert senders authenticate with an ingestion key (AlertsApi checks it).
    for (const char* source : {"datadog", "alertmanager", "generic"}) {
      router.Add("*", std::string("/api/integrations/") + source, A::kIngest,
                 [this, source](const http::Request& req, const RouteParams&, const core::Actor&) {
                   return alerts.Ingest(req, source);
                 });
    }
    router.Add("POST", "/api/v2/alerts", A::kIngest, [this](const http::Request& req, const RouteParams&, const core::Actor&) {
      return alerts.Ingest(req, "prometheus");
    });
    router.Add("GET", "/api/v2/alerts", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return alerts.List(req); });
    router.Add("POST", "/api/v2/alerts/dry-run", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return DryRun(req); });
    router.Add("GET", "/api/v1/validate", A::kApiKey, [](const http::Request&, const RouteParams&, const core::Actor&) {
      return JsonResponse(200, {{"valid", true}});
    });
    // Overrides change who is woken up: adding or removing one takes an admin key.
    router.Add("*", "/api/v2/on-call/*", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor& actor) {
                 return HandleOnCall(ctx, req, SplitPath(req.path), actor);
               }, Scope::kAdmin);
    router.Add("GET", "/api/v2/notifications", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) {
                 return ListNotifications(ctx, req);
               });
    router.Add("GET", "/api/v2/channels", A::kApiKey,
               [this](const http::Request&, const RouteParams&, const core::Actor&) { return ListChannels(ctx); });
    router.Add("POST", "/api/v2/channels/{channel}/test", A::kApiKey,
               [this](const http::Request&, const RouteParams& p, const core::Actor&) {
                 return TestChannel(ctx, p["channel"]);
               });
    router.Add("GET", "/api/v2/events/stream", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return event_streams.Stream(req); });
    router.Add("GET", "/api/v2/incidents", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return List(req); });
    router.Add("POST", "/api/v2/incidents", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor& actor) {
                 return Create(req, actor);
               });
    router.Add("GET", "/api/v2/incidents/search", A::kApiKey,
               [this](const http::Request& req, const RouteParams&, const core::Actor&) { return Search(req); });
    router.Add("GET", "/api/v2/incidents/{incident_id}", A::kApiKey,
               id_route([](Impl* api, const http::Request& req, const std::string& id, const core::Actor&) {
                 return api->Get(req, id);
               }));
    router.Add("PATCH", "/api/v2/incidents/{incident_id}", A::kApiKey,
               id_route([](Impl* api, const http::Request& req, const std::string& id, const core::Actor& actor) {
                 return api->Update(req, id, actor);
               }));
    router.Add("DELETE", "/api/v2/incidents/{incident_id}", A::kApiKey,
               id_route([](Impl* api, const http::Request&, const std::string& id, const core::Actor& actor) {
                 return api->Delete(id, actor);
               }));
    router.Add("POST", "/api/v2/incidents/{incident_id}/acknowledge", A::kApiKey,
               id_route([](Impl* api, const http::Request&, const std::string& id, const core::Actor& actor) {
                 return api->Acknowledge(id, actor);
               }));
    router.Add("GET", "/api/v2/incidents/{incident_id}/timeline", A::kApiKey,
               id_route([](Impl* api, const http::Request& req, const std::string& id, const core::Actor&) {
                 return api->GetTimeline(req, id);
               }));
    router.Add("POST", "/api/v2/incidents/{incident_id}/timeline", A::kApiKey,
               id_route([](Impl* api, const http::Request& req, const std::string& id, const core::Actor& actor) {
                 return api->PostTimeline(req, id, actor);
               }));
    AddTodoRoutes(router, ctx, [this] { return UseCases(); });
    AddPostmortemRoutes(router, ctx, [this] { return UseCases(); });
    AddConfigRoutes(router, ctx);
    AddAnalyticsRoutes(router, ctx);
    AddAttachmentRoutes(router, ctx, [this] { return UseCases(); });
    AddImpactRoutes(router, ctx, [this] { return UseCases(); });
    // The web UI: pages, assets, sign-in and sign-out (docs/ui.md).
    web_ui.AddRoutes(router);
  }

  // POST /api/v2/alerts/dry-run?source=auto: what the rules would do with
  // this payload (nothing is stored), the report `tocsin route` prints.
  http::Response DryRun(const http::Request& req) {
    if (!ctx.route_dry_run) return ErrorResponse(404, "Not found");
    std::string source = req.Query("source").value_or("auto");
    static const std::vector<std::string> kSources = {"auto", "datadog", "alertmanager", "prometheus", "generic"};
    if (std::find(kSources.begin(), kSources.end(), source) == kSources.end()) {
      return ErrorResponse(400, "source: unknown source '" + source +
                                    "' (allowed: auto, datadog, alertmanager, prometheus, generic)");
    }
    if (req.body.empty()) return ErrorResponse(400, "body: is required (the alert payload as JSON)");
    auto report = ctx.route_dry_run(source, req.body);
    if (!report) return ErrorResponse(report.error());
    return JsonResponse(200, {{"data", {{"type", "route_dry_runs"},
                                        {"attributes", {{"source", source}, {"report", *report}}}}}});
  }

  // POST /api/v2/config/replay?since=30d&format=json with the candidate YAML as body.
  http::Response ConfigReplay(const http::Request& req) {
    if (!ctx.config_replay) return ErrorResponse(501, "this server cannot replay its alerts");
    std::string format = req.Query("format").value_or("json");
    if (format != "json" && format != "markdown" && format != "text") {
      return ErrorResponse(400, "format: unknown value '" + format + "' (allowed: json, markdown, text)");
    }
    auto since = req.Query("since");
    if (!since || since->empty()) return ErrorResponse(400, "since: is required (e.g. 30d, 12h, or an RFC 3339 time)");
    if (req.body.empty()) return ErrorResponse(400, "body: is required (the candidate configuration as YAML)");
    auto report = ctx.config_replay(req.body, *since, format);
    if (!report) return ErrorResponse(report.error());
    http::Response res;
    res.status = 200;
    res.content_type = format == "json" ? "application/json" : format == "markdown" ? "text/markdown; charset=utf-8"
                                                                                      : "text/plain; charset=utf-8";
    res.body = std::move(*report);
    return res;
  }

  // Who a request acts as: the DD key pair when the request carries one;
  // otherwise the session cookie of a signed-in person (the web UI), whose
  // state-changing requests must also carry the session's CSRF token.
  //
  // Behind a trusted auth proxy (server.auth_proxy_header, from its
  // addresses only) a request without keys or a live session reads as the
  // user the proxy names; its writes need the session a page opens (and that
  // session's CSRF token), as the proxy's own cookie would carry a forged one.
  Result<Principal> AuthenticateAny(const http::Request& req, const http::Request& auth_req) {
    bool keys = auth_req.Header("dd-api-key") || auth_req.Header("dd-application-key");
    if (!keys && sessions.proxy_enabled()) {
      auto s = sessions.Find(req);
      if (!s) return tl::unexpected(s.error());
      if (!*s) {
        auto proxied = sessions.ProxyUser(req);
        if (!proxied) return tl::unexpected(proxied.error());
        if (*proxied) {
          if (!Sessions::IsSafeMethod(req.method)) {
            return MakeError(ErrorCode::kPermissionDenied,
                             "X-CSRF-Token: missing; behind the auth proxy, writes need the web UI session's token");
          }
          return Principal{ActorFor(**proxied), "proxy:" + **proxied};
        }
      }
    }
    if (!keys && Sessions::CookieValue(req, kSessionCookie)) {
      auto s = sessions.Find(req);
      if (!s) return tl::unexpected(s.error());
      if (!*s) return MakeError(ErrorCode::kUnauthenticated, "Unauthorized: the session has expired or was signed out");
      if (!Sessions::IsSafeMethod(req.method)) {
        const std::string* csrf = req.Header(kCsrfHeader);
        if (!csrf || !SecretsEqual(*csrf, (*s)->csrf_token)) {
          return MakeError(ErrorCode::kPermissionDenied, "X-CSRF-Token: missing or not this session's token");
        }
      }
      // People are the config's users: a session may do what any key may.
      return Principal{(*s)->actor, "session:" + (*s)->actor.handle, Scope::kAdmin};
    }
    return Authenticate(*ctx.store, auth_req);
  }

  // `pattern` receives the matched route's pattern (for the HTTP metrics' bounded labels).
  http::Response Route(const http::Request& req, std::string* pattern) {
    auto found = router.Find(req.method, req.path);
    const v2::Route* route = found.route;
    *pattern = route ? route->pattern : "(unmatched)";
    bool api_path = req.path.rfind("/api/", 0) == 0;
    const bool scrape = route && route->access == Access::kScrape;
    if (scrape && config().server.metrics_public) return route->handler(req, found.params, core::Actor{});
    if (route && route->access != Access::kApiKey && !scrape) {
      return route->handler(req, found.params, core::Actor{});
    }
    // No route: outside /api/ that is all there is to say; under it, the
    // caller must still prove who it is before learning what exists.
    if (!route && !api_path) {
      // A browser asking for a page that does not exist gets the UI's 404 page.
      const std::string* accept = req.Header("accept");
      if (req.method == "GET" && accept && accept->find("text/html") != std::string::npos) return web_ui.NotFoundPage();
      return ErrorResponse(404, "Not found");
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
    // Scrapers (Prometheus' basic_auth) send the key pair as user and password.
    if (scrape && !req.Header("dd-api-key")) {
      if (auto pair = BasicCredentials(req)) {
        with_keys = req;
        with_keys.headers["dd-api-key"] = pair->first;
        with_keys.headers["dd-application-key"] = pair->second;
        auth_req = &with_keys;
      }
    }
    auto principal = AuthenticateAny(req, *auth_req);
    if (!principal) return ErrorResponse(principal.error());
    http::Response limited;
    if (!limiter.Admit(principal->key_id, ctx.clock->Now(), limited)) {
      auto r = ErrorResponse(429, "Too many requests");
      r.headers = limited.headers;
      return r;
    }
    if (route) {
      Scope needed = RequiredScope(*route, req.method);
      if (principal->scope < needed) {
        auto r = ErrorResponse(403, std::string("Forbidden: this key's scope is '") + ScopeName(principal->scope) +
                                        "'; " + req.method + " " + route->pattern + " needs '" + ScopeName(needed) +
                                        "' (tocsin keys create --scope " + ScopeName(needed) + ")");
        r.headers.insert(r.headers.end(), limited.headers.begin(), limited.headers.end());
        return r;
      }
    }
    http::Response res = route                   ? route->handler(req, found.params, principal->actor)
                         : !found.allow.empty() ? MethodNotAllowed(found.allow)
                                                : ErrorResponse(404, "Not found");
    res.headers.insert(res.headers.end(), limited.headers.begin(), limited.headers.end());
    return res;
  }

  // Prometheus text format (api/v2/metrics_api.cpp).
  http::Response Metrics() { return PrometheusMetrics(ctx); }

  http::Response Reload(const core::Actor& actor) {
    if (!ctx.reload) return ErrorResponse(501, "this server cannot reload its configuration");
    ReloadAnswer a = ctx.reload("@" + actor.handle);
    switch (a.kind) {
      case ReloadAnswer::Kind::kApplied:
        return JsonResponse(200, {{"status", "applied"},
                                  {"config_hash", a.hash},
                                  {"previous_config_hash", a.previous_hash},
                                  {"changes", a.changes},
                                  {"needs_restart", a.needs_restart}});
      case ReloadAnswer::Kind::kInvalid:
        return JsonResponse(400, {{"errors", a.errors}, {"config_hash", a.previous_hash}});
      case ReloadAnswer::Kind::kBusy:
        return JsonResponse(409, {{"errors", a.errors}});
      case ReloadAnswer::Kind::kFailed:
        break;
    }
    return JsonResponse(500, {{"errors", a.errors}});
  }

  static http::Response MethodNotAllowed(const std::string& allowed) {
    auto r = ErrorResponse(405, "Method not allowed");
    r.headers.emplace_back("Allow", allowed);
    return r;
  }

  static Result<std::string> IncidentId(const std::string& raw) { return ParseIncidentId(raw); }

  http::Response IncidentAnswer(int status, const core::Incident& inc, const Includes& includes) {
    Included included = ToIncluded(includes);
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
    auto created = usecases::Declare(UseCases(), {std::move(parsed->draft), std::move(parsed->initial_cells)}, actor);
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
    auto updated = usecases::Update(UseCases(), id, *patch, actor);
    if (!updated) return ErrorResponse(updated.error());
    return IncidentAnswer(200, *updated, *includes);
  }

  usecases::Context UseCases() const {
    return usecases::Context{ctx.config.get(), ctx.store, ctx.clock, ctx.new_id, ctx.wake_outbox, ctx.directory};
  }

  // POST /api/v2/incidents/{id}/acknowledge: records who and when (MTTA),
  // idempotent; an acknowledged incident stops escalating.
  http::Response Acknowledge(const std::string& id, const core::Actor& actor) {
    auto updated = usecases::Acknowledge(UseCases(), id, actor);
    if (!updated) return ErrorResponse(updated.error());
    return IncidentAnswer(200, *updated, {});
  }

  http::Response Delete(const std::string& id, const core::Actor& actor) {
    if (auto deleted = usecases::Delete(UseCases(), id, actor); !deleted) return ErrorResponse(deleted.error());
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
    Included included = ToIncluded(*includes);
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
    // sort=created (oldest first, the default) or sort=-created (newest
    // first: what the incident page shows before anything older).
    const std::string sort = req.Query("sort").value_or("created");
    if (sort != "created" && sort != "-created") {
      return ErrorResponse(400, "sort: expected created or -created; got '" + sort + "'");
    }
    auto events = sort == "created" ? ctx.store->Timeline(id, *offset, *size)
                                    : ctx.store->TimelineNewest(id, *offset, *size);
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
    auto event = usecases::PostCell(UseCases(), id,
                                    kind == core::kEventStatusUpdate ? usecases::CellKind::kStatusUpdate
                                                                     : usecases::CellKind::kNote,
                                    content, actor);
    if (!event) return ErrorResponse(event.error());
    return JsonResponse(201, {{"data", CellJson(*event)}});
  }
};

ApiV2::ApiV2(ApiContext context) : impl_(std::make_unique<Impl>(std::move(context))) {}
ApiV2::~ApiV2() = default;

http::Response ApiV2::Handle(const http::Request& request) {
  // One config snapshot for the whole request (ADR 0011).
  ConfigRef::Pin pin(impl_->ctx.config);
  auto start = std::chrono::steady_clock::now();
  std::string pattern;
  http::Response r = impl_->Route(request, &pattern);
  server_metrics::HttpRequest(pattern, request.method, r.status, std::chrono::steady_clock::now() - start);
  return r;
}

std::vector<RouteInfo> ApiV2::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : impl_->router.routes()) out.push_back(Info(r));
  return out;
}

}  // namespace tocsin::api::v2
