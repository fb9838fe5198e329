#pragma once
// Backups of the SQLite database: a consistent copy taken while a server
// writes (SQLite's online backup API inside one read transaction of a WAL
// snapshot), a check of a backup file, and its installation as a data
// directory's database. docs/operations.md ("Backups") is the user's side.

#include <cstdint>
#include <map>
#include <string>

#include "common/result.hpp"

namespace tocsin::storage {

struct BackupSummary {
  int schema_version = 0;
  std::uintmax_t bytes = 0;
  // Rows per table that a user would count: incidents, incident_events,
  // alerts, outbox, api_keys, schedule_overrides.
  std::map<std::string, std::int64_t> rows;
};

// Copies the database file `source` into `out` (a new file; refused when it
// exists). The copy is one snapshot: every transaction committed before the
// copy's read began is in it, none after. It is written beside `out`, synced,
// checked (PRAGMA integrity_check) and renamed into place, so `out` is never
// a partial file. Needs no lock on the server: WAL readers do not block
// writers, and writers do not block the copy.
Result<BackupSummary> BackupSqliteDatabase(const std::string& source, const std::string& out);

// Checks that `path` is a Tocsin database this binary can open: SQLite's
// integrity check passes and its schema is not newer than this binary's.
Result<BackupSummary> InspectSqliteBackup(const std::string& path);

// Makes `backup` the database at `target` (the server must be stopped): the
// backup is checked, copied beside `target`, synced and renamed over it. A
// database already at `target` (with its WAL) is first renamed to
// `target` + ".replaced-" + `stamp`; that name is returned ("" when there was none).
Result<std::string> InstallSqliteBackup(const std::string& backup, const std::string& target, const std::string& stamp);

}  // namespace tocsin::storage
