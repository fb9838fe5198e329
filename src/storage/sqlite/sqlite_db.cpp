#include "storage/sqlite/sqlite_db.hpp"

namespace tocsin::storage::sqlite {

// Extended result codes are on (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT...):
// classify by the primary code in the low byte. Conditions of the machine or
// of contention are kUnavailable (503, retry later); constraints kConflict.
ErrorCode SqliteErrorCode(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
      return ErrorCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    default:
      return ErrorCode::kInternal;
  }
}

Error SqliteError(sqlite3* db, const std::string& what) {
  return Error{SqliteErrorCode(sqlite3_extended_errcode(db)), what + ": " + sqlite3_errmsg(db)};
}

Statement::~Statement() {
  if (!stmt_) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::Bind(int index, const Param& p) {
  if (std::holds_alternative<std::nullptr_t>(p)) {
    sqlite3_bind_null(stmt_, index);
  } else if (auto* i = std::get_if<std::int64_t>(&p)) {
    sqlite3_bind_int64(stmt_, index, *i);
  } else {
    const auto& s = std::get<std::string>(p);
    sqlite3_bind_text(stmt_, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
}

ParamRef::ParamRef(const Param& p) {
  if (auto* i = std::get_if<std::int64_t>(&p)) {
    kind_ = kInt;
    int_ = *i;
  } else if (auto* t = std::get_if<std::string>(&p)) {
    kind_ = kText;
    text_ = *t;
  }
}

void Statement::BindAll(std::initializer_list<ParamRef> params) {
  // Cached statements come back reset with their bindings cleared (~Statement).
  sqlite3_reset(stmt_);
  int index = 1;
  for (const ParamRef& p : params) {
    switch (p.kind_) {
      case ParamRef::kNull:
        sqlite3_bind_null(stmt_, index);
        break;
      case ParamRef::kInt:
        sqlite3_bind_int64(stmt_, index, p.int_);
        break;
      case ParamRef::kText:
        sqlite3_bind_text(stmt_, index, p.text_.data(), static_cast<int>(p.text_.size()), SQLITE_TRANSIENT);
        break;
    }
    ++index;
  }
}

void Statement::BindAll(const std::vector<Param>& params) {
  // A statement stepped before must be reset, or sqlite3_bind_* refuses.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  for (std::size_t i = 0; i < params.size(); ++i) Bind(static_cast<int>(i + 1), params[i]);
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(SqliteError(db_, "sqlite step"));
}

Result<void> Statement::Run() {
  while (true) {
    auto r = Step();
    if (!r) return tl::unexpected(r.error());
    if (!*r) return {};
  }
}

std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only, const char* vfs) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return MakeError(ErrorCode::kUnavailable, "cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<void> Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return tl::unexpected(Error{SqliteErrorCode(sqlite3_extended_errcode(db_)), "sqlite: " + msg});
  }
  return {};
}

Result<Statement> Connection::Prepare(const std::string& sql, bool cache) {
  if (!cache) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
      return tl::unexpected(SqliteError(db_, "sqlite prepare"));
    }
    return Statement(db_, stmt, true);
  }
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK) {
      return tl::unexpected(SqliteError(db_, "sqlite prepare"));
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

Result<Statement> Connection::Prepare(const char* literal_sql) {
  if (auto it = by_address_.find(literal_sql); it != by_address_.end()) return Statement(db_, it->second);
  auto st = Prepare(std::string(literal_sql), true);
  if (!st) return st;
  by_address_.emplace(literal_sql, cache_.find(literal_sql)->second);
  return st;
}

}  // namespace tocsin::storage::sqlite
