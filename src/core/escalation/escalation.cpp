#include "core/escalation/escalation.hpp"

#include "core/workflow/names.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace tocsin::core::escalation {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string TierLabel(const Policy& policy, int tier) {
  std::string label = "tier " + std::to_string(tier + 1);
  const std::string& name = policy.tiers[static_cast<std::size_t>(tier)].name;
  return name.empty() ? label : label + " " + Quoted(name);
}

std::string RoundLabel(int round) {
  return round == 0 ? "" : " (repeat " + std::to_string(round) + ")";
}

Link TierLink(const Policy& policy, int tier) {
  return Link{Link::Kind::kTier, std::to_string(tier + 1), policy.tiers[static_cast<std::size_t>(tier)].name};
}

void AppendUnique(std::vector<Resolved>& out, std::vector<Resolved> more) {
  for (Resolved& r : more) {
    bool seen = std::any_of(out.begin(), out.end(), [&](const Resolved& x) { return x.user == r.user; });
    if (!seen) out.push_back(std::move(r));
  }
}

std::vector<Link> Prefixed(std::vector<Link> prefix, const std::vector<Link>& rest) {
  prefix.insert(prefix.end(), rest.begin(), rest.end());
  return prefix;
}

}  // namespace

std::string Target::Describe() const {
  switch (kind) {
    case Kind::kUser:
      return "user " + name;
    case Kind::kSchedule:
      return "schedule " + Quoted(name);
    case Kind::kTeam:
      return "team " + name;
    case Kind::kPosition:
      return "position " + Quoted(name);
  }
  return name;
}

std::string DescribeChain(const std::vector<Link>& chain) {
  std::string out;
  for (const Link& link : chain) {
    if (!out.empty()) out += " → ";
    switch (link.kind) {
      case Link::Kind::kTeam:
        out += "team " + link.name;
        break;
      case Link::Kind::kPolicy:
        out += "policy " + Quoted(link.name);
        break;
      case Link::Kind::kTier:
        out += "tier " + link.name + (link.detail.empty() ? "" : " " + Quoted(link.detail));
        break;
      case Link::Kind::kSchedule:
        out += "schedule " + Quoted(link.name);
        break;
      case Link::Kind::kLayer:
        out += "layer " + Quoted(link.name);
        break;
      case Link::Kind::kOverride:
        out += "override " + link.name + (link.detail.empty() ? " (whole schedule)" : " (for " + link.detail + ")");
        break;
      case Link::Kind::kPosition:
        out += "position " + Quoted(link.name);
        break;
      case Link::Kind::kUser:
        out += "user " + link.name;
        break;
    }
  }
  return out;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPaged:
      return "paged";
    case Outcome::kNobody:
      return "nobody";
    case Outcome::kSkipped:
      return "skipped";
  }
  return "paged";
}

std::string FormatOffset(std::chrono::seconds offset) {
  std::int64_t s = offset.count();
  if (s == 0) return "0m";
  std::string out;
  const std::pair<std::int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto [size, unit] : units) {
    if (s >= size) {
      out += std::to_string(s / size) + unit;
      s %= size;
    }
  }
  return out;
}

TimePoint DueTime(const Policy& policy, TimePoint created, int round, int tier) {
  std::chrono::seconds cycle = policy.tiers.back().after + policy.repeat_after;
  return created + cycle * round + policy.tiers[static_cast<std::size_t>(tier)].after;
}

bool ConditionHolds(const Condition& condition, const std::string& severity,
                    const std::map<std::string, FieldValue>& fields, std::string* why_not) {
  if (!condition.severities.empty()) {
    bool match = std::any_of(condition.severities.begin(), condition.severities.end(),
                             [&](const std::string& s) { return s == severity; });
    if (!match) {
      if (why_not != nullptr) {
        *why_not = "severity " + (severity.empty() ? std::string("(none)") : severity) + " is not " +
                   Join(condition.severities, " or ");
      }
      return false;
    }
  }
  if (!condition.any_field.empty()) {
    std::vector<std::string> seen;
    for (const FieldCondition& fc : condition.any_field) {
      // A template field is stored under its key ("data_exposed"); the
      // condition may name it as the template writes it ("Data Exposed").
      auto it = fields.find(fc.field);
      if (it == fields.end()) it = fields.find(workflow::FieldKey(fc.field));
      if (it == fields.end() || it->second.Values().empty()) {
        seen.push_back(Quoted(fc.field) + " is not set");
        continue;
      }
      std::vector<std::string> values = it->second.Values();
      for (const std::string& value : values) {
        for (const std::string& wanted : fc.values) {
          if (EqualsNoCase(value, wanted)) return true;
        }
      }
      seen.push_back(Quoted(fc.field) + " is " + Join(values, ", ") + ", not " + Join(fc.values, " or "));
    }
    if (why_not != nullptr) *why_not = "no field matches (" + Join(seen, "; ") + ")";
    return false;
  }
  return true;
}

