// types:, checklists:, postmortem: and a rule's incident type, as check-config
// reads them (workflow_sections.cpp), and the example file's use of them.

#include <gtest/gtest.h>

#include <filesystem>

#include "config/config_loader.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

LoadResult Load(std::string_view yaml) {
  return LoadConfigString(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string Dump(const LoadResult& result) {
  std::string out;
  for (const Diagnostic& d : result.problems) out += d.ToString() + "\n";
  return out;
}

// The only problem of `result`, as check-config prints it.
std::string OnlyProblem(const LoadResult& result) {
  EXPECT_EQ(result.problems.size(), 1u) << Dump(result);
  return result.problems.empty() ? "" : result.problems.front().ToString();
}

constexpr std::string_view kTemplates = R"(templates:
  - name: Security Incident
    fields:
      - {name: Attack Vector, type: dropdown, options: [prompt_injection, unknown]}
      - {name: Data Exposed, type: boolean}
)";

// ---------------------------------------------------------------- types

TEST(ConfigTypes, NameDescriptionTemplateAndDashboard) {
  std::string yaml = std::string(kTemplates) + R"(types:
  - name: Security
    description: Prompt injection and data extraction
    template: Security Incident
  - name: Capacity
    dashboard: https://grafana.example/d/capacity
dashboards:
  - {incident_type: Security, url: /dashboard/security-overview}
  - {incident_type: Capacity, url: /dashboard/infrastructure}
)";
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& types = result.config.types;
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(types[0].name, "Security");
  EXPECT_EQ(types[0].id, core::workflow::TypeId("Security"));
  EXPECT_EQ(types[0].description, "Prompt injection and data extraction");
  EXPECT_EQ(types[0].template_name, "Security Incident");
  // No dashboard of its own: the dashboards: row for its name.
  EXPECT_EQ(types[0].dashboard, "/dashboard/security-overview");
  // Its own dashboard wins over the table.
  EXPECT_EQ(types[1].dashboard, "https://grafana.example/d/capacity");
  EXPECT_EQ(types[1].template_name, "");
  EXPECT_EQ(types[0].mark.line, 7);
  EXPECT_EQ(result.config.FindType(types[1].id), &types[1]);
}

TEST(ConfigTypes, TemplateMustBeConfigured) {
  std::string yaml = std::string(kTemplates) + "types:\n  - name: Security\n    template: Security Incidnet\n";
  EXPECT_EQ(OnlyProblem(Load(yaml)),
            "test.yaml:8:15: types[0].template: unknown template 'Security Incidnet' (configured: Security Incident)");
}

TEST(ConfigTypes, TemplateWithoutAnyTemplatesSection) {
  EXPECT_EQ(OnlyProblem(Load("types:\n  - {name: Security, template: Security Incident}\n")),
            "test.yaml:2:32: types[0].template: unknown template 'Security Incident' (list it under templates:)");
}

TEST(ConfigTypes, NameIsRequiredAndUnique) {
  LoadResult result = Load("types:\n  - name: Security\n  - name: Security\n  - description: nameless\n");
  ASSERT_EQ(result.problems.size(), 2u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:3:11: types[1].name: duplicate incident type 'Security' (first defined at line 2)");
  EXPECT_NE(result.problems[1].ToString().find("test.yaml:4:5: types[2]: missing required key 'name'"),
            std::string::npos)
      << Dump(result);
}

TEST(ConfigTypes, UnknownKeyIsNamed) {
  EXPECT_EQ(OnlyProblem(Load("types:\n  - {name: Security, templat: x}\n")),
            "test.yaml:2:22: types[0]: unknown key 'templat' (did you mean 'template'?)");
}

TEST(ConfigTypes, DashboardRowsMustNameATypeOnceTypesAreListed) {
  std::string yaml =
      "types:\n  - name: Security\n"
      "dashboards:\n  - {incident_type: Security, url: /d/sec}\n  - {incident_type: Securty, url: /d/x}\n";
  EXPECT_EQ(OnlyProblem(Load(yaml)),
            "test.yaml:5:21: dashboards[1].incident_type: unknown incident type 'Securty' (configured: Security)");
}

TEST(ConfigTypes, DashboardRowsAreFreeLabelsWithoutTypes) {
  LoadResult result = Load("dashboards:\n  - {incident_type: Anything, url: /d/x}\n");
  EXPECT_TRUE(result.ok()) << Dump(result);
}

// ---------------------------------------------------------------- rule type

constexpr std::string_view kRuleWithType = R"(types:
  - name: Security
rules:
  - rule_name: Prompt injection
    trigger: {monitors: ['LLM Prompt Injection']}
    incident_settings:
      title: Prompt injection
      severity: SEV-1
      type: %s
)";

