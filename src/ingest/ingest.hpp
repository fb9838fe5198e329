#pragma once
// Alert ingestion: pure parsers from each source's wire format to normalised
// core::Alerts. No I/O; the API layer authenticates, stores and routes.
// Every error is kInvalidArgument with a message naming the JSON path of the
// offending member (e.g. "alerts[3].labels.alertname: is required").

#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/alert/alert.hpp"

namespace tocsin::ingest {

struct ParseLimits {
  std::size_t max_alerts = 1000;  // per request; more is refused, not truncated
};

// Datadog monitor webhook: Datadog's default payload and Tocsin's documented
// richer payload (docs/ingest.md).
Result<std::vector<core::Alert>> ParseDatadog(std::string_view body, TimePoint received_at,
                                              const ParseLimits& limits = {});
// Prometheus Alertmanager webhook receiver payload, version 4.
Result<std::vector<core::Alert>> ParseAlertmanagerWebhook(std::string_view body, TimePoint received_at,
                                                          const ParseLimits& limits = {});
// Prometheus' own alert push: Alertmanager API v2 POST /api/v2/alerts (a JSON
// array of postable alerts).
Result<std::vector<core::Alert>> ParsePrometheusAlerts(std::string_view body, TimePoint received_at,
                                                       const ParseLimits& limits = {});
// Tocsin's generic JSON format (docs/ingest.md).
Result<std::vector<core::Alert>> ParseGeneric(std::string_view body, TimePoint received_at,
                                              const ParseLimits& limits = {});

}  // namespace tocsin::ingest
