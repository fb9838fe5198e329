#pragma once
// ConfigRef: how the API reaches the config in force (docs/adr/0011).

#include <memory>

#include "core/config/config.hpp"

namespace tocsin::api::v2 {

// The config a request sees. ApiV2::Handle pins one snapshot for the thread
// serving a request (Pin), and every use during that request (`*ctx.config`,
// `ctx.config->rules`) answers that same snapshot, whatever a reload swaps in
// meanwhile (ADR 0011). Outside a pinned request each use asks the source.
class ConfigRef {
 public:
  ConfigRef() = default;
  explicit ConfigRef(core::ConfigSource source) : source_(std::move(source)) {}
  // The pinned snapshot, or (unpinned) the source's current one, kept alive
  // for this thread until its next unpinned use.
  const core::Config* get() const;
  // The snapshot itself, to keep it alive beyond the request.
  std::shared_ptr<const core::Config> shared() const;
  const core::Config& operator*() const { return *get(); }
  const core::Config* operator->() const { return get(); }
  explicit operator bool() const { return static_cast<bool>(source_); }

  // Scope of one request: this thread sees one snapshot until destroyed.
  class Pin {
   public:
    explicit Pin(const ConfigRef& ref);
    ~Pin();
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

   private:
    std::shared_ptr<const core::Config> previous_;
  };

 private:
  core::ConfigSource source_;
};

}  // namespace tocsin::api::v2
