#include "core/schedule/schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace tocsin::core::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TimePoint At(const char* rfc3339) {
  std::optional<TimePoint> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(TimePoint{});
}

Layer MakeLayer(std::string name, RotationType type, int length, const char* handoff, LocalDate start,
                std::vector<std::string> members) {
  Layer layer;
  layer.name = std::move(name);
  layer.rotation.type = type;
  layer.rotation.length = length;
  int h = (handoff[0] - '0') * 10 + (handoff[1] - '0');
  int m = (handoff[3] - '0') * 10 + (handoff[4] - '0');
  layer.rotation.handoff = minutes(h * 60 + m);
  layer.rotation.start = start;
  layer.rotation.members = std::move(members);
  return layer;
}

Schedule Make(std::string zone, std::vector<Layer> layers, std::vector<Override> overrides = {}) {
  Definition d;
  d.name = "test";
  d.time_zone = std::move(zone);
  d.layers = std::move(layers);
  d.overrides = std::move(overrides);
  Result<Schedule> s = Schedule::Create(std::move(d));
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return std::move(s.value());
}

std::uint8_t Days(std::initializer_list<int> weekdays_from_sunday) {
  std::uint8_t bits = 0;
  for (int d : weekdays_from_sunday) bits = static_cast<std::uint8_t>(bits | WeekdayBit(d));
  return bits;
}

Source LayerSource(int index, std::string name) {
  Source s;
  s.kind = Source::Kind::kLayer;
  s.layer_index = index;
  s.layer = std::move(name);
  return s;
}

Source OverrideSource(std::string id, std::string covered) {
  Source s;
  s.kind = Source::Kind::kOverride;
  s.override_id = std::move(id);
  s.covered_user = std::move(covered);
  return s;
}

std::string UserAt(const Schedule& s, const char* rfc3339) {
  OnCall on_call = OnCallAt(s, At(rfc3339));
  return on_call.user.value_or("(nobody)");
}

// ---------------------------------------------------------------------------
// Daylight-saving changes: day turns keep their local handoff time.

TEST(ScheduleDst, DailyParisHandoffStaysAtNineThroughSpringForward) {
  // Europe/Paris moves from CET (+1) to CEST (+2) on 2026-03-29 at 02:00.
  Schedule s = Make("Europe/Paris", {MakeLayer("Daily", RotationType::kDaily, 1, "09:00", {2026, 3, 27}, {"ana", "ben"})});
  Source src = LayerSource(0, "Daily");
  EXPECT_EQ(FinalShifts(s, At("2026-03-27T00:00:00Z"), At("2026-03-31T00:00:00Z")),
            (std::vector<Shift>{
                {"ana", At("2026-03-27T08:00:00Z"), At("2026-03-28T08:00:00Z"), src},
                {"ben", At("2026-03-28T08:00:00Z"), At("2026-03-29T07:00:00Z"), src},  // 23 hours
                {"ana", At("2026-03-29T07:00:00Z"), At("2026-03-30T07:00:00Z"), src},
                {"ben", At("2026-03-30T07:00:00Z"), At("2026-03-31T00:00:00Z"), src},
            }));
  EXPECT_EQ(UserAt(s, "2026-03-29T06:59:59Z"), "ben");
  EXPECT_EQ(UserAt(s, "2026-03-29T07:00:00Z"), "ana");  // 09:00 CEST
  EXPECT_EQ(UserAt(s, "2026-03-27T07:59:59Z"), "(nobody)");  // before the first handoff
}

TEST(ScheduleDst, DailyParisHandoffStaysAtNineThroughFallBack) {
  // Back from CEST to CET on 2026-10-25 at 03:00.
  Schedule s = Make("Europe/Paris", {MakeLayer("Daily", RotationType::kDaily, 1, "09:00", {2026, 10, 24}, {"ana", "ben"})});
  Source src = LayerSource(0, "Daily");
  EXPECT_EQ(FinalShifts(s, At("2026-10-24T07:00:00Z"), At("2026-10-26T08:00:00Z")),
            (std::vector<Shift>{
                {"ana", At("2026-10-24T07:00:00Z"), At("2026-10-25T08:00:00Z"), src},  // 25 hours
                {"ben", At("2026-10-25T08:00:00Z"), At("2026-10-26T08:00:00Z"), src},
            }));
  EXPECT_EQ(UserAt(s, "2026-10-25T07:59:59Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-10-25T08:00:00Z"), "ben");
}

