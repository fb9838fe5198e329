#include "storage/sqlite/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin::storage {
namespace {

namespace fs = std::filesystem;
using sqlite::Connection;

Error Unavailable(const std::string& what) { return Error{ErrorCode::kUnavailable, what}; }

// fsync of a file or a directory by path.
Result<void> SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(Unavailable("cannot open " + path + " to sync it: " + std::strerror(errno)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return tl::unexpected(Unavailable("cannot sync " + path + ": " + std::strerror(err)));
  return {};
}

std::string ParentOf(const std::string& path) {
  auto parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

Result<std::int64_t> ScalarInt(Connection& c, const std::string& sql) {
  auto st = c.Prepare(sql, false);
  if (!st) return tl::unexpected(st.error());
  auto row = st->Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return 0;
  return st->Int(0);
}

// Checks an open database and counts what a user would count.
Result<BackupSummary> Summarise(Connection& c, const std::string& path) {
  auto check = c.Prepare("PRAGMA integrity_check", false);
  if (!check) return tl::unexpected(Error{ErrorCode::kInvalidArgument, path + " is not a SQLite database: " + check.error().message});
  auto row = check->Step();
  if (!row) return tl::unexpected(Error{ErrorCode::kInvalidArgument, path + " is not a SQLite database: " + row.error().message});
  std::string verdict = *row ? check->Text(0) : "";
  if (verdict != "ok") return tl::unexpected(Error{ErrorCode::kInvalidArgument, path + " fails SQLite's integrity check: " + verdict});
  auto has_migrations = ScalarInt(c, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'");
  if (!has_migrations) return tl::unexpected(has_migrations.error());
  if (*has_migrations == 0) {
    return tl::unexpected(Error{ErrorCode::kInvalidArgument, path + " is a SQLite database but not Tocsin's (no schema_migrations table)"});
  }
  BackupSummary summary;
  auto version = ScalarInt(c, "SELECT IFNULL(MAX(version), 0) FROM schema_migrations");
  if (!version) return tl::unexpected(version.error());
  summary.schema_version = static_cast<int>(*version);
  if (summary.schema_version > SqliteSchemaVersion()) {
    return tl::unexpected(Error{ErrorCode::kInvalidArgument,
                                path + " has schema version " + std::to_string(summary.schema_version) +
                                    ", newer than this binary's " + std::to_string(SqliteSchemaVersion()) +
                                    "; use a newer tocsin"});
  }
  for (const char* table : {"incidents", "incident_events", "alerts", "outbox", "api_keys", "schedule_overrides"}) {
    auto exists = ScalarInt(c, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") + table + "'");
    if (!exists) return tl::unexpected(exists.error());
    if (*exists == 0) continue;
    auto n = ScalarInt(c, std::string("SELECT COUNT(*) FROM ") + table);
    if (!n) return tl::unexpected(n.error());
    summary.rows[table] = *n;
  }
  std::error_code ec;
  summary.bytes = fs::file_size(path, ec);
  return summary;
}

// Copies `from` (an open connection) into a new database file at `to`.
Result<void> CopyInto(Connection& from, const std::string& to) {
  auto dest = Connection::Open(to, false);
  if (!dest) return tl::unexpected(dest.error());
  sqlite3_backup* b = sqlite3_backup_init((*dest)->raw(), "main", from.raw(), "main");
  if (!b) return tl::unexpected(sqlite::SqliteError((*dest)->raw(), "cannot start the copy into " + to));
  // One step copies every page inside a single read transaction of the
  // source: a snapshot, whatever the server commits meanwhile. A busy
  // source (a WAL recovery in progress) is retried for a bounded time.
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 200; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return tl::unexpected(Error{sqlite::SqliteErrorCode(rc), std::string("copying the database failed: ") + sqlite3_errstr(rc)});
  }
  // The copy stands alone: a rollback-journal file with no WAL beside it.
  if (auto ok = (*dest)->Exec("PRAGMA journal_mode=DELETE"); !ok) return tl::unexpected(ok.error());
  return {};
}

void RemoveQuietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + "-journal", ec);
  fs::remove(path + "-wal", ec);
  fs::remove(path + "-shm", ec);
}

}  // namespace

Result<BackupSummary> BackupSqliteDatabase(const std::string& source, const std::string& out) {
  std::error_code ec;
  if (!fs::exists(source, ec)) return tl::unexpected(Error{ErrorCode::kNotFound, "no database at " + source});
  if (fs::exists(out, ec)) return tl::unexpected(Error{ErrorCode::kConflict, out + " already exists; choose a new name"});
  auto src = Connection::Open(source, true);
  if (!src) return tl::unexpected(src.error());
  const std::string partial = out + ".partial";
  RemoveQuietly(partial);
  if (auto ok = CopyInto(**src, partial); !ok) {
    RemoveQuietly(partial);
    return tl::unexpected(ok.error());
  }
  src->reset();
  Result<BackupSummary> summary = [&]() -> Result<BackupSummary> {
    auto check = Connection::Open(partial, true);
    if (!check) return tl::unexpected(check.error());
    return Summarise(**check, partial);
  }();
  if (!summary) {
    RemoveQuietly(partial);
    return summary;
  }
  if (auto ok = SyncPath(partial, false); !ok) {
    RemoveQuietly(partial);
    return tl::unexpected(ok.error());
  }
  fs::rename(partial, out, ec);
  if (ec) {
    RemoveQuietly(partial);
    return tl::unexpected(Unavailable("cannot rename " + partial + " to " + out + ": " + ec.message()));
  }
  if (auto ok = SyncPath(ParentOf(out), true); !ok) return tl::unexpected(ok.error());
  summary->bytes = fs::file_size(out, ec);
  return summary;
}

Result<BackupSummary> InspectSqliteBackup(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return tl::unexpected(Error{ErrorCode::kNotFound, "no backup file at " + path});
  // Opened read-only: a backup is a rollback-journal file, so nothing is created beside it.
  auto c = Connection::Open(path, true);
  if (!c) return tl::unexpected(c.error());
  auto summary = Summarise(**c, path);
  if (summary) summary->bytes = fs::file_size(path, ec);
  return summary;
}

Result<std::string> InstallSqliteBackup(const std::string& backup, const std::string& target, const std::string& stamp) {
  auto checked = InspectSqliteBackup(backup);
  if (!checked) return tl::unexpected(checked.error());
  std::error_code ec;
  const std::string staging = target + ".restoring";
  RemoveQuietly(staging);
  fs::copy_file(backup, staging, fs::copy_options::overwrite_existing, ec);
  if (ec) return tl::unexpected(Unavailable("cannot copy " + backup + " to " + staging + ": " + ec.message()));
  if (auto ok = SyncPath(staging, false); !ok) {
    RemoveQuietly(staging);
    return tl::unexpected(ok.error());
  }
  std::string replaced;
  if (fs::exists(target, ec)) {
    // The old database keeps its WAL beside it under the new name, so
    // opening the renamed file still sees everything it had committed.
    replaced = target + ".replaced-" + stamp;
    for (const char* suffix : {"", "-wal"}) {
      if (!fs::exists(target + suffix, ec)) continue;
      fs::rename(target + suffix, replaced + suffix, ec);
      if (ec) {
        RemoveQuietly(staging);
        return tl::unexpected(Unavailable("cannot move the current database aside: " + ec.message()));
      }
    }
    fs::remove(target + "-shm", ec);
  }
  fs::rename(staging, target, ec);
  if (ec) return tl::unexpected(Unavailable("cannot rename " + staging + " to " + target + ": " + ec.message()));
  if (auto ok = SyncPath(ParentOf(target), true); !ok) return tl::unexpected(ok.error());
  return replaced;
}

}  // namespace tocsin::storage
