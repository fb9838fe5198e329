// Scheduled notices on a fake clock: the weekly review queued once at its
// time (not again after a restart on the same SQLite data), a missed week sent
// on start (only the most recent), weeks across daylight-saving changes, each
// channel's format, and error budget notices at 25 % and 0 % left.

#include "usecases/scheduled_notices.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>

#include "storage/memory/memory_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tocsin::usecases {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* t) { return *ParseRfc3339(t); }

core::Config ReviewConfig() {
  core::Config c;
  c.severities = core::DefaultSeverities();
  c.channels = {{"sre-slack", "slack", {{"url", "https://hooks.slack.com/services/x"}}, {}},
                {"eng-managers-email", "email", {{"to", "managers@example.com"}}, {}},
                {"hook", "webhook", {{"url", "https://example.com/h"}}, {}}};
  core::WeeklyReportSchedule w;
  w.day = 1;
  w.time = 9h;
  w.time_zone = "Europe/Paris";
  w.channels = {"sre-slack", "eng-managers-email", "hook"};
  c.reports.weekly = w;
  return c;
}

std::vector<core::Delivery> Notices(core::Store& store) {
  core::DeliveryFilter f;
  f.limit = 1000;
  auto all = store.ListDeliveries(f);
  EXPECT_TRUE(all) << all.error().message;
  std::vector<core::Delivery> out;
  for (auto& d : *all) {
    if (!d.notice_key.empty()) out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.notice_key < b.notice_key; });
  return out;
}

std::vector<std::string> Keys(core::Store& store) {
  std::vector<std::string> keys;
  for (const auto& d : Notices(store)) keys.push_back(d.notice_key);
  return keys;
}

std::vector<std::string> WeekKeys(const char* week) {
  std::string w(week);
  return {"weekly-report:" + w + ":eng-managers-email", "weekly-report:" + w + ":hook", "weekly-report:" + w + ":sre-slack"};
}

std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  return a;
}

// Monday 2026-11-30, 09:00 in Paris is 08:00 UTC (CET).
TEST(ScheduledReview, QueuedOnceAtTheTimeOneNoticePerChannel) {
  auto store = storage::MakeMemoryStore();
  FakeClock clock(At("2026-11-30T07:59:00Z"));
  ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
  // Before 09:00 the most recent due review is the week before last (W47):
  // a server started now sends that one, once.
  EXPECT_EQ(worker.RunOnce(), 3);
  EXPECT_EQ(Keys(*store), WeekKeys("2026-W47"));
  clock.Advance(59s);
  EXPECT_EQ(worker.RunOnce(), 0);
  clock.Advance(1s);  // 09:00:00 Paris
  EXPECT_EQ(worker.RunOnce(), 3);
  EXPECT_EQ(Keys(*store), Join(WeekKeys("2026-W47"), WeekKeys("2026-W48")));
  for (int k = 0; k < 5; ++k) {
    clock.Advance(24h);
    EXPECT_EQ(worker.RunOnce(), 0);  // nothing more until next Monday
  }
  clock.Set(At("2026-12-07T08:00:00Z"));
  EXPECT_EQ(worker.RunOnce(), 3);
  EXPECT_EQ(Notices(*store).size(), 9u);
}

TEST(ScheduledReview, EachChannelGetsItsFormatAndTheReasonNamesTheWeek) {
  auto store = storage::MakeMemoryStore();
  FakeClock clock(At("2026-11-30T08:00:00Z"));
  ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
  ASSERT_EQ(worker.RunOnce(), 3);
  auto notices = Notices(*store);
  ASSERT_EQ(notices.size(), 3u);
  for (const auto& n : notices) {
    EXPECT_EQ(n.kind, "weekly_report");
    EXPECT_EQ(n.reason, "Weekly incident review 2026-W48");
    EXPECT_EQ(n.incident_id, "");
  }
  const auto& email = notices[0];
  const auto& hook = notices[1];
  const auto& slack = notices[2];
  EXPECT_EQ(email.body.rfind("<!DOCTYPE html", 0), 0u) << email.body.substr(0, 200);
  auto json = nlohmann::json::parse(hook.body);
  EXPECT_EQ(json["type"], "weekly_report");
  EXPECT_EQ(json["id"], "2026-W48");
  EXPECT_TRUE(json["attributes"].is_object());
  EXPECT_EQ(slack.body.rfind("*Weekly incident review 2026-W48*\n", 0), 0u) << slack.body.substr(0, 200);
  EXPECT_EQ(slack.body.find("\n#"), std::string::npos);   // no Markdown headings
  EXPECT_EQ(slack.body.find("|---"), std::string::npos);  // table rulers dropped
}

TEST(ScheduledReview, MarkdownTablesGoInCodeBlocksForSlack) {
  EXPECT_EQ(MarkdownToMrkdwn("# T\n\n**b** x\n| a | b |\n|---|---|\n| 1 | 2 |\nend\n"),
            "*T*\n\n*b* x\n```\n| a | b |\n| 1 | 2 |\n```\nend\n");
}

