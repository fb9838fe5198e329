#include "usecases/impacts.hpp"

#include <algorithm>

namespace tocsin::usecases {
namespace {

Result<void> CheckDescription(const std::string& description) {
  if (description.empty()) return InvalidArgument("description: must not be empty");
  if (description.size() > kMaxImpactDescriptionBytes) {
    return InvalidArgument("description: longer than " + std::to_string(kMaxImpactDescriptionBytes) + " bytes");
  }
  return {};
}

std::string Quote(const std::string& text) {
  constexpr std::size_t kShown = 120;
  return "\"" + (text.size() <= kShown ? text : text.substr(0, kShown) + "...") + "\"";
}

std::string OptTime(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }

std::string Window(const core::Impact& im) {
  return " from " + FormatRfc3339(im.start) + (im.end ? " to " + FormatRfc3339(*im.end) : " (ongoing)");
}

// Applies `input` to `impact`, recording what changed.
Result<std::vector<core::Change>> Apply(core::Impact& impact, const ImpactInput& input) {
  std::vector<core::Change> changes;
  if (input.description && *input.description != impact.description) {
    if (auto ok = CheckDescription(*input.description); !ok) return tl::unexpected(ok.error());
    changes.push_back({"description", impact.description, *input.description});
    impact.description = *input.description;
  }
  if (input.start && *input.start != impact.start) {
    changes.push_back({"start", FormatRfc3339(impact.start), FormatRfc3339(*input.start)});
    impact.start = *input.start;
  }
  if (input.end && *input.end != impact.end) {
    changes.push_back({"end", OptTime(impact.end), OptTime(*input.end)});
    impact.end = *input.end;
  }
  if (impact.end && *impact.end < impact.start) {
    return InvalidArgument("end: " + FormatRfc3339(*impact.end) + " is before the start, " +
                           FormatRfc3339(impact.start));
  }
  return changes;
}

// The fill-in rule of impacts.hpp, recording what it set.
void FillCustomerImpact(core::Incident& inc, std::vector<core::Change>& changes) {
  if (inc.impacts.empty()) return;
  if (!inc.customer_impact_start) {
    TimePoint earliest = inc.impacts.front().start;
    for (const auto& im : inc.impacts) earliest = std::min(earliest, im.start);
    changes.push_back({"customer_impact_start", "", FormatRfc3339(earliest)});
    inc.customer_impact_start = earliest;
    if (!inc.customer_impacted) {
      changes.push_back({"customer_impacted", "false", "true"});
      inc.customer_impacted = true;
    }
  }
  if (!inc.customer_impact_end) {
    std::optional<TimePoint> latest;
    for (const auto& im : inc.impacts) {
      if (!im.end) return;  // one is still going on
      latest = latest ? std::max(*latest, *im.end) : *im.end;
    }
    if (latest && *latest >= *inc.customer_impact_start) {
      changes.push_back({"customer_impact_end", "", FormatRfc3339(*latest)});
      inc.customer_impact_end = latest;
    }
  }
}

void Touch(core::Incident& inc, const core::Actor& actor, TimePoint now) {
  inc.modified = now;
  inc.modified_by = actor;
  ++inc.version;
}

}  // namespace

Result<ImpactResult> AddImpact(const Context& ctx, const std::string& incident_id, const ImpactInput& input,
                               const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  if (!input.description) return InvalidArgument("description: is required");
  if (auto ok = CheckDescription(*input.description); !ok) return tl::unexpected(ok.error());
  if (!input.start) return InvalidArgument("start: is required");
  core::Impact impact;
  impact.id = ctx.new_id();
  impact.created = impact.modified = now;
  impact.created_by = impact.modified_by = actor;
  impact.start = *input.start;
  if (auto changes = Apply(impact, input); !changes) return tl::unexpected(changes.error());
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    if (current.impacts.size() >= kMaxImpactsPerIncident) {
      return InvalidArgument("impacts: an incident has at most " + std::to_string(kMaxImpactsPerIncident));
    }
    core::Mutation m{current, {}, {}};
    m.incident.impacts.push_back(impact);
    std::vector<core::Change> changes;
    FillCustomerImpact(m.incident, changes);
    Touch(m.incident, actor, now);
    m.events.push_back(
        {now, actor, "impact_added", "Impact added: " + Quote(impact.description) + Window(impact), std::move(changes)});
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return ImpactResult{std::move(*updated), std::move(impact)};
}

Result<ImpactResult> UpdateImpact(const Context& ctx, const std::string& incident_id, const std::string& impact_id,
                                  const ImpactInput& input, const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  core::Impact result;
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    auto it = std::find_if(m.incident.impacts.begin(), m.incident.impacts.end(),
                           [&](const core::Impact& im) { return im.id == impact_id; });
    if (it == m.incident.impacts.end()) {
      return NotFound("impact " + impact_id + " not found on incident " + incident_id);
    }
    auto changes = Apply(*it, input);
    if (!changes) return tl::unexpected(changes.error());
    if (changes->empty()) {
      result = *it;
      return core::Mutation{current, {}, {}};  // nothing changed: nothing written
    }
    it->modified = now;
    it->modified_by = actor;
    result = *it;
    FillCustomerImpact(m.incident, *changes);
    Touch(m.incident, actor, now);
    m.events.push_back({now, actor, "impact_updated", "Impact changed: " + Quote(result.description) + Window(result),
                        std::move(*changes)});
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return ImpactResult{std::move(*updated), std::move(result)};
}

Result<void> RemoveImpact(const Context& ctx, const std::string& incident_id, const std::string& impact_id,
                          const core::Actor& actor) {
  TimePoint now = ctx.clock->Now();
  auto updated = ctx.store->UpdateIncident(incident_id, [&](const core::Incident& current) -> Result<core::Mutation> {
    core::Mutation m{current, {}, {}};
    auto it = std::find_if(m.incident.impacts.begin(), m.incident.impacts.end(),
                           [&](const core::Impact& im) { return im.id == impact_id; });
    if (it == m.incident.impacts.end()) {
      return NotFound("impact " + impact_id + " not found on incident " + incident_id);
    }
    m.events.push_back({now, actor, "impact_removed", "Impact removed: " + Quote(it->description), {}});
    m.incident.impacts.erase(it);
    Touch(m.incident, actor, now);
    return m;
  });
  if (!updated) return tl::unexpected(updated.error());
  return {};
}

}  // namespace tocsin::usecases
