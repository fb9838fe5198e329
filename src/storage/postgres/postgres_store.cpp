#include "storage/postgres/postgres_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/log.hpp"
#include "common/server_metrics.hpp"
#include "storage/alert_record.hpp"
#include "storage/incident_codec.hpp"
#include "storage/sql_text.hpp"
#include "storage/postgres/ingest_combiner.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/read_combiner.hpp"
#include "storage/postgres/pg_db.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/search_sql.hpp"

namespace tocsin::storage {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::Pool;
using postgres::Rows;
using postgres::ParamArray;
using postgres::TextArray;


Param Micros(TimePoint t) { return Param(ToUnixMicros(t)); }
Param MaybeMicros(const std::optional<TimePoint>& t) { return t ? Micros(*t) : Param(nullptr); }

// A PostgreSQL array literal of ids, for "= ANY($n::bigint[])".
template <typename Ids>
std::string IdArray(const Ids& ids) {
  std::string out = "{";
  for (std::int64_t id : ids) {
    if (out.size() > 1) out += ',';
    out += std::to_string(id);
  }
  return out + "}";
}

constexpr const char* kAlertSelect =
    "SELECT a.seq, a.doc, a.fingerprint, a.group_key, a.decision, a.detail, COALESCE(a.incident_id, '') FROM alerts a";
constexpr const char* kDeliveryColumns =
    "id, incident_id, channel, kind, reason, created, state, attempts, next_attempt_at, last_error, "
    "delivered_at, thread_ts, recipient, contact_method, contact_type, contact_address, COALESCE(notice_key, ''), "
    "body";
constexpr const char* kKeySelect =
    "SELECT id, name, kind, api_key_hash, COALESCE(app_key_hash, ''), user_handle, hint, created, revoked, scope "
    "FROM api_keys";

Result<core::AlertRecord> ReadAlert(const Rows& q, int r) {
  core::AlertRecord rec;
  rec.seq = q.Int(r, 0);
  auto alert = DecodeAlert(q.Text(r, 1));
  if (!alert) return tl::unexpected(alert.error());
  rec.alert = std::move(*alert);
  rec.fingerprint = q.Text(r, 2);
  rec.group_key = q.Text(r, 3);
  rec.decision = q.Text(r, 4);
  rec.detail = q.Text(r, 5);
  rec.incident_id = q.Text(r, 6);
  return rec;
}

core::Delivery ReadDelivery(const Rows& q, int r) {
  core::Delivery d;
  d.id = q.Int(r, 0);
  d.incident_id = q.Text(r, 1);
  d.channel = q.Text(r, 2);
  d.kind = q.Text(r, 3);
  d.reason = q.Text(r, 4);
  d.created = FromUnixMicros(q.Int(r, 5));
  d.state = core::ParseDeliveryStateName(q.Text(r, 6)).value_or(core::DeliveryState::kQueued);
  d.attempts = static_cast<int>(q.Int(r, 7));
  d.next_attempt_at = FromUnixMicros(q.Int(r, 8));
  d.last_error = q.Text(r, 9);
  if (!q.IsNull(r, 10)) d.delivered_at = FromUnixMicros(q.Int(r, 10));
  d.thread_ts = q.Text(r, 11);
  d.to = core::ContactTarget{q.Text(r, 12), static_cast<int>(q.Int(r, 13)), q.Text(r, 14), q.Text(r, 15)};
  d.notice_key = q.Text(r, 16);
  d.body = q.Text(r, 17);
  return d;
}

core::KeyRecord ReadKey(const Rows& q, int r) {
  core::KeyRecord k;
  k.id = q.Text(r, 0);
  k.name = q.Text(r, 1);
  k.kind = q.Text(r, 2);
  k.api_key_hash = q.Text(r, 3);
  k.app_key_hash = q.Text(r, 4);
  k.user_handle = q.Text(r, 5);
  k.hint = q.Text(r, 6);
  k.created = FromUnixMicros(q.Int(r, 7));
  if (!q.IsNull(r, 8)) k.revoked = FromUnixMicros(q.Int(r, 8));
  k.scope = q.Text(r, 9);
  return k;
}

// Runs `sql` and hands back its rows, or the error (shortens every call site).
#define TOCSIN_PG_EXEC(var, conn, ...)            \
  auto var = (conn).Exec(__VA_ARGS__);            \
  if (!var) return tl::unexpected(var.error())

class PostgresStore final : public core::Store {
 public:
  explicit PostgresStore(const PostgresOptions& options)
      : pool_(options.dsn, options.schema, options.pool_size),
        replica_(options.replica),
        lease_us_(std::chrono::duration_cast<std::chrono::microseconds>(options.lease).count()),
        on_commit_(options.on_commit) {}
  ~PostgresStore() override { Close(); }

  Result<core::Incident> CreateIncident(core::Incident draft, std::vector<core::NewEvent> events) override {
    core::Incident out;
    auto r = Tx([&](Connection& c) -> Result<void> {
      out = draft;
      return InsertIncident(c, out, events);
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& mutate) override {
    core::UpdateOutcome out;
    auto r = Tx([&](Connection& c) -> Result<void> {
      out = {};
      auto current = LoadLive(c, id, true);
      if (!current) return tl::unexpected(current.error());
      auto m = mutate(*current);
      if (!m) return tl::unexpected(m.error());
      core::Incident inc = std::move(m->incident);
      inc.public_id = current->public_id;
      inc.id = current->id;
      if (m->events.empty() && m->notifications.empty() && inc == *current) {
        out.incident = std::move(inc);  // nothing to write
        return {};
      }
      std::vector<std::int64_t> seqs;
      if (auto ok = ReplaceIncident(c, *current, inc, m->events, &seqs); !ok) return ok;
      if (auto ok = WriteOutbox(c, m->notifications); !ok) return ok;
      for (std::size_t k = 0; k < seqs.size(); ++k) {
        const auto& e = m->events[k];
        out.events.push_back({seqs[k], id, e.at, e.actor, e.kind, e.message, e.changes});
      }
      out.incident = std::move(inc);
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<core::TimelineEvent> AppendEvent(const std::string& id, core::NewEvent event) override {
    core::TimelineEvent out;
    auto r = Tx([&](Connection& c) -> Result<void> {
      auto current = LoadLive(c, id, true);
      if (!current) return tl::unexpected(current.error());
      std::vector<std::int64_t> seqs;
      if (auto ok = WriteEvents(c, current->public_id, {event}, &seqs); !ok) return ok;
      out = core::TimelineEvent{seqs.at(0), id, event.at, event.actor, event.kind, event.message, event.changes};
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return out;
  }

  Result<core::Incident> GetIncident(const std::string& id) override {
    return Read([&](Connection& c) { return LoadLive(c, id, false); });
  }

  // The page, its total and facets from one snapshot (REPEATABLE READ).
  Result<core::SearchPage> SearchIncidents(const core::SearchRequest& req) override {
    return Read([&](Connection& c) -> Result<core::SearchPage> {
      if (auto ok = c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !ok) return tl::unexpected(ok.error());
      auto page = SearchIn(c, req);
      if (auto ok = c.Run(page ? "COMMIT" : "ROLLBACK"); !ok && page) return tl::unexpected(ok.error());
      return page;
    });
  }

  Result<std::vector<core::TimelineEvent>> Timeline(const std::string& id, std::int64_t offset,
                                                    std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<core::TimelineEvent>> {
      auto inc = LoadLive(c, id, false);
      if (!inc) return tl::unexpected(inc.error());
      TOCSIN_PG_EXEC(q, c,
                     "SELECT seq, at, actor_uuid, actor_handle, kind, message, changes FROM incident_events "
                     "WHERE incident = $1 ORDER BY seq LIMIT $2 OFFSET $3",
                     {inc->public_id, limit, offset});
      return EventsOf(*q, id);
    });
  }
  Result<std::vector<core::TimelineEvent>> TimelineNewest(const std::string& id, std::int64_t offset,
                                                          std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<core::TimelineEvent>> {
      auto inc = LoadLive(c, id, false);
      if (!inc) return tl::unexpected(inc.error());
      TOCSIN_PG_EXEC(q, c,
                     "SELECT seq, at, actor_uuid, actor_handle, kind, message, changes FROM incident_events "
                     "WHERE incident = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
                     {inc->public_id, limit, offset});
      return EventsOf(*q, id);
    });
  }
  template <class Rows>
  static std::vector<core::TimelineEvent> EventsOf(const Rows& q, const std::string& id) {
    std::vector<core::TimelineEvent> out;
    for (int r = 0; r < q.size(); ++r) {
      out.push_back({q.Int(r, 0), id, FromUnixMicros(q.Int(r, 1)), core::Actor{q.Text(r, 2), q.Text(r, 3)},
                     q.Text(r, 4), q.Text(r, 5), DecodeChanges(q.Text(r, 6))});
    }
    return out;
  }

  Result<void> UseDueFunction(core::DueFn due) override {
    {
      std::lock_guard lock(due_mu_);
      due_ = std::make_shared<core::DueFn>(std::move(due));
    }
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT doc FROM incidents WHERE deleted = 0 AND (state IN ('active', 'stable') OR due_at IS NOT "
                     "NULL) FOR UPDATE",
                     {}, false);
      for (int r = 0; r < q->size(); ++r) {
        auto inc = DecodeIncident(q->Text(r, 0));
        if (!inc) return tl::unexpected(inc.error());
        TOCSIN_PG_EXEC(u, c, "UPDATE incidents SET due_at = $1 WHERE public_id = $2",
                       {MaybeMicros(DueOf(*inc)), inc->public_id});
      }
      return {};
    });
  }

  Result<core::DuePage> DueIncidents(TimePoint now, const std::optional<core::DueCursor>& after,
                                     std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<core::DuePage> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT due_at, public_id, doc FROM incidents WHERE due_at IS NOT NULL AND deleted = 0 AND "
                     "due_at <= $1 AND (due_at, public_id) > ($2, $3) ORDER BY due_at, public_id LIMIT $4",
                     {Micros(now),
                      after ? ToUnixMicros(after->due) : std::numeric_limits<std::int64_t>::min(),
                      after ? after->public_id : std::int64_t{0}, limit});
      core::DuePage page;
      for (int r = 0; r < q->size(); ++r) {
        auto inc = DecodeIncident(q->Text(r, 2));
        if (!inc) return tl::unexpected(inc.error());
        page.incidents.push_back(std::move(*inc));
      }
      if (q->size() > 0 && q->size() == limit) {
        page.next = core::DueCursor{FromUnixMicros(q->Int(q->size() - 1, 0)), q->Int(q->size() - 1, 1)};
      }
      return page;
    });
  }

