#include "api/v2/config_ref.hpp"

namespace tocsin::api::v2 {

namespace {
thread_local std::shared_ptr<const core::Config> pinned_config;
thread_local std::shared_ptr<const core::Config> last_unpinned_config;
}  // namespace

const core::Config* ConfigRef::get() const {
  if (pinned_config) return pinned_config.get();
  last_unpinned_config = source_();
  return last_unpinned_config.get();
}

std::shared_ptr<const core::Config> ConfigRef::shared() const {
  return pinned_config ? pinned_config : source_();
}

ConfigRef::Pin::Pin(const ConfigRef& ref) : previous_(std::move(pinned_config)) { pinned_config = ref.source_(); }
ConfigRef::Pin::~Pin() { pinned_config = std::move(previous_); }

}  // namespace tocsin::api::v2
