#pragma once
// Sending one delivery through its channel. Each channel type lives in its own
// folder (slack/, pagerduty/, webhook/, email/) with a pure Build* function (the
// exact request, golden-tested) and a Classify* function that turns the
// receiver's answer into delivered / retry / permanent failure.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/notification/delivery.hpp"
#include "notify/transport.hpp"

namespace tocsin::notify {

struct SendContext {
  const core::Config* config = nullptr;
  std::string public_url;
  std::chrono::milliseconds timeout{10000};
  std::string thread_ts;  // Slack: ts of the incident's first message in this channel
  std::string text;       // extra text for the message (status update, page reason)
};

// The channel types Tocsin knows.
const std::vector<std::string>& ChannelTypes();

// The request this channel would send for the delivery (not for email).
Result<HttpRequest> BuildRequest(const core::Channel& channel, const core::Delivery& delivery,
                                 const core::Incident* incident, const SendContext& ctx);

// Sends and classifies. Never throws; never puts secrets in `detail` (the
// receiver's answer is redacted before it is classified: a receiver that
// echoes the request does not leak its tokens). A delivery to a person
// (delivery.to) goes to their contact method through `channel`.
core::AttemptOutcome Send(const core::Channel& channel, const core::Delivery& delivery, const core::Incident* incident,
                          const SendContext& ctx);

// `channel` as it sends to the delivery's person: the Slack member id as the
// chat.postMessage channel (a DM from the bot), the email address as the only
// recipient, or the person's own routing key (from config->users) in place of
// the channel's. kInvalidArgument when the contact method cannot go through
// this channel or is no longer configured.
Result<core::Channel> ChannelForContact(const core::Channel& channel, const core::ContactTarget& to,
                                        const core::Config* config);

// The values a channel holds that must never be shown: tokens, routing keys,
// passwords, webhook secrets, custom header values, and URLs with their
// paths, query values and credentials (a Slack webhook's path is its secret).
std::vector<std::string> SecretsOf(const core::Channel& channel);
// `text` with every occurrence of each secret (also JSON- and
// percent-escaped) replaced by "[redacted]".
std::string Redact(std::string text, const std::vector<std::string>& secrets);

// Problems with a channel's settings, for check-config: unknown type, missing
// or malformed URL, missing secrets, a template that does not parse. A
// channel used only by contact methods (`contacts_only`) needs no destination
// of its own: no `channel` (slack_webapi), `to` (email) or `routing_key`
// (pagerduty).
std::vector<std::string> ValidateChannel(const core::Channel& channel, bool contacts_only = false);

// Shared: a generic HTTP answer classification (2xx ok; 408, 429, 5xx and
// transport errors retry; other 4xx are permanent).
core::AttemptOutcome ClassifyHttp(const HttpAnswer& answer);

// Setting with a default.
std::string Setting(const core::Channel& channel, const std::string& key, const std::string& fallback = "");

}  // namespace tocsin::notify
