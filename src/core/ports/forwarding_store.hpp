#pragma once
// ForwardingStore: a Store that passes every call to another one. Derive from
// it to change a few calls and keep the rest (tests that make a write fail or
// race another writer; decorators such as instrumentation).

#include "core/ports/store.hpp"

namespace tocsin::core {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  Result<Incident> CreateIncident(Incident draft, std::vector<NewEvent> events) override {
    return inner_.CreateIncident(std::move(draft), std::move(events));
  }
  Result<Incident> UpdateIncident(const std::string& id, const MutateFn& mutate) override {
    return inner_.UpdateIncident(id, mutate);
  }
  Result<UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const MutateFn& mutate) override {
    return inner_.UpdateIncidentAndEvents(id, mutate);
  }
  Result<TimelineEvent> AppendEvent(const std::string& id, NewEvent event) override {
    return inner_.AppendEvent(id, std::move(event));
  }
  Result<Incident> GetIncident(const std::string& id) override { return inner_.GetIncident(id); }
  Result<SearchPage> SearchIncidents(const SearchRequest& request) override { return inner_.SearchIncidents(request); }
  Result<std::vector<TimelineEvent>> Timeline(const std::string& id, std::int64_t offset, std::int64_t limit) override {
    return inner_.Timeline(id, offset, limit);
  }
  Result<std::vector<TimelineEvent>> TimelineNewest(const std::string& id, std::int64_t offset,
                                                    std::int64_t limit) override {
    return inner_.TimelineNewest(id, offset, limit);
  }
  Result<void> UseDueFunction(DueFn due) override { return inner_.UseDueFunction(std::move(due)); }
  Result<DuePage> DueIncidents(TimePoint now, const std::optional<DueCursor>& after, std::int64_t limit) override {
    return inner_.DueIncidents(now, after, limit);
  }
  Result<std::vector<AlertRecord>> IngestAlerts(std::vector<AlertWork> work) override {
    return inner_.IngestAlerts(std::move(work));
  }
  Result<std::vector<AlertRecord>> ListAlerts(const AlertFilter& filter) override { return inner_.ListAlerts(filter); }
  Result<std::vector<OutboxItem>> ListOutbox(const std::string& id) override { return inner_.ListOutbox(id); }
  Result<std::vector<Delivery>> ClaimDeliveries(TimePoint now, std::int64_t limit) override {
    return inner_.ClaimDeliveries(now, limit);
  }
  Result<void> ReleaseClaims(const std::vector<std::int64_t>& ids) override { return inner_.ReleaseClaims(ids); }
  Result<void> FinishAttempt(const Delivery& delivery, const NewEvent& event) override {
    return inner_.FinishAttempt(delivery, event);
  }
  Result<void> FinishAttempts(const std::vector<AttemptRecord>& records) override {
    return inner_.FinishAttempts(records);
  }
  Result<std::int64_t> RequeueInFlight() override { return inner_.RequeueInFlight(); }
  Result<std::vector<Delivery>> ListDeliveries(const DeliveryFilter& filter) override {
    return inner_.ListDeliveries(filter);
  }
  Result<std::string> FindThread(const std::string& id, const std::string& channel) override {
    return inner_.FindThread(id, channel);
  }
  Result<std::int64_t> CountDeliveries(DeliveryState state) override { return inner_.CountDeliveries(state); }
  Result<bool> EnqueueNotice(const NoticeItem& notice) override { return inner_.EnqueueNotice(notice); }
  Result<void> AddOverride(const OverrideRecord& record) override { return inner_.AddOverride(record); }
  Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) override {
    return inner_.RemoveOverride(id, actor, now);
  }
  Result<std::vector<OverrideRecord>> ListOverrides() override { return inner_.ListOverrides(); }
  Result<void> CreateKey(const KeyRecord& key) override { return inner_.CreateKey(key); }
  Result<std::optional<KeyRecord>> FindKeyByApiHash(const std::string& hash) override {
    return inner_.FindKeyByApiHash(hash);
  }
  Result<std::optional<KeyRecord>> FindKeyByAppHash(const std::string& hash) override {
    return inner_.FindKeyByAppHash(hash);
  }
  Result<std::vector<KeyRecord>> ListKeys() override { return inner_.ListKeys(); }
  Result<void> RevokeKey(const std::string& id_or_name, TimePoint now) override {
    return inner_.RevokeKey(id_or_name, now);
  }
  Result<void> SetPasswordHash(const std::string& handle, const std::string& hash, TimePoint now) override {
    return inner_.SetPasswordHash(handle, hash, now);
  }
  Result<std::optional<std::string>> GetPasswordHash(const std::string& handle) override {
    return inner_.GetPasswordHash(handle);
  }
  Result<void> CreateSession(const SessionRecord& session) override { return inner_.CreateSession(session); }
  Result<std::optional<SessionRecord>> FindSession(const std::string& token_hash, TimePoint now) override {
    return inner_.FindSession(token_hash, now);
  }
  Result<void> DeleteSession(const std::string& token_hash) override { return inner_.DeleteSession(token_hash); }
  Result<void> RecordConfigReload(const ConfigReloadRecord& record) override { return inner_.RecordConfigReload(record); }
  Result<std::vector<ConfigReloadRecord>> ListConfigReloads(std::int64_t limit) override {
    return inner_.ListConfigReloads(limit);
  }
  std::optional<std::string> Failure() const override { return inner_.Failure(); }
  void SetFailureHandler(std::function<void(const std::string&)> handler) override {
    inner_.SetFailureHandler(std::move(handler));
  }
  void Close() override { inner_.Close(); }

 protected:
  Store& inner() { return inner_; }

 private:
  Store& inner_;
};

}  // namespace tocsin::core
