// Proves notifications leave through the durable outbox in each channel's
// documented format, are retried while the receiver is down, separate
// permanent from transient failures, and show every attempt on the timeline.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kRoutingKey = "R0UT1NGK3Y0000000000000000000000";
constexpr const char* kWebhookSecret = "s3cret-shared-with-the-receiver";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); !from.empty() && pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// Compares a payload with tests/golden/notify/NAME.json after replacing the
// incident's random id; TOCSIN_UPDATE_GOLDEN=1 rewrites the file.
void ExpectGolden(const std::string& name, const std::string& body, const std::string& incident_id, int port) {
  json actual = ParseJson(Replace(Replace(body, incident_id, "<incident-id>"), std::to_string(port), "<port>"));
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/tests/golden/notify/" + name + ".json";
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual.dump(2) << "\n";
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with TOCSIN_UPDATE_GOLDEN=1)";
  json expected = ParseJson(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  EXPECT_EQ(actual, expected) << name << ": got " << actual.dump(2);
}

class Notifications : public ::testing::Test {
 protected:
  Notifications()
      : server(TestServerOptions{"sqlite", [this](core::Config& c) {
                                   c.server.public_url = "https://tocsin.example.com";
                                   for (auto& ch : c.channels) {
                                     if (ch.name == "slack-security-alerts") ch.settings["url"] = receiver.Url("/slack/security");
                                     if (ch.name == "pagerduty-security") {
                                       ch.settings["url"] = receiver.Url("/pagerduty");
                                       ch.settings["routing_key"] = kRoutingKey;
                                       // Pages are tested in escalation_test.cpp; here the channel only
                                       // gets what the rule sends.
                                       ch.settings["service"] = "not-paged-here";
                                     }
                                   }
                                   c.channels.push_back({"webhook-audit", "webhook",
                                                         {{"url", receiver.Url("/hook")}, {"secret", kWebhookSecret},
                                                          {"headers", "X-Team: security; X-Env: test"}}, {}});
                                   c.channels.push_back({"slack-bot", "slack_webapi",
                                                         {{"api_url", receiver.Url("/api")}, {"token", "xoxb-test-token"},
                                                          {"channel", "C0SECURITY"}}, {}});
                                   for (auto& r : c.rules) {
                                     if (r.severity == "SEV-1" && r.commander == "@security-oncall") {
                                       r.notifications.push_back("webhook-audit");
                                       r.notifications.push_back("slack-bot");
                                     }
                                   }
                                 }}) {}

