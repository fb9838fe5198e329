// Working an incident end to end through the real server and the example
// config (issue 11): a prompt-injection alert opens a typed Security incident
// with its template fields, links and creation checklist; acknowledging ticks
// its item and moves the phase; template fields are validated; resolving
// opens the resolution checklist and the post-mortem draft, which is read as
// Markdown, edited, reminded of when overdue and published (completing the
// incident). Bad input is refused, naming the problem, and changes nothing.

#include <gtest/gtest.h>

#include <algorithm>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

class Workflow : public ::testing::Test {
 protected:
  std::string OpenSecurityIncident() {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  json Get(const std::string& id) { return ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]; }
  json Todos(const std::string& id) {
    return ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/relationships/todos").body)["data"];
  }
  json Todo(const std::string& id, const std::string& content) {
    json todos = Todos(id);
    for (const auto& t : todos) {
      if (t["attributes"]["content"] == content) return t;
    }
    ADD_FAILURE() << "no todo '" << content << "'";
    return json::object();
  }
  std::vector<std::string> Kinds(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& c : server.Timeline(id)) out.push_back(c["attributes"]["kind"]);
    return out;
  }
  HttpResult Patch(const std::string& id, const json& attributes) {
    return server.Call("PATCH", "/api/v2/incidents/" + id,
                       {{"data", {{"type", "incidents"}, {"attributes", attributes}}}});
  }
  HttpResult PatchPostmortem(const std::string& id, const json& attributes) {
    return server.Call("PATCH", "/api/v2/incidents/" + id + "/postmortem",
                       {{"data", {{"type", "postmortems"}, {"attributes", attributes}}}});
  }
  static void ExpectRefused(const HttpResult& r, const std::string& wanted) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find(wanted), std::string::npos) << r.body;
  }

  TestServer server;
};

TEST_F(Workflow, APromptInjectionOpensATypedSecurityIncidentWithItsLinksAndChecklist) {
  std::string id = OpenSecurityIncident();
  json inc = Get(id);
  json a = inc["attributes"];
  EXPECT_EQ(a["incident_type"], "Security");
  const auto* security = server.app().config()->FindType("Security");
  ASSERT_TRUE(security);
  EXPECT_EQ(a["incident_type_uuid"], security->id);
  EXPECT_EQ(a["phase"], "Detection & Triage");
  for (const char* key : {"attack_vector", "attack_successful", "data_exposed", "source_ip_session_blocked"}) {
    ASSERT_TRUE(a["fields"].contains(key)) << key;
    EXPECT_TRUE(a["fields"][key]["value"].is_null()) << key;
  }
  EXPECT_EQ(a["fields"]["attack_vector"]["type"], "dropdown");
  // The rule's runbook and the type's dashboard are attached as links.
  auto links = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/attachments").body)["data"];
  std::vector<std::string> urls;
  for (const auto& l : links) urls.push_back(l["attributes"]["attachment"]["documentUrl"]);
  EXPECT_EQ(urls, (std::vector<std::string>{
                      "https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#llm-prompt-injection",
                      "/dashboard/security-overview"}));
  // The Quick Reference Card's creation items, as todos.
  std::vector<std::string> todos;
  for (const auto& t : Todos(id)) {
    EXPECT_EQ(t["attributes"]["checklist"], "On Incident Creation");
    EXPECT_TRUE(t["attributes"]["completed"].is_null());
    todos.push_back(t["attributes"]["content"]);
  }
  EXPECT_EQ(todos, (std::vector<std::string>{"Acknowledge in Tocsin", "Join incident Slack channel",
                                             "Open relevant runbook", "Post initial assessment to timeline"}));
}

