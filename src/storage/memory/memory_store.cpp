#include "storage/memory/memory_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

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

  Result<core::Incident> UpdateIncident(const std::string& id, const core::MutateFn& mutate) override {
    std::lock_guard lock(mu_);
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    auto m = mutate(incidents_[it->second]);
    if (!m) return tl::unexpected(m.error());
    m->incident.public_id = incidents_[it->second].public_id;
    incidents_[it->second] = m->incident;
    Append(id, std::move(m->events));
    return m->incident;
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

  Result<core::SearchPage> SearchIncidents(const core::SearchRequest& req) override {
    std::lock_guard lock(mu_);
    std::vector<const core::Incident*> matched;
    for (const auto& i : incidents_) {
      if (!i.deleted && core::Matches(req.query, i)) matched.push_back(&i);
    }
    if (req.newest_first) std::reverse(matched.begin(), matched.end());
    core::SearchPage page;
    page.total = static_cast<std::int64_t>(matched.size());
    for (std::int64_t k = req.offset; k < page.total && k < req.offset + req.limit; ++k) {
      page.incidents.push_back(*matched[static_cast<std::size_t>(k)]);
    }
    if (req.with_facets) {
      std::map<std::string, std::int64_t> state, severity, commander;
      std::map<std::string, std::map<std::string, std::int64_t>> fields;
      for (const auto* i : matched) {
        Count(state, std::string(core::StateName(i->state)));
        Count(severity, i->severity);
        if (i->commander) Count(commander, i->commander->handle);
        for (const auto& [name, v] : i->fields) {
          for (const auto& value : v.Values()) Count(fields[name], value);
        }
      }
      page.facets.state = ToCounts(state);
      page.facets.severity = ToCounts(severity);
      page.facets.commander = ToCounts(commander);
      for (const auto& [name, counts] : fields) page.facets.fields.push_back({name, ToCounts(counts)});
      core::NormalizeFacets(page.facets);
    }
    return page;
  }

  Result<std::vector<core::TimelineEvent>> Timeline(const std::string& id, std::int64_t offset,
                                                    std::int64_t limit) override {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || incidents_[it->second].deleted) return NotFound("incident " + id + " not found");
    std::vector<core::TimelineEvent> out;
    const auto& all = events_[id];
    for (std::int64_t k = offset; k < static_cast<std::int64_t>(all.size()) && k < offset + limit; ++k) {
      out.push_back(all[static_cast<std::size_t>(k)]);
    }
    return out;
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

  void Close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

 private:
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

  std::mutex mu_;
  bool closed_ = false;
  std::vector<core::Incident> incidents_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_map<std::string, std::vector<core::TimelineEvent>> events_;
  std::vector<core::KeyRecord> keys_;
  std::int64_t seq_ = 0;
};

}  // namespace

std::unique_ptr<core::Store> MakeMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace tocsin::storage
