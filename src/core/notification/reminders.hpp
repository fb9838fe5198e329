#pragma once
// Response-time SLA and status-update cadence (seed: respond in 5 min / 15 min
// / 1 h / 4 h; post updates every 15 min for SEV-1 and 30 min for SEV-2).
// Pure: what is due for one incident at `now`.

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core {

struct ReminderCheck {
  bool response_time_exceeded = false;  // not acknowledged within the severity's response time (raised once)
  bool status_update_due = false;       // no status update within the cadence since the last one (or creation)
  Micros silent_for{0};                 // time since the last status update (or creation)
  bool postmortem_overdue = false;      // post-mortem past its due time, not published, not reminded within `every`
};

// `postmortem_every`: how often an overdue post-mortem is reminded of
// (postmortem.reminder_every).
inline constexpr std::chrono::seconds kDefaultPostmortemReminder{24 * 3600};
ReminderCheck CheckReminders(const Incident& incident, const SeverityLevel* level, TimePoint now,
                             std::chrono::seconds postmortem_every = kDefaultPostmortemReminder);

// The earliest time the engine has something to do for `incident`: its next
// escalation tier (until acknowledged), its response-time deadline (until
// acknowledged or raised), its next status-update reminder or its post-mortem's
// next overdue reminder (also once resolved). Nothing (no
// value) when nothing can ever become due without another change to it.
// Exact: at any `now` before the returned time, CheckReminders reports
// nothing and no escalation tier is due.
std::optional<TimePoint> EngineDueAt(const Incident& incident, const SeverityLevel* level,
                                     std::chrono::seconds postmortem_every = kDefaultPostmortemReminder);

}  // namespace tocsin::core
