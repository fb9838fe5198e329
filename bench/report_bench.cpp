// Issue 13's figures, measured in-process on generated data:
//   - the weekly review (core::report::BuildWeekly) over 1,000,000 incidents
//     created over the year before the week (≈19,000 in the week), with
//     100,000 alert records in the week (target <= 200 ms);
//   - the analytics over a year by week (core::metrics::Compute grouped by
//     severity with ISO-week buckets, plus the targets) on the same incidents
//     (target <= 100 ms): from whole incidents, and over the compact rows the
//     analytics endpoint projects them to while reading (with the projection
//     timed apart);
//   - rendering the report (Markdown, HTML, JSON);
//   - the Prometheus registry: one counter update as alert ingestion does it,
//     and rendering a registry as populated as a busy server's.
// Reading the incidents from storage is not included (see docs/benchmarks.md).
//
//   build/release/bench/report_bench [--benchmark_repetitions=5]

#include <benchmark/benchmark.h>

#include "common/server_metrics.hpp"
#include "core/config/config.hpp"
#include "core/metrics/metrics.hpp"
#include "core/metrics/targets.hpp"
#include "core/report/render.hpp"
#include "core/report/weekly.hpp"

namespace {

using namespace tocsin;
using namespace std::chrono_literals;

std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

const core::report::IsoWeek kWeek{2026, 48};
const TimePoint kWeekEnd = *ParseRfc3339("2026-11-30T00:00:00Z");
constexpr std::int64_t kIncidents = 1000000;
constexpr std::int64_t kAlerts = 100000;

core::MetricsConfig Targets() {
  core::MetricsConfig c;
  c.targets = {{"MTTD < 5 min", "mttd", "mean", {}, std::chrono::seconds(300), std::nullopt, "", {}},
               {"MTTA < 10 min", "mtta", "mean", {}, std::chrono::seconds(600), std::nullopt, "", {}},
               {"MTTR < 1 hour (SEV-1)", "mttr", "mean", {"SEV-1"}, std::chrono::seconds(3600), std::nullopt, "", {}},
               {"Count down", "incident_count", "mean", {}, std::nullopt, std::nullopt, "down", {}},
               {"Post-mortems", "postmortem_completion", "mean", {"SEV-1", "SEV-2"}, std::nullopt, 100.0, "", {}}};
  return c;
}

const std::vector<core::Incident>& Incidents() {
  static const std::vector<core::Incident> incidents = [] {
    static const char* kSeverities[] = {"SEV-1", "SEV-2", "SEV-3", "SEV-4"};
    std::vector<core::Incident> out;
    out.reserve(kIncidents);
    Micros year = std::chrono::hours(24 * 365);
    for (std::int64_t k = 0; k < kIncidents; ++k) {
      std::uint64_t r = Mix(static_cast<std::uint64_t>(k));
      core::Incident i;
      i.public_id = k + 1;
      i.title = "Incident " + std::to_string(k);
      i.severity = kSeverities[r % 4];
      i.created = kWeekEnd - Micros(static_cast<std::int64_t>((r >> 8) % static_cast<std::uint64_t>(year.count())));
      i.detected = i.created;
      if (r % 3) i.customer_impact_start = i.created - std::chrono::minutes(r % 7);
      if (r % 10) {
        i.acknowledged = i.created + std::chrono::seconds((r >> 20) % 1800);
        i.escalation_steps.push_back({0, 0, i.created, "paged"});
      }
      if (r % 5) {
        i.state = core::IncidentState::kResolved;
        i.resolved = i.created + std::chrono::seconds((r >> 30) % 20000);
        if (r % 4 < 2) {
          core::Postmortem pm;
          pm.created = *i.resolved;
          pm.due = *i.resolved + 48h;
          if (r % 7) {
            pm.state = core::PostmortemState::kPublished;
            pm.published = *i.resolved + 24h;
          }
          i.postmortem = pm;
        }
      }
      if (r % 20 == 0) {
        core::Todo t;
        t.content = "Follow up";
        t.assignees = {"@user" + std::to_string(r % 50)};
        t.created = i.created + 1h;
        t.due = i.created + std::chrono::hours(24 * 7);
        t.follow_up = true;
        i.todos.push_back(t);
      }
      out.push_back(std::move(i));
    }
    return out;
  }();
  return incidents;
}

const std::vector<core::AlertRecord>& Alerts() {
  static const std::vector<core::AlertRecord> alerts = [] {
    std::vector<core::AlertRecord> out;
    out.reserve(kAlerts);
    for (std::int64_t k = 0; k < kAlerts; ++k) {
      std::uint64_t r = Mix(static_cast<std::uint64_t>(k) + 7777);
      core::AlertRecord a;
      a.alert.monitor_name = "Monitor " + std::to_string(r % 200);
      a.alert.scope = "host:h" + std::to_string(r % 1000);
      a.alert.received_at = kWeekEnd - Micros(static_cast<std::int64_t>(r % (7ULL * 24 * 3600 * 1000000)));
      a.fingerprint = std::to_string(r % 5000);
      a.decision = r % 10 == 0 ? "opened" : r % 10 < 6 ? "appended" : "ignored";
      if (a.decision != "ignored") a.incident_id = "id";
      out.push_back(std::move(a));
    }
    return out;
  }();
  return alerts;
}

core::report::WeeklyInput Input() {
  static const core::MetricsConfig metrics = Targets();
  static const std::vector<core::SeverityLevel> severities = core::DefaultSeverities();
  return {kWeek, "Europe/Paris", kWeekEnd + 9h, &metrics, &severities, &Incidents(), &Alerts()};
}

void BM_WeeklyReport_1M(benchmark::State& state) {
  auto in = Input();
  for (auto _ : state) {
    auto report = core::report::BuildWeekly(in);
    benchmark::DoNotOptimize(report);
  }
  state.counters["incidents"] = static_cast<double>(kIncidents);
}
BENCHMARK(BM_WeeklyReport_1M)->Unit(benchmark::kMillisecond);

void BM_RenderWeekly(benchmark::State& state) {
  auto report = *core::report::BuildWeekly(Input());
  for (auto _ : state) {
    std::string md = core::report::RenderMarkdown(report);
    std::string html = core::report::RenderHtml(report);
    std::string json = core::report::RenderJson(report);
    benchmark::DoNotOptimize(md);
    benchmark::DoNotOptimize(html);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_RenderWeekly)->Unit(benchmark::kMillisecond);

// A year by week with the targets sharing the pass; `compute` is the variant.
template <typename ComputeFn>
void YearByWeek(benchmark::State& state, ComputeFn compute) {
  core::MetricsConfig metrics = Targets();
  TimePoint from = kWeekEnd - std::chrono::hours(24 * 364);
  for (auto _ : state) {
    core::metrics::TargetsAccumulator evaluated(metrics, from, kWeekEnd);
    auto report = compute(evaluated, from);
    auto targets = evaluated.Done();
    benchmark::DoNotOptimize(report);
    benchmark::DoNotOptimize(targets);
  }
}

core::metrics::Rows ProjectBySeverity() {
  core::metrics::Rows rows;
  rows.Reserve(Incidents().size());
  for (const auto& i : Incidents()) rows.Add(i);
  return rows;
}

// From whole incidents (projected on the way, as Compute over incidents does).
void BM_AnalyticsYearByWeek_1M(benchmark::State& state) {
  YearByWeek(state, [](core::metrics::TargetsAccumulator& evaluated, TimePoint from) {
    return core::metrics::Compute(
        Incidents(), from, kWeekEnd, core::metrics::GroupBy::kSeverity, core::metrics::Interval::kWeek,
        [&evaluated](const core::Incident& i, const core::metrics::Sample& s) { evaluated.Add(i, s); });
  });
}
BENCHMARK(BM_AnalyticsYearByWeek_1M)->Unit(benchmark::kMillisecond);

// Projecting the incidents to compact rows (metrics::Rows), which the
// analytics endpoint does page by page while reading.
void BM_ProjectRows_1M(benchmark::State& state) {
  for (auto _ : state) {
    auto rows = ProjectBySeverity();
    benchmark::DoNotOptimize(rows);
  }
}
BENCHMARK(BM_ProjectRows_1M)->Unit(benchmark::kMillisecond);

// The reduction the endpoint runs over the rows.
void BM_AnalyticsYearByWeekRows_1M(benchmark::State& state) {
  static const core::metrics::Rows rows = ProjectBySeverity();
  YearByWeek(state, [](core::metrics::TargetsAccumulator& evaluated, TimePoint from) {
    return core::metrics::Compute(rows, core::metrics::GroupBy::kSeverity, from, kWeekEnd,
                                  core::metrics::Interval::kWeek, &evaluated);
  });
}
BENCHMARK(BM_AnalyticsYearByWeekRows_1M)->Unit(benchmark::kMillisecond);

void BM_AlertCounterUpdate(benchmark::State& state) {
  static const std::string kSource = "datadog", kDecision = "appended";
  for (auto _ : state) server_metrics::AlertReceived(kSource, kDecision);
}
BENCHMARK(BM_AlertCounterUpdate)->Threads(1)->Threads(2);

void BM_RegistryRender(benchmark::State& state) {
  // As populated as a busy server: every source x decision, severity, channel
  // type x outcome, 60 routes x 3 codes with histograms.
  for (const char* s : {"datadog", "alertmanager", "generic", "prometheus"}) {
    for (const char* d : {"opened", "appended", "recovered", "ignored", "duplicate"}) server_metrics::AlertReceived(s, d);
  }
  for (const char* t : {"slack", "slack_webapi", "pagerduty", "webhook", "email"}) {
    for (const char* o : {"delivered", "retry", "failed", "gave_up", "cancelled"}) {
      server_metrics::DeliveryAttempt(t, o, std::chrono::microseconds(1500));
    }
  }
  for (int r = 0; r < 60; ++r) {
    for (int code : {200, 400, 404}) {
      server_metrics::HttpRequest("/api/v2/route" + std::to_string(r), "GET", code, std::chrono::microseconds(300));
    }
  }
  for (auto _ : state) {
    std::string out = server_metrics::Get().registry.Render();
    server_metrics::AppendProcessMetrics(out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RegistryRender)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
