#include "storage/incident_codec.hpp"

#include <nlohmann/json.hpp>

namespace tocsin::storage {
namespace {

using nlohmann::json;

json OptTime(const std::optional<TimePoint>& t) { return t ? json(ToUnixMicros(*t)) : json(nullptr); }
std::optional<TimePoint> ReadOptTime(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return FromUnixMicros(it->get<std::int64_t>());
}
json ActorJson(const core::Actor& a) { return json{{"uuid", a.user_uuid}, {"handle", a.handle}}; }
core::Actor ReadActor(const json& j) { return core::Actor{j.value("uuid", ""), j.value("handle", "")}; }

}  // namespace

std::string EncodeIncident(const core::Incident& i) {
  json fields = json::object();
  for (const auto& [name, v] : i.fields) {
    json value = v.is_list ? (v.list ? json(*v.list) : json(nullptr)) : (v.text ? json(*v.text) : json(nullptr));
    fields[name] = json{{"type", v.type}, {"list", v.is_list}, {"value", value}};
  }
  json handles = json::array();
  for (const auto& h : i.notification_handles) handles.push_back({{"display_name", h.display_name}, {"handle", h.handle}});
  json doc{{"id", i.id},
           {"public_id", i.public_id},
           {"title", i.title},
           {"severity", i.severity},
           {"state", std::string(core::StateName(i.state))},
           {"customer_impacted", i.customer_impacted},
           {"customer_impact_scope", i.customer_impact_scope ? json(*i.customer_impact_scope) : json(nullptr)},
           {"customer_impact_start", OptTime(i.customer_impact_start)},
           {"customer_impact_end", OptTime(i.customer_impact_end)},
           {"detected", OptTime(i.detected)},
           {"resolved", OptTime(i.resolved)},
           {"created", ToUnixMicros(i.created)},
           {"modified", ToUnixMicros(i.modified)},
           {"created_by", ActorJson(i.created_by)},
           {"modified_by", ActorJson(i.modified_by)},
           {"commander", i.commander ? ActorJson(*i.commander) : json(nullptr)},
           {"fields", fields},
           {"notification_handles", handles},
           {"channels", i.channels},
           {"acknowledged", OptTime(i.acknowledged)},
           {"acknowledged_by", i.acknowledged_by ? ActorJson(*i.acknowledged_by) : json(nullptr)},
           {"last_status_update", OptTime(i.last_status_update)},
           {"response_sla_breached", i.response_sla_breached},
           {"last_reminder", OptTime(i.last_reminder)},
           {"commander_handle", i.commander_handle},
           {"escalation_team", i.escalation_team},
           {"escalation_steps", [&] {
              json steps = json::array();
              for (const auto& st : i.escalation_steps) {
                steps.push_back({{"round", st.round}, {"tier", st.tier}, {"due", ToUnixMicros(st.due)}, {"outcome", st.outcome}});
              }
              return steps;
            }()},
           {"escalation_next_due", OptTime(i.escalation_next_due)},
           {"is_test", i.is_test},
           {"deleted", i.deleted},
           {"version", i.version}};
  // Written only when there are some: most incidents page nobody through PagerDuty contact methods.
  for (const auto& c : i.pagerduty_contacts) {
    doc["pagerduty_contacts"].push_back({{"user", c.user}, {"method", c.method}, {"channel", c.channel}, {"due", ToUnixMicros(c.due)}});
  }
  return doc.dump();
}

Result<core::Incident> DecodeIncident(const std::string& text) {
  try {
    json j = json::parse(text);
    core::Incident i;
    i.id = j.at("id").get<std::string>();
    i.public_id = j.at("public_id").get<std::int64_t>();
    i.title = j.at("title").get<std::string>();
    i.severity = j.at("severity").get<std::string>();
    i.state = core::ParseStateName(j.at("state").get<std::string>()).value_or(core::IncidentState::kActive);
    i.customer_impacted = j.value("customer_impacted", false);
    if (j.contains("customer_impact_scope") && !j["customer_impact_scope"].is_null()) {
      i.customer_impact_scope = j["customer_impact_scope"].get<std::string>();
    }
    i.customer_impact_start = ReadOptTime(j, "customer_impact_start");
    i.customer_impact_end = ReadOptTime(j, "customer_impact_end");
    i.detected = ReadOptTime(j, "detected");
    i.resolved = ReadOptTime(j, "resolved");
    i.created = FromUnixMicros(j.at("created").get<std::int64_t>());
    i.modified = FromUnixMicros(j.at("modified").get<std::int64_t>());
    i.created_by = ReadActor(j.at("created_by"));
    i.modified_by = ReadActor(j.at("modified_by"));
    if (!j["commander"].is_null()) i.commander = ReadActor(j["commander"]);
    for (const auto& [name, f] : j.at("fields").items()) {
      core::FieldValue v;
      v.type = f.value("type", "");
      v.is_list = f.value("list", false);
      const json& value = f["value"];
      if (!value.is_null()) {
        if (v.is_list) {
          v.list = value.get<std::vector<std::string>>();
        } else {
          v.text = value.get<std::string>();
        }
      }
      i.fields[name] = std::move(v);
    }
    for (const auto& h : j.at("notification_handles")) {
      i.notification_handles.push_back({h.value("display_name", ""), h.value("handle", "")});
    }
    i.channels = j.value("channels", std::vector<std::string>{});
    i.acknowledged = ReadOptTime(j, "acknowledged");
    if (j.contains("acknowledged_by") && !j["acknowledged_by"].is_null()) i.acknowledged_by = ReadActor(j["acknowledged_by"]);
    i.last_status_update = ReadOptTime(j, "last_status_update");
    i.response_sla_breached = j.value("response_sla_breached", false);
    i.last_reminder = ReadOptTime(j, "last_reminder");
    i.commander_handle = j.value("commander_handle", "");
    i.escalation_team = j.value("escalation_team", "");
    if (j.contains("escalation_steps")) {
      for (const auto& st : j["escalation_steps"]) {
        i.escalation_steps.push_back({st.value("round", 0), st.value("tier", 0),
                                      FromUnixMicros(st.value("due", std::int64_t{0})), st.value("outcome", "")});
      }
    }
    i.escalation_next_due = ReadOptTime(j, "escalation_next_due");
    if (j.contains("pagerduty_contacts")) {
      for (const auto& c : j["pagerduty_contacts"]) {
        i.pagerduty_contacts.push_back({c.value("user", ""), c.value("method", 0), c.value("channel", ""),
                                        FromUnixMicros(c.value("due", std::int64_t{0}))});
      }
    }
    i.is_test = j.value("is_test", false);
    i.deleted = j.value("deleted", false);
    i.version = j.value("version", 0);
    return i;
  } catch (const std::exception& e) {
    return Internal(std::string("stored incident is unreadable: ") + e.what());
  }
}

std::string EncodeChanges(const std::vector<core::Change>& changes) {
  json arr = json::array();
  for (const auto& c : changes) arr.push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}});
  return arr.dump();
}

