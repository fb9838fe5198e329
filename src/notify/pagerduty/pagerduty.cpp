#include "notify/pagerduty/pagerduty.hpp"

#include <nlohmann/json.hpp>

#include "notify/json_member.hpp"
#include "notify/message.hpp"
#include "notify/text.hpp"

namespace tocsin::notify::pagerduty {

using nlohmann::json;

namespace {
constexpr std::size_t kSummaryLimit = 1024;  // bytes (PagerDuty counts characters: never more)
}  // namespace

std::string EventAction(const std::string& kind) {
  if (kind == "incident_opened" || kind == "escalated" || kind == "page" || kind == "test") return "trigger";
  if (kind == "acknowledged") return "acknowledge";
  if (kind == "incident_resolved") return "resolve";
  return "";
}

std::string MapSeverity(const core::Channel& channel, const std::string& severity, const core::Config* config) {
  std::string map = Setting(channel, "severity_map");
  std::size_t start = 0;
  while (start < map.size()) {
    std::size_t end = map.find(',', start);
    if (end == std::string::npos) end = map.size();
    std::string pair = map.substr(start, end - start);
    auto eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == severity) return pair.substr(eq + 1);
    start = end + 1;
  }
  int rank = 3;
  if (config) {
    if (const auto* s = config->FindSeverity(severity)) rank = s->rank;
  }
  static const char* kByRank[] = {"critical", "error", "warning", "info"};
  return kByRank[std::clamp(rank, 0, 3)];
}

HttpRequest Build(const core::Channel& channel, const std::string& message, const core::Incident& incident,
                  const std::string& kind, const SendContext& ctx) {
  std::string action = EventAction(kind);
  json body{{"routing_key", Setting(channel, "routing_key")}, {"event_action", action}, {"dedup_key", incident.id}};
  if (action == "trigger") {
    json details{{"incident", IncidentLabel(incident)}, {"state", std::string(core::StateName(incident.state))},
                 {"commander", incident.commander ? "@" + incident.commander->handle : ""}};
    for (const auto& [name, v] : incident.fields) {
      if (v.Values().empty()) continue;  // unset (a template field nobody filled in yet)
      std::string joined;
      for (const auto& s : v.Values()) joined += (joined.empty() ? "" : ", ") + s;
      details[name] = joined;
    }
    std::string url = IncidentUrl(ctx.public_url, incident);
    json links = json::array({{{"href", url}, {"text", IncidentLabel(incident) + " in Tocsin"}}});
    for (const char* f : {"runbook", "dashboard"}) {
      auto it = incident.fields.find(f);
      // PagerDuty links must be absolute URLs.
      if (it != incident.fields.end() && it->second.text && it->second.text->rfind("http", 0) == 0) {
        links.push_back({{"href", *it->second.text}, {"text", f}});
      }
    }
    // Events API v2: at most 1024 characters; cut on a character boundary
    // (a cut inside one makes the body unserialisable), with a marker.
    std::string summary = TruncateUtf8(ValidUtf8(message), kSummaryLimit);
    json payload{{"summary", summary},
                 {"source", "tocsin"},
                 {"severity", MapSeverity(channel, incident.severity, ctx.config)},
                 {"timestamp", FormatRfc3339(incident.created)},
                 {"class", kind},
                 {"custom_details", details}};
    if (auto it = incident.fields.find("services"); it != incident.fields.end()) {
      auto values = it->second.Values();
      if (!values.empty()) payload["component"] = values.front();
    }
    if (auto it = incident.fields.find("teams"); it != incident.fields.end()) {
      auto values = it->second.Values();
      if (!values.empty()) payload["group"] = values.front();
    }
    body["payload"] = payload;
    body["links"] = links;
    body["client"] = "Tocsin";
    body["client_url"] = url;
  }
  return HttpRequest{Setting(channel, "url", "https://events.pagerduty.com/v2/enqueue"),
                     {{"Content-Type", "application/json"}},
                     body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

core::AttemptOutcome Classify(const HttpAnswer& answer) {
  core::AttemptOutcome out = ClassifyHttp(answer);
  if (answer.status == 400) {
    std::string why = StringMember(json::parse(answer.body, nullptr, false), "message", "invalid event");
    out.detail = "PagerDuty refused the event (HTTP 400: " + why + ")";
  }
  return out;
}

}  // namespace tocsin::notify::pagerduty
