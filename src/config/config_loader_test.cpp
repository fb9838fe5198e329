#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tocsin::config {
namespace {

using std::chrono::seconds;

// Tests never read the real environment, so they behave the same on every machine.
EnvLookup FakeEnv(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

LoadResult Load(std::string_view yaml, EnvLookup env = FakeEnv()) {
  return LoadConfigString(yaml, "test.yaml", std::move(env));
}

std::string Dump(const LoadResult& result) {
  std::string out;
  for (const Diagnostic& d : result.problems) out += d.ToString() + "\n";
  return out;
}

std::string ExamplePath() {
  return (std::filesystem::path(TOCSIN_SOURCE_DIR) / "examples" / "v-commerce" / "tocsin.yaml")
      .lexically_normal()
      .string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Re-indents a top-level block as an item of a list at two spaces ("  - first line").
std::string AsListItem(std::string_view block) {
  std::string out;
  bool first = true;
  std::size_t start = 0;
  while (start < block.size()) {
    std::size_t end = block.find('\n', start);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(start, end - start);
    if (!line.empty()) out += (first ? "  - " : "    ") + std::string(line);
    out += "\n";
    first = false;
    start = end + 1;
  }
  return out;
}

// The seed's blocks, byte for byte as "V-Commerce Incident Management Setup" writes them.
constexpr std::string_view kSeedRule1 = R"(rule_name: '[V-Commerce] Critical LLM Security Incident'
trigger:
  monitors:
    - '[V-Commerce] LLM Prompt Injection / Adversarial Input Detection'
  condition: 'alert'
incident_settings:
  title: 'Security: Prompt Injection Detected'
  severity: 'SEV-1'
  commander: '@security-oncall'
  notifications:
    - slack-security-alerts
    - pagerduty-security
  fields:
    root_cause: 'Security threat detected'
    customer_impact: 'Potential data exposure risk'
    services_affected:
      ['chatbotservice', 'shoppingassistantservice', 'peau_agent']
)";

constexpr std::string_view kSeedRule2 =
    R"(rule_name: '[V-Commerce] LLM Quality Degradation Incident'
trigger:
  monitors:
    - '[V-Commerce] LLM Hallucination Detection'
    - '[V-Commerce] LLM Response Quality Degradation Alert'
  condition: 'alert'
incident_settings:
  title: 'LLM Quality: Response Degradation Detected'
  severity: 'SEV-2'
  commander: '@llm-oncall'
  notifications:
    - slack-llm-alerts
  fields:
    root_cause: 'LLM quality degradation'
    customer_impact: 'Poor user experience, potential conversion loss'
    services_affected: ['chatbotservice', 'shoppingassistantservice']
)";

constexpr std::string_view kSeedRule3 = R"(rule_name: '[V-Commerce] Tier 1 Service Incident'
trigger:
  monitors:
    - '*' # Any monitor with tag tier:1
  tags:
    - 'tier:1'
  condition: 'alert'
incident_settings:
  title: 'Critical: Tier 1 Service Degradation'
  severity: 'SEV-1'
  commander: '@platform-oncall'
  notifications:
    - pagerduty-oncall
    - slack-critical
  fields:
    root_cause: 'To be determined'
    customer_impact: 'Revenue-impacting service degradation'
)";

constexpr std::string_view kSeedRule4 = R"(rule_name: '[V-Commerce] Predictive Capacity Incident'
trigger:
  monitors:
    - '[V-Commerce] AI-Powered Predictive Capacity Alert'
  condition: 'alert'
incident_settings:
  title: 'Predictive: Potential Failure in 2 Hours'
  severity: 'SEV-2'
  commander: '@sre-oncall'
  notifications:
    - slack-sre
  fields:
    root_cause: 'AI-predicted capacity issue'
    customer_impact: 'Potential future degradation'
    timeline: 'Predicted failure within 2 hours'
)";

constexpr std::string_view kSeedTemplateLlm = R"(name: 'LLM Service Incident'
fields:
  - name: 'Affected LLM Service'
    type: 'dropdown'
    options: ['chatbotservice', 'shoppingassistantservice', 'peau_agent', 'all']
  - name: 'Quality Score at Detection'
    type: 'number'
  - name: 'Token Usage Anomaly'
    type: 'boolean'
  - name: 'User Sessions Affected'
    type: 'number'
)";

constexpr std::string_view kSeedTemplateSecurity = R"(name: 'Security Incident'
fields:
  - name: 'Attack Vector'
    type: 'dropdown'
    options: ['prompt_injection', 'jailbreak', 'data_extraction', 'unknown']
  - name: 'Attack Successful'
    type: 'boolean'
  - name: 'Data Exposed'
    type: 'boolean'
  - name: 'Source IP/Session Blocked'
    type: 'boolean'
)";

// Teams whose on-call handles the seed's commanders name; no channels section, so
// notification names are not checked.
constexpr std::string_view kSeedTeams = R"(teams:
  - id: security
    oncall_handle: security-oncall
  - id: llm-platform
    oncall_handle: llm-oncall
  - id: platform-sre
    oncall_handle: '@platform-oncall'
    oncall_aliases: ['@sre-oncall']
)";

