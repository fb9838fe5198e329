#pragma once
// Notification messages: mustache templates (kainjow) with Datadog's
// monitor-message conditionals ({{#is_alert}}, {{^is_alert}}, {{#is_recovery}},
// {{#is_warning}}, ...) and incident variables. Defaults ship for every event
// kind; a channel may override them with its `template` setting.

#include <map>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::notify {

struct MessageInput {
  const core::Incident* incident = nullptr;  // null for a channel test
  std::string kind;          // incident_opened, incident_resolved, acknowledged, severity_changed, status_update,
                             // escalated, reminder, response_time_exceeded, test
  std::string text;          // status update text, page reason, ...
  std::string channel;       // the channel's name
  std::string public_url;    // server.public_url
  const core::Config* config = nullptr;
};

// The variables a template can use, as strings ("true"/"" for conditionals).
std::map<std::string, std::string> MessageVariables(const MessageInput& input);

// How a channel escapes the variables' values ({{title}}, {{message}}, ...)
// for its markup, e.g. Slack's mrkdwn; null for plain text. The template's
// own text is the operator's and is not escaped, nor are {{{triple}}} or
// {{&ampersand}} variables (mustache's unescaped forms).
using Escape = std::string (*)(std::string_view);

// Renders `tmpl`; kInvalidArgument with the parser's message when it does not parse.
Result<std::string> RenderTemplate(const std::string& tmpl, const MessageInput& input, Escape escape = nullptr);

// The default template for an event kind.
const std::string& DefaultTemplate(const std::string& kind);

// The message for `input`: the channel's template when set, else the default.
std::string RenderMessage(const MessageInput& input, const std::string& channel_template, Escape escape = nullptr);

std::string IncidentLabel(const core::Incident& incident);  // "IR-12"
std::string IncidentUrl(const std::string& public_url, const core::Incident& incident);
// Hex colour per severity rank (most severe red).
std::string SeverityColor(const std::string& severity, const core::Config* config);

}  // namespace tocsin::notify
