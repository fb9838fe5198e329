// Datadog monitor webhooks. Two payload shapes arrive at one endpoint:
// - Datadog's default payload {body, last_updated, event_type, title, date,
//   org, id}, where only the event title ("[P1] [Triggered on {host:a}] Name")
//   says which monitor, group and state this is;
// - Tocsin's richer payload (docs/ingest.md), a JSON object keyed by Datadog's
//   webhook variables, recognised by its "transition" member.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert/alert.hpp"
#include "ingest/ingest.hpp"
#include "ingest/json_util.hpp"

namespace tocsin::ingest {
namespace {

using core::Alert;
using core::AlertState;

struct Transition {
  std::string_view name;
  // nullopt for Renotify: a reminder that the monitor is still in whatever
  // state it was, which only $ALERT_TYPE (or the title) tells.
  std::optional<AlertState> state;
};

constexpr std::array<Transition, 9> kTransitions = {{
    {"Triggered", AlertState::kAlert},
    {"Re-Triggered", AlertState::kAlert},
    {"Warn", AlertState::kWarn},
    {"Re-Warn", AlertState::kWarn},
    {"No Data", AlertState::kNoData},
    {"Re-No Data", AlertState::kNoData},
    {"Recovered", AlertState::kOk},
    {"Renotify", std::nullopt},
    // Not a documented transition, but some Datadog titles spell the warn
    // state out ("[Warning]"), and nothing else could mean it.
    {"Warning", AlertState::kWarn},
}};

constexpr std::string_view kTransitionList =
    "Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Recovered or Renotify";

const Transition* FindTransition(std::string_view word) {
  std::string lower = ToLower(Trim(word));
  for (const Transition& t : kTransitions) {
    if (lower == ToLower(t.name)) return &t;
  }
  return nullptr;
}

std::optional<AlertState> StateFromAlertType(std::string_view alert_type) {
  std::string lower = ToLower(Trim(alert_type));
  if (lower == "error") return AlertState::kAlert;
  if (lower == "warning") return AlertState::kWarn;
  if (lower == "success") return AlertState::kOk;
  return std::nullopt;  // "info" and anything else says nothing about the state
}

bool IsPriority(std::string_view text) {
  return text.size() == 2 && (text[0] == 'P' || text[0] == 'p') && text[1] >= '1' && text[1] <= '5';
}

// What a Datadog event title says. Only Datadog's own prefixes are removed:
// the seed's monitor names start with a bracketed "[V-Commerce]" that is part
// of the name.
struct TitleParts {
  const Transition* transition = nullptr;
  std::string priority;
  std::vector<std::string> scope_pairs;
  std::string monitor_name;
};

TitleParts SplitTitle(std::string_view title) {
  TitleParts parts;
  std::string_view rest = Trim(title);
  while (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) break;
    std::string_view inner = Trim(rest.substr(1, close - 1));
    if (IsPriority(inner)) {
      if (parts.priority.empty()) parts.priority = {'P', inner[1]};
    } else {
      // "[Triggered on {host:web-1,env:prod}]"
      std::string_view word = inner;
      std::string_view group;
      if (auto on = ToLower(inner).find(" on "); on != std::string::npos) {
        word = Trim(inner.substr(0, on));
        group = Trim(inner.substr(on + 4));
      }
      const Transition* t = FindTransition(word);
      if (t == nullptr) break;
      if (parts.transition == nullptr) parts.transition = t;
      if (group.size() >= 2 && group.front() == '{' && group.back() == '}') group = group.substr(1, group.size() - 2);
      if (parts.scope_pairs.empty()) parts.scope_pairs = SplitCommaList(group);
    }
    rest = Trim(rest.substr(close + 1));
  }
  parts.monitor_name = std::string(rest);
  return parts;
}

// Datadog wraps markdown event text in "%%%" fences; they are markup, not
// part of the message.
std::string StripMarkdownFence(std::string text) {
  constexpr std::string_view kFence = "%%%";
  std::string_view view = Trim(text);
  if (view.size() >= 2 * kFence.size() && view.starts_with(kFence) && view.ends_with(kFence)) {
    return std::string(Trim(view.substr(kFence.size(), view.size() - 2 * kFence.size())));
  }
  return text;
}

// A Datadog scope lists the group's tags; "*" means the whole monitor.
std::vector<std::string> ScopePairs(std::string_view text) {
  std::vector<std::string> pairs = SplitCommaList(text);
  std::erase(pairs, "*");
  return pairs;
}

Result<std::vector<std::string>> ReadTags(const Json& obj) {
  std::vector<std::string> tags;
  auto it = obj.find("tags");
  if (it == obj.end() || it->is_null()) return tags;
  if (it->is_string()) return SplitCommaList(it->get_ref<const std::string&>());
  if (!it->is_array()) {
    return FieldError(
        "tags", std::string("expected a comma-separated string or an array, got ") + std::string(JsonTypeName(*it)));
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& tag = (*it)[i];
    if (!tag.is_string()) {
      return FieldError(ElementPath("tags", i),
                        std::string("expected a string, got ") + std::string(JsonTypeName(tag)));
    }
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

Result<Alert> BuildAlert(const Json& obj, bool richer, TimePoint received_at) {
  Alert alert;
  alert.source = "datadog";
  alert.received_at = received_at;

  TextMembers text(obj, "");
  std::string title = text("title");
  std::string message = text(richer ? "message" : "body");
  if (richer && message.empty()) message = text("body");
  std::string id = text("id");
  // Members of the richer payload only; Datadog's default payload has none.
  std::string explicit_name, transition, alert_type, status, scope, metric, alert_id, link, value, priority, runbook,
      cycle_key, aggreg_key;
  if (richer) {
    explicit_name = text("monitor_name");
    transition = text("transition");
    alert_type = text("alert_type");
    status = text("status");
    scope = text("scope");
    metric = text("metric");
    alert_id = text("alert_id");
    link = text("link");
    value = text("value");
    priority = text("priority");
    runbook = text("runbook");
    cycle_key = text("cycle_key");
    aggreg_key = text("aggreg_key");
  }
  if (text.error()) return tl::unexpected(*text.error());
  TitleParts parts = SplitTitle(title);

  // Monitor name: explicit in the richer payload, else the title without
  // Datadog's prefixes.
  alert.monitor_name = explicit_name.empty() ? parts.monitor_name : explicit_name;
  if (alert.monitor_name.empty()) {
    if (title.empty()) {
      return FieldError("title", richer ? "is required (or give monitor_name)" : "is required");
    }
    return FieldError("title", "no monitor name after the prefixes in " + QuoteForMessage(title));
  }
  alert.title = title.empty() ? alert.monitor_name : title;

  // State.
  std::optional<AlertState> state;
  std::string transition_text;
  if (richer) {
    const Transition* t = nullptr;
    if (!transition.empty()) {
      t = FindTransition(transition);
      if (t == nullptr) {
        return FieldError("transition", "unknown Datadog transition " + QuoteForMessage(transition) + " (expected " +
                                            std::string(kTransitionList) + ")");
      }
      state = t->state;
    }
    if (!state) state = StateFromAlertType(alert_type);
    if (!state && parts.transition != nullptr) state = parts.transition->state;
    // A renotification with nothing else to go on is a reminder of an alert:
    // Datadog renotifies only monitors that are alerting, warning or without data.
    if (!state && t != nullptr) state = AlertState::kAlert;
    if (!state) {
      return FieldError("transition", "is required ($ALERT_TRANSITION, e.g. \"Triggered\" or \"Recovered\")");
    }
    transition_text = transition;
  } else {
    if (parts.transition == nullptr) {
      return FieldError("title",
                        "cannot tell the monitor's state: expected a prefix such as [Triggered], [Warn], "
                        "[No Data] or [Recovered] in " +
                            QuoteForMessage(title));
    }
    state = parts.transition->state.value_or(AlertState::kAlert);
    transition_text = std::string(parts.transition->name);
  }
  alert.state = *state;

  // Scope and tags. The group's scope pairs are tags of the alert too, so
  // that rules can match on them.
  std::vector<std::string> scope_pairs = ScopePairs(scope);
  if (scope_pairs.empty()) scope_pairs = parts.scope_pairs;
  std::erase(scope_pairs, "*");
  alert.scope = core::CanonicalScope(scope_pairs);
  if (richer) {
    auto tags = ReadTags(obj);
    if (!tags) return tl::unexpected(tags.error());
    alert.tags = std::move(*tags);
  }
  if (!metric.empty()) alert.tags.push_back("metric:" + metric);
  alert.tags.insert(alert.tags.end(), scope_pairs.begin(), scope_pairs.end());
  core::NormalizeTags(alert.tags);

  // Everything else.
  alert.monitor_id = alert_id;
  alert.link = link;
  alert.value = value;
  alert.priority = priority.empty() ? parts.priority : priority;
  // $EVENT_MSG can be empty (a monitor without a message); $ALERT_STATUS then
  // is the only description of what happened.
  alert.message = message.empty() ? status : StripMarkdownFence(std::move(message));
  alert.runbook = runbook.empty() ? FindRunbookUrl(alert.message) : runbook;

  auto date = ReadEpochMillisOrRfc3339(obj, "date", "", received_at);
  if (!date) return tl::unexpected(date.error());
  // $DATE is when this transition happened: the start of a problem, or the
  // end of it for a recovery.
  if (*date) {
    if (alert.state == AlertState::kOk) {
      alert.ended_at = *date;
    } else {
      alert.started_at = *date;
    }
  }

  // $ID names one notification. Without it, the alert cycle plus transition
  // plus time does; without either, each delivery counts as new.
  std::string cycle = cycle_key.empty() ? aggreg_key : cycle_key;
  if (!id.empty()) {
    alert.delivery_key = id;
  } else if (!cycle.empty()) {
    alert.delivery_key =
        cycle + "|" + transition_text + "|" + (*date ? std::to_string(ToUnixMicros(**date) / 1000) : std::string());
  }
  return alert;
}

std::string WrongShapeHint(const Json& body) {
  if (body.is_array()) return "; a JSON array of alerts is Prometheus' alert push, which belongs at /api/v2/alerts";
  if (body.is_object() && (body.contains("alerts") || body.contains("groupKey"))) {
    return "; this looks like an Alertmanager webhook, which belongs at /api/integrations/alertmanager";
  }
  if (body.is_object() && body.contains("monitor")) {
    return "; this looks like Tocsin's generic format, which belongs at /api/integrations/generic";
  }
  return {};
}

}  // namespace

Result<std::vector<core::Alert>> ParseDatadog(std::string_view body, TimePoint received_at,
                                              const ParseLimits& /*limits: always one alert*/) {
  return NoThrow([&]() -> Result<std::vector<core::Alert>> {
    auto json = ParseJsonBody(body);
    if (!json) return tl::unexpected(json.error());
    if (!json->is_object()) {
      return InvalidArgument("not a Datadog webhook payload: expected a JSON object, got " +
                             std::string(JsonTypeName(*json)) + WrongShapeHint(*json));
    }
    bool richer = json->contains("transition");
    if (!richer && !json->contains("title")) {
      return InvalidArgument(
          "not a Datadog webhook payload: missing \"title\" (Datadog's default payload) or \"transition\" "
          "(Tocsin's payload, see docs/ingest.md)" +
          WrongShapeHint(*json));
    }
    auto alert = BuildAlert(*json, richer, received_at);
    if (!alert) return tl::unexpected(alert.error());
    std::vector<core::Alert> out;
    out.push_back(std::move(*alert));
    return out;
  });
}

}  // namespace tocsin::ingest
