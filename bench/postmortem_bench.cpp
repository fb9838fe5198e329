// The post-mortem of an incident with 10,000 timeline events (issue 11: "renders
// in <= 50 ms"): core::postmortem::Build and RenderMarkdown with the v-commerce
// example's configuration (its postmortem: template and attendees), and, for
// where the end-to-end time goes, what GET .../postmortem reads from SQLite
// before that (the incident, then the timeline in pages of 5,000, as
// usecases::ReadPostmortem does). The incident is bench/bench_postmortem.hpp's.
//
//   build/<release>/bench/postmortem_bench [--benchmark_min_time=1]
//
// The end-to-end request on a real server is measured by bench/workflow_bench.sh.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <unistd.h>

#include "bench_postmortem.hpp"
#include "config/config_loader.hpp"
#include "core/postmortem/postmortem.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tocsin;

const TimePoint kCreated = ParseRfc3339("2026-11-27T10:00:00Z").value();

const core::Config& ExampleConfig() {
  static const core::Config config = [] {
    std::string path = std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml";
    auto loaded = config::LoadConfigFile(path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "postmortem_bench: %s: %s\n", path.c_str(), loaded.problems.front().ToString().c_str());
      std::abort();
    }
    return loaded.config;
  }();
  return config;
}

// The incident as the store gives it back: public id set, events with their
// sequence numbers and incident id, in order.
struct Stored {
  core::Incident incident;
  std::vector<core::TimelineEvent> timeline;
};

Stored MakeStored(int events) {
  auto d = bench::MakePostmortemIncident(events, kCreated);
  Stored s{std::move(d.incident), {}};
  s.incident.public_id = 4242;
  s.timeline.reserve(d.events.size());
  std::int64_t seq = 0;
  for (auto& e : d.events) {
    s.timeline.push_back({++seq, s.incident.id, e.at, std::move(e.actor), std::move(e.kind), std::move(e.message),
                          std::move(e.changes)});
  }
  return s;
}

void BM_Build(benchmark::State& state) {
  const auto& config = ExampleConfig();
  Stored s = MakeStored(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto doc = core::postmortem::Build(config, s.incident, s.timeline);
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Build)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_RenderMarkdown(benchmark::State& state) {
  const auto& config = ExampleConfig();
  Stored s = MakeStored(static_cast<int>(state.range(0)));
  auto doc = core::postmortem::Build(config, s.incident, s.timeline);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto md = core::postmortem::RenderMarkdown(s.incident, doc);
    bytes = md.size();
    benchmark::DoNotOptimize(md);
  }
  state.counters["markdown_kb"] = static_cast<double>(bytes) / 1024.0;
  state.counters["human_events"] = static_cast<double>(doc.timeline.size());
}
BENCHMARK(BM_RenderMarkdown)->Arg(10000)->Unit(benchmark::kMillisecond);

// The figure, without storage: Build + RenderMarkdown.
void BM_BuildAndRender(benchmark::State& state) {
  const auto& config = ExampleConfig();
  Stored s = MakeStored(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto doc = core::postmortem::Build(config, s.incident, s.timeline);
    auto md = core::postmortem::RenderMarkdown(s.incident, doc);
    benchmark::DoNotOptimize(md);
  }
}
BENCHMARK(BM_BuildAndRender)->Arg(10000)->Unit(benchmark::kMillisecond);

// What ReadPostmortem reads from SQLite: the incident, then its timeline in
// pages of 5,000 (wall time: the reads run on the store's reader connection).
// Second argument: the page size (5,000 as shipped; 20,000 reads 10,000 events
// in one query, to show what the pages' OFFSET walks and incident loads cost).
void BM_SqliteRead(benchmark::State& state) {
  fs::path dir = fs::temp_directory_path() / ("tocsin-postmortem-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  storage::SqliteOptions o;
  o.path = (dir / "tocsin.db").string();
  o.read_connections = 1;
  auto store = storage::OpenSqliteStore(o);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  auto d = bench::MakePostmortemIncident(static_cast<int>(state.range(0)), kCreated);
  auto created = (*store)->CreateIncident(std::move(d.incident), std::move(d.events));
  if (!created) {
    state.SkipWithError(created.error().message.c_str());
    return;
  }
  const std::string id = created->id;
  std::size_t events = 0;
  for (auto _ : state) {
    auto inc = (*store)->GetIncident(id);
    std::vector<core::TimelineEvent> timeline;
    const std::int64_t page_size = state.range(1);
    for (std::int64_t offset = 0;; offset += page_size) {
      auto page = (*store)->Timeline(id, offset, page_size);
      if (!page) {
        state.SkipWithError(page.error().message.c_str());
        break;
      }
      timeline.insert(timeline.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
      if (static_cast<std::int64_t>(page->size()) < page_size) break;
    }
    events = timeline.size();
    benchmark::DoNotOptimize(inc);
  }
  state.counters["events"] = static_cast<double>(events);
  (*store)->Close();
  store->reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}
BENCHMARK(BM_SqliteRead)->Args({10000, 5000})->Args({10000, 20000})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
