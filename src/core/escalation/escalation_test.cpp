#include "core/escalation/escalation.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace tocsin::core::escalation {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

// Incidents open on a Tuesday afternoon; samira is on call that week.
const TimePoint kCreated = At("2026-01-13T14:00:00Z");

User MakeUser(std::string handle, std::vector<std::string> positions) {
  User u;
  u.handle = std::move(handle);
  u.positions = std::move(positions);
  return u;
}

Team MakeTeam(std::string id, std::string name) {
  Team t;
  t.id = std::move(id);
  t.name = std::move(name);
  t.oncall_handle = t.id + "-oncall";
  return t;
}

schedule::Definition Weekly(std::string name, std::string team, std::vector<std::string> members) {
  schedule::Definition d;
  d.name = std::move(name);
  d.team = std::move(team);
  d.time_zone = "Europe/Berlin";
  schedule::Layer layer;
  layer.name = "Weekly";
  layer.rotation.type = schedule::RotationType::kWeekly;
  layer.rotation.handoff = minutes(9 * 60);
  layer.rotation.start = {2026, 1, 5};
  layer.rotation.members = std::move(members);
  d.layers.push_back(std::move(layer));
  return d;
}

Tier MakeTier(std::string name, int after_minutes, std::vector<Target> targets,
              std::optional<Condition> condition = std::nullopt) {
  Tier t;
  t.name = std::move(name);
  t.after = minutes(after_minutes);
  t.targets = std::move(targets);
  t.condition = std::move(condition);
  return t;
}

Target Sched(std::string name) { return Target{Target::Kind::kSchedule, std::move(name)}; }
Target Position(std::string name) { return Target{Target::Kind::kPosition, std::move(name)}; }
Target UserTarget(std::string name) { return Target{Target::Kind::kUser, std::move(name)}; }
Target TeamTarget(std::string name) { return Target{Target::Kind::kTeam, std::move(name)}; }

// The seed's people, teams and three policies, as the example config writes them.
Config SeedConfig() {
  Config c;
  c.severities = DefaultSeverities();
  c.users = {MakeUser("priya", {"LLM Platform Engineer"}), MakeUser("mateo", {"LLM Platform Engineer"}),
             MakeUser("wei", {"LLM Tech Lead"}),           MakeUser("dana", {"Engineering Manager"}),
             MakeUser("samira", {"Security Engineer"}),    MakeUser("jonas", {"Security Engineer"}),
             MakeUser("olu", {"Security Lead"}),           MakeUser("grace", {"CISO"}),
             MakeUser("alex", {"SRE On-call"}),            MakeUser("jordan", {"SRE On-call"}),
             MakeUser("rafael", {"SRE Lead"}),             MakeUser("morgan", {"VP Engineering"}),
             MakeUser("lucia", {}),                        MakeUser("tom", {})};
  c.teams = {MakeTeam("llm-platform", "LLM Platform"), MakeTeam("security", "Security"),
             MakeTeam("platform-sre", "Platform/SRE"), MakeTeam("commerce", "Commerce")};
  c.schedules = {Weekly("llm-primary", "llm-platform", {"priya", "mateo"}),
                 Weekly("security-primary", "security", {"jonas", "samira"}),
                 Weekly("sre-primary", "platform-sre", {"jordan", "alex"}),
                 Weekly("commerce-primary", "commerce", {"tom", "lucia"})};
  IncidentTemplate security;
  security.name = "Security Incident";
  for (const char* field : {"Attack Successful", "Data Exposed", "Source IP/Session Blocked"}) {
    TemplateField f;
    f.name = field;
    f.type = "boolean";
    security.fields.push_back(f);
  }
  c.templates = {security};

  Policy llm{"LLM Platform Escalation", "llm-platform",
             {MakeTier("Primary", 0, {Sched("llm-primary")}), MakeTier("Secondary", 15, {Position("LLM Tech Lead")}),
              MakeTier("Tertiary", 30, {Position("Engineering Manager")})}};
  Condition breach;
  breach.any_field = {{"Attack Successful", {"true"}}, {"Data Exposed", {"true"}}};
  Policy sec{"Security Escalation", "security",
             {MakeTier("Primary", 0, {Sched("security-primary")}), MakeTier("Secondary", 5, {Position("Security Lead")}),
              MakeTier("Tertiary", 15, {Position("CISO")}, breach)}};
  Condition sev1;
  sev1.severities = {"SEV-1"};
  Policy sre{"Platform/SRE Escalation", "platform-sre",
             {MakeTier("Primary", 0, {Sched("sre-primary")}), MakeTier("Secondary", 15, {Position("SRE Lead")}),
              MakeTier("Tertiary", 30, {Position("VP Engineering")}, sev1)}};
  c.escalation_policies = {llm, sec, sre};
  return c;
}