std::string RuleWithType(const std::string& type) {
  std::string yaml(kRuleWithType);
  yaml.replace(yaml.find("%s"), 2, type);
  return yaml;
}

TEST(ConfigRuleType, NamesAConfiguredType) {
  LoadResult result = Load(RuleWithType("Security"));
  ASSERT_TRUE(result.ok()) << Dump(result);
  ASSERT_EQ(result.config.rules.size(), 1u);
  EXPECT_EQ(result.config.rules[0].type, "Security");
}

TEST(ConfigRuleType, UnknownTypeIsAnError) {
  EXPECT_EQ(OnlyProblem(Load(RuleWithType("Securty"))),
            "test.yaml:9:13: rules[0].incident_settings.type: unknown incident type 'Securty' (configured: Security)");
}

TEST(ConfigRuleType, TheTypeIdIsNotAName) {
  // The file names types; their ids are for API clients.
  LoadResult result = Load(RuleWithType(core::workflow::TypeId("Security")));
  EXPECT_FALSE(result.ok());
}

TEST(ConfigRuleType, NeedsATypesSection) {
  std::string yaml = RuleWithType("Security");
  yaml.erase(0, yaml.find("rules:"));
  EXPECT_EQ(OnlyProblem(Load(yaml)),
            "test.yaml:7:13: rules[0].incident_settings.type: unknown incident type 'Security' (list it under types:)");
}

TEST(ConfigRuleType, OptionalAndNoTypeMeansNone) {
  std::string yaml = RuleWithType("Security");
  yaml.erase(yaml.find("      type:"));
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.rules[0].type, "");
}

// ---------------------------------------------------------------- template fields

TEST(ConfigTemplateFields, EveryFieldTypeIsAccepted) {
  LoadResult result = Load(R"(templates:
  - name: All
    fields:
      - {name: One, type: dropdown, options: [a]}
      - {name: Many, type: multiselect, options: [a, b]}
      - {name: Count, type: number}
      - {name: Flag, type: boolean}
      - {name: Line, type: text}
      - {name: Box, type: textbox}
      - {name: Lines, type: textarray}
)");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.templates[0].fields.size(), 7u);
  EXPECT_EQ(result.config.templates[0].fields[5].type, "textbox");
}

TEST(ConfigTemplateFields, UnknownTypeListsTheAllowedOnes) {
  EXPECT_EQ(OnlyProblem(Load("templates:\n  - name: T\n    fields:\n      - {name: When, type: datetime}\n")),
            "test.yaml:4:28: templates[0].fields[0].type: expected one of dropdown, multiselect, number, boolean, "
            "text, textbox, textarray; got 'datetime'");
}

TEST(ConfigTemplateFields, ChoicesNeedOptions) {
  EXPECT_EQ(OnlyProblem(Load("templates:\n  - name: T\n    fields:\n      - {name: Pick, type: multiselect}\n")),
            "test.yaml:4:9: templates[0].fields[0]: a multiselect field needs options");
}

TEST(ConfigTemplateFields, NamesMustGiveDistinctKeys) {
  // Both are stored and answered as "source_ip".
  LoadResult result = Load(
      "templates:\n  - name: T\n    fields:\n      - {name: Source IP, type: text}\n"
      "      - {name: source-ip, type: text}\n");
  EXPECT_EQ(OnlyProblem(result),
            "test.yaml:5:16: templates[0].fields[1].name: field 'source-ip' has the same key 'source_ip' as field "
            "'Source IP' (line 4): names must differ in more than case and punctuation");
  ASSERT_EQ(result.config.templates[0].fields.size(), 1u);
}