TEST_F(Workflow, AcknowledgingTicksItsItemAndMovesToInvestigation) {
  std::string id = OpenSecurityIncident();
  server.clock().Advance(2min);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  json ack = Todo(id, "Acknowledge in Tocsin")["attributes"];
  EXPECT_EQ(ack["completed"], FormatRfc3339(server.clock().Now()));
  EXPECT_EQ(ack["completed_by_event"], "acknowledged");
  EXPECT_FALSE(ack["last_modified_by"]["attributes"]["handle"].get<std::string>().empty());
  EXPECT_TRUE(Todo(id, "Post initial assessment to timeline")["attributes"]["completed"].is_null());
  EXPECT_EQ(Todo(id, "Update severity if needed")["attributes"]["checklist"], "During Investigation");
  EXPECT_EQ(Get(id)["attributes"]["phase"], "Investigation");
  auto kinds = Kinds(id);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "phase_changed"), kinds.end());
  // Searchable by phase.
  auto found = ParseJson(server.Call("GET", "/api/v2/incidents/search?query=phase:Investigation").body);
  ASSERT_EQ(found["data"]["attributes"]["incidents"].size(), 1u) << found.dump();
  EXPECT_EQ(found["data"]["attributes"]["incidents"][0]["data"]["id"], id);
  auto none = ParseJson(server.Call("GET", "/api/v2/incidents/search?query=phase:Mitigation").body);
  EXPECT_EQ(none["data"]["attributes"]["incidents"].size(), 0u);
  // A status update is the initial assessment.
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                        {{"data", {{"type", "incident_timeline_cells"},
                                   {"attributes", {{"kind", "status_update"}, {"content", {{"content", "Session blocked"}}}}}}}})
                .status,
            201);
  EXPECT_EQ(Todo(id, "Post initial assessment to timeline")["attributes"]["completed_by_event"], "initial_assessment");
}

