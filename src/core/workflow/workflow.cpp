#include "core/workflow/workflow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tocsin::core::workflow {
namespace {

constexpr std::string_view kStatusUpdate = "status_update";

bool Has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool AnyStatusUpdate(const std::vector<NewEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const NewEvent& e) { return e.kind == kStatusUpdate; });
}

std::string Quote(const std::string& text) {
  constexpr std::size_t kShown = 120;
  return "\"" + (text.size() <= kShown ? text : text.substr(0, kShown) + "...") + "\"";
}

// Adds the items of every checklist that starts at `when`, unless an open todo
// of the same checklist already says the same (a reopened incident gets back
// what it needs, not a second copy of what is still open).
void AddChecklists(const Config& config, std::string_view when, Incident& inc, std::vector<NewEvent>& events,
                   TimePoint now, const std::function<std::string()>& new_id) {
  for (const auto& list : config.checklists) {
    if (list.when != when) continue;
    int added = 0;
    for (const auto& item : list.items) {
      bool open = std::any_of(inc.todos.begin(), inc.todos.end(), [&](const Todo& t) {
        return !t.completed && t.checklist == list.phase && t.content == item.text;
      });
      if (open) continue;
      Todo t;
      t.id = new_id();
      t.content = item.text;
      t.checklist = list.phase;
      t.completes_on = item.completes_on;
      t.created = t.modified = now;
      t.created_by = t.modified_by = Actor::System();
      inc.todos.push_back(std::move(t));
      ++added;
    }
    if (added > 0) {
      events.push_back({now, Actor::System(), "checklist_added",
                        "Checklist '" + list.phase + "': " + std::to_string(added) + " item" + (added == 1 ? "" : "s") +
                            " added",
                        {}});
    }
  }
}

void AddLink(Incident& inc, std::vector<NewEvent>& events, const std::string& title, const std::string& url,
             TimePoint now, const std::function<std::string()>& new_id) {
  if (url.empty()) return;
  for (const auto& a : inc.attachments) {
    if (a.url == url) return;
  }
  Attachment a;
  a.id = new_id();
  a.url = url;
  a.title = title;
  a.created = a.modified = now;
  a.created_by = a.modified_by = Actor::System();
  inc.attachments.push_back(a);
  events.push_back({now, Actor::System(), "link_added", "Link added: " + title + " (" + url + ")", {}});
}

std::string FieldText(const Incident& inc, const std::string& key) {
  auto it = inc.fields.find(key);
  if (it == inc.fields.end() || it->second.is_list || !it->second.text) return "";
  return *it->second.text;
}

const IncidentTemplate* TemplateOf(const Config& config, const std::string& type) {
  if (type.empty()) return nullptr;
  const IncidentType* t = config.FindType(type);
  if (!t || t->template_name.empty()) return nullptr;
  return config.FindTemplate(t->template_name);
}

bool IsListFieldType(const std::string& type) { return type == "multiselect" || type == "textarray"; }

std::string StoredType(const std::string& type) { return type == "text" ? "textbox" : type; }

std::string OptionList(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) out += (out.empty() ? "" : ", ") + o;
  return out;
}

// One template-typed value, checked and normalized.
Result<FieldValue> CheckTyped(const TemplateField& f, const FieldValue& v, const std::string& path) {
  FieldValue out;
  out.type = StoredType(f.type);
  out.is_list = IsListFieldType(f.type);
  bool null = v.is_list ? !v.list : !v.text;
  if (null) return out;  // clears the field
  if (out.is_list != v.is_list) {
    return InvalidArgument(path + ": a " + f.type + " field takes " +
                           (out.is_list ? "a list" + std::string(f.type == "multiselect" ? " of its options" : " of strings")
                                        : std::string("one value, not a list")));
  }
  if (out.is_list) {
    for (const auto& item : *v.list) {
      if (f.type == "multiselect" && !Has(f.options, item)) {
        return InvalidArgument(path + ": '" + item + "' is not one of its options (" + OptionList(f.options) + ")");
      }
    }
    out.list = v.list;
    return out;
  }
  const std::string& text = *v.text;
  if (f.type == "dropdown") {
    if (!Has(f.options, text)) {
      return InvalidArgument(path + ": '" + text + "' is not one of its options (" + OptionList(f.options) + ")");
    }
  } else if (f.type == "number") {
    char* end = nullptr;
    double d = text.empty() ? 0 : std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d) || std::isspace(static_cast<unsigned char>(text[0]))) {
      return InvalidArgument(path + ": '" + text + "' is not a number");
    }
  } else if (f.type == "boolean") {
    if (text != "true" && text != "false") return InvalidArgument(path + ": '" + text + "' is not true or false");
  }
  out.text = text;
  return out;
}

}  // namespace

