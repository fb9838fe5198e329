// The weekly review on hand-made incidents and alert records: ISO weeks and
// their boundaries in a zone (a daylight-saving change included), the figures
// of each section, golden Markdown and JSON, and the HTML parsed as XML.

#include "core/report/weekly.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "core/report/render.hpp"

namespace tocsin::core::report {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* t) { return *ParseRfc3339(t); }

MetricsConfig SeedTargets() {
  MetricsConfig c;
  c.trend_weeks = 12;
  c.targets = {{"MTTD < 5 min", "mttd", "mean", {}, std::chrono::seconds(300), std::nullopt, "", {}},
               {"MTTA < 10 min", "mtta", "mean", {}, std::chrono::seconds(600), std::nullopt, "", {}},
               {"MTTR < 1 hour (SEV-1)", "mttr", "mean", {"SEV-1"}, std::chrono::seconds(3600), std::nullopt, "", {}},
               {"Incident count trending down", "incident_count", "mean", {}, std::nullopt, std::nullopt, "down", {}},
               {"Post-mortem completion 100% (SEV-1/2)", "postmortem_completion", "mean", {"SEV-1", "SEV-2"},
                std::nullopt, 100.0, "", {}}};
  return c;
}

Incident Make(std::int64_t public_id, const char* title, const char* severity, const char* created) {
  Incident i;
  i.id = "id-" + std::to_string(public_id);
  i.public_id = public_id;
  i.title = title;
  i.severity = severity;
  i.created = At(created);
  i.detected = i.created;
  return i;
}

void Resolve(Incident& i, Micros ack_after, Micros resolve_after) {
  i.acknowledged = i.created + ack_after;
  i.resolved = i.created + resolve_after;
  i.state = IncidentState::kResolved;
}

Todo MakeTodo(const char* content, std::vector<std::string> owners, TimePoint created, std::optional<TimePoint> due) {
  Todo t;
  t.content = content;
  t.assignees = std::move(owners);
  t.created = created;
  t.due = due;
  return t;
}

AlertRecord Alert(const char* monitor, const char* fingerprint, const char* scope, const char* received,
                  const char* decision, const std::string& incident_id) {
  AlertRecord a;
  a.alert.monitor_name = monitor;
  a.alert.scope = scope;
  a.alert.received_at = At(received);
  a.fingerprint = fingerprint;
  a.decision = decision;
  a.incident_id = incident_id;
  return a;
}

// The week 2026-W48 (Monday 23 November to Sunday 29 November 2026).
struct Fixture {
  MetricsConfig metrics = SeedTargets();
  std::vector<SeverityLevel> severities = DefaultSeverities();
  std::vector<Incident> incidents;
  std::vector<AlertRecord> alerts;
  std::vector<Slo> slos = {{"checkout", 99.9, std::chrono::hours(24 * 30), {}}};

  Fixture() {
    Incident checkout = Make(1, "Checkout down", "SEV-1", "2026-11-23T10:00:00Z");
    checkout.customer_impact_start = checkout.created - 3min;  // to its resolution: 43 min
    checkout.fields["services"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"checkout"}};
    Resolve(checkout, 4min, 40min);
    checkout.escalation_steps.push_back({0, 0, checkout.created, "paged"});
    checkout.escalation_steps.push_back({0, 1, checkout.created + 10min, "skipped"});
    checkout.postmortem = Postmortem{};
    checkout.postmortem->created = *checkout.resolved;
    checkout.postmortem->due = *checkout.resolved + 48h;  // Wednesday 10:40, still a draft
    Todo canary = MakeTodo("Add a checkout canary", {"@alice"}, At("2026-11-24T09:00:00Z"), At("2026-11-27T17:00:00Z"));
    canary.follow_up = true;
    checkout.todos.push_back(canary);
    Todo step = MakeTodo("Open a war room", {}, checkout.created, std::nullopt);
    step.checklist = "On Incident Creation";  // a response step, not an action item
    checkout.todos.push_back(step);
    incidents.push_back(checkout);

