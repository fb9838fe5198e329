// Who is on call: a 3-layer schedule with 1,000 overrides, queried at random
// instants across a year (target: <= 10 us per query, issue 4). Also the final
// shifts of one week and one escalation decision, for scale.
//
//   build/<release>/bench/oncall_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>

#include <random>

#include "core/escalation/escalation.hpp"
#include "core/schedule/schedule.hpp"

namespace {

using namespace tocsin;
using namespace tocsin::core;
using std::chrono::hours;
using std::chrono::minutes;

const TimePoint kYearStart = ParseRfc3339("2026-01-01T00:00:00Z").value();

schedule::Layer MakeLayer(std::string name, schedule::RotationType type, int length, minutes handoff,
                          std::vector<std::string> members) {
  schedule::Layer layer;
  layer.name = std::move(name);
  layer.rotation.type = type;
  layer.rotation.length = length;
  layer.rotation.handoff = handoff;
  layer.rotation.start = {2025, 12, 29};  // a Monday
  layer.rotation.members = std::move(members);
  return layer;
}

// Weekly primaries in New York; a 12-hour night layer in London restricted to
// 18:00-08:00; a weekend layer on top. 1,000 overrides spread over the year, every
// third one for the whole schedule, the others covering one of the primaries.
const schedule::Schedule& BusySchedule() {
  static const schedule::Schedule s = [] {
    schedule::Definition d;
    d.name = "bench";
    d.time_zone = "America/New_York";
    d.layers.push_back(MakeLayer("Weekly", schedule::RotationType::kWeekly, 1, minutes(9 * 60),
                                 {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"}));
    schedule::Layer nights = MakeLayer("Nights", schedule::RotationType::kCustom, 12, minutes(20 * 60),
                                       {"n1", "n2", "n3", "n4"});
    nights.time_zone = "Europe/London";
    nights.restriction = schedule::Restriction{schedule::kEveryDay, minutes(18 * 60), minutes(8 * 60)};
    d.layers.push_back(std::move(nights));
    schedule::Layer weekend =
        MakeLayer("Weekend", schedule::RotationType::kWeekly, 1, minutes(0), {"w1", "w2", "w3"});
    weekend.restriction = schedule::Restriction{static_cast<std::uint8_t>(schedule::WeekdayBit(0) | schedule::WeekdayBit(6)),
                                                minutes(0), minutes(24 * 60)};
    d.layers.push_back(std::move(weekend));
    const auto spacing = std::chrono::duration_cast<Micros>(hours(24 * 365)) / 1000;
    for (int i = 0; i < 1000; ++i) {
      TimePoint start = kYearStart + spacing * i;
      schedule::Override o;
      // (Appending, not "o" + std::to_string(i): GCC 12 warns falsely on that in release builds.)
      o.id = std::string("o").append(std::to_string(i));
      o.user = std::string("cover").append(std::to_string(i % 17));
      if (i % 3 != 0) o.for_user = std::string("p").append(std::to_string(1 + i % 8));
      o.start = start;
      o.end = start + hours(4);
      d.overrides.push_back(std::move(o));
    }
    return schedule::Schedule::Create(std::move(d)).value();
  }();
  return s;
}

std::vector<TimePoint> RandomInstants(std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> offset(0, std::chrono::duration_cast<Micros>(hours(24 * 365)).count());
  std::vector<TimePoint> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(kYearStart + Micros(offset(rng)));
  return out;
}

void BM_OnCallAt_3Layers_1000Overrides(benchmark::State& state) {
  const schedule::Schedule& s = BusySchedule();
  const std::vector<TimePoint> instants = RandomInstants(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    schedule::OnCall on_call = schedule::OnCallAt(s, instants[i++ & 4095]);
    benchmark::DoNotOptimize(on_call);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OnCallAt_3Layers_1000Overrides);

void BM_FinalShifts_OneWeek(benchmark::State& state) {
  const schedule::Schedule& s = BusySchedule();
  const std::vector<TimePoint> instants = RandomInstants(256);
  std::size_t i = 0;
  for (auto _ : state) {
    TimePoint from = instants[i++ & 255];
    std::vector<schedule::Shift> shifts = schedule::FinalShifts(s, from, from + hours(24 * 7));
    benchmark::DoNotOptimize(shifts);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FinalShifts_OneWeek);

// One escalation decision: the first tier of a policy whose primary is the busy schedule.
void BM_EscalationEvaluate_FirstTier(benchmark::State& state) {
  Config config;
  for (const char* user : {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "lead"}) {
    User u;
    u.handle = user;
    if (std::string(user) == "lead") u.positions = {"Lead"};
    config.users.push_back(u);
  }
  Team team;
  team.id = "ops";
  config.teams.push_back(team);
  config.schedules.push_back(BusySchedule().definition());
  escalation::Policy policy;
  policy.name = "Ops";
  policy.team = "ops";
  policy.tiers.resize(2);
  policy.tiers[0].targets = {{escalation::Target::Kind::kSchedule, "bench"}};
  policy.tiers[1].after = minutes(15);
  policy.tiers[1].targets = {{escalation::Target::Kind::kPosition, "Lead"}};
  config.escalation_policies.push_back(policy);
  escalation::Directory directory = escalation::Directory::Create(config).value();
  const std::vector<TimePoint> instants = RandomInstants(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    escalation::State incident;
    incident.created = instants[i++ & 4095];
    incident.severity = "SEV-1";
    escalation::Decision decision = escalation::Evaluate(policy, incident, directory, incident.created);
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EscalationEvaluate_FirstTier);

}  // namespace

BENCHMARK_MAIN();
