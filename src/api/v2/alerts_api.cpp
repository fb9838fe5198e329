#include "api/v2/alerts_api.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "api/v2/errors.hpp"
#include "common/random.hpp"

namespace tocsin::api::v2 {
namespace {

using nlohmann::json;

json OptTime(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json AlertJson(const core::AlertRecord& r) {
  const core::Alert& a = r.alert;
  json incident = r.incident_id.empty() ? json{{"data", nullptr}}
                                        : json{{"data", {{"type", "incidents"}, {"id", r.incident_id}}}};
  return json{{"id", std::to_string(r.seq)},
              {"type", "alerts"},
              {"attributes",
               {{"source", a.source},
                {"monitor_name", a.monitor_name},
                {"monitor_id", a.monitor_id},
                {"scope", a.scope},
                {"state", std::string(core::AlertStateName(a.state))},
                {"tags", a.tags},
                {"title", a.title},
                {"message", a.message},
                {"value", a.value},
                {"link", a.link},
                {"runbook", a.runbook},
                {"priority", a.priority},
                {"started_at", OptTime(a.started_at)},
                {"ended_at", OptTime(a.ended_at)},
                {"received_at", FormatRfc3339(a.received_at)},
                {"fingerprint", r.fingerprint},
                {"decision", r.decision},
                {"detail", r.detail},
                {"duplicate", r.duplicate}}},
              {"relationships", {{"incident", incident}}}};
}

// The ingestion key: "Authorization: Bearer KEY", "DD-API-KEY: KEY" or "?token=KEY".
std::optional<std::string> IngestToken(const http::Request& req) {
  if (const auto* auth = req.Header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() > kBearer.size() && std::equal(kBearer.begin(), kBearer.end(), auth->begin(),
                                                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return auth->substr(kBearer.size());
    }
  }
  if (const auto* key = req.Header("dd-api-key")) return *key;
  if (auto token = req.Query("token")) return *token;
  return std::nullopt;
}

}  // namespace

Result<std::vector<core::Alert>> ParseAlerts(const std::string& source, std::string_view body, TimePoint now) {
  if (source == "datadog") return ingest::ParseDatadog(body, now);
  if (source == "alertmanager") return ingest::ParseAlertmanagerWebhook(body, now);
  if (source == "prometheus") return ingest::ParsePrometheusAlerts(body, now);
  if (source == "generic") return ingest::ParseGeneric(body, now);
  return InvalidArgument("unknown alert source '" + source + "'");
}

std::vector<core::AlertWork> PlanAlerts(std::vector<core::Alert> alerts, const core::RuleIndex& rules,
                                        const core::Config& config, TimePoint now,
                                        const std::function<std::string()>& new_id,
                                        std::shared_ptr<const core::escalation::Directory> directory) {
  std::vector<core::AlertWork> work;
  work.reserve(alerts.size());
  for (auto& a : alerts) {
    core::Evaluation ev = core::Evaluate(rules, a);
    std::string group_key = ev.group_key;
    core::PlanContext ctx{&config, now, new_id(), directory.get()};
    core::Alert copy = a;
    work.push_back({std::move(a), std::move(group_key),
                    [ev = std::move(ev), alert = std::move(copy), ctx, directory](const core::GroupState& g) {
                      return core::Decide(ev, alert, g, ctx);
                    }});
  }
  return work;
}

AlertsApi::AlertsApi(const ApiContext& ctx) : ctx_(ctx), rules_(ctx.config->rules, ctx.config->severities) {}

http::Response AlertsApi::Ingest(const http::Request& req, const std::string& source) {
  if (req.method != "POST") {
    auto r = ErrorResponse(405, "Method not allowed");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  auto token = IngestToken(req);
  if (!token || token->empty()) return ErrorResponse(401, "Unauthorized");
  auto key = ctx_.store->FindKeyByApiHash(Sha256Hex(*token));
  if (!key) return ErrorResponse(key.error());
  if (!*key || (*key)->kind != "ingest") return ErrorResponse(403, "Forbidden");
  TimePoint now = ctx_.clock->Now();
  auto alerts = ParseAlerts(source, req.body, now);
  if (!alerts) return ErrorResponse(alerts.error());
  auto records = ctx_.store->IngestAlerts(PlanAlerts(std::move(*alerts), rules_, *ctx_.config, now, ctx_.new_id,
                                                    ctx_.directory ? ctx_.directory() : nullptr));
  if (!records) return ErrorResponse(records.error());
  if (ctx_.wake_outbox) ctx_.wake_outbox();
  json data = json::array();
  for (const auto& r : *records) data.push_back(AlertJson(r));
  return http::Response::Json(200, json{{"data", data}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

http::Response AlertsApi::List(const http::Request& req) {
  core::AlertFilter f;
  if (auto s = req.Query("filter[state]")) {
    f.state = core::ParseAlertStateName(*s);
    if (!f.state) return ErrorResponse(400, "filter[state]: unknown state '" + *s + "' (allowed: alert, warn, no_data, ok)");
  }
  if (auto m = req.Query("filter[monitor]")) f.monitor = *m;
  if (auto t = req.Query("filter[tag]")) f.tag = *t;
  for (auto [name, target, max] : {std::tuple{"page[size]", &f.limit, std::int64_t{1000}},
                                   std::tuple{"page[offset]", &f.offset, std::int64_t{1} << 31}}) {
    auto v = req.Query(name);
    if (!v) continue;
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    bool is_size = std::string_view(name) == "page[size]";
    if (ec != std::errc() || ptr != v->data() + v->size() || n < (is_size ? 1 : 0) || n > max) {
      return ErrorResponse(400, std::string(name) + ": must be an integer between " + (is_size ? "1" : "0") +
                                    " and " + std::to_string(max) + ", got '" + *v + "'");
    }
    *target = n;
  }
  auto records = ctx_.store->ListAlerts(f);
  if (!records) return ErrorResponse(records.error());
  json data = json::array();
  for (const auto& r : *records) data.push_back(AlertJson(r));
  json meta{{"pagination", {{"offset", f.offset}, {"size", data.size()}, {"next_offset", f.offset + static_cast<std::int64_t>(data.size())}}}};
  return http::Response::Json(200, json{{"data", data}, {"meta", meta}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace tocsin::api::v2
