#include "api/v2/config_api.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

#include "api/v2/errors.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::api::v2 {
namespace {

using nlohmann::json;

http::Response Json(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Datadog's numeric field types (IncidentUserDefinedFieldFieldType): 1 dropdown,
// 2 multiselect, 3 textbox, 4 textarray, 7 number. Datadog has no boolean field:
// a boolean is a dropdown of true and false.
int DatadogFieldType(const std::string& type) {
  if (type == "dropdown" || type == "boolean") return 1;
  if (type == "multiselect") return 2;
  if (type == "textarray") return 4;
  if (type == "number") return 7;
  return 3;  // text, textbox
}

json TypeRef(const core::IncidentType* type) {
  if (type == nullptr) return json{{"data", nullptr}};
  return json{{"data", {{"id", type->id}, {"type", "incident_types"}}}};
}

// Everything an answer needs: the request's config snapshot (ConfigRef) and
// when the server started.
struct ConfigView {
  ConfigRef config;
  std::string loaded;  // RFC 3339: when this configuration was loaded (createdAt/modifiedAt)

  const core::Config& c() const { return *config; }

  // The types whose template is `template_name`, in file order.
  std::vector<const core::IncidentType*> TypesOf(const std::string& template_name) const {
    std::vector<const core::IncidentType*> out;
    for (const auto& t : c().types) {
      if (t.template_name == template_name) out.push_back(&t);
    }
    return out;
  }

  json Type(const core::IncidentType& t) const {
    return json{{"id", t.id},
                {"type", "incident_types"},
                {"attributes",
                 {{"name", t.name},
                  {"description", t.description},
                  {"is_default", false},
                  {"prefix", "IR"},
                  {"createdAt", loaded},
                  {"modifiedAt", loaded},
                  // Tocsin's own: what a type brings to its incidents.
                  {"template", NullIfEmpty(t.template_name)},
                  {"dashboard", NullIfEmpty(t.dashboard)}}}};
  }

  static std::string FieldId(const core::IncidentTemplate& tmpl, const core::TemplateField& f) {
    return NameUuid("user-defined-field:" + tmpl.name + "\n" + core::workflow::FieldKey(f.name));
  }

  json Field(const core::IncidentTemplate& tmpl, std::size_t index) const {
    const core::TemplateField& f = tmpl.fields[index];
    std::vector<const core::IncidentType*> types = TypesOf(tmpl.name);
    json valid = json::array();
    std::vector<std::string> values = f.type == "boolean" ? std::vector<std::string>{"true", "false"} : f.options;
    for (const std::string& v : values) valid.push_back({{"display_name", v}, {"value", v}});
    json type_names = json::array();
    for (const auto* t : types) type_names.push_back(t->name);
    return json{{"id", FieldId(tmpl, f)},
                {"type", "user_defined_field"},
                {"attributes",
                 {{"name", core::workflow::FieldKey(f.name)},
                  {"display_name", f.name},
                  {"type", DatadogFieldType(f.type)},
                  {"valid_values", valid},
                  {"required", f.required},
                  {"reserved", false},
                  {"ordinal", std::to_string(index + 1)},
                  {"category", nullptr},
                  {"collected", nullptr},
                  {"default_value", nullptr},
                  {"metadata", nullptr},
                  {"tag_key", nullptr},
                  {"created", loaded},
                  {"modified", loaded},
                  {"deleted", nullptr},
                  // Tocsin's own: the field's type as the config writes it, its template,
                  // and every type using that template.
                  {"field_type", f.type},
                  {"template", tmpl.name},
                  {"incident_types", type_names}}},
                {"relationships",
                 {{"incident_type", TypeRef(types.empty() ? nullptr : types.front())},
                  {"created_by_user", {{"data", nullptr}}},
                  {"last_modified_by_user", {{"data", nullptr}}}}}};
  }

  static std::string PostmortemTemplateId() { return NameUuid("postmortem-template:postmortem.document"); }

  json PostmortemTemplate() const {
    const core::PostmortemConfig& pm = c().postmortem;
    return json{{"id", PostmortemTemplateId()},
                {"type", "postmortem_template"},
                {"attributes",
                 {{"name", "Post-mortem"},
                  {"content", pm.document},
                  // Kept in the incident tool itself, as Datadog's notebooks are.
                  {"location", "datadog_notebooks"},
                  {"is_default", true},
                  {"createdAt", loaded},
                  {"modifiedAt", loaded},
                  // Tocsin's own: the rest of postmortem:.
                  {"due_after_resolution", pm.due_after_resolution.count()},
                  {"reminder_every", pm.reminder_every.count()},
                  {"attendees", pm.attendees}}}};
  }

  static std::string RuleId(const core::Rule& r) { return NameUuid("rule:" + r.name); }
  static std::string NotificationRuleId(const core::Rule& r) { return NameUuid("notification-rule:" + r.name); }

  static json FieldValues(const core::Rule& r) {
    json out = json::object();
    for (const auto& [name, v] : r.fields) out[name] = v.is_list ? json(v.list) : json(v.text.value_or(""));
    return out;
  }

  json Rule(const core::Rule& r) const {
    json conditions = json::array();
    conditions.push_back({{"field", "monitor"}, {"values", r.monitors}});
    if (!r.tags.empty()) conditions.push_back({{"field", "tag"}, {"values", r.tags}});
    conditions.push_back({{"field", "alert_state"}, {"values", r.conditions}});
    const core::IncidentType* type = r.type.empty() ? nullptr : c().FindType(r.type);
    return json{{"id", RuleId(r)},
                {"type", "incidents_rules"},
                {"attributes",
                 {{"enabled", true},
                  {"trigger", "monitor_alert"},
                  {"task_id", "create-incident"},
                  {"conditions", conditions},
                  {"match_any_condition", false},
                  {"created", loaded},
                  {"modified", loaded},
                  {"deleted", nullptr},
                  // Tocsin's own: the rule as the config writes it.
                  {"name", r.name},
                  {"trigger_settings",
                   {{"monitors", r.monitors},
                    {"tags", r.tags},
                    {"condition", r.conditions},
                    {"group_by", r.group_by}}},
                  {"incident_settings",
                   {{"title", r.title},
                    {"severity", r.severity},
                    {"commander", NullIfEmpty(r.commander)},
                    {"notifications", r.notifications},
                    {"fields", FieldValues(r)},
                    {"runbook", NullIfEmpty(r.runbook)},
                    {"dashboard", NullIfEmpty(r.dashboard)},
                    {"type", NullIfEmpty(r.type)},
                    {"incident_type_id", type ? json(type->id) : json(nullptr)},
                    {"recovery", r.recovery_to_stable ? "stable" : "none"}}}}}};
  }

  json NotificationRule(const core::Rule& r) const {
    const core::IncidentType* type = r.type.empty() ? nullptr : c().FindType(r.type);
    json relationships = json::object();
    if (type != nullptr) relationships["incident_type"] = TypeRef(type);
    return json{{"id", NotificationRuleId(r)},
                {"type", "incident_notification_rules"},
                {"attributes",
                 {{"conditions", json::array({{{"field", "rule"}, {"values", {r.name}}}})},
                  {"handles", r.notifications},
                  {"trigger", "incident_created_trigger"},
                  {"visibility", "organization"},
                  {"enabled", true},
                  {"renotify_on", json::array()},
                  {"created", loaded},
                  {"modified", loaded}}},
                {"relationships", relationships}};
  }
};

// The message of a write to a path the config file owns.
std::string OwnedByConfig(const core::Config& config, const std::string& what) {
  std::string file = std::filesystem::path(config.source_file).filename().string();
  if (file.empty()) file = "tocsin.yaml";
  return what + " are owned by the config file (" + file + "); edit it and reload";
}

}  // namespace

void AddConfigRoutes(Router& router, const ApiContext& ctx) {
  auto view = std::make_shared<ConfigView>();
  view->config = ctx.config;
  view->loaded = FormatRfc3339(ctx.clock->Now());
  const std::string base = "/api/v2/incidents/config/";

  using Params = const RouteParams&;
  using Req = const http::Request&;
  using Actor = const core::Actor&;
  // GET on the list and on one item; any other method on either is 405.
  auto add = [&](const std::string& name, const std::string& id_param, const std::string& what,
                 std::function<http::Response(const ConfigView&, Req)> list,
                 std::function<http::Response(const ConfigView&, const std::string&)> one) {
    router.Add("GET", base + name, Access::kApiKey, [view, list](Req req, Params, Actor) { return list(*view, req); });
    router.Add("GET", base + name + "/{" + id_param + "}", Access::kApiKey,
               [view, one, id_param](Req, Params p, Actor) { return one(*view, p[id_param]); });
    for (const std::string& pattern : {base + name, base + name + "/{" + id_param + "}"}) {
      router.Add("*", pattern, Access::kApiKey, [view, what](Req, Params, Actor) {
        http::Response r = ErrorResponse(405, OwnedByConfig(view->c(), what));
        r.headers.emplace_back("Allow", "GET");
        return r;
      });
    }
  };

  add(
      "types", "incident_type_id", "incident types",
      [](const ConfigView& v, Req) {
        json data = json::array();
        for (const auto& t : v.c().types) data.push_back(v.Type(t));
        return Json(200, {{"data", data}});
      },
      [](const ConfigView& v, const std::string& id) {
        for (const auto& t : v.c().types) {
          if (t.id == id) return Json(200, {{"data", v.Type(t)}});
        }
        return ErrorResponse(404, "incident type " + id + " not found");
      });

  add(
      "user-defined-fields", "field_id", "user-defined fields (template fields)",
      [](const ConfigView& v, Req req) {
        // filter[incident-type]: a type's id (as Datadog's clients send it) or its name.
        const core::IncidentType* only = nullptr;
        if (auto wanted = req.Query("filter[incident-type]")) {
          only = v.c().FindType(*wanted);
          if (only == nullptr) return ErrorResponse(400, "filter[incident-type]: unknown incident type '" + *wanted + "'");
        }
        json data = json::array();
        for (const auto& tmpl : v.c().templates) {
          if (only != nullptr && only->template_name != tmpl.name) continue;
          for (std::size_t k = 0; k < tmpl.fields.size(); ++k) data.push_back(v.Field(tmpl, k));
        }
        auto n = static_cast<std::int64_t>(data.size());
        return Json(200, {{"data", data}, {"meta", {{"offset", 0}, {"size", n}}}});
      },
      [](const ConfigView& v, const std::string& id) {
        for (const auto& tmpl : v.c().templates) {
          for (std::size_t k = 0; k < tmpl.fields.size(); ++k) {
            if (ConfigView::FieldId(tmpl, tmpl.fields[k]) == id) return Json(200, {{"data", v.Field(tmpl, k)}});
          }
        }
        return ErrorResponse(404, "user-defined field " + id + " not found");
      });

  add(
      "postmortem-templates", "template_id", "post-mortem templates",
      [](const ConfigView& v, Req) {
        json data = json::array();
        if (!v.c().postmortem.document.empty()) data.push_back(v.PostmortemTemplate());
        return Json(200, {{"data", data}});
      },
      [](const ConfigView& v, const std::string& id) {
        if (!v.c().postmortem.document.empty() && id == ConfigView::PostmortemTemplateId()) {
          return Json(200, {{"data", v.PostmortemTemplate()}});
        }
        return ErrorResponse(404, "post-mortem template " + id + " not found");
      });

  add(
      "rules", "rule_id", "incident rules",
      [](const ConfigView& v, Req) {
        json data = json::array();
        for (const auto& r : v.c().rules) data.push_back(v.Rule(r));
        return Json(200, {{"data", data}});
      },
      [](const ConfigView& v, const std::string& id) {
        for (const auto& r : v.c().rules) {
          if (ConfigView::RuleId(r) == id) return Json(200, {{"data", v.Rule(r)}});
        }
        return ErrorResponse(404, "incident rule " + id + " not found");
      });

  add(
      "notification-rules", "id", "notification rules",
      [](const ConfigView& v, Req) {
        json data = json::array();
        for (const auto& r : v.c().rules) {
          if (!r.notifications.empty()) data.push_back(v.NotificationRule(r));
        }
        auto n = static_cast<std::int64_t>(data.size());
        return Json(200, {{"data", data}, {"meta", {{"pagination", {{"offset", 0}, {"size", n}, {"next_offset", n}}}}}});
      },
      [](const ConfigView& v, const std::string& id) {
        for (const auto& r : v.c().rules) {
          if (!r.notifications.empty() && ConfigView::NotificationRuleId(r) == id) {
            return Json(200, {{"data", v.NotificationRule(r)}});
          }
        }
        return ErrorResponse(404, "notification rule " + id + " not found");
      });
}

}  // namespace tocsin::api::v2
