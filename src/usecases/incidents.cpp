#include "usecases/incidents.hpp"

#include "common/server_metrics.hpp"
#include "core/notification/contact.hpp"
#include "core/workflow/workflow.hpp"

namespace tocsin::usecases {
namespace {

// Queues a notification of `kind` to every channel that follows the incident.
void Notify(core::Mutation& m, const std::string& kind, const std::string& reason, TimePoint now) {
  for (const auto& channel : m.incident.channels) {
    m.notifications.push_back({channel, m.incident.id, kind, now, reason});
    m.events.push_back({now, core::Actor{"", "tocsin-notify"}, "notification_queued",
                        "Notification queued for " + channel + " (" + kind + ")", {}});
  }
}

// People paged through their own PagerDuty service hear of the acknowledgement
// and resolution there too, so that PagerDuty stops paging them.
void NotifyPagedContacts(core::Mutation& m, const std::string& kind, const std::string& reason, TimePoint now) {
  for (auto& item : core::PagerDutyFollowUps(m.incident, kind, reason, now)) {
    m.events.push_back({now, core::Actor{"", "tocsin-notify"}, "notification_queued",
                        "Notification queued for @" + item.to.user + "'s PagerDuty via " + item.channel + " (" + kind +
                            ")",
                        {}});
    m.notifications.push_back(std::move(item));
  }
}

void Wake(const Context& ctx) {
  if (ctx.wake_outbox) ctx.wake_outbox();
}

}  // namespace

Result<core::Incident> Declare(const Context& ctx, Declaration declaration, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  core::Incident inc = std::move(declaration.draft);
  if (!inc.type.empty() && !ctx.config->FindType(inc.type)) {
    return InvalidArgument("data.attributes.fields.type: unknown incident type '" + inc.type + "'");
  }
  auto fields = core::workflow::CheckFields(*ctx.config, inc.type, inc.fields);
  if (!fields) return tl::unexpected(fields.error());
  inc.fields = std::move(*fields);
  inc.id = ctx.new_id();
  inc.created = inc.modified = now;
  inc.created_by = inc.modified_by = actor;
  if (!inc.detected) inc.detected = now;
  if (core::IsClosed(inc.state)) inc.resolved = now;
  inc.version = 1;
  std::vector<core::NewEvent> events;
  events.push_back({now, actor, std::string(core::kEventCreated), "Incident declared: " + inc.title,
                    {{"severity", "", inc.severity}, {"state", "", std::string(core::StateName(inc.state))}}});
  for (auto& cell : declaration.initial_cells) {
    events.push_back({now, actor, std::string(core::kEventNote), std::move(cell), {}});
  }
  auto created = ctx.store->CreateIncident(std::move(inc), std::move(events));
  if (created) server_metrics::IncidentOpened(created->severity, "api");
  return created;
}

Result<core::Incident> Update(const Context& ctx, const std::string& id, const core::IncidentPatch& patch,
                              const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  if (patch.type && !patch.type->empty() && !ctx.config->FindType(*patch.type)) {
    return InvalidArgument("data.attributes.fields.type: unknown incident type '" + *patch.type + "'");
  }
  bool resolving = false;  // this update closes the incident (the store may run the mutation more than once)
  auto updated = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
    resolving = false;
    // Template fields are typed by the incident's type (as this patch leaves it).
    core::IncidentPatch checked = patch;
    auto fields = core::workflow::CheckFields(*ctx.config, patch.type.value_or(current.type), patch.fields);
    if (!fields) return tl::unexpected(fields.error());
    checked.fields = std::move(*fields);
    auto outcome = core::ApplyPatch(current, checked, actor, now);
    if (!outcome) return tl::unexpected(outcome.error());
    core::Mutation m{std::move(outcome->incident), {}, {}};
    if (!outcome->changes.empty()) {
      m.events.push_back({now, actor, std::string(core::kEventUpdated), "Incident updated", outcome->changes});
    }
    for (const auto& change : outcome->changes) {
      if (change.field == "state" && core::IsClosed(m.incident.state) && !core::IsClosed(current.state)) {
        resolving = true;
        Notify(m, "incident_resolved", "resolved by @" + actor.handle, now);
        NotifyPagedContacts(m, "incident_resolved", "resolved by @" + actor.handle, now);
      } else if (change.field == "severity") {
        Notify(m, "severity_changed", "severity " + change.from + " -> " + change.to + " by @" + actor.handle, now);
      }
    }
    return m;
  });
  if (updated) Wake(ctx);
  if (updated && resolving) {
    server_metrics::IncidentResolved(updated->severity, updated->resolved.value_or(now) - updated->created);
  }
  return updated;
}

Result<core::Incident> Acknowledge(const Context& ctx, const std::string& id, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  bool acknowledging = false;  // this call acknowledges (not an already acknowledged incident)
  auto updated = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
    acknowledging = false;
    if (core::IsClosed(current.state)) {
      return MakeError(ErrorCode::kConflict, "incident " + id + " is " + std::string(core::StateName(current.state)) +
                                                 "; only open incidents can be acknowledged");
    }
    core::Mutation m{current, {}, {}};
    if (current.acknowledged) return m;  // already acknowledged: nothing changes
    m.incident.acknowledged = now;
    m.incident.acknowledged_by = actor;
    m.incident.modified = now;
    m.incident.modified_by = actor;
    ++m.incident.version;
    m.events.push_back({now, actor, "acknowledged", "Acknowledged by @" + actor.handle,
                        {{"acknowledged", "", FormatRfc3339(now)}}});
    Notify(m, "acknowledged", "acknowledged by @" + actor.handle, now);
    NotifyPagedContacts(m, "acknowledged", "acknowledged by @" + actor.handle, now);
    acknowledging = true;
    return m;
  });
  if (updated) Wake(ctx);
  if (updated && acknowledging) {
    TimePoint from = updated->detected.value_or(updated->created);
    server_metrics::IncidentAcknowledged(updated->severity, std::max(Micros(0), now - from));
  }
  return updated;
}

Result<void> Delete(const Context& ctx, const std::string& id, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  auto deleted = ctx.store->UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}};
    m.incident.deleted = true;
    m.incident.modified = now;
    m.incident.modified_by = actor;
    ++m.incident.version;
    m.events.push_back({now, actor, std::string(core::kEventDeleted), "Incident deleted", {}});
    return m;
  });
  if (!deleted) return tl::unexpected(deleted.error());
  return {};
}

Result<core::TimelineEvent> PostCell(const Context& ctx, const std::string& id, CellKind kind,
                                     const std::string& content, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  if (kind == CellKind::kNote) return ctx.store->AppendEvent(id, {now, actor, std::string(core::kEventNote), content, {}});
  // A status update resets the cadence clock and goes to the incident's
  // channels. The store answers the events it appended, so the timeline
  // (which may be huge) is never read back to find this one.
  auto updated = ctx.store->UpdateIncidentAndEvents(id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {{now, actor, std::string(core::kEventStatusUpdate), content, {}}}, {}};
    m.incident.last_status_update = now;
    m.incident.modified = now;
    ++m.incident.version;
    Notify(m, "status_update", content, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  Wake(ctx);
  // The mutation's first event is the status update itself.
  if (updated->events.empty()) return MakeError(ErrorCode::kInternal, "status update stored but not returned");
  return updated->events.front();
}

}  // namespace tocsin::usecases
