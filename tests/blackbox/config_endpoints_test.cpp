// Datadog's incident configuration endpoints through the real server, with the
// v-commerce example: incident types, template fields (user-defined fields),
// the post-mortem template, the rules and their notifications. They are read
// only: the config file owns them, so every write is 405 and says so.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::testing {
namespace {

const std::string kBase = "/api/v2/incidents/config/";

class ConfigEndpoints : public ::testing::Test {
 protected:
  json Get(const std::string& path) {
    auto r = server.Call("GET", kBase + path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return ParseJson(r.body);
  }
  static const json* Named(const json& data, const std::string& key, const std::string& value) {
    for (const auto& item : data) {
      if (item["attributes"][key] == value) return &item;
    }
    return nullptr;
  }

  TestServer server;
};

TEST_F(ConfigEndpoints, TypesListAndGetInDatadogsShape) {
  json list = Get("types");
  ASSERT_EQ(list["data"].size(), 4u) << list.dump();
  std::vector<std::string> names;
  for (const auto& t : list["data"]) names.push_back(t["attributes"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"LLM Quality", "Security", "Tier 1 Services", "Capacity"}));

  const json& security = list["data"][1];
  EXPECT_EQ(security["type"], "incident_types");
  // The id is derived from the name, so it is the same after a restart.
  EXPECT_EQ(security["id"], core::workflow::TypeId("Security"));
  EXPECT_EQ(security["attributes"]["is_default"], false);
  EXPECT_EQ(security["attributes"]["prefix"], "IR");
  EXPECT_TRUE(security["attributes"]["createdAt"].is_string());
  EXPECT_TRUE(security["attributes"]["modifiedAt"].is_string());
  EXPECT_EQ(security["attributes"]["template"], "Security Incident");
  EXPECT_EQ(security["attributes"]["dashboard"], "/dashboard/security-overview");
  EXPECT_TRUE(list["data"][3]["attributes"]["template"].is_null());

