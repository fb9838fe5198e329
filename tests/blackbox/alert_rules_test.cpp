// Proves the seed's automatic incident creation rules, exactly as written in
// the example config, open the right incidents from alerts: one incident per
// alert group, most severe rule wins, re-triggers and recoveries appended,
// redeliveries idempotent, recurrences linked.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kHallucination = "[V-Commerce] LLM Hallucination Detection";
constexpr const char* kQuality = "[V-Commerce] LLM Response Quality Degradation Alert";
constexpr const char* kPredictive = "[V-Commerce] AI-Powered Predictive Capacity Alert";

json Generic(const std::string& monitor, const std::string& state = "alert", const json& tags = json::array(),
             const std::string& id = "") {
  json a{{"monitor", monitor}, {"state", state}, {"tags", tags}, {"scope", "env:prod"}};
  if (!id.empty()) a["id"] = id;
  return a;
}

std::vector<std::string> Kinds(const json& timeline) {
  std::vector<std::string> out;
  for (const auto& c : timeline) out.push_back(c["attributes"]["kind"]);
  return out;
}

std::vector<std::string> Channels(TestServer& s, const std::string& incident_id) {
  std::vector<std::string> out;
  auto items = s.app().store().ListOutbox(incident_id);
  EXPECT_TRUE(items);
  for (const auto& o : *items) out.push_back(o.channel);
  return out;
}

json FieldValue(const json& incident, const std::string& name) { return incident["attributes"]["fields"][name]["value"]; }

// The first person on call for a team (id or handle), as the API answers.
std::string OnCall(TestServer& s, const std::string& team) {
  auto r = s.Call("GET", "/api/v2/on-call/teams/" + team);
  EXPECT_EQ(r.status, 200) << r.body;
  auto people = ParseJson(r.body)["data"]["attributes"]["on_call"];
  EXPECT_FALSE(people.empty()) << r.body;
  return people.empty() ? "" : people[0]["handle"].get<std::string>();
}

class AlertRules : public ::testing::Test {
 protected:
  json Send(const json& alert) {
    auto r = server.Ingest("/api/integrations/generic", alert);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"];
  }
  TestServer server;
};

TEST_F(AlertRules, Rule1SecurityIncidentFromPromptInjection) {
  auto answer = Send(Generic(kInjection));
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0]["attributes"]["decision"], "opened");
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  const json& inc = incidents[0];
  EXPECT_EQ(inc["attributes"]["title"], "Security: Prompt Injection Detected");
  EXPECT_EQ(inc["attributes"]["severity"], "SEV-1");
  // The handle names the team; the commander is whoever is on call for it now.
  EXPECT_EQ(inc["attributes"]["commander_handle"], "@security-oncall");
  EXPECT_EQ(inc["attributes"]["commander"]["data"]["attributes"]["handle"], OnCall(server, "security"));
  EXPECT_EQ(FieldValue(inc, "root_cause"), "Security threat detected");
  EXPECT_EQ(FieldValue(inc, "customer_impact"), "Potential data exposure risk");
  EXPECT_EQ(FieldValue(inc, "services_affected"),
            (json{"chatbotservice", "shoppingassistantservice", "peau_agent"}));
  EXPECT_EQ(FieldValue(inc, "detection_method"), "monitor");
  EXPECT_EQ(FieldValue(inc, "teams"), (json{"Security"}));
  EXPECT_EQ(FieldValue(inc, "dashboard"), "/dashboard/security-overview");
  EXPECT_NE(FieldValue(inc, "runbook").get<std::string>().find("RUNBOOKS.md#"), std::string::npos);
  EXPECT_EQ(inc["attributes"]["detected"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_EQ(Channels(server, inc["id"]), (std::vector<std::string>{"slack-security-alerts", "pagerduty-security"}));
  auto kinds = Kinds(server.Timeline(inc["id"]));
  EXPECT_EQ(kinds[0], "incident_created");
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "rule_matched"), kinds.end());
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "notification_queued"), 2);
}

struct SeedCase {
  const char* monitor;
  json tags;
  const char* title;
  const char* severity;
  const char* commander;
  std::vector<std::string> channels;
};

