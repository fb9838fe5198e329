// types:, checklists:, postmortem: — how an incident is worked once it is open:
// its type (template and dashboard), the todos added at points of its workflow
// (the seed's "Quick Reference Card"), and its post-mortem.

#include <algorithm>
#include <iterator>

#include "config/sections.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::config::detail {
namespace {

using ListForm = Reader::ListForm;

std::string WithPath(const MarkedString& where, const std::string& message) {
  return where.path.empty() ? message : where.path + ": " + message;
}

// "a, b, c" of anything with a name.
template <typename Items, typename Name>
std::string JoinNames(const Items& items, Name name) {
  std::string out;
  for (const auto& item : items) {
    std::string text = name(item);
    if (text.empty()) continue;
    out += (out.empty() ? "" : ", ") + text;
  }
  return out;
}

std::string CompletesOnEvents() {
  return JoinNames(core::kCompletesOnEvents, [](const char* e) { return std::string(e); });
}

// By name only: the file names types, ids are for the API.
bool HasType(const core::Config& config, const std::string& name) {
  return std::any_of(config.types.begin(), config.types.end(),
                     [&](const core::IncidentType& t) { return t.name == name; });
}

bool IsCompletesOnEvent(const std::string& text) {
  return std::any_of(std::begin(core::kCompletesOnEvents), std::end(core::kCompletesOnEvents),
                     [&](const char* e) { return text == e; });
}

// The seed's three Quick Reference Card phases say when their todos are added.
std::string WhenOfSeedPhase(const std::string& phase) {
  if (phase == "On Incident Creation") return "created";
  if (phase == "During Investigation") return "acknowledged";
  if (phase == "On Resolution") return "resolved";
  return "";
}

// A non-empty string, or nullopt (reported).
std::optional<std::string> NonEmpty(LoadState& state, const Value* v) {
  auto text = state.reader.String(v);
  if (!text) return std::nullopt;
  if (text->empty()) {
    state.reader.Report(*v, "must not be empty");
    return std::nullopt;
  }
  return text;
}

// One checklist item: "text" (ticked by hand) or {text, completes_on}.
void LoadChecklistItem(LoadState& state, const Value& item, std::vector<MarkedString>& seen,
                       core::Checklist& checklist) {
  Reader& r = state.reader;
  core::ChecklistItem out;
  out.mark = item.mark;
  const Value* text_value = &item;
  // Outlives the branch below: text_value may point into it.
  std::optional<Fields> fields;
  if (item.node.IsMap()) {
    fields = r.Map(item, {"text", "completes_on"});
    if (!fields) return;
    text_value = r.Require(*fields, "text");
    if (const Value* v = fields->Get("completes_on")) {
      if (auto event = r.String(v)) {
        if (IsCompletesOnEvent(*event)) {
          out.completes_on = *event;
        } else {
          r.Report(*v, "unknown event '" + *event + "' (allowed: " + CompletesOnEvents() + ")");
        }
      }
    }
    if (text_value == nullptr) return;
  } else if (!item.node.IsScalar()) {
    r.Report(item, "expected a todo text, or {text, completes_on}, got " + Describe(item.node));
    return;
  }
  auto text = NonEmpty(state, text_value);
  if (!text) return;
  if (!CheckUnique(state, seen, MarkedString{*text, text_value->mark, text_value->path}, "item")) return;
  out.text = *text;
  checklist.items.push_back(std::move(out));
}

}  // namespace

void LoadTypes(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"name", "description", "template", "dashboard"});
    if (!fields) continue;
    core::IncidentType type;
    type.mark = item.mark;
    if (auto name = NonEmpty(state, r.Require(*fields, "name"))) {
      const Value* v = fields->Get("name");
      if (CheckUnique(state, seen, MarkedString{*name, v->mark, v->path}, "incident type")) {
        type.name = *name;
        type.id = core::workflow::TypeId(*name);
      }
    }
    if (auto s = r.String(fields->Get("description"))) type.description = *s;
    MarkedString template_ref;
    if (const Value* v = fields->Get("template")) {
      if (auto name = NonEmpty(state, v)) template_ref = MarkedString{*name, v->mark, v->path};
    }
    if (const Value* v = fields->Get("dashboard")) {
      if (auto url = NonEmpty(state, v)) type.dashboard = *url;
    }
    if (type.name.empty()) continue;  // reported; its references would only add noise
    state.config.types.push_back(std::move(type));
    state.refs.type_templates.push_back(std::move(template_ref));
  }
}