TEST(ScheduleDst, DailyNewYorkHandoffThroughBothChanges) {
  // America/New_York: EST (-5) -> EDT (-4) on 2026-03-08, back on 2026-11-01.
  Schedule s = Make("America/New_York",
                    {MakeLayer("Daily", RotationType::kDaily, 1, "09:00", {2026, 3, 6}, {"ana", "ben", "cy"})});
  EXPECT_EQ(UserAt(s, "2026-03-07T13:59:59Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-03-07T14:00:00Z"), "ben");  // 09:00 EST
  EXPECT_EQ(UserAt(s, "2026-03-08T12:59:59Z"), "ben");
  EXPECT_EQ(UserAt(s, "2026-03-08T13:00:00Z"), "cy");   // 09:00 EDT
  // 2026-10-31 is day 239 after 2026-03-06: 239 % 3 == 2.
  EXPECT_EQ(UserAt(s, "2026-10-31T13:00:00Z"), "cy");   // 09:00 EDT
  EXPECT_EQ(UserAt(s, "2026-11-01T13:59:59Z"), "cy");   // 08:59 EST, a 25-hour turn
  EXPECT_EQ(UserAt(s, "2026-11-01T14:00:00Z"), "ana");  // 09:00 EST
}

TEST(ScheduleDst, HandoffInsideTheSkippedHourHappensAtTheChange) {
  // 02:30 does not exist in New York on 2026-03-08: the handoff is at 03:00 EDT (07:00Z).
  Schedule s = Make("America/New_York",
                    {MakeLayer("Night", RotationType::kDaily, 1, "02:30", {2026, 3, 7}, {"ana", "ben"})});
  EXPECT_EQ(UserAt(s, "2026-03-08T06:59:59Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-03-08T07:00:00Z"), "ben");
  EXPECT_EQ(UserAt(s, "2026-03-09T06:29:59Z"), "ben");  // 02:29 EDT
  EXPECT_EQ(UserAt(s, "2026-03-09T06:30:00Z"), "ana");
}

TEST(ScheduleDst, HourTurnsCountElapsedHours) {
  // Hour turns do not follow the wall clock: 12-hour turns from 08:00 EST become
  // 09:00/21:00 EDT after the change.
  Schedule s = Make("America/New_York",
                    {MakeLayer("Halves", RotationType::kCustom, 12, "08:00", {2026, 3, 7}, {"day", "night"})});
  EXPECT_EQ(FinalShifts(s, At("2026-03-07T13:00:00Z"), At("2026-03-09T01:00:00Z")),
            (std::vector<Shift>{
                {"day", At("2026-03-07T13:00:00Z"), At("2026-03-08T01:00:00Z"), LayerSource(0, "Halves")},
                {"night", At("2026-03-08T01:00:00Z"), At("2026-03-08T13:00:00Z"), LayerSource(0, "Halves")},
                {"day", At("2026-03-08T13:00:00Z"), At("2026-03-09T01:00:00Z"), LayerSource(0, "Halves")},
            }));
  Schedule hourly = Make("UTC", {MakeLayer("H", RotationType::kHourly, 1, "00:00", {2026, 1, 1}, {"a", "b", "c"})});
  EXPECT_EQ(UserAt(hourly, "2026-01-01T05:30:00Z"), "c");
}

TEST(ScheduleDst, CustomWholeDaysFollowTheWallClock) {
  // 48 hours is two calendar days: the handoff stays at 09:00 Paris time.
  Schedule s = Make("Europe/Paris",
                    {MakeLayer("Two days", RotationType::kCustom, 48, "09:00", {2026, 3, 27}, {"ana", "ben"})});
  EXPECT_EQ(UserAt(s, "2026-03-29T06:59:59Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-03-29T07:00:00Z"), "ben");  // Sunday 09:00 CEST
  EXPECT_EQ(UserAt(s, "2026-03-31T06:59:59Z"), "ben");
  EXPECT_EQ(UserAt(s, "2026-03-31T07:00:00Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-03-28T07:59:59Z"), "ana");
}

// ---------------------------------------------------------------------------
// Rotations, layers, restrictions, overrides

