// schedules: and escalation_policies: in the YAML file.

#include <gtest/gtest.h>

#include <filesystem>

#include "config/config_loader.hpp"
#include "core/escalation/escalation.hpp"

namespace tocsin::config {
namespace {

using std::chrono::minutes;
namespace sched = core::schedule;
namespace esc = core::escalation;

LoadResult Load(std::string_view yaml) {
  return LoadConfigString(yaml, "oncall.yaml", [](const std::string&) { return std::optional<std::string>(); });
}

std::vector<std::string> Lines(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.ToString());
  return out;
}

std::string Dump(const LoadResult& result) {
  std::string out;
  for (const std::string& line : Lines(result.problems)) out += line + "\n";
  return out;
}

std::string ExamplePath() {
  return (std::filesystem::path(TOCSIN_SOURCE_DIR) / "examples" / "v-commerce" / "tocsin.yaml")
      .lexically_normal()
      .string();
}

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

constexpr std::string_view kPeople = R"(users:
  - {handle: ana, positions: [Engineer]}
  - {handle: ben, positions: Engineer}
  - {handle: cy, positions: [Lead, Manager]}
teams:
  - {id: ops, oncall_handle: ops-oncall}
  - {id: web, oncall_handle: web-oncall}
)";

// ---------------------------------------------------------------------------
// The example file