  std::string OpenSecurityIncident() {
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  std::vector<RecordingReceiver::Received> At(const std::string& path) {
    std::vector<RecordingReceiver::Received> out;
    for (auto& r : receiver.received()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  json Deliveries(const std::string& query = "") {
    return ParseJson(server.Call("GET", "/api/v2/notifications" + query).body)["data"];
  }

  RecordingReceiver receiver;
  TestServer server;
};

TEST_F(Notifications, EachChannelSendsItsDocumentedFormat) {
  receiver.Respond([](const http::Request& r) {
    http::Response res;
    if (r.path == "/pagerduty") {
      res.status = 202;
      res.body = R"({"status":"success","message":"Event processed","dedup_key":"x"})";
    } else if (r.path == "/api/chat.postMessage") {
      res.body = R"({"ok":true,"channel":"C0SECURITY","ts":"1700000000.000100"})";
    } else {
      res.content_type = "text/plain";
      res.body = "ok";
    }
    return res;
  });
  std::string id = OpenSecurityIncident();
  EXPECT_EQ(server.app().RunWorkersOnce(server.clock().Now()), 4);
  auto slack = At("/slack/security");
  ASSERT_EQ(slack.size(), 1u);
  ExpectGolden("slack_webhook_opened", slack[0].body, id, receiver.port());
  auto pd = At("/pagerduty");
  ASSERT_EQ(pd.size(), 1u);
  ExpectGolden("pagerduty_trigger", pd[0].body, id, receiver.port());
  auto hook = At("/hook");
  ASSERT_EQ(hook.size(), 1u);
  ExpectGolden("webhook_opened", hook[0].body, id, receiver.port());
  EXPECT_EQ(hook[0].headers["x-team"], "security");
  EXPECT_EQ(hook[0].headers["idempotency-key"].rfind("tocsin-delivery-", 0), 0u);
  auto api = At("/api/chat.postMessage");
  ASSERT_EQ(api.size(), 1u);
  EXPECT_EQ(api[0].headers["authorization"], "Bearer xoxb-test-token");
  EXPECT_FALSE(ParseJson(api[0].body).contains("thread_ts"));

  // Every delivery is recorded as delivered, with an event on the timeline.
  for (const auto& d : Deliveries()) EXPECT_EQ(d["attributes"]["state"], "delivered") << d.dump();
  int delivered_events = 0;
  for (const auto& c : server.Timeline(id)) delivered_events += c["attributes"]["kind"] == "notification_delivered";
  EXPECT_EQ(delivered_events, 4);

  // Later updates are threaded under the first Slack Web API message.
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                        {{"data", {{"type", "incident_timeline_cells"},
                                   {"attributes", {{"kind", "status_update"}, {"content", "Blocked the source IPs"}}}}}})
                .status,
            201);
  server.app().RunWorkersOnce(server.clock().Now());
  auto threaded = At("/api/chat.postMessage");
  ASSERT_EQ(threaded.size(), 2u);
  json update = ParseJson(threaded[1].body);
  EXPECT_EQ(update["thread_ts"], "1700000000.000100");
  EXPECT_NE(update["text"].get<std::string>().find("Blocked the source IPs"), std::string::npos);
}

TEST_F(Notifications, PagerDutyTriggerAcknowledgeResolveShareOneDedupKey) {
  receiver.Respond([](const http::Request&) { return http::Response::Json(202, R"({"status":"success"})"); });
  std::string id = OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  server.app().RunWorkersOnce(server.clock().Now());
  auto pd = At("/pagerduty");
  ASSERT_EQ(pd.size(), 3u);
  std::vector<std::string> actions;
  for (const auto& r : pd) {
    json b = ParseJson(r.body);
    actions.push_back(b["event_action"]);
    EXPECT_EQ(b["dedup_key"], id);
    EXPECT_EQ(b["routing_key"], kRoutingKey);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"trigger", "acknowledge", "resolve"}));
  EXPECT_EQ(ParseJson(pd[0].body)["payload"]["severity"], "critical");
}

TEST_F(Notifications, WebhookSignatureVerifiesWithPythonHmac) {
  OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  auto hook = At("/hook");
  ASSERT_EQ(hook.size(), 1u);
  auto dir = std::filesystem::temp_directory_path();
  std::string body_file = (dir / ("tocsin-hook-" + std::to_string(::getpid()))).string();
  std::ofstream(body_file, std::ios::binary) << hook[0].body;
  std::string cmd = "python3 -c 'import hmac,hashlib,sys; body=open(sys.argv[1],\"rb\").read(); "
                    "print(\"sha256=\"+hmac.new(sys.argv[2].encode(), body, hashlib.sha256).hexdigest())' " +
                    body_file + " '" + kWebhookSecret + "'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {0};
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  std::filesystem::remove(body_file);
  std::string expected(buf);
  expected.erase(expected.find_last_not_of("\n") + 1);
  EXPECT_EQ(hook[0].headers["x-tocsin-signature"], expected);
}

TEST_F(Notifications, TransientFailuresRetryWithBackoffUntilTheReceiverRecovers) {
  std::atomic<int> failures{2};
  receiver.Respond([&](const http::Request& r) {
    if (r.path == "/slack/security" && failures-- > 0) return http::Response::Json(500, "rollup_error");
    return http::Response::Json(200, "ok");
  });
  std::string id = OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  auto queued = Deliveries("?filter[channel]=slack-security-alerts")[0]["attributes"];
  EXPECT_EQ(queued["state"], "queued");
  EXPECT_EQ(queued["attempts"], 1);
  EXPECT_NE(queued["last_error"].get<std::string>().find("HTTP 500"), std::string::npos);
  // Not due yet: nothing is sent.
  EXPECT_EQ(server.app().RunWorkersOnce(server.clock().Now()), 0);
  server.clock().Advance(2s);
  server.app().RunWorkersOnce(server.clock().Now());
  server.clock().Advance(5s);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(At("/slack/security").size(), 3u);
  auto done = Deliveries("?filter[channel]=slack-security-alerts")[0]["attributes"];
  EXPECT_EQ(done["state"], "delivered");
  EXPECT_EQ(done["attempts"], 3);
  int retries = 0;
  for (const auto& c : server.Timeline(id)) {
    retries += c["attributes"]["kind"] == "notification_retry" &&
               c["attributes"]["content"]["content"].get<std::string>().find("slack-security-alerts") != std::string::npos;
  }
  EXPECT_EQ(retries, 2);
}

