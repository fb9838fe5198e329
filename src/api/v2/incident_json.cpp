#include "api/v2/incident_json.hpp"

#include "core/workflow/workflow.hpp"

#include <algorithm>

#include <mutex>
#include <unordered_map>

#include "api/v2/attachment_json.hpp"
#include "api/v2/auth.hpp"
#include "api/v2/render_cache.hpp"
#include "common/random.hpp"

namespace tocsin::api::v2 {
namespace {

constexpr int kMaxDepth = 32;

std::int64_t Seconds(const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
  if (!from || !to || *to < *from) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(*to - *from).count();
}

bool IsListType(const std::string& type) {
  return type == "multiselect" || type == "textarray" || type == "metrictag" || type == "autocomplete";
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
// An incident type named by name or id ("" clears it); `path` names the wire field.
Result<std::string> ResolveType(const json& value, const core::Config& config, const std::string& path) {
  if (value.is_null()) return std::string();
  if (!value.is_string()) return InvalidArgument(path + ": must be a string (an incident type's name or id)");
  std::string v = value.get<std::string>();
  if (v.empty() || v == kIncidentTypeUuid) return std::string();
  if (const core::IncidentType* t = config.FindType(v)) return t->name;
  std::string known;
  for (const auto& t : config.types) known += (known.empty() ? "" : ", ") + t.name;
  return InvalidArgument(path + ": unknown incident type '" + v + "'" +
                         (known.empty() ? " (no types are configured)" : " (known: " + known + ")"));
}

Result<void> ReadFields(const json& attrs, const core::Config& config, std::optional<std::string>& severity,
                        std::optional<core::IncidentState>& state, std::optional<std::string>& incident_type,
                        std::map<std::string, core::FieldValue>& out) {
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
    if (name == "type") {
      auto t = ResolveType(*value, config, path);
      if (!t) return tl::unexpected(t.error());
      incident_type = *t;
      continue;
    }
    core::FieldValue v;
    if (value->is_null()) {
      v.is_list = IsListType(type);
    } else if (value->is_string()) {
      v.text = value->get<std::string>();
    } else if (value->is_boolean()) {
      v.text = value->get<bool>() ? "true" : "false";  // a template's boolean field
    } else if (value->is_number()) {
      v.text = value->dump();  // a template's number field
    } else if (value->is_array()) {
      v.is_list = true;
      std::vector<std::string> items;
      for (const auto& item : *value) {
        if (!item.is_string()) return InvalidArgument(path + ": list items must be strings");
        items.push_back(item.get<std::string>());
      }
      v.list = std::move(items);
    } else {
      return InvalidArgument(path + ": must be a string, a number, a boolean, a list of strings or null");
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

Result<std::string> ParseIncidentId(const std::string& raw) {
  if (!IsUuid(raw)) return InvalidArgument("incident_id: '" + raw + "' is not a UUID");
  std::string id = raw;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return id;
}

Result<json> ParseBody(const std::string& body) {
  if (body.empty()) return InvalidArgument("body: is empty; expected a JSON object");
  if (Depth(body) > kMaxDepth) return InvalidArgument("body: JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    return InvalidArgument("body: not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range& e) {
    // A number beyond a double's range ("1e400"). nlohmann's message starts
    // with "[json.exception.out_of_range.406] "; the sender needs what follows.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
    return InvalidArgument("body: number out of range: " + what);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("body: not valid JSON: ") + e.what());
  }
  return j;
}

void PutOptTime(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t) {
  w.Key(key);
  if (t) {
    w.StringWith([&t](std::string& out) { AppendRfc3339(out, *t); });
  } else {
    w.Null();
  }
}

namespace {

// The answers below are written straight into one string with JsonWriter:
// they are on the hot paths (every create/get/update answer, and every
// incident of a list or search page). The text is byte for byte what
// nlohmann::json::dump(-1, ' ', false, replace) printed for the DOMs these
// functions used to build, so members are written in name order (the order of
// nlohmann's std::map objects).

void PutTime(JsonWriter& w, TimePoint t) {
  w.StringWith([t](std::string& out) { AppendRfc3339(out, t); });
}

void PutStringOrNull(JsonWriter& w, std::string_view key, const std::string& s) {
  w.Key(key);
  if (s.empty()) {
    w.Null();
  } else {
    w.String(s);
  }
}

void PutUserRef(JsonWriter& w, std::string_view key, const core::Actor* a) {
  w.Key(key);
  w.BeginObject();
  w.Key("data");
  if (!a || a->user_uuid.empty()) {
    w.Null();
  } else {
    w.BeginObject();
    w.Member("id", a->user_uuid);
    w.Member("type", "users");
    w.EndObject();
  }
  w.EndObject();
}

void PutEmptyMany(JsonWriter& w, std::string_view key) {
  w.Key(key);
  w.Raw(R"({"data":[]})");
}

void PutField(JsonWriter& w, const std::string& name, const core::FieldValue& v) {
  w.Key(name);
  w.BeginObject();
  w.Member("type", v.type);
  w.Key("value");
  if (v.is_list && v.list) {
    w.BeginArray();
    for (const auto& item : *v.list) w.String(item);
    w.EndArray();
  } else if (!v.is_list && v.text) {
    w.String(*v.text);
  } else {
    w.Null();
  }
  w.EndObject();
}

// attributes.fields: Datadog's built-in fields, each replaced by a custom
// field of the same name, merged with the custom fields in name order.
void PutFields(JsonWriter& w, const core::Incident& i) {
  struct Builtin {
    std::string_view name;
    std::string_view type;
    std::optional<std::string_view> value;
  };
  const Builtin builtins[] = {
      {"detection_method", "dropdown", "unknown"},
      {"root_cause", "textbox", std::nullopt},
      {"services", "autocomplete", std::nullopt},
      {"severity", "dropdown", i.severity},
      {"state", "dropdown", core::StateName(i.state)},
      {"summary", "textbox", std::nullopt},
      {"teams", "autocomplete", std::nullopt},
  };
  w.Key("fields");
  w.BeginObject();
  auto custom = i.fields.begin();
  for (const auto& b : builtins) {
    for (; custom != i.fields.end() && std::string_view(custom->first) < b.name; ++custom) {
      PutField(w, custom->first, custom->second);
    }
    if (custom != i.fields.end() && custom->first == b.name) {
      PutField(w, custom->first, custom->second);
      ++custom;
      continue;
    }
    w.Key(b.name);
    w.BeginObject();
    w.Member("type", b.type);
    w.Key("value");
    if (b.value) {
      w.String(*b.value);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  for (; custom != i.fields.end(); ++custom) PutField(w, custom->first, custom->second);
  w.EndObject();
}

// Rough size of one rendered incident, to reserve the body once.
std::size_t EstimateIncidentBytes(const core::Incident& i) {
  std::size_t n = 2300 + i.title.size();
  for (const auto& [name, v] : i.fields) {
    n += 48 + name.size() + v.type.size() + (v.text ? v.text->size() : 0);
    if (v.list) {
      for (const auto& item : *v.list) n += 4 + item.size();
    }
  }
  for (const auto& h : i.notification_handles) n += 40 + h.display_name.size() + h.handle.size();
  n += 64 * (i.attachments.size() + i.impacts.size() + (i.postmortem ? 1 : 0));
  return n;
}

void PutPagination(JsonWriter& w, std::int64_t offset, std::size_t count) {
  auto n = static_cast<std::int64_t>(count);
  w.Key("meta");
  w.BeginObject();
  w.Key("pagination");
  w.BeginObject();
  w.Member("next_offset", offset + n);
  w.Member("offset", offset);
  w.Member("size", n);
  w.EndObject();
  w.EndObject();
}

}  // namespace

void WriteIncidentData(JsonWriter& w, const core::Incident& i) {
  const std::optional<TimePoint> created = i.created;
  w.BeginObject();
  w.Key("attributes");
  w.BeginObject();
  PutOptTime(w, "acknowledged", i.acknowledged);
  w.Key("acknowledged_by");
  if (i.acknowledged_by) {
    w.String(i.acknowledged_by->handle);
  } else {
    w.Null();
  }
  w.NullMember("archived");
  w.NullMember("case_id");
  w.Key("commander");
  if (i.commander) {
    w.BeginObject();
    w.Key("data");
    w.BeginObject();
    w.Key("attributes");
    w.BeginObject();
    w.Member("handle", i.commander->handle);
    w.Member("uuid", i.commander->user_uuid);
    w.EndObject();
    w.Member("id", i.commander->user_uuid);
    w.Member("type", "users");
    w.EndObject();
    w.EndObject();
  } else {
    w.Null();
  }
  PutStringOrNull(w, "commander_handle", i.commander_handle);
  w.Key("created");
  PutTime(w, i.created);
  PutStringOrNull(w, "created_by_uuid", i.created_by.user_uuid);
  w.Member("customer_impact_duration", Seconds(i.customer_impact_start, i.customer_impact_end));
  PutOptTime(w, "customer_impact_end", i.customer_impact_end);
  w.Key("customer_impact_scope");
  if (i.customer_impact_scope) {
    w.String(*i.customer_impact_scope);
  } else {
    w.Null();
  }
  PutOptTime(w, "customer_impact_start", i.customer_impact_start);
  w.Member("customer_impacted", i.customer_impacted);
  w.Key("declared");
  PutTime(w, i.created);
  PutStringOrNull(w, "declared_by_uuid", i.created_by.user_uuid);
  PutOptTime(w, "detected", i.detected);
  PutFields(w, i);
  // Tocsin's own: the type's name (Datadog clients know it by its uuid).
  if (!i.type.empty()) w.Member("incident_type", i.type);
  w.Member("incident_type_uuid", i.type.empty() ? std::string(kIncidentTypeUuid) : core::workflow::TypeId(i.type));
  w.Member("is_test", i.is_test);
  PutStringOrNull(w, "last_modified_by_uuid", i.modified_by.user_uuid);
  w.Key("modified");
  PutTime(w, i.modified);
  w.Key("notification_handles");
  w.BeginArray();
  for (const auto& h : i.notification_handles) {
    w.BeginObject();
    w.Member("display_name", h.display_name);
    w.Member("handle", h.handle);
    w.EndObject();
  }
  w.EndArray();
  // Tocsin's own: the workflow phase (core/workflow), always current.
  w.Member("phase", core::workflow::PhaseOf(i));
  w.Member("public_id", i.public_id);
  PutOptTime(w, "resolved", i.resolved);
  w.Member("severity", i.severity);
  w.Member("state", core::StateName(i.state));
  w.Member("time_to_acknowledge", Seconds(created, i.acknowledged));
  w.Member("time_to_detect", Seconds(i.customer_impact_start, i.detected));
  w.Member("time_to_internal_response", Seconds(i.detected, created));
  w.Member("time_to_repair", Seconds(i.detected, i.customer_impact_end));
  w.Member("time_to_resolve", Seconds(created, i.resolved));
  w.Member("title", i.title);
  w.Member("visibility", "organization");
  w.EndObject();
  w.Member("id", i.id);
  w.Key("relationships");
  w.BeginObject();
  w.Key("attachments");
  WriteAttachmentRefs(w, i);
  PutUserRef(w, "commander_user", i.commander ? &*i.commander : nullptr);
  PutUserRef(w, "created_by_user", &i.created_by);
  PutUserRef(w, "declared_by_user", &i.created_by);
  w.Key("impacts");
  WriteImpactRefs(w, i);
  PutEmptyMany(w, "integrations");
  PutUserRef(w, "last_modified_by_user", &i.modified_by);
  PutEmptyMany(w, "responders");
  PutEmptyMany(w, "user_defined_fields");
  w.EndObject();
  w.Member("type", "incidents");
  w.EndObject();
}

void WriteUserData(JsonWriter& w, const core::Actor& a, const core::Config& config) {
  const core::User* u = config.FindUser(a.handle);
  w.BeginObject();
  w.Key("attributes");
  w.BeginObject();
  w.Key("email");
  if (u) {
    w.String(u->email);
  } else {
    w.Null();
  }
  w.Member("handle", a.handle);
  w.NullMember("icon");
  w.Member("name", u ? u->name : a.handle);
  w.Member("uuid", a.user_uuid);
  w.EndObject();
  w.Member("id", a.user_uuid);
  w.Member("type", "users");
  w.EndObject();
}

void WriteIncidentUsers(JsonWriter& w, const core::Incident& i, std::set<std::string>& seen,
                        const core::Config& config) {
  auto add = [&](const core::Actor& a) {
    if (a.user_uuid.empty() || !seen.insert(a.user_uuid).second) return;
    WriteUserData(w, a, config);
  };
  add(i.created_by);
  add(i.modified_by);
  if (i.commander) add(*i.commander);
}

void WriteIncidentAttachments(JsonWriter& w, const core::Incident& i, const core::Config& config) {
  for (const auto& item : IncidentAttachments(i, config.server.public_url)) WriteAttachmentData(w, i.id, item);
}

std::string IncidentAnswerBody(const core::Incident& i, Included included, const core::Config& config) {
  std::string out;
  out.reserve(EstimateIncidentBytes(i) + (included != Included::kNone ? 1024 : 64));
  JsonWriter w(out);
  w.BeginObject();
  w.Key("data");
  WriteIncidentData(w, i);
  if (included != Included::kNone) {
    w.Key("included");
    w.BeginArray();
    if (IncludesUsers(included)) {
      std::set<std::string> seen;
      WriteIncidentUsers(w, i, seen, config);
    }
    if (IncludesAttachments(included)) WriteIncidentAttachments(w, i, config);
    w.EndArray();
  }
  w.EndObject();
  return out;
}

void RenderCache::Write(JsonWriter& w, const core::Incident& incident, std::uint64_t key) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(incident.id);
    if (it != entries_.end() && it->second.key == key) {
      w.Raw(it->second.json);
      return;
    }
  }
  std::string rendered;
  rendered.reserve(EstimateIncidentBytes(incident));
  JsonWriter one(rendered);
  WriteIncidentData(one, incident);
  w.Raw(rendered);
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(incident.id); it != entries_.end()) {
    bytes_ -= it->second.json.size();
    entries_.erase(it);
  }
  if (rendered.size() > max_bytes_ / 16) return;  // too large to be worth a place
  // Bounded by count and by bytes: emptied when full.
  if (entries_.size() >= max_entries_ || bytes_ + rendered.size() > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  bytes_ += rendered.size();
  entries_[incident.id] = Entry{key, std::move(rendered)};
}

std::size_t RenderCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t RenderCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

namespace {

RenderCache& PageRenderCache() {
  static RenderCache cache;
  return cache;
}

}  // namespace

std::string IncidentPageBody(const std::vector<core::Incident>& incidents, std::int64_t offset, Included included,
                             const SearchAnswer* search, const core::Config& config,
                             const std::vector<std::uint64_t>* content_keys) {
  if (content_keys && content_keys->size() != incidents.size()) content_keys = nullptr;
  auto write_one = [&](JsonWriter& w, std::size_t k) {
    if (content_keys) {
      PageRenderCache().Write(w, incidents[k], (*content_keys)[k]);
    } else {
      WriteIncidentData(w, incidents[k]);
    }
  };
  std::size_t estimate = 512;
  for (const auto& i : incidents) estimate += EstimateIncidentBytes(i) + 16;
  if (included != Included::kNone) estimate += 256 * incidents.size();
  std::string out;
  out.reserve(estimate);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("data");
  if (search) {
    w.BeginObject();
    w.Key("attributes");
    w.BeginObject();
    w.Key("facets");
    w.Raw(FacetsJson(*search->facets, config).dump(-1, ' ', false, json::error_handler_t::replace));
    w.Key("incidents");
  }
  w.BeginArray();
  for (std::size_t k = 0; k < incidents.size(); ++k) {
    if (search) {
      w.BeginObject();
      w.Key("data");
      write_one(w, k);
      w.EndObject();
    } else {
      write_one(w, k);
    }
  }
  w.EndArray();
  if (search) {
    w.Member("total", search->total);
    w.EndObject();
    w.Member("type", "incidents_search_results");
    w.EndObject();
  }
  if (included != Included::kNone) {
    w.Key("included");
    w.BeginArray();
    if (IncludesUsers(included)) {
      std::set<std::string> seen;
      for (const auto& i : incidents) WriteIncidentUsers(w, i, seen, config);
    }
    if (IncludesAttachments(included)) {
      for (const auto& i : incidents) WriteIncidentAttachments(w, i, config);
    }
    w.EndArray();
  }
  PutPagination(w, offset, incidents.size());
  w.EndObject();
  return out;
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
  std::optional<std::string> incident_type;
  if (attrs.contains("incident_type_uuid")) {
    auto t = ResolveType(attrs["incident_type_uuid"], config, "data.attributes.incident_type_uuid");
    if (!t) return tl::unexpected(t.error());
    incident_type = *t;
  }
  if (auto ok = ReadFields(attrs, config, severity, state, incident_type, inc.fields); !ok) return tl::unexpected(ok.error());
  if (incident_type) inc.type = *incident_type;
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
    if (attrs.contains("incident_type_uuid")) {
      auto t = ResolveType(attrs["incident_type_uuid"], config, "data.attributes.incident_type_uuid");
      if (!t) return tl::unexpected(t.error());
      p.type = *t;
    }
    if (auto ok = ReadFields(attrs, config, p.severity, p.state, p.type, p.fields); !ok) return tl::unexpected(ok.error());
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
