#include "app/app.hpp"
#include "app/backup.hpp"
#include "app/change_relay.hpp"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/v2/api.hpp"
#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "common/random.hpp"
#include "app/config_holder.hpp"
#include "app/oncall.hpp"
#include "app/reload.hpp"
#include "app/replay.hpp"
#include "app/route.hpp"
#include "engine/escalation_worker.hpp"
#include "common/server_metrics.hpp"
#include "engine/outbox_worker.hpp"
#include "engine/reminder_worker.hpp"
#include "usecases/scheduled_notices.hpp"
#include "http/server.hpp"
#include "storage/memory/memory_store.hpp"
#include "core/notification/reminders.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/postgres/replica_registry.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "usecases/change_feed.hpp"
#include "usecases/workflow_store.hpp"

namespace tocsin::app {

namespace {

// The calling thread's CPU time so far (what the engine's budget counts).
std::chrono::nanoseconds ThreadCpuTime() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return {};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Incidents waiting for their first tier ahead of the engine step, at most.
constexpr std::size_t kMaxOpenedAtOnce = 10000;

// Every process that writes incidents (server and CLI) stores the engine's
// due time computed from the configured severities.
Result<std::unique_ptr<core::Store>> WithDueTimes(Result<std::unique_ptr<core::Store>> store,
                                                  const core::ConfigSource& source) {
  if (!store) return store;
  auto due = [source](const core::Incident& i) {
    auto config = source();
    return core::EngineDueAt(i, config->FindSeverity(i.severity), config->postmortem.reminder_every);
  };
  if (auto ok = (*store)->UseDueFunction(std::move(due)); !ok) return tl::unexpected(ok.error());
  return store;
}

storage::PostgresOptions PostgresOptionsOf(const core::Config& config) {
  storage::PostgresOptions options;
  options.dsn = config.storage.postgres_dsn;
  options.pool_size = std::max(4, config.server.worker_threads / 2);
  options.lease = config.storage.claim_lease;
  options.on_commit = [](std::size_t requests, std::chrono::nanoseconds took) {
    server_metrics::StorageCommit(requests, took);
  };
  // The name on this replica's outbox claims: the host and the listen
  // address, stable across restarts and distinct for replicas on one host.
  if (const char* id = std::getenv("TOCSIN_REPLICA_ID"); id && *id) {
    options.replica = id;
  } else {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    options.replica = std::string(host) + " " + config.server.listen;
  }
  return options;
}

Result<std::unique_ptr<core::Store>> OpenConfiguredStore(const core::Config& config) {
  const auto& s = config.storage;
  if (s.driver == "memory") return storage::MakeMemoryStore();
  if (s.driver == "postgres") return storage::OpenPostgresStore(PostgresOptionsOf(config));
  if (s.driver != "sqlite") {
    return InvalidArgument("storage.driver: '" + s.driver + "' is not available in this build (use sqlite or memory)");
  }
  std::error_code ec;
  std::filesystem::create_directories(s.data_dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create data directory " + s.data_dir + ": " + ec.message());
  storage::SqliteOptions options;
  options.path = (std::filesystem::path(s.data_dir) / "tocsin.db").string();
  options.read_connections = std::max(4, config.server.worker_threads / 4);
  // For side-by-side benchmarks only (docs/benchmarks.md): COMMIT itself fsyncs.
  if (const char* v = std::getenv("TOCSIN_BENCH_FULLSYNC"); v && std::string(v) == "1") options.pipelined_sync = false;
  options.on_commit = [](std::size_t requests, std::chrono::nanoseconds took) {
    server_metrics::StorageCommit(requests, took);
  };
  return storage::OpenSqliteStore(options);
}

}  // namespace

Result<std::string> MigrateStorage(const core::Config& config) {
  if (config.storage.driver == "postgres") {
    auto v = storage::MigratePostgres(PostgresOptionsOf(config));
    if (!v) return tl::unexpected(v.error());
    return "PostgreSQL schema at version " + std::to_string(*v);
  }
  if (config.storage.driver != "sqlite") return "storage.driver " + config.storage.driver + " keeps no schema";
  // SQLite applies its migrations when a store opens.
  auto store = OpenConfiguredStore(config);
  if (!store) return tl::unexpected(store.error());
  (*store)->Close();
  return "SQLite schema at version " + std::to_string(storage::SqliteSchemaVersion());
}

Result<std::unique_ptr<core::Store>> OpenStore(const core::Config& config, core::ConfigSource source) {
  if (!source) source = core::FixedConfig(config);
  auto store = WithDueTimes(OpenConfiguredStore(config), source);
  if (!store) return store;
  // Every change to an incident follows the workflow (phases, checklists,
  // post-mortem), whichever door it came through.
  return std::unique_ptr<core::Store>(
      std::make_unique<usecases::WorkflowStore>(std::move(*store), std::move(source), [] { return NewUuidV4(); }));
}

struct App::Impl {
  // The config in force; `config` below is the one the server started with
  // and is what the settings that need a restart are read from.
  std::unique_ptr<ConfigHolder> holder;
  core::Config config;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::unique_ptr<core::Store> store;
  std::unique_ptr<api::v2::ApiV2> api;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<engine::OutboxWorker> outbox;
  std::unique_ptr<engine::ReminderWorker> reminders;
  std::unique_ptr<usecases::ScheduledNotices> notices;  // weekly review, error budgets
  std::unique_ptr<engine::EscalationWorker> escalation;
  std::unique_ptr<OnCallDirectory> oncall;
  std::unique_ptr<ConfigReloader> reloader;
  std::unique_ptr<ChangeRelay> relay;  // PostgreSQL: the live-update feed across replicas
  api::v2::ConfigRef config_ref;  // the holder, seen through the request's or step's pin
  AppOptions options;
  std::thread reminder_thread;
  std::mutex reminder_mu;
  std::condition_variable reminder_cv;
  bool stopping = false;
  bool engine_nudged = false;  // a request queued or declared something: run the whole engine step early
  // Incidents alerts have just opened: the engine decides their first tier
  // at once (a step over these alone), ahead of the next whole step.
  std::vector<std::string> opened;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> ready{false};
  bool stopped = false;
  std::unique_ptr<DataDirLock> data_dir_lock;  // sqlite: one server per data directory
  std::unique_ptr<storage::ReplicaRegistry> replicas;  // postgres: this replica's config hash, kept fresh
};

App::App() : impl_(std::make_unique<Impl>()) {}
App::~App() { Stop(); }

Result<std::unique_ptr<App>> App::Create(core::Config config, const Clock* clock, AppOptions options) {
  std::unique_ptr<App> app(new App());
  auto& d = *app->impl_;
  d.options = options;
  d.config = std::move(config);
  d.holder = std::make_unique<ConfigHolder>(std::make_shared<const core::Config>(d.config));
  // Everyone reads the config through the pin of the request or worker step
  // they serve (one snapshot throughout), else the holder's current one.
  d.config_ref = api::v2::ConfigRef(d.holder->Source());
  core::ConfigSource source = [ref = d.config_ref] { return ref.shared(); };
  d.clock = clock ? clock : &d.system_clock;
  if (d.config.storage.driver == "sqlite") {
    std::error_code ec;
    std::filesystem::create_directories(d.config.storage.data_dir, ec);
    auto lock = DataDirLock::Acquire(d.config.storage.data_dir);
    if (!lock) return tl::unexpected(lock.error());
    d.data_dir_lock = std::move(*lock);
  }
  auto store = OpenStore(d.config, source);
  if (!store) return tl::unexpected(store.error());
  if (d.config.storage.driver == "postgres" && options.start_workers) {
    // Replicas on one database run one config (or are told to roll).
    auto joined = storage::ReplicaRegistry::Join(PostgresOptionsOf(d.config), d.config.source_sha256,
                                                 d.config.storage.allow_config_roll);
    if (!joined) return tl::unexpected(joined.error());
    d.replicas = std::move(*joined);
  }
  // Every committed change is told to the live-update streams (web UI).
  auto changes = std::make_shared<usecases::ChangeFeed>();
  d.store = std::make_unique<usecases::ChangeFeedStore>(std::move(*store), changes);
  if (d.config.storage.driver == "postgres") {
    d.relay = std::make_unique<ChangeRelay>(d.config.storage.postgres_dsn, "", changes);
  }
  api::v2::ApiContext ctx;
  ctx.config = d.config_ref;
  ctx.store = d.store.get();
  ctx.clock = d.clock;
  ctx.changes = changes;
  // Time-ordered ids keep the incidents table's unique index growing at its end.
  ctx.new_id = [] { return NewUuidV7(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()); };
  ctx.ready = [&d] { return d.ready.load() && !d.store->Failure(); };
  d.store->SetFailureHandler([&d](const std::string&) {
    d.ready = false;
    if (d.options.stop_on_storage_failure) ::kill(::getpid(), SIGTERM);
  });
  engine::OutboxOptions oo;
  oo.send_timeout = options.send_timeout;
  oo.retry.give_up_after = options.give_up_after;
  oo.idle_poll = options.outbox_idle_poll;
  d.outbox = std::make_unique<engine::OutboxWorker>(*d.store, source, *d.clock, oo);
  d.reminders = std::make_unique<engine::ReminderWorker>(*d.store, source);
  d.notices = std::make_unique<usecases::ScheduledNotices>(*d.store, source, *d.clock);
  auto oncall = OnCallDirectory::Create(d.holder->Get(), *d.store);
  if (!oncall) return tl::unexpected(oncall.error());
  d.oncall = std::move(*oncall);
  OnCallDirectory* dir = d.oncall.get();
  const Clock* clk = d.clock;
  d.escalation = std::make_unique<engine::EscalationWorker>(*d.store, source, [dir] { return dir->Get(); });
  ctx.directory = [dir] { return dir->Get(); };
  d.escalation->SetKeepGoing([&d] { return !d.stop_requested.load(); });
  d.reminders->SetKeepGoing([&d] { return !d.stop_requested.load(); });
  ctx.add_override = [dir, clk](const std::string& schedule, const core::schedule::Override& o, const core::Actor& actor) {
    return dir->AddOverride(schedule, o, actor, clk->Now(), NewUuidV4());
  };
  ctx.remove_override = [dir, clk](const std::string& schedule, const std::string& id, const core::Actor& actor) {
    return dir->RemoveOverride(schedule, id, actor, clk->Now());
  };
  ctx.route_dry_run = [&d](const std::string& alert_source, const std::string& body) {
    auto snapshot = d.config_ref.shared();  // the request's snapshot (a reload may have swapped it)
    return RouteDryRun(*snapshot, alert_source, body, d.clock->Now());
  };
  ctx.config_replay = [&d](const std::string& yaml, const std::string& since, const std::string& format) {
    auto snapshot = d.config_ref.shared();
    return ReplayCandidate(*snapshot, *d.store, yaml, "candidate", since, format, d.clock->Now());
  };
  // A request that queued deliveries or opened an incident wakes the outbox
  // and nudges the engine, so an escalation tier due at once (a policy's
  // first tier) pages now rather than at the next tick. The engine thread
  // runs the scan, never the request, and keeps its ~10 % budget (below).
  ctx.wake_outbox = [&d] {
    if (!d.options.start_workers) return;
    d.outbox->Wake();
    {
      std::lock_guard lock(d.reminder_mu);
      d.engine_nudged = true;
    }
    d.reminder_cv.notify_one();
  };
  ctx.incidents_opened = [&d](std::vector<std::string> ids) {
    if (!d.options.start_workers) return;
    {
      std::lock_guard lock(d.reminder_mu);
      // Bounded: past this, the next whole step (run early) picks them up.
      if (d.opened.size() + ids.size() > kMaxOpenedAtOnce) {
        d.engine_nudged = true;
      } else {
        d.opened.insert(d.opened.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
      }
    }
    d.reminder_cv.notify_one();
  };
  ConfigReloader::Parts rp;
  rp.path = options.config_path;
  rp.holder = d.holder.get();
  rp.oncall = d.oncall.get();
  rp.store = d.store.get();
  rp.clock = d.clock;
  rp.before_swap = options.before_reload_swap;
  d.reloader = std::make_unique<ConfigReloader>(std::move(rp));
  ConfigReloader* reloader = d.reloader.get();
  ctx.reload = [reloader](const std::string& who) { return reloader->Reload(who); };
  d.api = std::make_unique<api::v2::ApiV2>(std::move(ctx));
  auto hp = http::SplitHostPort(d.config.server.listen);
  if (!hp) return tl::unexpected(hp.error());
  http::ServerOptions so;
  so.host = hp->first;
  so.port = hp->second;
  so.max_body_bytes = d.config.server.max_body_bytes;
  so.max_header_bytes = d.config.server.max_header_bytes;
  so.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d.config.server.read_timeout);
  so.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d.config.server.idle_timeout);
  so.max_connections = static_cast<std::size_t>(d.config.server.max_connections);
  so.io_threads = d.config.server.io_threads;
  so.worker_threads = d.config.server.worker_threads;
  so.tls_cert_file = d.config.server.tls_cert_file;
  so.tls_key_file = d.config.server.tls_key_file;
  api::v2::ApiV2* api = d.api.get();
  d.server = std::make_unique<http::Server>(so, [api](const http::Request& r) { return api->Handle(r); });
  return app;
}

Result<void> App::Start() {
  auto& d = *impl_;
  if (auto ok = d.server->Start(); !ok) return ok;
  if (d.options.start_workers) {
    // Overdue escalation tiers and reminders fire before the server says it
    // is ready, so /readyz means "caught up after a restart".
    TimePoint at_start = d.clock->Now();
    {
      api::v2::ConfigRef::Pin pin(d.config_ref);
      d.escalation->RunOnce(at_start);
      d.reminders->RunOnce(at_start);
      d.notices->RunOnce();  // a review missed while stopped goes now
    }
    d.outbox->Start();
    // The engine: escalation tiers and reminders fire from stored due times,
    // checked every second and whenever a request queues something.
    d.reminder_thread = std::thread([&d] {
      NameThisThread("tocsin-engine");
      std::unique_lock lock(d.reminder_mu);
      while (!d.stopping) {
        d.engine_nudged = false;  // this step sees what was committed before it; later nudges run the next one
        lock.unlock();
        const auto cpu_before = ThreadCpuTime();
        TimePoint now = d.clock->Now();
        int changed = 0;
        {
          api::v2::ConfigRef::Pin pin(d.config_ref);  // one config snapshot per engine step
          changed = d.escalation->RunOnce(now) + d.reminders->RunOnce(now) + d.notices->RunOnce();
        }
        if (changed > 0) d.outbox->Wake();
        if (d.replicas) d.replicas->Beat(d.holder->Get()->source_sha256);  // a reload shows at once
        // A tick every second (engine_tick), but never more than ~10 % of a core: with very
        // many open incidents the scan itself slows the tick down. A nudge
        // from a request runs the step early, still at most one step per
        // nine times its own cost (and 2 ms), so bursts of alerts coalesce.
        // The cost is this thread's CPU time, not the step's wall time: a
        // step that waited (on a row lock, a database restarting) must not
        // hold the next tiers back nine times as long.
        auto took = ThreadCpuTime() - cpu_before;
        auto pause = std::max<std::chrono::steady_clock::duration>(d.options.engine_tick, took * 9);
        auto gap = std::min<std::chrono::steady_clock::duration>(
            pause, std::max<std::chrono::steady_clock::duration>(d.options.engine_min_gap, took * 9));
        auto gap_ends = std::chrono::steady_clock::now() + gap;
        auto pause_ends = gap_ends + (pause - gap);
        lock.lock();
        // While waiting, incidents alerts open get their first tier at once:
        // a step over those incidents alone, whose cost follows the alerts,
        // so it needs no budget wait (the store's row lock makes replicas
        // racing for one tier fire it once).
        auto run_opened = [&] {
          std::vector<std::string> ids;
          ids.swap(d.opened);
          lock.unlock();
          int advanced = 0;
          {
            api::v2::ConfigRef::Pin pin(d.config_ref);
            advanced = d.escalation->RunFor(ids, d.clock->Now());
          }
          if (advanced > 0) d.outbox->Wake();
          lock.lock();
        };
        while (!d.stopping) {
          d.reminder_cv.wait_until(lock, gap_ends, [&d] { return d.stopping || !d.opened.empty(); });
          if (d.stopping || d.opened.empty()) break;
          run_opened();
        }
        while (!d.stopping) {
          d.reminder_cv.wait_until(lock, pause_ends,
                                   [&d] { return d.stopping || d.engine_nudged || !d.opened.empty(); });
          if (d.stopping || d.opened.empty()) break;
          run_opened();
        }
        // The whole step below sees every incident committed so far.
        d.opened.clear();
      }
    });
  }
  d.ready = true;
  return {};
}

int App::RunWorkersOnce(TimePoint now) {
  api::v2::ConfigRef::Pin pin(impl_->config_ref);
  impl_->escalation->RunOnce(now);
  impl_->reminders->RunOnce(now);
  impl_->notices->RunOnce();
  return impl_->outbox->RunOnce(now);
}

api::v2::ReloadAnswer App::Reload(const std::string& who) { return impl_->reloader->Reload(who); }

int App::port() const { return impl_->server->port(); }
std::size_t App::peak_connections() const { return impl_->server->stats().peak_open; }

void App::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->ready = false;
  impl_->stop_requested = true;
  if (impl_->server) impl_->server->Stop();
  {
    std::lock_guard lock(impl_->reminder_mu);
    impl_->stopping = true;
  }
  impl_->reminder_cv.notify_all();
  if (impl_->reminder_thread.joinable()) impl_->reminder_thread.join();
  if (impl_->outbox) impl_->outbox->Stop();
  if (impl_->replicas) impl_->replicas->Leave();
  if (impl_->store) impl_->store->Close();
  impl_->data_dir_lock.reset();  // after the last write: a restore may now replace the database
}

