#include "core/notification/reminders.hpp"

namespace tocsin::core {

ReminderCheck CheckReminders(const Incident& i, const SeverityLevel* level, TimePoint now) {
  ReminderCheck out;
  if (!level || IsClosed(i.state) || i.deleted) return out;
  if (!i.acknowledged && !i.response_sla_breached && level->response_time.count() > 0 &&
      now - i.created >= level->response_time) {
    out.response_time_exceeded = true;
  }
  TimePoint last_update = i.last_status_update.value_or(i.created);
  out.silent_for = now - last_update;
  if (level->update_cadence && i.state == IncidentState::kActive && now - last_update >= *level->update_cadence) {
    // One reminder per cadence period of silence.
    out.status_update_due = !i.last_reminder || now - *i.last_reminder >= *level->update_cadence;
  }
  return out;
}

}  // namespace tocsin::core
