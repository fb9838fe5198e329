// One side of a copy on PostgreSQL, over one raw connection: reads through a
// cursor in one REPEATABLE READ snapshot, writes with multi-row INSERTs in
// one transaction, and moves the id sequences past the copied ids.

#include "storage/postgres/pg_db.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/transfer/transfer_sides.hpp"

namespace tocsin::storage::transfer {

std::string OrderBy(const TableSpec& table, StorageEndpoint::Kind kind);  // transfer.cpp

namespace {

using postgres::Connection;
using postgres::Param;

constexpr int kFetch = 1000;
constexpr std::size_t kMaxParams = 30000;  // PostgreSQL allows 65535 per statement

class PgSide final : public Side {
 public:
  explicit PgSide(std::unique_ptr<Connection> c) : c_(std::move(c)) {}
  ~PgSide() override { Abort(); }

  StorageEndpoint::Kind kind() const override { return StorageEndpoint::Kind::kPostgres; }

  Result<std::vector<std::string>> Tables() override {
    return Strings(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
        {});
  }
  Result<std::vector<std::string>> Columns(const std::string& table) override {
    return Strings(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = $1 ORDER BY ordinal_position",
        {table});
  }
  Result<std::int64_t> Count(const std::string& table) override {
    auto q = c_->Exec("SELECT COUNT(*) FROM " + table, {}, false);
    if (!q) return tl::unexpected(q.error());
    return q->Int(0, 0);
  }

  Result<void> BeginRead() override { return c_->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  Result<void> EndRead() override { return c_->Run("COMMIT"); }

  Result<void> Scan(const TableSpec& table, const RowFn& fn) override {
    std::string sql = "DECLARE tocsin_copy NO SCROLL CURSOR FOR SELECT ";
    for (std::size_t k = 0; k < table.columns.size(); ++k) sql += (k ? ", " : "") + std::string(table.columns[k].name);
    sql += " FROM " + std::string(table.name) + " ORDER BY " + OrderBy(table, kind());
    if (auto ok = c_->Run(sql); !ok) return ok;
    TransferRow row(table.columns.size());
    while (true) {
      auto q = c_->Exec("FETCH " + std::to_string(kFetch) + " FROM tocsin_copy", {}, false);
      if (!q) return tl::unexpected(q.error());
      for (int r = 0; r < q->size(); ++r) {
        for (std::size_t k = 0; k < table.columns.size(); ++k) {
          const int col = static_cast<int>(k);
          if (q->IsNull(r, col)) {
            row[k].reset();
          } else {
            row[k] = q->Text(r, col);
          }
        }
        if (auto ok = fn(row); !ok) {
          (void)c_->Run("CLOSE tocsin_copy");
          return ok;
        }
      }
      if (q->size() < kFetch) break;
    }
    return c_->Run("CLOSE tocsin_copy");
  }

  Result<void> BeginWrite() override {
    auto ok = c_->Run("BEGIN");
    if (ok) writing_ = true;
    return ok;
  }
  Result<void> Insert(const TableSpec& table, const std::vector<TransferRow>& rows) override {
    const std::size_t width = table.columns.size();
    const std::size_t per_statement = std::max<std::size_t>(1, kMaxParams / width);
    std::string head = "INSERT INTO " + std::string(table.name) + " (";
    for (std::size_t k = 0; k < width; ++k) head += (k ? ", " : "") + std::string(table.columns[k].name);
    head += ") VALUES ";
    for (std::size_t at = 0; at < rows.size(); at += per_statement) {
      const std::size_t n = std::min(per_statement, rows.size() - at);
      std::string sql = head;
      std::vector<Param> params;
      params.reserve(n * width);
      for (std::size_t r = 0; r < n; ++r) {
        sql += r ? ", (" : "(";
        for (std::size_t k = 0; k < width; ++k) {
          const auto& v = rows[at + r][k];
          params.push_back(v ? Param(*v) : Param(nullptr));
          sql += (k ? ", $" : "$") + std::to_string(params.size());
        }
        sql += ")";
      }
      // A full batch has the same text every time: prepared once.
      auto q = c_->Exec(sql, params, n == per_statement);
      if (!q) return tl::unexpected(Error{q.error().code, std::string(table.name) + ": " + q.error().message});
    }
    return {};
  }
  // New rows made after the copy continue after the copied ids.
  Result<void> Commit() override {
    for (const auto& t : CopiedTables()) {
      const char* column = t.serial ? t.serial : t.order;
      std::string sequence = t.sequence ? "'" + std::string(t.sequence) + "'"
                                        : "pg_get_serial_sequence('" + std::string(t.name) + "', '" + column + "')";
      if (!t.serial && !t.sequence) continue;
      auto q = c_->Exec("SELECT setval(" + sequence + ", GREATEST(COALESCE(MAX(" + column + "), 0), 1), MAX(" +
                            column + ") IS NOT NULL) FROM " + t.name,
                        {}, false);
      if (!q) return tl::unexpected(q.error());
    }
    writing_ = false;
    return c_->Run("COMMIT");
  }
  void Abort() override {
    if (writing_) (void)c_->Run("ROLLBACK");
    writing_ = false;
  }

 private:
  Result<std::vector<std::string>> Strings(const std::string& sql, const std::vector<Param>& params) {
    auto q = c_->Exec(sql, params, false);
    if (!q) return tl::unexpected(q.error());
    std::vector<std::string> out;
    for (int r = 0; r < q->size(); ++r) out.push_back(q->Text(r, 0));
    return out;
  }

  std::unique_ptr<Connection> c_;
  bool writing_ = false;
};

}  // namespace

Result<std::unique_ptr<Side>> OpenPostgresSide(const StorageEndpoint& at) {
  PostgresOptions options;
  options.dsn = at.location;
  options.schema = at.schema;
  if (auto v = MigratePostgres(options); !v) return tl::unexpected(v.error());
  auto c = Connection::Open(at.location, at.schema);
  if (!c) return tl::unexpected(c.error());
  return std::unique_ptr<Side>(new PgSide(std::move(*c)));
}

}  // namespace tocsin::storage::transfer
