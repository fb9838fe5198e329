#include "notify/notifier.hpp"

#include <algorithm>
#include <cctype>

#include "notify/email/email.hpp"
#include "notify/message.hpp"
#include "notify/pagerduty/pagerduty.hpp"
#include "notify/slack/slack.hpp"
#include "notify/text.hpp"
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

// A notice carries its message, written for its channel when it was queued
// (the weekly review as Slack text or as an HTML page); anything else is
// rendered from the channel's template.
std::string MessageFor(const core::Channel& channel, const core::Delivery& delivery, const core::Incident* incident,
                       const SendContext& ctx, Escape escape) {
  if (!delivery.notice_key.empty()) return delivery.body;
  return RenderMessage(Input(channel, delivery, incident, ctx), Setting(channel, "template"), escape);
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
  // The answer is the receiver's: cut it on a character boundary and make it
  // valid UTF-8, as it ends up in JSON (timeline events, the API).
  std::string snippet = ValidUtf8(TruncateUtf8(a.body, 200));
  std::string detail = "HTTP " + std::to_string(a.status) + (snippet.empty() ? "" : ": " + snippet);
  if (a.status >= 200 && a.status < 300) return {Kind::kDelivered, std::nullopt, detail, ""};
  if (a.status == 408 || a.status == 429 || a.status >= 500) return {Kind::kRetry, a.retry_after, detail, ""};
  return {Kind::kPermanent, std::nullopt, detail, ""};
}

