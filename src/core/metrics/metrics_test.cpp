// MTTD, MTTA and MTTR on hand-made incidents: each definition, incidents that
// lack timestamps (counted as missing, never as zero), reopened ones, groups,
// and buckets across week and month boundaries.

#include "core/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include "core/metrics/targets.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::core::metrics {
namespace {

using namespace std::chrono_literals;

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

Incident Made(const char* created, const std::string& severity = "SEV-1") {
  Incident i;
  i.id = created;
  i.severity = severity;
  i.created = At(created);
  return i;
}

TEST(Metrics, SummarizeGivesMeanMedianAndNearestRankP90) {
  std::vector<Micros> v;
  for (int k = 1; k <= 10; ++k) v.push_back(Micros(std::chrono::minutes(k)));
  Summary s = Summarize(v, 2);
  EXPECT_EQ(s.count, 10);
  EXPECT_EQ(s.missing, 2);
  EXPECT_EQ(*s.mean, Micros(330s));     // 5.5 min
  EXPECT_EQ(*s.median, Micros(330s));   // between 5 and 6 min
  EXPECT_EQ(*s.p90, Micros(9min));      // 9 of 10 at or below
  Summary one = Summarize({Micros(7s)}, 0);
  EXPECT_EQ(*one.median, Micros(7s));
  EXPECT_EQ(*one.p90, Micros(7s));
  Summary none = Summarize({}, 3);
  EXPECT_EQ(none.count, 0);
  EXPECT_FALSE(none.mean || none.median || none.p90);
  // A skewed set: the mean alone misleads, the median and p90 tell.
  Summary skewed = Summarize({Micros(1min), Micros(1min), Micros(1min), Micros(1min), Micros(10h)}, 0);
  EXPECT_EQ(*skewed.median, Micros(1min));
  EXPECT_GT(*skewed.mean, Micros(2h));
}

TEST(Metrics, EachDefinitionAndWhatCountsAsMissing) {
  Incident i = Made("2026-11-23T10:00:00Z");
  i.customer_impact_start = At("2026-11-23T09:55:00Z");
  i.detected = At("2026-11-23T09:58:00Z");
  i.acknowledged = At("2026-11-23T10:04:00Z");
  i.state = IncidentState::kResolved;
  i.resolved = At("2026-11-23T10:50:00Z");
  EXPECT_EQ(*TimeToDetect(i), Micros(3min));       // detected - impact start
  EXPECT_EQ(*TimeToAcknowledge(i), Micros(6min));  // acknowledged - detected
  EXPECT_EQ(*TimeToResolve(i), Micros(50min));     // resolved - created

  Incident bare = Made("2026-11-23T11:00:00Z");
  EXPECT_FALSE(TimeToDetect(bare));       // no impact start
  EXPECT_FALSE(TimeToAcknowledge(bare));  // never acknowledged: not zero
  EXPECT_FALSE(TimeToResolve(bare));      // open
  bare.acknowledged = At("2026-11-23T11:02:00Z");
  EXPECT_EQ(*TimeToAcknowledge(bare), Micros(2min));  // from creation when no detection time
  // Reopened: not resolved now, so not in MTTR.
  Incident reopened = i;
  reopened.state = IncidentState::kActive;
  reopened.resolved.reset();
  EXPECT_FALSE(TimeToResolve(reopened));

  Report r = Compute({i, bare, reopened}, At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z"), GroupBy::kNone,
                     Interval::kNone);
  EXPECT_EQ(r.total.incidents, 3);
  EXPECT_EQ(r.total.mttd.count, 2);
  EXPECT_EQ(r.total.mttd.missing, 1);
  EXPECT_EQ(r.total.mtta.count, 3);
  EXPECT_EQ(r.total.unacknowledged, 0);
  EXPECT_EQ(r.total.mttr.count, 1);
  EXPECT_EQ(r.total.mttr.missing, 2);
  EXPECT_EQ(r.total.open, 2);
}

TEST(Metrics, ThePeriodLeavesOutOthersDeletedAndTestIncidents) {
  Incident before = Made("2026-11-22T23:59:59Z");
  Incident first = Made("2026-11-23T00:00:00Z");
  Incident last = Made("2026-11-29T23:59:59Z");
  Incident after = Made("2026-11-30T00:00:00Z");
  Incident deleted = Made("2026-11-24T00:00:00Z");
  deleted.deleted = true;
  Incident test = Made("2026-11-24T00:00:00Z");
  test.is_test = true;
  Report r = Compute({before, first, last, after, deleted, test}, At("2026-11-23T00:00:00Z"),
                     At("2026-11-30T00:00:00Z"), GroupBy::kNone, Interval::kNone);
  EXPECT_EQ(r.total.incidents, 2);
  EXPECT_EQ(r.total.unacknowledged, 2);
}

TEST(Metrics, GroupsBySeverityTypeTeamAndService) {
  Incident a = Made("2026-11-23T10:00:00Z", "SEV-1");
  a.type = "Security";
  a.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"Security", "Platform/SRE"}};
  a.fields["services"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"chatbotservice"}};
  Incident b = Made("2026-11-24T10:00:00Z", "SEV-2");
  Report by_severity = Compute({a, b}, At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z"), GroupBy::kSeverity,
                               Interval::kNone);
  ASSERT_EQ(by_severity.groups.size(), 2u);
  EXPECT_EQ(by_severity.groups[0].key, "SEV-1");
  EXPECT_EQ(by_severity.groups[1].measures.incidents, 1);
  Report by_type = Compute({a, b}, At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z"), GroupBy::kType,
                           Interval::kNone);
  ASSERT_EQ(by_type.groups.size(), 2u);
  EXPECT_EQ(by_type.groups[0].key, "(none)");
  EXPECT_EQ(by_type.groups[1].key, "Security");
  // An incident of two teams counts for each.
  Report by_team = Compute({a, b}, At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z"), GroupBy::kTeam,
                           Interval::kNone);
  ASSERT_EQ(by_team.groups.size(), 3u);
  EXPECT_EQ(by_team.groups[1].key, "Platform/SRE");
  EXPECT_EQ(by_team.total.incidents, 2);
  Report by_service = Compute({a, b}, At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z"), GroupBy::kService,
                              Interval::kNone);
  EXPECT_EQ(by_service.groups[1].key, "chatbotservice");
}

