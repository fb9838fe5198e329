// Incident analytics through the real server: MTTD, MTTA and MTTR over a
// period from incidents worked through the API with a fake clock; a never
// acknowledged incident counts as unacknowledged, not as zero; bad
// parameters are refused naming them.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

TEST(Analytics, MeasuresTheIncidentsOfAPeriod) {
  TestServer server;
  TimePoint t0 = server.clock().Now();
  auto created = server.Call(
      "POST", "/api/v2/incidents",
      {{"data", {{"type", "incidents"},
                 {"attributes", {{"title", "Checkout down"},
                                 {"customer_impacted", true},
                                 {"customer_impact_scope", "checkout"},
                                 {"customer_impact_start", FormatRfc3339(t0 - 5min)},
                                 {"detected", FormatRfc3339(t0 - 2min)},
                                 {"fields", {{"severity", {{"type", "dropdown"}, {"value", "SEV-1"}}}}}}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string a = ParseJson(created.body)["data"]["id"];
  server.clock().Advance(4min);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + a + "/acknowledge", json::object()).status, 200);
  server.clock().Advance(30min);
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + a,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  server.CreateIncident("Slow search", "SEV-2");  // never acknowledged, still open

  // "+00:00" in a query string reads as a space: percent-encode the '+'.
  auto q = [](TimePoint t) {
    std::string s = FormatRfc3339(t);
    return s.replace(s.find('+'), 1, "%2B");
  };
  auto r = server.Call("GET", "/api/v2/analytics/incidents?from=" + q(t0 - 1h) + "&to=" + q(t0 + 1h) +
                                  "&group_by=severity&interval=day");
  ASSERT_EQ(r.status, 200) << r.body;
  json total = ParseJson(r.body)["data"]["attributes"]["total"];
  EXPECT_EQ(total["incidents"], 2);
  EXPECT_EQ(total["unacknowledged"], 1);
  EXPECT_EQ(total["open"], 1);
  EXPECT_EQ(total["mttd"]["count"], 1);
  EXPECT_EQ(total["mttd"]["mean_seconds"], 180.0);  // detected - impact start
  EXPECT_EQ(total["mtta"]["count"], 1);
  EXPECT_EQ(total["mtta"]["missing"], 1);
  EXPECT_EQ(total["mtta"]["median_seconds"], 360.0);  // acknowledged - detected
  EXPECT_EQ(total["mttr"]["count"], 1);
  EXPECT_EQ(total["mttr"]["p90_seconds"], 2040.0);  // resolved - created
  json groups = ParseJson(r.body)["data"]["attributes"]["groups"];
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]["key"], "SEV-1");
  EXPECT_EQ(groups[1]["key"], "SEV-2");
  EXPECT_TRUE(groups[1]["measures"]["mtta"]["mean_seconds"].is_null());
  json buckets = ParseJson(r.body)["data"]["attributes"]["buckets"];
  ASSERT_GE(buckets.size(), 1u);
  // The example's five targets, each met, missed or without data, with its figure.
  json targets = ParseJson(r.body)["data"]["attributes"]["targets"];
  ASSERT_EQ(targets.size(), 5u);
  EXPECT_EQ(targets[0]["name"], "MTTD < 5 min");
  EXPECT_EQ(targets[0]["status"], "met");
  EXPECT_EQ(targets[1]["status"], "met");  // MTTA 6 min
  EXPECT_EQ(targets[2]["status"], "met");  // SEV-1 MTTR 34 min
  EXPECT_EQ(targets[3]["metric"], "incident_count");
  EXPECT_EQ(targets[3]["weekly_counts"].size(), 12u);
  EXPECT_EQ(targets[4]["status"], "missed");  // the SEV-1's post-mortem is a draft
  EXPECT_EQ(targets[4]["value"], 0.0);
  EXPECT_NE(targets[4]["figure"].get<std::string>().find("0 of 1 published"), std::string::npos) << targets[4];

  // Outside the period: nothing.
  auto empty = server.Call("GET", "/api/v2/analytics/incidents?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(ParseJson(empty.body)["data"]["attributes"]["total"]["incidents"], 0);
}

// GET `target` is refused with 400 and an error that says `wanted`.
void ExpectRefused(TestServer& server, const std::string& target, const std::string& wanted) {
  auto r = server.Call("GET", target);
  EXPECT_EQ(r.status, 400) << target << ": " << r.body;
  EXPECT_NE(r.body.find(wanted), std::string::npos) << r.body;
}

TEST(Analytics, BadParametersAreRefusedNamingThem) {
  TestServer server;
  auto refused = [&](const std::string& q, const std::string& wanted) {
    ExpectRefused(server, "/api/v2/analytics/incidents?" + q, wanted);
  };
  refused("from=2026-11-30T00:00:00Z&to=2026-11-23T00:00:00Z", "from: must be before to");
  refused("from=2023-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from: the range is over 2 years");
  refused("from=last-week", "from: 'last-week' is not an RFC 3339 time");
  refused("group_by=colour", "group_by: unknown value 'colour'");
  refused("interval=year", "interval: unknown value 'year'");
  refused("time_zone=Mars/Olympus", "time_zone: unknown time zone 'Mars/Olympus'");
  EXPECT_EQ(server.CallWith("GET", "/api/v2/analytics/incidents", "", {}).status, 401);
}

TEST(WeeklyReportApi, TheWeekAsJsonMarkdownAndHtml) {
  TestServer server;  // the fake clock starts on Friday 2026-11-27 (week 48)
  json created = server.CreateIncident("Checkout down", "SEV-1");
  std::string id = created["id"];
  server.clock().Advance(4min);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  ASSERT_EQ(server.Ingest("/api/integrations/generic",
                          {{"monitor", "Disk 80%"}, {"state", "alert"}, {"tags", json::array()}, {"scope", "host:db-1"}})
                .status,
            200);

  auto r = server.Call("GET", "/api/v2/reports/weekly?week=2026-W48");
  ASSERT_EQ(r.status, 200) << r.body;
  json data = ParseJson(r.body)["data"];
  EXPECT_EQ(data["type"], "weekly_report");
  EXPECT_EQ(data["id"], "2026-W48");
  json a = data["attributes"];
  EXPECT_EQ(a["start"], "2026-11-23T00:00:00.000000+00:00");
  EXPECT_EQ(a["incidents"]["by_severity"]["SEV-1"], 1);
  EXPECT_EQ(a["targets"].size(), 5u);
  EXPECT_EQ(a["response"]["mtta"]["summary"]["mean_seconds"], 240.0);
  EXPECT_EQ(a["incidents"]["trend"]["weeks"].size(), 12u);
  EXPECT_TRUE(a["patterns"]["alerts_available"]);

  auto md = server.CallWith("GET", "/api/v2/reports/weekly?week=2026-W48", "",
                            {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}, {"Accept", "text/markdown"}});
  ASSERT_EQ(md.status, 200) << md.body;
  EXPECT_EQ(md.body.rfind("# Weekly incident review 2026-W48\n", 0), 0u) << md.body;
  EXPECT_NE(md.body.find("IR-1 Checkout down (SEV-1)"), std::string::npos) << md.body;
  auto html = server.CallWith("GET", "/api/v2/reports/weekly?week=2026-W48&time_zone=Europe/Paris", "",
                              {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}, {"Accept", "text/html"}});
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_NE(html.body.find("<svg"), std::string::npos);
  EXPECT_NE(html.body.find("(Europe/Paris)"), std::string::npos);
  EXPECT_EQ(html.body.find("<script"), std::string::npos);

  // Without a week: the last full week.
  auto last = server.Call("GET", "/api/v2/reports/weekly");
  ASSERT_EQ(last.status, 200) << last.body;
  EXPECT_EQ(ParseJson(last.body)["data"]["id"], "2026-W47");
  EXPECT_EQ(ParseJson(last.body)["data"]["attributes"]["incidents"]["total"], 0);
}

