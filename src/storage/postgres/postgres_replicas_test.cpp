// Several replicas (stores) on one PostgreSQL database share the work, each
// piece done once (issue 15, ADR 0013). Runs under tests/pg/with_postgres.sh
// (ctest postgres_conformance); skipped without TOCSIN_TEST_PG_DSN.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/random.hpp"
#include "common/server_metrics.hpp"
#include "core/search/query.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace tocsin {
namespace {

using core::Incident;

class PostgresReplicas : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("TOCSIN_TEST_PG_DSN")) GTEST_SKIP() << "TOCSIN_TEST_PG_DSN is not set (tests/pg/with_postgres.sh)";
    schema_ = "rep_" + RandomHex(6);
  }
  // A replica named `name` on this test's schema.
  std::unique_ptr<core::Store> Replica(const std::string& name, std::chrono::milliseconds lease = std::chrono::seconds(60),
                                       std::function<void(std::size_t, std::chrono::nanoseconds)> on_commit = {}) {
    storage::PostgresOptions o;
    o.on_commit = std::move(on_commit);
    o.dsn = std::getenv("TOCSIN_TEST_PG_DSN");
    o.schema = schema_;
    o.pool_size = 4;
    o.replica = name;
    o.lease = lease;
    auto s = storage::OpenPostgresStore(o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  Incident Create(core::Store& s, const std::string& title) {
    Incident i;
    i.id = NewUuidV4();
    i.title = title;
    i.severity = "SEV-2";
    i.created = i.modified = now_;
    i.version = 1;
    auto r = s.CreateIncident(i, {{now_, {}, "incident_created", "declared", {}}});
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }
  void Queue(core::Store& s, const Incident& inc, int n, const std::string& recipient = "") {
    auto r = s.UpdateIncident(inc.id, [&](const Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      for (int k = 0; k < n; ++k) {
        core::OutboxItem item{"hook", cur.id, "page", now_, "test"};
        item.to.user = recipient.empty() ? "u" + std::to_string(k) : recipient;
        m.notifications.push_back(item);
      }
      return m;
    });
    ASSERT_TRUE(r) << r.error().message;
  }
  static core::AttemptRecord Delivered(core::Delivery d, TimePoint at, const std::string& by) {
    d.state = core::DeliveryState::kDelivered;
    ++d.attempts;
    d.delivered_at = at;
    return {d, core::NewEvent{at, core::Actor{"", "tocsin-notify"}, "notification_delivered", "sent by " + by, {}}};
  }
  std::vector<std::string> Messages(core::Store& s, const std::string& id) {
    std::vector<std::string> out;
    auto events = s.Timeline(id, 0, 100);  // kept: a range over *temporary would dangle
    for (const auto& e : *events) out.push_back(e.message);
    return out;
  }

  // Decides an alert as the rules would for a group: open an incident when
  // the group has none open, else join the open one.
  core::AlertDecideFn OpenOrJoin() {
    return [this](const core::GroupState& g) {
      core::AlertPlan plan;
      if (g.open) {
        plan.decision = "appended";
        plan.update = *g.open;
        return plan;
      }
      Incident i;
      i.id = NewUuidV4();
      i.title = "opened";
      i.severity = "SEV-2";
      i.created = i.modified = now_;
      i.version = 1;
      plan.decision = "opened";
      plan.create = i;
      return plan;
    };
  }

  // This process's value of a label-free replica counter (/metrics).
  static double Counter(prom::Family& f) { return static_cast<double>(f.CounterWith({}).Value()); }

  std::string schema_;
  TimePoint now_ = *ParseRfc3339("2026-11-27T10:00:00Z");
};

// Each write transaction is told once it has committed (the
// tocsin_storage_commit families); a refused write is not.
TEST_F(PostgresReplicas, EachCommittedWriteIsReportedWithItsDuration) {
  std::atomic<int> commits{0}, requests{0};
  std::atomic<std::int64_t> slowest{0};
  auto s = Replica("a", std::chrono::seconds(60), [&](std::size_t n, std::chrono::nanoseconds took) {
    ++commits;
    requests += static_cast<int>(n);
    slowest = std::max<std::int64_t>(slowest, took.count());
  });
  ASSERT_TRUE(s);
  Incident inc = Create(*s, "disk full");
  EXPECT_EQ(commits, 1);
  Queue(*s, inc, 2);
  EXPECT_EQ(commits, 2);
  EXPECT_EQ(requests, 2);
  EXPECT_GT(slowest, 0);
  auto refused = s->UpdateIncident(inc.id, [](const Incident&) -> Result<core::Mutation> { return InvalidArgument("no"); });
  EXPECT_FALSE(refused);
  EXPECT_EQ(commits, 2);
}

TEST_F(PostgresReplicas, TwoReplicasNeverClaimTheSameDelivery) {
  auto a = Replica("a");
  auto b = Replica("b");
  auto inc = Create(*a, "x");
  Queue(*a, inc, 4);  // four lanes (one recipient each)
  auto first = *a->ClaimDeliveries(now_, 2);
  auto second = *b->ClaimDeliveries(now_, 10);
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(second.size(), 2u);
  for (const auto& d : second) {
    for (const auto& e : first) EXPECT_NE(d.id, e.id);
  }
  EXPECT_TRUE(a->ClaimDeliveries(now_, 10)->empty());
  EXPECT_EQ(*b->CountDeliveries(core::DeliveryState::kSending), 4);
}

// A replica stalls (SIGSTOP, a long pause) past its lease; another takes the
// delivery over and sends it. When the first wakes up, its record of the
// attempt is refused by the fencing token: the delivery is recorded once, by
// the replica that holds the claim.
TEST_F(PostgresReplicas, AReplicaStalledPastItsLeaseCannotRecordAStolenClaim) {
  auto stalled = Replica("stalled", std::chrono::milliseconds(-1000));  // its lease has run out already
  auto other = Replica("other");
  auto inc = Create(*stalled, "x");
  Queue(*stalled, inc, 1);
  auto& metrics = server_metrics::Get();
  double claimed0 = Counter(metrics.replica_claimed), taken0 = Counter(metrics.replica_taken_over),
         fenced0 = Counter(metrics.replica_fenced);
  auto mine = *stalled->ClaimDeliveries(now_, 10);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(Counter(metrics.replica_taken_over), taken0) << "a fresh claim is no takeover";
  auto taken = *other->ClaimDeliveries(now_, 10);
  ASSERT_EQ(taken.size(), 1u) << "an expired lease is claimable";
  ASSERT_EQ(taken[0].id, mine[0].id);
  ASSERT_TRUE(stalled->FinishAttempt(Delivered(mine[0], now_, "stalled").delivery,
                                     Delivered(mine[0], now_, "stalled").event));
  auto after_stalled = *other->ListDeliveries({});
  ASSERT_EQ(after_stalled.size(), 1u);
  EXPECT_EQ(after_stalled[0].state, core::DeliveryState::kSending) << "the stalled replica's record was kept";
  // /metrics: two claims, one of them a takeover of an expired lease, one record refused.
  EXPECT_EQ(Counter(metrics.replica_claimed) - claimed0, 2);
  EXPECT_EQ(Counter(metrics.replica_taken_over) - taken0, 1);
  EXPECT_EQ(Counter(metrics.replica_fenced) - fenced0, 1);
  auto rec = Delivered(taken[0], now_, "other");
  ASSERT_TRUE(other->FinishAttempts({rec}));
  EXPECT_EQ(*other->CountDeliveries(core::DeliveryState::kDelivered), 1);
  EXPECT_EQ(Messages(*other, inc.id), (std::vector<std::string>{"declared", "sent by other"}));
}

// A lane's later delivery waits while its earlier one is in flight on another
// replica, so two replicas never send one person's pages out of order.
TEST_F(PostgresReplicas, ALaneInFlightOnOneReplicaHoldsItsLaterDeliveriesOnAnother) {
  auto a = Replica("a");
  auto b = Replica("b");
  auto inc = Create(*a, "x");
  Queue(*a, inc, 2, "alice");  // one lane, two deliveries
  auto first = *a->ClaimDeliveries(now_, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(b->ClaimDeliveries(now_, 10)->empty());
  ASSERT_TRUE(a->FinishAttempts({Delivered(first[0], now_, "a")}));
  auto second = *b->ClaimDeliveries(now_, 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0].id, first[0].id);
}

// A restarted replica releases its own claims at once (the same name), and
// leaves another replica's live claims alone.
TEST_F(PostgresReplicas, ARestartReleasesOnlyTheReplicasOwnClaims) {
  auto a = Replica("a");
  auto b = Replica("b");
  auto inc = Create(*a, "x");
  Queue(*a, inc, 2);
  ASSERT_EQ(a->ClaimDeliveries(now_, 1)->size(), 1u);
  ASSERT_EQ(b->ClaimDeliveries(now_, 1)->size(), 1u);
  a->Close();
  auto a2 = Replica("a");
  EXPECT_EQ(*a2->RequeueInFlight(), 1);
  EXPECT_EQ(a2->ClaimDeliveries(now_, 10)->size(), 1u);
}

// The escalation engine runs on every replica: a tier is decided inside the
// update, against the committed incident under its row lock, so of many
// replicas racing for one due tier exactly one fires it.
TEST_F(PostgresReplicas, ReplicasRacingForOneDueStepFireItOnce) {
  std::vector<std::unique_ptr<core::Store>> replicas;
  for (int k = 0; k < 3; ++k) replicas.push_back(Replica("r" + std::to_string(k)));
  auto inc = Create(*replicas[0], "x");
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto r = replicas[t % 3]->UpdateIncident(inc.id, [&](const Incident& cur) -> Result<core::Mutation> {
        if (cur.version != 1) return MakeError(ErrorCode::kConflict, "not due");
        core::Mutation m{cur, {{now_, {}, "page", "tier 1 by " + std::to_string(t), {}}}, {}};
        m.incident.version = 2;
        return m;
      });
      if (r) ++fired;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fired.load(), 1);
  EXPECT_EQ(Messages(*replicas[1], inc.id).size(), 2u);
}

