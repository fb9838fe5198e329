// severities:, users:, teams:, channels: — who and what rules can point at.

#include "config/sections.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::config::detail {
namespace {

// Sets `target` when the key holds a valid string.
void ReadString(Reader& r, const Fields& fields, std::string_view key, std::string& target) {
  if (auto s = r.String(fields.Get(key))) target = *s;
}

// A handle-like name (user handle, team id, on-call handle): one word, optional '@' dropped.
std::optional<MarkedString> ReadHandle(Reader& r, const Value* value) {
  std::optional<std::string> text = r.String(value);
  if (!text) return std::nullopt;
  std::string handle = StripAt(*text);
  if (!IsValidHandle(handle)) {
    r.Report(*value,
             "expected a handle made of letters, digits, '.', '_' or '-', got '" + *text + "'");
    return std::nullopt;
  }
  return MarkedString{handle, value->mark, value->path};
}

}  // namespace

void LoadSeverities(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  if (items->empty()) {
    r.Report(value, "at least one severity is required (leave the section out for SEV-1..SEV-4)");
    return;
  }
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"name", "label", "description", "response_time", "update_cadence",
                               "postmortem_required"});
    if (!fields) continue;
    core::SeverityLevel level;
    level.mark = item.mark;
    if (const Value* v = r.Require(*fields, "name")) {
      if (auto name = r.String(v)) {
        if (name->empty()) {
          r.Report(*v, "must not be empty");
        } else if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "severity")) {
          level.name = *name;
        }
      }
    }
    ReadString(r, *fields, "label", level.label);
    ReadString(r, *fields, "description", level.description);
    if (auto d = r.Duration(r.Require(*fields, "response_time"))) level.response_time = *d;
    if (auto d = r.Duration(fields->Get("update_cadence"))) level.update_cadence = *d;
    if (auto b = r.Bool(fields->Get("postmortem_required"))) level.postmortem_required = *b;
    if (level.name.empty()) continue;  // reported above; keeping it would only confuse lookups
    level.rank = static_cast<int>(state.config.severities.size());
    state.config.severities.push_back(std::move(level));
  }
}

void LoadUsers(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"handle", "name", "email", "slack_member_id", "phone", "time_zone",
                               "positions"});
    if (!fields) continue;
    core::User user;
    user.mark = item.mark;
    if (auto handle = ReadHandle(r, r.Require(*fields, "handle"))) {
      if (CheckUnique(state, seen, *handle, "user handle")) user.handle = handle->text;
    }
    ReadString(r, *fields, "name", user.name);
    if (const Value* v = fields->Get("email")) {
      if (auto email = r.String(v)) {
        std::size_t at = email->find('@');
        if (at == std::string::npos || at == 0 || at + 1 == email->size()) {
          r.Report(*v, "expected an email address like alice@example.com, got '" + *email + "'");
        } else {
          user.email = *email;
        }
      }
    }
    ReadString(r, *fields, "slack_member_id", user.slack_member_id);
    ReadString(r, *fields, "phone", user.phone);
    if (const Value* v = fields->Get("time_zone")) {
      if (auto tz = r.String(v)) {
        if (tz->empty()) {
          r.Report(*v, "must not be empty");
        } else if (!core::schedule::IsKnownTimeZone(*tz)) {
          r.Report(*v, "unknown time zone '" + *tz + "' (expected an IANA name like Europe/Paris or UTC)");
        } else {
          user.time_zone = *tz;
        }
      }
    }
    if (auto positions = r.StringList(fields->Get("positions"), Reader::ListForm::kListOrScalar)) {
      std::vector<MarkedString> seen_positions;
      for (const MarkedString& position : *positions) {
        if (position.text.empty()) {
          r.Report(position.mark, position.path + ": must not be empty");
        } else if (CheckUnique(state, seen_positions, position, "position")) {
          user.positions.push_back(position.text);
        }
      }
    }
    if (!user.handle.empty()) state.config.users.push_back(std::move(user));
  }
}

void LoadTeams(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen_ids;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"id", "name", "slack_channel", "pagerduty_service", "oncall_handle",
                               "oncall_aliases", "responsibilities", "members"});
    if (!fields) continue;
    core::Team team;
    team.mark = item.mark;
    if (auto id = ReadHandle(r, r.Require(*fields, "id"))) {
      if (CheckUnique(state, seen_ids, *id, "team id")) team.id = id->text;
    }
    ReadString(r, *fields, "name", team.name);
    if (team.name.empty()) team.name = team.id;
    ReadString(r, *fields, "slack_channel", team.slack_channel);
    ReadString(r, *fields, "pagerduty_service", team.pagerduty_service);
    if (auto handle = ReadHandle(r, fields->Get("oncall_handle"))) {
      team.oncall_handle = handle->text;
      state.refs.team_handles.push_back(*handle);
    }
    if (auto aliases =
            r.StringList(fields->Get("oncall_aliases"), Reader::ListForm::kListOrScalar)) {
      if (team.oncall_handle.empty() && !aliases->empty()) {
        r.Report(*fields->Get("oncall_aliases"), "aliases need an oncall_handle");
      }
      for (const MarkedString& alias : *aliases) {
        std::string handle = StripAt(alias.text);
        if (!IsValidHandle(handle)) {
          r.Report(alias.mark, alias.path + ": expected a handle, got '" + alias.text + "'");
          continue;
        }
        team.oncall_aliases.push_back(handle);
        state.refs.team_handles.push_back(MarkedString{handle, alias.mark, alias.path});
      }
    }
    if (auto list =
            r.StringList(fields->Get("responsibilities"), Reader::ListForm::kListOrCommaText)) {
      team.responsibilities = Texts(*list);
    }
    if (auto members = r.StringList(fields->Get("members"), Reader::ListForm::kListOnly)) {
      std::vector<MarkedString> seen_members;
      for (MarkedString member : *members) {
        member.text = StripAt(member.text);
        if (!CheckUnique(state, seen_members, member, "member")) continue;
        team.members.push_back(member.text);
        state.refs.team_members.push_back(member);
      }
    }
    if (!team.id.empty()) state.config.teams.push_back(std::move(team));
  }
}

void LoadChannels(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    // Settings differ per channel type and belong to the notify layer, so any key is kept.
    auto fields = r.OpenMap(item);
    if (!fields) continue;
    core::Channel channel;
    channel.mark = item.mark;
    if (const Value* v = r.Require(*fields, "name")) {
      if (auto name = r.String(v)) {
        if (name->empty()) {
          r.Report(*v, "must not be empty");
        } else if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "channel")) {
          channel.name = *name;
        }
      }
    }
    if (auto type = r.OneOf(r.Require(*fields, "type"),
                            {"slack", "slack_webapi", "pagerduty", "webhook", "email"})) {
      channel.type = *type;
    }
    for (const auto& [key, setting] : fields->entries()) {
      if (key == "name" || key == "type" || setting.node.IsNull()) continue;
      if (auto text = r.String(&setting)) channel.settings[key] = *text;
    }
    if (!channel.name.empty()) state.config.channels.push_back(std::move(channel));
  }
}

}  // namespace tocsin::config::detail
