#pragma once
// Alert ingestion endpoints and the alert log:
//   POST /api/integrations/datadog | alertmanager | generic, POST /api/v2/alerts
//     (ingestion key as "Authorization: Bearer", "DD-API-KEY" or "?token=")
//   GET  /api/v2/alerts (API key pair; filter[state], filter[monitor], filter[tag])
// A 2xx answer means every alert of the request is committed with what it did.

#include <memory>
#include <mutex>
#include <string>

#include "api/v2/api.hpp"
#include "core/rules/rules.hpp"
#include "http/message.hpp"
#include "ingest/ingest.hpp"

namespace tocsin::api::v2 {

// Parses `body` as `source` ("datadog", "alertmanager", "prometheus", "generic").
Result<std::vector<core::Alert>> ParseAlerts(const std::string& source, std::string_view body, TimePoint now);

// Evaluates the rules for each alert and builds the store's work items.
std::vector<core::AlertWork> PlanAlerts(std::vector<core::Alert> alerts, const core::RuleIndex& rules,
                                        const core::Config& config, TimePoint now,
                                        const std::function<std::string()>& new_id,
                                        std::shared_ptr<const core::escalation::Directory> directory = nullptr);

class AlertsApi {
 public:
  explicit AlertsApi(const ApiContext& ctx);
  // "datadog", "alertmanager", "generic" or "prometheus" (POST /api/v2/alerts).
  http::Response Ingest(const http::Request& request, const std::string& source);
  http::Response List(const http::Request& request);

 private:
  // The rule index of the request's config snapshot, built once per snapshot.
  std::shared_ptr<const core::RuleIndex> RulesFor(const std::shared_ptr<const core::Config>& config);

  const ApiContext& ctx_;
  std::mutex rules_mu_;
  std::shared_ptr<const core::Config> rules_config_;  // the snapshot rules_ was built from
  std::shared_ptr<const core::RuleIndex> rules_;
};

}  // namespace tocsin::api::v2
