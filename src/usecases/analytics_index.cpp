#include "usecases/analytics_index.hpp"

#include <utility>

namespace tocsin::usecases {
namespace {

constexpr std::int64_t kPage = 1000;
constexpr int kMaxRebuilds = 3;  // per read: a deletion during a rebuild may have hidden a row; read again

}  // namespace

AnalyticsIndex::AnalyticsIndex(core::Store& store, std::shared_ptr<ChangeFeed> feed)
    : store_(store), feed_(std::move(feed)), marks_(std::make_shared<Marks>()) {
  // The subscriber holds the marks, not this: the feed may call it after
  // Unsubscribe has returned.
  subscription_ = feed_->Subscribe([marks = marks_](const Change& c) {
    if (c.kind != Change::Kind::kIncident) return;
    std::lock_guard lock(marks->mu);
    if (marks->all) return;
    if (c.incident_id.empty() || marks->ids.size() >= kMaxMarked) {
      marks->all = true;
      marks->ids.clear();
      return;
    }
    marks->ids.insert(c.incident_id);
  });
}

AnalyticsIndex::~AnalyticsIndex() { feed_->Unsubscribe(subscription_); }

Result<void> AnalyticsIndex::Read(const std::function<void(const core::metrics::Rows&)>& read) {
  std::lock_guard lock(mu_);
  bool rebuild = false;
  std::unordered_set<std::string> ids;
  auto take = [&] {
    std::lock_guard marks_lock(marks_->mu);
    rebuild = rebuild || marks_->all;
    marks_->all = false;
    if (ids.empty()) {
      ids.swap(marks_->ids);
    } else {
      ids.merge(marks_->ids);
      marks_->ids.clear();
    }
  };
  auto give_back = [&] {
    std::lock_guard marks_lock(marks_->mu);
    if (rebuild) {
      marks_->all = true;
      marks_->ids.clear();
    } else if (!marks_->all) {
      marks_->ids.merge(ids);
    }
  };
  take();
  for (int built = 0;;) {
    if (rebuild) {
      ids.clear();  // the rebuild reads every incident
      if (auto ok = Rebuild(); !ok) {
        give_back();
        return ok;
      }
      rebuild = false;
      ++built;
      take();  // what changed while it read
      if (rebuild) continue;
    }
    bool saw_missing = false;
    if (auto ok = Refresh(ids, saw_missing); !ok) {
      give_back();
      return ok;
    }
    if (built > 0 && saw_missing && built < kMaxRebuilds) {
      rebuild = true;
      continue;
    }
    break;
  }
  read(rows_);
  return {};
}

Result<void> AnalyticsIndex::Rebuild() {
  // Oldest first: incidents created during the read come at the end (a row
  // read twice is put twice, harmlessly); a deletion during it is caught by
  // the caller.
  core::metrics::Rows rows;
  std::unordered_map<std::string, std::size_t> at;
  std::vector<const std::string*> ids;
  core::SearchRequest req;
  req.newest_first = false;
  req.limit = kPage;
  req.with_total = false;
  for (std::int64_t offset = 0;; offset += kPage) {
    req.offset = offset;
    auto page = store_.SearchIncidents(req);
    if (!page) return tl::unexpected(page.error());
    for (const core::Incident& i : page->incidents) {
      auto it = at.find(i.id);
      if (it != at.end()) {
        rows.Set(it->second, i);  // read twice: the page boundary moved
        continue;
      }
      if (!rows.Add(i)) continue;
      auto [node, added] = at.emplace(i.id, rows.size() - 1);
      ids.push_back(&node->first);
    }
    if (static_cast<std::int64_t>(page->incidents.size()) < kPage) break;
  }
  rows_ = std::move(rows);
  at_ = std::move(at);
  ids_ = std::move(ids);
  ++stats_.rebuilds;
  stats_.rows = static_cast<std::int64_t>(rows_.size());
  return {};
}

Result<void> AnalyticsIndex::Refresh(std::unordered_set<std::string>& ids, bool& saw_missing) {
  for (auto it = ids.begin(); it != ids.end(); it = ids.erase(it)) {
    auto incident = store_.GetIncident(*it);
    if (!incident && incident.error().code != ErrorCode::kNotFound) return tl::unexpected(incident.error());
    if (!incident) saw_missing = true;
    Put(*it, incident ? &*incident : nullptr);
    ++stats_.refreshed;
  }
  stats_.rows = static_cast<std::int64_t>(rows_.size());
  return {};
}

void AnalyticsIndex::Put(const std::string& id, const core::Incident* incident) {
  auto it = at_.find(id);
  if (!incident) {
    if (it != at_.end()) Drop(id);
    return;
  }
  if (it != at_.end()) {
    if (!rows_.Set(it->second, *incident)) Drop(id);  // deleted, or made a test incident
    return;
  }
  if (!rows_.Add(*incident)) return;
  auto [node, added] = at_.emplace(id, rows_.size() - 1);
  ids_.push_back(&node->first);
}

void AnalyticsIndex::Drop(const std::string& id) {
  auto it = at_.find(id);
  if (it == at_.end()) return;
  std::size_t at = it->second, last = rows_.size() - 1;
  rows_.Remove(at);  // the last row moves to `at`
  if (at != last) {
    ids_[at] = ids_[last];
    at_[*ids_[at]] = at;
  }
  ids_.pop_back();
  at_.erase(it);
}

AnalyticsIndex::Stats AnalyticsIndex::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace tocsin::usecases
