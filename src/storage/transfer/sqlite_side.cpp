// One side of a copy on a SQLite data directory, over a raw connection
// (the store is opened once before, only to apply its migrations).

#include <filesystem>

#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/transfer/transfer_sides.hpp"

namespace tocsin::storage::transfer {

std::string OrderBy(const TableSpec& table, StorageEndpoint::Kind kind);  // transfer.cpp

namespace {

namespace fs = std::filesystem;
using sqlite::Connection;
using sqlite::Param;

std::string Unquoted(const std::string& name) {
  return name.size() > 1 && name.front() == '"' ? name.substr(1, name.size() - 2) : name;
}

class SqliteSide final : public Side {
 public:
  explicit SqliteSide(std::unique_ptr<Connection> c) : c_(std::move(c)) {}
  ~SqliteSide() override { Abort(); }

  StorageEndpoint::Kind kind() const override { return StorageEndpoint::Kind::kSqlite; }

  Result<std::vector<std::string>> Tables() override {
    return Strings("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  }
  Result<std::vector<std::string>> Columns(const std::string& table) override {
    auto st = c_->Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid", false);
    if (!st) return tl::unexpected(st.error());
    st->BindAll({table});
    return Collect(*st);
  }
  Result<std::int64_t> Count(const std::string& table) override {
    auto st = c_->Prepare("SELECT COUNT(*) FROM " + table, false);
    if (!st) return tl::unexpected(st.error());
    auto row = st->Step();
    if (!row) return tl::unexpected(row.error());
    return st->Int(0);
  }

  Result<void> BeginRead() override { return c_->Exec("BEGIN"); }
  Result<void> EndRead() override { return c_->Exec("COMMIT"); }

  Result<void> Scan(const TableSpec& table, const RowFn& fn) override {
    std::string sql = "SELECT ";
    for (std::size_t k = 0; k < table.columns.size(); ++k) sql += (k ? ", " : "") + std::string(table.columns[k].SqliteName());
    sql += " FROM " + std::string(table.name) + " ORDER BY " + OrderBy(table, kind());
    auto st = c_->Prepare(sql, false);
    if (!st) return tl::unexpected(st.error());
    TransferRow row(table.columns.size());
    while (true) {
      auto more = st->Step();
      if (!more) return tl::unexpected(more.error());
      if (!*more) return {};
      for (std::size_t k = 0; k < table.columns.size(); ++k) {
        const int col = static_cast<int>(k);
        if (st->IsNull(col)) {
          row[k].reset();
        } else {
          row[k] = table.columns[k].integer ? std::to_string(st->Int(col)) : st->Text(col);
        }
      }
      if (auto ok = fn(row); !ok) return ok;
    }
  }

  Result<void> BeginWrite() override {
    auto ok = c_->Exec("BEGIN IMMEDIATE");
    if (ok) writing_ = true;
    return ok;
  }
  Result<void> Insert(const TableSpec& table, const std::vector<TransferRow>& rows) override {
    std::string sql = "INSERT INTO " + std::string(table.name) + " (";
    std::string marks;
    for (std::size_t k = 0; k < table.columns.size(); ++k) {
      sql += (k ? ", " : "") + std::string(table.columns[k].SqliteName());
      marks += k ? ", ?" : "?";
    }
    sql += ") VALUES (" + marks + ")";
    std::vector<Param> params(table.columns.size());
    for (const auto& row : rows) {
      auto st = c_->Prepare(sql);
      if (!st) return tl::unexpected(st.error());
      for (std::size_t k = 0; k < row.size(); ++k) {
        if (!row[k]) {
          params[k] = nullptr;
        } else if (table.columns[k].integer) {
          params[k] = std::stoll(*row[k]);
        } else {
          params[k] = *row[k];
        }
      }
      st->BindAll(params);
      if (auto ok = st->Run(); !ok) return tl::unexpected(Error{ok.error().code, std::string(table.name) + ": " + ok.error().message});
    }
    return {};
  }
  // AUTOINCREMENT keys follow explicit ids in sqlite_sequence by themselves;
  // public ids are MAX + 1.
  Result<void> Commit() override {
    writing_ = false;
    return c_->Exec("COMMIT");
  }
  void Abort() override {
    if (writing_) (void)c_->Exec("ROLLBACK");
    writing_ = false;
  }

 private:
  Result<std::vector<std::string>> Strings(const std::string& sql) {
    auto st = c_->Prepare(sql, false);
    if (!st) return tl::unexpected(st.error());
    return Collect(*st);
  }
  static Result<std::vector<std::string>> Collect(sqlite::Statement& st) {
    std::vector<std::string> out;
    while (true) {
      auto more = st.Step();
      if (!more) return tl::unexpected(more.error());
      if (!*more) return out;
      out.push_back(Unquoted(st.Text(0)));
    }
  }

  std::unique_ptr<Connection> c_;
  bool writing_ = false;
};

}  // namespace

Result<std::unique_ptr<Side>> OpenSqliteSide(const StorageEndpoint& at, bool target) {
  const std::string path = (fs::path(at.location) / "tocsin.db").string();
  std::error_code ec;
  if (!target) {
    if (!fs::is_directory(at.location, ec)) {
      return InvalidArgument("--from: " + at.Display() + ": no such directory");
    }
    if (!fs::exists(path, ec)) {
      return InvalidArgument("--from: " + at.Display() + ": no Tocsin database in it (" + path + " does not exist)");
    }
  } else {
    fs::create_directories(at.location, ec);
    if (ec) return InvalidArgument("--to: " + at.Display() + ": cannot create the directory: " + ec.message());
  }
  // Opening the store applies any missing migration, as a server start would.
  SqliteOptions options;
  options.path = path;
  auto store = OpenSqliteStore(options);
  if (!store) return tl::unexpected(store.error());
  (*store)->Close();
  auto c = Connection::Open(path, false);
  if (!c) return tl::unexpected(c.error());
  return std::unique_ptr<Side>(new SqliteSide(std::move(*c)));
}

}  // namespace tocsin::storage::transfer