Decision Evaluate(const Policy& policy, const State& state, const Resolver& resolver, TimePoint now) {
  Decision decision;
  if (state.acknowledged || policy.tiers.empty()) return decision;
  auto done = [&](int round, int tier) -> const StepRecord* {
    for (const StepRecord& r : state.done) {
      if (r.round == round && r.tier == tier) return &r;
    }
    return nullptr;
  };
  const int tiers = static_cast<int>(policy.tiers.size());
  for (int round = 0; round <= policy.repeat; ++round) {
    // Set while the tier before had nobody to page: this one is decided at once.
    std::optional<std::string> falling_from;
    for (int t = 0; t < tiers; ++t) {
      const Tier& tier = policy.tiers[static_cast<std::size_t>(t)];
      const std::string label = TierLabel(policy, t) + RoundLabel(round);
      TimePoint due = DueTime(policy, state.created, round, t);
      if (const StepRecord* record = done(round, t)) {
        if (record->outcome == Outcome::kNobody) falling_from = label;
        if (record->outcome == Outcome::kPaged) falling_from.reset();
        continue;
      }
      if (!falling_from && due > now) {
        decision.next_due = due;
        return decision;
      }
      StepDecision step;
      step.record = StepRecord{round, t, due, Outcome::kPaged};
      std::string why_not;
      if (tier.condition && !ConditionHolds(*tier.condition, state.severity, state.fields, &why_not)) {
        step.record.outcome = Outcome::kSkipped;
        step.note = label + " skipped: " + why_not;
      } else {
        std::vector<Resolved> people;
        for (const Target& target : tier.targets) AppendUnique(people, resolver.Resolve(target, now));
        if (people.empty()) {
          step.record.outcome = Outcome::kNobody;
          std::vector<std::string> targets;
          for (const Target& target : tier.targets) targets.push_back(target.Describe());
          step.note = label + ": nobody to page (" + (targets.empty() ? "no targets" : Join(targets, ", ")) +
                      " resolved to nobody)";
          step.note += t + 1 < tiers ? "; falls through to " + TierLabel(policy, t + 1)
                                     : "; it is the last tier, nobody left to page in this round";
        } else {
          std::vector<std::string> names;
          for (Resolved& person : people) {
            names.push_back(person.user);
            Page page;
            page.user = person.user;
            page.round = round;
            page.tier = t;
            page.due = due;
            page.why = Prefixed({Link{Link::Kind::kTeam, policy.team, ""}, Link{Link::Kind::kPolicy, policy.name, ""},
                                 TierLink(policy, t)},
                                person.why);
            step.pages.push_back(std::move(page));
          }
          step.note = label + " paged " + Join(names, ", ");
        }
      }
      if (falling_from && due > now) step.note += " (early: " + *falling_from + " had nobody to page)";
      if (step.record.outcome == Outcome::kNobody) {
        falling_from = label;
      } else if (step.record.outcome == Outcome::kPaged) {
        falling_from.reset();
      }
      decision.pages.insert(decision.pages.end(), step.pages.begin(), step.pages.end());
      decision.steps.push_back(std::move(step));
    }
  }
  return decision;
}

std::string Summary(const Policy& policy) {
  std::vector<std::string> tiers;
  for (const Tier& tier : policy.tiers) {
    std::vector<std::string> targets;
    for (const Target& target : tier.targets) targets.push_back(target.Describe());
    std::string text = FormatOffset(tier.after) + ": " + (targets.empty() ? "nobody" : Join(targets, ", "));
    if (tier.condition) {
      std::vector<std::string> parts;
      if (!tier.condition->severities.empty()) parts.push_back("severity " + Join(tier.condition->severities, "/"));
      for (const FieldCondition& fc : tier.condition->any_field) {
        parts.push_back(Quoted(fc.field) + " " + Join(fc.values, "/"));
      }
      text += " (only when " + Join(parts, " or ") + ")";
    }
    tiers.push_back(std::move(text));
  }
  std::string out = Join(tiers, "; ");
  if (policy.repeat > 0) {
    out += "; repeats " + std::to_string(policy.repeat) + (policy.repeat == 1 ? " time, " : " times, ") +
           FormatOffset(policy.repeat_after) + " after the last tier";
  }
  return out;
}

