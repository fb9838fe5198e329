// metrics: the seed's targets as check-config reads them (metrics_sections.cpp),
// the example file's five, and each bad target reported at its place.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tocsin::config {
namespace {

LoadResult Load(std::string_view yaml) {
  return LoadConfigString(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string Problems(const LoadResult& result) {
  std::string out;
  for (const Diagnostic& d : result.problems) out += d.ToString() + "\n";
  return out;
}

TEST(ConfigMetrics, TheExampleShipsTheSeedsFiveTargets) {
  auto result = LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml",
                               [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Problems(result);
  const auto& m = result.config.metrics;
  EXPECT_EQ(m.trend_weeks, 12);
  ASSERT_EQ(m.targets.size(), 5u);
  EXPECT_EQ(m.targets[0].metric, "mttd");
  EXPECT_EQ(*m.targets[0].below, std::chrono::minutes(5));
  EXPECT_EQ(m.targets[2].severities, (std::vector<std::string>{"SEV-1"}));
  EXPECT_EQ(*m.targets[2].below, std::chrono::hours(1));
  EXPECT_EQ(m.targets[3].trend, "down");
  EXPECT_EQ(*m.targets[4].at_least, 100.0);
  EXPECT_EQ(m.targets[4].severities, (std::vector<std::string>{"SEV-1", "SEV-2"}));
}

TEST(ConfigMetrics, NamesDefaultToTheMetricAndItsSeverities) {
  auto result = Load(R"(metrics:
  targets:
    - {metric: mtta, statistic: p90, below: 15m, severity: SEV-2}
)");
  ASSERT_TRUE(result.ok()) << Problems(result);
  EXPECT_EQ(result.config.metrics.targets[0].name, "mtta (SEV-2)");
  EXPECT_EQ(result.config.metrics.targets[0].statistic, "p90");
}

TEST(ConfigMetrics, BadTargetsAreReportedAtTheirPlace) {
  auto problems = Problems(Load(R"(metrics:
  trend_weeks: 1
  targets:
    - {metric: mttx, below: 5m}
    - {metric: mttr, at_least: 100%}
    - {metric: postmortem_completion, at_least: 120%}
    - {metric: incident_count, trend: up}
    - {metric: mttd, below: 5m, severity: SEV-9}
    - {metric: incident_count, trend: down, statistic: mean}
)"));
  EXPECT_NE(problems.find("test.yaml:2:16: metrics.trend_weeks:"), std::string::npos) << problems;
  EXPECT_NE(problems.find("test.yaml:4:16: metrics.targets[0].metric:"), std::string::npos) << problems;
  EXPECT_NE(problems.find("a mttr target needs 'below'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("a mttr target takes 'below' only"), std::string::npos) << problems;
  EXPECT_NE(problems.find("expected a percentage from 0 to 100 (\"100%\"), got '120%'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("metrics.targets[3].trend:"), std::string::npos) << problems;
  EXPECT_NE(problems.find("unknown severity 'SEV-9'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("'statistic' applies to mttd, mtta and mttr only"), std::string::npos) << problems;
}

TEST(ConfigMetrics, TheReviewsTimeZone) {
  auto ok = Load("metrics:\n  time_zone: Europe/Paris\n");
  ASSERT_TRUE(ok.ok()) << Problems(ok);
  EXPECT_EQ(ok.config.metrics.time_zone, "Europe/Paris");
  EXPECT_EQ(Load("metrics: {}\n").config.metrics.time_zone, "UTC");
  auto problems = Problems(Load("metrics:\n  time_zone: Mars/Olympus\n"));
  EXPECT_NE(problems.find("test.yaml:2:14: metrics.time_zone: unknown time zone 'Mars/Olympus'"), std::string::npos)
      << problems;
}

TEST(ConfigSlos, ObjectivesPerService) {
  auto ok = Load("slos:\n  - {service: checkout, objective: 99.9%, window: 30d}\n  - {service: search, objective: 99}\n");
  ASSERT_TRUE(ok.ok()) << Problems(ok);
  ASSERT_EQ(ok.config.slos.size(), 2u);
  EXPECT_EQ(ok.config.slos[0].objective, 99.9);
  EXPECT_EQ(ok.config.slos[0].window, std::chrono::hours(24 * 30));
  EXPECT_EQ(ok.config.slos[1].window, std::chrono::hours(24 * 30));  // the default
  auto problems = Problems(Load(R"(slos:
  - {service: checkout, objective: 100%}
  - {service: search, objective: 0}
  - {service: web, objective: 99.9, window: 5m}
  - {service: api, objective: 99.9}
  - {service: api, objective: 99.5}
  - {objective: 99}
)"));
  EXPECT_NE(problems.find("test.yaml:2:36: slos[0].objective: an objective of 100% leaves no error budget"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("slos[1].objective: an objective of 0% leaves no error budget"), std::string::npos) << problems;
  EXPECT_NE(problems.find("slos[2].window: expected a window from 1h to 366d"), std::string::npos) << problems;
  EXPECT_NE(problems.find("a second objective for service 'api'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("slos[5]: missing required key"), std::string::npos) << problems;
}

}  // namespace
}  // namespace tocsin::config

namespace tocsin::config {
namespace {

constexpr std::string_view kReportChannels = R"(channels:
  - {name: sre-slack, type: slack, url: 'https://hooks.slack.com/services/x'}
  - {name: eng-managers-email, type: email, to: managers@example.com}
  - {name: hook, type: webhook, url: 'https://example.com/hook'}
  - {name: pd, type: pagerduty, routing_key: k}
)";

TEST(ConfigReports, TheWeeklyReviewsSchedule) {
  auto result = Load(std::string(kReportChannels) + R"(reports:
  weekly: {day: tuesday, time: "09:30", time_zone: Europe/Paris, channels: [sre-slack, eng-managers-email]}
slos:
  - {service: checkout, objective: 99.9%, channels: [hook]}
  - {service: search, objective: 99.5%}
)");
  ASSERT_TRUE(result.ok()) << Problems(result);
  const auto& w = *result.config.reports.weekly;
  EXPECT_EQ(w.day, 2);
  EXPECT_EQ(w.time, std::chrono::minutes(9 * 60 + 30));
  EXPECT_EQ(w.time_zone, "Europe/Paris");
  EXPECT_EQ(w.channels, (std::vector<std::string>{"sre-slack", "eng-managers-email"}));
  EXPECT_EQ(result.config.slos[0].channels, (std::vector<std::string>{"hook"}));
  EXPECT_TRUE(result.config.slos[1].channels.empty());  // the review's channels
}

TEST(ConfigReports, SundayIsDaySevenAndTheZoneDefaultsToTheMetricsOne) {
  auto result = Load(std::string(kReportChannels) + R"(metrics: {time_zone: America/New_York}
reports:
  weekly: {day: sun, channels: hook}
)");
  ASSERT_TRUE(result.ok()) << Problems(result);
  EXPECT_EQ(result.config.reports.weekly->day, 7);
  EXPECT_EQ(result.config.reports.weekly->time, std::chrono::minutes(9 * 60));
  EXPECT_EQ(result.config.reports.weekly->time_zone, "America/New_York");
}

TEST(ConfigReports, EachBadFieldIsNamed) {
  auto problems = Problems(Load(std::string(kReportChannels) + R"(reports:
  weekly: {day: funday, time: "25:00", time_zone: Mars/Olympus, channels: [sre-slack, nowhere, pd]}
slos:
  - {service: checkout, objective: 99.9%, channels: [pd]}
)"));
  EXPECT_NE(problems.find("reports.weekly.day: unknown day 'funday'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("reports.weekly.time: expected a time of day"), std::string::npos) << problems;
  EXPECT_NE(problems.find("reports.weekly.time_zone: unknown time zone 'Mars/Olympus'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("reports.weekly.channels[1]: unknown channel 'nowhere'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("reports.weekly.channels[2]: channel 'pd' is a PagerDuty channel"), std::string::npos)
      << problems;
  EXPECT_NE(problems.find("slos[0].channels[0]: channel 'pd' is a PagerDuty channel"), std::string::npos) << problems;
}

TEST(ConfigReports, TheReviewNeedsChannels) {
  auto problems = Problems(Load(std::string(kReportChannels) + "reports:\n  weekly: {day: monday}\n"));
  EXPECT_NE(problems.find("channels"), std::string::npos) << problems;
}

TEST(ConfigReports, TheExampleSendsTheMondayReview) {
  auto result = LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml",
                               [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(result.ok()) << Problems(result);
  ASSERT_TRUE(result.config.reports.weekly);
  EXPECT_EQ(result.config.reports.weekly->day, 1);
  EXPECT_EQ(result.config.reports.weekly->time_zone, "Europe/Paris");
  EXPECT_EQ(result.config.reports.weekly->channels, (std::vector<std::string>{"slack-sre", "email-eng-managers"}));
}

}  // namespace
}  // namespace tocsin::config
