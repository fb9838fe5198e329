#pragma once
// Time points and their wire form. Tocsin keeps microsecond UTC time points
// everywhere; RFC 3339 is the only textual form.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tocsin {

using Micros = std::chrono::microseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Micros>;

// Microseconds since the Unix epoch.
inline std::int64_t ToUnixMicros(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMicros(std::int64_t us) { return TimePoint(Micros(us)); }

// "2024-01-02T03:04:05.123456+00:00" (Datadog's form).
std::string FormatRfc3339(TimePoint t);
// The same text appended to `out` (no allocation beyond out's own growth).
void AppendRfc3339(std::string& out, TimePoint t);

// Accepts RFC 3339 / ISO 8601 date-times: "YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|+HH:MM|+HHMM)".
// A missing zone is read as UTC. Years outside 1970..9999 are rejected.
std::optional<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace tocsin
