#include "core/rules/rules.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

Rule MakeRule(std::string name, std::vector<std::string> monitors, std::vector<std::string> tags, std::string severity,
              std::string commander = "@team-oncall") {
  Rule r;
  r.name = std::move(name);
  r.monitors = std::move(monitors);
  r.tags = std::move(tags);
  r.severity = std::move(severity);
  r.commander = std::move(commander);
  r.title = "Incident from " + r.name;
  return r;
}

Alert MakeAlert(std::string monitor, std::vector<std::string> tags = {}, AlertState state = AlertState::kAlert) {
  Alert a;
  a.source = "generic";
  a.monitor_name = std::move(monitor);
  a.tags = std::move(tags);
  NormalizeTags(a.tags);
  a.state = state;
  return a;
}

TEST(Rules, GlobMatch) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("[V-Commerce] LLM *", "[V-Commerce] LLM Hallucination Detection"));
  EXPECT_TRUE(GlobMatch("db-?", "db-1"));
  EXPECT_FALSE(GlobMatch("db-?", "db-12"));
  EXPECT_TRUE(GlobMatch("*down*", "checkout down now"));
  EXPECT_FALSE(GlobMatch("a*b", "a-c"));
  EXPECT_TRUE(GlobMatch("", ""));
}

TEST(Rules, TagPatterns) {
  Rule exact = MakeRule("r", {"*"}, {"tier:1"}, "SEV-1");
  Rule any_value = MakeRule("r", {"*"}, {"service:*"}, "SEV-1");
  Rule bare = MakeRule("r", {"*"}, {"canary"}, "SEV-1");
  EXPECT_TRUE(TagsMatch(exact, MakeAlert("m", {"tier:1", "env:prod"})));
  EXPECT_FALSE(TagsMatch(exact, MakeAlert("m", {"tier:10"})));
  EXPECT_TRUE(TagsMatch(any_value, MakeAlert("m", {"service:checkout"})));
  EXPECT_FALSE(TagsMatch(any_value, MakeAlert("m", {"service"})));
  EXPECT_TRUE(TagsMatch(bare, MakeAlert("m", {"canary"})));
  EXPECT_TRUE(TagsMatch(bare, MakeAlert("m", {"canary:true"})));
  EXPECT_FALSE(TagsMatch(bare, MakeAlert("m", {"canaryx"})));
}

TEST(Rules, IndexFindsExactGlobAndTagRulesMostSevereFirst) {
  std::vector<Rule> rules = {MakeRule("exact", {"Checkout errors"}, {}, "SEV-2"),
                             MakeRule("glob", {"Checkout*"}, {}, "SEV-3"),
                             MakeRule("tier1", {"*"}, {"tier:1"}, "SEV-1"),
                             MakeRule("other", {"Unrelated"}, {}, "SEV-1")};
  RuleIndex index(rules, DefaultSeverities());
  auto matched = index.Match(MakeAlert("Checkout errors", {"tier:1"}));
  std::vector<std::string> names;
  for (const Rule* r : matched) names.push_back(r->name);
  EXPECT_EQ(names, (std::vector<std::string>{"tier1", "exact", "glob"}));
  EXPECT_TRUE(index.Match(MakeAlert("Nothing")).empty());
}

TEST(Rules, ConditionAndGroupBy) {
  std::vector<Rule> rules = {MakeRule("warnings", {"disk*"}, {}, "SEV-3")};
  rules[0].conditions = {"warn", "no_data"};
  rules[0].group_by = {"service"};
  RuleIndex index(rules, DefaultSeverities());
  auto a = MakeAlert("disk full", {"service:db", "host:a"}, AlertState::kWarn);
  auto b = MakeAlert("disk slow", {"service:db", "host:b"}, AlertState::kNoData);
  auto c = MakeAlert("disk full", {"service:web"}, AlertState::kAlert);
  auto ea = Evaluate(index, a), eb = Evaluate(index, b), ec = Evaluate(index, c);
  EXPECT_EQ(ea.triggered.size(), 1u);
  EXPECT_EQ(eb.triggered.size(), 1u);
  EXPECT_TRUE(ec.triggered.empty());  // alert is not in the condition list
  EXPECT_EQ(ea.group_key, eb.group_key);  // same service: one incident
  EXPECT_NE(ea.group_key, Evaluate(index, MakeAlert("disk full", {"service:web"}, AlertState::kWarn)).group_key);
}

