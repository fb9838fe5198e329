#include "notify/slack/slack.hpp"

#include <nlohmann/json.hpp>

#include "notify/json_member.hpp"
#include "notify/message.hpp"
#include "notify/text.hpp"

namespace tocsin::notify::slack {
namespace {

using nlohmann::json;

std::string FieldText(const core::Incident& i, const char* name) {
  auto it = i.fields.find(name);
  if (it == i.fields.end()) return "";
  std::string out;
  for (const auto& v : it->second.Values()) out += (out.empty() ? "" : ", ") + v;
  return out;
}

// Slack's limits (Block Kit reference, chat.postMessage): a section's or a
// context element's text at most 3,000 characters; a message's `text` is cut
// by Slack beyond 40,000. Counted here in bytes of UTF-8, which is never
// fewer than Slack's characters, and cut on a character boundary with "…".
constexpr std::size_t kBlockTextLimit = 3000;
constexpr std::size_t kMessageTextLimit = 40000;
// The title in the heading link; the rest of the section is the message.
constexpr std::size_t kTitleLimit = 500;

// Cuts mrkdwn (already escaped) to `limit`, never inside an entity.
std::string Fit(const std::string& mrkdwn, std::size_t limit) { return TruncateMrkdwn(ValidUtf8(mrkdwn), limit); }
// Plain text (a title, a field) as mrkdwn within `limit`.
std::string Escaped(const std::string& text, std::size_t limit) { return Fit(EscapeMrkdwn(text), limit); }

// A URL inside <...|label>: '&' as Slack escapes it, and the characters that
// would end the link or start its label percent-encoded.
std::string LinkTarget(const std::string& url) {
  std::string out;
  for (char c : url) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "%3C"; break;
      case '>': out += "%3E"; break;
      case '|': out += "%7C"; break;
      default: out += c;
    }
  }
  return out;
}

// The heading (a link to the incident) followed by the message, within one
// section's limit: the message is cut, the heading's link stays whole.
std::string SectionText(const std::string& head, const std::string& message) {
  if (head.size() >= kBlockTextLimit) return Fit(head + message, kBlockTextLimit);
  return head + Fit(message, kBlockTextLimit - head.size());
}

json Payload(const std::string& message, const core::Incident* incident, const SendContext& ctx) {
  json blocks = json::array();
  std::string color = "#757575";
  if (incident) {
    std::string url = IncidentUrl(ctx.public_url, *incident);
    color = SeverityColor(incident->severity, ctx.config);
    std::string head = "*<" + LinkTarget(url) + "|" + IncidentLabel(*incident) + ": " + Escaped(incident->title, kTitleLimit) + ">*\n";
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", SectionText(head, message)}}}});
    std::string facts = "*Severity:* " + EscapeMrkdwn(incident->severity) + "  *State:* " + std::string(core::StateName(incident->state)) +
                        "  *Commander:* " + (incident->commander ? "@" + EscapeMrkdwn(incident->commander->handle) : "unassigned");
    blocks.push_back({{"type", "context"},
                      {"elements", json::array({{{"type", "mrkdwn"}, {"text", Fit(facts, kBlockTextLimit)}}})}});
    // Absolute URLs become links; a relative one (the seed's "/dashboard/...",
    // which lives in the monitoring tool) is shown as text.
    auto link = [](const std::string& target, const char* label) {
      bool absolute = target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0;
      return absolute ? "<" + LinkTarget(target) + "|" + label + ">" : std::string(label) + ": `" + EscapeMrkdwn(target) + "`";
    };
    std::string links;
    if (auto rb = FieldText(*incident, "runbook"); !rb.empty()) links += link(rb, "Runbook");
    if (auto db = FieldText(*incident, "dashboard"); !db.empty()) links += std::string(links.empty() ? "" : " · ") + link(db, "Dashboard");
    if (!links.empty()) {
      blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", Fit(links, kBlockTextLimit)}}}});
    }
  } else {
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", Fit(message, kBlockTextLimit)}}}});
  }
  std::string text = Fit(message, kMessageTextLimit);
  return json{{"text", text}, {"attachments", json::array({{{"color", color}, {"fallback", text}, {"blocks", blocks}}})}};
}

// Never throws: ill-formed UTF-8 left anywhere becomes U+FFFD.
std::string Dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

HttpRequest BuildWebhook(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                         const SendContext& ctx) {
  return HttpRequest{Setting(channel, "url"), {{"Content-Type", "application/json"}}, Dump(Payload(message, incident, ctx))};
}

HttpRequest BuildWebApi(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                        const SendContext& ctx, bool in_thread) {
  json body = Payload(message, incident, ctx);
  body["channel"] = Setting(channel, "channel");
  if (in_thread && !ctx.thread_ts.empty()) body["thread_ts"] = ctx.thread_ts;
  std::string api = Setting(channel, "api_url", "https://slack.com/api");
  while (!api.empty() && api.back() == '/') api.pop_back();
  return HttpRequest{api + "/chat.postMessage",
                     {{"Content-Type", "application/json; charset=utf-8"}, {"Authorization", "Bearer " + Setting(channel, "token")}},
                     Dump(body)};
}

core::AttemptOutcome ClassifyWebApi(const HttpAnswer& answer) {
  using Kind = core::AttemptOutcome::Kind;
  core::AttemptOutcome out = ClassifyHttp(answer);
  if (out.kind != Kind::kDelivered) return out;
  // The Web API answers 200 even for errors; the body says. An answer that
  // cannot be read (cut at the bound, a proxy's page, not Slack's shape) came
  // with a 2xx: Slack took the request and has most likely posted it. Sending
  // it again would post it again, as a new top-level message, so it counts
  // as delivered, without a ts: later updates are then not threaded.
  json body = answer.body_truncated ? json() : json::parse(answer.body, nullptr, false);
  auto ok = body.is_object() ? body.find("ok") : body.end();
  if (!body.is_object() || ok == body.end() || !ok->is_boolean()) {
    std::string why = answer.body_truncated ? "longer than " + std::to_string(kMaxAnswerBytes) + " bytes"
                      : !body.is_object()   ? "not a JSON object"
                                            : "no boolean \"ok\"";
    return {Kind::kDelivered, std::nullopt,
            "HTTP " + std::to_string(answer.status) + " but Slack's answer could not be read (" + why +
                "): counted as delivered, not sent again; no thread ts, so later updates are not threaded",
            ""};
  }
  if (ok->get<bool>()) {
    std::string ts = StringMember(body, "ts");
    if (ts.empty()) return {Kind::kDelivered, std::nullopt, "ok, but no ts in Slack's answer: later updates are not threaded", ""};
    return {Kind::kDelivered, std::nullopt, "ok", ts};
  }
  std::string error = StringMember(body, "error", "unknown_error");
  bool transient = error == "ratelimited" || error == "rate_limited" || error == "internal_error" ||
                   error == "fatal_error" || error == "service_unavailable" || error == "request_timeout";
  return {transient ? Kind::kRetry : Kind::kPermanent, answer.retry_after, "Slack error: " + error, ""};
}

}  // namespace tocsin::notify::slack
