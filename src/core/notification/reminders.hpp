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
};

ReminderCheck CheckReminders(const Incident& incident, const SeverityLevel* level, TimePoint now);

// The earliest time the engine has something to do for `incident`: its next
// escalation tier (until acknowledged), its response-time deadline (until
// acknowledged or raised) or its next status-update reminder. Nothing (no
// value) when nothing can ever become due without another change to it.
// Exact: at any `now` before the returned time, CheckReminders reports
// nothing and no escalation tier is due.
std::optional<TimePoint> EngineDueAt(const Incident& incident, const SeverityLevel* level);

}  // namespace tocsin::core
