#include "storage/sqlite/wal_buffer_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tocsin::storage::sqlite {
namespace {

namespace fs = std::filesystem;

class WalBufferVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tocsin-walvfs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/t.db";
  }
  void TearDown() override {
    if (reader_) sqlite3_close(reader_);
    if (writer_) sqlite3_close(writer_);
    fs::remove_all(dir_);
  }

  // The writer as the store opens it: this VFS, WAL, synchronous=FULL.
  void OpenBoth(const char* writer_pragmas = "") {
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &writer_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, WalBufferVfsName()),
              SQLITE_OK);
    Exec(writer_, std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; ") + writer_pragmas +
                      "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL); CREATE INDEX t_v ON t(v);");
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &reader_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }

  static void Exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    ASSERT_EQ(rc, SQLITE_OK) << msg << " in " << sql.substr(0, 80);
  }

  static std::int64_t Scalar(sqlite3* db, const char* sql) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &q, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t v = -1;
    if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
  }

  static std::string IntegrityCheck(sqlite3* db) {
    sqlite3_stmt* q = nullptr;
    std::string result = "cannot run integrity_check";
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, nullptr) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    return result;
  }

  // Inserts `rows` rows of 900 random bytes in one transaction.
  void Commit(int rows) {
    std::string sql = "BEGIN IMMEDIATE;";
    for (int k = 0; k < rows; ++k) sql += "INSERT INTO t (v) VALUES (randomblob(900));";
    Exec(writer_, sql + "COMMIT;");
  }

  std::string dir_, path_;
  sqlite3* writer_ = nullptr;
  sqlite3* reader_ = nullptr;
};

// Commits of every size, including ones whose gathered frames pass 128 KiB
// and 1 MiB (written in pieces), are readable at once by another connection,
// which reads the file through the default VFS.
TEST_F(WalBufferVfsTest, EveryCommitIsVisibleToOtherConnectionsAtOnce) {
  OpenBoth();
  std::int64_t total = 0;
  for (int rows : {1, 10, 29, 30, 31, 100, 145, 1000, 3000, 1, 5000}) {
    Commit(rows);
    total += rows;
    EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t"), total) << "after a commit of " << rows;
    EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t INDEXED BY t_v WHERE v IS NOT NULL"), total);
  }
  EXPECT_EQ(IntegrityCheck(reader_), "ok");
}

// A transaction larger than the writer's page cache spills frames to the WAL
// before its commit and reads them back: the reads see the gathered bytes.
TEST_F(WalBufferVfsTest, SpilledPagesReadBackWithinTheTransaction) {
  OpenBoth("PRAGMA cache_size=20; ");
  Exec(writer_, "BEGIN IMMEDIATE");
  std::string sql;
  for (int k = 0; k < 2000; ++k) sql += "INSERT INTO t (v) VALUES (randomblob(900));";
  Exec(writer_, sql);
  EXPECT_EQ(Scalar(writer_, "SELECT COUNT(*) FROM t INDEXED BY t_v WHERE v IS NOT NULL"), 2000);
  EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t"), 0);  // not committed yet
  Exec(writer_, "UPDATE t SET v = randomblob(900) WHERE k % 3 = 0; COMMIT");
  EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t"), 2000);
  EXPECT_EQ(Scalar(reader_, "SELECT SUM(length(v)) FROM t"), 2000 * 900);
}

// A transaction that spills frames and rolls back: its frames, written late,
// would land on the frames another writer commits at the same offsets. (Here
// SQLite's rollback reads the undone pages back, which writes them out; the
// VFS also writes them before any exclusive lock is released, should a
// rollback ever not read.)
TEST_F(WalBufferVfsTest, RolledBackFramesNeverOverwriteAnotherWritersCommit) {
  OpenBoth("PRAGMA cache_size=20; CREATE TABLE appended (k INTEGER PRIMARY KEY, v BLOB NOT NULL); ");
  Commit(10);
  // Appends only: the spilled pages are never read back, so they stay gathered.
  std::string spill = "BEGIN IMMEDIATE;";
  for (int k = 0; k < 150; ++k) spill += "INSERT INTO appended (v) VALUES (randomblob(900));";
  Exec(writer_, spill + "ROLLBACK;");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  Exec(other,
       "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (zeroblob(900)); INSERT INTO t (v) VALUES (zeroblob(900)); "
       "COMMIT;");
  sqlite3_close(other);
  Commit(1);
  EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t"), 13);
  EXPECT_EQ(Scalar(reader_, "SELECT COUNT(*) FROM t WHERE v = zeroblob(900)"), 2);
  EXPECT_EQ(IntegrityCheck(reader_), "ok");
}

// What the VFS leaves to the store: after the store's own fdatasync of the
// WAL, a checkpoint through the writer and a reopen find every row.
TEST_F(WalBufferVfsTest, CheckpointAndReopenKeepEverything) {
  OpenBoth();
  Commit(700);
  Commit(3);
  Exec(writer_, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(reader_);
  reader_ = nullptr;
  sqlite3_close(writer_);
  writer_ = nullptr;
  sqlite3* again = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &again, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(Scalar(again, "SELECT COUNT(*) FROM t"), 703);
  sqlite3_close(again);
}

}  // namespace
}  // namespace tocsin::storage::sqlite