Directory MakeDirectory(const Config& c) {
  Result<Directory> d = Directory::Create(c);
  EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
  return std::move(d.value());
}

FieldValue Bool(bool b) {
  FieldValue v;
  v.type = "boolean";
  v.text = b ? "true" : "false";
  return v;
}

// The engine's loop in miniature: evaluate, store the step records, remember the
// pages with the time they went out.
struct EngineLoop {
  struct Sent {
    TimePoint at;
    Page page;
  };
  const Policy& policy;
  const Resolver& resolver;
  State state;
  std::vector<Sent> sent;
  std::vector<std::string> notes;

  std::optional<TimePoint> Step(TimePoint now) {
    Decision d = Evaluate(policy, state, resolver, now);
    for (const StepDecision& step : d.steps) {
      state.done.push_back(step.record);
      notes.push_back(step.note);
    }
    for (const Page& page : d.pages) sent.push_back({now, page});
    return d.next_due;
  }
  // Wakes at every due time until nothing is left or `until`.
  void Until(TimePoint until) {
    std::optional<TimePoint> next = state.created;
    while (next && *next <= until) next = Step(*next);
  }
  std::vector<std::pair<std::string, minutes>> Who() const {
    std::vector<std::pair<std::string, minutes>> out;
    for (const Sent& s : sent) out.emplace_back(s.page.user, std::chrono::duration_cast<minutes>(s.at - state.created));
    return out;
  }
};

State NewIncident(std::string severity) {
  State s;
  s.created = kCreated;
  s.severity = std::move(severity);
  return s;
}

using Who = std::vector<std::pair<std::string, minutes>>;

// ---------------------------------------------------------------------------
// The seed's policies

TEST(EscalationSeed, SecurityWithoutAcknowledgementAndNoBreach) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  EngineLoop run{c.escalation_policies[1], d, NewIncident("SEV-1")};
  run.Until(kCreated + hours(3));
  EXPECT_EQ(run.Who(), (Who{{"samira", minutes(0)}, {"olu", minutes(5)}}));
  EXPECT_EQ(run.notes.back(),
            "tier 3 'Tertiary' skipped: no field matches ('Attack Successful' is not set; 'Data Exposed' is not set)");
  EXPECT_EQ(run.state.done.size(), 3u);
  EXPECT_EQ(run.state.done[2], (StepRecord{0, 2, kCreated + minutes(15), Outcome::kSkipped}));
}

TEST(EscalationSeed, SecurityPagesTheCisoForAConfirmedBreach) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  State incident = NewIncident("SEV-1");
  incident.fields["Attack Successful"] = Bool(false);
  incident.fields["Data Exposed"] = Bool(true);
  EngineLoop run{c.escalation_policies[1], d, incident};
  run.Until(kCreated + hours(3));
  EXPECT_EQ(run.Who(), (Who{{"samira", minutes(0)}, {"olu", minutes(5)}, {"grace", minutes(15)}}));
  EXPECT_EQ(run.sent[2].page.Why(),
            "team security → policy 'Security Escalation' → tier 3 'Tertiary' → position 'CISO' → user grace");
}