std::vector<Policy> DefaultPolicies(const Config& config) {
  std::vector<Policy> out;
  for (const Team& team : config.teams) {
    if (config.FindPolicyForTeam(team.id) != nullptr) continue;
    Policy policy;
    policy.name = (team.name.empty() ? team.id : team.name) + " (default)";
    policy.team = team.id;
    policy.repeat = 2;
    policy.repeat_after = kDefaultRepeatAfter;
    policy.is_default = true;
    Tier tier;
    tier.name = "On-call";
    for (const schedule::Definition& s : config.schedules) {
      if (s.team == team.id) tier.targets.push_back(Target{Target::Kind::kSchedule, s.name});
    }
    policy.tiers.push_back(std::move(tier));
    out.push_back(std::move(policy));
  }
  return out;
}

namespace {

struct FieldInfo {
  const TemplateField* template_field = nullptr;  // when a template defines it
};

std::optional<FieldInfo> FindField(const Config& config, const std::string& name) {
  for (const IncidentTemplate& t : config.templates) {
    for (const TemplateField& f : t.fields) {
      if (f.name == name) return FieldInfo{&f};
    }
  }
  for (const Rule& rule : config.rules) {
    if (rule.fields.count(name) != 0) return FieldInfo{};
  }
  return std::nullopt;
}

void CheckCondition(const Config& config, const Condition& condition, const std::string& path,
                    std::vector<Problem>& problems) {
  if (condition.severities.empty() && condition.any_field.empty()) {
    problems.push_back({path, "an empty condition: give severity and/or any_field"});
  }
  for (std::size_t i = 0; i < condition.severities.size(); ++i) {
    const std::string& name = condition.severities[i];
    // No severities at all means that section was unusable and is reported already.
    if (!config.severities.empty() && config.FindSeverity(name) == nullptr) {
      std::vector<std::string> known;
      for (const SeverityLevel& level : config.severities) known.push_back(level.name);
      problems.push_back({path + ".severity[" + std::to_string(i) + "]",
                          "unknown severity '" + name + "' (configured: " + Join(known, ", ") + ")"});
    }
  }
  for (const FieldCondition& fc : condition.any_field) {
    std::string field_path = path + ".any_field." + fc.field;
    std::optional<FieldInfo> info = FindField(config, fc.field);
    if (!info) {
      problems.push_back({field_path, "unknown field '" + fc.field +
                                          "': no template defines it and no rule sets it"});
      continue;
    }
    if (info->template_field == nullptr) continue;
    const TemplateField& f = *info->template_field;
    for (const std::string& value : fc.values) {
      if (f.type == "boolean" && !EqualsNoCase(value, "true") && !EqualsNoCase(value, "false")) {
        problems.push_back({field_path, "'" + fc.field + "' is a boolean field: expected true or false, got '" +
                                            value + "'"});
      } else if ((f.type == "dropdown" || f.type == "multiselect") &&
                 std::find(f.options.begin(), f.options.end(), value) == f.options.end()) {
        problems.push_back({field_path, "'" + value + "' is not an option of '" + fc.field +
                                            "' (options: " + Join(f.options, ", ") + ")"});
      }
    }
  }
}

}  // namespace

