#pragma once
// ConfigReloader: a running server's config reload (SIGHUP, POST /-/reload,
// `tocsin reload`). It re-reads the config file, validates it exactly as
// `tocsin check-config` does, and only then swaps it in whole: every request
// and worker step that starts afterwards sees the new config, those already
// running finish on the one they started with (ADR 0011). An invalid file is
// refused with every problem and the old config keeps running. Reloads are
// serialised: one arriving while another runs is refused (kBusy, HTTP 409),
// never queued or raced. Settings read only at start (server.*, storage.*)
// keep their running values and are reported as needing a restart. Each
// applied reload is recorded in the store (who, when, hashes, changes).

#include <functional>
#include <mutex>
#include <string>

#include "api/v2/api.hpp"
#include "app/config_holder.hpp"
#include "app/oncall.hpp"
#include "common/clock.hpp"
#include "core/ports/store.hpp"

namespace tocsin::app {

// A config file read and checked as `tocsin check-config` does.
struct CheckedConfig {
  core::Config config;
  std::vector<std::string> problems;  // file:line:column: problem; empty = valid
  std::vector<std::string> notes;     // remarks that do not fail the file
  std::string text;                   // the bytes read (hashed into config.source_sha256)
};
CheckedConfig CheckConfigFile(const std::string& path);
// The same for text already read; `name` stands for the file in problems.
CheckedConfig CheckConfigText(std::string text, const std::string& name);

class ConfigReloader {
 public:
  struct Parts {
    std::string path;  // the config file; empty: reloads are refused
    ConfigHolder* holder = nullptr;
    OnCallDirectory* oncall = nullptr;
    core::Store* store = nullptr;
    const Clock* clock = nullptr;
    // Called with the reload lock held, after validation and before the swap
    // (tests hold a reload "in progress" with it).
    std::function<void()> before_swap;
  };
  explicit ConfigReloader(Parts parts);

  api::v2::ReloadAnswer Reload(const std::string& who);

 private:
  Parts parts_;
  std::mutex mu_;            // one reload at a time (try_lock: a second one is refused)
  std::string current_text_;  // the file in force as read, for the diff; guarded by mu_
};

}  // namespace tocsin::app