TEST(ScheduleRotation, WeeklyWithMondayNineHandoff) {
  // 2026-01-05 is a Monday.
  Schedule s = Make("Europe/Paris",
                    {MakeLayer("Weekly", RotationType::kWeekly, 1, "09:00", {2026, 1, 5}, {"alice", "bob", "carol"})});
  EXPECT_EQ(UserAt(s, "2026-01-05T07:59:59Z"), "(nobody)");
  EXPECT_EQ(UserAt(s, "2026-01-05T08:00:00Z"), "alice");   // Monday 09:00 CET
  EXPECT_EQ(UserAt(s, "2026-01-11T23:00:00Z"), "alice");   // Monday 00:00
  EXPECT_EQ(UserAt(s, "2026-01-12T07:59:59Z"), "alice");
  EXPECT_EQ(UserAt(s, "2026-01-12T08:00:00Z"), "bob");
  EXPECT_EQ(UserAt(s, "2026-01-19T08:00:00Z"), "carol");
  EXPECT_EQ(UserAt(s, "2026-01-26T08:00:00Z"), "alice");
  // Twelve weeks later Paris is on summer time: the handoff is still Monday 09:00 local.
  EXPECT_EQ(UserAt(s, "2026-03-30T06:59:59Z"), "carol");
  EXPECT_EQ(UserAt(s, "2026-03-30T07:00:00Z"), "alice");
  EXPECT_EQ(FinalShifts(s, At("2026-01-12T00:00:00Z"), At("2026-01-26T00:00:00Z")),
            (std::vector<Shift>{
                {"alice", At("2026-01-12T00:00:00Z"), At("2026-01-12T08:00:00Z"), LayerSource(0, "Weekly")},
                {"bob", At("2026-01-12T08:00:00Z"), At("2026-01-19T08:00:00Z"), LayerSource(0, "Weekly")},
                {"carol", At("2026-01-19T08:00:00Z"), At("2026-01-26T00:00:00Z"), LayerSource(0, "Weekly")},
            }));
}

TEST(ScheduleRotation, TwoWeekTurnsAndRepeatedMembers) {
  Schedule s = Make("UTC", {MakeLayer("Fortnight", RotationType::kWeekly, 2, "00:00", {2026, 1, 5}, {"a", "b", "a", "c"})});
  EXPECT_EQ(UserAt(s, "2026-01-18T23:59:59Z"), "a");
  EXPECT_EQ(UserAt(s, "2026-01-19T00:00:00Z"), "b");
  EXPECT_EQ(UserAt(s, "2026-02-02T00:00:00Z"), "a");
  EXPECT_EQ(UserAt(s, "2026-02-16T00:00:00Z"), "c");
}

// The Platform/SRE shape: a weekly rotation with a weekend layer on top.
Schedule WeekendLayered() {
  Layer weekly = MakeLayer("Weekly", RotationType::kWeekly, 1, "09:00", {2026, 1, 5}, {"alice", "bob"});
  Layer weekend = MakeLayer("Weekend", RotationType::kWeekly, 1, "00:00", {2026, 1, 3}, {"carol", "dave"});
  Restriction r;
  r.weekdays = Days({6, 0});  // Saturday, Sunday
  weekend.restriction = r;
  return Make("America/New_York", {weekly, weekend});
}

TEST(ScheduleLayers, WeekendLayerCoversTheWeeklyOne) {
  Schedule s = WeekendLayered();
  EXPECT_EQ(UserAt(s, "2026-01-09T20:00:00Z"), "alice");  // Friday 15:00 EST
  EXPECT_EQ(UserAt(s, "2026-01-10T04:59:59Z"), "alice");  // Friday 23:59
  EXPECT_EQ(UserAt(s, "2026-01-10T05:00:00Z"), "dave");   // Saturday 00:00
  EXPECT_EQ(UserAt(s, "2026-01-12T04:59:59Z"), "dave");   // Sunday 23:59
  EXPECT_EQ(UserAt(s, "2026-01-12T05:00:00Z"), "alice");  // Monday 00:00, until 09:00
  EXPECT_EQ(UserAt(s, "2026-01-12T14:00:00Z"), "bob");
  EXPECT_EQ(UserAt(s, "2026-01-17T17:00:00Z"), "carol");  // next Saturday
  OnCall weekend = OnCallAt(s, At("2026-01-10T12:00:00Z"));
  EXPECT_EQ(weekend.source, LayerSource(1, "Weekend"));

  EXPECT_EQ(FinalShifts(s, At("2026-01-09T05:00:00Z"), At("2026-01-13T05:00:00Z")),
            (std::vector<Shift>{
                {"alice", At("2026-01-09T05:00:00Z"), At("2026-01-10T05:00:00Z"), LayerSource(0, "Weekly")},
                {"dave", At("2026-01-10T05:00:00Z"), At("2026-01-12T05:00:00Z"), LayerSource(1, "Weekend")},
                {"alice", At("2026-01-12T05:00:00Z"), At("2026-01-12T14:00:00Z"), LayerSource(0, "Weekly")},
                {"bob", At("2026-01-12T14:00:00Z"), At("2026-01-13T05:00:00Z"), LayerSource(0, "Weekly")},
            }));
}

