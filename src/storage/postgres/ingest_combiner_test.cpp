#include "storage/postgres/ingest_combiner.hpp"
#include "storage/postgres/read_combiner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace tocsin::storage::postgres {
namespace {

core::AlertWork Work(const std::string& name) {
  core::AlertWork w;
  w.alert.monitor_name = name;
  w.group_key = name;
  return w;
}

core::AlertRecord Record(const core::AlertWork& w) {
  core::AlertRecord r;
  r.alert = w.alert;
  r.group_key = w.group_key;
  return r;
}

// The first batch waits in the store until the test opens the gate, so that
// the calls made meanwhile queue behind it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void Wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

class IngestCombinerTest : public ::testing::Test {
 protected:
  // Starts `first` (held at the gate), then the others, and waits until
  // they all queue; then opens the gate and joins.
  std::vector<Result<std::vector<core::AlertRecord>>> RunConcurrently(
      IngestCombiner& combiner, std::vector<std::vector<core::AlertWork>> calls) {
    std::vector<Result<std::vector<core::AlertRecord>>> results(calls.size(), std::vector<core::AlertRecord>{});
    std::vector<std::thread> threads;
    threads.emplace_back([&] { results[0] = combiner.Ingest(calls[0]); });
    while (!entered_) std::this_thread::yield();
    for (std::size_t k = 1; k < calls.size(); ++k) {
      threads.emplace_back([&, k] { results[k] = combiner.Ingest(calls[k]); });
    }
    while (combiner.queued() < calls.size() - 1) std::this_thread::yield();
    gate_.Open();
    for (auto& t : threads) t.join();
    return results;
  }

  // The batch step: the first batch (or each, `every`) waits at the gate;
  // every batch's size is kept, and each alert gets its record.
  IngestCombiner::RunFn HeldRun(bool every) {
    return [this, every](std::vector<core::AlertWork> work) -> Result<std::vector<core::AlertRecord>> {
      if (!entered_.exchange(true) || every) gate_.Wait();
      std::lock_guard lock(mu_);
      batch_sizes_.push_back(work.size());
      std::vector<core::AlertRecord> out;
      for (const auto& w : work) out.push_back(Record(w));
      return out;
    };
  }
  // The step for one-alert calls combined: each its record, or an error for
  // the group "bad"; every call's size is kept.
  IngestCombiner::EachFn RecordEach() {
    return [this](std::vector<core::AlertWork> work) {
      std::lock_guard lock(mu_);
      each_sizes_.push_back(work.size());
      std::vector<Result<core::AlertRecord>> out;
      for (const auto& w : work) {
        if (w.group_key == "bad") {
          out.push_back(MakeError(ErrorCode::kInvalidArgument, "bad alert"));
        } else {
          out.push_back(Record(w));
        }
      }
      return out;
    };
  }

  Gate gate_;
  std::atomic<bool> entered_{false};
  std::mutex mu_;
  std::vector<std::size_t> batch_sizes_;  // of run calls
  std::vector<std::size_t> each_sizes_;   // of each calls
};

TEST_F(IngestCombinerTest, OneAlertCallsMadeWhileABatchRunsShareTheNextAndEachGetsItsOwnResult) {
  IngestCombiner combiner(HeldRun(true), RecordEach(), 1, 100);
  auto results = RunConcurrently(combiner, {{Work("first")}, {Work("a")}, {Work("bad")}, {Work("c")}});
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->front().group_key, "first");
  ASSERT_TRUE(results[1]);
  EXPECT_EQ(results[1]->front().group_key, "a");
  EXPECT_FALSE(results[2]);
  ASSERT_TRUE(results[3]);
  EXPECT_EQ(results[3]->front().group_key, "c");
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{1}));
  EXPECT_EQ(each_sizes_, (std::vector<std::size_t>{3}));
}

TEST_F(IngestCombinerTest, ABatchThatFailsRunsEachCallAloneUnlessTheStoreIsUnreachable) {
  std::atomic<bool> unreachable{false};
  IngestCombiner combiner(
      [&](std::vector<core::AlertWork> work) -> Result<std::vector<core::AlertRecord>> {
        if (!entered_.exchange(true)) gate_.Wait();
        std::lock_guard lock(mu_);
        batch_sizes_.push_back(work.size());
        if (unreachable) return MakeError(ErrorCode::kUnavailable, "PostgreSQL is unreachable");
        std::vector<core::AlertRecord> out;
        for (const auto& w : work) {
          if (w.group_key == "bad") return MakeError(ErrorCode::kInvalidArgument, "bad alert");
          out.push_back(Record(w));
        }
        return out;
      },
      [&](std::vector<core::AlertWork>) { return std::vector<Result<core::AlertRecord>>{}; }, 1, 100);
  auto results =
      RunConcurrently(combiner, {{Work("first")}, {Work("a1"), Work("a2")}, {Work("bad"), Work("b2")}, {Work("c1"), Work("c2")}});
  ASSERT_TRUE(results[1]);
  ASSERT_EQ(results[1]->size(), 2u);
  EXPECT_EQ((*results[1])[1].group_key, "a2");
  EXPECT_FALSE(results[2]);
  ASSERT_TRUE(results[3]);
  EXPECT_EQ((*results[3])[0].group_key, "c1");
  // The first alone; the three together (failed); then each alone.
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{1, 6, 2, 2, 2}));

  // Unreachable: the batch's failure is every call's, and nothing runs again.
  batch_sizes_.clear();
  entered_ = false;
  unreachable = true;
  Gate second;
  std::swap(gate_.open, second.open);
  auto down = RunConcurrently(combiner, {{Work("first")}, {Work("a1"), Work("a2")}, {Work("c1"), Work("c2")}});
  EXPECT_FALSE(down[1]);
  EXPECT_FALSE(down[2]);
  EXPECT_EQ(down[1].error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{1, 4}));
}

