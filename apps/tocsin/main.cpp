// tocsin: the command line. Parses arguments and calls app/; no logic lives here.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>
#include <cstdio>
#include <iostream>

#include <termios.h>
#include <unistd.h>

#include "app/app.hpp"
#include "app/backup.hpp"
#include "app/migrate_storage.hpp"
#include "app/file_limit.hpp"
#include "app/route.hpp"
#include "app/users.hpp"
#include "app/try_notify.hpp"
#include "app/oncall.hpp"
#include "app/remote.hpp"
#include "app/validate.hpp"
#include "notify/transport.hpp"
#include "notify/notifier.hpp"
#include "common/log.hpp"
#include "app/reload.hpp"
#include "app/replay.hpp"
#include "config/config_diff.hpp"

namespace {

using tocsin::core::Config;

// Loads and validates the config; prints every problem as file:line:column.
std::optional<Config> LoadOrExplain(const std::string& path) {
  auto loaded = tocsin::app::CheckConfigFile(path);
  const auto& problems = loaded.problems;
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << p << "\n";
    std::cerr << path << ": " << problems.size() << " problem(s); fix them and try again\n";
    return std::nullopt;
  }
  return std::move(loaded.config);
}

int Fail(const std::string& message) {
  std::cerr << "tocsin: " << message << "\n";
  return 1;
}

int Serve(const std::string& config_path, const std::string& data_dir, const std::string& listen,
          const std::string& log_format, const std::string& clock_start, bool roll) {
  auto config = LoadOrExplain(config_path);
  if (!config) return 2;
  if (roll) config->storage.allow_config_roll = true;
  if (!data_dir.empty()) config->storage.data_dir = data_dir;
  if (!listen.empty()) config->server.listen = listen;
  if (!log_format.empty()) config->server.log_format = log_format;
  tocsin::log::Configure(config->server.log_format, config->server.log_level);
  // Every connection is a descriptor: let server.max_connections, not the
  // usual soft limit of 1,024, decide how many clients are served. If the
  // limit cannot cover them plus the database and outgoing notifications,
  // fewer connections are allowed: idle clients must not starve the commits
  // and deliveries of descriptors.
  constexpr std::uint64_t kReserved = 256;
  std::uint64_t open_files = tocsin::app::RaiseOpenFileLimit();
  auto wanted = static_cast<std::uint64_t>(config->server.max_connections) + kReserved;
  if (open_files < wanted) {
    int fitted = static_cast<int>(std::max<std::uint64_t>(open_files, kReserved + 16) - kReserved);
    tocsin::log::Warn("the open-file limit is too low for server.max_connections; allowing fewer connections "
                      "(raise the hard limit: ulimit -Hn, systemd LimitNOFILE=)",
                      {{"open_file_limit", std::to_string(open_files)},
                       {"max_connections", std::to_string(config->server.max_connections)},
                       {"allowed", std::to_string(fitted)}});
    config->server.max_connections = fitted;
  }

  // Block the stop and reload signals in every thread; the main thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<tocsin::Clock> clock;
  if (!clock_start.empty()) {
    auto start = tocsin::ParseRfc3339(clock_start);
    if (!start) return Fail("--clock-start: '" + clock_start + "' is not an RFC 3339 time");
    clock = std::make_unique<tocsin::OffsetClock>(*start - tocsin::SystemClock().Now());
  }
  tocsin::app::AppOptions app_options;
  app_options.stop_on_storage_failure = true;
  app_options.config_path = config_path;
  auto app = tocsin::app::App::Create(*config, clock.get(), app_options);
  if (!app) return Fail(app.error().message);
  if (auto ok = (*app)->Start(); !ok) return Fail(ok.error().message);
  std::string host = config->server.listen.substr(0, config->server.listen.rfind(':'));
  tocsin::log::Info("tocsin listening", {{"address", std::string(config->server.tls_cert_file.empty() ? "http://" : "https://") + host + ":" + std::to_string((*app)->port())},
                                         {"data_dir", config->storage.data_dir},
                                         {"storage", config->storage.driver}});
  int sig = 0;
  // SIGHUP reloads the config file (refused with its problems logged when
  // invalid); SIGINT and SIGTERM stop.
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) (*app)->Reload("SIGHUP");
  tocsin::log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*app)->Stop();
  if (auto failure = (*app)->store().Failure()) {
    tocsin::log::Error("stopped after a storage failure; restart to recover from disk", {{"error", *failure}});
    return 1;
  }
  tocsin::log::Info("stopped");
  return 0;
}

