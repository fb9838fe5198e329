// schedules:, escalation_policies: — who is on call, and who is paged when.
//
// The loader reads the YAML shape and reports malformed values itself; the rules
// about what the values mean (time zones, overlapping overrides, tiers without
// targets, cycles between teams) live in core (core/schedule, core/escalation),
// which reports them by config path. The marks kept here turn those paths back
// into file:line:column.

#include <algorithm>
#include <cctype>

#include "config/sections.hpp"
#include "core/escalation/escalation.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::config::detail {
namespace {

using ListForm = Reader::ListForm;
namespace sched = core::schedule;
namespace esc = core::escalation;
using std::chrono::minutes;

// Remembers where a value was written, for problems core finds later.
const Value* Keep(LoadState& state, const Value* value) {
  if (value != nullptr) state.oncall.marks.emplace(value->path, value->mark);
  return value;
}

// After reading a part: the values reported since `problems_before` were malformed,
// and core's checks of them would only repeat the report (or blame a default that
// stands in for them). Every message starts with the path of its value.
void SkipReportedValues(LoadState& state, std::size_t problems_before) {
  const std::vector<Diagnostic>& problems = state.reader.problems();
  for (std::size_t i = problems_before; i < problems.size(); ++i) {
    const std::string& message = problems[i].message;
    std::size_t colon = message.find(": ");
    if (colon != std::string::npos) state.oncall.reported.push_back(message.substr(0, colon));
  }
}

bool IsUnder(const std::string& path, const std::string& prefix) {
  return path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
}

core::SourceMark MarkFor(const LoadState& state, std::string path) {
  while (!path.empty()) {
    auto it = state.oncall.marks.find(path);
    if (it != state.oncall.marks.end()) return it->second;
    std::size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.erase(cut);
  }
  return core::SourceMark{state.reader.file(), 0, 0};
}

// Reports a problem core found at `path`, unless a problem there was already reported.
void ReportAt(LoadState& state, const std::string& path, const std::string& message) {
  for (const std::string& reported : state.oncall.reported) {
    if (IsUnder(path, reported)) return;
  }
  state.reader.Report(MarkFor(state, path), path + ": " + message);
}

bool TwoDigits(std::string_view s, std::size_t pos, int& out) {
  if (pos + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[pos])) ||
      !std::isdigit(static_cast<unsigned char>(s[pos + 1]))) {
    return false;
  }
  out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// "2026-01-05", a date that exists. (Core checks the range of years.)
std::optional<sched::LocalDate> ParseDate(std::string_view text) {
  int c = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !TwoDigits(text, 0, c) || !TwoDigits(text, 2, y) ||
      !TwoDigits(text, 5, mo) || !TwoDigits(text, 8, d)) {
    return std::nullopt;
  }
  sched::LocalDate date{c * 100 + y, mo, d};
  std::chrono::year_month_day ymd{std::chrono::year{date.year}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date;
}

// An override's start or end: RFC 3339 with a zone ("2026-03-10T09:00:00+01:00",
// "...Z"), or a wall-clock time in the schedule's zone ("2026-03-10 09:00").
std::optional<TimePoint> ParseInstant(std::string text, const std::string& zone) {
  if (text.size() >= 16 && (text.size() == 16 || text[16] != ':')) text.insert(16, ":00");
  std::optional<TimePoint> parsed = ParseRfc3339(text);
  if (!parsed) return std::nullopt;
  bool has_zone = text.find_first_of("Zz+", 19) != std::string::npos || text.find('-', 19) != std::string::npos;
  if (has_zone) return parsed;
  // A bad schedule zone is reported on its own; read the time as UTC meanwhile.
  return sched::WallClockToInstant(zone, *parsed).value_or(*parsed);
}

std::optional<std::string> ReadHandleText(LoadState& state, const Value* value, const std::string& what) {
  std::optional<std::string> text = state.reader.String(value);
  if (!text) return std::nullopt;
  std::string handle = StripAt(*text);
  if (!IsValidHandle(handle)) {
    state.reader.Report(*value, "expected a " + what + " handle, got '" + *text + "'");
    return std::nullopt;
  }
  return handle;
}

std::optional<std::string> ReadName(LoadState& state, const Value* value) {
  std::optional<std::string> text = state.reader.String(value);
  if (text && text->empty()) {
    state.reader.Report(*value, "must not be empty");
    return std::nullopt;
  }
  return text;
}

// ---------------------------------------------------------------------------
// schedules:

