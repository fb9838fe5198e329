// A change that changes nothing writes nothing: acknowledging an acknowledged
// incident, or a PATCH that sets the values it already has, answers 200 with
// the incident as it is, appends no timeline event, keeps its version and
// writes no row (the SQLite write-ahead log does not grow).

#include <gtest/gtest.h>

#include <filesystem>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class IdempotentWrites : public ::testing::Test {
 protected:
  // Bytes in the database's write-ahead log: every committed page lands there.
  std::uintmax_t WalBytes() {
    for (const auto& entry : std::filesystem::directory_iterator(server.data_dir())) {
      std::string name = entry.path().filename().string();
      if (name.size() > 4 && name.compare(name.size() - 4, 4, "-wal") == 0) return entry.file_size();
    }
    ADD_FAILURE() << "no write-ahead log in " << server.data_dir();
    return 0;
  }
  std::int64_t Version(const std::string& id) {
    auto inc = server.app().store().GetIncident(id);
    EXPECT_TRUE(inc) << inc.error().message;
    return inc ? inc->version : -1;
  }

  TestServer server;
};

TEST_F(IdempotentWrites, AcknowledgingAnAcknowledgedIncidentWritesNothing) {
  std::string id = server.CreateIncident("Checkout down", "SEV-1")["id"];
  server.clock().Advance(std::chrono::minutes(2));
  auto first = server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge");
  ASSERT_EQ(first.status, 200) << first.body;
  std::int64_t version = Version(id);
  std::size_t cells = server.Timeline(id).size();
  std::uintmax_t wal = WalBytes();
  ASSERT_GT(wal, 0u);

  server.clock().Advance(std::chrono::minutes(1));
  auto again = server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge");
  ASSERT_EQ(again.status, 200) << again.body;
  // The answer is the incident as it is: acknowledged the first time.
  EXPECT_EQ(ParseJson(again.body)["data"], ParseJson(first.body)["data"]);
  EXPECT_EQ(ParseJson(again.body)["data"]["attributes"]["acknowledged"], "2026-11-27T10:02:00.000000+00:00");
  EXPECT_EQ(Version(id), version);
  EXPECT_EQ(server.Timeline(id).size(), cells);
  EXPECT_EQ(WalBytes(), wal);
}

TEST_F(IdempotentWrites, APatchThatChangesNothingWritesNothing) {
  std::string id = server.CreateIncident("Checkout down", "SEV-2")["id"];
  json same{{"data", {{"type", "incidents"}, {"attributes", {{"title", "Checkout down"}, {"severity", "SEV-2"}}}}}};
  std::int64_t version = Version(id);
  std::size_t cells = server.Timeline(id).size();
  std::uintmax_t wal = WalBytes();
  server.clock().Advance(std::chrono::minutes(1));
  auto r = server.Call("PATCH", "/api/v2/incidents/" + id, same);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body)["data"]["attributes"]["modified"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_EQ(Version(id), version);
  EXPECT_EQ(server.Timeline(id).size(), cells);
  EXPECT_EQ(WalBytes(), wal);

  // A real change is still written.
  same["data"]["attributes"]["severity"] = "SEV-1";
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id, same).status, 200);
  EXPECT_EQ(Version(id), version + 1);
  EXPECT_GT(WalBytes(), wal);
}

}  // namespace
}  // namespace tocsin::testing
