#pragma once
// WorkflowStore: the store every write path goes through, so that each change
// to an incident follows the workflow (core/workflow: phase, checklists,
// self-ticking items, post-mortem draft, links) inside the same transaction
// as the change itself, whether it came from the API, an alert, the CLI or a
// worker. It wraps the mutations it is given and passes everything else on.

#include <functional>
#include <memory>
#include <string>

#include "core/config/config.hpp"
#include "core/ports/forwarding_store.hpp"

namespace tocsin::usecases {

class WorkflowStore : public core::ForwardingStore {
 public:
  // `config` answers the configuration in force (read once per write);
  // `new_id` names the todos, links and post-mortems the workflow adds.
  WorkflowStore(core::Store& inner, std::function<std::shared_ptr<const core::Config>()> config,
                std::function<std::string()> new_id);
  // The same, owning `inner`.
  WorkflowStore(std::unique_ptr<core::Store> inner, std::function<std::shared_ptr<const core::Config>()> config,
                std::function<std::string()> new_id);

  Result<core::Incident> CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) override;
  Result<core::Incident> UpdateIncident(const std::string& id, const core::MutateFn& mutate) override;
  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& mutate) override;
  Result<std::vector<core::AlertRecord>> IngestAlerts(std::vector<core::AlertWork> work) override;

 private:
  core::MutateFn Wrap(const core::MutateFn& mutate, std::shared_ptr<const core::Config> config) const;

  std::unique_ptr<core::Store> owned_;
  std::function<std::shared_ptr<const core::Config>()> config_;
  std::function<std::string()> new_id_;
};

}  // namespace tocsin::usecases
