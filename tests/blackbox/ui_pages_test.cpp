// The web UI's on-call, alerts and notifications pages over HTTP (they need a
// session; their data is the API's), and the API endpoint behind "try an
// alert": POST /api/v2/alerts/dry-run runs the rules on a payload and stores
// nothing.

#include <gtest/gtest.h>

#include "app/users.hpp"
#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

TEST(UiPages, NeedASessionAndCarryTheSecurityHeaders) {
  TestServer server;
  HttpClient client(server.port());
  const std::string handle = server.app().config()->users.front().handle;
  ASSERT_TRUE(app::SetPassword(*server.app().config(), server.app().store(), handle, "correct horse battery",
                               server.clock().Now()));
  auto in = client.Request("POST", "/ui/session", json{{"handle", handle}, {"password", "correct horse battery"}}.dump(),
                           {{"Content-Type", "application/json"}});
  ASSERT_EQ(in.status, 200) << in.body;
  std::string cookie = in.headers["set-cookie"].substr(0, in.headers["set-cookie"].find(';'));
  for (const std::string page : {"/on-call", "/alerts", "/notifications"}) {
    auto anonymous = client.Request("GET", page, "", {{"Accept", "text/html"}});
    EXPECT_EQ(anonymous.status, 303) << page;
    EXPECT_EQ(anonymous.headers["location"], "/sign-in?next=" + page);
    auto signed_in = client.Request("GET", page, "", {{"Accept", "text/html"}, {"Cookie", cookie}});
    EXPECT_EQ(signed_in.status, 200) << page;
    EXPECT_EQ(signed_in.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_NE(signed_in.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(signed_in.body.find("{{"), std::string::npos) << page << ": a placeholder left unfilled";
  }
  // The on-call page's override form offers the configured people.
  auto oncall = client.Request("GET", "/on-call", "", {{"Cookie", cookie}});
  EXPECT_NE(oncall.body.find("&quot;handle&quot;:&quot;" + handle + "&quot;"), std::string::npos);
}

TEST(AlertDryRun, ReportsWhatTheRulesWouldDoAndStoresNothing) {
  TestServer server;
  auto r = server.CallWith("POST", "/api/v2/alerts/dry-run?source=generic",
                           json{{"monitor", kInjection}, {"scope", "env:prod"}}.dump(),
                           {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key},
                            {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = ParseJson(r.body);
  EXPECT_EQ(body["data"]["type"], "route_dry_runs");
  EXPECT_EQ(body["data"]["attributes"]["source"], "generic");
  std::string report = body["data"]["attributes"]["report"];
  EXPECT_NE(report.find("decision: opened"), std::string::npos) << report;
  EXPECT_NE(report.find("notify: slack-security-alerts (incident_opened)"), std::string::npos) << report;
  EXPECT_EQ(server.Incidents().size(), 0u);
  auto alerts = server.Call("GET", "/api/v2/alerts");
  EXPECT_EQ(ParseJson(alerts.body)["data"].size(), 0u);
}

TEST(AlertDryRun, BadInputIsRefusedNamingTheProblem) {
  TestServer server;
  auto call = [&](const std::string& target, const std::string& body) {
    return server.CallWith("POST", target, body,
                           {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key},
                            {"Content-Type", "application/json"}});
  };
  auto source = call("/api/v2/alerts/dry-run?source=nagios", "{}");
  EXPECT_EQ(source.status, 400);
  EXPECT_EQ(ParseJson(source.body)["errors"][0],
            "source: unknown source 'nagios' (allowed: auto, datadog, alertmanager, prometheus, generic)");
  auto empty = call("/api/v2/alerts/dry-run", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(ParseJson(empty.body)["errors"][0], "body: is required (the alert payload as JSON)");
  auto broken = call("/api/v2/alerts/dry-run?source=generic", "{\"monitor\": ");
  EXPECT_EQ(broken.status, 400) << broken.body;
  auto anonymous = server.CallWith("POST", "/api/v2/alerts/dry-run", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(anonymous.status, 401);
}

}  // namespace
}  // namespace tocsin::testing
