#pragma once
// The incident workflow (the seed's "Incident Workflow", "Quick Reference
// Card", "Step 3: Create Incident Templates" and "Post-Mortem Process"), as
// pure functions over an incident before and after a change:
//
// - the phase is a function of state, acknowledgement and post-mortem (PhaseOf);
// - checklists add their items as todos when the incident is created,
//   acknowledged or resolved; items with `completes_on` tick themselves when
//   the change shows that event (Observe);
// - resolving an incident whose severity requires one creates its post-mortem
//   draft, due `postmortem.due_after_resolution` later;
// - an incident opened with a type carries its template's fields, and its
//   runbook and dashboard as links.
//
// Every write path applies Follow to the change it is about to commit
// (usecases::WorkflowStore does it for all of them), so the phase, the
// checklists and the timeline never disagree, whichever door the change came
// through.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/workflow/names.hpp"

namespace tocsin::core::workflow {

// Detection & Triage: open and not acknowledged. Investigation: active and
// acknowledged. Mitigation: stable (Datadog's "mitigated"). Resolution &
// Post-Mortem: resolved or completed (its post-mortem draft, in review or
// published).
std::string_view PhaseOf(const Incident& incident);

// The observed events of one change (names from kCompletesOnEvents), in the
// order they happened. `events` are the timeline events the change appends;
// `cadence` is the severity's status-update cadence, if any.
std::vector<std::string> Observe(const Incident& before, const Incident& after, const std::vector<NewEvent>& events,
                                 std::optional<std::chrono::seconds> cadence);

// Brings `after` up to date with the workflow and appends the events that
// tell what it did: on creation (`before` null) template fields, links and the
// creation checklist; then checklists of the points reached, the post-mortem
// draft, self-ticking items, and the phase. `new_id` names new todos, links
// and post-mortems. Changes nothing when the change did not move the incident.
void Follow(const Config& config, const Incident* before, Incident& after, std::vector<NewEvent>& events,
            const std::function<std::string()>& new_id);

// Template fields. The fields of `type`'s template are typed: keys may be
// written as the seed writes the name ("Attack Vector") or its FieldKey
// ("attack_vector") and are stored under the FieldKey; a dropdown takes one of
// its options, a multiselect a list of them, a number a number, a boolean
// true or false, text any string. Other keys must be Datadog's built-in
// fields or fields the configured rules set; anything else is an unknown
// field. Errors name "data.attributes.fields.<key as written>".
Result<std::map<std::string, FieldValue>> CheckFields(const Config& config, const std::string& type,
                                                      const std::map<std::string, FieldValue>& fields);

// Fields every incident may carry whatever its type (Datadog's built-in
// fields and those Tocsin sets itself).
bool IsBuiltinField(std::string_view key);

}  // namespace tocsin::core::workflow