TEST(EscalationSeed, SecurityStopsWhenAcknowledged) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  EngineLoop run{c.escalation_policies[1], d, NewIncident("SEV-1")};
  EXPECT_EQ(run.Step(kCreated), kCreated + minutes(5));
  run.state.acknowledged = kCreated + minutes(3);
  Decision later = Evaluate(run.policy, run.state, d, kCreated + minutes(20));
  EXPECT_TRUE(later.steps.empty());
  EXPECT_TRUE(later.pages.empty());
  EXPECT_FALSE(later.next_due.has_value());
  EXPECT_EQ(run.Who(), (Who{{"samira", minutes(0)}}));
}

TEST(EscalationSeed, PlatformPagesTheVpOnlyForSev1) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  EngineLoop sev1{c.escalation_policies[2], d, NewIncident("SEV-1")};
  sev1.Until(kCreated + hours(3));
  EXPECT_EQ(sev1.Who(), (Who{{"alex", minutes(0)}, {"rafael", minutes(15)}, {"morgan", minutes(30)}}));
  EngineLoop sev2{c.escalation_policies[2], d, NewIncident("SEV-2")};
  sev2.Until(kCreated + hours(3));
  EXPECT_EQ(sev2.Who(), (Who{{"alex", minutes(0)}, {"rafael", minutes(15)}}));
  EXPECT_EQ(sev2.notes.back(), "tier 3 'Tertiary' skipped: severity SEV-2 is not SEV-1");
}

TEST(EscalationSeed, LlmPlatformTiming) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  EngineLoop run{c.escalation_policies[0], d, NewIncident("SEV-2")};
  run.Until(kCreated + hours(3));
  EXPECT_EQ(run.Who(), (Who{{"mateo", minutes(0)}, {"wei", minutes(15)}, {"dana", minutes(30)}}));
  EngineLoop acked{c.escalation_policies[0], d, NewIncident("SEV-2")};
  acked.Until(kCreated + minutes(20));
  acked.state.acknowledged = kCreated + minutes(20);
  acked.Until(kCreated + hours(3));
  EXPECT_EQ(acked.Step(kCreated + hours(3)), std::nullopt);
  EXPECT_EQ(acked.Who(), (Who{{"mateo", minutes(0)}, {"wei", minutes(15)}}));
}

TEST(EscalationSeed, WhyChainNamesTheLayerOrOverride) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  Decision first = Evaluate(c.escalation_policies[1], NewIncident("SEV-1"), d, kCreated);
  ASSERT_EQ(first.pages.size(), 1u);
  EXPECT_EQ(first.pages[0].Why(), "team security → policy 'Security Escalation' → tier 1 'Primary' → schedule "
                                  "'security-primary' → layer 'Weekly' → user samira");
  EXPECT_EQ(first.next_due, kCreated + minutes(5));

  c.schedules[1].overrides.push_back(
      {"cfg-1", "jonas", "samira", kCreated - hours(1), kCreated + hours(1)});
  Directory covered = MakeDirectory(c);
  Decision with_override = Evaluate(c.escalation_policies[1], NewIncident("SEV-1"), covered, kCreated);
  ASSERT_EQ(with_override.pages.size(), 1u);
  EXPECT_EQ(with_override.pages[0].user, "jonas");
  EXPECT_EQ(with_override.pages[0].Why(), "team security → policy 'Security Escalation' → tier 1 'Primary' → "
                                          "schedule 'security-primary' → override cfg-1 (for samira) → user jonas");
}

// ---------------------------------------------------------------------------
// Restarts: stored step records make every overdue step fire once, none twice.