TEST(Metrics, BucketsAreUtcDaysIsoWeeksAndMonthsEmptyOnesIncluded) {
  // 2026-11-29 is a Sunday, 2026-11-30 a Monday, 2026-12-01 the next month.
  Incident sunday = Made("2026-11-29T23:30:00Z");
  Incident monday = Made("2026-11-30T00:30:00Z");
  Incident december = Made("2026-12-01T08:00:00Z");
  Report weeks = Compute({sunday, monday, december}, At("2026-11-18T00:00:00Z"), At("2026-12-07T00:00:00Z"),
                         GroupBy::kSeverity, Interval::kWeek);
  ASSERT_EQ(weeks.buckets.size(), 3u);  // weeks of Nov 16 (partly in range), Nov 23, Nov 30
  EXPECT_EQ(weeks.buckets[0].start, At("2026-11-16T00:00:00Z"));
  EXPECT_EQ(weeks.buckets[0].total.incidents, 0);
  EXPECT_EQ(weeks.buckets[1].start, At("2026-11-23T00:00:00Z"));
  EXPECT_EQ(weeks.buckets[1].end, At("2026-11-30T00:00:00Z"));
  EXPECT_EQ(weeks.buckets[1].total.incidents, 1);
  EXPECT_EQ(weeks.buckets[2].total.incidents, 2);
  ASSERT_EQ(weeks.buckets[2].groups.size(), 1u);
  EXPECT_EQ(weeks.buckets[2].groups[0].key, "SEV-1");
  Report months = Compute({sunday, monday, december}, At("2026-11-01T00:00:00Z"), At("2027-01-01T00:00:00Z"),
                          GroupBy::kNone, Interval::kMonth);
  ASSERT_EQ(months.buckets.size(), 2u);
  EXPECT_EQ(months.buckets[0].total.incidents, 2);
  EXPECT_EQ(months.buckets[1].start, At("2026-12-01T00:00:00Z"));
  EXPECT_EQ(months.buckets[1].end, At("2027-01-01T00:00:00Z"));
  Report days = Compute({sunday, monday}, At("2026-11-29T00:00:00Z"), At("2026-12-01T00:00:00Z"), GroupBy::kNone,
                        Interval::kDay);
  ASSERT_EQ(days.buckets.size(), 2u);
  EXPECT_EQ(days.buckets[0].total.incidents, 1);
  EXPECT_EQ(days.buckets[1].total.incidents, 1);
  EXPECT_FALSE(ParseGroupBy("colour"));
  EXPECT_FALSE(ParseInterval("year"));
}

