#include "app/validate.hpp"

#include <algorithm>

#include "notify/message.hpp"
#include "notify/notifier.hpp"

namespace tocsin::app {

std::vector<std::string> ValidateAdapters(const core::Config& config) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < config.channels.size(); ++k) {
    const auto& c = config.channels[k];
    const auto& types = notify::ChannelTypes();
    if (std::find(types.begin(), types.end(), c.type) == types.end()) continue;  // the loader reported it
    std::string where = c.mark.file.empty() ? config.source_file : c.mark.file;
    if (c.mark.line > 0) where += ":" + std::to_string(c.mark.line) + ":" + std::to_string(c.mark.column);
    for (const auto& problem : notify::ValidateChannel(c)) {
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
