// Proves that with the background workers running, a notification leaves as
// soon as the alert that queues it is committed: the outbox worker is woken
// by the commit, not found by a poll (the poll here is an hour), and the
// outcome is then recorded on the timeline.

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

TEST(OutboxWake, ACommittedAlertIsDeliveredWithoutWaitingForAPoll) {
  RecordingReceiver receiver;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  receiver.Respond([&](const http::Request&) {
    {
      std::lock_guard lock(mu);
      ++arrived;
    }
    cv.notify_all();
    return http::Response::Json(200, "ok");
  });
  TestServerOptions options;
  options.tweak = [&](core::Config& c) {
    for (auto& ch : c.channels) {
      ch.settings["url"] = receiver.Url("/" + ch.name);
      if (ch.type == "pagerduty") ch.settings["service"] = "not-paged-here";
    }
    for (auto& r : c.rules) r.notifications = {"slack-security-alerts"};
  };
  options.start_workers = true;
  options.outbox_idle_poll = std::chrono::hours(1);
  TestServer server(options);

  for (int k = 1; k <= 3; ++k) {
    auto r = server.Ingest("/api/integrations/generic",
                           json{{"monitor", kInjection}, {"scope", "env:prod-" + std::to_string(k)}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return arrived == k; })) << "alert " << k << " was not delivered";
  }
  EXPECT_EQ(receiver.received().size(), 3u);

  // The outcomes are recorded shortly after (once no new notification was queued for a moment).
  auto deadline = std::chrono::steady_clock::now() + 10s;
  int delivered = 0;
  while (delivered < 3 && std::chrono::steady_clock::now() < deadline) {
    auto list = ParseJson(server.Call("GET", "/api/v2/notifications?filter[state]=delivered").body)["data"];
    delivered = static_cast<int>(list.size());
  }
  EXPECT_EQ(delivered, 3);
}

// Every channel posts to `receiver` (which accepts), the workers run, and
// neither the outbox's poll nor the engine's tick comes within a test.
TestServerOptions PagingWithoutTicks(RecordingReceiver& receiver) {
  receiver.Respond([](const http::Request&) { return http::Response::Json(202, R"({"status":"success"})"); });
  TestServerOptions options;
  options.tweak = [&receiver](core::Config& c) {
    for (auto& ch : c.channels) ch.settings["url"] = receiver.Url("/" + ch.name);
  };
  options.start_workers = true;
  options.outbox_idle_poll = std::chrono::hours(1);
  options.engine_tick = std::chrono::hours(1);
  return options;
}

// A policy's first tier, due as the incident opens, pages at once: the alert
// nudges the engine rather than waiting for its tick (here an hour).
TEST(OutboxWake, AnOpenedIncidentsFirstTierPagesWithoutWaitingForATick) {
  RecordingReceiver receiver;
  TestServerOptions options = PagingWithoutTicks(receiver);
  TestServer server(options);

  auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string id = ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool paged = false;
  while (!paged && std::chrono::steady_clock::now() < deadline) {
    for (const auto& c : server.Timeline(id)) paged = paged || c["attributes"]["kind"] == "page";
  }
  EXPECT_TRUE(paged) << "tier 1 did not page until the engine's next tick";
}

// With whole engine steps held back (their least pause here an hour, as if
// a huge scan had just run), the first tier of an incident an alert opens
// still pages at once: the engine decides it for that incident alone. Alerts
// of one group open one incident, paged once.
TEST(OutboxWake, AnOpenedIncidentsFirstTierPagesEvenWhileWholeStepsWait) {
  RecordingReceiver receiver;
  TestServerOptions options = PagingWithoutTicks(receiver);
  options.engine_min_gap = std::chrono::hours(1);
  TestServer server(options);

  std::vector<std::string> ids;
  for (const char* scope : {"env:prod-a", "env:prod-b", "env:prod-a"}) {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", scope}});
    ASSERT_EQ(r.status, 200) << r.body;
    ids.push_back(ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"]);
  }
  ASSERT_NE(ids[0], ids[1]);
  ASSERT_EQ(ids[0], ids[2]);
  auto pages = [&](const std::string& id) {
    int n = 0;
    for (const auto& c : server.Timeline(id)) n += c["attributes"]["kind"] == "page" ? 1 : 0;
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((pages(ids[0]) == 0 || pages(ids[1]) == 0) && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_GT(pages(ids[0]), 0) << "tier 1 waited for the next whole engine step";
  EXPECT_GT(pages(ids[1]), 0) << "tier 1 waited for the next whole engine step";
  // The third alert joined the first incident: its tier 1 was not fired again.
  auto timeline = server.Timeline(ids[0]);
  int steps = 0;
  for (const auto& c : timeline) steps += c["attributes"]["kind"] == "escalation_step" ? 1 : 0;
  EXPECT_LE(steps, 1);
  EXPECT_EQ(pages(ids[0]), pages(ids[1]));
}

}  // namespace
}  // namespace tocsin::testing