// The one-pass computation sorts each bucket-and-group cell once and finds a
// union's median and p90 by bisection: it must give exactly what sorting the
// whole set gives, duplicates, odd and even counts, negative spreads included.
TEST(Metrics, FiguresOfAUnionOfSortedListsEqualThoseOfTheWholeSet) {
  std::uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<std::vector<Micros>> lists(1 + next() % 6);
    std::vector<Micros> all;
    for (auto& l : lists) {
      std::size_t n = next() % 9;  // empty lists too
      for (std::size_t k = 0; k < n; ++k) {
        l.push_back(Micros(static_cast<std::int64_t>(next() % 50) * (round % 3 ? 1000 : 1)));
        all.push_back(l.back());
      }
      std::sort(l.begin(), l.end());
    }
    std::vector<const std::vector<Micros>*> ptrs;
    for (const auto& l : lists) ptrs.push_back(&l);
    Summary one = SummarizeSorted(ptrs, static_cast<std::int64_t>(all.size()) + 2);
    // The reference: a plain sort of the whole set.
    std::vector<Micros> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    Summary ref = Summarize(all, 2);
    ASSERT_EQ(one.count, ref.count);
    EXPECT_EQ(one.missing, 2);
    ASSERT_EQ(one.median.has_value(), !sorted.empty());
    if (sorted.empty()) continue;
    std::size_t n = sorted.size();
    Micros median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    Micros p90 = sorted[std::max<std::size_t>((9 * n + 9) / 10, 1) - 1];
    EXPECT_EQ(*one.median, median) << "round " << round;
    EXPECT_EQ(*ref.median, median) << "round " << round;
    EXPECT_EQ(*one.p90, p90) << "round " << round;
    EXPECT_EQ(*ref.p90, p90) << "round " << round;
    EXPECT_EQ(*one.mean, *ref.mean);
  }
}

// Totals, groups and buckets of one report agree with each other: the same
// incidents computed without an interval give the same total and groups.
TEST(Metrics, BucketedAndUnbucketedReportsAgree) {
  std::vector<Incident> incidents;
  for (int k = 0; k < 300; ++k) {
    Incident i = Made("2026-10-01T00:00:00Z", k % 3 ? "SEV-2" : "SEV-1");
    i.id = std::to_string(k);
    i.created += std::chrono::minutes(397 * k);
    if (k % 4) i.acknowledged = i.created + std::chrono::seconds(37 * (k % 29));
    if (k % 5) {
      i.state = IncidentState::kResolved;
      i.resolved = i.created + std::chrono::minutes(k % 41);
    }
    incidents.push_back(i);
  }
  TimePoint from = At("2026-10-01T00:00:00Z"), to = At("2026-11-01T00:00:00Z");
  Report plain = Compute(incidents, from, to, GroupBy::kSeverity, Interval::kNone);
  Report weekly = Compute(incidents, from, to, GroupBy::kSeverity, Interval::kWeek);
  EXPECT_GT(plain.total.incidents, 100);  // most of the 300 fall in October
  ASSERT_EQ(weekly.groups.size(), plain.groups.size());
  auto same = [](const Summary& a, const Summary& b) {
    return a.count == b.count && a.missing == b.missing && a.mean == b.mean && a.median == b.median && a.p90 == b.p90;
  };
  EXPECT_TRUE(same(weekly.total.mtta, plain.total.mtta));
  EXPECT_TRUE(same(weekly.total.mttr, plain.total.mttr));
  for (std::size_t g = 0; g < plain.groups.size(); ++g) {
    EXPECT_EQ(weekly.groups[g].key, plain.groups[g].key);
    EXPECT_TRUE(same(weekly.groups[g].measures.mtta, plain.groups[g].measures.mtta));
    EXPECT_TRUE(same(weekly.groups[g].measures.mttr, plain.groups[g].measures.mttr));
  }
  std::int64_t in_buckets = 0;
  for (const auto& b : weekly.buckets) in_buckets += b.total.incidents;
  EXPECT_EQ(in_buckets, plain.total.incidents);
  EXPECT_GT(weekly.buckets.size(), 4u);
}