TEST(ConfigTemplateFields, NameNeedsALetterOrDigit) {
  EXPECT_EQ(OnlyProblem(Load("templates:\n  - name: T\n    fields:\n      - {name: '--', type: text}\n")),
            "test.yaml:4:16: templates[0].fields[0].name: field name '--' needs at least one letter or digit");
}

TEST(ConfigTemplateFields, SameKeyInTwoTemplatesIsFine) {
  LoadResult result = Load(
      "templates:\n  - {name: A, fields: [{name: Data Exposed, type: boolean}]}\n"
      "  - {name: B, fields: [{name: Data Exposed, type: boolean}]}\n");
  EXPECT_TRUE(result.ok()) << Dump(result);
}

// ---------------------------------------------------------------- checklists

TEST(ConfigChecklists, SeedPhasesImplyWhenAndItemsMayCompleteThemselves) {
  LoadResult result = Load(R"(checklists:
  - phase: On Incident Creation
    items:
      - {text: Acknowledge in Tocsin, completes_on: acknowledged}
      - Join incident Slack channel
  - phase: During Investigation
    items: [Tag related traces/logs]
  - phase: On Resolution
    items:
      - text: Post summary to stakeholders
        completes_on: resolution_summary
  - phase: Handover
    when: acknowledged
    items: [Brief the next shift]
)");
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& c = result.config.checklists;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].when, "created");
  EXPECT_EQ(c[1].when, "acknowledged");
  EXPECT_EQ(c[2].when, "resolved");
  EXPECT_EQ(c[3].when, "acknowledged");
  EXPECT_EQ(c[3].phase, "Handover");
  ASSERT_EQ(c[0].items.size(), 2u);
  EXPECT_EQ(c[0].items[0].text, "Acknowledge in Tocsin");
  EXPECT_EQ(c[0].items[0].completes_on, "acknowledged");
  EXPECT_EQ(c[0].items[1].text, "Join incident Slack channel");
  EXPECT_EQ(c[0].items[1].completes_on, "");  // ticked by hand
  EXPECT_EQ(c[0].items[1].mark.line, 5);
  EXPECT_EQ(c[2].items[0].completes_on, "resolution_summary");
}

TEST(ConfigChecklists, EveryDocumentedEventIsAccepted) {
  std::string yaml = "checklists:\n  - phase: All\n    when: created\n    items:\n";
  for (const char* event : core::kCompletesOnEvents) {
    yaml += "      - {text: 'on " + std::string(event) + "', completes_on: " + event + "}\n";
  }
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.checklists[0].items.size(), std::size(core::kCompletesOnEvents));
}

TEST(ConfigChecklists, UnknownCompletesOnNamesTheAllowedEvents) {
  LoadResult result = Load(
      "checklists:\n  - phase: On Incident Creation\n    items:\n"
      "      - {text: Acknowledge, completes_on: acked}\n");
  EXPECT_EQ(OnlyProblem(result),
            "test.yaml:4:43: checklists[0].items[0].completes_on: unknown event 'acked' (allowed: acknowledged, "
            "initial_assessment, severity_changed, status_update_on_cadence, resolved, resolution_summary, "
            "postmortem_scheduled)");
}

TEST(ConfigChecklists, OtherPhasesNeedWhen) {
  EXPECT_EQ(OnlyProblem(Load("checklists:\n  - phase: Handover\n    items: [Brief the next shift]\n")),
            "test.yaml:2:12: checklists[0].phase: phase 'Handover' needs when: created, acknowledged or resolved "
            "(only On Incident Creation, During Investigation and On Resolution imply one)");
}