    Incident search = Make(2, "Slow search", "SEV-2", "2026-11-24T14:30:00Z");  // never acknowledged, open
    search.escalation_steps.push_back({0, 0, search.created, "paged"});
    search.escalation_steps.push_back({0, 1, search.created + 15min, "paged"});
    incidents.push_back(search);

    Incident payments = Make(3, "Payment errors", "SEV-2", "2026-11-26T02:15:00Z");
    payments.customer_impact_start = payments.created - 10min;
    Resolve(payments, 12min, 3h);
    payments.escalation_steps.push_back({0, 0, payments.created, "paged"});
    payments.postmortem = Postmortem{};
    payments.postmortem->created = *payments.resolved;
    payments.postmortem->due = *payments.resolved + 48h;
    payments.postmortem->state = PostmortemState::kPublished;
    payments.postmortem->published = At("2026-11-27T16:00:00Z");
    payments.todos.push_back(MakeTodo("Rotate the gateway keys", {"@bob", "@alice"}, At("2026-11-27T16:00:00Z"),
                                      At("2026-12-10T00:00:00Z")));
    Todo done = MakeTodo("Page the gateway vendor", {"@bob"}, payments.created, At("2026-11-26T03:00:00Z"));
    done.completed = At("2026-11-26T02:40:00Z");
    payments.todos.push_back(done);
    incidents.push_back(payments);

    Incident again = Make(5, "Payment errors again", "SEV-3", "2026-11-28T20:00:00Z");
    Resolve(again, 2min, 25min);
    incidents.push_back(again);

    // Earlier weeks, for the trend (and an old overdue action item).
    Incident old = Make(4, "Cache evictions", "SEV-3", "2026-11-10T08:00:00Z");
    Resolve(old, 30min, 2h);
    old.todos.push_back(MakeTodo("Size the cache", {}, At("2026-11-10T12:00:00Z"), At("2026-11-20T00:00:00Z")));
    incidents.push_back(old);
    for (const char* t : {"2026-09-07T12:00:00Z", "2026-09-08T12:00:00Z", "2026-09-09T12:00:00Z", "2026-10-05T12:00:00Z",
                          "2026-10-06T12:00:00Z", "2026-11-02T12:00:00Z"}) {
      Incident e = Make(100 + static_cast<std::int64_t>(incidents.size()), "Earlier", "SEV-4", t);
      Resolve(e, 5min, 1h);
      incidents.push_back(e);
    }
    // Left out: deleted and test incidents.
    Incident deleted = Make(90, "Deleted", "SEV-1", "2026-11-25T10:00:00Z");
    deleted.deleted = true;
    incidents.push_back(deleted);
    Incident test = Make(91, "A test", "SEV-1", "2026-11-25T11:00:00Z");
    test.is_test = true;
    incidents.push_back(test);

    alerts = {Alert("Checkout 5xx", "f1", "env:prod", "2026-11-23T09:58:00Z", "opened", "id-1"),
              Alert("Checkout 5xx", "f1", "env:prod", "2026-11-23T10:05:00Z", "appended", "id-1"),
              Alert("Payment gateway errors", "f2", "env:prod,region:eu", "2026-11-26T02:14:00Z", "opened", "id-3"),
              Alert("Payment gateway errors", "f2", "env:prod,region:eu", "2026-11-28T19:59:00Z", "opened", "id-5"),
              Alert("Disk 80%", "f3", "host:db-1", "2026-11-24T01:00:00Z", "ignored", ""),
              Alert("Disk 80%", "f3", "host:db-1", "2026-11-25T01:00:00Z", "ignored", ""),
              Alert("Disk 80%", "f4", "host:db-2", "2026-11-26T01:00:00Z", "ignored", ""),
              Alert("Disk 80%", "f4", "host:db-2", "2026-11-20T01:00:00Z", "ignored", "")};  // week before
  }

  WeeklyReport Build(const std::string& zone = "UTC", const char* now = "2026-11-30T09:00:00Z") {
    WeeklyInput in{*ParseIsoWeek("2026-W48"), zone, At(now), &metrics, &severities, &incidents, &alerts, &slos};
    return *BuildWeekly(in);
  }
};