TEST(ConfigLoaderOnCall, ExampleHasTheSeedsSchedulesAndPolicies) {
  LoadResult result = LoadConfigFile(ExamplePath(), [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Dump(result);
  const core::Config& c = result.config;
  ASSERT_EQ(c.schedules.size(), 4u);
  for (const core::Team& team : c.teams) {
    bool has_schedule = false;
    for (const sched::Definition& s : c.schedules) has_schedule = has_schedule || s.team == team.id;
    EXPECT_TRUE(has_schedule) << team.id;
  }
  EXPECT_EQ(c.FindUser("olu")->positions, std::vector<std::string>{"Security Lead"});

  // The three policies of the seed, and Commerce's default.
  ASSERT_EQ(c.escalation_policies.size(), 4u);
  const esc::Policy* security = c.FindPolicyForTeam("security");
  ASSERT_NE(security, nullptr);
  EXPECT_EQ(esc::Summary(*security),
            "0m: schedule 'security-primary'; 5m: position 'Security Lead'; 15m: position 'CISO' (only when "
            "'Attack Successful' true or 'Data Exposed' true)");
  EXPECT_EQ(esc::Summary(*c.FindPolicyForTeam("llm-platform")),
            "0m: schedule 'llm-primary'; 15m: position 'LLM Tech Lead'; 30m: position 'Engineering Manager'");
  EXPECT_EQ(esc::Summary(*c.FindPolicyForTeam("platform-sre")),
            "0m: schedule 'sre-primary'; 15m: position 'SRE Lead'; 30m: position 'VP Engineering' (only when "
            "severity SEV-1)");
  const esc::Policy* commerce = c.FindPolicyForTeam("commerce");
  ASSERT_NE(commerce, nullptr);
  EXPECT_TRUE(commerce->is_default);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_EQ(result.notes[0].message,
            "teams[3]: team 'commerce' has no escalation policy, so it gets the default one: 0m: schedule "
            "'commerce-primary'; repeats 2 times, 15m after the last tier");
  EXPECT_EQ(result.notes[0].mark.line, c.FindTeam("commerce")->mark.line);

  // Who the policies page, from the loaded file.
  auto directory = esc::Directory::Create(c);
  ASSERT_TRUE(directory.has_value()) << directory.error().message;
  // Tuesday 2026-03-17 12:00 UTC: Samira's week, but Jonas covers her (override, Berlin time).
  std::vector<esc::Resolved> sec = directory->TeamOnCall("security", At("2026-03-17T12:00:00Z"));
  ASSERT_EQ(sec.size(), 1u);
  EXPECT_EQ(sec[0].user, "jonas");
  EXPECT_EQ(esc::DescribeChain(sec[0].why),
            "team security → policy 'Security Escalation' → tier 1 'Primary' → schedule 'security-primary' → "
            "override cfg-1 (for samira) → user jonas");
  EXPECT_EQ(directory->TeamOnCall("security", At("2026-03-17T07:59:00Z")).at(0).user, "samira");  // 08:59 Berlin
  // Saturday: the SRE weekend layer.
  std::vector<esc::Resolved> sre = directory->TeamOnCall("platform-sre", At("2026-01-10T12:00:00Z"));
  ASSERT_EQ(sre.size(), 1u);
  EXPECT_EQ(esc::DescribeChain(sre[0].why),
            "team platform-sre → policy 'Platform/SRE Escalation' → tier 1 'Primary' → schedule 'sre-primary' → "
            "layer 'Weekend' → user alex");
  EXPECT_EQ(directory->TeamOnCall("commerce", At("2026-01-05T09:30:00Z")).at(0).user, "lucia");
}

// ---------------------------------------------------------------------------
// Every form of the sections

TEST(ConfigLoaderSchedules, ReadsEveryKey) {
  std::string yaml = std::string(kPeople) + R"(schedules:
  - name: ops-main
    team: ops
    time_zone: America/New_York
    layers:
      - name: Halves
        time_zone: Europe/Paris
        rotation: {type: custom, length: 12h, handoff: '08:30', start: 2026-02-01, members: ['@ana', ben]}
      - name: Business
        rotation: {type: daily, length: 2, handoff: '09:00', start: 2026-02-02, members: [cy]}
        restrictions: {weekdays: [Mon, tuesday, wed, thu, fri], hours: '22:00-06:00'}
      - name: Hourly
        rotation: {type: hourly, length: 6, handoff: '00:00', start: 2026-02-02, members: [ana]}
        restrictions: {hours: '09:00-24:00'}
    overrides:
      - {user: ben, for: ana, start: '2026-02-03T10:00:00Z', end: '2026-02-03T12:00:00+01:00'}
      - {id: vacation, user: '@cy', start: '2026-02-10 09:00', end: '2026-02-11 09:00'}
)";
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  ASSERT_EQ(result.config.schedules.size(), 1u);
  const sched::Definition& d = result.config.schedules[0];
  EXPECT_EQ(d.name, "ops-main");
  EXPECT_EQ(d.team, "ops");
  EXPECT_EQ(d.time_zone, "America/New_York");
  ASSERT_EQ(d.layers.size(), 3u);
  EXPECT_EQ(d.layers[0].time_zone, "Europe/Paris");
  EXPECT_EQ(d.layers[0].rotation.type, sched::RotationType::kCustom);
  EXPECT_EQ(d.layers[0].rotation.length, 12);
  EXPECT_EQ(d.layers[0].rotation.handoff, minutes(8 * 60 + 30));
  EXPECT_EQ(d.layers[0].rotation.start, (sched::LocalDate{2026, 2, 1}));
  EXPECT_EQ(d.layers[0].rotation.members, (std::vector<std::string>{"ana", "ben"}));
  EXPECT_FALSE(d.layers[0].restriction.has_value());
  EXPECT_EQ(d.layers[1].rotation.type, sched::RotationType::kDaily);
  EXPECT_EQ(d.layers[1].rotation.length, 2);
  ASSERT_TRUE(d.layers[1].restriction.has_value());
  EXPECT_EQ(*d.layers[1].restriction, (sched::Restriction{0x3e, minutes(22 * 60), minutes(6 * 60)}));
  EXPECT_EQ(d.layers[2].rotation.type, sched::RotationType::kHourly);
  EXPECT_EQ(*d.layers[2].restriction, (sched::Restriction{sched::kEveryDay, minutes(9 * 60), minutes(24 * 60)}));
  ASSERT_EQ(d.overrides.size(), 2u);
  EXPECT_EQ(d.overrides[0].id, "cfg-1");
  EXPECT_EQ(d.overrides[0].user, "ben");
  EXPECT_EQ(d.overrides[0].for_user, "ana");
  EXPECT_EQ(d.overrides[0].start, At("2026-02-03T10:00:00Z"));
  EXPECT_EQ(d.overrides[0].end, At("2026-02-03T11:00:00Z"));
  EXPECT_EQ(d.overrides[1].id, "vacation");
  EXPECT_EQ(d.overrides[1].user, "cy");
  EXPECT_EQ(d.overrides[1].for_user, "");
  EXPECT_EQ(d.overrides[1].start, At("2026-02-10T14:00:00Z"));  // 09:00 in New York
  EXPECT_EQ(d.overrides[1].end, At("2026-02-11T14:00:00Z"));
  // Neither team has a policy: two notes, the file is still fine.
  EXPECT_EQ(Lines(result.notes),
            (std::vector<std::string>{
                "oncall.yaml:6:5: teams[0]: team 'ops' has no escalation policy, so it gets the default one: 0m: "
                "schedule 'ops-main'; repeats 2 times, 15m after the last tier",
                "oncall.yaml:7:5: teams[1]: team 'web' has no escalation policy, so it gets the default one: 0m: "
                "nobody; repeats 2 times, 15m after the last tier (it has no schedule either: its on-call handle "
                "pages nobody)"}));
}

TEST(ConfigLoaderEscalation, ReadsEveryKey) {
  std::string yaml = std::string(kPeople) + R"(schedules:
  - name: ops-main
    team: ops
    layers:
      - {name: L, rotation: {type: weekly, handoff: '09:00', start: 2026-01-05, members: [ana, ben]}}
templates:
  - name: Security Incident
    fields:
      - {name: Data Exposed, type: boolean}
      - {name: Vector, type: dropdown, options: [a, b]}
escalation_policies:
  - name: Ops
    team: ops
    repeat: 3
    repeat_after: 20m
    tiers:
      - name: Primary
        after: 0m
        targets: [{schedule: ops-main}]
      - after: 10m
        targets: ['@cy', '@web-oncall', {user: ana}, {team: web}, {team: '@web-oncall'}, {position: Lead}]
        condition: {severity: SEV-1}
      - after: 1h
        targets: [{position: Manager}]
        condition:
          severity: [SEV-1, SEV-2]
          any_field: {Data Exposed: true, Vector: [a, b]}
  - name: Web
    team: web
    tiers:
      - {after: 0, targets: ['@ops-oncall']}
)";
  LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Dump(result);
  EXPECT_TRUE(result.notes.empty()) << Lines(result.notes)[0];
  ASSERT_EQ(result.config.escalation_policies.size(), 2u);
  const esc::Policy& ops = result.config.escalation_policies[0];
  EXPECT_EQ(ops.name, "Ops");
  EXPECT_EQ(ops.team, "ops");
  EXPECT_EQ(ops.repeat, 3);
  EXPECT_EQ(ops.repeat_after, minutes(20));
  ASSERT_EQ(ops.tiers.size(), 3u);
  EXPECT_EQ(ops.tiers[0].name, "Primary");
  EXPECT_EQ(ops.tiers[1].name, "");
  EXPECT_EQ(ops.tiers[1].after, minutes(10));
  using K = esc::Target::Kind;
  EXPECT_EQ(ops.tiers[1].targets,
            (std::vector<esc::Target>{{K::kUser, "cy"},
                                      {K::kTeam, "web"},
                                      {K::kUser, "ana"},
                                      {K::kTeam, "web"},
                                      {K::kTeam, "web"},
                                      {K::kPosition, "Lead"}}));
  EXPECT_EQ(ops.tiers[1].condition, (esc::Condition{{"SEV-1"}, {}}));
  EXPECT_EQ(ops.tiers[2].after, minutes(60));
  EXPECT_EQ(ops.tiers[2].condition,
            (esc::Condition{{"SEV-1", "SEV-2"}, {{"Data Exposed", {"true"}}, {"Vector", {"a", "b"}}}}));
  EXPECT_EQ(result.config.escalation_policies[1].tiers[0].targets, (std::vector<esc::Target>{{K::kTeam, "ops"}}));
}