std::vector<Problem> ValidatePolicies(const Config& config) {
  std::vector<Problem> problems;
  std::vector<std::pair<std::string, std::size_t>> team_owner;  // team id -> policy index
  auto holds_position = [&](const std::string& position) {
    return std::any_of(config.users.begin(), config.users.end(), [&](const User& u) {
      return std::find(u.positions.begin(), u.positions.end(), position) != u.positions.end();
    });
  };
  for (std::size_t i = 0; i < config.escalation_policies.size(); ++i) {
    const Policy& policy = config.escalation_policies[i];
    if (policy.is_default) continue;
    std::string path = "escalation_policies[" + std::to_string(i) + "]";
    if (config.FindTeam(policy.team) == nullptr) {
      problems.push_back({path + ".team", "unknown team '" + policy.team + "' (list it under teams:)"});
    } else {
      auto owner = std::find_if(team_owner.begin(), team_owner.end(),
                                [&](const auto& p) { return p.first == policy.team; });
      if (owner != team_owner.end()) {
        problems.push_back({path + ".team", "team '" + policy.team + "' already has escalation policy '" +
                                                config.escalation_policies[owner->second].name +
                                                "' (escalation_policies[" + std::to_string(owner->second) +
                                                "]); a team has one policy"});
      } else {
        team_owner.emplace_back(policy.team, i);
      }
    }
    if (policy.tiers.empty()) problems.push_back({path + ".tiers", "at least one tier is required"});
    for (std::size_t j = 0; j < policy.tiers.size(); ++j) {
      const Tier& tier = policy.tiers[j];
      std::string tier_path = path + ".tiers[" + std::to_string(j) + "]";
      if (tier.targets.empty()) {
        problems.push_back({tier_path + ".targets", "a tier needs at least one target"});
      }
      if (j > 0 && tier.after < policy.tiers[j - 1].after) {
        problems.push_back({tier_path + ".after", "starts at " + FormatOffset(tier.after) + ", before tiers[" +
                                                      std::to_string(j - 1) + "] (" +
                                                      FormatOffset(policy.tiers[j - 1].after) +
                                                      "); list tiers in the order they start"});
      }
      if (j == 0 && tier.condition) {
        problems.push_back({tier_path + ".condition",
                            "the first tier cannot have a condition: it is who the team's on-call handle names"});
      }
      for (std::size_t k = 0; k < tier.targets.size(); ++k) {
        const Target& target = tier.targets[k];
        std::string target_path = tier_path + ".targets[" + std::to_string(k) + "]";
        switch (target.kind) {
          case Target::Kind::kUser:
            if (config.FindUser(target.name) == nullptr) {
              problems.push_back({target_path, "unknown user '" + target.name + "' (list it under users:)"});
            }
            break;
          case Target::Kind::kSchedule:
            if (config.FindSchedule(target.name) == nullptr) {
              problems.push_back(
                  {target_path, "unknown schedule '" + target.name + "' (list it under schedules:)"});
            }
            break;
          case Target::Kind::kTeam:
            if (config.FindTeam(target.name) == nullptr) {
              problems.push_back({target_path, "unknown team '" + target.name + "' (list it under teams:)"});
            }
            break;
          case Target::Kind::kPosition:
            if (!holds_position(target.name)) {
              problems.push_back({target_path, "no user holds position '" + target.name +
                                                   "' (add it to a user's positions:)"});
            }
            break;
        }
      }
      if (tier.condition) CheckCondition(config, *tier.condition, tier_path + ".condition", problems);
    }
  }

  // Team targets in a first tier are edges between teams: A's on-call is B's on-call
  // is ... A's. Follow them from every team and report each cycle once, at the target
  // that closes it.
  auto first_tier_teams = [&](const std::string& team) -> std::vector<std::pair<std::string, std::string>> {
    std::vector<std::pair<std::string, std::string>> out;  // (team, path of the target)
    for (std::size_t i = 0; i < config.escalation_policies.size(); ++i) {
      const Policy& p = config.escalation_policies[i];
      if (p.team != team || p.is_default || p.tiers.empty()) continue;
      const auto& targets = p.tiers.front().targets;
      for (std::size_t k = 0; k < targets.size(); ++k) {
        if (targets[k].kind == Target::Kind::kTeam) {
          out.emplace_back(targets[k].name, "escalation_policies[" + std::to_string(i) + "].tiers[0].targets[" +
                                                std::to_string(k) + "]");
        }
      }
      break;  // a team's first policy is the one that counts
    }
    return out;
  };
  std::vector<std::string> finished;
  std::vector<std::string> reported_paths;
  for (const Team& start : config.teams) {
    // Iterative depth-first search; `stack` is the current path of teams.
    std::vector<std::string> stack{start.id};
    std::vector<std::vector<std::pair<std::string, std::string>>> pending{first_tier_teams(start.id)};
    while (!stack.empty()) {
      if (pending.back().empty()) {
        finished.push_back(stack.back());
        stack.pop_back();
        pending.pop_back();
        continue;
      }
      auto [next, target_path] = pending.back().back();
      pending.back().pop_back();
      auto on_path = std::find(stack.begin(), stack.end(), next);
      if (on_path != stack.end()) {
        if (std::find(reported_paths.begin(), reported_paths.end(), target_path) == reported_paths.end()) {
          std::vector<std::string> cycle(on_path, stack.end());
          cycle.push_back(next);
          for (std::string& team : cycle) team = "team " + team;
          problems.push_back({target_path, "cyclic reference: " + Join(cycle, " → ") +
                                               " (a team's on-call is whoever its policy's first tier pages)"});
          reported_paths.push_back(target_path);
        }
        continue;
      }
      if (std::find(finished.begin(), finished.end(), next) != finished.end()) continue;
      stack.push_back(next);
      pending.push_back(first_tier_teams(next));
    }
  }
  return problems;
}