  // Alerts of one group are decided one at a time across every connection
  // and replica: a transaction-scoped advisory lock per group key (and per
  // delivery key, for redeliveries), taken in sorted order before anything
  // is read, so two alerts of a new group never open two incidents.
  //
  // Each alert's writes are one statement, tocsin_ingest (migration 6,
  // ADR 0019). Alerts whose groups this store has not seen are first decided
  // as the first of a new group and sent without a read ("fast"): for a
  // single alert, one statement in a transaction of its own. The function writes
  // nothing when the database holds the group (or the delivery) after all,
  // and neither does any later call in that transaction; those alerts are
  // then decided again from what the database holds ("careful": a read,
  // then the write, which goes with the next read or the COMMIT), in order.
  Result<std::vector<core::AlertRecord>> IngestAlerts(std::vector<core::AlertWork> work) override {
    return combiner_.Ingest(std::move(work));
  }

  // The advisory lock keys of `work`, sorted: its groups, and its delivery
  // keys (redeliveries).
  static std::vector<std::string> IngestLocks(const std::vector<core::AlertWork>& work) {
    std::set<std::string> keys;
    for (const auto& w : work) {
      keys.insert("g:" + w.group_key);
      if (!w.alert.delivery_key.empty()) keys.insert("d:" + w.alert.source + "\n" + w.alert.delivery_key);
    }
    return {keys.begin(), keys.end()};
  }

  // One transaction for `work` (IngestCombiner's batch).
  Result<std::vector<core::AlertRecord>> IngestBatch(std::vector<core::AlertWork> work) {
    const std::vector<std::string> locks = IngestLocks(work);
    const std::size_t n = work.size();
    bool fast = n > 0 && AllGroupsUnseen(work);
    if (fast && n == 1) {
      auto alone = IngestAlone(work[0], locks);
      if (!alone) return tl::unexpected(alone.error());
      if (*alone) {
        if (!(*alone)->incident_id.empty()) NoteGroupsSeen({work[0].group_key});
        return std::vector<core::AlertRecord>{std::move(**alone)};
      }
      // The group (or the delivery) was there: nothing was written.
      NoteGroupsSeen({work[0].group_key});
      fast = false;
    }
    std::vector<Pending> pending;
    pending.reserve(n);  // DeferInto keeps pointers into it until COMMIT
    auto r = Tx([&](Connection& c) -> Result<void> {
      pending.clear();
      std::size_t careful = 0;
      if (fast) {
        // All in one statement; it writes the alerts before the first whose
        // group (or delivery) the database held. That one and the rest are
        // decided again below, in the same transaction.
        std::vector<core::AlertPlan> plans;
        std::vector<core::AlertRecord> recs(n);
        for (std::size_t k = 0; k < n; ++k) {
          plans.push_back(work[k].decide(core::GroupState{}));
          recs[k] = NewAlertRecord(work[k], plans[k]);
        }
        auto params = IngestManyParams(true, locks, work, plans, recs);
        if (!params) return tl::unexpected(params.error());
        TOCSIN_PG_EXEC(rows, c, kIngestMany, *params);
        careful = static_cast<std::size_t>(rows->size());
        for (std::size_t k = 0; k < careful; ++k) {
          if (rows->Int(static_cast<int>(k), 0) != static_cast<std::int64_t>(k + 1)) {
            return MakeError(ErrorCode::kInternal, "tocsin_ingest_many wrote out of order");
          }
          pending.push_back(Pending{std::move(recs[k]), Rows(nullptr), true});
          pending.back().rec.seq = rows->Int(static_cast<int>(k), 1);
        }
      } else {
        c.Defer(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 7)) "
            "FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
            {TextArray(locks)});
      }
      for (std::size_t k = careful; k < n; ++k) {
        pending.push_back(Pending{});
        if (auto ok = IngestCareful(c, work[k], pending.back()); !ok) return ok;
      }
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    std::vector<core::AlertRecord> out;
    out.reserve(n);
    for (auto& p : pending) {
      if (!p.rec.duplicate && !p.written) {
        if (!Written(p.row)) return MakeError(ErrorCode::kInternal, "tocsin_ingest wrote nothing");
        p.rec.seq = p.row.Int(0, 1);
      }
      out.push_back(std::move(p.rec));
    }
    std::vector<std::string> seen;
    for (const auto& rec : out) {
      if (!rec.incident_id.empty()) seen.push_back(rec.group_key);
    }
    NoteGroupsSeen(seen);
    return out;
  }

  Result<std::vector<core::AlertRecord>> ListAlerts(const core::AlertFilter& f) override {
    return Read([&](Connection& c) -> Result<std::vector<core::AlertRecord>> {
      std::string sql = std::string(kAlertSelect) + " WHERE TRUE";
      std::vector<Param> params;
      auto bind = [&](Param p) {
        params.push_back(std::move(p));
        return "$" + std::to_string(params.size());
      };
      if (f.state) sql += " AND a.state = " + bind(std::string(core::AlertStateName(*f.state)));
      if (!f.monitor.empty()) sql += " AND a.monitor_name = " + bind(f.monitor);
      if (!f.tag.empty()) sql += " AND EXISTS (SELECT 1 FROM alert_tags t WHERE t.tag = " + bind(f.tag) + " AND t.seq = a.seq)";
      if (f.received_from) sql += " AND a.received_at >= " + bind(ToUnixMicros(*f.received_from));
      if (f.received_before) sql += " AND a.received_at < " + bind(ToUnixMicros(*f.received_before));
      if (f.after_seq > 0) sql += " AND a.seq > " + bind(f.after_seq);
      sql += f.oldest_first ? " ORDER BY a.seq ASC LIMIT " + bind(f.limit) : " ORDER BY a.seq DESC LIMIT " + bind(f.limit);
      sql += " OFFSET " + bind(f.offset);
      TOCSIN_PG_EXEC(q, c, sql, params, false);
      std::vector<core::AlertRecord> records;
      for (int r = 0; r < q->size(); ++r) {
        auto rec = ReadAlert(*q, r);
        if (!rec) return tl::unexpected(rec.error());
        records.push_back(std::move(*rec));
      }
      return records;
    });
  }

  Result<std::vector<core::OutboxItem>> ListOutbox(const std::string& incident_id) override {
    return Read([&](Connection& c) -> Result<std::vector<core::OutboxItem>> {
      TOCSIN_PG_EXEC(q, c, "SELECT channel, incident_id, kind, created, reason FROM outbox WHERE incident_id = $1 ORDER BY id",
                     {incident_id});
      std::vector<core::OutboxItem> items;
      for (int r = 0; r < q->size(); ++r) {
        core::OutboxItem item;
        item.channel = q->Text(r, 0);
        item.incident_id = q->Text(r, 1);
        item.kind = q->Text(r, 2);
        item.created = FromUnixMicros(q->Int(r, 3));
        item.reason = q->Text(r, 4);
        items.push_back(std::move(item));
      }
      return items;
    });
  }

