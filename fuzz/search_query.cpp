// Incident search (core/search/query.hpp and storage/sqlite/search_sql.hpp):
// any query text parses or is refused with a message; a parsed query is
// evaluated against an incident (the memory backend's path), and its SQL
// translation prepares and runs against the real schema in an in-memory
// SQLite database (the SQLite backend's path), facets included.
#include <cstdio>
#include <cstdlib>

#include "core/search/query.hpp"
#include "fuzz_support.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/search_sql.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace {

using namespace tocsin;

storage::sqlite::Connection& Db() {
  static std::unique_ptr<storage::sqlite::Connection> db = [] {
    auto c = storage::sqlite::Connection::Open(":memory:", false);
    if (!c) std::abort();
    for (const auto& m : storage::sqlite::Migrations()) {
      if (auto ok = (*c)->Exec(m.sql); !ok) {
        std::fprintf(stderr, "migration %d: %s\n", m.version, ok.error().message.c_str());
        std::abort();
      }
    }
    return std::move(*c);
  }();
  return *db;
}

const core::Incident& SampleIncident() {
  static const core::Incident incident = [] {
    core::Incident i;
    i.id = "00000000-0000-4000-8000-000000000001";
    i.public_id = 1;
    i.title = "Checkout latency 100% _over_ SLO";
    i.severity = "SEV-1";
    i.commander_handle = "@payments-oncall";
    core::FieldValue teams;
    teams.type = "autocomplete";
    teams.is_list = true;
    teams.list = std::vector<std::string>{"payments"};
    i.fields["teams"] = teams;
    return i;
  }();
  return incident;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto q = core::ParseQuery(fuzz::AsText(data, size));
  if (!q) {
    if (q.error().message.empty()) std::abort();
    return 0;
  }
  (void)core::Matches(*q, SampleIncident());
  std::vector<storage::sqlite::Param> params;
  std::string where = storage::sqlite::BuildWhere(*q, params);
  auto& db = Db();
  auto stmt = db.Prepare("SELECT COUNT(*) FROM incidents i WHERE i.deleted = 0 AND (" + where + ")", false);
  if (!stmt) {
    std::fprintf(stderr, "generated SQL does not prepare: %s\n  %s\n", stmt.error().message.c_str(), where.c_str());
    std::abort();
  }
  stmt->BindAll(params);
  if (auto step = stmt->Step(); !step) {
    std::fprintf(stderr, "generated SQL fails: %s\n  %s\n", step.error().message.c_str(), where.c_str());
    std::abort();
  }
  if (auto facets = storage::sqlite::QueryFacets(db, where, params); !facets) {
    std::fprintf(stderr, "facet SQL fails: %s\n  %s\n", facets.error().message.c_str(), where.c_str());
    std::abort();
  }
  return 0;
}
