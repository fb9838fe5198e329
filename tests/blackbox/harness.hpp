#pragma once
// TestServer: the whole Tocsin server in-process on 127.0.0.1:0, configured
// from the v-commerce example, with a temporary data directory, a fake clock
// and one API key pair. Black-box tests talk to it only over HTTP.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "app/app.hpp"
#include "blackbox/http_client.hpp"
#include "common/clock.hpp"
#include "core/config/config.hpp"

namespace tocsin::testing {

using nlohmann::json;

struct TestServerOptions {
  std::string driver = "sqlite";
  std::function<void(core::Config&)> tweak;  // adjust the config before start
  std::filesystem::path data_dir;            // empty = a new temp dir
  // Run the background workers on the fake clock (default: the test drives
  // them with RunWorkersOnce), and the outbox worker's longest idle wait.
  bool start_workers = false;
  std::chrono::milliseconds outbox_idle_poll{1000};
  std::chrono::milliseconds engine_tick{1000};  // the engine's longest wait (AppOptions::engine_tick)
  std::chrono::milliseconds engine_min_gap{2};  // least pause between early whole steps (AppOptions::engine_min_gap)
  // Start from this YAML file instead of the example (and reload it on
  // App::Reload / POST /-/reload), and the reload's test hook.
  std::filesystem::path config_file;
  std::function<void()> before_reload_swap;
  // The example's Monday review (reports.weekly) is queued at every start;
  // tests that count deliveries would see it, so it is off unless asked for
  // (or set by `tweak`).
  bool scheduled_reports = false;
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  int port() const { return app_->port(); }
  FakeClock& clock() { return clock_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  app::App& app() { return *app_; }
  void Stop();

  // Authenticated JSON request with this server's key pair.
  HttpResult Call(const std::string& method, const std::string& target, const json& body = nullptr);
  HttpResult CallWith(const std::string& method, const std::string& target, const std::string& raw_body,
                      const std::map<std::string, std::string>& headers);
  // Creates an incident through the API; returns its data object.
  json CreateIncident(const std::string& title, const std::string& severity = "SEV-2");

  // POST an alert payload to an ingestion endpoint with this server's ingestion key.
  HttpResult Ingest(const std::string& path, const json& body);
  // The incidents, newest first (up to 100).
  json Incidents();
  json Timeline(const std::string& incident_id);

  std::string api_key, app_key, ingest_key;

 private:
  FakeClock clock_;
  std::filesystem::path data_dir_;
  bool owns_dir_ = false;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<HttpClient> client_;
};

core::Config ExampleConfig();
std::string ExampleConfigPath();
core::Config LoadConfig(const std::string& path);  // throws listing the problems
json ParseJson(const std::string& text);

}  // namespace tocsin::testing
