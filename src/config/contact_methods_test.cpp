// users[].contact_methods and severities[].response_time_channels: what loads,
// and every mistake reported with file:line:column.

#include <gtest/gtest.h>

#include <map>

#include "config/config_loader.hpp"

namespace tocsin::config {
namespace {

using namespace std::chrono_literals;

LoadResult Load(std::string_view yaml, std::map<std::string, std::string> vars = {}) {
  return LoadConfigString(yaml, "test.yaml", [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::string Dump(const std::vector<Diagnostic>& list) {
  std::string out;
  for (const Diagnostic& d : list) out += d.ToString() + "\n";
  return out;
}

constexpr std::string_view kChannels = R"(channels:
  - {name: slack-bot, type: slack_webapi, token: '${SLACK_BOT_TOKEN}'}
  - {name: email-pages, type: email, smtp_url: 'smtp://127.0.0.1:25', from: tocsin@example.com}
  - {name: pd-team, type: pagerduty, routing_key: TEAMKEY, service: security-oncall}
  - {name: pd-people, type: pagerduty}
  - {name: slack-critical, type: slack, url: 'https://hooks.slack.com/services/x'}
)";

TEST(ContactMethodsConfig, LoadsInOrderWithDefaultsFromTheUser) {
  std::string yaml = std::string(kChannels) + R"(users:
  - handle: olu
    email: olu@example.com
    slack_member_id: U01SEC0003
    contact_methods:
      - type: slack_dm
      - {type: email, after: 2m}
      - {type: pagerduty, after: 5m, routing_key: '${PD_KEY_OLU}', channel: pd-people}
  - handle: grace
    contact_methods:
      - {type: email, address: grace@example.com, channel: email-pages}
)";
  LoadResult result = Load(yaml, {{"SLACK_BOT_TOKEN", "xoxb-1"}, {"PD_KEY_OLU", "OLUKEY"}});
  ASSERT_TRUE(result.ok()) << Dump(result.problems);
  EXPECT_TRUE(result.notes.empty()) << Dump(result.notes);
  const core::User* olu = result.config.FindUser("olu");
  ASSERT_NE(olu, nullptr);
  ASSERT_EQ(olu->contact_methods.size(), 3u);
  const auto& m = olu->contact_methods;
  EXPECT_EQ(m[0].type, "slack_dm");
  EXPECT_EQ(m[0].address, "U01SEC0003");  // the user's slack_member_id
  EXPECT_EQ(m[0].channel, "slack-bot");   // the only slack_webapi channel
  EXPECT_EQ(m[0].after, 0s);
  EXPECT_EQ(m[1].address, "olu@example.com");
  EXPECT_EQ(m[1].channel, "email-pages");
  EXPECT_EQ(m[1].after, 2min);
  EXPECT_EQ(m[2].routing_key, "OLUKEY");
  EXPECT_EQ(m[2].channel, "pd-people");
  EXPECT_EQ(m[2].after, 5min);
  EXPECT_EQ(m[2].mark.line, 14);
  EXPECT_EQ(result.config.FindUser("grace")->contact_methods[0].address, "grace@example.com");
}

TEST(ContactMethodsConfig, TheExampleShowsThem) {
  LoadResult result = LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml",
                                     [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Dump(result.problems);
  const core::User* olu = result.config.FindUser("olu");
  ASSERT_NE(olu, nullptr);
  ASSERT_EQ(olu->contact_methods.size(), 3u);
  EXPECT_EQ(olu->contact_methods[0].channel, "slack-app");
  EXPECT_EQ(olu->contact_methods[0].address, "U01SEC0003");
  EXPECT_EQ(olu->contact_methods[1].channel, "email-pages");
  EXPECT_EQ(olu->contact_methods[2].after, 5min);
  EXPECT_EQ(olu->contact_methods[2].routing_key, "replace-with-olu-routing-key");  // the ${VAR:-placeholder}
  EXPECT_EQ(result.config.FindUser("rafael")->contact_methods.size(), 2u);
  EXPECT_EQ(result.config.severities[2].response_time_channels, std::vector<std::string>{"slack-sre"});
}

TEST(ContactMethodsConfig, EveryMistakeIsReportedWhereItIsWritten) {
  std::string yaml = std::string(kChannels) + R"(users:
  - handle: olu
    email: olu@example.com
    contact_methods:
      - {type: sms}
      - {type: slack_dm, after: 1m}
      - {type: email, after: soon}
      - {type: email, after: 1m, address: not-an-address}
      - {type: pagerduty, after: 2m, channel: pd-people}
      - {type: pagerduty, after: 3m, routing_key: '${PD_KEY}'}
      - {type: email, after: 4m, channel: slack-critical}
      - {type: email, after: 5m, channel: nowhere}
      - {type: slack_dm, after: 1m, member_id: U1}
      - {type: email, address: a@example.com}
      - {type: email, after: 6m, routing_key: '${PD_KEY}', address: b@example.com}
  - handle: grace
    contact_methods: [{type: email, channel: email-pages}]
)";
  LoadResult result = Load(yaml, {{"SLACK_BOT_TOKEN", "xoxb-1"}, {"PD_KEY", "SECRETKEY"}});
  std::vector<std::string> expected = {
      "test.yaml:11:16: users[0].contact_methods[0].type: expected one of slack_dm, email, pagerduty; got 'sms'",
      "test.yaml:12:9: users[0].contact_methods[1]: a slack_dm contact method needs member_id (or the user's "
      "slack_member_id)",
      "test.yaml:13:30: users[0].contact_methods[2].after: expected a duration like 10s, 5m or 1h, got 'soon'",
      "test.yaml:14:43: users[0].contact_methods[3].address: expected an email address like alice@example.com, got "
      "'not-an-address'",
      "test.yaml:15:9: users[0].contact_methods[4]: a pagerduty contact method needs routing_key: the Events API v2 "
      "key of the person's own PagerDuty service (put it in ${NAME})",
      "test.yaml:16:9: users[0].contact_methods[5]: several pagerduty channels (pd-team, pd-people): name the one "
      "to use with channel:",
      "test.yaml:17:43: users[0].contact_methods[6].channel: channel 'slack-critical' is a slack channel; an email "
      "contact method goes through an email channel",
      "test.yaml:18:43: users[0].contact_methods[7].channel: unknown channel 'nowhere' (list it under channels:)",
      "test.yaml:19:33: users[0].contact_methods[8].after: goes out 1m after the page, before "
      "users[0].contact_methods[7] (5m); list contact methods in the order they go out",
      "test.yaml:20:9: users[0].contact_methods[9]: missing required key 'after': when this method goes out, "
      "counted from the page (e.g. 2m); only the first method may leave it out (then it goes out at once)",
      "test.yaml:21:47: users[0].contact_methods[10].routing_key: only a pagerduty contact method has routing_key "
      "(this one is email)",
      "test.yaml:23:23: users[1].contact_methods[0]: an email contact method needs address (or the user's email)",
  };
  std::vector<std::string> actual;
  for (const Diagnostic& d : result.problems) actual.push_back(d.ToString());
  EXPECT_EQ(actual, expected) << Dump(result.problems);
  // Nothing echoes the routing key.
  EXPECT_EQ(Dump(result.problems).find("SECRETKEY"), std::string::npos);
}

TEST(ContactMethodsConfig, AContactMethodNeedsAChannelOfItsKind) {
  LoadResult result = Load(R"(users:
  - handle: olu
    email: olu@example.com
    contact_methods: [{type: email}]
)");
  ASSERT_EQ(result.problems.size(), 1u) << Dump(result.problems);
  EXPECT_EQ(result.problems[0].ToString(),
            "test.yaml:4:23: users[0].contact_methods[0]: no email channel to send email through: add one under "
            "channels: and name it here with channel:");
}

TEST(ContactMethodsConfig, ARoutingKeyWrittenInTheFileIsPointedOut) {
  std::string yaml = std::string(kChannels) + R"(users:
  - handle: olu
    contact_methods: [{type: pagerduty, routing_key: LITERALKEY, channel: pd-people}]
)";
  LoadResult result = Load(yaml, {{"SLACK_BOT_TOKEN", "xoxb-1"}});
  ASSERT_TRUE(result.ok()) << Dump(result.problems);
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_EQ(result.notes[0].ToString(),
            "test.yaml:9:54: users[0].contact_methods[0].routing_key: the routing key is written in the file; keep "
            "secrets in the environment (${NAME})");
}

TEST(ResponseTimeChannelsConfig, PerSeverityAndChecked) {
  std::string yaml = std::string(kChannels) + R"(severities:
  - {name: SEV-1, response_time: 5m, response_time_channels: [slack-critical, pd-team]}
  - {name: SEV-2, response_time: 15m, response_time_channels: []}
  - {name: SEV-3, response_time: 1h}
  - {name: SEV-4, response_time: 4h, response_time_channels: [slack-critical, nope, slack-critical]}
)";
  LoadResult result = Load(yaml, {{"SLACK_BOT_TOKEN", "xoxb-1"}});
  std::vector<std::string> actual;
  for (const Diagnostic& d : result.problems) actual.push_back(d.ToString());
  EXPECT_EQ(actual, (std::vector<std::string>{
                        "test.yaml:11:79: severities[3].response_time_channels[1]: unknown channel 'nope' (list it "
                        "under channels:)",
                        "test.yaml:11:85: severities[3].response_time_channels[2]: duplicate channel "
                        "'slack-critical' (first defined at line 11)"}));
  const auto& s = result.config.severities;
  EXPECT_EQ(s[0].response_time_channels, (std::vector<std::string>{"slack-critical", "pd-team"}));
  EXPECT_EQ(s[1].response_time_channels, std::vector<std::string>{});  // tell nobody
  EXPECT_FALSE(s[2].response_time_channels.has_value());               // the incident's channels
}

}  // namespace
}  // namespace tocsin::config
