// seed_incidents: fills a Tocsin data directory with N synthetic incidents
// through the SQLite store (the same code path as POST /api/v2/incidents below
// the HTTP layer: each creation is its own SAVEPOINT, committed durably with
// group commit), from many threads so that groups are large.
//
//   seed_incidents --data DIR [--count 1000000] [--recent 1000] [--threads 128]
//                  [--max-batch 512] [--spacing-seconds 60] [--sqlite-default-subjournal]
//
// By default SQLite is told to keep statement journals (the undo data of each
// SAVEPOINT) in memory instead of spilling them to a temporary file past
// 64 KiB; that changes nothing in the database written, only how fast it is
// written (see docs/benchmarks.md). --sqlite-default-subjournal keeps
// SQLite's default, i.e. exactly what `tocsin serve` does today.
//
// Incidents are spread over the past (one per minute of creation time, or
// per --spacing-seconds, oldest first) with the distribution of bench/bench_incidents.hpp. As in a real
// installation that has accumulated N incidents, only recent ones are open:
// the newest --recent (default 1000, about 16 hours) have every state, all
// older ones are resolved or completed. An existing database is appended to.
// `tocsin serve --data DIR` serves the result.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "bench_incidents.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --data DIR [--count N (1000000)] [--recent R (1000)] [--threads T (128)] [--max-batch B (512)] "
               "[--spacing-seconds S (60)] [--sqlite-default-subjournal]\n",
               argv0);
  return 2;
}

bool ParseCount(const char* s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s, &end, 10);
  return end && *end == '\0' && out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  long long count = 1000000, recent = 1000, threads = 128, max_batch = 512, spacing = 60;
  bool memory_subjournal = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](long long& out) {
      if (i + 1 >= argc || !ParseCount(argv[i + 1], out)) return false;
      ++i;
      return true;
    };
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if ((a == "--count" || a == "-n") && value(count)) {
    } else if (a == "--recent" && value(recent)) {
    } else if (a == "--threads" && value(threads)) {
    } else if (a == "--max-batch" && value(max_batch)) {
    } else if (a == "--spacing-seconds" && value(spacing)) {
    } else if (a == "--sqlite-default-subjournal") {
      memory_subjournal = false;
    } else {
      return Usage(argv[0]);
    }
  }
  if (data.empty()) return Usage(argv[0]);
  if (memory_subjournal) sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);  // before SQLite initialises

  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) {
    std::fprintf(stderr, "seed_incidents: cannot create %s: %s\n", data.c_str(), ec.message().c_str());
    return 1;
  }
  tocsin::storage::SqliteOptions options;
  options.path = (fs::path(data) / "tocsin.db").string();
  options.read_connections = 1;
  options.max_batch = static_cast<std::size_t>(max_batch);
  auto store = tocsin::storage::OpenSqliteStore(options);
  if (!store) {
    std::fprintf(stderr, "seed_incidents: %s\n", store.error().message.c_str());
    return 1;
  }

  const auto now = std::chrono::time_point_cast<tocsin::Micros>(std::chrono::system_clock::now());
  const auto n_total = static_cast<std::uint64_t>(count);
  std::atomic<std::uint64_t> next{0}, done{0}, failed{0};
  auto started = std::chrono::steady_clock::now();

  std::vector<std::thread> pool;
  for (long long t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (true) {
        std::uint64_t n = next.fetch_add(1, std::memory_order_relaxed);
        if (n >= n_total) return;
        auto created = now - std::chrono::seconds(spacing * static_cast<std::int64_t>(n_total - n));
        auto draft = tocsin::bench::MakeIncident(n, created, n + static_cast<std::uint64_t>(recent) >= n_total);
        auto r = (*store)->CreateIncident(std::move(draft.incident), std::move(draft.events));
        if (!r) {
          if (failed.fetch_add(1) < 5) std::fprintf(stderr, "seed_incidents: create: %s\n", r.error().message.c_str());
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::thread progress([&] {
    std::uint64_t last = 0;
    while (true) {
      for (int k = 0; k < 50; ++k) {
        if (done.load() >= n_total) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      std::uint64_t d = done.load();
      std::fprintf(stderr, "seed_incidents: %llu / %llu (%.0f/s over the last 5 s)\n",
                   static_cast<unsigned long long>(d), static_cast<unsigned long long>(n_total),
                   static_cast<double>(d - last) / 5.0);
      last = d;
    }
  });
  for (auto& t : pool) t.join();
  progress.join();
  (*store)->Close();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto size = fs::file_size(options.path, ec);
  std::printf("seeded %llu incidents into %s in %.1f s (%.0f/s, %d threads), database %.0f MiB, %llu failed\n",
              static_cast<unsigned long long>(n_total - failed.load()), options.path.c_str(), secs,
              static_cast<double>(n_total) / secs, static_cast<int>(threads),
              ec ? 0.0 : static_cast<double>(size) / (1024.0 * 1024.0), static_cast<unsigned long long>(failed.load()));
  return failed.load() == 0 ? 0 : 1;
}