// ---------------------------------------------------------------------------
// The example configuration

// Found by fuzz/config_loader.cpp: yaml-cpp's LoadAll never returned on ",\0\0".
TEST(ConfigLoader, RefusesNulBytesInsteadOfHanging) {
  auto result = Load(std::string_view(",\0\0", 3));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(Dump(result).find("test.yaml:1:2: a NUL byte: a configuration file is text"), std::string::npos)
      << Dump(result);
  result = Load(std::string_view("server:\n  listen: x\0", 20));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(Dump(result).find("test.yaml:2:12: a NUL byte"), std::string::npos) << Dump(result);
}

// Found by fuzz/config_loader.cpp: yaml-cpp's LoadAll never returns on a
// line starting with a ',' outside any [list] or {mapping} (",", "# a\n,").
TEST(ConfigLoader, RefusesAStrayCommaInsteadOfHanging) {
  for (const char* text : {",\n", "# comment\n,\n# more", "server:\n  listen: x\n---\n,\n", "\"x\"\n  , y\n"}) {
    auto result = Load(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_NE(Dump(result).find("YAML syntax error: ',' outside a [list] or {mapping}"), std::string::npos)
        << Dump(result);
  }
  EXPECT_NE(Dump(Load("# a\n,\n")).find("test.yaml:2:1:"), std::string::npos);
  // Commas YAML reads as text or as list separators are not touched.
  auto fine = Load(R"(server:
  listen: '127.0.0.1:8080'
  public_url: "https://x.example, y"
postmortem:
  document: |
    # Post-Mortem
    , a line of the document that starts with a comma
    don't stop here
  attendees: [Incident Commander
    , Engineering Manager]
)");
  EXPECT_TRUE(fine.ok()) << Dump(fine);
  EXPECT_EQ(fine.config.postmortem.attendees.size(), 2u);
}

TEST(ConfigLoaderExample, LoadsWithoutProblems) {
  LoadResult result = LoadConfigFile(ExamplePath(), FakeEnv());
  ASSERT_TRUE(result.ok()) << Dump(result);
  const core::Config& c = result.config;
  EXPECT_EQ(c.source_file, ExamplePath());
  EXPECT_EQ(c.rules.size(), 4u);
  EXPECT_EQ(c.templates.size(), 2u);
  EXPECT_EQ(c.teams.size(), 4u);
  EXPECT_EQ(c.severities.size(), 4u);
  EXPECT_EQ(c.dashboards.size(), 4u);
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.storage.driver, "sqlite");
  EXPECT_EQ(c.storage.data_dir, "./data");
  EXPECT_EQ(c.server.rate_limit_requests, 6000);
  EXPECT_EQ(c.server.rate_limit_period, seconds(60));
}

TEST(ConfigLoaderExample, SeverityValues) {
  LoadResult result = LoadConfigFile(ExamplePath(), FakeEnv());
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& s = result.config.severities;
  ASSERT_EQ(s.size(), 4u);
  const char* names[] = {"SEV-1", "SEV-2", "SEV-3", "SEV-4"};
  const char* labels[] = {"Critical", "High", "Medium", "Low"};
  const long responses[] = {300, 900, 3600, 14400};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s[i].name, names[i]);
    EXPECT_EQ(s[i].label, labels[i]);
    EXPECT_EQ(s[i].response_time.count(), responses[i]);
    EXPECT_EQ(s[i].rank, i);
    EXPECT_EQ(s[i].postmortem_required, i < 2);
    EXPECT_EQ(s[i].mark.file, ExamplePath());
    EXPECT_GT(s[i].mark.line, 0);
  }
  EXPECT_EQ(s[0].description, "Revenue or security impact");
  EXPECT_EQ(s[1].description, "Significant user impact");
  EXPECT_EQ(s[2].description, "Moderate impact");
  EXPECT_EQ(s[3].description, "Minor impact");
  EXPECT_EQ(s[0].update_cadence, seconds(900));
  EXPECT_EQ(s[1].update_cadence, seconds(1800));
  EXPECT_FALSE(s[2].update_cadence.has_value());
  EXPECT_FALSE(s[3].update_cadence.has_value());
}

