// The workflow as pure functions: phases, typed template fields, checklists
// added per point of the workflow and ticked by the right events only, the
// post-mortem draft, links on creation, reopening.

#include "core/workflow/workflow.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace tocsin::core::workflow {
namespace {

using namespace std::chrono_literals;

TimePoint T0() { return *ParseRfc3339("2026-11-27T10:00:00Z"); }

Config MakeConfig() {
  Config c;
  c.severities = DefaultSeverities();
  IncidentTemplate security{"Security Incident",
                            {{"Attack Vector", "dropdown", {"prompt_injection", "jailbreak", "unknown"}, false, {}},
                             {"Data Exposed", "boolean", {}, false, {}},
                             {"Quality Score", "number", {}, false, {}},
                             {"Vectors Seen", "multiselect", {"a", "b"}, false, {}},
                             {"Notes", "text", {}, false, {}}},
                            {}};
  c.templates = {security};
  c.types = {{"Security", TypeId("Security"), "", "Security Incident", "/dashboard/security-overview", {}},
             {"Capacity", TypeId("Capacity"), "", "", "/dashboard/infrastructure", {}}};
  c.checklists = {{"On Incident Creation",
                   "created",
                   {{"Acknowledge in Tocsin", "acknowledged", {}},
                    {"Join incident Slack channel", "", {}},
                    {"Post initial assessment to timeline", "initial_assessment", {}}},
                   {}},
                  {"During Investigation",
                   "acknowledged",
                   {{"Update severity if needed", "severity_changed", {}},
                    {"Communicate every 15 min (SEV-1) / 30 min (SEV-2)", "status_update_on_cadence", {}}},
                   {}},
                  {"On Resolution",
                   "resolved",
                   {{"Update incident to resolved", "resolved", {}},
                    {"Post summary to stakeholders", "resolution_summary", {}},
                    {"Schedule post-mortem (if required)", "postmortem_scheduled", {}}},
                   {}}};
  Rule rule;
  rule.fields["customer_impact"] = RuleFieldValue{std::string("x"), {}, false};
  c.rules = {rule};
  return c;
}

class Workflow : public ::testing::Test {
 protected:
  Workflow() : config(MakeConfig()) {}

  std::function<std::string()> Ids() {
    return [this] { return "id-" + std::to_string(++next_id); };
  }

  // An incident as a rule would open it, followed through creation.
  Incident Open(const std::string& severity, const std::string& type) {
    Incident i;
    i.id = "inc";
    i.title = "Prompt injection";
    i.severity = severity;
    i.type = type;
    i.created = i.modified = T0();
    i.created_by = i.modified_by = Actor::System();
    i.fields["runbook"] = FieldValue{"textbox", false, std::string("https://runbooks.example.com/pi"), std::nullopt};
    std::vector<NewEvent> events;
    Follow(config, nullptr, i, events, Ids());
    created_events = events;
    return i;
  }

  // Applies `change` at `at` by `actor` and follows it; answers the events.
  std::vector<NewEvent> Change(Incident& i, TimePoint at, const Actor& actor,
                               const std::function<void(Incident&, std::vector<NewEvent>&)>& change) {
    Incident before = i;
    std::vector<NewEvent> events;
    i.modified = at;
    i.modified_by = actor;
    change(i, events);
    Follow(config, &before, i, events, Ids());
    return events;
  }

  static const Todo* Find(const Incident& i, const std::string& content) {
    for (const auto& t : i.todos) {
      if (t.content == content) return &t;
    }
    return nullptr;
  }
  static std::vector<std::string> Kinds(const std::vector<NewEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }

