// Proves that the notifications of one incident to one channel leave in the
// order they were queued and one at a time, even when the outbox sends many
// deliveries in parallel: Slack Web API replies carry the thread_ts of the
// incident's first message (known before any reply is sent, though its
// outcome is not recorded yet), and PagerDuty sees trigger, acknowledge,
// resolve in that order.

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"

namespace tocsin::testing {
namespace {

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

class DeliveryOrder : public ::testing::Test {
 protected:
  DeliveryOrder()
      : server(TestServerOptions{"sqlite", [this](core::Config& c) {
                                   for (auto& ch : c.channels) {
                                     if (ch.type == "slack") ch.settings["url"] = receiver.Url("/slack/" + ch.name);
                                     if (ch.type == "pagerduty") {
                                       ch.settings["url"] = receiver.Url("/pagerduty/" + ch.name);
                                       ch.settings["service"] = "not-paged-here";  // only what the rule sends
                                     }
                                   }
                                   c.channels.push_back({"slack-bot", "slack_webapi",
                                                         {{"api_url", receiver.Url("/api")}, {"token", "xoxb-test-token"},
                                                          {"channel", "C0SECURITY"}}, {}});
                                   for (auto& r : c.rules) {
                                     if (r.severity == "SEV-1" && r.commander == "@security-oncall") {
                                       r.notifications.push_back("slack-bot");
                                     }
                                   }
                                 }}) {
    receiver.Respond([this](const http::Request& r) {
      int n;
      {
        std::lock_guard lock(mu);
        n = ++requests[r.path];
        max_active[r.path] = std::max(max_active[r.path], ++active[r.path]);
      }
      http::Response res = http::Response::Json(202, R"({"status":"success"})");
      if (r.path == "/api/chat.postMessage") {
        res = http::Response::Json(200, R"({"ok":true,"channel":"C0SECURITY","ts":"1700000000.00010)" +
                                            std::to_string(n) + "\"}");
      }
      std::lock_guard lock(mu);
      --active[r.path];
      return res;
    });
  }

  std::vector<json> Bodies(const std::string& path) {
    std::vector<json> out;
    for (auto& r : receiver.received()) {
      if (r.path == path) out.push_back(ParseJson(r.body));
    }
    return out;
  }
  void StatusUpdate(const std::string& id, const std::string& text) {
    ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                          {{"data", {{"type", "incident_timeline_cells"},
                                     {"attributes", {{"kind", "status_update"}, {"content", text}}}}}})
                  .status,
              201);
  }

  std::mutex mu;
  std::map<std::string, int> requests, active, max_active;
  RecordingReceiver receiver;
  TestServer server;
};

TEST_F(DeliveryOrder, OneIncidentOnOneChannelIsSentInQueueOrderOneAtATime) {
  auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string id = ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  // Everything is queued before the worker runs, so one claim takes it all.
  StatusUpdate(id, "update 1");
  StatusUpdate(id, "update 2");
  StatusUpdate(id, "update 3");
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  int attempts = server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_GE(attempts, 6 * 3);  // 6 notifications to each of the rule's channels

  auto slack = Bodies("/api/chat.postMessage");
  ASSERT_EQ(slack.size(), 6u);
  EXPECT_FALSE(slack[0].contains("thread_ts")) << slack[0].dump();
  for (std::size_t k = 1; k < slack.size(); ++k) {
    EXPECT_EQ(slack[k].value("thread_ts", ""), "1700000000.000101") << "reply " << k << ": " << slack[k].dump();
  }
  for (int k = 1; k <= 3; ++k) {
    EXPECT_NE(slack[static_cast<std::size_t>(k)]["text"].get<std::string>().find("update " + std::to_string(k)),
              std::string::npos)
        << slack[static_cast<std::size_t>(k)]["text"];
  }

  std::vector<std::string> actions;
  for (const auto& b : Bodies("/pagerduty/pagerduty-security")) actions.push_back(b["event_action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"trigger", "acknowledge", "resolve"}));

  std::lock_guard lock(mu);
  for (const auto& [path, n] : max_active) EXPECT_EQ(n, 1) << path << ": two sends of one lane at once";
  // All recorded, the first Slack message's ts as the thread.
  auto deliveries = ParseJson(server.Call("GET", "/api/v2/notifications?page[size]=100").body)["data"];
  for (const auto& d : deliveries) EXPECT_EQ(d["attributes"]["state"], "delivered") << d.dump();
}

}  // namespace
}  // namespace tocsin::testing