TEST(EscalationRestart, OverdueTiersFireOnceAfterARestart) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  const Policy& policy = c.escalation_policies[2];
  State stored = NewIncident("SEV-1");
  Decision before = Evaluate(policy, stored, d, kCreated);
  for (const StepDecision& s : before.steps) stored.done.push_back(s.record);
  ASSERT_EQ(before.pages.size(), 1u);

  // Down from 1 minute to 40 minutes: on restart both overdue tiers fire, once.
  Decision after = Evaluate(policy, stored, d, kCreated + minutes(40));
  ASSERT_EQ(after.steps.size(), 2u);
  EXPECT_EQ(after.steps[0].record, (StepRecord{0, 1, kCreated + minutes(15), Outcome::kPaged}));
  EXPECT_EQ(after.steps[1].record, (StepRecord{0, 2, kCreated + minutes(30), Outcome::kPaged}));
  ASSERT_EQ(after.pages.size(), 2u);
  EXPECT_EQ(after.pages[0].user, "rafael");
  EXPECT_EQ(after.pages[1].user, "morgan");
  EXPECT_FALSE(after.next_due.has_value());
  for (const StepDecision& s : after.steps) stored.done.push_back(s.record);

  // A second restart at the same moment decides nothing again.
  Decision again = Evaluate(policy, stored, d, kCreated + minutes(40));
  EXPECT_TRUE(again.steps.empty());
  EXPECT_TRUE(again.pages.empty());
}

TEST(EscalationRestart, ANaiveMinuteByMinuteLoopPagesEachStepOnce) {
  Config c = SeedConfig();
  c.escalation_policies[0].repeat = 2;
  c.escalation_policies[0].repeat_after = minutes(10);
  Directory d = MakeDirectory(c);
  EngineLoop run{c.escalation_policies[0], d, NewIncident("SEV-1")};
  for (TimePoint now = kCreated; now <= kCreated + hours(3); now += minutes(1)) run.Step(now);
  // Rounds start every 30m + 10m: 0, 40, 80 minutes.
  EXPECT_EQ(run.Who(), (Who{{"mateo", minutes(0)},
                            {"wei", minutes(15)},
                            {"dana", minutes(30)},
                            {"mateo", minutes(40)},
                            {"wei", minutes(55)},
                            {"dana", minutes(70)},
                            {"mateo", minutes(80)},
                            {"wei", minutes(95)},
                            {"dana", minutes(110)}}));
  std::set<std::pair<int, int>> steps;
  for (const StepRecord& r : run.state.done) EXPECT_TRUE(steps.insert({r.round, r.tier}).second);
  EXPECT_EQ(run.sent[3].page.round, 1);
  EXPECT_EQ(run.notes[3], "tier 1 'Primary' (repeat 1) paged mateo");
  EXPECT_EQ(DueTime(c.escalation_policies[0], kCreated, 2, 1), kCreated + minutes(95));
}

// ---------------------------------------------------------------------------
// Nobody to page

TEST(EscalationFallThrough, ATierWithNobodyFallsThroughAtOnce) {
  Config c = SeedConfig();
  c.schedules[1].layers.clear();  // the security schedule has nobody on call
  Directory d = MakeDirectory(c);
  EngineLoop run{c.escalation_policies[1], d, NewIncident("SEV-1")};
  EXPECT_EQ(run.Step(kCreated), kCreated + minutes(15));
  EXPECT_EQ(run.Who(), (Who{{"olu", minutes(0)}}));
  ASSERT_EQ(run.notes.size(), 2u);
  EXPECT_EQ(run.notes[0],
            "tier 1 'Primary': nobody to page (schedule 'security-primary' resolved to nobody); falls through to "
            "tier 2 'Secondary'");
  EXPECT_EQ(run.notes[1], "tier 2 'Secondary' paged olu (early: tier 1 'Primary' had nobody to page)");
  EXPECT_EQ(run.state.done[0].outcome, Outcome::kNobody);
  EXPECT_EQ(run.state.done[1].due, kCreated + minutes(5));  // its own due time, though it fired at once
  // At 5 minutes nothing happens again.
  Decision at5 = Evaluate(run.policy, run.state, d, kCreated + minutes(5));
  EXPECT_TRUE(at5.steps.empty());
}

