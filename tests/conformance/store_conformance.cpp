// The Store contract, run against every backend: what any storage adapter
// (memory, SQLite, later PostgreSQL) must do for the API to be correct.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/random.hpp"
#include "core/incident/incident_patch.hpp"
#include "core/ports/forwarding_store.hpp"
#include "storage/memory/memory_store.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin {
namespace {

using core::Incident;
using core::Store;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::filesystem::path&)> open;
  bool durable;
  // Key changes are told to other processes through a marker file next to
  // the database (SQLite); PostgreSQL needs none (it reads keys every time).
  bool keys_marker = true;
  // Set: the backend needs this environment variable (else the test skips).
  const char* needs_env = nullptr;
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().needs_env && !std::getenv(GetParam().needs_env)) {
      GTEST_SKIP() << GetParam().needs_env << " is not set (tests/pg/with_postgres.sh sets it)";
    }
    dir_ = std::filesystem::temp_directory_path() / ("tocsin-conf-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_);
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_->Close();
    store_ = GetParam().open(dir_);
  }

  Incident Draft(const std::string& title, const std::string& severity = "SEV-2") {
    Incident i;
    i.id = NewUuidV4();
    i.title = title;
    i.severity = severity;
    i.created = i.modified = now_;
    i.created_by = i.modified_by = core::Actor{NameUuid("alice"), "alice"};
    i.version = 1;
    return i;
  }
  std::vector<core::NewEvent> Created() { return {{now_, core::Actor{NameUuid("alice"), "alice"}, "incident_created", "declared", {}}}; }

  Incident Create(const std::string& title, const std::string& severity = "SEV-2") {
    auto r = store_->CreateIncident(Draft(title, severity), Created());
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  core::SearchPage Search(const std::string& query, bool facets = false) {
    core::SearchRequest req;
    req.query = *core::ParseQuery(query);
    req.limit = 100;
    req.with_facets = facets;
    auto r = store_->SearchIncidents(req);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }

  // Queues one notification per (channel, created) on the incident, in order.
  void Queue(const Incident& inc, const std::vector<std::pair<std::string, TimePoint>>& items) {
    auto r = store_->UpdateIncident(inc.id, [&](const Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      for (const auto& [channel, created] : items) m.notifications.push_back({channel, cur.id, "incident_opened", created, "test"});
      return m;
    });
    ASSERT_TRUE(r) << r.error().message;
  }
  std::vector<std::int64_t> Ids(const std::vector<core::Delivery>& ds) {
    std::vector<std::int64_t> out;
    for (const auto& d : ds) out.push_back(d.id);
    return out;
  }
  std::vector<core::Delivery> Deliveries(std::optional<core::DeliveryState> state = std::nullopt) {
    core::DeliveryFilter f;
    f.state = state;
    f.limit = 10000;
    auto r = store_->ListDeliveries(f);
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }
  static core::AttemptRecord Outcome(core::Delivery d, core::DeliveryState state, TimePoint at, const std::string& what) {
    d.state = state;
    ++d.attempts;
    if (state == core::DeliveryState::kDelivered) d.delivered_at = at;
    if (state == core::DeliveryState::kQueued) d.next_attempt_at = at + std::chrono::seconds(30);
    if (state != core::DeliveryState::kDelivered) d.last_error = what;
    return {d, core::NewEvent{at, core::Actor{"", "tocsin-notify"}, "notification_" + what, what + " " + std::to_string(d.id), {}}};
  }

  TimePoint now_ = *ParseRfc3339("2026-11-27T10:00:00Z");
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, CreateAssignsIncreasingPublicIdsAndGetReturnsTheSame) {
  auto a = Create("a");
  auto b = Create("b");
  EXPECT_EQ(a.public_id, 1);
  EXPECT_EQ(b.public_id, 2);
  auto got = store_->GetIncident(b.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, b);
}

TEST_P(StoreConformance, DuplicateIdIsAConflict) {
  auto a = Draft("a");
  ASSERT_TRUE(store_->CreateIncident(a, Created()));
  auto again = store_->CreateIncident(a, Created());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(StoreConformance, UpdateWritesStateAndEventsTogether) {
  auto a = Create("a");
  core::IncidentPatch p;
  p.state = core::IncidentState::kResolved;
  auto updated = store_->UpdateIncident(a.id, [&](const Incident& cur) -> Result<core::Mutation> {
    auto out = core::ApplyPatch(cur, p, cur.created_by, now_ + std::chrono::minutes(5));
    if (!out) return tl::unexpected(out.error());
    return core::Mutation{out->incident, {{now_, cur.created_by, "incident_updated", "resolved", out->changes}}};
  });
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->state, core::IncidentState::kResolved);
  EXPECT_EQ(*updated->resolved, now_ + std::chrono::minutes(5));
  auto events = store_->Timeline(a.id, 0, 100);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].kind, "incident_updated");
  EXPECT_EQ((*events)[1].changes[0], (core::Change{"state", "active", "resolved"}));
  EXPECT_LT((*events)[0].seq, (*events)[1].seq);
}

TEST_P(StoreConformance, RefusedMutationChangesNothing) {
  auto a = Create("a");
  auto r = store_->UpdateIncident(a.id, [](const Incident&) -> Result<core::Mutation> {
    return InvalidArgument("no");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*store_->GetIncident(a.id), a);
  EXPECT_EQ(store_->Timeline(a.id, 0, 100)->size(), 1u);
}

// A caller answers with the events its mutation wrote (their ids are the
// sequence numbers) without reading the timeline, which may be huge.
TEST_P(StoreConformance, UpdateReturnsTheEventsItAppendedWithTheirSeqs) {
  auto a = Create("a");
  auto b = Create("b");
  ASSERT_TRUE(store_->AppendEvent(b.id, {now_, {}, "note", "elsewhere", {}}));
  core::Actor alice{NameUuid("alice"), "alice"};
  auto updated = store_->UpdateIncidentAndEvents(a.id, [&](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    m.incident.last_status_update = now_;
    ++m.incident.version;
    m.events.push_back({now_, alice, "status_update", "Rolled back", {}});
    m.events.push_back({now_, core::Actor{"", "tocsin-notify"}, "notification_queued", "queued", {{"f", "", "t"}}});
    return m;
  });
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->incident.last_status_update, now_);
  EXPECT_EQ(updated->incident.public_id, a.public_id);
  ASSERT_TRUE(store_->AppendEvent(b.id, {now_, {}, "note", "after", {}}));
  auto timeline = store_->Timeline(a.id, 0, 100);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 3u);
  ASSERT_EQ(updated->events.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const core::TimelineEvent& stored = (*timeline)[k + 1];
    const core::TimelineEvent& answered = updated->events[k];
    EXPECT_EQ(answered.seq, stored.seq);
    EXPECT_EQ(answered.incident_id, a.id);
    EXPECT_EQ(answered.at, stored.at);
    EXPECT_EQ(answered.actor, stored.actor);
    EXPECT_EQ(answered.kind, stored.kind);
    EXPECT_EQ(answered.message, stored.message);
    EXPECT_EQ(answered.changes, stored.changes);
  }
  // A mutation that appends nothing returns no events; a refused one fails.
  auto quiet = store_->UpdateIncidentAndEvents(a.id, [](const Incident& cur) -> Result<core::Mutation> {
    return core::Mutation{cur, {}, {}};
  });
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->events.empty());
  auto refused = store_->UpdateIncidentAndEvents(a.id, [](const Incident&) -> Result<core::Mutation> {
    return InvalidArgument("no");
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
}

// A person opening an incident reads its newest events first: the newest
// page, then older ones, without reading the whole timeline.
TEST_P(StoreConformance, TimelineNewestPagesBackwardsFromTheLatestEvent) {
  auto a = Create("a");
  auto b = Create("b");
  for (int k = 0; k < 7; ++k) {
    ASSERT_TRUE(store_->AppendEvent(a.id, {now_, {}, "note", "n" + std::to_string(k), {}}));
    ASSERT_TRUE(store_->AppendEvent(b.id, {now_, {}, "note", "other", {}}));
  }
  auto all = *store_->Timeline(a.id, 0, 100);
  ASSERT_EQ(all.size(), 8u);  // the creation event and seven notes
  auto first = store_->TimelineNewest(a.id, 0, 3);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].message, "n6");
  EXPECT_EQ((*first)[2].message, "n4");
  EXPECT_EQ((*first)[0].seq, all[7].seq);
  auto last = *store_->TimelineNewest(a.id, 6, 3);
  ASSERT_EQ(last.size(), 2u);  // short at the end
  EXPECT_EQ(last[0].message, "n0");
  EXPECT_EQ(last[1].seq, all[0].seq);
  EXPECT_TRUE(store_->TimelineNewest(a.id, 8, 3)->empty());
  auto missing = store_->TimelineNewest("no-such-incident", 0, 3);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// A key's scope is kept: read, write or admin (keys made before scopes are admin).