int CheckConfig(const std::string& path) {
  auto loaded = tocsin::app::CheckConfigFile(path);
  const auto& problems = loaded.problems;
  for (const auto& p : problems) std::cout << p << "\n";
  // Notes point things out without failing the config.
  for (const auto& n : loaded.notes) std::cout << n << "\n";
  if (!problems.empty()) {
    std::cout << path << ": " << problems.size() << " problem(s)\n";
    return 1;
  }
  const auto& c = loaded.config;
  std::cout << path << ": ok (" << c.severities.size() << " severities, " << c.teams.size() << " teams, "
            << c.users.size() << " users, " << c.rules.size() << " rules, " << c.templates.size() << " templates, "
            << c.types.size() << " types, " << c.checklists.size() << " checklists, " << c.channels.size()
            << " channels)\n";
  return 0;
}

std::unique_ptr<tocsin::core::Store> OpenForCli(const std::string& config_path, const std::string& data_dir) {
  auto config = LoadOrExplain(config_path);
  if (!config) return nullptr;
  if (!data_dir.empty()) config->storage.data_dir = data_dir;
  auto store = tocsin::app::OpenStore(*config);
  if (!store) {
    Fail(store.error().message);
    return nullptr;
  }
  return std::move(*store);
}

tocsin::TimePoint Now() { return tocsin::SystemClock().Now(); }

