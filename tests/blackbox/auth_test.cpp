// Proves Datadog-style authentication: 401 without keys, 403 with wrong or
// revoked keys (at once, while the server runs), rate limits with headers.

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

TEST(Auth, MissingKeysAre401) {
  TestServer server;
  HttpClient client(server.port());
  auto r = client.Request("GET", "/api/v2/incidents");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ParseJson(r.body), (json{{"errors", {"Unauthorized"}}}));
  r = client.Request("GET", "/api/v2/incidents", "", {{"DD-API-KEY", server.api_key}});
  EXPECT_EQ(r.status, 401);
}

TEST(Auth, WrongKeysAre403AndHeaderNamesAreCaseInsensitive) {
  TestServer server;
  HttpClient client(server.port());
  auto r = client.Request("GET", "/api/v2/incidents", "",
                          {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", "nope"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ParseJson(r.body), (json{{"errors", {"Forbidden"}}}));
  r = client.Request("GET", "/api/v2/incidents", "", {{"dd-api-key", server.api_key}, {"Dd-Application-Key", server.app_key}});
  EXPECT_EQ(r.status, 200);
}

TEST(Auth, HealthNeedsNoKeysAndEveryResponseHasARequestId) {
  TestServer server;
  HttpClient client(server.port());
  auto r = client.Request("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-request-id"].size(), 16u);
  r = client.Request("GET", "/readyz", "", {{"X-Request-Id", "trace-abc-123"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-request-id"], "trace-abc-123");
}

TEST(Auth, RevokedKeyIsRefusedAtOnce) {
  TestServer server;
  auto extra = app::CreateKey(server.app().store(), "ci-bot", "ci-bot", "api", server.clock().Now());
  ASSERT_TRUE(extra);
  HttpClient client(server.port());
  std::map<std::string, std::string> h{{"DD-API-KEY", extra->api_key}, {"DD-APPLICATION-KEY", extra->app_key}};
  EXPECT_EQ(client.Request("GET", "/api/v2/incidents", "", h).status, 200);
  ASSERT_TRUE(server.app().store().RevokeKey("ci-bot", server.clock().Now()));
  EXPECT_EQ(client.Request("GET", "/api/v2/incidents", "", h).status, 403);
}

TEST(Auth, ApplicationKeyUserIsTheActor) {
  TestServer server;
  auto inc = server.CreateIncident("who did it");
  std::string id = inc["id"];
  auto timeline = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/timeline").body);
  std::string first_user = server.app().config()->users.front().handle;
  EXPECT_EQ(timeline["data"][0]["attributes"]["author"]["handle"], first_user);
  auto with_users = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "?include=users").body);
  ASSERT_EQ(with_users["included"].size(), 1u);
  EXPECT_EQ(with_users["included"][0]["attributes"]["handle"], first_user);
  EXPECT_EQ(with_users["included"][0]["id"], inc["relationships"]["created_by_user"]["data"]["id"]);
}

TEST(Auth, RateLimitAnswers429WithDatadogHeaders) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.rate_limit_requests = 3;
                                        c.server.rate_limit_period = std::chrono::seconds(60);
                                      }}};
  for (int k = 0; k < 3; ++k) {
    auto r = server.Call("GET", "/api/v2/incidents");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["x-ratelimit-limit"], "3");
    EXPECT_EQ(r.headers["x-ratelimit-remaining"], std::to_string(2 - k));
    EXPECT_EQ(r.headers["x-ratelimit-period"], "60");
  }
  auto limited = server.Call("GET", "/api/v2/incidents");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["x-ratelimit-remaining"], "0");
  EXPECT_FALSE(limited.headers["x-ratelimit-reset"].empty());
  // The next period admits requests again.
  server.clock().Advance(std::chrono::seconds(61));
  EXPECT_EQ(server.Call("GET", "/api/v2/incidents").status, 200);
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

// Least privilege, end to end: a read key reads and changes nothing, a write
// key works incidents but cannot change who is on call, an admin key can.
TEST(Auth, KeyScopesReadWriteAdmin) {
  TestServer server;
  std::string id = server.CreateIncident("scoped")["id"];
  auto key = [&](const std::string& scope) {
    auto k = app::CreateKey(server.app().store(), "k-" + scope, "priya", "api", server.clock().Now(), scope);
    EXPECT_TRUE(k);
    return std::map<std::string, std::string>{{"DD-API-KEY", k->api_key}, {"DD-APPLICATION-KEY", k->app_key}};
  };
  auto read = key("read"), write = key("write");
  HttpClient client(server.port());
  json create{{"data", {{"type", "incidents"}, {"attributes", {{"title", "by a read key"}}}}}};
  json ack = json::object();
  json override_body{{"data", {{"type", "schedule_overrides"},
                               {"attributes", {{"user", "mateo"}, {"start", "2026-12-01T09:00:00Z"},
                                               {"end", "2026-12-01T17:00:00Z"}}}}}};
  const std::string overrides = "/api/v2/on-call/schedules/llm-primary/overrides";

  const auto events_before = server.Timeline(id).size();
  EXPECT_EQ(client.Request("GET", "/api/v2/incidents/" + id, "", read).status, 200);
  EXPECT_EQ(client.Request("GET", overrides, "", read).status, 200);
  auto refused = client.Request("POST", "/api/v2/incidents", create.dump(), read);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("scope is 'read'"), std::string::npos) << refused.body;
  EXPECT_EQ(client.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", ack.dump(), read).status, 403);
  EXPECT_EQ(client.Request("DELETE", "/api/v2/incidents/" + id, "", read).status, 403);
  EXPECT_EQ(server.Incidents().size(), 1u);  // nothing was created
  EXPECT_EQ(server.Timeline(id).size(), events_before);  // nor acknowledged or deleted

  EXPECT_EQ(client.Request("POST", "/api/v2/incidents", create.dump(), write).status, 201);
  EXPECT_EQ(client.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", ack.dump(), write).status, 200);
  auto no_override = client.Request("POST", overrides, override_body.dump(), write);
  EXPECT_EQ(no_override.status, 403);
  EXPECT_NE(no_override.body.find("needs 'admin'"), std::string::npos) << no_override.body;
  EXPECT_EQ(ParseJson(server.Call("GET", overrides).body)["data"].size(), 0u);

  // The harness's own key is an admin key.
  EXPECT_EQ(server.Call("POST", overrides, override_body).status, 201);
}

}  // namespace
}  // namespace tocsin::testing
