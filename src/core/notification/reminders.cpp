#include "core/notification/reminders.hpp"

namespace tocsin::core {

namespace {

// When the unpublished post-mortem of `i` is next to be reminded of.
std::optional<TimePoint> PostmortemReminderAt(const Incident& i, std::chrono::seconds every) {
  if (!i.postmortem || i.postmortem->state == PostmortemState::kPublished || i.deleted) return std::nullopt;
  TimePoint t = i.postmortem->due;
  if (i.postmortem->last_reminder) t = std::max(t, *i.postmortem->last_reminder + every);
  return t;
}

}  // namespace

ReminderCheck CheckReminders(const Incident& i, const SeverityLevel* level, TimePoint now,
                             std::chrono::seconds postmortem_every) {
  ReminderCheck out;
  if (auto at = PostmortemReminderAt(i, postmortem_every); at && now >= *at) out.postmortem_overdue = true;
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

std::optional<TimePoint> EngineDueAt(const Incident& i, const SeverityLevel* level,
                                     std::chrono::seconds postmortem_every) {
  std::optional<TimePoint> due;
  auto consider = [&](TimePoint t) {
    if (!due || t < *due) due = t;
  };
  if (auto at = PostmortemReminderAt(i, postmortem_every)) consider(*at);
  if (IsClosed(i.state) || i.deleted) return due;
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