TEST_P(StoreConformance, KeysKeepTheirScope) {
  core::KeyRecord reader{NewUuidV4(), "reader", "api", "ra", "rb", "alice", "abcd", now_, std::nullopt};
  reader.scope = "read";
  core::KeyRecord writer{NewUuidV4(), "writer", "api", "wa", "wb", "alice", "abcd", now_, std::nullopt};
  writer.scope = "write";
  ASSERT_TRUE(store_->CreateKey(reader));
  ASSERT_TRUE(store_->CreateKey(writer));
  EXPECT_EQ((*store_->FindKeyByAppHash("rb"))->scope, "read");
  EXPECT_EQ((*store_->FindKeyByAppHash("wb"))->scope, "write");
  EXPECT_EQ((*store_->FindKeyByApiHash("ra"))->scope, "read");
  auto all = store_->ListKeys();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].scope, "read");
}

// A key change tells other processes' key caches through a marker file next
// to the database. When the marker cannot be written, the change fails and
// changes nothing: a revoke that other processes would not see is not done.
TEST_P(StoreConformance, KeyChangesFailAndChangeNothingWhenTheMarkerCannotBeWritten) {
  if (!GetParam().durable) GTEST_SKIP() << "one process only";
  if (!GetParam().keys_marker) GTEST_SKIP() << "no keys marker";
  core::KeyRecord k{NewUuidV4(), "ci", "api", "apihash", "apphash", "alice", "abcd", now_, std::nullopt};
  ASSERT_TRUE(store_->CreateKey(k));
  ASSERT_TRUE(*store_->FindKeyByApiHash("apihash"));
  std::filesystem::path marker = dir_ / "t.db-keys";
  std::filesystem::remove(marker);
  std::filesystem::create_directory(marker);  // tests run as root: only a directory stops the write
  auto revoked = store_->RevokeKey("ci", now_);
  ASSERT_FALSE(revoked);
  EXPECT_NE(revoked.error().message.find("t.db-keys"), std::string::npos) << revoked.error().message;
  EXPECT_FALSE((*store_->ListKeys())[0].revoked.has_value());
  auto created = store_->CreateKey(core::KeyRecord{NewUuidV4(), "ci2", "api", "h2", "h3", "bob", "x", now_, {}});
  ASSERT_FALSE(created);
  EXPECT_EQ(store_->ListKeys()->size(), 1u);
  std::filesystem::remove(marker);
  ASSERT_TRUE(store_->RevokeKey("ci", now_));
  EXPECT_FALSE(*store_->FindKeyByApiHash("apihash"));
}

// A marker this process cannot read (another user's file, a directory) must
// not freeze the key cache: lookups then go to the database every time.
TEST_P(StoreConformance, AnUnreadableKeysMarkerDoesNotFreezeTheKeyCache) {
  if (!GetParam().durable) GTEST_SKIP() << "one process only";
  if (!GetParam().keys_marker) GTEST_SKIP() << "no keys marker";
  core::KeyRecord k{NewUuidV4(), "ci", "api", "apihash", "apphash", "alice", "abcd", now_, std::nullopt};
  ASSERT_TRUE(store_->CreateKey(k));
  std::filesystem::path marker = dir_ / "t.db-keys";
  std::filesystem::remove(marker);
  std::filesystem::create_directory(marker);
  ASSERT_TRUE(*store_->FindKeyByApiHash("apihash"));
  ASSERT_TRUE(*store_->FindKeyByApiHash("apihash"));
  // Another process revokes it; this one cannot read the marker it bumped.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "t.db").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE api_keys SET revoked = 1 WHERE name = 'ci'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_FALSE(*store_->FindKeyByApiHash("apihash"));
}

TEST_P(StoreConformance, UnknownAndDeletedIncidentsAreNotFound) {
  EXPECT_EQ(store_->GetIncident(NewUuidV4()).error().code, ErrorCode::kNotFound);
  auto a = Create("a");
  ASSERT_TRUE(store_->UpdateIncident(a.id, [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}};
    m.incident.deleted = true;
    return m;
  }));
  EXPECT_EQ(store_->GetIncident(a.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Search("").total, 0);
  EXPECT_EQ(store_->AppendEvent(a.id, {now_, {}, "note", "x", {}}).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreConformance, SearchAgreesWithCoreMatches) {
  auto a = Draft("Checkout down", "SEV-1");
  a.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"commerce"}};
  a.commander = core::Actor{NameUuid("alice"), "alice"};
  ASSERT_TRUE(store_->CreateIncident(a, Created()));
  auto b = Draft("Prompt 100% injected_x", "SEV-1");
  b.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"security", "commerce"}};
  ASSERT_TRUE(store_->CreateIncident(b, Created()));
  Create("Slow", "SEV-3");
  EXPECT_EQ(Search("severity:SEV-1").total, 2);
  EXPECT_EQ(Search("team:commerce AND NOT team:security").total, 1);
  EXPECT_EQ(Search("commander:@alice").total, 1);
  EXPECT_EQ(Search("NOT commander:alice").total, 2);
  EXPECT_EQ(Search("100%").total, 1);
  EXPECT_EQ(Search("injected_").total, 1);
  EXPECT_EQ(Search("checkout OR slow").total, 2);
  EXPECT_EQ(Search("teams:*").total, 2);
  auto page = Search("state:active", true);
  EXPECT_EQ(page.total, 3);
  EXPECT_EQ(page.incidents[0].title, "Slow");  // newest first
  EXPECT_EQ(page.facets.severity, (std::vector<core::FacetCount>{{"SEV-1", 2}, {"SEV-3", 1}}));
  ASSERT_EQ(page.facets.fields.size(), 1u);
  EXPECT_EQ(page.facets.fields[0].first, "teams");
  EXPECT_EQ(page.facets.fields[0].second, (std::vector<core::FacetCount>{{"commerce", 2}, {"security", 1}}));
  EXPECT_EQ(page.facets.commander, (std::vector<core::FacetCount>{{"alice", 1}}));
}

// The workflow phase crossed with the severity (/metrics'
// tocsin_open_incidents_by_severity_and_phase), from a faceted search.
TEST_P(StoreConformance, FacetsCountThePhasePerSeverity) {
  auto phased = [&](const char* title, const char* severity, const char* phase) {
    auto i = Draft(title, severity);
    i.phase = phase;
    ASSERT_TRUE(store_->CreateIncident(i, Created()));
  };
  phased("a", "SEV-1", "Investigation");
  phased("b", "SEV-1", "Investigation");
  phased("c", "SEV-1", "Mitigation");
  phased("d", "SEV-3", "Investigation");
  Create("no phase", "SEV-2");
  auto page = Search("state:active", true);
  using Counts = std::vector<core::FacetCount>;
  ASSERT_EQ(page.facets.phase_by_severity.size(), 2u);
  EXPECT_EQ(page.facets.phase_by_severity[0].first, "SEV-1");
  EXPECT_EQ(page.facets.phase_by_severity[0].second, (Counts{{"Investigation", 2}, {"Mitigation", 1}}));
  EXPECT_EQ(page.facets.phase_by_severity[1].first, "SEV-3");
  EXPECT_EQ(page.facets.phase_by_severity[1].second, (Counts{{"Investigation", 1}}));
  EXPECT_EQ(page.facets.severity, (Counts{{"SEV-1", 3}, {"SEV-2", 1}, {"SEV-3", 1}}));
  auto narrowed = Search("severity:SEV-3", true);
  ASSERT_EQ(narrowed.facets.phase_by_severity.size(), 1u);
  EXPECT_EQ(narrowed.facets.phase_by_severity[0].first, "SEV-3");
  // Only these two (what /metrics asks for), counts only: the same figures.
  core::SearchRequest metrics;
  metrics.query = *core::ParseQuery("state:active");
  metrics.limit = 0;
  metrics.with_total = false;
  metrics.with_facets = true;
  metrics.facets = core::SearchRequest::Facets::kSeverityAndPhase;
  auto counts = store_->SearchIncidents(metrics);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_TRUE(counts->incidents.empty());
  EXPECT_EQ(counts->facets.severity, page.facets.severity);
  EXPECT_EQ(counts->facets.phase_by_severity, page.facets.phase_by_severity);
}

