// Proves that channel secrets (a Slack bot token, a Slack webhook URL's secret
// path, PagerDuty routing keys, a webhook HMAC secret and custom header, a
// signed URL's query token, an SMTP password, a person's own routing key)
// never appear in logs (debug level, text and JSON), API answers, the
// timeline or channel tests, while receivers fail in every way: 500, 400 with
// a body that echoes the request, Slack's 200 with an error that echoes the
// token, connection refused, and no answer before the timeout.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <iterator>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"
#include "blackbox/smtp_receiver.hpp"
#include "common/log.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kWebhookPath = "T0SECRET0/B0SECRET0/SlackWebhookPathSecret0001";
constexpr const char* kBotToken = "xoxb-BotTokenSecret0002";
constexpr const char* kRoutingKey = "TeamRoutingKeySecret000000000003";
constexpr const char* kHmacSecret = "HmacSharedSecret0004";
constexpr const char* kHeaderToken = "HeaderTokenSecret0005";
constexpr const char* kQueryToken = "SignedQueryTokenSecret0006";
constexpr const char* kSmtpPassword = "SmtpPasswordSecret0007";
constexpr const char* kPersonalKey = "PersonalRoutingKeySecret00000008";
const std::vector<std::string> kSecrets = {kWebhookPath,  kBotToken,   kRoutingKey,   kHmacSecret,
                                           kHeaderToken,  kQueryToken, kSmtpPassword, kPersonalKey,
                                           "SlackWebhookPathSecret0001"};

// Everything a request carried, as a hostile receiver would echo it back.
std::string Echo(const http::Request& r) {
  std::string out = r.method + " " + r.target + "\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\n";
  return out + r.body;
}

// Captures what the process writes to stderr (where logs go) while alive.
class StderrCapture {
 public:
  StderrCapture() : path_(std::filesystem::temp_directory_path() / ("tocsin-log-" + RandomHex(6))) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::string Stop() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
    std::ifstream in(path_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path_);
    return text;
  }
  ~StderrCapture() { Stop(); }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

class Secrets : public ::testing::TestWithParam<std::string> {};

