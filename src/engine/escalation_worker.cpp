#include "engine/escalation_worker.hpp"

#include "common/log.hpp"
#include "common/server_metrics.hpp"
#include "core/notification/contact.hpp"
#include "engine/open_incidents.hpp"

namespace tocsin::engine {
namespace {

namespace esc = core::escalation;

esc::Outcome ParseOutcome(const std::string& name) {
  if (name == "nobody") return esc::Outcome::kNobody;
  if (name == "skipped") return esc::Outcome::kSkipped;
  return esc::Outcome::kPaged;
}

}  // namespace

std::optional<core::Mutation> Escalate(const core::Incident& current, const core::Config& config,
                                       const core::escalation::Directory& directory, TimePoint now) {
  // Decided against the committed state, not the listing: an incident resolved,
  // acknowledged or deleted since, or whose tier is no longer due, gets nothing.
  if (current.deleted || core::IsClosed(current.state) || current.acknowledged || current.escalation_team.empty() ||
      !current.escalation_next_due || *current.escalation_next_due > now) {
    return std::nullopt;
  }
  core::Mutation m{current, {}, {}};
  core::Actor actor{"", "tocsin-escalation"};
  const esc::Policy* policy = directory.PolicyForTeam(current.escalation_team);
  if (!policy) {
    m.incident.escalation_next_due.reset();
    m.events.push_back({now, actor, "escalation_stopped",
                        "No escalation policy for team '" + current.escalation_team + "'", {}});
    return m;
  }
  esc::State state;
  state.created = current.created;
  state.acknowledged = current.acknowledged;
  state.severity = current.severity;
  state.fields = current.fields;
  for (const auto& st : current.escalation_steps) {
    state.done.push_back({st.round, st.tier, st.due, ParseOutcome(st.outcome)});
  }
  esc::Decision decision = esc::Evaluate(*policy, state, directory, now);
  std::string channel = core::TeamPageChannel(config, current.escalation_team);
  for (const auto& step : decision.steps) {
    m.incident.escalation_steps.push_back({step.record.round, step.record.tier, step.record.due,
                                           std::string(esc::OutcomeName(step.record.outcome))});
    if (!step.note.empty()) m.events.push_back({now, actor, "escalation_step", step.note, {}});
    for (const auto& p : step.pages) {
      std::string why = p.Why();
      // A person with contact methods is paged through them, in order; anyone
      // else through the team's PagerDuty service.
      const core::User* user = config.FindUser(p.user);
      std::string plan = user ? core::DescribeContactPlan(*user) : "";
      m.events.push_back({now, actor, "page",
                          "Paged @" + p.user + (plan.empty() ? "" : " (" + plan + ")") + ": " + why, {}});
      std::string reason = "@" + p.user + " paged: " + why;
      if (user && !user->contact_methods.empty()) {
        auto pages = core::ContactPages(*user, current.id, reason, now);
        core::RememberPagerDutyContacts(m.incident, pages);
        for (auto& page : pages) m.notifications.push_back(std::move(page));
      } else if (!channel.empty()) {
        m.notifications.push_back({channel, current.id, "page", now, reason});
      }
    }
  }
  m.incident.escalation_next_due = decision.next_due;
  ++m.incident.version;
  return m;
}

bool EscalationWorker::Advance(const std::string& id, const core::Config& config,
                               const core::escalation::Directory& directory, TimePoint now) {
  std::size_t steps_before = 0;  // of the committed attempt (the last one run)
  auto r = store_.UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
    steps_before = current.escalation_steps.size();
    auto m = Escalate(current, config, directory, now);
    // Refusing writes nothing: no step, no page, no notification.
    if (!m) return MakeError(ErrorCode::kConflict, "incident " + current.id + " has no escalation due");
    return std::move(*m);
  });
  if (r) {
    for (std::size_t k = steps_before; k < r->escalation_steps.size(); ++k) {
      server_metrics::EscalationTier(r->escalation_steps[k].outcome);
    }
    return true;
  }
  if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kNotFound) {
    // Not "nothing due" but a failed write: the tier stays due and is tried again next tick.
    log::Error("escalation: cannot record a due tier", {{"incident", id}, {"error", r.error().message}});
  }
  return false;
}

int EscalationWorker::RunOnce(TimePoint now) {
  // One snapshot of the config (and of the directory) for the whole step.
  auto config = config_();
  auto directory = directory_();
  if (!directory || !config) return 0;
  int advanced = 0;
  auto scanned = ForEachDueIncident(store_, now, [&](const core::Incident& listed) {
    if (listed.escalation_team.empty() || listed.acknowledged || !listed.escalation_next_due ||
        *listed.escalation_next_due > now) {
      return;
    }
    if (Advance(listed.id, *config, *directory, now)) ++advanced;
  }, keep_going_);
  if (!scanned) log::Error("escalation: cannot list open incidents", {{"error", scanned.error().message}});
  return advanced;
}

int EscalationWorker::RunFor(const std::vector<std::string>& ids, TimePoint now) {
  auto config = config_();
  auto directory = directory_();
  if (!directory || !config) return 0;
  int advanced = 0;
  for (const auto& id : ids) {
    if (Advance(id, *config, *directory, now)) ++advanced;
  }
  return advanced;
}

}  // namespace tocsin::engine
