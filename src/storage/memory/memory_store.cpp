#include "storage/memory/memory_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace tocsin::storage {
namespace {

using core::FacetCount;

void Count(std::map<std::string, std::int64_t>& counts, const std::string& name) { ++counts[name]; }

std::vector<FacetCount> ToCounts(const std::map<std::string, std::int64_t>& counts) {
  std::vector<FacetCount> out;
  for (const auto& [name, n] : counts) out.push_back({name, n});
  return out;
}

class MemoryStore final : public core::Store {
 public:
  Result<core::Incident> CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    if (by_id_.count(draft.id)) return MakeError(ErrorCode::kConflict, "incident " + draft.id + " already exists");
    draft.public_id = static_cast<std::int64_t>(incidents_.size()) + 1;
    by_id_[draft.id] = incidents_.size();
    incidents_.push_back(draft);
    Append(draft.id, std::move(events));
    return draft;
  }

  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& mutate) override {
    std::vector<core::TimelineEvent> appended;
    auto r = Update(id, mutate, &appended);
    if (!r) return tl::unexpected(r.error());
    return core::UpdateOutcome{std::move(r->incident), std::move(appended)};
  }

  // UpdateIncident; `appended` (optional) receives the events written.
  Result<core::UpdateOutcome> Update(const std::string& id, const core::MutateFn& mutate,
                                     std::vector<core::TimelineEvent>* appended) {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    auto m = mutate(incidents_[it->second]);
    if (!m) return tl::unexpected(m.error());
    m->incident.public_id = incidents_[it->second].public_id;
    // A mutation that changes, appends and queues nothing writes nothing.
    if (m->events.empty() && m->notifications.empty() && m->incident == incidents_[it->second]) {
      return core::UpdateOutcome{std::move(m->incident), {}};
    }
    incidents_[it->second] = m->incident;
    std::size_t n = m->events.size();
    Append(id, std::move(m->events));
    if (appended) {
      const auto& all = events_[id];
      appended->assign(all.end() - static_cast<std::ptrdiff_t>(n), all.end());
    }
    for (const auto& item : m->notifications) Enqueue(item);
    return core::UpdateOutcome{std::move(m->incident), {}};
  }

  Result<core::TimelineEvent> AppendEvent(const std::string& id, core::NewEvent event) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    std::vector<core::NewEvent> one;
    one.push_back(std::move(event));
    Append(id, std::move(one));
    return events_[id].back();
  }

  Result<core::Incident> GetIncident(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    return incidents_[it->second];
  }

  Result<void> UseDueFunction(core::DueFn due) override {
    std::lock_guard lock(mu_);
    due_ = std::move(due);
    return {};
  }

  Result<core::DuePage> DueIncidents(TimePoint now, const std::optional<core::DueCursor>& after,
                                     std::int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::pair<TimePoint, std::int64_t>, const core::Incident*>> due;
    for (const auto& i : incidents_) {
      if (i.deleted || (!due_ && core::IsClosed(i.state))) continue;
      TimePoint at = i.created;
      if (due_) {
        auto d = due_(i);
        if (!d) continue;
        at = *d;
      }
      auto key = std::make_pair(at, i.public_id);
      if (at > now || (after && key <= std::make_pair(after->due, after->public_id))) continue;
      due.emplace_back(key, &i);
    }
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    core::DuePage page;
    for (const auto& [key, inc] : due) {
      if (static_cast<std::int64_t>(page.incidents.size()) == limit) break;
      page.incidents.push_back(*inc);
      page.next = core::DueCursor{key.first, key.second};
    }
    if (static_cast<std::int64_t>(page.incidents.size()) < limit) page.next.reset();
    return page;
  }

  Result<core::SearchPage> SearchIncidents(const core::SearchRequest& req) override {
    std::lock_guard lock(mu_);
    std::vector<const core::Incident*> matched;
    for (const auto& i : incidents_) {
      if (!i.deleted && core::Matches(req.query, i)) matched.push_back(&i);
    }
    if (req.newest_first) std::reverse(matched.begin(), matched.end());
    core::SearchPage page;
    page.total = req.with_total ? static_cast<std::int64_t>(matched.size()) : -1;
    auto n = static_cast<std::int64_t>(matched.size());
    for (std::int64_t k = req.offset; k < n && k < req.offset + req.limit; ++k) {
      page.incidents.push_back(*matched[static_cast<std::size_t>(k)]);
    }
    if (req.with_facets) {
      std::map<std::string, std::int64_t> state, severity, commander;
      std::map<std::string, std::map<std::string, std::int64_t>> fields, phase_by_severity;
      for (const auto* i : matched) {
        Count(state, std::string(core::StateName(i->state)));
        Count(severity, i->severity);
        if (i->commander) Count(commander, i->commander->handle);
        for (const auto& [name, v] : i->fields) {
          for (const auto& value : v.Values()) Count(fields[name], value);
        }
        // The phase as the other backends search it: a field of that name wins.
        if (auto it = i->fields.find("phase"); it != i->fields.end()) {
          for (const auto& value : it->second.Values()) Count(phase_by_severity[i->severity], value);
        } else if (!i->phase.empty()) {
          Count(phase_by_severity[i->severity], i->phase);
        }
      }
      page.facets.state = ToCounts(state);
      page.facets.severity = ToCounts(severity);
      page.facets.commander = ToCounts(commander);
      for (const auto& [name, counts] : fields) page.facets.fields.push_back({name, ToCounts(counts)});
      for (const auto& [name, counts] : phase_by_severity) page.facets.phase_by_severity.push_back({name, ToCounts(counts)});
      core::NormalizeFacets(page.facets);
    }
    return page;
  }

  Result<std::vector<core::TimelineEvent>> Timeline(const std::string& id, std::int64_t offset,
                                                    std::int64_t limit) override {
    return TimelineIn(id, offset, limit, false);
  }
  Result<std::vector<core::TimelineEvent>> TimelineNewest(const std::string& id, std::int64_t offset,
                                                          std::int64_t limit) override {
    return TimelineIn(id, offset, limit, true);
  }
  Result<std::vector<core::TimelineEvent>> TimelineIn(const std::string& id, std::int64_t offset, std::int64_t limit,
                                                      bool newest_first) {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    std::vector<core::TimelineEvent> out;
    const auto& all = events_[id];
    const auto n = static_cast<std::int64_t>(all.size());
    for (std::int64_t k = offset; k < n && k < offset + limit; ++k) {
      out.push_back(all[static_cast<std::size_t>(newest_first ? n - 1 - k : k)]);
    }
    return out;
  }

  Result<std::vector<core::AlertRecord>> IngestAlerts(std::vector<core::AlertWork> work) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    // Stage on copies so that a failure leaves nothing behind.
    auto incidents = incidents_;
    auto by_id = by_id_;
    auto events = events_;
    auto groups = groups_;
    auto alerts = alerts_;
    auto outbox = outbox_;
    auto seq = seq_;
    std::vector<core::AlertRecord> out;
    for (auto& w : work) {
      const core::Alert& a = w.alert;
      const core::AlertRecord* dup = nullptr;
      if (!a.delivery_key.empty()) {
        for (const auto& r : alerts) {
          if (r.alert.source == a.source && r.alert.delivery_key == a.delivery_key) dup = &r;
        }
      }
      if (dup) {
        out.push_back(*dup);
        out.back().duplicate = true;
        continue;
      }
      core::GroupState group;
      if (auto g = groups.find(w.group_key); g != groups.end()) {
        const auto& inc = incidents[by_id[g->second]];
        if (!inc.deleted) (core::IsClosed(inc.state) ? group.previous : group.open) = inc;
      }
      core::AlertPlan plan = w.decide(group);
      core::AlertRecord rec{0, a, w.fingerprint, w.group_key, plan.decision, plan.detail, "", false};
      auto append = [&](const std::string& id, std::vector<core::NewEvent>& evs) {
        for (auto& e : evs) {
          events[id].push_back({++seq, id, e.at, e.actor, e.kind, e.message, e.changes});
        }
      };
      if (plan.create) {
        if (by_id.count(plan.create->id)) return MakeError(ErrorCode::kConflict, "incident already exists");
        plan.create->public_id = static_cast<std::int64_t>(incidents.size()) + 1;
        by_id[plan.create->id] = incidents.size();
        incidents.push_back(*plan.create);
        append(plan.create->id, plan.create_events);
        groups[w.group_key] = plan.create->id;
        rec.incident_id = plan.create->id;
      } else if (plan.update && group.open) {
        plan.update->public_id = group.open->public_id;
        incidents[by_id[group.open->id]] = *plan.update;
        append(group.open->id, plan.update_events);
        rec.incident_id = group.open->id;
      }
      for (const auto& n : plan.notifications) outbox.push_back(ToDelivery(n, static_cast<std::int64_t>(outbox.size()) + 1));
      rec.queued = static_cast<int>(plan.notifications.size());
      rec.seq = static_cast<std::int64_t>(alerts.size()) + 1;
      alerts.push_back(rec);
      out.push_back(rec);
    }
    incidents_ = std::move(incidents);
    by_id_ = std::move(by_id);
    events_ = std::move(events);
    groups_ = std::move(groups);
    alerts_ = std::move(alerts);
    outbox_ = std::move(outbox);
    seq_ = seq;
    return out;
  }

  Result<std::vector<core::AlertRecord>> ListAlerts(const core::AlertFilter& f) override {
    std::lock_guard lock(mu_);
    std::vector<core::AlertRecord> out;
    std::int64_t skipped = 0;
    auto take = [&](const core::AlertRecord& r) {  // false: the page is full
      const auto& a = r.alert;
      if (f.state && a.state != *f.state) return true;
      if (!f.monitor.empty() && a.monitor_name != f.monitor) return true;
      if (!f.tag.empty() && std::find(a.tags.begin(), a.tags.end(), f.tag) == a.tags.end()) return true;
      if (f.received_from && a.received_at < *f.received_from) return true;
      if (f.received_before && a.received_at >= *f.received_before) return true;
      if (r.seq <= f.after_seq) return true;
      if (skipped++ < f.offset) return true;
      if (static_cast<std::int64_t>(out.size()) >= f.limit) return false;
      out.push_back(r);
      return true;
    };
    if (f.oldest_first) {
      for (const auto& r : alerts_) {
        if (!take(r)) break;
      }
    } else {
      for (auto it = alerts_.rbegin(); it != alerts_.rend(); ++it) {
        if (!take(*it)) break;
      }
    }
    return out;
  }

  Result<std::vector<core::OutboxItem>> ListOutbox(const std::string& incident_id) override {
    std::lock_guard lock(mu_);
    std::vector<core::OutboxItem> out;
    for (const auto& d : outbox_) {
      if (d.incident_id == incident_id) out.push_back({d.channel, d.incident_id, d.kind, d.created, d.reason});
    }
    return out;
  }

  Result<std::vector<core::Delivery>> ClaimDeliveries(TimePoint now, std::int64_t limit) override {
    std::lock_guard lock(mu_);
    // Lanes waiting for a retry (queued, tried before, not claimed) hold
    // back their later deliveries (see Store::ClaimDeliveries).
    std::unordered_set<std::string> waiting;
    std::vector<core::Delivery*> due;
    for (auto& d : outbox_) {  // in queue order
      if (d.state != core::DeliveryState::kQueued) continue;
      std::string lane = d.Lane();
      bool held = waiting.count(lane) > 0;
      if (d.attempts > 0) waiting.insert(std::move(lane));
      if (!held && d.next_attempt_at <= now) due.push_back(&d);
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const core::Delivery* a, const core::Delivery* b) { return a->next_attempt_at < b->next_attempt_at; });
    std::vector<core::Delivery> out;
    for (auto* d : due) {
      if (static_cast<std::int64_t>(out.size()) >= limit) break;
      d->state = core::DeliveryState::kSending;
      out.push_back(*d);
    }
    return out;
  }

  Result<void> ReleaseClaims(const std::vector<std::int64_t>& ids) override {
    std::lock_guard lock(mu_);
    for (std::int64_t id : ids) {
      if (id < 1 || id > static_cast<std::int64_t>(outbox_.size())) continue;
      auto& d = outbox_[static_cast<std::size_t>(id - 1)];
      if (d.state == core::DeliveryState::kSending) d.state = core::DeliveryState::kQueued;
    }
    return {};
  }

  Result<void> FinishAttempt(const core::Delivery& d, const core::NewEvent& event) override {
    return FinishAttempts({core::AttemptRecord{d, event}});
  }

  Result<void> FinishAttempts(const std::vector<core::AttemptRecord>& records) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    for (const auto& r : records) {  // all or none
      if (r.delivery.id < 1 || r.delivery.id > static_cast<std::int64_t>(outbox_.size())) {
        return NotFound("no delivery " + std::to_string(r.delivery.id));
      }
    }
    for (const auto& r : records) {
      const core::Delivery& d = r.delivery;
      outbox_[static_cast<std::size_t>(d.id - 1)] = d;
      auto it = by_id_.find(d.incident_id);
      if (it != by_id_.end() && !incidents_[it->second].deleted) Append(d.incident_id, {r.event});
    }
    return {};
  }

  Result<std::int64_t> RequeueInFlight() override {
    std::lock_guard lock(mu_);
    std::int64_t n = 0;
    for (auto& d : outbox_) {
      if (d.state == core::DeliveryState::kSending) {
        d.state = core::DeliveryState::kQueued;
        ++n;
      }
    }
    return n;
  }

  Result<std::vector<core::Delivery>> ListDeliveries(const core::DeliveryFilter& f) override {
    std::lock_guard lock(mu_);
    std::vector<core::Delivery> out;
    std::int64_t skipped = 0;
    for (auto it = outbox_.rbegin(); it != outbox_.rend(); ++it) {
      if (f.state && it->state != *f.state) continue;
      if (!f.channel.empty() && it->channel != f.channel) continue;
      if (!f.incident_id.empty() && it->incident_id != f.incident_id) continue;
      if (skipped++ < f.offset) continue;
      if (static_cast<std::int64_t>(out.size()) >= f.limit) break;
      out.push_back(*it);
    }
    return out;
  }

  Result<std::string> FindThread(const std::string& incident_id, const std::string& channel) override {
    std::lock_guard lock(mu_);
    for (const auto& d : outbox_) {
      if (d.incident_id == incident_id && d.channel == channel && !d.thread_ts.empty()) return d.thread_ts;
    }
    return std::string();
  }

  Result<std::int64_t> CountDeliveries(core::DeliveryState state) override {
    std::lock_guard lock(mu_);
    return static_cast<std::int64_t>(
        std::count_if(outbox_.begin(), outbox_.end(), [&](const core::Delivery& d) { return d.state == state; }));
  }

  Result<bool> EnqueueNotice(const core::NoticeItem& n) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    if (!notice_keys_.insert(n.key).second) return false;
    core::Delivery d = ToDelivery(core::OutboxItem{n.channel, "", n.kind, n.created, n.reason, {}, n.due},
                                  static_cast<std::int64_t>(outbox_.size()) + 1);
    d.notice_key = n.key;
    d.body = n.body;
    outbox_.push_back(std::move(d));
    return true;
  }

  Result<void> AddOverride(const core::OverrideRecord& o) override {
    std::lock_guard lock(mu_);
    overrides_.push_back(o);
    return {};
  }

  Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) override {
    std::lock_guard lock(mu_);
    for (auto& o : overrides_) {
      if (o.id == id && !o.removed) {
        o.removed = now;
        o.removed_by = actor;
        return {};
      }
    }
    return NotFound("no override with id '" + id + "'");
  }

  Result<std::vector<core::OverrideRecord>> ListOverrides() override {
    std::lock_guard lock(mu_);
    return overrides_;
  }

  Result<void> CreateKey(const core::KeyRecord& key) override {
    std::lock_guard lock(mu_);
    for (const auto& k : keys_) {
      if (k.id == key.id || (!k.revoked && k.name == key.name)) {
        return MakeError(ErrorCode::kConflict, "a key named '" + key.name + "' already exists");
      }
    }
    keys_.push_back(key);
    return {};
  }

  Result<std::optional<core::KeyRecord>> FindKeyByApiHash(const std::string& hash) override {
    std::lock_guard lock(mu_);
    for (const auto& k : keys_) {
      if (!k.revoked && k.api_key_hash == hash) return std::optional<core::KeyRecord>(k);
    }
    return std::optional<core::KeyRecord>();
  }

  Result<std::optional<core::KeyRecord>> FindKeyByAppHash(const std::string& hash) override {
    std::lock_guard lock(mu_);
    for (const auto& k : keys_) {
      if (!k.revoked && !k.app_key_hash.empty() && k.app_key_hash == hash) return std::optional<core::KeyRecord>(k);
    }
    return std::optional<core::KeyRecord>();
  }

  Result<std::vector<core::KeyRecord>> ListKeys() override {
    std::lock_guard lock(mu_);
    return keys_;
  }

  Result<void> RevokeKey(const std::string& id_or_name, TimePoint now) override {
    std::lock_guard lock(mu_);
    for (auto& k : keys_) {
      if (!k.revoked && (k.id == id_or_name || k.name == id_or_name)) {
        k.revoked = now;
        return {};
      }
    }
    return NotFound("no live key with id or name '" + id_or_name + "'");
  }

  Result<void> SetPasswordHash(const std::string& handle, const std::string& hash, TimePoint) override {
    std::lock_guard lock(mu_);
    passwords_[handle] = hash;
    return {};
  }

  Result<std::optional<std::string>> GetPasswordHash(const std::string& handle) override {
    std::lock_guard lock(mu_);
    auto it = passwords_.find(handle);
    if (it == passwords_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<void> CreateSession(const core::SessionRecord& session) override {
    std::lock_guard lock(mu_);
    std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires <= session.created; });
    if (!sessions_.emplace(session.token_hash, session).second) {
      return MakeError(ErrorCode::kConflict, "a session with that token already exists");
    }
    return {};
  }

  Result<std::optional<core::SessionRecord>> FindSession(const std::string& token_hash, TimePoint now) override {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(token_hash);
    if (it == sessions_.end() || it->second.expires <= now) return std::optional<core::SessionRecord>();
    return std::optional<core::SessionRecord>(it->second);
  }

  Result<void> DeleteSession(const std::string& token_hash) override {
    std::lock_guard lock(mu_);
    sessions_.erase(token_hash);
    return {};
  }

  Result<void> RecordConfigReload(const core::ConfigReloadRecord& record) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    reloads_.push_back(record);
    return {};
  }

  Result<std::vector<core::ConfigReloadRecord>> ListConfigReloads(std::int64_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<core::ConfigReloadRecord> out;
    for (auto it = reloads_.rbegin(); it != reloads_.rend() && static_cast<std::int64_t>(out.size()) < limit; ++it) {
      out.push_back(*it);
    }
    return out;
  }

  void Close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

 private:
  static core::Delivery ToDelivery(const core::OutboxItem& n, std::int64_t id) {
    core::Delivery d;
    d.id = id;
    d.incident_id = n.incident_id;
    d.channel = n.channel;
    d.kind = n.kind;
    d.reason = n.reason;
    d.created = n.created;
    d.next_attempt_at = n.due.value_or(n.created);
    d.to = n.to;
    return d;
  }

  void Enqueue(const core::OutboxItem& n) { outbox_.push_back(ToDelivery(n, static_cast<std::int64_t>(outbox_.size()) + 1)); }

  void Append(const std::string& id, std::vector<core::NewEvent> events) {
    for (auto& e : events) {
      core::TimelineEvent t;
      t.seq = ++seq_;
      t.incident_id = id;
      t.at = e.at;
      t.actor = e.actor;
      t.kind = e.kind;
      t.message = e.message;
      t.changes = e.changes;
      events_[id].push_back(std::move(t));
    }
  }

  core::DueFn due_;
  std::mutex mu_;
  bool closed_ = false;
  std::vector<core::Incident> incidents_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_map<std::string, std::vector<core::TimelineEvent>> events_;
  std::vector<core::KeyRecord> keys_;
  std::map<std::string, std::string> passwords_;
  std::map<std::string, core::SessionRecord> sessions_;
  std::vector<core::ConfigReloadRecord> reloads_;
  std::vector<core::OverrideRecord> overrides_;
  std::unordered_map<std::string, std::string> groups_;
  std::vector<core::AlertRecord> alerts_;
  std::vector<core::Delivery> outbox_;  // id = index + 1
  std::unordered_set<std::string> notice_keys_;
  std::int64_t seq_ = 0;
};

}  // namespace

std::unique_ptr<core::Store> MakeMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace tocsin::storage