TEST(ConfigLoaderExample, RuleValues) {
  LoadResult result = LoadConfigFile(ExamplePath(), FakeEnv());
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& rules = result.config.rules;
  ASSERT_EQ(rules.size(), 4u);

  const core::Rule& r1 = rules[0];
  EXPECT_EQ(r1.name, "[V-Commerce] Critical LLM Security Incident");
  EXPECT_EQ(r1.monitors, std::vector<std::string>{
                             "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection"});
  EXPECT_EQ(r1.conditions, std::vector<std::string>{"alert"});
  EXPECT_EQ(r1.title, "Security: Prompt Injection Detected");
  EXPECT_EQ(r1.severity, "SEV-1");
  EXPECT_EQ(r1.commander, "@security-oncall");
  EXPECT_EQ(r1.notifications,
            (std::vector<std::string>{"slack-security-alerts", "pagerduty-security"}));
  ASSERT_EQ(r1.fields.count("services_affected"), 1u);
  EXPECT_TRUE(r1.fields.at("services_affected").is_list);
  EXPECT_EQ(r1.fields.at("services_affected").list,
            (std::vector<std::string>{"chatbotservice", "shoppingassistantservice", "peau_agent"}));
  EXPECT_EQ(r1.fields.at("root_cause").text, "Security threat detected");
  EXPECT_FALSE(r1.fields.at("root_cause").is_list);
  EXPECT_EQ(r1.dashboard, "/dashboard/security-overview");
  EXPECT_NE(r1.runbook.find("RUNBOOKS.md#"), std::string::npos);

  EXPECT_EQ(rules[1].monitors.size(), 2u);
  EXPECT_EQ(rules[1].commander, "@llm-oncall");

  const core::Rule& r3 = rules[2];
  EXPECT_EQ(r3.monitors, std::vector<std::string>{"*"});
  EXPECT_EQ(r3.tags, std::vector<std::string>{"tier:1"});
  EXPECT_EQ(r3.severity, "SEV-1");
  EXPECT_EQ(r3.commander, "@platform-oncall");
  EXPECT_EQ(r3.notifications, (std::vector<std::string>{"pagerduty-oncall", "slack-critical"}));

  const core::Rule& r4 = rules[3];
  EXPECT_EQ(r4.commander, "@sre-oncall");
  EXPECT_EQ(r4.fields.at("timeline").text, "Predicted failure within 2 hours");
  EXPECT_EQ(r4.fields.size(), 3u);
}

TEST(ConfigLoaderExample, TeamsTemplatesChannelsAndDashboards) {
  LoadResult result = LoadConfigFile(ExamplePath(), FakeEnv());
  ASSERT_TRUE(result.ok()) << Dump(result);
  const core::Config& c = result.config;

  const core::Team* security = c.FindTeamByHandle("security-oncall");
  ASSERT_NE(security, nullptr);
  EXPECT_EQ(security->name, "Security");
  EXPECT_EQ(security->slack_channel, "#security-alerts");
  EXPECT_EQ(security->pagerduty_service, "security-oncall");
  EXPECT_EQ(security->responsibilities,
            (std::vector<std::string>{"Injection detection", "data protection"}));
  const char* handles[] = {"llm-oncall", "security-oncall", "platform-oncall", "commerce-oncall"};
  for (const char* handle : handles) EXPECT_NE(c.FindTeamByHandle(handle), nullptr) << handle;
  EXPECT_EQ(c.teams[2].oncall_aliases, std::vector<std::string>{"sre-oncall"});
  for (const core::Team& team : c.teams) {
    for (const std::string& member : team.members) EXPECT_NE(c.FindUser(member), nullptr);
  }

  ASSERT_EQ(c.templates.size(), 2u);
  EXPECT_EQ(c.templates[0].name, "LLM Service Incident");
  ASSERT_EQ(c.templates[0].fields.size(), 4u);
  EXPECT_EQ(c.templates[0].fields[0].type, "dropdown");
  EXPECT_EQ(c.templates[0].fields[0].options,
            (std::vector<std::string>{"chatbotservice", "shoppingassistantservice", "peau_agent",
                                      "all"}));
  EXPECT_EQ(c.templates[1].name, "Security Incident");
  EXPECT_EQ(c.templates[1].fields[3].name, "Source IP/Session Blocked");
  EXPECT_EQ(c.templates[1].fields[3].type, "boolean");

  // Every notification a rule names is a configured channel.
  for (const core::Rule& rule : c.rules) {
    for (const std::string& name : rule.notifications) {
      bool found = false;
      for (const core::Channel& channel : c.channels) found = found || channel.name == name;
      EXPECT_TRUE(found) << name;
    }
  }
  // Secrets fall back to their placeholder when the environment does not set them.
  for (const core::Channel& channel : c.channels) {
    if (channel.type == "slack") {
      EXPECT_EQ(channel.settings.at("url").rfind("https://hooks.slack.com/", 0), 0u);
    }
  }

  ASSERT_EQ(c.dashboards.size(), 4u);
  EXPECT_EQ(c.dashboards[0].incident_type, "LLM Quality");
  EXPECT_EQ(c.dashboards[0].url, "/dashboard/llm-observability");
  EXPECT_EQ(c.dashboards[3].incident_type, "Capacity");
  EXPECT_EQ(c.dashboards[3].url, "/dashboard/infrastructure");
}