  // Claims are leases in the database (migration 2, ADR 0013), so that
  // replicas on one database share the outbox: a claim picks due queued
  // deliveries whose lease is free (FOR UPDATE SKIP LOCKED: concurrent
  // claimers skip each other's rows instead of waiting), and stamps them with
  // this replica, a lease end (the database's clock) and a fresh fencing
  // token. This process remembers its tokens; recording an attempt or
  // releasing a claim requires the token still on the row.
  //
  // Lanes: a delivery waits while an earlier one of its lane is queued for a
  // retry and not leased, or is leased by another replica (in flight there);
  // an earlier one leased here does not hold it back (the outbox worker keeps
  // the lane's order in memory). A commit is visible to other sessions only
  // once it is durable, so everything claimable may be sent.
  Result<std::vector<core::Delivery>> ClaimDeliveries(TimePoint now, std::int64_t limit) override {
    std::vector<std::pair<core::Delivery, std::int64_t>> got;
    std::int64_t taken_over = 0;  // claimed after another replica's lease ran out
    // The claim goes with its COMMIT in one round trip: a replica stalling
    // here holds no claimed row locked while it is stopped.
    Rows q(nullptr);
    auto r = Tx([&](Connection& c) -> Result<void> {
      c.DeferInto(&q,
                  "WITH picked AS (SELECT o.id, o.lease_until IS NOT NULL AND o.claimed_by <> $2 AS taken_over"
                  " FROM outbox o, (SELECT tocsin_now_us() AS t) n"
                  " WHERE o.state = 'queued' AND o.next_attempt_at <= $1"
                  " AND (o.lease_until IS NULL OR o.lease_until < n.t)"
                  " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.incident_id = o.incident_id"
                  " AND e.channel = o.channel AND e.recipient = o.recipient"
                  " AND e.contact_method = o.contact_method AND e.id < o.id AND e.state = 'queued'"
                  " AND ((e.attempts > 0 AND (e.lease_until IS NULL OR e.lease_until < n.t))"
                  " OR (e.lease_until >= n.t AND e.claimed_by <> $2)))"
                  " ORDER BY o.next_attempt_at, o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED)"
                  " UPDATE outbox SET claim_token = nextval('outbox_claim_tokens'), claimed_by = $2,"
                  " lease_until = tocsin_now_us() + $4 FROM picked WHERE outbox.id = picked.id RETURNING "
                  "outbox.id, outbox.incident_id, outbox.channel, outbox.kind, outbox.reason, outbox.created, "
                  "outbox.state, outbox.attempts, outbox.next_attempt_at, outbox.last_error, outbox.delivered_at, "
                  "outbox.thread_ts, outbox.recipient, outbox.contact_method, outbox.contact_type, "
                  "outbox.contact_address, COALESCE(outbox.notice_key, ''), outbox.body, outbox.claim_token, picked.taken_over",
                  {Micros(now), replica_, limit, lease_us_});
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    for (int row = 0; row < q.size(); ++row) {
      got.emplace_back(ReadDelivery(q, row), q.Int(row, 18));
      if (q.Text(row, 19) == "t") ++taken_over;
    }
    server_metrics::ReplicaClaims(static_cast<std::int64_t>(got.size()), taken_over);
    std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.next_attempt_at, a.first.id) < std::tie(b.first.next_attempt_at, b.first.id);
    });
    std::vector<core::Delivery> out;
    std::lock_guard claim_lock(claim_mu_);
    for (auto& [d, token] : got) {
      tokens_[d.id] = token;
      d.state = core::DeliveryState::kSending;
      out.push_back(std::move(d));
    }
    return out;
  }

