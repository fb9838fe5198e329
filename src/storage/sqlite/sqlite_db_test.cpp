// SQLite failures of the machine (I/O, a full disk, contention, a file that
// cannot be opened) are kUnavailable, answered 503 so that clients retry;
// only bugs and corruption are kInternal (500). Extended result codes are
// on, so SQLITE_IOERR arrives as SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, ...

#include "storage/sqlite/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "api/v2/errors.hpp"
#include "common/random.hpp"

namespace tocsin::storage::sqlite {
namespace {

TEST(SqliteErrorCode, MachineConditionsAreUnavailable) {
  for (int code : {SQLITE_IOERR, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_READ, SQLITE_IOERR_SHORT_READ,
                   SQLITE_IOERR_NOMEM, SQLITE_IOERR_SHMMAP, SQLITE_FULL, SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT,
                   SQLITE_BUSY_RECOVERY, SQLITE_LOCKED, SQLITE_LOCKED_SHAREDCACHE, SQLITE_CANTOPEN,
                   SQLITE_CANTOPEN_ISDIR, SQLITE_CANTOPEN_FULLPATH, SQLITE_NOMEM, SQLITE_PROTOCOL,
                   SQLITE_READONLY_DBMOVED, SQLITE_READONLY_RECOVERY}) {
    EXPECT_EQ(SqliteErrorCode(code), ErrorCode::kUnavailable) << sqlite3_errstr(code) << " (" << code << ")";
    EXPECT_EQ(api::v2::HttpStatus(SqliteErrorCode(code)), 503) << code;
  }
}

TEST(SqliteErrorCode, ConstraintsConflictAndTheRestAreInternal) {
  EXPECT_EQ(SqliteErrorCode(SQLITE_CONSTRAINT_UNIQUE), ErrorCode::kConflict);
  EXPECT_EQ(SqliteErrorCode(SQLITE_CONSTRAINT_PRIMARYKEY), ErrorCode::kConflict);
  for (int code : {SQLITE_ERROR, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_MISUSE, SQLITE_MISMATCH, SQLITE_RANGE}) {
    EXPECT_EQ(SqliteErrorCode(code), ErrorCode::kInternal) << sqlite3_errstr(code);
  }
}

class SqliteDbFailures : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tocsin-sqlitedb-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto c = Connection::Open((dir_ / "t.db").string(), false);
    ASSERT_TRUE(c) << c.error().message;
    conn_ = std::move(*c);
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t(v TEXT)"));
    // The database may not grow past its current size: the next big insert
    // fails with SQLITE_FULL, as on a full disk.
    ASSERT_TRUE(conn_->Exec("PRAGMA max_page_count = 3"));
  }
  void TearDown() override {
    conn_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteDbFailures, FullDiskThroughAStatementIsUnavailable) {
  auto st = conn_->Prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(st);
  st->BindAll({std::string(64 * 1024, 'x')});
  auto r = st->Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST_F(SqliteDbFailures, FullDiskThroughExecIsUnavailable) {
  auto r = conn_->Exec("INSERT INTO t VALUES (printf('%.*c', 65536, 'x'))");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST_F(SqliteDbFailures, CannotOpenThroughExecIsUnavailable) {
  auto r = conn_->Exec("ATTACH DATABASE '" + (dir_ / "missing" / "x.db").string() + "' AS other");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST_F(SqliteDbFailures, SyntaxErrorsStayInternal) {
  auto r = conn_->Exec("SELEKT 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace tocsin::storage::sqlite
