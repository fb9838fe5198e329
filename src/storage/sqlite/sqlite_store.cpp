#include "storage/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/log.hpp"
#include "common/random.hpp"
#include "common/thread_name.hpp"
#include "storage/alert_record.hpp"
#include "storage/incident_codec.hpp"
#include "storage/sql_text.hpp"
#include "storage/sqlite/live_offset.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/search_sql.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/wal_buffer_vfs.hpp"

namespace tocsin::storage {
namespace {



using sqlite::Connection;
using sqlite::Param;
using sqlite::Statement;

constexpr const char* kIncidentColumns = "doc";

class SqliteStore final : public core::Store {
 public:
  // `wal_fd` >= 0 turns on the pipelined commit: the writer connection's WAL
  // syncs only write (wal_buffer_vfs.hpp) and the syncer thread makes each
  // committed batch durable (fdatasync of the WAL) before its callers are answered.
  // `checkpointer` (optional) checkpoints the WAL off the writer thread.
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
              std::vector<std::unique_ptr<Connection>> readers, int wal_fd,
              std::unique_ptr<Connection> checkpointer)
      : options_(std::move(options)),
        writer_(std::move(writer)),
        wal_fd_(wal_fd),
        checkpointer_(std::move(checkpointer)),
        readers_(std::move(readers)) {
    if (checkpointer_) {
      sqlite3_wal_hook(writer_->raw(), &SqliteStore::OnWalCommit, this);
      checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
    }
    // Everything on disk at open (OpenSqliteStore synced the WAL) may be sent.
    synced_outbox_.store(OutboxHighWater(), std::memory_order_relaxed);
    to_sync_outbox_high_ = synced_outbox_.load(std::memory_order_relaxed);
    if (wal_fd_ >= 0) sync_thread_ = std::thread([this] { SyncLoop(); });
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteStore() override { Close(); }

  Result<core::Incident> CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) override {
    core::Incident out;
    auto r = Write([&](Connection& c) -> Result<void> {
      core::Incident inc = draft;
      if (auto ok = InsertIncident(c, inc, events); !ok) return ok;
      out = std::move(inc);
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& mutate) override {
    std::vector<core::TimelineEvent> appended;
    auto r = Update(id, mutate, &appended);
    if (!r) return tl::unexpected(r.error());
    return core::UpdateOutcome{std::move(r->incident), std::move(appended)};
  }

  // UpdateIncident; `appended` (optional) receives the events written, with
  // the sequence numbers their rows got.
  Result<core::UpdateOutcome> Update(const std::string& id, const core::MutateFn& mutate,
                                     std::vector<core::TimelineEvent>* appended) {
    core::UpdateOutcome out;
    auto r = Write([&](Connection& c) -> Result<void> {
      auto current = LoadLive(c, id);
      if (!current) return tl::unexpected(current.error());
      auto m = mutate(*current);
      if (!m) return tl::unexpected(m.error());
      core::Incident inc = std::move(m->incident);
      if (Unchanged(*current, inc, *m)) {
        // Nothing to write: no row rewrite, no version bump, nothing for the WAL.
        out.incident = std::move(inc);
        if (appended) appended->clear();
        return {};
      }
      std::vector<std::int64_t> seqs;
      if (auto ok = ReplaceIncident(c, *current, inc, m->events, appended ? &seqs : nullptr); !ok) return ok;
      if (auto ok = WriteOutbox(c, m->notifications); !ok) return ok;
      out.incident = std::move(inc);
      if (appended) {
        appended->clear();
        for (std::size_t k = 0; k < seqs.size(); ++k) {
          auto& e = m->events[k];
          appended->push_back({seqs[k], id, e.at, std::move(e.actor), std::move(e.kind), std::move(e.message),
                               std::move(e.changes)});
        }
      }
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<std::vector<core::AlertRecord>> IngestAlerts(std::vector<core::AlertWork> work) override {
    std::vector<core::AlertRecord> out;
    auto r = Write([&](Connection& c) -> Result<void> {
      out.clear();
      for (auto& w : work) {
        auto rec = IngestOne(c, w);
        if (!rec) return tl::unexpected(rec.error());
        out.push_back(std::move(*rec));
      }
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<std::vector<core::AlertRecord>> ListAlerts(const core::AlertFilter& f) override {
    return Read([&](Connection& c) -> Result<std::vector<core::AlertRecord>> {
      std::string sql = std::string(kAlertSelect) + " WHERE 1";
      std::vector<Param> params;
      if (f.state) {
        sql += " AND a.state = ?";
        params.emplace_back(std::string(core::AlertStateName(*f.state)));
      }
      if (!f.monitor.empty()) {
        sql += " AND a.monitor_name = ?";
        params.emplace_back(f.monitor);
      }
      if (!f.tag.empty()) {
        sql += " AND EXISTS (SELECT 1 FROM alert_tags t WHERE t.tag = ? AND t.seq = a.seq)";
        params.emplace_back(f.tag);
      }
      if (f.received_from) {
        sql += " AND a.received_at >= ?";
        params.emplace_back(ToUnixMicros(*f.received_from));
      }
      if (f.received_before) {
        sql += " AND a.received_at < ?";
        params.emplace_back(ToUnixMicros(*f.received_before));
      }
      if (f.after_seq > 0) {
        sql += " AND a.seq > ?";
        params.emplace_back(f.after_seq);
      }
      sql += f.oldest_first ? " ORDER BY a.seq ASC LIMIT ? OFFSET ?" : " ORDER BY a.seq DESC LIMIT ? OFFSET ?";
      params.emplace_back(f.limit);
      params.emplace_back(f.offset);
      auto q = c.Prepare(sql, false);
      if (!q) return tl::unexpected(q.error());
      q->BindAll(params);
      std::vector<core::AlertRecord> records;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        auto rec = ReadAlert(*q);
        if (!rec) return tl::unexpected(rec.error());
        records.push_back(std::move(*rec));
      }
      return records;
    });
  }

  Result<std::vector<core::OutboxItem>> ListOutbox(const std::string& incident_id) override {
    return Read([&](Connection& c) -> Result<std::vector<core::OutboxItem>> {
      auto q = c.Prepare("SELECT channel, incident_id, kind, created, reason FROM outbox WHERE incident_id = ? ORDER BY id");
      // (ListOutbox keeps the enqueue view; ListDeliveries shows delivery state.)
      if (!q) return tl::unexpected(q.error());
      q->Bind(1, incident_id);
      std::vector<core::OutboxItem> items;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        items.push_back({q->Text(0), q->Text(1), q->Text(2), FromUnixMicros(q->Int(3)), q->Text(4)});
      }
      return items;
    });
  }

  Result<core::TimelineEvent> AppendEvent(const std::string& id, core::NewEvent event) override {
    core::TimelineEvent out;
    auto r = Write([&](Connection& c) -> Result<void> {
      auto current = LoadLive(c, id);
      if (!current) return tl::unexpected(current.error());
      if (auto ok = WriteEvents(c, current->public_id, {event}); !ok) return ok;
      out.seq = sqlite3_last_insert_rowid(c.raw());
      out.incident_id = id;
      out.at = event.at;
      out.actor = event.actor;
      out.kind = event.kind;
      out.message = event.message;
      out.changes = event.changes;
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<core::Incident> GetIncident(const std::string& id) override {
    return Read([&](Connection& c) { return LoadLive(c, id); });
  }

  Result<core::SearchPage> SearchIncidents(const core::SearchRequest& req) override {
    return Read([&](Connection& c) -> Result<core::SearchPage> {
      std::vector<Param> params;
      std::string where = sqlite::BuildWhere(req.query, params);
      // Only "live" filters the listing: a deep page is found by public id
      // (live_offset.hpp) instead of stepping through the offset. The bound and
      // the page must come from one snapshot, hence the read transaction.
      if (where == "1" && params.empty() && req.offset > 0) {
        if (auto ok = c.Exec("BEGIN"); !ok) return tl::unexpected(ok.error());
        auto page = SearchPageOf(c, req, where, params, true);
        if (auto ok = c.Exec("COMMIT"); !ok) {
          (void)c.Exec("ROLLBACK");
          if (page) return tl::unexpected(ok.error());
        }
        return page;
      }
      return SearchPageOf(c, req, where, params, false);
    });
  }

  Result<std::vector<core::TimelineEvent>> Timeline(const std::string& id, std::int64_t offset,
                                                    std::int64_t limit) override {
    return TimelineIn(id, offset, limit, false);
  }
  Result<std::vector<core::TimelineEvent>> TimelineNewest(const std::string& id, std::int64_t offset,
                                                          std::int64_t limit) override {
    return TimelineIn(id, offset, limit, true);
  }
  Result<std::vector<core::TimelineEvent>> TimelineIn(const std::string& id, std::int64_t offset,
                                                      std::int64_t limit, bool newest_first) {
    return Read([&](Connection& c) -> Result<std::vector<core::TimelineEvent>> {
      auto inc = LoadLive(c, id);
      if (!inc) return tl::unexpected(inc.error());
      auto q = c.Prepare(newest_first
          ? "SELECT seq, at, actor_uuid, actor_handle, kind, message, changes FROM incident_events "
            "WHERE incident = ? ORDER BY seq DESC LIMIT ? OFFSET ?"
          : "SELECT seq, at, actor_uuid, actor_handle, kind, message, changes FROM incident_events "
            "WHERE incident = ? ORDER BY seq LIMIT ? OFFSET ?");
      if (!q) return tl::unexpected(q.error());
      q->Bind(1, inc->public_id);
      q->Bind(2, limit);
      q->Bind(3, offset);
      std::vector<core::TimelineEvent> out;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        core::TimelineEvent e;
        e.seq = q->Int(0);
        e.incident_id = id;
        e.at = FromUnixMicros(q->Int(1));
        e.actor = core::Actor{q->Text(2), q->Text(3)};
        e.kind = q->Text(4);
        e.message = q->Text(5);
        e.changes = DecodeChanges(q->Text(6));
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<void> UseDueFunction(core::DueFn due) override {
    return Write([&](Connection& c) -> Result<void> {
      due_ = due;
      auto q = c.Prepare("SELECT doc FROM incidents WHERE deleted = 0 AND (state IN ('active', 'stable') OR due_at IS NOT NULL)", false);
      if (!q) return tl::unexpected(q.error());
      auto upd = c.Prepare("UPDATE incidents SET due_at = ? WHERE public_id = ?", false);
      if (!upd) return tl::unexpected(upd.error());
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        auto inc = DecodeIncident(q->Text(0));
        if (!inc) return tl::unexpected(inc.error());
        auto at = DueOf(*inc);
        upd->BindAll({at ? Param(ToUnixMicros(*at)) : Param(nullptr), inc->public_id});
        if (auto ok = upd->Run(); !ok) return ok;
      }
      return {};
    });
  }

  Result<core::DuePage> DueIncidents(TimePoint now, const std::optional<core::DueCursor>& after,
                                     std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<core::DuePage> {
      auto q = c.Prepare(
          "SELECT due_at, public_id, doc FROM incidents WHERE due_at IS NOT NULL AND deleted = 0 AND due_at <= ? "
          "AND (due_at, public_id) > (?, ?) ORDER BY due_at, public_id LIMIT ?");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({ToUnixMicros(now), after ? ToUnixMicros(after->due) : std::numeric_limits<std::int64_t>::min(),
                  after ? after->public_id : std::int64_t{0}, limit});
      core::DuePage page;
      core::DueCursor last;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        last = core::DueCursor{FromUnixMicros(q->Int(0)), q->Int(1)};
        auto inc = DecodeIncident(q->Text(2));
        if (!inc) return tl::unexpected(inc.error());
        page.incidents.push_back(std::move(*inc));
      }
      if (static_cast<std::int64_t>(page.incidents.size()) == limit) page.next = last;
      return page;
    });
  }

  // Claims live in memory (claimed_), not in the database: a claim is one
  // read, with no write transaction and no fsync on a notification's path. A
  // restart forgets them, which is all a durable "sending" mark was for
  // (RequeueInFlight turned it back into "queued" at every start). claim_mu_
  // is held across the read, and a claim ends only after its outcome has
  // committed, so a claim never returns a delivery that is in flight or
  // whose outcome it cannot see.
  //
  // Lanes (Store::ClaimDeliveries): a delivery waits while an earlier one of
  // its lane is queued for a retry and not claimed (outbox_retrying finds
  // those). Only outbox rows at or below the synced high-water mark are
  // claimed: their queuing commit is on disk (see SyncLoop).
  Result<std::vector<core::Delivery>> ClaimDeliveries(TimePoint now, std::int64_t limit) override {
    std::lock_guard claim_lock(claim_mu_);
    std::string claimed = ClaimedJson();
    std::int64_t synced = synced_outbox_.load(std::memory_order_acquire);
    auto rows = Read([&](Connection& c) -> Result<std::vector<core::Delivery>> {
      auto q = c.Prepare(std::string(kDeliverySelect) +
                         " AS o WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 AND o.id <= ?4"
                         " AND o.id NOT IN (SELECT value FROM json_each(?2))"
                         " AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.incident_id = o.incident_id"
                         " AND e.channel = o.channel AND e.recipient = o.recipient"
                         " AND e.contact_method = o.contact_method AND e.state = 'queued' AND e.attempts > 0"
                         " AND e.id < o.id AND e.id NOT IN (SELECT value FROM json_each(?2)))"
                         " ORDER BY o.next_attempt_at, o.id LIMIT ?3");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({ToUnixMicros(now), claimed, limit, synced});
      std::vector<core::Delivery> out;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        out.push_back(ReadDelivery(*q));
      }
      return out;
    });
    if (!rows) return rows;
    for (auto& d : *rows) {
      claimed_.insert(d.id);
      d.state = core::DeliveryState::kSending;
    }
    return rows;
  }

  Result<void> ReleaseClaims(const std::vector<std::int64_t>& ids) override {
    std::lock_guard claim_lock(claim_mu_);
    for (std::int64_t id : ids) claimed_.erase(id);
    return {};
  }

  std::optional<std::string> Failure() const override {
    if (!failed_.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard lock(failure_mu_);
    return failure_;
  }

  Result<void> FinishAttempt(const core::Delivery& d, const core::NewEvent& event) override {
    return FinishAttempts({core::AttemptRecord{d, event}});
  }

  // One write transaction for all the outcomes and their timeline events.
  Result<void> FinishAttempts(const std::vector<core::AttemptRecord>& records) override {
    if (records.empty()) return {};
    auto r = Write([&](Connection& c) -> Result<void> {
      auto upd = c.Prepare(
          "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, "
          "thread_ts = ? WHERE id = ?");
      if (!upd) return tl::unexpected(upd.error());
      // The incident's number, without decoding the incident; 0 = deleted.
      auto live = c.Prepare("SELECT public_id FROM incidents WHERE id = ? AND deleted = 0");
      if (!live) return tl::unexpected(live.error());
      std::unordered_map<std::string, std::int64_t> public_ids;
      for (const auto& rec : records) {
        const core::Delivery& d = rec.delivery;
        upd->BindAll({std::string(core::DeliveryStateName(d.state)), static_cast<std::int64_t>(d.attempts),
                      ToUnixMicros(d.next_attempt_at), d.last_error,
                      d.delivered_at ? Param(ToUnixMicros(*d.delivered_at)) : Param(nullptr), d.thread_ts, d.id});
        if (auto ok = upd->Run(); !ok) return ok;
        auto [it, added] = public_ids.try_emplace(d.incident_id, 0);
        if (added) {
          live->BindAll({d.incident_id});
          auto found = live->Step();
          if (!found) return tl::unexpected(found.error());
          if (*found) it->second = live->Int(0);
        }
        if (it->second == 0) continue;
        if (auto ok = WriteEvents(c, it->second, {rec.event}); !ok) return ok;
      }
      return {};
    });
    if (!r) return r;
    std::lock_guard claim_lock(claim_mu_);
    for (const auto& rec : records) claimed_.erase(rec.delivery.id);
    return {};
  }

  Result<bool> EnqueueNotice(const core::NoticeItem& n) override {
    bool added = false;
    auto r = Write([&](Connection& c) -> Result<void> {
      // The unique index on notice_key makes a second insert of a key a no-op.
      auto q = c.Prepare(
          "INSERT OR IGNORE INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, notice_key, body) "
          "VALUES ('',?,?,?,?,?,?,?)");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({n.channel, n.kind, n.reason, ToUnixMicros(n.created), ToUnixMicros(n.due.value_or(n.created)), n.key,
                  n.body});
      if (auto ok = q->Run(); !ok) return ok;
      added = sqlite3_changes(c.raw()) > 0;
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return added;
  }

  Result<std::int64_t> RequeueInFlight() override {
    std::int64_t n = 0;
    auto r = Write([&](Connection& c) -> Result<void> {
      if (auto ok = c.Exec("UPDATE outbox SET state = 'queued' WHERE state = 'sending'"); !ok) return ok;
      n = sqlite3_changes(c.raw());
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    std::lock_guard claim_lock(claim_mu_);
    n += static_cast<std::int64_t>(claimed_.size());
    claimed_.clear();
    return n;
  }

  Result<std::vector<core::Delivery>> ListDeliveries(const core::DeliveryFilter& f) override {
    std::lock_guard claim_lock(claim_mu_);  // a consistent view of the claims (see ClaimDeliveries)
    std::string claimed = ClaimedJson();
    return Read([&](Connection& c) -> Result<std::vector<core::Delivery>> {
      std::string sql = std::string(kDeliverySelect) + " WHERE 1";
      std::vector<Param> params;
      if (f.state) sql += " AND " + StateCondition(*f.state, claimed, params);
      if (!f.channel.empty()) {
        sql += " AND channel = ?";
        params.emplace_back(f.channel);
      }
      if (!f.incident_id.empty()) {
        sql += " AND incident_id = ?";
        params.emplace_back(f.incident_id);
      }
      sql += " ORDER BY id DESC LIMIT ? OFFSET ?";
      params.emplace_back(f.limit);
      params.emplace_back(f.offset);
      auto q = c.Prepare(sql, false);
      if (!q) return tl::unexpected(q.error());
      q->BindAll(params);
      std::vector<core::Delivery> out;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        out.push_back(ReadDelivery(*q));
        if (out.back().state == core::DeliveryState::kQueued && claimed_.count(out.back().id)) {
          out.back().state = core::DeliveryState::kSending;
        }
      }
      return out;
    });
  }

  Result<std::string> FindThread(const std::string& incident_id, const std::string& channel) override {
    return Read([&](Connection& c) -> Result<std::string> {
      auto q = c.Prepare(
          "SELECT thread_ts FROM outbox WHERE incident_id = ? AND channel = ? AND thread_ts <> '' ORDER BY id LIMIT 1");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({incident_id, channel});
      auto step = q->Step();
      if (!step) return tl::unexpected(step.error());
      return *step ? q->Text(0) : std::string();
    });
  }

  // From outbox_counts (kept by triggers, migration 10) and the number of
  // claims: no scan of the outbox, and the claim mutex only to read a size.
  Result<std::int64_t> CountDeliveries(core::DeliveryState state) override {
    std::int64_t claims = 0;
    if (state == core::DeliveryState::kQueued || state == core::DeliveryState::kSending) {
      std::lock_guard claim_lock(claim_mu_);
      claims = static_cast<std::int64_t>(claimed_.size());
    }
    auto n = Read([&](Connection& c) -> Result<std::int64_t> {
      auto q = c.Prepare("SELECT n FROM outbox_counts WHERE state = ?");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({std::string(core::DeliveryStateName(state))});
      auto step = q->Step();
      if (!step) return tl::unexpected(step.error());
      return *step ? q->Int(0) : std::int64_t{0};
    });
    if (!n) return n;
    // Claims are queued rows counted as sending. A claim of a row whose
    // outcome committed a moment ago may still be counted: never below zero.
    if (state == core::DeliveryState::kQueued) return std::max<std::int64_t>(0, *n - claims);
    if (state == core::DeliveryState::kSending) return *n + claims;
    return *n;
  }

 private:
  // Claims (see ClaimDeliveries) as a JSON array, for json_each(). Under claim_mu_.
  std::string ClaimedJson() const {
    std::string out = "[";
    for (std::int64_t id : claimed_) {
      if (out.size() > 1) out += ',';
      out += std::to_string(id);
    }
    return out + "]";
  }

  // The SQL condition for deliveries in `state`, claims counted as sending.
  static std::string StateCondition(core::DeliveryState state, const std::string& claimed, std::vector<Param>& params) {
    if (state == core::DeliveryState::kQueued) {
      params.emplace_back(claimed);
      return "(state = 'queued' AND id NOT IN (SELECT value FROM json_each(?)))";
    }
    if (state == core::DeliveryState::kSending) {
      params.emplace_back(claimed);
      return "(state = 'sending' OR (state = 'queued' AND id IN (SELECT value FROM json_each(?))))";
    }
    params.emplace_back(std::string(core::DeliveryStateName(state)));
    return "state = ?";
  }

  std::mutex claim_mu_;
  std::unordered_set<std::int64_t> claimed_;  // deliveries being sent; see ClaimDeliveries

 public:

  Result<void> AddOverride(const core::OverrideRecord& o) override {
    return Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare(
          "INSERT INTO schedule_overrides (id, schedule, user_handle, for_user, start, end, created_by, created) "
          "VALUES (?,?,?,?,?,?,?,?)");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({o.id, o.schedule, o.user, o.for_user, ToUnixMicros(o.start), ToUnixMicros(o.end), o.created_by,
                  ToUnixMicros(o.created)});
      return q->Run();
    });
  }

  Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) override {
    return Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare("UPDATE schedule_overrides SET removed = ?, removed_by = ? WHERE id = ? AND removed IS NULL");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({ToUnixMicros(now), actor, id});
      if (auto ok = q->Run(); !ok) return ok;
      if (sqlite3_changes(c.raw()) == 0) return NotFound("no override with id '" + id + "'");
      return {};
    });
  }

  Result<std::vector<core::OverrideRecord>> ListOverrides() override {
    return Read([&](Connection& c) -> Result<std::vector<core::OverrideRecord>> {
      auto q = c.Prepare(
          "SELECT id, schedule, user_handle, for_user, start, end, created_by, created, removed, removed_by "
          "FROM schedule_overrides ORDER BY created, id");
      if (!q) return tl::unexpected(q.error());
      std::vector<core::OverrideRecord> out;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        core::OverrideRecord o{q->Text(0), q->Text(1), q->Text(2), q->Text(3), FromUnixMicros(q->Int(4)),
                               FromUnixMicros(q->Int(5)), q->Text(6), FromUnixMicros(q->Int(7)), std::nullopt, q->Text(9)};
        if (!q->IsNull(8)) o.removed = FromUnixMicros(q->Int(8));
        out.push_back(std::move(o));
      }
      return out;
    });
  }

  Result<void> CreateKey(const core::KeyRecord& key) override {
    if (auto ok = BumpKeysMarker(); !ok) return MakeError(ok.error().code, ok.error().message + "; no key was created");
    return BumpKeysMarkerAfter(Write([&](Connection& c) -> Result<void> {
      auto dup = c.Prepare("SELECT 1 FROM api_keys WHERE name = ? AND revoked IS NULL");
      if (!dup) return tl::unexpected(dup.error());
      dup->Bind(1, key.name);
      auto found = dup->Step();
      if (!found) return tl::unexpected(found.error());
      if (*found) return MakeError(ErrorCode::kConflict, "a key named '" + key.name + "' already exists");
      auto ins = c.Prepare(
          "INSERT INTO api_keys (id, name, kind, api_key_hash, app_key_hash, user_handle, hint, created, revoked, scope) "
          "VALUES (?,?,?,?,?,?,?,?,NULL,?)");
      if (!ins) return tl::unexpected(ins.error());
      ins->BindAll({key.id, key.name, key.kind, key.api_key_hash,
                    key.app_key_hash.empty() ? Param(nullptr) : Param(key.app_key_hash), key.user_handle, key.hint,
                    ToUnixMicros(key.created), key.scope});
      return ins->Run();
    }));
  }

  Result<std::optional<core::KeyRecord>> FindKeyByApiHash(const std::string& hash) override {
    return FindKey("api_key_hash", hash);
  }
  Result<std::optional<core::KeyRecord>> FindKeyByAppHash(const std::string& hash) override {
    return FindKey("app_key_hash", hash);
  }

  Result<std::vector<core::KeyRecord>> ListKeys() override {
    return Read([&](Connection& c) -> Result<std::vector<core::KeyRecord>> {
      auto q = c.Prepare(std::string(kKeySelect) + " ORDER BY created");
      if (!q) return tl::unexpected(q.error());
      std::vector<core::KeyRecord> out;
      while (true) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        out.push_back(ReadKey(*q));
      }
      return out;
    });
  }

  Result<void> RevokeKey(const std::string& id_or_name, TimePoint now) override {
    // A revoke that running servers would not hear of is refused before it
    // changes anything (BumpKeysMarker fails), rather than half done.
    if (auto ok = BumpKeysMarker(); !ok) return MakeError(ok.error().code, ok.error().message + "; nothing was revoked");
    return BumpKeysMarkerAfter(Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare("UPDATE api_keys SET revoked = ? WHERE revoked IS NULL AND (id = ? OR name = ?)");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({ToUnixMicros(now), id_or_name, id_or_name});
      if (auto ok = q->Run(); !ok) return ok;
      if (sqlite3_changes(c.raw()) == 0) return NotFound("no live key with id or name '" + id_or_name + "'");
      return {};
    }));
  }

  Result<void> SetPasswordHash(const std::string& handle, const std::string& hash, TimePoint now) override {
    return Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare(
          "INSERT INTO user_passwords (handle, hash, modified) VALUES (?,?,?) "
          "ON CONFLICT(handle) DO UPDATE SET hash = excluded.hash, modified = excluded.modified");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({handle, hash, ToUnixMicros(now)});
      return q->Run();
    });
  }

  Result<std::optional<std::string>> GetPasswordHash(const std::string& handle) override {
    return Read([&](Connection& c) -> Result<std::optional<std::string>> {
      auto q = c.Prepare("SELECT hash FROM user_passwords WHERE handle = ?");
      if (!q) return tl::unexpected(q.error());
      q->Bind(1, handle);
      auto step = q->Step();
      if (!step) return tl::unexpected(step.error());
      if (!*step) return std::optional<std::string>();
      return std::optional<std::string>(q->Text(0));
    });
  }

  Result<void> CreateSession(const core::SessionRecord& session) override {
    return Write([&](Connection& c) -> Result<void> {
      auto del = c.Prepare("DELETE FROM web_sessions WHERE expires <= ?");
      if (!del) return tl::unexpected(del.error());
      del->Bind(1, ToUnixMicros(session.created));
      if (auto ok = del->Run(); !ok) return ok;
      auto q = c.Prepare("INSERT INTO web_sessions (token_hash, user_handle, created, expires) VALUES (?,?,?,?)");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({session.token_hash, session.user_handle, ToUnixMicros(session.created), ToUnixMicros(session.expires)});
      return q->Run();
    });
  }

  Result<std::optional<core::SessionRecord>> FindSession(const std::string& token_hash, TimePoint now) override {
    return Read([&](Connection& c) -> Result<std::optional<core::SessionRecord>> {
      auto q = c.Prepare("SELECT token_hash, user_handle, created, expires FROM web_sessions WHERE token_hash = ? AND expires > ?");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({token_hash, ToUnixMicros(now)});
      auto step = q->Step();
      if (!step) return tl::unexpected(step.error());
      if (!*step) return std::optional<core::SessionRecord>();
      return std::optional<core::SessionRecord>(
          core::SessionRecord{q->Text(0), q->Text(1), FromUnixMicros(q->Int(2)), FromUnixMicros(q->Int(3))});
    });
  }

  Result<void> DeleteSession(const std::string& token_hash) override {
    return Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare("DELETE FROM web_sessions WHERE token_hash = ?");
      if (!q) return tl::unexpected(q.error());
      q->Bind(1, token_hash);
      return q->Run();
    });
  }

