#include "usecases/change_feed.hpp"

#include <set>
#include <vector>

namespace tocsin::usecases {

const char* KindName(Change::Kind kind) {
  switch (kind) {
    case Change::Kind::kIncident: return "incident";
    case Change::Kind::kAlert: return "alert";
    case Change::Kind::kDelivery: return "delivery";
    case Change::Kind::kOnCall: return "oncall";
  }
  return "incident";
}

std::uint64_t ChangeFeed::Subscribe(Subscriber subscriber) {
  std::lock_guard lock(mu_);
  std::uint64_t id = next_++;
  subscribers_[id] = std::make_shared<const Subscriber>(std::move(subscriber));
  return id;
}

void ChangeFeed::Unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

void ChangeFeed::Publish(const Change& change) const {
  std::vector<std::shared_ptr<const Subscriber>> now;
  {
    std::lock_guard lock(mu_);
    if (subscribers_.empty()) return;
    now.reserve(subscribers_.size());
    for (const auto& [id, s] : subscribers_) now.push_back(s);
  }
  for (const auto& s : now) (*s)(change);
}

std::size_t ChangeFeed::subscribers() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

ChangeFeedStore::ChangeFeedStore(std::unique_ptr<core::Store> inner, std::shared_ptr<ChangeFeed> feed)
    : ForwardingStore(*inner), owned_(std::move(inner)), feed_(std::move(feed)) {}

void ChangeFeedStore::Incident(const std::string& id, bool created) const {
  Change c;
  c.kind = Change::Kind::kIncident;
  c.incident_id = id;
  c.created = created;
  feed_->Publish(c);
}

Result<core::Incident> ChangeFeedStore::CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) {
  auto r = ForwardingStore::CreateIncident(std::move(draft), std::move(events));
  if (r) Incident(r->id, true);
  return r;
}

Result<core::Incident> ChangeFeedStore::UpdateIncident(const std::string& id, const core::MutateFn& mutate) {
  auto r = ForwardingStore::UpdateIncident(id, mutate);
  if (r) Incident(r->id);
  return r;
}

Result<core::UpdateOutcome> ChangeFeedStore::UpdateIncidentAndEvents(const std::string& id,
                                                                     const core::MutateFn& mutate) {
  auto r = ForwardingStore::UpdateIncidentAndEvents(id, mutate);
  if (r) Incident(r->incident.id);
  return r;
}

Result<core::TimelineEvent> ChangeFeedStore::AppendEvent(const std::string& id, core::NewEvent event) {
  auto r = ForwardingStore::AppendEvent(id, std::move(event));
  if (r) Incident(id);
  return r;
}

Result<std::vector<core::AlertRecord>> ChangeFeedStore::IngestAlerts(std::vector<core::AlertWork> work) {
  auto r = ForwardingStore::IngestAlerts(std::move(work));
  if (!r) return r;
  bool any = false;
  std::set<std::string> told;
  for (const auto& a : *r) {
    if (a.duplicate) continue;
    any = true;
    if (!a.incident_id.empty() && told.insert(a.incident_id).second) Incident(a.incident_id, a.decision == "opened");
  }
  if (any) feed_->Publish(Change{Change::Kind::kAlert, "", false});
  return r;
}

Result<void> ChangeFeedStore::FinishAttempt(const core::Delivery& delivery, const core::NewEvent& event) {
  auto r = ForwardingStore::FinishAttempt(delivery, event);
  if (r) {
    feed_->Publish(Change{Change::Kind::kDelivery, delivery.incident_id, false});
    if (!delivery.incident_id.empty()) Incident(delivery.incident_id);
  }
  return r;
}

Result<void> ChangeFeedStore::FinishAttempts(const std::vector<core::AttemptRecord>& records) {
  auto r = ForwardingStore::FinishAttempts(records);
  if (!r || records.empty()) return r;
  feed_->Publish(Change{Change::Kind::kDelivery, "", false});
  std::set<std::string> told;
  for (const auto& a : records) {
    if (!a.delivery.incident_id.empty() && told.insert(a.delivery.incident_id).second) Incident(a.delivery.incident_id);
  }
  return r;
}

Result<void> ChangeFeedStore::AddOverride(const core::OverrideRecord& record) {
  auto r = ForwardingStore::AddOverride(record);
  if (r) feed_->Publish(Change{Change::Kind::kOnCall, "", false});
  return r;
}

Result<void> ChangeFeedStore::RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) {
  auto r = ForwardingStore::RemoveOverride(id, actor, now);
  if (r) feed_->Publish(Change{Change::Kind::kOnCall, "", false});
  return r;
}

}  // namespace tocsin::usecases
