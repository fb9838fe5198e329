#include "core/rules/rules.hpp"

#include <algorithm>

#include "common/random.hpp"
#include "core/incident/incident_patch.hpp"

namespace tocsin::core {
namespace {

std::string StripAt(const std::string& s) { return !s.empty() && s[0] == '@' ? s.substr(1) : s; }

bool HasWildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

std::string TagKey(const std::string& tag) {
  auto colon = tag.find(':');
  return colon == std::string::npos ? tag : tag.substr(0, colon);
}

bool ConditionAccepts(const Rule& rule, AlertState state) {
  std::string name(AlertStateName(state));
  if (rule.conditions.empty()) return state == AlertState::kAlert;
  return std::find(rule.conditions.begin(), rule.conditions.end(), name) != rule.conditions.end();
}

void AddUnique(std::vector<std::string>& out, const std::string& v) {
  if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string Describe(const Alert& a) {
  std::string out = "monitor '" + a.monitor_name + "' (" + a.source;
  if (!a.scope.empty()) out += ", scope " + a.scope;
  out += ")";
  return out;
}

}  // namespace

Actor RulesActor() { return Actor{"", "tocsin-rules"}; }

bool GlobMatch(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool TagsMatch(const Rule& rule, const Alert& alert) {
  for (const auto& want : rule.tags) {
    auto colon = want.find(':');
    bool found = false;
    if (colon == std::string::npos) {
      for (const auto& t : alert.tags) found = found || TagKey(t) == want;
    } else if (want.substr(colon + 1) == "*") {
      std::string key = want.substr(0, colon);
      for (const auto& t : alert.tags) found = found || (TagKey(t) == key && t.size() > key.size());
    } else {
      found = std::find(alert.tags.begin(), alert.tags.end(), want) != alert.tags.end();
    }
    if (!found) return false;
  }
  return true;
}

RuleIndex::RuleIndex(const std::vector<Rule>& rules, const std::vector<SeverityLevel>& severities) {
  int position = 0;
  for (const auto& r : rules) {
    int rank = static_cast<int>(severities.size());
    for (const auto& s : severities) {
      if (s.name == r.severity) rank = s.rank;
    }
    rank_[&r] = rank * 100000 + position++;
    rules_.push_back(&r);
    Add(&r);
  }
}

void RuleIndex::Add(const Rule* rule) {
  bool any_monitor = false;
  for (const auto& m : rule->monitors) {
    if (m == "*") {
      any_monitor = true;
    } else if (HasWildcard(m)) {
      if (std::find(globs_.begin(), globs_.end(), rule) == globs_.end()) globs_.push_back(rule);
    } else {
      by_monitor_[m].push_back(rule);
    }
  }
  if (any_monitor) {
    // '*' rules are keyed by their first tag's key so that alerts without that
    // tag never look at them; a '*' rule without tags matches everything.
    std::string key = rule->tags.empty() ? "" : TagKey(rule->tags.front());
    by_tag_key_[key].push_back(rule);
  }
}

std::vector<const Rule*> RuleIndex::Match(const Alert& alert) const {
  // A few candidates: a vector made unique, not a set (no allocation per rule).
  std::vector<const Rule*> candidates;
  auto add = [&candidates](const std::vector<const Rule*>& rules) {
    candidates.insert(candidates.end(), rules.begin(), rules.end());
  };
  if (auto it = by_monitor_.find(alert.monitor_name); it != by_monitor_.end()) add(it->second);
  for (const Rule* r : globs_) {
    for (const auto& m : r->monitors) {
      if (HasWildcard(m) && m != "*" && GlobMatch(m, alert.monitor_name)) candidates.push_back(r);
    }
  }
  if (!by_tag_key_.empty()) {
    if (auto it = by_tag_key_.find(""); it != by_tag_key_.end()) add(it->second);
    for (const auto& t : alert.tags) {
      if (auto it = by_tag_key_.find(TagKey(t)); it != by_tag_key_.end()) add(it->second);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<const Rule*> out;
  for (const Rule* r : candidates) {
    if (TagsMatch(*r, alert)) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [&](const Rule* a, const Rule* b) { return rank_.at(a) < rank_.at(b); });
  return out;
}

Evaluation Evaluate(const RuleIndex& index, const Alert& alert) { return Evaluate(index, alert, alert.Fingerprint()); }

Evaluation Evaluate(const RuleIndex& index, const Alert& alert, std::string fingerprint) {
  Evaluation e;
  e.matched = index.Match(alert);
  for (const Rule* r : e.matched) {
    if (ConditionAccepts(*r, alert.state)) e.triggered.push_back(r);
  }
  e.fingerprint = std::move(fingerprint);
  e.group_key = e.fingerprint;
  // group_by on the deciding rule: alerts sharing those tag values share one
  // incident, whatever their monitor or scope.
  const std::vector<const Rule*>& deciding = e.triggered.empty() ? e.matched : e.triggered;
  if (!deciding.empty() && !deciding.front()->group_by.empty()) {
    std::string key = "rule:" + deciding.front()->name;
    for (const auto& tag : deciding.front()->group_by) key += "|" + tag + "=" + alert.TagValue(tag).value_or("");
    e.group_key = Sha256Hex(key).substr(0, 32);
  }
  return e;
}

std::string RenderTitle(const std::string& tmpl, const Alert& alert) {
  std::string out;
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    auto open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    auto close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) break;
    out += tmpl.substr(pos, open - pos);
    std::string name = tmpl.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name == "monitor.name" || name == "monitor_name") {
      out += alert.monitor_name;
    } else if (name == "scope") {
      out += alert.scope;
    } else if (name == "value") {
      out += alert.value;
    } else if (name == "priority") {
      out += alert.priority;
    } else if (name == "title") {
      out += alert.title;
    } else if (name.rfind("tags.", 0) == 0 || name.rfind("tag.", 0) == 0) {
      out += alert.TagValue(name.substr(name.find('.') + 1)).value_or("");
    }
    pos = close + 2;
  }
  out += tmpl.substr(pos);
  return out;
}

AlertAction Classify(const Evaluation& ev, const Alert& alert, bool group_has_open) {
  if (alert.state == AlertState::kOk) return group_has_open ? AlertAction::kRecovered : AlertAction::kIgnored;
  if (group_has_open) return AlertAction::kAppended;
  return ev.triggered.empty() ? AlertAction::kIgnored : AlertAction::kOpened;
}

const char* AlertActionName(AlertAction action) {
  switch (action) {
    case AlertAction::kIgnored: return "ignored";
    case AlertAction::kRecovered: return "recovered";
    case AlertAction::kAppended: return "appended";
    case AlertAction::kOpened: return "opened";
  }
  return "ignored";
}

AlertPlan Decide(const Evaluation& ev, const Alert& alert, const GroupState& group, const PlanContext& ctx) {
  AlertPlan plan;
  const AlertAction action = Classify(ev, alert, group.open.has_value());
  const Actor actor = RulesActor();
  const TimePoint now = ctx.now;
  std::vector<std::string> rule_names;
  for (const Rule* r : ev.triggered) rule_names.push_back("'" + r->name + "'");

  if (alert.state == AlertState::kOk) {
    if (action == AlertAction::kIgnored) {
      plan.decision = AlertActionName(action);
      plan.detail = "recovery of " + Describe(alert) + " with no open incident";
      return plan;
    }
    Incident inc = *group.open;
    plan.decision = AlertActionName(action);
    plan.detail = "recovery recorded on the open incident";
    NewEvent recovered{now, actor, "alert_recovered", "Alert recovered: " + Describe(alert), {}};
    bool to_stable = std::any_of(ev.matched.begin(), ev.matched.end(), [](const Rule* r) { return r->recovery_to_stable; });
    if (to_stable && inc.state == IncidentState::kActive) {
      recovered.changes.push_back({"state", "active", "stable"});
      inc.state = IncidentState::kStable;
      plan.detail += "; moved to stable";
    }
    inc.modified = now;
    inc.modified_by = actor;
    ++inc.version;
    plan.update = std::move(inc);
    plan.update_events.push_back(std::move(recovered));
    return plan;
  }

  if (ev.triggered.empty()) {
    if (action == AlertAction::kAppended) {
      Incident inc = *group.open;
      plan.decision = AlertActionName(action);
      plan.detail = "no rule triggers on state " + std::string(AlertStateName(alert.state)) + "; recorded on the open incident";
      plan.update_events.push_back({now, actor, "alert_received",
                                    "Alert " + std::string(AlertStateName(alert.state)) + ": " + Describe(alert), {}});
      plan.update = std::move(inc);
      return plan;
    }
    plan.decision = AlertActionName(action);
    if (ev.matched.empty()) {
      plan.detail = "no rule matches " + Describe(alert);
    } else {
      std::vector<std::string> names;
      for (const Rule* r : ev.matched) names.push_back("'" + r->name + "'");
      plan.detail = "rules " + Join(names) + " match but none triggers on state " + std::string(AlertStateName(alert.state));
    }
    return plan;
  }

  if (action == AlertAction::kAppended) {
    Incident inc = *group.open;
    plan.decision = AlertActionName(action);
    plan.detail = "re-trigger appended to the open incident";
    NewEvent again{now, actor, "alert_retriggered",
                   "Alert re-triggered (" + std::string(AlertStateName(alert.state)) + "): " + Describe(alert), {}};
    if (inc.state == IncidentState::kStable) {
      again.changes.push_back({"state", "stable", "active"});
      inc.state = IncidentState::kActive;
    }
    inc.modified = now;
    inc.modified_by = actor;
    ++inc.version;
    plan.update = std::move(inc);
    plan.update_events.push_back(std::move(again));
    return plan;
  }

  // Open a new incident: the most severe rule decides, the others add.
  const Rule& primary = *ev.triggered.front();
  Incident inc;
  inc.id = ctx.new_incident_id;
  inc.title = RenderTitle(primary.title.empty() ? alert.monitor_name : primary.title, alert);
  if (inc.title.empty()) inc.title = alert.monitor_name;
  inc.severity = primary.severity.empty() ? std::string(kUnknownSeverity) : primary.severity;
  // The most severe rule that names a type gives it.
  for (const Rule* r : ev.triggered) {
    if (!r->type.empty()) {
      inc.type = r->type;
      break;
    }
  }
  inc.created = inc.modified = now;
  inc.created_by = inc.modified_by = actor;
  inc.detected = alert.started_at ? *alert.started_at : alert.received_at;
  inc.customer_impact_start = alert.started_at;
  inc.version = 1;
  std::string commander_note;
  if (!primary.commander.empty()) {
    std::string handle = StripAt(primary.commander);
    inc.commander_handle = "@" + handle;
    const bool notes = !ctx.outcome_only;
    inc.commander = Actor{notes ? NameUuid(handle) : std::string(), handle};
    if (notes) commander_note = "Commander: @" + handle;
    if (const Team* team = ctx.config ? ctx.config->FindTeamByHandle(handle) : nullptr) {
      // A team handle: the team's policy escalates this incident, and its
      // tier-1 person at this moment is the commander.
      inc.escalation_team = team->id;
      inc.escalation_next_due = now;
      std::vector<escalation::Resolved> oncall;
      if (ctx.directory) oncall = ctx.directory->TeamOnCall(team->id, now);
      if (!oncall.empty()) {
        inc.commander = Actor{notes ? NameUuid(oncall.front().user) : std::string(), oncall.front().user};
        if (notes) {
          commander_note = "Commander: @" + oncall.front().user + ", on call for @" + handle + " (" +
                           escalation::DescribeChain(oncall.front().why) + ")";
        }
      } else if (notes) {
        commander_note = "Nobody is on call for @" + handle + "; the handle stands as commander";
      }
    }
  }
  std::vector<std::string> services, teams, channels;
  std::string runbook = alert.runbook, dashboard;
  // Least severe first, so that more severe rules overwrite conflicting fields.
  for (auto it = ev.triggered.rbegin(); it != ev.triggered.rend(); ++it) {
    for (const auto& [name, value] : (*it)->fields) {
      if (value.is_list) {
        inc.fields[name] = FieldValue{"multiselect", true, std::nullopt, value.list};
      } else {
        inc.fields[name] = FieldValue{"textbox", false, value.text, std::nullopt};
      }
    }
  }
  for (const Rule* r : ev.triggered) {
    if (auto f = r->fields.find("services_affected"); f != r->fields.end()) {
      for (const auto& s : f->second.list) AddUnique(services, s);
      if (f->second.text) AddUnique(services, *f->second.text);
    }
    if (const Team* t = ctx.config ? ctx.config->FindTeamByHandle(StripAt(r->commander)) : nullptr) AddUnique(teams, t->name);
    for (const auto& c : r->notifications) AddUnique(channels, c);
    if (runbook.empty()) runbook = r->runbook;
    if (dashboard.empty()) dashboard = r->dashboard;
  }
  if (!services.empty()) {
    inc.fields["services_affected"] = FieldValue{"multiselect", true, std::nullopt, services};
    inc.fields["services"] = FieldValue{"autocomplete", true, std::nullopt, services};
  }
  if (!teams.empty()) inc.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, teams};
  inc.fields["detection_method"] = FieldValue{"dropdown", false, std::string("monitor"), std::nullopt};
  inc.fields["monitor"] = FieldValue{"textbox", false, alert.monitor_name, std::nullopt};
  if (!runbook.empty()) inc.fields["runbook"] = FieldValue{"textbox", false, runbook, std::nullopt};
  if (!dashboard.empty()) inc.fields["dashboard"] = FieldValue{"textbox", false, dashboard, std::nullopt};

