// Prometheus alerts, in the two shapes they travel in:
// - Alertmanager's webhook receiver payload, version 4 (a group of alerts,
//   each with its status and fingerprint);
// - Prometheus' own push to an Alertmanager, API v2 POST /api/v2/alerts (a
//   JSON array of postable alerts, with no status: an alert whose endsAt has
//   passed is resolved).
// One alert's labels identify it: alertname is the monitor, the other labels
// are its group scope.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/random.hpp"
#include "core/alert/alert.hpp"
#include "ingest/ingest.hpp"
#include "ingest/json_util.hpp"

namespace tocsin::ingest {
namespace {

using core::Alert;
using core::AlertState;

enum class Shape { kWebhook, kPush };

using LabelMap = std::vector<std::pair<std::string, std::string>>;

const std::string* Find(const LabelMap& map, std::string_view key) {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string FirstOf(const LabelMap& map, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (const std::string* v = Find(map, key)) return *v;
  }
  return {};
}

// Stands in for Alertmanager's fingerprint where the sender gives none (a
// Prometheus push): the same label set always gives the same digest.
std::string LabelDigest(const LabelMap& labels) {
  std::string text;
  for (const auto& [k, v] : labels) {  // already in key order
    text += k;
    text.push_back('\x1f');
    text += v;
    text.push_back('\x1e');
  }
  return Sha256Hex(text).substr(0, 16);
}

// Alerting rules conventionally say how urgent they are in a severity label;
// a warning is Tocsin's warn state, anything else firing is an alert.
AlertState FiringState(const LabelMap& labels) {
  if (const std::string* severity = Find(labels, "severity")) {
    std::string lower = ToLower(*severity);
    if (lower == "warning" || lower == "warn") return AlertState::kWarn;
  }
  return AlertState::kAlert;
}

Result<Alert> ParseOne(const Json& a, const std::string& path, Shape shape, std::string_view group_status,
                       TimePoint received_at) {
  if (!a.is_object()) {
    return FieldError(path, std::string("expected an alert object, got ") + std::string(JsonTypeName(a)));
  }
  Alert alert;
  alert.source = shape == Shape::kWebhook ? "alertmanager" : "prometheus";
  alert.received_at = received_at;

  auto labels_json = ReadObject(a, "labels", path);
  if (!labels_json) return tl::unexpected(labels_json.error());
  if (*labels_json == nullptr) return FieldError(MemberPath(path, "labels"), "is required");
  auto labels = ReadStringMap(**labels_json, MemberPath(path, "labels"));
  if (!labels) return tl::unexpected(labels.error());
  LabelMap annotations;
  auto annotations_json = ReadObject(a, "annotations", path);
  if (!annotations_json) return tl::unexpected(annotations_json.error());
  if (*annotations_json != nullptr) {
    auto read = ReadStringMap(**annotations_json, MemberPath(path, "annotations"));
    if (!read) return tl::unexpected(read.error());
    annotations = std::move(*read);
  }

  const std::string* alertname = Find(*labels, "alertname");
  if (alertname == nullptr) return FieldError(MemberPath(MemberPath(path, "labels"), "alertname"), "is required");
  alert.monitor_name = *alertname;

  std::vector<std::string> scope_pairs;
  for (const auto& [k, v] : *labels) {
    std::string pair = k + ":" + v;
    if (k != "alertname") scope_pairs.push_back(pair);
    alert.tags.push_back(std::move(pair));
  }
  alert.scope = core::CanonicalScope(std::move(scope_pairs));
  core::NormalizeTags(alert.tags);

  auto starts_at = ReadRfc3339(a, "startsAt", path, received_at, /*go_zero_is_unset=*/true);
  if (!starts_at) return tl::unexpected(starts_at.error());
  auto ends_at = ReadRfc3339(a, "endsAt", path, received_at, /*go_zero_is_unset=*/true);
  if (!ends_at) return tl::unexpected(ends_at.error());
  alert.started_at = *starts_at;

  bool resolved = false;
  std::string fingerprint;
  if (shape == Shape::kWebhook) {
    auto status = ReadNonEmptyText(a, "status", path);
    if (!status) return tl::unexpected(status.error());
    std::string status_text = ToLower(Trim(status->value_or(std::string(group_status))));
    if (status_text.empty()) return FieldError(MemberPath(path, "status"), "is required (firing or resolved)");
    if (status_text != "firing" && status_text != "resolved") {
      return FieldError(MemberPath(path, "status"),
                        "unknown status " + QuoteForMessage(status_text) + " (expected firing or resolved)");
    }
    resolved = status_text == "resolved";
    auto fp = ReadNonEmptyText(a, "fingerprint", path);
    if (!fp) return tl::unexpected(fp.error());
    fingerprint = fp->value_or(std::string());
  } else {
    // Prometheus keeps pushing a firing alert with endsAt a few minutes ahead
    // and, once it resolves, pushes it with endsAt at the resolution time.
    resolved = *ends_at && **ends_at <= received_at;
  }
  if (fingerprint.empty()) fingerprint = LabelDigest(*labels);
  alert.state = resolved ? AlertState::kOk : FiringState(*labels);
  if (resolved) alert.ended_at = *ends_at;

  alert.title = FirstOf(annotations, {"summary", "title"});
  if (alert.title.empty()) alert.title = alert.monitor_name;
  alert.message = FirstOf(annotations, {"description", "message"});
  alert.value = FirstOf(annotations, {"value"});
  alert.runbook = FirstOf(annotations, {"runbook_url", "runbook"});
  if (alert.runbook.empty()) alert.runbook = FindRunbookUrl(alert.message);
  alert.priority = FirstOf(*labels, {"priority"});
  auto link = ReadNonEmptyText(a, "generatorURL", path);
  if (!link) return tl::unexpected(link.error());
  alert.link = link->value_or(std::string());

  // Alertmanager resends a group's alerts on every group_interval and
  // Prometheus re-pushes firing alerts every minute: the same alert in the
  // same status since the same start is one delivery.
  alert.delivery_key = fingerprint + "|" + (resolved ? "resolved" : "firing") + "|" +
                       (alert.started_at ? FormatRfc3339(*alert.started_at) : std::string());
  return alert;
}

Result<std::vector<Alert>> ParseAll(const Json& alerts, const std::string& path, Shape shape,
                                    std::string_view group_status, TimePoint received_at, const ParseLimits& limits) {
  auto count = CheckAlertCount(alerts.size(), limits, path.empty() ? "alerts" : path);
  if (!count) return tl::unexpected(count.error());
  std::vector<Alert> out;
  out.reserve(alerts.size());
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    auto alert = ParseOne(alerts[i], ElementPath(path, i), shape, group_status, received_at);
    if (!alert) return tl::unexpected(alert.error());
    out.push_back(std::move(*alert));
  }
  return out;
}

}  // namespace