Result<Directory> Directory::Create(const Config& config) {
  Directory d;
  for (const User& user : config.users) {
    d.users_.push_back(user.handle);
    for (const std::string& position : user.positions) d.users_by_position_[position].push_back(user.handle);
  }
  for (const schedule::Definition& definition : config.schedules) {
    Result<schedule::Schedule> compiled = schedule::Schedule::Create(definition);
    if (!compiled) return tl::unexpected(compiled.error());
    d.schedules_.insert_or_assign(definition.name, std::move(*compiled));
  }
  for (const Policy& policy : config.escalation_policies) d.policies_by_team_.emplace(policy.team, policy);
  for (Policy& policy : DefaultPolicies(config)) d.policies_by_team_.emplace(policy.team, std::move(policy));
  return d;
}

const Policy* Directory::PolicyForTeam(std::string_view team_id) const {
  auto it = policies_by_team_.find(team_id);
  return it == policies_by_team_.end() ? nullptr : &it->second;
}

const schedule::Schedule* Directory::FindSchedule(std::string_view name) const {
  auto it = schedules_.find(name);
  return it == schedules_.end() ? nullptr : &it->second;
}

void Directory::PutSchedule(schedule::Schedule s) {
  std::string name = s.name();
  schedules_.insert_or_assign(std::move(name), std::move(s));
}

std::vector<Resolved> Directory::TeamOnCall(std::string_view team_id, TimePoint at) const {
  std::vector<std::string> teams_open;
  return TeamOnCallIn(team_id, at, teams_open);
}

std::vector<Resolved> Directory::Resolve(const Target& target, TimePoint at) const {
  std::vector<std::string> teams_open;
  return ResolveIn(target, at, teams_open);
}

std::vector<Resolved> Directory::TeamOnCallIn(std::string_view team_id, TimePoint at,
                                              std::vector<std::string>& teams_open) const {
  std::vector<Resolved> out;
  const Policy* policy = PolicyForTeam(team_id);
  if (policy == nullptr || policy->tiers.empty()) return out;
  // Validation rejects cycles; this guard keeps an unvalidated config from recursing forever.
  if (std::find(teams_open.begin(), teams_open.end(), team_id) != teams_open.end()) return out;
  teams_open.emplace_back(team_id);
  std::vector<Link> prefix{Link{Link::Kind::kTeam, std::string(team_id), ""},
                           Link{Link::Kind::kPolicy, policy->name, ""}, TierLink(*policy, 0)};
  for (const Target& target : policy->tiers.front().targets) {
    std::vector<Resolved> people = ResolveIn(target, at, teams_open);
    for (Resolved& person : people) person.why = Prefixed(prefix, person.why);
    AppendUnique(out, std::move(people));
  }
  teams_open.pop_back();
  return out;
}

std::vector<Resolved> Directory::ResolveIn(const Target& target, TimePoint at,
                                           std::vector<std::string>& teams_open) const {
  std::vector<Resolved> out;
  switch (target.kind) {
    case Target::Kind::kUser:
      if (std::find(users_.begin(), users_.end(), target.name) != users_.end()) {
        out.push_back(Resolved{target.name, {Link{Link::Kind::kUser, target.name, ""}}});
      }
      break;
    case Target::Kind::kSchedule: {
      const schedule::Schedule* s = FindSchedule(target.name);
      if (s == nullptr) break;
      schedule::OnCall on_call = schedule::OnCallAt(*s, at);
      if (!on_call.user) break;
      Resolved r;
      r.user = *on_call.user;
      r.why.push_back(Link{Link::Kind::kSchedule, target.name, ""});
      if (on_call.source.kind == schedule::Source::Kind::kOverride) {
        r.why.push_back(Link{Link::Kind::kOverride, on_call.source.override_id, on_call.source.covered_user});
      } else {
        r.why.push_back(Link{Link::Kind::kLayer, on_call.source.layer, ""});
      }
      r.why.push_back(Link{Link::Kind::kUser, r.user, ""});
      out.push_back(std::move(r));
      break;
    }
    case Target::Kind::kTeam:
      out = TeamOnCallIn(target.name, at, teams_open);
      break;
    case Target::Kind::kPosition: {
      auto it = users_by_position_.find(target.name);
      if (it == users_by_position_.end()) break;
      for (const std::string& user : it->second) {
        AppendUnique(out, {Resolved{user, {Link{Link::Kind::kPosition, target.name, ""},
                                           Link{Link::Kind::kUser, user, ""}}}});
      }
      break;
    }
  }
  return out;
}

}  // namespace tocsin::core::escalation
