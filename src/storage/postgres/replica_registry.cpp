#include "storage/postgres/replica_registry.hpp"

#include <mutex>

#include "common/log.hpp"
#include "storage/postgres/pg_db.hpp"

namespace tocsin::storage {

using postgres::Connection;
using postgres::Param;

namespace {

// "tocsin replicas": joins are serialized, so two replicas starting together
// with different configs cannot both see an empty table.
constexpr std::int64_t kJoinLock = 0x746f6373696e7270;

std::string Short(const std::string& hash) { return hash.substr(0, 12); }

}  // namespace

struct ReplicaRegistry::Impl {
  PostgresOptions options;
  std::mutex mu;
  std::unique_ptr<Connection> conn;  // replaced when the database went away
  std::string written_hash;
  std::chrono::steady_clock::time_point written_at{};

  Result<Connection*> Get() {
    if (!conn || conn->Broken()) {
      conn.reset();
      auto c = Connection::Open(options.dsn, options.schema);
      if (!c) return tl::unexpected(c.error());
      conn = std::move(*c);
    }
    return conn.get();
  }

  Result<void> Upsert(Connection& c, const std::string& hash) {
    auto r = c.Exec(
        "INSERT INTO replicas (id, config_hash, started, last_seen) VALUES ($1, $2, tocsin_now_us(), tocsin_now_us()) "
        "ON CONFLICT (id) DO UPDATE SET config_hash = EXCLUDED.config_hash, last_seen = EXCLUDED.last_seen",
        {options.replica, hash});
    if (!r) return tl::unexpected(r.error());
    written_hash = hash;
    written_at = std::chrono::steady_clock::now();
    return {};
  }
};

ReplicaRegistry::ReplicaRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReplicaRegistry::~ReplicaRegistry() = default;

Result<std::unique_ptr<ReplicaRegistry>> ReplicaRegistry::Join(const PostgresOptions& options,
                                                               const std::string& config_hash, bool roll) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto c = impl->Get();
  if (!c) return tl::unexpected(c.error());
  Connection& conn = **c;
  auto joined = [&]() -> Result<void> {
    if (auto ok = conn.Exec("SELECT pg_advisory_xact_lock($1)", {kJoinLock}, false); !ok) return tl::unexpected(ok.error());
    auto live = conn.Exec(
        "SELECT id, config_hash, (tocsin_now_us() - last_seen) / 1000000 FROM replicas "
        "WHERE id <> $1 AND config_hash <> $2 AND last_seen > tocsin_now_us() - $3 ORDER BY last_seen DESC",
        {options.replica, config_hash, static_cast<std::int64_t>(kLiveFor.count()) * 1000000});
    if (!live) return tl::unexpected(live.error());
    if (!live->empty()) {
      std::string other = "replica '" + live->Text(0, 0) + "' (seen " + live->Text(0, 2) + " s ago) runs config " +
                          live->Text(0, 1);
      if (!roll) {
        return MakeError(ErrorCode::kConflict,
                         "storage: this replica's config " + config_hash + " differs from the one live replicas run: " +
                             other + "; start with the same file, or roll it out with `tocsin serve --roll` (or "
                             "storage.allow_config_roll: true)");
      }
      log::Warn("rolling out another config than live replicas run",
                {{"config", Short(config_hash)}, {"replica", live->Text(0, 0)}, {"their_config", Short(live->Text(0, 1))},
                 {"differing_replicas", std::to_string(live->size())}});
    }
    return impl->Upsert(conn, config_hash);
  };
  auto ok = conn.Run("BEGIN");
  if (ok) ok = joined();
  if (ok) ok = conn.Run("COMMIT");
  if (!ok) {
    (void)conn.Run("ROLLBACK");
    return tl::unexpected(ok.error());
  }
  return std::unique_ptr<ReplicaRegistry>(new ReplicaRegistry(std::move(impl)));
}

void ReplicaRegistry::Beat(const std::string& config_hash) {
  std::lock_guard lock(impl_->mu);
  if (config_hash == impl_->written_hash && std::chrono::steady_clock::now() - impl_->written_at < kBeatEvery) return;
  auto c = impl_->Get();
  if (c) {
    if (auto ok = impl_->Upsert(**c, config_hash); ok) return;
  }
  log::Debug("replica heartbeat not written; retried at the next tick");
}

void ReplicaRegistry::Leave() {
  std::lock_guard lock(impl_->mu);
  auto c = impl_->Get();
  if (c) (void)(*c)->Exec("DELETE FROM replicas WHERE id = $1", {impl_->options.replica}, false);
}

}  // namespace tocsin::storage