void LoadRotation(LoadState& state, const Value& value, sched::Rotation& rotation) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"type", "length", "handoff", "start", "members"});
  if (!fields) return;
  std::optional<std::string> type =
      r.OneOf(Keep(state, r.Require(*fields, "type")), {"hourly", "daily", "weekly", "custom"});
  if (type == "hourly") rotation.type = sched::RotationType::kHourly;
  if (type == "daily") rotation.type = sched::RotationType::kDaily;
  if (type == "weekly") rotation.type = sched::RotationType::kWeekly;
  if (type == "custom") {
    rotation.type = sched::RotationType::kCustom;
    if (auto length = r.Duration(Keep(state, r.Require(*fields, "length")))) {
      if (length->count() % 3600 != 0) {
        r.Report(*fields->Get("length"), "a custom turn is a whole number of hours or days, like 12h or 2d");
      } else {
        rotation.length = static_cast<int>(std::min<std::int64_t>(length->count() / 3600, 1 << 30));
      }
    }
  } else if (type) {
    if (auto length = r.Integer(Keep(state, fields->Get("length")), 1, 100000)) {
      rotation.length = static_cast<int>(*length);
    }
  }
  if (const Value* v = Keep(state, r.Require(*fields, "handoff"))) {
    if (auto text = r.String(v)) {
      if (auto clock = ParseClock(*text, false)) {
        rotation.handoff = *clock;
      } else {
        r.Report(*v, "expected a time of day like 09:00, got '" + *text + "'");
      }
    }
  }
  if (const Value* v = Keep(state, r.Require(*fields, "start"))) {
    if (auto text = r.String(v)) {
      if (auto date = ParseDate(*text)) {
        rotation.start = *date;
      } else {
        r.Report(*v, "expected a date like 2026-01-05, got '" + *text + "'");
      }
    }
  }
  if (const Value* v = Keep(state, r.Require(*fields, "members"))) {
    if (auto members = r.StringList(v, ListForm::kListOnly)) {
      for (MarkedString member : *members) {
        member.text = StripAt(member.text);
        if (!IsValidHandle(member.text)) {
          r.Report(member.mark, member.path + ": expected a user handle, got '" + member.text + "'");
          continue;
        }
        state.oncall.marks.emplace(member.path, member.mark);
        rotation.members.push_back(member.text);
        state.oncall.users.push_back(std::move(member));
      }
    }
  }
}

void LoadRestriction(LoadState& state, const Value& value, sched::Restriction& restriction) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"weekdays", "hours"});
  if (!fields) return;
  if (fields->Get("weekdays") == nullptr && fields->Get("hours") == nullptr) {
    r.Report(value, "give weekdays, hours or both");
    return;
  }
  if (const Value* v = Keep(state, fields->Get("weekdays"))) {
    if (auto days = r.StringList(v, ListForm::kListOrScalar)) {
      restriction.weekdays = 0;
      for (const MarkedString& day : *days) {
        state.oncall.marks.emplace(day.path, day.mark);
        if (auto d = ParseWeekday(day.text)) {
          restriction.weekdays = static_cast<std::uint8_t>(restriction.weekdays | sched::WeekdayBit(*d));
        } else {
          r.Report(day.mark, day.path + ": expected a weekday like mon or monday, got '" + day.text + "'");
        }
      }
    }
  }
  if (const Value* v = Keep(state, fields->Get("hours"))) {
    if (auto text = r.String(v)) {
      std::optional<minutes> from;
      std::optional<minutes> to;
      if (text->size() == 11 && (*text)[5] == '-') {
        from = ParseClock(std::string_view(*text).substr(0, 5), false);
        to = ParseClock(std::string_view(*text).substr(6), true);
      }
      if (from && to) {
        restriction.from = *from;
        restriction.to = *to;
      } else {
        r.Report(*v, "expected a window like 09:00-17:00 (22:00-06:00 runs past midnight), got '" + *text + "'");
      }
    }
  }
}

void LoadLayer(LoadState& state, const Value& item, sched::Layer& layer) {
  Reader& r = state.reader;
  auto fields = r.Map(item, {"name", "time_zone", "rotation", "restrictions"});
  if (!fields) return;
  if (auto name = ReadName(state, Keep(state, r.Require(*fields, "name")))) layer.name = *name;
  if (auto zone = ReadName(state, Keep(state, fields->Get("time_zone")))) layer.time_zone = *zone;
  if (const Value* v = Keep(state, r.Require(*fields, "rotation"))) LoadRotation(state, *v, layer.rotation);
  if (const Value* v = Keep(state, fields->Get("restrictions"))) {
    layer.restriction = sched::Restriction{};
    LoadRestriction(state, *v, *layer.restriction);
  }
}