bool SameSummary(const Summary& a, const Summary& b) {
  return a.count == b.count && a.missing == b.missing && a.mean == b.mean && a.median == b.median && a.p90 == b.p90;
}

bool SameMeasures(const Measures& a, const Measures& b) {
  return a.incidents == b.incidents && a.unacknowledged == b.unacknowledged && a.open == b.open &&
         SameSummary(a.mttd, b.mttd) && SameSummary(a.mtta, b.mtta) && SameSummary(a.mttr, b.mttr);
}

// Cells of more than a few hundred values are sorted by radix (SortDurations)
// when a union of many cells is summarized: ten weeks of 10,000 incidents with
// durations from a microsecond to a year, many repeated, must give exactly the
// figures of a plain sort.
TEST(Metrics, LargeCellsGiveTheFiguresOfAPlainSort) {
  std::uint64_t seed = 777;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 20;
  };
  std::vector<Incident> incidents;
  std::vector<Micros> sev1, all;
  for (int k = 0; k < 10000; ++k) {
    Incident i = Made("2026-11-23T00:00:00Z", k % 4 ? "SEV-1" : "SEV-2");
    i.created += std::chrono::seconds(k * 600);
    i.state = IncidentState::kResolved;
    // Most within 0.1 s (the median depends on the lowest digits), the rest up to a year.
    std::int64_t spread = k % 5 == 0 ? 1000 : k % 5 < 4 ? 100000 : 366LL * 24 * 3600 * 1000000;
    i.resolved = i.created + Micros(static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(spread)) + (k % 7 ? 0 : 5));
    if (i.severity == "SEV-1") sev1.push_back(*i.resolved - i.created);
    all.push_back(*i.resolved - i.created);
    incidents.push_back(i);
  }
  auto figures = [](std::vector<Micros> v) {
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return std::make_pair(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[(9 * n + 9) / 10 - 1]);
  };
  Report r = Compute(incidents, At("2026-11-23T00:00:00Z"), At("2027-02-08T00:00:00Z"), GroupBy::kSeverity,
                     Interval::kWeek);
  ASSERT_EQ(r.buckets.size(), 11u);
  ASSERT_EQ(r.groups.size(), 2u);
  ASSERT_EQ(r.groups[0].key, "SEV-1");
  const Summary& group = r.groups[0].measures.mttr;
  EXPECT_EQ(group.count, static_cast<std::int64_t>(sev1.size()));
  EXPECT_EQ(std::make_pair(*group.median, *group.p90), figures(sev1));
  EXPECT_TRUE(SameSummary(group, Summarize(sev1, 0)));
  EXPECT_EQ(std::make_pair(*r.total.mttr.median, *r.total.mttr.p90), figures(all));
  EXPECT_TRUE(SameSummary(r.total.mttr, Summarize(all, 0)));
}