TEST_P(StoreConformance, PagesAreStableAndShortAtTheEnd) {
  for (int k = 0; k < 7; ++k) Create("i" + std::to_string(k));
  core::SearchRequest req;
  req.limit = 3;
  req.offset = 6;
  auto last = store_->SearchIncidents(req);
  ASSERT_TRUE(last);
  ASSERT_EQ(last->incidents.size(), 1u);
  EXPECT_EQ(last->incidents[0].title, "i0");
  EXPECT_EQ(last->total, 7);
  req.newest_first = false;
  req.offset = 0;
  EXPECT_EQ(store_->SearchIncidents(req)->incidents[0].title, "i0");
}

// Every page of the unfiltered listing, in both orders, equals the slice of
// the live incidents a one-by-one count gives, with deleted incidents at the
// start, middle and end (SQLite answers deep pages by public id arithmetic).
TEST_P(StoreConformance, ListingPagesAtEveryOffsetSkipDeletedIncidents) {
  constexpr int kCount = 40;
  std::vector<Incident> all;
  for (int k = 1; k <= kCount; ++k) all.push_back(Create("i" + std::to_string(k)));
  const std::set<int> deleted = {1, 2, 20, 21, 22, 39, 40};  // 1-based creation order
  for (int k : deleted) {
    ASSERT_TRUE(store_->UpdateIncident(all[k - 1].id, [](const Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}};
      m.incident.deleted = true;
      return m;
    }));
  }
  std::vector<std::string> oldest;
  for (int k = 1; k <= kCount; ++k) {
    if (!deleted.count(k)) oldest.push_back("i" + std::to_string(k));
  }
  std::vector<std::string> newest(oldest.rbegin(), oldest.rend());
  const auto live = static_cast<std::int64_t>(oldest.size());
  for (bool newest_first : {true, false}) {
    const auto& order = newest_first ? newest : oldest;
    for (std::int64_t limit : {1, 3, 100}) {
      std::vector<std::int64_t> offsets;
      for (std::int64_t o = 0; o <= live + 2; ++o) offsets.push_back(o);
      offsets.push_back(kCount);
      offsets.push_back(std::int64_t{1} << 31);
      for (std::int64_t offset : offsets) {
        core::SearchRequest req;
        req.newest_first = newest_first;
        req.offset = offset;
        req.limit = limit;
        auto page = store_->SearchIncidents(req);
        ASSERT_TRUE(page) << page.error().message;
        std::vector<std::string> got, want;
        for (const auto& inc : page->incidents) got.push_back(inc.title);
        for (std::int64_t k = offset; k < std::min(live, offset + limit); ++k) want.push_back(order[k]);
        EXPECT_EQ(got, want) << (newest_first ? "newest" : "oldest") << " first, offset " << offset << ", size "
                             << limit;
        EXPECT_EQ(page->total, live);
      }
    }
  }
}

TEST_P(StoreConformance, KeysAreFoundByHashAndRevokedAtOnce) {
  core::KeyRecord k{NewUuidV4(), "ci", "api", "apihash", "apphash", "alice", "abcd", now_, std::nullopt};
  ASSERT_TRUE(store_->CreateKey(k));
  EXPECT_EQ(store_->CreateKey(core::KeyRecord{NewUuidV4(), "ci", "api", "h2", "h3", "bob", "x", now_, {}}).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ((*store_->FindKeyByApiHash("apihash"))->user_handle, "alice");
  EXPECT_EQ((*store_->FindKeyByAppHash("apphash"))->name, "ci");
  EXPECT_FALSE(*store_->FindKeyByApiHash("other"));
  ASSERT_TRUE(store_->RevokeKey("ci", now_));
  EXPECT_FALSE(*store_->FindKeyByApiHash("apihash"));
  EXPECT_EQ(store_->RevokeKey("ci", now_).error().code, ErrorCode::kNotFound);
  auto all = store_->ListKeys();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].revoked.has_value());
}

TEST_P(StoreConformance, ConcurrentWritersNeitherLoseNorDuplicate) {
  auto target = Create("counter");
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        if (k % 2 == 0) {
          ASSERT_TRUE(store_->CreateIncident(Draft("t" + std::to_string(t)), Created()));
        } else {
          ASSERT_TRUE(store_->UpdateIncident(target.id, [&](const Incident& cur) -> Result<core::Mutation> {
            core::Mutation m{cur, {{now_, {}, "note", "bump", {}}}};
            ++m.incident.version;
            return m;
          }));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Search("").total, 1 + kThreads * kEach / 2);
  EXPECT_EQ(store_->GetIncident(target.id)->version, 1 + kThreads * kEach / 2);
  EXPECT_EQ(store_->Timeline(target.id, 0, 10000)->size(), static_cast<std::size_t>(1 + kThreads * kEach / 2));
}

TEST_P(StoreConformance, ContactPagesKeepTheirPersonAndWaitForTheirDelay) {
  auto a = Create("paged");
  core::OutboxItem now_item{"slack-bot", a.id, "page", now_, "@olu paged"};
  now_item.to = core::ContactTarget{"olu", 1, "slack_dm", "U01"};
  core::OutboxItem later{"email-pages", a.id, "page", now_, "@olu paged"};
  later.to = core::ContactTarget{"olu", 2, "email", "olu@example.com"};
  later.due = now_ + std::chrono::minutes(2);
  auto updated = store_->UpdateIncident(a.id, [&](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {now_item, later}};
    m.incident.pagerduty_contacts.push_back({"olu", 3, "pd", now_ + std::chrono::minutes(5)});
    return m;
  });
  ASSERT_TRUE(updated);
  EXPECT_EQ(store_->GetIncident(a.id)->pagerduty_contacts,
            (std::vector<core::PagedContact>{{"olu", 3, "pd", now_ + std::chrono::minutes(5)}}));
  auto due = store_->ClaimDeliveries(now_, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);  // the email waits for its delay
  EXPECT_EQ((*due)[0].to, now_item.to);
  auto after = store_->ClaimDeliveries(now_ + std::chrono::minutes(2), 10);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].to, later.to);
  EXPECT_EQ((*after)[0].created, now_);
  EXPECT_EQ((*after)[0].next_attempt_at, now_ + std::chrono::minutes(2));
  core::Delivery cancelled = (*after)[0];
  cancelled.state = core::DeliveryState::kCancelled;
  ASSERT_TRUE(store_->FinishAttempt(cancelled, {now_, {}, "notification_cancelled", "not sent", {}}));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kCancelled), 1);
  auto listed = store_->ListDeliveries({core::DeliveryState::kCancelled, "", "", 0, 10});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].to, later.to);
}

TEST_P(StoreConformance, ClaimHandsOutDueDeliveriesOnceOldestFirst) {
  auto a = Create("a");
  auto b = Create("b");
  Queue(a, {{"hook", now_ - std::chrono::seconds(5)}, {"slack", now_}, {"hook", now_ + std::chrono::seconds(60)}});
  Queue(b, {{"hook", now_ - std::chrono::seconds(10)}, {"hook", now_}});
  auto all = Deliveries();
  ASSERT_EQ(all.size(), 5u);  // newest first: ids 5..1
  std::int64_t first = all.back().id;
  auto claimed = store_->ClaimDeliveries(now_, 3);
  ASSERT_TRUE(claimed) << claimed.error().message;
  // Oldest due first, then queue order: b@-10s, a@-5s, then the earliest queued of those due at now_.
  EXPECT_EQ(Ids(*claimed), (std::vector<std::int64_t>{first + 3, first, first + 1}));
  for (const auto& d : *claimed) EXPECT_EQ(d.state, core::DeliveryState::kSending);
  auto rest = store_->ClaimDeliveries(now_, 10);
  ASSERT_TRUE(rest);
  EXPECT_EQ(Ids(*rest), (std::vector<std::int64_t>{first + 4}));  // not the claimed ones again, not the future one
  EXPECT_TRUE(store_->ClaimDeliveries(now_, 10)->empty());
  // Claimed deliveries read as sending, whatever the backend keeps durably.
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kSending), 4);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 1);
  EXPECT_EQ(Deliveries(core::DeliveryState::kSending).size(), 4u);
  auto queued = Deliveries(core::DeliveryState::kQueued);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].id, first + 2);
  for (const auto& d : Deliveries()) {
    EXPECT_EQ(d.state, d.id == first + 2 ? core::DeliveryState::kQueued : core::DeliveryState::kSending) << d.id;
  }
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_ + std::chrono::seconds(60), 10)), (std::vector<std::int64_t>{first + 2}));
}

