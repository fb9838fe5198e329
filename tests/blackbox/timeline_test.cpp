// Proves the timeline: every API change appears in order with its actor,
// and users can post notes and status updates.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

TEST(Timeline, RecordsEveryChangeWithActorInOrder) {
  TestServer server;
  auto inc = server.CreateIncident("Checkout down", "SEV-2");
  std::string id = inc["id"];
  server.clock().Advance(std::chrono::minutes(1));
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"severity", "SEV-1"}}}}}})
                .status,
            200);
  auto note = server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                          {{"data", {{"type", "incident_timeline_cells"},
                                     {"attributes", {{"kind", "status_update"},
                                                     {"content", {{"content", "Rolled back the deploy"}}}}}}}});
  ASSERT_EQ(note.status, 201) << note.body;
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  auto r = server.Call("GET", "/api/v2/incidents/" + id + "/timeline");
  ASSERT_EQ(r.status, 200) << r.body;
  json cells = ParseJson(r.body)["data"];
  std::vector<std::string> kinds;
  for (const auto& c : cells) kinds.push_back(c["attributes"]["kind"]);
  // The person's changes, with what the workflow did on them: the creation
  // checklist, the status update ticking "Post initial assessment", and on
  // resolving a SEV-1 the resolution checklist, the post-mortem draft, the
  // two items those tick, and the last phase.
  EXPECT_EQ(kinds, (std::vector<std::string>{"incident_created", "checklist_added", "incident_updated", "status_update",
                                             "todo_completed", "incident_updated", "checklist_added",
                                             "postmortem_created", "todo_completed", "todo_completed", "phase_changed"}));
  ASSERT_EQ(cells.size(), 11u);
  std::string user = server.app().config()->users.front().handle;
  json human = json::array();
  for (const auto& c : cells) {
    std::string kind = c["attributes"]["kind"];
    bool workflow = kind == "checklist_added" || kind == "postmortem_created";
    EXPECT_EQ(c["attributes"]["author"]["handle"], workflow ? "tocsin" : user) << kind;
    if (kind == "incident_created" || kind == "incident_updated" || kind == "status_update") human.push_back(c);
  }
  ASSERT_EQ(human.size(), 4u);
  EXPECT_EQ(human[1]["attributes"]["changes"][0], (json{{"field", "severity"}, {"from", "SEV-2"}, {"to", "SEV-1"}}));
  EXPECT_EQ(human[1]["attributes"]["created"], "2026-11-27T10:01:00.000000+00:00");
  EXPECT_EQ(human[2]["attributes"]["content"]["content"], "Rolled back the deploy");
  // Pagination.
  auto page = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/timeline?page[size]=2&page[offset]=2").body);
  ASSERT_EQ(page["data"].size(), 2u);
  EXPECT_EQ(page["data"][0]["attributes"]["kind"], "incident_updated");
  EXPECT_EQ(page["data"][1]["attributes"]["kind"], "status_update");
  // Newest first, as the incident page reads it: the last two, then the two before.
  auto newest = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/timeline?sort=-created&page[size]=2").body);
  ASSERT_EQ(newest["data"].size(), 2u);
  EXPECT_EQ(newest["data"][0]["id"], cells[10]["id"]);
  EXPECT_EQ(newest["data"][1]["id"], cells[9]["id"]);
  auto older = ParseJson(
      server.Call("GET", "/api/v2/incidents/" + id + "/timeline?sort=-created&page[size]=2&page[offset]=2").body);
  ASSERT_EQ(older["data"].size(), 2u);
  EXPECT_EQ(older["data"][0]["id"], cells[8]["id"]);
  auto bad = server.Call("GET", "/api/v2/incidents/" + id + "/timeline?sort=newest");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("sort: expected created or -created"), std::string::npos) << bad.body;
}

TEST(Timeline, RejectsEmptyOrUnknownNotes) {
  TestServer server;
  std::string id = server.CreateIncident("x")["id"];
  auto r = server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                       {{"data", {{"type", "incident_timeline_cells"}, {"attributes", {{"kind", "gossip"}, {"content", "hi"}}}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("data.attributes.kind"), std::string::npos);
  r = server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                  {{"data", {{"type", "incident_timeline_cells"}, {"attributes", {{"content", ""}}}}}});
  EXPECT_EQ(r.status, 400);
  auto cells = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/timeline").body)["data"];
  EXPECT_EQ(cells.size(), 2u);  // created, and its creation checklist
}

TEST(Timeline, DeletedIncidentIsGoneButItsDeletionWasRecorded) {
  TestServer server;
  std::string id = server.CreateIncident("to delete")["id"];
  auto del = server.Call("DELETE", "/api/v2/incidents/" + id);
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + id).status, 404);
  EXPECT_EQ(server.Call("DELETE", "/api/v2/incidents/" + id).status, 404);
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/incidents").body)["data"].size(), 0u);
}

}  // namespace
}  // namespace tocsin::testing