TEST(ScheduleLayers, HoursRestrictionLeavesGapsAndWrapsPastMidnight) {
  Layer business = MakeLayer("Business", RotationType::kDaily, 1, "09:00", {2026, 1, 5}, {"ana"});
  business.restriction = Restriction{Days({1, 2, 3, 4, 5}), minutes(9 * 60), minutes(17 * 60)};
  Layer friday_night = MakeLayer("Friday night", RotationType::kWeekly, 1, "00:00", {2026, 1, 5}, {"nick"});
  friday_night.restriction = Restriction{WeekdayBit(5), minutes(22 * 60), minutes(6 * 60)};
  Schedule s = Make("UTC", {business, friday_night});
  EXPECT_EQ(UserAt(s, "2026-01-07T12:00:00Z"), "ana");
  EXPECT_EQ(UserAt(s, "2026-01-07T17:00:00Z"), "(nobody)");
  EXPECT_EQ(UserAt(s, "2026-01-09T21:59:59Z"), "(nobody)");  // Friday
  EXPECT_EQ(UserAt(s, "2026-01-09T22:00:00Z"), "nick");
  EXPECT_EQ(UserAt(s, "2026-01-10T05:59:59Z"), "nick");       // Saturday morning: Friday's window
  EXPECT_EQ(UserAt(s, "2026-01-10T06:00:00Z"), "(nobody)");
  EXPECT_EQ(UserAt(s, "2026-01-11T03:00:00Z"), "(nobody)");   // Sunday morning: Saturday has no window
  EXPECT_EQ(FinalShifts(s, At("2026-01-09T00:00:00Z"), At("2026-01-10T12:00:00Z")),
            (std::vector<Shift>{
                {"ana", At("2026-01-09T09:00:00Z"), At("2026-01-09T17:00:00Z"), LayerSource(0, "Business")},
                {"nick", At("2026-01-09T22:00:00Z"), At("2026-01-10T06:00:00Z"), LayerSource(1, "Friday night")},
            }));
}

TEST(ScheduleOverrides, OverrideInTheMiddleOfAShift) {
  Override cover{"cfg-1", "bob", "alice", At("2026-02-03T12:00:00Z"), At("2026-02-03T14:00:00Z")};
  Schedule s = Make("UTC", {MakeLayer("Daily", RotationType::kDaily, 1, "09:00", {2026, 2, 1}, {"alice"})}, {cover});
  OnCall during = OnCallAt(s, At("2026-02-03T13:00:00Z"));
  EXPECT_EQ(during, (OnCall{"bob", OverrideSource("cfg-1", "alice")}));
  EXPECT_EQ(during.source.Describe(), "override cfg-1 (for alice)");
  EXPECT_EQ(UserAt(s, "2026-02-03T14:00:00Z"), "alice");
  EXPECT_EQ(FinalShifts(s, At("2026-02-03T09:00:00Z"), At("2026-02-04T09:00:00Z")),
            (std::vector<Shift>{
                {"alice", At("2026-02-03T09:00:00Z"), At("2026-02-03T12:00:00Z"), LayerSource(0, "Daily")},
                {"bob", At("2026-02-03T12:00:00Z"), At("2026-02-03T14:00:00Z"), OverrideSource("cfg-1", "alice")},
                {"alice", At("2026-02-03T14:00:00Z"), At("2026-02-04T09:00:00Z"), LayerSource(0, "Daily")},
            }));
}

