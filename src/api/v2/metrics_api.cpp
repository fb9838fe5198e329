#include "api/v2/metrics_api.hpp"

#include <algorithm>

#include "api/v2/errors.hpp"
#include "common/server_metrics.hpp"
#include "core/search/query.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::api::v2 {
namespace {

using prom::Kind;

constexpr std::int64_t kDueScan = 100;  // incidents looked at for the escalation lag

std::string Label(const char* name, const std::string& value) { return prom::Labels({name}, {value}); }

}  // namespace

http::Response PrometheusMetrics(const ApiContext& ctx) {
  std::string out = server_metrics::Get().registry.Render();

  std::vector<std::pair<std::string, double>> states;
  double queued = 0;
  for (auto state : {core::DeliveryState::kQueued, core::DeliveryState::kSending, core::DeliveryState::kDelivered,
                     core::DeliveryState::kFailed, core::DeliveryState::kGaveUp, core::DeliveryState::kCancelled}) {
    auto n = ctx.store->CountDeliveries(state);
    if (!n) return ErrorResponse(n.error());
    if (state == core::DeliveryState::kQueued) queued = static_cast<double>(*n);
    states.emplace_back(Label("state", std::string(core::DeliveryStateName(state))), static_cast<double>(*n));
  }
  prom::AppendSamples(out, "tocsin_notifications", "Notification deliveries in the outbox, by state.", Kind::kGauge,
                      states);
  prom::AppendSamples(out, "tocsin_outbox_depth", "Deliveries queued in the outbox (waiting for a first attempt or a retry).",
                      Kind::kGauge, {{"", queued}});
  // The oldest queued delivery (deliveries list newest first): how long it has been due.
  double oldest_due_age = 0;
  if (queued > 0) {
    core::DeliveryFilter f;
    f.state = core::DeliveryState::kQueued;
    f.offset = static_cast<std::int64_t>(queued) - 1;
    f.limit = 1;
    auto oldest = ctx.store->ListDeliveries(f);
    if (!oldest) return ErrorResponse(oldest.error());
    if (!oldest->empty()) {
      auto age = ctx.clock->Now() - oldest->front().next_attempt_at;
      if (age.count() > 0) oldest_due_age = static_cast<double>(age.count()) / 1e6;
    }
  }
  prom::AppendSamples(out, "tocsin_outbox_oldest_due_age_seconds",
                      "How long the oldest queued delivery has been due (0 when none is overdue).", Kind::kGauge,
                      {{"", oldest_due_age}});

  // Escalation: how late the most overdue tier is (the escalation worker
  // decides tiers as they fall due, so this stays near 0 while it keeps up).
  double escalation_lag = 0;
  TimePoint now = ctx.clock->Now();
  auto due = ctx.store->DueIncidents(now, std::nullopt, kDueScan);
  if (!due) return ErrorResponse(due.error());
  for (const auto& i : due->incidents) {
    if (i.acknowledged || i.escalation_team.empty() || !i.escalation_next_due || *i.escalation_next_due > now) continue;
    escalation_lag = std::max(escalation_lag, static_cast<double>((now - *i.escalation_next_due).count()) / 1e6);
  }
  prom::AppendSamples(out, "tocsin_escalation_oldest_due_age_seconds",
                      "How long the most overdue escalation tier has been due (0 when none is).", Kind::kGauge,
                      {{"", escalation_lag}});

  core::SearchRequest open;
  open.query = *core::ParseQuery("state:(active OR stable)");
  open.limit = 0;            // counts only: no incident is read
  open.with_total = false;   // (the severities' counts sum to it)
  open.with_facets = true;
  open.facets = core::SearchRequest::Facets::kSeverityAndPhase;
  auto page = ctx.store->SearchIncidents(open);
  if (!page) return ErrorResponse(page.error());
  std::vector<std::pair<std::string, double>> open_by_severity;
  for (const auto& s : ctx.config->severities) {
    double n = 0;
    for (const auto& f : page->facets.severity) {
      if (f.name == s.name) n = static_cast<double>(f.count);
    }
    open_by_severity.emplace_back(Label("severity", s.name), n);
  }
  prom::AppendSamples(out, "tocsin_open_incidents", "Incidents not resolved (active or stable), by severity.",
                      Kind::kGauge, open_by_severity);
  // By workflow phase, from the same faceted count (the phase is a search
  // term of every incident), so it costs the scrape nothing more. Every
  // phase an open incident can be in is present, at 0 when none is.
  std::vector<std::pair<std::string, double>> open_by_phase;
  for (std::string_view phase : {core::workflow::kPhaseDetection, core::workflow::kPhaseInvestigation,
                                 core::workflow::kPhaseMitigation, core::workflow::kPhaseResolution}) {
    double n = 0;
    for (const auto& [facet, counts] : page->facets.fields) {
      if (facet != "phase") continue;
      for (const auto& f : counts) {
        if (f.name == phase) n = static_cast<double>(f.count);
      }
    }
    open_by_phase.emplace_back(Label("phase", std::string(phase)), n);
  }
  prom::AppendSamples(out, "tocsin_open_incidents_by_phase",
                      "Incidents not resolved (active or stable), by workflow phase.", Kind::kGauge, open_by_phase);
  // Both crossed (the same query's term counts by severity): every configured
  // severity with every phase, at 0 when none is.
  std::vector<std::pair<std::string, double>> open_by_severity_phase;
  for (const auto& s : ctx.config->severities) {
    static const std::vector<core::FacetCount> kNone;
    const std::vector<core::FacetCount>* counts = &kNone;
    for (const auto& [severity, by_phase] : page->facets.phase_by_severity) {
      if (severity == s.name) counts = &by_phase;
    }
    for (std::string_view phase : {core::workflow::kPhaseDetection, core::workflow::kPhaseInvestigation,
                                   core::workflow::kPhaseMitigation, core::workflow::kPhaseResolution}) {
      double n = 0;
      for (const auto& f : *counts) {
        if (f.name == phase) n = static_cast<double>(f.count);
      }
      open_by_severity_phase.emplace_back(prom::Labels({"severity", "phase"}, {s.name, std::string(phase)}), n);
    }
  }
  prom::AppendSamples(out, "tocsin_open_incidents_by_severity_and_phase",
                      "Incidents not resolved (active or stable), by severity and workflow phase.", Kind::kGauge,
                      open_by_severity_phase);

  prom::AppendSamples(out, "tocsin_ready", "Whether the server is serving (1) or starting/stopping (0).", Kind::kGauge,
                      {{"", !ctx.ready || ctx.ready() ? 1.0 : 0.0}});
  prom::AppendSamples(out, "tocsin_config_info", "The configuration in force: the SHA-256 of its file.", Kind::kGauge,
                      {{Label("hash", ctx.config->source_sha256), 1.0}});
  prom::AppendSamples(out, "tocsin_metrics_enabled", "Whether counting is on (0 when started with TOCSIN_METRICS=off).",
                      Kind::kGauge, {{"", server_metrics::Enabled() ? 1.0 : 0.0}});
  server_metrics::AppendProcessMetrics(out);
  http::Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  return r;
}

}  // namespace tocsin::api::v2
