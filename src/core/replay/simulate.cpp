// Replay's simulator: the recorded alerts through one config, in virtual time.

#include <queue>
#include <tuple>

#include "core/escalation/escalation.hpp"
#include "core/notification/contact.hpp"
#include "core/replay/replay.hpp"
#include "core/rules/rules.hpp"

namespace tocsin::core::replay {
namespace {

namespace esc = core::escalation;

// What happens next to an incident: its resolution or its next escalation step.
struct Due {
  TimePoint at{};
  int incident = 0;
  bool resolve = false;  // else: an escalation step
  bool operator>(const Due& o) const {
    // Resolutions first at the same instant: a tier due when the incident is
    // resolved does not fire.
    return std::tie(at, resolve, incident) > std::tie(o.at, o.resolve, o.incident);
  }
};

struct GroupSlots {
  int open = -1;
  int previous = -1;
};

class Simulator {
 public:
  Simulator(const Config& config, const esc::Directory& directory, const History& history)
      : config_(config), directory_(directory), history_(history), rules_(config.rules, config.severities) {}

  Outcome Run() {
    out_.alerts.reserve(history_.alerts.size());
    for (const AlertRecord& record : history_.alerts) {
      if (record.duplicate) continue;
      AdvanceTo(record.alert.received_at);
      Feed(record);
    }
    AdvanceTo(history_.to);
    return std::move(out_);
  }

 private:
  void Feed(const AlertRecord& record) {
    const Alert& alert = record.alert;
    const TimePoint now = alert.received_at;
    Evaluation ev = record.fingerprint.empty() ? Evaluate(rules_, alert) : Evaluate(rules_, alert, record.fingerprint);
    GroupSlots& slots = groups_[ev.group_key];
    GroupState state;
    if (slots.open >= 0) state.open = incidents_[slots.open];
    if (slots.previous >= 0) state.previous = incidents_[slots.previous];
    PlanContext ctx{&config_, now, "A" + std::to_string(record.seq), &directory_};
    AlertPlan plan = Decide(ev, alert, state, ctx);
    int index = slots.open;
    if (plan.create) {
      index = Open(record, ev.group_key, std::move(*plan.create), plan);
      slots.open = index;
    } else if (plan.update && index >= 0) {
      incidents_[index] = std::move(*plan.update);
      SimIncident& sim = out_.incidents[index];
      sim.alerts.push_back(record.seq);
      // An incident nobody really had ends with its group's recovery.
      if (plan.decision == "recovered" && sim.recorded.empty() && !sim.resolved) {
        sim.resolved = now;
        due_.push({now, index, true});
      }
    } else {
      index = -1;
    }
    out_.alerts[record.seq] = {plan.decision, index};
  }

  int Open(const AlertRecord& record, const std::string& group_key, Incident incident, const AlertPlan& plan) {
    const int index = static_cast<int>(out_.incidents.size());
    incident.public_id = index + 1;
    SimIncident sim;
    sim.key = incident.id;
    sim.opening_seq = record.seq;
    sim.group_key = group_key;
    // "rules 'X', 'Y' opened a SEV-2 incident": the first named rule is the primary.
    if (auto q = plan.detail.find('\''); q != std::string::npos) {
      auto end = plan.detail.find('\'', q + 1);
      if (end != std::string::npos) sim.rule = plan.detail.substr(q + 1, end - q - 1);
    }
    sim.title = incident.title;
    sim.severity = incident.severity;
    sim.type = incident.type;
    sim.commander = incident.commander ? incident.commander->handle : "";
    sim.channels = incident.channels;
    sim.opened = incident.created;
    sim.team = incident.escalation_team;
    sim.alerts.push_back(record.seq);
    if (auto it = history_.incidents.find(record.incident_id); it != history_.incidents.end()) {
      sim.recorded = it->first;
      sim.acknowledged = it->second.acknowledged;
      sim.resolved = it->second.resolved;
    }
    if (sim.resolved) due_.push({std::max(*sim.resolved, sim.opened), index, true});
    if (incident.escalation_next_due) due_.push({*incident.escalation_next_due, index, false});
    out_.incidents.push_back(std::move(sim));
    // Escalation keeps what it decides on; the rules need only the incident's
    // identity and state (copied for every later alert of its group, so kept small).
    esc::State escalation;
    escalation.created = incident.created;
    escalation.severity = incident.severity;
    escalation.fields = std::move(incident.fields);
    escalations_.push_back(std::move(escalation));
    incident.fields.clear();
    incident.channels.clear();
    incident.title.clear();
    incident.commander_handle.clear();
    incidents_.push_back(std::move(incident));
    return index;
  }

  void AdvanceTo(TimePoint t) {
    while (!due_.empty() && due_.top().at <= t) {
      Due next = due_.top();
      due_.pop();
      if (next.resolve) {
        Close(next.incident);
      } else {
        Escalate(next.incident, next.at);
      }
    }
  }

  void Close(int index) {
    incidents_[index].state = IncidentState::kResolved;
    GroupSlots& slots = groups_[out_.incidents[index].group_key];
    if (slots.open == index) {
      slots.open = -1;
      slots.previous = index;
    }
  }

  void Escalate(int index, TimePoint now) {
    SimIncident& sim = out_.incidents[index];
    if (sim.acknowledged && *sim.acknowledged <= now) return;
    if (sim.resolved && *sim.resolved <= now) return;
    const esc::Policy* policy = directory_.PolicyForTeam(sim.team);
    if (!policy) return;
    esc::State& state = escalations_[index];
    esc::Decision decision = esc::Evaluate(*policy, state, directory_, now);
    const std::string team_channel = TeamPageChannel(config_, sim.team);
    for (const auto& step : decision.steps) {
      state.done.push_back(step.record);
      sim.tiers.push_back({step.record.round, step.record.tier, step.record.due,
                           std::string(esc::OutcomeName(step.record.outcome))});
      for (const auto& p : step.pages) {
        Page page;
        page.user = p.user;
        page.at = now;
        page.incident = sim.key;
        page.team = sim.team;
        page.round = p.round;
        page.tier = p.tier;
        for (const auto& link : p.why) {
          if (link.kind == esc::Link::Kind::kSchedule) page.schedule = link.name;
        }
        const User* user = config_.FindUser(p.user);
        if (user && !user->contact_methods.empty()) {
          // Each contact method goes out at its delay unless the incident is
          // acknowledged or resolved by then.
          for (const auto& item : ContactPages(*user, sim.key, "", now)) {
            TimePoint due = item.due.value_or(item.created);
            if (sim.acknowledged && *sim.acknowledged <= due) continue;
            if (sim.resolved && *sim.resolved <= due) continue;
            page.channels.push_back(item.channel);
          }
        } else if (!team_channel.empty()) {
          page.channels.push_back(team_channel);
        }
        out_.pages.push_back(std::move(page));
      }
    }
    if (decision.next_due) due_.push({*decision.next_due, index, false});
  }

  const Config& config_;
  const esc::Directory& directory_;
  const History& history_;
  RuleIndex rules_;
  Outcome out_;
  std::vector<Incident> incidents_;  // parallel to out_.incidents: the incident as rules see it
  std::vector<esc::State> escalations_;  // parallel too: what escalation decides on, and the steps taken
  std::unordered_map<std::string, GroupSlots> groups_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
};

}  // namespace

Result<Outcome> Simulate(const Config& config, const History& history) {
  auto directory = esc::Directory::Create(config);
  if (!directory) return tl::unexpected(directory.error());
  return Simulator(config, *directory, history).Run();
}

}  // namespace tocsin::core::replay
