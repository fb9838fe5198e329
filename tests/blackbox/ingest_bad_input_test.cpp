// Proves bad alert deliveries get a 4xx naming the problem, store nothing,
// and leave the server serving; and that ingestion keys are checked.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class IngestBadInput : public ::testing::Test {
 protected:
  void ExpectNothingStored() {
    auto alerts = ParseJson(server.Call("GET", "/api/v2/alerts").body)["data"];
    EXPECT_EQ(alerts.size(), 0u);
    EXPECT_EQ(server.Incidents().size(), 0u);
  }
  HttpResult Raw(const std::string& path, const std::string& body) {
    return server.CallWith("POST", path, body, {{"Authorization", "Bearer " + server.ingest_key}});
  }
  TestServer server;
};

TEST_F(IngestBadInput, MissingOrWrongKey) {
  HttpClient client(server.port());
  json alert{{"monitor", "m"}};
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic", alert.dump()).status, 401);
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic", alert.dump(), {{"Authorization", "Bearer wrong"}}).status, 403);
  // The API key of a DD key pair is not an ingestion key.
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic", alert.dump(), {{"DD-API-KEY", server.api_key}}).status, 403);
  ExpectNothingStored();
  // The three ways of sending a valid key.
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic?token=" + server.ingest_key, alert.dump()).status, 200);
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic", alert.dump(), {{"DD-API-KEY", server.ingest_key}}).status, 200);
  EXPECT_EQ(client.Request("POST", "/api/integrations/generic", alert.dump(),
                           {{"Authorization", "Bearer " + server.ingest_key}}).status, 200);
}

TEST_F(IngestBadInput, MalformedAndWrongFormat) {
  EXPECT_EQ(Raw("/api/integrations/generic", "{not json").status, 400);
  EXPECT_EQ(Raw("/api/integrations/datadog", "[]").status, 400);
  json am{{"version", "4"}, {"status", "firing"}, {"alerts", json::array({{{"status", "firing"}, {"labels", {{"alertname", "x"}}}}})}};
  auto wrong = Raw("/api/integrations/datadog", am.dump());
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_EQ(Raw("/api/integrations/alertmanager", json{{"monitor", "x"}}.dump()).status, 400);
  ExpectNothingStored();
}

TEST_F(IngestBadInput, MissingMonitorNameNamesTheField) {
  json am{{"version", "4"},
          {"status", "firing"},
          {"alerts", json::array({{{"status", "firing"}, {"labels", {{"severity", "critical"}}}}})}};
  auto r = Raw("/api/integrations/alertmanager", am.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("alertname"), std::string::npos) << r.body;
  auto g = Raw("/api/integrations/generic", json{{"state", "alert"}}.dump());
  EXPECT_EQ(g.status, 400);
  EXPECT_NE(g.body.find("monitor"), std::string::npos) << g.body;
  ExpectNothingStored();
}

TEST_F(IngestBadInput, UnknownTransitionOrState) {
  auto r = Raw("/api/integrations/generic", json{{"monitor", "m"}, {"state", "exploded"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("state"), std::string::npos) << r.body;
  ExpectNothingStored();
}

TEST_F(IngestBadInput, AbsurdTimestamps) {
  for (const char* t : {"1800-01-01T00:00:00Z", "3026-01-01T00:00:00Z", "yesterday-ish"}) {
    auto r = Raw("/api/integrations/generic", json{{"monitor", "m"}, {"started_at", t}}.dump());
    EXPECT_EQ(r.status, 400) << t << " " << r.body;
  }
  ExpectNothingStored();
}

TEST_F(IngestBadInput, TenThousandAlertsInOnePushAreRefusedWhole) {
  json alerts = json::array();
  for (int k = 0; k < 10000; ++k) {
    alerts.push_back({{"labels", {{"alertname", "flood"}, {"instance", "host-" + std::to_string(k)}}}});
  }
  auto r = server.CallWith("POST", "/api/v2/alerts", alerts.dump(), {{"Authorization", "Bearer " + server.ingest_key}});
  EXPECT_TRUE(r.status == 400 || r.status == 413) << r.status << " " << r.body.substr(0, 200);
  ExpectNothingStored();
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace tocsin::testing
