#include "blackbox/harness.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/random.hpp"
#include "config/config_loader.hpp"

namespace tocsin::testing {

core::Config ExampleConfig() { return LoadConfig(ExampleConfigPath()); }

std::string ExampleConfigPath() { return std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml"; }

core::Config LoadConfig(const std::string& path) {
  auto loaded = config::LoadConfigFile(path);
  if (!loaded.ok()) {
    std::string all;
    for (const auto& p : loaded.problems) all += p.ToString() + "\n";
    throw std::runtime_error(path + " does not load:\n" + all);
  }
  return loaded.config;
}

json ParseJson(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("not JSON: " + text);
  return j;
}

TestServer::TestServer(TestServerOptions options)
    : clock_(*ParseRfc3339("2026-11-27T10:00:00Z")) {
  data_dir_ = options.data_dir;
  if (data_dir_.empty()) {
    data_dir_ = std::filesystem::temp_directory_path() / ("tocsin-test-" + RandomHex(8));
    owns_dir_ = true;
  }
  core::Config config = options.config_file.empty() ? ExampleConfig() : LoadConfig(options.config_file.string());
  config.storage.driver = options.driver;
  config.storage.data_dir = data_dir_.string();
  config.server.listen = "127.0.0.1:0";
  config.server.worker_threads = 8;
  if (!options.scheduled_reports) config.reports.weekly.reset();
  if (options.tweak) options.tweak(config);
  app::AppOptions app_options;
  app_options.start_workers = options.start_workers;
  app_options.outbox_idle_poll = options.outbox_idle_poll;
  app_options.engine_tick = options.engine_tick;
  app_options.engine_min_gap = options.engine_min_gap;
  app_options.send_timeout = std::chrono::milliseconds(500);
  app_options.config_path = options.config_file.string();
  app_options.before_reload_swap = options.before_reload_swap;
  auto app = app::App::Create(config, &clock_, app_options);
  if (!app) throw std::runtime_error("cannot create app: " + app.error().message);
  app_ = std::move(*app);
  auto started = app_->Start();
  if (!started) throw std::runtime_error("cannot start: " + started.error().message);
  std::string user = config.users.empty() ? "tester" : config.users.front().handle;
  auto key = app::CreateKey(app_->store(), "test-" + RandomHex(4), user, "api", clock_.Now(), "admin");
  if (!key) throw std::runtime_error("cannot create key: " + key.error().message);
  api_key = key->api_key;
  app_key = key->app_key;
  auto ingest = app::CreateKey(app_->store(), "ingest-" + RandomHex(4), "monitoring", "ingest", clock_.Now());
  if (!ingest) throw std::runtime_error("cannot create ingest key: " + ingest.error().message);
  ingest_key = ingest->api_key;
  client_ = std::make_unique<HttpClient>(app_->port());
}

HttpResult TestServer::Ingest(const std::string& path, const json& body) {
  return client_->Request("POST", path, body.dump(), {{"Authorization", "Bearer " + ingest_key}});
}

json TestServer::Incidents() {
  auto r = Call("GET", "/api/v2/incidents?page[size]=100");
  if (r.status != 200) throw std::runtime_error("list failed: " + r.body);
  return ParseJson(r.body)["data"];
}

json TestServer::Timeline(const std::string& incident_id) {
  auto r = Call("GET", "/api/v2/incidents/" + incident_id + "/timeline?page[size]=1000");
  if (r.status != 200) throw std::runtime_error("timeline failed: " + r.body);
  return ParseJson(r.body)["data"];
}

TestServer::~TestServer() {
  Stop();
  if (owns_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

void TestServer::Stop() {
  client_.reset();
  if (app_) app_->Stop();
}

HttpResult TestServer::CallWith(const std::string& method, const std::string& target, const std::string& raw_body,
                                const std::map<std::string, std::string>& headers) {
  return client_->Request(method, target, raw_body, headers);
}

HttpResult TestServer::Call(const std::string& method, const std::string& target, const json& body) {
  return client_->Request(method, target, body.is_null() ? "" : body.dump(),
                          {{"DD-API-KEY", api_key}, {"DD-APPLICATION-KEY", app_key}});
}

json TestServer::CreateIncident(const std::string& title, const std::string& severity) {
  json body{{"data", {{"type", "incidents"}, {"attributes", {{"title", title}, {"severity", severity},
                                                            {"customer_impacted", false}}}}}};
  auto r = Call("POST", "/api/v2/incidents", body);
  if (r.status != 201) throw std::runtime_error("create failed: " + std::to_string(r.status) + " " + r.body);
  return ParseJson(r.body)["data"];
}

}  // namespace tocsin::testing
