#pragma once
// ChangeFeed: who wants to hear that something changed (the web UI's live
// updates), told after the store committed it. ChangeFeedStore is the store
// decorator that tells it: every committed write of an incident (creation,
// update, timeline event, alert, delivery outcome) and of an override
// publishes one Change; a failed write publishes nothing. In-process; on
// PostgreSQL, app/change_relay carries changes between the replicas.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/forwarding_store.hpp"

namespace tocsin::usecases {

struct Change {
  enum class Kind { kIncident, kAlert, kDelivery, kOnCall };
  Kind kind = Kind::kIncident;
  std::string incident_id;  // the incident concerned, when there is one
  bool created = false;     // kIncident: a new incident
  // Made by another replica and relayed here (app/change_relay): not sent on.
  bool remote = false;
};

const char* KindName(Change::Kind kind);

// Subscribers are called on the publishing thread, after the commit, outside
// any store lock: they must return quickly (queue, don't write to a socket).
class ChangeFeed {
 public:
  using Subscriber = std::function<void(const Change&)>;
  std::uint64_t Subscribe(Subscriber subscriber);
  void Unsubscribe(std::uint64_t id);
  void Publish(const Change& change) const;
  std::size_t subscribers() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::shared_ptr<const Subscriber>> subscribers_;
};

class ChangeFeedStore : public core::ForwardingStore {
 public:
  ChangeFeedStore(std::unique_ptr<core::Store> inner, std::shared_ptr<ChangeFeed> feed);

  Result<core::Incident> CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) override;
  Result<core::Incident> UpdateIncident(const std::string& id, const core::MutateFn& mutate) override;
  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& mutate) override;
  Result<core::TimelineEvent> AppendEvent(const std::string& id, core::NewEvent event) override;
  Result<std::vector<core::AlertRecord>> IngestAlerts(std::vector<core::AlertWork> work) override;
  Result<void> FinishAttempt(const core::Delivery& delivery, const core::NewEvent& event) override;
  Result<void> FinishAttempts(const std::vector<core::AttemptRecord>& records) override;
  Result<void> AddOverride(const core::OverrideRecord& record) override;
  Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) override;

 private:
  void Incident(const std::string& id, bool created = false) const;

  std::unique_ptr<core::Store> owned_;
  std::shared_ptr<ChangeFeed> feed_;
};

}  // namespace tocsin::usecases