  json one = Get("types/" + security["id"].get<std::string>());
  EXPECT_EQ(one["data"], security);
}

TEST_F(ConfigEndpoints, UnknownIdsAre404) {
  for (const char* path : {"types/0b5f6a4e-0000-5000-8000-000000000000", "types/Security",
                           "user-defined-fields/nope", "postmortem-templates/nope", "rules/nope",
                           "notification-rules/nope"}) {
    auto r = server.Call("GET", kBase + path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_NE(r.body.find("not found"), std::string::npos) << r.body;
  }
}

TEST_F(ConfigEndpoints, TemplateFieldsAreUserDefinedFields) {
  json list = Get("user-defined-fields");
  ASSERT_EQ(list["data"].size(), 8u) << list.dump();  // 4 LLM + 4 Security fields
  EXPECT_EQ(list["meta"]["size"], 8);

  const json* vector = Named(list["data"], "display_name", "Attack Vector");
  ASSERT_NE(vector, nullptr);
  EXPECT_EQ((*vector)["type"], "user_defined_field");
  EXPECT_EQ((*vector)["attributes"]["name"], "attack_vector");  // the key incidents use
  EXPECT_EQ((*vector)["attributes"]["type"], 1);                 // dropdown
  EXPECT_EQ((*vector)["attributes"]["template"], "Security Incident");
  EXPECT_EQ((*vector)["attributes"]["incident_types"], json({"Security"}));
  EXPECT_EQ((*vector)["relationships"]["incident_type"]["data"]["id"], core::workflow::TypeId("Security"));
  std::vector<std::string> values;
  for (const auto& v : (*vector)["attributes"]["valid_values"]) values.push_back(v["value"]);
  EXPECT_EQ(values, (std::vector<std::string>{"prompt_injection", "jailbreak", "data_extraction", "unknown"}));

  const json* blocked = Named(list["data"], "display_name", "Source IP/Session Blocked");
  ASSERT_NE(blocked, nullptr);
  EXPECT_EQ((*blocked)["attributes"]["name"], "source_ip_session_blocked");
  EXPECT_EQ((*blocked)["attributes"]["field_type"], "boolean");
  EXPECT_EQ((*blocked)["attributes"]["valid_values"].size(), 2u);

  const json* score = Named(list["data"], "display_name", "Quality Score at Detection");
  ASSERT_NE(score, nullptr);
  EXPECT_EQ((*score)["attributes"]["type"], 7);  // number
  EXPECT_TRUE((*score)["attributes"]["valid_values"].empty());
  EXPECT_EQ((*score)["relationships"]["incident_type"]["data"]["id"], core::workflow::TypeId("LLM Quality"));

  json one = Get("user-defined-fields/" + (*vector)["id"].get<std::string>());
  EXPECT_EQ(one["data"], *vector);
}

TEST_F(ConfigEndpoints, UserDefinedFieldsFilterByType) {
  json security = Get("user-defined-fields?filter[incident-type]=" + core::workflow::TypeId("Security"));
  ASSERT_EQ(security["data"].size(), 4u);
  for (const auto& f : security["data"]) EXPECT_EQ(f["attributes"]["template"], "Security Incident");
  // A type without a template has no fields of its own.
  EXPECT_TRUE(Get("user-defined-fields?filter[incident-type]=" + core::workflow::TypeId("Capacity"))["data"].empty());

  auto bad = server.Call("GET", kBase + "user-defined-fields?filter[incident-type]=Nope");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("filter[incident-type]: unknown incident type 'Nope'"), std::string::npos) << bad.body;
}

TEST_F(ConfigEndpoints, ThePostmortemTemplateIsTheConfiguredDocument) {
  json list = Get("postmortem-templates");
  ASSERT_EQ(list["data"].size(), 1u);
  const json& t = list["data"][0];
  EXPECT_EQ(t["type"], "postmortem_template");
  EXPECT_EQ(t["attributes"]["content"].get<std::string>().rfind("# Post-Mortem: [Incident Title]", 0), 0u);
  EXPECT_EQ(t["attributes"]["due_after_resolution"], 48 * 3600);
  EXPECT_EQ(t["attributes"]["attendees"].size(), 4u);
  EXPECT_EQ(Get("postmortem-templates/" + t["id"].get<std::string>())["data"], t);
}

TEST(ConfigEndpointsWithoutDocument, NoPostmortemTemplate) {
  TestServer server({.tweak = [](core::Config& c) { c.postmortem.document.clear(); }});
  auto r = server.Call("GET", kBase + "postmortem-templates");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(ParseJson(r.body)["data"].empty());
}

TEST_F(ConfigEndpoints, RulesAreTheConfiguredCreationRules) {
  json list = Get("rules");
  ASSERT_EQ(list["data"].size(), 4u);
  const json& r1 = list["data"][0];
  EXPECT_EQ(r1["type"], "incidents_rules");
  EXPECT_EQ(r1["attributes"]["name"], "[V-Commerce] Critical LLM Security Incident");
  EXPECT_EQ(r1["attributes"]["enabled"], true);
  EXPECT_EQ(r1["attributes"]["conditions"][0]["field"], "monitor");
  EXPECT_EQ(r1["attributes"]["conditions"][0]["values"],
            json({"[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"}));
  const json& settings = r1["attributes"]["incident_settings"];
  EXPECT_EQ(settings["severity"], "SEV-1");
  EXPECT_EQ(settings["commander"], "@security-oncall");
  EXPECT_EQ(settings["type"], "Security");
  EXPECT_EQ(settings["incident_type_id"], core::workflow::TypeId("Security"));
  EXPECT_EQ(settings["notifications"], json({"slack-security-alerts", "pagerduty-security"}));
  EXPECT_EQ(settings["fields"]["services_affected"], json({"chatbotservice", "shoppingassistantservice", "peau_agent"}));

  const json& r3 = list["data"][2];
  EXPECT_EQ(r3["attributes"]["trigger_settings"]["tags"], json({"tier:1"}));
  EXPECT_EQ(r3["attributes"]["incident_settings"]["type"], "Tier 1 Services");

  EXPECT_EQ(Get("rules/" + r1["id"].get<std::string>())["data"], r1);
}

TEST_F(ConfigEndpoints, NotificationRulesAreEachRulesChannels) {
  json list = Get("notification-rules");
  ASSERT_EQ(list["data"].size(), 4u);
  const json& n2 = list["data"][1];
  EXPECT_EQ(n2["type"], "incident_notification_rules");
  EXPECT_EQ(n2["attributes"]["handles"], json({"slack-llm-alerts"}));
  EXPECT_EQ(n2["attributes"]["trigger"], "incident_created_trigger");
  EXPECT_EQ(n2["attributes"]["conditions"][0]["field"], "rule");
  EXPECT_EQ(n2["attributes"]["conditions"][0]["values"], json({"[V-Commerce] LLM Quality Degradation Incident"}));
  EXPECT_EQ(n2["relationships"]["incident_type"]["data"]["id"], core::workflow::TypeId("LLM Quality"));
  EXPECT_EQ(Get("notification-rules/" + n2["id"].get<std::string>())["data"], n2);
}

TEST_F(ConfigEndpoints, WritesAre405AndPointAtTheConfigFile) {
  std::string type_id = core::workflow::TypeId("Security");
  const std::pair<const char*, std::string> writes[] = {
      {"POST", "types"},
      {"PATCH", "types/" + type_id},
      {"DELETE", "types/" + type_id},
      {"POST", "user-defined-fields"},
      {"PATCH", "user-defined-fields/x"},
      {"POST", "postmortem-templates"},
      {"DELETE", "postmortem-templates/x"},
      {"POST", "rules"},
      {"PUT", "rules/x"},
      {"POST", "notification-rules"},
      {"PUT", "notification-rules/x"},
  };
  for (const auto& [method, path] : writes) {
    auto r = server.Call(method, kBase + path, json{{"data", {{"type", "incident_types"}, {"attributes", {{"name", "X"}}}}}});
    EXPECT_EQ(r.status, 405) << method << " " << path;
    EXPECT_EQ(r.headers["allow"], "GET") << method << " " << path;
    json body = ParseJson(r.body);
    ASSERT_EQ(body["errors"].size(), 1u) << r.body;
    std::string message = body["errors"][0];
    EXPECT_NE(message.find("owned by the config file (tocsin.yaml); edit it and reload"), std::string::npos)
        << message;
  }
  // Nothing changed.
  EXPECT_EQ(Get("types")["data"].size(), 4u);
}

TEST_F(ConfigEndpoints, NeedKeys) {
  HttpClient anonymous(server.port());
  auto r = anonymous.Request("GET", kBase + "types");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(anonymous.Request("POST", kBase + "types", "{}").status, 401);
}

}  // namespace
}  // namespace tocsin::testing