TEST(ConfigLoaderExample, SecretsComeFromTheEnvironment) {
  LoadResult result =
      LoadConfigFile(ExamplePath(), FakeEnv({{"PAGERDUTY_ROUTING_KEY_SECURITY", "R0UT1NG"}}));
  ASSERT_TRUE(result.ok()) << Dump(result);
  for (const core::Channel& channel : result.config.channels) {
    if (channel.name == "pagerduty-security") {
      EXPECT_EQ(channel.settings.at("routing_key"), "R0UT1NG");
    }
  }
}

TEST(ConfigLoaderExample, CarriesTheSeedBlocksVerbatim) {
  std::string example = ReadFile(ExamplePath());
  for (std::string_view block :
       {kSeedRule1, kSeedRule2, kSeedRule3, kSeedRule4, kSeedTemplateLlm, kSeedTemplateSecurity}) {
    EXPECT_NE(example.find(AsListItem(block)), std::string::npos) << block;
  }
}

// ---------------------------------------------------------------------------
// The seed's blocks load as written

TEST(ConfigLoaderSeed, EveryRuleBlockLoads) {
  for (std::string_view block : {kSeedRule1, kSeedRule2, kSeedRule3, kSeedRule4}) {
    std::string yaml = std::string(kSeedTeams) + "rules:\n" + AsListItem(block);
    LoadResult result = Load(yaml);
    ASSERT_TRUE(result.ok()) << Dump(result) << yaml;
    ASSERT_EQ(result.config.rules.size(), 1u);
    const core::Rule& rule = result.config.rules[0];
    EXPECT_FALSE(rule.name.empty());
    EXPECT_FALSE(rule.monitors.empty());
    EXPECT_EQ(rule.conditions, std::vector<std::string>{"alert"});
    EXPECT_NE(result.config.FindSeverity(rule.severity), nullptr);
    EXPECT_EQ(rule.mark.file, "test.yaml");
    EXPECT_EQ(rule.mark.line, 10);  // after the 9 lines of kSeedTeams and "rules:"
    EXPECT_EQ(rule.mark.column, 5);
  }
}

TEST(ConfigLoaderSeed, AllRuleBlocksTogetherLoad) {
  std::string yaml = std::string(kSeedTeams) + "rules:\n" + AsListItem(kSeedRule1) +
                     AsListItem(kSeedRule2) + AsListItem(kSeedRule3) + AsListItem(kSeedRule4);
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.rules.size(), 4u);
  // Without a severities section the seed's four levels apply.
  ASSERT_EQ(result.config.severities.size(), 4u);
  EXPECT_EQ(result.config.severities[0].mark.file, "test.yaml");
}

TEST(ConfigLoaderSeed, EveryTemplateBlockLoads) {
  for (std::string_view block : {kSeedTemplateLlm, kSeedTemplateSecurity}) {
    LoadResult result = Load("templates:\n" + AsListItem(block));
    ASSERT_TRUE(result.ok()) << Dump(result);
    ASSERT_EQ(result.config.templates.size(), 1u);
    const core::IncidentTemplate& t = result.config.templates[0];
    ASSERT_EQ(t.fields.size(), 4u);
    EXPECT_EQ(t.fields[0].type, "dropdown");
    EXPECT_EQ(t.fields[0].options.size(), 4u);
    EXPECT_FALSE(t.fields[0].required);
    EXPECT_EQ(t.fields[1].mark.line, 7);
    EXPECT_EQ(t.fields[1].mark.column, 9);
  }
}

// ---------------------------------------------------------------------------
// Mistakes: all of them, each where it was written

TEST(ConfigLoaderErrors, ReportsEveryMistakeWithItsPosition) {
  const char* yaml =
      "server:\n"                        // 1
      "  listen: localhost\n"            // 2
      "  read_timeout: abc\n"            // 3
      "  max_body_bytes: lots\n"         // 4
      "storage:\n"                       // 5
      "  driver: mysql\n"                // 6
      "users:\n"                         // 7
      "  - handle: alice\n"              // 8
      "  - handle: alice\n"              // 9
      "teams:\n"                         // 10
      "  - id: sec\n"                    // 11
      "    oncall_handle: sec-oncall\n"  // 12
      "    members: [alice, bob]\n"      // 13
      "rules:\n"                         // 14
      "  - rule_name: r1\n"              // 15
      "    trigger:\n"                   // 16
      "      monitors: [m]\n"            // 17
      "      condition: sometimes\n"     // 18
      "    incident_settings:\n"         // 19
      "      title: t\n"                 // 20
      "      severity: SEV-9\n"          // 21
      "      commander: '@nobody'\n"     // 22
      "bogus: 1\n";                      // 23
  LoadResult result = Load(yaml);
  std::vector<std::string> expected = {
      "test.yaml:2:11: server.listen: expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, "
      "got 'localhost'",
      "test.yaml:3:17: server.read_timeout: expected a duration like 10s, 5m or 1h, got 'abc'",
      "test.yaml:4:19: server.max_body_bytes: expected an integer, got 'lots'",
      "test.yaml:6:11: storage.driver: expected one of sqlite, memory, postgres; got 'mysql'",
      "test.yaml:9:13: users[1].handle: duplicate user handle 'alice' (first defined at line 8)",
      "test.yaml:13:22: teams[0].members[1]: unknown user 'bob' (list it under users:)",
      "test.yaml:18:18: rules[0].trigger.condition: expected one of alert, warn, no_data; got "
      "'sometimes'",
      "test.yaml:21:17: rules[0].incident_settings.severity: unknown severity 'SEV-9' "
      "(configured: SEV-1, SEV-2, SEV-3, SEV-4)",
      "test.yaml:22:18: rules[0].incident_settings.commander: unknown handle '@nobody': no team "
      "has it as oncall_handle and no user has it",
      "test.yaml:23:1: unknown key 'bogus'",
  };
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  EXPECT_EQ(got, expected);
}

