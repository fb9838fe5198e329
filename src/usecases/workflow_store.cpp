#include "usecases/workflow_store.hpp"

#include "core/workflow/workflow.hpp"

namespace tocsin::usecases {

WorkflowStore::WorkflowStore(core::Store& inner, std::function<std::shared_ptr<const core::Config>()> config,
                             std::function<std::string()> new_id)
    : ForwardingStore(inner), config_(std::move(config)), new_id_(std::move(new_id)) {}

WorkflowStore::WorkflowStore(std::unique_ptr<core::Store> inner,
                             std::function<std::shared_ptr<const core::Config>()> config,
                             std::function<std::string()> new_id)
    : ForwardingStore(*inner), owned_(std::move(inner)), config_(std::move(config)), new_id_(std::move(new_id)) {}

core::MutateFn WorkflowStore::Wrap(const core::MutateFn& mutate, std::shared_ptr<const core::Config> config) const {
  return [&mutate, config, this](const core::Incident& current) -> Result<core::Mutation> {
    auto m = mutate(current);
    if (!m) return m;
    // A mutation that changes nothing writes nothing: keep it so.
    if (m->events.empty() && m->notifications.empty() && m->incident == current) return m;
    core::workflow::Follow(*config, &current, m->incident, m->events, new_id_);
    return m;
  };
}

Result<core::Incident> WorkflowStore::CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) {
  auto config = config_();
  core::workflow::Follow(*config, nullptr, draft, events, new_id_);
  return ForwardingStore::CreateIncident(std::move(draft), std::move(events));
}

Result<core::Incident> WorkflowStore::UpdateIncident(const std::string& id, const core::MutateFn& mutate) {
  return ForwardingStore::UpdateIncident(id, Wrap(mutate, config_()));
}

Result<core::UpdateOutcome> WorkflowStore::UpdateIncidentAndEvents(const std::string& id,
                                                                   const core::MutateFn& mutate) {
  return ForwardingStore::UpdateIncidentAndEvents(id, Wrap(mutate, config_()));
}

Result<std::vector<core::AlertRecord>> WorkflowStore::IngestAlerts(std::vector<core::AlertWork> work) {
  auto config = config_();
  for (auto& w : work) {
    w.decide = [decide = std::move(w.decide), config, this](const core::GroupState& group) {
      core::AlertPlan plan = decide(group);
      if (plan.create) core::workflow::Follow(*config, nullptr, *plan.create, plan.create_events, new_id_);
      if (plan.update && group.open) {
        core::workflow::Follow(*config, &*group.open, *plan.update, plan.update_events, new_id_);
      }
      return plan;
    };
  }
  return ForwardingStore::IngestAlerts(std::move(work));
}

}  // namespace tocsin::usecases
