// The writer tells its observer (the server's /metrics) about each commit:
// how many requests the group carried. A refused request still rides in its
// group (its savepoint rolled back), so it is counted too.

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "common/random.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin::storage {
namespace {

TEST(SqliteCommitObserver, EachCommitIsToldWithItsGroupSize) {
  auto dir = std::filesystem::temp_directory_path() / ("tocsin-commits-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  std::mutex mu;
  std::size_t commits = 0;
  std::size_t requests = 0;
  SqliteOptions o;
  o.path = (dir / "t.db").string();
  o.on_commit = [&](std::size_t n, std::chrono::nanoseconds took) {
    std::lock_guard lock(mu);
    ++commits;
    requests += n;
    EXPECT_GE(took.count(), 0);
  };
  auto store = OpenSqliteStore(o);
  ASSERT_TRUE(store) << store.error().message;
  std::size_t before = 0;
  {
    std::lock_guard lock(mu);
    before = requests;  // opening may write (keys marker, migrations)
  }
  TimePoint now = *ParseRfc3339("2026-11-27T10:00:00Z");
  for (int k = 0; k < 3; ++k) {
    core::Incident i;
    i.id = NewUuidV4();
    i.title = "t" + std::to_string(k);
    i.severity = "SEV-2";
    i.created = i.modified = now;
    i.version = 1;
    ASSERT_TRUE((*store)->CreateIncident(i, {{now, {}, "incident_created", "declared", {}}}));
  }
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(requests - before, 3u);  // one after another: each answered after its commit
    EXPECT_GE(commits, 3u);
  }
  (*store)->Close();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tocsin::storage
