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
      if (r.path.rfind("/pagerduty/", 0) == 0 && pagerduty_failures > 0) {
        --pagerduty_failures;
        res = http::Response::Json(500, R"({"status":"unavailable"})");
      }
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

  // PagerDuty's event actions as received, with the status answered.
  std::vector<std::string> PagerDutyActions() {
    std::vector<std::string> out;
    for (const auto& b : Bodies("/pagerduty/pagerduty-security")) out.push_back(b["event_action"]);
    return out;
  }
  std::string OpenInjectionIncident() {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  void Resolve(const std::string& id) {
    ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                          {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                  .status,
              200);
  }
  std::map<std::string, std::string> PagerDutyStates(const std::string& id) {
    std::map<std::string, std::string> out;  // kind -> state
    auto page = ParseJson(
        server.Call("GET", "/api/v2/notifications?filter[channel]=pagerduty-security&filter[incident]=" + id).body);
    for (const auto& d : page["data"]) out[d["attributes"]["kind"]] = d["attributes"]["state"];
    return out;
  }

  std::mutex mu;
  int pagerduty_failures = 0;  // answer this many PagerDuty events with a 500
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

  // The incident was resolved before anything was sent: PagerDuty's trigger
  // and acknowledge are superseded by the resolve (see the tests below for
  // the order when they are sent before it).
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"resolve"}));

  std::lock_guard lock(mu);
  for (const auto& [path, n] : max_active) EXPECT_EQ(n, 1) << path << ": two sends of one lane at once";
  // All recorded, the first Slack message's ts as the thread.
  auto deliveries = ParseJson(server.Call("GET", "/api/v2/notifications?page[size]=100").body)["data"];
  for (const auto& d : deliveries) {
    bool superseded = d["attributes"]["channel"] == "pagerduty-security" &&
                      (d["attributes"]["kind"] == "incident_opened" || d["attributes"]["kind"] == "acknowledged");
    EXPECT_EQ(d["attributes"]["state"], superseded ? "cancelled" : "delivered") << d.dump();
  }
}

// Sent as they happen, PagerDuty sees trigger, acknowledge, resolve in order.
TEST_F(DeliveryOrder, PagerDutyGetsTriggerAcknowledgeResolveInOrder) {
  std::string id = OpenInjectionIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  server.app().RunWorkersOnce(server.clock().Now());
  Resolve(id);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger", "acknowledge", "resolve"}));
}

// A trigger that PagerDuty refuses for a while keeps its place: the
// acknowledge queued behind it waits (it is not sent while the trigger waits
// for its retry), and both go, in order, once the trigger gets through.
TEST_F(DeliveryOrder, AnAcknowledgeWaitsForTheRetryOfItsTrigger) {
  {
    std::lock_guard lock(mu);
    pagerduty_failures = 1;
  }
  std::string id = OpenInjectionIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger"}));  // refused with a 500
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  // The acknowledge is due now, the trigger's retry is not: nothing goes to PagerDuty.
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger"}));
  EXPECT_EQ(PagerDutyStates(id)["acknowledged"], "queued");
  server.clock().Advance(std::chrono::minutes(1));
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger", "trigger", "acknowledge"}));
  EXPECT_EQ(PagerDutyStates(id), (std::map<std::string, std::string>{{"incident_opened", "delivered"},
                                                                      {"acknowledged", "delivered"}}));
}

// The same when the acknowledge was claimed together with the trigger (one
// claim, one lane in memory): the trigger fails, so the acknowledge is held
// back, not sent.
TEST_F(DeliveryOrder, ALaneClaimedTogetherStopsAtAFailedTrigger) {
  {
    std::lock_guard lock(mu);
    pagerduty_failures = 1;
  }
  std::string id = OpenInjectionIncident();
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger"}));
  EXPECT_EQ(PagerDutyStates(id)["acknowledged"], "queued");
  server.app().RunWorkersOnce(server.clock().Now());  // still held: the trigger's retry is not due
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger"}));
  server.clock().Advance(std::chrono::minutes(1));
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger", "trigger", "acknowledge"}));
}

// A trigger still failing when the incident is resolved is superseded: it is
// never sent after the resolve (it would open a PagerDuty incident nobody
// closes); the resolve goes once the trigger's turn has passed.
TEST_F(DeliveryOrder, AResolveIsNeverOvertakenByALateTrigger) {
  {
    std::lock_guard lock(mu);
    pagerduty_failures = 1;
  }
  std::string id = OpenInjectionIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  Resolve(id);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger"}));  // the resolve did not overtake it
  server.clock().Advance(std::chrono::minutes(1));
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger", "resolve"}));
  EXPECT_EQ(PagerDutyStates(id), (std::map<std::string, std::string>{{"incident_opened", "cancelled"},
                                                                      {"acknowledged", "cancelled"},
                                                                      {"incident_resolved", "delivered"}}));
  bool said = false;
  for (const auto& e : server.Timeline(id)) {
    if (e["attributes"]["kind"] == "notification_cancelled" &&
        e["attributes"]["content"]["content"].get<std::string>().find("superseded: the incident is resolved") !=
            std::string::npos) {
      said = true;
    }
  }
  EXPECT_TRUE(said) << "the timeline says why the trigger was not sent";
  server.clock().Advance(std::chrono::hours(1));
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(PagerDutyActions(), (std::vector<std::string>{"trigger", "resolve"}));
}

}  // namespace
}  // namespace tocsin::testing
