// Proves a paged person is reached through their own contact methods, in
// order and at their delays (Slack DM, email, their own PagerDuty service),
// that acknowledging stops the later ones, that their PagerDuty service hears
// the acknowledgement and resolution, that these deliveries are retried and
// survive a restart like any other, and that people without contact methods
// are still paged through the team's PagerDuty service. Also: "response time
// exceeded" goes to the channels configured for the severity.

#include <gtest/gtest.h>

#include "blackbox/golden.hpp"
#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"
#include "blackbox/smtp_receiver.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kBotToken = "xoxb-contact-methods-bot-token";
constexpr const char* kSamiraKey = "SAMIRA0PERSONAL0ROUTING0KEY00001";
constexpr const char* kSamiraMember = "U01SEC0001";
constexpr const char* kSamiraEmail = "samira.haddad@v-commerce.example";

core::ContactMethod Method(const std::string& type, std::chrono::seconds after, const std::string& channel) {
  core::ContactMethod m;
  m.type = type;
  m.after = after;
  m.channel = channel;
  if (type == "slack_dm") m.address = kSamiraMember;
  if (type == "email") m.address = kSamiraEmail;
  if (type == "pagerduty") m.routing_key = kSamiraKey;
  return m;
}

// The security incident's first tier pages samira (on call in the example's
// rotation at the harness's start time). Her contact methods are the test's;
// nobody else has any.
class ContactMethods : public ::testing::Test {
 protected:
  std::function<void(core::Config&)> Tweak(std::vector<core::ContactMethod> methods) {
    return [this, methods](core::Config& c) {
      for (auto& ch : c.channels) {
        if (ch.type == "slack") ch.settings["url"] = receiver.Url("/slack/" + ch.name);
        if (ch.type == "pagerduty") ch.settings["url"] = receiver.Url("/pd/team");
        if (ch.type == "slack_webapi") ch.settings["api_url"] = receiver.Url("/api");
        if (ch.type == "email") ch.settings["smtp_url"] = smtp.Url();
      }
      c.channels.push_back({"slack-bot-test", "slack_webapi", {{"api_url", receiver.Url("/api")}, {"token", kBotToken}}, {}});
      c.channels.push_back({"email-test", "email", {{"smtp_url", smtp.Url()}, {"from", "tocsin@v-commerce.example"}}, {}});
      c.channels.push_back({"pagerduty-people", "pagerduty", {{"url", receiver.Url("/pd/people")}}, {}});
      for (auto& u : c.users) {
        u.contact_methods.clear();
        if (u.handle == "samira") u.contact_methods = methods;
      }
    };
  }
  void Start(std::vector<core::ContactMethod> methods, std::filesystem::path dir = {}) {
    receiver.Respond([this](const http::Request& r) {
      if (fail_dm > 0 && r.path == "/api/chat.postMessage") {
        --fail_dm;
        return http::Response::Json(500, R"({"ok":false,"error":"internal_error"})");
      }
      if (r.path == "/api/chat.postMessage") return http::Response::Json(200, R"({"ok":true,"channel":"D0DM","ts":"1700000000.000200"})");
      if (r.path.rfind("/pd/", 0) == 0) return http::Response::Json(202, R"({"status":"success","message":"Event processed"})");
      return http::Response::Json(200, "ok");
    });
    server = std::make_unique<TestServer>(TestServerOptions{"sqlite", Tweak(std::move(methods)), dir});
  }
  std::string OpenSecurityIncident() {
    auto r = server->Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  }
  void Run() { server->app().RunWorkersOnce(server->clock().Now()); }
  std::vector<json> At(const std::string& path) {
    std::vector<json> out;
    for (auto& r : receiver.received()) {
      if (r.path == path) out.push_back(ParseJson(r.body));
    }
    return out;
  }
  std::vector<std::string> Timeline(const std::string& id, const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& c : server->Timeline(id)) {
      if (c["attributes"]["kind"] == kind) out.push_back(c["attributes"]["content"]["content"]);
    }
    return out;
  }
  json Delivery(const std::string& channel) {
    auto r = server->Call("GET", "/api/v2/notifications?filter[channel]=" + channel);
    auto data = ParseJson(r.body)["data"];
    EXPECT_EQ(data.size(), 1u) << r.body;
    return data.empty() ? json() : data[0]["attributes"];
  }
  std::map<std::string, std::string> Placeholders(const std::string& id) {
    return {{id, "<incident-id>"}, {"127.0.0.1:" + std::to_string(receiver.port()), "127.0.0.1:<port>"}};
  }

  std::atomic<int> fail_dm{0};
  RecordingReceiver receiver;
  SmtpReceiver smtp;
  std::unique_ptr<TestServer> server;
};

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST_F(ContactMethods, PersonIsPagedThroughTheirMethodsInOrderAtTheirDelays) {
  Start({Method("slack_dm", 0s, "slack-bot-test"), Method("email", 2min, "email-test"),
         Method("pagerduty", 5min, "pagerduty-people")});
  std::string id = OpenSecurityIncident();
  Run();
  // At once: the Slack DM, from the bot, to her member id, outside any channel thread.
  auto dms = At("/api/chat.postMessage");
  ASSERT_EQ(dms.size(), 1u);
  EXPECT_EQ(dms[0]["channel"], kSamiraMember);
  EXPECT_FALSE(dms[0].contains("thread_ts"));
  ExpectGoldenJson("slack_dm_page", dms[0], Placeholders(id));
  for (const auto& r : receiver.received()) {
    if (r.path == "/api/chat.postMessage") {
      EXPECT_EQ(r.headers.at("authorization"), std::string("Bearer ") + kBotToken);
    }
  }
  // She is not paged through the team's PagerDuty service, and nothing else went out yet.
  for (const auto& b : At("/pd/team")) EXPECT_NE(b["payload"]["class"], "page") << b.dump();
  EXPECT_TRUE(smtp.messages().empty());
  EXPECT_TRUE(At("/pd/people").empty());
  auto pages = Timeline(id, "page");
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_TRUE(Contains(pages[0], "Paged @samira (Slack DM now, email after 2m, PagerDuty after 5m)")) << pages[0];

  server->clock().Advance(1min);
  Run();
  EXPECT_TRUE(smtp.messages().empty());  // not before its delay
  server->clock().Advance(1min);
  Run();
  auto mail = smtp.messages();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].to, std::vector<std::string>{kSamiraEmail});
  json email{{"mail_from", mail[0].from}, {"rcpt_to", mail[0].to}, {"data", mail[0].data}};
  auto message_id = mail[0].data.substr(mail[0].data.find("<tocsin-delivery-"));
  message_id = message_id.substr(0, message_id.find('>') + 1);
  auto placeholders = Placeholders(id);
  placeholders[message_id] = "<tocsin-delivery-N@tocsin>";
  ExpectGoldenJson("email_page", email, placeholders);

  server->clock().Advance(3min);
  Run();
  auto personal = At("/pd/people");
  ASSERT_EQ(personal.size(), 1u);
  EXPECT_EQ(personal[0]["routing_key"], kSamiraKey);
  EXPECT_EQ(personal[0]["event_action"], "trigger");
  EXPECT_EQ(personal[0]["dedup_key"], id);
  ExpectGoldenJson("pagerduty_contact_trigger", personal[0], Placeholders(id));
  // Tier 2 (5 min) pages the Security Lead, who has no contact methods: the team's PagerDuty service.
  int team_pages = 0;
  for (const auto& b : At("/pd/team")) team_pages += b["payload"]["class"] == "page";
  EXPECT_EQ(team_pages, 1);

  // Every attempt is on the timeline, naming the person and the method.
  auto delivered = Timeline(id, "notification_delivered");
  for (const char* what : {"page to @samira by Slack DM (contact method 1, via slack-bot-test)",
                           "page to @samira by email (contact method 2, via email-test)",
                           "page to @samira by PagerDuty (contact method 3, via pagerduty-people)"}) {
    EXPECT_EQ(std::count_if(delivered.begin(), delivered.end(), [&](const std::string& m) { return Contains(m, what); }), 1)
        << what;
  }
  // The API shows whom each delivery paged, never the routing key.
  auto d = Delivery("email-test");
  EXPECT_EQ(d["recipient"], "samira");
  EXPECT_EQ(d["contact_method"], (json{{"position", 2}, {"type", "email"}, {"address", kSamiraEmail}}));
  EXPECT_EQ(d["state"], "delivered");
  auto pd = Delivery("pagerduty-people");
  EXPECT_EQ(pd["contact_method"], (json{{"position", 3}, {"type", "pagerduty"}, {"address", nullptr}}));
  EXPECT_EQ(server->Call("GET", "/api/v2/notifications?page[size]=1000").body.find(kSamiraKey), std::string::npos);
}

