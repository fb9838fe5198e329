// Every write path keeps an incident within the limits the API enforces, and
// answers what it wrote without re-reading it: alerts with overlong text open
// incidents that can still be updated and resolved; a status update on a huge
// timeline answers its own event; a key revocation that cannot tell running
// servers fails instead of half-succeeding.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "blackbox/harness.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

constexpr std::string_view kMarker = "\xE2\x80\xA6";  // "…"

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or cut sequences).
bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (n == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    }
    if (n == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// A rule that opens an incident titled with the alert's own text, for alerts
// tagged longtext:yes from any source.
void AddLongTextRule(core::Config& c) {
  core::Rule r;
  r.name = "long text";
  r.monitors = {"*"};
  r.tags = {"longtext:yes"};
  r.conditions = {"alert"};
  r.title = "{{monitor.name}}: {{title}}";
  r.severity = "SEV-2";
  r.runbook = "";
  c.rules.insert(c.rules.begin(), r);
}

json Patch(const json& attributes) { return {{"data", {{"type", "incidents"}, {"attributes", attributes}}}}; }

// Text far over the API's 4096-byte limits, every character multi-byte, and
// an odd number of bytes so that a byte cut lands inside a character.
std::string LongText(const std::string& start) {
  std::string s = start;
  while (s.size() < 40000) s += "Überlast 日本 ⚠ 🔥 ";
  return s;
}

TEST(WritePaths, AlertsWithOverlongTextOpenIncidentsThatCanBeUpdatedAndResolved) {
  TestServer server({.tweak = AddLongTextRule});
  std::string name = LongText("Überlast-Monitor ");
  std::string title = LongText("Titel ");
  struct Source {
    std::string path;
    json body;
  };
  std::vector<Source> sources = {
      {"/api/integrations/generic",
       {{"monitor", name + "g"}, {"title", title}, {"runbook", "https://runbooks.example/" + LongText("r")},
        {"state", "alert"}, {"tags", {"longtext:yes"}}}},
      {"/api/integrations/datadog",
       {{"id", "900001"}, {"title", "[Triggered] " + name + "d"}, {"monitor_name", name + "d"},
        {"transition", "Triggered"}, {"alert_type", "error"}, {"tags", {"longtext:yes"}},
        {"message", LongText("m")}, {"date", "1795428000000"}}},
      {"/api/integrations/alertmanager",
       {{"version", "4"},
        {"status", "firing"},
        {"receiver", "tocsin"},
        {"groupKey", "{}:{alertname=\"long\"}"},
        {"alerts",
         {{{"status", "firing"},
           {"labels", {{"alertname", name + "a"}, {"longtext", "yes"}}},
           {"annotations", {{"summary", title}, {"runbook_url", "https://runbooks.example/" + LongText("r")}}},
           {"startsAt", "2026-11-27T09:59:00Z"},
           {"fingerprint", "0f1e2d3c4b5a6979"}}}}}},
  };
  for (const auto& source : sources) {
    SCOPED_TRACE(source.path);
    auto r = server.Ingest(source.path, source.body);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    json alert = ParseJson(r.body)["data"][0];
    ASSERT_EQ(alert["attributes"]["decision"], "opened") << alert["attributes"]["detail"];
    std::string id = alert["relationships"]["incident"]["data"]["id"];

    auto stored = server.app().store().GetIncident(id);
    ASSERT_TRUE(stored);
    EXPECT_LE(stored->title.size(), 4096u);
    EXPECT_TRUE(EndsWith(stored->title, kMarker)) << stored->title.substr(stored->title.size() - 20);
    EXPECT_TRUE(ValidUtf8(stored->title));
    EXPECT_EQ(stored->title.rfind(name.substr(0, 100), 0), 0u);
    for (const auto& [field, value] : stored->fields) {
      for (const auto& v : value.Values()) {
        EXPECT_LE(v.size(), 4096u) << field;
        EXPECT_TRUE(ValidUtf8(v)) << field;
      }
    }

    auto updated = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"severity", "SEV-1"}}));
    EXPECT_EQ(updated.status, 200) << updated.body.substr(0, 500);
    auto resolved = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"state", "resolved"}}));
    EXPECT_EQ(resolved.status, 200) << resolved.body.substr(0, 500);
    auto got = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"];
    EXPECT_EQ(got["state"], "resolved");
    EXPECT_EQ(got["title"], stored->title);
  }
}

// The API refuses what ingestion now truncates: the limits are the same.
TEST(WritePaths, TheApiRefusesTextOverTheSameLimits) {
  TestServer server;
  std::string id = server.CreateIncident("Checkout down")["id"];
  std::string big(5000, 'x');
  auto r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"title", big}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("data.attributes.title"), std::string::npos) << r.body.substr(0, 300);
  r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"fields", {{"root_cause", {{"value", big}}}}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("data.attributes.fields.root_cause"), std::string::npos) << r.body.substr(0, 300);
  r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"customer_impact_scope", big}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("data.attributes.customer_impact_scope"), std::string::npos) << r.body.substr(0, 300);
  r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"fields", {{"services", {{"value", {"a", big}}}}}}}));
  EXPECT_EQ(r.status, 400);
  auto got = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"];
  EXPECT_EQ(got["title"], "Checkout down");
}