// The server keeps the analytics' rows between requests: each request sees
// every write answered before it (created, acknowledged, resolved, deleted).
TEST(Analytics, EachRequestSeesEveryWriteAnsweredBeforeIt) {
  TestServer server;
  TimePoint t0 = server.clock().Now();
  auto q = [](TimePoint t) {
    std::string s = FormatRfc3339(t);
    return s.replace(s.find('+'), 1, "%2B");
  };
  auto total = [&] {
    auto r = server.Call("GET", "/api/v2/analytics/incidents?from=" + q(t0 - 1h) + "&to=" + q(t0 + 1h));
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"]["attributes"]["total"];
  };
  EXPECT_EQ(total()["incidents"], 0);
  std::string a = server.CreateIncident("Checkout down", "SEV-1")["id"];
  std::string b = server.CreateIncident("Search slow", "SEV-2")["id"];
  EXPECT_EQ(total()["incidents"], 2);
  EXPECT_EQ(total()["unacknowledged"], 2);
  server.clock().Advance(3min);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + a + "/acknowledge", json::object()).status, 200);
  json after_ack = total();
  EXPECT_EQ(after_ack["unacknowledged"], 1);
  EXPECT_EQ(after_ack["mtta"]["mean_seconds"], 180.0);
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + a,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  EXPECT_EQ(total()["open"], 1);
  ASSERT_EQ(server.Call("DELETE", "/api/v2/incidents/" + b, json()).status, 204);
  json last = total();
  EXPECT_EQ(last["incidents"], 1);
  EXPECT_EQ(last["unacknowledged"], 0);
}

