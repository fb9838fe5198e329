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
  // Resolving a SEV-1 also creates its post-mortem draft (by Tocsin) and
  // moves it to the last phase (by the person who resolved it).
  EXPECT_EQ(kinds, (std::vector<std::string>{"incident_created", "incident_updated", "status_update", "incident_updated",
                                             "postmortem_created", "phase_changed"}));
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[4]["attributes"]["author"]["handle"], "tocsin");
  cells.erase(4);
  EXPECT_EQ(cells[1]["attributes"]["changes"][0], (json{{"field", "severity"}, {"from", "SEV-2"}, {"to", "SEV-1"}}));
  EXPECT_EQ(cells[1]["attributes"]["created"], "2026-11-27T10:01:00.000000+00:00");
  EXPECT_EQ(cells[2]["attributes"]["content"]["content"], "Rolled back the deploy");
  std::string user = server.app().config().users.front().handle;
  for (const auto& c : cells) EXPECT_EQ(c["attributes"]["author"]["handle"], user);
  // Pagination.
  auto page = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/timeline?page[size]=2&page[offset]=2").body);
  ASSERT_EQ(page["data"].size(), 2u);
  EXPECT_EQ(page["data"][0]["attributes"]["kind"], "status_update");
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
  EXPECT_EQ(cells.size(), 1u);
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