TEST_P(StoreConformance, FinishAttemptsRecordsEveryOutcomeWithItsEvent) {
  auto a = Create("a");
  Queue(a, {{"hook", now_}, {"slack", now_}, {"pd", now_}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 3u);
  auto delivered = Outcome(claimed[0], core::DeliveryState::kDelivered, now_, "delivered");
  delivered.delivery.thread_ts = "1700000000.000100";
  auto retry = Outcome(claimed[1], core::DeliveryState::kQueued, now_, "retry");
  auto failed = Outcome(claimed[2], core::DeliveryState::kFailed, now_, "failed");
  auto ok = store_->FinishAttempts({delivered, retry, failed});
  ASSERT_TRUE(ok) << ok.error().message;
  auto all = Deliveries();
  ASSERT_EQ(all.size(), 3u);
  std::map<std::int64_t, core::Delivery> by_id;
  for (const auto& d : all) by_id[d.id] = d;
  EXPECT_EQ(by_id[claimed[0].id], delivered.delivery);
  EXPECT_EQ(by_id[claimed[1].id], retry.delivery);
  EXPECT_EQ(by_id[claimed[2].id], failed.delivery);
  EXPECT_EQ(*store_->FindThread(a.id, "hook"), "1700000000.000100");
  EXPECT_EQ(*store_->FindThread(a.id, "slack"), "");
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kSending), 0);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 1);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 1);
  // Every outcome is on the timeline, in order, after the creation event.
  auto timeline = *store_->Timeline(a.id, 0, 100);
  ASSERT_EQ(timeline.size(), 4u);
  EXPECT_EQ(timeline[1].kind, "notification_delivered");
  EXPECT_EQ(timeline[2].kind, "notification_retry");
  EXPECT_EQ(timeline[3].kind, "notification_failed");
  EXPECT_EQ(timeline[3].message, "failed " + std::to_string(claimed[2].id));
  // Recorded: no longer claimed; the retry comes back when it is due, not before.
  EXPECT_TRUE(store_->ClaimDeliveries(now_ + std::chrono::seconds(29), 10)->empty());
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_ + std::chrono::seconds(30), 10)), (std::vector<std::int64_t>{claimed[1].id}));
  // One at a time works the same way.
  auto again = Outcome(retry.delivery, core::DeliveryState::kDelivered, now_ + std::chrono::seconds(30), "delivered");
  ASSERT_TRUE(store_->FinishAttempt(again.delivery, again.event));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 2);
  EXPECT_EQ(store_->Timeline(a.id, 0, 100)->size(), 5u);
}

TEST_P(StoreConformance, FinishAttemptsOnADeletedIncidentRecordsTheDeliveryOnly) {
  auto a = Create("a");
  auto b = Create("b");
  Queue(a, {{"hook", now_}});
  Queue(b, {{"hook", now_}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_TRUE(store_->UpdateIncident(a.id, [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}};
    m.incident.deleted = true;
    return m;
  }));
  ASSERT_TRUE(store_->FinishAttempts({Outcome(claimed[0], core::DeliveryState::kDelivered, now_, "delivered"),
                                      Outcome(claimed[1], core::DeliveryState::kDelivered, now_, "delivered")}));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 2);
  EXPECT_EQ(store_->Timeline(b.id, 0, 100)->size(), 2u);
}

// Lanes keep their order across retries: while the first delivery of a lane
// waits for its retry, the later ones of that lane are not claimed (those of
// other lanes are); once it is claimed again, they may be too, after it.
TEST_P(StoreConformance, ALaneWaitsForTheRetryOfItsEarlierDelivery) {
  auto a = Create("a");
  Queue(a, {{"pd", now_}, {"hook", now_}});
  auto first = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(store_->FinishAttempts({Outcome(first[0], core::DeliveryState::kQueued, now_, "retry"),
                                      Outcome(first[1], core::DeliveryState::kDelivered, now_, "delivered")}));
  Queue(a, {{"pd", now_ + std::chrono::seconds(1)}, {"hook", now_ + std::chrono::seconds(1)}});
  auto later = Deliveries();  // newest first
  std::int64_t pd_later = later[1].id, hook_later = later[0].id;
  // The pd lane waits for its retry (due at +30s); the hook lane does not.
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_ + std::chrono::seconds(10), 10)), (std::vector<std::int64_t>{hook_later}));
  EXPECT_TRUE(store_->ClaimDeliveries(now_ + std::chrono::seconds(10), 10)->empty());
  // Due: the retry first; the one behind it once the retry is claimed (the
  // claimer keeps the two in order in memory).
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_ + std::chrono::seconds(30), 10)), (std::vector<std::int64_t>{first[0].id}));
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_ + std::chrono::seconds(30), 10)), (std::vector<std::int64_t>{pd_later}));
}

TEST_P(StoreConformance, ALaneIsOneRecipientOnOneChannel) {
  auto a = Create("a");
  auto b = Create("b");
  auto r = store_->UpdateIncident(a.id, [&](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    core::OutboxItem to_olu{"pd", cur.id, "page", now_, "page"};
    to_olu.to = core::ContactTarget{"olu", 1, "pagerduty", ""};
    m.notifications.push_back(to_olu);
    m.notifications.push_back({"pd", cur.id, "incident_opened", now_, "opened"});
    return m;
  });
  ASSERT_TRUE(r) << r.error().message;
  Queue(b, {{"pd", now_}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 3u);
  // The page to @olu is to be retried: only @olu's lane on this incident waits.
  ASSERT_TRUE(store_->FinishAttempts({Outcome(claimed[0], core::DeliveryState::kQueued, now_, "retry"),
                                      Outcome(claimed[1], core::DeliveryState::kDelivered, now_, "delivered"),
                                      Outcome(claimed[2], core::DeliveryState::kDelivered, now_, "delivered")}));
  Queue(a, {{"pd", now_}});
  Queue(b, {{"pd", now_}});
  EXPECT_EQ(store_->ClaimDeliveries(now_, 10)->size(), 2u);
}

TEST_P(StoreConformance, ReleasedClaimsAreClaimableAgain) {
  auto a = Create("a");
  Queue(a, {{"hook", now_}, {"hook", now_}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_TRUE(store_->ReleaseClaims({claimed[1].id}));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kSending), 1);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 1);
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_, 10)), (std::vector<std::int64_t>{claimed[1].id}));
}

// /metrics reads these counts: they agree with the deliveries themselves
// after inserts, claims, every kind of outcome and a reopen.
TEST_P(StoreConformance, DeliveryCountsAgreeWithTheDeliveries) {
  auto a = Create("a");
  Queue(a, {{"hook", now_}, {"slack", now_}, {"pd", now_}, {"x", now_}, {"y", now_}, {"z", now_ + std::chrono::hours(1)}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 5u);
  ASSERT_TRUE(store_->FinishAttempts({Outcome(claimed[0], core::DeliveryState::kDelivered, now_, "delivered"),
                                      Outcome(claimed[1], core::DeliveryState::kQueued, now_, "retry"),
                                      Outcome(claimed[2], core::DeliveryState::kFailed, now_, "failed"),
                                      Outcome(claimed[3], core::DeliveryState::kGaveUp, now_, "gave_up")}));
  auto check = [&](const char* when) {
    for (auto state : {core::DeliveryState::kQueued, core::DeliveryState::kSending, core::DeliveryState::kDelivered,
                       core::DeliveryState::kFailed, core::DeliveryState::kGaveUp, core::DeliveryState::kCancelled}) {
      EXPECT_EQ(*store_->CountDeliveries(state), static_cast<std::int64_t>(Deliveries(state).size()))
          << when << ": " << core::DeliveryStateName(state);
    }
  };
  check("claimed");
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kSending), 1);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 2);
  auto cancelled = Outcome(claimed[4], core::DeliveryState::kCancelled, now_, "cancelled");
  ASSERT_TRUE(store_->FinishAttempt(cancelled.delivery, cancelled.event));
  check("recorded");
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kCancelled), 1);
  if (!GetParam().durable) return;
  Reopen();
  check("reopened");
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 1);
}