// The analytics endpoint reduces compact rows projected page by page: the
// same report and targets as the incidents themselves give, for a grouping
// by list field (several teams, repeated and empty ones), with deleted and
// test incidents left out.
TEST(Metrics, RowsGiveTheSameReportAndTargetsAsTheIncidents) {
  MetricsConfig config;
  config.targets = {{"MTTD", "mttd", "mean", {}, std::chrono::seconds(300), std::nullopt, "", {}},
                    {"MTTA p90", "mtta", "p90", {}, std::chrono::seconds(600), std::nullopt, "", {}},
                    {"MTTR SEV-1", "mttr", "median", {"SEV-1"}, std::chrono::seconds(3600), std::nullopt, "", {}},
                    {"Count", "incident_count", "mean", {}, std::nullopt, std::nullopt, "down", {}},
                    {"Post-mortems", "postmortem_completion", "mean", {"SEV-1", "SEV-2"}, std::nullopt, 100.0, "", {}}};
  std::vector<Incident> incidents;
  const char* teams[][3] = {{"web", "db", ""}, {"db", "db", ""}, {"", "", ""}, {"ops", "web", "ops"}};
  for (int k = 0; k < 400; ++k) {
    Incident i = Made("2026-08-01T00:00:00Z", k % 3 ? (k % 2 ? "SEV-2" : "SEV-3") : "SEV-1");
    i.id = std::to_string(k);
    i.created += std::chrono::minutes(613 * k);
    if (k % 3) i.customer_impact_start = i.created - std::chrono::minutes(k % 11);
    i.detected = i.created;
    if (k % 4) i.acknowledged = i.created + std::chrono::seconds(53 * (k % 31));
    if (k % 5) {
      i.state = IncidentState::kResolved;
      i.resolved = i.created + std::chrono::minutes(k % 97);
      if (k % 2) {
        Postmortem pm;
        if (k % 7) pm.state = PostmortemState::kPublished;
        i.postmortem = pm;
      }
    }
    std::vector<std::string> list;
    for (const char* t : teams[k % 4]) list.emplace_back(t);
    if (k % 9) i.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, list};
    i.deleted = k % 50 == 1;
    i.is_test = k % 50 == 2;
    incidents.push_back(i);
  }
  TimePoint from = At("2026-09-01T00:00:00Z"), to = At("2026-12-01T00:00:00Z");
  TargetsAccumulator by_incident(config, from, to), by_row(config, from, to);
  Report a = Compute(incidents, from, to, GroupBy::kTeam, Interval::kWeek,
                     [&by_incident](const Incident& i, const Sample& s) { by_incident.Add(i, s); });
  Rows rows;
  for (const auto& i : incidents) rows.Add(i);
  EXPECT_EQ(rows.rows().size(), 384u);  // 8 deleted and 8 test incidents left out
  Report b = Compute(rows, GroupBy::kTeam, from, to, Interval::kWeek, &by_row);
  EXPECT_TRUE(SameMeasures(a.total, b.total));
  ASSERT_EQ(a.groups.size(), 4u);  // db, ops, web and "(none)"
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t g = 0; g < a.groups.size(); ++g) {
    EXPECT_EQ(a.groups[g].key, b.groups[g].key);
    EXPECT_TRUE(SameMeasures(a.groups[g].measures, b.groups[g].measures)) << a.groups[g].key;
  }
  ASSERT_EQ(a.buckets.size(), b.buckets.size());
  for (std::size_t k = 0; k < a.buckets.size(); ++k) {
    EXPECT_TRUE(SameMeasures(a.buckets[k].total, b.buckets[k].total));
    ASSERT_EQ(a.buckets[k].groups.size(), b.buckets[k].groups.size());
  }
  auto x = by_incident.Done(), y = by_row.Done();
  auto z = EvaluateTargets(config, incidents, from, to);
  ASSERT_EQ(x.size(), 5u);
  for (std::size_t k = 0; k < x.size(); ++k) {
    for (const auto* other : {&y, &z}) {
      EXPECT_EQ(x[k].figure, (*other)[k].figure) << x[k].name;
      EXPECT_EQ(x[k].value, (*other)[k].value) << x[k].name;
      EXPECT_EQ(x[k].weekly_counts, (*other)[k].weekly_counts);
      EXPECT_EQ(x[k].weekly_counts_by_severity, (*other)[k].weekly_counts_by_severity);
    }
  }
  EXPECT_EQ(x[3].weekly_counts_by_severity.size(), 3u);  // SEV-1, SEV-2, SEV-3
}

