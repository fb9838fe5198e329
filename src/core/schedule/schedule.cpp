#include "core/schedule/schedule.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

namespace tocsin::core::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using Days64 = std::chrono::duration<std::int64_t, std::ratio<86400>>;
using LocalMicros = date::local_time<Micros>;

constexpr minutes kDay{24 * 60};

const date::time_zone* FindZone(const std::string& name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;  // date/tz reports an unknown name by throwing std::runtime_error
  }
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsValidDate(const LocalDate& d) {
  if (d.year < 1970 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  return date::year_month_day{date::year{d.year}, date::month{static_cast<unsigned>(d.month)},
                              date::day{static_cast<unsigned>(d.day)}}
      .ok();
}

std::int64_t DayNumber(const LocalDate& d) {
  date::local_days days{date::year{d.year} / date::month{static_cast<unsigned>(d.month)} /
                        date::day{static_cast<unsigned>(d.day)}};
  return days.time_since_epoch().count();
}

// Local wall time -> instant. A skipped wall time maps to the moment of the change
// (date/tz returns the transition for both choices); a repeated one to its first
// occurrence.
TimePoint ToInstant(const date::time_zone* zone, LocalMicros local) {
  return std::chrono::time_point_cast<Micros>(zone->to_sys(local, date::choose::earliest));
}

LocalMicros ToLocal(const date::time_zone* zone, TimePoint t) {
  return std::chrono::time_point_cast<Micros>(zone->to_local(t));
}

LocalMicros LocalAt(std::int64_t day_number, minutes time_of_day) {
  return LocalMicros(Days64(day_number)) + time_of_day;
}

std::int64_t LocalDayOf(LocalMicros local) {
  return FloorDiv(local.time_since_epoch().count(),
                  std::chrono::duration_cast<Micros>(Days64(1)).count());
}

int WeekdayOf(std::int64_t day_number) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((day_number % 7) + 7 + 4) % 7);
}

std::string Iso(TimePoint t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

std::string Hhmm(minutes m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(m.count() / 60),
                static_cast<int>(m.count() % 60));
  return buf;
}

std::string OverrideName(const Override& o, std::size_t index) {
  return o.id.empty() ? "overrides[" + std::to_string(index) + "]" : "override " + o.id;
}

std::string OverrideText(const Override& o, std::size_t index) {
  std::string who = o.for_user.empty() ? o.user + " for the whole schedule" : o.user + " for " + o.for_user;
  return OverrideName(o, index) + " (" + who + ", " + Iso(o.start) + " to " + Iso(o.end) + ")";
}

void CheckOverrides(const std::vector<Override>& overrides, std::vector<Problem>& problems) {
  std::vector<std::size_t> usable;  // ranges that make sense, for the overlap check
  std::vector<std::pair<std::string, std::size_t>> ids;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const Override& o = overrides[i];
    std::string path = "overrides[" + std::to_string(i) + "]";
    bool ok = true;
    if (o.user.empty()) {
      problems.push_back({path + ".user", "an override needs the user who covers"});
      ok = false;
    }
    if (!o.for_user.empty() && o.for_user == o.user) {
      problems.push_back({path + ".for", "'" + o.user + "' cannot cover for themselves"});
      ok = false;
    }
    if (o.end < o.start) {
      problems.push_back({path, "inverted range: ends at " + Iso(o.end) + ", before it starts at " +
                                    Iso(o.start)});
      ok = false;
    } else if (o.end == o.start) {
      problems.push_back({path, "empty range: starts and ends at " + Iso(o.start)});
      ok = false;
    }
    if (!o.id.empty()) {
      auto first = std::find_if(ids.begin(), ids.end(), [&](const auto& p) { return p.first == o.id; });
      if (first != ids.end()) {
        problems.push_back({path + ".id", "duplicate override id '" + o.id + "' (first used by overrides[" +
                                              std::to_string(first->second) + "])"});
      } else {
        ids.emplace_back(o.id, i);
      }
    }
    if (ok) usable.push_back(i);
  }

  // Overlaps that would make "who is on call" ambiguous: two overrides for the same
  // person, or a whole-schedule override and any other. Sorted by start, each
  // override only needs comparing with the latest-ending one before it.
  std::stable_sort(usable.begin(), usable.end(),
                   [&](std::size_t a, std::size_t b) { return overrides[a].start < overrides[b].start; });
  std::optional<std::size_t> latest_any;    // latest-ending override so far
  std::optional<std::size_t> latest_whole;  // latest-ending whole-schedule override so far
  std::vector<std::pair<std::string, std::size_t>> latest_for;  // per covered person
  auto report = [&](std::size_t later, std::size_t earlier, const std::string& why) {
    std::size_t first = std::min(later, earlier);
    std::size_t second = std::max(later, earlier);
    problems.push_back({"overrides[" + std::to_string(second) + "]",
                        OverrideText(overrides[second], second) + " overlaps " +
                            OverrideText(overrides[first], first) + ": " + why});
  };
  for (std::size_t i : usable) {
    const Override& o = overrides[i];
    bool reported = false;
    if (o.for_user.empty()) {
      if (latest_any && overrides[*latest_any].end > o.start) {
        report(i, *latest_any, "a whole-schedule override cannot overlap another override");
        reported = true;
      }
    } else {
      if (latest_whole && overrides[*latest_whole].end > o.start) {
        report(i, *latest_whole, "a whole-schedule override cannot overlap another override");
        reported = true;
      }
      auto same = std::find_if(latest_for.begin(), latest_for.end(),
                               [&](const auto& p) { return p.first == o.for_user; });
      if (!reported && same != latest_for.end() && overrides[same->second].end > o.start) {
        report(i, same->second, "both cover " + o.for_user);
      }
      if (same == latest_for.end()) {
        latest_for.emplace_back(o.for_user, i);
      } else if (o.end > overrides[same->second].end) {
        same->second = i;
      }
    }
    if (!latest_any || o.end > overrides[*latest_any].end) latest_any = i;
    if (o.for_user.empty() && (!latest_whole || o.end > overrides[*latest_whole].end)) latest_whole = i;
  }
}

}  // namespace