std::vector<core::Change> DecodeChanges(const std::string& doc) {
  std::vector<core::Change> out;
  json arr = json::parse(doc, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& c : arr) out.push_back({c.value("field", ""), c.value("from", ""), c.value("to", "")});
  return out;
}

std::string EncodeAlert(const core::Alert& a) {
  json doc{{"source", a.source},
           {"monitor_name", a.monitor_name},
           {"monitor_id", a.monitor_id},
           {"scope", a.scope},
           {"state", std::string(core::AlertStateName(a.state))},
           {"tags", a.tags},
           {"title", a.title},
           {"message", a.message},
           {"value", a.value},
           {"link", a.link},
           {"runbook", a.runbook},
           {"priority", a.priority},
           {"started_at", OptTime(a.started_at)},
           {"ended_at", OptTime(a.ended_at)},
           {"received_at", ToUnixMicros(a.received_at)},
           {"delivery_key", a.delivery_key}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<core::Alert> DecodeAlert(const std::string& text) {
  try {
    json j = json::parse(text);
    core::Alert a;
    a.source = j.at("source").get<std::string>();
    a.monitor_name = j.at("monitor_name").get<std::string>();
    a.monitor_id = j.value("monitor_id", "");
    a.scope = j.value("scope", "");
    a.state = core::ParseAlertStateName(j.value("state", "alert")).value_or(core::AlertState::kAlert);
    a.tags = j.value("tags", std::vector<std::string>{});
    a.title = j.value("title", "");
    a.message = j.value("message", "");
    a.value = j.value("value", "");
    a.link = j.value("link", "");
    a.runbook = j.value("runbook", "");
    a.priority = j.value("priority", "");
    a.started_at = ReadOptTime(j, "started_at");
    a.ended_at = ReadOptTime(j, "ended_at");
    a.received_at = FromUnixMicros(j.value("received_at", std::int64_t{0}));
    a.delivery_key = j.value("delivery_key", "");
    return a;
  } catch (const std::exception& e) {
    return Internal(std::string("stored alert is unreadable: ") + e.what());
  }
}

}  // namespace tocsin::storage