TEST(ScheduleOverrides, CoveringSomeoneOnlyAppliesWhileTheyAreOnCall) {
  Override for_bob{"o1", "zoe", "bob", At("2026-02-01T00:00:00Z"), At("2026-02-10T00:00:00Z")};
  Schedule s = Make("UTC", {MakeLayer("Daily", RotationType::kDaily, 1, "00:00", {2026, 2, 1}, {"alice", "bob"})},
                    {for_bob});
  EXPECT_EQ(UserAt(s, "2026-02-01T12:00:00Z"), "alice");
  EXPECT_EQ(UserAt(s, "2026-02-02T12:00:00Z"), "zoe");
  EXPECT_EQ(UserAt(s, "2026-02-03T12:00:00Z"), "alice");
}

TEST(ScheduleOverrides, WholeScheduleOverrideCoversEvenNobody) {
  Override everyone{"o1", "zoe", "", At("2026-02-01T00:00:00Z"), At("2026-02-02T00:00:00Z")};
  Schedule s = Make("UTC", {}, {everyone});
  EXPECT_EQ(OnCallAt(s, At("2026-02-01T05:00:00Z")), (OnCall{"zoe", OverrideSource("o1", "")}));
  EXPECT_EQ(UserAt(s, "2026-02-02T00:00:00Z"), "(nobody)");
  EXPECT_EQ(FinalShifts(s, At("2026-01-31T00:00:00Z"), At("2026-02-05T00:00:00Z")),
            (std::vector<Shift>{{"zoe", At("2026-02-01T00:00:00Z"), At("2026-02-02T00:00:00Z"),
                                 OverrideSource("o1", "")}}));
}

