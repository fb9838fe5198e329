#pragma once
// PostgresStore: the Store on PostgreSQL (ADR 0012), for teams that run the
// database elsewhere (managed, replicated) or want several servers on one.
//
// Every call runs on a connection from a small pool, each write in one
// transaction that has committed when the call returns (PostgreSQL's own
// durability: synchronous_commit as the server is configured). Concurrent
// writers run at once; the rows they share are locked in a fixed order
// (the incident row, advisory locks per alert group); public ids come from a
// sequence (they increase; a rolled-back creation may leave a gap).
//
// The database may go away (restart, failover): calls then fail with
// kUnavailable (503 + Retry-After), Failure() says so (/readyz), and broken
// connections are replaced with backoff, without a restart.
//
// Migrations are numbered, forward-only, recorded in schema_migrations and
// applied at open under a PostgreSQL advisory lock, so replicas starting
// together do not race.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/ports/store.hpp"

namespace tocsin::storage {

struct PostgresOptions {
  std::string dsn;     // libpq connection string or postgres:// URL
  std::string schema;  // empty: the connection's default search_path (tests: one schema each)
  int pool_size = 8;
  // This process's name on its outbox claims (ADR 0013): unique among the
  // replicas sharing the database, and the same across a restart, so that a
  // restarted replica releases its own claims at once (others' wait for
  // their lease to run out). Empty: the host name.
  std::string replica;
  // How long an outbox claim lasts: longer than a send (its timeout) plus
  // recording it. A replica stalled past it loses the claim to another.
  std::chrono::milliseconds lease{60000};
  // Told after each write transaction commits: how many requests it carried
  // (always 1: every write is its own transaction) and how long it took from
  // BEGIN to the end of COMMIT (tocsin_storage_commit_seconds).
  std::function<void(std::size_t requests, std::chrono::nanoseconds took)> on_commit;
};

Result<std::unique_ptr<core::Store>> OpenPostgresStore(const PostgresOptions& options);

// Applies missing migrations and returns the schema version (`tocsin migrate`).
Result<int> MigratePostgres(const PostgresOptions& options);

// The schema version this binary writes.
int PostgresSchemaVersion();

}  // namespace tocsin::storage
