#pragma once
// Thin RAII helpers over the SQLite C API, private to storage/sqlite.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace tocsin::storage::sqlite {

using Param = std::variant<std::nullptr_t, std::int64_t, std::string>;

// A parameter bound in place: text is referenced, not copied, so it must
// outlive the BindAll call (temporaries in the braced list do: they live
// until the end of the full expression). SQLite copies it while binding.
// The constructors are implicit so that a braced list reads as values.
class ParamRef {
 public:
  ParamRef(std::nullptr_t) {}
  ParamRef(std::int64_t v) : kind_(kInt), int_(v) {}
  ParamRef(std::string_view v) : kind_(kText), text_(v) {}
  ParamRef(const std::string& v) : kind_(kText), text_(v) {}
  ParamRef(const char* v) : kind_(kText), text_(v) {}
  ParamRef(const Param& p);

 private:
  friend class Statement;
  enum Kind : char { kNull, kInt, kText };
  Kind kind_ = kNull;
  std::int64_t int_ = 0;
  std::string_view text_;
};

class Statement {
 public:
  // `owned` statements are finalized on destruction; cached ones are reset.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool owned = false) : db_(db), stmt_(stmt), owned_(owned) {}
  ~Statement();
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), owned_(o.owned_) { o.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Bind(int index, const Param& p);
  void BindAll(const std::vector<Param>& params);
  void BindAll(std::initializer_list<ParamRef> params);
  // SQLITE_ROW -> true, SQLITE_DONE -> false, error -> Error.
  Result<bool> Step();
  Result<void> Run();  // steps to completion
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

// One connection with a cache of prepared statements.
class Connection {
 public:
  // `vfs`: a registered SQLite VFS's name, or nullptr for the default one.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                  const char* vfs = nullptr);
  ~Connection();
  Result<void> Exec(const std::string& sql);
  // Cached statements suit fixed SQL; pass cache=false for generated SQL.
  Result<Statement> Prepare(const std::string& sql, bool cache = true);
  // Fixed SQL in a string literal (or any text that lives as long as the
  // connection): cached by its address, with no copy or comparison of the text.
  Result<Statement> Prepare(const char* literal_sql);
  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
  std::unordered_map<const char*, sqlite3_stmt*> by_address_;  // statements owned by cache_
};

Error SqliteError(sqlite3* db, const std::string& what);
// The protocol-neutral code for an SQLite result code (primary or extended).
ErrorCode SqliteErrorCode(int result_code);

}  // namespace tocsin::storage::sqlite