class ScheduledReviewOnDisk : public ::testing::Test {
 protected:
  ScheduledReviewOnDisk() {
    dir_ = std::filesystem::temp_directory_path() / ("tocsin-notices-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  ~ScheduledReviewOnDisk() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<core::Store> Open() {
    storage::SqliteOptions o;
    o.path = (dir_ / "tocsin.db").string();
    auto s = storage::OpenSqliteStore(o);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }
  std::filesystem::path dir_;
};

// The key, not the process, remembers what was sent: a restart queues nothing again.
TEST_F(ScheduledReviewOnDisk, NotQueuedAgainAfterARestart) {
  FakeClock clock(At("2026-11-30T08:00:05Z"));
  {
    auto store = Open();
    ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
    EXPECT_EQ(worker.RunOnce(), 3);
    store->Close();
  }
  clock.Advance(10min);
  {
    auto store = Open();
    ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
    EXPECT_EQ(worker.RunOnce(), 0);
    auto direct = QueueDueWeeklyReport(*store, ReviewConfig(), clock);  // another replica, say
    ASSERT_TRUE(direct) << direct.error().message;
    EXPECT_EQ(direct->added, 0);
    EXPECT_EQ(direct->existing, 3);
    EXPECT_EQ(Keys(*store), WeekKeys("2026-W48"));
    store->Close();
  }
}

// Down over Monday's send time, started on Wednesday: the week's review goes
// then. Down for weeks: only the most recent due week goes, not each one.
TEST_F(ScheduledReviewOnDisk, AMissedWeekIsSentOnStartOnlyTheMostRecent) {
  FakeClock clock(At("2026-11-23T08:30:00Z"));  // Monday W48, after 09:00 Paris
  {
    auto store = Open();
    ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
    EXPECT_EQ(worker.RunOnce(), 3);  // W47's
    store->Close();
  }
  clock.Set(At("2026-12-02T10:00:00Z"));  // Wednesday of W49: W48's was missed
  {
    auto store = Open();
    ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
    EXPECT_EQ(worker.RunOnce(), 3);
    EXPECT_EQ(Keys(*store), Join(WeekKeys("2026-W47"), WeekKeys("2026-W48")));
    store->Close();
  }
  clock.Set(At("2026-12-24T10:00:00Z"));  // Thursday of W52: W49, W50 and W51 were missed
  {
    auto store = Open();
    ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
    EXPECT_EQ(worker.RunOnce(), 3);
    auto keys = Keys(*store);
    EXPECT_EQ(keys, Join(Join(WeekKeys("2026-W47"), WeekKeys("2026-W48")), WeekKeys("2026-W51")));
    store->Close();
  }
}

// Paris moves its clocks on the last Sundays of March and October: the send
// time stays 09:00 local (07:00 UTC in summer, 08:00 in winter) and the
// report covers the local week, 167 or 169 hours long.
TEST(ScheduledReview, DaylightSavingWeeks) {
  auto store = storage::MakeMemoryStore();
  FakeClock clock(At("2026-03-30T06:59:59Z"));  // 08:59:59 CEST on Monday of W14
  ScheduledNotices worker(*store, core::FixedConfig(ReviewConfig()), clock);
  EXPECT_EQ(worker.RunOnce(), 3);  // W12's, the one due before
  EXPECT_EQ(Keys(*store), WeekKeys("2026-W12"));
  clock.Advance(1s);
  EXPECT_EQ(worker.RunOnce(), 3);
  EXPECT_EQ(Keys(*store), Join(WeekKeys("2026-W12"), WeekKeys("2026-W13")));
  auto notices = Notices(*store);
  auto w13 = std::find_if(notices.begin(), notices.end(),
                          [](const auto& d) { return d.notice_key == "weekly-report:2026-W13:hook"; });
  ASSERT_NE(w13, notices.end());
  auto attrs = nlohmann::json::parse(w13->body)["attributes"];
  EXPECT_EQ(At(attrs["start"].get<std::string>().c_str()), At("2026-03-22T23:00:00Z")) << attrs.dump().substr(0, 300);
  EXPECT_EQ(At(attrs["end"].get<std::string>().c_str()), At("2026-03-29T22:00:00Z"));

  clock.Set(At("2026-10-26T07:59:59Z"));  // 08:59:59 CET, the day after the change back
  EXPECT_EQ(worker.RunOnce(), 3);         // W42's (missed while "down")
  clock.Advance(1s);
  EXPECT_EQ(worker.RunOnce(), 3);  // W43's at 09:00 CET
  notices = Notices(*store);
  w13 = std::find_if(notices.begin(), notices.end(),
                     [](const auto& d) { return d.notice_key == "weekly-report:2026-W43:hook"; });
  ASSERT_NE(w13, notices.end());
  attrs = nlohmann::json::parse(w13->body)["attributes"];
  EXPECT_EQ(At(attrs["start"].get<std::string>().c_str()), At("2026-10-18T22:00:00Z"));
  EXPECT_EQ(At(attrs["end"].get<std::string>().c_str()), At("2026-10-25T23:00:00Z"));
}

// ---- Error budgets ----

core::Config BudgetConfig() {
  core::Config c = ReviewConfig();
  // 90 % over a day: 144 minutes of budget.
  c.slos = {core::Slo{"checkout", 90.0, std::chrono::hours(24), {"hook"}, {}},
            core::Slo{"search", 90.0, std::chrono::hours(24), {}, {}}};
  return c;
}

void Impact(core::Store& store, const std::string& id, const char* service, TimePoint start) {
  core::Incident i;
  i.id = id;
  i.title = std::string(service) + " down";
  i.severity = "SEV-2";
  i.created = i.modified = start;
  i.version = 1;
  i.fields["services"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{service}};
  i.customer_impacted = true;
  i.customer_impact_start = start;
  auto r = store.CreateIncident(i, {{start, {}, "incident_created", "declared", {}}});
  ASSERT_TRUE(r) << r.error().message;
}

std::vector<std::string> BudgetKeys(core::Store& store) {
  std::vector<std::string> keys;
  for (const auto& k : Keys(store)) {
    if (k.rfind("slo-budget:", 0) == 0) keys.push_back(k);
  }
  return keys;
}

TEST(BudgetNotices, AWarningAtAQuarterLeftThenExhaustedEachOncePerPeriod) {
  auto store = storage::MakeMemoryStore();
  core::Config config = BudgetConfig();
  FakeClock clock(At("2026-12-02T10:00:00Z"));
  Impact(*store, "0b7e3a52-6f1d-4c1e-9d5e-2f8f2a3b4c50", "checkout", At("2026-12-02T10:00:00Z"));
  auto q = QueueDueBudgetNotices(*store, config, clock);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->added, 0);
  clock.Advance(108min);  // 36 of 144 minutes left: exactly 25 %
  q = QueueDueBudgetNotices(*store, config, clock);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->added, 1);
  EXPECT_EQ(BudgetKeys(*store), (std::vector<std::string>{"slo-budget:checkout:25:2026-12-02T00:00:00Z:hook"}));
  clock.Advance(20min);
  EXPECT_EQ(QueueDueBudgetNotices(*store, config, clock)->added, 0);  // still low, already told
  clock.Advance(16min);  // all 144 minutes spent
  EXPECT_EQ(QueueDueBudgetNotices(*store, config, clock)->added, 1);
  auto keys = BudgetKeys(*store);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], "slo-budget:checkout:0:2026-12-02T00:00:00Z:hook");
  auto notices = Notices(*store);
  for (const auto& n : notices) {
    if (n.notice_key == keys[0]) {
      EXPECT_EQ(n.kind, "slo_budget_exhausted");
      auto body = nlohmann::json::parse(n.body);
      EXPECT_EQ(body["service"], "checkout");
      EXPECT_EQ(body["threshold_percent"], 0);
    }
  }
  // The next day is the next period: the budget counts the impact still
  // going on, and both notices go again, once.
  clock.Set(At("2026-12-03T12:00:00Z"));
  EXPECT_EQ(QueueDueBudgetNotices(*store, config, clock)->added, 2);
  EXPECT_EQ(QueueDueBudgetNotices(*store, config, clock)->added, 0);
}

