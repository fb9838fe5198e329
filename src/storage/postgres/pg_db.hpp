#pragma once
// A thin wrapper over one libpq connection (ADR 0012): text parameters and
// results, statements prepared once per connection, PostgreSQL errors mapped
// to Tocsin error codes. libpq-fe.h stays in pg_db.cpp; only the opaque
// libpq types are named here.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

struct pg_conn;
struct pg_result;

namespace tocsin::storage::postgres {

// One statement parameter in PostgreSQL's text form; empty = SQL NULL.
struct Param {
  std::optional<std::string> text;
  Param(std::nullptr_t) {}  // NOLINT: NULL reads naturally in parameter lists
  Param(std::string s) : text(std::move(s)) {}         // NOLINT
  Param(const char* s) : text(std::string(s)) {}       // NOLINT
  Param(std::int64_t n) : text(std::to_string(n)) {}   // NOLINT
  Param(int n) : text(std::to_string(n)) {}            // NOLINT
};

// A query's rows (owns the libpq result).
class Rows {
 public:
  explicit Rows(pg_result* r);
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;
  bool empty() const { return size() == 0; }
  std::string Text(int row, int col) const;
  std::int64_t Int(int row, int col) const;
  bool IsNull(int row, int col) const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t Affected() const;

 private:
  pg_result* r_ = nullptr;
};

class Connection {
 public:
  // Connects with `dsn` (a libpq key=value string or a postgres:// URL);
  // with `schema`, every statement runs in that schema (created if missing).
  static Result<std::unique_ptr<Connection>> Open(const std::string& dsn, const std::string& schema);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with parameters ($1, $2...). `prepare`: a statement
  // run often is prepared once on this connection and then only executed.
  Result<Rows> Exec(const std::string& sql, const std::vector<Param>& params = {}, bool prepare = true);
  // Runs SQL text that may hold several statements (migrations, BEGIN/COMMIT).
  // "ROLLBACK" first drops any deferred statement unsent.
  Result<void> Run(const std::string& sql);

  // Queues a statement whose rows nobody reads (a write inside a
  // transaction). Deferred statements go to the server with the next Exec or
  // Run, all in one round trip (libpq's pipeline mode), in order; the first
  // of them to fail fails that Exec or Run, and the rest are not run. Only
  // for single statements that take the extended protocol (no ';').
  void Defer(const std::string& sql, std::vector<Param> params = {}, bool prepare = true);
  // As Defer, for a statement whose rows are read after the round trip that
  // sends it: they are put in `*into`, which must outlive that round trip.
  void DeferInto(Rows* into, const std::string& sql, std::vector<Param> params, bool prepare = true);
  std::size_t deferred() const { return deferred_.size(); }

  // The connection is lost (the server went away); it must be replaced.
  bool Broken() const;
  // The server process serving this connection (as NOTIFY reports it).
  int BackendPid() const;
  // Reads whatever the server sent while the connection sat idle (without
  // waiting): a server that closed it (a restart) makes it Broken() now,
  // before a statement is sent on it. False when broken.
  bool Alive();
  // SQLSTATE of the last failed statement ("" when none).
  const std::string& LastState() const { return last_state_; }

 private:
  struct Statement {
    const std::string* sql = nullptr;  // points into deferred_ or the caller's argument
    const std::vector<Param>* params = nullptr;
    bool prepare = true;
  };
  struct Deferred {
    std::string sql;
    std::vector<Param> params;
    bool prepare = true;
    Rows* into = nullptr;
  };
  explicit Connection(pg_conn* c) : c_(c) {}
  Error Fail(pg_result* r, const std::string& what);
  // The prepared statement's name, preparing it on first use.
  Result<const std::string*> Prepared(const std::string& sql);
  // Sends the deferred statements and then `last` in one pipeline; the
  // result of `last`.
  Result<Rows> Pipeline(const Statement& last);

  pg_conn* c_ = nullptr;
  bool poisoned_ = false;  // a pipeline left it in an unknown state: Broken()
  std::vector<Deferred> deferred_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::string last_state_;
};

// A serialization failure or deadlock: the transaction may simply be run again.
bool IsRetryable(const std::string& sqlstate);

// A PostgreSQL array literal of texts, for unnest($n::text[]): each element
// in double quotes, with double quotes and backslashes escaped (so commas,
// braces, spaces and the word NULL stay plain text).
std::string TextArray(const std::vector<std::string>& values);
// The same for parameters, a null one as the element NULL.
std::string ParamArray(const std::vector<Param>& values);

}  // namespace tocsin::storage::postgres