  Result<void> ReleaseClaims(const std::vector<std::int64_t>& ids) override {
    std::vector<std::int64_t> tokens = TakeTokens(ids);
    if (tokens.empty()) return {};
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "UPDATE outbox SET claim_token = NULL, claimed_by = NULL, lease_until = NULL "
                     "WHERE claim_token = ANY($1::bigint[])",
                     {IdArray(tokens)});
      return {};
    });
  }

  Result<void> FinishAttempt(const core::Delivery& d, const core::NewEvent& event) override {
    return FinishAttempts({core::AttemptRecord{d, event}});
  }

  // Each outcome is recorded only while this replica's claim (its fencing
  // token) is still on the row: a replica that stalled past its lease, whose
  // delivery another replica has claimed since, records nothing. An outcome
  // for which this process holds no token is recorded only on a row nobody
  // has claimed (never over another replica's claim).
  Result<void> FinishAttempts(const std::vector<core::AttemptRecord>& records) override {
    if (records.empty()) return {};
    std::vector<std::optional<std::int64_t>> tokens;
    {
      std::lock_guard claim_lock(claim_mu_);
      for (const auto& rec : records) {
        auto it = tokens_.find(rec.delivery.id);
        tokens.push_back(it == tokens_.end() ? std::nullopt : std::optional<std::int64_t>(it->second));
      }
    }
    // One statement per outcome, all sent with BEGIN and COMMIT in one round
    // trip: the transaction never waits on this process, so a replica that
    // stalls (a pause, SIGSTOP) while recording holds no row of a lane, whose
    // later deliveries wait behind it, past the moment PostgreSQL has them.
    // Each statement records the outcome only over this replica's claim and,
    // when it did, appends the event under the incident's row lock (its
    // events keep commit order).
    static const std::string kRecord =
        "WITH u AS (UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, "
        "delivered_at = $5, thread_ts = $6, claim_token = NULL, claimed_by = NULL, lease_until = NULL "
        "WHERE id = $7 AND (claim_token = $8::bigint OR ($8::bigint IS NULL AND claim_token IS NULL)) "
        "RETURNING incident_id), "
        "i AS (SELECT public_id FROM incidents WHERE id IN (SELECT incident_id FROM u) AND deleted = 0 FOR UPDATE), "
        "e AS (INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes) "
        "SELECT i.public_id, e.at, e.u, e.h, e.k, e.m, e.c FROM i, unnest($9::bigint[], $10::text[], $11::text[], "
        "$12::text[], $13::text[], $14::text[]) AS e(at, u, h, k, m, c) RETURNING 1) "
        "SELECT (SELECT count(*) FROM u)";
    std::vector<Rows> recorded;
    auto r = Tx([&](Connection& c) -> Result<void> {
      recorded.clear();
      recorded.reserve(records.size());  // DeferInto keeps pointers into it
      for (std::size_t k = 0; k < records.size(); ++k) {
        const core::Delivery& d = records[k].delivery;
        recorded.emplace_back(nullptr);
        std::vector<Param> params{std::string(core::DeliveryStateName(d.state)), d.attempts,
                                  Micros(d.next_attempt_at), d.last_error, MaybeMicros(d.delivered_at), d.thread_ts,
                                  d.id, tokens[k] ? Param(*tokens[k]) : Param(nullptr)};
        for (auto& a : EventArrays({records[k].event})) params.push_back(std::move(a));
        c.DeferInto(&recorded.back(), kRecord, std::move(params));
      }
      return {};
    });
    std::int64_t fenced = 0;
    if (r) {
      for (const auto& q : recorded) {
        if (q.size() == 0 || q.Int(0, 0) == 0) ++fenced;  // taken over by another replica: its attempt is the one recorded
      }
    }
    if (!r) return r;
    if (fenced > 0) {
      server_metrics::ReplicaFenced(fenced);
      log::Warn("outbox: attempts not recorded, their claims were taken over after the lease ran out",
                {{"count", std::to_string(fenced)}});
    }
    std::vector<std::int64_t> ids;
    for (const auto& rec : records) ids.push_back(rec.delivery.id);
    (void)TakeTokens(ids);
    return {};
  }

  Result<bool> EnqueueNotice(const core::NoticeItem& n) override {
    bool added = false;
    auto r = Tx([&](Connection& c) -> Result<void> {
      // The partial unique index on notice_key makes a second insert of a key a no-op.
      TOCSIN_PG_EXEC(q, c,
                     "INSERT INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, notice_key, body) "
                     "VALUES ('',$1,$2,$3,$4,$5,$6,$7) ON CONFLICT (notice_key) WHERE notice_key IS NOT NULL DO NOTHING",
                     {n.channel, n.kind, n.reason, Micros(n.created), Micros(n.due.value_or(n.created)), n.key, n.body});
      added = q->Affected() > 0;
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return added;
  }

  // After a restart: this replica's claims (by its name) are released, and
  // rows left `sending` by older versions go back to queued.
  Result<std::int64_t> RequeueInFlight() override {
    std::int64_t n = 0;
    auto r = Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(u, c, "UPDATE outbox SET state = 'queued' WHERE state = 'sending'", {});
      TOCSIN_PG_EXEC(l, c,
                     "UPDATE outbox SET claim_token = NULL, claimed_by = NULL, lease_until = NULL "
                     "WHERE claimed_by = $1 AND lease_until IS NOT NULL",
                     {replica_});
      n = u->Affected() + l->Affected();
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    std::lock_guard claim_lock(claim_mu_);
    tokens_.clear();
    return n;
  }

  Result<std::vector<core::Delivery>> ListDeliveries(const core::DeliveryFilter& f) override {
    return Read([&](Connection& c) -> Result<std::vector<core::Delivery>> {
      std::string sql = std::string("SELECT ") + kDeliveryColumns +
                        ", COALESCE(lease_until >= tocsin_now_us(), FALSE) FROM outbox WHERE ";
      std::vector<Param> params;
      auto bind = [&](Param p) {
        params.push_back(std::move(p));
        return "$" + std::to_string(params.size());
      };
      sql += f.state ? StateCondition(*f.state, params) : "TRUE";
      if (!f.channel.empty()) sql += " AND channel = " + bind(f.channel);
      if (!f.incident_id.empty()) sql += " AND incident_id = " + bind(f.incident_id);
      sql += " ORDER BY id DESC LIMIT " + bind(f.limit);
      sql += " OFFSET " + bind(f.offset);
      TOCSIN_PG_EXEC(q, c, sql, params, false);
      std::vector<core::Delivery> out;
      for (int r = 0; r < q->size(); ++r) {
        out.push_back(ReadDelivery(*q, r));
        if (out.back().state == core::DeliveryState::kQueued && q->Text(r, 18) == "t") {
          out.back().state = core::DeliveryState::kSending;
        }
      }
      return out;
    });
  }

  Result<std::string> FindThread(const std::string& incident_id, const std::string& channel) override {
    return Read([&](Connection& c) -> Result<std::string> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT thread_ts FROM outbox WHERE incident_id = $1 AND channel = $2 AND thread_ts <> '' "
                     "ORDER BY id LIMIT 1",
                     {incident_id, channel});
      return q->size() > 0 ? q->Text(0, 0) : std::string();
    });
  }

  Result<std::int64_t> CountDeliveries(core::DeliveryState state) override {
    return Read([&](Connection& c) -> Result<std::int64_t> {
      std::vector<Param> params;
      TOCSIN_PG_EXEC(q, c, "SELECT COUNT(*) FROM outbox WHERE " + StateCondition(state, params), params);
      return q->Int(0, 0);
    });
  }

  Result<void> AddOverride(const core::OverrideRecord& o) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "INSERT INTO schedule_overrides (id, schedule, user_handle, for_user, start_at, end_at, created_by, "
                     "created) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                     {o.id, o.schedule, o.user, o.for_user, Micros(o.start), Micros(o.end), o.created_by,
                      Micros(o.created)});
      return {};
    });
  }

  Result<void> RemoveOverride(const std::string& id, const std::string& actor, TimePoint now) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "UPDATE schedule_overrides SET removed = $1, removed_by = $2 WHERE id = $3 AND removed IS NULL",
                     {Micros(now), actor, id});
      if (q->Affected() == 0) return NotFound("no override with id '" + id + "'");
      return {};
    });
  }

  Result<std::vector<core::OverrideRecord>> ListOverrides() override {
    return Read([&](Connection& c) -> Result<std::vector<core::OverrideRecord>> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT id, schedule, user_handle, for_user, start_at, end_at, created_by, created, removed, "
                     "removed_by FROM schedule_overrides ORDER BY created, id",
                     {});
      std::vector<core::OverrideRecord> out;
      for (int r = 0; r < q->size(); ++r) {
        core::OverrideRecord o{q->Text(r, 0), q->Text(r, 1), q->Text(r, 2), q->Text(r, 3),
                               FromUnixMicros(q->Int(r, 4)), FromUnixMicros(q->Int(r, 5)), q->Text(r, 6),
                               FromUnixMicros(q->Int(r, 7)), std::nullopt, q->Text(r, 9)};
        if (!q->IsNull(r, 8)) o.removed = FromUnixMicros(q->Int(r, 8));
        out.push_back(std::move(o));
      }
      return out;
    });
  }

  // Keys are not cached here: every lookup is one indexed read, so a key
  // created or revoked by any process or replica takes effect at once, with
  // no marker file to share between machines.
  Result<void> CreateKey(const core::KeyRecord& key) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(dup, c, "SELECT 1 FROM api_keys WHERE name = $1 AND revoked IS NULL", {key.name});
      if (dup->size() > 0) return MakeError(ErrorCode::kConflict, "a key named '" + key.name + "' already exists");
      TOCSIN_PG_EXEC(q, c,
                     "INSERT INTO api_keys (id, name, kind, api_key_hash, app_key_hash, user_handle, hint, created, "
                     "revoked, scope) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,NULL,$9)",
                     {key.id, key.name, key.kind, key.api_key_hash,
                      key.app_key_hash.empty() ? Param(nullptr) : Param(key.app_key_hash), key.user_handle, key.hint,
                      Micros(key.created), key.scope});
      return {};
    });
  }

  // Every request's key: concurrent lookups share one statement.
  Result<std::optional<core::KeyRecord>> FindKeyByApiHash(const std::string& hash) override {
    return api_keys_.Get(hash);
  }
  Result<std::optional<core::KeyRecord>> FindKeyByAppHash(const std::string& hash) override {
    return FindKey(std::string(kKeySelect) + " WHERE app_key_hash = $1 AND revoked IS NULL", hash);
  }

  Result<std::vector<core::KeyRecord>> ListKeys() override {
    return Read([&](Connection& c) -> Result<std::vector<core::KeyRecord>> {
      TOCSIN_PG_EXEC(q, c, std::string(kKeySelect) + " ORDER BY created, seq", {});
      std::vector<core::KeyRecord> out;
      for (int r = 0; r < q->size(); ++r) out.push_back(ReadKey(*q, r));
      return out;
    });
  }

  Result<void> RevokeKey(const std::string& id_or_name, TimePoint now) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c, "UPDATE api_keys SET revoked = $1 WHERE revoked IS NULL AND (id = $2 OR name = $2)",
                     {Micros(now), id_or_name});
      if (q->Affected() == 0) return NotFound("no live key with id or name '" + id_or_name + "'");
      return {};
    });
  }

  Result<void> SetPasswordHash(const std::string& handle, const std::string& hash, TimePoint now) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "INSERT INTO user_passwords (handle, hash, modified) VALUES ($1,$2,$3) "
                     "ON CONFLICT (handle) DO UPDATE SET hash = excluded.hash, modified = excluded.modified",
                     {handle, hash, Micros(now)});
      return {};
    });
  }

  Result<std::optional<std::string>> GetPasswordHash(const std::string& handle) override {
    return Read([&](Connection& c) -> Result<std::optional<std::string>> {
      TOCSIN_PG_EXEC(q, c, "SELECT hash FROM user_passwords WHERE handle = $1", {handle});
      if (q->size() == 0) return std::optional<std::string>();
      return std::optional<std::string>(q->Text(0, 0));
    });
  }

  Result<void> CreateSession(const core::SessionRecord& s) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(del, c, "DELETE FROM web_sessions WHERE expires <= $1", {Micros(s.created)});
      TOCSIN_PG_EXEC(q, c, "INSERT INTO web_sessions (token_hash, user_handle, created, expires) VALUES ($1,$2,$3,$4)",
                     {s.token_hash, s.user_handle, Micros(s.created), Micros(s.expires)});
      return {};
    });
  }

  Result<std::optional<core::SessionRecord>> FindSession(const std::string& token_hash, TimePoint now) override {
    return Read([&](Connection& c) -> Result<std::optional<core::SessionRecord>> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT token_hash, user_handle, created, expires FROM web_sessions WHERE token_hash = $1 AND "
                     "expires > $2",
                     {token_hash, Micros(now)});
      if (q->size() == 0) return std::optional<core::SessionRecord>();
      return std::optional<core::SessionRecord>(core::SessionRecord{
          q->Text(0, 0), q->Text(0, 1), FromUnixMicros(q->Int(0, 2)), FromUnixMicros(q->Int(0, 3))});
    });
  }

  Result<void> DeleteSession(const std::string& token_hash) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c, "DELETE FROM web_sessions WHERE token_hash = $1", {token_hash});
      return {};
    });
  }

  Result<void> RecordConfigReload(const core::ConfigReloadRecord& r) override {
    return Tx([&](Connection& c) -> Result<void> {
      TOCSIN_PG_EXEC(q, c,
                     "INSERT INTO config_reloads (id, at, actor, hash, previous_hash, changes, needs_restart) "
                     "VALUES ($1,$2,$3,$4,$5,$6,$7)",
                     {r.id, Micros(r.at), r.actor, r.hash, r.previous_hash, JoinLines(r.changes),
                      JoinLines(r.needs_restart)});
      return {};
    });
  }

  Result<std::vector<core::ConfigReloadRecord>> ListConfigReloads(std::int64_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<core::ConfigReloadRecord>> {
      TOCSIN_PG_EXEC(q, c,
                     "SELECT id, at, actor, hash, previous_hash, changes, needs_restart FROM config_reloads "
                     "ORDER BY seq DESC LIMIT $1",
                     {limit});
      std::vector<core::ConfigReloadRecord> out;
      for (int r = 0; r < q->size(); ++r) {
        out.push_back({q->Text(r, 0), FromUnixMicros(q->Int(r, 1)), q->Text(r, 2), q->Text(r, 3), q->Text(r, 4),
                       SplitLines(q->Text(r, 5)), SplitLines(q->Text(r, 6))});
      }
      return out;
    });
  }

  // Reachability, for /readyz: a cheap round trip at most once a second.
  // Not a permanent failure (no failure handler): the pool reconnects.
  std::optional<std::string> Failure() const override {
    std::lock_guard lock(ping_mu_);
    auto now = std::chrono::steady_clock::now();
    // A request that just lost its connection tells at once, without a ping.
    if (auto down = pool_.Down(); down && !last_failure_) last_failure_ = down;
    if (now - last_ping_ < std::chrono::seconds(1)) return last_failure_;
    last_ping_ = now;
    auto lease = pool_.Acquire();
    if (!lease) {
      last_failure_ = lease.error().message;
    } else if (auto ok = (*lease)->Exec("SELECT 1", {}); !ok) {
      last_failure_ = ok.error().message;
    } else {
      last_failure_.reset();
    }
    return last_failure_;
  }

  void Close() override { pool_.Close(); }

 private:
  // Runs `fn` in one transaction on a pooled connection and commits. A
  // serialization failure or deadlock runs it again (mutations are pure); a
  // connection found dead before anything was sent is replaced.
  Result<void> Tx(const std::function<Result<void>(Connection&)>& fn) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.Acquire();
      if (!lease) return tl::unexpected(lease.error());
      Connection& c = **lease;
      auto began = std::chrono::steady_clock::now();
      // BEGIN goes with the transaction's first statement, and its writes
      // with the next read or the COMMIT (Connection::Defer): one round trip
      // each instead of one per statement.
      c.Defer("BEGIN", {}, false);
      Result<void> r = fn(c);
      // A connection found dead before COMMIT was sent committed nothing:
      // run the (pure) transaction again on another.
      if (!r && c.Broken() && attempt < kRetries) continue;
      if (r) r = c.Run("COMMIT");
      if (r && on_commit_) on_commit_(1, std::chrono::steady_clock::now() - began);
      if (r) return r;
      std::string state = c.LastState();
      if (!c.Broken()) (void)c.Run("ROLLBACK");
      if (postgres::IsRetryable(state) && attempt < kRetries) continue;
      return r;
    }
  }

  // Runs a read on a pooled connection; a read that failed because its
  // connection had died (e.g. after a PostgreSQL restart) runs again.
  template <typename F>
  auto Read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.Acquire();
      if (!lease) return tl::unexpected(lease.error());
      auto result = fn(**lease);
      if (!result && (*lease)->Broken() && attempt < kRetries) continue;
      return result;
    }
  }

  // Live keys by API key hash, for ReadCombiner.
  Result<std::unordered_map<std::string, core::KeyRecord>> FindKeysByApiHash(const std::vector<std::string>& hashes) {
    return Read([&](Connection& c) -> Result<std::unordered_map<std::string, core::KeyRecord>> {
      TOCSIN_PG_EXEC(q, c, std::string(kKeySelect) + " WHERE api_key_hash = ANY($1::text[]) AND revoked IS NULL",
                     {TextArray(hashes)});
      std::unordered_map<std::string, core::KeyRecord> found;
      for (int r = 0; r < q->size(); ++r) {
        core::KeyRecord k = ReadKey(*q, r);
        found.emplace(k.api_key_hash, std::move(k));
      }
      return found;
    });
  }

  Result<std::optional<core::KeyRecord>> FindKey(const std::string& sql, const std::string& hash) {
    return Read([&](Connection& c) -> Result<std::optional<core::KeyRecord>> {
      TOCSIN_PG_EXEC(q, c, sql, {hash});
      if (q->size() == 0) return std::optional<core::KeyRecord>();
      return std::optional<core::KeyRecord>(ReadKey(*q, 0));
    });
  }

  static Result<core::Incident> LoadLive(Connection& c, const std::string& id, bool lock) {
    TOCSIN_PG_EXEC(q, c,
                   lock ? "SELECT doc FROM incidents WHERE id = $1 AND deleted = 0 FOR UPDATE"
                        : "SELECT doc FROM incidents WHERE id = $1 AND deleted = 0",
                   {id});
    if (q->size() == 0) return NotFound("incident " + id + " not found");
    return DecodeIncident(q->Text(0, 0));
  }

  std::optional<TimePoint> DueOf(const core::Incident& i) const {
    if (i.deleted) return std::nullopt;
    std::shared_ptr<core::DueFn> due;
    {
      std::lock_guard lock(due_mu_);
      due = due_;
    }
    if (!due) return core::IsClosed(i.state) ? std::nullopt : std::optional<TimePoint>(i.created);
    return (*due)(i);
  }

  std::vector<Param> RowParams(const core::Incident& i) const {
    return {i.public_id, i.id, i.title, i.severity, std::string(core::StateName(i.state)),
            i.commander ? Param(i.commander->user_uuid) : Param(nullptr),
            i.commander ? Param(i.commander->handle) : Param(nullptr), i.customer_impacted ? 1 : 0,
            Micros(i.created), Micros(i.modified), i.deleted ? 1 : 0, i.version, EncodeIncident(i),
            MaybeMicros(DueOf(i))};
  }

  Result<void> InsertIncident(Connection& c, core::Incident& inc, const std::vector<core::NewEvent>& events) {
    TOCSIN_PG_EXEC(next, c,
                   "SELECT nextval('incident_public_ids'), EXISTS (SELECT 1 FROM incidents WHERE id = $1)", {inc.id});
    if (next->Text(0, 1) == "t") return MakeError(ErrorCode::kConflict, "incident " + inc.id + " already exists");
    inc.public_id = next->Int(0, 0);
    c.Defer(
        "INSERT INTO incidents (public_id, id, title, severity, state, commander_uuid, commander_handle, "
        "customer_impacted, created, modified, deleted, version, doc, due_at) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        RowParams(inc));
    if (auto ok = WriteTerms(c, inc, false); !ok) return ok;
    return WriteEvents(c, inc.public_id, events);
  }

  Result<void> ReplaceIncident(Connection& c, const core::Incident& current, core::Incident& inc,
                               const std::vector<core::NewEvent>& events, std::vector<std::int64_t>* seqs = nullptr) {
    inc.public_id = current.public_id;
    inc.id = current.id;
    c.Defer(
        "UPDATE incidents SET id = $2, title = $3, severity = $4, state = $5, commander_uuid = $6, "
        "commander_handle = $7, customer_impacted = $8, created = $9, modified = $10, deleted = $11, "
        "version = $12, doc = $13, due_at = $14 WHERE public_id = $1",
        RowParams(inc));
    if (current.fields != inc.fields || current.phase != inc.phase || current.type != inc.type) {
      if (auto ok = WriteTerms(c, inc, true); !ok) return ok;
    }
    return WriteEvents(c, inc.public_id, events, seqs);
  }

  // The incident's terms as (facets, values): each custom field's values,
  // then the workflow's phase and the incident type (a field of the same
  // name wins).
  static std::pair<std::vector<std::string>, std::vector<std::string>> TermArrays(const core::Incident& i) {
    std::vector<std::string> facets;
    std::vector<std::string> values;
    for (const auto& [name, v] : i.fields) {
      for (const auto& value : v.Values()) {
        facets.push_back(name);
        values.push_back(value);
      }
    }
    for (const auto& [facet, value] : {std::pair<const char*, const std::string&>{"phase", i.phase}, {"type", i.type}}) {
      if (value.empty() || i.fields.count(facet)) continue;
      facets.emplace_back(facet);
      values.push_back(value);
    }
    return {std::move(facets), std::move(values)};
  }

  // Every term of the incident in one statement.
  static Result<void> WriteTerms(Connection& c, const core::Incident& i, bool replace) {
    if (replace) {
      c.Defer("DELETE FROM incident_terms WHERE incident = $1", {i.public_id});
    }
    auto [facets, values] = TermArrays(i);
    if (facets.empty()) return {};
    c.Defer(
        "INSERT INTO incident_terms (facet, value, incident) "
        "SELECT f, v, $3::bigint FROM unnest($1::text[], $2::text[]) AS t(f, v) ON CONFLICT DO NOTHING",
        {TextArray(facets), TextArray(values), i.public_id});
    return {};
  }

  // The events as six columns of text (at, actor uuid, actor handle, kind,
  // message, changes), in order.
  static std::vector<std::vector<std::string>> EventColumns(const std::vector<core::NewEvent>& events) {
    std::vector<std::vector<std::string>> cols(6);
    for (const auto& e : events) {
      cols[0].push_back(std::to_string(ToUnixMicros(e.at)));
      cols[1].push_back(e.actor.user_uuid);
      cols[2].push_back(e.actor.handle);
      cols[3].push_back(e.kind);
      cols[4].push_back(e.message);
      cols[5].push_back(EncodeChanges(e.changes));
    }
    return cols;
  }

  // Outbox rows as ten columns of text, in the order tocsin_ingest and
  // WriteOutbox take.
  static std::vector<std::vector<std::string>> OutboxColumns(const std::vector<core::OutboxItem>& items) {
    std::vector<std::vector<std::string>> cols(10);
    for (const auto& n : items) {
      cols[0].push_back(n.incident_id);
      cols[1].push_back(n.channel);
      cols[2].push_back(n.kind);
      cols[3].push_back(n.reason);
      cols[4].push_back(std::to_string(ToUnixMicros(n.created)));
      cols[5].push_back(std::to_string(ToUnixMicros(n.due.value_or(n.created))));
      cols[6].push_back(n.to.user);
      cols[7].push_back(std::to_string(n.to.method));
      cols[8].push_back(n.to.type);
      cols[9].push_back(n.to.address);
    }
    return cols;
  }

  // Columns as array literals (numbers too: PostgreSQL reads a quoted
  // element with the element type's input).
  static std::vector<Param> Arrays(const std::vector<std::vector<std::string>>& cols) {
    std::vector<Param> out;
    for (const auto& c : cols) out.emplace_back(TextArray(c));
    return out;
  }
  static std::vector<Param> EventArrays(const std::vector<core::NewEvent>& events) {
    return Arrays(EventColumns(events));
  }
  static std::vector<Param> OutboxArrays(const std::vector<core::OutboxItem>& items) {
    return Arrays(OutboxColumns(items));
  }

  // The events in one statement, in order: each row's seq comes from the
  // sequence as the rows are inserted in ordinality order, so the returned
  // seqs, sorted, are the events' seqs in the order given.
  static Result<void> WriteEvents(Connection& c, std::int64_t public_id, const std::vector<core::NewEvent>& events,
                                  std::vector<std::int64_t>* seqs = nullptr) {
    if (events.empty()) return {};
    static const std::string kInsert =
        "INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes) "
        "SELECT $1::bigint, e.at, e.u, e.h, e.k, e.m, e.c FROM unnest($2::bigint[], $3::text[], "
        "$4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS e(at, u, h, k, m, c, n) "
        "ORDER BY e.n RETURNING seq";
    std::vector<Param> params{public_id};
    for (auto& a : EventArrays(events)) params.push_back(std::move(a));
    if (!seqs) {  // nobody reads the seqs: it goes with the next statement
      c.Defer(kInsert, std::move(params));
      return {};
    }
    TOCSIN_PG_EXEC(q, c, kInsert, params);
    {
      std::vector<std::int64_t> got;
      for (int r = 0; r < q->size(); ++r) got.push_back(q->Int(r, 0));
      std::sort(got.begin(), got.end());
      seqs->insert(seqs->end(), got.begin(), got.end());
    }
    return {};
  }

  static Result<void> WriteOutbox(Connection& c, const std::vector<core::OutboxItem>& items) {
    if (items.empty()) return {};
    // Ids in the order given (a lane's deliveries are sent in id order).
    c.Defer(
        "INSERT INTO outbox (incident_id, channel, kind, reason, created, next_attempt_at, recipient, "
        "contact_method, contact_type, contact_address) "
        "SELECT o.i, o.ch, o.k, o.r, o.cr, o.d, o.u, o.m, o.t, o.a FROM unnest($1::text[], $2::text[], "
        "$3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::integer[], $9::text[], "
        "$10::text[]) WITH ORDINALITY AS o(i, ch, k, r, cr, d, u, m, t, a, n) ORDER BY o.n",
        OutboxArrays(items));
    return {};
  }

  // One alert of a transaction, and the result of its tocsin_ingest call.
  struct Pending {
    core::AlertRecord rec;
    Rows row{nullptr};
    bool written = false;  // by tocsin_ingest_many: rec.seq is set
  };

  static bool Written(const Rows& row) { return row.size() == 1 && row.Text(0, 0) == "t"; }

  static constexpr const char* kIngest =
      "SELECT o_written, o_seq, o_public_id FROM tocsin_ingest($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,"
      "$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38,$39,$40,$41,$42,"
      "$43,$44,$45,$46,$47,$48,$49)";
  static constexpr const char* kIngestMany =
      "SELECT o_n, o_seq, o_public_id FROM tocsin_ingest_many($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,"
      "$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38,$39,$40,$41,$42,"
      "$43,$44,$45,$46,$47,$48,$49,$50,$51)";

  // Alerts that are calls of their own (IngestCombiner's `each`), each with
  // its own result. Those of unseen groups go first, every tocsin_ingest call
  // with BEGIN and the COMMIT: one round trip. The rest, and those that wrote
  // nothing (the database held the group, or an earlier call wrote nothing),
  // are then decided from what the database holds, in order, in a
  // transaction of their own. A transaction that fails runs its alerts again
  // one at a time, so that one alert's failure is only its own.
  std::vector<Result<core::AlertRecord>> IngestEach(std::vector<core::AlertWork> work) {
    const std::size_t n = work.size();
    std::vector<Result<core::AlertRecord>> out(n, MakeError(ErrorCode::kInternal, "not ingested"));
    std::vector<std::size_t> rest;  // indexes still to ingest
    std::vector<Pending> pending;
    if (AllGroupsUnseen(work)) {
      const std::vector<std::string> locks = IngestLocks(work);
      pending.reserve(n);  // DeferInto keeps pointers into it until COMMIT
      auto r = Tx([&](Connection& c) -> Result<void> {
        pending.clear();
        for (std::size_t k = 0; k < n; ++k) {
          pending.push_back(Pending{});
          Pending& p = pending.back();
          auto plan = work[k].decide(core::GroupState{});
          p.rec = NewAlertRecord(work[k], plan);
          auto params =
              IngestParams(true, k == 0 ? locks : std::vector<std::string>{}, work[k], plan, nullptr, p.rec);
          if (!params) return tl::unexpected(params.error());
          c.DeferInto(&p.row, kIngest, std::move(*params));
        }
        return {};
      });
      std::vector<std::string> seen;
      for (std::size_t k = 0; k < n; ++k) {
        if (r && Written(pending[k].row)) {
          pending[k].rec.seq = pending[k].row.Int(0, 1);
          if (!pending[k].rec.incident_id.empty()) seen.push_back(work[k].group_key);
          out[k] = std::move(pending[k].rec);
        } else {
          rest.push_back(k);
          if (r) seen.push_back(work[k].group_key);  // the database held it (or an earlier one wrote nothing)
        }
      }
      NoteGroupsSeen(seen);
      if (!r) {
        // A lost connection may have lost the COMMIT's answer, not the
        // COMMIT: every alert reports it. Any other failure wrote nothing:
        // each alert runs alone.
        for (std::size_t k : rest) {
          out[k] = r.error().code == ErrorCode::kUnavailable ? tl::unexpected(r.error()) : One(IngestBatch({work[k]}));
        }
        return out;
      }
    } else {
      for (std::size_t k = 0; k < n; ++k) rest.push_back(k);
    }
    if (rest.empty()) return out;
    std::vector<core::AlertWork> again;
    for (std::size_t k : rest) again.push_back(work[k]);
    auto done = IngestBatch(std::move(again));
    if (done && done->size() == rest.size()) {
      for (std::size_t j = 0; j < rest.size(); ++j) out[rest[j]] = std::move((*done)[j]);
    } else {
      for (std::size_t k : rest) {
        out[k] = !done && done.error().code == ErrorCode::kUnavailable ? tl::unexpected(done.error())
                                                                         : One(IngestBatch({work[k]}));
      }
    }
    return out;
  }

  static Result<core::AlertRecord> One(Result<std::vector<core::AlertRecord>> r) {
    if (!r) return tl::unexpected(r.error());
    if (r->size() != 1) return MakeError(ErrorCode::kInternal, "one alert, not one record");
    return std::move(r->front());
  }

  // Runs `fn`'s one statement as a transaction of its own (no BEGIN): a
  // serialization failure or deadlock runs it again. Like a COMMIT, a
  // statement whose connection broke after it was sent is not run again.
  Result<void> Once(const std::function<Result<void>(Connection&)>& fn) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.Acquire();
      if (!lease) return tl::unexpected(lease.error());
      Connection& c = **lease;
      auto began = std::chrono::steady_clock::now();
      auto r = fn(c);
      if (!r && postgres::IsRetryable(c.LastState()) && attempt < kRetries) continue;
      if (r && on_commit_) on_commit_(1, std::chrono::steady_clock::now() - began);
      return r;
    }
  }

  // A single alert of an unseen group: one statement, its own (implicit)
  // transaction. Nothing when it wrote nothing (the group or the delivery
  // was there). Like a COMMIT, a statement whose connection broke after it
  // was sent is not run again (it may have committed).
  Result<std::optional<core::AlertRecord>> IngestAlone(core::AlertWork& w, const std::vector<std::string>& locks) {
    std::optional<core::AlertRecord> written;
    auto r = Once([&](Connection& c) -> Result<void> {
      written.reset();
      auto plan = w.decide(core::GroupState{});
      core::AlertRecord rec = NewAlertRecord(w, plan);
      auto params = IngestParams(true, locks, w, plan, nullptr, rec);
      if (!params) return tl::unexpected(params.error());
      TOCSIN_PG_EXEC(row, c, kIngest, *params);
      if (!Written(*row)) return {};
      rec.seq = row->Int(0, 1);
      written = std::move(rec);
      return {};
    });
    if (!r) return tl::unexpected(r.error());
    return written;
  }

  // The careful path for one alert: it reads whether the delivery was seen
  // and the group's last incident (locked), decides, and queues its write.
  Result<void> IngestCareful(Connection& c, core::AlertWork& w, Pending& p) {
    const core::Alert& a = w.alert;
    Rows dup(nullptr);
    if (!a.delivery_key.empty()) {
      c.DeferInto(&dup,
                  std::string(kAlertSelect) + " WHERE a.source = $1 AND a.delivery_key = $2 AND a.delivery_key <> ''",
                  {a.source, a.delivery_key});
    }
    // The group's incident, unless it was deleted (then the group starts anew).
    TOCSIN_PG_EXEC(g, c,
                   "SELECT doc FROM incidents WHERE id = (SELECT incident_id FROM alert_groups WHERE group_key = $1) "
                   "AND deleted = 0 FOR UPDATE",
                   {w.group_key});
    if (dup.size() > 0) {
      auto rec = ReadAlert(dup, 0);
      if (!rec) return tl::unexpected(rec.error());
      p.rec = std::move(*rec);
      p.rec.duplicate = true;
      return {};
    }
    core::GroupState group;
    if (g->size() > 0) {
      auto state = GroupStateOf(DecodeIncident(g->Text(0, 0)));
      if (!state) return tl::unexpected(state.error());
      group = std::move(*state);
    }
    core::AlertPlan plan = w.decide(group);
    p.rec = NewAlertRecord(w, plan);
    auto params = IngestParams(false, {}, w, plan, group.open ? &*group.open : nullptr, p.rec);
    if (!params) return tl::unexpected(params.error());
    c.DeferInto(&p.row, kIngest, std::move(*params));
    return {};
  }

  // tocsin_ingest's parameters for one decided alert (sets the record's
  // incident id and queued count). `open`: the group's open incident, which
  // an update replaces.
  Result<std::vector<Param>> IngestParams(bool check, const std::vector<std::string>& locks, const core::AlertWork& w,
                                          core::AlertPlan& plan, const core::Incident* open,
                                          core::AlertRecord& rec) const {
    const core::Alert& a = w.alert;
    std::vector<Param> p{check ? "t" : "f", TextArray(locks), w.group_key};
    int mode = 0;
    std::vector<Param> row(14, Param(nullptr));
    std::string tail;
    const std::vector<core::NewEvent>* events = nullptr;
    std::optional<std::pair<std::vector<std::string>, std::vector<std::string>>> terms;
    bool replace_terms = false;
    if (plan.create) {
      mode = 1;
      core::Incident& inc = *plan.create;
      // The public id is taken in the function and written between the
      // document's two halves, split where this placeholder stands.
      inc.public_id = std::numeric_limits<std::int64_t>::min();
      row = RowParams(inc);
      const std::string marker = "\"public_id\":" + std::to_string(inc.public_id);
      std::string& doc = *row[12].text;
      auto at = doc.rfind(marker);
      if (at == std::string::npos) return MakeError(ErrorCode::kInternal, "incident document has no public_id");
      tail = doc.substr(at + marker.size());
      doc.resize(at + marker.size() - std::to_string(inc.public_id).size());
      events = &plan.create_events;
      terms = TermArrays(inc);
      rec.incident_id = inc.id;
    } else if (plan.update && open) {
      mode = 2;
      core::Incident& inc = *plan.update;
      inc.public_id = open->public_id;
      inc.id = open->id;
      row = RowParams(inc);
      events = &plan.update_events;
      if (open->fields != inc.fields || open->phase != inc.phase || open->type != inc.type) {
        terms = TermArrays(inc);
        replace_terms = true;
      }
      rec.incident_id = inc.id;
    }
    p.emplace_back(mode);
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k == 13) p.push_back(tail);  // doc_tail, after doc (12): the due time comes last
      p.push_back(std::move(row[k]));
    }
    p.emplace_back(replace_terms ? "t" : "f");
    if (terms) {
      p.emplace_back(TextArray(terms->first));
      p.emplace_back(TextArray(terms->second));
    } else {
      p.emplace_back(nullptr);
      p.emplace_back(nullptr);
    }
    static const std::vector<core::NewEvent> kNoEvents;
    for (auto& e : EventArrays(events ? *events : kNoEvents)) p.push_back(std::move(e));
    for (auto& o : OutboxArrays(plan.notifications)) p.push_back(std::move(o));
    rec.queued = static_cast<int>(plan.notifications.size());
    p.insert(p.end(), {a.source, a.delivery_key, rec.fingerprint, a.monitor_name,
                      std::string(core::AlertStateName(a.state)), Micros(a.received_at), EncodeAlert(a), rec.decision,
                      rec.detail, rec.incident_id.empty() ? Param(nullptr) : Param(rec.incident_id),
                      TextArray(a.tags)});
    return p;
  }

  // tocsin_ingest_many's parameters (migration 7) for alerts each decided as
  // the first of its new group: per alert, tocsin_ingest's single values
  // (taken from IngestParams) as arrays; terms, events, outbox rows and tags
  // flattened with their alert's index (from 1).
  Result<std::vector<Param>> IngestManyParams(bool prefix, const std::vector<std::string>& locks,
                                              const std::vector<core::AlertWork>& work,
                                              std::vector<core::AlertPlan>& plans,
                                              std::vector<core::AlertRecord>& recs) const {
    // Positions in IngestParams: the group, the mode, the incident's row but
    // its public id (5-18), the alert's (38-47).
    std::vector<int> singles{2, 3};
    for (int k = 5; k <= 18; ++k) singles.push_back(k);
    const std::size_t incident_columns = singles.size();
    for (int k = 38; k <= 47; ++k) singles.push_back(k);
    std::vector<std::vector<Param>> columns(singles.size());
    std::vector<std::vector<std::string>> terms(3), events(7), outbox(11), tags(2);
    auto flatten = [](std::vector<std::vector<std::string>>& into, const std::string& n,
                      const std::vector<std::vector<std::string>>& cols) {
      std::size_t rows = cols.empty() ? 0 : cols[0].size();
      for (std::size_t r = 0; r < rows; ++r) {
        into[0].push_back(n);
        for (std::size_t c = 0; c < cols.size(); ++c) into[c + 1].push_back(cols[c][r]);
      }
    };
    for (std::size_t k = 0; k < work.size(); ++k) {
      auto single = IngestParams(false, {}, work[k], plans[k], nullptr, recs[k]);
      if (!single) return tl::unexpected(single.error());
      for (std::size_t c = 0; c < singles.size(); ++c) columns[c].push_back(std::move((*single)[singles[c]]));
      const std::string n = std::to_string(k + 1);
      if (plans[k].create) {
        auto [facets, values] = TermArrays(*plans[k].create);
        flatten(terms, n, {facets, values});
        flatten(events, n, EventColumns(plans[k].create_events));
      }
      flatten(outbox, n, OutboxColumns(plans[k].notifications));
      flatten(tags, n, {work[k].alert.tags});
    }
    std::vector<Param> p{prefix ? "t" : "f", TextArray(locks)};
    for (std::size_t c = 0; c < incident_columns; ++c) p.emplace_back(ParamArray(columns[c]));
    for (auto* flat : {&terms, &events, &outbox}) {
      for (auto& a : Arrays(*flat)) p.push_back(std::move(a));
    }
    for (std::size_t c = incident_columns; c < columns.size(); ++c) p.emplace_back(ParamArray(columns[c]));
    for (auto& a : Arrays(tags)) p.push_back(std::move(a));
    return p;
  }

  // Whether no alert of `work` is of a group this store saw, and no two of
  // them share one.
  bool AllGroupsUnseen(const std::vector<core::AlertWork>& work) {
    std::lock_guard lock(groups_mu_);
    std::unordered_set<std::string> batch;
    for (const auto& w : work) {
      if (seen_groups_.count(w.group_key) || !batch.insert(w.group_key).second) return false;
    }
    return true;
  }

  // Remembers groups the database holds (bounded: forgetting one only costs
  // the fast path's wasted call).
  void NoteGroupsSeen(const std::vector<std::string>& keys) {
    std::lock_guard lock(groups_mu_);
    if (seen_groups_.size() + keys.size() > kSeenGroups) seen_groups_.clear();
    seen_groups_.insert(keys.begin(), keys.end());
  }

  static Result<core::SearchPage> SearchIn(Connection& c, const core::SearchRequest& req) {
    std::vector<Param> params;
    std::string where = postgres::BuildWhere(req.query, params);
    std::vector<Param> paged = params;
    paged.emplace_back(req.limit);
    paged.emplace_back(req.offset);
    std::string n = std::to_string(params.size());
    TOCSIN_PG_EXEC(rows, c,
                   "SELECT doc FROM incidents i WHERE i.deleted = 0 AND (" + where + ") ORDER BY i.public_id " +
                       (req.newest_first ? "DESC" : "ASC") + " LIMIT $" + std::to_string(params.size() + 1) +
                       " OFFSET $" + std::to_string(params.size() + 2),
                   paged, false);
    core::SearchPage page;
    for (int r = 0; r < rows->size(); ++r) {
      std::string doc = rows->Text(r, 0);
      auto inc = DecodeIncident(doc);
      if (!inc) return tl::unexpected(inc.error());
      page.incidents.push_back(std::move(*inc));
      page.content_keys.push_back(std::hash<std::string>{}(doc));
    }
    page.total = -1;
    if (req.with_total) {
      TOCSIN_PG_EXEC(count, c, "SELECT COUNT(*) FROM incidents i WHERE i.deleted = 0 AND (" + where + ")", params, false);
      page.total = count->Int(0, 0);
    }
    if (req.with_facets) {
      auto facets = postgres::QueryFacets(c, where, params, req.facets == core::SearchRequest::Facets::kSeverityAndPhase);
      if (!facets) return tl::unexpected(facets.error());
      page.facets = std::move(*facets);
    }
    return page;
  }

  // Deliveries in `state`, leased ones counted as sending.
  static std::string StateCondition(core::DeliveryState state, std::vector<Param>& params) {
    if (state == core::DeliveryState::kQueued) {
      return "(state = 'queued' AND (lease_until IS NULL OR lease_until < tocsin_now_us()))";
    }
    if (state == core::DeliveryState::kSending) {
      return "(state = 'sending' OR (state = 'queued' AND lease_until >= tocsin_now_us()))";
    }
    params.emplace_back(std::string(core::DeliveryStateName(state)));
    return "state = $" + std::to_string(params.size());
  }

  // Forgets this process's claims of `ids` and returns their tokens.
  std::vector<std::int64_t> TakeTokens(const std::vector<std::int64_t>& ids) {
    std::vector<std::int64_t> tokens;
    std::lock_guard claim_lock(claim_mu_);
    for (std::int64_t id : ids) {
      if (auto it = tokens_.find(id); it != tokens_.end()) {
        tokens.push_back(it->second);
        tokens_.erase(it);
      }
    }
    return tokens;
  }

  static constexpr int kRetries = 8;

  mutable Pool pool_;
  mutable std::mutex due_mu_;
  std::shared_ptr<core::DueFn> due_;
  const std::string replica_;     // this process's name on its claims
  const std::int64_t lease_us_;    // how long a claim lasts
  const std::function<void(std::size_t, std::chrono::nanoseconds)> on_commit_;  // PostgresOptions::on_commit
  std::mutex claim_mu_;
  std::unordered_map<std::int64_t, std::int64_t> tokens_;  // delivery id -> fencing token of our claim
  mutable std::mutex ping_mu_;
  mutable std::chrono::steady_clock::time_point last_ping_{};
  mutable std::optional<std::string> last_failure_;
  static constexpr std::size_t kSeenGroups = 100000;
  std::mutex groups_mu_;
  std::unordered_set<std::string> seen_groups_;  // alert groups known to be in the database
  // Concurrent ingestions share a transaction; at most kIngestLeaders run at
  // once, each at most kIngestBatch alerts. Two, measured against one, three
  // and four with bench/pg_bench.sh (ADR 0019): one leaves a core idle while
  // its batch commits, more make smaller batches that cost more CPU per
  // alert. Concurrent requests' API-key lookups share a statement the same way.
  static constexpr int kIngestLeaders = 2;
  static constexpr std::size_t kIngestBatch = 100;
  // A second batch beside a running one only for 16 alerts or more: fewer
  // wait for the running batch and go out with the next. Against no such
  // threshold (bench/pg_bench.sh, one alert per request, ADR 0019): about
  // 12 % less CPU per alert with one replica and 10 % with three, the rate
  // the same or higher; batches of 100 are unaffected. A call waits so at
  // most 20 ms (a batch runs in a few): a batch held up by a lock another
  // replica holds does not hold up the alerts queued behind it.
  static constexpr std::size_t kAnotherAt = 16;
  static constexpr std::chrono::milliseconds kPatience{20};
  postgres::ReadCombiner<core::KeyRecord> api_keys_{
      [this](const std::vector<std::string>& hashes) { return FindKeysByApiHash(hashes); }, kIngestLeaders, 200};
  postgres::IngestCombiner combiner_{
      [this](std::vector<core::AlertWork> work) { return IngestBatch(std::move(work)); },
      [this](std::vector<core::AlertWork> work) { return IngestEach(std::move(work)); }, kIngestLeaders,
      kIngestBatch, kAnotherAt, kPatience};
};

