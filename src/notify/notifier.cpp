#include "notify/notifier.hpp"

#include "notify/email/email.hpp"
#include "notify/message.hpp"
#include "notify/pagerduty/pagerduty.hpp"
#include "notify/slack/slack.hpp"
#include "notify/webhook/webhook.hpp"

namespace tocsin::notify {
namespace {

bool LooksLikeUrl(const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes) {
    std::string prefix = std::string(s) + "://";
    if (url.rfind(prefix, 0) == 0 && url.size() > prefix.size() && url.find(' ') == std::string::npos) return true;
  }
  return false;
}

MessageInput Input(const core::Channel& channel, const core::Delivery& delivery, const core::Incident* incident,
                   const SendContext& ctx) {
  return MessageInput{incident, delivery.kind, ctx.text, channel.name, ctx.public_url, ctx.config};
}

}  // namespace

const std::vector<std::string>& ChannelTypes() {
  static const std::vector<std::string> kTypes = {"slack", "slack_webapi", "pagerduty", "webhook", "email"};
  return kTypes;
}

std::string Setting(const core::Channel& channel, const std::string& key, const std::string& fallback) {
  auto it = channel.settings.find(key);
  return it == channel.settings.end() || it->second.empty() ? fallback : it->second;
}

core::AttemptOutcome ClassifyHttp(const HttpAnswer& a) {
  using Kind = core::AttemptOutcome::Kind;
  if (a.status == 0) return {Kind::kRetry, std::nullopt, a.transport_error, ""};
  std::string snippet = a.body.substr(0, 200);
  std::string detail = "HTTP " + std::to_string(a.status) + (snippet.empty() ? "" : ": " + snippet);
  if (a.status >= 200 && a.status < 300) return {Kind::kDelivered, std::nullopt, detail, ""};
  if (a.status == 408 || a.status == 429 || a.status >= 500) return {Kind::kRetry, a.retry_after, detail, ""};
  return {Kind::kPermanent, std::nullopt, detail, ""};
}

Result<HttpRequest> BuildRequest(const core::Channel& channel, const core::Delivery& delivery,
                                 const core::Incident* incident, const SendContext& ctx) {
  std::string message = RenderMessage(Input(channel, delivery, incident, ctx), Setting(channel, "template"));
  if (channel.type == "slack") return slack::BuildWebhook(channel, message, incident, ctx);
  if (channel.type == "slack_webapi") {
    return slack::BuildWebApi(channel, message, incident, ctx, delivery.kind != "incident_opened");
  }
  if (channel.type == "pagerduty") {
    if (!incident) {
      core::Incident probe;
      probe.id = "tocsin-test-" + channel.name;
      probe.title = message;
      return pagerduty::Build(channel, message, probe, "test", ctx);
    }
    if (pagerduty::EventAction(delivery.kind).empty()) return InvalidArgument("not a PagerDuty event");
    return pagerduty::Build(channel, message, *incident, delivery.kind, ctx);
  }
  if (channel.type == "webhook") return webhook::Build(channel, message, incident, delivery, ctx);
  return InvalidArgument("channel type '" + channel.type + "' does not send HTTP requests");
}

core::AttemptOutcome Send(const core::Channel& channel, const core::Delivery& delivery, const core::Incident* incident,
                          const SendContext& ctx) {
  using Kind = core::AttemptOutcome::Kind;
  if (channel.type == "email") {
    std::string message = RenderMessage(Input(channel, delivery, incident, ctx), Setting(channel, "template"));
    auto mail = email::Build(channel, message, incident, delivery, ctx);
    if (mail.to.empty()) return {Kind::kPermanent, std::nullopt, "email channel has no recipients (to)", ""};
    std::string error = SendMail(mail, ctx.timeout);
    if (error.empty()) return {Kind::kDelivered, std::nullopt, "accepted by the SMTP server", ""};
    bool permanent = error == "login denied";
    return {permanent ? Kind::kPermanent : Kind::kRetry, std::nullopt, "SMTP: " + error, ""};
  }
  if (channel.type == "pagerduty" && incident && pagerduty::EventAction(delivery.kind).empty()) {
    return {Kind::kDelivered, std::nullopt, "nothing to send: PagerDuty has no event for " + delivery.kind, ""};
  }
  auto request = BuildRequest(channel, delivery, incident, ctx);
  if (!request) return {Kind::kPermanent, std::nullopt, request.error().message, ""};
  HttpAnswer answer = Post(*request, ctx.timeout);
  if (channel.type == "slack_webapi") return slack::ClassifyWebApi(answer);
  if (channel.type == "pagerduty") return pagerduty::Classify(answer);
  return ClassifyHttp(answer);
}

std::vector<std::string> ValidateChannel(const core::Channel& c) {
  std::vector<std::string> problems;
  const auto& types = ChannelTypes();
  if (std::find(types.begin(), types.end(), c.type) == types.end()) {
    problems.push_back("unknown channel type '" + c.type + "' (known: slack, slack_webapi, pagerduty, webhook, email)");
    return problems;
  }
  auto need_url = [&](const std::string& key, bool required, std::initializer_list<const char*> schemes) {
    std::string url = Setting(c, key);
    if (url.empty()) {
      if (required) problems.push_back(key + ": is required for a " + c.type + " channel");
    } else if (!LooksLikeUrl(url, schemes)) {
      problems.push_back(key + ": not a valid URL");
    }
  };
  if (c.type == "slack" || c.type == "webhook") need_url("url", true, {"http", "https"});
  if (c.type == "slack_webapi") {
    need_url("api_url", false, {"http", "https"});
    if (Setting(c, "token").empty()) problems.push_back("token: is required for a slack_webapi channel");
    if (Setting(c, "channel").empty()) problems.push_back("channel: is required for a slack_webapi channel");
  }
  if (c.type == "pagerduty") {
    need_url("url", false, {"http", "https"});
    if (Setting(c, "routing_key").empty()) problems.push_back("routing_key: is required for a pagerduty channel");
  }
  if (c.type == "email") {
    need_url("smtp_url", true, {"smtp", "smtps"});
    if (Setting(c, "to").empty()) problems.push_back("to: is required for an email channel");
  }
  std::string tmpl = Setting(c, "template");
  if (!tmpl.empty()) {
    core::Incident sample;
    sample.title = "Sample";
    sample.public_id = 1;
    auto rendered = RenderTemplate(tmpl, MessageInput{&sample, "incident_opened", "", c.name, "http://localhost", nullptr});
    if (!rendered) problems.push_back("template: " + rendered.error().message);
  }
  return problems;
}

}  // namespace tocsin::notify