// Rows replaced and removed in place (the kept analytics index) give the
// same figures as rows projected afresh, also once the key lists are compacted.
TEST(MetricsRows, ReplacedAndRemovedRowsMatchRowsProjectedAfresh) {
  auto make = [](int k, int version) {
    Incident i;
    i.id = std::to_string(k);
    i.severity = version % 2 ? "SEV-1" : "SEV-3";
    i.type = k % 3 ? "incident" : "";
    i.created = At("2026-11-02T00:00:00Z") + std::chrono::minutes(97 * k);
    i.detected = i.created;
    if (version > 0) i.acknowledged = i.created + std::chrono::seconds(k % 600);
    std::vector<std::string> teams{"t" + std::to_string((k + version) % 5), "t" + std::to_string(version % 3)};
    i.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, teams};
    i.fields["services"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"s" + std::to_string(k % 7)}};
    return i;
  };
  constexpr int kCount = 3000;
  Rows kept;
  std::vector<int> at;  // incident by row
  for (int k = 0; k < kCount; ++k) {
    ASSERT_TRUE(kept.Add(make(k, 0)));
    at.push_back(k);
  }
  std::vector<int> version(kCount, 0);
  // Three rounds of replacing every row: well past the compaction threshold.
  for (int round = 1; round <= 3; ++round) {
    for (std::size_t r = 0; r < at.size(); ++r) {
      version[at[r]] = round;
      ASSERT_TRUE(kept.Set(r, make(at[r], round)));
    }
  }
  // Remove every third row (the last one takes its place).
  for (std::size_t r = 0; r < at.size();) {
    if (at[r] % 3 == 0) {
      kept.Remove(r);
      at[r] = at.back();
      at.pop_back();
    } else {
      ++r;
    }
  }
  Incident gone = make(1, 1);
  gone.deleted = true;
  EXPECT_FALSE(kept.Set(0, gone));  // a deleted incident is not projected; the row stays
  std::vector<Incident> live;
  for (int k : at) live.push_back(make(k, version[k]));
  TimePoint from = At("2026-11-02T00:00:00Z"), to = At("2027-01-01T00:00:00Z");
  for (GroupBy by : {GroupBy::kSeverity, GroupBy::kType, GroupBy::kTeam, GroupBy::kService}) {
    Report a = Compute(live, from, to, by, Interval::kWeek);
    Report b = Compute(kept, by, from, to, Interval::kWeek);
    EXPECT_TRUE(SameMeasures(a.total, b.total));
    ASSERT_EQ(a.groups.size(), b.groups.size());
    for (std::size_t g = 0; g < a.groups.size(); ++g) {
      EXPECT_EQ(a.groups[g].key, b.groups[g].key);
      EXPECT_TRUE(SameMeasures(a.groups[g].measures, b.groups[g].measures)) << a.groups[g].key;
    }
  }
  EXPECT_EQ(kept.size(), static_cast<std::size_t>(kCount - kCount / 3));
}

// Days in a time zone: the day summer time ends in Paris is 25 hours long,
// and an incident at 23:30 UTC on it belongs to the next local day.
TEST(Metrics, DaysInATimeZoneStartAtLocalMidnight) {
  Calendar paris;
  paris.to_wall = [](TimePoint t) { return *schedule::InstantToWallClock("Europe/Paris", t); };
  paris.to_instant = [](TimePoint w) { return *schedule::WallClockToInstant("Europe/Paris", w); };
  Incident late;
  late.id = "late";
  late.severity = "SEV-2";
  late.created = At("2026-10-25T23:30:00Z");  // Monday 26 October, 00:30 CET
  Rows rows;
  ASSERT_TRUE(rows.Add(late));
  Report r = Compute(rows, GroupBy::kNone, At("2026-10-24T00:00:00Z"), At("2026-10-27T00:00:00Z"), Interval::kDay,
                     nullptr, paris);
  ASSERT_EQ(r.buckets.size(), 4u);  // 24 (from 02:00), 25, 26, 27 (until 01:00) October in Paris
  EXPECT_EQ(r.buckets[1].start, At("2026-10-24T22:00:00Z"));
  EXPECT_EQ(r.buckets[1].end, At("2026-10-25T23:00:00Z"));  // 25 hours
  EXPECT_EQ(r.buckets[1].total.incidents, 0);
  EXPECT_EQ(r.buckets[2].total.incidents, 1);
  Report utc = Compute(rows, GroupBy::kNone, At("2026-10-24T00:00:00Z"), At("2026-10-27T00:00:00Z"), Interval::kDay);
  ASSERT_EQ(utc.buckets.size(), 3u);
  EXPECT_EQ(utc.buckets[1].total.incidents, 1);
}

}  // namespace
}  // namespace tocsin::core::metrics