TEST_P(StoreConformance, RequeueInFlightReleasesClaims) {
  auto a = Create("a");
  Queue(a, {{"hook", now_}, {"hook", now_}});
  ASSERT_EQ(store_->ClaimDeliveries(now_, 10)->size(), 2u);
  EXPECT_TRUE(store_->ClaimDeliveries(now_, 10)->empty());
  EXPECT_EQ(*store_->RequeueInFlight(), 2);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 2);
  EXPECT_EQ(store_->ClaimDeliveries(now_, 10)->size(), 2u);
}

TEST_P(StoreConformance, ConcurrentClaimersNeverGetTheSameDelivery) {
  constexpr int kIncidents = 20, kEach = 15, kThreads = 4;
  for (int k = 0; k < kIncidents; ++k) {
    auto inc = Create("i" + std::to_string(k));
    Queue(inc, std::vector<std::pair<std::string, TimePoint>>(kEach, {"hook", now_}));
  }
  std::mutex mu;
  std::vector<std::int64_t> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (true) {
        auto claimed = store_->ClaimDeliveries(now_, 7);
        ASSERT_TRUE(claimed) << claimed.error().message;
        if (claimed->empty()) return;
        std::vector<core::AttemptRecord> done;
        for (const auto& d : *claimed) done.push_back(Outcome(d, core::DeliveryState::kDelivered, now_, "delivered"));
        ASSERT_TRUE(store_->FinishAttempts(done));
        std::lock_guard lock(mu);
        for (const auto& d : *claimed) seen.push_back(d.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "a delivery was claimed twice";
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kIncidents * kEach));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), kIncidents * kEach);
}

// Notices: deliveries about no incident, queued once per key (issue 13).
TEST_P(StoreConformance, NoticeIsQueuedOncePerKeyAndListedWithItsKeyAndBody) {
  auto first = store_->EnqueueNotice({"weekly-report:2026-W48:sre-slack", "sre-slack", "weekly_report",
                                      "Weekly review 2026-W48", "*Weekly review*\n3 incidents", now_, std::nullopt});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  // Again (a restart, a racing caller), even with another body: nothing added.
  auto again = store_->EnqueueNotice({"weekly-report:2026-W48:sre-slack", "sre-slack", "weekly_report", "other",
                                      "other body", now_ + std::chrono::minutes(5), std::nullopt});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);
  // Another key on the same channel is another notice.
  EXPECT_TRUE(*store_->EnqueueNotice({"weekly-report:2026-W49:sre-slack", "sre-slack", "weekly_report", "W49", "w49",
                                      now_, now_ + std::chrono::hours(1)}));
  auto all = Deliveries();
  ASSERT_EQ(all.size(), 2u);
  const core::Delivery& d = all[1];  // newest first
  EXPECT_EQ(d.notice_key, "weekly-report:2026-W48:sre-slack");
  EXPECT_EQ(d.incident_id, "");
  EXPECT_EQ(d.channel, "sre-slack");
  EXPECT_EQ(d.kind, "weekly_report");
  EXPECT_EQ(d.reason, "Weekly review 2026-W48");
  EXPECT_EQ(d.body, "*Weekly review*\n3 incidents");
  EXPECT_EQ(d.state, core::DeliveryState::kQueued);
  EXPECT_EQ(d.created, now_);
  EXPECT_EQ(d.next_attempt_at, now_);
  EXPECT_EQ(all[0].next_attempt_at, now_ + std::chrono::hours(1));  // its due time
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kQueued), 2);
  // Incident deliveries carry no notice key.
  auto a = Create("a");
  Queue(a, {{"hook", now_}});
  EXPECT_EQ(Deliveries()[0].notice_key, "");
}

TEST_P(StoreConformance, NoticeIsClaimedAndItsAttemptsAreRecordedOnTheDeliveryOnly) {
  auto added = store_->EnqueueNotice({"slo-exhausted:checkout:2026-11-01", "sre-slack", "slo_budget_exhausted",
                                      "checkout budget", "budget gone", now_, std::nullopt});
  ASSERT_TRUE(added && *added);
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].notice_key, "slo-exhausted:checkout:2026-11-01");
  EXPECT_EQ(claimed[0].body, "budget gone");
  auto retry = Outcome(claimed[0], core::DeliveryState::kQueued, now_, "retry");
  auto ok = store_->FinishAttempts({retry});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(Deliveries()[0], retry.delivery);
  EXPECT_TRUE(store_->ClaimDeliveries(now_, 10)->empty());  // not due yet
  auto again = *store_->ClaimDeliveries(now_ + std::chrono::minutes(1), 10);
  ASSERT_EQ(again.size(), 1u);
  auto delivered = Outcome(again[0], core::DeliveryState::kDelivered, now_ + std::chrono::minutes(1), "delivered");
  ASSERT_TRUE(store_->FinishAttempts({delivered}));
  EXPECT_EQ(Deliveries()[0], delivered.delivery);
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 1);
  // Delivered, the key still holds: queuing it again adds nothing.
  EXPECT_FALSE(*store_->EnqueueNotice({"slo-exhausted:checkout:2026-11-01", "sre-slack", "slo_budget_exhausted", "x",
                                       "x", now_, std::nullopt}));
}

TEST_P(StoreConformance, DurableBackendsKeepNoticeKeysAcrossReopen) {
  if (!GetParam().durable) GTEST_SKIP() << "not durable";
  auto added = store_->EnqueueNotice({"weekly-report:2026-W48:mail", "mail", "weekly_report", "r", "<html></html>", now_,
                                      std::nullopt});
  ASSERT_TRUE(added && *added);
  Reopen();
  EXPECT_FALSE(*store_->EnqueueNotice({"weekly-report:2026-W48:mail", "mail", "weekly_report", "r", "b", now_,
                                       std::nullopt}));
  auto all = Deliveries();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].body, "<html></html>");
}

TEST_P(StoreConformance, DurableBackendsForgetClaimsAcrossReopen) {
  if (!GetParam().durable) GTEST_SKIP() << "not durable";
  auto a = Create("a");
  Queue(a, {{"hook", now_}, {"hook", now_}});
  auto claimed = *store_->ClaimDeliveries(now_, 10);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_TRUE(store_->FinishAttempts({Outcome(claimed[0], core::DeliveryState::kDelivered, now_, "delivered")}));
  Reopen();  // as after kill -9: the claim of the second one did not survive
  (void)store_->RequeueInFlight();
  EXPECT_EQ(Ids(*store_->ClaimDeliveries(now_, 10)), (std::vector<std::int64_t>{claimed[1].id}));
  EXPECT_EQ(*store_->CountDeliveries(core::DeliveryState::kDelivered), 1);
}

TEST_P(StoreConformance, DurableBackendsKeepEverythingAcrossReopen) {
  if (!GetParam().durable) GTEST_SKIP() << "not durable";
  auto a = Create("kept");
  ASSERT_TRUE(store_->AppendEvent(a.id, {now_, {}, "note", "hello", {}}));
  Reopen();
  EXPECT_EQ(*store_->GetIncident(a.id), a);
  EXPECT_EQ(store_->Timeline(a.id, 0, 10)->size(), 2u);
  EXPECT_EQ(Create("next").public_id, 2);
}

// The workflow's phase and the incident type are searchable like fields,
// and follow every change (issue 11).
TEST_P(StoreConformance, PhaseAndTypeAreSearchedAsTerms) {
  Incident draft = Draft("typed");
  draft.type = "Security";
  draft.phase = "Detection & Triage";
  ASSERT_TRUE(store_->CreateIncident(draft, {{now_, {}, "incident_created", "", {}}}));
  Create("untyped");
  auto ids = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const auto& i : Search(q).incidents) out.push_back(i.title);
    return out;
  };
  EXPECT_EQ(ids("type:Security"), (std::vector<std::string>{"typed"}));
  EXPECT_EQ(ids("phase:\"Detection & Triage\""), (std::vector<std::string>{"typed"}));
  ASSERT_TRUE(store_->UpdateIncident(draft.id, [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    m.incident.phase = "Investigation";
    return m;
  }));
  EXPECT_EQ(ids("phase:Investigation"), (std::vector<std::string>{"typed"}));
  EXPECT_TRUE(ids("phase:\"Detection & Triage\"").empty());
  EXPECT_EQ(ids("NOT type:Security"), (std::vector<std::string>{"untyped"}));
}

