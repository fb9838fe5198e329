#include "storage/postgres/pg_db.hpp"

#include <libpq-fe.h>

#include <cstdlib>

namespace tocsin::storage::postgres {
namespace {

// Class 08 (connection exception), 57P (operator intervention: shutdown,
// crash), 53 (insufficient resources) mean "the database is not there now":
// 503, retry later. Unique violations are conflicts. The rest is internal.
ErrorCode CodeOf(const std::string& state, bool broken) {
  if (broken) return ErrorCode::kUnavailable;
  if (state == "23505") return ErrorCode::kConflict;
  if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state.rfind("53", 0) == 0) {
    return ErrorCode::kUnavailable;
  }
  if (IsRetryable(state)) return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

bool IsRetryable(const std::string& sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

Rows::Rows(pg_result* r) : r_(r) {}
Rows::Rows(Rows&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (r_) PQclear(r_);
    r_ = other.r_;
    other.r_ = nullptr;
  }
  return *this;
}
Rows::~Rows() {
  if (r_) PQclear(r_);
}
int Rows::size() const { return r_ ? PQntuples(r_) : 0; }
std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::int64_t Rows::Int(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
bool Rows::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::int64_t Rows::Affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& dsn, const std::string& schema) {
  // A connection attempt to a host that does not answer gives up after 5 s
  // unless the DSN says otherwise (later keywords win, so the DSN comes last).
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", dsn.c_str(), nullptr};
  pg_conn* raw = PQconnectdbParams(keys, values, 1);
  if (raw == nullptr) return MakeError(ErrorCode::kUnavailable, "postgres: out of memory connecting");
  std::unique_ptr<Connection> c(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string why = PQerrorMessage(raw);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return MakeError(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: " + why);
  }
  // Notices (e.g. "schema already exists, skipping") are not for the log.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  // A process stalled inside a transaction (SIGSTOP, a long GC-like pause)
  // holds its row locks; PostgreSQL ends such a session after 30 s, so the
  // locks go to the other replicas and the stalled one's COMMIT fails.
  if (auto ok = c->Run("SET idle_in_transaction_session_timeout = '30s'"); !ok) return tl::unexpected(ok.error());
  if (!schema.empty()) {
    std::string q = QuoteIdent(schema);
    if (auto ok = c->Run("CREATE SCHEMA IF NOT EXISTS " + q + "; SET search_path TO " + q); !ok) {
      // Two connections may create it at once: the loser sees a unique violation.
      if (auto again = c->Run("SET search_path TO " + q); !again) return tl::unexpected(ok.error());
    }
  }
  return c;
}

Connection::~Connection() {
  if (c_) PQfinish(c_);
}

bool Connection::Broken() const { return PQstatus(c_) != CONNECTION_OK; }

Error Connection::Fail(pg_result* r, const std::string& what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  last_state_ = state ? state : "";
  std::string why = r ? PQresultErrorMessage(r) : "";
  if (why.empty()) why = PQerrorMessage(c_);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  if (r) PQclear(r);
  bool broken = Broken();
  return Error{CodeOf(last_state_, broken), (broken ? "PostgreSQL is unreachable: " : "postgres: ") + why + " (" + what + ")"};
}

Result<Rows> Connection::Exec(const std::string& sql, const std::vector<Param>& params, bool prepare) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  const int n = static_cast<int>(values.size());
  pg_result* r = nullptr;
  if (prepare) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size() + 1);
      pg_result* p = PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr);
      if (PQresultStatus(p) != PGRES_COMMAND_OK) return tl::unexpected(Fail(p, sql.substr(0, 80)));
      PQclear(p);
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    r = PQexecPrepared(c_, it->second.c_str(), n, values.data(), nullptr, nullptr, 0);
  } else {
    r = PQexecParams(c_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
  }
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return tl::unexpected(Fail(r, sql.substr(0, 80)));
  last_state_.clear();
  return Rows(r);
}

Result<void> Connection::Run(const std::string& sql) {
  pg_result* r = PQexec(c_, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
    return tl::unexpected(Fail(r, sql.substr(0, 80)));
  }
  PQclear(r);
  last_state_.clear();
  return {};
}

}  // namespace tocsin::storage::postgres
