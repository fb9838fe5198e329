// Datadog's incident impacts through the real server: added, listed, changed
// and removed, each on the timeline; the first impacts fill in the incident's
// customer-impact window (never overwriting one a person set), and the
// incident's own window, detection time and the metrics computed from them
// follow a PATCH of the incident. Each bad input is refused with a 4xx naming
// the field and changes nothing.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class Impacts : public ::testing::Test {
 protected:
  void SetUp() override {
    json incident = server.CreateIncident("Checkout down");  // created and detected at 10:00
    id = incident["id"];
    user_uuid = incident["relationships"]["created_by_user"]["data"]["id"];
  }

  std::string Base() const { return "/api/v2/incidents/" + id + "/impacts"; }
  static json Body(const json& attributes) {
    return {{"data", {{"type", "incident_impacts"}, {"attributes", attributes}}}};
  }
  json Add(const json& attributes) {
    auto r = server.Call("POST", Base(), Body(attributes));
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson(r.body)["data"];
  }
  json List() {
    auto r = server.Call("GET", Base());
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"];
  }
  json Attributes() {
    return ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"];
  }
  std::vector<json> Events(const std::string& kind) {
    std::vector<json> out;
    for (const auto& c : server.Timeline(id)) {
      if (c["attributes"]["kind"] == kind) out.push_back(c);
    }
    return out;
  }
  static std::map<std::string, std::string> Changes(const json& event) {
    std::map<std::string, std::string> out;
    for (const auto& c : event["attributes"]["changes"]) out[c["field"]] = c["to"];
    return out;
  }

  struct Snapshot {
    std::string incident;
    std::string impacts;
    std::size_t events = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Now() {
    return {server.Call("GET", "/api/v2/incidents/" + id).body, server.Call("GET", Base()).body,
            server.Timeline(id).size()};
  }
  // The request is refused with `status`, the message naming `field`, and nothing changes.
  void ExpectRefused(const std::string& method, const std::string& path, const json& body, int status,
                     const std::string& field) {
    server.clock().Advance(std::chrono::minutes(1));  // a write now would change `modified`
    Snapshot before = Now();
    auto r = server.Call(method, path, body);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
    EXPECT_EQ(Now(), before);
  }

  TestServer server;
  std::string id;
  std::string user_uuid;
};