// With a batch in flight, the calls queued behind it wait for it rather than
// start a small second batch, until `another_at` alerts are queued: then the
// call that makes it so leads them, while the first is still running.
TEST_F(IngestCombinerTest, ASecondBatchStartsBesideTheFirstOnlyOnceEnoughAlertsAreQueued) {
  IngestCombiner combiner(HeldRun(true), RecordEach(), 2, 100, 3, std::chrono::hours(1));
  std::vector<std::thread> threads;
  auto finish = [&] {  // whatever the test saw, nothing stays blocked
    gate_.Open();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  };
  auto queued_reaches = [&](std::size_t n) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (combiner.queued() < n && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return combiner.queued() == n;
  };
  threads.emplace_back([&] { (void)combiner.Ingest({Work("first")}); });
  while (!entered_) std::this_thread::yield();
  threads.emplace_back([&] { (void)combiner.Ingest({Work("a")}); });
  threads.emplace_back([&] { (void)combiner.Ingest({Work("b")}); });
  if (!queued_reaches(2)) {
    finish();
    FAIL() << "two one-alert calls beside a running batch did not both wait";
  }
  threads.emplace_back([&] { (void)combiner.Ingest({Work("c")}); });
  for (std::size_t k = 1; k < threads.size(); ++k) threads[k].join();  // done while the first is held
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(each_sizes_, (std::vector<std::size_t>{3}));
    EXPECT_TRUE(batch_sizes_.empty());
  }
  finish();
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{1}));
}

// A batch held up (here at the gate; in production a lock another replica
// holds) holds the calls behind it up only for `patience`: then they lead a
// batch of their own, however few.
TEST_F(IngestCombinerTest, CallsBehindAHeldBatchLeadTheirOwnAfterThePatience) {
  IngestCombiner combiner(HeldRun(false), RecordEach(), 2, 100, 100, std::chrono::milliseconds(1));
  std::thread first([&] { (void)combiner.Ingest({Work("first")}); });
  while (!entered_) std::this_thread::yield();
  std::vector<core::AlertWork> both{Work("a"), Work("b")};  // one call of two alerts (run, not each)
  auto later = std::async(std::launch::async, [&] { return combiner.Ingest(both); });
  const bool led = later.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  gate_.Open();
  first.join();
  ASSERT_TRUE(led) << "a call behind a held batch waited for it past its patience";
  auto got = later.get();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 2u);
  EXPECT_EQ(batch_sizes_, (std::vector<std::size_t>{2, 1}));  // it ran before the held one finished
}

// Key lookups made while one runs share the next statement; each gets its
// own key's value (or none), and a failed read fails each of them.
TEST(ReadCombiner, LookupsMadeWhileOneRunsShareTheNextRead) {
  Gate gate;
  std::atomic<bool> entered{false};
  std::atomic<bool> fail{false};
  std::mutex mu;
  std::vector<std::vector<std::string>> reads;
  ReadCombiner<int> combiner(
      [&](const std::vector<std::string>& keys) -> Result<std::unordered_map<std::string, int>> {
        if (!entered.exchange(true)) gate.Wait();
        std::lock_guard lock(mu);
        reads.push_back(keys);
        if (fail) return MakeError(ErrorCode::kUnavailable, "PostgreSQL is unreachable");
        std::unordered_map<std::string, int> found;
        for (const auto& k : keys) {
          if (k != "none") found[k] = static_cast<int>(k.size());
        }
        return found;
      },
      1, 100);
  std::vector<std::string> keys{"first", "ab", "none", "ab", "abcd"};
  std::vector<Result<std::optional<int>>> got(keys.size(), std::optional<int>());
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = combiner.Get(keys[0]); });
  while (!entered) std::this_thread::yield();
  for (std::size_t k = 1; k < keys.size(); ++k) threads.emplace_back([&, k] { got[k] = combiner.Get(keys[k]); });
  while (combiner.queued() < keys.size() - 1) std::this_thread::yield();
  gate.Open();
  for (auto& t : threads) t.join();
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0], (std::vector<std::string>{"first"}));
  EXPECT_EQ(reads[1].size(), 3u);  // ab, none, abcd: each key once
  EXPECT_EQ(**got[0], 5);
  EXPECT_EQ(**got[1], 2);
  EXPECT_FALSE(*got[2]);
  EXPECT_EQ(**got[3], 2);
  EXPECT_EQ(**got[4], 4);
  fail = true;
  auto down = combiner.Get("ab");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tocsin::storage::postgres