TEST_F(Notifications, RateLimitedReceiverIsRetriedAfterRetryAfter) {
  std::atomic<bool> limited{true};
  receiver.Respond([&](const http::Request& r) {
    if (r.path == "/pagerduty" && limited.exchange(false)) {
      auto res = http::Response::Json(429, R"({"status":"throttled"})");
      res.headers.emplace_back("Retry-After", "120");
      return res;
    }
    return http::Response::Json(202, R"({"status":"success"})");
  });
  OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  server.clock().Advance(60s);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(At("/pagerduty").size(), 1u);  // still waiting as asked
  server.clock().Advance(61s);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(At("/pagerduty").size(), 2u);
  EXPECT_EQ(Deliveries("?filter[channel]=pagerduty-security")[0]["attributes"]["state"], "delivered");
}

TEST_F(Notifications, PermanentRefusalIsNotRetried) {
  receiver.Respond([](const http::Request& r) {
    if (r.path == "/pagerduty") {
      return http::Response::Json(400, R"({"status":"invalid event","message":"Event object is invalid","errors":["x"]})");
    }
    return http::Response::Json(200, "ok");
  });
  std::string id = OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  server.clock().Advance(1h);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(At("/pagerduty").size(), 1u);
  auto d = Deliveries("?filter[state]=failed");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0]["attributes"]["last_error"].get<std::string>().find("Event object is invalid"), std::string::npos);
  bool failed_event = false;
  for (const auto& c : server.Timeline(id)) failed_event |= c["attributes"]["kind"] == "notification_failed";
  EXPECT_TRUE(failed_event);
}

TEST_F(Notifications, SlowReceiverTimesOutAndIsRetried) {
  // Shared with the receiver's thread, which may still be waiting in the
  // responder when this test returns: it must outlive the test's frame.
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
  };
  auto gate = std::make_shared<Gate>();
  receiver.Respond([gate](const http::Request& r) {
    if (r.path == "/slack/security") {
      std::unique_lock lock(gate->mu);
      // Holds the answer beyond tocsin's send timeout (500 ms in tests), until the test releases it.
      gate->cv.wait(lock, [&] { return gate->release; });
    }
    return http::Response::Json(200, "ok");
  });
  OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  auto d = Deliveries("?filter[channel]=slack-security-alerts")[0]["attributes"];
  EXPECT_EQ(d["state"], "queued");
  EXPECT_NE(d["last_error"].get<std::string>().find("timed out"), std::string::npos) << d.dump();
  {
    std::lock_guard lock(gate->mu);
    gate->release = true;
  }
  gate->cv.notify_all();
}

TEST_F(Notifications, ConnectionRefusedThenReceiverComesUp) {
  int port;
  {
    RecordingReceiver probe;
    port = probe.port();
  }
  // A second server whose channel points at a port with nobody listening.
  TestServer lonely(TestServerOptions{"sqlite", [port](core::Config& c) {
                                        for (auto& ch : c.channels) {
                                          if (ch.name == "slack-security-alerts") {
                                            ch.settings["url"] = "http://127.0.0.1:" + std::to_string(port) + "/s";
                                          }
                                        }
                                        for (auto& r : c.rules) {
                                          if (r.commander == "@security-oncall") r.notifications = {"slack-security-alerts"};
                                        }
                                      }});
  ASSERT_EQ(lonely.Ingest("/api/integrations/generic", json{{"monitor", kInjection}}).status, 200);
  lonely.app().RunWorkersOnce(lonely.clock().Now());
  auto d = ParseJson(lonely.Call("GET", "/api/v2/notifications?filter[channel]=slack-security-alerts").body)["data"][0]["attributes"];
  EXPECT_EQ(d["state"], "queued");
  EXPECT_NE(d["last_error"].get<std::string>().find("connection refused"), std::string::npos) << d.dump();
  RecordingReceiver back(port);
  lonely.clock().Advance(10s);
  lonely.app().RunWorkersOnce(lonely.clock().Now());
  EXPECT_EQ(back.received().size(), 1u);
  EXPECT_EQ(ParseJson(lonely.Call("GET", "/api/v2/notifications?filter[channel]=slack-security-alerts").body)["data"][0]["attributes"]["state"], "delivered");
}

