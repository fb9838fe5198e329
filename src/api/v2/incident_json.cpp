#include "api/v2/incident_json.hpp"

#include "api/v2/auth.hpp"
#include "common/random.hpp"

namespace tocsin::api::v2 {
namespace {

constexpr int kMaxDepth = 32;

json Time(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

std::int64_t Seconds(const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
  if (!from || !to || *to < *from) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(*to - *from).count();
}

bool IsListType(const std::string& type) {
  return type == "multiselect" || type == "textarray" || type == "metrictag" || type == "autocomplete";
}

json FieldJson(const core::FieldValue& v) {
  json value = v.is_list ? (v.list ? json(*v.list) : json(nullptr)) : (v.text ? json(*v.text) : json(nullptr));
  return json{{"type", v.type}, {"value", value}};
}

json UserRef(const core::Actor& a) {
  if (a.user_uuid.empty()) return json{{"data", nullptr}};
  return json{{"data", {{"type", "users"}, {"id", a.user_uuid}}}};
}

std::string Path(const std::string& base, const std::string& key) { return base + "." + key; }

Result<std::optional<TimePoint>> ReadTime(const json& attrs, const char* key) {
  auto it = attrs.find(key);
  if (it == attrs.end() || it->is_null()) return std::optional<TimePoint>();
  if (!it->is_string()) return InvalidArgument(std::string("data.attributes.") + key + ": must be an RFC 3339 date-time string");
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t) return InvalidArgument(std::string("data.attributes.") + key + ": '" + it->get<std::string>() +
                                 "' is not an RFC 3339 date-time");
  return std::optional<TimePoint>(*t);
}

Result<std::string> ReadString(const json& obj, const char* key, const std::string& path) {
  const json& v = obj.at(key);
  if (!v.is_string()) return InvalidArgument(Path(path, key) + ": must be a string");
  return v.get<std::string>();
}

Result<void> CheckSeverity(const std::string& value, const std::string& path, const core::Config& config) {
  if (value == core::kUnknownSeverity || config.FindSeverity(value)) return {};
  std::string allowed;
  for (const auto& s : config.severities) allowed += s.name + ", ";
  allowed += "UNKNOWN";
  return InvalidArgument(path + ": unknown severity '" + value + "' (allowed: " + allowed + ")");
}

Result<core::IncidentState> CheckState(const std::string& value, const std::string& path) {
  auto s = core::ParseStateName(value);
  if (!s) return InvalidArgument(path + ": unknown state '" + value + "' (allowed: active, stable, resolved, completed)");
  return *s;
}

// Default field types for Datadog's built-in fields.
std::string DefaultType(const std::string& name, bool is_list) {
  if (name == "services" || name == "teams") return "autocomplete";
  if (name == "severity" || name == "state" || name == "detection_method") return "dropdown";
  return is_list ? "multiselect" : "textbox";
}

// Reads data.attributes.fields into severity/state and custom fields.
Result<void> ReadFields(const json& attrs, const core::Config& config, std::optional<std::string>& severity,
                        std::optional<core::IncidentState>& state, std::map<std::string, core::FieldValue>& out) {
  auto it = attrs.find("fields");
  if (it == attrs.end() || it->is_null()) return {};
  if (!it->is_object()) return InvalidArgument("data.attributes.fields: must be an object");
  for (const auto& [name, raw] : it->items()) {
    std::string path = "data.attributes.fields." + name;
    if (name.empty() || name.size() > 128) return InvalidArgument("data.attributes.fields: field names must be 1-128 characters");
    const json* value = &raw;
    std::string type;
    if (raw.is_object()) {
      if (raw.contains("type")) {
        if (!raw["type"].is_string()) return InvalidArgument(path + ".type: must be a string");
        type = raw["type"].get<std::string>();
      }
      if (!raw.contains("value")) return InvalidArgument(path + ".value: is required");
      value = &raw["value"];
      path += ".value";
    }
    core::FieldValue v;
    if (value->is_null()) {
      v.is_list = IsListType(type);
    } else if (value->is_string()) {
      v.text = value->get<std::string>();
    } else if (value->is_array()) {
      v.is_list = true;
      std::vector<std::string> items;
      for (const auto& item : *value) {
        if (!item.is_string()) return InvalidArgument(path + ": list items must be strings");
        items.push_back(item.get<std::string>());
      }
      v.list = std::move(items);
    } else {
      return InvalidArgument(path + ": must be a string, a list of strings or null");
    }
    if (!type.empty() && IsListType(type) != v.is_list && !value->is_null()) {
      return InvalidArgument(path + ": a '" + type + "' field takes " + (IsListType(type) ? "a list of strings" : "a string"));
    }
    v.type = type.empty() ? DefaultType(name, v.is_list) : type;
    if (name == "severity") {
      if (!v.text) return InvalidArgument(path + ": severity must be a string");
      if (auto ok = CheckSeverity(*v.text, path, config); !ok) return ok;
      severity = *v.text;
    } else if (name == "state") {
      if (!v.text) return InvalidArgument(path + ": state must be a string");
      auto s = CheckState(*v.text, path);
      if (!s) return tl::unexpected(s.error());
      state = *s;
    } else {
      out[name] = std::move(v);
    }
  }
  return {};
}

Result<std::vector<core::NotificationHandle>> ReadHandles(const json& v) {
  if (!v.is_array()) return InvalidArgument("data.attributes.notification_handles: must be a list");
  std::vector<core::NotificationHandle> out;
  for (const auto& h : v) {
    if (!h.is_object()) return InvalidArgument("data.attributes.notification_handles: items must be objects");
    core::NotificationHandle n;
    if (h.contains("display_name") && h["display_name"].is_string()) n.display_name = h["display_name"];
    if (h.contains("handle") && h["handle"].is_string()) n.handle = h["handle"];
    out.push_back(std::move(n));
  }
  return out;
}

// relationships.commander_user (or the older relationships.commander).
Result<std::optional<std::optional<core::Actor>>> ReadCommander(const json& data, const core::Config& config) {
  auto rel = data.find("relationships");
  if (rel == data.end() || rel->is_null()) return std::optional<std::optional<core::Actor>>();
  if (!rel->is_object()) return InvalidArgument("data.relationships: must be an object");
  const char* key = rel->contains("commander_user") ? "commander_user" : "commander";
  auto c = rel->find(key);
  if (c == rel->end()) return std::optional<std::optional<core::Actor>>();
  std::string path = std::string("data.relationships.") + key;
  if (!c->is_object() || !c->contains("data")) return InvalidArgument(path + ".data: is required");
  const json& d = (*c)["data"];
  if (d.is_null()) return std::optional<std::optional<core::Actor>>(std::optional<core::Actor>());
  if (!d.is_object() || !d.contains("id") || !d["id"].is_string()) return InvalidArgument(path + ".data.id: must be a string");
  std::string id = d["id"];
  for (const auto& u : config.users) {
    if (NameUuid(u.handle) == id || u.handle == id) {
      return std::optional<std::optional<core::Actor>>(std::optional<core::Actor>(ActorFor(u.handle)));
    }
  }
  return InvalidArgument(path + ".data.id: no user with id '" + id + "'");
}

// A handle given as a string ("@alice" or "@security-oncall").
Result<core::Actor> CommanderFromHandle(const std::string& raw, const core::Config& config) {
  std::string handle = !raw.empty() && raw[0] == '@' ? raw.substr(1) : raw;
  if (config.FindUser(handle) || config.FindTeamByHandle(handle)) return ActorFor(handle);
  return InvalidArgument("data.attributes.commander: no user or team on-call handle '" + raw + "'");
}

Result<const json*> DataObject(const json& body) {
  if (!body.is_object()) return InvalidArgument("body: must be a JSON object");
  auto d = body.find("data");
  if (d == body.end()) return InvalidArgument("data: is required");
  if (!d->is_object()) return InvalidArgument("data: must be an object");
  auto t = d->find("type");
  if (t == d->end()) return InvalidArgument("data.type: is required");
  if (!t->is_string() || *t != "incidents") return InvalidArgument("data.type: must be 'incidents'");
  return &*d;
}

int Depth(const std::string& s) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

Result<json> ParseBody(const std::string& body) {
  if (body.empty()) return InvalidArgument("body: is empty; expected a JSON object");
  if (Depth(body) > kMaxDepth) return InvalidArgument("body: JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    return InvalidArgument("body: not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  return j;
}

json IncidentData(const core::Incident& i) {
  json fields = json::object();
  fields["severity"] = {{"type", "dropdown"}, {"value", i.severity}};
  fields["state"] = {{"type", "dropdown"}, {"value", std::string(core::StateName(i.state))}};
  fields["detection_method"] = {{"type", "dropdown"}, {"value", "unknown"}};
  fields["root_cause"] = {{"type", "textbox"}, {"value", nullptr}};
  fields["summary"] = {{"type", "textbox"}, {"value", nullptr}};
  fields["services"] = {{"type", "autocomplete"}, {"value", nullptr}};
  fields["teams"] = {{"type", "autocomplete"}, {"value", nullptr}};
  for (const auto& [name, v] : i.fields) fields[name] = FieldJson(v);
  json handles = json::array();
  for (const auto& h : i.notification_handles) handles.push_back({{"display_name", h.display_name}, {"handle", h.handle}});
  json commander = nullptr;
  if (i.commander) {
    commander = {{"data",
                  {{"type", "users"},
                   {"id", i.commander->user_uuid},
                   {"attributes", {{"uuid", i.commander->user_uuid}, {"handle", i.commander->handle}}}}}};
  }
  std::optional<TimePoint> created = i.created;
  json attrs{
      {"public_id", i.public_id},
      {"title", i.title},
      {"created", FormatRfc3339(i.created)},
      {"modified", FormatRfc3339(i.modified)},
      {"declared", FormatRfc3339(i.created)},
      {"detected", Time(i.detected)},
      {"resolved", Time(i.resolved)},
      {"archived", nullptr},
      {"customer_impacted", i.customer_impacted},
      {"customer_impact_scope", i.customer_impact_scope ? json(*i.customer_impact_scope) : json(nullptr)},
      {"customer_impact_start", Time(i.customer_impact_start)},
      {"customer_impact_end", Time(i.customer_impact_end)},
      {"customer_impact_duration", Seconds(i.customer_impact_start, i.customer_impact_end)},
      {"time_to_detect", Seconds(i.customer_impact_start, i.detected)},
      {"time_to_internal_response", Seconds(i.detected, created)},
      {"time_to_repair", Seconds(i.detected, i.customer_impact_end)},
      {"time_to_resolve", Seconds(created, i.resolved)},
      {"severity", i.severity},
      {"state", std::string(core::StateName(i.state))},
      {"fields", fields},
      {"incident_type_uuid", kIncidentTypeUuid},
      {"is_test", i.is_test},
      {"visibility", "organization"},
      {"notification_handles", handles},
      {"created_by_uuid", i.created_by.user_uuid.empty() ? json(nullptr) : json(i.created_by.user_uuid)},
      {"last_modified_by_uuid", i.modified_by.user_uuid.empty() ? json(nullptr) : json(i.modified_by.user_uuid)},
      {"declared_by_uuid", i.created_by.user_uuid.empty() ? json(nullptr) : json(i.created_by.user_uuid)},
      {"commander", commander},
      {"commander_handle", i.commander_handle.empty() ? json(nullptr) : json(i.commander_handle)},
      {"acknowledged", Time(i.acknowledged)},
      {"acknowledged_by", i.acknowledged_by ? json(i.acknowledged_by->handle) : json(nullptr)},
      {"time_to_acknowledge", Seconds(created, i.acknowledged)},
      {"case_id", nullptr},
  };
  json empty_many{{"data", json::array()}};
  json rel{{"created_by_user", UserRef(i.created_by)},
           {"last_modified_by_user", UserRef(i.modified_by)},
           {"declared_by_user", UserRef(i.created_by)},
           {"commander_user", i.commander ? UserRef(*i.commander) : json{{"data", nullptr}}},
           {"user_defined_fields", empty_many},
           {"integrations", empty_many},
           {"attachments", empty_many},
           {"responders", empty_many},
           {"impacts", empty_many}};
  return json{{"id", i.id}, {"type", "incidents"}, {"attributes", attrs}, {"relationships", rel}};
}

json UserData(const core::Actor& a, const core::Config& config) {
  const core::User* u = config.FindUser(a.handle);
  json attrs{{"uuid", a.user_uuid},
             {"handle", a.handle},
             {"name", u ? json(u->name) : json(a.handle)},
             {"email", u ? json(u->email) : json(nullptr)},
             {"icon", nullptr}};
  return json{{"id", a.user_uuid}, {"type", "users"}, {"attributes", attrs}};
}

void CollectUsers(const core::Incident& i, std::set<std::string>& seen, json& included, const core::Config& config) {
  auto add = [&](const core::Actor& a) {
    if (a.user_uuid.empty() || !seen.insert(a.user_uuid).second) return;
    included.push_back(UserData(a, config));
  };
  add(i.created_by);
  add(i.modified_by);
  if (i.commander) add(*i.commander);
}

json FacetsJson(const core::SearchFacets& f, const core::Config& config) {
  auto plain = [](const std::vector<core::FacetCount>& counts) {
    json arr = json::array();
    for (const auto& c : counts) arr.push_back({{"name", c.name}, {"count", c.count}});
    return arr;
  };
  json commander = json::array();
  for (const auto& c : f.commander) {
    const core::User* u = config.FindUser(c.name);
    commander.push_back({{"name", u ? u->name : c.name},
                         {"count", c.count},
                         {"handle", c.name},
                         {"email", u ? u->email : ""},
                         {"uuid", NameUuid(c.name)}});
  }
  json fields = json::array();
  for (const auto& [name, counts] : f.fields) fields.push_back({{"name", name}, {"facets", plain(counts)}});
  return json{{"state", plain(f.state)}, {"severity", plain(f.severity)}, {"commander", commander}, {"fields", fields}};
}

Result<CreateRequest> ParseCreate(const json& body, const core::Config& config) {
  auto data = DataObject(body);
  if (!data) return tl::unexpected(data.error());
  const json& d = **data;
  auto a = d.find("attributes");
  if (a == d.end()) return InvalidArgument("data.attributes: is required");
  if (!a->is_object()) return InvalidArgument("data.attributes: must be an object");
  const json& attrs = *a;
  CreateRequest out;
  core::Incident& inc = out.draft;
  if (!attrs.contains("title")) return InvalidArgument("data.attributes.title: is required");
  auto title = ReadString(attrs, "title", "data.attributes");
  if (!title) return tl::unexpected(title.error());
  inc.title = *title;
  if (attrs.contains("customer_impacted")) {
    if (!attrs["customer_impacted"].is_boolean()) return InvalidArgument("data.attributes.customer_impacted: must be a boolean");
    inc.customer_impacted = attrs["customer_impacted"];
  }
  if (attrs.contains("customer_impact_scope") && !attrs["customer_impact_scope"].is_null()) {
    auto s = ReadString(attrs, "customer_impact_scope", "data.attributes");
    if (!s) return tl::unexpected(s.error());
    inc.customer_impact_scope = *s;
  }
  for (auto [key, target] : {std::pair{"customer_impact_start", &inc.customer_impact_start},
                             std::pair{"customer_impact_end", &inc.customer_impact_end},
                             std::pair{"detected", &inc.detected}}) {
    auto t = ReadTime(attrs, key);
    if (!t) return tl::unexpected(t.error());
    *target = *t;
  }
  std::optional<std::string> severity;
  std::optional<core::IncidentState> state;
  if (auto ok = ReadFields(attrs, config, severity, state, inc.fields); !ok) return tl::unexpected(ok.error());
  // The seed's curl examples put severity and state at the top level.
  if (attrs.contains("severity") && !attrs["severity"].is_null()) {
    auto s = ReadString(attrs, "severity", "data.attributes");
    if (!s) return tl::unexpected(s.error());
    if (auto ok = CheckSeverity(*s, "data.attributes.severity", config); !ok) return tl::unexpected(ok.error());
    severity = *s;
  }
  if (attrs.contains("state") && !attrs["state"].is_null()) {
    auto s = ReadString(attrs, "state", "data.attributes");
    if (!s) return tl::unexpected(s.error());
    auto st = CheckState(*s, "data.attributes.state");
    if (!st) return tl::unexpected(st.error());
    state = *st;
  }
  if (severity) inc.severity = *severity;
  if (state) inc.state = *state;
  if (attrs.contains("notification_handles") && !attrs["notification_handles"].is_null()) {
    auto h = ReadHandles(attrs["notification_handles"]);
    if (!h) return tl::unexpected(h.error());
    inc.notification_handles = std::move(*h);
  }
  if (attrs.contains("is_test")) {
    if (!attrs["is_test"].is_boolean()) return InvalidArgument("data.attributes.is_test: must be a boolean");
    inc.is_test = attrs["is_test"];
  }
  if (attrs.contains("initial_cells") && !attrs["initial_cells"].is_null()) {
    if (!attrs["initial_cells"].is_array()) return InvalidArgument("data.attributes.initial_cells: must be a list");
    for (const auto& cell : attrs["initial_cells"]) {
      if (!cell.is_object() || !cell.contains("content") || !cell["content"].is_object() ||
          !cell["content"].contains("content") || !cell["content"]["content"].is_string()) {
        return InvalidArgument("data.attributes.initial_cells: each cell needs content.content (a string)");
      }
      out.initial_cells.push_back(cell["content"]["content"]);
    }
  }
  auto commander = ReadCommander(d, config);
  if (!commander) return tl::unexpected(commander.error());
  if (*commander) inc.commander = **commander;
  if (attrs.contains("commander") && attrs["commander"].is_string()) {
    auto c = CommanderFromHandle(attrs["commander"], config);
    if (!c) return tl::unexpected(c.error());
    inc.commander = *c;
  }
  if (auto ok = core::ValidateIncident(inc); !ok) return tl::unexpected(ok.error());
  return out;
}

Result<core::IncidentPatch> ParseUpdate(const json& body, const std::string& path_id, const core::Config& config) {
  auto data = DataObject(body);
  if (!data) return tl::unexpected(data.error());
  const json& d = **data;
  if (d.contains("id") && !d["id"].is_null()) {
    if (!d["id"].is_string()) return InvalidArgument("data.id: must be a string");
    if (d["id"] != path_id) return InvalidArgument("data.id: '" + d["id"].get<std::string>() + "' does not match the incident in the URL");
  }
  core::IncidentPatch p;
  auto a = d.find("attributes");
  if (a != d.end() && !a->is_null()) {
    if (!a->is_object()) return InvalidArgument("data.attributes: must be an object");
    const json& attrs = *a;
    if (attrs.contains("title")) {
      auto t = ReadString(attrs, "title", "data.attributes");
      if (!t) return tl::unexpected(t.error());
      p.title = *t;
    }
    if (attrs.contains("customer_impacted")) {
      if (!attrs["customer_impacted"].is_boolean()) return InvalidArgument("data.attributes.customer_impacted: must be a boolean");
      p.customer_impacted = attrs["customer_impacted"].get<bool>();
    }
    if (attrs.contains("customer_impact_scope")) {
      if (attrs["customer_impact_scope"].is_null()) {
        p.customer_impact_scope = std::optional<std::string>();
      } else {
        auto s = ReadString(attrs, "customer_impact_scope", "data.attributes");
        if (!s) return tl::unexpected(s.error());
        p.customer_impact_scope = std::optional<std::string>(*s);
      }
    }
    for (auto [key, target] : {std::pair{"customer_impact_start", &p.customer_impact_start},
                               std::pair{"customer_impact_end", &p.customer_impact_end},
                               std::pair{"detected", &p.detected}}) {
      if (!attrs.contains(key)) continue;
      auto t = ReadTime(attrs, key);
      if (!t) return tl::unexpected(t.error());
      *target = *t;
    }
    if (auto ok = ReadFields(attrs, config, p.severity, p.state, p.fields); !ok) return tl::unexpected(ok.error());
    if (attrs.contains("severity") && !attrs["severity"].is_null()) {
      auto s = ReadString(attrs, "severity", "data.attributes");
      if (!s) return tl::unexpected(s.error());
      if (auto ok = CheckSeverity(*s, "data.attributes.severity", config); !ok) return tl::unexpected(ok.error());
      p.severity = *s;
    }
    if (attrs.contains("state") && !attrs["state"].is_null()) {
      auto s = ReadString(attrs, "state", "data.attributes");
      if (!s) return tl::unexpected(s.error());
      auto st = CheckState(*s, "data.attributes.state");
      if (!st) return tl::unexpected(st.error());
      p.state = *st;
    }
    if (attrs.contains("notification_handles") && !attrs["notification_handles"].is_null()) {
      auto h = ReadHandles(attrs["notification_handles"]);
      if (!h) return tl::unexpected(h.error());
      p.notification_handles = std::move(*h);
    }
    if (attrs.contains("commander") && attrs["commander"].is_string()) {
      auto c = CommanderFromHandle(attrs["commander"], config);
      if (!c) return tl::unexpected(c.error());
      p.commander = std::optional<core::Actor>(*c);
    }
  }
  auto commander = ReadCommander(d, config);
  if (!commander) return tl::unexpected(commander.error());
  if (*commander) p.commander = **commander;
  return p;
}

}  // namespace tocsin::api::v2