TEST_F(Workflow, TemplateFieldsAreValidatedAndLandOnTheTimeline) {
  std::string id = OpenSecurityIncident();
  // JSON booleans and the seed's display names are accepted, answered under the key.
  auto r = Patch(id, {{"fields", {{"Data Exposed", {{"type", "dropdown"}, {"value", true}}},
                                  {"attack_vector", {{"type", "dropdown"}, {"value", "prompt_injection"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json fields = ParseJson(r.body)["data"]["attributes"]["fields"];
  EXPECT_EQ(fields["data_exposed"]["value"], "true");
  EXPECT_EQ(fields["data_exposed"]["type"], "boolean");
  EXPECT_EQ(fields["attack_vector"]["value"], "prompt_injection");
  EXPECT_FALSE(fields.contains("Data Exposed"));
  bool recorded = false;
  for (const auto& c : server.Timeline(id)) {
    for (const auto& ch : c["attributes"]["changes"]) {
      recorded |= ch["field"] == "fields.data_exposed" && ch["to"] == "true";
    }
  }
  EXPECT_TRUE(recorded);
  std::string modified = Get(id)["attributes"]["modified"];
  std::size_t events = server.Timeline(id).size();
  ExpectRefused(Patch(id, {{"fields", {{"Attack Vector", {{"type", "dropdown"}, {"value", "sql_injection"}}}}}}),
                "data.attributes.fields.Attack Vector: 'sql_injection' is not one of its options");
  ExpectRefused(Patch(id, {{"fields", {{"data_exposed", {{"type", "dropdown"}, {"value", "maybe"}}}}}}),
                "data.attributes.fields.data_exposed: 'maybe' is not true or false");
  ExpectRefused(Patch(id, {{"fields", {{"attack_vector", {{"type", "multiselect"}, {"value", {"jailbreak"}}}}}}}),
                "data.attributes.fields.attack_vector");
  ExpectRefused(Patch(id, {{"fields", {{"blast_radius", {{"type", "textbox"}, {"value", "x"}}}}}}),
                "data.attributes.fields.blast_radius: unknown field");
  ExpectRefused(Patch(id, {{"fields", {{"type", {{"type", "dropdown"}, {"value", "Billing"}}}}}}),
                "data.attributes.fields.type.value: unknown incident type 'Billing'");
  ExpectRefused(Patch(id, {{"incident_type_uuid", "00000000-0000-4000-8000-0000000000ff"}}),
                "data.attributes.incident_type_uuid: unknown incident type");
  EXPECT_EQ(Get(id)["attributes"]["modified"], modified);
  EXPECT_EQ(server.Timeline(id).size(), events);
  EXPECT_EQ(Get(id)["attributes"]["fields"]["attack_vector"]["value"], "prompt_injection");
}

TEST_F(Workflow, AManualIncidentMayNameItsTypeAndGetsItsTemplate) {
  const auto* llm = server.app().config()->FindType("LLM Quality");
  ASSERT_TRUE(llm);
  auto r = server.Call("POST", "/api/v2/incidents",
                       {{"data", {{"type", "incidents"},
                                  {"attributes", {{"title", "Hallucinated prices"},
                                                  {"customer_impacted", false},
                                                  {"incident_type_uuid", llm->id},
                                                  {"fields", {{"severity", {{"type", "dropdown"}, {"value", "SEV-2"}}},
                                                              {"Quality Score at Detection", {{"type", "textbox"}, {"value", 0.41}}}}}}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  json a = ParseJson(r.body)["data"]["attributes"];
  EXPECT_EQ(a["incident_type"], "LLM Quality");
  EXPECT_EQ(a["fields"]["quality_score_at_detection"]["value"], "0.41");
  EXPECT_TRUE(a["fields"]["affected_llm_service"]["value"].is_null());
  ExpectRefused(server.Call("POST", "/api/v2/incidents",
                            {{"data", {{"type", "incidents"},
                                       {"attributes", {{"title", "x"},
                                                       {"customer_impacted", false},
                                                       {"fields", {{"type", {{"type", "dropdown"}, {"value", "LLM Quality"}}},
                                                                   {"user_sessions_affected", {{"type", "textbox"}, {"value", "many"}}}}}}}}}}),
                "data.attributes.fields.user_sessions_affected: 'many' is not a number");
  EXPECT_EQ(server.Incidents().size(), 1u);
}

TEST_F(Workflow, ResolvingASev1CreatesItsPostmortemDueIn48Hours) {
  std::string id = OpenSecurityIncident();
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  // Publishing before resolution is refused (there is no post-mortem yet: 404).
  EXPECT_EQ(PatchPostmortem(id, {{"state", "published"}}).status, 404);
  server.clock().Advance(40min);
  ASSERT_EQ(Patch(id, {{"state", "resolved"}}).status, 200);
  EXPECT_EQ(Todo(id, "Update incident to resolved")["attributes"]["completed_by_event"], "resolved");
  EXPECT_EQ(Todo(id, "Schedule post-mortem (if required)")["attributes"]["completed_by_event"], "postmortem_scheduled");
  EXPECT_TRUE(Todo(id, "Post summary to stakeholders")["attributes"]["completed"].is_null());
  EXPECT_EQ(Get(id)["attributes"]["phase"], "Resolution & Post-Mortem");

  auto md = server.CallWith("GET", "/api/v2/incidents/" + id + "/postmortem", "",
                            {{"Accept", "text/markdown"}, {"DD-API-KEY", server.api_key},
                             {"DD-APPLICATION-KEY", server.app_key}});
  ASSERT_EQ(md.status, 200) << md.body;
  EXPECT_EQ(md.body.rfind("# Post-Mortem: Security: Prompt Injection Detected\n", 0), 0u) << md.body;
  for (const char* heading : {"## Summary", "## Timeline", "## Root Cause", "## Impact", "## What Went Well",
                              "## What Could Be Improved", "## Action Items"}) {
    EXPECT_NE(md.body.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.body.find("Security threat detected"), std::string::npos);  // the rule's root_cause field
  auto pm = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").body)["data"];
  EXPECT_EQ(pm["attributes"]["state"], "draft");
  EXPECT_EQ(pm["attributes"]["due"], FormatRfc3339(server.clock().Now() + 48h));
  // Listed as a postmortem attachment.
  auto listed = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/attachments?filter[attachment_type]=postmortem").body);
  ASSERT_EQ(listed["data"].size(), 1u);
  EXPECT_EQ(listed["data"][0]["id"], pm["id"]);

  // A follow-up todo becomes an action item.
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/relationships/todos",
                        {{"data", {{"type", "incident_todos"},
                                   {"attributes", {{"content", "Filter system-prompt echoes"}, {"assignees", {"@olu"}},
                                                   {"due_date", "2026-12-04T00:00:00Z"}, {"follow_up", true}}}}}})
                .status,
            201);
  auto edited = PatchPostmortem(id, {{"sections", {{"root_cause", "The chatbot echoed its system prompt."}}}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  json e = ParseJson(edited.body)["data"]["attributes"];
  EXPECT_NE(e["markdown"].get<std::string>().find("The chatbot echoed its system prompt."), std::string::npos);
  EXPECT_NE(e["markdown"].get<std::string>().find("| Filter system-prompt echoes | @olu | 2026-12-04 |"),
            std::string::npos)
      << e["markdown"];
  auto kinds = Kinds(id);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "postmortem_updated"), kinds.end());

  // In review, then published: the incident is completed, and the post-mortem final.
  ASSERT_EQ(PatchPostmortem(id, {{"state", "in_review"}}).status, 200);
  auto published = PatchPostmortem(id, {{"state", "published"}});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(ParseJson(published.body)["data"]["attributes"]["state"], "published");
  EXPECT_EQ(Get(id)["attributes"]["state"], "completed");
  ExpectRefused(PatchPostmortem(id, {{"sections", {{"summary", "late edit"}}}}), "published");
}

TEST_F(Workflow, AnOverduePostmortemRemindsTheCommanderThroughTheOutbox) {
  std::string id = OpenSecurityIncident();
  ASSERT_EQ(Patch(id, {{"state", "resolved"}}).status, 200);
  auto reminders = [&] {
    auto items = server.app().store().ListOutbox(id);
    EXPECT_TRUE(items);
    return std::count_if(items->begin(), items->end(), [](const core::OutboxItem& o) { return o.kind == "postmortem_overdue"; });
  };
  server.clock().Advance(47h);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(reminders(), 0);
  server.clock().Advance(2h);  // 49 h: overdue
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(reminders(), 2);  // to the incident's two channels
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(reminders(), 2);  // once per reminder_every (24 h)
  server.clock().Advance(24h);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(reminders(), 4);
  std::string text;
  for (const auto& c : server.Timeline(id)) {
    if (c["attributes"]["kind"] == "postmortem_overdue") text = c["attributes"]["content"]["content"];
  }
  EXPECT_NE(text.find("please finish and publish it"), std::string::npos) << text;
  // Published: no more reminders.
  ASSERT_EQ(PatchPostmortem(id, {{"state", "published"}}).status, 200);
  server.clock().Advance(48h);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(reminders(), 4);
}

TEST_F(Workflow, Sev3HasNoPostmortemUnlessAskedFor) {
  std::string id = server.CreateIncident("Slow recommendations", "SEV-3")["id"];
  ASSERT_EQ(Patch(id, {{"state", "resolved"}}).status, 200);
  EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").status, 404);
  EXPECT_TRUE(Todo(id, "Schedule post-mortem (if required)")["attributes"]["completed"].is_null());
  auto asked = server.Call("POST", "/api/v2/incidents/" + id + "/attachments/postmortems",
                           {{"data", {{"type", "incident_attachments"}, {"attributes", json::object()}}}});
  ASSERT_EQ(asked.status, 201) << asked.body;
  json att = ParseJson(asked.body)["data"];
  EXPECT_EQ(att["attributes"]["attachment_type"], "postmortem");
  EXPECT_NE(att["attributes"]["attachment"]["documentUrl"].get<std::string>().find("/postmortem"), std::string::npos);
  EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").status, 200);
  // Asking again answers the same one.
  auto again = server.Call("POST", "/api/v2/incidents/" + id + "/attachments/postmortems", json::object());
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(ParseJson(again.body)["data"]["id"], att["id"]);
}

TEST_F(Workflow, ReopeningKeepsThePostmortemAndGoesBackToInvestigation) {
  std::string id = OpenSecurityIncident();
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  ASSERT_EQ(Patch(id, {{"state", "resolved"}}).status, 200);
  std::string pm = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").body)["data"]["id"];
  ASSERT_EQ(Patch(id, {{"state", "active"}}).status, 200);
  EXPECT_EQ(Get(id)["attributes"]["phase"], "Investigation");
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").body)["data"]["id"], pm);
  // Publishing while it is open again is refused.
  ExpectRefused(PatchPostmortem(id, {{"state", "published"}}),
                "data.attributes.state: the incident is active; resolve it before publishing its post-mortem");
}

TEST_F(Workflow, BadPostmortemEditsAreRefusedNamingTheProblem) {
  std::string id = OpenSecurityIncident();
  ASSERT_EQ(Patch(id, {{"state", "resolved"}}).status, 200);
  std::size_t events = server.Timeline(id).size();
  ExpectRefused(PatchPostmortem(id, {{"sections", {{"timeline", "my version"}}}}),
                "data.attributes.sections.timeline: filled by Tocsin");
  ExpectRefused(PatchPostmortem(id, {{"sections", {{"lessons", "x"}}}}),
                "data.attributes.sections.lessons: not a section of the post-mortem");
  ExpectRefused(PatchPostmortem(id, {{"sections", {{"summary", 42}}}}), "data.attributes.sections.summary: must be a string");
  ExpectRefused(PatchPostmortem(id, {{"state", "done"}}), "data.attributes.state: unknown state 'done'");
  ExpectRefused(PatchPostmortem(id, {{"owner", "x"}}), "data.attributes.owner: not a post-mortem attribute");
  ExpectRefused(PatchPostmortem(id, {{"sections", {{"summary", std::string(64 * 1024 + 1, 'x')}}}}),
                "data.attributes.sections.summary: longer than 65536 bytes");
  EXPECT_EQ(server.Timeline(id).size(), events);
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "/postmortem").body)["data"]["attributes"]["state"],
            "draft");
}

}  // namespace
}  // namespace tocsin::testing
