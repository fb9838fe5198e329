#pragma once
// The on-call directory as the running server sees it: the configured
// schedules and policies plus the overrides stored through the API.
// Thread-safe: readers get an immutable snapshot; changes swap it.

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/config/config.hpp"
#include "core/escalation/escalation.hpp"
#include "core/ports/store.hpp"

namespace tocsin::app {

class OnCallDirectory {
 public:
  // Builds from config and the store's live overrides.
  static Result<std::unique_ptr<OnCallDirectory>> Create(std::shared_ptr<const core::Config> config,
                                                         core::Store& store);

  std::shared_ptr<const core::escalation::Directory> Get() const;
  // A reload: the directory `config` would give with the stored overrides
  // (an error if they no longer fit it), and the swap to it. An override
  // added or removed in between is not lost: Use then builds it again.
  struct Prepared {
    std::shared_ptr<const core::escalation::Directory> directory;
    std::uint64_t generation = 0;  // of the overrides it was built with
  };
  Result<Prepared> Prepare(const core::Config& config) const;
  void Use(std::shared_ptr<const core::Config> config, Prepared prepared);
  // Validates (unknown schedule or user, inverted or overlapping ranges),
  // stores, and swaps in the new directory. Returns the override's id.
  Result<std::string> AddOverride(const std::string& schedule, core::schedule::Override o, const core::Actor& actor,
                                  TimePoint now, const std::string& new_id);
  Result<void> RemoveOverride(const std::string& schedule, const std::string& id, const core::Actor& actor, TimePoint now);

 private:
  OnCallDirectory(std::shared_ptr<const core::Config> config, core::Store& store)
      : config_(std::move(config)), store_(store) {}
  // Config schedules plus live stored overrides, optionally with one more.
  Result<std::shared_ptr<const core::escalation::Directory>> Build(const core::Config& config,
                                                                   const core::OverrideRecord* extra) const;

  std::shared_ptr<const core::Config> config_;  // guarded by mu_
  core::Store& store_;
  mutable std::mutex mu_;
  std::shared_ptr<const core::escalation::Directory> current_;
  std::uint64_t generation_ = 0;  // counts override changes; guarded by mu_
};

// `tocsin oncall TEAM [--at TIME]`: who is on call and why, as text.
Result<std::string> DescribeOnCall(const core::Config& config, core::Store& store, const std::string& team, TimePoint at);

}  // namespace tocsin::app
