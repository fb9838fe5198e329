// NotifyBus's wire form (packing) everywhere; two buses on one database under
// tests/pg/with_postgres.sh (skipped without TOCSIN_TEST_PG_DSN).

#include "storage/postgres/pg_notify.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "common/random.hpp"

namespace tocsin::storage::postgres {
namespace {

TEST(NotifyPacking, PayloadsShareNotificationsUnderTheLimitAndRepeatsTravelOnce) {
  std::vector<std::string> payloads;
  for (int k = 0; k < 300; ++k) payloads.push_back("change-" + std::to_string(k) + std::string(40, 'x'));
  auto sent = payloads;
  sent.insert(sent.begin() + 10, payloads[7]);  // a repeat within the first notification's reach
  sent.push_back(std::string(kMaxNotification, 'y'));  // too long for any notification
  auto packed = PackNotifications(sent);
  ASSERT_GE(packed.size(), 2u);  // 300 x ~48 bytes need more than one
  std::vector<std::string> back;
  for (const auto& n : packed) {
    EXPECT_LT(n.size(), kMaxNotification);
    for (auto& p : UnpackNotification(n)) back.push_back(std::move(p));
  }
  EXPECT_EQ(back, payloads);  // all, in order, the repeat and the oversized one dropped
  // What a process before packing sent (one payload) reads as itself.
  EXPECT_EQ(UnpackNotification(R"({"kind":"alert"})"), std::vector<std::string>{R"({"kind":"alert"})"});
  EXPECT_TRUE(UnpackNotification("").empty());
}

struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  void Add(const std::string& p) {
    std::lock_guard lock(mu);
    got.push_back(p);
    cv.notify_all();
  }
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mu);
    return got;
  }
};

std::unique_ptr<NotifyBus> Bus(const std::string& dsn, const std::string& schema, Inbox& inbox, bool skip_own) {
  NotifyOptions o;
  o.dsn = dsn;
  o.schema = schema;
  o.channel = "bus_test";
  o.skip_own = skip_own;
  o.on_message = [&inbox](const std::string& p) { inbox.Add(p); };
  return NotifyBus::Start(std::move(o));
}

// A bus that skips its own hears only the other's messages; a bus that does
// not hears both, each message once and in each sender's order.
TEST(NotifyBusPostgres, OwnMessagesAreSkippedWhenAskedAndOthersArriveInOrder) {
  const char* dsn = std::getenv("TOCSIN_TEST_PG_DSN");
  if (!dsn) GTEST_SKIP() << "TOCSIN_TEST_PG_DSN is not set (tests/pg/with_postgres.sh)";
  const std::string schema = "bus_" + RandomHex(6);
  Inbox skipping, hearing;
  auto a = Bus(dsn, schema, skipping, true);
  auto b = Bus(dsn, schema, hearing, false);
  ASSERT_TRUE(a->WaitListening(std::chrono::seconds(10)));
  ASSERT_TRUE(b->WaitListening(std::chrono::seconds(10)));
  constexpr int kEach = 500;
  for (int k = 0; k < kEach; ++k) a->Send("a" + std::to_string(k));
  ASSERT_TRUE(hearing.WaitFor(kEach));
  for (int k = 0; k < kEach; ++k) b->Send("b" + std::to_string(k));
  a->Send("a-last");  // after b's, on a's own connection
  ASSERT_TRUE(skipping.WaitFor(kEach));
  ASSERT_TRUE(hearing.WaitFor(2 * kEach + 1));
  auto heard = hearing.Get();
  ASSERT_EQ(heard.size(), 2u * kEach + 1);
  std::vector<std::string> from_a, from_b;
  for (const auto& p : heard) (p[0] == 'a' ? from_a : from_b).push_back(p);
  ASSERT_EQ(from_a.size(), kEach + 1u);
  for (int k = 0; k < kEach; ++k) EXPECT_EQ(from_a[k], "a" + std::to_string(k));
  EXPECT_EQ(from_a.back(), "a-last");
  for (int k = 0; k < kEach; ++k) EXPECT_EQ(from_b[k], "b" + std::to_string(k));
  // The skipping bus heard b's messages only: never its own, "a-last" included.
  auto skipped = skipping.Get();
  ASSERT_EQ(skipped.size(), static_cast<std::size_t>(kEach));
  for (int k = 0; k < kEach; ++k) EXPECT_EQ(skipped[k], "b" + std::to_string(k));
  // A payload with a line break would split: it is refused, not sent.
  a->Send("two\nlines");
  b->Send("b-end");
  ASSERT_TRUE(skipping.WaitFor(kEach + 1));
  EXPECT_EQ(skipping.Get().back(), "b-end");
}

}  // namespace
}  // namespace tocsin::storage::postgres