std::string ReadOrUpdateGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/tests/golden/report/" + name;
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) std::ofstream(path) << actual;
  std::ifstream in(path);
  if (!in) return "missing golden file " + path + " (run with TOCSIN_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  return expected.str();
}

// A small well-formedness check: every tag closed in order, attributes quoted
// and not repeated, entities known, one root element. "" when well-formed.
std::string XmlProblem(const std::string& s) {
  std::vector<std::string> open;
  int roots = 0;
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_'; };
  auto entity_ok = [&](std::size_t i) {
    std::size_t end = s.find(';', i);
    if (end == std::string::npos || end - i > 10) return false;
    std::string e = s.substr(i + 1, end - i - 1);
    if (e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos") return true;
    if (e.size() > 1 && e[0] == '#') return std::all_of(e.begin() + 1, e.end(), ::isdigit);
    return false;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (s[i] != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 9, "<!DOCTYPE") == 0) {
      i = s.find('>', i) + 1;
      continue;
    }
    if (s.compare(i, 2, "</") == 0) {
      std::size_t end = s.find('>', i);
      std::string name = s.substr(i + 2, end - i - 2);
      if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
      i = end + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < s.size() && name_char(s[j])) ++j;
    std::string name = s.substr(i + 1, j - i - 1);
    if (name.empty()) return "stray '<' at " + std::to_string(i);
    std::set<std::string> attributes;
    for (;;) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated <" + name;
      if (s.compare(j, 2, "/>") == 0) {
        j += 2;
        if (open.empty()) ++roots;
        break;
      }
      if (s[j] == '>') {
        ++j;
        if (open.empty()) ++roots;
        open.push_back(name);
        break;
      }
      std::size_t k = j;
      while (k < s.size() && name_char(s[k])) ++k;
      std::string attribute = s.substr(j, k - j);
      if (attribute.empty() || k + 1 >= s.size() || s[k] != '=' || (s[k + 1] != '"' && s[k + 1] != '\'')) {
        return "attribute without a quoted value in <" + name + ">";
      }
      if (!attributes.insert(attribute).second) return "repeated attribute " + attribute + " in <" + name + ">";
      std::size_t close = s.find(s[k + 1], k + 2);
      if (close == std::string::npos) return "unterminated attribute value";
      std::string value = s.substr(k + 2, close - k - 2);
      if (value.find('<') != std::string::npos) return "'<' in an attribute value";
      for (std::size_t a = value.find('&'); a != std::string::npos; a = value.find('&', a + 1)) {
        if (!entity_ok(k + 2 + a)) return "bad entity in an attribute value";
      }
      j = close + 1;
    }
    i = j;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

TEST(IsoWeeks, ParseAndFormat) {
  EXPECT_EQ(ParseIsoWeek("2026-W48"), (IsoWeek{2026, 48}));
  EXPECT_EQ(ParseIsoWeek("2026W48"), (IsoWeek{2026, 48}));
  EXPECT_EQ(ParseIsoWeek("2026-W53"), (IsoWeek{2026, 53}));  // 2026 starts on a Thursday: 53 weeks
  for (const char* bad : {"2025-W53", "2026-W00", "2026-48", "2026-W4", "2026-W480", "abcd-W01", "", "2026-w48",
                          "1969-W10", "2026-W4x"}) {
    EXPECT_FALSE(ParseIsoWeek(bad)) << bad;
  }
  EXPECT_EQ(FormatIsoWeek({2027, 1}), "2027-W01");
  EXPECT_EQ(IsoWeekOf(At("2027-01-01T12:00:00Z")), (IsoWeek{2026, 53}));
  EXPECT_EQ(IsoWeekOf(At("2025-12-29T00:00:00Z")), (IsoWeek{2026, 1}));
  EXPECT_EQ(AddWeeks({2026, 53}, 1), (IsoWeek{2027, 1}));
  EXPECT_EQ(AddWeeks({2026, 2}, -3), (IsoWeek{2025, 51}));
  EXPECT_EQ(MondayOf({2026, 48}), At("2026-11-23T00:00:00Z"));
}

TEST(IsoWeeks, BoundariesFollowTheZoneAcrossADaylightSavingChange) {
  // Europe/Paris leaves summer time on Sunday 25 October 2026: that week lasts 169 hours.
  auto w43 = WeekSpan({2026, 43}, "Europe/Paris");
  ASSERT_TRUE(w43);
  EXPECT_EQ(w43->start, At("2026-10-18T22:00:00Z"));
  EXPECT_EQ(w43->end, At("2026-10-25T23:00:00Z"));
  EXPECT_EQ(w43->end - w43->start, 169h);
  EXPECT_FALSE(WeekSpan({2026, 43}, "Mars/Olympus"));
  EXPECT_EQ(PreviousWeek(At("2026-11-30T09:00:00Z"), "UTC"), (IsoWeek{2026, 48}));
  // Sunday 23:30 UTC is already Monday in Paris.
  EXPECT_EQ(PreviousWeek(At("2026-11-29T23:30:00Z"), "Europe/Paris"), (IsoWeek{2026, 48}));
  EXPECT_EQ(PreviousWeek(At("2026-11-29T23:30:00Z"), "UTC"), (IsoWeek{2026, 47}));
}

// Monday 09:00 in Paris: the previous week's review from that moment on,
// the one before until then (a missed send goes out at the next start).
TEST(ScheduledReport, ThePreviousWeekIsDueFromTheLocalSendTime) {
  const auto nine = std::chrono::minutes(9 * 60);
  EXPECT_EQ(ScheduledReportWeek(At("2026-11-30T07:59:59Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 47}));
  EXPECT_EQ(ScheduledReportWeek(At("2026-11-30T08:00:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 48}));
  EXPECT_EQ(ScheduledReportWeek(At("2026-12-06T22:59:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 48}));
  // Monday 00:30 in Paris is still Sunday in UTC: the zone's week counts.
  EXPECT_EQ(ScheduledReportWeek(At("2026-11-29T23:30:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 47}));
  // The first week of a year follows the ISO numbering.
  EXPECT_EQ(ScheduledReportWeek(At("2027-01-04T08:00:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 53}));
  EXPECT_FALSE(ScheduledReportWeek(At("2026-11-30T08:00:00Z"), 1, nine, "Mars/Olympus"));
  EXPECT_FALSE(ScheduledReportWeek(At("2026-11-30T08:00:00Z"), 8, nine, "Europe/Paris"));
}

TEST(ScheduledReport, SendTimesFollowDaylightSavingChanges) {
  // After the autumn change (2026-10-25), Monday 09:00 CET is 08:00 UTC.
  const auto nine = std::chrono::minutes(9 * 60);
  EXPECT_EQ(ScheduledReportWeek(At("2026-10-26T07:59:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 42}));
  EXPECT_EQ(ScheduledReportWeek(At("2026-10-26T08:00:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 43}));
  // Before it, Monday 09:00 CEST is 07:00 UTC.
  EXPECT_EQ(ScheduledReportWeek(At("2026-10-19T07:00:00Z"), 1, nine, "Europe/Paris"), (IsoWeek{2026, 42}));
  // Sunday 02:30 does not exist on 2026-03-29 in Paris: sent at the change (01:00 UTC).
  const auto half_past_two = std::chrono::minutes(150);
  EXPECT_EQ(ScheduledReportWeek(At("2026-03-29T00:59:00Z"), 7, half_past_two, "Europe/Paris"), (IsoWeek{2026, 11}));
  EXPECT_EQ(ScheduledReportWeek(At("2026-03-29T01:00:00Z"), 7, half_past_two, "Europe/Paris"), (IsoWeek{2026, 12}));
}

TEST(WeeklyReport, CountsTheWeeksIncidentsInTheReportsZone) {
  Fixture f;
  f.incidents.clear();
  f.alerts.clear();
  f.incidents.push_back(Make(1, "Sunday night UTC", "SEV-2", "2026-10-18T22:30:00Z"));  // Monday 00:30 in Paris
  f.incidents.push_back(Make(2, "Before the change", "SEV-2", "2026-10-20T08:00:00Z"));  // 10:00 CEST
  f.incidents.push_back(Make(3, "After the change", "SEV-2", "2026-10-25T08:00:00Z"));   // 09:00 CET
  f.incidents.push_back(Make(4, "Monday in Paris", "SEV-2", "2026-10-25T23:30:00Z"));    // next week in Paris
  WeeklyInput in{{2026, 43}, "Europe/Paris", At("2026-11-30T00:00:00Z"), &f.metrics, &f.severities, &f.incidents, nullptr};
  auto paris = BuildWeekly(in);
  ASSERT_TRUE(paris);
  EXPECT_EQ(paris->incidents, 3);
  EXPECT_EQ(paris->patterns.incidents_by_hour[0], 1);
  EXPECT_EQ(paris->patterns.incidents_by_hour[10], 1);
  EXPECT_EQ(paris->patterns.incidents_by_hour[9], 1);
  EXPECT_FALSE(paris->patterns.alerts_available);
  in.time_zone = "UTC";
  auto utc = BuildWeekly(in);
  EXPECT_EQ(utc->incidents, 3);  // 2, 3 and 4
  EXPECT_EQ(utc->incident_list.front().public_id, 2);
  EXPECT_EQ(utc->patterns.incidents_by_hour[23], 1);
  in.time_zone = "Nowhere/Land";
  EXPECT_FALSE(BuildWeekly(in));
}

TEST(WeeklyReport, FiguresOfEachSection) {
  Fixture f;
  WeeklyReport r = f.Build();
  EXPECT_EQ(r.start, At("2026-11-23T00:00:00Z"));
  EXPECT_EQ(r.end, At("2026-11-30T00:00:00Z"));
  EXPECT_EQ(r.as_of, r.end);
  // Incidents: deleted and test ones left out.
  EXPECT_EQ(r.incidents, 4);
  EXPECT_EQ(r.incidents_by_severity, (std::map<std::string, std::int64_t>{{"SEV-1", 1}, {"SEV-2", 2}, {"SEV-3", 1}}));
  ASSERT_EQ(r.trend.size(), 12u);
  EXPECT_EQ(r.trend.front().week, (IsoWeek{2026, 37}));
  EXPECT_EQ(r.trend.front().total, 3);
  EXPECT_EQ(r.trend[10].total, 0);
  EXPECT_EQ(r.trend.back().total, 4);
  EXPECT_GT(r.trend_slope, 0);
  // Response: the never acknowledged one is not a zero.
  EXPECT_EQ(r.mtta.summary.count, 3);
  EXPECT_EQ(r.mtta.summary.missing, 1);
  EXPECT_EQ(r.measures.unacknowledged, 1);
  EXPECT_EQ(r.mtta.buckets, (std::vector<std::int64_t>{2, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r.mttr.buckets, (std::vector<std::int64_t>{0, 0, 1, 1, 1, 0, 0}));
  // Targets.
  ASSERT_EQ(r.targets.size(), 5u);
  EXPECT_EQ(r.targets[1].status, metrics::TargetStatus::kMet);   // MTTA mean 6 min
  EXPECT_EQ(r.targets[4].status, metrics::TargetStatus::kMissed);  // one of two published
  // Post-mortems: IR-1 due Wednesday, still a draft; IR-3 published.
  ASSERT_EQ(r.postmortems_overdue.size(), 1u);
  EXPECT_EQ(r.postmortems_overdue[0].incident.public_id, 1);
  EXPECT_EQ(r.postmortems_due.size(), 2u);
  ASSERT_EQ(r.postmortems_published.size(), 1u);
  EXPECT_EQ(r.postmortems_published[0].incident.public_id, 3);
  // Action items: the checklist step and the completed todo are not open items.
  EXPECT_EQ(r.action_items_open, 3);
  EXPECT_EQ(r.action_items_overdue, 2);
  ASSERT_EQ(r.owners.size(), 3u);
  EXPECT_EQ(r.owners[0].owner, "@alice");
  EXPECT_EQ(r.owners[0].open, 2);
  EXPECT_EQ(r.owners[0].overdue, 1);
  EXPECT_EQ(r.owners[1].owner, "(unassigned)");
  EXPECT_EQ(r.owners[1].overdue, 1);
  EXPECT_EQ(r.owners[2].owner, "@bob");
  EXPECT_EQ(r.owners[2].overdue, 0);
  ASSERT_EQ(r.overdue_items.size(), 2u);
  EXPECT_EQ(r.overdue_items[0].content, "Size the cache");
  // Error budgets, as at the week's end.
  ASSERT_EQ(r.error_budgets.size(), 1u);
  EXPECT_EQ(r.error_budgets[0].consumed, 43min);
  EXPECT_EQ(r.error_budgets[0].left, 12s);
  // Patterns.
  ASSERT_EQ(r.patterns.top_monitors.size(), 2u);
  EXPECT_EQ(r.patterns.top_monitors[0].name, "Payment gateway errors");
  EXPECT_EQ(r.patterns.top_monitors[0].count, 2);
  ASSERT_EQ(r.patterns.recurrences.size(), 1u);
  EXPECT_EQ(r.patterns.recurrences[0].detail, "env:prod,region:eu");
  ASSERT_EQ(r.patterns.noisy_monitors.size(), 1u);
  EXPECT_EQ(r.patterns.noisy_monitors[0].name, "Disk 80%");
  EXPECT_EQ(r.patterns.noisy_monitors[0].count, 3);  // the week's alerts only
  EXPECT_EQ(r.patterns.pages_by_hour[10], 1);
  EXPECT_EQ(r.patterns.pages_by_hour[14], 2);
  EXPECT_EQ(r.patterns.pages_by_hour[2], 1);
}

TEST(WeeklyReport, OpenAndOverdueAreAsAtTheEndOfAPastWeek) {
  Fixture f;
  // Read a week later, with the post-mortem published and the todo done since.
  f.incidents[0].postmortem->state = PostmortemState::kPublished;
  f.incidents[0].postmortem->published = At("2026-12-02T10:00:00Z");
  f.incidents[0].todos[0].completed = At("2026-12-01T10:00:00Z");
  WeeklyReport r = f.Build("UTC", "2026-12-07T09:00:00Z");
  ASSERT_EQ(r.postmortems_overdue.size(), 1u);
  EXPECT_EQ(r.postmortems_overdue[0].state, "in_review");
  EXPECT_EQ(r.action_items_overdue, 2);
}

TEST(WeeklyReport, GoldenMarkdownAndJson) {
  Fixture f;
  WeeklyReport r = f.Build();
  std::string markdown = RenderMarkdown(r);
  EXPECT_EQ(markdown, ReadOrUpdateGolden("weekly.md", markdown));
  auto parsed = nlohmann::ordered_json::parse(RenderJson(r), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  std::string json = parsed.dump(2) + "\n";
  EXPECT_EQ(json, ReadOrUpdateGolden("weekly.json", json));
}

TEST(WeeklyReport, HtmlIsWellFormedXmlWithInlineSvgAndNoScript) {
  Fixture f;
  f.incidents[0].title = "Checkout <down> & \"out\"";
  std::string html = RenderHtml(f.Build());
  EXPECT_EQ(XmlProblem(html), "");
  EXPECT_NE(html.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(html.find("Checkout &lt;down&gt; &amp; &quot;out&quot;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  // The checker catches what it must.
  EXPECT_NE(XmlProblem("<a><b></a></b>"), "");
  EXPECT_NE(XmlProblem("<a x=1></a>"), "");
  EXPECT_NE(XmlProblem("<a>&nbsp;</a>"), "");
  EXPECT_NE(XmlProblem("<a></a><b></b>"), "");
  EXPECT_EQ(XmlProblem("<a x=\"1\"><b/>&amp;</a>"), "");
}

}  // namespace
}  // namespace tocsin::core::report
