#pragma once
// `tocsin route`: a dry run of the rules for one alert payload, without a
// server or a database: which rules match, the incident that would open and
// the notifications that would go out.

#include <string>

#include "common/result.hpp"
#include "common/time.hpp"
#include "core/config/config.hpp"

namespace tocsin::app {

// source: "datadog", "alertmanager", "prometheus", "generic" or "auto"
// (guessed from the payload's shape). Returns the report as text.
Result<std::string> RouteDryRun(const core::Config& config, const std::string& source, const std::string& body,
                                TimePoint now);

// The source `auto` picks for a payload.
std::string GuessSource(const std::string& body);

}  // namespace tocsin::app