TEST(ConfigChecklists, WhenMustBeAKnownPoint) {
  EXPECT_EQ(OnlyProblem(Load("checklists:\n  - phase: Handover\n    when: stable\n    items: [x]\n")),
            "test.yaml:3:11: checklists[0].when: expected one of created, acknowledged, resolved; got 'stable'");
}

TEST(ConfigChecklists, ItemsAreRequiredNonEmptyAndDistinct) {
  LoadResult result = Load(
      "checklists:\n"
      "  - phase: On Resolution\n"
      "    items: []\n"
      "  - phase: On Incident Creation\n"
      "    items: [Open runbook, Open runbook, '', {completes_on: resolved}, [nested]]\n"
      "  - phase: During Investigation\n");
  std::string all = Dump(result);
  EXPECT_EQ(result.problems.size(), 6u) << all;
  EXPECT_NE(all.find("test.yaml:3:12: checklists[0].items: at least one item is required"), std::string::npos) << all;
  EXPECT_NE(all.find("test.yaml:5:27: checklists[1].items[1]: duplicate item 'Open runbook' (first defined at line 5)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("checklists[1].items[2]: must not be empty"), std::string::npos) << all;
  EXPECT_NE(all.find("checklists[1].items[3]: missing required key 'text'"), std::string::npos) << all;
  EXPECT_NE(all.find("checklists[1].items[4]: expected a todo text, or {text, completes_on}, got a list"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("test.yaml:6:5: checklists[2]: missing required key 'items'"), std::string::npos) << all;
}

TEST(ConfigChecklists, PhasesAreUnique) {
  EXPECT_EQ(OnlyProblem(Load("checklists:\n  - {phase: On Resolution, items: [a]}\n"
                             "  - {phase: On Resolution, items: [b]}\n")),
            "test.yaml:3:13: checklists[1].phase: duplicate phase 'On Resolution' (first defined at line 2)");
}

// ---------------------------------------------------------------- postmortem

TEST(ConfigPostmortem, DefaultsWhenAbsent) {
  LoadResult result = Load("server: {listen: '127.0.0.1:0'}\n");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.postmortem.due_after_resolution, hours(48));
  EXPECT_EQ(result.config.postmortem.reminder_every, hours(24));
  EXPECT_TRUE(result.config.postmortem.attendees.empty());
  EXPECT_EQ(result.config.postmortem.document, "");
}

TEST(ConfigPostmortem, ReadsEveryKey) {
  LoadResult result = Load(R"(postmortem:
  due_after_resolution: 3d
  reminder_every: 12h
  attendees: [Incident Commander, Engineering Manager (SEV-1 only)]
  document: |
    # Post-Mortem: [Incident Title]
    Revenue impact: $Z
)");
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& pm = result.config.postmortem;
  EXPECT_EQ(pm.due_after_resolution, hours(72));
  EXPECT_EQ(pm.reminder_every, hours(12));
  EXPECT_EQ(pm.attendees, (std::vector<std::string>{"Incident Commander", "Engineering Manager (SEV-1 only)"}));
  EXPECT_EQ(pm.document, "# Post-Mortem: [Incident Title]\nRevenue impact: $Z\n");
  EXPECT_EQ(pm.mark.line, 2);
}

TEST(ConfigPostmortem, OnlyTheGivenKeysChange) {
  LoadResult result = Load("postmortem:\n  reminder_every: 90m\n");
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_EQ(result.config.postmortem.due_after_resolution, hours(48));
  EXPECT_EQ(result.config.postmortem.reminder_every, minutes(90));
}

TEST(ConfigPostmortem, BadDurations) {
  LoadResult result = Load("postmortem:\n  due_after_resolution: 0s\n  reminder_every: two days\n");
  ASSERT_EQ(result.problems.size(), 2u) << Dump(result);
  EXPECT_EQ(result.problems[0].ToString(), "test.yaml:2:25: postmortem.due_after_resolution: must be longer than zero");
  EXPECT_EQ(result.problems[1].ToString(),
            "test.yaml:3:19: postmortem.reminder_every: expected a duration like 10s, 5m or 1h, got 'two days'");
  // A bad value leaves the default in place.
  EXPECT_EQ(result.config.postmortem.due_after_resolution, hours(48));
}

TEST(ConfigPostmortem, UnknownKeyAndWrongShapes) {
  LoadResult result = Load("postmortem:\n  due: 48h\n  attendees: Incident Commander\n  document: [a]\n");
  std::string all = Dump(result);
  ASSERT_EQ(result.problems.size(), 3u) << all;
  EXPECT_NE(all.find("test.yaml:2:3: postmortem: unknown key 'due'"), std::string::npos) << all;
  EXPECT_NE(all.find("test.yaml:3:14: postmortem.attendees: expected a list of strings, got 'Incident Commander'"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("test.yaml:4:13: postmortem.document: expected a string, got a list"), std::string::npos) << all;
}

// ---------------------------------------------------------------- the example file

std::string ExamplePath() {
  return (std::filesystem::path(TOCSIN_SOURCE_DIR) / "examples" / "v-commerce" / "tocsin.yaml").lexically_normal().string();
}

TEST(ConfigWorkflowExample, FourTypesWithTemplatesAndDashboards) {
  LoadResult result = LoadConfigFile(ExamplePath(), [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Dump(result);
  const core::Config& c = result.config;
  ASSERT_EQ(c.types.size(), 4u);
  const char* names[] = {"LLM Quality", "Security", "Tier 1 Services", "Capacity"};
  const char* templates[] = {"LLM Service Incident", "Security Incident", "", ""};
  const char* dashboards[] = {"/dashboard/llm-observability", "/dashboard/security-overview",
                              "/dashboard/application-health", "/dashboard/infrastructure"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c.types[i].name, names[i]);
    EXPECT_EQ(c.types[i].id, core::workflow::TypeId(names[i]));
    EXPECT_EQ(c.types[i].template_name, templates[i]);
    EXPECT_EQ(c.types[i].dashboard, dashboards[i]);
  }
  ASSERT_EQ(c.rules.size(), 4u);
  EXPECT_EQ(c.rules[0].type, "Security");
  EXPECT_EQ(c.rules[1].type, "LLM Quality");
  EXPECT_EQ(c.rules[2].type, "Tier 1 Services");
  EXPECT_EQ(c.rules[3].type, "Capacity");
}

TEST(ConfigWorkflowExample, ChecklistsTickWhatTocsinObserves) {
  LoadResult result = LoadConfigFile(ExamplePath(), [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& lists = result.config.checklists;
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].when, "created");
  EXPECT_EQ(lists[1].when, "acknowledged");
  EXPECT_EQ(lists[2].when, "resolved");
  std::map<std::string, std::string> completes_on;
  int items = 0;
  for (const auto& list : lists) {
    for (const auto& item : list.items) {
      ++items;
      if (!item.completes_on.empty()) completes_on[item.text] = item.completes_on;
    }
  }
  EXPECT_EQ(items, 12);
  std::map<std::string, std::string> expected = {
      {"Acknowledge in Tocsin", "acknowledged"},
      {"Post initial assessment to timeline", "initial_assessment"},
      {"Update severity if needed", "severity_changed"},
      {"Communicate every 15 min (SEV-1) / 30 min (SEV-2)", "status_update_on_cadence"},
      {"Update incident to resolved", "resolved"},
      {"Post summary to stakeholders", "resolution_summary"},
      {"Schedule post-mortem (if required)", "postmortem_scheduled"},
  };
  EXPECT_EQ(completes_on, expected);
}

TEST(ConfigWorkflowExample, PostmortemProcess) {
  LoadResult result = LoadConfigFile(ExamplePath(), [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Dump(result);
  const auto& pm = result.config.postmortem;
  EXPECT_EQ(pm.due_after_resolution, hours(48));
  EXPECT_EQ(pm.reminder_every, hours(24));
  EXPECT_EQ(pm.attendees.size(), 4u);
  EXPECT_EQ(pm.document.rfind("# Post-Mortem: [Incident Title]\n", 0), 0u);
  EXPECT_NE(pm.document.find("## Action Items"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::config
