#include "notify/message.hpp"

#include <kainjow/mustache.hpp>

namespace tocsin::notify {
namespace {

namespace mus = kainjow::mustache;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string FieldText(const core::Incident& i, const std::string& name) {
  auto it = i.fields.find(name);
  return it == i.fields.end() ? "" : Join(it->second.Values());
}

std::string Minutes(Micros d) {
  auto m = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  if (m < 60) return std::to_string(m) + " min";
  return std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
}

}  // namespace

std::string IncidentLabel(const core::Incident& i) { return "IR-" + std::to_string(i.public_id); }

std::string IncidentUrl(const std::string& public_url, const core::Incident& i) {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/incidents/" + i.id;
}

std::string SeverityColor(const std::string& severity, const core::Config* config) {
  static const char* kColors[] = {"#d32f2f", "#f57c00", "#fbc02d", "#1976d2", "#757575"};
  if (config) {
    if (const auto* s = config->FindSeverity(severity)) return kColors[std::min(s->rank, 4)];
  }
  return kColors[4];
}

std::map<std::string, std::string> MessageVariables(const MessageInput& in) {
  std::map<std::string, std::string> v;
  const std::string& k = in.kind;
  v["kind"] = k;
  v["channel"] = in.channel;
  v["message"] = in.text;
  v["is_alert"] = (k == "incident_opened" || k == "escalated" || k == "page") ? "true" : "";
  v["is_recovery"] = k == "incident_resolved" ? "true" : "";
  v["is_warning"] = (k == "reminder" || k == "response_time_exceeded" || k == "postmortem_overdue") ? "true" : "";
  v["is_acknowledged"] = k == "acknowledged" ? "true" : "";
  v["is_status_update"] = k == "status_update" ? "true" : "";
  v["is_severity_change"] = k == "severity_changed" ? "true" : "";
  v["is_test"] = k == "test" ? "true" : "";
  if (!in.incident) return v;
  const core::Incident& i = *in.incident;
  v["title"] = i.title;
  v["severity"] = i.severity;
  v["state"] = std::string(core::StateName(i.state));
  v["public_id"] = IncidentLabel(i);
  v["id"] = i.id;
  v["url"] = IncidentUrl(in.public_url, i);
  v["commander"] = i.commander ? "@" + i.commander->handle : "unassigned";
  v["services"] = FieldText(i, "services");
  v["teams"] = FieldText(i, "teams");
  v["runbook"] = FieldText(i, "runbook");
  v["dashboard"] = FieldText(i, "dashboard");
  v["root_cause"] = FieldText(i, "root_cause");
  v["customer_impact"] = FieldText(i, "customer_impact");
  v["acknowledged_by"] = i.acknowledged_by ? "@" + i.acknowledged_by->handle : "";
  v["created"] = FormatRfc3339(i.created);
  if (i.resolved) v["duration"] = Minutes(*i.resolved - i.created);
  if (in.config) {
    if (const auto* s = in.config->FindSeverity(i.severity)) {
      v["response_time"] = Minutes(std::chrono::duration_cast<Micros>(s->response_time));
      v["severity_label"] = s->label;
    }
  }
  return v;
}

Result<std::string> RenderTemplate(const std::string& tmpl, const MessageInput& input, Escape escape) {
  mus::mustache view(tmpl);
  if (!view.is_valid()) return InvalidArgument("template does not parse: " + view.error_message());
  mus::data data;
  for (const auto& [k, val] : MessageVariables(input)) {
    if (k.rfind("is_", 0) == 0) {
      data.set(k, val.empty() ? mus::data(mus::data::type::bool_false) : mus::data(mus::data::type::bool_true));
    } else {
      data.set(k, val);
    }
  }
  // Messages are plain text (or the channel's markup) and JSON-encoded
  // later: no HTML escaping.
  view.set_custom_escape([escape](const std::string& s) { return escape ? escape(s) : s; });
  std::string out = view.render(data);
  if (!view.is_valid()) return InvalidArgument("template does not render: " + view.error_message());
  return out;
}

const std::string& DefaultTemplate(const std::string& kind) {
  static const std::map<std::string, std::string> kTemplates = {
      {"incident_opened",
       "{{#is_alert}}[{{severity}}] {{title}} ({{public_id}}) opened.{{/is_alert}} Commander: {{commander}}."
       "{{#services}} Services: {{services}}.{{/services}}{{#runbook}} Runbook: {{runbook}}{{/runbook}}"},
      {"incident_resolved", "{{#is_recovery}}Resolved: [{{severity}}] {{title}} ({{public_id}}) after {{duration}}.{{/is_recovery}}"},
      {"acknowledged", "{{public_id}} {{title}} acknowledged by {{acknowledged_by}}."},
      {"severity_changed", "{{public_id}} {{title}} is now {{severity}}."},
      {"status_update", "Status update on {{public_id}} {{title}}: {{message}}"},
      {"escalated", "{{#is_alert}}Escalated: [{{severity}}] {{title}} ({{public_id}}). {{message}}{{/is_alert}}"},
      {"page", "{{#is_alert}}You are paged for [{{severity}}] {{title}} ({{public_id}}). {{message}}{{/is_alert}}"},
      {"reminder", "Reminder: {{public_id}} {{title}} needs a status update ({{message}})."},
      {"postmortem_overdue", "Post-mortem overdue: {{public_id}} {{title}} ({{message}})."},
      {"response_time_exceeded",
       "{{#is_warning}}Response time exceeded: [{{severity}}] {{title}} ({{public_id}}) was not acknowledged within "
       "{{response_time}}.{{/is_warning}}"},
      {"test", "Test notification from Tocsin to {{channel}}: this channel works."},
  };
  static const std::string kFallback = "[{{severity}}] {{title}} ({{public_id}}): {{kind}} {{message}}";
  auto it = kTemplates.find(kind);
  return it == kTemplates.end() ? kFallback : it->second;
}

std::string RenderMessage(const MessageInput& input, const std::string& channel_template, Escape escape) {
  const std::string& tmpl = channel_template.empty() ? DefaultTemplate(input.kind) : channel_template;
  auto out = RenderTemplate(tmpl, input, escape);
  if (out) return *out;
  // A broken custom template must not lose the notification.
  auto fallback = RenderTemplate(DefaultTemplate(input.kind), input, escape);
  return fallback ? *fallback : input.kind;
}

}  // namespace tocsin::notify