// ---------------------------------------------------------------------------
// Mistakes, each where it was written

TEST(ConfigLoaderSchedules, ReportsEveryMistakeWithItsPosition) {
  std::string yaml = std::string(kPeople) + R"(schedules:
  - name: bad
    team: nope
    time_zone: Europe/Parris
    layers:
      - name: Empty
        time_zone: Mars/Base
        rotation: {type: daily, handoff: '09:00', start: 2026-01-05, members: []}
      - name: Typos
        rotation: {type: daily, handoff: 9am, start: 2026-13-45, members: [ana, zed]}
        restrictions: {weekdays: [mon, funday], hours: '9-5'}
      - name: Custom
        rotation: {type: custom, length: 90m, handoff: '09:00', start: 2026-01-05, members: [ana]}
      - name: Missing
        rotation: {type: fortnightly, handoff: '09:00', start: '2026-01-05'}
        restriction: {}
    overrides:
      - {user: ben, for: ana, start: '2026-02-03T12:00:00Z', end: '2026-02-03T10:00:00Z'}
      - {user: ben, for: ana, start: '2026-02-04T10:00:00Z', end: '2026-02-04T12:00:00Z'}
      - {user: cy, for: ana, start: '2026-02-04T11:00:00Z', end: '2026-02-04T13:00:00Z'}
      - {user: cy, start: soon, end: '2026-02-05T13:00:00Z'}
  - name: bad
)";
  LoadResult result = Load(yaml);
  EXPECT_EQ(Lines(result.problems),
            (std::vector<std::string>{
                "oncall.yaml:10:11: schedules[0].team: unknown team 'nope' (list it under teams:)",
                "oncall.yaml:11:16: schedules[0].time_zone: unknown time zone 'Europe/Parris' (expected an IANA name "
                "like Europe/Paris or UTC)",
                "oncall.yaml:14:20: schedules[0].layers[0].time_zone: unknown time zone 'Mars/Base' (expected an "
                "IANA name like Europe/Paris or UTC)",
                "oncall.yaml:15:79: schedules[0].layers[0].rotation.members: a rotation needs at least one member",
                "oncall.yaml:17:42: schedules[0].layers[1].rotation.handoff: expected a time of day like 09:00, got "
                "'9am'",
                "oncall.yaml:17:54: schedules[0].layers[1].rotation.start: expected a date like 2026-01-05, got "
                "'2026-13-45'",
                "oncall.yaml:17:81: schedules[0].layers[1].rotation.members[1]: unknown user 'zed' (list it under "
                "users:)",
                "oncall.yaml:18:40: schedules[0].layers[1].restrictions.weekdays[1]: expected a weekday like mon or "
                "monday, got 'funday'",
                "oncall.yaml:18:56: schedules[0].layers[1].restrictions.hours: expected a window like 09:00-17:00 "
                "(22:00-06:00 runs past midnight), got '9-5'",
                "oncall.yaml:20:42: schedules[0].layers[2].rotation.length: a custom turn is a whole number of hours "
                "or days, like 12h or 2d",
                "oncall.yaml:22:19: schedules[0].layers[3].rotation: missing required key 'members'",
                "oncall.yaml:22:26: schedules[0].layers[3].rotation.type: expected one of hourly, daily, weekly, "
                "custom; got 'fortnightly'",
                "oncall.yaml:23:9: schedules[0].layers[3]: unknown key 'restriction' (did you mean 'restrictions'?)",
                "oncall.yaml:25:9: schedules[0].overrides[0]: inverted range: ends at 2026-02-03T10:00:00Z, before it "
                "starts at 2026-02-03T12:00:00Z",
                "oncall.yaml:27:9: schedules[0].overrides[2]: override cfg-3 (cy for ana, 2026-02-04T11:00:00Z to "
                "2026-02-04T13:00:00Z) overlaps override cfg-2 (ben for ana, 2026-02-04T10:00:00Z to "
                "2026-02-04T12:00:00Z): both cover ana",
                "oncall.yaml:28:27: schedules[0].overrides[3].start: expected a time like 2026-03-10T09:00:00+01:00, "
                "or 2026-03-10 09:00 in the schedule's time zone, got 'soon'",
                "oncall.yaml:29:11: schedules[1].name: duplicate schedule 'bad' (first defined at line 9)",
            }));
}

