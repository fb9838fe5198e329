#include "usecases/scheduled_notices.hpp"

#include <cmath>
#include <cstdio>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "core/report/render.hpp"
#include "usecases/weekly_report.hpp"

namespace tocsin::usecases {
namespace {

using namespace std::chrono_literals;

constexpr Micros kBudgetCheckEvery = 1min;
constexpr Micros kRetryAfterFailure = 1min;

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// "**x**" -> "*x*" (Slack bolds with single asterisks).
std::string SingleAsterisks(std::string line) {
  for (std::size_t at = line.find("**"); at != std::string::npos; at = line.find("**", at)) line.erase(at, 1), ++at;
  return line;
}

std::string Percent(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

std::string Minutes(Micros d) {
  return Percent(static_cast<double>(d.count()) / 60e6) + " min";
}

// "2026-11-03T00:00:00Z": a period start as keys spell it (whole seconds, UTC).
std::string KeyTime(TimePoint t) { return FormatRfc3339(t).substr(0, 19) + "Z"; }

double LeftPercent(const core::metrics::ErrorBudget& b) {
  if (b.budget.count() <= 0) return 0;
  return 100.0 * static_cast<double>(b.left.count()) / static_cast<double>(b.budget.count());
}

const std::vector<std::string>& BudgetChannels(const core::Config& config, const core::Slo& slo) {
  static const std::vector<std::string> kNone;
  if (!slo.channels.empty()) return slo.channels;
  return config.reports.weekly ? config.reports.weekly->channels : kNone;
}

std::string BudgetMessage(const core::metrics::ErrorBudget& b, int threshold, const std::string& channel_type,
                          TimePoint period) {
  bool exhausted = threshold == kBudgetExhaustedPercent;
  std::string headline = exhausted ? "Error budget exhausted: " + b.service
                                   : "Error budget low: " + b.service + " (" + std::to_string(threshold) + " % left or less)";
  if (channel_type == "webhook") {
    std::string out = "{\"type\":\"slo_budget\",\"service\":";
    JsonWriter::AppendQuoted(out, b.service);
    out += ",\"threshold_percent\":" + std::to_string(threshold) + ",\"period_start\":\"" + KeyTime(period) +
           "\",\"budget\":";
    std::string one;
    JsonWriter w(one);
    core::report::ErrorBudgetJson(w, b);
    return out + one + "}";
  }
  std::string detail = Percent(LeftPercent(b)) + " % of the budget left (" + Minutes(b.left) + " of " +
                       Minutes(b.budget) + "); objective " + Percent(b.objective) + " % over " +
                       std::to_string(std::chrono::duration_cast<std::chrono::hours>(b.window).count() / 24) +
                       " days; " + std::to_string(b.incidents) + " incidents with customer impact in the window; " +
                       "burn rate over 24 h " + Percent(b.burn_rate_24h) + ".";
  if (channel_type == "slack" || channel_type == "slack_webapi") return "*" + headline + "*\n" + detail;
  return headline + "\n\n" + detail + "\n";
}

}  // namespace

std::string MarkdownToMrkdwn(const std::string& markdown) {
  std::string out;
  bool in_table = false;
  std::size_t pos = 0;
  while (pos < markdown.size()) {
    std::size_t end = markdown.find('\n', pos);
    if (end == std::string::npos) end = markdown.size();
    std::string line = markdown.substr(pos, end - pos);
    pos = end + 1;
    bool table_row = StartsWith(line, "|");
    if (table_row != in_table) {
      out += "```\n";
      in_table = table_row;
    }
    if (table_row) {
      if (!StartsWith(line, "|---") && !StartsWith(line, "|:--")) out += line + "\n";
      continue;
    }
    std::size_t hashes = line.find_first_not_of('#');
    if (hashes != std::string::npos && hashes > 0 && line[hashes] == ' ') {
      out += "*" + line.substr(hashes + 1) + "*\n";
    } else {
      out += SingleAsterisks(line) + "\n";
    }
  }
  if (in_table) out += "```\n";
  return out;
}

std::string WeeklyReportResource(const core::report::WeeklyReport& report) {
  return "{\"type\":\"weekly_report\",\"id\":\"" + core::report::FormatIsoWeek(report.week) +
         "\",\"attributes\":" + core::report::RenderJson(report) + "}";
}

std::string WeeklyReportMessage(const core::report::WeeklyReport& report, const std::string& channel_type) {
  if (channel_type == "email") return core::report::RenderHtml(report);
  if (channel_type == "webhook") return WeeklyReportResource(report);
  return MarkdownToMrkdwn(core::report::RenderMarkdown(report));
}

std::string WeeklyReportKey(core::report::IsoWeek week, const std::string& channel) {
  return "weekly-report:" + core::report::FormatIsoWeek(week) + ":" + channel;
}

TimePoint BudgetPeriodStart(TimePoint now, std::chrono::seconds window) {
  Micros w = window;
  Micros since = now.time_since_epoch();
  Micros start = since - ((since % w) + w) % w;  // floor, also before 1970
  return TimePoint(start);
}

Result<Queued> QueueDueWeeklyReport(core::Store& store, const core::Config& config, const Clock& clock) {
  Queued q;
  if (!config.reports.weekly) return q;
  const core::WeeklyReportSchedule& s = *config.reports.weekly;
  TimePoint now = clock.Now();
  auto week = core::report::ScheduledReportWeek(now, s.day, s.time, s.time_zone);
  if (!week) return InvalidArgument("reports.weekly.time_zone: unknown time zone '" + s.time_zone + "'");
  WeeklyReportRequest ask;
  ask.week = *week;
  ask.time_zone = s.time_zone;
  auto report = BuildWeeklyReport(store, config, clock, ask);
  if (!report) return tl::unexpected(report.error());
  for (const std::string& name : s.channels) {
    const core::Channel* channel = config.FindChannel(name);
    if (!channel || channel->type == "pagerduty") continue;  // check-config refuses both
    core::NoticeItem n;
    n.key = WeeklyReportKey(*week, name);
    n.channel = name;
    n.kind = kWeeklyReportKind;
    n.reason = "Weekly incident review " + core::report::FormatIsoWeek(*week);
    n.body = WeeklyReportMessage(*report, channel->type);
    n.created = now;
    auto added = store.EnqueueNotice(n);
    if (!added) return tl::unexpected(added.error());
    ++(*added ? q.added : q.existing);
  }
  return q;
}

Result<Queued> QueueDueBudgetNotices(core::Store& store, const core::Config& config, const Clock& clock) {
  Queued q;
  if (config.slos.empty()) return q;
  TimePoint now = clock.Now();
  auto budgets = ErrorBudgetsAt(store, config, now);
  if (!budgets) return tl::unexpected(budgets.error());
  for (std::size_t k = 0; k < budgets->size() && k < config.slos.size(); ++k) {
    const core::Slo& slo = config.slos[k];
    const auto& b = (*budgets)[k];
    double left = LeftPercent(b);
    TimePoint period = BudgetPeriodStart(now, slo.window);
    for (int threshold : {kBudgetWarningPercent, kBudgetExhaustedPercent}) {
      if (left > threshold) continue;
      for (const std::string& name : BudgetChannels(config, slo)) {
        const core::Channel* channel = config.FindChannel(name);
        if (!channel || channel->type == "pagerduty") continue;
        core::NoticeItem n;
        n.key = "slo-budget:" + slo.service + ":" + std::to_string(threshold) + ":" + KeyTime(period);
        // One key per channel: each channel gets the notice once.
        n.key += ":" + name;
        n.channel = name;
        n.kind = threshold == kBudgetExhaustedPercent ? kBudgetExhaustedKind : kBudgetLowKind;
        n.reason = threshold == kBudgetExhaustedPercent ? "Error budget exhausted: " + slo.service
                                                        : "Error budget low: " + slo.service;
        n.body = BudgetMessage(b, threshold, channel->type, period);
        n.created = now;
        auto added = store.EnqueueNotice(n);
        if (!added) return tl::unexpected(added.error());
        ++(*added ? q.added : q.existing);
      }
    }
  }
  return q;
}

int ScheduledNotices::RunOnce() {
  std::shared_ptr<const core::Config> config = config_();
  TimePoint now = clock_.Now();
  int added = 0;
  if (config->reports.weekly && (!next_report_try_ || now >= *next_report_try_)) {
    const auto& s = *config->reports.weekly;
    auto week = core::report::ScheduledReportWeek(now, s.day, s.time, s.time_zone);
    bool missing = false;
    for (const auto& name : s.channels) missing = missing || (week && !seen_.count(WeeklyReportKey(*week, name)));
    if (missing) {
      auto q = QueueDueWeeklyReport(store_, *config, clock_);
      if (q) {
        added += q->added;
        next_report_try_.reset();
        for (const auto& name : s.channels) seen_.insert(WeeklyReportKey(*week, name));
        if (q->added > 0) log::Debug("weekly review queued", {{"week", core::report::FormatIsoWeek(*week)}});
      } else {
        next_report_try_ = now + kRetryAfterFailure;
        log::Error("cannot queue the weekly review", {{"error", q.error().message}});
      }
    }
  }
  if (!config->slos.empty() && (!next_budget_check_ || now >= *next_budget_check_)) {
    next_budget_check_ = now + kBudgetCheckEvery;
    auto q = QueueDueBudgetNotices(store_, *config, clock_);
    if (q) {
      added += q->added;
    } else {
      log::Error("cannot check the error budgets", {{"error", q.error().message}});
    }
  }
  return added;
}

}  // namespace tocsin::usecases