  const bool events = !ctx.outcome_only;
  if (events) {
    plan.create_events.push_back({now, actor, std::string(kEventCreated),
                                  "Opened by rule '" + primary.name + "' from " + Describe(alert),
                                  {{"severity", "", inc.severity}, {"state", "", "active"}}});
    for (const Rule* r : ev.triggered) {
      plan.create_events.push_back({now, actor, "rule_matched",
                                    "Rule '" + r->name + "' matched (severity " + r->severity + ")", {}});
    }
  }
  if (group.previous) {
    std::string prev = "IR-" + std::to_string(group.previous->public_id);
    inc.fields["recurrence_of"] = FieldValue{"textbox", false, prev, std::nullopt};
    if (events) {
      plan.create_events.push_back({now, actor, "recurrence", "Recurrence of " + prev + " (" + group.previous->id + ")", {}});
    }
  }
  if (inc.commander && events) plan.create_events.push_back({now, actor, "commander_assigned", commander_note, {}});
  inc.channels = channels;
  for (const auto& c : channels) {
    if (!events) break;
    plan.notifications.push_back({c, inc.id, "incident_opened", now, "rule '" + primary.name + "'"});
    plan.create_events.push_back({now, actor, "notification_queued", "Notification queued for " + c, {}});
  }
  // Alert text has its own (larger) bounds: cut it to the incident's limits,
  // or the incident could never be updated or resolved through the API.
  FitToLimits(inc);
  plan.decision = AlertActionName(action);  // kOpened
  plan.detail = "rules " + Join(rule_names) + " opened a " + inc.severity + " incident";
  plan.create = std::move(inc);
  return plan;
}

}  // namespace tocsin::core
