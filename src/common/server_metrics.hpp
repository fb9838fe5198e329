#pragma once
// Tocsin's own Prometheus metrics (docs/metrics.md, "Prometheus"): the
// process-wide families every layer counts into, and the gauges read at
// scrape time. Label values come from bounded sets only: alert sources and
// decisions, configured severities, channel types, attempt outcomes, route
// patterns, HTTP methods and status codes.
//
// TOCSIN_METRICS=off in the environment at start turns the counting off (the
// families stay, at zero): the benchmarks use it to measure what counting costs.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/prometheus.hpp"

namespace tocsin::server_metrics {

struct Families {
  prom::Registry registry;
  prom::Family& alerts_received;     // tocsin_alerts_received_total{source, decision}
  prom::Family& incidents_opened;    // tocsin_incidents_opened_total{severity, origin}
  prom::Family& deliveries;          // tocsin_delivery_attempts_total{channel_type, outcome}
  prom::Family& delivery_latency;    // tocsin_delivery_latency_seconds{channel_type}: queued -> delivered
  prom::Family& http_requests;       // tocsin_http_requests_total{route, method, code}
  prom::Family& http_duration;       // tocsin_http_request_duration_seconds{route}
  prom::Family& escalation_tiers;    // tocsin_escalation_tiers_total{outcome}
  prom::Family& acknowledge_time;    // tocsin_incident_acknowledge_seconds{severity}: detected -> acknowledged
  prom::Family& resolve_time;        // tocsin_incident_resolve_seconds{severity}: created -> resolved
  prom::Family& pages_sent;          // tocsin_pages_sent_total{channel_type}: pages delivered
  prom::Family& notices_sent;        // tocsin_notices_sent_total{kind, channel_type}: scheduled notices delivered
  prom::Family& storage_commit;      // tocsin_storage_commit_seconds: a write group's transaction
  prom::Family& storage_group_size;  // tocsin_storage_commit_group_size: requests per commit
  // Replicas on PostgreSQL (ADR 0013), this process's share; no labels: one
  // process is one scrape target. Zero on SQLite.
  prom::Family& replica_claimed;     // tocsin_replica_deliveries_claimed_total
  prom::Family& replica_taken_over;  // tocsin_replica_lease_takeovers_total: claimed after another's lease ran out
  prom::Family& replica_fenced;      // tocsin_replica_fenced_finishes_total: records refused, the claim was taken over
  Families();
};

// The process's families (created on first use).
Families& Get();
bool Enabled();

void AlertReceived(const std::string& source, const std::string& decision);
void IncidentOpened(const std::string& severity, const char* origin);  // origin: "alert" | "api"
void DeliveryAttempt(const std::string& channel_type, const std::string& outcome,
                     std::optional<std::chrono::microseconds> latency);
void HttpRequest(const std::string& route, const std::string& method, int status, std::chrono::nanoseconds took);
void EscalationTier(const std::string& outcome);
// A delivery delivered, by its kind: pages (kind "page") and notices (the
// weekly review, budget notices; `notice` true) are counted apart.
void Delivered(const std::string& kind, const std::string& channel_type, bool notice);
// One commit of the store's writer: how many requests it carried and how long
// its transaction took (begin to commit).
void StorageCommit(std::size_t requests, std::chrono::nanoseconds took);
// Outbox claims of this replica: `claimed` deliveries, of which `taken_over`
// had been leased by another replica whose lease ran out; and `fenced`
// attempts whose record was refused because another replica holds the claim now.
void ReplicaClaims(std::int64_t claimed, std::int64_t taken_over);
void ReplicaFenced(std::int64_t fenced);
// An incident acknowledged (time since it was detected, or created) or
// resolved (time since it was created), as the definitions of docs/metrics.md.
void IncidentAcknowledged(const std::string& severity, std::chrono::microseconds took);
void IncidentResolved(const std::string& severity, std::chrono::microseconds took);

// Process metrics in the exposition format (process_resident_memory_bytes,
// process_open_fds, process_cpu_seconds_total, process_start_time_seconds,
// process_max_fds) read from /proc; nothing where /proc is missing.
void AppendProcessMetrics(std::string& out);

}  // namespace tocsin::server_metrics
