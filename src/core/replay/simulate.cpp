// Replay's simulator: the recorded alerts through one config, in virtual time.

#include <algorithm>
#include <queue>
#include <unordered_map>
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
    auto by_seq = [](const AlertOutcome& a, const AlertOutcome& b) { return a.seq < b.seq; };
    if (!std::is_sorted(out_.alerts.begin(), out_.alerts.end(), by_seq)) {
      std::stable_sort(out_.alerts.begin(), out_.alerts.end(), by_seq);
    }
    return std::move(out_);
  }

 private:
  // Replay's own fast path: Classify() says what the alert does, and only an
  // alert that opens an incident goes through Decide() (for the incident's
  // title, severity, commander, fields and channels); the others change nothing
  // replay reports, so no timeline text, fields or incident copies are built.
  void Feed(const AlertRecord& record) {
    const Alert& alert = record.alert;
    const TimePoint now = alert.received_at;
    Evaluation ev = record.fingerprint.empty() ? Evaluate(rules_, alert) : Evaluate(rules_, alert, record.fingerprint);
    GroupSlots& slots = groups_[ev.group_key];
    const AlertAction action = Classify(ev, alert, slots.open >= 0);
    int index = -1;
    if (action == AlertAction::kOpened) {
      GroupState state;
      if (slots.previous >= 0) {
        // All that an opening reads of the group's last incident.
        const SimIncident& previous = out_.incidents[slots.previous];
        state.previous.emplace();
        state.previous->id = previous.key;
        state.previous->public_id = slots.previous + 1;
      }
      PlanContext ctx{&config_, now, std::string(1, 'A'), &directory_};
      ctx.new_incident_id += std::to_string(record.seq);
      ctx.outcome_only = true;
      AlertPlan plan = Decide(ev, alert, state, ctx);
      index = Open(record, ev.group_key, std::move(*plan.create), plan);
      slots.open = index;
    } else if (action != AlertAction::kIgnored) {
      index = slots.open;
      SimIncident& sim = out_.incidents[index];
      sim.alerts.push_back(record.seq);
      // An incident nobody really had ends with its group's recovery.
      if (action == AlertAction::kRecovered && sim.recorded.empty() && !sim.resolved) {
        sim.resolved = now;
        due_.push({now, index, true});
      }
    }
    out_.alerts.push_back({record.seq, AlertActionName(action), index});
  }

  int Open(const AlertRecord& record, const std::string& group_key, Incident incident, const AlertPlan& plan) {
    const int index = static_cast<int>(out_.incidents.size());
    SimIncident sim;
    sim.key = std::move(incident.id);
    sim.opening_seq = record.seq;
    sim.group_key = group_key;
    // "rules 'X', 'Y' opened a SEV-2 incident": the first named rule is the primary.
    if (auto q = plan.detail.find('\''); q != std::string::npos) {
      auto end = plan.detail.find('\'', q + 1);
      if (end != std::string::npos) sim.rule = plan.detail.substr(q + 1, end - q - 1);
    }
    sim.title = std::move(incident.title);
    sim.severity = incident.severity;
    sim.type = std::move(incident.type);
    sim.commander = incident.commander ? incident.commander->handle : "";
    sim.channels = std::move(incident.channels);
    sim.opened = incident.created;
    sim.team = std::move(incident.escalation_team);
    sim.alerts.push_back(record.seq);
    if (auto it = history_.incidents.find(record.incident_id); it != history_.incidents.end()) {
      sim.recorded = it->first;
      sim.acknowledged = it->second.acknowledged;
      sim.resolved = it->second.resolved;
    }
    if (sim.resolved) due_.push({std::max(*sim.resolved, sim.opened), index, true});
    if (incident.escalation_next_due) due_.push({*incident.escalation_next_due, index, false});
    out_.incidents.push_back(std::move(sim));
    // Escalation keeps what it decides on.
    esc::State escalation;
    escalation.created = incident.created;
    escalation.severity = std::move(incident.severity);
    escalation.fields = std::move(incident.fields);
    escalations_.push_back(std::move(escalation));
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
  std::vector<esc::State> escalations_;  // parallel too: what escalation decides on, and the steps taken
  std::unordered_map<std::string, GroupSlots> groups_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
};

}  // namespace

const AlertOutcome* Outcome::FindAlert(std::int64_t seq) const {
  auto it = std::lower_bound(alerts.begin(), alerts.end(), seq,
                             [](const AlertOutcome& a, std::int64_t s) { return a.seq < s; });
  return it != alerts.end() && it->seq == seq ? &*it : nullptr;
}

Result<Outcome> Simulate(const Config& config, const History& history) {
  auto directory = esc::Directory::Create(config);
  if (!directory) return tl::unexpected(directory.error());
  return Simulator(config, *directory, history).Run();
}

}  // namespace tocsin::core::replay