  Config config;
  int next_id = 0;
  std::vector<NewEvent> created_events;
  Actor alice{"uuid-alice", "alice"};
};

TEST_F(Workflow, PhaseIsAFunctionOfStateAcknowledgementAndResolution) {
  Incident i;
  EXPECT_EQ(PhaseOf(i), kPhaseDetection);
  i.acknowledged = T0();
  EXPECT_EQ(PhaseOf(i), kPhaseInvestigation);
  i.state = IncidentState::kStable;
  EXPECT_EQ(PhaseOf(i), kPhaseMitigation);
  i.acknowledged.reset();
  EXPECT_EQ(PhaseOf(i), kPhaseMitigation);
  i.state = IncidentState::kResolved;
  EXPECT_EQ(PhaseOf(i), kPhaseResolution);
  i.state = IncidentState::kCompleted;
  EXPECT_EQ(PhaseOf(i), kPhaseResolution);
}

TEST_F(Workflow, CreationCarriesTemplateFieldsLinksAndTheCreationChecklist) {
  Incident i = Open("SEV-1", "Security");
  EXPECT_EQ(i.phase, kPhaseDetection);
  for (const char* key : {"attack_vector", "data_exposed", "quality_score", "vectors_seen", "notes"}) {
    ASSERT_TRUE(i.fields.count(key)) << key;
    EXPECT_TRUE(i.fields.at(key).Values().empty()) << key;
  }
  EXPECT_EQ(i.fields.at("attack_vector").type, "dropdown");
  EXPECT_TRUE(i.fields.at("vectors_seen").is_list);
  ASSERT_EQ(i.attachments.size(), 2u);
  EXPECT_EQ(i.attachments[0].url, "https://runbooks.example.com/pi");
  EXPECT_EQ(i.attachments[1].url, "/dashboard/security-overview");
  EXPECT_EQ(i.attachments[1].title, "Dashboard: Security");
  ASSERT_EQ(i.todos.size(), 3u);
  EXPECT_EQ(i.todos[0].content, "Acknowledge in Tocsin");
  EXPECT_EQ(i.todos[0].checklist, "On Incident Creation");
  EXPECT_EQ(i.todos[0].completes_on, "acknowledged");
  EXPECT_FALSE(i.todos[0].completed);
  EXPECT_EQ(Kinds(created_events), (std::vector<std::string>{"link_added", "link_added", "checklist_added"}));
}

TEST_F(Workflow, AcknowledgingTicksItsItemNamesTheEventAndMovesToInvestigation) {
  Incident i = Open("SEV-1", "Security");
  auto events = Change(i, T0() + 2min, alice, [&](Incident& inc, std::vector<NewEvent>& ev) {
    inc.acknowledged = T0() + 2min;
    inc.acknowledged_by = alice;
    ev.push_back({T0() + 2min, alice, "acknowledged", "Acknowledged by @alice", {}});
  });
  const Todo* ack = Find(i, "Acknowledge in Tocsin");
  ASSERT_TRUE(ack && ack->completed);
  EXPECT_EQ(*ack->completed, T0() + 2min);
  EXPECT_EQ(ack->completed_by_event, "acknowledged");
  EXPECT_EQ(ack->modified_by, alice);
  EXPECT_FALSE(Find(i, "Post initial assessment to timeline")->completed);  // not its event
  EXPECT_FALSE(Find(i, "Join incident Slack channel")->completed);          // manual
  ASSERT_TRUE(Find(i, "Update severity if needed"));                        // investigation checklist added
  EXPECT_FALSE(Find(i, "Update severity if needed")->completed);
  EXPECT_EQ(i.phase, kPhaseInvestigation);
  EXPECT_EQ(Kinds(events),
            (std::vector<std::string>{"acknowledged", "checklist_added", "todo_completed", "phase_changed"}));
  EXPECT_NE(events[2].message.find("acknowledged by @alice"), std::string::npos) << events[2].message;
  EXPECT_EQ(events[3].changes, (std::vector<core::Change>{{"phase", "Detection & Triage", "Investigation"}}));
}

TEST_F(Workflow, ItemsTickOnTheirOwnEventsOnly) {
  Incident i = Open("SEV-1", "Security");
  // A note, a title change: nothing ticks.
  auto events = Change(i, T0() + 1min, alice, [](Incident& inc, std::vector<NewEvent>& ev) {
    inc.title = "Prompt injection on chat";
    ev.push_back({inc.modified, inc.modified_by, "note", "looking", {}});
  });
  EXPECT_EQ(Kinds(events), (std::vector<std::string>{"note"}));
  for (const auto& t : i.todos) EXPECT_FALSE(t.completed) << t.content;
  // A status update before acknowledgement: the initial assessment only.
  Change(i, T0() + 2min, alice, [](Incident& inc, std::vector<NewEvent>& ev) {
    inc.last_status_update = inc.modified;
    ev.push_back({inc.modified, inc.modified_by, "status_update", "Blocking the session", {}});
  });
  EXPECT_TRUE(Find(i, "Post initial assessment to timeline")->completed);
  EXPECT_EQ(Find(i, "Post initial assessment to timeline")->completed_by_event, "initial_assessment");
  EXPECT_FALSE(Find(i, "Acknowledge in Tocsin")->completed);
  // Acknowledged; a status update 20 min after the last one is off the SEV-1
  // cadence (15 min): the cadence item stays open; one 10 min later ticks it.
  Change(i, T0() + 3min, alice, [&](Incident& inc, std::vector<NewEvent>&) {
    inc.acknowledged = inc.modified;
    inc.acknowledged_by = alice;
  });
  const std::string cadence = "Communicate every 15 min (SEV-1) / 30 min (SEV-2)";
  Change(i, T0() + 22min, alice, [](Incident& inc, std::vector<NewEvent>& ev) {
    inc.last_status_update = inc.modified;
    ev.push_back({inc.modified, inc.modified_by, "status_update", "still on it", {}});
  });
  EXPECT_FALSE(Find(i, cadence)->completed);
  Change(i, T0() + 32min, alice, [](Incident& inc, std::vector<NewEvent>& ev) {
    inc.last_status_update = inc.modified;
    ev.push_back({inc.modified, inc.modified_by, "status_update", "mitigated", {}});
  });
  EXPECT_TRUE(Find(i, cadence)->completed);
  // Severity changed.
  EXPECT_FALSE(Find(i, "Update severity if needed")->completed);
  Change(i, T0() + 33min, alice, [](Incident& inc, std::vector<NewEvent>&) { inc.severity = "SEV-2"; });
  EXPECT_EQ(Find(i, "Update severity if needed")->completed_by_event, "severity_changed");
}

TEST_F(Workflow, ResolvingASev1OpensTheResolutionChecklistAndItsPostmortem) {
  Incident i = Open("SEV-1", "Security");
  auto events = Change(i, T0() + 1h, alice, [](Incident& inc, std::vector<NewEvent>&) {
    inc.state = IncidentState::kResolved;
    inc.resolved = inc.modified;
  });
  ASSERT_TRUE(i.postmortem);
  EXPECT_EQ(i.postmortem->state, PostmortemState::kDraft);
  EXPECT_EQ(i.postmortem->due, T0() + 1h + 48h);
  EXPECT_EQ(Find(i, "Update incident to resolved")->completed_by_event, "resolved");
  EXPECT_EQ(Find(i, "Schedule post-mortem (if required)")->completed_by_event, "postmortem_scheduled");
  EXPECT_FALSE(Find(i, "Post summary to stakeholders")->completed);
  EXPECT_EQ(i.phase, kPhaseResolution);
  EXPECT_EQ(Kinds(events), (std::vector<std::string>{"checklist_added", "postmortem_created", "todo_completed",
                                                     "todo_completed", "phase_changed"}));
  // A status update after resolution is the summary.
  Change(i, T0() + 2h, alice, [](Incident& inc, std::vector<NewEvent>& ev) {
    inc.last_status_update = inc.modified;
    ev.push_back({inc.modified, inc.modified_by, "status_update", "All clear", {}});
  });
  EXPECT_EQ(Find(i, "Post summary to stakeholders")->completed_by_event, "resolution_summary");
}

TEST_F(Workflow, Sev3GetsNoPostmortemAndItsScheduleItemStaysOpen) {
  Incident i = Open("SEV-3", "Capacity");
  EXPECT_EQ(i.attachments.size(), 2u);  // runbook, and the Capacity dashboard
  EXPECT_TRUE(i.fields.count("attack_vector") == 0);
  Change(i, T0() + 1h, alice, [](Incident& inc, std::vector<NewEvent>&) {
    inc.state = IncidentState::kResolved;
    inc.resolved = inc.modified;
  });
  EXPECT_FALSE(i.postmortem);
  EXPECT_FALSE(Find(i, "Schedule post-mortem (if required)")->completed);
}

TEST_F(Workflow, ReopeningGoesBackToInvestigationKeepsThePostmortemAndAddsWhatIsNeeded) {
  Incident i = Open("SEV-1", "Security");
  Change(i, T0() + 1min, alice, [&](Incident& inc, std::vector<NewEvent>&) {
    inc.acknowledged = inc.modified;
    inc.acknowledged_by = alice;
  });
  Change(i, T0() + 2min, alice, [](Incident& inc, std::vector<NewEvent>&) { inc.severity = "SEV-2"; });
  Change(i, T0() + 1h, alice, [](Incident& inc, std::vector<NewEvent>&) {
    inc.state = IncidentState::kResolved;
    inc.resolved = inc.modified;
  });
  ASSERT_TRUE(i.postmortem);
  auto count = [&](const std::string& content) {
    return std::count_if(i.todos.begin(), i.todos.end(), [&](const Todo& t) { return t.content == content; });
  };
  auto events = Change(i, T0() + 2h, alice, [](Incident& inc, std::vector<NewEvent>&) {
    inc.state = IncidentState::kActive;
    inc.resolved.reset();
  });
  EXPECT_EQ(i.phase, kPhaseInvestigation);
  ASSERT_TRUE(i.postmortem);  // the draft is kept
  // The ticked severity item comes back open; the open cadence item is not doubled.
  EXPECT_EQ(count("Update severity if needed"), 2);
  EXPECT_EQ(count("Communicate every 15 min (SEV-1) / 30 min (SEV-2)"), 1);
  EXPECT_EQ(events.back().kind, "phase_changed");
  // Resolved again: no second post-mortem.
  std::string pm = i.postmortem->id;
  Change(i, T0() + 3h, alice, [](Incident& inc, std::vector<NewEvent>&) {
    inc.state = IncidentState::kResolved;
    inc.resolved = inc.modified;
  });
  EXPECT_EQ(i.postmortem->id, pm);
}

TEST_F(Workflow, TemplateFieldsAreTypedByTheIncidentsType) {
  auto ok = [&](const std::string& key, FieldValue v) {
    auto r = CheckFields(config, "Security", {{key, std::move(v)}});
    EXPECT_TRUE(r) << key << ": " << (r ? "" : r.error().message);
    return r ? *r : std::map<std::string, FieldValue>{};
  };
  auto bad = [&](const std::string& type, const std::string& key, FieldValue v, const std::string& wanted) {
    auto r = CheckFields(config, type, {{key, std::move(v)}});
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(wanted), std::string::npos) << r.error().message;
  };
  auto text = [](const std::string& s) { return FieldValue{"", false, s, std::nullopt}; };
  auto list = [](std::vector<std::string> l) { return FieldValue{"", true, std::nullopt, std::move(l)}; };
  // The seed's display name and the snake_case key both land on the key.
  auto by_name = ok("Attack Vector", text("jailbreak"));
  ASSERT_TRUE(by_name.count("attack_vector"));
  EXPECT_EQ(by_name["attack_vector"].type, "dropdown");
  EXPECT_EQ(*by_name["attack_vector"].text, "jailbreak");
  ok("attack_vector", text("prompt_injection"));
  ok("Data Exposed", text("true"));
  ok("data_exposed", text("false"));
  ok("Quality Score", text("0.42"));
  ok("quality_score", text("-3e2"));
  ok("Vectors Seen", list({"a", "b"}));
  ok("notes", text("anything at all"));
  ok("attack_vector", FieldValue{"", false, std::nullopt, std::nullopt});  // null clears
  ok("root_cause", text("free text"));                                      // Datadog's built-in
  ok("customer_impact", text("free text"));                                 // set by a rule
  bad("Security", "Attack Vector", text("sql_injection"), "data.attributes.fields.Attack Vector: 'sql_injection' is not one of its options");
  bad("Security", "attack_vector", list({"jailbreak"}), "takes one value, not a list");
  bad("Security", "Data Exposed", text("yes"), "'yes' is not true or false");
  bad("Security", "quality_score", text("high"), "'high' is not a number");
  bad("Security", "quality_score", text(""), "is not a number");
  bad("Security", "quality_score", text("1e999"), "is not a number");
  bad("Security", "Vectors Seen", list({"a", "z"}), "'z' is not one of its options (a, b)");
  bad("Security", "vectors_seen", text("a"), "takes a list of its options");
  bad("Security", "blast_radius", text("x"), "data.attributes.fields.blast_radius: unknown field (the fields of type 'Security' are: attack_vector");
  bad("", "attack_vector", text("jailbreak"), "unknown field (the incident has no type");
  bad("Capacity", "attack_vector", text("jailbreak"), "data.attributes.fields.attack_vector: unknown field");
}

}  // namespace
}  // namespace tocsin::core::workflow
