#pragma once
// Replicas on one PostgreSQL database say which config they run (issue 15):
// each serving process keeps a row (its name, the SHA-256 of its config file,
// last seen) fresh with a heartbeat. A replica that starts with another
// config than a live replica holds is refused, naming both hashes, unless
// it is told to roll (`tocsin serve --roll`, storage.allow_config_roll): a
// rolling restart onto a new file starts the first replica with --roll, and
// the others follow with the same file. A reload updates the row at the next
// heartbeat.

#include <chrono>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace tocsin::storage {

class ReplicaRegistry {
 public:
  // A row older than this is a replica that is gone (killed, stopped).
  static constexpr std::chrono::seconds kLiveFor{30};
  // How often a replica refreshes its row (a changed hash is written at once).
  static constexpr std::chrono::seconds kBeatEvery{5};

  // Registers this replica (options.replica) with `config_hash`, after
  // checking the live replicas' hashes; a conflict is refused unless `roll`.
  static Result<std::unique_ptr<ReplicaRegistry>> Join(const PostgresOptions& options, const std::string& config_hash,
                                                       bool roll);
  ~ReplicaRegistry();
  ReplicaRegistry(const ReplicaRegistry&) = delete;
  ReplicaRegistry& operator=(const ReplicaRegistry&) = delete;

  // The heartbeat: writes the row when kBeatEvery has passed or the hash
  // changed (a reload). A database that is down is retried at the next call.
  void Beat(const std::string& config_hash);
  // A clean stop removes the row: the replica is no longer live.
  void Leave();

 private:
  struct Impl;
  explicit ReplicaRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tocsin::storage
