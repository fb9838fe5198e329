// Replay (core/replay, usecases/replay): what a candidate config would have
// done with a recorded alert stream, against the config in force. The configs
// are YAML read by the real loader; the histories are written here, except in
// the identity test, which records one through ingestion (PlanAlerts and the
// memory store, as the API does) and the escalation engine.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/v2/alerts_api.hpp"
#include "app/replay.hpp"
#include "config/config_loader.hpp"
#include "core/replay/replay.hpp"
#include "core/rules/rules.hpp"
#include "engine/escalation_worker.hpp"
#include "storage/memory/memory_store.hpp"
#include "usecases/replay.hpp"

namespace tocsin::app {
namespace {

namespace rp = core::replay;
using namespace std::chrono_literals;

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

// Ops: a daily rotation of ana and ben (Paris), then cy (New York) 10 minutes in.
constexpr const char* kBase = R"(
users:
  - {handle: ana, name: Ana, time_zone: Europe/Paris}
  - {handle: ben, name: Ben, time_zone: Europe/Paris}
  - {handle: cy, name: Cy, time_zone: America/New_York}
teams:
  - {id: ops, name: Ops, oncall_handle: ops-oncall, members: [ana, ben, cy]}
channels:
  - {name: hook-ops, type: webhook, url: 'http://127.0.0.1:9/ops'}
  - {name: hook-db, type: webhook, url: 'http://127.0.0.1:9/db'}
schedules:
  - name: ops-primary
    team: ops
    time_zone: Europe/Paris
    layers:
      - name: Daily
        rotation: {type: daily, handoff: '09:00', start: 2026-03-01, members: [ana, ben]}
escalation_policies:
  - name: Ops
    team: ops
    tiers:
      - {name: Primary, after: 0m, targets: [{schedule: ops-primary}]}
      - {name: Backup, after: 10m, targets: [{user: cy}]}
rules:
  - rule_name: API errors
    trigger: {monitors: ['API errors'], condition: alert, group_by: [service]}
    incident_settings: {title: 'API errors', severity: SEV-2, commander: '@ops-oncall', notifications: [hook-ops]}
  - rule_name: DB down
    trigger: {monitors: ['DB down'], condition: alert}
    incident_settings: {title: 'DB down', severity: SEV-1, commander: '@ops-oncall', notifications: [hook-db]}
)";

std::string Edited(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

core::Config Load(const std::string& yaml) {
  auto loaded = config::LoadConfigString(yaml, "replay.yaml", [](const std::string&) { return std::optional<std::string>(); });
  std::string problems;
  for (const auto& p : loaded.problems) problems += p.ToString() + "\n";
  EXPECT_TRUE(loaded.ok()) << problems;
  return loaded.config;
}

core::AlertRecord Alert(std::int64_t seq, const std::string& monitor, const char* at,
                        core::AlertState state = core::AlertState::kAlert, std::vector<std::string> tags = {}) {
  core::AlertRecord r;
  r.seq = seq;
  r.alert.source = "generic";
  r.alert.monitor_name = monitor;
  r.alert.state = state;
  r.alert.tags = std::move(tags);
  r.alert.received_at = At(at);
  r.alert.delivery_key = "k" + std::to_string(seq);
  return r;
}

rp::History History(std::vector<core::AlertRecord> alerts, const char* from, const char* to) {
  rp::History h;
  h.from = At(from);
  h.to = At(to);
  h.alerts = std::move(alerts);
  return h;
}

std::unique_ptr<rp::Report> ReplayBoth(const std::string& before, const std::string& after, const rp::History& h) {
  auto report = rp::Run(Load(before), Load(after), h);
  EXPECT_TRUE(report) << report.error().message;
  return std::move(*report);
}

int PagesOf(const rp::Outcome& o, const std::string& user) {
  int n = 0;
  for (const auto& p : o.pages) n += p.user == user;
  return n;
}

TEST(Replay, TheSameConfigShowsNoDifference) {
  auto h = History({Alert(1, "DB down", "2026-03-02T10:00:00Z"), Alert(2, "API errors", "2026-03-02T11:00:00Z", core::AlertState::kAlert, {"service:a"}),
                    Alert(3, "DB down", "2026-03-02T10:30:00Z", core::AlertState::kOk)},
                   "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
  auto r = ReplayBoth(kBase, kBase, h);
  EXPECT_TRUE(r->diff.Empty());
  EXPECT_EQ(r->before.incidents.size(), 2u);
  EXPECT_EQ(r->before.pages.size(), r->after.pages.size());
}

TEST(Replay, ARemovedRuleMakesItsIncidentsAndPagesDisappear) {
  auto h = History({Alert(1, "DB down", "2026-03-02T10:00:00Z"), Alert(2, "DB down", "2026-03-02T10:05:00Z", core::AlertState::kOk),
                    Alert(3, "DB down", "2026-03-02T14:00:00Z"), Alert(4, "API errors", "2026-03-02T15:00:00Z", core::AlertState::kAlert, {"service:a"})},
                   "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
  std::string removed = Edited(kBase, R"(  - rule_name: DB down
    trigger: {monitors: ['DB down'], condition: alert}
    incident_settings: {title: 'DB down', severity: SEV-1, commander: '@ops-oncall', notifications: [hook-db]}
)", "");
  auto r = ReplayBoth(kBase, removed, h);
  ASSERT_EQ(r->diff.only_before.size(), 2u);  // the recurrence too
  EXPECT_EQ(r->diff.only_before[0]->title, "DB down");
  EXPECT_EQ(r->diff.only_before[1]->opening_seq, 3);
  EXPECT_TRUE(r->diff.only_after.empty());
  EXPECT_EQ(r->after.incidents.size(), 1u);
  // DB down paged the on-call (and cy 10 minutes later for the recurrence, unacknowledged).
  for (const auto& p : r->diff.pages_only_before) EXPECT_NE(p.incident, "A4");
  EXPECT_EQ(r->diff.pages_only_before.size(), 3u);
  EXPECT_TRUE(r->diff.pages_only_after.empty());
}

TEST(Replay, DroppingGroupByMergesIncidents) {
  auto h = History({Alert(1, "API errors", "2026-03-02T10:00:00Z", core::AlertState::kAlert, {"service:a"}),
                    Alert(2, "API errors", "2026-03-02T10:01:00Z", core::AlertState::kAlert, {"service:b"}),
                    Alert(3, "API errors", "2026-03-02T10:02:00Z", core::AlertState::kAlert, {"service:c"})},
                   "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
  std::string ungrouped = Edited(kBase, ", group_by: [service]", "");
  auto r = ReplayBoth(kBase, ungrouped, h);
  EXPECT_EQ(r->before.incidents.size(), 3u);
  ASSERT_EQ(r->after.incidents.size(), 1u);
  ASSERT_EQ(r->diff.merged.size(), 1u);
  EXPECT_EQ(r->diff.merged[0].incident, "A1");
  EXPECT_EQ(r->diff.merged[0].other_side, (std::vector<std::string>{"A1", "A2", "A3"}));
  EXPECT_TRUE(r->diff.split.empty());
  // The two incidents that are no longer opened are not "only before": their alerts went somewhere.
  EXPECT_TRUE(r->diff.only_before.empty());
  // And the reverse is a split.
  auto back = ReplayBoth(ungrouped, kBase, h);
  ASSERT_EQ(back->diff.split.size(), 1u);
  EXPECT_EQ(back->diff.split[0].other_side.size(), 3u);
}

TEST(Replay, ARotationChangeMovesPagesToTheRightPeople) {
  // 2026-03-01 12:00 Paris is the first day of the rotation: ana's turn (then ben's).
  auto h = History({Alert(1, "DB down", "2026-03-01T11:00:00Z"), Alert(2, "DB down", "2026-03-01T11:02:00Z", core::AlertState::kOk),
                    Alert(3, "DB down", "2026-03-02T11:00:00Z")},
                   "2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z");
  std::string swapped = Edited(kBase, "members: [ana, ben]", "members: [ben, ana]");
  auto r = ReplayBoth(kBase, swapped, h);
  EXPECT_EQ(PagesOf(r->before, "ana"), 1);
  EXPECT_EQ(PagesOf(r->before, "ben"), 1);
  EXPECT_EQ(PagesOf(r->after, "ana"), 1);
  EXPECT_EQ(PagesOf(r->after, "ben"), 1);
  // Same counts, but each incident pages the other person, and its commander changes.
  ASSERT_EQ(r->diff.pages_only_before.size(), 2u);
  EXPECT_EQ(r->diff.pages_only_before[0].user, "ana");
  EXPECT_EQ(r->diff.pages_only_before[0].incident, "A1");
  EXPECT_EQ(r->diff.pages_only_after[0].user, "ben");
  EXPECT_EQ(r->diff.pages_only_after[0].incident, "A1");
  bool commander_changed = false;
  for (const auto& c : r->diff.changes) commander_changed |= c.field == "commander" && c.before == "ana" && c.after == "ben";
  EXPECT_TRUE(commander_changed);

  // A rotation of ben alone: every page of the schedule moves to him.
  auto ben_only = ReplayBoth(kBase, Edited(kBase, "members: [ana, ben]", "members: [ben]"), h);
  ASSERT_EQ(ben_only->diff.pages.size(), 2u);
  EXPECT_EQ(ben_only->diff.pages[0].user, "ana");
  EXPECT_EQ(ben_only->diff.pages[0].before, 1);
  EXPECT_EQ(ben_only->diff.pages[0].after, 0);
  EXPECT_EQ(ben_only->diff.pages[1].user, "ben");
  EXPECT_EQ(ben_only->diff.pages[1].after, 2);
}

TEST(Replay, APolicyDelayChangeFiresTiersAtTheNewTimes) {
  auto h = History({Alert(1, "DB down", "2026-03-02T10:00:00Z")}, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
  auto r = ReplayBoth(kBase, Edited(kBase, "after: 10m", "after: 25m"), h);
  ASSERT_EQ(r->diff.pages_only_before.size(), 1u);
  EXPECT_EQ(r->diff.pages_only_before[0].user, "cy");
  EXPECT_EQ(r->diff.pages_only_before[0].at, At("2026-03-02T10:10:00Z"));
  ASSERT_EQ(r->diff.pages_only_after.size(), 1u);
  EXPECT_EQ(r->diff.pages_only_after[0].at, At("2026-03-02T10:25:00Z"));
  ASSERT_EQ(r->diff.changes.size(), 1u);
  EXPECT_EQ(r->diff.changes[0].field, "tiers");
  EXPECT_EQ(r->diff.changes[0].before, "r0 tier 1 +0m paged, r0 tier 2 +10m paged");
  EXPECT_EQ(r->diff.changes[0].after, "r0 tier 1 +0m paged, r0 tier 2 +25m paged");
}

TEST(Replay, RecordedAcknowledgementsStopTheCandidatesTiers) {
  // The real incident was acknowledged 12 minutes in: the old policy's 10m tier
  // fired, the candidate's 15m tier would not have.
  auto first = Alert(1, "DB down", "2026-03-02T10:00:00Z");
  first.decision = "opened";
  first.incident_id = "real-1";
  auto h = History({first}, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
  h.incidents["real-1"] = {"real-1", 1, At("2026-03-02T10:00:00Z"), At("2026-03-02T10:12:00Z"), std::nullopt, {}};
  auto r = ReplayBoth(kBase, Edited(kBase, "after: 10m", "after: 15m"), h);
  EXPECT_EQ(PagesOf(r->before, "cy"), 1);
  EXPECT_EQ(PagesOf(r->after, "cy"), 0);
}

TEST(Replay, NightPagesFollowThePersonsZoneAcrossADaylightSavingChange) {
  // Europe/Paris moves to summer time on 2026-03-29: 06:30Z is 07:30 (night)
  // before and 08:30 (day) after. New York moved on 2026-03-08: 06:40Z is night.
  EXPECT_TRUE(rp::IsNight("Europe/Paris", At("2026-03-28T06:30:00Z")));
  EXPECT_FALSE(rp::IsNight("Europe/Paris", At("2026-03-30T06:30:00Z")));
  EXPECT_FALSE(rp::IsNight("Europe/Paris", At("2026-03-28T18:59:00Z")));  // 19:59
  EXPECT_TRUE(rp::IsNight("Europe/Paris", At("2026-03-30T18:00:00Z")));   // 20:00 summer time
  std::string ana_only = Edited(kBase, "members: [ana, ben]", "members: [ana]");
  auto h = History({Alert(1, "DB down", "2026-03-28T06:30:00Z"), Alert(2, "DB down", "2026-03-28T06:45:00Z", core::AlertState::kOk),
                    Alert(3, "DB down", "2026-03-30T06:30:00Z")},
                   "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z");
  auto r = ReplayBoth(ana_only, ana_only, h);
  const rp::PersonLoad* ana = nullptr;
  const rp::PersonLoad* cy = nullptr;
  for (const auto& p : r->load_before.people) {
    if (p.user == "ana") ana = &p;
    if (p.user == "cy") cy = &p;
  }
  ASSERT_TRUE(ana && cy);
  EXPECT_EQ(ana->pages, 2);
  EXPECT_EQ(ana->night_pages, 1);
  EXPECT_EQ(cy->pages, 2);
  EXPECT_EQ(cy->night_pages, 2);
  // ana is on call every night of the four days replayed (at 03:00 Paris).
  EXPECT_EQ(ana->longest_night_run, 4);
  EXPECT_EQ(cy->longest_night_run, 0);
  ASSERT_EQ(r->load_before.rotations.size(), 2u);
  EXPECT_EQ(r->load_before.rotations[0].schedule, "");  // cy, named directly
  EXPECT_EQ(r->load_before.rotations[1].schedule, "ops-primary");
  EXPECT_DOUBLE_EQ(r->load_before.rotations[1].share, 0.5);
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  auto path = std::filesystem::path(TOCSIN_SOURCE_DIR) / "tests" / "golden" / "replay" / name;
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with TOCSIN_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << path;
}

TEST(Replay, GoldenReports) {
  auto h = History({Alert(1, "DB down", "2026-03-01T11:00:00Z"), Alert(2, "DB down", "2026-03-01T11:02:00Z", core::AlertState::kOk),
                    Alert(3, "API errors", "2026-03-02T10:00:00Z", core::AlertState::kAlert, {"service:a"}),
                    Alert(4, "API errors", "2026-03-02T10:01:00Z", core::AlertState::kAlert, {"service:b"})},
                   "2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z");
  std::string candidate = Edited(Edited(kBase, ", group_by: [service]", ""), "members: [ana, ben]", "members: [ben, ana]");
  candidate = Edited(candidate, "severity: SEV-1, commander: '@ops-oncall', notifications: [hook-db]",
                     "severity: SEV-2, commander: '@ops-oncall', notifications: [hook-ops]");
  auto before = Load(kBase);
  auto after = Load(candidate);
  before.source_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
  after.source_sha256 = "2222222222222222222222222222222222222222222222222222222222222222";
  auto r = rp::Run(before, after, h);
  ASSERT_TRUE(r) << r.error().message;
  ExpectGolden("report.md", rp::RenderMarkdown(**r));
  ExpectGolden("report.json", rp::RenderJson(**r) + "\n");
  ExpectGolden("report.txt", rp::RenderText(**r));
}

// --- The range and the candidate (usecases/replay, app/replay) ---------------

TEST(ReplayInput, SinceIsADurationOrATimeWithinNinetyDays) {
  TimePoint now = At("2026-04-01T00:00:00Z");
  EXPECT_EQ(*usecases::ReplayStart("30d", now), At("2026-03-02T00:00:00Z"));
  EXPECT_EQ(*usecases::ReplayStart("2w", now), At("2026-03-18T00:00:00Z"));
  EXPECT_EQ(*usecases::ReplayStart("12h", now), At("2026-03-31T12:00:00Z"));
  EXPECT_EQ(*usecases::ReplayStart("2026-03-15T00:00:00Z", now), At("2026-03-15T00:00:00Z"));
  for (const char* bad : {"", "30", "30x", "d", "0d", "-3d", "yesterday", "2026-05-01T00:00:00Z"}) {
    auto r = usecases::ReplayStart(bad, now);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind("since: ", 0), 0u) << r.error().message;
  }
  auto too_long = usecases::ReplayStart("91d", now);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("longer than 90 days"), std::string::npos) << too_long.error().message;
}

TEST(ReplayInput, AnInvalidCandidateIsRefusedWithItsProblemsAndNothingIsReplayed) {
  auto store = storage::MakeMemoryStore();
  auto r = ReplayCandidate(Load(kBase), *store, Edited(kBase, "severity: SEV-2", "severity: SEV-9"), "new.yaml", "30d", "json",
                           At("2026-04-01T00:00:00Z"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("candidate config is invalid"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("new.yaml:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("SEV-9"), std::string::npos) << r.error().message;
  auto bad_format = ReplayCandidate(Load(kBase), *store, kBase, "new.yaml", "30d", "html", At("2026-04-01T00:00:00Z"));
  ASSERT_FALSE(bad_format);
  EXPECT_EQ(bad_format.error().message.rfind("format: ", 0), 0u);
}

// --- Identity on a history recorded by the real code path -------------------

TEST(ReplayIdentity, ReplayingTheConfigInForceReproducesWhatHappened) {
  core::Config config = Load(kBase);
  auto store = storage::MakeMemoryStore();
  auto directory = std::make_shared<const core::escalation::Directory>(*core::escalation::Directory::Create(config));
  core::RuleIndex rules(config.rules, config.severities);
  int ids = 0;
  auto new_id = [&] {
    std::string n = std::to_string(++ids);
    return "00000000-0000-4000-8000-" + std::string(12 - n.size(), '0') + n;
  };
  TimePoint t = At("2026-03-02T08:00:00Z");
  int deliveries = 0;
  auto ingest = [&](const std::string& monitor, core::AlertState state, std::vector<std::string> tags) {
    core::Alert a;
    a.source = "generic";
    a.monitor_name = monitor;
    a.state = state;
    a.tags = std::move(tags);
    a.received_at = t;
    a.delivery_key = "d" + std::to_string(++deliveries);
    auto work = api::v2::PlanAlerts({a}, rules, config, t, new_id, directory);
    auto r = store->IngestAlerts(std::move(work));
    EXPECT_TRUE(r) << r.error().message;
    return (*r)[0].incident_id;
  };
  auto tick = [&] {
    // The escalation engine on every open incident, as the worker does on its tick.
    core::SearchRequest all;
    all.limit = 1000;
    auto page = store->SearchIncidents(all);
    ASSERT_TRUE(page);
    for (const auto& inc : page->incidents) {
      (void)store->UpdateIncident(inc.id, [&](const core::Incident& cur) -> Result<core::Mutation> {
        auto m = engine::Escalate(cur, config, *directory, t);
        if (!m) return MakeError(ErrorCode::kConflict, "nothing due");
        return std::move(*m);
      });
    }
  };
  auto settle = [&](const std::string& id, bool resolve) {
    (void)store->UpdateIncident(id, [&](const core::Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      if (!m.incident.acknowledged) m.incident.acknowledged = t;
      if (resolve) {
        m.incident.state = core::IncidentState::kResolved;
        m.incident.resolved = t;
      }
      ++m.incident.version;
      return m;
    });
  };
  auto advance = [&](std::chrono::minutes by) {
    for (auto k = 0min; k < by; k += 1min) {
      t += 1min;
      tick();
    }
  };
  std::string db = ingest("DB down", core::AlertState::kAlert, {});
  tick();
  advance(3min);
  std::string api_a = ingest("API errors", core::AlertState::kAlert, {"service:a"});
  ingest("API errors", core::AlertState::kAlert, {"service:b"});
  tick();
  advance(5min);
  settle(db, false);  // acknowledged at 8 minutes: no backup page
  ingest("API errors", core::AlertState::kAlert, {"service:a"});  // re-trigger
  advance(20min);
  settle(db, true);
  settle(api_a, true);
  ingest("DB down", core::AlertState::kOk, {});  // recovery after resolution: ignored
  ingest("Unknown monitor", core::AlertState::kAlert, {});
  advance(2min);
  ingest("DB down", core::AlertState::kAlert, {});  // a recurrence
  tick();
  advance(30min);

  auto history = usecases::LoadHistory(*store, At("2026-03-02T00:00:00Z"), t + 1min);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->alerts.size(), 7u);
  auto report = rp::Run(config, config, *history);
  ASSERT_TRUE(report) << report.error().message;
  std::string mismatches;
  for (const auto& m : (*report)->fidelity) mismatches += std::to_string(m.seq) + ": " + m.recorded + " / " + m.replayed + "\n";
  EXPECT_TRUE((*report)->fidelity.empty()) << mismatches;
  EXPECT_TRUE((*report)->diff.Empty());
  EXPECT_EQ((*report)->before.incidents.size(), 4u);

  // A config that differs from the one in force is reported as such.
  auto other = Load(Edited(kBase, ", group_by: [service]", ""));
  auto against_record = rp::Fidelity(*history, *rp::Simulate(other, *history));
  EXPECT_FALSE(against_record.empty());
}

}  // namespace
}  // namespace tocsin::app