TEST(Rules, DecideOpensAppendsRecoversAndLinksRecurrences) {
  Config config;
  config.severities = DefaultSeverities();
  config.rules = {MakeRule("sec", {"inj"}, {}, "SEV-1", "@security-oncall")};
  config.rules[0].notifications = {"slack-sec", "pd-sec"};
  config.rules[0].recovery_to_stable = true;
  RuleIndex index(config.rules, config.severities);
  TimePoint now = *ParseRfc3339("2026-01-01T00:00:00Z");
  Alert alert = MakeAlert("inj");
  alert.received_at = now;
  auto ev = Evaluate(index, alert);
  auto open = Decide(ev, alert, {}, PlanContext{&config, now, "id-1"});
  ASSERT_TRUE(open.create);
  EXPECT_EQ(open.decision, "opened");
  EXPECT_EQ(open.create->severity, "SEV-1");
  EXPECT_EQ(open.create->commander->handle, "security-oncall");
  EXPECT_EQ(open.notifications.size(), 2u);

  GroupState with_open{open.create, std::nullopt};
  auto again = Decide(ev, alert, with_open, PlanContext{&config, now, "id-2"});
  EXPECT_EQ(again.decision, "appended");
  EXPECT_FALSE(again.create);
  EXPECT_TRUE(again.notifications.empty());

  Alert ok = alert;
  ok.state = AlertState::kOk;
  auto rec = Decide(Evaluate(index, ok), ok, with_open, PlanContext{&config, now, "id-3"});
  EXPECT_EQ(rec.decision, "recovered");
  EXPECT_EQ(rec.update->state, IncidentState::kStable);

  Incident resolved = *open.create;
  resolved.public_id = 7;
  resolved.state = IncidentState::kResolved;
  auto recur = Decide(ev, alert, GroupState{std::nullopt, resolved}, PlanContext{&config, now, "id-4"});
  ASSERT_TRUE(recur.create);
  EXPECT_EQ(recur.create->fields.at("recurrence_of").text, "IR-7");
}

// Replay decides with Classify alone for every alert that opens nothing, and
// opens incidents with outcome_only: both must agree with the full decision.
TEST(Rules, ClassifyAndOutcomeOnlyAgreeWithTheFullDecision) {
  Config config;
  config.severities = DefaultSeverities();
  Rule r = MakeRule("Injection", {"inj"}, {}, "SEV-1", "@security-oncall");
  r.notifications = {"slack-sec", "pagerduty-sec"};
  r.recovery_to_stable = true;
  r.fields["services_affected"] = RuleFieldValue{std::string("auth"), {}, false};
  config.rules = {r};
  config.rules.push_back(MakeRule("Other", {"other"}, {}, "SEV-3"));
  config.rules.back().conditions = {"warn"};
  RuleIndex index(config.rules, config.severities);
  TimePoint now = *ParseRfc3339("2026-03-01T10:00:00Z");
  Incident previous;
  previous.id = "old";
  previous.public_id = 4;
  previous.state = IncidentState::kResolved;
  for (AlertState state : {AlertState::kAlert, AlertState::kWarn, AlertState::kOk}) {
    for (const char* monitor : {"inj", "other", "unknown"}) {
      Alert alert = MakeAlert(monitor, {}, state);
      alert.received_at = now;
      Evaluation ev = Evaluate(index, alert);
      PlanContext full{&config, now, "id-1"};
      PlanContext lean = full;
      lean.outcome_only = true;
      auto closed = Decide(ev, alert, GroupState{std::nullopt, previous}, full);
      EXPECT_EQ(closed.decision, AlertActionName(Classify(ev, alert, false))) << monitor;
      GroupState open_group{closed.create ? closed.create : Incident{}, std::nullopt};
      auto open = Decide(ev, alert, open_group, full);
      EXPECT_EQ(open.decision, AlertActionName(Classify(ev, alert, true))) << monitor;
      auto lean_plan = Decide(ev, alert, GroupState{std::nullopt, previous}, lean);
      EXPECT_EQ(lean_plan.decision, closed.decision);
      EXPECT_EQ(lean_plan.detail, closed.detail);
      ASSERT_EQ(lean_plan.create.has_value(), closed.create.has_value());
      if (!closed.create) continue;
      EXPECT_EQ(lean_plan.create->title, closed.create->title);
      EXPECT_EQ(lean_plan.create->severity, closed.create->severity);
      EXPECT_EQ(lean_plan.create->channels, closed.create->channels);
      EXPECT_EQ(lean_plan.create->fields, closed.create->fields);  // recurrence_of included
      EXPECT_EQ(lean_plan.create->commander->handle, closed.create->commander->handle);
      EXPECT_EQ(lean_plan.create->escalation_team, closed.create->escalation_team);
      EXPECT_FALSE(closed.create_events.empty());
      EXPECT_EQ(closed.notifications.size(), std::string(monitor) == "inj" ? 2u : 0u);
      EXPECT_TRUE(lean_plan.create_events.empty());  // nothing a store would keep
      EXPECT_TRUE(lean_plan.notifications.empty());
    }
  }
}

TEST(Rules, RenderTitle) {
  Alert a = MakeAlert("Checkout errors", {"service:checkout"});
  a.value = "12%";
  EXPECT_EQ(RenderTitle("{{monitor.name}} on {{tags.service}} at {{ value }}{{tag.none}}", a),
            "Checkout errors on checkout at 12%");
  EXPECT_EQ(RenderTitle("no placeholders", a), "no placeholders");
  EXPECT_EQ(RenderTitle("broken {{monitor.name", a), "broken {{monitor.name");
}

}  // namespace
}  // namespace tocsin::core
