#include "engine/reminder_worker.hpp"

#include "common/log.hpp"
#include "engine/open_incidents.hpp"
#include "core/notification/reminders.hpp"

namespace tocsin::engine {
namespace {

std::string Minutes(Micros d) { return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d).count()) + " min"; }

}  // namespace

std::optional<core::Mutation> Remind(const core::Incident& current, const core::Config& config, TimePoint now) {
  const core::SeverityLevel* level = config.FindSeverity(current.severity);
  auto check = core::CheckReminders(current, level, now, config.postmortem.reminder_every);
  if (!check.postmortem_overdue && (!level || (!check.response_time_exceeded && !check.status_update_due))) {
    return std::nullopt;
  }
  core::Mutation m{current, {}, {}};
  core::Actor actor{"", "tocsin-reminders"};
  auto notify = [&](const std::string& kind, const std::string& reason, const std::vector<std::string>& channels) {
    for (const auto& channel : channels) m.notifications.push_back({channel, current.id, kind, now, reason});
  };
  if (check.response_time_exceeded) {
    m.incident.response_sla_breached = true;
    std::string why = "not acknowledged within the " + current.severity + " response time of " +
                      Minutes(std::chrono::duration_cast<Micros>(level->response_time));
    m.events.push_back({now, actor, "response_time_exceeded", "Response time exceeded: " + why, {}});
    // The severity's response_time_channels when configured, else the incident's own.
    notify("response_time_exceeded", why, level->response_time_channels.value_or(current.channels));
  }
  if (check.status_update_due) {
    m.incident.last_reminder = now;
    std::string who = current.commander ? "@" + current.commander->handle : "the commander";
    std::string why = "no status update for " + Minutes(check.silent_for) + "; " + who + ", please post one";
    m.events.push_back({now, actor, "status_update_reminder", "Reminder: " + why, {}});
    notify("reminder", why, current.channels);
  }
  if (check.postmortem_overdue) {
    m.incident.postmortem->last_reminder = now;
    std::string who = current.commander ? "@" + current.commander->handle : "the commander";
    std::string why = "the post-mortem was due " + FormatRfc3339(current.postmortem->due) + " and is " +
                      std::string(core::PostmortemStateName(current.postmortem->state)) + "; " + who +
                      ", please finish and publish it";
    m.events.push_back({now, actor, "postmortem_overdue", "Reminder: " + why, {}});
    notify("postmortem_overdue", why, current.channels);
  }
  ++m.incident.version;
  return m;
}

int ReminderWorker::RunOnce(TimePoint now) {
  int changed = 0;
  // One snapshot of the config for the whole step.
  auto config = config_();
  if (!config) return 0;
  auto scanned = ForEachDueIncident(store_, now, [&](const core::Incident& listed) {
    // The listing only saves a transaction when nothing looks due; what is
    // written is decided again from the committed state.
    auto listed_check =
        core::CheckReminders(listed, config->FindSeverity(listed.severity), now, config->postmortem.reminder_every);
    if (!listed_check.response_time_exceeded && !listed_check.status_update_due && !listed_check.postmortem_overdue) {
      return;
    }
    auto r = store_.UpdateIncident(listed.id, [&](const core::Incident& current) -> Result<core::Mutation> {
      auto m = Remind(current, *config, now);
      // Nothing due any more writes nothing: no version bump, no event, no notification.
      if (!m) return MakeError(ErrorCode::kConflict, "incident " + current.id + " has no reminder due");
      return std::move(*m);
    });
    if (r) {
      ++changed;
    } else if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kNotFound) {
      log::Error("reminders: cannot record a due reminder", {{"incident", listed.id}, {"error", r.error().message}});
    }
  }, keep_going_);
  if (!scanned) log::Error("reminders: cannot list open incidents", {{"error", scanned.error().message}});
  return changed;
}

}  // namespace tocsin::engine