TEST_F(Notifications, GivesUpLoudlyAfterTheConfiguredAge) {
  receiver.Respond([](const http::Request&) { return http::Response::Json(503, "down"); });
  std::string id = OpenSecurityIncident();
  // The incident is acknowledged and resolved so that no reminders join in.
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  for (int k = 0; k < 30; ++k) {
    server.app().RunWorkersOnce(server.clock().Now());
    server.clock().Advance(1h);
  }
  auto all = Deliveries("?page[size]=1000");
  ASSERT_FALSE(all.empty());
  std::size_t given_up = 0;
  for (const auto& d : all) {
    // PagerDuty's trigger is superseded by the resolve (cancelled, not sent
    // after it); everything else was tried until given up.
    bool superseded = d["attributes"]["channel"] == "pagerduty-security" && d["attributes"]["kind"] == "incident_opened";
    EXPECT_EQ(d["attributes"]["state"], superseded ? "cancelled" : "gave_up") << d.dump();
    given_up += d["attributes"]["state"] == "gave_up";
  }
  ASSERT_GT(given_up, 0u);
  int gave_up = 0;
  for (const auto& c : server.Timeline(id)) gave_up += c["attributes"]["kind"] == "notification_gave_up";
  EXPECT_EQ(gave_up, static_cast<int>(given_up));
  // ...and on the Prometheus metrics, for dashboards and alerts.
  auto metrics = server.Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("tocsin_notifications{state=\"gave_up\"} " + std::to_string(given_up) + "\n"),
            std::string::npos)
      << metrics.body;
}

TEST_F(Notifications, SecretsNeverAppearInAnswers) {
  receiver.Respond([](const http::Request&) { return http::Response::Json(500, "nope"); });
  std::string id = OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  std::string everything = server.Call("GET", "/api/v2/channels").body + server.Call("GET", "/api/v2/notifications").body +
                           server.Call("GET", "/api/v2/incidents/" + id + "/timeline").body +
                           server.Call("GET", "/api/v2/incidents/" + id).body;
  for (const char* secret : {kRoutingKey, kWebhookSecret, "xoxb-test-token"}) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
  }
}

TEST_F(Notifications, TestNotificationReachesTheChannel) {
  auto r = server.Call("POST", "/api/v2/channels/slack-security-alerts/test");
  ASSERT_EQ(r.status, 200) << r.body;
  auto slack = At("/slack/security");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_NE(ParseJson(slack[0].body)["text"].get<std::string>().find("Test notification"), std::string::npos);
  EXPECT_EQ(server.Call("POST", "/api/v2/channels/nope/test").status, 404);
  receiver.Respond([](const http::Request&) { return http::Response::Json(404, "channel_not_found"); });
  auto bad = server.Call("POST", "/api/v2/channels/slack-security-alerts/test");
  EXPECT_EQ(bad.status, 502);
  EXPECT_EQ(ParseJson(bad.body)["data"]["attributes"]["outcome"], "permanent_failure");
}

TEST_F(Notifications, ResponseTimeAndStatusUpdateCadence) {
  std::string id = OpenSecurityIncident();
  server.app().RunWorkersOnce(server.clock().Now());
  std::size_t before = At("/slack/security").size();
  server.clock().Advance(5min);
  server.app().RunWorkersOnce(server.clock().Now());
  auto kinds = [&] {
    std::vector<std::string> out;
    for (const auto& c : server.Timeline(id)) out.push_back(c["attributes"]["kind"]);
    return out;
  };
  auto k1 = kinds();
  EXPECT_EQ(std::count(k1.begin(), k1.end(), "response_time_exceeded"), 1);
  EXPECT_EQ(At("/slack/security").size(), before + 1);
  // SEV-1 cadence is 15 minutes: a reminder at 15 min of silence, not before, and only once per period.
  server.clock().Advance(10min);
  server.app().RunWorkersOnce(server.clock().Now());
  server.app().RunWorkersOnce(server.clock().Now());
  auto k2 = kinds();
  EXPECT_EQ(std::count(k2.begin(), k2.end(), "status_update_reminder"), 1);
  EXPECT_EQ(std::count(k2.begin(), k2.end(), "response_time_exceeded"), 1);
  // A status update resets the cadence.
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                        {{"data", {{"type", "incident_timeline_cells"},
                                   {"attributes", {{"kind", "status_update"}, {"content", "Mitigated"}}}}}})
                .status,
            201);
  server.clock().Advance(14min);
  server.app().RunWorkersOnce(server.clock().Now());
  auto k3 = kinds();
  EXPECT_EQ(std::count(k3.begin(), k3.end(), "status_update_reminder"), 1);
}

}  // namespace
}  // namespace tocsin::testing
