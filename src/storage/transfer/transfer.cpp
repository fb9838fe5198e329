#include "storage/transfer/transfer.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "common/random.hpp"
#include "storage/transfer/transfer_sides.hpp"

namespace tocsin::storage {

namespace transfer {

Result<std::unique_ptr<Side>> OpenSqliteSide(const StorageEndpoint& at, bool target);  // sqlite_side.cpp
Result<std::unique_ptr<Side>> OpenPostgresSide(const StorageEndpoint& at);              // pg_side.cpp

// The scan order of a table in a backend's column names.
std::string OrderBy(const TableSpec& table, StorageEndpoint::Kind kind) {
  std::string out;
  std::stringstream names(table.order);
  std::string name;
  while (std::getline(names, name, ',')) {
    name.erase(0, name.find_first_not_of(' '));
    for (const auto& c : table.columns) {
      if (name == c.name && kind == StorageEndpoint::Kind::kSqlite) name = c.SqliteName();
    }
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

Result<std::unique_ptr<Side>> OpenSide(const StorageEndpoint& at, bool target) {
  if (at.kind == StorageEndpoint::Kind::kSqlite) return OpenSqliteSide(at, target);
  return OpenPostgresSide(at);
}

}  // namespace transfer

namespace {

using transfer::Side;
using transfer::TableSpec;

constexpr std::size_t kBatch = 2000;

std::string Unquote(const char* name) {
  std::string s = name;
  return s.size() > 1 && s.front() == '"' ? s.substr(1, s.size() - 2) : s;
}

// Refuses a schema holding a table or a column the copy does not know, so
// that nothing is left behind silently when a migration adds one.
Result<void> CheckSchema(Side& side, const std::string& role) {
  auto tables = side.Tables();
  if (!tables) return tl::unexpected(tables.error());
  const auto& copied = transfer::CopiedTables();
  for (const auto& t : *tables) {
    bool known = std::any_of(copied.begin(), copied.end(), [&](const TableSpec& s) { return t == s.name; });
    if (!known && !transfer::IsNotCopiedTable(side.kind(), t)) {
      return MakeError(ErrorCode::kConflict,
                       role + " has a table this version of migrate-storage does not copy: " + t);
    }
  }
  for (const auto& spec : copied) {
    auto columns = side.Columns(spec.name);
    if (!columns) return tl::unexpected(columns.error());
    std::set<std::string> expected;
    for (const auto& c : spec.columns) {
      std::string n = side.kind() == StorageEndpoint::Kind::kSqlite ? Unquote(c.SqliteName()) : c.name;
      if (n != "rowid") expected.insert(n);
    }
    std::set<std::string> present(columns->begin(), columns->end());
    for (const auto& n : expected) {
      if (!present.count(n)) {
        return MakeError(ErrorCode::kConflict, role + ": table " + spec.name + " lacks column " + n);
      }
    }
    for (const auto& n : present) {
      if (!expected.count(n) && !transfer::IsNotCopiedColumn(side.kind(), spec.name, n)) {
        return MakeError(ErrorCode::kConflict, role + ": table " + std::string(spec.name) + " has a column " +
                                                             "this version of migrate-storage does not copy: " + n);
      }
    }
  }
  return {};
}

Result<void> CheckEmpty(Side& side, const StorageEndpoint& at) {
  for (const auto& spec : transfer::CopiedTables()) {
    auto n = side.Count(spec.name);
    if (!n) return tl::unexpected(n.error());
    if (*n > 0) {
      return MakeError(ErrorCode::kConflict, "--to: " + at.Display() + " is not empty: table " + spec.name + " has " +
                                                 std::to_string(*n) + " rows; migrate-storage copies only into an "
                                                 "empty database");
    }
  }
  return {};
}

Result<void> Copy(Side& from, Side& to, TransferReport& report) {
  if (auto ok = from.BeginRead(); !ok) return ok;
  if (auto ok = to.BeginWrite(); !ok) return ok;
  for (const auto& spec : transfer::CopiedTables()) {
    TableCheck check;
    check.table = spec.name;
    TableSum sum;
    std::vector<TransferRow> batch;
    auto scanned = from.Scan(spec, [&](const TransferRow& row) -> Result<void> {
      sum.Add(row);
      batch.push_back(row);
      if (batch.size() < kBatch) return {};
      auto ok = to.Insert(spec, batch);
      batch.clear();
      return ok;
    });
    if (!scanned) return scanned;
    if (auto ok = to.Insert(spec, batch); !ok) return ok;
    check.source_rows = sum.rows();
    check.source_sum = sum.sum();
    report.tables.push_back(check);
  }
  if (auto ok = from.EndRead(); !ok) return ok;
  return to.Commit();
}

// Reads the target back, independently of what was sent to it.
Result<void> Verify(Side& to, TransferReport& report) {
  if (auto ok = to.BeginRead(); !ok) return ok;
  const auto& copied = transfer::CopiedTables();
  for (std::size_t k = 0; k < copied.size(); ++k) {
    TableSum sum;
    auto scanned = to.Scan(copied[k], [&](const TransferRow& row) -> Result<void> {
      sum.Add(row);
      return {};
    });
    if (!scanned) return scanned;
    report.tables[k].target_rows = sum.rows();
    report.tables[k].target_sum = sum.sum();
  }
  return to.EndRead();
}

}  // namespace

std::string StorageEndpoint::Display() const {
  if (kind == Kind::kSqlite) return "sqlite:" + location;
  // postgres://user:secret@host/db -> postgres://user:***@host/db
  std::string out = location;
  auto scheme = out.find("://");
  auto at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  return out;
}

Result<StorageEndpoint> ParseStorageEndpoint(const std::string& text, const std::string& what) {
  StorageEndpoint e;
  if (text.rfind("sqlite:", 0) == 0) {
    e.kind = StorageEndpoint::Kind::kSqlite;
    e.location = text.substr(7);
    if (e.location.empty()) return InvalidArgument(what + ": 'sqlite:' needs a data directory, e.g. sqlite:/var/lib/tocsin");
    return e;
  }
  if (text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0) {
    e.kind = StorageEndpoint::Kind::kPostgres;
    e.location = text;
    return e;
  }
  auto colon = text.find(':');
  std::string scheme = colon == std::string::npos ? "" : text.substr(0, colon);
  return InvalidArgument(what + ": " + (scheme.empty() ? "'" + text + "' has no scheme" : "unknown scheme '" + scheme + "'") +
                         "; use sqlite:DATA_DIR or postgres://user@host/database");
}

void TableSum::Add(const TransferRow& row) {
  // Length-prefixed values: no two different rows serialise alike.
  std::string canonical;
  for (const auto& v : row) {
    if (!v) {
      canonical += "N;";
    } else {
      canonical += std::to_string(v->size()) + ":" + *v + ";";
    }
  }
  const std::string hex = Sha256Hex(canonical).substr(0, 16);
  sum_ += std::stoull(hex, nullptr, 16);
  ++rows_;
}

bool TransferReport::Verified() const {
  return std::all_of(tables.begin(), tables.end(), [](const TableCheck& t) { return t.Matches(); });
}

Result<TransferReport> TransferStorage(const StorageEndpoint& from, const StorageEndpoint& to) {
  auto source = transfer::OpenSide(from, false);
  if (!source) return tl::unexpected(source.error());
  auto target = transfer::OpenSide(to, true);
  if (!target) return tl::unexpected(target.error());
  if (auto ok = CheckSchema(**source, "--from " + from.Display()); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckSchema(**target, "--to " + to.Display()); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckEmpty(**target, to); !ok) return tl::unexpected(ok.error());
  TransferReport report;
  if (auto ok = Copy(**source, **target, report); !ok) {
    (*target)->Abort();
    return MakeError(ok.error().code, "copy failed, nothing was written to " + to.Display() + ": " + ok.error().message);
  }
  if (auto ok = Verify(**target, report); !ok) return tl::unexpected(ok.error());
  return report;
}

std::string DescribeTransfer(const TransferReport& report) {
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "%-20s %10s %10s  %-16s  %-16s\n", "table", "rows from", "rows to", "checksum from",
                "checksum to");
  out += line;
  for (const auto& t : report.tables) {
    std::snprintf(line, sizeof line, "%-20s %10lld %10lld  %016llx  %016llx  %s\n", t.table.c_str(),
                  static_cast<long long>(t.source_rows), static_cast<long long>(t.target_rows),
                  static_cast<unsigned long long>(t.source_sum), static_cast<unsigned long long>(t.target_sum),
                  t.Matches() ? "ok" : "MISMATCH");
    out += line;
  }
  out += report.Verified() ? "verified: every table has the same rows on both sides\n"
                           : "VERIFICATION FAILED: the tables marked MISMATCH differ between the two sides\n";
  return out;
}

}  // namespace tocsin::storage