TEST(EscalationFallThrough, FallingThroughPastASkippedTierAndOffTheEnd) {
  Config c = SeedConfig();
  Policy& sec = c.escalation_policies[1];
  sec.tiers[1].targets = {Sched("nobody-schedule")};  // unknown here: resolves to nobody
  Directory d = MakeDirectory(c);
  EngineLoop run{sec, d, NewIncident("SEV-1")};
  run.Until(kCreated + hours(1));
  EXPECT_EQ(run.Who(), (Who{{"samira", minutes(0)}}));
  ASSERT_EQ(run.notes.size(), 3u);
  EXPECT_EQ(run.notes[1],
            "tier 2 'Secondary': nobody to page (schedule 'nobody-schedule' resolved to nobody); falls through to "
            "tier 3 'Tertiary'");
  EXPECT_EQ(run.notes[2],
            "tier 3 'Tertiary' skipped: no field matches ('Attack Successful' is not set; 'Data Exposed' is not "
            "set) (early: tier 2 'Secondary' had nobody to page)");
}

TEST(EscalationFallThrough, LastTierWithNobodySaysSo) {
  Policy p{"Solo", "t", {MakeTier("Only", 0, {UserTarget("ghost")})}};
  Config c;
  Directory d = MakeDirectory(c);
  Decision decision = Evaluate(p, NewIncident("SEV-3"), d, kCreated);
  ASSERT_EQ(decision.steps.size(), 1u);
  EXPECT_EQ(decision.steps[0].note,
            "tier 1 'Only': nobody to page (user ghost resolved to nobody); it is the last tier, nobody left to page "
            "in this round");
  EXPECT_FALSE(decision.next_due.has_value());
}

// ---------------------------------------------------------------------------
// Teams, defaults, the commander

TEST(EscalationTeams, TeamTargetsResolveThroughTheTeamsFirstTier) {
  Config c = SeedConfig();
  c.escalation_policies[0].tiers[2].targets = {TeamTarget("platform-sre")};
  Directory d = MakeDirectory(c);
  std::vector<Resolved> sre = d.Resolve(TeamTarget("platform-sre"), kCreated);
  ASSERT_EQ(sre.size(), 1u);
  EXPECT_EQ(sre[0].user, "alex");
  EXPECT_EQ(DescribeChain(sre[0].why), "team platform-sre → policy 'Platform/SRE Escalation' → tier 1 'Primary' → "
                                       "schedule 'sre-primary' → layer 'Weekly' → user alex");
  EngineLoop run{c.escalation_policies[0], d, NewIncident("SEV-2")};
  run.Until(kCreated + hours(1));
  ASSERT_EQ(run.sent.size(), 3u);
  EXPECT_EQ(run.sent[2].page.Why(),
            "team llm-platform → policy 'LLM Platform Escalation' → tier 3 'Tertiary' → team platform-sre → policy "
            "'Platform/SRE Escalation' → tier 1 'Primary' → schedule 'sre-primary' → layer 'Weekly' → user alex");
}

TEST(EscalationTeams, CommerceGetsTheDefaultPolicy) {
  Config c = SeedConfig();
  std::vector<Policy> defaults = DefaultPolicies(c);
  ASSERT_EQ(defaults.size(), 1u);
  EXPECT_EQ(defaults[0].name, "Commerce (default)");
  EXPECT_TRUE(defaults[0].is_default);
  EXPECT_EQ(Summary(defaults[0]), "0m: schedule 'commerce-primary'; repeats 2 times, 15m after the last tier");
  Directory d = MakeDirectory(c);
  const Policy* commerce = d.PolicyForTeam("commerce");
  ASSERT_NE(commerce, nullptr);
  EXPECT_TRUE(commerce->is_default);
  EngineLoop run{*commerce, d, NewIncident("SEV-1")};
  run.Until(kCreated + hours(2));
  EXPECT_EQ(run.Who(), (Who{{"lucia", minutes(0)}, {"lucia", minutes(15)}, {"lucia", minutes(30)}}));
  EXPECT_EQ(d.PolicyForTeam("nope"), nullptr);
  EXPECT_EQ(Summary(c.escalation_policies[2]),
            "0m: schedule 'sre-primary'; 15m: position 'SRE Lead'; 30m: position 'VP Engineering' (only when "
            "severity SEV-1)");
}

