// The SQLite floor of alert ingestion (issue 3): how many alert-opened
// incidents per second SQLite itself can commit durably on this machine, with
// none of Tocsin's work around it (no HTTP, no JSON parsing, no rules, no
// encoding: prepared statements binding fixed text).
//
//   sqlite_floor --schema-from DB --dir DIR [--total N] [--tx N]...
//
// Two shapes, each with every commit made durable by fdatasync of the WAL
// (what a 2xx promises), written through Tocsin's WAL-gathering VFS (one
// write per commit; src/storage/sqlite/wal_buffer_vfs.hpp) and with the WAL
// left to grow (Tocsin checkpoints on another thread, so the writer never
// pays for it):
//   tocsin   the rows one alert-opened incident costs in Tocsin's schema,
//            read from DB (a database the current build created, so the
//            indexes are the real ones): the incident row, its two timeline
//            events and two search terms, the alert row, its three tags and
//            its alert group. Text sizes are those of the benchmark's alerts
//            (incident document 890 bytes, alert document 323 bytes).
//   minimal  the least any design could store and still find things again:
//            an incident (with its UUID unique), one event, the alert, and
//            the group key -> incident lookup. No search, no filters.
// Keys are what real alerts have: random group keys and fingerprints, the
// incident ids time-ordered as Tocsin makes them.
// --tx gives commit sizes; one line per shape and size:
//   floor shape=tocsin tx=32 alerts=100000 seconds=.. alerts_per_s=.. us_per_alert=..

#include <fcntl.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/sqlite/wal_buffer_vfs.hpp"

