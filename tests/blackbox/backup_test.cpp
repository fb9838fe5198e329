// tocsin backup / restore: a backup taken while the server writes is one
// consistent snapshot holding everything answered 2xx before it began;
// restoring it gives a server that answers for all of it; a restore never
// runs under a serving process and never installs a file it cannot open.

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/backup.hpp"
#include "blackbox/harness.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

namespace fs = std::filesystem;

fs::path TempPath(const std::string& what) { return fs::temp_directory_path() / ("tocsin-" + what + "-" + RandomHex(6)); }

json Body(const std::string& title) {
  return {{"data", {{"type", "incidents"}, {"attributes", {{"title", title}}}}}};
}

TEST(Backup, TakenUnderLoadRestoresEverythingAnsweredBeforeIt) {
  const fs::path source_dir = TempPath("backup-src");
  const fs::path restored_dir = TempPath("backup-dst");
  const fs::path out = TempPath("backup") += ".db";
  std::vector<std::string> before;           // ids answered 201 before the backup began
  std::map<std::string, std::size_t> events;  // their timeline lengths on the source
  std::int64_t backed_up_incidents = 0;
  {
    TestServer source{TestServerOptions{"sqlite", nullptr, source_dir}};
    std::string noted = source.CreateIncident("With a note", "SEV-1")["id"];
    ASSERT_EQ(source.Call("POST", "/api/v2/incidents/" + noted + "/timeline",
                          {{"data", {{"type", "incident_timeline_cells"},
                                     {"attributes", {{"cell_type", "markdown"}, {"content", {{"content", "a note"}}}}}}}})
                  .status,
              201);

    // A writer keeps creating incidents before, during and after the backup.
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> created{noted};
    bool stop = false;
    std::thread writer([&] {
      HttpClient client(source.port());
      for (int k = 0;; ++k) {
        {
          std::lock_guard lock(mu);
          if (stop) return;
        }
        auto r = client.Request("POST", "/api/v2/incidents", Body("load " + std::to_string(k)).dump(),
                                {{"DD-API-KEY", source.api_key}, {"DD-APPLICATION-KEY", source.app_key}});
        ASSERT_EQ(r.status, 201) << r.body;
        std::lock_guard lock(mu);
        created.push_back(ParseJson(r.body)["data"]["id"]);
        cv.notify_all();
      }
    });
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return created.size() >= 20; });
      before = created;
    }
    auto summary = app::BackupDataDir(source_dir.string(), out.string());
    ASSERT_TRUE(summary) << summary.error().message;
    backed_up_incidents = summary->rows["incidents"];
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return created.size() >= before.size() + 10; });
      stop = true;
    }
    writer.join();
    EXPECT_GE(backed_up_incidents, static_cast<std::int64_t>(before.size()));
    for (const auto& id : before) events[id] = source.Timeline(id).size();

    // No restore under a running server: it is refused and changes nothing.
    auto refused = app::RestoreDataDir(out.string(), source_dir.string(), source.clock().Now());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_NE(refused.error().message.find("running"), std::string::npos) << refused.error().message;
    EXPECT_EQ(source.Call("GET", "/api/v2/incidents/" + noted).status, 200);
  }

  auto restored = app::RestoreDataDir(out.string(), restored_dir.string(), *ParseRfc3339("2026-11-27T12:00:00Z"));
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->replaced, "");
  EXPECT_EQ(restored->restored.rows["incidents"], backed_up_incidents);
  {
    TestServer again{TestServerOptions{"sqlite", nullptr, restored_dir}};
    for (const auto& id : before) {
      auto r = again.Call("GET", "/api/v2/incidents/" + id);
      ASSERT_EQ(r.status, 200) << id << " answered 201 before the backup and is missing after restore";
      EXPECT_EQ(again.Timeline(id).size(), events[id]) << id;
    }
    auto search = ParseJson(again.Call("GET", "/api/v2/incidents/search?query=state:active&page[size]=1").body);
    EXPECT_EQ(search["data"]["attributes"]["total"], backed_up_incidents);
    // Public ids go on after the restored ones.
    EXPECT_EQ(again.CreateIncident("after restore")["attributes"]["public_id"], backed_up_incidents + 1);
  }
  fs::remove_all(source_dir);
  fs::remove_all(restored_dir);
  fs::remove(out);
}

TEST(Backup, RefusesToOverwriteAFile) {
  TestServer server;
  server.CreateIncident("one");
  const fs::path out = TempPath("existing");
  { std::ofstream(out) << "precious"; }
  auto r = app::BackupDataDir(server.data_dir().string(), out.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "precious");
  fs::remove(out);
}

TEST(Backup, RestoreRefusesWhatItCannotOpenAndKeepsTheDatabase) {
  const fs::path dir = TempPath("restore-bad");
  std::string id;
  {
    TestServer server{TestServerOptions{"sqlite", nullptr, dir}};
    id = server.CreateIncident("keep me")["id"];
  }
  const auto now = *ParseRfc3339("2026-11-27T12:00:00Z");
  const fs::path text_file = TempPath("not-sqlite");
  { std::ofstream(text_file) << "this is not a database, just text that is long enough to look like one"; }
  const fs::path foreign = TempPath("foreign") += ".db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  struct Case {
    fs::path file;
    ErrorCode code;
    std::string says;
  } cases[] = {{TempPath("missing"), ErrorCode::kNotFound, "no backup file"},
               {text_file, ErrorCode::kInvalidArgument, "not a SQLite database"},
               {foreign, ErrorCode::kInvalidArgument, "not Tocsin's"}};
  for (const auto& c : cases) {
    auto r = app::RestoreDataDir(c.file.string(), dir.string(), now);
    ASSERT_FALSE(r) << c.file;
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
  {
    TestServer server{TestServerOptions{"sqlite", nullptr, dir}};
    EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + id).status, 200);
  }
  fs::remove_all(dir);
  fs::remove(text_file);
  fs::remove(foreign);
}

TEST(Backup, RestoreOverADatabaseKeepsTheOldOneAside) {
  const fs::path a = TempPath("restore-a");
  const fs::path b = TempPath("restore-b");
  const fs::path out = TempPath("restore-out") += ".db";
  std::string kept, replaced_id;
  {
    TestServer first{TestServerOptions{"sqlite", nullptr, a}};
    kept = first.CreateIncident("from the backup")["id"];
    ASSERT_TRUE(app::BackupDataDir(a.string(), out.string()));
  }
  {
    TestServer second{TestServerOptions{"sqlite", nullptr, b}};
    replaced_id = second.CreateIncident("replaced")["id"];
  }
  auto r = app::RestoreDataDir(out.string(), b.string(), *ParseRfc3339("2026-11-27T12:00:00Z"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_NE(r->replaced, "");
  EXPECT_TRUE(fs::exists(r->replaced));
  {
    TestServer server{TestServerOptions{"sqlite", nullptr, b}};
    EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + kept).status, 200);
    EXPECT_EQ(server.Call("GET", "/api/v2/incidents/" + replaced_id).status, 404);
  }
  // The replaced database still opens, with what it had.
  auto old = storage::InspectSqliteBackup(r->replaced);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->rows["incidents"], 1);
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove(out);
}

TEST(Backup, ASecondServerOnOneDataDirectoryIsRefused) {
  TestServer first;
  core::Config config = ExampleConfig();
  config.storage.data_dir = first.data_dir().string();
  config.server.listen = "127.0.0.1:0";
  auto second = app::App::Create(config);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("running on"), std::string::npos) << second.error().message;
}

}  // namespace
}  // namespace tocsin::testing
