#pragma once
// `tocsin replay` and POST /api/v2/config/replay: a candidate config file,
// checked as `tocsin check-config` does, replayed against the config in force
// over the recorded alerts (usecases/replay, docs/replay.md).

#include <string>

#include "app/remote.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"

namespace tocsin::app {

// The report of replaying [since, now) through `candidate_yaml` (`name` names
// it in problems). kInvalidArgument: a bad `since` or `format`, or a candidate
// that fails validation (every problem, and nothing is replayed).
Result<std::string> ReplayCandidate(const core::Config& in_force, core::Store& store, const std::string& candidate_yaml,
                                    const std::string& name, const std::string& since, const std::string& format,
                                    TimePoint now);

// `tocsin replay --url`: the same through a running server's API.
Result<std::string> RequestReplay(const Remote& remote, const std::string& candidate_yaml, const std::string& since,
                                  const std::string& format);

}  // namespace tocsin::app