std::string_view PhaseOf(const Incident& i) {
  if (IsClosed(i.state)) return kPhaseResolution;
  if (i.state == IncidentState::kStable) return kPhaseMitigation;
  return i.acknowledged ? kPhaseInvestigation : kPhaseDetection;
}

std::vector<std::string> Observe(const Incident& before, const Incident& after, const std::vector<NewEvent>& events,
                                 std::optional<std::chrono::seconds> cadence) {
  std::vector<std::string> out;
  bool status_update = AnyStatusUpdate(events);
  TimePoint now = after.modified;
  if (!before.acknowledged && after.acknowledged) out.emplace_back("acknowledged");
  if (status_update && !before.last_status_update) out.emplace_back("initial_assessment");
  if (before.severity != after.severity) out.emplace_back("severity_changed");
  if (status_update && !IsClosed(after.state) && after.acknowledged) {
    std::optional<TimePoint> previous = before.last_status_update ? before.last_status_update : after.acknowledged;
    if (!cadence || (previous && now - *previous <= *cadence)) out.emplace_back("status_update_on_cadence");
  }
  if (!IsClosed(before.state) && IsClosed(after.state)) out.emplace_back("resolved");
  if (status_update && IsClosed(before.state) && IsClosed(after.state)) out.emplace_back("resolution_summary");
  if (!before.postmortem && after.postmortem) out.emplace_back("postmortem_scheduled");
  return out;
}

