#pragma once
// IncidentPatch: a partial update (PATCH semantics: only what is set changes),
// and ApplyPatch, the pure function that validates it against the current
// incident and returns the new incident plus what changed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"
#include "common/result.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core {

struct IncidentPatch {
  std::optional<std::string> title;
  std::optional<std::string> severity;
  std::optional<IncidentState> state;
  std::optional<bool> customer_impacted;
  std::optional<std::optional<std::string>> customer_impact_scope;
  std::optional<std::optional<TimePoint>> customer_impact_start;
  std::optional<std::optional<TimePoint>> customer_impact_end;
  std::optional<std::optional<TimePoint>> detected;
  std::optional<std::optional<Actor>> commander;  // {nullopt} removes the commander
  std::map<std::string, FieldValue> fields;       // set these custom fields
  std::optional<std::string> type;                // incident type name; "" removes it
  std::optional<std::vector<NotificationHandle>> notification_handles;

  bool Empty() const;
};

struct PatchOutcome {
  Incident incident;
  std::vector<Change> changes;  // empty when the patch changed nothing
};

// Applies `patch` to `current` at time `now` by `actor`. Resolving stamps
// `resolved`; reopening clears it. Errors (kInvalidArgument) name the field:
// an empty title, customer_impact_end before customer_impact_start, a change
// to a deleted incident (kNotFound). A patch may not break a limit, nor leave
// broken a part it changes; a stored incident already over a limit (written
// before it applied) can still be changed elsewhere, e.g. resolved.
Result<PatchOutcome> ApplyPatch(const Incident& current, const IncidentPatch& patch, const Actor& actor,
                                TimePoint now);

// The limits every write path keeps an incident within (API create and
// update, incidents opened from alerts): text is counted in bytes of UTF-8.
inline constexpr std::size_t kMaxTitleBytes = 4096;
inline constexpr std::size_t kMaxTextBytes = 4096;  // customer_impact_scope, each field value (or list item)
inline constexpr std::size_t kMaxFieldNameBytes = 128;
// Timeline text written through the API (a note, a status update, each of a
// create's initial_cells); it goes into notifications as it is.
inline constexpr std::size_t kMaxCellBytes = 16 * 1024;
// Ends text cut to fit a limit ("…").
using ::tocsin::kTruncationMarker;  // "…", from common/utf8.hpp

// One way an incident breaks the limits: `field` names what it concerns
// ("title", "customer_impact_scope", "customer_impact", "fields.<name>");
// `message` is the API's error message.
struct IncidentProblem {
  std::string field;
  std::string message;
  bool operator==(const IncidentProblem&) const = default;
};
std::vector<IncidentProblem> IncidentProblems(const Incident& incident);

// Validation shared by create and update: title not empty, text within the
// limits above, impact window ordered. kInvalidArgument naming the first problem.
Result<void> ValidateIncident(const Incident& incident);

// kInvalidArgument "`field`: longer than 16384 bytes" when `text` is over
// kMaxCellBytes.
Result<void> CheckCellText(std::string_view text, const std::string& field);

// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary and
// ended with kTruncationMarker; unchanged when it fits.
std::string TruncateText(std::string_view text, std::size_t max_bytes);

// Brings an incident made from outside text (an alert's title, monitor name,
// runbook...) within the limits by truncating what is too long, so that it
// always passes ValidateIncident (an empty title is left to the caller).
void FitToLimits(Incident& incident);

}  // namespace tocsin::core