// Buckets start at midnight in the asked zone: across the end of summer time
// in Paris (2026-10-25), an incident at 00:30 on Monday in Paris (23:30 UTC on
// Sunday) is in Monday's week there, in the week before in UTC.
TEST(Analytics, BucketsStartAtMidnightInTheAskedTimeZone) {
  TestServer server;
  server.clock().Set(*ParseRfc3339("2026-10-25T23:30:00Z"));
  server.CreateIncident("Late night", "SEV-3");
  auto weeks = [&](const std::string& zone) {
    auto r = server.Call("GET", "/api/v2/analytics/incidents?from=2026-10-18T00:00:00Z&to=2026-11-02T00:00:00Z"
                                "&interval=week&time_zone=" + zone);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"]["attributes"];
  };
  json paris = weeks("Europe/Paris");
  EXPECT_EQ(paris["time_zone"], "Europe/Paris");
  ASSERT_EQ(paris["buckets"].size(), 4u);  // weeks of 12, 19 and 26 October, 2 November (to is 01:00 on it in Paris)
  EXPECT_EQ(paris["buckets"][1]["start"], FormatRfc3339(*ParseRfc3339("2026-10-18T22:00:00Z")));  // Monday 19 October, 00:00 CEST
  EXPECT_EQ(paris["buckets"][1]["end"], FormatRfc3339(*ParseRfc3339("2026-10-25T23:00:00Z")));    // Monday 26 October, 00:00 CET
  EXPECT_EQ(paris["buckets"][1]["total"]["incidents"], 0);
  EXPECT_EQ(paris["buckets"][2]["total"]["incidents"], 1);
  json utc = weeks("UTC");
  ASSERT_EQ(utc["buckets"].size(), 3u);
  EXPECT_EQ(utc["buckets"][1]["start"], FormatRfc3339(*ParseRfc3339("2026-10-19T00:00:00Z")));
  EXPECT_EQ(utc["buckets"][1]["total"]["incidents"], 1);
}

TEST(WeeklyReportApi, BadParametersAreRefusedNamingThem) {
  TestServer server;
  auto refused = [&](const std::string& q, const std::string& wanted) {
    ExpectRefused(server, "/api/v2/reports/weekly?" + q, wanted);
  };
  refused("week=2026-W99", "week: '2026-W99' is not an ISO week like 2026-W48");
  refused("week=last", "week: 'last' is not an ISO week");
  refused("week=2027-W02", "week: 2027-W02 has not started");
  refused("time_zone=Mars/Olympus", "time_zone: unknown time zone 'Mars/Olympus'");
  refused("format=pdf", "format: unknown value 'pdf'");
  EXPECT_EQ(server.CallWith("GET", "/api/v2/reports/weekly", "", {}).status, 401);
}