Result<std::vector<core::Alert>> ParseAlertmanagerWebhook(std::string_view body, TimePoint received_at,
                                                          const ParseLimits& limits) {
  return NoThrow([&]() -> Result<std::vector<core::Alert>> {
    auto json = ParseJsonBody(body);
    if (!json) return tl::unexpected(json.error());
    if (json->is_array()) {
      return InvalidArgument(
          "not an Alertmanager webhook payload: expected a JSON object, got an array; a JSON array of alerts is "
          "Prometheus' alert push, which belongs at /api/v2/alerts");
    }
    if (!json->is_object()) {
      return InvalidArgument("not an Alertmanager webhook payload: expected a JSON object, got " +
                             std::string(JsonTypeName(*json)));
    }
    if (!json->contains("alerts")) {
      std::string hint;
      if (json->contains("title") || json->contains("transition")) {
        hint = "; this looks like a Datadog webhook, which belongs at /api/integrations/datadog";
      } else if (json->contains("monitor")) {
        hint = "; this looks like Tocsin's generic format, which belongs at /api/integrations/generic";
      }
      return InvalidArgument("not an Alertmanager webhook payload: missing \"alerts\"" + hint);
    }
    auto version = ReadNonEmptyText(*json, "version", "");
    if (!version) return tl::unexpected(version.error());
    if (*version && **version != "4") {
      return FieldError("version", "unsupported Alertmanager webhook version " + QuoteForMessage(**version) +
                                       " (Tocsin reads version 4)");
    }
    auto status = ReadNonEmptyText(*json, "status", "");
    if (!status) return tl::unexpected(status.error());
    auto alerts = ReadArray(*json, "alerts", "");
    if (!alerts) return tl::unexpected(alerts.error());
    if (*alerts == nullptr) return FieldError("alerts", "expected an array, got null");
    return ParseAll(**alerts, "alerts", Shape::kWebhook, status->value_or(std::string()), received_at, limits);
  });
}

Result<std::vector<core::Alert>> ParsePrometheusAlerts(std::string_view body, TimePoint received_at,
                                                       const ParseLimits& limits) {
  return NoThrow([&]() -> Result<std::vector<core::Alert>> {
    auto json = ParseJsonBody(body);
    if (!json) return tl::unexpected(json.error());
    if (!json->is_array()) {
      std::string hint;
      if (json->is_object() && json->contains("alerts")) {
        hint = "; this looks like an Alertmanager webhook, which belongs at /api/integrations/alertmanager";
      }
      return InvalidArgument("not a Prometheus alert push: expected a JSON array of alerts, got " +
                             std::string(JsonTypeName(*json)) + hint);
    }
    return ParseAll(*json, "", Shape::kPush, "", received_at, limits);
  });
}

}  // namespace tocsin::ingest