TEST_F(Impacts, AnImpactIsAddedInDatadogsShapeListedChangedAndRemoved) {
  json impact = Add({{"description", "EU shoppers cannot pay"}, {"start_at", "2026-11-27T09:30:00Z"}});
  EXPECT_EQ(impact["type"], "incident_impacts");
  std::string impact_id = impact["id"];
  EXPECT_EQ(impact["attributes"]["description"], "EU shoppers cannot pay");
  EXPECT_EQ(impact["attributes"]["start_at"], "2026-11-27T09:30:00.000000+00:00");
  EXPECT_TRUE(impact["attributes"]["end_at"].is_null());
  EXPECT_EQ(impact["attributes"]["created"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_EQ(impact["relationships"]["incident"]["data"], json({{"id", id}, {"type", "incidents"}}));
  EXPECT_EQ(impact["relationships"]["created_by_user"]["data"]["id"], user_uuid);
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0], impact);

  server.clock().Advance(std::chrono::minutes(20));
  auto patched = server.Call("PATCH", Base() + "/" + impact_id, Body({{"end_at", "2026-11-27T10:15:00Z"}}));
  ASSERT_EQ(patched.status, 200) << patched.body;
  json ended = ParseJson(patched.body)["data"];
  EXPECT_EQ(ended["attributes"]["end_at"], "2026-11-27T10:15:00.000000+00:00");
  EXPECT_EQ(ended["attributes"]["description"], "EU shoppers cannot pay");
  EXPECT_EQ(ended["attributes"]["modified"], "2026-11-27T10:20:00.000000+00:00");
  EXPECT_EQ(List()[0], ended);

  ASSERT_EQ(server.Call("DELETE", Base() + "/" + impact_id).status, 204);
  EXPECT_TRUE(List().empty());
  EXPECT_EQ(server.Call("DELETE", Base() + "/" + impact_id).status, 404);

  auto added = Events("impact_added");
  ASSERT_EQ(added.size(), 1u);
  EXPECT_NE(added[0]["attributes"]["content"]["content"].get<std::string>().find("EU shoppers cannot pay"),
            std::string::npos);
  EXPECT_EQ(added[0]["attributes"]["author"]["uuid"], user_uuid);
  auto updated = Events("impact_updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(Changes(updated[0])["end"], "2026-11-27T10:15:00.000000+00:00");
  EXPECT_EQ(Events("impact_removed").size(), 1u);
}

TEST_F(Impacts, TheIncidentListsItsImpactsAsRelationships) {
  std::string a = Add({{"description", "Checkout fails"}, {"start_at", "2026-11-27T09:30:00Z"}})["id"];
  json refs = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["relationships"]["impacts"]["data"];
  EXPECT_EQ(refs, json::array({{{"id", a}, {"type", "incident_impacts"}}}));
}

TEST_F(Impacts, TheFirstImpactsFillInTheCustomerImpactWindowAndTheMetricsFollow) {
  EXPECT_FALSE(Attributes()["customer_impacted"]);
  Add({{"description", "Checkout fails"}, {"start_at", "2026-11-27T09:30:00Z"}});
  json a = Attributes();
  EXPECT_TRUE(a["customer_impacted"]);
  EXPECT_EQ(a["customer_impact_start"], "2026-11-27T09:30:00.000000+00:00");
  EXPECT_TRUE(a["customer_impact_end"].is_null());  // still going on
  EXPECT_EQ(a["time_to_detect"], 1800);              // detected at 10:00
  EXPECT_EQ(a["customer_impact_duration"], 0);

  // A second impact that has ended: one is still going on, so no end yet.
  Add({{"description", "Search slow"}, {"start_at", "2026-11-27T09:45:00Z"}, {"end_at", "2026-11-27T10:20:00Z"}});
  EXPECT_TRUE(Attributes()["customer_impact_end"].is_null());

  // The first one ends: all have ended, the window ends with the latest.
  std::string first = List()[0]["id"];
  auto r = server.Call("PATCH", Base() + "/" + first, Body({{"end_at", "2026-11-27T10:30:00Z"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  a = Attributes();
  EXPECT_EQ(a["customer_impact_end"], "2026-11-27T10:30:00.000000+00:00");
  EXPECT_EQ(a["customer_impact_duration"], 3600);
  EXPECT_EQ(a["time_to_repair"], 1800);  // impact end - detected

  // The timeline says which impact change set them.
  auto added = Events("impact_added");
  EXPECT_EQ(Changes(added[0])["customer_impact_start"], "2026-11-27T09:30:00.000000+00:00");
  EXPECT_EQ(Changes(added[0])["customer_impacted"], "true");
  EXPECT_EQ(Changes(Events("impact_updated")[0])["customer_impact_end"], "2026-11-27T10:30:00.000000+00:00");
}

TEST_F(Impacts, AWindowAPersonSetIsNeverOverwrittenByImpacts) {
  auto r = server.Call("PATCH", "/api/v2/incidents/" + id,
                       {{"data", {{"type", "incidents"}, {"attributes", {{"customer_impact_start", "2026-11-27T09:50:00Z"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Add({{"description", "Checkout fails"}, {"start_at", "2026-11-27T09:00:00Z"}, {"end_at", "2026-11-27T10:10:00Z"}});
  json a = Attributes();
  EXPECT_EQ(a["customer_impact_start"], "2026-11-27T09:50:00.000000+00:00");
  EXPECT_EQ(a["customer_impact_end"], "2026-11-27T10:10:00.000000+00:00");  // was unset: filled in
}

TEST_F(Impacts, EditingTheIncidentsImpactWindowAndDetectionIsOnTheTimelineAndMovesTheMetrics) {
  server.clock().Advance(std::chrono::minutes(30));
  auto r = server.Call("PATCH", "/api/v2/incidents/" + id,
                       {{"data",
                         {{"type", "incidents"},
                          {"attributes",
                           {{"customer_impact_start", "2026-11-27T09:00:00Z"},
                            {"customer_impact_end", "2026-11-27T11:00:00Z"},
                            {"detected", "2026-11-27T09:15:00Z"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json a = ParseJson(r.body)["data"]["attributes"];
  EXPECT_EQ(a["customer_impact_start"], "2026-11-27T09:00:00.000000+00:00");
  EXPECT_EQ(a["customer_impact_end"], "2026-11-27T11:00:00.000000+00:00");
  EXPECT_EQ(a["detected"], "2026-11-27T09:15:00.000000+00:00");
  EXPECT_EQ(a["customer_impact_duration"], 7200);
  EXPECT_EQ(a["time_to_detect"], 900);           // detected - impact start
  EXPECT_EQ(a["time_to_repair"], 6300);          // impact end - detected
  EXPECT_EQ(a["time_to_internal_response"], 2700);  // created (10:00) - detected
  EXPECT_EQ(Attributes(), a);                    // as stored

  auto updates = Events("incident_updated");
  ASSERT_EQ(updates.size(), 1u);
  auto changes = Changes(updates[0]);
  EXPECT_EQ(changes["customer_impact_start"], "2026-11-27T09:00:00.000000+00:00");
  EXPECT_EQ(changes["customer_impact_end"], "2026-11-27T11:00:00.000000+00:00");
  EXPECT_EQ(changes["detected"], "2026-11-27T09:15:00.000000+00:00");
  EXPECT_EQ(updates[0]["attributes"]["author"]["uuid"], user_uuid);

  // Moving detection alone moves the metrics that use it.
  r = server.Call("PATCH", "/api/v2/incidents/" + id,
                  {{"data", {{"type", "incidents"}, {"attributes", {{"detected", "2026-11-27T09:30:00Z"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  a = Attributes();
  EXPECT_EQ(a["time_to_detect"], 1800);
  EXPECT_EQ(a["time_to_repair"], 5400);
  EXPECT_EQ(Changes(Events("incident_updated")[1])["detected"], "2026-11-27T09:30:00.000000+00:00");
}

// --- bad input: one case each ----------------------------------------------

TEST_F(Impacts, AMissingDescriptionIsRefused) {
  ExpectRefused("POST", Base(), Body({{"start_at", "2026-11-27T09:30:00Z"}}), 400, "data.attributes.description");
}

TEST_F(Impacts, AnEmptyDescriptionIsRefused) {
  ExpectRefused("POST", Base(), Body({{"description", ""}, {"start_at", "2026-11-27T09:30:00Z"}}), 400,
                "data.attributes.description: must not be empty");
}

TEST_F(Impacts, ADescriptionOver4096BytesIsRefused) {
  ExpectRefused("POST", Base(), Body({{"description", std::string(4097, 'x')}, {"start_at", "2026-11-27T09:30:00Z"}}),
                400, "data.attributes.description: longer than 4096 bytes");
}

TEST_F(Impacts, AMissingStartIsRefused) {
  ExpectRefused("POST", Base(), Body({{"description", "Checkout fails"}}), 400, "data.attributes.start_at: is required");
}

TEST_F(Impacts, AStartThatDoesNotParseIsRefused) {
  ExpectRefused("POST", Base(), Body({{"description", "Checkout fails"}, {"start_at", "yesterday at noon"}}), 400,
                "data.attributes.start_at: 'yesterday at noon' is not an RFC 3339 time");
}

TEST_F(Impacts, ANullStartCannotClearAnImpactsStart) {
  std::string impact_id = Add({{"description", "Checkout fails"}, {"start_at", "2026-11-27T09:30:00Z"}})["id"];
  ExpectRefused("PATCH", Base() + "/" + impact_id, Body({{"start_at", nullptr}}), 400, "data.attributes.start_at");
}

TEST_F(Impacts, AnEndBeforeTheStartIsRefused) {
  ExpectRefused("POST", Base(),
                Body({{"description", "Checkout fails"},
                      {"start_at", "2026-11-27T09:30:00Z"},
                      {"end_at", "2026-11-27T09:00:00Z"}}),
                400, "data.attributes.end_at: 2026-11-27T09:00:00.000000+00:00 is before the start");
}

TEST_F(Impacts, AnEndBeforeTheStartIsRefusedOnPatchToo) {
  std::string impact_id = Add({{"description", "Checkout fails"}, {"start_at", "2026-11-27T09:30:00Z"}})["id"];
  ExpectRefused("PATCH", Base() + "/" + impact_id, Body({{"end_at", "2026-11-27T09:29:59Z"}}), 400,
                "data.attributes.end_at");
}

TEST_F(Impacts, ImpactFieldsAreRefusedRatherThanLost) {
  ExpectRefused("POST", Base(),
                Body({{"description", "Checkout fails"},
                      {"start_at", "2026-11-27T09:30:00Z"},
                      {"fields", {{"customers", "EU"}}}}),
                400, "data.attributes.fields");
}

TEST_F(Impacts, TheWrongTypeIsRefused) {
  json body{{"data", {{"type", "incident_todos"},
                      {"attributes", {{"description", "x"}, {"start_at", "2026-11-27T09:30:00Z"}}}}}};
  ExpectRefused("POST", Base(), body, 400, "data.type");
}

TEST_F(Impacts, AnUnknownIncidentIs404) {
  std::string other = "/api/v2/incidents/00000000-0000-4000-8000-00000000abcd/impacts";
  EXPECT_EQ(server.Call("GET", other).status, 404);
  auto r = server.Call("POST", other, Body({{"description", "x"}, {"start_at", "2026-11-27T09:30:00Z"}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("incident"), std::string::npos) << r.body;
}

TEST_F(Impacts, AnUnknownImpactIs404) {
  std::string missing = Base() + "/00000000-0000-4000-8000-0000000000aa";
  ExpectRefused("PATCH", missing, Body({{"description", "x"}}), 404, "impact 00000000-0000-4000-8000-0000000000aa");
  ExpectRefused("DELETE", missing, nullptr, 404, "impact 00000000-0000-4000-8000-0000000000aa");
}

}  // namespace
}  // namespace tocsin::testing
