// migrate-storage's copy (ADR 0016): everything a store keeps comes back
// through the port of the copy, as it was, and the copy goes on where the
// original left off. SQLite to SQLite here; the PostgreSQL round trip runs
// under tests/pg/with_postgres.sh (skipped without TOCSIN_TEST_PG_DSN).

#include "storage/transfer/transfer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <tuple>

#include "common/random.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin {
namespace {

namespace fs = std::filesystem;
using storage::StorageEndpoint;

const TimePoint kT0 = FromUnixMicros(1'780'000'000'000'000);

class Transfer : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tocsin-transfer-" + RandomHex(6));
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  StorageEndpoint Sqlite(const std::string& name) { return {StorageEndpoint::Kind::kSqlite, (root_ / name).string(), ""}; }
  std::unique_ptr<core::Store> Open(const std::string& name) {
    fs::create_directories(root_ / name);
    storage::SqliteOptions o;
    o.path = (root_ / name / "tocsin.db").string();
    auto s = storage::OpenSqliteStore(o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  core::Incident Create(core::Store& s, const std::string& title) {
    core::Incident i;
    i.id = NewUuidV4();
    i.title = title;
    i.severity = "SEV-2";
    i.created = i.modified = kT0;
    i.version = 1;
    i.fields["services"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"db", "api"}};
    i.todos.push_back({});
    i.todos.back().id = NewUuidV4();
    i.todos.back().content = "check " + title;
    auto r = s.CreateIncident(i, {{kT0, {"u1", "ann"}, "incident_created", "declared", {}}});
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  // A store with something in every table the port can write.
  void Fill(core::Store& s) {
    auto a = Create(s, "db down");
    auto b = Create(s, "checkout slow");
    ASSERT_TRUE(s.AppendEvent(a.id, {kT0 + std::chrono::seconds(1), {"u2", "bob"}, "note", "looking", {}}));
    auto r = s.UpdateIncident(b.id, [](const core::Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      m.incident.state = core::IncidentState::kResolved;
      m.events.push_back({kT0 + std::chrono::seconds(2), {"u1", "ann"}, "incident_updated", "resolved", {}});
      m.notifications.push_back({"hook", cur.id, "incident_resolved", kT0, "rule r"});
      return m;
    });
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(s.EnqueueNotice({"weekly-2026-W48", "hook", "weekly_report", "weekly", "body", kT0, std::nullopt}));
    core::KeyRecord k{"k1", "ci", "api", "hash-api", "hash-app", "ann", "abcd", kT0, std::nullopt, "write"};
    ASSERT_TRUE(s.CreateKey(k));
    core::KeyRecord gone{"k2", "old", "ingest", "hash-old", "", "ann", "wxyz", kT0, std::nullopt, "admin"};
    ASSERT_TRUE(s.CreateKey(gone));
    ASSERT_TRUE(s.RevokeKey("old", kT0 + std::chrono::seconds(3)));
    ASSERT_TRUE(s.AddOverride({"o1", "primary", "bob", "ann", kT0, kT0 + std::chrono::hours(1), "ann", kT0, std::nullopt, ""}));
    ASSERT_TRUE(s.AddOverride({"o2", "primary", "ann", "bob", kT0, kT0 + std::chrono::hours(2), "ann", kT0, std::nullopt, ""}));
    ASSERT_TRUE(s.RemoveOverride("o2", "bob", kT0 + std::chrono::seconds(4)));
    ASSERT_TRUE(s.SetPasswordHash("ann", "$argon2id$v=19$fake", kT0));
    ASSERT_TRUE(s.CreateSession({"token-hash", "ann", kT0, kT0 + std::chrono::hours(24 * 365 * 10)}));
    ASSERT_TRUE(s.RecordConfigReload({"r1", kT0, "@ann", "h2", "h1", {"rules: changed"}, {}}));
  }

  fs::path root_;
};

// Two listings hold the same items, compared by `key` (a tuple of the
// fields that must have survived the copy).
template <typename T, typename Key>
void ExpectSameList(const Result<std::vector<T>>& x, const Result<std::vector<T>>& y, Key key, const char* what) {
  ASSERT_TRUE(x && y) << what;
  ASSERT_EQ(x->size(), y->size()) << what;
  for (std::size_t k = 0; k < x->size(); ++k) EXPECT_TRUE(key((*x)[k]) == key((*y)[k])) << what << " #" << k;
}

void ExpectSameStores(core::Store& x, core::Store& y) {
  core::SearchRequest all;
  all.limit = 100;
  auto px = x.SearchIncidents(all);
  auto py = y.SearchIncidents(all);
  ASSERT_TRUE(px && py);
  ASSERT_EQ(px->incidents.size(), py->incidents.size());
  for (std::size_t k = 0; k < px->incidents.size(); ++k) {
    const auto& i = px->incidents[k];
    EXPECT_EQ(i, py->incidents[k]);
    ExpectSameList(x.Timeline(i.id, 0, 100), y.Timeline(i.id, 0, 100), [](const core::TimelineEvent& e) {
      return std::tie(e.seq, e.at, e.actor, e.kind, e.message);
    }, "timeline");
  }
  ExpectSameList(x.ListDeliveries({}), y.ListDeliveries({}), [](const core::Delivery& d) {
    return std::tie(d.id, d.incident_id, d.notice_key, d.state, d.body, d.next_attempt_at);
  }, "deliveries");
  ExpectSameList(x.ListKeys(), y.ListKeys(), [](const core::KeyRecord& k) {
    return std::tie(k.id, k.api_key_hash, k.app_key_hash, k.revoked, k.scope, k.created);
  }, "keys");
  ExpectSameList(x.ListOverrides(), y.ListOverrides(), [](const core::OverrideRecord& o) {
    return std::tie(o.id, o.start, o.end, o.removed, o.removed_by);
  }, "overrides");
  ExpectSameList(x.ListConfigReloads(10), y.ListConfigReloads(10), [](const core::ConfigReloadRecord& r) {
    return std::tie(r.id, r.at, r.hash, r.changes);
  }, "reloads");
  EXPECT_EQ(*x.GetPasswordHash("ann"), *y.GetPasswordHash("ann"));
  auto sy = y.FindSession("token-hash", kT0);
  ASSERT_TRUE(sy && *sy);
  EXPECT_EQ((*sy)->user_handle, "ann");
}

TEST_F(Transfer, CopiesEveryTableAsStoredAndGoesOnFromThere) {
  auto a = Open("a");
  Fill(*a);
  a->Close();
  auto report = storage::TransferStorage(Sqlite("a"), Sqlite("b"));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->Verified()) << storage::DescribeTransfer(*report);
  for (const auto& t : report->tables) {
    if (t.table == "alerts" || t.table == "alert_tags" || t.table == "alert_groups") continue;  // no alerts here
    EXPECT_GT(t.source_rows, 0) << t.table << " was not exercised";
  }
  a = Open("a");
  auto b = Open("b");
  ExpectSameStores(*a, *b);
  // New rows continue after the copied ones.
  auto last = b->Timeline(a->SearchIncidents({})->incidents[0].id, 0, 100);
  auto c = Create(*b, "after the move");
  EXPECT_EQ(c.public_id, 3);
  auto ev = b->Timeline(c.id, 0, 10);
  ASSERT_TRUE(ev && !ev->empty());
  EXPECT_GT(ev->front().seq, 4);
}

TEST_F(Transfer, RefusesATargetThatHoldsAnything) {
  auto a = Open("a");
  Fill(*a);
  a->Close();
  auto b = Open("b");
  ASSERT_TRUE(b->SetPasswordHash("bob", "x", kT0));
  b->Close();
  auto report = storage::TransferStorage(Sqlite("a"), Sqlite("b"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
  EXPECT_NE(report.error().message.find("is not empty: table user_passwords has 1 rows"), std::string::npos)
      << report.error().message;
}

TEST_F(Transfer, RefusesAColumnItDoesNotKnowRatherThanDropIt) {
  auto a = Open("a");
  Fill(*a);
  a->Close();
  {
    auto c = storage::sqlite::Connection::Open((root_ / "a" / "tocsin.db").string(), false);
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->Exec("ALTER TABLE outbox ADD COLUMN priority INTEGER"));
  }
  auto report = storage::TransferStorage(Sqlite("a"), Sqlite("b"));
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("table outbox has a column this version of migrate-storage does not copy: priority"),
            std::string::npos)
      << report.error().message;
}

TEST(TransferSum, IgnoresOrderButSeesEveryValue) {
  using Row = storage::TransferRow;
  storage::TableSum ab, ba, other;
  ab.Add(Row{"1", "a"});
  ab.Add(Row{"2", "b"});
  ba.Add(Row{"2", "b"});
  ba.Add(Row{"1", "a"});
  EXPECT_EQ(ab.sum(), ba.sum());
  EXPECT_EQ(ab.rows(), 2);
  other.Add(Row{"1", "a"});
  other.Add(Row{"2", "c"});
  EXPECT_NE(ab.sum(), other.sum());
  storage::TableSum one, two;
  one.Add(Row{"ab", "c"});
  two.Add(Row{"a", "bc"});
  EXPECT_NE(one.sum(), two.sum());
  storage::TableSum null_row, empty_row;
  null_row.Add(Row{std::nullopt});
  empty_row.Add(Row{std::string()});
  EXPECT_NE(null_row.sum(), empty_row.sum());
}

TEST(TransferReport, AMismatchFailsVerification) {
  storage::TransferReport r;
  r.tables.push_back({"incidents", 2, 2, 7, 7});
  EXPECT_TRUE(r.Verified());
  r.tables.push_back({"incident_events", 5, 5, 1, 2});
  EXPECT_FALSE(r.Verified());
  EXPECT_NE(storage::DescribeTransfer(r).find("MISMATCH"), std::string::npos);
}

TEST(TransferEndpoint, ArgumentsAreCheckedAndPasswordsHidden) {
  auto s = storage::ParseStorageEndpoint("sqlite:/var/lib/tocsin", "--from");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->location, "/var/lib/tocsin");
  auto p = storage::ParseStorageEndpoint("postgres://tocsin:hunter2@db:5432/tocsin", "--to");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Display(), "postgres://tocsin:***@db:5432/tocsin");
  auto bad = storage::ParseStorageEndpoint("mysql://db/x", "--to");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("--to: unknown scheme 'mysql'"), std::string::npos);
  EXPECT_FALSE(storage::ParseStorageEndpoint("sqlite:", "--from"));
}