#undef TOCSIN_PG_EXEC

// A fixed advisory lock key: "tocsin migrations" (any constant unlikely to be
// used by another application on the same database).
constexpr std::int64_t kMigrationLock = 0x746f6373696e6d67;

Result<int> Migrate(Connection& c) {
  // Session-level: held across the migrations' own transactions; other
  // replicas wait here and then find nothing left to do.
  if (auto ok = c.Exec("SELECT pg_advisory_lock($1)", {kMigrationLock}, false); !ok) return tl::unexpected(ok.error());
  auto migrate = [&]() -> Result<int> {
    if (auto ok = c.Run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                        "NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())");
        !ok) {
      return tl::unexpected(ok.error());
    }
    auto cur = c.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, false);
    if (!cur) return tl::unexpected(cur.error());
    int have = static_cast<int>(cur->Int(0, 0));
    if (have > PostgresSchemaVersion()) {
      return MakeError(ErrorCode::kInternal, "database schema version " + std::to_string(have) +
                                                 " is newer than this tocsin (" +
                                                 std::to_string(PostgresSchemaVersion()) + "); upgrade tocsin");
    }
    for (const auto& m : postgres::Migrations()) {
      if (m.version <= have) continue;
      auto ok = c.Run("BEGIN");
      if (ok) ok = c.Run(m.sql);
      if (ok) {
        auto rec = c.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {m.version, m.name}, false);
        if (!rec) ok = tl::unexpected(rec.error());
      }
      if (ok) ok = c.Run("COMMIT");
      if (!ok) {
        (void)c.Run("ROLLBACK");
        return MakeError(ok.error().code, "migration " + std::to_string(m.version) + " (" + m.name +
                                              ") failed: " + ok.error().message);
      }
      have = m.version;
    }
    return have;
  };
  auto result = migrate();
  (void)c.Exec("SELECT pg_advisory_unlock($1)", {kMigrationLock}, false);
  return result;
}

}  // namespace

int PostgresSchemaVersion() { return postgres::Migrations().back().version; }

Result<int> MigratePostgres(const PostgresOptions& options) {
  auto c = Connection::Open(options.dsn, options.schema);
  if (!c) return tl::unexpected(c.error());
  return Migrate(**c);
}

Result<std::unique_ptr<core::Store>> OpenPostgresStore(const PostgresOptions& options) {
  if (auto ok = MigratePostgres(options); !ok) return tl::unexpected(ok.error());
  PostgresOptions o = options;
  if (o.replica.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o.replica = host;
  }
  return std::unique_ptr<core::Store>(new PostgresStore(o));
}

}  // namespace tocsin::storage