TEST(ConfigLoaderErrors, UnknownTopLevelKey) {
  LoadResult result = Load("server:\n  listen: 0.0.0.0:9000\nsevereties: []\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].mark.line, 3);
  EXPECT_EQ(result.problems[0].mark.column, 1);
  EXPECT_EQ(result.problems[0].message, "unknown key 'severeties' (did you mean 'severities'?)");
  EXPECT_EQ(result.config.server.listen, "0.0.0.0:9000");
}

TEST(ConfigLoaderErrors, UnknownKeyInsideASection) {
  LoadResult result = Load("server:\n  log_level: debug\n  lisen: 1.2.3.4:80\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:3:3: server: unknown key 'lisen' (did you mean 'listen'?)");
  EXPECT_EQ(result.config.server.log_level, "debug");
}

TEST(ConfigLoaderErrors, ReservedSectionsAreAccepted) {
  // schedules:, escalation_policies:, checklists: and postmortem: are real sections
  // now (oncall_sections_test.cpp, workflow_sections_test.cpp).
  LoadResult result = Load("notification_templates: x\nreminders: ~\n");
  EXPECT_TRUE(result.ok()) << Dump(result);
}

TEST(ConfigLoaderErrors, UnknownSeverityInARule) {
  std::string yaml = std::string(kSeedTeams) +
                     "severities:\n"
                     "  - {name: P1, response_time: 5m}\n"
                     "rules:\n" +
                     AsListItem(kSeedRule1);
  LoadResult result = Load(yaml);
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:19:17: rules[0].incident_settings.severity: unknown severity 'SEV-1' "
            "(configured: P1)");
}

TEST(ConfigLoaderErrors, UnknownCommanderHandle) {
  std::string yaml = "rules:\n" + AsListItem(kSeedRule2);
  LoadResult result = Load(yaml);
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].mark.line, 11);
  EXPECT_EQ(result.problems[0].mark.column, 18);
  EXPECT_NE(result.problems[0].message.find("unknown handle '@llm-oncall'"), std::string::npos);
}

TEST(ConfigLoaderErrors, CommanderMayNameAUser) {
  LoadResult result = Load(
      "users: [{handle: '@alice'}]\n"
      "rules:\n"
      "  - rule_name: r\n"
      "    trigger: {monitors: ['*']}\n"
      "    incident_settings: {title: t, severity: SEV-3, commander: '@alice'}\n");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.users[0].handle, "alice");
  EXPECT_EQ(result.config.users[0].time_zone, "UTC");
}

TEST(ConfigLoaderErrors, CommanderNeedsTheAtSign) {
  LoadResult result = Load(
      "users: [{handle: alice}]\n"
      "rules:\n"
      "  - rule_name: r\n"
      "    trigger: {monitors: ['*']}\n"
      "    incident_settings: {title: t, severity: SEV-3, commander: alice}\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:5:63: rules[0].incident_settings.commander: expected '@handle' naming a "
            "team's on-call or a user, got 'alice'");
}

TEST(ConfigLoaderErrors, UnknownChannel) {
  std::string rule = AsListItem(kSeedRule1);
  std::string yaml = std::string(kSeedTeams) +
                     "channels:\n"
                     "  - {name: slack-security-alerts, type: slack, url: 'https://x'}\n"
                     "rules:\n" +
                     rule;
  LoadResult result = Load(yaml);
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:23:11: rules[0].incident_settings.notifications[1]: unknown channel "
            "'pagerduty-security' (list it under channels:)");
  EXPECT_EQ(result.config.channels[0].settings.at("url"), "https://x");
  EXPECT_EQ(result.config.channels[0].settings.count("name"), 0u);
}

TEST(ConfigLoaderErrors, UnknownChannelType) {
  LoadResult result = Load("channels:\n  - name: x\n    type: sms\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:3:11: channels[0].type: expected one of slack, slack_webapi, pagerduty, "
            "webhook, email; got 'sms'");
}

