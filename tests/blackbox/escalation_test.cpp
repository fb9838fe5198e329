// Proves the seed's escalation policies page the right people at the right
// time until someone acknowledges, survive a restart without repeating or
// skipping a tier, and that on-call questions, overrides and calendar feeds
// work through the API.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "blackbox/harness.hpp"
#include "blackbox/receiver.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

std::vector<std::string> Pages(TestServer& s, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& c : s.Timeline(id)) {
    if (c["attributes"]["kind"] == "page") out.push_back(c["attributes"]["content"]["content"]);
  }
  return out;
}

std::string OpenSecurityIncident(TestServer& s) {
  auto r = s.Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
  EXPECT_EQ(r.status, 200) << r.body;
  return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Escalation, SecurityPolicyWithoutAcknowledgement) {
  TestServer server;
  std::string id = OpenSecurityIncident(server);
  server.app().RunWorkersOnce(server.clock().Now());
  auto pages = Pages(server, id);
  ASSERT_EQ(pages.size(), 1u);  // tier 1 at once: the primary Security Engineer
  EXPECT_TRUE(Contains(pages[0], "policy 'Security Escalation' → tier 1 'Primary' → schedule 'security-primary'")) << pages[0];
  server.clock().Advance(4min);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(Pages(server, id).size(), 1u);
  server.clock().Advance(1min);  // 5 minutes: the Security Lead
  server.app().RunWorkersOnce(server.clock().Now());
  pages = Pages(server, id);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_TRUE(Contains(pages[1], "tier 2 'Secondary'") && Contains(pages[1], "Security Lead")) << pages[1];
  server.clock().Advance(10min);  // 15 minutes: the CISO only for a confirmed breach, and this is not one
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(Pages(server, id).size(), 2u);
  bool skipped_note = false;
  for (const auto& c : server.Timeline(id)) {
    skipped_note |= c["attributes"]["kind"] == "escalation_step" &&
                    Contains(c["attributes"]["content"]["content"], "tier 3");
  }
  EXPECT_TRUE(skipped_note);
}

TEST(Escalation, CisoIsPagedForAConfirmedBreach) {
  TestServer server;
  std::string id = OpenSecurityIncident(server);
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"},
                                   {"attributes", {{"fields", {{"Data Exposed", {{"type", "dropdown"}, {"value", "true"}}}}}}}}}})
                .status,
            200);
  server.clock().Advance(15min);
  server.app().RunWorkersOnce(server.clock().Now());
  auto pages = Pages(server, id);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_TRUE(Contains(pages[2], "tier 3 'Tertiary'") && Contains(pages[2], "CISO")) << pages[2];
}

TEST(Escalation, VpEngineeringOnlyForSev1) {
  TestServer server;
  auto open = [&](const json& alert) {
    auto r = server.Ingest("/api/integrations/generic", alert);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"].get<std::string>();
  };
  // Rule 3 (SEV-1, @platform-oncall) and Rule 4 (SEV-2, @sre-oncall): both the Platform/SRE policy.
  std::string sev1 = open(json{{"monitor", "Checkout latency"}, {"tags", {"tier:1"}}});
  std::string sev2 = open(json{{"monitor", "[V-Commerce] AI-Powered Predictive Capacity Alert"}});
  server.app().RunWorkersOnce(server.clock().Now());
  server.clock().Advance(30min);
  server.app().RunWorkersOnce(server.clock().Now());
  auto p1 = Pages(server, sev1);
  auto p2 = Pages(server, sev2);
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_TRUE(Contains(p1[2], "VP Engineering")) << p1[2];
  ASSERT_EQ(p2.size(), 2u);  // primary and SRE Lead; the VP tier is for SEV-1 only
  EXPECT_TRUE(Contains(p2[1], "SRE Lead")) << p2[1];
}

TEST(Escalation, AcknowledgementStopsThePolicyAndIsIdempotent) {
  TestServer server;
  std::string id = OpenSecurityIncident(server);
  server.app().RunWorkersOnce(server.clock().Now());
  server.clock().Advance(3min);
  // Two acknowledgements at once: both answer 200, one is recorded.
  std::vector<std::thread> both;
  std::atomic<int> ok{0};
  for (int k = 0; k < 2; ++k) {
    both.emplace_back([&] {
      HttpClient c(server.port());
      auto r = c.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", "",
                         {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}});
      if (r.status == 200) ++ok;
    });
  }
  for (auto& t : both) t.join();
  EXPECT_EQ(ok.load(), 2);
  auto inc = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"];
  EXPECT_EQ(inc["acknowledged"], "2026-11-27T10:03:00.000000+00:00");
  EXPECT_EQ(inc["time_to_acknowledge"], 180);
  int acks = 0;
  for (const auto& c : server.Timeline(id)) acks += c["attributes"]["kind"] == "acknowledged";
  EXPECT_EQ(acks, 1);
  server.clock().Advance(30min);
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(Pages(server, id).size(), 1u);  // nobody else is paged
}

