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

bool Connection::Broken() const { return poisoned_ || PQstatus(c_) != CONNECTION_OK; }

int Connection::BackendPid() const { return PQbackendPID(c_); }

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

namespace {

void AppendQuoted(std::string& out, const std::string& v) {
  out += '"';
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

}  // namespace

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    AppendQuoted(out, v);
  }
  return out + "}";
}

std::string ParamArray(const std::vector<Param>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    if (v.text) {
      AppendQuoted(out, *v.text);
    } else {
      out += "NULL";
    }
  }
  return out + "}";
}

Result<const std::string*> Connection::Prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    pg_result* p = PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(p) != PGRES_COMMAND_OK) return tl::unexpected(Fail(p, sql.substr(0, 80)));
    PQclear(p);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  return &it->second;
}

namespace {

std::vector<const char*> Values(const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  return values;
}

bool Succeeded(pg_result* r) {
  auto status = PQresultStatus(r);
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

}  // namespace

Result<Rows> Connection::Exec(const std::string& sql, const std::vector<Param>& params, bool prepare) {
  if (!deferred_.empty()) return Pipeline(Statement{&sql, &params, prepare});
  std::vector<const char*> values = Values(params);
  const int n = static_cast<int>(values.size());
  pg_result* r = nullptr;
  if (prepare) {
    auto name = Prepared(sql);
    if (!name) return tl::unexpected(name.error());
    r = PQexecPrepared(c_, (*name)->c_str(), n, values.data(), nullptr, nullptr, 0);
  } else {
    r = PQexecParams(c_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
  }
  if (!Succeeded(r)) return tl::unexpected(Fail(r, sql.substr(0, 80)));
  last_state_.clear();
  return Rows(r);
}

Result<void> Connection::Run(const std::string& sql) {
  if (sql == "ROLLBACK") deferred_.clear();
  if (!deferred_.empty()) {
    static const std::vector<Param> kNone;
    auto r = Pipeline(Statement{&sql, &kNone, false});
    if (!r) return tl::unexpected(r.error());
    return {};
  }
  pg_result* r = PQexec(c_, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
    return tl::unexpected(Fail(r, sql.substr(0, 80)));
  }
  PQclear(r);
  last_state_.clear();
  return {};
}

void Connection::Defer(const std::string& sql, std::vector<Param> params, bool prepare) {
  deferred_.push_back(Deferred{sql, std::move(params), prepare, nullptr});
}

void Connection::DeferInto(Rows* into, const std::string& sql, std::vector<Param> params, bool prepare) {
  deferred_.push_back(Deferred{sql, std::move(params), prepare, into});
}

bool Connection::Alive() {
  if (Broken()) return false;
  if (PQconsumeInput(c_) != 1) return false;
  return !Broken();
}

Result<Rows> Connection::Pipeline(const Statement& last) {
  std::vector<Deferred> queued;
  queued.swap(deferred_);  // sent (or dropped) whatever happens below
  std::vector<Statement> all;
  std::vector<Rows*> into;
  all.reserve(queued.size() + 1);
  for (const auto& d : queued) {
    all.push_back(Statement{&d.sql, &d.params, d.prepare});
    into.push_back(d.into);
  }
  all.push_back(last);
  into.push_back(nullptr);
  // Statements are prepared (a round trip each, once per connection) before
  // the pipeline starts.
  std::vector<const std::string*> names(all.size(), nullptr);
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (!all[k].prepare) continue;
    auto name = Prepared(*all[k].sql);
    if (!name) return tl::unexpected(name.error());
    names[k] = *name;
  }
  if (PQenterPipelineMode(c_) != 1) return tl::unexpected(Fail(nullptr, "entering pipeline mode"));
  std::optional<Error> failed;
  std::size_t sent = 0;
  for (; sent < all.size(); ++sent) {
    std::vector<const char*> values = Values(*all[sent].params);
    const int n = static_cast<int>(values.size());
    int ok = names[sent] ? PQsendQueryPrepared(c_, names[sent]->c_str(), n, values.data(), nullptr, nullptr, 0)
                         : PQsendQueryParams(c_, all[sent].sql->c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
    if (ok != 1) {
      failed = Fail(nullptr, all[sent].sql->substr(0, 80));
      break;
    }
  }
  if (failed || PQpipelineSync(c_) != 1) {
    // Nothing can be read back reliably: the connection is left to be replaced.
    if (!failed) failed = Fail(nullptr, "pipeline sync");
    poisoned_ = true;
    return tl::unexpected(*failed);
  }
  // Each statement's result, then NULL; then the sync point.
  pg_result* result = nullptr;
  for (std::size_t k = 0; k < sent; ++k) {
    pg_result* r = PQgetResult(c_);
    if (r == nullptr) {
      if (!failed) failed = Fail(nullptr, all[k].sql->substr(0, 80));
      break;
    }
    if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
      PQclear(r);  // skipped after an earlier failure
    } else if (!Succeeded(r)) {
      if (!failed) {
        failed = Fail(r, all[k].sql->substr(0, 80));
      } else {
        PQclear(r);
      }
    } else if (k + 1 == sent) {
      result = r;
    } else if (into[k] != nullptr) {
      *into[k] = Rows(r);
    } else {
      PQclear(r);
    }
    while (pg_result* extra = PQgetResult(c_)) PQclear(extra);  // up to this statement's NULL
  }
  for (int k = 0; k < 4; ++k) {  // the sync point
    pg_result* r = PQgetResult(c_);
    if (r == nullptr) continue;
    bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if (sync) break;
  }
  // A connection that cannot leave pipeline mode is of no further use.
  if (PQexitPipelineMode(c_) != 1) poisoned_ = true;
  if (failed) {
    if (result) PQclear(result);
    return tl::unexpected(*failed);
  }
  if (!result) return tl::unexpected(Fail(nullptr, last.sql->substr(0, 80)));
  last_state_.clear();
  return Rows(result);
}

}  // namespace tocsin::storage::postgres
