#pragma once
// Slack: incoming webhooks (type "slack", setting `url`) and the Web API's
// chat.postMessage (type "slack_webapi", settings `token`, `channel`, optional
// `api_url`), Block Kit with a plain-text fallback and the severity colour.
// With the Web API, the first message of an incident starts a thread and later
// updates are posted under it (thread_ts).

#include "notify/notifier.hpp"

namespace tocsin::notify::slack {

// `message` is mrkdwn, the values in it already escaped (BuildRequest renders
// it with EscapeMrkdwn); the incident's own text (title, fields) is escaped
// here.
HttpRequest BuildWebhook(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                         const SendContext& ctx);
HttpRequest BuildWebApi(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                        const SendContext& ctx, bool in_thread);
core::AttemptOutcome ClassifyWebApi(const HttpAnswer& answer);

}  // namespace tocsin::notify::slack