namespace {

[[noreturn]] void Die(const std::string& what, sqlite3* db = nullptr) {
  std::fprintf(stderr, "sqlite_floor: %s%s%s\n", what.c_str(), db ? ": " : "", db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    Die(sql.substr(0, 80) + ": " + msg);
  }
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK) Die(sql, db);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(int i, std::int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  void Run() {
    if (sqlite3_step(st_) != SQLITE_DONE) Die("step", db_);
    sqlite3_reset(st_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

std::vector<std::string> ReadSchema(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) Die("open " + path, db);
  sqlite3_stmt* q = nullptr;
  // Tables first, then indexes and triggers; SQLite's own tables are made by SQLite.
  const char* sql =
      "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
      "ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid";
  if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) != SQLITE_OK) Die("read schema", db);
  std::vector<std::string> out;
  while (sqlite3_step(q) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (out.empty()) Die(path + " has no schema");
  return out;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Keys {
  std::mt19937_64 rng{42};
  std::int64_t clock_ms = 1795768160502;
  std::string Hex(int bytes) {
    static const char* kHex = "0123456789abcdef";
    std::string s;
    for (int k = 0; k < bytes; ++k) {
      auto b = static_cast<unsigned>(rng() & 0xFF);
      s.push_back(kHex[b >> 4]);
      s.push_back(kHex[b & 0xF]);
    }
    return s;
  }
  // A v7-shaped id: the time first (a few ids per millisecond), then random.
  std::string IncidentId(std::int64_t n) {
    char head[16];
    std::snprintf(head, sizeof head, "%012llx", static_cast<unsigned long long>(clock_ms + n / 8));
    std::string r = Hex(10);
    return std::string(head, 8) + "-" + std::string(head + 8, 4) + "-7" + r.substr(0, 3) + "-8" + r.substr(3, 3) + "-" +
           r.substr(6, 12);
  }
};

struct Shape {
  virtual ~Shape() = default;
  virtual void Insert(std::int64_t n, Keys& keys) = 0;
};

struct TocsinShape final : Shape {
  explicit TocsinShape(sqlite3* db)
      : incident(db,
                 "INSERT INTO incidents (public_id, id, title, severity, state, commander_uuid, commander_handle, "
                 "customer_impacted, created, modified, deleted, version, doc, due_at) "
                 "VALUES (?,?,?,'SEV-4','active',NULL,NULL,0,?,?,0,1,?,?)"),
        event(db,
              "INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes) "
              "VALUES (?,?,'','tocsin-rules',?,?,?)"),
        term(db, "INSERT OR IGNORE INTO incident_terms (facet, value, incident) VALUES (?,?,?)"),
        alert(db,
              "INSERT INTO alerts (source, delivery_key, fingerprint, group_key, monitor_name, state, received_at, "
              "doc, decision, detail, incident_id) VALUES ('generic',?,?,?,?,'alert',?,?,'opened',?,?)"),
        tag(db, "INSERT OR IGNORE INTO alert_tags (tag, seq) VALUES (?,?)"),
        group(db,
              "INSERT INTO alert_groups (group_key, incident_id) VALUES (?,?) "
              "ON CONFLICT(group_key) DO UPDATE SET incident_id = excluded.incident_id"),
        db_(db) {}

  void Insert(std::int64_t n, Keys& keys) override {
    const std::int64_t at = 1795768160502252 + n;
    std::string id = keys.IncidentId(n);
    std::string monitor = "bench-r1single-" + std::to_string(n);
    std::string fingerprint = keys.Hex(16);
    incident.Int(1, n).Text(2, id).Text(3, monitor).Int(4, at).Int(5, at).Text(6, doc).Int(7, at + 14400000000).Run();
    event.Int(1, n).Int(2, at).Text(3, "incident_created").Text(4, created_msg).Text(5, changes).Run();
    event.Int(1, n).Int(2, at).Text(3, "rule_matched").Text(4, matched_msg).Text(5, "[]").Run();
    term.Text(1, "detection_method").Text(2, "monitor").Int(3, n).Run();
    term.Text(1, "monitor").Text(2, monitor).Int(3, n).Run();
    alert.Text(1, "r1single-" + std::to_string(n))
        .Text(2, fingerprint)
        .Text(3, fingerprint)
        .Text(4, monitor)
        .Int(5, at)
        .Text(6, alert_doc)
        .Text(7, "rules 'Bench: every alert' opened a SEV-4 incident")
        .Text(8, id)
        .Run();
    std::int64_t seq = sqlite3_last_insert_rowid(db_);
    for (const std::string& t :
         {std::string("host:h") + std::to_string(n), std::string("service:bench"), std::string("tier:1")}) {
      tag.Text(1, t).Int(2, seq).Run();
    }
    group.Text(1, fingerprint).Text(2, id).Run();
  }

  Stmt incident, event, term, alert, tag, group;
  sqlite3* db_;
  std::string doc = std::string(890, 'd');
  std::string alert_doc = std::string(323, 'a');
  std::string created_msg = std::string(90, 'm');
  std::string matched_msg = std::string(50, 'm');
  std::string changes = std::string(87, 'c');
};

struct MinimalShape final : Shape {
  static void Create(sqlite3* db) {
    Exec(db,
         "CREATE TABLE incidents (public_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);"
         "CREATE TABLE events (seq INTEGER PRIMARY KEY, incident INTEGER NOT NULL, body TEXT NOT NULL);"
         "CREATE TABLE alerts (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, incident INTEGER NOT NULL);"
         "CREATE TABLE alert_groups (group_key TEXT PRIMARY KEY, incident INTEGER NOT NULL) WITHOUT ROWID;");
  }
  explicit MinimalShape(sqlite3* db)
      : incident(db, "INSERT INTO incidents VALUES (?,?,?)"),
        event(db, "INSERT INTO events (incident, body) VALUES (?,?)"),
        alert(db, "INSERT INTO alerts (doc, incident) VALUES (?,?)"),
        group(db, "INSERT INTO alert_groups VALUES (?,?)") {}

  void Insert(std::int64_t n, Keys& keys) override {
    incident.Int(1, n).Text(2, keys.IncidentId(n)).Text(3, doc).Run();
    event.Int(1, n).Text(2, body).Run();
    alert.Text(1, alert_doc).Int(2, n).Run();
    group.Text(1, keys.Hex(16)).Int(2, n).Run();
  }

  Stmt incident, event, alert, group;
  std::string doc = std::string(890, 'd');
  std::string alert_doc = std::string(323, 'a');
  std::string body = std::string(230, 'e');
};

void RunOne(const std::string& shape, const std::vector<std::string>& schema, const std::string& dir,
            std::int64_t total, std::int64_t tx) {
  std::string path = dir + "/floor-" + shape + "-" + std::to_string(tx) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      tocsin::storage::sqlite::WalBufferVfsName()) != SQLITE_OK) {
    Die("open " + path, db);
  }
  // As Tocsin's writer: WAL, synchronous=FULL through the gathering VFS (the
  // commit's sync is one write) + fdatasync of the WAL per commit, a page
  // cache that holds a whole commit; checkpoints left out.
  Exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
       "PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY");
  if (shape == "tocsin") {
    Exec(db, "BEGIN");
    for (const auto& sql : schema) Exec(db, sql);
    Exec(db, "COMMIT");
  } else {
    MinimalShape::Create(db);
  }
  {
    Keys keys;
    std::unique_ptr<Shape> rows;
    if (shape == "tocsin") {
      rows = std::make_unique<TocsinShape>(db);
    } else {
      rows = std::make_unique<MinimalShape>(db);
    }
    int wal = ::open((path + "-wal").c_str(), O_RDWR | O_CLOEXEC);
    if (wal < 0) Die("open the WAL of " + path);
    auto t0 = std::chrono::steady_clock::now();
    double write_cpu = 0;  // this thread's CPU seconds, fdatasync excluded
    for (std::int64_t n = 1; n <= total;) {
      double c0 = ThreadCpuSeconds();
      Exec(db, "BEGIN IMMEDIATE");
      for (std::int64_t k = 0; k < tx && n <= total; ++k, ++n) rows->Insert(n, keys);
      Exec(db, "COMMIT");
      write_cpu += ThreadCpuSeconds() - c0;
      if (::fdatasync(wal) != 0) Die("fdatasync");
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ::close(wal);
    // alerts_per_s: one thread committing and syncing in turn. cpu_bound_per_s:
    // the rate if syncs cost the writer nothing (Tocsin syncs on another
    // thread), i.e. the writer's CPU alone; the best any single writer can do.
    auto n = static_cast<double>(total);
    std::printf(
        "floor shape=%s tx=%lld alerts=%lld seconds=%.3f alerts_per_s=%.1f us_per_alert=%.1f "
        "writer_cpu_us_per_alert=%.1f cpu_bound_per_s=%.1f\n",
        shape.c_str(), static_cast<long long>(tx), static_cast<long long>(total), s, n / s, s * 1e6 / n,
        write_cpu * 1e6 / n, n / write_cpu);
    std::fflush(stdout);
  }
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string schema_from, dir;
  std::int64_t total = 100000;
  std::vector<std::int64_t> txs;
  std::vector<std::string> shapes;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--schema-from") {
      schema_from = next();
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--total") {
      total = std::atoll(next().c_str());
    } else if (a == "--tx") {
      txs.push_back(std::atoll(next().c_str()));
    } else if (a == "--shape") {
      shapes.push_back(next());
    } else {
      Die("unknown argument " + a + " (see the comment at the top of sqlite_floor.cpp)");
    }
  }
  if (schema_from.empty() || dir.empty() || total <= 0) Die("needs --schema-from DB --dir DIR");
  if (txs.empty()) txs = {32, 800};
  if (shapes.empty()) shapes = {"tocsin", "minimal"};
  auto schema = ReadSchema(schema_from);
  for (const auto& shape : shapes) {
    if (shape != "tocsin" && shape != "minimal") Die("unknown shape " + shape);
    for (auto tx : txs) {
      if (tx <= 0) Die("--tx must be positive");
      RunOne(shape, schema, dir, total, tx);
    }
  }
}