TEST(ErrorBudgetsApi, CustomerImpactOfAServicesIncidentsConsumesItsBudget) {
  TestServerOptions options;
  options.tweak = [](core::Config& c) { c.slos = {{"checkout", 99.9, std::chrono::hours(24 * 30), {}}}; };
  TestServer server(options);
  TimePoint t0 = server.clock().Now();
  auto created = server.Call(
      "POST", "/api/v2/incidents",
      {{"data", {{"type", "incidents"},
                 {"attributes", {{"title", "Checkout down"},
                                 {"customer_impacted", true},
                                 {"customer_impact_scope", "checkout"},
                                 {"customer_impact_start", FormatRfc3339(t0 - 10min)},
                                 {"fields", {{"severity", {{"type", "dropdown"}, {"value", "SEV-1"}}},
                                             {"services", {{"type", "autocomplete"}, {"value", {"checkout"}}}}}}}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  server.clock().Advance(5min);
  auto r = server.Call("GET", "/api/v2/analytics/error-budgets");
  ASSERT_EQ(r.status, 200) << r.body;
  json data = ParseJson(r.body)["data"];
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0]["id"], "checkout");
  json a = data[0]["attributes"];
  EXPECT_EQ(a["budget_seconds"], 2592.0);   // 0.1 % of 30 days
  EXPECT_EQ(a["consumed_seconds"], 900.0);  // open: impact start to now
  EXPECT_EQ(a["left_seconds"], 1692.0);
  EXPECT_EQ(a["incidents"], 1);
  // The weekly review shows it too.
  auto week = server.Call("GET", "/api/v2/reports/weekly?week=2026-W48");
  ASSERT_EQ(week.status, 200) << week.body;
  EXPECT_EQ(ParseJson(week.body)["data"]["attributes"]["error_budgets"][0]["service"], "checkout");
  ExpectRefused(server, "/api/v2/analytics/error-budgets?at=yesterday", "at: 'yesterday' is not an RFC 3339 time");
}

// The acknowledge and resolve times on /metrics, as histograms by severity
// (Prometheus computes MTTA/MTTR quantiles from them): an acknowledgement 7
// minutes after detection lands in the 600 s bucket, not the 300 s one; a
// second acknowledgement changes nothing; a resolution 57 minutes after
// creation lands in the 3600 s bucket. Counters are process-wide, so the test
// compares before and after.
TEST(Analytics, AcknowledgeAndResolveTimesAreHistogramsOnMetrics) {
  TestServer server;
  auto sample = [&](const std::string& series) -> std::int64_t {
    auto r = server.Call("GET", "/metrics", json());
    std::size_t at = r.body.find("\n" + series + " ");
    if (at == std::string::npos) return 0;  // not observed yet
    return std::stoll(r.body.substr(at + series.size() + 2));
  };
  const std::string ack = "tocsin_incident_acknowledge_seconds";
  const std::string res = "tocsin_incident_resolve_seconds";
  auto bucket = [](const std::string& family, const char* le) {
    return family + "_bucket{severity=\"SEV-3\",le=\"" + le + "\"}";
  };
  const std::string ack_count = ack + "_count{severity=\"SEV-3\"}";
  std::int64_t ack300 = sample(bucket(ack, "300")), ack600 = sample(bucket(ack, "600")), acks = sample(ack_count);
  std::int64_t res1800 = sample(bucket(res, "1800")), res3600 = sample(bucket(res, "3600"));

  std::string id = server.CreateIncident("Queue backlog", "SEV-3")["id"];
  server.clock().Advance(7min);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  ASSERT_EQ(server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  server.clock().Advance(50min);
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);

  EXPECT_EQ(sample(bucket(ack, "300")) - ack300, 0);
  EXPECT_EQ(sample(bucket(ack, "600")) - ack600, 1);
  EXPECT_EQ(sample(ack_count) - acks, 1);  // the second acknowledgement is not counted
  EXPECT_EQ(sample(bucket(res, "1800")) - res1800, 0);
  EXPECT_EQ(sample(bucket(res, "3600")) - res3600, 1);
}

}  // namespace
}  // namespace tocsin::testing
