// rules:, templates:, dashboards: — the seed's blocks, accepted as the seed writes them
// (plus a rule's incident type, incident_settings.type).

#include <algorithm>

#include "config/sections.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::config::detail {
namespace {

using ListForm = Reader::ListForm;

// A list of non-empty strings; empty items are reported, duplicates too when `unique`.
std::vector<MarkedString> ReadNames(LoadState& state, const Value* value, ListForm form,
                                    const std::string& what, bool unique) {
  std::vector<MarkedString> out;
  auto items = state.reader.StringList(value, form);
  if (!items) return out;
  for (const MarkedString& item : *items) {
    if (item.text.empty()) {
      state.reader.Report(item.mark, item.path + ": " + what + " must not be empty");
      continue;
    }
    if (unique) {
      CheckUnique(state, out, item, what);  // keeps first occurrences, reports repeats
    } else {
      out.push_back(item);
    }
  }
  return out;
}

void LoadTrigger(LoadState& state, const Value& value, core::Rule& rule) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"monitors", "tags", "condition", "group_by"});
  if (!fields) return;
  if (const Value* monitors = r.Require(*fields, "monitors")) {
    std::vector<MarkedString> names = ReadNames(state, monitors, ListForm::kListOrScalar, "monitor", true);
    for (const MarkedString& name : names) {
      // Monitoring systems never send names like these, so the pattern could never match.
      bool control = std::any_of(name.text.begin(), name.text.end(),
                                 [](unsigned char c) { return c < 0x20 || c == 0x7f; });
      bool padded = !name.text.empty() && (name.text.front() == ' ' || name.text.back() == ' ');
      if (control || padded) {
        r.Report(name.mark, name.path + ": monitor pattern '" + name.text + "' can never match: " +
                                (control ? "it contains a control character" : "it starts or ends with a space"));
      }
    }
    rule.monitors = Texts(names);
    if (monitors->node.IsSequence() && monitors->node.size() == 0) {
      r.Report(*monitors, "at least one monitor name or glob is required ('*' matches any)");
    }
  }
  std::vector<MarkedString> tags = ReadNames(state, fields->Get("tags"), ListForm::kListOrScalar, "tag", true);
  for (const MarkedString& tag : tags) {
    auto colon = tag.text.find(':');
    if (colon == 0 || (colon != std::string::npos && colon + 1 == tag.text.size()) ||
        tag.text.find(' ') != std::string::npos) {
      r.Report(tag.mark, tag.path + ": tag pattern '" + tag.text +
                             "' can never match: use key:value, key:* or a bare key, without spaces");
    }
  }
  rule.tags = Texts(tags);
  rule.group_by =
      Texts(ReadNames(state, fields->Get("group_by"), ListForm::kListOrScalar, "tag key", true));
  rule.conditions = {"alert"};
  if (const Value* condition = fields->Get("condition")) {
    std::vector<MarkedString> names =
        ReadNames(state, condition, ListForm::kListOrScalar, "condition", true);
    rule.conditions.clear();
    for (const MarkedString& name : names) {
      if (name.text == "alert" || name.text == "warn" || name.text == "no_data") {
        rule.conditions.push_back(name.text);
      } else {
        r.Report(name.mark,
                 name.path + ": expected one of alert, warn, no_data; got '" + name.text + "'");
      }
    }
    if (condition->node.IsSequence() && condition->node.size() == 0) {
      r.Report(*condition, "at least one condition is required");
    }
  }
}

void LoadRuleFields(LoadState& state, const Value& value, core::Rule& rule) {
  Reader& r = state.reader;
  auto fields = r.OpenMap(value);
  if (!fields) return;
  for (const auto& [key, field] : fields->entries()) {
    core::RuleFieldValue out;
    if (field.node.IsNull()) {
      r.Report(field, "a value is required");
      continue;
    }
    if (field.node.IsSequence()) {
      auto items = r.StringList(&field, ListForm::kListOnly);
      if (!items) continue;
      out.is_list = true;
      out.list = Texts(*items);
    } else if (field.node.IsScalar()) {
      auto text = r.String(&field);
      if (!text) continue;
      out.text = *text;
    } else {
      r.Report(field, "expected a string or a list of strings, got " + Describe(field.node));
      continue;
    }
    rule.fields[key] = std::move(out);
  }
}

void LoadIncidentSettings(LoadState& state, const Value& value, core::Rule& rule) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"title", "severity", "commander", "notifications", "fields",
                              "runbook", "dashboard", "recovery", "type"});
  if (!fields) return;
  if (const Value* v = r.Require(*fields, "title")) {
    if (auto title = r.String(v)) {
      if (title->empty()) r.Report(*v, "must not be empty");
      rule.title = *title;
    }
  }
  if (const Value* v = r.Require(*fields, "severity")) {
    if (auto severity = r.String(v)) {
      rule.severity = *severity;
      state.refs.rule_severities.push_back(MarkedString{*severity, v->mark, v->path});
    }
  }
  if (const Value* v = fields->Get("commander")) {
    if (auto commander = r.String(v)) {
      // Rules write handles with '@' (as the seed does), which tells them apart from names.
      if (commander->size() < 2 || (*commander)[0] != '@' || !IsValidHandle(commander->substr(1))) {
        r.Report(*v,
                 "expected '@handle' naming a team's on-call or a user, got '" + *commander + "'");
      } else {
        rule.commander = *commander;
        state.refs.rule_commanders.push_back(MarkedString{*commander, v->mark, v->path});
      }
    }
  }
  for (const MarkedString& channel :
       ReadNames(state, fields->Get("notifications"), ListForm::kListOrScalar, "channel", true)) {
    rule.notifications.push_back(channel.text);
    state.refs.rule_notifications.push_back(channel);
  }
  if (const Value* v = fields->Get("fields")) LoadRuleFields(state, *v, rule);
  if (auto s = r.String(fields->Get("runbook"))) rule.runbook = *s;
  if (auto s = r.String(fields->Get("dashboard"))) rule.dashboard = *s;
  if (const Value* v = fields->Get("type")) {
    if (auto type = r.String(v)) {
      if (type->empty()) {
        r.Report(*v, "must not be empty");
      } else {
        rule.type = *type;
        state.refs.rule_types.push_back(MarkedString{*type, v->mark, v->path});
      }
    }
  }
  if (auto s = r.OneOf(fields->Get("recovery"), {"stable", "none"})) {
    rule.recovery_to_stable = *s == "stable";
  }
}

