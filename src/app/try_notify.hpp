#pragma once
// `tocsin notify test --user HANDLE`: a test message through each of a
// person's contact methods, now, in order (no delays), to check the addresses,
// tokens and routing keys before a real page needs them.

#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/notification/delivery.hpp"

namespace tocsin::app {

struct ContactTry {
  std::string what;  // "@olu by Slack DM (contact method 1, via slack-app)"
  core::AttemptOutcome outcome;
};

// kNotFound for an unknown user, kInvalidArgument when they have no contact methods.
Result<std::vector<ContactTry>> TryContactMethods(const core::Config& config, const std::string& handle, TimePoint now);

}  // namespace tocsin::app