TEST(ConfigLoaderErrors, BadDurations) {
  LoadResult result = Load(
      "server:\n  read_timeout: abc\n  idle_timeout: -5s\n"
      "  rate_limit: {requests: 10, period: 1m1h}\n");
  ASSERT_EQ(result.problems.size(), 3u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:2:17: server.read_timeout: expected a duration like 10s, 5m or 1h, got "
            "'abc'");
  EXPECT_EQ(result.problems[1].mark.line, 3);
  EXPECT_EQ(result.problems[2].message,
            "server.rate_limit.period: expected a duration like 10s, 5m or 1h, got '1m1h'");
  EXPECT_EQ(result.config.server.rate_limit_requests, 10);
}

TEST(ConfigLoaderErrors, WrongTypes) {
  LoadResult result = Load(
      "server:\n"
      "  worker_threads: 0\n"   // out of range
      "  rate_limit: [1, 2]\n"  // list where a mapping is expected
      "users:\n"
      "  handle: alice\n"  // mapping where a list is expected
      "teams:\n"
      "  - id: t\n"
      "    members: {alice: 1}\n"  // mapping where a list is expected
      "severities:\n"
      "  - name: S1\n"
      "    response_time: 5m\n"
      "    postmortem_required: maybe\n");
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  std::vector<std::string> expected = {
      "test.yaml:2:19: server.worker_threads: must be between 1 and 4096, got 0",
      "test.yaml:3:15: server.rate_limit: expected a mapping, got a list",
      "test.yaml:5:3: users: expected a list, got a mapping",
      "test.yaml:8:14: teams[0].members: expected a list of strings, got a mapping",
      "test.yaml:12:26: severities[0].postmortem_required: expected true or false, got 'maybe'",
  };
  EXPECT_EQ(got, expected);
}

TEST(ConfigLoaderErrors, MissingRequiredKeysAndDuplicates) {
  LoadResult result = Load(
      "rules:\n"
      "  - rule_name: same\n"
      "    trigger: {monitors: [a]}\n"
      "    incident_settings: {severity: SEV-1}\n"
      "  - rule_name: same\n"
      "    trigger:\n"
      "    incident_settings: {title: t, severity: SEV-1}\n");
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  std::vector<std::string> expected = {
      "test.yaml:4:24: rules[0].incident_settings: missing required key 'title'",
      "test.yaml:5:16: rules[1].rule_name: duplicate rule 'same' (first defined at line 2)",
      "test.yaml:6:5: rules[1].trigger: a value is required",
  };
  EXPECT_EQ(got, expected);
}

TEST(ConfigLoaderErrors, TemplateFieldsAreChecked) {
  LoadResult result = Load(
      "templates:\n"
      "  - name: T\n"
      "    fields:\n"
      "      - {name: a, type: dropdown}\n"
      "      - {name: b, type: number, options: [x]}\n"
      "      - {name: a, type: colour}\n");
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  std::vector<std::string> expected = {
      "test.yaml:4:9: templates[0].fields[0]: a dropdown field needs options",
      "test.yaml:5:42: templates[0].fields[1].options: only dropdown and multiselect fields take "
      "options",
      "test.yaml:6:16: templates[0].fields[2].name: duplicate field 'a' (first defined at line 4)",
      "test.yaml:6:25: templates[0].fields[2].type: expected one of dropdown, multiselect, "
      "number, boolean, text, textbox, textarray; got 'colour'",
  };
  EXPECT_EQ(got, expected);
}

TEST(ConfigLoaderErrors, DuplicateKeyInAMapping) {
  LoadResult result = Load("server:\n  io_threads: 1\n  io_threads: 2\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:3:3: server.io_threads: duplicate key (first written at line 2)");
  EXPECT_EQ(result.config.server.io_threads, 1);
}

TEST(ConfigLoaderErrors, AmbiguousHandle) {
  LoadResult result = Load(
      "users: [{handle: ops}]\n"
      "teams: [{id: a, oncall_handle: ops}, {id: b, oncall_handle: x, oncall_aliases: [x]}]\n");
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  std::vector<std::string> expected = {
      "test.yaml:2:32: teams[0].oncall_handle: 'ops' is also a user handle (line 1), so '@ops' "
      "would be ambiguous",
      "test.yaml:2:81: teams[1].oncall_aliases[0]: duplicate on-call handle 'x' (first defined at "
      "line 2)",
  };
  EXPECT_EQ(got, expected);
}

// ---------------------------------------------------------------------------
// ${VAR} substitution

TEST(ConfigLoaderEnv, SubstitutesSetVariablesAndDefaults) {
  LoadResult result = Load(
      "server:\n"
      "  listen: ${HOST:-127.0.0.1}:${PORT}\n"
      "  max_body_bytes: ${BODY:-2048}\n"
      "  read_timeout: ${TIMEOUT:-30s}\n"
      "storage:\n"
      "  driver: postgres\n"
      "  postgres_dsn: ${PG_DSN}\n"
      "  data_dir: '$${literal}/${EMPTY:-${NESTED:-fallback}}'\n",
      FakeEnv({{"PORT", "9090"}, {"PG_DSN", "postgres://db/tocsin"}, {"EMPTY", ""}}));
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.server.listen, "127.0.0.1:9090");
  EXPECT_EQ(result.config.server.max_body_bytes, 2048u);
  EXPECT_EQ(result.config.server.read_timeout, seconds(30));
  EXPECT_EQ(result.config.storage.postgres_dsn, "postgres://db/tocsin");
  EXPECT_EQ(result.config.storage.data_dir, "${literal}/fallback");
}