// The FieldKey() of each field read so far, with its name: values are stored and
// answered under the key, so two fields of one template must not share one.
using FieldKeys = std::vector<std::pair<std::string, MarkedString>>;

// `seen` holds the template's field names so far.
void LoadTemplateField(LoadState& state, const Value& item, std::vector<MarkedString>& seen,
                       FieldKeys& keys, core::IncidentTemplate& incident_template) {
  Reader& r = state.reader;
  auto fields = r.Map(item, {"name", "type", "options", "required"});
  if (!fields) return;
  core::TemplateField field;
  field.mark = item.mark;
  if (const Value* v = r.Require(*fields, "name")) {
    if (auto name = r.String(v)) {
      std::string key = core::workflow::FieldKey(*name);
      if (name->empty()) {
        r.Report(*v, "must not be empty");
      } else if (key.empty()) {
        r.Report(*v, "field name '" + *name + "' needs at least one letter or digit");
      } else if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "field")) {
        auto same = std::find_if(keys.begin(), keys.end(),
                                 [&](const auto& k) { return k.first == key; });
        if (same != keys.end()) {
          r.Report(*v, "field '" + *name + "' has the same key '" + key + "' as field '" +
                           same->second.text + "' (line " +
                           std::to_string(same->second.mark.line) +
                           "): names must differ in more than case and punctuation");
        } else {
          keys.emplace_back(key, MarkedString{*name, v->mark, v->path});
          field.name = *name;
        }
      }
    }
  }
  if (auto type = r.OneOf(r.Require(*fields, "type"),
                          {"dropdown", "multiselect", "number", "boolean", "text", "textbox",
                           "textarray"})) {
    field.type = *type;
  }
  const Value* options = fields->Get("options");
  field.options = Texts(ReadNames(state, options, ListForm::kListOnly, "option", true));
  bool has_choices = field.type == "dropdown" || field.type == "multiselect";
  if (has_choices && options == nullptr) {
    r.Report(item, "a " + field.type + " field needs options");
  } else if (has_choices && field.options.empty() && options->node.IsSequence() &&
             options->node.size() == 0) {
    r.Report(*options, "a " + field.type + " field needs at least one option");
  } else if (!has_choices && !field.type.empty() && options != nullptr) {
    r.Report(*options, "only dropdown and multiselect fields take options");
  }
  if (auto required = r.Bool(fields->Get("required"))) field.required = *required;
  if (!field.name.empty()) incident_template.fields.push_back(std::move(field));
}

}  // namespace

void LoadRules(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"rule_name", "trigger", "incident_settings"});
    if (!fields) continue;
    core::Rule rule;
    rule.mark = item.mark;
    if (const Value* v = r.Require(*fields, "rule_name")) {
      if (auto name = r.String(v)) {
        if (name->empty()) {
          r.Report(*v, "must not be empty");
        } else if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "rule")) {
          rule.name = *name;
        }
      }
    }
    if (const Value* v = r.Require(*fields, "trigger")) LoadTrigger(state, *v, rule);
    if (const Value* v = r.Require(*fields, "incident_settings")) {
      LoadIncidentSettings(state, *v, rule);
    }
    state.config.rules.push_back(std::move(rule));
  }
}

void LoadTemplates(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"name", "fields"});
    if (!fields) continue;
    core::IncidentTemplate incident_template;
    incident_template.mark = item.mark;
    if (const Value* v = r.Require(*fields, "name")) {
      if (auto name = r.String(v)) {
        if (name->empty()) {
          r.Report(*v, "must not be empty");
        } else if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "template")) {
          incident_template.name = *name;
        }
      }
    }
    if (const Value* v = r.Require(*fields, "fields")) {
      if (auto field_items = r.List(*v)) {
        std::vector<MarkedString> seen_fields;
        FieldKeys field_keys;
        for (const Value& field_item : *field_items) {
          LoadTemplateField(state, field_item, seen_fields, field_keys, incident_template);
        }
      }
    }
    state.config.templates.push_back(std::move(incident_template));
  }
}

void LoadDashboards(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"incident_type", "url"});
    if (!fields) continue;
    core::DashboardLink link;
    link.mark = item.mark;
    if (const Value* v = r.Require(*fields, "incident_type")) {
      if (auto type = r.String(v)) {
        if (type->empty()) {
          r.Report(*v, "must not be empty");
        } else if (CheckUnique(state, seen, MarkedString{*type, v->mark, v->path},
                               "incident type")) {
          link.incident_type = *type;
          state.refs.dashboard_types.push_back(MarkedString{*type, v->mark, v->path});
        }
      }
    }
    if (const Value* v = r.Require(*fields, "url")) {
      if (auto url = r.String(v)) {
        if (url->empty()) r.Report(*v, "must not be empty");
        link.url = *url;
      }
    }
    if (!link.incident_type.empty() && !link.url.empty()) {
      state.config.dashboards.push_back(std::move(link));
    }
  }
}

}  // namespace tocsin::config::detail
