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

std::optional<TimePoint> EngineDueAt(const Incident& i, const SeverityLevel* level) {
  if (IsClosed(i.state) || i.deleted) return std::nullopt;
  std::optional<TimePoint> due;
  auto consider = [&](TimePoint t) {
    if (!due || t < *due) due = t;
  };
  if (!i.escalation_team.empty() && !i.acknowledged && i.escalation_next_due) consider(*i.escalation_next_due);
  if (level) {
    if (!i.acknowledged && !i.response_sla_breached && level->response_time.count() > 0) {
      consider(i.created + level->response_time);
    }
    if (level->update_cadence && i.state == IncidentState::kActive) {
      TimePoint t = i.last_status_update.value_or(i.created) + *level->update_cadence;
      if (i.last_reminder) t = std::max(t, *i.last_reminder + *level->update_cadence);
      consider(t);
    }
  }
  return due;
}

}  // namespace tocsin::core