// storage.url is the issue's spelling of postgres_dsn; giving both is refused.
TEST(ConfigLoaderEnv, StorageUrlIsTheDsnAndNotBothAtOnce) {
  LoadResult result = Load("storage:\n  driver: postgres\n  url: ${TOCSIN_DATABASE_URL}\n",
                           FakeEnv({{"TOCSIN_DATABASE_URL", "postgres://tocsin@db/tocsin"}}));
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.storage.postgres_dsn, "postgres://tocsin@db/tocsin");
  LoadResult both = Load("storage:\n  driver: postgres\n  url: a\n  postgres_dsn: b\n", FakeEnv({}));
  ASSERT_FALSE(both.ok());
  EXPECT_NE(Dump(both).find("storage.url: give either url or postgres_dsn, not both"), std::string::npos) << Dump(both);
  LoadResult none = Load("storage:\n  driver: postgres\n", FakeEnv({}));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(Dump(none).find("postgres needs storage.url"), std::string::npos) << Dump(none);
}

// The replicas' outbox lease: a duration of at least a second, 60 s unless set.
TEST(ConfigLoaderEnv, StorageClaimLease) {
  LoadResult dflt = Load("storage:\n  driver: postgres\n  url: a\n", FakeEnv({}));
  ASSERT_TRUE(dflt.ok()) << Dump(dflt);
  EXPECT_EQ(dflt.config.storage.claim_lease, std::chrono::seconds(60));
  LoadResult set = Load("storage:\n  driver: postgres\n  url: a\n  claim_lease: 90s\n", FakeEnv({}));
  ASSERT_TRUE(set.ok()) << Dump(set);
  EXPECT_EQ(set.config.storage.claim_lease, std::chrono::seconds(90));
  LoadResult zero = Load("storage:\n  driver: postgres\n  url: a\n  claim_lease: 0s\n", FakeEnv({}));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(Dump(zero).find("storage.claim_lease"), std::string::npos) << Dump(zero);
}

TEST(ConfigLoaderEnv, UnsetVariableIsReportedAtItsScalar) {
  LoadResult result = Load(
      "storage:\n"
      "  driver: postgres\n"
      "  postgres_dsn: ${PG_DSN}\n"
      "channels:\n"
      "  - name: pd\n"
      "    type: pagerduty\n"
      "    routing_key: 'key-${PD_KEY}-${PD_SUFFIX:-x}'\n");
  std::vector<std::string> got;
  for (const Diagnostic& d : result.problems) got.push_back(d.ToString());
  std::vector<std::string> expected = {
      "test.yaml:3:17: storage.postgres_dsn: environment variable 'PG_DSN' is not set (write "
      "${PG_DSN:-default} to give a default)",
      "test.yaml:7:18: channels[0].routing_key: environment variable 'PD_KEY' is not set (write "
      "${PD_KEY:-default} to give a default)",
  };
  EXPECT_EQ(got, expected);
}

TEST(ConfigLoaderEnv, MalformedReferences) {
  LoadResult result = Load("storage:\n  data_dir: '${1BAD}'\n  postgres_dsn: '${OPEN'\n");
  ASSERT_EQ(result.problems.size(), 2u) << Dump(result);
  EXPECT_NE(result.problems[0].message.find("malformed variable reference"), std::string::npos);
  EXPECT_NE(result.problems[1].message.find("unterminated"), std::string::npos);
}

TEST(ConfigLoaderEnv, DefaultLookupReadsTheProcessEnvironment) {
  ::setenv("TOCSIN_CONFIG_TEST_PORT", "7070", 1);
  LoadResult result =
      LoadConfigString("server:\n  listen: 'localhost:${TOCSIN_CONFIG_TEST_PORT}'\n", "env.yaml");
  ::unsetenv("TOCSIN_CONFIG_TEST_PORT");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.server.listen, "localhost:7070");
}

// ---------------------------------------------------------------------------
// Files and syntax

TEST(ConfigLoaderFile, YamlSyntaxErrorHasTheParserPosition) {
  LoadResult result = Load("server:\n  listen: [1, 2\nstorage: {}\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].mark.file, "test.yaml");
  EXPECT_EQ(result.problems[0].mark.line, 3);
  EXPECT_GT(result.problems[0].mark.column, 0);
  EXPECT_EQ(result.problems[0].message.rfind("YAML syntax error: ", 0), 0u);

  LoadResult bad_indent = Load("a: b\n c: d\n");
  ASSERT_EQ(bad_indent.problems.size(), 1u);
  EXPECT_EQ(bad_indent.problems[0].ToString(),
            "test.yaml:2:3: YAML syntax error: illegal map value");
}

TEST(ConfigLoaderFile, MissingFileIsLineZero) {
  LoadResult result = LoadConfigFile("/nonexistent/tocsin.yaml", FakeEnv());
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].mark.line, 0);
  EXPECT_EQ(result.problems[0].mark.file, "/nonexistent/tocsin.yaml");
  EXPECT_EQ(result.problems[0].ToString(),
            "/nonexistent/tocsin.yaml: cannot read configuration file: No such file or directory");
  EXPECT_EQ(result.config.source_file, "/nonexistent/tocsin.yaml");
}

