// The live-update feed across replicas (ChangeRelay over PostgreSQL
// LISTEN/NOTIFY). The wire form runs everywhere; the relays between two
// feeds on one database run under tests/pg/with_postgres.sh (skipped
// without TOCSIN_TEST_PG_DSN).

#include "app/change_relay.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "common/random.hpp"
#include "storage/postgres/pg_db.hpp"

namespace tocsin {
namespace {

using usecases::Change;

TEST(ChangeRelayWire, RoundTripsAChangeAndRefusesAnythingElse) {
  Change c{Change::Kind::kDelivery, "0b6f2c1e", true, false};
  auto back = app::DecodeChange(app::EncodeChange(c, "r1"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->second, "r1");
  EXPECT_EQ(back->first.kind, Change::Kind::kDelivery);
  EXPECT_EQ(back->first.incident_id, "0b6f2c1e");
  EXPECT_TRUE(back->first.created);
  EXPECT_TRUE(back->first.remote);
  EXPECT_FALSE(app::DecodeChange("not json"));
  EXPECT_FALSE(app::DecodeChange(R"({"origin": "r1", "kind": "weather"})"));
  EXPECT_FALSE(app::DecodeChange(R"({"kind": "incident"})"));
  EXPECT_FALSE(app::DecodeChange(R"([1, 2])"));
}

// What one replica's feed publishes, for a test to wait on.
struct Heard {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Change> changes;

  void Add(const Change& c) {
    std::lock_guard lock(mu);
    changes.push_back(c);
    cv.notify_all();
  }
  // Waits until `n` changes were heard; false after 10 s.
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return changes.size() >= n; });
  }
  std::vector<Change> Get() {
    std::lock_guard lock(mu);
    return changes;
  }
};

class ChangeRelayPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dsn = std::getenv("TOCSIN_TEST_PG_DSN");
    if (!dsn) GTEST_SKIP() << "TOCSIN_TEST_PG_DSN is not set (tests/pg/with_postgres.sh)";
    dsn_ = dsn;
    schema_ = "relay_" + RandomHex(6);
    for (int k = 0; k < 2; ++k) {
      feeds_[k] = std::make_shared<usecases::ChangeFeed>();
      feeds_[k]->Subscribe([this, k](const Change& c) { heard_[k].Add(c); });
      relays_[k] = std::make_unique<app::ChangeRelay>(dsn_, schema_, feeds_[k]);
    }
    for (auto& r : relays_) ASSERT_TRUE(r->WaitListening(std::chrono::seconds(10)));
  }

  std::string dsn_, schema_;
  std::shared_ptr<usecases::ChangeFeed> feeds_[2];
  Heard heard_[2];
  std::unique_ptr<app::ChangeRelay> relays_[2];  // after the feeds and what they tell: stopped first
};

TEST_F(ChangeRelayPostgres, AChangeOnOneReplicaReachesTheOtherOnceAndNeverComesBack) {
  feeds_[0]->Publish({Change::Kind::kIncident, "inc-1", true, false});
  ASSERT_TRUE(heard_[1].WaitFor(1));
  // The answer goes the other way; PostgreSQL delivers notifications in
  // commit order, so replica 0's echo of inc-1 (dropped) came before it.
  feeds_[1]->Publish({Change::Kind::kAlert, "inc-1", false, false});
  ASSERT_TRUE(heard_[0].WaitFor(2));
  auto zero = heard_[0].Get();
  auto one = heard_[1].Get();
  ASSERT_EQ(zero.size(), 2u);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_FALSE(zero[0].remote);  // its own, published locally
  EXPECT_TRUE(zero[1].remote);
  EXPECT_EQ(zero[1].kind, Change::Kind::kAlert);
  EXPECT_TRUE(one[0].remote);
  EXPECT_EQ(one[0].kind, Change::Kind::kIncident);
  EXPECT_EQ(one[0].incident_id, "inc-1");
  EXPECT_TRUE(one[0].created);
  EXPECT_FALSE(one[1].remote);
}

// A burst (the sender sends what is queued in one statement) reaches the
// other replica whole and in order.
TEST_F(ChangeRelayPostgres, ABurstOfChangesArrivesWholeAndInOrder) {
  constexpr int kBurst = 1000;
  for (int k = 0; k < kBurst; ++k) feeds_[0]->Publish({Change::Kind::kIncident, "inc-" + std::to_string(k), false, false});
  ASSERT_TRUE(heard_[1].WaitFor(kBurst));
  auto got = heard_[1].Get();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kBurst));
  for (int k = 0; k < kBurst; ++k) {
    EXPECT_TRUE(got[k].remote);
    EXPECT_EQ(got[k].incident_id, "inc-" + std::to_string(k));
  }
}

// A listener whose connection is cut reconnects by itself, tells its pages
// to refetch (a change with no incident: some may have been missed), and
// hears the next changes again.
TEST_F(ChangeRelayPostgres, ALostListenerReconnectsAndAsksForARefetch) {
  auto admin = storage::postgres::Connection::Open(dsn_, "");
  ASSERT_TRUE(admin) << admin.error().message;
  auto cut = (*admin)->Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = $1",
      {"LISTEN \"tocsin_changes_" + schema_ + "\""}, false);
  ASSERT_TRUE(cut) << cut.error().message;
  ASSERT_EQ(cut->size(), 2);  // both replicas' listeners
  ASSERT_TRUE(heard_[1].WaitFor(1));
  auto refetch = heard_[1].Get()[0];
  EXPECT_TRUE(refetch.remote);
  EXPECT_TRUE(refetch.incident_id.empty());
  ASSERT_TRUE(heard_[0].WaitFor(1));
  ASSERT_TRUE(relays_[1]->WaitListening(std::chrono::seconds(10)));
  feeds_[0]->Publish({Change::Kind::kOnCall, "", false, false});
  ASSERT_TRUE(heard_[1].WaitFor(2));
  EXPECT_EQ(heard_[1].Get()[1].kind, Change::Kind::kOnCall);
}

}  // namespace
}  // namespace tocsin
