// The analytics' kept rows: built on first read, brought up to date by the
// incidents' committed changes (acknowledged, deleted, created, turned into a
// test incident), rebuilt after a change without an incident (a relay that
// lost its connection), and a store failure fails the read without losing
// what changed. The figures from the index equal those from the incidents.

#include "usecases/analytics_index.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "storage/memory/memory_store.hpp"

namespace tocsin::usecases {
namespace {

using namespace std::chrono_literals;
using core::metrics::GroupBy;
using core::metrics::Interval;

const TimePoint kStart = *ParseRfc3339("2026-11-23T08:00:00Z");

// Fails every read while `failing` is set (a database that went away).
class FlakyReads final : public core::ForwardingStore {
 public:
  explicit FlakyReads(core::Store& inner) : ForwardingStore(inner) {}
  std::atomic<bool> failing{false};
  Result<core::Incident> GetIncident(const std::string& id) override {
    if (failing) return MakeError(ErrorCode::kUnavailable, "database unreachable");
    return ForwardingStore::GetIncident(id);
  }
  Result<core::SearchPage> SearchIncidents(const core::SearchRequest& r) override {
    if (failing) return MakeError(ErrorCode::kUnavailable, "database unreachable");
    return ForwardingStore::SearchIncidents(r);
  }
};

class AnalyticsIndexTest : public ::testing::Test {
 protected:
  AnalyticsIndexTest()
      : memory_(storage::MakeMemoryStore()),
        flaky_(std::make_unique<FlakyReads>(*memory_)),
        feed_(std::make_shared<ChangeFeed>()),
        store_(std::make_unique<core::ForwardingStore>(static_cast<core::Store&>(*flaky_)), feed_),  // (not a copy of flaky_)
        index_(store_, feed_) {}

  std::string Create(int k, const std::string& severity, std::vector<std::string> teams = {}, bool test = false) {
    core::Incident i;
    i.id = "0190a0a0-0000-7000-8000-" + std::string(12 - std::to_string(k).size(), '0') + std::to_string(k);
    i.title = "incident " + std::to_string(k);
    i.severity = severity;
    i.created = kStart + std::chrono::hours(k);
    i.detected = i.created;
    i.is_test = test;
    if (!teams.empty()) i.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, teams};
    auto created = store_.CreateIncident(i, {});
    EXPECT_TRUE(created) << created.error().message;
    return i.id;
  }

  void Edit(const std::string& id, const std::function<void(core::Incident&)>& change) {
    auto r = store_.UpdateIncident(id, [&](const core::Incident& cur) -> Result<core::Mutation> {
      core::Mutation m;
      m.incident = cur;
      change(m.incident);
      return m;
    });
    ASSERT_TRUE(r) << r.error().message;
  }

  // The report by `by` from the index, and from every incident read afresh.
  std::pair<core::metrics::Report, core::metrics::Report> Both(GroupBy by) {
    core::metrics::Report kept, fresh;
    TimePoint from = kStart - 24h, to = kStart + 24h * 14;
    auto ok = index_.Read([&](const core::metrics::Rows& rows) {
      kept = core::metrics::Compute(rows, by, from, to, Interval::kWeek);
    });
    EXPECT_TRUE(ok) << ok.error().message;
    core::SearchRequest all;
    all.limit = 1000;
    auto page = memory_->SearchIncidents(all);
    EXPECT_TRUE(page);
    fresh = core::metrics::Compute(page->incidents, from, to, by, Interval::kWeek);
    return {kept, fresh};
  }

  std::int64_t Rows() {
    std::int64_t n = -1;
    EXPECT_TRUE(index_.Read([&](const core::metrics::Rows& rows) { n = static_cast<std::int64_t>(rows.size()); }));
    return n;
  }

  std::unique_ptr<core::Store> memory_;
  std::unique_ptr<FlakyReads> flaky_;
  std::shared_ptr<ChangeFeed> feed_;
  ChangeFeedStore store_;
  AnalyticsIndex index_;
};

void ExpectSameGroups(const core::metrics::Report& a, const core::metrics::Report& b) {
  EXPECT_EQ(a.total.incidents, b.total.incidents);
  EXPECT_EQ(a.total.unacknowledged, b.total.unacknowledged);
  EXPECT_EQ(a.total.open, b.total.open);
  EXPECT_EQ(a.total.mtta.mean, b.total.mtta.mean);
  EXPECT_EQ(a.total.mttr.median, b.total.mttr.median);
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t g = 0; g < a.groups.size(); ++g) {
    EXPECT_EQ(a.groups[g].key, b.groups[g].key);
    EXPECT_EQ(a.groups[g].measures.incidents, b.groups[g].measures.incidents) << a.groups[g].key;
    EXPECT_EQ(a.groups[g].measures.unacknowledged, b.groups[g].measures.unacknowledged) << a.groups[g].key;
  }
  ASSERT_EQ(a.buckets.size(), b.buckets.size());
  for (std::size_t k = 0; k < a.buckets.size(); ++k) EXPECT_EQ(a.buckets[k].total.incidents, b.buckets[k].total.incidents);
}

