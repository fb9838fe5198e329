#pragma once
// Notices queued on a schedule (issue 13, ADR 0015): the weekly review and
// error budgets running low. Each step reads the config in force and asks
// "what is due now?"; every notice has a key derived from what it is about,
// and the store queues a key once, so asking again (the next step, a
// restart, another replica) sends nothing twice. Rules in
// docs/notifications.md ("Scheduled notices").
//
// The weekly review: at or after `reports.weekly` day/time in its zone, the
// previous ISO week's report, one notice per channel, key
// `weekly-report:<week>:<channel>`. Only the most recent due week is ever
// queued: a server down over a send time sends that week's report when it
// starts, and a longer outage never floods the channels with old weeks.
//
// Error budgets: each configured SLO's budget left, checked at most once a
// minute; at 25 % left or less a warning, at 0 % or less an "exhausted"
// notice, each at most once per budget period: periods are consecutive spans
// of the SLO's window counted from the Unix epoch, key
// `slo-budget:<service>:<threshold>:<period start>`.

#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/metrics/slo.hpp"
#include "core/ports/store.hpp"
#include "core/report/weekly.hpp"

namespace tocsin::usecases {

inline constexpr const char* kWeeklyReportKind = "weekly_report";
inline constexpr const char* kBudgetLowKind = "slo_budget_low";
inline constexpr const char* kBudgetExhaustedKind = "slo_budget_exhausted";
// Budget left (percent of the budget) at or below which a notice goes.
inline constexpr int kBudgetWarningPercent = 25;
inline constexpr int kBudgetExhaustedPercent = 0;

// The report as one channel type carries it: Slack the Markdown in Slack's
// mrkdwn (headings bold, tables in code blocks), email the HTML page (the
// mailer adds a text alternative), a webhook the JSON resource of
// GET /api/v2/reports/weekly.
std::string WeeklyReportMessage(const core::report::WeeklyReport& report, const std::string& channel_type);
// {"type":"weekly_report","id":"2026-W48","attributes":{...}}
std::string WeeklyReportResource(const core::report::WeeklyReport& report);
// Markdown to Slack mrkdwn.
std::string MarkdownToMrkdwn(const std::string& markdown);

// The key of the notice of `week` for `channel`.
std::string WeeklyReportKey(core::report::IsoWeek week, const std::string& channel);

// The budget period holding `now` for a window (see above).
TimePoint BudgetPeriodStart(TimePoint now, std::chrono::seconds window);

struct Queued {
  int added = 0;     // notices new to the outbox
  int existing = 0;  // keys already queued (by an earlier step, process or replica)
};

// Queues the weekly review due at the clock's now, if reports.weekly is set.
Result<Queued> QueueDueWeeklyReport(core::Store& store, const core::Config& config, const Clock& clock);
// Queues the budget notices due at the clock's now.
Result<Queued> QueueDueBudgetNotices(core::Store& store, const core::Config& config, const Clock& clock);

// The worker step the app drives (like engine/reminder_worker): calls the two
// above with the current config snapshot. It remembers which weekly keys it
// saw queued, so a step builds a report only when one may be missing.
class ScheduledNotices {
 public:
  ScheduledNotices(core::Store& store, core::ConfigSource config, const Clock& clock)
      : store_(store), config_(std::move(config)), clock_(clock) {}
  // How many notices it added.
  int RunOnce();

 private:
  core::Store& store_;
  core::ConfigSource config_;
  const Clock& clock_;
  std::set<std::string> seen_;  // weekly keys known to be queued
  std::optional<TimePoint> next_budget_check_;
  std::optional<TimePoint> next_report_try_;  // after a failure
};

}  // namespace tocsin::usecases
