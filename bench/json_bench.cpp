// The per-incident JSON work behind the incident API: decoding the stored
// document (storage::DecodeIncident), rendering the JSON:API answer body, and,
// on the write path, encoding the stored document (storage::EncodeIncident,
// done on the single writer thread for every creation and update).
//
//   build/rel/bench/json_bench --benchmark_repetitions=3
//
// BM_RenderIncident:  the body of one create/get/update answer.
// BM_RenderPage100:   the body of a list page of 100 (already decoded).
// BM_DecodeIncident / BM_EncodeIncident: one stored document.
// BM_ListPageJson:    the whole CPU cost of a page of 100 outside SQLite and
//                     HTTP (decode 100 + render): compare with the 5 ms p99 target.

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/v2/incident_json.hpp"
#include "bench_incidents.hpp"
#include "storage/incident_codec.hpp"

namespace {

tocsin::core::Incident Sample(std::uint64_t n) {
  const auto now = std::chrono::time_point_cast<tocsin::Micros>(std::chrono::system_clock::now());
  auto draft = tocsin::bench::MakeIncident(n, now);
  draft.incident.public_id = static_cast<std::int64_t>(n + 1);
  return draft.incident;
}

std::vector<tocsin::core::Incident> Samples(std::uint64_t count) {
  std::vector<tocsin::core::Incident> out;
  for (std::uint64_t n = 0; n < count; ++n) out.push_back(Sample(n));
  return out;
}

const tocsin::core::Config& NoConfig() {
  static const tocsin::core::Config config;
  return config;
}

// What ApiV2 does to answer with one incident (create/get/update, no include).
std::string RenderOne(const tocsin::core::Incident& inc) {
  return tocsin::api::v2::IncidentAnswerBody(inc, tocsin::api::v2::Included::kNone, NoConfig());
}

// What ApiV2's list does with a page of decoded incidents (no include).
std::string RenderPage(const std::vector<tocsin::core::Incident>& incs) {
  return tocsin::api::v2::IncidentPageBody(incs, 0, tocsin::api::v2::Included::kNone, nullptr, NoConfig());
}

void BM_EncodeIncident(benchmark::State& state) {
  auto inc = Sample(7);
  for (auto _ : state) benchmark::DoNotOptimize(tocsin::storage::EncodeIncident(inc));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeIncident)->Unit(benchmark::kMicrosecond);

void BM_DecodeIncident(benchmark::State& state) {
  std::string doc = tocsin::storage::EncodeIncident(Sample(7));
  state.counters["doc_bytes"] = static_cast<double>(doc.size());
  for (auto _ : state) benchmark::DoNotOptimize(tocsin::storage::DecodeIncident(doc));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeIncident)->Unit(benchmark::kMicrosecond);

void BM_RenderIncident(benchmark::State& state) {
  auto inc = Sample(7);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderOne(inc);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderIncident)->Unit(benchmark::kMicrosecond);

void BM_RenderPage100(benchmark::State& state) {
  auto incs = Samples(100);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderPage(incs);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_RenderPage100)->Unit(benchmark::kMicrosecond);

// What Page() does for a list of 100 after the SQL query: decode each stored
// document and render the whole body.
void BM_ListPageJson(benchmark::State& state) {
  std::vector<std::string> docs;
  for (const auto& inc : Samples(100)) docs.push_back(tocsin::storage::EncodeIncident(inc));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::vector<tocsin::core::Incident> incs;
    incs.reserve(docs.size());
    for (const auto& d : docs) incs.push_back(*tocsin::storage::DecodeIncident(d));
    std::string out = RenderPage(incs);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ListPageJson)->Unit(benchmark::kMicrosecond);

// A lower bound for any renderer: appending 100 pre-rendered incident objects
// into one body (what a cache of rendered incidents would cost).
void BM_ListPageConcatLowerBound(benchmark::State& state) {
  std::vector<std::string> rendered;
  for (const auto& inc : Samples(100)) rendered.push_back(RenderOne(inc));
  std::size_t total = 16;
  for (const auto& r : rendered) total += r.size() + 1;
  for (auto _ : state) {
    std::string out;
    out.reserve(total);  // as the renderer does (and no page faults from growing past malloc's mmap threshold)
    out += "{\"data\":[";
    for (std::size_t k = 0; k < rendered.size(); ++k) {
      if (k) out.push_back(',');
      out += rendered[k];
    }
    out += "]}";
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ListPageConcatLowerBound)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
