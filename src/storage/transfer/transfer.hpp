#pragma once
// Copies a whole Tocsin database from one backend to another (`tocsin
// migrate-storage`, ADR 0016): SQLite -> PostgreSQL to move past one machine,
// and back. Rows are copied as stored (ids, public ids, timeline sequence
// numbers, times, JSON documents), into an empty target, in one transaction;
// then every copied table is counted and checksummed on both sides.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tocsin::storage {

// One side of a copy: "sqlite:DIR" (the data directory, as storage.data_dir)
// or a PostgreSQL URL "postgres://..." / "postgresql://...".
struct StorageEndpoint {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string location;  // the directory, or the libpq URL
  std::string schema;    // PostgreSQL only; empty = the connection's default (tests set one)
  // For messages: the argument as given, with any password hidden.
  std::string Display() const;
};

// Parses a --from / --to argument; errors name `what` (the option) and the problem.
Result<StorageEndpoint> ParseStorageEndpoint(const std::string& text, const std::string& what);

// What was copied and what verification found, per table.
struct TableCheck {
  std::string table;
  std::int64_t source_rows = 0;
  std::int64_t target_rows = 0;
  std::uint64_t source_sum = 0;  // order-independent checksum of the rows' canonical content
  std::uint64_t target_sum = 0;
  bool Matches() const { return source_rows == target_rows && source_sum == target_sum; }
};

struct TransferReport {
  std::vector<TableCheck> tables;
  bool Verified() const;
};

// Copies `from` into `to`. The target's schema is brought up to date first;
// a target holding any row in a copied table is refused (kConflict, naming
// the table). Both schemas must be ones this binary knows: a column or
// table it does not know how to copy is refused rather than dropped. The
// caller keeps servers off both sides (the SQLite data directory lock).
// The report may show a mismatch (Verified() false) after a committed copy.
Result<TransferReport> TransferStorage(const StorageEndpoint& from, const StorageEndpoint& to);

// The report as a table for people, one line per copied table and a verdict.
std::string DescribeTransfer(const TransferReport& report);

// One row as copied: each value as text (integers in decimal), nullopt = NULL.
using TransferRow = std::vector<std::optional<std::string>>;

// The checksum of a table: the sum (mod 2^64) of a hash of each row's
// canonical content, so the order rows are read in does not matter.
class TableSum {
 public:
  void Add(const TransferRow& row);
  std::uint64_t sum() const { return sum_; }
  std::int64_t rows() const { return rows_; }

 private:
  std::uint64_t sum_ = 0;
  std::int64_t rows_ = 0;
};

}  // namespace tocsin::storage