TEST(ConfigLoaderFile, EmptyFileGivesDefaults) {
  LoadResult result = Load("# nothing configured yet\n");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.source_file, "test.yaml");
  EXPECT_EQ(result.config.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(result.config.severities.size(), 4u);
}

TEST(ConfigLoaderFile, TopLevelMustBeAMapping) {
  LoadResult result = Load("- server\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].mark.line, 1);
}

TEST(ConfigLoaderFile, OnlyOneDocument) {
  LoadResult result = Load("server: {}\n---\nstorage: {}\n");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result);
  EXPECT_EQ(result.problems[0].mark.line, 3);
}

// ---------------------------------------------------------------------------
// Smaller pieces

TEST(ConfigLoaderParts, ParseDuration) {
  EXPECT_EQ(ParseDuration("90"), seconds(90));
  EXPECT_EQ(ParseDuration("0"), seconds(0));
  EXPECT_EQ(ParseDuration("90s"), seconds(90));
  EXPECT_EQ(ParseDuration("5m"), seconds(300));
  EXPECT_EQ(ParseDuration("1h"), seconds(3600));
  EXPECT_EQ(ParseDuration("1h30m"), seconds(5400));
  EXPECT_EQ(ParseDuration("2d"), seconds(172800));
  EXPECT_EQ(ParseDuration("1d2h3m4s"), seconds(93784));
  for (std::string_view bad : {"", "abc", "-5", "-5s", "+5s", "5x", "1h1h", "30m1h", "1h30", "s",
                               "5 m", "1.5h", "99999999999999999999"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(ConfigLoaderParts, ListFormsAndHandles) {
  LoadResult result = Load(
      "users: [{handle: '@bob', email: bob@example.com}]\n"
      "teams:\n"
      "  - id: t\n"
      "    oncall_handle: '@t-oncall'\n"
      "    responsibilities: 'Checkout, payment, cart'\n"
      "    members: ['@bob']\n"
      "rules:\n"
      "  - rule_name: r\n"
      "    trigger: {monitors: 'db-*', condition: [warn, no_data], group_by: service}\n"
      "    incident_settings: {title: t, severity: SEV-4, commander: '@t-oncall', "
      "notifications: anything, recovery: stable}\n");
  ASSERT_TRUE(result.ok()) << Dump(result);
  const core::Team& team = result.config.teams[0];
  EXPECT_EQ(team.oncall_handle, "t-oncall");
  EXPECT_EQ(team.name, "t");
  EXPECT_EQ(team.responsibilities, (std::vector<std::string>{"Checkout", "payment", "cart"}));
  EXPECT_EQ(team.members, std::vector<std::string>{"bob"});
  const core::Rule& rule = result.config.rules[0];
  EXPECT_EQ(rule.monitors, std::vector<std::string>{"db-*"});
  EXPECT_EQ(rule.conditions, (std::vector<std::string>{"warn", "no_data"}));
  EXPECT_EQ(rule.group_by, std::vector<std::string>{"service"});
  EXPECT_EQ(rule.notifications, std::vector<std::string>{"anything"});
  EXPECT_TRUE(rule.recovery_to_stable);
}

TEST(ConfigLoaderParts, DiagnosticToString) {
  Diagnostic d{core::SourceMark{"f.yaml", 3, 7}, "boom"};
  EXPECT_EQ(d.ToString(), "f.yaml:3:7: boom");
  Diagnostic whole_file{core::SourceMark{"f.yaml", 0, 0}, "gone"};
  EXPECT_EQ(whole_file.ToString(), "f.yaml: gone");
}

}  // namespace
}  // namespace tocsin::config

namespace tocsin::config {
namespace {

TEST(ConfigLoaderRules, PatternsThatCanNeverMatchAreReported) {
  auto result = LoadConfigString(R"(rules:
  - rule_name: never
    trigger:
      monitors: [' padded name', "tab\there"]
      tags: [':x', 'key:', 'has space']
    incident_settings:
      title: t
      severity: SEV-1
)",
                                 "never.yaml", [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_EQ(result.problems.size(), 5u);
  EXPECT_EQ(result.problems[0].ToString(), "never.yaml:4:18: rules[0].trigger.monitors[0]: monitor pattern ' padded name' can never match: it starts or ends with a space");
  EXPECT_NE(result.problems[1].message.find("control character"), std::string::npos);
  for (int k = 2; k < 5; ++k) EXPECT_NE(result.problems[k].message.find("tag pattern"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::config
