#include "app/route.hpp"

#include <nlohmann/json.hpp>

#include "api/v2/alerts_api.hpp"
#include "core/rules/rules.hpp"

namespace tocsin::app {

std::string GuessSource(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_array()) return "prometheus";
  if (!j.is_object()) return "generic";
  if (j.contains("alerts") && (j.contains("version") || j.contains("groupKey") || j.contains("receiver"))) {
    return "alertmanager";
  }
  if (j.contains("monitor") || j.contains("alerts")) return "generic";
  return "datadog";
}

Result<std::string> RouteDryRun(const core::Config& config, const std::string& source, const std::string& body,
                                TimePoint now) {
  std::string src = source == "auto" ? GuessSource(body) : source;
  auto alerts = api::v2::ParseAlerts(src, body, now);
  if (!alerts) return tl::unexpected(alerts.error());
  core::RuleIndex index(config.rules, config.severities);
  std::string out;
  int n = 0;
  for (const auto& alert : *alerts) {
    core::Evaluation ev = core::Evaluate(index, alert);
    core::AlertPlan plan = core::Decide(ev, alert, {}, core::PlanContext{&config, now, "(new)"});
    out += "alert " + std::to_string(++n) + ": [" + src + "] '" + alert.monitor_name + "' state " +
           std::string(core::AlertStateName(alert.state));
    if (!alert.scope.empty()) out += " scope " + alert.scope;
    out += "\n  fingerprint " + ev.fingerprint + "\n";
    if (ev.matched.empty()) out += "  rules matched: none\n";
    for (const core::Rule* r : ev.matched) {
      bool fires = std::find(ev.triggered.begin(), ev.triggered.end(), r) != ev.triggered.end();
      out += "  rule matched: '" + r->name + "' (" + r->severity + ")" + (fires ? "" : " — condition does not accept this state") + "\n";
    }
    out += "  decision: " + plan.decision + " — " + plan.detail + "\n";
    if (plan.create) {
      const core::Incident& inc = *plan.create;
      out += "  incident: " + inc.severity + " \"" + inc.title + "\"";
      if (inc.commander) out += " commander @" + inc.commander->handle;
      out += "\n";
      for (const auto& [name, v] : inc.fields) {
        std::string value;
        for (const auto& s : v.Values()) value += (value.empty() ? "" : ", ") + s;
        out += "    " + name + ": " + value + "\n";
      }
    }
    for (const auto& note : plan.notifications) out += "  notify: " + note.channel + " (" + note.kind + ")\n";
  }
  return out;
}

}  // namespace tocsin::app
