#include "api/v2/alerts_api.hpp"

#include <algorithm>
#include <charconv>
#include <memory>

#include "api/v2/errors.hpp"
#include "api/v2/incident_json.hpp"
#include "common/json_writer.hpp"
#include "common/random.hpp"
#include "common/server_metrics.hpp"
#include "common/time.hpp"

namespace tocsin::api::v2 {
namespace {

// One alert as a JSON:API resource, members in name order (the order the
// nlohmann rendering this replaced had).
void WriteAlert(JsonWriter& w, const core::AlertRecord& r) {
  const core::Alert& a = r.alert;
  w.BeginObject();
  w.Key("attributes");
  w.BeginObject();
  w.Member("decision", r.decision);
  w.Member("detail", r.detail);
  w.Member("duplicate", r.duplicate);
  PutOptTime(w, "ended_at", a.ended_at);
  w.Member("fingerprint", r.fingerprint);
  w.Member("link", a.link);
  w.Member("message", a.message);
  w.Member("monitor_id", a.monitor_id);
  w.Member("monitor_name", a.monitor_name);
  w.Member("priority", a.priority);
  PutOptTime(w, "received_at", a.received_at);
  w.Member("runbook", a.runbook);
  w.Member("scope", a.scope);
  w.Member("source", a.source);
  PutOptTime(w, "started_at", a.started_at);
  w.Member("state", core::AlertStateName(a.state));
  w.Key("tags");
  w.BeginArray();
  for (const auto& t : a.tags) w.String(t);
  w.EndArray();
  w.Member("title", a.title);
  w.Member("value", a.value);
  w.EndObject();
  w.Key("id");
  w.StringWith([&](std::string& out) { out += std::to_string(r.seq); });
  w.Key("relationships");
  w.BeginObject();
  w.Key("incident");
  w.BeginObject();
  w.Key("data");
  if (r.incident_id.empty()) {
    w.Null();
  } else {
    w.BeginObject();
    w.Member("id", r.incident_id);
    w.Member("type", "incidents");
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  w.Member("type", "alerts");
  w.EndObject();
}

// {"data":[alerts...]} plus, for listings, the pagination meta.
std::string AlertsDocument(const std::vector<core::AlertRecord>& records, const std::int64_t* offset) {
  std::string out;
  out.reserve(128 + records.size() * 640);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("data");
  w.BeginArray();
  for (const auto& r : records) WriteAlert(w, r);
  w.EndArray();
  if (offset) {
    auto size = static_cast<std::int64_t>(records.size());
    w.Key("meta");
    w.BeginObject();
    w.Key("pagination");
    w.BeginObject();
    w.Member("next_offset", *offset + size);
    w.Member("offset", *offset);
    w.Member("size", size);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  return out;
}

// The ingestion key: "Authorization: Bearer KEY", "DD-API-KEY: KEY" or "?token=KEY".
std::optional<std::string> IngestToken(const http::Request& req) {
  if (const auto* auth = req.Header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() > kBearer.size() && std::equal(kBearer.begin(), kBearer.end(), auth->begin(),
                                                    [](char a, char b) {
                                                      // ASCII only: std::tolower on a plain char is undefined
                                                      // for the bytes >= 0x80 a header may carry.
                                                      auto lower = [](char c) {
                                                        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
                                                      };
                                                      return lower(a) == lower(b);
                                                    })) {
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
    std::string fingerprint = ev.fingerprint;
    std::string group_key = ev.group_key;
    core::PlanContext ctx{&config, now, new_id(), directory.get()};
    core::Alert copy = a;
    work.push_back({std::move(a), std::move(fingerprint), std::move(group_key),
                    [ev = std::move(ev), alert = std::move(copy), ctx, directory](const core::GroupState& g) {
                      return core::Decide(ev, alert, g, ctx);
                    }});
  }
  return work;
}

AlertsApi::AlertsApi(const ApiContext& ctx) : ctx_(ctx) {}

std::shared_ptr<const core::RuleIndex> AlertsApi::RulesFor(const std::shared_ptr<const core::Config>& config) {
  std::lock_guard lock(rules_mu_);
  if (rules_config_ != config) {
    rules_ = std::make_shared<const core::RuleIndex>(config->rules, config->severities);
    rules_config_ = config;
  }
  return rules_;
}

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
  std::shared_ptr<const core::Config> config = ctx_.config.shared();
  auto rules = RulesFor(config);
  auto work = PlanAlerts(std::move(*alerts), *rules, *config, now, ctx_.new_id,
                         ctx_.directory ? ctx_.directory() : nullptr);
  // Of each incident an alert opens: its severity, for the metrics, and
  // whether its first escalation tier is due at once (the last decision
  // taken is the one committed).
  struct Opened {
    std::string severity;
    bool tier_due = false;
  };
  auto opened = std::make_shared<std::vector<Opened>>(work.size());
  for (std::size_t k = 0; k < work.size(); ++k) {
    work[k].decide = [decide = std::move(work[k].decide), opened, k](const core::GroupState& g) {
      core::AlertPlan plan = decide(g);
      Opened o;
      if (plan.create) {
        const core::Incident& i = *plan.create;
        o.severity = i.severity;
        o.tier_due = !i.escalation_team.empty() && i.escalation_next_due && *i.escalation_next_due <= i.created;
      }
      (*opened)[k] = std::move(o);
      return plan;
    };
  }
  auto records = ctx_.store->IngestAlerts(std::move(work));
  if (!records) return ErrorResponse(records.error());
  std::vector<std::string> tier_due;  // opened incidents whose first tier pages now
  bool queued = false;
  for (std::size_t k = 0; k < records->size(); ++k) {
    const core::AlertRecord& r = (*records)[k];
    server_metrics::AlertReceived(source, r.duplicate ? "duplicate" : r.decision);
    queued = queued || r.queued > 0;
    if (r.duplicate || r.decision != "opened" || k >= opened->size()) continue;
    server_metrics::IncidentOpened((*opened)[k].severity, "alert");
    if ((*opened)[k].tier_due && !r.incident_id.empty()) tier_due.push_back(r.incident_id);
  }
  // The outbox sleeps until something is due: wake it for new deliveries.
  // An incident whose first tier is due now goes to the engine at once (a
  // step over those incidents alone); the rest of an opened incident's work
  // (reminders, later tiers) falls due later, at the engine's own steps.
  if (queued && ctx_.wake_outbox) ctx_.wake_outbox();
  if (!tier_due.empty()) {
    if (ctx_.incidents_opened) {
      ctx_.incidents_opened(std::move(tier_due));
    } else if (ctx_.wake_outbox) {
      ctx_.wake_outbox();  // no fast path (workers elsewhere): at least nudge the engine
    }
  }
  return http::Response::Json(200, AlertsDocument(*records, nullptr));
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
  return http::Response::Json(200, AlertsDocument(*records, &f.offset));
}

}  // namespace tocsin::api::v2