TEST(ConfigLoaderEscalation, ReportsEveryMistakeWithItsPosition) {
  std::string yaml = std::string(kPeople) + R"(schedules:
  - {name: ops-main, layers: [{name: L, rotation: {type: daily, handoff: '09:00', start: 2026-01-05, members: [ana]}}]}
escalation_policies:
  - name: Ops
    team: ops
    tiers:
      - {after: 10m, targets: [{team: web}]}
      - after: 5m
        targets: []
      - after: 15m
        targets: ['@nobody', {user: zed}, {schedule: nope}, {team: nowhere}, {position: Janitor}, {user: ana, team: ops}, plain]
        condition: {severity: [SEV-9], any_field: {Data Exposd: true}}
      - {after: 20m, targets: [{user: ana}], condition: {}}
  - name: Web
    team: web
    tiers:
      - {after: 0m, targets: ['@ops-oncall'], condition: {severity: SEV-1}}
  - name: Ops again
    team: ops
    tiers: [{after: 0m, targets: [{user: ana}]}]
  - name: Nothing
    team: ghost
    tiers: []
)";
  LoadResult result = Load(yaml);
  EXPECT_EQ(Lines(result.problems),
            (std::vector<std::string>{
                "oncall.yaml:15:16: escalation_policies[0].tiers[1].after: starts at 5m, before tiers[0] (10m); list "
                "tiers in the order they start",
                "oncall.yaml:16:18: escalation_policies[0].tiers[1].targets: a tier needs at least one target",
                "oncall.yaml:18:19: escalation_policies[0].tiers[2].targets[0]: unknown handle '@nobody': no team "
                "has it as oncall_handle and no user has it",
                "oncall.yaml:18:30: escalation_policies[0].tiers[2].targets[1]: unknown user 'zed' (list it under "
                "users:)",
                "oncall.yaml:18:43: escalation_policies[0].tiers[2].targets[2]: unknown schedule 'nope' (list it "
                "under schedules:)",
                "oncall.yaml:18:61: escalation_policies[0].tiers[2].targets[3]: unknown team 'nowhere' (list it "
                "under teams:)",
                "oncall.yaml:18:78: escalation_policies[0].tiers[2].targets[4]: no user holds position 'Janitor' "
                "(add it to a user's positions:)",
                "oncall.yaml:18:99: escalation_policies[0].tiers[2].targets[5]: give exactly one of user, schedule, "
                "team, position",
                "oncall.yaml:18:123: escalation_policies[0].tiers[2].targets[6]: expected '@handle' or one of {user: "
                "...}, {schedule: ...}, {team: ...}, {position: ...}, got 'plain'",
                "oncall.yaml:19:32: escalation_policies[0].tiers[2].condition.severity[0]: unknown severity 'SEV-9' "
                "(configured: SEV-1, SEV-2, SEV-3, SEV-4)",
                "oncall.yaml:19:65: escalation_policies[0].tiers[2].condition.any_field.Data Exposd: unknown field "
                "'Data Exposd': no template defines it and no rule sets it",
                "oncall.yaml:20:57: escalation_policies[0].tiers[3].condition: an empty condition: give severity "
                "and/or any_field",
                "oncall.yaml:24:31: escalation_policies[1].tiers[0].targets[0]: cyclic reference: team ops → team web "
                "→ team ops (a team's on-call is whoever its policy's first tier pages)",
                "oncall.yaml:24:58: escalation_policies[1].tiers[0].condition: the first tier cannot have a "
                "condition: it is who the team's on-call handle names",
                "oncall.yaml:26:11: escalation_policies[2].team: team 'ops' already has escalation policy 'Ops' "
                "(escalation_policies[0]); a team has one policy",
                "oncall.yaml:29:11: escalation_policies[3].team: unknown team 'ghost' (list it under teams:)",
                "oncall.yaml:30:12: escalation_policies[3].tiers: at least one tier is required",
            }));
}

}  // namespace
}  // namespace tocsin::config
