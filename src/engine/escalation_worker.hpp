#pragma once
// EscalationWorker: applies each open incident's escalation policy. For every
// unacknowledged incident whose stored due time has come, it asks
// core::escalation::Evaluate what to do, and writes in one transaction: the
// decided steps (so a restart never repeats or skips one), a timeline event
// per step and per page saying why that person was paged, and the pages in
// the outbox: through the person's contact methods when they have some (each
// at its delay), else to the team's PagerDuty service, when configured.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/escalation/escalation.hpp"
#include "core/ports/store.hpp"

namespace tocsin::engine {

// What escalation writes for `current` at `now`: the steps due, their events and
// pages. Runs inside the store's transaction, against the committed state;
// nothing (nullopt) unless the incident is still open, unacknowledged and its
// next tier due.
std::optional<core::Mutation> Escalate(const core::Incident& current, const core::Config& config,
                                       const core::escalation::Directory& directory, TimePoint now);

using DirectorySource = std::function<std::shared_ptr<const core::escalation::Directory>()>;

class EscalationWorker {
 public:
  EscalationWorker(core::Store& store, core::ConfigSource config, DirectorySource directory)
      : store_(store), config_(std::move(config)), directory_(std::move(directory)) {}
  // Returns the number of incidents it advanced.
  int RunOnce(TimePoint now);
  // The same for the incidents `ids` only, without scanning the others: the
  // first tier of incidents a request has just opened, at once. Each is
  // decided against its committed state, as in RunOnce.
  int RunFor(const std::vector<std::string>& ids, TimePoint now);
  // Checked between pages of a scan, so that a stop is not held up by many open incidents.
  void SetKeepGoing(std::function<bool()> keep_going) { keep_going_ = std::move(keep_going); }

 private:
  // Writes the tier of incident `id` due at `now`, if any; true when it did.
  bool Advance(const std::string& id, const core::Config& config, const core::escalation::Directory& directory,
               TimePoint now);

  std::function<bool()> keep_going_;
  core::Store& store_;
  core::ConfigSource config_;
  DirectorySource directory_;
};

}  // namespace tocsin::engine