TEST(Escalation, AcknowledgingUnknownOrResolvedIncidentsIsRefused) {
  TestServer server;
  EXPECT_EQ(server.Call("POST", "/api/v2/incidents/" + NewUuidV4() + "/acknowledge").status, 404);
  EXPECT_EQ(server.Call("POST", "/api/v2/incidents/not-a-uuid/acknowledge").status, 400);
  std::string id = server.CreateIncident("done")["id"];
  ASSERT_EQ(server.Call("PATCH", "/api/v2/incidents/" + id,
                        {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}})
                .status,
            200);
  auto r = server.Call("POST", "/api/v2/incidents/" + id + "/acknowledge");
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(Contains(r.body, "resolved"));
}

TEST(Escalation, RestartBetweenTiersNeitherRepeatsNorSkips) {
  auto dir = std::filesystem::temp_directory_path() / ("tocsin-esc-" + RandomHex(6));
  std::string id;
  {
    TestServer first{TestServerOptions{"sqlite", nullptr, dir}};
    id = OpenSecurityIncident(first);
    first.app().RunWorkersOnce(first.clock().Now());
    ASSERT_EQ(Pages(first, id).size(), 1u);
  }
  {
    TestServer second{TestServerOptions{"sqlite", nullptr, dir}};
    second.clock().Advance(6min);  // tier 2 became due while the server was down
    second.app().RunWorkersOnce(second.clock().Now());
    second.app().RunWorkersOnce(second.clock().Now());
    auto pages = Pages(second, id);
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_TRUE(Contains(pages[1], "tier 2")) << pages[1];
  }
  std::filesystem::remove_all(dir);
}

TEST(OnCall, WhoIsOnCallNowAndLater) {
  TestServer server;
  auto now = server.Call("GET", "/api/v2/on-call/teams/security");
  ASSERT_EQ(now.status, 200) << now.body;
  auto people = ParseJson(now.body)["data"]["attributes"]["on_call"];
  ASSERT_EQ(people.size(), 1u);
  EXPECT_TRUE(Contains(people[0]["why"], "schedule 'security-primary'"));
  // By handle, and at a given time (the weekly rotation hands off Monday 09:00 Berlin).
  auto later = ParseJson(server.Call("GET", "/api/v2/on-call/teams/@security-oncall?at=2026-11-30T09:30:00%2B01:00").body);
  auto next = later["data"]["attributes"]["on_call"][0]["handle"];
  EXPECT_NE(next, people[0]["handle"]);
  EXPECT_EQ(server.Call("GET", "/api/v2/on-call/teams/nobody").status, 404);
  EXPECT_EQ(server.Call("GET", "/api/v2/on-call/teams/security?at=tomorrow").status, 400);
  auto shifts = ParseJson(server.Call("GET", "/api/v2/on-call/schedules/security-primary/shifts?from=2026-11-23T00:00:00Z&to=2026-12-07T00:00:00Z").body)["data"];
  ASSERT_GE(shifts.size(), 2u);
  EXPECT_EQ(server.Call("GET", "/api/v2/on-call/schedules/security-primary/shifts?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z").status, 400);
}

