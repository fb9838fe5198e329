// The per-incident JSON work behind GET /api/v2/incidents (list of 100):
// decoding the stored document (storage::DecodeIncident), building the JSON:API
// form (api::v2::IncidentData) and serialising it, and, on the write path,
// encoding the stored document (storage::EncodeIncident, done on the single
// writer thread for every creation).
//
//   build/bench/bench/json_bench
//
// BM_ListPageJson is the whole CPU cost of a page of 100 outside SQLite and
// HTTP: compare it with the 5 ms p99 target.

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/v2/incident_json.hpp"
#include "bench_incidents.hpp"
#include "storage/incident_codec.hpp"

namespace {

using tocsin::api::v2::json;

tocsin::core::Incident Sample(std::uint64_t n) {
  const auto now = std::chrono::time_point_cast<tocsin::Micros>(std::chrono::system_clock::now());
  auto draft = tocsin::bench::MakeIncident(n, now);
  draft.incident.public_id = static_cast<std::int64_t>(n + 1);
  return draft.incident;
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

void BM_IncidentData(benchmark::State& state) {
  auto inc = Sample(7);
  for (auto _ : state) benchmark::DoNotOptimize(tocsin::api::v2::IncidentData(inc));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IncidentData)->Unit(benchmark::kMicrosecond);

// What Page() does for a list of 100 after the SQL query: decode each stored
// document, build its JSON:API object, dump the whole body.
void BM_ListPageJson(benchmark::State& state) {
  std::vector<std::string> docs;
  for (std::uint64_t n = 0; n < 100; ++n) docs.push_back(tocsin::storage::EncodeIncident(Sample(n)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    json data = json::array();
    for (const auto& d : docs) {
      auto inc = tocsin::storage::DecodeIncident(d);
      data.push_back(tocsin::api::v2::IncidentData(*inc));
    }
    json body{{"data", std::move(data)}, {"meta", {{"pagination", {{"offset", 0}, {"size", 100}, {"next_offset", 100}}}}}};
    std::string out = body.dump(-1, ' ', false, json::error_handler_t::replace);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ListPageJson)->Unit(benchmark::kMillisecond);

// Only the final dump of an already built page of 100 (the share of
// serialisation in BM_ListPageJson).
void BM_ListPageDumpOnly(benchmark::State& state) {
  json data = json::array();
  for (std::uint64_t n = 0; n < 100; ++n) data.push_back(tocsin::api::v2::IncidentData(Sample(n)));
  json body{{"data", std::move(data)}};
  for (auto _ : state) benchmark::DoNotOptimize(body.dump(-1, ' ', false, json::error_handler_t::replace));
}
BENCHMARK(BM_ListPageDumpOnly)->Unit(benchmark::kMillisecond);

// A lower bound for a DOM-free design: appending 100 pre-rendered ~2 KB
// incident objects into one body (what a writer that streams straight into
// the response buffer, or a cache of rendered incidents, would cost).
void BM_ListPageConcatLowerBound(benchmark::State& state) {
  std::vector<std::string> rendered;
  for (std::uint64_t n = 0; n < 100; ++n) rendered.push_back(tocsin::api::v2::IncidentData(Sample(n)).dump());
  for (auto _ : state) {
    std::string out = "{\"data\":[";
    for (std::size_t k = 0; k < rendered.size(); ++k) {
      if (k) out.push_back(',');
      out += rendered[k];
    }
    out += "]}";
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ListPageConcatLowerBound)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
