#include "api/v2/notifications_api.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "api/v2/errors.hpp"
#include "notify/notifier.hpp"

namespace tocsin::api::v2 {
namespace {

using nlohmann::json;

http::Response Json(int status, const json& body) {
  return http::Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json DeliveryJson(const core::Delivery& d) {
  return json{{"id", std::to_string(d.id)},
              {"type", "notifications"},
              {"attributes",
               {{"channel", d.channel},
                {"kind", d.kind},
                {"reason", d.reason},
                {"state", std::string(core::DeliveryStateName(d.state))},
                {"attempts", d.attempts},
                {"created", FormatRfc3339(d.created)},
                {"next_attempt_at", FormatRfc3339(d.next_attempt_at)},
                {"delivered_at", d.delivered_at ? json(FormatRfc3339(*d.delivered_at)) : json(nullptr)},
                {"last_error", d.last_error},
                {"idempotency_key", d.IdempotencyKey()},
                // A notice (about no incident, e.g. the weekly review): its unique key.
                {"notice_key", d.notice_key.empty() ? json(nullptr) : json(d.notice_key)},
                // A page to a person through one of their contact methods (never its secret).
                {"recipient", d.to.empty() ? json(nullptr) : json(d.to.user)},
                {"contact_method", d.to.empty() ? json(nullptr)
                                                : json{{"position", d.to.method},
                                                       {"type", d.to.type},
                                                       {"address", d.to.address.empty() ? json(nullptr) : json(d.to.address)}}}}},
              {"relationships",
               {{"incident",
                 {{"data", d.incident_id.empty() ? json(nullptr) : json{{"type", "incidents"}, {"id", d.incident_id}}}}}}}};
}

}  // namespace

http::Response ListNotifications(const ApiContext& ctx, const http::Request& req) {
  core::DeliveryFilter f;
  if (auto s = req.Query("filter[state]")) {
    f.state = core::ParseDeliveryStateName(*s);
    if (!f.state) {
      return ErrorResponse(400, "filter[state]: unknown state '" + *s + "' (allowed: queued, sending, delivered, failed, gave_up, cancelled)");
    }
  }
  if (auto c = req.Query("filter[channel]")) f.channel = *c;
  if (auto i = req.Query("filter[incident]")) f.incident_id = *i;
  for (auto [name, target, min, max] : {std::tuple{"page[size]", &f.limit, 1L, 1000L},
                                        std::tuple{"page[offset]", &f.offset, 0L, 1L << 31}}) {
    auto v = req.Query(name);
    if (!v) continue;
    long n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size() || n < min || n > max) {
      return ErrorResponse(400, std::string(name) + ": must be an integer between " + std::to_string(min) + " and " +
                                    std::to_string(max) + ", got '" + *v + "'");
    }
    *target = n;
  }
  auto list = ctx.store->ListDeliveries(f);
  if (!list) return ErrorResponse(list.error());
  json data = json::array();
  for (const auto& d : *list) data.push_back(DeliveryJson(d));
  return Json(200, {{"data", data},
                    {"meta", {{"pagination", {{"offset", f.offset}, {"size", data.size()},
                                              {"next_offset", f.offset + static_cast<std::int64_t>(data.size())}}}}}});
}

http::Response ListChannels(const ApiContext& ctx) {
  json data = json::array();
  for (const auto& c : ctx.config->channels) {
    json keys = json::array();
    for (const auto& [k, v] : c.settings) keys.push_back(k);
    data.push_back({{"id", c.name}, {"type", "channels"}, {"attributes", {{"name", c.name}, {"channel_type", c.type}, {"settings", keys}}}});
  }
  return Json(200, {{"data", data}});
}

http::Response TestChannel(const ApiContext& ctx, const std::string& name) {
  const core::Channel* channel = nullptr;
  for (const auto& c : ctx.config->channels) {
    if (c.name == name) channel = &c;
  }
  if (!channel) return ErrorResponse(404, "channel '" + name + "' is not configured");
  core::Delivery d;
  d.kind = "test";
  d.channel = name;
  d.created = d.next_attempt_at = ctx.clock->Now();
  notify::SendContext sc;
  sc.config = ctx.config.get();
  sc.public_url = ctx.config->server.public_url;
  core::AttemptOutcome outcome = notify::Send(*channel, d, nullptr, sc);
  const char* kind = outcome.kind == core::AttemptOutcome::Kind::kDelivered ? "delivered"
                     : outcome.kind == core::AttemptOutcome::Kind::kRetry   ? "transient_failure"
                                                                            : "permanent_failure";
  bool ok = outcome.kind == core::AttemptOutcome::Kind::kDelivered;
  return Json(ok ? 200 : 502, {{"data", {{"id", name}, {"type", "channel_tests"},
                                         {"attributes", {{"channel", name}, {"delivered", ok}, {"outcome", kind},
                                                         {"detail", outcome.detail}}}}}});
}

}  // namespace tocsin::api::v2
