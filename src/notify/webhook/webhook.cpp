#include "notify/webhook/webhook.hpp"

#include <nlohmann/json.hpp>

#include "common/random.hpp"
#include "notify/message.hpp"

namespace tocsin::notify::webhook {

using nlohmann::json;

namespace {

json IncidentJson(const core::Incident& i, const SendContext& ctx, const std::string& message) {
  json fields{{"state", std::string(core::StateName(i.state))}, {"severity", i.severity}};
  for (const auto& [name, v] : i.fields) {
    if (v.Values().empty()) continue;  // unset (a template field nobody filled in yet)
    fields[name] = v.is_list ? (v.list ? json(*v.list) : json(nullptr)) : (v.text ? json(*v.text) : json(nullptr));
  }
  json commander = nullptr;
  if (i.commander) {
    const core::User* u = ctx.config ? ctx.config->FindUser(i.commander->handle) : nullptr;
    commander = {{"handle", i.commander->handle},
                 {"uuid", i.commander->user_uuid},
                 {"name", u ? u->name : i.commander->handle},
                 {"email", u ? u->email : ""}};
  }
  std::int64_t impact = 0;
  if (i.customer_impact_start && i.customer_impact_end) {
    impact = std::chrono::duration_cast<std::chrono::seconds>(*i.customer_impact_end - *i.customer_impact_start).count();
  }
  return json{{"public_id", i.public_id},
              {"uuid", i.id},
              {"title", i.title},
              {"url", IncidentUrl(ctx.public_url, i)},
              {"severity", i.severity},
              {"status", std::string(core::StateName(i.state))},
              {"msg", message},
              {"fields", fields},
              {"commander", commander},
              {"customer_impact",
               {{"customer_impacted", i.customer_impacted},
                {"customer_impact_duration", impact},
                {"customer_impact_scope", i.customer_impact_scope ? json(*i.customer_impact_scope) : json(nullptr)}}},
              {"attachments", json::array()},
              {"integrations", json::array()},
              {"todos", json::array()}};
}

}  // namespace

HttpRequest Build(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                  const core::Delivery& delivery, const SendContext& ctx) {
  json body{{"event", delivery.kind}, {"message", message}, {"incident", incident ? IncidentJson(*incident, ctx, message) : json(nullptr)}};
  // A notice whose message is JSON (the weekly review, a budget notice) goes
  // as data under "notice", its reason as the message.
  if (!delivery.notice_key.empty()) {
    json data = json::parse(message, nullptr, false);
    if (!data.is_discarded() && data.is_object()) {
      body["message"] = delivery.reason;
      body["notice"] = {{"key", delivery.notice_key}, {"data", std::move(data)}};
    }
  }
  // Ill-formed UTF-8 (from a template, say) becomes U+FFFD instead of throwing.
  HttpRequest req{Setting(channel, "url"), {{"Content-Type", "application/json"}},
                  body.dump(-1, ' ', false, json::error_handler_t::replace)};
  req.headers.emplace_back("Idempotency-Key", delivery.IdempotencyKey());
  req.headers.emplace_back("X-Tocsin-Event", delivery.kind);
  std::string secret = Setting(channel, "secret");
  if (!secret.empty()) req.headers.emplace_back("X-Tocsin-Signature", "sha256=" + HmacSha256Hex(secret, req.body));
  std::string custom = Setting(channel, "headers");
  std::size_t start = 0;
  while (start < custom.size()) {
    std::size_t end = custom.find(';', start);
    if (end == std::string::npos) end = custom.size();
    std::string pair = custom.substr(start, end - start);
    auto colon = pair.find(':');
    if (colon != std::string::npos) {
      auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(' '));
        s.erase(s.find_last_not_of(' ') + 1);
        return s;
      };
      req.headers.emplace_back(trim(pair.substr(0, colon)), trim(pair.substr(colon + 1)));
    }
    start = end + 1;
  }
  return req;
}

}  // namespace tocsin::notify::webhook
