// Proves a 2xx means committed: incidents and their timelines survive a
// restart on the same data directory, and concurrent writers lose nothing.

#include <gtest/gtest.h>

#include <thread>

#include "blackbox/harness.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

TEST(Durability, IncidentsSurviveRestart) {
  auto dir = std::filesystem::temp_directory_path() / ("tocsin-restart-" + RandomHex(6));
  std::string id;
  {
    TestServer first{TestServerOptions{"sqlite", nullptr, dir}};
    id = first.CreateIncident("Survives", "SEV-1")["id"];
    ASSERT_EQ(first.Call("PATCH", "/api/v2/incidents/" + id,
                         {{"data", {{"type", "incidents"}, {"attributes", {{"title", "Survives restarts"}}}}}})
                  .status,
              200);
  }
  {
    TestServer second{TestServerOptions{"sqlite", nullptr, dir}};
    auto r = second.Call("GET", "/api/v2/incidents/" + id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(ParseJson(r.body)["data"]["attributes"]["title"], "Survives restarts");
    auto timeline = ParseJson(second.Call("GET", "/api/v2/incidents/" + id + "/timeline").body);
    EXPECT_EQ(timeline["data"].size(), 3u);  // created, its creation checklist, the title change
    // Public ids continue after a restart.
    EXPECT_EQ(second.CreateIncident("next")["attributes"]["public_id"], 2);
  }
  std::filesystem::remove_all(dir);
}

TEST(Durability, ConcurrentWritersLoseNothing) {
  TestServer server;
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client(server.port());
      for (int k = 0; k < kEach; ++k) {
        json body{{"data", {{"type", "incidents"},
                            {"attributes", {{"title", "t" + std::to_string(t) + "-" + std::to_string(k)}}}}}};
        auto r = client.Request("POST", "/api/v2/incidents", body.dump(),
                                {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}});
        if (r.status == 201) ++created;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), kThreads * kEach);
  auto search = ParseJson(server.Call("GET", "/api/v2/incidents/search?query=state:active&page[size]=1").body);
  EXPECT_EQ(search["data"]["attributes"]["total"], kThreads * kEach);
  // Public ids are dense and unique.
  std::set<int> ids;
  for (int offset = 0; offset < kThreads * kEach; offset += 100) {
    auto page = ParseJson(server.Call("GET", "/api/v2/incidents?page[size]=100&page[offset]=" + std::to_string(offset)).body);
    for (const auto& i : page["data"]) ids.insert(i["attributes"]["public_id"].get<int>());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*ids.rbegin(), kThreads * kEach);
}

}  // namespace
}  // namespace tocsin::testing
