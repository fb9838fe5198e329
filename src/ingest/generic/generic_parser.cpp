// Tocsin's generic JSON format (docs/ingest.md), for senders that are neither
// Datadog nor Prometheus: one alert object, or {"alerts": [...]} for a batch.
// It names Tocsin's own alert fields directly, so the mapping is one to one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.hpp"
#include "core/alert/alert.hpp"
#include "ingest/ingest.hpp"
#include "ingest/json_util.hpp"

namespace tocsin::ingest {
namespace {

using core::Alert;
using core::AlertState;

// Scope and tags accept the shapes people naturally write: {"k": "v"},
// ["k:v", ...] (tags only) or "k:v,k2:v2".
Result<std::vector<std::string>> ReadPairs(const Json& obj, std::string_view key, std::string_view path,
                                           bool allow_array) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  std::string member_path = MemberPath(path, key);
  if (it->is_string()) return SplitCommaList(it->get_ref<const std::string&>());
  if (it->is_object()) {
    auto map = ReadStringMap(*it, member_path);
    if (!map) return tl::unexpected(map.error());
    for (auto& [k, v] : *map) out.push_back(k + ":" + v);
    return out;
  }
  if (allow_array && it->is_array()) {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      if (!item.is_string()) {
        return FieldError(ElementPath(member_path, i),
                          std::string("expected a \"key:value\" string, got ") + std::string(JsonTypeName(item)));
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  return FieldError(member_path, std::string("expected ") + (allow_array ? "an array of \"key:value\" strings, " : "") +
                                     "an object or a \"key:value,...\" string, got " + std::string(JsonTypeName(*it)));
}

Result<Alert> ParseOne(const Json& obj, const std::string& path, TimePoint received_at) {
  if (!obj.is_object()) {
    return FieldError(path, std::string("expected an alert object, got ") + std::string(JsonTypeName(obj)));
  }
  Alert alert;
  alert.source = "generic";
  alert.received_at = received_at;

  TextMembers text(obj, path);
  alert.monitor_name = text("monitor");
  alert.monitor_id = text("monitor_id");
  std::string state = text("state");
  alert.title = text("title");
  alert.message = text("message");
  alert.value = text("value");
  alert.link = text("link");
  alert.runbook = text("runbook");
  alert.priority = text("priority");
  std::string id = text("id");
  if (text.error()) return tl::unexpected(*text.error());

  if (alert.monitor_name.empty()) return FieldError(MemberPath(path, "monitor"), "is required");
  if (!state.empty()) {
    auto parsed = core::ParseAlertStateName(ToLower(state));
    if (!parsed) {
      return FieldError(MemberPath(path, "state"),
                        "unknown state " + QuoteForMessage(state) + " (expected alert, warn, no_data or ok)");
    }
    alert.state = *parsed;
  }

  auto scope = ReadPairs(obj, "scope", path, /*allow_array=*/false);
  if (!scope) return tl::unexpected(scope.error());
  auto tags = ReadPairs(obj, "tags", path, /*allow_array=*/true);
  if (!tags) return tl::unexpected(tags.error());
  alert.scope = core::CanonicalScope(*scope);
  // The group's scope pairs are tags of the alert too, as for every source.
  alert.tags = std::move(*tags);
  alert.tags.insert(alert.tags.end(), scope->begin(), scope->end());
  core::NormalizeTags(alert.tags);

  if (alert.title.empty()) alert.title = alert.monitor_name;
  if (alert.runbook.empty()) alert.runbook = FindRunbookUrl(alert.message);

  auto started_at = ReadRfc3339(obj, "started_at", path, received_at);
  if (!started_at) return tl::unexpected(started_at.error());
  auto ended_at = ReadRfc3339(obj, "ended_at", path, received_at);
  if (!ended_at) return tl::unexpected(ended_at.error());
  alert.started_at = *started_at;
  alert.ended_at = *ended_at;

  // Without an id, an alert that says when it started is still recognisable
  // when resent; one that says neither is a new delivery every time, since
  // it cannot be told apart from a genuine re-trigger.
  if (!id.empty()) {
    alert.delivery_key = id;
  } else if (alert.started_at) {
    alert.delivery_key =
        Sha256Hex(alert.monitor_name + '\x1f' + alert.scope + '\x1f' + std::string(core::AlertStateName(alert.state)) +
                  '\x1f' + FormatRfc3339(*alert.started_at))
            .substr(0, 32);
  }
  return alert;
}

}  // namespace

Result<std::vector<core::Alert>> ParseGeneric(std::string_view body, TimePoint received_at, const ParseLimits& limits) {
  return NoThrow([&]() -> Result<std::vector<core::Alert>> {
    auto json = ParseJsonBody(body);
    if (!json) return tl::unexpected(json.error());
    if (!json->is_object()) {
      std::string hint = json->is_array() ? "; send a batch as {\"alerts\": [...]}" : "";
      return InvalidArgument("not a generic alert payload: expected a JSON object, got " +
                             std::string(JsonTypeName(*json)) + hint);
    }
    // Payloads meant for another endpoint would otherwise fail on "monitor"
    // or "alerts[0].monitor", which hides the actual mistake.
    if (!json->contains("monitor")) {
      if (json->contains("groupKey") || json->contains("receiver")) {
        return InvalidArgument(
            "not a generic alert payload: this looks like an Alertmanager webhook, which belongs at "
            "/api/integrations/alertmanager");
      }
      if (json->contains("transition") || (json->contains("title") && json->contains("event_type"))) {
        return InvalidArgument(
            "not a generic alert payload: this looks like a Datadog webhook, which belongs at "
            "/api/integrations/datadog");
      }
    }
    std::vector<core::Alert> out;
    if (!json->contains("alerts")) {
      auto alert = ParseOne(*json, "", received_at);
      if (!alert) return tl::unexpected(alert.error());
      out.push_back(std::move(*alert));
      return out;
    }
    if (json->contains("monitor")) {
      return FieldError("alerts", "a batch cannot also be an alert: give either \"alerts\" or \"monitor\"");
    }
    auto alerts = ReadArray(*json, "alerts", "");
    if (!alerts) return tl::unexpected(alerts.error());
    if (*alerts == nullptr) return FieldError("alerts", "expected an array, got null");
    auto count = CheckAlertCount((*alerts)->size(), limits, "alerts");
    if (!count) return tl::unexpected(count.error());
    out.reserve((*alerts)->size());
    for (std::size_t i = 0; i < (*alerts)->size(); ++i) {
      auto alert = ParseOne((**alerts)[i], ElementPath("alerts", i), received_at);
      if (!alert) return tl::unexpected(alert.error());
      out.push_back(std::move(*alert));
    }
    return out;
  });
}

}  // namespace tocsin::ingest
