// The weekly review on a running server (issue 13): the example's Monday
// review, due when the server starts (its test clock stands on Friday
// 2026-11-27, so W47's review is the most recent due), reaches a Slack
// webhook, an SMTP server and a webhook through the outbox, is listed with
// its key in GET /api/v2/notifications, and is not sent again when the server
// restarts on the same data directory.

#include <gtest/gtest.h>

#include <filesystem>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"
#include "blackbox/smtp_receiver.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class ScheduledReviewServer : public ::testing::Test {
 protected:
  ScheduledReviewServer() : dir_(std::filesystem::temp_directory_path() / ("tocsin-review-" + RandomHex(6))) {}
  ~ScheduledReviewServer() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  TestServerOptions Options() {
    TestServerOptions o;
    o.data_dir = dir_;
    o.scheduled_reports = true;
    o.tweak = [this](core::Config& c) {
      for (auto& ch : c.channels) {
        if (ch.name == "slack-sre") ch.settings["url"] = receiver_.Url("/slack/sre");
        if (ch.name == "email-eng-managers") ch.settings["smtp_url"] = smtp_.Url();
      }
      c.channels.push_back({"review-hook", "webhook", {{"url", receiver_.Url("/hook")}}, {}});
      c.reports.weekly->channels.push_back("review-hook");
    };
    return o;
  }

  std::vector<RecordingReceiver::Received> At(const std::string& path) {
    std::vector<RecordingReceiver::Received> out;
    for (auto& r : receiver_.received()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

  // Runs the workers until nothing is left to send (at most a few rounds).
  void Drain(TestServer& server) {
    for (int k = 0; k < 5 && server.app().RunWorkersOnce(server.clock().Now()) > 0; ++k) {
    }
  }

  std::filesystem::path dir_;
  RecordingReceiver receiver_;
  SmtpReceiver smtp_;
};

TEST_F(ScheduledReviewServer, TheDueReviewReachesEachChannelOnceAcrossARestart) {
  {
    TestServer server(Options());
    Drain(server);
    auto slack = At("/slack/sre");
    ASSERT_EQ(slack.size(), 1u);
    std::string text = ParseJson(slack[0].body)["text"];
    EXPECT_EQ(text.rfind("*Weekly incident review 2026-W47*\n", 0), 0u) << text.substr(0, 200);

    auto mail = smtp_.messages();
    ASSERT_EQ(mail.size(), 1u);
    EXPECT_EQ(mail[0].to, (std::vector<std::string>{"eng-managers@v-commerce.example"}));
    EXPECT_TRUE(Has(mail[0].data, "\r\nSubject: Weekly incident review 2026-W47\r\n")) << mail[0].data.substr(0, 600);
    EXPECT_TRUE(Has(mail[0].data, "multipart/alternative")) << mail[0].data.substr(0, 600);
    EXPECT_TRUE(Has(mail[0].data, "Content-Type: text/plain; charset=utf-8"));
    EXPECT_TRUE(Has(mail[0].data, "Content-Type: text/html; charset=utf-8"));

    auto hook = At("/hook");
    ASSERT_EQ(hook.size(), 1u);
    json body = ParseJson(hook[0].body);
    EXPECT_EQ(body["event"], "weekly_report");
    EXPECT_EQ(body["notice"]["key"], "weekly-report:2026-W47:review-hook");
    EXPECT_EQ(body["notice"]["data"]["id"], "2026-W47");

    // On the audit trail, with their keys.
    json listed = ParseJson(server.Call("GET", "/api/v2/notifications").body)["data"];
    std::vector<std::string> keys;
    for (const auto& d : listed) {
      if (!d["attributes"]["notice_key"].is_null()) {
        keys.push_back(d["attributes"]["notice_key"]);
        EXPECT_EQ(d["attributes"]["state"], "delivered") << d.dump();
      }
    }
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"weekly-report:2026-W47:email-eng-managers",
                                              "weekly-report:2026-W47:review-hook", "weekly-report:2026-W47:slack-sre"}));
  }
  {
    TestServer again(Options());  // a restart on the same data: nothing is sent twice
    Drain(again);
    EXPECT_EQ(At("/slack/sre").size(), 1u);
    EXPECT_EQ(At("/hook").size(), 1u);
    EXPECT_EQ(smtp_.messages().size(), 1u);
  }
}

}  // namespace
}  // namespace tocsin::testing