TEST(EscalationTeams, TheCommanderIsTheTeamsTierOnePerson) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  std::vector<Resolved> on_call = d.TeamOnCall("security", At("2026-01-20T08:00:00Z"));  // Tuesday: jonas's week
  ASSERT_EQ(on_call.size(), 1u);
  EXPECT_EQ(on_call[0].user, "jonas");
  EXPECT_TRUE(d.TeamOnCall("unknown", kCreated).empty());
}

TEST(EscalationTeams, PutScheduleReplacesASchedule) {
  Config c = SeedConfig();
  Directory d = MakeDirectory(c);
  Result<schedule::Schedule> covered = d.FindSchedule("security-primary")->WithOverrides(
      {{"api-1", "grace", "", kCreated - hours(1), kCreated + hours(1)}});
  ASSERT_TRUE(covered.has_value());
  d.PutSchedule(std::move(*covered));
  EXPECT_EQ(d.TeamOnCall("security", kCreated).at(0).user, "grace");
}

TEST(EscalationConditions, FieldsAndSeverities) {
  Condition breach;
  breach.any_field = {{"Attack Successful", {"true"}}, {"Data Exposed", {"true"}}};
  std::map<std::string, FieldValue> fields;
  std::string why;
  EXPECT_FALSE(ConditionHolds(breach, "SEV-1", fields, &why));
  fields["Attack Successful"] = Bool(true);
  EXPECT_TRUE(ConditionHolds(breach, "SEV-1", fields));
  fields["Attack Successful"].text = "TRUE";
  EXPECT_TRUE(ConditionHolds(breach, "SEV-4", fields));
  FieldValue list;
  list.is_list = true;
  list.list = std::vector<std::string>{"a", "true"};
  fields["Attack Successful"] = list;
  EXPECT_TRUE(ConditionHolds(breach, "SEV-1", fields));
  Condition both = breach;
  both.severities = {"SEV-1", "SEV-2"};
  EXPECT_FALSE(ConditionHolds(both, "SEV-3", fields, &why));
  EXPECT_EQ(why, "severity SEV-3 is not SEV-1 or SEV-2");
  fields["Attack Successful"] = Bool(false);
  EXPECT_FALSE(ConditionHolds(both, "SEV-1", fields, &why));
  EXPECT_EQ(why, "no field matches ('Attack Successful' is false, not true; 'Data Exposed' is not set)");
  EXPECT_EQ(FormatOffset(minutes(90)), "1h30m");
  EXPECT_EQ(FormatOffset(std::chrono::seconds(0)), "0m");
}

// ---------------------------------------------------------------------------
// Bad input

TEST(EscalationValidation, TheSeedIsValid) { EXPECT_TRUE(ValidatePolicies(SeedConfig()).empty()); }

TEST(EscalationValidation, TierWithNoTargets) {
  Config c = SeedConfig();
  c.escalation_policies[1].tiers[1].targets.clear();
  EXPECT_EQ(ValidatePolicies(c), (std::vector<Problem>{{"escalation_policies[1].tiers[1].targets",
                                                        "a tier needs at least one target"}}));
}

