// severities:, users:, teams:, channels: — who and what rules can point at.

#include "config/sections.hpp"
#include "core/escalation/escalation.hpp"
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

bool LooksLikeEmail(const std::string& text) {
  std::size_t at = text.find('@');
  return at != std::string::npos && at != 0 && at + 1 != text.size() && text.find(' ') == std::string::npos;
}

// users[].contact_methods: how to page the person, in order. Returns the channel
// each method names (checked once the channels section is known); the caller
// fills in the user's index.
std::vector<PendingReferences::ContactChannel> LoadContactMethods(LoadState& state, const Value* value,
                                                                  core::User& user) {
  Reader& r = state.reader;
  std::vector<PendingReferences::ContactChannel> channels;
  if (value == nullptr) return channels;
  auto items = r.List(*value);
  if (!items) return channels;
  std::optional<std::pair<std::chrono::seconds, std::string>> previous;  // after, path
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"type", "after", "channel", "member_id", "address", "routing_key"});
    if (!fields) continue;
    core::ContactMethod method;
    method.mark = item.mark;
    auto type = r.OneOf(r.Require(*fields, "type"), {"slack_dm", "email", "pagerduty"});
    if (const Value* after = fields->Get("after")) {
      if (auto d = r.Duration(after, true)) {
        method.after = *d;
        if (previous && *d < previous->first) {
          r.Report(*after, "goes out " + core::escalation::FormatOffset(*d) + " after the page, before " +
                               previous->second + " (" + core::escalation::FormatOffset(previous->first) +
                               "); list contact methods in the order they go out");
        }
        previous = {*d, item.path};
      }
    } else if (!items->empty() && &item != &items->front()) {
      r.Report(item, "missing required key 'after': when this method goes out, counted from the page (e.g. 2m); "
                     "only the first method may leave it out (then it goes out at once)");
    } else {
      previous = {method.after, item.path};
    }
    // Each type has its own address key; another type's key is a mistake.
    const std::pair<const char*, const char*> address_keys[] = {
        {"member_id", "slack_dm"}, {"address", "email"}, {"routing_key", "pagerduty"}};
    for (const auto& [key, owner] : address_keys) {
      const Value* v = fields->Get(key);
      if (v && type && *type != owner) {
        r.Report(*v, std::string("only a ") + owner + " contact method has " + key + " (this one is " + *type + ")");
      }
    }
    if (!type) continue;
    method.type = *type;
    if (method.type == "slack_dm") {
      if (auto id = r.String(fields->Get("member_id"))) {
        if (id->empty() || id->find(' ') != std::string::npos) {
          r.Report(*fields->Get("member_id"), "expected a Slack member id like U012AB3CD, got '" + *id + "'");
        }
        method.address = *id;
      } else if (!fields->Get("member_id")) {
        method.address = user.slack_member_id;
        if (method.address.empty()) {
          r.Report(item, "a slack_dm contact method needs member_id (or the user's slack_member_id)");
        }
      }
    } else if (method.type == "email") {
      if (const Value* v = fields->Get("address")) {
        if (auto address = r.String(v)) {
          if (!LooksLikeEmail(*address)) {
            r.Report(*v, "expected an email address like alice@example.com, got '" + *address + "'");
          }
          method.address = *address;
        }
      } else {
        method.address = user.email;
        if (method.address.empty()) r.Report(item, "an email contact method needs address (or the user's email)");
      }
    } else {
      if (const Value* v = fields->Get("routing_key")) {
        // Never echoed: it is a secret.
        if (auto key = r.String(v)) {
          if (key->empty()) r.Report(*v, "must not be empty");
          method.routing_key = *key;
          if (v->node.Scalar().find("${") == std::string::npos) {
            state.notes.push_back(Diagnostic{v->mark, v->path + ": the routing key is written in the file; "
                                                               "keep secrets in the environment (${NAME})"});
          }
        }
      } else {
        r.Report(item, "a pagerduty contact method needs routing_key: the Events API v2 key of the person's own "
                       "PagerDuty service (put it in ${NAME})");
      }
    }
    PendingReferences::ContactChannel ref;
    ref.method = user.contact_methods.size();
    if (const Value* v = fields->Get("channel")) {
      if (auto name = r.String(v)) {
        if (name->empty()) {
          r.Report(*v, "must not be empty");
        } else {
          ref.written = MarkedString{*name, v->mark, v->path};
        }
      }
    }
    if (ref.written.text.empty()) ref.written = MarkedString{"", item.mark, item.path};
    channels.push_back(std::move(ref));
    user.contact_methods.push_back(std::move(method));
  }
  return channels;
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
                               "postmortem_required", "response_time_channels"});
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
    if (const Value* v = fields->Get("response_time_channels")) {
      if (auto names = r.StringList(v, Reader::ListForm::kListOrScalar)) {
        std::vector<MarkedString> seen_channels;
        level.response_time_channels.emplace();
        for (const MarkedString& name : *names) {
          if (name.text.empty()) {
            r.Report(name.mark, name.path + ": channel must not be empty");
          } else if (CheckUnique(state, seen_channels, name, "channel")) {
            level.response_time_channels->push_back(name.text);
            state.refs.severity_channels.push_back(name);
          }
        }
      }
    }
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
                               "positions", "contact_methods"});
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
    std::vector<PendingReferences::ContactChannel> channels =
        LoadContactMethods(state, fields->Get("contact_methods"), user);
    if (user.handle.empty()) continue;
    for (auto& c : channels) {
      c.user = state.config.users.size();
      state.refs.contact_channels.push_back(std::move(c));
    }
    state.config.users.push_back(std::move(user));
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
