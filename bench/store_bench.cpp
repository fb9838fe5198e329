// Durable incident creations through core::Store (SQLite, WAL,
// synchronous=FULL), from 1, 8, 32 and 64 threads, with group commit on and
// off: ADR 0001's claim, measured without HTTP in the way.
//
//   build/bench/bench/store_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=false
//
// Each run opens a fresh database in a temporary directory ($TMPDIR, default
// /tmp: keep it on a real disk, not tmpfs, or fsync costs nothing) and removes
// it afterwards. items_per_second is creations per second across all threads;
// p50_us / p99_us are the latency of one CreateIncident call (per-thread
// percentiles, averaged over threads). The CPU column is the whole process's
// CPU time per creation (all threads, the writer included). BM_Fsync is the disk's raw
// write+fdatasync rate, the ceiling without group commit.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench_incidents.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;
using tocsin::core::Store;

fs::path MakeTempDir(const char* prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = (fs::path(base && *base ? base : "/tmp") / (std::string(prefix) + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  return fs::path(buf.data());
}

// One store per benchmark run, shared by its threads; Setup/Teardown run on
// the main thread before and after the worker threads.
std::unique_ptr<Store> g_store;
fs::path g_dir;
std::atomic<std::uint64_t> g_seq{0};

// Statement-journal spill threshold: SQLite's default (64 KiB, then a temp
// file in /var/tmp) or -1 (always in memory, what PRAGMA temp_store=MEMORY
// gives). A global setting, so SQLite is re-initialised between runs, when no
// connection is open.
void ConfigureSqlite(bool subjournal_in_memory) {
  sqlite3_shutdown();
  sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, subjournal_in_memory ? -1 : 64 * 1024);
  sqlite3_initialize();
}

void OpenStore(const benchmark::State& state) {
  ConfigureSqlite(state.range(1) != 0);
  g_dir = MakeTempDir("tocsin-store-bench-");
  tocsin::storage::SqliteOptions o;
  o.path = (g_dir / "tocsin.db").string();
  o.read_connections = 1;
  o.group_commit = state.range(0) != 0;
  auto s = tocsin::storage::OpenSqliteStore(o);
  if (!s) {
    std::fprintf(stderr, "open store: %s\n", s.error().message.c_str());
    std::abort();
  }
  g_store = std::move(*s);
}

void CloseStore(const benchmark::State&) {
  g_store->Close();
  g_store.reset();
  std::error_code ec;
  fs::remove_all(g_dir, ec);
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void BM_CreateIncident(benchmark::State& state) {
  std::vector<double> latencies_us;
  latencies_us.reserve(1 << 16);
  const auto base = std::chrono::time_point_cast<tocsin::Micros>(std::chrono::system_clock::now());
  for (auto _ : state) {
    std::uint64_t n = g_seq.fetch_add(1, std::memory_order_relaxed);
    auto draft = tocsin::bench::MakeIncident(n, base);
    auto t0 = std::chrono::steady_clock::now();
    auto r = g_store->CreateIncident(std::move(draft.incident), std::move(draft.events));
    auto t1 = std::chrono::steady_clock::now();
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["p50_us"] = benchmark::Counter(Percentile(latencies_us, 0.50), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] = benchmark::Counter(Percentile(latencies_us, 0.99), benchmark::Counter::kAvgThreads);
}

// group_commit: 1 = on (as shipped), 0 = one transaction and fsync per creation.
// mem_subjournal: 0 = as shipped; 1 = a what-if: SAVEPOINT statement journals
// kept in memory (see docs/benchmarks.md), not a setting Tocsin exposes.
BENCHMARK(BM_CreateIncident)
    ->ArgNames({"group_commit", "mem_subjournal"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({1, 1})
    ->Threads(1)
    ->Threads(8)
    ->Threads(32)
    ->Threads(64)
    ->Setup(OpenStore)
    ->Teardown(CloseStore)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMicrosecond);

// The disk's raw durable-write rate: append 512 bytes and fdatasync, as a
// WAL commit of one small transaction would.
void BM_Fsync(benchmark::State& state) {
  fs::path dir = MakeTempDir("tocsin-fsync-bench-");
  int fd = ::open((dir / "f").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0600);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  char buf[512] = {};
  for (auto _ : state) {
    if (::write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf) || ::fdatasync(fd) != 0) {
      state.SkipWithError("write/fdatasync failed");
      break;
    }
  }
  ::close(fd);
  std::error_code ec;
  fs::remove_all(dir, ec);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Fsync)->UseRealTime()->MinTime(2.0)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
