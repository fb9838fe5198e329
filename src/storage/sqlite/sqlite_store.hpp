#pragma once
// SqliteStore: the embedded, durable Store. One SQLite file in WAL mode; a
// successful return means the change is on disk.
//
// Writes go through one writer thread that groups concurrent requests into a
// single transaction (group commit): each request runs in its own SAVEPOINT,
// so one failing request does not undo the others. The group's COMMIT writes
// the WAL; a syncer thread then fdatasyncs the WAL and only then answers the
// group's callers, while the writer already runs the next group (pipelined
// commit, ADR 0006). A checkpointer thread copies the WAL into the database
// off the writer's path. Reads use a small pool of read-only connections and
// never wait for writers (WAL snapshots).
//
// Migrations are numbered, forward-only and recorded in schema_migrations;
// Open applies the missing ones and refuses a database newer than this binary.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/ports/store.hpp"

namespace tocsin::storage {

struct SqliteOptions {
  std::string path;              // database file; created if missing
  int read_connections = 4;
  std::size_t max_batch = 512;   // requests per group commit
  int writer_cache_kib = 32768;  // the writer connection's page cache ceiling
  bool group_commit = true;      // false: one transaction per request (for benchmarks)
  // true: the writer commits with synchronous=NORMAL and a syncer thread
  // fdatasyncs the WAL before answering, so the next group runs during the
  // previous group's fsync (ADR 0006). false: synchronous=FULL in COMMIT.
  bool pipelined_sync = true;
  // The syncer's fdatasync (default ::fdatasync): tests hold it back to show
  // that nothing unsynced is sent, or fail it to show that a failed sync
  // stops every later write (as an LD_PRELOAD shim does for a real process).
  std::function<int(int fd)> fdatasync;
  // Told after each commit of the writer: how many requests the group
  // carried and how long its transaction took (the server's /metrics).
  std::function<void(std::size_t requests, std::chrono::nanoseconds took)> on_commit;
};

Result<std::unique_ptr<core::Store>> OpenSqliteStore(const SqliteOptions& options);

// The schema version this binary writes.
int SqliteSchemaVersion();

}  // namespace tocsin::storage