// One line from stdin; on a terminal, prompted for with echo off.
std::optional<std::string> ReadSecretLine(const std::string& prompt) {
  bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"tocsin — self-hosted incident management"};
  cli.require_subcommand(1);

  std::string config_path, data_dir, listen, log_format;
  auto* serve = cli.add_subcommand("serve", "Run the server");
  serve->add_option("--config,-c", config_path, "Configuration file (YAML)")->required();
  serve->add_option("--data", data_dir, "Data directory (overrides storage.data_dir)");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (overrides server.listen; port 0 = any)");
  serve->add_option("--log-format", log_format, "text or json (overrides server.log_format)")
      ->check(CLI::IsMember({"text", "json"}));
  std::string clock_start;
  // For process-level tests of timers (escalation across a restart): the
  // server's clock starts at this time and runs on from there.
  serve->add_option("--clock-start", clock_start)->group("");
  bool roll = false;
  serve->add_flag("--roll", roll,
                  "PostgreSQL replicas: start although live replicas run another config file (a rolling change; "
                  "as storage.allow_config_roll)");

  std::string check_path;
  auto* check = cli.add_subcommand("check-config", "Validate a configuration file; lists every problem");
  check->add_option("file", check_path, "Configuration file")->required();

  auto* keys = cli.add_subcommand("keys", "Manage API and ingestion keys");
  keys->require_subcommand(1);
  std::string key_name, key_user, key_kind = "api", key_scope = "write", revoke_id;
  bool as_json = false;
  auto* create = keys->add_subcommand("create", "Create a key; prints its secrets once");
  create->add_option("--config,-c", config_path, "Configuration file")->required();
  create->add_option("--data", data_dir, "Data directory");
  create->add_option("--name", key_name, "A name for the key")->required();
  create->add_option("--user", key_user, "Handle of the user the key acts as (default: the key name)");
  create->add_option("--kind", key_kind, "api (DD-API-KEY + DD-APPLICATION-KEY) or ingest")
      ->check(CLI::IsMember({"api", "ingest"}));
  create->add_option("--scope", key_scope,
                     "api keys: read (GET only), write (work incidents; default) or admin (also overrides, reload)")
      ->check(CLI::IsMember({"read", "write", "admin"}));
  create->add_flag("--json", as_json, "Print a JSON object");
  auto* list = keys->add_subcommand("list", "List keys (never their secrets)");
  list->add_option("--config,-c", config_path, "Configuration file")->required();
  list->add_option("--data", data_dir, "Data directory");
  list->add_flag("--json", as_json, "Print JSON");
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key by id or name; takes effect at once");
  revoke->add_option("--config,-c", config_path, "Configuration file")->required();
  revoke->add_option("--data", data_dir, "Data directory");
  revoke->add_option("key", revoke_id, "Key id or name")->required();

  auto* users = cli.add_subcommand("users", "People's web UI sign-in");
  users->require_subcommand(1);
  std::string password_handle;
  auto* set_password = users->add_subcommand(
      "set-password", "Set a user's web UI password (read from stdin, or prompted for on a terminal)");
  set_password->add_option("--config,-c", config_path, "Configuration file")->required();
  set_password->add_option("--data", data_dir, "Data directory");
  set_password->add_option("handle", password_handle, "The user's handle (alice or @alice)")->required();

  std::string route_file, route_format = "auto";
  auto* route = cli.add_subcommand("route", "Dry-run the rules for one alert payload (no server needed)");
  route->add_option("--config,-c", config_path, "Configuration file")->required();
  route->add_option("--format", route_format, "auto, datadog, alertmanager, prometheus or generic")
      ->check(CLI::IsMember({"auto", "datadog", "alertmanager", "prometheus", "generic"}));
  route->add_option("alert", route_file, "Alert payload (JSON file, - for stdin)")->required();

  auto* notify_cmd = cli.add_subcommand("notify", "Notification channels");
  notify_cmd->require_subcommand(1);
  std::string test_channel, test_user;
  auto* notify_test = notify_cmd->add_subcommand(
      "test", "Send a test notification to a channel, or through each of a person's contact methods, now");
  notify_test->add_option("--config,-c", config_path, "Configuration file")->required();
  auto* channel_opt = notify_test->add_option("channel", test_channel, "Channel name");
  auto* user_opt = notify_test->add_option("--user", test_user, "A user handle: test their contact_methods, in order");
  channel_opt->excludes(user_opt);

  std::string oncall_team, oncall_at;
  auto* oncall = cli.add_subcommand("oncall", "Who is on call for a team, now or at a time");
  oncall->add_option("--config,-c", config_path, "Configuration file")->required();
  oncall->add_option("--data", data_dir, "Data directory (for overrides made through the API)");
  oncall->add_option("team", oncall_team, "Team id or on-call handle (security, @security-oncall)")->required();
  oncall->add_option("--at", oncall_at, "RFC 3339 time (default: now)");

  std::string ack_id, server_url = "http://127.0.0.1:8080";
  auto* ack = cli.add_subcommand("ack", "Acknowledge an incident on a running server (keys from DD_API_KEY, DD_APP_KEY)");
  ack->add_option("incident", ack_id, "Incident id (UUID)")->required();
  ack->add_option("--url", server_url, "Server base URL");

  std::string pm_incident, pm_format = "markdown";
  auto* postmortem = cli.add_subcommand(
      "postmortem", "Print an incident's post-mortem from a running server (keys from DD_API_KEY, DD_APP_KEY)");
  postmortem->add_option("incident", pm_incident, "Incident id (UUID) or public id (IR-42)")->required();
  postmortem->add_option("--format", pm_format, "markdown (default) or json");
  postmortem->add_option("--url", server_url, "Server base URL");

  std::string backup_out, backup_in;
  auto* backup = cli.add_subcommand(
      "backup", "Copy the data directory's database to a file, consistently, while the server runs");
  backup->add_option("--config,-c", config_path, "Configuration file (for storage.data_dir)");
  backup->add_option("--data", data_dir, "Data directory (overrides the config's)");
  backup->add_option("out", backup_out, "The backup file to write (must not exist)")->required();
  auto* restore = cli.add_subcommand(
      "restore", "Make a backup the data directory's database (the server must be stopped)");
  restore->add_option("--config,-c", config_path, "Configuration file (for storage.data_dir)");
  restore->add_option("--data", data_dir, "Data directory (overrides the config's)");
  restore->add_option("backup", backup_in, "A file written by tocsin backup")->required();

  auto* reload = cli.add_subcommand(
      "reload", "Reload a running server's config file (keys from DD_API_KEY, DD_APP_KEY); same as SIGHUP");
  reload->add_option("--url", server_url, "Server base URL");

  std::string diff_old, diff_new, diff_format = "text";
  auto* diff_config = cli.add_subcommand(
      "diff-config", "What differs between two config files: entries added, removed or changed, and which fields");
  diff_config->add_option("old", diff_old, "The config file in force")->required();
  diff_config->add_option("new", diff_new, "The proposed config file")->required();
  diff_config->add_option("--format", diff_format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));

  std::string report_week, report_format = "markdown";
  auto* report_cmd = cli.add_subcommand("report", "Print a report from a running server (keys from DD_API_KEY, DD_APP_KEY)");
  report_cmd->require_subcommand(1);
  auto* report_weekly = report_cmd->add_subcommand("weekly", "The weekly incident review");
  report_weekly->add_option("--week", report_week, "ISO week, e.g. 2026-W48 (default: the last full week)");
  report_weekly->add_option("--format", report_format, "markdown (default), html or json");
  report_weekly->add_option("--url", server_url, "Server base URL");

  auto* migrate = cli.add_subcommand(
      "migrate", "Bring the storage schema up to date and exit (PostgreSQL: under a lock replicas share)");
  migrate->add_option("--config,-c", config_path, "Configuration file (for storage)")->required();
  migrate->add_option("--data", data_dir, "Data directory (overrides storage.data_dir, sqlite)");

  std::string move_from, move_to;
  auto* migrate_storage = cli.add_subcommand(
      "migrate-storage",
      "Copy everything from one storage to another, empty one, and verify it (servers on both stopped)");
  migrate_storage->add_option("--from", move_from, "sqlite:DATA_DIR or postgres://user@host/database")->required();
  migrate_storage->add_option("--to", move_to, "sqlite:DATA_DIR or postgres://user@host/database (must be empty)")
      ->required();

  std::string replay_candidate, replay_current, replay_since = "30d", replay_format = "text", replay_api_key,
      replay_app_key;
  auto* replay = cli.add_subcommand(
      "replay", "Replay the recorded alerts through a candidate config and report what would have differed");
  replay->add_option("--config,-c", replay_candidate, "The candidate config file (YAML)")->required();
  replay->add_option("--since", replay_since, "How far back: 30d (default), 12h, 2w or an RFC 3339 time");
  replay->add_option("--format", replay_format, "text (default), markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}));
  auto* replay_data = replay->add_option("--data", data_dir, "Offline: the data directory to read the history from");
  replay->add_option("--current", replay_current, "With --data: the config file in force (the history's)");
  auto* replay_url = replay->add_option("--url", server_url, "A running server's base URL");
  replay->add_option("--key", replay_api_key, "With --url: the API key (default: DD_API_KEY)");
  replay->add_option("--app-key", replay_app_key, "With --url: the application key (default: DD_APP_KEY)");
  replay_data->excludes(replay_url);

  auto* version = cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);

  if (*version) {
    std::cout << "tocsin 0.1.0\n";
    return 0;
  }
  if (*serve) return Serve(config_path, data_dir, listen, log_format, clock_start, roll);
  if (*check) return CheckConfig(check_path);
  if (*migrate) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    if (!data_dir.empty()) config->storage.data_dir = data_dir;
    auto done = tocsin::app::MigrateStorage(*config);
    if (!done) return Fail(done.error().message);
    std::cout << *done << "\n";
    return 0;
  }
  if (*migrate_storage) {
    auto report = tocsin::app::MigrateStorageBetween(move_from, move_to);
    if (!report) return Fail(report.error().message);
    std::cout << tocsin::storage::DescribeTransfer(*report);
    return report->Verified() ? 0 : 1;
  }
  if (*backup || *restore) {
    std::string dir = data_dir;
    if (dir.empty()) {
      if (config_path.empty()) return Fail("give --data DIR or --config FILE (its storage.data_dir)");
      auto config = LoadOrExplain(config_path);
      if (!config) return 2;
      if (config->storage.driver != "sqlite") return Fail("backup and restore are for storage.driver sqlite");
      dir = config->storage.data_dir;
    }
    if (*backup) {
      auto summary = tocsin::app::BackupDataDir(dir, backup_out);
      if (!summary) return Fail(summary.error().message);
      std::cout << "Backed up " << tocsin::app::DatabasePath(dir) << " to " << backup_out << ": "
                << tocsin::app::DescribeBackup(*summary) << "\n";
      return 0;
    }
    auto outcome = tocsin::app::RestoreDataDir(backup_in, dir, Now());
    if (!outcome) return Fail(outcome.error().message);
    std::cout << "Restored " << backup_in << " into " << dir << ": " << tocsin::app::DescribeBackup(outcome->restored)
              << "\n";
    if (!outcome->replaced.empty()) std::cout << "The database it replaced is kept at " << outcome->replaced << "\n";
    return 0;
  }
  if (*set_password) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    if (!data_dir.empty()) config->storage.data_dir = data_dir;
    auto password = ReadSecretLine("Password for " + password_handle + ": ");
    if (!password) return Fail("no password given on stdin");
    if (::isatty(STDIN_FILENO)) {
      auto again = ReadSecretLine("Again: ");
      if (!again || *again != *password) return Fail("the two passwords differ; nothing was changed");
    }
    auto store = tocsin::app::OpenStore(*config);
    if (!store) return Fail(store.error().message);
    auto ok = tocsin::app::SetPassword(*config, **store, password_handle, *password, Now());
    (*store)->Close();
    if (!ok) return Fail(ok.error().message);
    std::cout << "Password set for " << password_handle << "; sign in at " << config->server.public_url << "/sign-in\n";
    return 0;
  }
  if (*oncall) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    if (!data_dir.empty()) config->storage.data_dir = data_dir;
    tocsin::TimePoint at = Now();
    if (!oncall_at.empty()) {
      auto t = tocsin::ParseRfc3339(oncall_at);
      if (!t) return Fail("--at: '" + oncall_at + "' is not an RFC 3339 time, e.g. 2026-11-29T03:00:00+01:00");
      at = *t;
    }
    auto store = tocsin::app::OpenStore(*config);
    if (!store) return Fail(store.error().message);
    auto text = tocsin::app::DescribeOnCall(*config, **store, oncall_team, at);
    (*store)->Close();
    if (!text) return Fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  if (*ack) {
    const char* api = std::getenv("DD_API_KEY");
    const char* app = std::getenv("DD_APP_KEY");
    if (!api || !app) return Fail("set DD_API_KEY and DD_APP_KEY");
    tocsin::notify::HttpRequest req{server_url + "/api/v2/incidents/" + ack_id + "/acknowledge",
                                    {{"DD-API-KEY", api}, {"DD-APPLICATION-KEY", app}, {"Content-Type", "application/json"}},
                                    "{}"};
    auto answer = tocsin::notify::Post(req, std::chrono::seconds(10));
    if (answer.status == 200) {
      std::cout << "acknowledged " << ack_id << "\n";
      return 0;
    }
    return Fail(answer.status ? "HTTP " + std::to_string(answer.status) + ": " + answer.body : answer.transport_error);
  }
  if (*report_weekly) {
    const char* api = std::getenv("DD_API_KEY");
    const char* app = std::getenv("DD_APP_KEY");
    if (!api || !app) return Fail("set DD_API_KEY and DD_APP_KEY");
    auto text = tocsin::app::FetchWeeklyReport({server_url, api, app}, report_week, report_format);
    if (!text) return Fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  if (*postmortem) {
    const char* api = std::getenv("DD_API_KEY");
    const char* app = std::getenv("DD_APP_KEY");
    if (!api || !app) return Fail("set DD_API_KEY and DD_APP_KEY");
    auto text = tocsin::app::FetchPostmortem({server_url, api, app}, pm_incident, pm_format);
    if (!text) return Fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  if (*reload) {
    const char* api = std::getenv("DD_API_KEY");
    const char* app = std::getenv("DD_APP_KEY");
    if (!api || !app) return Fail("set DD_API_KEY and DD_APP_KEY");
    auto text = tocsin::app::RequestReload({server_url, api, app});
    if (!text) return Fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  if (*replay) {
    std::ifstream in(replay_candidate, std::ios::binary);
    if (!in) return Fail("cannot read " + replay_candidate);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return Fail("cannot read " + replay_candidate);
    tocsin::Result<std::string> report = tocsin::InvalidArgument("");
    if (replay_url->count() > 0) {
      const char* api = std::getenv("DD_API_KEY");
      const char* app = std::getenv("DD_APP_KEY");
      if (replay_api_key.empty() && api) replay_api_key = api;
      if (replay_app_key.empty() && app) replay_app_key = app;
      if (replay_api_key.empty() || replay_app_key.empty()) return Fail("give --key and --app-key (or set DD_API_KEY and DD_APP_KEY)");
      report = tocsin::app::RequestReplay({server_url, replay_api_key, replay_app_key}, text, replay_since, replay_format);
    } else {
      if (replay_data->count() == 0 || replay_current.empty()) {
        return Fail("give --data DIR with --current FILE (the config in force), or --url URL of a running server");
      }
      auto current = LoadOrExplain(replay_current);
      if (!current) return 2;
      current->storage.data_dir = data_dir;
      auto store = tocsin::app::OpenStore(*current);
      if (!store) return Fail(store.error().message);
      report = tocsin::app::ReplayCandidate(*current, **store, text, replay_candidate, replay_since, replay_format, Now());
      (*store)->Close();
    }
    if (!report) return Fail(report.error().message);
    std::cout << *report;
    return 0;
  }
  if (*diff_config) {
    std::string texts[2];
    const std::string* paths[2] = {&diff_old, &diff_new};
    for (int k = 0; k < 2; ++k) {
      std::ifstream in(*paths[k], std::ios::binary);
      if (!in) return Fail("cannot read " + *paths[k]);
      texts[k].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto diff = tocsin::config::DiffConfigText(texts[0], texts[1], diff_old, diff_new);
    if (!diff) return Fail(diff.error().message);
    std::cout << (diff_format == "json" ? tocsin::config::DiffJson(*diff) : tocsin::config::DiffText(*diff));
    return 0;
  }
  if (*notify_test) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    if (!test_user.empty()) {
      auto tries = tocsin::app::TryContactMethods(*config, test_user, Now());
      if (!tries) return Fail(tries.error().message);
      bool all = true;
      for (const auto& t : *tries) {
        bool ok = t.outcome.kind == tocsin::core::AttemptOutcome::Kind::kDelivered;
        all = all && ok;
        std::cout << (ok ? "delivered" : "NOT delivered") << " to " << t.what << ": " << t.outcome.detail << "\n";
      }
      return all ? 0 : 1;
    }
    if (test_channel.empty()) return Fail("notify test: give a channel name or --user HANDLE");
    const tocsin::core::Channel* channel = nullptr;
    for (const auto& c : config->channels) {
      if (c.name == test_channel) channel = &c;
    }
    if (!channel) return Fail("no channel named '" + test_channel + "' in " + config_path);
    tocsin::core::Delivery d;
    d.kind = "test";
    d.channel = test_channel;
    d.created = d.next_attempt_at = Now();
    tocsin::notify::SendContext ctx;
    ctx.config = &*config;
    ctx.public_url = config->server.public_url;
    auto outcome = tocsin::notify::Send(*channel, d, nullptr, ctx);
    bool ok = outcome.kind == tocsin::core::AttemptOutcome::Kind::kDelivered;
    std::cout << (ok ? "delivered" : "NOT delivered") << " to " << test_channel << " (" << channel->type
              << "): " << outcome.detail << "\n";
    return ok ? 0 : 1;
  }
  if (*route) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    std::string body;
    if (route_file == "-") {
      body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(route_file);
      if (!in) return Fail("cannot read " + route_file);
      body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto report = tocsin::app::RouteDryRun(*config, route_format, body, Now());
    if (!report) return Fail(report.error().message);
    std::cout << *report;
    return 0;
  }
  if (*create) {
    auto config = LoadOrExplain(config_path);
    if (!config) return 2;
    std::string user = key_user.empty() ? key_name : key_user;
    if (!user.empty() && user[0] == '@') user = user.substr(1);
    if (!key_user.empty() && !config->FindUser(user)) {
      return Fail("--user: no user with handle '" + user + "' in " + config_path);
    }
    auto store = OpenForCli(config_path, data_dir);
    if (!store) return 1;
    auto key = tocsin::app::CreateKey(*store, key_name, user, key_kind, Now(), key_scope);
    store->Close();
    if (!key) return Fail(key.error().message);
    if (as_json) {
      nlohmann::json out{{"id", key->record.id}, {"name", key_name}, {"kind", key_kind}, {"user", user},
                         {"api_key", key->api_key}};
      if (key_kind == "api") {
        out["application_key"] = key->app_key;
        out["scope"] = key->record.scope;
      }
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "Created " << key_kind << " key '" << key_name << "' (id " << key->record.id << ") for @" << user;
      if (key_kind == "api") std::cout << ", scope " << key->record.scope;
      std::cout << ".\nStore these now; they are not shown again.\n";
      std::cout << (key_kind == "api" ? "DD-API-KEY:         " : "Ingestion key:      ") << key->api_key << "\n";
      if (key_kind == "api") std::cout << "DD-APPLICATION-KEY: " << key->app_key << "\n";
    }
    return 0;
  }
  if (*list) {
    auto store = OpenForCli(config_path, data_dir);
    if (!store) return 1;
    auto keys_list = store->ListKeys();
    store->Close();
    if (!keys_list) return Fail(keys_list.error().message);
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& k : *keys_list) {
      if (as_json) {
        arr.push_back({{"id", k.id}, {"name", k.name}, {"kind", k.kind}, {"scope", k.scope}, {"user", k.user_handle},
                       {"hint", "..." + k.hint}, {"created", tocsin::FormatRfc3339(k.created)},
                       {"revoked", k.revoked ? nlohmann::json(tocsin::FormatRfc3339(*k.revoked)) : nlohmann::json()}});
      } else {
        std::printf("%-36s  %-20s  %-6s  %-5s  @%-16s  ...%s  %s\n", k.id.c_str(), k.name.c_str(), k.kind.c_str(),
                    k.kind == "api" ? k.scope.c_str() : "-", k.user_handle.c_str(), k.hint.c_str(),
                    k.revoked ? "revoked" : "live");
      }
    }
    if (as_json) std::cout << arr.dump(2) << "\n";
    return 0;
  }
  if (*revoke) {
    auto store = OpenForCli(config_path, data_dir);
    if (!store) return 1;
    auto ok = store->RevokeKey(revoke_id, Now());
    store->Close();
    if (!ok) return Fail(ok.error().message);
    std::cout << "Revoked " << revoke_id << "\n";
    return 0;
  }
  return 0;
}
