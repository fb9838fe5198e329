// The pipelined commit's promises around the syncer's fdatasync (ADR 0006):
// - a delivery is not claimed (so not sent) before the commit that queued it
//   is synced: a power cut could still undo that commit;
// - a failed fdatasync fails every write after it, even when later syncs
//   work (the kernel may have dropped the failed pages and cleared the error).

#include <gtest/gtest.h>

#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <unistd.h>

#include "common/random.hpp"
#include "common/time.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin::storage {
namespace {

// An fdatasync that tests can hold (closed gate) or fail.
struct SyncControl {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  int waiting = 0;      // syncs held at the gate
  int fail_next = 0;    // syncs to fail with EIO
  int calls = 0;

  int Sync(int fd) {
    {
      std::unique_lock lock(mu);
      ++calls;
      if (fail_next > 0) {
        --fail_next;
        errno = EIO;
        return -1;
      }
      ++waiting;
      cv.notify_all();
      cv.wait(lock, [&] { return open; });
      --waiting;
    }
    return ::fdatasync(fd);
  }
  void Close() {
    std::lock_guard lock(mu);
    open = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
  void AwaitHeld() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting > 0; });
  }
};

class SqliteSync : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tocsin-sync-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    SqliteOptions o;
    o.path = (dir_ / "t.db").string();
    o.fdatasync = [this](int fd) { return sync_.Sync(fd); };
    auto s = OpenSqliteStore(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    sync_.Open();
    if (store_) store_->Close();
    std::filesystem::remove_all(dir_);
  }
  Result<core::Incident> Create(const std::string& title) {
    core::Incident i;
    i.id = NewUuidV4();
    i.title = title;
    i.severity = "SEV-2";
    i.created = i.modified = now_;
    i.version = 1;
    return store_->CreateIncident(i, {{now_, {}, "incident_created", "declared", {}}});
  }
  Result<core::Incident> QueueOne(const std::string& id) {
    return store_->UpdateIncident(id, [&](const core::Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      m.notifications.push_back({"hook", cur.id, "status_update", now_, "update"});
      return m;
    });
  }

  SyncControl sync_;
  TimePoint now_ = *ParseRfc3339("2026-11-27T10:00:00Z");
  std::filesystem::path dir_;
  std::unique_ptr<core::Store> store_;
};

TEST_F(SqliteSync, NothingIsClaimedBeforeTheCommitThatQueuedItIsSynced) {
  auto inc = Create("a");
  ASSERT_TRUE(inc) << inc.error().message;
  sync_.Close();
  auto queued = std::async(std::launch::async, [&] { return QueueOne(inc->id); });
  sync_.AwaitHeld();  // committed (readers see it), not yet on disk
  core::DeliveryFilter all;
  auto listed = store_->ListDeliveries(all);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u) << "the commit is visible to readers";
  auto early = store_->ClaimDeliveries(now_, 10);
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_TRUE(early->empty()) << "a delivery was handed out before its commit was durable";
  sync_.Open();
  ASSERT_TRUE(queued.get());
  auto claimed = store_->ClaimDeliveries(now_, 10);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->size(), 1u);
}

TEST_F(SqliteSync, AFailedSyncFailsEveryLaterWriteAndTellsOnce) {
  auto inc = Create("a");
  ASSERT_TRUE(inc) << inc.error().message;
  int told = 0;
  store_->SetFailureHandler([&](const std::string&) { ++told; });
  {
    std::lock_guard lock(sync_.mu);
    sync_.fail_next = 1;
  }
  auto failed = QueueOne(inc->id);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(store_->Failure());
  EXPECT_NE(store_->Failure()->find("fdatasync"), std::string::npos) << *store_->Failure();
  // fdatasync would work now; the store still refuses: what it wrote before
  // may be gone from the disk, so nothing after it can be promised.
  for (int k = 0; k < 3; ++k) {
    auto again = Create("b" + std::to_string(k));
    ASSERT_FALSE(again) << "a write was acknowledged after a failed fdatasync";
    EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_EQ(told, 1);
  // The delivery that commit queued is never handed out.
  auto claimed = store_->ClaimDeliveries(now_, 10);
  ASSERT_TRUE(claimed);
  EXPECT_TRUE(claimed->empty());
}

}  // namespace
}  // namespace tocsin::storage