TEST(BudgetNotices, AnSloWithoutChannelsUsesTheReviewsChannels) {
  auto store = storage::MakeMemoryStore();
  core::Config config = BudgetConfig();
  FakeClock clock(At("2026-12-02T10:00:00Z"));
  Impact(*store, "0b7e3a52-6f1d-4c1e-9d5e-2f8f2a3b4c51", "search", At("2026-12-02T07:00:00Z"));
  ASSERT_EQ(QueueDueBudgetNotices(*store, config, clock)->added, 6);  // 25 % and 0 %, three channels each
  auto notices = Notices(*store);
  for (const auto& n : notices) {
    if (n.notice_key == "slo-budget:search:0:2026-12-02T00:00:00Z:sre-slack") {
      EXPECT_EQ(n.body.rfind("*Error budget exhausted: search*\n", 0), 0u) << n.body;
      EXPECT_EQ(n.reason, "Error budget exhausted: search");
      return;
    }
  }
  ADD_FAILURE() << "no exhausted notice for sre-slack";
}

TEST(BudgetNotices, PeriodsAreWindowsCountedFromTheEpoch) {
  EXPECT_EQ(BudgetPeriodStart(At("2026-12-02T10:00:00Z"), std::chrono::hours(24)), At("2026-12-02T00:00:00Z"));
  EXPECT_EQ(BudgetPeriodStart(At("2026-12-02T10:00:00Z"), std::chrono::hours(1)), At("2026-12-02T10:00:00Z"));
  // 30 days: 2026-12-02 is day 20789 since 1970-01-01; periods start every 30 days (day 20760).
  EXPECT_EQ(BudgetPeriodStart(At("2026-12-02T10:00:00Z"), std::chrono::hours(24 * 30)), At("2026-11-03T00:00:00Z"));
}

}  // namespace
}  // namespace tocsin::usecases