void LoadChecklists(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto items = r.List(value);
  if (!items) return;
  std::vector<MarkedString> seen;
  for (const Value& item : *items) {
    auto fields = r.Map(item, {"phase", "when", "items"});
    if (!fields) continue;
    core::Checklist checklist;
    checklist.mark = item.mark;
    const Value* phase = r.Require(*fields, "phase");
    if (auto name = NonEmpty(state, phase)) {
      if (CheckUnique(state, seen, MarkedString{*name, phase->mark, phase->path}, "phase")) {
        checklist.phase = *name;
      }
    }
    if (const Value* when = fields->Get("when")) {
      if (auto s = r.OneOf(when, {"created", "acknowledged", "resolved"})) checklist.when = *s;
    } else if (!checklist.phase.empty()) {
      checklist.when = WhenOfSeedPhase(checklist.phase);
      if (checklist.when.empty()) {
        r.Report(*phase, "phase '" + checklist.phase +
                             "' needs when: created, acknowledged or resolved (only On Incident "
                             "Creation, During Investigation and On Resolution imply one)");
      }
    }
    if (const Value* v = r.Require(*fields, "items")) {
      if (auto entries = r.List(*v)) {
        if (entries->empty()) r.Report(*v, "at least one item is required");
        std::vector<MarkedString> seen_items;
        for (const Value& entry : *entries) LoadChecklistItem(state, entry, seen_items, checklist);
      }
    }
    if (!checklist.phase.empty()) state.config.checklists.push_back(std::move(checklist));
  }
}

void LoadPostmortem(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  auto fields = r.Map(value, {"due_after_resolution", "reminder_every", "attendees", "document"});
  if (!fields) return;
  core::PostmortemConfig& pm = state.config.postmortem;
  pm.mark = value.mark;
  if (auto d = r.Duration(fields->Get("due_after_resolution"))) pm.due_after_resolution = *d;
  if (auto d = r.Duration(fields->Get("reminder_every"))) pm.reminder_every = *d;
  if (auto attendees = r.StringList(fields->Get("attendees"), ListForm::kListOnly)) {
    for (const MarkedString& a : *attendees) {
      if (a.text.empty()) {
        r.Report(a.mark, a.path + ": attendee must not be empty");
      } else {
        pm.attendees.push_back(a.text);
      }
    }
  }
  if (auto s = r.String(fields->Get("document"))) pm.document = *s;
}

void CheckWorkflow(LoadState& state) {
  Reader& r = state.reader;
  core::Config& config = state.config;
  auto type_names = [&] { return JoinNames(config.types, [](const core::IncidentType& t) { return t.name; }); };

  for (std::size_t k = 0; k < config.types.size(); ++k) {
    const MarkedString& ref = state.refs.type_templates[k];
    if (ref.text.empty()) continue;
    if (config.FindTemplate(ref.text) == nullptr) {
      std::string known = JoinNames(config.templates, [](const core::IncidentTemplate& t) { return t.name; });
      r.Report(ref.mark, WithPath(ref, "unknown template '" + ref.text + "' (" +
                                           (known.empty() ? "list it under templates:" : "configured: " + known) +
                                           ")"));
    } else {
      config.types[k].template_name = ref.text;
    }
  }

  for (const MarkedString& ref : state.refs.rule_types) {
    if (HasType(config, ref.text)) continue;
    std::string known = type_names();
    r.Report(ref.mark, WithPath(ref, "unknown incident type '" + ref.text + "' (" +
                                         (known.empty() ? "list it under types:" : "configured: " + known) + ")"));
  }

  // Without types:, dashboards: labels its rows freely (the seed's table does).
  if (state.has_types_section) {
    for (const MarkedString& ref : state.refs.dashboard_types) {
      if (HasType(config, ref.text)) continue;
      std::string known = type_names();
      r.Report(ref.mark, WithPath(ref, "unknown incident type '" + ref.text + "' (" +
                                           (known.empty() ? "list it under types:" : "configured: " + known) +
                                           ")"));
    }
  }

  for (core::IncidentType& type : config.types) {
    if (!type.dashboard.empty()) continue;
    for (const core::DashboardLink& link : config.dashboards) {
      if (link.incident_type == type.name) type.dashboard = link.url;
    }
  }
}

}  // namespace tocsin::config::detail