TEST_P(StoreConformance, DueIncidentsAreTheOpenOnesWhoseDueTimeHasCome) {
  using namespace std::chrono_literals;
  // Without a due function every open incident is due from its creation.
  auto a = Create("a");
  auto b = Create("b");
  auto page = store_->DueIncidents(now_, std::nullopt, 10);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->incidents.size(), 2u);
  // Due = creation + 10 min for open SEV-1, never for others (stands in for
  // core::EngineDueAt); a closed one with a post-mortem 1 day after creation.
  ASSERT_TRUE(store_->UseDueFunction([](const Incident& i) -> std::optional<TimePoint> {
    if (core::IsClosed(i.state)) {
      if (!i.postmortem) return std::nullopt;
      return i.created + std::chrono::hours(24);
    }
    if (i.severity != "SEV-1") return std::nullopt;
    return i.created + std::chrono::minutes(10) + std::chrono::microseconds(i.public_id);
  }));
  EXPECT_TRUE(store_->DueIncidents(now_ + 1h, std::nullopt, 10)->incidents.empty());  // recomputed for old ones
  std::vector<std::string> sev1;
  for (int k = 0; k < 7; ++k) sev1.push_back(Create("s" + std::to_string(k), "SEV-1").id);
  EXPECT_TRUE(store_->DueIncidents(now_ + 9min, std::nullopt, 10)->incidents.empty());
  // Paged in due order, each exactly once.
  std::vector<std::string> seen;
  std::optional<core::DueCursor> after;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = store_->DueIncidents(now_ + 11min, after, 3);
    ASSERT_TRUE(p);
    for (const auto& i : p->incidents) seen.push_back(i.id);
    if (!p->next) break;
    after = p->next;
  }
  EXPECT_EQ(seen, sev1);
  // A change recomputes it: closing one, or raising another's severity.
  ASSERT_TRUE(store_->UpdateIncident(sev1[0], [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    m.incident.state = core::IncidentState::kResolved;
    return m;
  }));
  ASSERT_TRUE(store_->UpdateIncident(a.id, [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    m.incident.severity = "SEV-1";
    return m;
  }));
  auto after_changes = store_->DueIncidents(now_ + 11min, std::nullopt, 100);
  ASSERT_TRUE(after_changes);
  ASSERT_EQ(after_changes->incidents.size(), 7u);
  EXPECT_EQ(after_changes->incidents[0].id, a.id);
  for (const auto& i : after_changes->incidents) EXPECT_NE(i.id, sev1[0]);
  // A closed incident is due when the function says so (a post-mortem to remind of).
  ASSERT_TRUE(store_->UpdateIncident(b.id, [](const Incident& cur) -> Result<core::Mutation> {
    core::Mutation m{cur, {}, {}};
    m.incident.state = core::IncidentState::kResolved;
    m.incident.postmortem = core::Postmortem{};
    return m;
  }));
  EXPECT_TRUE(store_->DueIncidents(now_ + 23h, std::nullopt, 100)->incidents.size() == 7u);
  auto later = store_->DueIncidents(now_ + 25h, std::nullopt, 100);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->incidents.size(), 8u);
  EXPECT_EQ(later->incidents.back().id, b.id);
  if (!GetParam().durable) return;
  Reopen();  // and it stays so when the due function is set again at start
  ASSERT_TRUE(store_->UseDueFunction([](const Incident& i) -> std::optional<TimePoint> {
    if (core::IsClosed(i.state)) return i.postmortem ? std::optional<TimePoint>(i.created + std::chrono::hours(24)) : std::nullopt;
    return std::nullopt;
  }));
  auto reopened = store_->DueIncidents(now_ + 25h, std::nullopt, 100);
  ASSERT_TRUE(reopened);
  ASSERT_EQ(reopened->incidents.size(), 1u);
  EXPECT_EQ(reopened->incidents[0].id, b.id);
}

TEST_P(StoreConformance, KeyChangesMadeByAnotherProcessTakeEffectAtOnce) {
  // `tocsin keys create|revoke` runs as another process on the same data
  // while the server keeps its store (and any key cache) open.
  if (!GetParam().durable) GTEST_SKIP() << "one process only";
  core::KeyRecord k{NewUuidV4(), "ci", "api", "apihash", "apphash", "alice", "abcd", now_, std::nullopt};
  ASSERT_TRUE(store_->CreateKey(k));
  ASSERT_TRUE(*store_->FindKeyByApiHash("apihash"));
  ASSERT_TRUE(*store_->FindKeyByAppHash("apphash"));
  auto cli = GetParam().open(dir_);
  ASSERT_TRUE(cli->RevokeKey("ci", now_));
  EXPECT_FALSE(*store_->FindKeyByApiHash("apihash"));
  EXPECT_FALSE(*store_->FindKeyByAppHash("apphash"));
  ASSERT_TRUE(cli->CreateKey(core::KeyRecord{NewUuidV4(), "ci2", "api", "h2", "h3", "bob", "x", now_, {}}));
  EXPECT_EQ((*store_->FindKeyByApiHash("h2"))->user_handle, "bob");
  ASSERT_TRUE(cli->RevokeKey("ci2", now_));
  EXPECT_FALSE(*store_->FindKeyByApiHash("h2"));
  cli->Close();
}