// An incident stored before the limits applied (here written straight into the
// store) can still be resolved: a patch must not make it worse, not cure it.
TEST(WritePaths, AnIncidentOverTheLimitsCanStillBeResolved) {
  TestServer server;
  std::string id = server.CreateIncident("Checkout down")["id"];
  auto forced = server.app().store().UpdateIncident(id, [](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    m.incident.title = std::string(6000, 't');
    m.incident.fields["monitor"] = core::FieldValue{"textbox", false, std::string(9000, 'm'), std::nullopt};
    return m;
  });
  ASSERT_TRUE(forced);
  auto resolved = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"state", "resolved"}}));
  EXPECT_EQ(resolved.status, 200) << resolved.body.substr(0, 300);
  // A change to the overlong text itself must bring it within the limits.
  auto r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"title", std::string(5000, 'u')}}));
  EXPECT_EQ(r.status, 400);
  r = server.Call("PATCH", "/api/v2/incidents/" + id, Patch({{"title", "Checkout down (fixed)"}}));
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
}

json StatusUpdate(const std::string& text) {
  return {{"data", {{"type", "incident_timeline_cells"}, {"attributes", {{"kind", "status_update"}, {"content", text}}}}}};
}

// More events than any single read of the timeline takes: the status update
// must answer its own event (201), once, without reading the timeline.
TEST(WritePaths, StatusUpdateOnAHugeTimelineAnswersItsOwnEvent) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("tocsin-test-" + RandomHex(8));
  std::string id;
  std::int64_t public_id = 0;
  {
    TestServer first({.data_dir = dir});
    json created = first.CreateIncident("Checkout down");
    id = created["id"];
    public_id = created["attributes"]["public_id"];
    first.Stop();
  }
  {
    // 1,000,001 notes, written straight into the database while no server runs.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "tocsin.db").string().c_str(), &db), SQLITE_OK);
    std::string sql =
        "INSERT INTO incident_events (incident, at, actor_uuid, actor_handle, kind, message, changes) "
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000001) "
        "SELECT " + std::to_string(public_id) + ", 1795428000000000, '', 'bulk', 'note', 'n', '[]' FROM n";
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  TestServer server({.data_dir = dir});
  server.clock().Advance(std::chrono::minutes(5));
  auto r = server.Call("POST", "/api/v2/incidents/" + id + "/timeline", StatusUpdate("Rolled back the deploy"));
  ASSERT_EQ(r.status, 201) << r.body;
  json cell = ParseJson(r.body)["data"];
  EXPECT_EQ(cell["attributes"]["kind"], "status_update");
  EXPECT_EQ(cell["attributes"]["content"]["content"], "Rolled back the deploy");
  EXPECT_EQ(cell["attributes"]["created"], "2026-11-27T10:05:00.000000+00:00");
  // The answered id is the stored event's sequence number, and there is one.
  auto tail = server.Call("GET", "/api/v2/incidents/" + id + "/timeline?page[size]=10&page[offset]=1000000");
  ASSERT_EQ(tail.status, 200);
  json cells = ParseJson(tail.body)["data"];
  int updates = 0;
  for (const auto& c : cells) {
    if (c["attributes"]["kind"] != "status_update") continue;
    ++updates;
    EXPECT_EQ(c["id"], cell["id"]);
  }
  EXPECT_EQ(updates, 1);
  server.Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// Runs the tocsin binary; returns its exit status and what it printed.
std::pair<int, std::string> Tocsin(const std::string& args) {
  std::string cmd = std::string(TOCSIN_BINARY) + " " + args + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `tocsin keys revoke` tells running servers through a marker file next to
// the database. When it cannot write the marker, the revoke fails (non-zero
// exit, saying why) and changes nothing, rather than leaving the key revoked
// for new servers but live in the caches of running ones.
TEST(WritePaths, KeyRevokeFailsWhenTheMarkerCannotBeWritten) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("tocsin-test-" + RandomHex(8));
  std::string config = std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml";
  std::string common = "--config " + config + " --data " + dir.string();
  auto [rc, out] = Tocsin("keys create " + common + " --name ci --json");
  ASSERT_EQ(rc, 0) << out;
  std::filesystem::path marker = dir / "tocsin.db-keys";
  std::filesystem::remove(marker);
  std::filesystem::create_directory(marker);  // root ignores permissions; a directory stops a rename

  std::tie(rc, out) = Tocsin("keys revoke " + common + " ci");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("tocsin.db-keys"), std::string::npos) << out;
  std::tie(rc, out) = Tocsin("keys list " + common + " --json");
  ASSERT_EQ(rc, 0) << out;
  json keys = ParseJson(out);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0]["revoked"].is_null()) << "a failed revoke changed the key: " << out;

  std::filesystem::remove(marker);
  std::tie(rc, out) = Tocsin("keys revoke " + common + " ci");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = Tocsin("keys list " + common + " --json");
  EXPECT_FALSE(ParseJson(out)[0]["revoked"].is_null()) << out;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace tocsin::testing