// The computation. A friend of Schedule, so it can read the compiled layers.
struct ScheduleAccess {
  struct Turn {
    std::int64_t index = 0;
    TimePoint start{};
    TimePoint end{};
  };
  struct Segment {
    TimePoint start{};
    TimePoint end{};
    const std::string* user = nullptr;
  };

  static TimePoint Handoff(const Layer& layer, const Schedule::CompiledLayer& c, std::int64_t i) {
    if (!c.day_turns) return c.first_handoff + hours(i * c.turn_units);
    return ToInstant(c.zone, LocalAt(c.start_day + i * c.turn_units, layer.rotation.handoff));
  }

  // The turn running at `t`; nullopt before the first handoff.
  static std::optional<Turn> TurnAt(const Layer& layer, const Schedule::CompiledLayer& c, TimePoint t) {
    if (t < c.first_handoff) return std::nullopt;
    std::int64_t i = 0;
    if (!c.day_turns) {
      i = FloorDiv((t - c.first_handoff).count(),
                   std::chrono::duration_cast<Micros>(hours(c.turn_units)).count());
      return Turn{i, Handoff(layer, c, i), Handoff(layer, c, i + 1)};
    }
    // Estimate from the wall clock, then settle on the exact turn: around a
    // daylight-saving change the estimate can be one off.
    LocalMicros first = LocalAt(c.start_day, layer.rotation.handoff);
    std::int64_t elapsed_days = LocalDayOf(LocalMicros(ToLocal(c.zone, t) - first));
    i = std::max<std::int64_t>(0, FloorDiv(elapsed_days, c.turn_units));
    TimePoint start = Handoff(layer, c, i);
    while (i > 0 && start > t) start = Handoff(layer, c, --i);
    TimePoint end = Handoff(layer, c, i + 1);
    while (end <= t) {
      start = end;
      end = Handoff(layer, c, ++i + 1);
    }
    return Turn{i, start, end};
  }

  static std::pair<TimePoint, TimePoint> Window(const Restriction& r, const date::time_zone* zone,
                                                std::int64_t day) {
    minutes end = r.to > r.from ? r.to : r.to + kDay;
    return {ToInstant(zone, LocalAt(day, r.from)), ToInstant(zone, LocalAt(day, end))};
  }

  static bool InWindow(const Restriction& r, const date::time_zone* zone, TimePoint t) {
    std::int64_t day = LocalDayOf(ToLocal(zone, t));
    // A window that started the day before may still run; one that starts at a
    // repeated midnight may already have started.
    for (std::int64_t d = day - 1; d <= day + 1; ++d) {
      if ((r.weekdays & WeekdayBit(WeekdayOf(d))) == 0) continue;
      auto [start, end] = Window(r, zone, d);
      if (start <= t && t < end) return true;
    }
    return false;
  }