core::Store& App::store() { return *impl_->store; }
std::shared_ptr<const core::Config> App::config() const { return impl_->holder->Get(); }

Result<NewKey> CreateKey(core::Store& store, const std::string& name, const std::string& user_handle,
                         const std::string& kind, TimePoint now, const std::string& scope) {
  if (name.empty()) return InvalidArgument("--name: must not be empty");
  if (kind != "api" && kind != "ingest") return InvalidArgument("--kind: must be 'api' or 'ingest', got '" + kind + "'");
  if (scope != "read" && scope != "write" && scope != "admin") {
    return InvalidArgument("--scope: must be 'read', 'write' or 'admin', got '" + scope + "'");
  }
  NewKey k;
  // Datadog's shapes: 32 hex characters for API keys, 40 for application keys.
  k.api_key = RandomHex(16);
  if (kind == "api") k.app_key = RandomHex(20);
  k.record.id = NewUuidV4();
  k.record.name = name;
  k.record.kind = kind;
  k.record.api_key_hash = Sha256Hex(k.api_key);
  k.record.app_key_hash = k.app_key.empty() ? "" : Sha256Hex(k.app_key);
  k.record.user_handle = user_handle;
  k.record.hint = k.api_key.substr(k.api_key.size() - 4);
  k.record.created = now;
  k.record.scope = kind == "api" ? scope : "write";  // an ingestion key only ever sends alerts
  if (auto ok = store.CreateKey(k.record); !ok) return tl::unexpected(ok.error());
  return k;
}

}  // namespace tocsin::app
