#pragma once
// Alert: one notification from a monitoring system about one monitor and one
// group (scope), normalised from each source's wire format by src/ingest/.
// The fingerprint (source + monitor + scope) identifies an alert series:
// redeliveries and re-triggers of one fingerprint never open a second
// incident while one is open.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace tocsin::core {

enum class AlertState { kAlert, kWarn, kNoData, kOk };

std::string_view AlertStateName(AlertState s);  // "alert", "warn", "no_data", "ok"
std::optional<AlertState> ParseAlertStateName(std::string_view name);

struct Alert {
  std::string source;        // "datadog", "alertmanager", "prometheus", "generic"
  std::string monitor_name;  // required, non-empty
  std::string monitor_id;    // the source's monitor/rule id, if any
  std::string scope;         // group scope, canonical: sorted "key:value" joined by ","; "" = whole monitor
  AlertState state = AlertState::kAlert;
  std::vector<std::string> tags;  // "key:value" or bare "key", sorted and unique
  std::string title;
  std::string message;
  std::string value;      // the breaching value, as text
  std::string link;       // back to the monitor / graph
  std::string runbook;    // runbook URL when the source carries one
  std::string priority;   // e.g. "P1"
  std::optional<TimePoint> started_at;  // when the source says the problem began
  std::optional<TimePoint> ended_at;    // when the source says it ended (recoveries)
  TimePoint received_at{};
  // The source's id of this delivery (e.g. Datadog's $ID / $ALERT_CYCLE_KEY +
  // transition, Alertmanager's fingerprint + status + startsAt): the same
  // delivery received twice is stored once.
  std::string delivery_key;

  // source + monitor + scope, as a stable hex digest.
  std::string Fingerprint() const;
  // Value of tag `key` ("service" in "service:checkout"), if present.
  std::optional<std::string> TagValue(std::string_view key) const;
};

// Canonical scope from "key:value" pairs (sorted, comma-joined).
std::string CanonicalScope(std::vector<std::string> pairs);
// Sorts and deduplicates tags in place.
void NormalizeTags(std::vector<std::string>& tags);

}  // namespace tocsin::core