  static const std::string* LayerUserAt(const Layer& layer, const Schedule::CompiledLayer& c, TimePoint t) {
    if (layer.restriction && !InWindow(*layer.restriction, c.zone, t)) return nullptr;
    std::optional<Turn> turn = TurnAt(layer, c, t);
    if (!turn) return nullptr;
    const auto& members = layer.rotation.members;
    return &members[static_cast<std::size_t>(turn->index % static_cast<std::int64_t>(members.size()))];
  }

  // The override that applies at `t` when `layered` is on call from the layers.
  static const Override* OverrideAt(const Schedule& s, TimePoint t, const std::string* layered) {
    const auto& overrides = s.overrides_;
    auto after = std::upper_bound(overrides.begin(), overrides.end(), t,
                                  [](TimePoint v, const Override& o) { return v < o.start; });
    const Override* for_person = nullptr;
    for (auto i = static_cast<std::size_t>(after - overrides.begin()); i-- > 0;) {
      if (s.max_end_[i] <= t) break;  // nothing at or before i reaches t
      const Override& o = overrides[i];
      if (o.end <= t) continue;
      if (o.for_user.empty()) return &o;  // whole-schedule overrides come first
      if (layered != nullptr && o.for_user == *layered) for_person = &o;
    }
    return for_person;
  }

  static OnCall At(const Schedule& s, TimePoint t) {
    const auto& layers = s.definition_.layers;
    OnCall result;
    for (std::size_t i = layers.size(); i-- > 0;) {
      if (const std::string* user = LayerUserAt(layers[i], s.layers_[i], t)) {
        result.user = *user;
        result.source.kind = Source::Kind::kLayer;
        result.source.layer_index = static_cast<int>(i);
        result.source.layer = layers[i].name;
        break;
      }
    }
    if (const Override* o = OverrideAt(s, t, result.user ? &*result.user : nullptr)) {
      result.user = o->user;
      result.source = Source{};
      result.source.kind = Source::Kind::kOverride;
      result.source.override_id = o->id;
      result.source.covered_user = o->for_user;
    }
    return result;
  }

  // The layer's own stretches within [from, to), sorted and disjoint.
  static std::vector<Segment> LayerSegments(const Layer& layer, const Schedule::CompiledLayer& c,
                                            TimePoint from, TimePoint to) {
    std::vector<Segment> turns;
    if (to <= c.first_handoff) return turns;
    std::int64_t i = 0;
    TimePoint start = c.first_handoff;
    if (from > c.first_handoff) {
      Turn turn = *TurnAt(layer, c, from);
      i = turn.index;
      start = turn.start;
    }
    const auto& members = layer.rotation.members;
    const auto n = static_cast<std::int64_t>(members.size());
    while (start < to) {
      TimePoint end = Handoff(layer, c, i + 1);
      turns.push_back({std::max(start, from), std::min(end, to), &members[static_cast<std::size_t>(i % n)]});
      start = end;
      ++i;
    }
    if (!layer.restriction) return turns;

    const Restriction& r = *layer.restriction;
    std::vector<std::pair<TimePoint, TimePoint>> windows;
    std::int64_t first_day = LocalDayOf(ToLocal(c.zone, from)) - 1;
    std::int64_t last_day = LocalDayOf(ToLocal(c.zone, to)) + 1;
    for (std::int64_t d = first_day; d <= last_day; ++d) {
      if ((r.weekdays & WeekdayBit(WeekdayOf(d))) == 0) continue;
      auto [ws, we] = Window(r, c.zone, d);
      ws = std::max(ws, from);
      we = std::min(we, to);
      if (ws >= we) continue;
      if (!windows.empty() && ws <= windows.back().second) {
        windows.back().second = std::max(windows.back().second, we);
      } else {
        windows.emplace_back(ws, we);
      }
    }
    std::vector<Segment> out;
    std::size_t w = 0;
    for (const Segment& turn : turns) {
      while (w < windows.size() && windows[w].second <= turn.start) ++w;
      for (std::size_t k = w; k < windows.size() && windows[k].first < turn.end; ++k) {
        TimePoint s = std::max(turn.start, windows[k].first);
        TimePoint e = std::min(turn.end, windows[k].second);
        if (s < e) out.push_back({s, e, turn.user});
      }
    }
    return out;
  }

