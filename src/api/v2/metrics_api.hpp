#pragma once
// GET /metrics: Prometheus text exposition of Tocsin's own health
// (docs/metrics.md, "Prometheus"): the counters and histograms every layer
// counts into (common/server_metrics), gauges read from the store at scrape
// time (outbox depth and oldest due age, open incidents by severity,
// deliveries by state), readiness and process metrics.

#include "api/v2/api.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

http::Response PrometheusMetrics(const ApiContext& ctx);

}  // namespace tocsin::api::v2
