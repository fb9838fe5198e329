#pragma once
// ConfigHolder: the config in force in a running server, as an immutable
// snapshot that a reload replaces whole (docs/adr/0011-config-snapshots.md).
// Readers take one snapshot per request or worker step and use it throughout;
// the snapshot stays alive as long as someone holds it. A mutex guards the
// pointer (std::atomic<std::shared_ptr> is not lock-free in libstdc++ 12, and
// the critical section is two reference-count operations).

#include <memory>
#include <mutex>

#include "core/config/config.hpp"

namespace tocsin::app {

class ConfigHolder {
 public:
  explicit ConfigHolder(std::shared_ptr<const core::Config> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const core::Config> Get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // The snapshot readers get from now on; the old one lives on in whoever holds it.
  void Set(std::shared_ptr<const core::Config> next) {
    std::shared_ptr<const core::Config> old;  // destroyed after the lock is released
    {
      std::lock_guard lock(mu_);
      old = std::move(current_);
      current_ = std::move(next);
    }
  }
  // A source reading this holder; valid while the holder lives.
  core::ConfigSource Source() const {
    return [this] { return Get(); };
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const core::Config> current_;
};

}  // namespace tocsin::app