Result<HttpRequest> BuildRequest(const core::Channel& channel, const core::Delivery& delivery,
                                 const core::Incident* incident, const SendContext& ctx) {
  // Slack reads the message as mrkdwn: the values put into it (a title, a
  // status update) are escaped, so that they cannot mention @channel or
  // disguise a link; the template's own markup stays.
  bool mrkdwn = channel.type == "slack" || channel.type == "slack_webapi";
  std::string message = MessageFor(channel, delivery, incident, ctx, mrkdwn ? &EscapeMrkdwn : nullptr);
  if (channel.type == "slack") return slack::BuildWebhook(channel, message, incident, ctx);
  if (channel.type == "slack_webapi") {
    return slack::BuildWebApi(channel, message, incident, ctx, delivery.kind != "incident_opened");
  }
  if (channel.type == "pagerduty") {
    if (!delivery.notice_key.empty()) return InvalidArgument("a notice cannot go to a PagerDuty channel");
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

namespace {

core::AttemptOutcome SendVia(const core::Channel& channel, const core::Delivery& delivery,
                             const core::Incident* incident, const SendContext& ctx,
                             const std::vector<std::string>& secrets) {
  using Kind = core::AttemptOutcome::Kind;
  if (channel.type == "email") {
    std::string message = MessageFor(channel, delivery, incident, ctx, nullptr);
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
  // Before anything reads it: a receiver may echo the request, tokens and all.
  answer.body = Redact(std::move(answer.body), secrets);
  if (channel.type == "slack_webapi") return slack::ClassifyWebApi(answer);
  if (channel.type == "pagerduty") return pagerduty::Classify(answer);
  return ClassifyHttp(answer);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void AddSecret(std::vector<std::string>& out, std::string value, std::size_t min_size) {
  while (!value.empty() && value.back() == ' ') value.pop_back();
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  if (value.size() >= min_size) out.push_back(std::move(value));
}

// A URL's secret parts: all of it, its path and query, each long path segment
// (a Slack webhook's last segment is its secret), each query value (signed
// URLs), and the password of user:password@host.
void AddUrlSecrets(std::vector<std::string>& out, const std::string& url) {
  AddSecret(out, url, 8);
  auto scheme = url.find("://");
  std::size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t path_start = url.find_first_of("/?#", host_start);
  std::string authority = url.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    if (auto colon = userinfo.find(':'); colon != std::string::npos) AddSecret(out, userinfo.substr(colon + 1), 4);
  }
  if (path_start == std::string::npos) return;
  std::string rest = url.substr(path_start);
  AddSecret(out, rest, 8);
  std::size_t query = rest.find('?');
  std::string path = rest.substr(0, query);
  for (std::size_t start = 0; start < path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    AddSecret(out, path.substr(start, end - start), 12);
    start = end + 1;
  }
  if (query == std::string::npos) return;
  std::string q = rest.substr(query + 1);
  for (std::size_t start = 0; start < q.size();) {
    std::size_t end = q.find_first_of("&#", start);
    if (end == std::string::npos) end = q.size();
    std::string pair = q.substr(start, end - start);
    if (auto eq = pair.find('='); eq != std::string::npos) AddSecret(out, pair.substr(eq + 1), 4);
    start = end + 1;
  }
}

std::string PercentEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

std::vector<std::string> SecretsOf(const core::Channel& channel) {
  std::vector<std::string> out;
  for (const auto& [key, value] : channel.settings) {
    if (key == "token" || key == "routing_key" || key == "password" || key == "secret") {
      AddSecret(out, value, 4);
    } else if (EndsWith(key, "url")) {
      AddUrlSecrets(out, value);
    } else if (key == "headers") {
      // "Name: value; Name2: value": header values often carry credentials.
      for (std::size_t start = 0; start < value.size();) {
        std::size_t end = value.find(';', start);
        if (end == std::string::npos) end = value.size();
        std::string pair = value.substr(start, end - start);
        if (auto colon = pair.find(':'); colon != std::string::npos) {
          std::string header_value = pair.substr(colon + 1);
          AddSecret(out, header_value, 4);
          // "Bearer <token>": the token alone too.
          for (std::size_t w = 0; w < header_value.size();) {
            std::size_t e = header_value.find(' ', w);
            if (e == std::string::npos) e = header_value.size();
            AddSecret(out, header_value.substr(w, e - w), 8);
            w = e + 1;
          }
        }
        start = end + 1;
      }
    }
  }
  return out;
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  std::vector<std::string> forms;
  for (const auto& s : secrets) {
    forms.push_back(s);
    forms.push_back(ReplaceAll(s, "/", "\\/"));  // as a JSON encoder may escape it
    forms.push_back(PercentEncode(s));
  }
  // Longest first, so that a URL goes before the path inside it.
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& f : forms) text = ReplaceAll(std::move(text), f, "[redacted]");
  return text;
}

Result<core::Channel> ChannelForContact(const core::Channel& channel, const core::ContactTarget& to,
                                        const core::Config* config) {
  std::string needed = core::ContactChannelType(to.type);
  std::string label = core::ContactTypeLabel(to.type);
  if (needed.empty()) return InvalidArgument("unknown contact method type '" + to.type + "'");
  if (channel.type != needed) {
    return InvalidArgument("@" + to.user + "'s " + label + " contact method cannot go through the " + channel.type +
                           " channel '" + channel.name + "' (it needs a " + needed + " channel)");
  }
  core::Channel out = channel;
  if (to.type == "slack_dm") {
    if (to.address.empty()) return InvalidArgument("no Slack member id for @" + to.user);
    out.settings["channel"] = to.address;  // chat.postMessage to a member id: a DM from the bot
    return out;
  }
  if (to.type == "email") {
    if (to.address.empty()) return InvalidArgument("no email address for @" + to.user);
    out.settings["to"] = to.address;
    return out;
  }
  // PagerDuty: the routing key is a secret, so the outbox row does not hold it.
  const core::User* user = config ? config->FindUser(to.user) : nullptr;
  if (!user) return InvalidArgument("user @" + to.user + " is no longer configured");
  const core::ContactMethod* method = nullptr;
  auto index = static_cast<std::size_t>(to.method - 1);
  if (to.method >= 1 && index < user->contact_methods.size() && user->contact_methods[index].type == "pagerduty") {
    method = &user->contact_methods[index];
  }
  for (const auto& m : user->contact_methods) {
    if (!method && m.type == "pagerduty" && m.channel == channel.name) method = &m;
  }
  if (!method || method->routing_key.empty()) {
    return InvalidArgument("@" + to.user + " has no PagerDuty contact method any more");
  }
  out.settings["routing_key"] = method->routing_key;
  return out;
}

core::AttemptOutcome Send(const core::Channel& channel, const core::Delivery& delivery, const core::Incident* incident,
                          const SendContext& ctx) {
  std::vector<std::string> secrets = SecretsOf(channel);
  core::AttemptOutcome outcome;
  // Building a request is deterministic: one that throws (a serialisation
  // failure, say) throws on every attempt. It is a permanent, visible failure,
  // not a retry loop. (Nothing after the send throws.)
  auto send_via = [&](const core::Channel& c, const SendContext& context) {
    try {
      return SendVia(c, delivery, incident, context, secrets);
    } catch (const std::exception& e) {
      return core::AttemptOutcome{core::AttemptOutcome::Kind::kPermanent, std::nullopt,
                                  std::string("could not build the ") + c.type + " message: " + e.what(), ""};
    }
  };
  if (delivery.to.empty()) {
    outcome = send_via(channel, ctx);
  } else {
    auto personal = ChannelForContact(channel, delivery.to, ctx.config);
    if (!personal) {
      outcome = {core::AttemptOutcome::Kind::kPermanent, std::nullopt, personal.error().message, ""};
    } else {
      for (auto& s : SecretsOf(*personal)) secrets.push_back(std::move(s));
      SendContext direct = ctx;
      direct.thread_ts.clear();  // a DM is not part of the channel's thread
      outcome = send_via(*personal, direct);
      outcome.thread_ts.clear();
    }
  }
  outcome.detail = ValidUtf8(Redact(std::move(outcome.detail), secrets));
  return outcome;
}

std::vector<std::string> ValidateChannel(const core::Channel& c, bool contacts_only) {
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
  // A channel only contact methods use sends to their addresses, not its own.
  if (c.type == "slack_webapi") {
    need_url("api_url", false, {"http", "https"});
    if (Setting(c, "token").empty()) problems.push_back("token: is required for a slack_webapi channel");
    if (Setting(c, "channel").empty() && !contacts_only) {
      problems.push_back("channel: is required for a slack_webapi channel");
    }
  }
  if (c.type == "pagerduty") {
    need_url("url", false, {"http", "https"});
    if (Setting(c, "routing_key").empty() && !contacts_only) {
      problems.push_back("routing_key: is required for a pagerduty channel");
    }
  }
  if (c.type == "email") {
    need_url("smtp_url", true, {"smtp", "smtps"});
    if (Setting(c, "to").empty() && !contacts_only) problems.push_back("to: is required for an email channel");
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