  Result<void> RecordConfigReload(const core::ConfigReloadRecord& r) override {
    return Write([&](Connection& c) -> Result<void> {
      auto q = c.Prepare(
          "INSERT INTO config_reloads (id, at, actor, hash, previous_hash, changes, needs_restart) VALUES (?,?,?,?,?,?,?)");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({r.id, ToUnixMicros(r.at), r.actor, r.hash, r.previous_hash, JoinLines(r.changes),
                  JoinLines(r.needs_restart)});
      return q->Run();
    });
  }

  Result<std::vector<core::ConfigReloadRecord>> ListConfigReloads(std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<core::ConfigReloadRecord>> {
      auto q = c.Prepare(
          "SELECT id, at, actor, hash, previous_hash, changes, needs_restart FROM config_reloads ORDER BY seq DESC LIMIT ?");
      if (!q) return tl::unexpected(q.error());
      q->Bind(1, limit);
      std::vector<core::ConfigReloadRecord> out;
      for (;;) {
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) break;
        out.push_back({q->Text(0), FromUnixMicros(q->Int(1)), q->Text(2), q->Text(3), q->Text(4), SplitLines(q->Text(5)),
                       SplitLines(q->Text(6))});
      }
      return out;
    });
  }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      // The writer has drained; the syncer answers what it still holds.
      std::lock_guard lock(sync_mu_);
      sync_closed_ = true;
    }
    sync_cv_.notify_all();
    if (sync_thread_.joinable()) sync_thread_.join();
    {
      std::lock_guard lock(ckpt_mu_);
      ckpt_closed_ = true;
    }
    ckpt_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    checkpointer_.reset();
    std::lock_guard lock(read_mu_);
    read_closed_ = true;
    readers_.clear();
    if (writer_) {
      sqlite3_wal_hook(writer_->raw(), nullptr, nullptr);
      // The writer's WAL syncs only write (wal_buffer_vfs.hpp): make the WAL
      // durable before this checkpoint copies it into the database.
      // After a storage failure the WAL may have holes: leave it for the
      // recovery at the next start rather than copy it into the database.
      if (!failed_.load(std::memory_order_acquire)) {
        if (wal_fd_ >= 0) (void)::fdatasync(wal_fd_);
        (void)writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      writer_.reset();
    }
    if (wal_fd_ >= 0) {
      ::close(wal_fd_);
      wal_fd_ = -1;
    }
  }

 private:
  static constexpr const char* kKeySelect =
      "SELECT id, name, kind, api_key_hash, IFNULL(app_key_hash, ''), user_handle, hint, created, revoked, scope "
      "FROM api_keys";

  struct Job {
    std::function<Result<void>(Connection&)> fn;
    std::promise<Result<void>> done;
  };

  static core::KeyRecord ReadKey(sqlite::Statement& q) {
    core::KeyRecord k;
    k.id = q.Text(0);
    k.name = q.Text(1);
    k.kind = q.Text(2);
    k.api_key_hash = q.Text(3);
    k.app_key_hash = q.Text(4);
    k.user_handle = q.Text(5);
    k.hint = q.Text(6);
    k.created = FromUnixMicros(q.Int(7));
    if (!q.IsNull(8)) k.revoked = FromUnixMicros(q.Int(8));
    k.scope = q.Text(9);
    return k;
  }

  // Keys are looked up on every request, so live keys found are cached. Any
  // process that changes keys through a store (the CLI included) rewrites the
  // keys marker file next to the database after its commit; a changed marker
  // empties the cache, so a revocation takes effect with the next request.
  Result<std::optional<core::KeyRecord>> FindKey(const char* column, const std::string& hash) {
    auto lookup = [&] {
      return Read([&](Connection& c) -> Result<std::optional<core::KeyRecord>> {
        auto q = c.Prepare(std::string(kKeySelect) + " WHERE " + column + " = ? AND revoked IS NULL");
        if (!q) return tl::unexpected(q.error());
        q->Bind(1, hash);
        auto step = q->Step();
        if (!step) return tl::unexpected(step.error());
        if (!*step) return std::optional<core::KeyRecord>();
        return std::optional<core::KeyRecord>(ReadKey(*q));
      });
    };
    // A marker this process cannot read could never tell it of a change:
    // then every lookup goes to the database.
    std::optional<std::string> marker = ReadKeysMarker();
    if (!marker) return lookup();
    std::string cache_key = std::string(column) + ':' + hash;
    {
      std::lock_guard lock(key_cache_mu_);
      if (*marker != key_cache_marker_ || key_cache_.size() > 10000) {
        key_cache_.clear();
        key_cache_marker_ = *marker;
      }
      if (auto it = key_cache_.find(cache_key); it != key_cache_.end()) return std::optional<core::KeyRecord>(it->second);
    }
    auto found = lookup();
    if (found && *found) {
      std::lock_guard lock(key_cache_mu_);
      // Cached only if no key changed since the marker was read before the lookup.
      if (key_cache_marker_ == *marker) key_cache_.emplace(std::move(cache_key), **found);
    }
    return found;
  }

  std::string KeysMarkerPath() const { return options_.path + "-keys"; }

  // The marker's content (a random token), "" when there is none yet, or
  // nothing when it exists but cannot be read.
  std::optional<std::string> ReadKeysMarker() const {
    int fd = ::open(KeysMarkerPath().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? std::optional<std::string>("") : std::nullopt;
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

  // Replaces the marker atomically with a new random token. Readable by all
  // (it is no secret), so that a server running as another user sees it.
  Result<void> BumpKeysMarker() {
    std::string tmp = KeysMarkerPath() + ".tmp" + RandomHex(4);
    std::string token = RandomHex(16);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && ::write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size());
    int err = errno;
    if (fd >= 0) ::close(fd);
    if (ok && ::rename(tmp.c_str(), KeysMarkerPath().c_str()) != 0) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      ::unlink(tmp.c_str());
      return MakeError(ErrorCode::kUnavailable,
                       "the keys marker " + KeysMarkerPath() + " could not be written: " + std::strerror(err));
    }
    return {};
  }

  // After a key change committed: bumps the marker again, so that a lookup
  // made between the first bump and the commit is not kept.
  Result<void> BumpKeysMarkerAfter(Result<void> committed) {
    if (!committed) return committed;
    if (auto ok = BumpKeysMarker(); !ok) {
      // The change is committed; without the marker a running server would
      // keep a revoked key cached, so say so loudly.
      return MakeError(ErrorCode::kInternal, "key change committed, but " + ok.error().message + "; restart running servers");
    }
    return {};
  }

  static constexpr const char* kAlertSelect =
      "SELECT a.seq, a.doc, a.fingerprint, a.group_key, a.decision, a.detail, IFNULL(a.incident_id, '') FROM alerts a";

  static Result<core::AlertRecord> ReadAlert(sqlite::Statement& q) {
    core::AlertRecord r;
    r.seq = q.Int(0);
    auto alert = DecodeAlert(q.Text(1));
    if (!alert) return tl::unexpected(alert.error());
    r.alert = std::move(*alert);
    r.fingerprint = q.Text(2);
    r.group_key = q.Text(3);
    r.decision = q.Text(4);
    r.detail = q.Text(5);
    r.incident_id = q.Text(6);
    return r;
  }

  Result<void> InsertIncident(Connection& c, core::Incident& inc, const std::vector<core::NewEvent>& events) {
    auto next = c.Prepare("SELECT IFNULL(MAX(public_id), 0) + 1 FROM incidents");
    if (!next) return tl::unexpected(next.error());
    if (auto row = next->Step(); !row) return tl::unexpected(row.error());
    inc.public_id = next->Int(0);
    auto exists = c.Prepare("SELECT 1 FROM incidents WHERE id = ?");
    if (!exists) return tl::unexpected(exists.error());
    exists->Bind(1, inc.id);
    auto found = exists->Step();
    if (!found) return tl::unexpected(found.error());
    if (*found) return MakeError(ErrorCode::kConflict, "incident " + inc.id + " already exists");
    auto ins = c.Prepare(
        "INSERT INTO incidents (public_id, id, title, severity, state, commander_uuid, commander_handle, "
        "customer_impacted, created, modified, deleted, version, doc, due_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return tl::unexpected(ins.error());
    BindRow(*ins, inc);
    if (auto ok = ins->Run(); !ok) return ok;
    if (auto ok = WriteTerms(c, inc, false); !ok) return ok;
    return WriteEvents(c, inc.public_id, events);
  }

  // A mutation that leaves the incident as it is and appends and queues nothing.
  static bool Unchanged(const core::Incident& current, core::Incident& inc, const core::Mutation& m) {
    inc.public_id = current.public_id;
    inc.id = current.id;
    return m.events.empty() && m.notifications.empty() && inc == current;
  }

  Result<void> ReplaceIncident(Connection& c, const core::Incident& current, core::Incident& inc,
                                      const std::vector<core::NewEvent>& events,
                                      std::vector<std::int64_t>* seqs = nullptr) {
    inc.public_id = current.public_id;
    inc.id = current.id;
    auto upd = c.Prepare(
        "UPDATE incidents SET public_id = ?, id = ?, title = ?, severity = ?, state = ?, commander_uuid = ?, "
        "commander_handle = ?, customer_impacted = ?, created = ?, modified = ?, deleted = ?, version = ?, doc = ?, "
        "due_at = ? WHERE public_id = ?1");
    if (!upd) return tl::unexpected(upd.error());
    BindRow(*upd, inc);
    if (auto ok = upd->Run(); !ok) return ok;
    if (current.fields != inc.fields || current.phase != inc.phase || current.type != inc.type) {
      if (auto ok = WriteTerms(c, inc, true); !ok) return ok;
    }
    return WriteEvents(c, inc.public_id, events, seqs);
  }

  static Result<void> WriteOutbox(Connection& c, const std::vector<core::OutboxItem>& items) {
    if (items.empty()) return {};
    auto ob = c.Prepare(
        "INSERT INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, recipient, contact_method, "
        "contact_type, contact_address) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!ob) return tl::unexpected(ob.error());
    for (const auto& n : items) {
      ob->BindAll({n.incident_id, n.channel, n.kind, n.reason, ToUnixMicros(n.created),
                   ToUnixMicros(n.due.value_or(n.created)), n.to.user, static_cast<std::int64_t>(n.to.method),
                   n.to.type, n.to.address});
      if (auto ok = ob->Run(); !ok) return ok;
    }
    return {};
  }

  static constexpr const char* kDeliverySelect =
      "SELECT id, incident_id, channel, kind, reason, created, state, attempts, next_attempt_at, last_error, "
      "delivered_at, thread_ts, recipient, contact_method, contact_type, contact_address, IFNULL(notice_key, ''), body "
      "FROM outbox";

  static core::Delivery ReadDelivery(sqlite::Statement& q) {
    core::Delivery d;
    d.id = q.Int(0);
    d.incident_id = q.Text(1);
    d.channel = q.Text(2);
    d.kind = q.Text(3);
    d.reason = q.Text(4);
    d.created = FromUnixMicros(q.Int(5));
    d.state = core::ParseDeliveryStateName(q.Text(6)).value_or(core::DeliveryState::kQueued);
    d.attempts = static_cast<int>(q.Int(7));
    d.next_attempt_at = FromUnixMicros(q.Int(8));
    d.last_error = q.Text(9);
    if (!q.IsNull(10)) d.delivered_at = FromUnixMicros(q.Int(10));
    d.thread_ts = q.Text(11);
    d.to = core::ContactTarget{q.Text(12), static_cast<int>(q.Int(13)), q.Text(14), q.Text(15)};
    d.notice_key = q.Text(16);
    d.body = q.Text(17);
    return d;
  }

  Result<core::AlertRecord> IngestOne(Connection& c, core::AlertWork& w) {
    const core::Alert& a = w.alert;
    if (!a.delivery_key.empty()) {
      // "delivery_key <> ''" lets SQLite use the partial unique index (no table scan).
      auto dup = c.Prepare(std::string(kAlertSelect) + " WHERE a.source = ? AND a.delivery_key = ? AND a.delivery_key <> ''");
      if (!dup) return tl::unexpected(dup.error());
      dup->BindAll({a.source, a.delivery_key});
      auto found = dup->Step();
      if (!found) return tl::unexpected(found.error());
      if (*found) {
        auto rec = ReadAlert(*dup);
        if (rec) rec->duplicate = true;
        return rec;
      }
    }
    core::GroupState group;
    auto g = c.Prepare("SELECT incident_id FROM alert_groups WHERE group_key = ?");
    if (!g) return tl::unexpected(g.error());
    g->Bind(1, w.group_key);
    auto has_group = g->Step();
    if (!has_group) return tl::unexpected(has_group.error());
    if (*has_group) {
      auto state = GroupStateOf(LoadLive(c, g->Text(0)));
      if (!state) return tl::unexpected(state.error());
      group = std::move(*state);
    }
    core::AlertPlan plan = w.decide(group);
    core::AlertRecord rec = NewAlertRecord(w, plan);
    if (plan.create) {
      if (auto ok = InsertIncident(c, *plan.create, plan.create_events); !ok) return tl::unexpected(ok.error());
      rec.incident_id = plan.create->id;
      auto up = c.Prepare("INSERT INTO alert_groups (group_key, incident_id) VALUES (?, ?) "
                          "ON CONFLICT(group_key) DO UPDATE SET incident_id = excluded.incident_id");
      if (!up) return tl::unexpected(up.error());
      up->BindAll({w.group_key, rec.incident_id});
      if (auto ok = up->Run(); !ok) return tl::unexpected(ok.error());
    } else if (plan.update && group.open) {
      if (auto ok = ReplaceIncident(c, *group.open, *plan.update, plan.update_events); !ok) return tl::unexpected(ok.error());
      rec.incident_id = plan.update->id;
    }
    if (auto ok = WriteOutbox(c, plan.notifications); !ok) return tl::unexpected(ok.error());
    rec.queued = static_cast<int>(plan.notifications.size());
    auto ins = c.Prepare(
        "INSERT INTO alerts (source, delivery_key, fingerprint, group_key, monitor_name, state, received_at, doc, "
        "decision, detail, incident_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return tl::unexpected(ins.error());
    ins->BindAll({a.source, a.delivery_key, rec.fingerprint, w.group_key, a.monitor_name,
                  std::string(core::AlertStateName(a.state)), ToUnixMicros(a.received_at), EncodeAlert(a),
                  rec.decision, rec.detail, rec.incident_id.empty() ? Param(nullptr) : Param(rec.incident_id)});
    if (auto ok = ins->Run(); !ok) return tl::unexpected(ok.error());
    rec.seq = sqlite3_last_insert_rowid(c.raw());
    auto tags = c.Prepare("INSERT OR IGNORE INTO alert_tags (tag, seq) VALUES (?, ?)");
    if (!tags) return tl::unexpected(tags.error());
    for (const auto& t : a.tags) {
      tags->BindAll({t, rec.seq});
      if (auto ok = tags->Run(); !ok) return tl::unexpected(ok.error());
    }
    return rec;
  }

  void BindRow(sqlite::Statement& s, const core::Incident& i) {
    auto due = DueOf(i);
    s.BindAll({i.public_id, i.id, i.title, i.severity, std::string(core::StateName(i.state)),
               i.commander ? Param(i.commander->user_uuid) : Param(nullptr),
               i.commander ? Param(i.commander->handle) : Param(nullptr),
               static_cast<std::int64_t>(i.customer_impacted ? 1 : 0), ToUnixMicros(i.created),
               ToUnixMicros(i.modified), static_cast<std::int64_t>(i.deleted ? 1 : 0), i.version, EncodeIncident(i),
               due ? Param(ToUnixMicros(*due)) : Param(nullptr)});
  }

  // Runs on the writer thread only (due_ is set there too).
  std::optional<TimePoint> DueOf(const core::Incident& i) const {
    if (i.deleted) return std::nullopt;
    if (!due_) return core::IsClosed(i.state) ? std::nullopt : std::optional<TimePoint>(i.created);
    return due_(i);
  }

  static Result<void> WriteTerms(Connection& c, const core::Incident& i, bool replace) {
    if (replace) {
      auto del = c.Prepare("DELETE FROM incident_terms WHERE incident = ?");
      if (!del) return tl::unexpected(del.error());
      del->Bind(1, i.public_id);
      if (auto ok = del->Run(); !ok) return ok;
    }
    auto ins = c.Prepare("INSERT OR IGNORE INTO incident_terms (facet, value, incident) VALUES (?,?,?)");
    if (!ins) return tl::unexpected(ins.error());
    for (const auto& [name, v] : i.fields) {
      for (const auto& value : v.Values()) {
        ins->BindAll({name, value, i.public_id});
        if (auto ok = ins->Run(); !ok) return ok;
      }
    }
    // The workflow's phase and the incident type are searched as terms too
    // (phase:Investigation, type:Security); a field of the same name wins.
    for (const auto& [facet, value] : {std::pair<const char*, const std::string&>{"phase", i.phase}, {"type", i.type}}) {
      if (value.empty() || i.fields.count(facet)) continue;
      ins->BindAll({std::string(facet), value, i.public_id});
      if (auto ok = ins->Run(); !ok) return ok;
    }
    return {};
  }

  // One page of live incidents matching `where`; with `seek`, at a public id
  // bound when LiveOffsetBound can prove one, else (and without) by OFFSET.
  static Result<core::SearchPage> SearchPageOf(Connection& c, const core::SearchRequest& req, const std::string& where,
                                               const std::vector<Param>& params, bool seek) {
    std::optional<std::int64_t> bound;
    if (seek) {
      auto b = sqlite::LiveOffsetBound(c, req.newest_first, req.offset);
      if (!b) return tl::unexpected(b.error());
      bound = *b;
    }
    core::SearchPage page;
    std::optional<Statement> rows;
    if (bound) {
      auto q =
          c.Prepare(req.newest_first ? "SELECT doc FROM incidents i WHERE i.deleted = 0 AND i.public_id <= ? ORDER BY "
                                       "i.public_id DESC LIMIT ?"
                                     : "SELECT doc FROM incidents i WHERE i.deleted = 0 AND i.public_id >= ? ORDER BY "
                                       "i.public_id ASC LIMIT ?");
      if (!q) return tl::unexpected(q.error());
      q->BindAll({*bound, req.limit});
      rows.emplace(std::move(*q));
    } else {
      std::string sql = "SELECT doc FROM incidents i WHERE i.deleted = 0 AND (" + where + ") ORDER BY i.public_id " +
                        (req.newest_first ? "DESC" : "ASC") + " LIMIT ? OFFSET ?";
      auto q = c.Prepare(sql, false);
      if (!q) return tl::unexpected(q.error());
      q->BindAll(params);
      q->Bind(static_cast<int>(params.size() + 1), req.limit);
      q->Bind(static_cast<int>(params.size() + 2), req.offset);
      rows.emplace(std::move(*q));
    }
    while (true) {
      auto step = rows->Step();
      if (!step) return tl::unexpected(step.error());
      if (!*step) break;
      std::string doc = rows->Text(0);
      auto inc = DecodeIncident(doc);
      if (!inc) return tl::unexpected(inc.error());
      page.incidents.push_back(std::move(*inc));
      page.content_keys.push_back(std::hash<std::string>{}(doc));
    }
    rows.reset();
    page.total = -1;
    if (req.with_total) {
      auto count = c.Prepare("SELECT COUNT(*) FROM incidents i WHERE i.deleted = 0 AND (" + where + ")", false);
      if (!count) return tl::unexpected(count.error());
      count->BindAll(params);
      if (auto s = count->Step(); !s) return tl::unexpected(s.error());
      page.total = count->Int(0);
    }
    if (req.with_facets) {
      auto facets = sqlite::QueryFacets(c, where, params, req.facets == core::SearchRequest::Facets::kSeverityAndPhase);
      if (!facets) return tl::unexpected(facets.error());
      page.facets = std::move(*facets);
    }
    return page;
  }

  // Appends `events`; `seqs` (optional) receives the sequence number of each.
  static Result<void> WriteEvents(Connection& c, std::int64_t public_id, const std::vector<core::NewEvent>& events,
                                  std::vector<std::int64_t>* seqs = nullptr) {
    auto ins = c.Prepare(
        "INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes) "
        "VALUES (?,?,?,?,?,?,?)");
    if (!ins) return tl::unexpected(ins.error());
    for (const auto& e : events) {
      ins->BindAll({public_id, ToUnixMicros(e.at), e.actor.user_uuid, e.actor.handle, e.kind, e.message,
                    EncodeChanges(e.changes)});
      if (auto ok = ins->Run(); !ok) return ok;
      if (seqs) seqs->push_back(sqlite3_last_insert_rowid(c.raw()));
    }
    return {};
  }

  static Result<core::Incident> LoadLive(Connection& c, const std::string& id) {
    auto q = c.Prepare(std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ? AND deleted = 0");
    if (!q) return tl::unexpected(q.error());
    q->Bind(1, id);
    auto step = q->Step();
    if (!step) return tl::unexpected(step.error());
    if (!*step) return NotFound("incident " + id + " not found");
    return DecodeIncident(q->Text(0));
  }

  template <typename F>
  auto Read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      std::unique_lock lock(read_mu_);
      read_cv_.wait(lock, [&] { return !readers_.empty() || read_closed_; });
      if (readers_.empty()) return MakeError(ErrorCode::kUnavailable, "store is closed");
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
    auto result = fn(*conn);
    // A read transaction must not outlive the call, or the WAL cannot be checkpointed.
    {
      std::lock_guard lock(read_mu_);
      readers_.push_back(std::move(conn));
    }
    read_cv_.notify_one();
    return result;
  }

  Result<void> Write(std::function<Result<void>(Connection&)> fn) {
    if (failed_.load(std::memory_order_acquire)) return FailedError();
    auto job = std::make_shared<Job>();
    job->fn = std::move(fn);
    auto fut = job->done.get_future();
    {
      std::lock_guard lock(mu_);
      if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
      queue_.push_back(job);
    }
    cv_.notify_one();
    return fut.get();
  }

  // Takes queued jobs (up to the group's room) under mu_.
  std::vector<std::shared_ptr<Job>> TakeJobs(std::size_t room) {
    std::vector<std::shared_ptr<Job>> jobs;
    while (!queue_.empty() && jobs.size() < room) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return jobs;
  }

  void WriterLoop() {
    NameThisThread("tocsin-writer");
    const std::size_t max = options_.group_commit ? options_.max_batch : 1;
    while (true) {
      std::vector<std::shared_ptr<Job>> jobs;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closed and drained
        jobs = TakeJobs(max);
      }
      if (failed_.load(std::memory_order_acquire)) {
        for (auto& job : jobs) job->done.set_value(FailedError());
        continue;
      }
      Group group;
      group.began = std::chrono::steady_clock::now();
      if (auto ok = RunCached(*writer_, "BEGIN IMMEDIATE"); !ok) {
        for (auto& job : jobs) job->done.set_value(tl::unexpected(ok.error()));
        continue;
      }
      while (true) {
        RunJobs(jobs, group);
        if (group.jobs.size() >= max || wal_fd_ < 0) break;
        // Pipelined: while the syncer still works on the previous group, keep
        // this transaction open and add whatever arrives, so one commit and
        // one sync cover as many requests as the disk makes wait.
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closed_ || !queue_.empty() || !sync_busy_; });
        if (queue_.empty()) break;
        jobs = TakeJobs(max - group.jobs.size());
      }
      Commit(group);
    }
  }

  // Runs SQL through a cached statement (SAVEPOINT and friends are run for
  // every request; sqlite3_exec would parse them each time).
  static Result<void> RunCached(Connection& c, const char* sql) {
    auto st = c.Prepare(sql);
    if (!st) return tl::unexpected(st.error());
    return st->Run();
  }

  struct Group {
    std::vector<std::shared_ptr<Job>> jobs;
    std::vector<Result<void>> results;
    std::chrono::steady_clock::time_point began;
  };

  // Each job in its own SAVEPOINT, so a refused one rolls back alone.
  void RunJobs(std::vector<std::shared_ptr<Job>>& jobs, Group& group) {
    Connection& c = *writer_;
    for (auto& job : jobs) {
      (void)RunCached(c, "SAVEPOINT job");
      Result<void> r = Internal("job did not run");
      try {
        r = job->fn(c);
      } catch (const std::exception& e) {
        r = Internal(std::string("storage write failed: ") + e.what());
      }
      if (!r) (void)RunCached(c, "ROLLBACK TO job");
      (void)RunCached(c, "RELEASE job");
      group.jobs.push_back(std::move(job));
      group.results.push_back(std::move(r));
    }
  }

  void Commit(Group& group) {
    Connection& c = *writer_;
    if (auto ok = RunCached(c, "COMMIT"); !ok) {
      (void)c.Exec("ROLLBACK");
      for (auto& job : group.jobs) {
        job->done.set_value(tl::unexpected(Error{ErrorCode::kUnavailable, ok.error().message}));
      }
      return;
    }
    if (options_.on_commit) options_.on_commit(group.jobs.size(), std::chrono::steady_clock::now() - group.began);
    std::int64_t outbox_high = OutboxHighWater();
    if (wal_fd_ < 0) {  // synchronous=FULL: COMMIT was durable
      synced_outbox_.store(outbox_high, std::memory_order_release);
      for (std::size_t k = 0; k < group.jobs.size(); ++k) group.jobs[k]->done.set_value(std::move(group.results[k]));
      return;
    }
    // Committed but not yet on disk: the syncer answers after fdatasync, while
    // this thread goes on with the next group. (busy is raised before the
    // hand-over, so the syncer can only lower it after taking this group.)
    {
      std::lock_guard lock(mu_);
      sync_busy_ = true;
    }
    {
      std::lock_guard lock(sync_mu_);
      for (std::size_t k = 0; k < group.jobs.size(); ++k) {
        to_sync_.push_back(Pending{std::move(group.jobs[k]), std::move(group.results[k])});
      }
      to_sync_outbox_high_ = std::max(to_sync_outbox_high_, outbox_high);
    }
    sync_cv_.notify_one();
  }

  // The newest outbox row, read right after a commit on the writer (rows are
  // numbered in commit order: one writer). 0 when it cannot be read, which
  // only delays deliveries until the next commit reads it.
  std::int64_t OutboxHighWater() {
    auto q = writer_->Prepare("SELECT IFNULL(MAX(id), 0) FROM outbox");
    if (!q) return synced_outbox_.load(std::memory_order_relaxed);
    auto step = q->Step();
    if (!step || !*step) return synced_outbox_.load(std::memory_order_relaxed);
    return q->Int(0);
  }

  tl::unexpected<Error> FailedError() const {
    return tl::unexpected(Error{ErrorCode::kUnavailable, "storage failed and refuses writes until Tocsin restarts: " +
                                                             Failure().value_or("unknown failure")});
  }

  // A failed fdatasync: the kernel may have dropped the WAL's dirty pages and
  // cleared the error, so a later sync could succeed over a hole. Nothing
  // written since can be promised durable; every write fails from now on
  // (as PostgreSQL does, the process is meant to stop and recover from disk).
  void Fail(const std::string& why) {
    {
      std::lock_guard lock(failure_mu_);
      if (failed_.load(std::memory_order_relaxed)) return;
      failure_ = why;
      failed_.store(true, std::memory_order_release);
    }
    log::Error("storage failure: refusing writes until restart", {{"error", why}});
    std::function<void(const std::string&)> handler;
    {
      std::lock_guard lock(failure_mu_);
      handler = failure_handler_;
    }
    if (handler) handler(why);
  }

 public:
  void SetFailureHandler(std::function<void(const std::string&)> handler) override {
    std::lock_guard lock(failure_mu_);
    failure_handler_ = std::move(handler);
  }

 private:

  struct Pending {
    std::shared_ptr<Job> job;
    Result<void> result;
  };

  void SyncLoop() {
    NameThisThread("tocsin-syncer");
    while (true) {
      std::vector<Pending> pending;
      std::int64_t outbox_high = 0;
      {
        std::unique_lock lock(sync_mu_);
        sync_cv_.wait(lock, [&] { return sync_closed_ || !to_sync_.empty(); });
        if (to_sync_.empty()) return;  // closed and drained
        pending.swap(to_sync_);
        outbox_high = to_sync_outbox_high_;
      }
      if (failed_.load(std::memory_order_acquire)) {
        // After a failed sync nothing later is trusted, even if a sync works.
        for (auto& p : pending) p.job->done.set_value(FailedError());
        MarkSyncerIdleIfDrained();
        continue;
      }
      // One fdatasync covers every frame written before it: all batches taken
      // here (and possibly part of the next one, which is harmless).
      int rc;
      do {
        rc = options_.fdatasync ? options_.fdatasync(wal_fd_) : ::fdatasync(wal_fd_);
      } while (rc != 0 && errno == EINTR);
      if (rc != 0) {
        Fail(std::string("cannot make a commit durable: fdatasync of the WAL: ") + std::strerror(errno));
        for (auto& p : pending) p.job->done.set_value(FailedError());
        MarkSyncerIdleIfDrained();
        continue;
      }
      // The outbox rows of these commits are on disk: they may be sent.
      synced_outbox_.store(outbox_high, std::memory_order_release);
      for (auto& p : pending) p.job->done.set_value(std::move(p.result));
      MarkSyncerIdleIfDrained();
    }
  }

  // Tells a writer holding its group open that the syncer has caught up.
  void MarkSyncerIdleIfDrained() {
    {
      std::lock_guard lock(sync_mu_);
      if (!to_sync_.empty()) return;
    }
    {
      std::lock_guard lock(mu_);
      sync_busy_ = false;
    }
    cv_.notify_all();
  }

  // The WAL grows by every commit; past kCheckpointFrames the checkpointer
  // copies it into the database (PASSIVE: it never blocks the writer).
  static constexpr int kCheckpointFrames = 4000;

  static int OnWalCommit(void* self, sqlite3*, const char*, int frames) {
    if (frames >= kCheckpointFrames) {
      auto* store = static_cast<SqliteStore*>(self);
      {
        std::lock_guard lock(store->ckpt_mu_);
        store->ckpt_wanted_ = true;
      }
      store->ckpt_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    NameThisThread("tocsin-checkpt");
    while (true) {
      {
        std::unique_lock lock(ckpt_mu_);
        ckpt_cv_.wait(lock, [&] { return ckpt_closed_ || ckpt_wanted_; });
        if (ckpt_closed_) return;
        ckpt_wanted_ = false;
      }
      int log = 0, done = 0;
      (void)sqlite3_wal_checkpoint_v2(checkpointer_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    }
  }

  SqliteOptions options_;
  core::DueFn due_;  // writer thread only
  std::unique_ptr<Connection> writer_;
  int wal_fd_ = -1;
  std::unique_ptr<Connection> checkpointer_;
  std::thread writer_thread_;
  std::thread sync_thread_;
  std::thread checkpoint_thread_;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<Pending> to_sync_;
  std::int64_t to_sync_outbox_high_ = 0;  // newest outbox row of the commits in to_sync_ (and before)
  bool sync_closed_ = false;
  // Outbox rows at or below this are durable and may be claimed.
  std::atomic<std::int64_t> synced_outbox_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mu_;
  std::string failure_;
  std::function<void(const std::string&)> failure_handler_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_wanted_ = false;
  bool ckpt_closed_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool closed_ = false;
  bool sync_busy_ = false;  // a committed group awaits its sync (guarded by mu_ for the writer's wait)

  std::mutex key_cache_mu_;
  std::string key_cache_marker_;
  std::unordered_map<std::string, core::KeyRecord> key_cache_;

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;
  bool read_closed_ = false;
};

Result<void> ApplyMigrations(Connection& c) {
  if (auto ok = c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                       "NULL, applied INTEGER NOT NULL)");
      !ok) {
    return ok;
  }
  std::int64_t have = 0;
  {
    // Finalized before migrating: a live statement would lock the schema (DROP INDEX).
    auto cur = c.Prepare("SELECT IFNULL(MAX(version), 0) FROM schema_migrations", false);
    if (!cur) return tl::unexpected(cur.error());
    if (auto s = cur->Step(); !s) return tl::unexpected(s.error());
    have = cur->Int(0);
  }
  if (have > SqliteSchemaVersion()) {
    return MakeError(ErrorCode::kInternal, "database schema version " + std::to_string(have) +
                                               " is newer than this tocsin (" +
                                               std::to_string(SqliteSchemaVersion()) + "); upgrade tocsin");
  }
  for (const auto& m : sqlite::Migrations()) {
    if (m.version <= have) continue;
    if (auto ok = c.Exec("BEGIN IMMEDIATE"); !ok) return ok;
    auto ok = c.Exec(m.sql);
    if (ok) {
      auto rec = c.Prepare("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, strftime('%s','now'))",
                           false);
      if (!rec) {
        ok = tl::unexpected(rec.error());
      } else {
        rec->BindAll({static_cast<std::int64_t>(m.version), std::string(m.name)});
        ok = rec->Run();
      }
    }
    if (!ok) {
      (void)c.Exec("ROLLBACK");
      return MakeError(ErrorCode::kInternal,
                       "migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + ok.error().message);
    }
    if (auto commit = c.Exec("COMMIT"); !commit) return commit;
  }
  return {};
}

}  // namespace