TEST(OnCall, OverridesAreValidatedAppliedAndAudited) {
  TestServer server;
  std::string who = ParseJson(server.Call("GET", "/api/v2/on-call/schedules/security-primary").body)["data"]["attributes"]["on_call"]["handle"];
  std::string cover = who == "samira" ? "jonas" : "samira";
  json body{{"data", {{"type", "schedule_overrides"},
                      {"attributes", {{"user", cover}, {"start", "2026-11-27T09:00:00Z"}, {"end", "2026-11-27T18:00:00Z"}}}}}};
  auto made = server.Call("POST", "/api/v2/on-call/schedules/security-primary/overrides", body);
  ASSERT_EQ(made.status, 201) << made.body;
  std::string override_id = ParseJson(made.body)["data"]["id"];
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/on-call/schedules/security-primary").body)["data"]["attributes"]["on_call"]["handle"], cover);
  // Overlapping, inverted and unknown-user overrides are refused and change nothing.
  EXPECT_EQ(server.Call("POST", "/api/v2/on-call/schedules/security-primary/overrides", body).status, 400);
  json inverted = body;
  inverted["data"]["attributes"]["start"] = "2026-11-28T18:00:00Z";
  inverted["data"]["attributes"]["end"] = "2026-11-28T09:00:00Z";
  EXPECT_EQ(server.Call("POST", "/api/v2/on-call/schedules/security-primary/overrides", inverted).status, 400);
  json stranger = body;
  stranger["data"]["attributes"]["user"] = "nobody-we-know";
  stranger["data"]["attributes"]["start"] = "2026-12-01T09:00:00Z";
  stranger["data"]["attributes"]["end"] = "2026-12-01T10:00:00Z";
  auto r = server.Call("POST", "/api/v2/on-call/schedules/security-primary/overrides", stranger);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Contains(r.body, "data.attributes.user"));
  // A new incident's commander is the override's user.
  std::string id = OpenSecurityIncident(server);
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body)["data"]["attributes"]["commander"]["data"]["attributes"]["handle"], cover);
  ASSERT_EQ(server.Call("DELETE", "/api/v2/on-call/schedules/security-primary/overrides/" + override_id).status, 204);
  EXPECT_EQ(server.Call("DELETE", "/api/v2/on-call/schedules/security-primary/overrides/" + override_id).status, 404);
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/on-call/schedules/security-primary").body)["data"]["attributes"]["on_call"]["handle"], who);
  auto audit = ParseJson(server.Call("GET", "/api/v2/on-call/schedules/security-primary/overrides").body)["data"];
  ASSERT_EQ(audit.size(), 1u);
  std::string actor = server.app().config()->users.front().handle;
  EXPECT_EQ(audit[0]["attributes"]["created_by"], actor);
  EXPECT_EQ(audit[0]["attributes"]["removed_by"], actor);
}

TEST(OnCall, CalendarFeedParsesWithAnIndependentParser) {
  TestServer server;
  HttpClient client(server.port());
  auto feed = client.Request("GET", "/api/v2/on-call/schedules/security-primary/calendar.ics?api_key=" + server.api_key +
                                        "&application_key=" + server.app_key);
  ASSERT_EQ(feed.status, 200) << feed.body;
  EXPECT_EQ(feed.headers["content-type"], "text/calendar; charset=utf-8");
  auto file = std::filesystem::temp_directory_path() / ("tocsin-" + RandomHex(4) + ".ics");
  std::ofstream(file, std::ios::binary) << feed.body;
  std::string cmd = "/usr/bin/python3 -c 'import sys, icalendar; c = icalendar.Calendar.from_ical(open(sys.argv[1], \"rb\").read()); "
                    "print(len([e for e in c.walk(\"VEVENT\")]))' " + file.string();
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {0};
  bool read = fgets(buf, sizeof buf, p) != nullptr;
  int rc = pclose(p);
  std::filesystem::remove(file);
  ASSERT_TRUE(read);
  EXPECT_EQ(rc, 0);
  EXPECT_GE(std::atoi(buf), 8);  // a week back and eight weeks ahead of weekly shifts
  auto user_feed = client.Request("GET", "/api/v2/on-call/users/samira/calendar.ics?api_key=" + server.api_key +
                                             "&application_key=" + server.app_key);
  EXPECT_EQ(user_feed.status, 200);
  EXPECT_TRUE(Contains(user_feed.body, "BEGIN:VCALENDAR"));
  EXPECT_EQ(client.Request("GET", "/api/v2/on-call/users/samira/calendar.ics").status, 401);
}

TEST(Escalation, PagesReachTheTeamsPagerDutyService) {
  RecordingReceiver receiver;
  TestServer server(TestServerOptions{"sqlite", [&](core::Config& c) {
                                        for (auto& ch : c.channels) {
                                          if (ch.type == "pagerduty") ch.settings["url"] = receiver.Url("/pd");
                                          if (ch.type == "slack") ch.settings["url"] = receiver.Url("/slack");
                                        }
                                      }});
  receiver.Respond([](const http::Request&) { return http::Response::Json(202, R"({"status":"success"})"); });
  std::string id = OpenSecurityIncident(server);
  server.app().RunWorkersOnce(server.clock().Now());
  int pages = 0;
  for (const auto& r : receiver.received()) {
    if (r.path != "/pd") continue;
    json b = ParseJson(r.body);
    EXPECT_EQ(b["dedup_key"], id);
    pages += b["payload"]["class"] == "page";
  }
  EXPECT_EQ(pages, 1);
}

}  // namespace
}  // namespace tocsin::testing