// SQLite -> PostgreSQL -> SQLite: the last copy holds what the first held,
// table by table (the same checksums), and PostgreSQL's sequences follow.
TEST_F(Transfer, PostgresRoundTrip) {
  const char* dsn = std::getenv("TOCSIN_TEST_PG_DSN");
  if (!dsn) GTEST_SKIP() << "TOCSIN_TEST_PG_DSN is not set (tests/pg/with_postgres.sh)";
  auto a = Open("a");
  Fill(*a);
  a->Close();
  StorageEndpoint pg{StorageEndpoint::Kind::kPostgres, dsn, "transfer_" + RandomHex(6)};
  auto there = storage::TransferStorage(Sqlite("a"), pg);
  ASSERT_TRUE(there) << there.error().message;
  EXPECT_TRUE(there->Verified()) << storage::DescribeTransfer(*there);
  auto back = storage::TransferStorage(pg, Sqlite("c"));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->Verified()) << storage::DescribeTransfer(*back);
  ASSERT_EQ(there->tables.size(), back->tables.size());
  for (std::size_t k = 0; k < there->tables.size(); ++k) {
    EXPECT_EQ(there->tables[k].source_sum, back->tables[k].target_sum) << there->tables[k].table;
  }
  a = Open("a");
  auto c = Open("c");
  ExpectSameStores(*a, *c);
  auto refused = storage::TransferStorage(Sqlite("a"), pg);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("is not empty: table incidents"), std::string::npos);
}

}  // namespace
}  // namespace tocsin