void LoadOverride(LoadState& state, const Value& item, const std::string& zone, sched::Override& out) {
  Reader& r = state.reader;
  auto fields = r.Map(item, {"id", "user", "for", "start", "end"});
  if (!fields) return;
  if (auto id = ReadName(state, Keep(state, fields->Get("id")))) out.id = *id;
  for (const char* key : {"user", "for"}) {
    const Value* v = Keep(state, std::string_view(key) == "user" ? r.Require(*fields, key) : fields->Get(key));
    if (auto handle = ReadHandleText(state, v, "user")) {
      (std::string_view(key) == "user" ? out.user : out.for_user) = *handle;
      state.oncall.users.push_back(MarkedString{*handle, v->mark, v->path});
    }
  }
  for (const char* key : {"start", "end"}) {
    const Value* v = Keep(state, r.Require(*fields, key));
    std::optional<std::string> text = r.String(v);
    if (!text) continue;
    std::optional<TimePoint> t = ParseInstant(*text, zone);
    if (!t) {
      r.Report(*v, "expected a time like 2026-03-10T09:00:00+01:00, or 2026-03-10 09:00 in the schedule's "
                   "time zone, got '" + *text + "'");
      continue;
    }
    (std::string_view(key) == "start" ? out.start : out.end) = *t;
  }
}

// ---------------------------------------------------------------------------
// escalation_policies:

void LoadTarget(LoadState& state, const Value& item, OnCallReferences::TargetSlot slot,
                std::vector<OnCallReferences::TargetSlot>& team_slots,
                std::vector<OnCallReferences::TargetSlot>& handle_slots, esc::Target& target) {
  Reader& r = state.reader;
  Keep(state, &item);
  const char* expected = "expected '@handle' or one of {user: ...}, {schedule: ...}, {team: ...}, {position: ...}";
  if (item.node.IsScalar()) {
    std::optional<std::string> text = r.String(&item);
    if (!text) return;
    if (text->size() < 2 || (*text)[0] != '@' || !IsValidHandle(text->substr(1))) {
      r.Report(item, std::string(expected) + ", got '" + *text + "'");
      return;
    }
    target = esc::Target{esc::Target::Kind::kUser, text->substr(1)};  // or a team: settled in CheckOnCall
    slot.written = MarkedString{*text, item.mark, item.path};
    handle_slots.push_back(std::move(slot));
    return;
  }
  if (!item.node.IsMap()) {
    r.Report(item, std::string(expected) + ", got " + Describe(item.node));
    return;
  }
  auto fields = r.Map(item, {"user", "schedule", "team", "position"});
  if (!fields) return;
  std::vector<std::pair<std::string, const Value*>> given;
  for (const char* key : {"user", "schedule", "team", "position"}) {
    if (const Value* v = fields->Get(key)) given.emplace_back(key, v);
  }
  if (given.size() != 1) {
    r.Report(item, "give exactly one of user, schedule, team, position");
    return;
  }
  const auto& [key, v] = given.front();
  if (key == "user") {
    if (auto handle = ReadHandleText(state, v, "user")) target = esc::Target{esc::Target::Kind::kUser, *handle};
  } else if (key == "team") {
    if (auto handle = ReadHandleText(state, v, "team id or on-call")) {
      target = esc::Target{esc::Target::Kind::kTeam, *handle};
      slot.written = MarkedString{*handle, v->mark, v->path};
      team_slots.push_back(std::move(slot));
    }
  } else if (auto name = ReadName(state, v)) {
    target = esc::Target{key == "schedule" ? esc::Target::Kind::kSchedule : esc::Target::Kind::kPosition, *name};
  }
}

void LoadCondition(LoadState& state, const Value& value, esc::Condition& condition) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"severity", "any_field"});
  if (!fields) return;
  if (auto severities = r.StringList(Keep(state, fields->Get("severity")), ListForm::kListOrScalar)) {
    for (const MarkedString& s : *severities) {
      state.oncall.marks.emplace(s.path, s.mark);
      condition.severities.push_back(s.text);
    }
  }
  if (const Value* any = Keep(state, fields->Get("any_field"))) {
    if (auto entries = r.OpenMap(*any)) {
      for (const auto& [name, entry] : entries->entries()) {
        Keep(state, &entry);
        if (entry.node.IsNull()) {
          r.Report(entry, "a value is required");
          continue;
        }
        auto values = r.StringList(&entry, ListForm::kListOrScalar);
        if (!values) continue;
        condition.any_field.push_back(esc::FieldCondition{name, Texts(*values)});
      }
      if (entries->entries().empty()) r.Report(*any, "give at least one field: value");
    }
  }
}