TEST_F(ContactMethods, AcknowledgingStopsTheMethodsNotYetSent) {
  Start({Method("slack_dm", 0s, "slack-bot-test"), Method("email", 2min, "email-test"),
         Method("pagerduty", 5min, "pagerduty-people")});
  std::string id = OpenSecurityIncident();
  Run();
  ASSERT_EQ(At("/api/chat.postMessage").size(), 1u);
  server->clock().Advance(1min);
  ASSERT_EQ(server->Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  server->clock().Advance(1min);
  Run();
  server->clock().Advance(4min);
  Run();
  EXPECT_TRUE(smtp.messages().empty());
  EXPECT_TRUE(At("/pd/people").empty());  // neither the page nor an acknowledge for a page never sent
  for (const char* channel : {"email-test", "pagerduty-people"}) {
    auto d = Delivery(channel);
    EXPECT_EQ(d["state"], "cancelled") << channel;
    EXPECT_EQ(d["attempts"], 0) << channel;
  }
  auto cancelled = Timeline(id, "notification_cancelled");
  ASSERT_EQ(cancelled.size(), 2u);
  std::string ack_by = server->app().config()->users.front().handle;
  EXPECT_TRUE(Contains(cancelled[0], "Not sent: page to @samira by email (contact method 2, via email-test): "
                                     "the incident was acknowledged by @" + ack_by + " at 2026-11-27T10:01:00"))
      << cancelled[0];
  EXPECT_TRUE(Contains(cancelled[1], "by PagerDuty (contact method 3")) << cancelled[1];
}

TEST_F(ContactMethods, TheirPagerDutyServiceIsAcknowledgedAndResolvedToo) {
  Start({Method("pagerduty", 0s, "pagerduty-people"), Method("email", 10min, "email-test")});
  std::string id = OpenSecurityIncident();
  Run();
  ASSERT_EQ(server->Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
  Run();
  ASSERT_EQ(server->Call("PATCH", "/api/v2/incidents/" + id,
                         {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  Run();
  std::vector<std::string> actions;
  for (const auto& b : At("/pd/people")) {
    actions.push_back(b["event_action"]);
    EXPECT_EQ(b["routing_key"], kSamiraKey);
    EXPECT_EQ(b["dedup_key"], id);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"trigger", "acknowledge", "resolve"}));
}

TEST_F(ContactMethods, DeliveriesAreRetriedAndSurviveARestart) {
  auto dir = std::filesystem::temp_directory_path() / ("tocsin-contacts-" + RandomHex(6));
  std::string id;
  fail_dm = 1;
  Start({Method("slack_dm", 0s, "slack-bot-test"), Method("email", 2min, "email-test")}, dir);
  id = OpenSecurityIncident();
  Run();
  EXPECT_EQ(Delivery("slack-bot-test")["state"], "queued");
  auto retries = Timeline(id, "notification_retry");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_TRUE(Contains(retries[0], "page to @samira by Slack DM (contact method 1, via slack-bot-test)")) << retries[0];
  server.reset();
  // Back up after the email's delay: the retry and the email both go out, once.
  Start({Method("slack_dm", 0s, "slack-bot-test"), Method("email", 2min, "email-test")}, dir);
  server->clock().Advance(3min);
  Run();
  Run();
  EXPECT_EQ(At("/api/chat.postMessage").size(), 2u);
  EXPECT_EQ(smtp.messages().size(), 1u);
  EXPECT_EQ(Delivery("slack-bot-test")["state"], "delivered");
  EXPECT_EQ(Delivery("email-test")["state"], "delivered");
  server.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(ContactMethods, ResponseTimeExceededGoesToTheSeveritysChannels) {
  receiver.Respond([](const http::Request&) { return http::Response::Json(200, "ok"); });
  server = std::make_unique<TestServer>(TestServerOptions{"sqlite", [this](core::Config& c) {
    Tweak({})(c);
    c.severities[0].response_time_channels = std::vector<std::string>{"slack-critical"};
  }});
  std::string id = OpenSecurityIncident();  // SEV-1, told to slack-security-alerts and pagerduty-security
  Run();
  std::size_t incident_channel = At("/slack/slack-security-alerts").size();
  ASSERT_EQ(At("/slack/slack-critical").size(), 0u);
  server->clock().Advance(5min);
  Run();
  auto critical = At("/slack/slack-critical");
  ASSERT_EQ(critical.size(), 1u);
  ExpectGoldenJson("slack_response_time_exceeded", critical[0], Placeholders(id));
  EXPECT_EQ(At("/slack/slack-security-alerts").size(), incident_channel);  // not the incident's channels
  EXPECT_EQ(Timeline(id, "response_time_exceeded").size(), 1u);
}

}  // namespace
}  // namespace tocsin::testing
