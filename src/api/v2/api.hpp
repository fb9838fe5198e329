#pragma once
// ApiV2: the HTTP API — Datadog's Incidents API v2 (wire-compatible) plus
// Tocsin's own endpoints under /api/v2 and the health checks. It turns
// http::Requests into core calls and core results into JSON:API answers.
// Thread-safe: one instance serves all worker threads.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "core/config/config.hpp"
#include "core/escalation/escalation.hpp"
#include "core/ports/store.hpp"
#include "api/v2/config_ref.hpp"
#include "http/message.hpp"
#include "usecases/change_feed.hpp"

namespace tocsin::api::v2 {

// What a reload did (POST /-/reload); see app::ConfigReloader.
struct ReloadAnswer {
  enum class Kind { kApplied, kInvalid, kBusy, kFailed };
  Kind kind = Kind::kApplied;
  std::vector<std::string> errors;         // kInvalid: every problem, file:line:column
  std::string hash;                        // SHA-256 of the file now in force
  std::string previous_hash;
  std::vector<std::string> changes;        // what changed, one line each
  std::vector<std::string> needs_restart;  // settings that changed but apply only on restart
};

struct ApiContext {
  ConfigRef config;
  core::Store* store = nullptr;
  const Clock* clock = nullptr;
  std::function<std::string()> new_id;  // UUIDs for new incidents
  std::function<bool()> ready;          // /readyz answer
  std::function<void()> wake_outbox;    // called after notifications are queued
  // Called with the incidents alerts have just opened (committed) whose first
  // escalation tier is due now: it is decided at once, not at the engine's
  // next step.
  std::function<void(std::vector<std::string> ids)> incidents_opened;
  // Who is on call (schedules, policies); may be swapped when overrides change.
  std::function<std::shared_ptr<const core::escalation::Directory>()> directory;
  // Adds or removes a schedule override, durably, and refreshes the directory.
  std::function<Result<std::string>(const std::string& schedule, const core::schedule::Override& o,
                                    const core::Actor& actor)> add_override;
  std::function<Result<void>(const std::string& schedule, const std::string& id, const core::Actor& actor)>
      remove_override;
  // POST /-/reload: re-reads, validates and swaps in the config file; `who`
  // names the caller for the record. Absent: the route answers 501.
  std::function<ReloadAnswer(const std::string& who)> reload;
  // `tocsin route` for a pasted payload: the rules' dry run, as a report.
  std::function<Result<std::string>(const std::string& source, const std::string& body)> route_dry_run;
  // POST /api/v2/config/replay: the recorded alerts of [since, now) replayed
  // through the candidate config `yaml` against the config in force, as a
  // report in `format` (text, markdown, json). kInvalidArgument names the
  // candidate's problems or the bad parameter. Absent: the route answers 501.
  std::function<Result<std::string>(const std::string& yaml, const std::string& since, const std::string& format)>
      config_replay;
  // Committed changes, for live updates (GET /api/v2/events/stream); null: none.
  std::shared_ptr<usecases::ChangeFeed> changes;
  std::size_t max_event_streams = 256;
  std::chrono::milliseconds event_heartbeat{15000};
};

// One entry of the route table, for tests and documentation.
struct RouteInfo {
  std::string method;   // "*" when the handler takes any method and answers 405 itself
  std::string pattern;  // "/api/v2/incidents/{incident_id}"
  std::string access;   // "public", "ingest", "session" or "api_key"
  std::string write_scope;  // api_key routes: the key scope its non-GET methods need ("write" or "admin")
};

class ApiV2 {
 public:
  explicit ApiV2(ApiContext context);
  ~ApiV2();
  http::Response Handle(const http::Request& request);
  std::vector<RouteInfo> Routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tocsin::api::v2
