// Seeds one resolved SEV-1 incident with a post-mortem draft and N timeline
// events (bench/bench_postmortem.hpp) into DIR/tocsin.db, for the end-to-end
// GET /api/v2/incidents/{id}/postmortem in bench/workflow_bench.sh. Prints the
// incident's id. Run it while no server uses DIR.
//
//   seed_postmortem --data DIR [--events N (10000)]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench_postmortem.hpp"
#include "storage/sqlite/sqlite_store.hpp"

int main(int argc, char** argv) {
  std::string data;
  int events = 10000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--events" && i + 1 < argc) {
      events = std::atoi(argv[++i]);
    } else {
      data.clear();
      break;
    }
  }
  if (data.empty() || events < 0) {
    std::fprintf(stderr, "usage: %s --data DIR [--events N (10000)]\n", argv[0]);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  tocsin::storage::SqliteOptions options;
  options.path = (std::filesystem::path(data) / "tocsin.db").string();
  options.read_connections = 1;
  auto store = tocsin::storage::OpenSqliteStore(options);
  if (!store) {
    std::fprintf(stderr, "seed_postmortem: %s\n", store.error().message.c_str());
    return 1;
  }
  auto now = std::chrono::time_point_cast<tocsin::Micros>(std::chrono::system_clock::now());
  auto draft = tocsin::bench::MakePostmortemIncident(events, now - std::chrono::seconds(3LL * events + 3600));
  auto created = (*store)->CreateIncident(std::move(draft.incident), std::move(draft.events));
  if (!created) {
    std::fprintf(stderr, "seed_postmortem: create: %s\n", created.error().message.c_str());
    return 1;
  }
  (*store)->Close();
  std::printf("%s\n", created->id.c_str());
  return 0;
}
