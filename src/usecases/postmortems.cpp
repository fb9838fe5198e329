#include "usecases/postmortems.hpp"

#include <algorithm>

namespace tocsin::usecases {
namespace {

constexpr std::int64_t kTimelinePage = 5000;

void Touch(core::Incident& inc, const core::Actor& actor, TimePoint now) {
  inc.modified = now;
  inc.modified_by = actor;
  ++inc.version;
}

std::string Short(const std::string& text) {
  constexpr std::size_t kShown = 120;
  return text.size() <= kShown ? text : text.substr(0, kShown) + "...";
}

std::string StateText(core::PostmortemState s) { return std::string(core::PostmortemStateName(s)); }

}  // namespace

Result<PostmortemView> ReadPostmortem(const Context& ctx, const std::string& incident_id) {
  auto inc = ctx.store->GetIncident(incident_id);
  if (!inc) return tl::unexpected(inc.error());
  if (!inc->postmortem) return NotFound("incident " + incident_id + " has no post-mortem");
  std::vector<core::TimelineEvent> timeline;
  for (std::int64_t offset = 0;; offset += kTimelinePage) {
    auto page = ctx.store->Timeline(inc->id, offset, kTimelinePage);
    if (!page) return tl::unexpected(page.error());
    timeline.insert(timeline.end(), std::make_move_iterator(page->begin()), std::make_move_iterator(page->end()));
    if (static_cast<std::int64_t>(page->size()) < kTimelinePage) break;
  }
  auto document = core::postmortem::Build(*ctx.config, *inc, timeline);
  return PostmortemView{std::move(*inc), std::move(document)};
}

Result<core::Incident> EditPostmortem(const Context& ctx, const std::string& incident_id, const PostmortemEdit& edit,
                                      const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  auto editable = core::postmortem::EditableSections(ctx.config->postmortem);
  for (const auto& [key, text] : edit.sections) {
    std::string where = "sections." + key;
    if (core::postmortem::IsGenerated(key)) {
      return InvalidArgument(where + ": filled by Tocsin (from the timeline and the follow-up todos); it cannot be written");
    }
    if (std::find(editable.begin(), editable.end(), key) == editable.end()) {
      std::string list;
      for (const auto& k : editable) list += (list.empty() ? "" : ", ") + k;
      return InvalidArgument(where + ": not a section of the post-mortem (sections: " + list + ")");
    }
    if (text && text->size() > kMaxPostmortemSectionBytes) {
      return InvalidArgument(where + ": longer than " + std::to_string(kMaxPostmortemSectionBytes) + " bytes");
    }
  }
  return ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    if (!current.postmortem) return NotFound("incident " + incident_id + " has no post-mortem");
    core::Mutation m{current, {}, {}};
    core::Postmortem& pm = *m.incident.postmortem;
    if (pm.state == core::PostmortemState::kPublished) {
      return InvalidArgument("state: the post-mortem is published; it can no longer change");
    }
    std::vector<core::Change> changes;
    for (const auto& [key, text] : edit.sections) {
      auto it = pm.sections.find(key);
      std::string before = it == pm.sections.end() ? "" : it->second;
      std::string after = text.value_or("");
      if (before == after) continue;
      changes.push_back({"postmortem." + key, Short(before), Short(after)});
      if (after.empty()) {
        pm.sections.erase(key);
      } else {
        pm.sections[key] = after;
      }
    }
    std::string state_note;
    if (edit.state && *edit.state != pm.state) {
      if (*edit.state == core::PostmortemState::kPublished) {
        if (!core::IsClosed(current.state)) {
          return InvalidArgument("state: the incident is " + std::string(core::StateName(current.state)) +
                                 "; resolve it before publishing its post-mortem");
        }
        pm.published = now;
        if (current.state != core::IncidentState::kCompleted) {
          changes.push_back({"state", std::string(core::StateName(current.state)), "completed"});
          m.incident.state = core::IncidentState::kCompleted;
        }
      }
      changes.push_back({"postmortem", StateText(pm.state), StateText(*edit.state)});
      state_note = StateText(*edit.state);
      pm.state = *edit.state;
    }
    if (changes.empty()) return m;  // nothing changed: nothing written
    pm.modified = now;
    pm.modified_by = actor;
    Touch(m.incident, actor, now);
    std::string message = state_note == "published" ? "Post-mortem published; the incident is completed"
                          : !state_note.empty()     ? "Post-mortem moved to " + state_note
                                                    : "Post-mortem edited";
    m.events.push_back({now, actor, "postmortem_updated", message, std::move(changes)});
    return m;
  });
}

Result<CreatedPostmortem> CreatePostmortem(const Context& ctx, const std::string& incident_id,
                                           const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  bool created = false;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    created = false;
    if (current.postmortem) return m;
    core::Postmortem pm;
    pm.id = ctx.new_id();
    pm.created = pm.modified = now;
    pm.modified_by = actor;
    pm.due = current.resolved.value_or(now) + ctx.config->postmortem.due_after_resolution;
    m.incident.postmortem = pm;
    Touch(m.incident, actor, now);
    m.events.push_back({now, actor, "postmortem_created",
                        "Post-mortem draft created on request, due " + FormatRfc3339(pm.due),
                        {{"postmortem", "", "draft"}}});
    created = true;
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return CreatedPostmortem{std::move(*updated), created};
}

}  // namespace tocsin::usecases