TEST_F(AnalyticsIndexTest, FollowsEveryCommittedChangeWithoutReadingEverythingAgain) {
  std::string a = Create(1, "SEV-1", {"db", "web"});
  std::string b = Create(2, "SEV-2", {"web"});
  Create(3, "SEV-1", {}, /*test=*/true);  // test incidents are not counted
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(index_.stats().rebuilds, 1);

  // Acknowledged and resolved: the next read has it, from that incident alone.
  Edit(a, [](core::Incident& i) { i.acknowledged = i.created + 4min; });
  Edit(b, [](core::Incident& i) {
    i.state = core::IncidentState::kResolved;
    i.resolved = i.created + 50min;
  });
  auto [kept, fresh] = Both(GroupBy::kTeam);
  ExpectSameGroups(kept, fresh);
  EXPECT_EQ(kept.total.unacknowledged, 1);
  ASSERT_TRUE(kept.total.mtta.mean);
  EXPECT_EQ(*kept.total.mtta.mean, Micros(4min));
  ASSERT_EQ(kept.groups.size(), 2u);  // db, web
  EXPECT_EQ(kept.groups[1].measures.incidents, 2);
  EXPECT_EQ(index_.stats().rebuilds, 1);
  EXPECT_EQ(index_.stats().refreshed, 2);

  // A team moved, a severity changed, a new incident, one deleted.
  Edit(a, [](core::Incident& i) {
    i.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"payments"}};
    i.severity = "SEV-3";
  });
  std::string c = Create(4, "SEV-2");
  Edit(b, [](core::Incident& i) { i.deleted = true; });
  for (GroupBy by : {GroupBy::kTeam, GroupBy::kSeverity, GroupBy::kService, GroupBy::kType, GroupBy::kNone}) {
    auto [k, f] = Both(by);
    ExpectSameGroups(k, f);
  }
  EXPECT_EQ(Rows(), 2);  // a and c
  auto [by_team, unused] = Both(GroupBy::kTeam);
  ASSERT_EQ(by_team.groups.size(), 2u);
  EXPECT_EQ(by_team.groups[0].key, "(none)");  // c
  EXPECT_EQ(by_team.groups[1].key, "payments");
  // Made a test incident afterwards: it leaves the figures.
  Edit(c, [](core::Incident& i) { i.is_test = true; });
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(index_.stats().rebuilds, 1);
}

TEST_F(AnalyticsIndexTest, AChangeWithoutAnIncidentRebuildsFromTheStore) {
  Create(1, "SEV-1");
  EXPECT_EQ(Rows(), 1);
  // Written where the feed did not hear it (another replica's change whose
  // announcement was lost): unseen until the relay says it may have missed some.
  core::Incident quiet;
  quiet.id = "0190a0a0-0000-7000-8000-0000000000aa";
  quiet.title = "heard of late";
  quiet.severity = "SEV-2";
  quiet.created = kStart;
  ASSERT_TRUE(memory_->CreateIncident(quiet, {}));
  EXPECT_EQ(Rows(), 1);
  Change remote_gap;
  remote_gap.remote = true;  // no incident: anything may have changed
  feed_->Publish(remote_gap);
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(index_.stats().rebuilds, 2);
}

TEST_F(AnalyticsIndexTest, AStoreFailureFailsTheReadAndLosesNoChange) {
  // Before the first build: the read fails, and the next one builds.
  std::string a = Create(1, "SEV-1");
  flaky_->failing = true;
  auto failed = index_.Read([](const core::metrics::Rows&) { ADD_FAILURE() << "read without rows"; });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  flaky_->failing = false;
  EXPECT_EQ(Rows(), 1);

  // After it: a change made while reads fail is still applied once they work.
  flaky_->failing = true;
  Edit(a, [](core::Incident& i) { i.acknowledged = i.created + 1min; });
  EXPECT_FALSE(index_.Read([](const core::metrics::Rows&) {}));
  flaky_->failing = false;
  auto [kept, fresh] = Both(GroupBy::kNone);
  EXPECT_EQ(kept.total.unacknowledged, 0);
  ExpectSameGroups(kept, fresh);
}

TEST_F(AnalyticsIndexTest, TooManyChangesWhileNobodyReadsBecomeOneRebuild) {
  EXPECT_EQ(Rows(), 0);
  for (std::size_t k = 0; k <= AnalyticsIndex::kMaxMarked; ++k) {
    Change one;
    one.incident_id = "missing-" + std::to_string(k);
    feed_->Publish(one);
  }
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(index_.stats().rebuilds, 2);
  EXPECT_EQ(index_.stats().refreshed, 0);
}

}  // namespace
}  // namespace tocsin::usecases
