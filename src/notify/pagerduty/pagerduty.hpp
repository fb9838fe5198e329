#pragma once
// PagerDuty Events API v2 (type "pagerduty"; settings `routing_key`, optional
// `url` and `severity_map` like "SEV-1=critical,SEV-2=error"): trigger when an
// incident opens or a page targets the service, acknowledge on
// acknowledgement, resolve on resolution, all with dedup_key = incident id.

#include "notify/notifier.hpp"

namespace tocsin::notify::pagerduty {

// "trigger", "acknowledge", "resolve", or "" when the event kind does not
// concern PagerDuty (then nothing is sent).
std::string EventAction(const std::string& kind);
std::string MapSeverity(const core::Channel& channel, const std::string& severity, const core::Config* config);
HttpRequest Build(const core::Channel& channel, const std::string& message, const core::Incident& incident,
                  const std::string& kind, const SendContext& ctx);
core::AttemptOutcome Classify(const HttpAnswer& answer);

}  // namespace tocsin::notify::pagerduty
