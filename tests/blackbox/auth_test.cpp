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
