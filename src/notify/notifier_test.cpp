#include "notify/notifier.hpp"

#include <gtest/gtest.h>

namespace tocsin::notify {
namespace {

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Secrets, EveryKindOfChannelSecretIsRedacted) {
  core::Channel slack{"s", "slack", {{"url", "https://hooks.slack.com/services/T0AAAA/B0BBBB/abcdefghijklmnopqrstuvwx"}}, {}};
  core::Channel bot{"b", "slack_webapi", {{"token", "xoxb-1234-abcd"}, {"channel", "C01"}}, {}};
  core::Channel pd{"p", "pagerduty", {{"routing_key", "R0UTINGKEY0000"}, {"service", "security-oncall"}}, {}};
  core::Channel hook{"h", "webhook",
                     {{"url", "https://example.com/hook?sig=QUERYTOKEN123&v=1"},
                      {"secret", "hmac-secret"},
                      {"headers", "Authorization: Bearer HEADERTOKEN; X-Env: prod"}},
                     {}};
  core::Channel mail{"m", "email", {{"smtp_url", "smtps://mailer:SMTPPASS99@mail.example.com:465"}, {"password", "p4ssw0rd"}}, {}};
  std::vector<std::string> secrets;
  for (const auto* c : {&slack, &bot, &pd, &hook, &mail}) {
    for (auto& s : SecretsOf(*c)) secrets.push_back(s);
  }
  std::string echoed =
      "POST /services/T0AAAA/B0BBBB/abcdefghijklmnopqrstuvwx HTTP/1.1 | Authorization: Bearer xoxb-1234-abcd | "
      R"({"routing_key":"R0UTINGKEY0000"} | /hook?sig=QUERYTOKEN123 | secret=hmac-secret | HEADERTOKEN | )"
      "SMTPPASS99 p4ssw0rd | only the last part: abcdefghijklmnopqrstuvwx | JSON-escaped: "
      R"(https:\/\/hooks.slack.com\/services\/T0AAAA\/B0BBBB\/abcdefghijklmnopqrstuvwx | )"
      "percent-encoded: https%3A%2F%2Fexample.com%2Fhook%3Fsig%3DQUERYTOKEN123%26v%3D1";
  std::string out = Redact(echoed, secrets);
  for (const char* secret : {"abcdefghijklmnopqrstuvwx", "xoxb-1234-abcd", "R0UTINGKEY0000", "QUERYTOKEN123",
                             "hmac-secret", "HEADERTOKEN", "SMTPPASS99", "p4ssw0rd"}) {
    EXPECT_FALSE(Contains(out, secret)) << secret << " in " << out;
  }
  EXPECT_TRUE(Contains(out, "[redacted]"));
  // What is not secret stays readable.
  EXPECT_TRUE(Contains(out, "POST "));
  EXPECT_FALSE(SecretsOf(pd).empty());
  for (const auto& s : SecretsOf(pd)) EXPECT_NE(s, "security-oncall");
}

TEST(ContactChannel, EachContactTypeReplacesTheChannelsOwnDestination) {
  core::Config config;
  core::User olu;
  olu.handle = "olu";
  olu.contact_methods = {{"slack_dm", "U01", "", "bot", {}, {}},
                         {"pagerduty", "", "PERSONALKEY", "pd", {}, {}}};
  config.users = {olu};
  core::Channel bot{"bot", "slack_webapi", {{"token", "xoxb-1"}, {"channel", "C0TEAM"}}, {}};
  core::Channel mail{"mail", "email", {{"smtp_url", "smtp://127.0.0.1:25"}, {"to", "team@example.com"}}, {}};
  core::Channel pd{"pd", "pagerduty", {{"routing_key", "TEAMKEY"}, {"url", "https://events.example.com/v2/enqueue"}}, {}};

  auto dm = ChannelForContact(bot, {"olu", 1, "slack_dm", "U01"}, &config);
  ASSERT_TRUE(dm);
  EXPECT_EQ(dm->settings.at("channel"), "U01");
  EXPECT_EQ(dm->settings.at("token"), "xoxb-1");  // the bot's token
  auto email = ChannelForContact(mail, {"olu", 2, "email", "olu@example.com"}, &config);
  ASSERT_TRUE(email);
  EXPECT_EQ(email->settings.at("to"), "olu@example.com");
  auto page = ChannelForContact(pd, {"olu", 2, "pagerduty", ""}, &config);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->settings.at("routing_key"), "PERSONALKEY");
  EXPECT_EQ(page->settings.at("url"), "https://events.example.com/v2/enqueue");

  auto wrong = ChannelForContact(mail, {"olu", 1, "slack_dm", "U01"}, &config);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(Contains(wrong.error().message, "needs a slack_webapi channel")) << wrong.error().message;
  EXPECT_FALSE(ChannelForContact(pd, {"gone", 1, "pagerduty", ""}, &config));
}

TEST(ContactChannel, ChannelsOnlyContactMethodsUseNeedNoDestinationOfTheirOwn) {
  core::Channel bot{"bot", "slack_webapi", {{"token", "xoxb-1"}}, {}};
  core::Channel mail{"mail", "email", {{"smtp_url", "smtp://127.0.0.1:25"}}, {}};
  core::Channel pd{"pd", "pagerduty", {}, {}};
  for (const auto* c : {&bot, &mail, &pd}) {
    EXPECT_FALSE(ValidateChannel(*c, false).empty()) << c->name;
    EXPECT_TRUE(ValidateChannel(*c, true).empty()) << c->name;
  }
}

}  // namespace
}  // namespace tocsin::notify
