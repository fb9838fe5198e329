#pragma once
// People's passwords for the web UI (`tocsin users set-password`).

#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"

namespace tocsin::app {

// Stores an Argon2id hash of `password` for a configured user ("alice" or
// "@alice"). kInvalidArgument for an unknown handle or a password that is
// too short or too long. Sessions already signed in stay signed in.
Result<void> SetPassword(const core::Config& config, core::Store& store, const std::string& handle,
                         const std::string& password, TimePoint now);

}  // namespace tocsin::app
