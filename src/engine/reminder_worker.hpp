#pragma once
// ReminderWorker: raises "response time exceeded" for incidents not
// acknowledged within their severity's response time, and reminds the
// commander when no status update was posted within the severity's cadence.
// Both are timeline events plus notifications, written in one transaction:
// "response time exceeded" goes to the severity's response_time_channels (the
// incident's channels when it has none), reminders to the incident's channels. RunOnce(now) is driven by the engine's clock.

#include <functional>
#include <optional>

#include "core/config/config.hpp"
#include "core/ports/store.hpp"

namespace tocsin::engine {

// What the reminders write for `current` at `now`: "response time exceeded"
// and a status-update reminder, with their events and notifications. Runs
// inside the store's transaction and decides from the committed state alone
// (its severity, hence its response time, channels and cadence); nothing
// (nullopt) when nothing is due: resolved, acknowledged, deleted, already
// raised or reminded, or not due under its current severity.
std::optional<core::Mutation> Remind(const core::Incident& current, const core::Config& config, TimePoint now);

class ReminderWorker {
 public:
  ReminderWorker(core::Store& store, core::ConfigSource config) : store_(store), config_(std::move(config)) {}
  // Returns how many incidents it changed.
  int RunOnce(TimePoint now);
  // Checked between pages of a scan, so that a stop is not held up by many open incidents.
  void SetKeepGoing(std::function<bool()> keep_going) { keep_going_ = std::move(keep_going); }

 private:
  std::function<bool()> keep_going_;
  core::Store& store_;
  core::ConfigSource config_;
};

}  // namespace tocsin::engine
