#pragma once
// App: wires a validated Config into a running server — storage, API, HTTP.
// The CLI (apps/tocsin) and the black-box tests both start Tocsin through it,
// so tests exercise exactly what users run.

#include <memory>
#include <optional>
#include <string>

#include <chrono>
#include <functional>

#include "api/v2/api.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"

namespace tocsin::app {

// Opens the configured store (creating the data directory when needed).
// Incidents follow the workflow and get their due times from `source`'s
// snapshot at each write (a running server's holder); without one, from
// `config` as given.
Result<std::unique_ptr<core::Store>> OpenStore(const core::Config& config, core::ConfigSource source = {});
// `tocsin migrate`: brings the configured storage's schema up to date (on
// PostgreSQL under the migration lock replicas share) and says where it is.
Result<std::string> MigrateStorage(const core::Config& config);

struct AppOptions {
  // Run the background workers (outbox delivery, reminders) on the clock.
  // Tests turn this off and drive RunWorkersOnce with a fake clock.
  bool start_workers = true;
  std::chrono::milliseconds send_timeout{10000};
  std::chrono::seconds give_up_after{std::chrono::hours(24)};  // undelivered notifications are abandoned after this
  // The outbox worker is woken by every commit that queues a notification;
  // this is only its longest wait otherwise (retries falling due).
  std::chrono::milliseconds outbox_idle_poll{1000};
  // The engine's step (escalation tiers, reminders, scheduled notices) runs
  // this often, and early when a request queues something or opens an
  // incident. Tests lengthen it to prove the early run.
  std::chrono::milliseconds engine_tick{1000};
  // The least pause between two whole engine steps run early by requests
  // (bursts coalesce; the step also keeps to ~10 % of a core). The first
  // tier of incidents alerts open is decided at once regardless. Tests
  // lengthen it to prove that.
  std::chrono::milliseconds engine_min_gap{2};
  // When storage fails (a failed fdatasync; see Store::Failure) the server
  // answers 503 and reports not ready; with this set it also asks the
  // process to stop (SIGTERM to itself), so a supervisor restarts it and
  // recovery runs from what is on disk. `tocsin serve` sets it.
  bool stop_on_storage_failure = false;
  // The file the config came from, re-read by Reload (SIGHUP, POST /-/reload).
  // Empty: reloads are refused.
  std::string config_path;
  // Tests: called during a reload with its lock held, just before the swap.
  std::function<void()> before_reload_swap;
};

class App {
 public:
  // `clock` may be null (system clock). The store is opened here.
  static Result<std::unique_ptr<App>> Create(core::Config config, const Clock* clock = nullptr,
                                             AppOptions options = {});
  ~App();

  Result<void> Start();  // binds config.server.listen and serves
  int port() const;
  // The HTTP server's connection counts (tests check the connection cap).
  std::size_t peak_connections() const;
  void Stop();           // graceful: finishes requests, closes storage
  // One step of every worker at `now` (reminders, then deliveries); returns
  // the number of delivery attempts made.
  int RunWorkersOnce(TimePoint now);
  // Re-reads options.config_path and swaps it in if valid (app/reload.hpp).
  api::v2::ReloadAnswer Reload(const std::string& who);
  core::Store& store();
  // The config in force now (a reload replaces it; the snapshot stays valid).
  std::shared_ptr<const core::Config> config() const;

 private:
  App();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A newly made key and its secrets (shown once, never stored).
struct NewKey {
  core::KeyRecord record;
  std::string api_key;
  std::string app_key;  // empty for ingestion keys
};

// kind: "api" (DD-API-KEY + DD-APPLICATION-KEY pair) or "ingest".
// scope (api keys): "read", "write" (the default: work incidents) or "admin"
// (also overrides and the server's configuration); docs/api.md.
Result<NewKey> CreateKey(core::Store& store, const std::string& name, const std::string& user_handle,
                         const std::string& kind, TimePoint now, const std::string& scope = "write");

}  // namespace tocsin::app
