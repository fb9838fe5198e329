// Timeline text has a documented limit (docs/api.md: 16 KiB per cell, in bytes
// of UTF-8), like titles and fields: notes, status updates and initial_cells
// over it are refused with 400 naming the field and the limit, and nothing is
// written (no event, no version bump, no notification). Text at the limit is
// accepted whole.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

constexpr std::size_t kCellLimit = 16 * 1024;
constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

json Cell(const std::string& kind, const std::string& content) {
  return {{"data", {{"type", "incident_timeline_cells"},
                    {"attributes", {{"kind", kind}, {"content", {{"content", content}}}}}}}};
}

void ExpectRefused(const HttpResult& r, const std::string& field) {
  EXPECT_EQ(r.status, 400) << r.body;
  json body = ParseJson(r.body);
  ASSERT_TRUE(body["errors"].is_array() && !body["errors"].empty()) << r.body;
  std::string message = body["errors"][0];
  EXPECT_NE(message.find(field), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(kCellLimit) + " bytes"), std::string::npos) << message;
}

class TextLimits : public ::testing::Test {
 protected:
  // An incident opened by a rule, so that it follows channels and a status
  // update is sent to them.
  std::string OpenWithChannels() {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  std::size_t Notifications(const std::string& id) {
    auto r = server.Call("GET", "/api/v2/notifications?page[size]=1000&filter[incident]=" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"].size();
  }
  json Incident(const std::string& id) { return ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]; }

  TestServer server;
};

TEST_F(TextLimits, StatusUpdateOverTheLimitIsRefusedAndWritesNothing) {
  std::string id = OpenWithChannels();
  json before = Incident(id);
  std::size_t cells = server.Timeline(id).size();
  std::size_t queued = Notifications(id);
  ASSERT_GT(queued, 0u);

  ExpectRefused(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                            Cell("status_update", std::string(kCellLimit + 1, 'x'))),
                "data.attributes.content.content");
  EXPECT_EQ(server.Timeline(id).size(), cells);
  EXPECT_EQ(Notifications(id), queued);
  EXPECT_EQ(Incident(id), before);

  // Multi-byte text is counted in bytes: 5,462 three-byte characters are 16,386 bytes.
  std::string euros;
  for (int i = 0; i < 5462; ++i) euros += "\xE2\x82\xAC";
  ExpectRefused(server.Call("POST", "/api/v2/incidents/" + id + "/timeline", Cell("status_update", euros)),
                "data.attributes.content.content");
  EXPECT_EQ(server.Timeline(id).size(), cells);

  // At the limit: accepted whole and sent.
  std::string at_limit(kCellLimit, 'y');
  auto ok = server.Call("POST", "/api/v2/incidents/" + id + "/timeline", Cell("status_update", at_limit));
  ASSERT_EQ(ok.status, 201) << ok.body.substr(0, 200);
  EXPECT_EQ(ParseJson(ok.body)["data"]["attributes"]["content"]["content"], at_limit);
  EXPECT_GT(Notifications(id), queued);
}

TEST_F(TextLimits, NoteOverTheLimitIsRefusedAndWritesNothing) {
  std::string id = server.CreateIncident("Checkout down")["id"];
  std::size_t cells = server.Timeline(id).size();
  ExpectRefused(server.Call("POST", "/api/v2/incidents/" + id + "/timeline", Cell("note", std::string(kCellLimit + 1, 'x'))),
                "data.attributes.content.content");
  // The plain string form of content is limited too.
  json plain = {{"data", {{"type", "incident_timeline_cells"},
                          {"attributes", {{"content", std::string(kCellLimit + 1, 'x')}}}}}};
  ExpectRefused(server.Call("POST", "/api/v2/incidents/" + id + "/timeline", plain), "data.attributes.content");
  EXPECT_EQ(server.Timeline(id).size(), cells);
  auto ok = server.Call("POST", "/api/v2/incidents/" + id + "/timeline", Cell("note", std::string(kCellLimit, 'n')));
  EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 200);
  EXPECT_EQ(server.Timeline(id).size(), cells + 1);
}

TEST_F(TextLimits, InitialCellOverTheLimitRefusesTheCreate) {
  json cells = json::array({{{"content", {{"content", "first"}}}},
                            {{"content", {{"content", std::string(kCellLimit + 1, 'x')}}}}});
  json body{{"data", {{"type", "incidents"},
                      {"attributes", {{"title", "Checkout down"}, {"severity", "SEV-2"}, {"initial_cells", cells}}}}}};
  ExpectRefused(server.Call("POST", "/api/v2/incidents", body), "data.attributes.initial_cells[1]");
  EXPECT_EQ(server.Incidents().size(), 0u);

  body["data"]["attributes"]["initial_cells"][1]["content"]["content"] = std::string(kCellLimit, 'z');
  auto ok = server.Call("POST", "/api/v2/incidents", body);
  ASSERT_EQ(ok.status, 201) << ok.body.substr(0, 200);
  std::string id = ParseJson(ok.body)["data"]["id"];
  EXPECT_EQ(server.Timeline(id).size(), 4u);  // created, the two cells, the creation checklist
}

}  // namespace
}  // namespace tocsin::testing