// Alerts of one new group arriving on two replicas at once open one incident.
TEST_F(PostgresReplicas, OneGroupOnTwoReplicasAtOnceOpensOneIncident) {
  auto a = Replica("a");
  auto b = Replica("b");
  auto work = [&](int k) {
    core::AlertWork w;
    w.alert.source = "generic";
    w.alert.monitor_name = "m";
    w.alert.received_at = now_;
    w.fingerprint = "f" + std::to_string(k);
    w.group_key = "g";
    w.decide = OpenOrJoin();
    return w;
  };
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k) {
    threads.emplace_back([&, k] {
      auto r = (k % 2 ? *a : *b).IngestAlerts({work(k)});
      EXPECT_TRUE(r) << r.error().message;
    });
  }
  for (auto& th : threads) th.join();
  core::SearchRequest all;
  EXPECT_EQ(a->SearchIncidents(all)->total, 1);
  EXPECT_EQ(b->ListAlerts({})->size(), 8u);
}

// Many one-alert requests at once on three replicas (each replica runs the
// ones that meet in one transaction): every group opens one incident, every
// other alert of it joins that incident, and a redelivery is reported as one
// and writes nothing.
TEST_F(PostgresReplicas, ConcurrentSingleAlertsOpenOneIncidentPerGroupAndRedeliveriesWriteNothing) {
  std::vector<std::unique_ptr<core::Store>> replicas;
  for (const char* name : {"a", "b", "c"}) replicas.push_back(Replica(name));
  auto work = [&](const std::string& group, const std::string& delivery) {
    core::AlertWork w;
    w.alert.source = "generic";
    w.alert.monitor_name = group;
    w.alert.received_at = now_;
    w.alert.delivery_key = delivery;
    w.alert.tags = {"team:" + group, "env:prod"};
    w.fingerprint = delivery;
    w.group_key = group;
    // As OpenOrJoin, with what an opened incident writes besides its row:
    // a field (a term), two events in order and a notification.
    w.decide = [this, open_or_join = OpenOrJoin(), group](const core::GroupState& g) {
      core::AlertPlan plan = open_or_join(g);
      if (plan.create) {
        plan.create->fields["group"] = core::FieldValue{"textbox", false, group, std::nullopt};
        plan.create_events = {{now_, {}, "incident_created", "first \"quoted\", {braced}", {}},
                              {now_, {}, "alert", "second", {}}};
        plan.notifications.push_back({"hook", plan.create->id, "page", now_, "opened"});
      }
      return plan;
    };
    return w;
  };
  constexpr int kThreads = 12;
  constexpr int kEach = 25;  // alerts per thread: 10 shared groups, some unique, some sent twice
  std::mutex mu;
  std::map<std::string, std::set<std::string>> incidents_of;  // group -> incident ids
  int opened = 0, duplicates = 0, stored = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        std::string group = k % 3 == 0 ? "own-" + std::to_string(t) + "-" + std::to_string(k) : "g" + std::to_string(k % 10);
        // Every fifth alert is the previous thread's same alert again.
        int sender = k % 5 == 0 && t > 0 ? t - 1 : t;
        std::string delivery = "d-" + std::to_string(sender) + "-" + std::to_string(k);
        if (sender != t) group = k % 3 == 0 ? "own-" + std::to_string(sender) + "-" + std::to_string(k) : group;
        auto r = replicas[(t + k) % 3]->IngestAlerts({work(group, delivery)});
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_EQ(r->size(), 1u);
        std::lock_guard lock(mu);
        const core::AlertRecord& rec = r->front();
        if (rec.duplicate) {
          ++duplicates;
          continue;
        }
        ++stored;
        if (rec.decision == "opened") ++opened;
        EXPECT_FALSE(rec.incident_id.empty());
        incidents_of[group].insert(rec.incident_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& [group, ids] : incidents_of) EXPECT_EQ(ids.size(), 1u) << group;
  EXPECT_EQ(opened, static_cast<int>(incidents_of.size()));
  core::SearchRequest all;
  EXPECT_EQ(replicas[0]->SearchIncidents(all)->total, static_cast<std::int64_t>(incidents_of.size()));
  core::AlertFilter every;
  every.limit = 1000;
  EXPECT_EQ(replicas[1]->ListAlerts(every)->size(), static_cast<std::size_t>(stored));
  EXPECT_EQ(stored + duplicates, kThreads * kEach);
  // Every opened incident with its public id, term, events in order,
  // notification and alerts' tags, however its alert was written.
  std::set<std::int64_t> public_ids;
  for (const auto& [group, ids] : incidents_of) {
    auto inc = replicas[2]->GetIncident(*ids.begin());
    ASSERT_TRUE(inc) << inc.error().message;
    EXPECT_GT(inc->public_id, 0);
    EXPECT_TRUE(public_ids.insert(inc->public_id).second) << inc->public_id;
    EXPECT_EQ(*inc->fields.at("group").text, group);
    EXPECT_EQ(Messages(*replicas[0], inc->id), (std::vector<std::string>{"first \"quoted\", {braced}", "second"}));
    EXPECT_EQ(replicas[1]->ListOutbox(inc->id)->size(), 1u);
    core::SearchRequest by_group;
    by_group.query = *core::ParseQuery("group:" + group);
    auto found = replicas[0]->SearchIncidents(by_group);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->incidents.size(), 1u) << group;
    EXPECT_EQ(found->incidents[0].public_id, inc->public_id);
  }
  core::AlertFilter tagged;
  tagged.tag = "env:prod";
  tagged.limit = 1000;
  EXPECT_EQ(replicas[2]->ListAlerts(tagged)->size(), static_cast<std::size_t>(stored));
}

}  // namespace
}  // namespace tocsin
