// The route table: how patterns match, and that every route but the health
// checks, /metrics and alert ingestion (which checks its own key) needs an
// API key pair: each one answers 401 without it.

#include "api/v2/router.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "api/v2/api.hpp"
#include "api/v2/openapi.hpp"
#include "common/clock.hpp"
#include "common/random.hpp"
#include "storage/memory/memory_store.hpp"

namespace tocsin::api::v2 {
namespace {

http::Response Named(const std::string& name) { return http::Response::Json(200, name); }

Router Sample() {
  Router r;
  auto h = [](std::string name) {
    return [name](const http::Request&, const RouteParams& p, const core::Actor&) {
      std::string body = name;
      for (const auto& [k, v] : p.values) body += " " + k + "=" + v;
      return Named(body);
    };
  };
  r.Add("GET", "/api/v2/incidents/{incident_id}", Access::kApiKey, h("get"));
  r.Add("PATCH", "/api/v2/incidents/{incident_id}", Access::kApiKey, h("patch"));
  r.Add("GET", "/api/v2/incidents/search", Access::kApiKey, h("search"));
  r.Add("GET", "/api/v2/incidents/{incident_id}/relationships/todos/{todo_id}", Access::kApiKey, h("todo"));
  r.Add("*", "/api/v2/on-call/*", Access::kApiKey, h("oncall"));
  return r;
}

std::string Call(const Router& r, const std::string& method, const std::string& path) {
  auto found = r.Find(method, path);
  if (!found.route) return found.allow.empty() ? "404" : "405 " + found.allow;
  return found.route->handler({}, found.params, {}).body;
}

TEST(Router, ParametersAreCapturedByName) {
  Router r = Sample();
  EXPECT_EQ(Call(r, "GET", "/api/v2/incidents/abc"), "get incident_id=abc");
  EXPECT_EQ(Call(r, "PATCH", "/api/v2/incidents/abc/"), "patch incident_id=abc");
  EXPECT_EQ(Call(r, "GET", "/api/v2/incidents/i1/relationships/todos/t2"), "todo incident_id=i1 todo_id=t2");
}

TEST(Router, LiteralSegmentsBeatParametersWhateverTheOrder) {
  Router r = Sample();
  EXPECT_EQ(Call(r, "GET", "/api/v2/incidents/search"), "search");
  // The literal route takes GET only: PATCH on it is a 405, not the {incident_id} route.
  EXPECT_EQ(Call(r, "PATCH", "/api/v2/incidents/search"), "405 GET");
}

TEST(Router, OtherMethodsAre405WithAllowAndUnknownPaths404) {
  Router r = Sample();
  EXPECT_EQ(Call(r, "DELETE", "/api/v2/incidents/abc"), "405 GET, PATCH");
  EXPECT_EQ(Call(r, "GET", "/api/v2/nothing"), "404");
  EXPECT_EQ(Call(r, "GET", "/api/v2/incidents/a/b"), "404");
}

TEST(Router, AWildcardTakesTheRestOfThePath) {
  Router r = Sample();
  EXPECT_EQ(Call(r, "POST", "/api/v2/on-call/schedules/primary/overrides"), "oncall *=schedules/primary/overrides");
  EXPECT_EQ(Call(r, "GET", "/api/v2/on-call"), "404");
}

// The real route table over a memory store, `config` and a fake clock.
struct RealApi {
  explicit RealApi(const core::Config& config) : store(storage::MakeMemoryStore()) {
    ApiContext ctx;
    ctx.config = ConfigRef(core::FixedConfig(config));
    ctx.store = store.get();
    ctx.clock = &clock;
    ctx.new_id = [] { return std::string("00000000-0000-4000-8000-000000000000"); };
    api = std::make_unique<ApiV2>(ctx);
  }
  std::unique_ptr<core::Store> store;
  FakeClock clock{*ParseRfc3339("2026-12-01T00:00:00Z")};
  std::unique_ptr<ApiV2> api;
};

// Every route of the real table: only the health checks and /metrics are
// public, only alert ingestion checks its own key, and every other route
// answers 401 to a request without an API key pair.
TEST(RouteTable, EveryRouteButHealthMetricsAndIngestionNeedsAnApiKey) {
  core::Config config;
  RealApi real(config);
  ApiV2& api = *real.api;
  std::set<std::string> publics, ingest, session;
  int checked = 0;
  for (const auto& r : api.Routes()) {
    if (r.access == "public") publics.insert(r.pattern);
    if (r.access == "session") {
      // Web UI routes check the session themselves: none answers without one.
      session.insert(r.method + " " + r.pattern);
      http::Request req;
      req.method = r.method;
      req.path = req.target = r.pattern == "/incidents/{incident}" ? "/incidents/IR-1" : r.pattern;
      int status = api.Handle(req).status;
      EXPECT_TRUE(status == 303 || status == 401) << r.method << " " << r.pattern << ": " << status;
    }
    if (r.access == "ingest") ingest.insert(r.pattern);
    if (r.access != "api_key") continue;
    std::string path;
    for (const auto& seg : SplitPath(r.pattern)) {
      path += "/" + (seg == "*" ? std::string("teams") : seg.front() == '{' ? "00000000-0000-4000-8000-000000000001" : seg);
    }
    http::Request req;
    req.method = r.method == "*" ? "GET" : r.method;
    req.path = req.target = path;
    req.body = "{}";
    EXPECT_EQ(api.Handle(req).status, 401) << r.method << " " << r.pattern;
    ++checked;
  }
  EXPECT_GT(checked, 10);
  // The web UI's sign-in page and its assets are public; signing in is too.
  EXPECT_EQ(publics, (std::set<std::string>{"/healthz", "/readyz", "/api/v2/openapi.json", "/sign-in",
                                            "/assets/{name}", "/ui/session"}));
  EXPECT_EQ(session, (std::set<std::string>{"GET /", "GET /incidents", "GET /incidents/{incident}", "GET /on-call",
                                            "GET /alerts", "GET /notifications", "GET /ui/session",
                                            "DELETE /ui/session"}));
  EXPECT_EQ(ingest, (std::set<std::string>{"/api/integrations/datadog", "/api/integrations/alertmanager",
                                           "/api/integrations/generic", "/api/v2/alerts"}));
}

// /metrics takes a read key pair, as headers or as Prometheus' basic auth
// (user = API key, password = application key); it is open to anyone only
// when server.metrics_public says so.
TEST(RouteTable, MetricsNeedAKeyUnlessMadePublic) {
  core::Config config;
  RealApi real(config);
  core::KeyRecord k{NewUuidV4(), "scraper", "api", Sha256Hex("api-r"), Sha256Hex("app-r"), "alice", "abcd",
                    real.clock.Now(), std::nullopt};
  k.scope = "read";
  ASSERT_TRUE(real.store->CreateKey(k));
  auto get = [&](ApiV2& api, std::map<std::string, std::string> headers) {
    http::Request req;
    req.method = "GET";
    req.path = req.target = "/metrics";
    for (auto& [name, value] : headers) req.headers[name] = value;
    return api.Handle(req);
  };
  EXPECT_EQ(get(*real.api, {}).status, 401);
  EXPECT_EQ(get(*real.api, {{"dd-api-key", "api-r"}, {"dd-application-key", "app-r"}}).status, 200);
  auto basic = get(*real.api, {{"authorization", "Basic " + Base64Encode("api-r:app-r")}});
  EXPECT_EQ(basic.status, 200);
  EXPECT_NE(basic.body.find("# TYPE"), std::string::npos);
  EXPECT_EQ(get(*real.api, {{"authorization", "Basic " + Base64Encode("api-r:wrong")}}).status, 403);
  EXPECT_EQ(get(*real.api, {{"authorization", "Basic !!!"}}).status, 401);
  config.server.metrics_public = true;
  RealApi open(config);
  EXPECT_EQ(get(*open.api, {}).status, 200);
}

// Scopes, over the whole table: a read key reaches every route's reads and no
// write (403 before the handler runs, so nothing changes); a write key
// reaches every write but the admin ones (overrides); an admin key reaches all.
TEST(RouteTable, KeyScopesDecideWhichMethodsEachRouteAnswers) {
  core::Config config;
  RealApi real(config);
  ApiV2& api = *real.api;
  auto& store = real.store;
  FakeClock& clock = real.clock;
  std::map<std::string, std::map<std::string, std::string>> keys;
  for (const char* scope : {"read", "write", "admin"}) {
    core::KeyRecord k{NewUuidV4(), scope, "api", Sha256Hex(std::string("api-") + scope),
                      Sha256Hex(std::string("app-") + scope), "alice", "abcd", clock.Now(), std::nullopt};
    k.scope = scope;
    ASSERT_TRUE(store->CreateKey(k));
    keys[scope] = {{"dd-api-key", std::string("api-") + scope}, {"dd-application-key", std::string("app-") + scope}};
  }
  auto call = [&](const std::string& scope, const std::string& method, const std::string& path) {
    http::Request req;
    req.method = method;
    req.path = req.target = path;
    req.body = "{}";
    for (const auto& [name, value] : keys[scope]) req.headers[name] = value;
    return api.Handle(req);
  };
  std::set<std::string> admin_routes;
  int writes = 0;
  for (const auto& r : api.Routes()) {
    if (r.access != "api_key") continue;
    std::string path;
    for (const auto& seg : SplitPath(r.pattern)) {
      path += "/" + (seg == "*" ? std::string("schedules/x/overrides")
                                : seg.front() == '{' ? "00000000-0000-4000-8000-000000000001" : seg);
    }
    std::vector<std::string> methods;
    if (r.method == "*") methods = {"GET", "POST", "PATCH", "DELETE"};
    else methods = {r.method};
    for (const auto& m : methods) {
      const std::string what = m + " " + r.pattern;
      if (m == "GET") {
        EXPECT_NE(call("read", m, path).status, 403) << what << " refused a read key";
        continue;
      }
      ++writes;
      auto refused = call("read", m, path);
      EXPECT_EQ(refused.status, 403) << what << " answered a read key";
      EXPECT_NE(refused.body.find("scope is 'read'"), std::string::npos) << refused.body;
      int by_write = call("write", m, path).status;
      if (r.write_scope == "admin") {
        admin_routes.insert(r.pattern);
        EXPECT_EQ(by_write, 403) << what << " answered a write key";
        EXPECT_NE(call("admin", m, path).status, 403) << what << " refused an admin key";
      } else {
        EXPECT_NE(by_write, 403) << what << " refused a write key";
      }
    }
  }
  EXPECT_GT(writes, 10);
  EXPECT_EQ(admin_routes, (std::set<std::string>{"/api/v2/on-call/*", "/-/reload"}));
}

// The OpenAPI document is the route table: every API route is in it with
// each of its methods, the credentials it takes and the scope it needs.
TEST(RouteTable, TheOpenApiDocumentListsEveryApiRoute) {
  core::Config config;
  config.server.public_url = "https://tocsin.example";
  RealApi real(config);
  ApiV2& api = *real.api;
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/api/v2/openapi.json";
  auto res = api.Handle(req);
  ASSERT_EQ(res.status, 200);
  auto doc = nlohmann::json::parse(res.body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["servers"][0]["url"], "https://tocsin.example");
  int listed = 0;
  for (const auto& r : api.Routes()) {
    if (r.pattern.rfind("/api/", 0) != 0) continue;
    std::string path = r.pattern;
    if (path.size() > 2 && path.compare(path.size() - 2, 2, "/*") == 0) path = path.substr(0, path.size() - 1) + "{path}";
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    const auto& item = doc["paths"][path];
    std::string method = r.method == "*" ? (r.access == "ingest" ? "post" : "get") : r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(item.contains(method)) << method << " " << path;
    const auto& op = item[method];
    if (r.access == "api_key") {
      EXPECT_EQ(op["x-tocsin-scope"], method == "get" ? "read" : r.write_scope) << path;
      EXPECT_EQ(op["security"][0].size(), 2u) << path;
    }
    if (r.access == "public") {
      EXPECT_TRUE(op["security"].empty()) << path;
    }
    ++listed;
  }
  EXPECT_GT(listed, 20);
  EXPECT_EQ(doc["paths"]["/api/v2/incidents"]["post"]["summary"], "Create an incident");
  EXPECT_EQ(doc["paths"]["/api/v2/on-call/{path}"]["post"]["x-tocsin-scope"], "admin");
}

}  // namespace
}  // namespace tocsin::api::v2