TEST(ScheduleOverrides, WithOverridesChecksAgainstTheConfiguredOnes) {
  Override cover{"cfg-1", "bob", "alice", At("2026-02-03T12:00:00Z"), At("2026-02-03T14:00:00Z")};
  Schedule s = Make("UTC", {MakeLayer("Daily", RotationType::kDaily, 1, "09:00", {2026, 2, 1}, {"alice"})}, {cover});
  Result<Schedule> more =
      s.WithOverrides({Override{"api-1", "carol", "alice", At("2026-02-04T12:00:00Z"), At("2026-02-04T13:00:00Z")}});
  ASSERT_TRUE(more.has_value());
  EXPECT_EQ(UserAt(*more, "2026-02-04T12:30:00Z"), "carol");
  EXPECT_EQ(UserAt(*more, "2026-02-03T12:30:00Z"), "bob");
  EXPECT_EQ(UserAt(s, "2026-02-04T12:30:00Z"), "alice");  // the original is unchanged
  Result<Schedule> clash =
      s.WithOverrides({Override{"api-2", "carol", "alice", At("2026-02-03T13:00:00Z"), At("2026-02-03T15:00:00Z")}});
  ASSERT_FALSE(clash.has_value());
  EXPECT_EQ(clash.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(clash.error().message.find("override api-2"), std::string::npos) << clash.error().message;
  EXPECT_NE(clash.error().message.find("overlaps override cfg-1"), std::string::npos) << clash.error().message;
}

TEST(ScheduleNobody, EmptyScheduleHasNobody) {
  Schedule s = Make("UTC", {});
  OnCall on_call = OnCallAt(s, At("2026-02-01T00:00:00Z"));
  EXPECT_FALSE(on_call.user.has_value());
  EXPECT_EQ(on_call.source.kind, Source::Kind::kNobody);
  EXPECT_EQ(on_call.source.Describe(), "nobody on call");
  EXPECT_TRUE(FinalShifts(s, At("2026-01-01T00:00:00Z"), At("2026-03-01T00:00:00Z")).empty());
  EXPECT_TRUE(FinalShifts(s, At("2026-03-01T00:00:00Z"), At("2026-01-01T00:00:00Z")).empty());
}

// OnCallAt and FinalShifts are two views of one answer: sample a busy schedule
// (layers, restrictions, overrides, both daylight-saving changes) and compare.
TEST(ScheduleConsistency, OnCallAtAgreesWithFinalShifts) {
  Layer base = MakeLayer("Base", RotationType::kDaily, 1, "09:00", {2026, 2, 20}, {"a", "b", "c"});
  Layer nights = MakeLayer("Nights", RotationType::kCustom, 36, "18:30", {2026, 2, 21}, {"n1", "n2"});
  nights.time_zone = "Europe/Paris";
  nights.restriction = Restriction{kEveryDay, minutes(20 * 60), minutes(7 * 60)};
  Layer weekend = MakeLayer("Weekend", RotationType::kWeekly, 1, "00:00", {2026, 2, 21}, {"w1", "w2"});
  weekend.restriction = Restriction{Days({0, 6}), minutes(0), minutes(24 * 60)};
  std::vector<Override> overrides;
  for (int i = 0; i < 40; ++i) {
    TimePoint start = At("2026-02-22T00:00:00Z") + hours(7 * i);
    if (i % 3 == 0) {
      overrides.push_back({"w" + std::to_string(i), "x", "", start, start + hours(2)});
    } else {
      overrides.push_back({"p" + std::to_string(i), "y" + std::to_string(i % 4), i % 2 ? "a" : "n1", start,
                           start + hours(5)});
    }
  }
  Schedule s = Make("America/New_York", {base, nights, weekend}, overrides);
  TimePoint from = At("2026-02-25T00:00:00Z");
  TimePoint to = At("2026-04-05T00:00:00Z");
  std::vector<Shift> shifts = FinalShifts(s, from, to);
  ASSERT_FALSE(shifts.empty());
  for (std::size_t i = 1; i < shifts.size(); ++i) {
    ASSERT_LE(shifts[i - 1].end, shifts[i].start);
    ASSERT_LT(shifts[i].start, shifts[i].end);
  }
  std::size_t k = 0;
  for (TimePoint t = from; t < to; t += minutes(10)) {
    while (k < shifts.size() && shifts[k].end <= t) ++k;
    OnCall on_call = OnCallAt(s, t);
    if (k < shifts.size() && shifts[k].start <= t) {
      ASSERT_EQ(on_call.user, shifts[k].user) << FormatRfc3339(t);
      ASSERT_EQ(on_call.source, shifts[k].source) << FormatRfc3339(t);
    } else {
      ASSERT_FALSE(on_call.user.has_value()) << FormatRfc3339(t) << " " << *on_call.user;
    }
  }
}

// ---------------------------------------------------------------------------
// Bad input

Definition Valid() {
  Definition d;
  d.name = "s";
  d.time_zone = "Europe/Paris";
  d.layers.push_back(MakeLayer("L", RotationType::kDaily, 1, "09:00", {2026, 1, 1}, {"a"}));
  return d;
}

TEST(ScheduleValidation, UnknownTimeZone) {
  Definition d = Valid();
  d.time_zone = "Europe/Parris";
  d.layers[0].time_zone = "Mars/Olympus";
  EXPECT_EQ(Validate(d), (std::vector<Problem>{
                             {"time_zone", "unknown time zone 'Europe/Parris' (expected an IANA name like "
                                           "Europe/Paris or UTC)"},
                             {"layers[0].time_zone", "unknown time zone 'Mars/Olympus' (expected an IANA name "
                                                     "like Europe/Paris or UTC)"},
                         }));
  Result<Schedule> s = Schedule::Create(d);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().message.rfind("schedule 's': time_zone: unknown time zone 'Europe/Parris'", 0), 0u)
      << s.error().message;
  EXPECT_TRUE(IsKnownTimeZone("America/New_York"));
  EXPECT_TRUE(IsKnownTimeZone("UTC"));
  EXPECT_FALSE(IsKnownTimeZone(""));
  EXPECT_FALSE(IsKnownTimeZone("../etc/passwd"));
}

TEST(ScheduleValidation, RotationWithNoMembers) {
  Definition d = Valid();
  d.layers[0].rotation.members.clear();
  EXPECT_EQ(Validate(d),
            (std::vector<Problem>{{"layers[0].rotation.members", "a rotation needs at least one member"}}));
}

TEST(ScheduleValidation, InvertedAndEmptyOverrideRanges) {
  Definition d = Valid();
  d.overrides.push_back({"o1", "b", "", At("2026-02-02T00:00:00Z"), At("2026-02-01T00:00:00Z")});
  d.overrides.push_back({"o2", "b", "", At("2026-02-03T00:00:00Z"), At("2026-02-03T00:00:00Z")});
  EXPECT_EQ(Validate(d), (std::vector<Problem>{
                             {"overrides[0]", "inverted range: ends at 2026-02-01T00:00:00Z, before it starts at "
                                              "2026-02-02T00:00:00Z"},
                             {"overrides[1]", "empty range: starts and ends at 2026-02-03T00:00:00Z"},
                         }));
}

