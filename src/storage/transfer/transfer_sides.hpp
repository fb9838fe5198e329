#pragma once
// Private to storage/transfer: what is copied (the tables and their columns,
// by canonical name and each backend's), and one side of a copy over a raw
// SQLite or PostgreSQL connection.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/transfer/transfer.hpp"

namespace tocsin::storage::transfer {

struct ColumnSpec {
  const char* name;              // canonical (and PostgreSQL's) name
  bool integer = false;          // INTEGER/BIGINT; otherwise TEXT
  const char* sqlite = nullptr;  // SQLite's name when it differs ("rowid" for an implicit key)
  const char* SqliteName() const { return sqlite ? sqlite : name; }
};

struct TableSpec {
  const char* name;
  std::vector<ColumnSpec> columns;
  const char* order;                 // canonical columns that order a scan (a unique key)
  const char* serial = nullptr;      // PostgreSQL: the BIGSERIAL column whose sequence follows the copy
  const char* sequence = nullptr;    // PostgreSQL: a named sequence that follows MAX(serial)
};

// Every table copied, in copy order.
const std::vector<TableSpec>& CopiedTables();
// Tables kept but not copied: migration records, counts kept by triggers.
bool IsNotCopiedTable(StorageEndpoint::Kind kind, const std::string& table);
// Columns kept but not copied (PostgreSQL's outbox claims: leases of live replicas).
bool IsNotCopiedColumn(StorageEndpoint::Kind kind, const std::string& table, const std::string& column);

using RowFn = std::function<Result<void>(const TransferRow&)>;

class Side {
 public:
  virtual ~Side() = default;
  virtual StorageEndpoint::Kind kind() const = 0;
  virtual Result<std::vector<std::string>> Tables() = 0;
  virtual Result<std::vector<std::string>> Columns(const std::string& table) = 0;
  virtual Result<std::int64_t> Count(const std::string& table) = 0;
  // Reads run in one snapshot between BeginRead and EndRead.
  virtual Result<void> BeginRead() = 0;
  virtual Result<void> Scan(const TableSpec& table, const RowFn& fn) = 0;
  virtual Result<void> EndRead() = 0;
  // Writes run in one transaction: Insert batches, then Commit (which also
  // moves sequences past the copied ids); Abort undoes everything.
  virtual Result<void> BeginWrite() = 0;
  virtual Result<void> Insert(const TableSpec& table, const std::vector<TransferRow>& rows) = 0;
  virtual Result<void> Commit() = 0;
  virtual void Abort() = 0;
};

// Opens a side (bringing its schema up to date). A source SQLite directory
// must hold a database; a target one is created.
Result<std::unique_ptr<Side>> OpenSide(const StorageEndpoint& at, bool target);

}  // namespace tocsin::storage::transfer