void Follow(const Config& config, const Incident* before, Incident& after, std::vector<NewEvent>& events,
            const std::function<std::string()>& new_id) {
  // The template's fields, unset, so that people see what to fill in.
  auto add_template_fields = [&] {
    const IncidentTemplate* tpl = TemplateOf(config, after.type);
    if (!tpl) return;
    for (const auto& f : tpl->fields) {
      std::string key = FieldKey(f.name);
      if (after.fields.count(key)) continue;
      FieldValue empty;
      empty.type = StoredType(f.type);
      empty.is_list = IsListFieldType(f.type);
      after.fields[key] = std::move(empty);
    }
  };
  if (!before) {
    TimePoint now = after.created;
    add_template_fields();
    AddLink(after, events, "Runbook", FieldText(after, "runbook"), now, new_id);
    std::string dashboard = FieldText(after, "dashboard");
    const IncidentType* type = after.type.empty() ? nullptr : config.FindType(after.type);
    if (dashboard.empty() && type) dashboard = type->dashboard;
    AddLink(after, events, type ? "Dashboard: " + type->name : "Dashboard", dashboard, now, new_id);
    AddChecklists(config, "created", after, events, now, new_id);
    after.phase = std::string(PhaseOf(after));
    // Which config the incident was opened under, on its creation event.
    if (!config.source_sha256.empty()) {
      for (auto& e : events) {
        if (e.kind == kEventCreated) e.changes.push_back({"config_hash", "", config.source_sha256});
      }
    }
    return;
  }

  TimePoint now = after.modified;
  if (after.type != before->type) add_template_fields();
  const SeverityLevel* level = config.FindSeverity(after.severity);
  auto observed = Observe(*before, after, events, level ? level->update_cadence : std::nullopt);
  bool reopened = IsClosed(before->state) && !IsClosed(after.state);
  if (Has(observed, "acknowledged") || (reopened && after.acknowledged)) {
    AddChecklists(config, "acknowledged", after, events, now, new_id);
  }
  if (Has(observed, "resolved")) {
    AddChecklists(config, "resolved", after, events, now, new_id);
    if (level && level->postmortem_required && !after.postmortem) {
      Postmortem pm;
      pm.id = new_id();
      pm.created = pm.modified = now;
      pm.due = now + config.postmortem.due_after_resolution;
      pm.modified_by = Actor::System();
      after.postmortem = std::move(pm);
      events.push_back({now, Actor::System(), "postmortem_created",
                        "Post-mortem draft created (required for " + after.severity + "), due " +
                            FormatRfc3339(after.postmortem->due),
                        {{"postmortem", "", "draft"}}});
      observed.emplace_back("postmortem_scheduled");
    }
  }
  // Self-ticking items: the actor of the change that showed the event did it.
  for (auto& t : after.todos) {
    if (t.completed || t.completes_on.empty() || !Has(observed, t.completes_on)) continue;
    Actor by = t.completes_on == "acknowledged" && after.acknowledged_by ? *after.acknowledged_by : after.modified_by;
    t.completed = now;
    t.completed_by_event = t.completes_on;
    t.modified = now;
    t.modified_by = by;
    events.push_back({now, by, "todo_completed",
                      "Checklist item done: " + Quote(t.content) + " (" + t.completes_on + " by @" + by.handle + ")",
                      {{"completed", "", FormatRfc3339(now)}}});
  }
  std::string phase(PhaseOf(after));
  if (phase != before->phase) {
    if (!before->phase.empty()) {
      events.push_back({now, after.modified_by, "phase_changed", "Phase: " + before->phase + " -> " + phase,
                        {{"phase", before->phase, phase}}});
    }
    after.phase = phase;
  }
}

bool IsBuiltinField(std::string_view key) {
  static constexpr std::string_view kBuiltin[] = {
      "summary",         "root_cause",     "detection_method", "services",  "teams",     "customer_impact",
      "users_affected",  "revenue_impact", "services_affected", "monitor",  "runbook",   "dashboard",
      "recurrence_of",   "timeline",       "what_went_well",    "what_could_be_improved"};
  return std::find(std::begin(kBuiltin), std::end(kBuiltin), key) != std::end(kBuiltin);
}

Result<std::map<std::string, FieldValue>> CheckFields(const Config& config, const std::string& type,
                                                      const std::map<std::string, FieldValue>& fields) {
  std::map<std::string, FieldValue> out;
  const IncidentTemplate* tpl = TemplateOf(config, type);
  for (const auto& [key, value] : fields) {
    std::string path = "data.attributes.fields." + key;
    const TemplateField* typed = nullptr;
    if (tpl) {
      for (const auto& f : tpl->fields) {
        if (f.name == key || FieldKey(f.name) == key) typed = &f;
      }
    }
    if (typed) {
      auto v = CheckTyped(*typed, value, path);
      if (!v) return tl::unexpected(v.error());
      out[FieldKey(typed->name)] = std::move(*v);
      continue;
    }
    const std::string& name = key;  // (a structured binding cannot be captured before C++20's P1091 in clang 14)
    bool known = IsBuiltinField(name) || std::any_of(config.rules.begin(), config.rules.end(), [&](const Rule& r) {
                   return r.fields.count(name) > 0;
                 });
    if (!known) {
      std::string hint;
      if (tpl) {
        for (const auto& f : tpl->fields) hint += (hint.empty() ? "" : ", ") + FieldKey(f.name);
        hint = " (the fields of type '" + type + "' are: " + hint + ")";
      } else if (type.empty()) {
        hint = " (the incident has no type: set fields.type to use a template's fields)";
      }
      return InvalidArgument(path + ": unknown field" + hint);
    }
    out[key] = value;
  }
  return out;
}

}  // namespace tocsin::core::workflow