TEST_F(AlertRules, EachSeedMonitorOpensTheRightIncident) {
  std::vector<SeedCase> cases = {
      {kHallucination, json::array(), "LLM Quality: Response Degradation Detected", "SEV-2", "llm-oncall", {"slack-llm-alerts"}},
      {kQuality, json::array(), "LLM Quality: Response Degradation Detected", "SEV-2", "llm-oncall", {"slack-llm-alerts"}},
      {kPredictive, json::array(), "Predictive: Potential Failure in 2 Hours", "SEV-2", "sre-oncall", {"slack-sre"}},
      {"[V-Commerce] Checkout Error Rate", json{"tier:1", "service:checkout"}, "Critical: Tier 1 Service Degradation",
       "SEV-1", "platform-oncall", {"pagerduty-oncall", "slack-critical"}},
  };
  for (const auto& c : cases) {
    auto answer = Send(Generic(c.monitor, "alert", c.tags));
    ASSERT_EQ(answer[0]["attributes"]["decision"], "opened") << c.monitor;
    std::string id = answer[0]["relationships"]["incident"]["data"]["id"];
    auto inc = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"];
    EXPECT_EQ(inc["attributes"]["title"], c.title) << c.monitor;
    EXPECT_EQ(inc["attributes"]["severity"], c.severity) << c.monitor;
    EXPECT_EQ(inc["attributes"]["commander_handle"], "@" + std::string(c.commander)) << c.monitor;
    EXPECT_EQ(inc["attributes"]["commander"]["data"]["attributes"]["handle"], OnCall(server, c.commander)) << c.monitor;
    EXPECT_EQ(Channels(server, id), c.channels) << c.monitor;
  }
  auto predictive = server.Incidents()[1];
  EXPECT_EQ(FieldValue(predictive, "timeline"), "Predicted failure within 2 hours");
}

TEST_F(AlertRules, Tier1TagFromAnyMonitor) {
  Send(Generic("some random monitor", "alert", json{"team:payments", "tier:1"}));
  Send(Generic("another monitor without the tag", "alert", json{"tier:2"}));
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["attributes"]["title"], "Critical: Tier 1 Service Degradation");
  auto log = ParseJson(server.Call("GET", "/api/v2/alerts?filter[monitor]=another%20monitor%20without%20the%20tag").body);
  ASSERT_EQ(log["data"].size(), 1u);
  EXPECT_EQ(log["data"][0]["attributes"]["decision"], "ignored");
  EXPECT_NE(log["data"][0]["attributes"]["detail"].get<std::string>().find("no rule matches"), std::string::npos);
}

TEST_F(AlertRules, AlertMatchingTwoRulesOpensOneIncidentMostSevereWins) {
  auto answer = Send(Generic(kHallucination, "alert", json{"tier:1"}));
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  const json& inc = incidents[0];
  EXPECT_EQ(inc["attributes"]["severity"], "SEV-1");
  EXPECT_EQ(inc["attributes"]["title"], "Critical: Tier 1 Service Degradation");
  EXPECT_EQ(inc["attributes"]["commander_handle"], "@platform-oncall");
  EXPECT_EQ(FieldValue(inc, "root_cause"), "To be determined");  // the SEV-1 rule wins the conflict
  EXPECT_EQ(FieldValue(inc, "services_affected"), (json{"chatbotservice", "shoppingassistantservice"}));
  EXPECT_EQ(Channels(server, inc["id"]), (std::vector<std::string>{"pagerduty-oncall", "slack-critical", "slack-llm-alerts"}));
  int rules = 0;
  for (const auto& c : server.Timeline(inc["id"])) rules += c["attributes"]["kind"] == "rule_matched";
  EXPECT_EQ(rules, 2);
}

TEST_F(AlertRules, RedeliveryIsIdempotent) {
  auto first = Send(Generic(kInjection, "alert", json::array(), "evt-1"));
  auto second = Send(Generic(kInjection, "alert", json::array(), "evt-1"));
  EXPECT_EQ(second[0]["attributes"]["duplicate"], true);
  EXPECT_EQ(second[0]["id"], first[0]["id"]);
  EXPECT_EQ(server.Incidents().size(), 1u);
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/alerts").body)["data"].size(), 1u);
  EXPECT_EQ(Channels(server, server.Incidents()[0]["id"]).size(), 2u);
}