TEST(ScheduleValidation, OverlappingOverrides) {
  Definition d = Valid();
  d.overrides.push_back({"o1", "b", "a", At("2026-02-01T00:00:00Z"), At("2026-02-02T00:00:00Z")});
  d.overrides.push_back({"o2", "c", "a", At("2026-02-01T12:00:00Z"), At("2026-02-03T00:00:00Z")});
  d.overrides.push_back({"o3", "c", "z", At("2026-02-01T12:00:00Z"), At("2026-02-03T00:00:00Z")});  // other person: fine
  d.overrides.push_back({"o4", "b", "a", At("2026-02-03T00:00:00Z"), At("2026-02-04T00:00:00Z")});  // touching: fine
  d.overrides.push_back({"o5", "d", "", At("2026-02-03T23:00:00Z"), At("2026-02-05T00:00:00Z")});
  EXPECT_EQ(Validate(d),
            (std::vector<Problem>{
                {"overrides[1]", "override o2 (c for a, 2026-02-01T12:00:00Z to 2026-02-03T00:00:00Z) overlaps "
                                 "override o1 (b for a, 2026-02-01T00:00:00Z to 2026-02-02T00:00:00Z): both cover a"},
                {"overrides[4]", "override o5 (d for the whole schedule, 2026-02-03T23:00:00Z to "
                                 "2026-02-05T00:00:00Z) overlaps override o4 (b for a, 2026-02-03T00:00:00Z to "
                                 "2026-02-04T00:00:00Z): a whole-schedule override cannot overlap another override"},
            }));
}

TEST(ScheduleValidation, OtherMistakes) {
  Definition d = Valid();
  d.layers.push_back(MakeLayer("L", RotationType::kHourly, 0, "09:00", {2026, 2, 30}, {"a", ""}));
  d.layers[1].rotation.handoff = minutes(24 * 60);
  d.layers[1].restriction = Restriction{0, minutes(60), minutes(60)};
  d.overrides.push_back({"o1", "a", "a", At("2026-02-01T00:00:00Z"), At("2026-02-02T00:00:00Z")});
  d.overrides.push_back({"o1", "", "", At("2026-03-01T00:00:00Z"), At("2026-03-02T00:00:00Z")});
  EXPECT_EQ(Validate(d), (std::vector<Problem>{
                             {"layers[1].name", "duplicate layer name 'L' (first used by layers[0])"},
                             {"layers[1].rotation.members[1]", "empty member"},
                             {"layers[1].rotation.length", "must be between 1 and 100000, got 0"},
                             {"layers[1].rotation.handoff", "must be a time of day between 00:00 and 23:59"},
                             {"layers[1].rotation.start", "not a date between 1970-01-01 and 9999-12-31"},
                             {"layers[1].restrictions.weekdays", "at least one weekday is required"},
                             {"layers[1].restrictions.hours",
                              "empty window 01:00-01:00 (use 00:00-24:00 for the whole day)"},
                             {"overrides[0].for", "'a' cannot cover for themselves"},
                             {"overrides[1].user", "an override needs the user who covers"},
                             {"overrides[1].id", "duplicate override id 'o1' (first used by overrides[0])"},
                         }));
}

TEST(ScheduleParts, WallClockToInstant) {
  EXPECT_EQ(WallClockToInstant("Europe/Paris", At("2026-07-01T09:00:00Z")), At("2026-07-01T07:00:00Z"));
  EXPECT_EQ(WallClockToInstant("America/New_York", At("2026-03-08T02:30:00Z")), At("2026-03-08T07:00:00Z"));
  EXPECT_EQ(WallClockToInstant("America/New_York", At("2026-11-01T01:30:00Z")), At("2026-11-01T05:30:00Z"));
  EXPECT_EQ(WallClockToInstant("Nowhere/Special", At("2026-07-01T09:00:00Z")), std::nullopt);
  EXPECT_EQ(RotationTypeName(RotationType::kCustom), "custom");
}

}  // namespace
}  // namespace tocsin::core::schedule