TEST_P(StoreConformance, AlertsAreListedByReceivedTimeOldestFirstAndByKeyset) {
  // Five alerts a minute apart, each ignored (no decision to apply).
  std::vector<core::AlertWork> work;
  for (int k = 0; k < 5; ++k) {
    core::Alert a;
    a.source = "generic";
    a.monitor_name = "m" + std::to_string(k);
    a.received_at = now_ + std::chrono::minutes(k);
    a.delivery_key = "d" + std::to_string(k);
    core::AlertWork w{a, a.Fingerprint(), a.Fingerprint(), [](const core::GroupState&) {
                        core::AlertPlan p;
                        p.decision = "ignored";
                        return p;
                      }};
    work.push_back(std::move(w));
  }
  ASSERT_TRUE(store_->IngestAlerts(std::move(work)));
  auto names = [&](const core::AlertFilter& f) {
    auto r = store_->ListAlerts(f);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    for (const auto& rec : *r) out.push_back(rec.alert.monitor_name);
    return out;
  };
  core::AlertFilter f;
  f.received_from = now_ + std::chrono::minutes(1);
  f.received_before = now_ + std::chrono::minutes(4);
  EXPECT_EQ(names(f), (std::vector<std::string>{"m3", "m2", "m1"}));
  f.oldest_first = true;
  EXPECT_EQ(names(f), (std::vector<std::string>{"m1", "m2", "m3"}));
  // Keyset: after the first page's last seq.
  f.limit = 2;
  auto first = store_->ListAlerts(f);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  f.after_seq = first->back().seq;
  EXPECT_EQ(names(f), (std::vector<std::string>{"m3"}));
  f.after_seq = 0;
  f.received_from.reset();
  f.received_before.reset();
  f.limit = 100;
  EXPECT_EQ(names(f), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
}

// What every adapter's ingestion promises, whichever way it writes (the
// PostgreSQL adapter sends an alert of an unseen group without reading first
// and decides it again when the database held the group after all): an
// alert of a new group opens one incident, later alerts of the group see it
// (also within one batch, in order), a redelivery writes nothing, and each
// alert's seq follows the order received.
TEST_P(StoreConformance, AlertsOfOneGroupOpenOneIncidentInOrderAndRedeliveriesWriteNothing) {
  // Copies: an AlertWork's decision is a copyable function.
  auto Batch = [](std::initializer_list<core::AlertWork> works) { return std::vector<core::AlertWork>(works); };
  auto work_for = [&](const std::string& group, const std::string& delivery, const std::string& monitor) {
    core::Alert a;
    a.source = "generic";
    a.monitor_name = monitor;
    a.received_at = now_;
    a.delivery_key = delivery;
    a.tags = {"team:" + group};
    return core::AlertWork{a, a.Fingerprint(), group, [this, group, monitor](const core::GroupState& g) {
                             core::AlertPlan p;
                             core::NewEvent e{now_, core::Actor{"", "tocsin"}, "alert", monitor, {}};
                             if (g.open) {
                               p.decision = "appended";
                               p.update = *g.open;
                               p.update->version += 1;
                               p.update->fields["seen"] =
                                   core::FieldValue{"textbox", false, monitor, std::nullopt};
                               p.update_events.push_back(e);
                             } else {
                               p.decision = "opened";
                               p.create = Draft(group + " down");
                               p.create->fields["seen"] = core::FieldValue{"textbox", false, monitor, std::nullopt};
                               p.create_events.push_back(e);
                               p.notifications.push_back({"slack", p.create->id, "incident_opened", now_, "opened"});
                             }
                             return p;
                           }};
  };
  auto ingest = [&](std::vector<core::AlertWork> work) {
    auto r = store_->IngestAlerts(std::move(work));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<core::AlertRecord>{};
  };
  // A new group alone, then a batch: its second alert, a new group, and
  // that new group's second alert.
  auto first = ingest(Batch({work_for("db", "d1", "m1")}));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].decision, "opened");
  EXPECT_EQ(first[0].queued, 1);
  auto batch =
      ingest(Batch({work_for("db", "d2", "m2"), work_for("web", "d3", "m3"), work_for("web", "d4", "m4")}));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].decision, "appended");
  EXPECT_EQ(batch[0].incident_id, first[0].incident_id);
  EXPECT_EQ(batch[1].decision, "opened");
  EXPECT_EQ(batch[2].decision, "appended");
  EXPECT_EQ(batch[2].incident_id, batch[1].incident_id);
  EXPECT_NE(batch[1].incident_id, first[0].incident_id);
  EXPECT_LT(first[0].seq, batch[0].seq);
  EXPECT_LT(batch[0].seq, batch[1].seq);
  EXPECT_LT(batch[1].seq, batch[2].seq);
  // Both new groups in one batch, each alone: two incidents, ids in order.
  auto pair = ingest(Batch({work_for("cache", "d5", "m5"), work_for("queue", "d6", "m6")}));
  ASSERT_EQ(pair.size(), 2u);
  EXPECT_EQ(pair[0].decision, "opened");
  EXPECT_EQ(pair[1].decision, "opened");
  EXPECT_LT(pair[0].seq, pair[1].seq);

  // A redelivery (as part of a batch, then alone) is reported as such and
  // writes nothing.
  auto again = ingest(Batch({work_for("db", "d1", "m1")}));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].duplicate);
  EXPECT_EQ(again[0].seq, first[0].seq);

  auto incident = [&](const std::string& id) {
    auto r = store_->GetIncident(id);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Incident{};
  };
  Incident db = incident(first[0].incident_id);
  Incident web = incident(batch[1].incident_id);
  Incident cache = incident(pair[0].incident_id);
  Incident queue = incident(pair[1].incident_id);
  EXPECT_EQ(db.version, 2);
  EXPECT_EQ(*db.fields.at("seen").text, "m2");
  EXPECT_EQ(*web.fields.at("seen").text, "m4");
  // Public ids: in the order opened, kept inside the incident as in its row.
  EXPECT_LT(db.public_id, web.public_id);
  EXPECT_LT(web.public_id, cache.public_id);
  EXPECT_LT(cache.public_id, queue.public_id);
  EXPECT_GT(db.public_id, 0);
  auto all = Search("seen:*");
  ASSERT_EQ(all.incidents.size(), 4u);  // newest public id first
  EXPECT_EQ(all.incidents[3].public_id, db.public_id);
  EXPECT_EQ(all.incidents[2].public_id, web.public_id);
  EXPECT_EQ(all.incidents[0].public_id, queue.public_id);
  // Timelines, terms (search) and the outbox follow.
  auto timeline = store_->Timeline(db.id, 0, 100);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[0].message, "m1");
  EXPECT_EQ((*timeline)[1].message, "m2");
  EXPECT_EQ(Search("seen:m2").total, 1);
  EXPECT_EQ(Search("seen:m1").total, 0);
  EXPECT_EQ(Search("seen:m5").total, 1);
  EXPECT_EQ(store_->ListOutbox(db.id)->size(), 1u);
  EXPECT_EQ(store_->ListOutbox(queue.id)->size(), 1u);
  core::AlertFilter f;
  f.tag = "team:web";
  EXPECT_EQ(store_->ListAlerts(f)->size(), 2u);
  f.tag.clear();
  EXPECT_EQ(store_->ListAlerts(f)->size(), 6u);

  // Another process on the same data (a replica) has seen none of these
  // groups: its alerts still join them, alone or between alerts of new
  // groups in a batch, and its redeliveries still write nothing.
  if (!GetParam().durable) return;
  auto other = GetParam().open(dir_);
  auto one = other->IngestAlerts(Batch({work_for("db", "d7", "m7")}));
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ((*one)[0].decision, "appended");
  EXPECT_EQ((*one)[0].incident_id, db.id);
  auto mixed = other->IngestAlerts(
      Batch({work_for("disk", "d8", "m8"), work_for("web", "d9", "m9"), work_for("vol", "d10", "m10")}));
  ASSERT_TRUE(mixed) << mixed.error().message;
  ASSERT_EQ(mixed->size(), 3u);
  EXPECT_EQ((*mixed)[0].decision, "opened");
  EXPECT_EQ((*mixed)[1].decision, "appended");
  EXPECT_EQ((*mixed)[1].incident_id, web.id);
  EXPECT_EQ((*mixed)[2].decision, "opened");
  EXPECT_NE((*mixed)[2].incident_id, (*mixed)[0].incident_id);
  EXPECT_LT((*one)[0].seq, (*mixed)[0].seq);
  EXPECT_LT((*mixed)[0].seq, (*mixed)[1].seq);
  EXPECT_LT((*mixed)[1].seq, (*mixed)[2].seq);
  auto third = GetParam().open(dir_);
  auto redelivered = third->IngestAlerts(Batch({work_for("cache", "d5", "m5")}));
  ASSERT_TRUE(redelivered) << redelivered.error().message;
  EXPECT_TRUE((*redelivered)[0].duplicate);
  EXPECT_EQ((*redelivered)[0].seq, pair[0].seq);
  third->Close();
  other->Close();
  EXPECT_EQ(*incident(web.id).fields.at("seen").text, "m9");
  EXPECT_EQ(store_->ListAlerts(f)->size(), 10u);
  EXPECT_EQ(Search("seen:*").total, 6);
}

// Some adapters write all of an incident's events, terms and an alert's tags
// in one statement (PostgreSQL: arrays through unnest); texts that mean
// something in an array literal or are easy to mangle come back as written,
// and events keep their order.
TEST_P(StoreConformance, AwkwardTextsInEventsTermsAndTagsAreKeptAsWritten) {
  const std::vector<std::string> texts = {"say \"hi\"", "C:\\path\\", "a,b", "{x}", "NULL", "", "caf\u00e9 \u2615",
                                          "two\nlines", " padded "};
  auto a = Draft("awkward");
  a.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"a,b", "{x}", "NULL", "say \"hi\""}};
  std::vector<core::NewEvent> events;
  for (std::size_t k = 0; k < texts.size(); ++k) {
    events.push_back({now_ + std::chrono::seconds(k), core::Actor{"", texts[k].empty() ? "x" : texts[k]}, "note", texts[k], {}});
  }
  ASSERT_TRUE(store_->CreateIncident(a, events));
  auto timeline = store_->Timeline(a.id, 0, 100);
  ASSERT_TRUE(timeline) << timeline.error().message;
  ASSERT_EQ(timeline->size(), texts.size());
  for (std::size_t k = 0; k < texts.size(); ++k) {
    EXPECT_EQ((*timeline)[k].message, texts[k]) << k;
    EXPECT_EQ((*timeline)[k].actor.handle, texts[k].empty() ? "x" : texts[k]) << k;
    EXPECT_EQ((*timeline)[k].at, now_ + std::chrono::seconds(k)) << k;
    if (k > 0) {
      EXPECT_GT((*timeline)[k].seq, (*timeline)[k - 1].seq);
    }
  }
  auto page = Search("teams:*", true);
  EXPECT_EQ(page.total, 1);
  ASSERT_EQ(page.facets.fields.size(), 1u);
  EXPECT_EQ(page.facets.fields[0].second,
            (std::vector<core::FacetCount>{{"NULL", 1}, {"a,b", 1}, {"say \"hi\"", 1}, {"{x}", 1}}));

  core::Alert alert;
  alert.source = "generic";
  alert.monitor_name = "m";
  alert.received_at = now_;
  alert.tags = {"a,b", "note:\"q\"", "path:C:\\x", "{y}"};
  core::NormalizeTags(alert.tags);
  std::vector<core::AlertWork> work;
  work.push_back(core::AlertWork{alert, alert.Fingerprint(), alert.Fingerprint(), [](const core::GroupState&) {
                                   core::AlertPlan p;
                                   p.decision = "ignored";
                                   return p;
                                 }});
  ASSERT_TRUE(store_->IngestAlerts(std::move(work)));
  for (const auto& tag : alert.tags) {
    core::AlertFilter f;
    f.tag = tag;
    auto r = store_->ListAlerts(f);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 1u) << tag;
    EXPECT_EQ(r->front().alert.tags, alert.tags);
  }
}