TEST_P(Secrets, NeverAppearInLogsAnswersOrTheTimelineWhateverTheReceiversDo) {
  int refused_port;
  {
    RecordingReceiver probe;
    refused_port = probe.port();
  }
  std::string refused = "127.0.0.1:" + std::to_string(refused_port);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  RecordingReceiver receiver;
  RecordingReceiver slow;  // apart, so that its held requests do not take the other receiver's threads
  SmtpReceiver smtp;
  slow.Respond([&](const http::Request&) {  // no answer before the send timeout
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return http::Response::Json(200, "ok");
  });
  receiver.Respond([&](const http::Request& r) {
    if (r.path == "/api/chat.postMessage") {
      nlohmann::json answer{{"ok", false}, {"error", "invalid_auth for " + *r.Header("authorization")}};
      return http::Response::Json(200, answer.dump());
    }
    if (r.path == "/pd" || r.path == "/pd-people") {
      nlohmann::json answer{{"status", "invalid event"}, {"message", "cannot accept " + r.body}};
      return http::Response::Json(400, answer.dump());
    }
    auto res = http::Response::Json(r.path.rfind("/services/", 0) == 0 ? 400 : 500, Echo(r));
    res.content_type = "text/plain";
    return res;
  });
  StderrCapture capture;
  log::Configure(GetParam(), "debug");
  std::string everything;
  {
    TestServer server(TestServerOptions{"sqlite", [&](core::Config& c) {
      std::vector<std::string> names;
      c.channels = {
          {"slack-hook", "slack", {{"url", receiver.Url("/services/") + kWebhookPath}}, {}},
          {"slack-bot", "slack_webapi", {{"api_url", receiver.Url("/api")}, {"token", kBotToken}, {"channel", "C01"}}, {}},
          {"pagerduty-security", "pagerduty",
           {{"url", receiver.Url("/pd")}, {"routing_key", kRoutingKey}, {"service", "security-oncall"}}, {}},
          {"pagerduty-people", "pagerduty", {{"url", receiver.Url("/pd-people?token=") + kQueryToken}}, {}},
          {"hook-signed", "webhook",
           {{"url", receiver.Url("/hook?token=") + kQueryToken},
            {"secret", kHmacSecret},
            {"headers", std::string("Authorization: Bearer ") + kHeaderToken}}, {}},
          {"hook-refused", "webhook", {{"url", "http://" + refused + "/refused?token=" + kQueryToken}}, {}},
          {"hook-slow", "webhook", {{"url", slow.Url("/slow?token=") + kQueryToken}}, {}},
          {"email-refused", "email",
           {{"smtp_url", "smtp://" + refused}, {"from", "t@example.com"}, {"to", "oncall@example.com"},
            {"username", "tocsin"}, {"password", kSmtpPassword}}, {}},
          {"email-auth", "email",
           {{"smtp_url", smtp.Url()}, {"from", "t@example.com"}, {"to", "oncall@example.com"},
            {"username", "tocsin"}, {"password", kSmtpPassword}}, {}},
      };
      for (const auto& ch : c.channels) names.push_back(ch.name);
      for (auto& r : c.rules) r.notifications = names;
      for (auto& u : c.users) {
        u.contact_methods.clear();
        if (u.handle == "samira") {
          core::ContactMethod pd;
          pd.type = "pagerduty";
          pd.routing_key = kPersonalKey;
          pd.channel = "pagerduty-people";
          u.contact_methods = {pd};
        }
      }
    }});
    auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string id = ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
    server.app().RunWorkersOnce(server.clock().Now());
    server.clock().Advance(1h);  // retries, reminders, later tiers
    server.app().RunWorkersOnce(server.clock().Now());
    ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge").status, 200);
    server.app().RunWorkersOnce(server.clock().Now());

    for (const char* path : {"/api/v2/notifications?page[size]=1000", "/api/v2/channels"}) {
      everything += server.Call("GET", path).body;
    }
    everything += server.Call("GET", "/api/v2/incidents/" + id + "/timeline?page[size]=1000").body;
    everything += server.Call("GET", "/api/v2/incidents/" + id + "?include=users").body;
    everything += server.Call("GET", "/metrics").body;
    for (const auto& ch : server.app().config()->channels) {
      if (ch.name != "hook-slow") everything += server.Call("POST", "/api/v2/channels/" + ch.name + "/test").body;
    }
    // The test is only worth something if the receivers did get the secrets and
    // echoed them, and the redaction visibly ran.
    std::string received;
    for (const auto& rec : receiver.received()) {
      received += rec.path + "\n" + rec.body;
      for (const auto& [k, v] : rec.headers) received += k + ": " + v + "\n";
    }
    for (const char* s : {kRoutingKey, kBotToken, kPersonalKey, kHeaderToken}) {
      EXPECT_NE(received.find(s), std::string::npos) << s << " never reached a receiver";
    }
    EXPECT_NE(everything.find("[redacted]"), std::string::npos);
    json failed = ParseJson(server.Call("GET", "/api/v2/notifications?page[size]=1000").body)["data"];
    int with_error = 0;
    for (const auto& d : failed) with_error += !d["attributes"]["last_error"].get<std::string>().empty();
    EXPECT_GE(with_error, 6) << failed.dump(1);
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }
  log::Configure("text", "info");
  std::string logs = capture.Stop();
  EXPECT_NE(logs.find("notification attempt"), std::string::npos) << "no debug log captured:\n" << logs;
  if (GetParam() == "json") {
    EXPECT_NE(logs.find("{\"ts\":"), std::string::npos);
  }
  for (const auto& secret : kSecrets) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret << " in an answer";
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in the logs:\n" << logs;
  }
}

// TOCSIN_SMTP_DEBUG shows the SMTP dialogue to whoever debugs a mail server,
// but not the credentials (libcurl would print them base64-encoded).
TEST(SmtpDebug, ShowsTheDialogueButNotTheCredentials) {
  SmtpReceiver smtp(/*with_auth=*/true);
  TestServer server(TestServerOptions{"sqlite", [&](core::Config& c) {
    c.channels.push_back({"email-auth", "email",
                          {{"smtp_url", smtp.Url()}, {"from", "t@example.com"}, {"to", "oncall@example.com"},
                           {"username", "tocsin"}, {"password", kSmtpPassword}}, {}});
  }});
  ::setenv("TOCSIN_SMTP_DEBUG", "1", 1);
  StderrCapture capture;
  auto r = server.Call("POST", "/api/v2/channels/email-auth/test");
  std::string dialogue = capture.Stop();
  ::unsetenv("TOCSIN_SMTP_DEBUG");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(smtp.messages().size(), 1u);
  ASSERT_FALSE(smtp.auth_lines().empty());  // the credentials did go to the server
  EXPECT_NE(dialogue.find("AUTH PLAIN [redacted]"), std::string::npos) << dialogue;
  EXPECT_NE(dialogue.find("MAIL FROM"), std::string::npos) << dialogue;
  std::string credentials = smtp.auth_lines().back();
  credentials = credentials.substr(credentials.rfind(' ') + 1);  // base64 of "\0tocsin\0<password>"
  EXPECT_EQ(dialogue.find(credentials), std::string::npos) << dialogue;
  EXPECT_EQ(dialogue.find(kSmtpPassword), std::string::npos) << dialogue;
}

INSTANTIATE_TEST_SUITE_P(LogFormats, Secrets, ::testing::Values("text", "json"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace tocsin::testing