  static std::vector<Shift> Final(const Schedule& s, TimePoint from, TimePoint to) {
    std::vector<Shift> shifts;
    if (from >= to) return shifts;
    const auto& layers = s.definition_.layers;
    std::vector<std::vector<Segment>> segments(layers.size());
    std::vector<TimePoint> cuts{from, to};
    for (std::size_t i = 0; i < layers.size(); ++i) {
      segments[i] = LayerSegments(layers[i], s.layers_[i], from, to);
      for (const Segment& seg : segments[i]) {
        cuts.push_back(seg.start);
        cuts.push_back(seg.end);
      }
    }
    for (const Override& o : s.overrides_) {
      if (o.start >= to) break;
      if (o.end <= from) continue;
      cuts.push_back(std::max(o.start, from));
      cuts.push_back(std::min(o.end, to));
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    std::vector<std::size_t> cursor(layers.size(), 0);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
      TimePoint a = cuts[k];
      TimePoint b = cuts[k + 1];
      const std::string* user = nullptr;
      Source source;
      for (std::size_t i = layers.size(); i-- > 0;) {
        const auto& segs = segments[i];
        std::size_t& c = cursor[i];
        while (c < segs.size() && segs[c].end <= a) ++c;
        if (c < segs.size() && segs[c].start <= a) {
          user = segs[c].user;
          source.kind = Source::Kind::kLayer;
          source.layer_index = static_cast<int>(i);
          source.layer = layers[i].name;
          break;
        }
      }
      if (const Override* o = OverrideAt(s, a, user)) {
        user = &o->user;
        source = Source{};
        source.kind = Source::Kind::kOverride;
        source.override_id = o->id;
        source.covered_user = o->for_user;
      }
      if (user == nullptr) continue;
      if (!shifts.empty() && shifts.back().end == a && shifts.back().user == *user &&
          shifts.back().source == source) {
        shifts.back().end = b;
      } else {
        shifts.push_back(Shift{*user, a, b, std::move(source)});
      }
    }
    return shifts;
  }

  static void Compile(Schedule& s) {
    const Definition& d = s.definition_;
    for (const Layer& layer : d.layers) {
      Schedule::CompiledLayer c;
      c.zone = FindZone(layer.time_zone.empty() ? d.time_zone : layer.time_zone);
      const Rotation& r = layer.rotation;
      switch (r.type) {
        case RotationType::kHourly:
          c.day_turns = false;
          c.turn_units = r.length;
          break;
        case RotationType::kDaily:
          c.turn_units = r.length;
          break;
        case RotationType::kWeekly:
          c.turn_units = std::int64_t{7} * r.length;
          break;
        case RotationType::kCustom:
          c.day_turns = r.length % 24 == 0;
          c.turn_units = c.day_turns ? r.length / 24 : r.length;
          break;
      }
      c.start_day = DayNumber(r.start);
      c.first_handoff = ToInstant(c.zone, LocalAt(c.start_day, r.handoff));
      s.layers_.push_back(c);
    }
    s.overrides_ = d.overrides;
    std::stable_sort(s.overrides_.begin(), s.overrides_.end(),
                     [](const Override& a, const Override& b) { return a.start < b.start; });
    TimePoint latest{};
    for (std::size_t i = 0; i < s.overrides_.size(); ++i) {
      latest = i == 0 ? s.overrides_[i].end : std::max(latest, s.overrides_[i].end);
      s.max_end_.push_back(latest);
    }
  }
};

std::string RotationTypeName(RotationType type) {
  switch (type) {
    case RotationType::kHourly:
      return "hourly";
    case RotationType::kDaily:
      return "daily";
    case RotationType::kWeekly:
      return "weekly";
    case RotationType::kCustom:
      return "custom";
  }
  return "custom";
}

std::string Source::Describe() const {
  switch (kind) {
    case Kind::kNobody:
      return "nobody on call";
    case Kind::kLayer:
      return "layer '" + layer + "'";
    case Kind::kOverride:
      return "override " + override_id + (covered_user.empty() ? " (whole schedule)" : " (for " + covered_user + ")");
  }
  return "";
}

