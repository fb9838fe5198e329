#pragma once
// Backup and restore of a data directory (`tocsin backup`, `tocsin restore`),
// and the lock a serving process holds on its data directory so that a
// restore (or a second server) cannot run under it.

#include <memory>
#include <string>

#include "common/result.hpp"
#include "common/time.hpp"
#include "storage/sqlite/backup.hpp"

namespace tocsin::app {

// An exclusive flock(2) on DIR/tocsin.lock, held while this object lives
// (the kernel drops it if the process dies, so a crash never leaves it held).
class DataDirLock {
 public:
  // Fails (kConflict) when another process, or another App in this one, holds it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The database file of a data directory.
std::string DatabasePath(const std::string& data_dir);

// A consistent copy of DATA_DIR's database at `out`, taken while a server
// may be serving from it.
Result<storage::BackupSummary> BackupDataDir(const std::string& data_dir, const std::string& out);

// "12 incidents, 80 timeline events, … (schema 11, 1.2 MB)" for people.
std::string DescribeBackup(const storage::BackupSummary& summary);

struct RestoreOutcome {
  storage::BackupSummary restored;
  std::string replaced;  // where the previous database went ("" if none)
};

// Installs `backup` as DATA_DIR's database. Refused while a server holds the
// data directory, or when the backup is not a database this binary can open.
Result<RestoreOutcome> RestoreDataDir(const std::string& backup, const std::string& data_dir, TimePoint now);

}  // namespace tocsin::app