TEST_F(AlertRules, RetriggerRecoveryAndFlappingStayOnOneIncident) {
  Send(Generic(kInjection, "alert"));
  server.clock().Advance(std::chrono::minutes(1));
  Send(Generic(kInjection, "ok"));
  Send(Generic(kInjection, "alert"));
  Send(Generic(kInjection, "ok"));
  Send(Generic(kInjection, "alert"));
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["attributes"]["state"], "active");
  auto kinds = Kinds(server.Timeline(incidents[0]["id"]));
  std::vector<std::string> alert_kinds;
  for (const auto& k : kinds) {
    if (k.rfind("alert_", 0) == 0) alert_kinds.push_back(k);
  }
  EXPECT_EQ(alert_kinds, (std::vector<std::string>{"alert_recovered", "alert_retriggered", "alert_recovered",
                                                   "alert_retriggered"}));
  // Re-triggers do not queue the opening notifications again.
  EXPECT_EQ(Channels(server, incidents[0]["id"]).size(), 2u);
}

TEST_F(AlertRules, DifferentScopesAreDifferentIncidents) {
  json a = Generic(kInjection);
  json b = Generic(kInjection);
  b["scope"] = "env:staging";
  Send(a);
  Send(b);
  EXPECT_EQ(server.Incidents().size(), 2u);
}

TEST_F(AlertRules, AlertAfterResolutionOpensALinkedIncident) {
  auto first = Send(Generic(kInjection));
  std::string id = first[0]["relationships"]["incident"]["data"]["id"];
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  Send(Generic(kInjection, "ok"));  // a late recovery does not touch the resolved incident
  auto again = Send(Generic(kInjection));
  EXPECT_EQ(again[0]["attributes"]["decision"], "opened");
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(FieldValue(incidents[0], "recurrence_of"), "IR-1");
  auto kinds = Kinds(server.Timeline(incidents[0]["id"]));
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "recurrence"), kinds.end());
}

TEST_F(AlertRules, ConditionFiltersStates) {
  auto answer = Send(Generic(kInjection, "warn"));
  EXPECT_EQ(answer[0]["attributes"]["decision"], "ignored");
  EXPECT_EQ(server.Incidents().size(), 0u);
}

TEST_F(AlertRules, AlertLogFiltersByStateAndTag) {
  Send(Generic(kInjection, "alert", json{"tier:1"}));
  Send(Generic(kPredictive, "ok"));
  auto ok = ParseJson(server.Call("GET", "/api/v2/alerts?filter[state]=ok").body)["data"];
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0]["attributes"]["monitor_name"], kPredictive);
  auto tier = ParseJson(server.Call("GET", "/api/v2/alerts?filter[tag]=tier:1").body)["data"];
  ASSERT_EQ(tier.size(), 1u);
  EXPECT_EQ(server.Call("GET", "/api/v2/alerts?filter[state]=sideways").status, 400);
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

std::string ReadGolden(const std::string& rel) {
  std::ifstream in(std::string(TOCSIN_SOURCE_DIR) + "/tests/golden/ingest/" + rel);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A Datadog monitor webhook (Tocsin's documented payload) opens the seed's
// Rule 1 incident with the runbook from the monitor message.
TEST(DatadogWebhook, OpensTheSeedIncidentEndToEnd) {
  TestServer server;
  std::string body = ReadGolden("datadog/seed_prompt_injection_triggered.json");
  ASSERT_FALSE(body.empty());
  auto r = server.CallWith("POST", "/api/integrations/datadog", body, {{"DD-API-KEY", server.ingest_key}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["attributes"]["title"], "Security: Prompt Injection Detected");
  EXPECT_EQ(incidents[0]["attributes"]["fields"]["runbook"]["value"],
            "https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#llm-prompt-injection");
  // The monitor's own time is when the incident was detected.
  EXPECT_EQ(incidents[0]["attributes"]["detected"], "2024-05-01T09:59:00.000000+00:00");
  std::string recovered = ReadGolden("datadog/seed_prompt_injection_recovered.json");
  auto rr = server.CallWith("POST", "/api/integrations/datadog", recovered, {{"DD-API-KEY", server.ingest_key}});
  ASSERT_EQ(rr.status, 200) << rr.body;
  EXPECT_EQ(ParseJson(rr.body)["data"][0]["attributes"]["decision"], "recovered");
}

// Alertmanager's webhook payload with one firing and one resolved alert.
TEST(AlertmanagerWebhook, FiringAndResolvedInOneDelivery) {
  TestServer server;
  std::string body = ReadGolden("alertmanager/two_alerts_firing_and_resolved.json");
  auto r = server.CallWith("POST", "/api/integrations/alertmanager", body, {{"Authorization", "Bearer " + server.ingest_key}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body)["data"].size(), 2u);
}

}  // namespace
}  // namespace tocsin::testing
