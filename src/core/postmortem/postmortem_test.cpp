// The post-mortem document in the seed's structure, filled from the incident
// and its timeline: a golden Markdown file with fixed times (no clock), and the
// rules for what is filled, written or prompted.

#include "core/postmortem/postmortem.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"

namespace tocsin::core::postmortem {
namespace {

using namespace std::chrono_literals;

TimePoint T0() { return *ParseRfc3339("2026-11-27T10:00:00Z"); }

Config Example() {
  auto loaded = config::LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml",
                                       [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  EXPECT_TRUE(loaded.problems.empty());
  return loaded.config;
}

Actor User(const std::string& handle) { return Actor{"uuid-" + handle, handle}; }

Incident Resolved() {
  Incident i;
  i.id = "0b6d1a52-0000-4000-8000-000000000042";
  i.public_id = 42;
  i.title = "Security: Prompt Injection Detected";
  i.severity = "SEV-1";
  i.state = IncidentState::kResolved;
  i.type = "Security";
  i.created = T0();
  i.detected = T0() - 2min;
  i.customer_impact_start = T0() - 3min;
  i.customer_impact_end = T0() + 47min;
  i.resolved = T0() + 50min;
  i.commander = User("samira");
  i.escalation_team = "security";
  i.fields["summary"] = FieldValue{"textbox", false, std::string("A crafted prompt made the chatbot reveal its system prompt."), std::nullopt};
  i.fields["root_cause"] = FieldValue{"textbox", false, std::string("Security threat detected"), std::nullopt};
  i.fields["user_sessions_affected"] = FieldValue{"number", false, std::string("37"), std::nullopt};
  i.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"Security"}};
  Todo action;
  action.id = "t1";
  action.content = "Add an output filter for system-prompt text | chat";
  action.assignees = {"@olu"};
  action.due = *ParseRfc3339("2026-12-04T00:00:00Z");
  action.follow_up = true;
  Todo done = action;
  done.id = "t2";
  done.content = "Block the attacking session";
  done.assignees = {};
  done.due.reset();
  done.completed = T0() + 10min;
  Todo not_follow_up = action;
  not_follow_up.id = "t3";
  not_follow_up.content = "Acknowledge in Tocsin";
  not_follow_up.follow_up = false;
  i.todos = {action, done, not_follow_up};
  Postmortem pm;
  pm.id = "pm1";
  pm.created = T0() + 50min;
  pm.due = T0() + 50min + 48h;
  pm.sections["what_went_well"] = "- Paged within a minute\n- The runbook worked";
  i.postmortem = pm;
  return i;
}

std::vector<TimelineEvent> Timeline() {
  auto ev = [](Micros after, const Actor& a, const std::string& kind, const std::string& msg) {
    TimelineEvent e;
    e.at = T0() + after;
    e.actor = a;
    e.kind = kind;
    e.message = msg;
    return e;
  };
  return {ev(0s, Actor::System(), "incident_created", "Opened by rule '[V-Commerce] Critical LLM Security Incident'"),
          ev(0s, Actor::System(), "rule_matched", "Rule matched"),
          ev(0s, Actor::System(), "notification_queued", "Notification queued for slack-security-alerts"),
          ev(1s, Actor{"", "tocsin-notify"}, "notification_delivered", "Delivered to slack-security-alerts"),
          ev(0s, Actor::System(), "checklist_added", "Checklist 'On Incident Creation': 4 items added"),
          ev(1min, User("samira"), "acknowledged", "Acknowledged by @samira"),
          ev(3min, User("jonas"), "note", "Session 8f2 is sending\nthe same payload"),
          ev(5min, User("samira"), "status_update", "Blocked the session; checking for data exposure"),
          [&] {
            auto e = ev(50min, User("samira"), "incident_updated", "Incident updated");
            e.changes = {{"state", "active", "resolved"}, {"resolved", "", "2026-11-27T10:50:00.000000+00:00"}};
            return e;
          }(),
          ev(50min, Actor::System(), "postmortem_created", "Post-mortem draft created (required for SEV-1)")};
}

TEST(Postmortem, RendersTheSeedsStructureFilledFromTheIncident) {
  Config config = Example();
  Incident inc = Resolved();
  std::string markdown = RenderMarkdown(inc, Build(config, inc, Timeline()));
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/tests/golden/postmortem/sev1.md";
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) {
    std::ofstream(path) << markdown;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with TOCSIN_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(markdown, expected.str());
}

TEST(Postmortem, FillsWritesAndPrompts) {
  Config config = Example();
  Incident inc = Resolved();
  Document doc = Build(config, inc, Timeline());
  std::vector<std::string> keys;
  for (const auto& s : doc.sections) keys.push_back(s.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"summary", "timeline", "root_cause", "impact", "what_went_well",
                                            "what_could_be_improved", "action_items"}));
  // The machinery (rule matches, notifications, checklists) stays out of the timeline.
  ASSERT_EQ(doc.timeline.size(), 6u);
  EXPECT_EQ(doc.timeline[2].text, "Session 8f2 is sending the same payload");
  // Attendees: the commander, who acted, the Security team, the EM for SEV-1.
  std::vector<std::string> handles;
  for (const auto& a : doc.attendees) handles.push_back(a.handle);
  EXPECT_EQ(handles, (std::vector<std::string>{"samira", "jonas", "olu", "grace", "dana"}));
  // Follow-ups only, in order.
  ASSERT_EQ(doc.action_items.size(), 2u);
  EXPECT_EQ(doc.action_items[0].owner, "@olu");
  EXPECT_TRUE(doc.action_items[1].done);
  // What someone wrote wins over the field; an unwritten section keeps the prompt.
  inc.postmortem->sections["root_cause"] = "The chatbot echoed its system prompt.";
  doc = Build(config, inc, Timeline());
  EXPECT_EQ(doc.sections[2].body, "The chatbot echoed its system prompt.");
  EXPECT_TRUE(doc.sections[2].written);
  EXPECT_EQ(doc.sections[5].body, "- [List improvements]");
  EXPECT_FALSE(doc.sections[5].written);
  // SEV-2: no Engineering Manager.
  inc.severity = "SEV-2";
  doc = Build(config, inc, Timeline());
  EXPECT_EQ(doc.attendees.back().handle, "grace");
  EXPECT_EQ(EditableSections(config.postmortem),
            (std::vector<std::string>{"summary", "root_cause", "impact", "what_went_well", "what_could_be_improved"}));
}

TEST(Postmortem, ImpactDurationIsTheUnionOfImpactsWhenNoWindowIsSet) {
  Config config = Example();
  Incident inc = Resolved();
  inc.customer_impact_start.reset();
  inc.customer_impact_end.reset();
  inc.impacts = {{"a", "Chat down", T0(), T0() + 20min, T0(), T0(), Actor::System(), Actor::System()},
                 {"b", "Chat slow", T0() + 10min, T0() + 30min, T0(), T0(), Actor::System(), Actor::System()},
                 {"c", "Search slow", T0() + 40min, std::nullopt, T0(), T0(), Actor::System(), Actor::System()}};
  Document doc = Build(config, inc, {});
  // 0-30 min, then 40 min to the resolution at 50 min: 40 minutes.
  EXPECT_EQ(doc.sections[3].body.substr(0, 22), "- Duration: 40 minutes");
  EXPECT_EQ(doc.sections[1].body, "(no events)");
}

}  // namespace
}  // namespace tocsin::core::postmortem
