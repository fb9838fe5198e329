// Datadog's incident todos through the real server: create, list, get,
// patch (tick, reopen, reassign), delete, each on the timeline; assignees are
// people, and a team's on-call handle becomes the person on call; bad input
// is refused, naming the field, and changes nothing.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class Todos : public ::testing::Test {
 protected:
  std::string Base(const std::string& id) { return "/api/v2/incidents/" + id + "/relationships/todos"; }
  static json Body(const json& attributes) {
    return {{"data", {{"type", "incident_todos"}, {"attributes", attributes}}}};
  }
  std::vector<std::string> TimelineKinds(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& c : server.Timeline(id)) out.push_back(c["attributes"]["kind"]);
    return out;
  }
  // The todos people added (not the ones checklists add by themselves).
  json HandTodos(const std::string& id) {
    json out = json::array();
    json listed = ParseJson(server.Call("GET", Base(id)).body);
    for (const auto& t : listed["data"]) {
      if (t["attributes"]["checklist"].is_null()) out.push_back(t);
    }
    return out;
  }
  std::string Modified(const std::string& id) {
    return ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"]["modified"].dump();
  }

  TestServer server;
};

TEST_F(Todos, CreateListGetPatchDeleteInDatadogsShape) {
  std::string id = server.CreateIncident("Checkout down")["id"];
  auto created = server.Call("POST", Base(id),
                             Body({{"content", "Restore the payment gateway"},
                                   {"assignees", {"@priya"}},
                                   {"due_date", "2026-11-27T12:00:00Z"},
                                   {"completed", nullptr},
                                   {"incident_id", id}}));
  ASSERT_EQ(created.status, 201) << created.body;
  json todo = ParseJson(created.body)["data"];
  EXPECT_EQ(todo["type"], "incident_todos");
  std::string todo_id = todo["id"];
  EXPECT_EQ(todo["attributes"]["content"], "Restore the payment gateway");
  EXPECT_EQ(todo["attributes"]["assignees"], json({"@priya"}));
  EXPECT_EQ(todo["attributes"]["due_date"], "2026-11-27T12:00:00.000000+00:00");
  EXPECT_TRUE(todo["attributes"]["completed"].is_null());
  EXPECT_EQ(todo["attributes"]["incident_id"], id);

  auto list = HandTodos(id);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], todo_id);
  EXPECT_EQ(ParseJson(server.Call("GET", Base(id) + "/" + todo_id).body)["data"], todo);

  // Ticked: completed is a time; then reopened.
  auto done = server.Call("PATCH", Base(id) + "/" + todo_id, Body({{"completed", "2026-11-27T10:30:00Z"}}));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ParseJson(done.body)["data"]["attributes"]["completed"], "2026-11-27T10:30:00.000000+00:00");
  EXPECT_EQ(ParseJson(done.body)["data"]["attributes"]["content"], "Restore the payment gateway");
  auto reopened = server.Call("PATCH", Base(id) + "/" + todo_id, Body({{"completed", nullptr}}));
  EXPECT_TRUE(ParseJson(reopened.body)["data"]["attributes"]["completed"].is_null());

  ASSERT_EQ(server.Call("DELETE", Base(id) + "/" + todo_id).status, 204);
  EXPECT_TRUE(HandTodos(id).empty());
  EXPECT_EQ(server.Call("GET", Base(id) + "/" + todo_id).status, 404);
  EXPECT_EQ(server.Call("DELETE", Base(id) + "/" + todo_id).status, 404);

  auto kinds = TimelineKinds(id);
  for (const char* k : {"todo_added", "todo_completed", "todo_updated", "todo_removed"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
}

TEST_F(Todos, ATeamOnCallHandleIsAssignedToThePersonOnCall) {
  std::string id = server.CreateIncident("Prompt injection")["id"];
  auto created = server.Call("POST", Base(id), Body({{"content", "Block the session"}, {"assignees", {"@security-oncall"}}}));
  ASSERT_EQ(created.status, 201) << created.body;
  auto assignees = ParseJson(created.body)["data"]["attributes"]["assignees"];
  ASSERT_EQ(assignees.size(), 1u);
  std::string person = assignees[0];
  EXPECT_NE(person, "@security-oncall");
  // The same person the on-call API names for the team now.
  auto oncall = ParseJson(server.Call("GET", "/api/v2/on-call/teams/security").body);
  EXPECT_NE(oncall.dump().find(person.substr(1)), std::string::npos) << oncall.dump();
}

TEST_F(Todos, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  std::string id = server.CreateIncident("Checkout down")["id"];
  server.clock().Advance(std::chrono::minutes(1));  // a write now would change `modified`
  auto modified = Modified(id);
  auto timeline = server.Timeline(id).size();
  struct Case {
    json body;
    std::string field;
  };
  std::vector<Case> cases = {
      {Body({{"assignees", json::array()}}), "data.attributes.content"},
      {Body({{"content", ""}}), "data.attributes.content"},
      {Body({{"content", 5}}), "data.attributes.content"},
      {Body({{"content", "x"}, {"assignees", {"@nobody-here"}}}), "data.attributes.assignees[0]"},
      {Body({{"content", "x"}, {"assignees", {"priya"}}}), "data.attributes.assignees[0]"},
      {Body({{"content", "x"}, {"assignees", "@priya"}}), "data.attributes.assignees"},
      {Body({{"content", "x"}, {"due_date", "next tuesday"}}), "data.attributes.due_date"},
      {Body({{"content", "x"}, {"completed", 12}}), "data.attributes.completed"},
      {Body({{"content", std::string(5000, 'x')}}), "data.attributes.content"},
      {{{"data", {{"type", "incidents"}, {"attributes", {{"content", "x"}}}}}}, "data.type"},
  };
  for (const auto& c : cases) {
    auto r = server.Call("POST", Base(id), c.body);
    EXPECT_EQ(r.status, 400) << c.body.dump() << " -> " << r.body;
    EXPECT_NE(r.body.find(c.field), std::string::npos) << c.body.dump() << " -> " << r.body;
  }
  auto raw = server.CallWith("POST", Base(id), "{not json",
                             {{"Content-Type", "application/json"},
                              {"DD-API-KEY", server.api_key},
                              {"DD-APPLICATION-KEY", server.app_key}});
  EXPECT_EQ(raw.status, 400);
  EXPECT_EQ(server.Call("POST", Base("00000000-0000-4000-8000-00000000abcd"), Body({{"content", "x"}})).status, 404);
  EXPECT_EQ(server.Call("POST", "/api/v2/incidents/not-a-uuid/relationships/todos", Body({{"content", "x"}})).status, 400);
  EXPECT_EQ(Modified(id), modified);
  EXPECT_EQ(server.Timeline(id).size(), timeline);
  EXPECT_TRUE(HandTodos(id).empty());
}

}  // namespace
}  // namespace tocsin::testing
