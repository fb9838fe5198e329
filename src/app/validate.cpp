#include "app/validate.hpp"

#include <algorithm>

#include "notify/message.hpp"
#include "notify/notifier.hpp"

namespace tocsin::app {

namespace {

// True when only contact methods send through the channel: nothing else
// (rules, response-time notifications, team pages) uses its own destination.
bool ContactsOnly(const core::Config& config, const core::Channel& c) {
  auto named = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), c.name) != names.end();
  };
  bool by_contacts = false;
  for (const auto& u : config.users) {
    for (const auto& m : u.contact_methods) by_contacts = by_contacts || m.channel == c.name;
  }
  if (!by_contacts) return false;
  for (const auto& r : config.rules) {
    if (named(r.notifications)) return false;
  }
  for (const auto& s : config.severities) {
    if (s.response_time_channels && named(*s.response_time_channels)) return false;
  }
  auto service = c.settings.find("service");
  if (c.type == "pagerduty" && service != c.settings.end()) {
    for (const auto& t : config.teams) {
      if (!t.pagerduty_service.empty() && t.pagerduty_service == service->second) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> ValidateAdapters(const core::Config& config) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < config.channels.size(); ++k) {
    const auto& c = config.channels[k];
    const auto& types = notify::ChannelTypes();
    if (std::find(types.begin(), types.end(), c.type) == types.end()) continue;  // the loader reported it
    std::string where = c.mark.file.empty() ? config.source_file : c.mark.file;
    if (c.mark.line > 0) where += ":" + std::to_string(c.mark.line) + ":" + std::to_string(c.mark.column);
    for (const auto& problem : notify::ValidateChannel(c, ContactsOnly(config, c))) {
      out.push_back(where + ": channels[" + std::to_string(k) + "] (" + c.name + "): " + problem);
    }
  }
  // The shipped templates must render for every event kind.
  core::Incident sample;
  sample.title = "Sample incident";
  sample.public_id = 1;
  sample.severity = config.severities.empty() ? "SEV-1" : config.severities.front().name;
  for (const char* kind : {"incident_opened", "incident_resolved", "acknowledged", "severity_changed", "status_update",
                           "escalated", "page", "reminder", "response_time_exceeded", "test"}) {
    auto r = notify::RenderTemplate(notify::DefaultTemplate(kind),
                                    notify::MessageInput{&sample, kind, "text", "channel", config.server.public_url, &config});
    if (!r) out.push_back(config.source_file + ": default template for " + kind + ": " + r.error().message);
  }
  return out;
}

}  // namespace tocsin::app
