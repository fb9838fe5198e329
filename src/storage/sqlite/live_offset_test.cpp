// LiveOffsetBound against the query it replaces: for every offset, order and
// page size, the page it selects equals SQLite's own `LIMIT ? OFFSET ?` over
// the same snapshot, and the SQLite store answers the same.

#include "storage/sqlite/live_offset.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/random.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin::storage::sqlite {
namespace {

using Ids = std::vector<std::int64_t>;

class LiveOffsetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tocsin-offset-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    OpenStore();
  }
  void TearDown() override {
    reader_.reset();
    CloseStore();
    std::filesystem::remove_all(dir_);
  }
  void OpenStore() {
    SqliteOptions o;
    o.path = path_;
    auto s = OpenSqliteStore(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void CloseStore() {
    if (store_) store_->Close();
    store_.reset();
  }
  Connection& Reader() {
    if (!reader_) {
      auto r = Connection::Open(path_, true);
      EXPECT_TRUE(r) << r.error().message;
      reader_ = std::move(*r);
    }
    return *reader_;
  }
  // Changes the file behind the store's back (the store is closed meanwhile).
  void RawWrite(const std::string& sql) {
    reader_.reset();
    CloseStore();
    {
      auto w = Connection::Open(path_, false);
      ASSERT_TRUE(w) << w.error().message;
      ASSERT_TRUE((*w)->Exec(sql)) << sql;
    }
    OpenStore();
  }

  // Incidents with public ids 1..n, then the given ones deleted.
  void Seed(int n, const std::set<std::int64_t>& deleted) {
    std::vector<std::string> ids;
    for (int k = 1; k <= n; ++k) {
      core::Incident i;
      i.id = NewUuidV4();
      i.title = "i" + std::to_string(k);
      i.severity = "SEV-2";
      i.created = i.modified = now_;
      i.version = 1;
      auto r = store_->CreateIncident(i, {});
      ASSERT_TRUE(r) << r.error().message;
      ASSERT_EQ(r->public_id, k);
      ids.push_back(r->id);
    }
    for (auto d : deleted) {
      ASSERT_TRUE(store_->UpdateIncident(ids[d - 1], [](const core::Incident& cur) -> Result<core::Mutation> {
        core::Mutation m{cur, {}};
        m.incident.deleted = true;
        return m;
      }));
    }
  }

  Ids Query(const std::string& sql, const std::vector<Param>& params) {
    auto q = Reader().Prepare(sql, false);
    EXPECT_TRUE(q) << q.error().message;
    q->BindAll(params);
    Ids out;
    while (true) {
      auto step = q->Step();
      EXPECT_TRUE(step) << step.error().message;
      if (!step || !*step) break;
      out.push_back(q->Int(0));
    }
    return out;
  }
  // Today's query, the reference.
  Ids ByOffset(bool newest_first, std::int64_t offset, std::int64_t limit) {
    return Query(std::string("SELECT public_id FROM incidents WHERE deleted = 0 ORDER BY public_id ") +
                     (newest_first ? "DESC" : "ASC") + " LIMIT ? OFFSET ?",
                 {limit, offset});
  }
  Ids ByBound(bool newest_first, std::int64_t bound, std::int64_t limit) {
    return Query(newest_first ? "SELECT public_id FROM incidents WHERE deleted = 0 AND public_id <= ? ORDER BY "
                                "public_id DESC LIMIT ?"
                              : "SELECT public_id FROM incidents WHERE deleted = 0 AND public_id >= ? ORDER BY "
                                "public_id ASC LIMIT ?",
                 {bound, limit});
  }
  Ids FromStore(bool newest_first, std::int64_t offset, std::int64_t limit) {
    core::SearchRequest req;
    req.newest_first = newest_first;
    req.offset = offset;
    req.limit = limit;
    req.with_total = false;
    auto page = store_->SearchIncidents(req);
    EXPECT_TRUE(page) << page.error().message;
    Ids out;
    if (page) {
      for (const auto& i : page->incidents) out.push_back(i.public_id);
    }
    return out;
  }
  std::optional<std::int64_t> Bound(bool newest_first, std::int64_t offset) {
    auto b = LiveOffsetBound(Reader(), newest_first, offset);
    EXPECT_TRUE(b) << b.error().message;
    return b ? *b : std::nullopt;
  }

  // Every offset from 0 to past the end (and far past it), both orders, page
  // sizes 1 and 100: the bound exists when `provable`, selects OFFSET's page,
  // and the store answers OFFSET's page either way.
  void ExpectAllPagesEqual(std::int64_t n, bool provable) {
    for (bool newest_first : {true, false}) {
      for (std::int64_t limit : {1, 100}) {
        std::vector<std::int64_t> offsets;
        for (std::int64_t o = 0; o <= n + 2; ++o) offsets.push_back(o);
        offsets.push_back(std::int64_t{1} << 31);
        offsets.push_back(std::numeric_limits<std::int64_t>::max());
        for (std::int64_t offset : offsets) {
          SCOPED_TRACE(testing::Message()
                       << (newest_first ? "newest" : "oldest") << " first, offset " << offset << ", size " << limit);
          Ids want = ByOffset(newest_first, offset, limit);
          auto bound = Bound(newest_first, offset);
          EXPECT_EQ(bound.has_value(), provable);
          if (bound) {
            EXPECT_EQ(ByBound(newest_first, *bound, limit), want);
          }
          EXPECT_EQ(FromStore(newest_first, offset, limit), want);
        }
      }
    }
  }

  TimePoint now_ = *ParseRfc3339("2026-11-27T10:00:00Z");
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<core::Store> store_;
  std::unique_ptr<Connection> reader_;
};

TEST_F(LiveOffsetTest, BoundsAreExactWithDeletedIncidentsOnBothSides) {
  // Live: 2 3 4 6 7 8 9.
  Seed(10, {1, 5, 10});
  EXPECT_EQ(Bound(true, 0), 9);
  EXPECT_EQ(Bound(true, 3), 6);
  EXPECT_EQ(Bound(true, 4), 4);  // skips deleted 5
  EXPECT_EQ(Bound(true, 6), 2);
  EXPECT_EQ(ByBound(true, *Bound(true, 7), 100), Ids{});
  EXPECT_EQ(Bound(false, 0), 2);  // skips deleted 1
  EXPECT_EQ(Bound(false, 3), 6);
  EXPECT_EQ(Bound(false, 6), 9);
  EXPECT_EQ(ByBound(false, *Bound(false, 7), 100), Ids{});
  EXPECT_EQ(FromStore(true, 4, 2), (Ids{4, 3}));
  EXPECT_EQ(FromStore(false, 3, 2), (Ids{6, 7}));
}

TEST_F(LiveOffsetTest, NothingDeletedEqualsOffset) {
  Seed(30, {});
  ExpectAllPagesEqual(30, true);
}

TEST_F(LiveOffsetTest, DeletedAtStartMiddleAndEndEqualsOffset) {
  Seed(40, {1, 2, 3, 17, 18, 20, 38, 39, 40});
  ExpectAllPagesEqual(40, true);
}

TEST_F(LiveOffsetTest, EverythingDeletedEqualsOffset) {
  Seed(5, {1, 2, 3, 4, 5});
  ExpectAllPagesEqual(5, true);
}

TEST_F(LiveOffsetTest, EmptyTableFallsBackToOffset) { ExpectAllPagesEqual(0, false); }

TEST_F(LiveOffsetTest, GapsInPublicIdsFallBackToOffset) {
  Seed(20, {3, 12});
  // Ids 1..20 without 7, and 25.
  RawWrite("UPDATE incidents SET public_id = 25, doc = json_set(doc, '$.public_id', 25) WHERE public_id = 7");
  ExpectAllPagesEqual(20, false);
}

TEST_F(LiveOffsetTest, DenseIdsNotStartingAtOneStillSeek) {
  Seed(20, {3, 12});
  // Ids 2..21.
  RawWrite("UPDATE incidents SET public_id = 21, doc = json_set(doc, '$.public_id', 21) WHERE public_id = 1");
  ExpectAllPagesEqual(20, true);
}

TEST_F(LiveOffsetTest, ManyMoreDeletedThanTheOffsetFallsBack) {
  std::set<std::int64_t> deleted;
  for (std::int64_t k = 31; k <= 130; ++k) deleted.insert(k);
  Seed(130, deleted);
  EXPECT_FALSE(Bound(true, 0));  // 100 deleted ids above the first live one
  EXPECT_TRUE(Bound(false, 0));
  EXPECT_EQ(FromStore(true, 1, 2), (Ids{29, 28}));
}

// Migration 9 counts the rows already there; its triggers count later inserts
// and deletes, whoever makes them.
TEST_F(LiveOffsetTest, MigrationCountsExistingRowsAndTriggersKeepCounting) {
  Seed(12, {4});
  RawWrite(
      "DROP TRIGGER incident_count_insert; DROP TRIGGER incident_count_delete; DROP TABLE incident_count; "
      "DROP INDEX incidents_deleted; "
      // Later migrations are undone too, so that 9 runs again (with them after it).
      "DROP TRIGGER outbox_counts_insert; DROP TRIGGER outbox_counts_update; DROP TABLE outbox_counts; "
      "DROP INDEX outbox_retrying; DROP TABLE user_passwords; DROP TABLE web_sessions; DROP TABLE config_reloads; "
      "ALTER TABLE api_keys DROP COLUMN scope; "
      "DROP INDEX outbox_notice_key; ALTER TABLE outbox DROP COLUMN notice_key; ALTER TABLE outbox DROP COLUMN body; "
      "DELETE FROM schema_migrations WHERE version >= 9");
  EXPECT_EQ(Query("SELECT n FROM incident_count", {}), Ids{12});
  ExpectAllPagesEqual(12, true);
  RawWrite(
      "INSERT INTO incidents (public_id, id, title, severity, state, customer_impacted, created, modified, "
      "deleted, version, doc) SELECT 13, id || 'x', title, severity, state, customer_impacted, created, modified, "
      "0, version, json_set(doc, '$.public_id', 13, '$.id', id || 'x') FROM incidents WHERE public_id = 12");
  EXPECT_EQ(Query("SELECT n FROM incident_count", {}), Ids{13});
  ExpectAllPagesEqual(13, true);
  RawWrite("DELETE FROM incidents WHERE public_id = 6");
  EXPECT_EQ(Query("SELECT n FROM incident_count", {}), Ids{12});
  ExpectAllPagesEqual(13, false);
}

}  // namespace
}  // namespace tocsin::storage::sqlite