TEST_P(StoreConformance, PasswordHashesAreSetReplacedAndKept) {
  EXPECT_FALSE(*store_->GetPasswordHash("alice"));
  ASSERT_TRUE(store_->SetPasswordHash("alice", "$argon2id$first", now_));
  ASSERT_TRUE(store_->SetPasswordHash("alice", "$argon2id$second", now_));
  EXPECT_EQ(**store_->GetPasswordHash("alice"), "$argon2id$second");
  EXPECT_FALSE(*store_->GetPasswordHash("bob"));
  if (GetParam().durable) {
    Reopen();
    EXPECT_EQ(**store_->GetPasswordHash("alice"), "$argon2id$second");
  }
}

TEST_P(StoreConformance, ConfigReloadsAreKeptNewestFirst) {
  EXPECT_TRUE(store_->ListConfigReloads(10)->empty());
  core::ConfigReloadRecord first{"r1", now_, "@alice", "hash-b", "hash-a",
                                 {"rules: 'Payments down' changed (severity)", "users: 'carol' added"}, {}};
  core::ConfigReloadRecord second{"r2", now_ + std::chrono::minutes(5), "SIGHUP", "hash-c", "hash-b", {},
                                  {"server.listen"}};
  ASSERT_TRUE(store_->RecordConfigReload(first));
  ASSERT_TRUE(store_->RecordConfigReload(second));
  auto check = [&] {
    auto all = store_->ListConfigReloads(10);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, "r2");
    EXPECT_EQ((*all)[0].actor, "SIGHUP");
    EXPECT_EQ((*all)[0].at, now_ + std::chrono::minutes(5));
    EXPECT_TRUE((*all)[0].changes.empty());
    EXPECT_EQ((*all)[0].needs_restart, std::vector<std::string>{"server.listen"});
    EXPECT_EQ((*all)[1].hash, "hash-b");
    EXPECT_EQ((*all)[1].previous_hash, "hash-a");
    EXPECT_EQ((*all)[1].changes, first.changes);
    EXPECT_EQ(store_->ListConfigReloads(1)->size(), 1u);
  };
  check();
  if (GetParam().durable) {
    Reopen();
    check();
  }
}

TEST_P(StoreConformance, SessionsAreFoundUntilTheyExpireOrEnd) {
  using std::chrono::hours;
  core::SessionRecord s{"tokenhash1", "alice", now_, now_ + hours(12)};
  ASSERT_TRUE(store_->CreateSession(s));
  EXPECT_EQ(store_->CreateSession(s).error().code, ErrorCode::kConflict);
  auto found = store_->FindSession("tokenhash1", now_ + hours(1));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user_handle, "alice");
  EXPECT_EQ((*found)->expires, now_ + hours(12));
  EXPECT_FALSE(*store_->FindSession("tokenhash1", now_ + hours(12)));  // expired
  EXPECT_FALSE(*store_->FindSession("other", now_));
  if (GetParam().durable) {
    Reopen();
    EXPECT_TRUE(*store_->FindSession("tokenhash1", now_));
  }
  ASSERT_TRUE(store_->DeleteSession("tokenhash1"));
  EXPECT_FALSE(*store_->FindSession("tokenhash1", now_));
  EXPECT_TRUE(store_->DeleteSession("never-existed"));
  // A new session sweeps the expired ones away: an old token stays dead even
  // if asked about with an earlier time.
  ASSERT_TRUE(store_->CreateSession({"old", "bob", now_, now_ + hours(1)}));
  ASSERT_TRUE(store_->CreateSession({"new", "bob", now_ + hours(2), now_ + hours(14)}));
  EXPECT_FALSE(*store_->FindSession("old", now_));
  EXPECT_TRUE(*store_->FindSession("new", now_ + hours(3)));
}

// The port's own TimelineNewest (for a store that cannot read backwards)
// agrees with the memory store's, across its 1,000-event pages.
class DefaultNewest final : public core::ForwardingStore {
 public:
  explicit DefaultNewest(Store& inner) : ForwardingStore(inner) {}
  Result<std::vector<core::TimelineEvent>> TimelineNewest(const std::string& id, std::int64_t offset,
                                                          std::int64_t limit) override {
    return Store::TimelineNewest(id, offset, limit);
  }
};

TEST(StorePort, DefaultTimelineNewestAgreesWithAStoreThatReadsBackwards) {
  auto memory = storage::MakeMemoryStore();
  const TimePoint now = *ParseRfc3339("2026-11-27T10:00:00Z");
  Incident i;
  i.id = NewUuidV4();
  i.title = "long";
  i.severity = "SEV-2";
  i.created = i.modified = now;
  i.version = 1;
  ASSERT_TRUE(memory->CreateIncident(i, {{now, {}, "incident_created", "declared", {}}}));
  for (int k = 0; k < 2345; ++k) ASSERT_TRUE(memory->AppendEvent(i.id, {now, {}, "note", std::to_string(k), {}}));
  DefaultNewest paged(*memory);
  for (std::int64_t offset : {0, 999, 1000, 2300, 2346}) {
    auto want = *memory->TimelineNewest(i.id, offset, 100);
    auto got = paged.TimelineNewest(i.id, offset, 100);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), want.size()) << offset;
    for (std::size_t k = 0; k < want.size(); ++k) EXPECT_EQ((*got)[k].seq, want[k].seq);
  }
  EXPECT_EQ(paged.TimelineNewest("missing", 0, 10).error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreConformance,
    ::testing::Values(Backend{"memory", [](const std::filesystem::path&) { return storage::MakeMemoryStore(); }, false},
                      Backend{"sqlite",
                              [](const std::filesystem::path& dir) {
                                storage::SqliteOptions o;
                                o.path = (dir / "t.db").string();
                                auto s = storage::OpenSqliteStore(o);
                                if (!s) throw std::runtime_error(s.error().message);
                                return std::move(*s);
                              },
                              true},
                      // The same with COMMIT itself durable (synchronous=FULL, no syncer thread).
                      Backend{"sqlite_fullsync",
                              [](const std::filesystem::path& dir) {
                                storage::SqliteOptions o;
                                o.path = (dir / "t.db").string();
                                o.pipelined_sync = false;
                                auto s = storage::OpenSqliteStore(o);
                                if (!s) throw std::runtime_error(s.error().message);
                                return std::move(*s);
                              },
                              true}),
    [](const ::testing::TestParamInfo<Backend>& param_info) { return param_info.param.name; });

// PostgreSQL (TOCSIN_TEST_PG_DSN, set by tests/pg/with_postgres.sh; ctest
// postgres_conformance): each test in a schema of its own, named after its
// temporary directory, so that Reopen finds the same data.
INSTANTIATE_TEST_SUITE_P(
    Postgres, StoreConformance,
    ::testing::Values(Backend{"postgres",
                              [](const std::filesystem::path& dir) {
                                storage::PostgresOptions o;
                                o.dsn = std::getenv("TOCSIN_TEST_PG_DSN");
                                o.schema = "conf_" + dir.filename().string().substr(std::string("tocsin-conf-").size());
                                o.pool_size = 4;
                                auto s = storage::OpenPostgresStore(o);
                                if (!s) throw std::runtime_error(s.error().message);
                                return std::move(*s);
                              },
                              true, false, "TOCSIN_TEST_PG_DSN"}),
    [](const ::testing::TestParamInfo<Backend>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace tocsin
