#include "notify/slack/slack.hpp"

#include <nlohmann/json.hpp>

#include "notify/message.hpp"

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

json Payload(const std::string& message, const core::Incident* incident, const SendContext& ctx) {
  json blocks = json::array();
  std::string color = "#757575";
  if (incident) {
    std::string url = IncidentUrl(ctx.public_url, *incident);
    color = SeverityColor(incident->severity, ctx.config);
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", "*<" + url + "|" + IncidentLabel(*incident) + ": " + incident->title + ">*\n" + message}}}});
    std::string facts = "*Severity:* " + incident->severity + "  *State:* " + std::string(core::StateName(incident->state)) +
                        "  *Commander:* " + (incident->commander ? "@" + incident->commander->handle : "unassigned");
    blocks.push_back({{"type", "context"}, {"elements", json::array({{{"type", "mrkdwn"}, {"text", facts}}})}});
    // Absolute URLs become links; a relative one (the seed's "/dashboard/...",
    // which lives in the monitoring tool) is shown as text.
    auto link = [](const std::string& target, const char* label) {
      bool absolute = target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0;
      return absolute ? "<" + target + "|" + label + ">" : std::string(label) + ": `" + target + "`";
    };
    std::string links;
    if (auto rb = FieldText(*incident, "runbook"); !rb.empty()) links += link(rb, "Runbook");
    if (auto db = FieldText(*incident, "dashboard"); !db.empty()) links += std::string(links.empty() ? "" : " · ") + link(db, "Dashboard");
    if (!links.empty()) blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", links}}}});
  } else {
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", message}}}});
  }
  return json{{"text", message}, {"attachments", json::array({{{"color", color}, {"fallback", message}, {"blocks", blocks}}})}};
}

}  // namespace

HttpRequest BuildWebhook(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                         const SendContext& ctx) {
  return HttpRequest{Setting(channel, "url"), {{"Content-Type", "application/json"}}, Payload(message, incident, ctx).dump()};
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
                     body.dump()};
}

core::AttemptOutcome ClassifyWebApi(const HttpAnswer& answer) {
  core::AttemptOutcome out = ClassifyHttp(answer);
  if (out.kind != core::AttemptOutcome::Kind::kDelivered) return out;
  // The Web API answers 200 even for errors; the body says.
  json body = json::parse(answer.body, nullptr, false);
  if (!body.is_object()) return {core::AttemptOutcome::Kind::kRetry, std::nullopt, "Slack answered a non-JSON body", ""};
  if (body.value("ok", false)) return {core::AttemptOutcome::Kind::kDelivered, std::nullopt, "ok", body.value("ts", "")};
  std::string error = body.value("error", "unknown_error");
  bool transient = error == "ratelimited" || error == "rate_limited" || error == "internal_error" ||
                   error == "fatal_error" || error == "service_unavailable" || error == "request_timeout";
  return {transient ? core::AttemptOutcome::Kind::kRetry : core::AttemptOutcome::Kind::kPermanent, answer.retry_after,
          "Slack error: " + error, ""};
}

}  // namespace tocsin::notify::slack