TEST(EscalationValidation, CyclicReferenceBetweenPolicies) {
  Config c = SeedConfig();
  c.escalation_policies[0].tiers[0].targets = {TeamTarget("security")};
  c.escalation_policies[1].tiers[0].targets = {TeamTarget("platform-sre")};
  c.escalation_policies[2].tiers[0].targets = {Sched("sre-primary"), TeamTarget("llm-platform")};
  EXPECT_EQ(ValidatePolicies(c),
            (std::vector<Problem>{{"escalation_policies[2].tiers[0].targets[1]",
                                   "cyclic reference: team llm-platform → team security → team platform-sre → team "
                                   "llm-platform (a team's on-call is whoever its policy's first tier pages)"}}));
  // The directory does not loop on such a config either.
  Directory d = MakeDirectory(c);
  std::vector<Resolved> people = d.TeamOnCall("llm-platform", kCreated);
  ASSERT_EQ(people.size(), 1u);
  EXPECT_EQ(people[0].user, "alex");
}

TEST(EscalationValidation, TeamTargetInALaterTierIsNoCycle) {
  Config c = SeedConfig();
  c.escalation_policies[0].tiers[2].targets = {TeamTarget("platform-sre")};
  c.escalation_policies[2].tiers[2].targets = {TeamTarget("llm-platform")};
  EXPECT_TRUE(ValidatePolicies(c).empty());
}

TEST(EscalationValidation, UnknownNamesAndOtherMistakes) {
  Config c = SeedConfig();
  Policy bad{"Bad", "ghosts",
             {MakeTier("A", 10, {UserTarget("nobody"), Sched("nope"), TeamTarget("nowhere"), Position("Janitor")},
                       Condition{{"SEV-1"}, {}}),
              MakeTier("B", 5, {UserTarget("olu")}, Condition{{"SEV-9"}, {{"Data Exposd", {"true"}}}}),
              MakeTier("C", 20, {UserTarget("olu")}, Condition{{}, {{"Data Exposed", {"maybe"}}}}),
              MakeTier("D", 30, {UserTarget("olu")}, Condition{})}};
  Policy second_for_security{"Second", "security", {MakeTier("A", 0, {UserTarget("olu")})}};
  Policy empty{"Empty", "commerce", {}};
  c.escalation_policies.push_back(bad);
  c.escalation_policies.push_back(second_for_security);
  c.escalation_policies.push_back(empty);
  EXPECT_EQ(
      ValidatePolicies(c),
      (std::vector<Problem>{
          {"escalation_policies[3].team", "unknown team 'ghosts' (list it under teams:)"},
          {"escalation_policies[3].tiers[0].condition",
           "the first tier cannot have a condition: it is who the team's on-call handle names"},
          {"escalation_policies[3].tiers[0].targets[0]", "unknown user 'nobody' (list it under users:)"},
          {"escalation_policies[3].tiers[0].targets[1]", "unknown schedule 'nope' (list it under schedules:)"},
          {"escalation_policies[3].tiers[0].targets[2]", "unknown team 'nowhere' (list it under teams:)"},
          {"escalation_policies[3].tiers[0].targets[3]",
           "no user holds position 'Janitor' (add it to a user's positions:)"},
          {"escalation_policies[3].tiers[1].after",
           "starts at 5m, before tiers[0] (10m); list tiers in the order they start"},
          {"escalation_policies[3].tiers[1].condition.severity[0]",
           "unknown severity 'SEV-9' (configured: SEV-1, SEV-2, SEV-3, SEV-4)"},
          {"escalation_policies[3].tiers[1].condition.any_field.Data Exposd",
           "unknown field 'Data Exposd': no template defines it and no rule sets it"},
          {"escalation_policies[3].tiers[2].condition.any_field.Data Exposed",
           "'Data Exposed' is a boolean field: expected true or false, got 'maybe'"},
          {"escalation_policies[3].tiers[3].condition", "an empty condition: give severity and/or any_field"},
          {"escalation_policies[4].team",
           "team 'security' already has escalation policy 'Security Escalation' (escalation_policies[1]); a team "
           "has one policy"},
          {"escalation_policies[5].tiers", "at least one tier is required"},
      }));
}

}  // namespace
}  // namespace tocsin::core::escalation
