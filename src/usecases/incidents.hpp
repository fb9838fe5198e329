#pragma once
// Use cases: what a person can do to an incident, one function each. Every
// front door (the HTTP API today; the web UI and the CLI next) calls these,
// so an acknowledgement from a page and from POST .../acknowledge is the same
// code. Each takes the actor; time comes from the context's clock. Each
// decides inside the store's transaction, against the committed incident
// (core::MutateFn), and queues the notifications it causes in that same
// transaction; the outbox is woken after the commit.
//
// Wire concerns stay at the door: parsing and naming wire fields in errors
// (the API's "data.attributes.title") belong to the adapter; these functions
// take core values and answer core results.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/escalation/escalation.hpp"
#include "core/incident/incident.hpp"
#include "core/incident/incident_patch.hpp"
#include "core/ports/store.hpp"

namespace tocsin::usecases {

struct Context {
  const core::Config* config = nullptr;
  core::Store* store = nullptr;
  const Clock* clock = nullptr;
  std::function<std::string()> new_id;  // ids for new incidents
  std::function<void()> wake_outbox;    // after a commit that queued notifications (may be empty)
  // Who is on call now, to turn a team's on-call handle into a person (may be empty).
  std::function<std::shared_ptr<const core::escalation::Directory>()> directory;
};

// Declares an incident by hand: `draft` as parsed and validated by the door,
// and the notes it starts with.
struct Declaration {
  core::Incident draft;
  std::vector<std::string> initial_cells;
};
Result<core::Incident> Declare(const Context& ctx, Declaration declaration, const core::Actor& actor);

// Applies a patch (severity, state, fields, ...); a resolve or a severity
// change notifies the incident's channels.
Result<core::Incident> Update(const Context& ctx, const std::string& id, const core::IncidentPatch& patch,
                              const core::Actor& actor);

// Acknowledges an open incident (idempotent: once acknowledged, nothing
// changes); escalation stops and the channels hear of it. kConflict when the
// incident is resolved or completed.
Result<core::Incident> Acknowledge(const Context& ctx, const std::string& id, const core::Actor& actor);

// Deletes an incident (kept, marked deleted, no longer listed).
Result<void> Delete(const Context& ctx, const std::string& id, const core::Actor& actor);

// A note (timeline only) or a status update (resets the update cadence and
// goes to the incident's channels). Answers the event as stored.
enum class CellKind { kNote, kStatusUpdate };
Result<core::TimelineEvent> PostCell(const Context& ctx, const std::string& id, CellKind kind,
                                     const std::string& content, const core::Actor& actor);

}  // namespace tocsin::usecases
