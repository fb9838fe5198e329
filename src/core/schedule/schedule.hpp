#pragma once
// On-call schedules: who is on call at an instant, and the final shifts over a
// range. Pure: no I/O and no clock (every instant is a parameter); the IANA time
// zone rules come from the system tz database through Howard Hinnant's date/tz,
// read once and treated as reference data, like the standard library's own
// <chrono> zones (docs/adr/0003-oncall-computation.md).
//
// A schedule is an ordered list of layers; a later layer covers the earlier ones
// wherever it has someone (a weekend layer over a weekly one). A layer is one
// rotation: members take turns of a fixed length, handing off at a local time of
// day in the layer's time zone, from a start date on. Day and week turns count
// local calendar days, so a daily 09:00 Europe/Paris handoff stays at 09:00 local
// across daylight-saving changes (a turn is then 23 or 25 hours long); hour turns
// count elapsed hours from the first handoff. An optional restriction limits the
// layer to some weekdays and hours of the day (local). Overrides sit on top of
// everything: a user covers [start, end) for one person (only while that person
// would be on call) or for the whole schedule.
//
// Thread-safety: a Schedule is immutable after Create(); concurrent queries are safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace date {
class time_zone;
}

namespace tocsin::core::schedule {

// A calendar date in some time zone ("2026-01-05").
struct LocalDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  bool operator==(const LocalDate&) const = default;
};

enum class RotationType { kHourly, kDaily, kWeekly, kCustom };

struct Rotation {
  RotationType type = RotationType::kWeekly;
  // Turn length in the type's unit: hours (hourly), days (daily), weeks (weekly).
  // For custom, a number of hours: a whole number of days (48) counts local
  // calendar days, anything else (12) elapsed hours.
  int length = 1;
  // Local time of day of every handoff (days and weeks), or of the first one (hours).
  std::chrono::minutes handoff{9 * 60};
  // The date of the first handoff; for weekly turns its weekday is the handoff day.
  // Before the first handoff the layer has nobody.
  LocalDate start;
  std::vector<std::string> members;  // user handles in turn order; repeats allowed
};

// Bits of Restriction::weekdays: bit i is weekday i, Sunday = 0 ... Saturday = 6.
inline constexpr std::uint8_t kEveryDay = 0x7f;
inline constexpr std::uint8_t WeekdayBit(int weekday_from_sunday) {
  return static_cast<std::uint8_t>(1u << weekday_from_sunday);
}

// When a layer applies, in its local time: on the listed weekdays, from `from` to
// `to`. A window with to <= from runs past midnight and belongs to the weekday it
// starts on ("22:00-06:00" on Friday covers Friday night until Saturday 06:00).
struct Restriction {
  std::uint8_t weekdays = kEveryDay;
  std::chrono::minutes from{0};
  std::chrono::minutes to{24 * 60};
  bool operator==(const Restriction&) const = default;
};

struct Layer {
  std::string name;
  std::string time_zone;  // IANA name; empty means the schedule's
  Rotation rotation;
  std::optional<Restriction> restriction;
};

struct Override {
  std::string id;          // "cfg-1" for config overrides; a UUID for ones made through the API
  std::string user;        // who is on call
  std::string for_user;    // whom they cover; empty means the whole schedule
  TimePoint start{};       // inclusive
  TimePoint end{};         // exclusive
};

// A schedule as configured: plain data, not yet checked.
struct Definition {
  std::string name;
  std::string team;               // team id; empty when the schedule belongs to no team
  std::string time_zone = "UTC";  // default zone of its layers
  std::vector<Layer> layers;      // the last layer takes precedence
  std::vector<Override> overrides;
};

// One mistake in a Definition. `path` is relative to the schedule
// ("layers[0].rotation.members", "overrides[2]"), so the config loader can point
// at the line; `message` says what is wrong.
struct Problem {
  std::string path;
  std::string message;
  bool operator==(const Problem&) const = default;
};

// Every problem of `definition`: unknown time zones, a rotation with no members
// or a length below 1, a handoff outside 00:00-23:59, an empty restriction,
// duplicate layer names, override ranges that end before they start, and
// overrides that overlap (two for the same person, or a whole-schedule override
// overlapping any other). Users are not checked here: core knows no directory.
std::vector<Problem> Validate(const Definition& definition);

// Why someone is (or nobody is) on call.
struct Source {
  enum class Kind { kNobody, kLayer, kOverride };
  Kind kind = Kind::kNobody;
  int layer_index = -1;      // kLayer: index into Definition::layers
  std::string layer;         // kLayer: its name
  std::string override_id;   // kOverride
  std::string covered_user;  // kOverride: whom the override covers; empty = whole schedule

  bool operator==(const Source&) const = default;
  // "layer 'Weekly'", "override cfg-1 (jonas for samira)", "nobody on call".
  std::string Describe() const;
};

struct OnCall {
  std::optional<std::string> user;  // nullopt: nobody is on call
  Source source;
  bool operator==(const OnCall&) const = default;
};

struct Shift {
  std::string user;
  TimePoint start{};  // inclusive
  TimePoint end{};    // exclusive
  Source source;
  bool operator==(const Shift&) const = default;
};

// A validated schedule, ready to query.
class Schedule {
 public:
  // Errors: kInvalidArgument with every Validate() problem ("path: message; ...").
  static Result<Schedule> Create(Definition definition);

  // The same schedule with `extra` overrides added (e.g. made through the API);
  // they are checked together with the configured ones.
  Result<Schedule> WithOverrides(std::vector<Override> extra) const;

  const Definition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }

 private:
  friend struct ScheduleAccess;  // the computation in schedule.cpp
  struct CompiledLayer {
    const date::time_zone* zone = nullptr;
    bool day_turns = true;         // local calendar days; otherwise elapsed hours
    std::int64_t turn_units = 1;   // days or hours per turn
    std::int64_t start_day = 0;    // local days since 1970-01-01 of the first handoff
    TimePoint first_handoff{};
  };

  Schedule() = default;

  Definition definition_;
  std::vector<CompiledLayer> layers_;  // parallel to definition_.layers
  std::vector<Override> overrides_;    // sorted by start
  std::vector<TimePoint> max_end_;     // max_end_[i]: latest end among overrides_[0..i]
};

// Who is on call at `at`: the last layer with someone, then overrides.
OnCall OnCallAt(const Schedule& schedule, TimePoint at);

// The final shifts within [from, to), in time order, clipped to the range;
// consecutive stretches of one person from one source are one shift. Times when
// nobody is on call have no shift. The caller bounds the range: the work grows
// with the number of handoffs in it.
std::vector<Shift> FinalShifts(const Schedule& schedule, TimePoint from, TimePoint to);

// True when `name` is in the tz database ("Europe/Paris", "UTC").
bool IsKnownTimeZone(const std::string& name);

// The instant at which clocks in `zone` show `wall_clock` (given as if it were a
// UTC time). A wall time skipped by a daylight-saving change maps to the moment
// of the change; one that happens twice maps to its first occurrence. nullopt
// for an unknown zone.
std::optional<TimePoint> WallClockToInstant(const std::string& zone, TimePoint wall_clock);
// What clocks in `zone` show at `instant` (as if it were a UTC time); nullopt
// for an unknown zone.
std::optional<TimePoint> InstantToWallClock(const std::string& zone, TimePoint instant);

// "hourly", "daily", "weekly", "custom".
std::string RotationTypeName(RotationType type);

}  // namespace tocsin::core::schedule
