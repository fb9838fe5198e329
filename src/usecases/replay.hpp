#pragma once
// Replaying the recorded alerts through a candidate config (docs/replay.md):
// the part every front door shares (`tocsin replay --data`, POST
// /api/v2/config/replay): the range asked for, reading the history from the
// store, running core/replay and rendering its report.

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "core/config/config.hpp"
#include "core/ports/store.hpp"
#include "core/replay/replay.hpp"

namespace tocsin::usecases {

// The longest range a replay covers, and the most alerts it reads.
inline constexpr std::chrono::hours kMaxReplayRange{90 * 24};
inline constexpr std::int64_t kMaxReplayAlerts = 5'000'000;

// The start of the range `since` names, ending at `now`: a duration ("30d",
// "12h", "2w", "90m") or an RFC 3339 time. kInvalidArgument naming `since`
// for anything else, a start in the future, or a range over kMaxReplayRange.
Result<TimePoint> ReplayStart(std::string_view since, TimePoint now);

// The alerts received in [from, to), oldest first, and the incidents they
// opened or joined (their acknowledgement and resolution). kInvalidArgument
// naming `since` when the range holds more than kMaxReplayAlerts alerts.
Result<core::replay::History> LoadHistory(core::Store& store, TimePoint from, TimePoint to);

// "text", "markdown" or "json"; kInvalidArgument naming `format` otherwise.
Result<void> CheckReplayFormat(std::string_view format);

// Replays [since, now) under `in_force` and `candidate`; the report in `format`.
Result<std::string> Replay(core::Store& store, const core::Config& in_force, const core::Config& candidate,
                           std::string_view since, std::string_view format, TimePoint now);

}  // namespace tocsin::usecases