std::vector<Problem> Validate(const Definition& definition) {
  std::vector<Problem> problems;
  bool schedule_zone_ok = FindZone(definition.time_zone) != nullptr;
  if (!schedule_zone_ok) {
    problems.push_back({"time_zone", "unknown time zone '" + definition.time_zone +
                                         "' (expected an IANA name like Europe/Paris or UTC)"});
  }
  std::vector<std::pair<std::string, std::size_t>> names;
  for (std::size_t i = 0; i < definition.layers.size(); ++i) {
    const Layer& layer = definition.layers[i];
    std::string path = "layers[" + std::to_string(i) + "]";
    if (layer.name.empty()) {
      problems.push_back({path + ".name", "a layer needs a name"});
    } else {
      auto first = std::find_if(names.begin(), names.end(), [&](const auto& p) { return p.first == layer.name; });
      if (first != names.end()) {
        problems.push_back({path + ".name", "duplicate layer name '" + layer.name + "' (first used by layers[" +
                                                std::to_string(first->second) + "])"});
      } else {
        names.emplace_back(layer.name, i);
      }
    }
    if (!layer.time_zone.empty() && FindZone(layer.time_zone) == nullptr) {
      problems.push_back({path + ".time_zone", "unknown time zone '" + layer.time_zone +
                                                   "' (expected an IANA name like Europe/Paris or UTC)"});
    }
    const Rotation& r = layer.rotation;
    std::string rotation = path + ".rotation";
    if (r.members.empty()) {
      problems.push_back({rotation + ".members", "a rotation needs at least one member"});
    }
    for (std::size_t m = 0; m < r.members.size(); ++m) {
      if (r.members[m].empty()) {
        problems.push_back({rotation + ".members[" + std::to_string(m) + "]", "empty member"});
      }
    }
    // The cap keeps the arithmetic far from overflow; a turn of ten years is no rotation.
    constexpr int kMaxLength = 100000;
    if (r.length < 1 || r.length > kMaxLength) {
      problems.push_back({rotation + ".length", "must be between 1 and " + std::to_string(kMaxLength) + ", got " +
                                                    std::to_string(r.length)});
    }
    if (r.handoff < minutes(0) || r.handoff >= kDay) {
      problems.push_back({rotation + ".handoff", "must be a time of day between 00:00 and 23:59"});
    }
    if (!IsValidDate(r.start)) {
      problems.push_back({rotation + ".start", "not a date between 1970-01-01 and 9999-12-31"});
    }
    if (layer.restriction) {
      const Restriction& x = *layer.restriction;
      std::string restrictions = path + ".restrictions";
      if ((x.weekdays & kEveryDay) == 0) {
        problems.push_back({restrictions + ".weekdays", "at least one weekday is required"});
      }
      if (x.from < minutes(0) || x.from >= kDay || x.to < minutes(0) || x.to > kDay) {
        problems.push_back({restrictions + ".hours", "times of day must be between 00:00 and 24:00"});
      } else if (x.from == x.to) {
        problems.push_back({restrictions + ".hours", "empty window " + Hhmm(x.from) + "-" + Hhmm(x.to) +
                                                         " (use 00:00-24:00 for the whole day)"});
      }
    }
  }
  CheckOverrides(definition.overrides, problems);
  return problems;
}

Result<Schedule> Schedule::Create(Definition definition) {
  std::vector<Problem> problems = Validate(definition);
  if (!problems.empty()) {
    std::string message = "schedule '" + definition.name + "': ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      if (i > 0) message += "; ";
      message += problems[i].path + ": " + problems[i].message;
    }
    return InvalidArgument(std::move(message));
  }
  Schedule s;
  s.definition_ = std::move(definition);
  ScheduleAccess::Compile(s);
  return s;
}

Result<Schedule> Schedule::WithOverrides(std::vector<Override> extra) const {
  Definition d = definition_;
  for (Override& o : extra) d.overrides.push_back(std::move(o));
  return Create(std::move(d));
}

OnCall OnCallAt(const Schedule& schedule, TimePoint at) { return ScheduleAccess::At(schedule, at); }

std::vector<Shift> FinalShifts(const Schedule& schedule, TimePoint from, TimePoint to) {
  return ScheduleAccess::Final(schedule, from, to);
}

bool IsKnownTimeZone(const std::string& name) { return FindZone(name) != nullptr; }

std::optional<TimePoint> WallClockToInstant(const std::string& zone, TimePoint wall_clock) {
  const date::time_zone* z = FindZone(zone);
  if (z == nullptr) return std::nullopt;
  return ToInstant(z, LocalMicros(wall_clock.time_since_epoch()));
}

std::optional<TimePoint> InstantToWallClock(const std::string& zone, TimePoint instant) {
  const date::time_zone* z = FindZone(zone);
  if (z == nullptr) return std::nullopt;
  return TimePoint(ToLocal(z, instant).time_since_epoch());
}

}  // namespace tocsin::core::schedule
