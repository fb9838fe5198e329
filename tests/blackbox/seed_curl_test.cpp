// Proves the seed's three curl commands work against Tocsin unchanged except
// for the base URL, with Datadog-shaped answers.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

const char* kSeedCreateBody = R"({
    "data": {
      "type": "incidents",
      "attributes": {
        "title": "Manual Incident: LLM Service Issue",
        "severity": "SEV-2",
        "state": "active",
        "customer_impacted": true,
        "fields": {
          "root_cause": {"value": "To be determined"},
          "services": {"value": ["chatbotservice"]}
        }
      }
    }
  })";

TEST(SeedCurl, CreateListUpdate) {
  TestServer server;
  auto created = server.CallWith("POST", "/api/v2/incidents", kSeedCreateBody,
                                 {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key},
                                  {"Content-Type", "application/json"}});
  ASSERT_EQ(created.status, 201) << created.body;
  json data = ParseJson(created.body)["data"];
  EXPECT_EQ(data["type"], "incidents");
  std::string id = data["id"];
  EXPECT_EQ(id.size(), 36u);
  const json& a = data["attributes"];
  EXPECT_EQ(a["title"], "Manual Incident: LLM Service Issue");
  EXPECT_EQ(a["public_id"], 1);
  EXPECT_EQ(a["severity"], "SEV-2");
  EXPECT_EQ(a["state"], "active");
  EXPECT_EQ(a["fields"]["severity"], (json{{"type", "dropdown"}, {"value", "SEV-2"}}));
  EXPECT_EQ(a["fields"]["state"], (json{{"type", "dropdown"}, {"value", "active"}}));
  EXPECT_EQ(a["fields"]["root_cause"], (json{{"type", "textbox"}, {"value", "To be determined"}}));
  EXPECT_EQ(a["fields"]["services"], (json{{"type", "autocomplete"}, {"value", {"chatbotservice"}}}));
  EXPECT_EQ(a["fields"]["detection_method"]["value"], "unknown");
  EXPECT_EQ(a["customer_impacted"], true);
  EXPECT_EQ(a["created"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_EQ(a["detected"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_TRUE(a["resolved"].is_null());
  EXPECT_EQ(a["time_to_resolve"], 0);
  EXPECT_TRUE(data["relationships"]["commander_user"]["data"].is_null());
  EXPECT_EQ(data["relationships"]["attachments"]["data"], json::array());

  // A second, resolved incident must not appear in the active list.
  auto other = server.CreateIncident("Old issue", "SEV-4");
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + other["id"].get<std::string>(),
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);

  auto list = server.Call("GET", "/api/v2/incidents?filter[status]=active");
  ASSERT_EQ(list.status, 200) << list.body;
  json listed = ParseJson(list.body);
  ASSERT_EQ(listed["data"].size(), 1u);
  EXPECT_EQ(listed["data"][0]["id"], id);
  EXPECT_EQ(listed["meta"]["pagination"], (json{{"offset", 0}, {"size", 1}, {"next_offset", 1}}));

  server.clock().Advance(std::chrono::minutes(42));
  auto updated = server.CallWith("PATCH", "/api/v2/incidents/" + id,
                                 R"({"data": {"type": "incidents", "attributes": {"state": "resolved"}}})",
                                 {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  json u = ParseJson(updated.body)["data"]["attributes"];
  EXPECT_EQ(u["state"], "resolved");
  EXPECT_EQ(u["fields"]["state"]["value"], "resolved");
  EXPECT_EQ(u["resolved"], "2026-11-27T10:42:00.000000+00:00");
  EXPECT_EQ(u["time_to_resolve"], 42 * 60);

  auto after = ParseJson(server.Call("GET", "/api/v2/incidents?filter[status]=active").body);
  EXPECT_EQ(after["data"].size(), 0u);
}

}  // namespace
}  // namespace tocsin::testing