void LoadTier(LoadState& state, const Value& item, std::size_t policy, std::size_t tier_index,
              std::vector<OnCallReferences::TargetSlot>& team_slots,
              std::vector<OnCallReferences::TargetSlot>& handle_slots, esc::Tier& tier) {
  Reader& r = state.reader;
  auto fields = r.Map(item, {"name", "after", "targets", "condition"});
  if (!fields) return;
  if (auto name = r.String(Keep(state, fields->Get("name")))) tier.name = *name;
  if (auto after = r.Duration(Keep(state, r.Require(*fields, "after")), true)) tier.after = *after;
  if (const Value* v = Keep(state, r.Require(*fields, "targets"))) {
    if (auto targets = r.List(*v)) {
      for (std::size_t k = 0; k < targets->size(); ++k) {
        esc::Target target;
        LoadTarget(state, (*targets)[k], {policy, tier_index, k, {}}, team_slots, handle_slots, target);
        tier.targets.push_back(std::move(target));
      }
    }
  }
  if (const Value* v = Keep(state, fields->Get("condition"))) {
    tier.condition = esc::Condition{};
    LoadCondition(state, *v, *tier.condition);
  }
}

}  // namespace

// "09:00"; "24:00" only where a window may end at midnight.
std::optional<minutes> ParseClock(std::string_view text, bool allow_24) {
  int h = 0;
  int m = 0;
  if (text.size() != 5 || text[2] != ':' || !TwoDigits(text, 0, h) || !TwoDigits(text, 3, m)) {
    return std::nullopt;
  }
  if (m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0))) return std::nullopt;
  return minutes(h * 60 + m);
}

std::optional<int> ParseWeekday(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  static constexpr std::string_view kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                "thursday", "friday", "saturday"};
  for (int d = 0; d < 7; ++d) {
    if (text == kNames[d] || text == kNames[d].substr(0, 3)) return d;
  }
  return std::nullopt;
}


void LoadSchedules(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"name", "team", "time_zone", "layers", "overrides"});
    if (!fields) continue;
    Keep(state, &item);
    sched::Definition definition;
    if (const Value* v = Keep(state, r.Require(*fields, "name"))) {
      if (auto name = ReadName(state, v)) {
        if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "schedule")) definition.name = *name;
      }
    }
    if (const Value* v = Keep(state, fields->Get("team"))) {
      if (auto team = ReadHandleText(state, v, "team id")) {
        definition.team = *team;
        state.oncall.schedule_teams.push_back(MarkedString{*team, v->mark, v->path});
      }
    }
    const std::size_t schedule_before = r.problem_count();
    if (auto zone = ReadName(state, Keep(state, fields->Get("time_zone")))) definition.time_zone = *zone;
    if (const Value* v = Keep(state, fields->Get("layers"))) {
      if (auto layers = r.List(*v)) {
        for (const Value& layer_item : *layers) {
          sched::Layer layer;
          Keep(state, &layer_item);
          LoadLayer(state, layer_item, layer);
          definition.layers.push_back(std::move(layer));  // kept even when broken: indexes match the file
        }
      }
    }
    if (const Value* v = Keep(state, fields->Get("overrides"))) {
      if (auto overrides = r.List(*v)) {
        for (std::size_t k = 0; k < overrides->size(); ++k) {
          const Value& override_item = (*overrides)[k];
          const std::size_t before = r.problem_count();
          sched::Override o;
          o.id = "cfg-" + std::to_string(k + 1);
          Keep(state, &override_item);
          LoadOverride(state, override_item, definition.time_zone, o);
          if (r.problem_count() > before) {
            // A half-read range would only cause bogus overlaps: core sees an empty
            // one, and what it says about it is not reported.
            o.start = o.end = TimePoint{};
            state.oncall.reported.push_back(override_item.path);
          }
          definition.overrides.push_back(std::move(o));
        }
      }
    }
    SkipReportedValues(state, schedule_before);
    for (const sched::Problem& problem : sched::Validate(definition)) {
      ReportAt(state, item.path + "." + problem.path, problem.message);
    }
    if (!definition.name.empty()) state.config.schedules.push_back(std::move(definition));
  }
}

