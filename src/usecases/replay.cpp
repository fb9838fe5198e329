#include "usecases/replay.hpp"

#include <cctype>
#include <set>

namespace tocsin::usecases {
namespace {

constexpr std::int64_t kPage = 10000;

}  // namespace

Result<TimePoint> ReplayStart(std::string_view since, TimePoint now) {
  if (since.empty()) return InvalidArgument("since: is required (a duration such as 30d, 12h or 2w, or an RFC 3339 time)");
  TimePoint from{};
  std::size_t digits = 0;
  while (digits < since.size() && std::isdigit(static_cast<unsigned char>(since[digits]))) ++digits;
  if (digits > 0 && digits <= 6 && digits + 1 == since.size()) {
    std::int64_t n = std::stoll(std::string(since.substr(0, digits)));
    std::int64_t unit_minutes = 0;
    switch (since.back()) {
      case 'm': unit_minutes = 1; break;
      case 'h': unit_minutes = 60; break;
      case 'd': unit_minutes = 24 * 60; break;
      case 'w': unit_minutes = 7 * 24 * 60; break;
      default: break;
    }
    if (unit_minutes == 0 || n == 0) {
      return InvalidArgument("since: '" + std::string(since) +
                             "' is not a duration (a positive number with m, h, d or w) nor an RFC 3339 time");
    }
    from = now - std::chrono::minutes(n * unit_minutes);
  } else if (auto t = ParseRfc3339(since)) {
    from = *t;
  } else {
    return InvalidArgument("since: '" + std::string(since) +
                           "' is not a duration (a positive number with m, h, d or w) nor an RFC 3339 time");
  }
  if (from >= now) return InvalidArgument("since: '" + std::string(since) + "' is not in the past");
  if (now - from > kMaxReplayRange) {
    return InvalidArgument("since: '" + std::string(since) + "' is longer than " +
                           std::to_string(kMaxReplayRange.count() / 24) + " days, the most a replay covers");
  }
  return from;
}

Result<core::replay::History> LoadHistory(core::Store& store, TimePoint from, TimePoint to) {
  core::replay::History h;
  h.from = from;
  h.to = to;
  core::AlertFilter f;
  f.received_from = from;
  f.received_before = to;
  f.oldest_first = true;
  f.limit = kPage;
  std::set<std::string> incident_ids;
  while (true) {
    auto page = store.ListAlerts(f);
    if (!page) return tl::unexpected(page.error());
    for (auto& r : *page) {
      if (!r.incident_id.empty()) incident_ids.insert(r.incident_id);
      h.alerts.push_back(std::move(r));
    }
    if (static_cast<std::int64_t>(h.alerts.size()) > kMaxReplayAlerts) {
      return InvalidArgument("since: the range holds more than " + std::to_string(kMaxReplayAlerts) +
                             " alerts, the most a replay reads; replay a shorter one");
    }
    if (static_cast<std::int64_t>(page->size()) < kPage) break;
    f.after_seq = h.alerts.back().seq;
  }
  for (const auto& id : incident_ids) {
    auto inc = store.GetIncident(id);
    if (!inc) {
      if (inc.error().code == ErrorCode::kNotFound) continue;  // deleted since: replayed as if it never was
      return tl::unexpected(inc.error());
    }
    h.incidents[id] = {inc->id, inc->public_id, inc->created, inc->acknowledged, inc->resolved, inc->escalation_steps};
  }
  return h;
}

Result<void> CheckReplayFormat(std::string_view format) {
  if (format == "text" || format == "markdown" || format == "json") return {};
  return InvalidArgument("format: unknown value '" + std::string(format) + "' (allowed: text, markdown, json)");
}

Result<std::string> Replay(core::Store& store, const core::Config& in_force, const core::Config& candidate,
                           std::string_view since, std::string_view format, TimePoint now) {
  if (auto ok = CheckReplayFormat(format); !ok) return tl::unexpected(ok.error());
  auto from = ReplayStart(since, now);
  if (!from) return tl::unexpected(from.error());
  auto history = LoadHistory(store, *from, now);
  if (!history) return tl::unexpected(history.error());
  auto report = core::replay::Run(in_force, candidate, *history);
  if (!report) return tl::unexpected(report.error());
  if (format == "json") return core::replay::RenderJson(**report) + "\n";
  if (format == "markdown") return core::replay::RenderMarkdown(**report);
  return core::replay::RenderText(**report);
}

}  // namespace tocsin::usecases