int SqliteSchemaVersion() { return sqlite::Migrations().back().version; }

Result<std::unique_ptr<core::Store>> OpenSqliteStore(const SqliteOptions& options) {
  // Pipelined commit (ADR 0006): the writer's WAL writes are gathered and its
  // WAL syncs only write (ADR 0008, wal_buffer_vfs.hpp); the syncer thread's
  // fdatasync of the WAL makes each commit durable before anyone is answered.
  auto writer = Connection::Open(options.path, false, options.pipelined_sync ? sqlite::WalBufferVfsName() : nullptr);
  if (!writer) return tl::unexpected(writer.error());
  // temp_store=MEMORY keeps each request's SAVEPOINT journal off the disk
  // (measured: +30 % durable creations/s, bench/store_bench.cpp).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                             "PRAGMA wal_autocheckpoint=4000", "PRAGMA temp_store=MEMORY"}) {
    if (auto ok = (*writer)->Exec(pragma); !ok) return tl::unexpected(ok.error());
  }
  // The writer's page cache holds a whole group's dirty pages: with SQLite's
  // default 2 MB, a group of a few hundred alert-opened incidents spilled
  // pages to the WAL mid-transaction and read them back (measured 17 % of the
  // writer's CPU in bench/alerts_vs_alertmanager.sh). It is a ceiling, filled
  // only as pages are touched.
  if (auto ok = (*writer)->Exec("PRAGMA cache_size=-" + std::to_string(options.writer_cache_kib)); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = ApplyMigrations(**writer); !ok) return tl::unexpected(ok.error());
  std::vector<std::unique_ptr<Connection>> readers;
  for (int k = 0; k < std::max(1, options.read_connections); ++k) {
    auto r = Connection::Open(options.path, true);
    if (!r) return tl::unexpected(r.error());
    readers.push_back(std::move(*r));
  }
  // The writer stays synchronous=FULL so that SQLite asks for the WAL sync at
  // every commit, before publishing it; through the VFS that sync is one
  // write of the gathered frames, and the syncer's fdatasync follows.
  int wal_fd = -1;
  std::unique_ptr<Connection> checkpointer;
  if (options.pipelined_sync) {
    std::string wal = options.path + "-wal";
    wal_fd = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
    // Without a syncer nothing would make the writer's commits durable.
    if (wal_fd < 0) {
      return MakeError(ErrorCode::kUnavailable, "cannot open " + wal + " for the pipelined commit: " + std::strerror(errno));
    }
    if (::fdatasync(wal_fd) != 0) {  // the migrations just applied
      int err = errno;
      ::close(wal_fd);
      return MakeError(ErrorCode::kUnavailable, "cannot make " + wal + " durable: fdatasync: " + std::strerror(err));
    }
    auto ck = Connection::Open(options.path, false);
    if (!ck) {
      ::close(wal_fd);
      return tl::unexpected(ck.error());
    }
    checkpointer = std::move(*ck);
  }
  return std::unique_ptr<core::Store>(
      new SqliteStore(options, std::move(*writer), std::move(readers), wal_fd, std::move(checkpointer)));
}

}  // namespace tocsin::storage