void LoadEscalationPolicies(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"name", "team", "tiers", "repeat", "repeat_after"});
    if (!fields) continue;
    Keep(state, &item);
    const std::size_t index = state.config.escalation_policies.size();
    std::vector<OnCallReferences::TargetSlot> team_slots;
    std::vector<OnCallReferences::TargetSlot> handle_slots;
    esc::Policy policy;
    if (const Value* v = Keep(state, r.Require(*fields, "name"))) {
      if (auto name = ReadName(state, v)) {
        if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "escalation policy")) {
          policy.name = *name;
        }
      }
    }
    std::size_t before = r.problem_count();
    if (auto team = ReadHandleText(state, Keep(state, r.Require(*fields, "team")), "team id")) policy.team = *team;
    if (auto repeat = r.Integer(Keep(state, fields->Get("repeat")), 0, 100)) policy.repeat = static_cast<int>(*repeat);
    if (auto after = r.Duration(Keep(state, fields->Get("repeat_after")))) policy.repeat_after = *after;
    if (const Value* v = Keep(state, r.Require(*fields, "tiers"))) {
      if (auto tiers = r.List(*v)) {
        for (std::size_t j = 0; j < tiers->size(); ++j) {
          const Value& tier_item = (*tiers)[j];
          esc::Tier tier;
          Keep(state, &tier_item);
          LoadTier(state, tier_item, index, j, team_slots, handle_slots, tier);
          policy.tiers.push_back(std::move(tier));  // kept even when broken: indexes match the file
        }
      }
    }
    SkipReportedValues(state, before);
    if (policy.name.empty() || policy.team.empty()) continue;
    state.oncall.policy_paths.push_back(item.path);
    state.oncall.team_targets.insert(state.oncall.team_targets.end(), team_slots.begin(), team_slots.end());
    state.oncall.handle_targets.insert(state.oncall.handle_targets.end(), handle_slots.begin(), handle_slots.end());
    state.config.escalation_policies.push_back(std::move(policy));
  }
}

void CheckOnCall(LoadState& state) {
  Reader& r = state.reader;
  core::Config& config = state.config;
  OnCallReferences& refs = state.oncall;

  for (const MarkedString& user : refs.users) {
    if (config.FindUser(user.text) == nullptr) {
      r.Report(user.mark, user.path + ": unknown user '" + user.text + "' (list it under users:)");
    }
  }
  for (const MarkedString& team : refs.schedule_teams) {
    if (config.FindTeam(team.text) == nullptr) {
      r.Report(team.mark, team.path + ": unknown team '" + team.text + "' (list it under teams:)");
    }
  }

  // {team: x} may name the team by id or by its on-call handle; '@x' names a team's
  // on-call or a user, as a rule's commander does.
  for (const auto& slot : refs.team_targets) {
    esc::Target& target = config.escalation_policies[slot.policy].tiers[slot.tier].targets[slot.target];
    if (config.FindTeam(target.name) == nullptr) {
      if (const core::Team* team = config.FindTeamByHandle(target.name)) target.name = team->id;
    }
  }
  for (const auto& slot : refs.handle_targets) {
    const MarkedString& written = slot.written;
    esc::Target& target = config.escalation_policies[slot.policy].tiers[slot.tier].targets[slot.target];
    if (const core::Team* team = config.FindTeamByHandle(target.name)) {
      target = esc::Target{esc::Target::Kind::kTeam, team->id};
    } else if (config.FindUser(target.name) == nullptr) {
      r.Report(written.mark, written.path + ": unknown handle '" + written.text +
                                 "': no team has it as oncall_handle and no user has it");
      refs.reported.push_back(written.path);
    }
  }

  // Core's paths count only the policies that loaded; the file's count them all.
  for (const esc::Problem& problem : esc::ValidatePolicies(config)) {
    std::string path = problem.path;
    const std::string prefix = "escalation_policies[";
    if (path.rfind(prefix, 0) == 0) {
      std::size_t close = path.find(']');
      std::size_t index = std::stoul(path.substr(prefix.size(), close - prefix.size()));
      if (index < refs.policy_paths.size()) path = refs.policy_paths[index] + path.substr(close + 1);
    }
    ReportAt(state, path, problem.message);
  }

  for (esc::Policy& policy : esc::DefaultPolicies(config)) {
    const core::Team* team = config.FindTeam(policy.team);
    std::size_t index = static_cast<std::size_t>(team - config.teams.data());
    std::string message = "teams[" + std::to_string(index) + "]: team '" + team->id +
                          "' has no escalation policy, so it gets the default one: " + esc::Summary(policy);
    if (policy.tiers.front().targets.empty()) {
      message += " (it has no schedule either: its on-call handle pages nobody)";
    }
    state.notes.push_back(Diagnostic{team->mark, message});
    config.escalation_policies.push_back(std::move(policy));
  }
}

}  // namespace tocsin::config::detail
