#pragma once
// Incident: the unit of response, as core sees it. Severity names are the
// configured ones (plus "UNKNOWN"); state follows active -> stable -> resolved
// (-> completed). Custom fields are typed values keyed by field name; severity
// and state are kept as first-class members, not in `fields`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace tocsin::core {

enum class IncidentState { kActive, kStable, kResolved, kCompleted };

std::string_view StateName(IncidentState s);
std::optional<IncidentState> ParseStateName(std::string_view name);
inline bool IsClosed(IncidentState s) { return s == IncidentState::kResolved || s == IncidentState::kCompleted; }

inline constexpr std::string_view kUnknownSeverity = "UNKNOWN";

// A custom field value: one string (dropdown, textbox) or a list (multiselect,
// textarray, autocomplete, metrictag). A null value is kept as "set to null".
struct FieldValue {
  std::string type;  // Datadog field type name, e.g. "textbox"
  bool is_list = false;
  std::optional<std::string> text;
  std::optional<std::vector<std::string>> list;

  bool operator==(const FieldValue&) const = default;
  // Values as strings for search and facets (list elements, or the one text).
  std::vector<std::string> Values() const;
};

struct NotificationHandle {
  std::string display_name;
  std::string handle;
  bool operator==(const NotificationHandle&) const = default;
};

// Who did something: a user (uuid + handle) or the system itself.
struct Actor {
  std::string user_uuid;  // empty for the system
  std::string handle;     // "alice", or "tocsin" for the system
  static Actor System() { return Actor{"", "tocsin"}; }
  bool operator==(const Actor&) const = default;
};

// One decided step of the incident's escalation policy (see core/escalation):
// stored so that a restart neither repeats nor skips a tier.
struct EscalationStep {
  int round = 0;
  int tier = 0;
  TimePoint due{};
  std::string outcome;  // "paged", "nobody", "skipped"
  bool operator==(const EscalationStep&) const = default;
};

// A person paged through a PagerDuty contact method: that service gets the
// incident's acknowledge and resolve too, so the person's own PagerDuty stops
// paging them.
struct PagedContact {
  std::string user;     // handle
  int method = 0;       // 1-based position in the user's contact_methods
  std::string channel;  // the pagerduty channel it went through
  TimePoint due{};      // when the page was (to be) sent
  bool operator==(const PagedContact&) const = default;
};

// A to-do on an incident (Datadog's incident todos): who should do what, by
// when, and when it was done.
struct Todo {
  std::string id;  // UUID
  std::string content;
  std::vector<std::string> assignees;  // user handles, "@" included ("@alice")
  std::optional<TimePoint> due;
  std::optional<TimePoint> completed;
  TimePoint created{};
  TimePoint modified{};
  Actor created_by;
  Actor modified_by;
  // Set on todos a checklist added (core/workflow): the checklist's phase
  // ("On Incident Creation"), the observed event that ticks the item by
  // itself ("" = a manual item), and, once ticked that way, which event did.
  std::string checklist;
  std::string completes_on;
  std::string completed_by_event;
  // A post-mortem action item: stays tracked as a follow-up after the
  // incident closes, and fills the post-mortem's "Action Items".
  bool follow_up = false;
  bool operator==(const Todo&) const = default;
};

// A link attached to an incident (Datadog's incident attachments of type
// "link"): a runbook, a dashboard, a document. The post-mortem attachment is
// not stored as one: it is the incident's post-mortem, shown as an attachment.
struct Attachment {
  std::string id;  // UUID
  std::string url;
  std::string title;
  TimePoint created{};
  TimePoint modified{};
  Actor created_by;
  Actor modified_by;
  bool operator==(const Attachment&) const = default;
};

// A customer impact (Datadog's incident impacts): what was hurt, from when
// to when (open while `end` is unset).
struct Impact {
  std::string id;  // UUID
  std::string description;
  TimePoint start{};
  std::optional<TimePoint> end;
  TimePoint created{};
  TimePoint modified{};
  Actor created_by;
  Actor modified_by;  // who changed it last (the creator until then)
  bool operator==(const Impact&) const = default;
};

// The post-mortem of a resolved incident (the seed's "Post-Mortem Process").
// Its document is rendered on read (core/postmortem) from the incident, its
// timeline and `sections`, the texts people wrote for the sections that the
// incident cannot fill by itself.
enum class PostmortemState { kDraft, kInReview, kPublished };
struct Postmortem {
  std::string id;  // UUID (the postmortem attachment's id)
  PostmortemState state = PostmortemState::kDraft;
  TimePoint created{};
  TimePoint due{};  // resolution + postmortem.due_after_resolution
  std::optional<TimePoint> published;
  std::optional<TimePoint> last_reminder;  // last "overdue" reminder queued
  TimePoint modified{};
  Actor modified_by;
  std::map<std::string, std::string> sections;  // "summary", "root_cause", ... (see core/postmortem)
  bool operator==(const Postmortem&) const = default;
};
std::string_view PostmortemStateName(PostmortemState s);  // "draft", "in_review", "published"
std::optional<PostmortemState> ParsePostmortemState(std::string_view name);

struct Incident {
  std::string id;  // UUID
  std::int64_t public_id = 0;
  std::string title;
  std::string severity = std::string(kUnknownSeverity);
  IncidentState state = IncidentState::kActive;
  bool customer_impacted = false;
  std::optional<std::string> customer_impact_scope;
  std::optional<TimePoint> customer_impact_start;
  std::optional<TimePoint> customer_impact_end;
  std::optional<TimePoint> detected;
  std::optional<TimePoint> resolved;
  TimePoint created{};
  TimePoint modified{};
  Actor created_by;
  Actor modified_by;
  std::optional<Actor> commander;  // resolved user
  std::map<std::string, FieldValue> fields;
  std::vector<NotificationHandle> notification_handles;
  std::vector<std::string> channels;  // notification channels that follow this incident
  std::optional<TimePoint> acknowledged;
  std::optional<Actor> acknowledged_by;
  std::optional<TimePoint> last_status_update;
  bool response_sla_breached = false;      // "response time exceeded" already raised
  std::optional<TimePoint> last_reminder;  // last status-update reminder sent
  std::string commander_handle;            // as the rule named it ("@security-oncall"), for display
  std::string escalation_team;             // team whose policy escalates this incident ("" = none)
  std::vector<EscalationStep> escalation_steps;
  std::optional<TimePoint> escalation_next_due;
  std::vector<PagedContact> pagerduty_contacts;  // distinct (user, method), earliest due
  std::vector<Todo> todos;                       // in creation order
  std::string type;                              // configured incident type name ("Security"); "" = none
  std::string phase;                             // workflow phase (core/workflow), kept current by every change
  std::vector<Attachment> attachments;           // links, in creation order
  std::vector<Impact> impacts;                   // in creation order
  std::optional<Postmortem> postmortem;
  bool is_test = false;
  bool deleted = false;
  std::int64_t version = 0;  // bumped by every change

  bool operator==(const Incident&) const = default;
};

// One "what changed" line of an update event.
struct Change {
  std::string field;
  std::string from;  // display form; "" for unset
  std::string to;
  bool operator==(const Change&) const = default;
};

// An append-only timeline entry. `kind` is one of the kEvent* names below.
struct TimelineEvent {
  std::int64_t seq = 0;  // assigned by storage, increasing
  std::string incident_id;
  TimePoint at{};
  Actor actor;
  std::string kind;
  std::string message;          // human-readable summary or note text
  std::vector<Change> changes;  // for updates
};

// An event to append; storage fills seq and incident_id.
struct NewEvent {
  TimePoint at{};
  Actor actor;
  std::string kind;
  std::string message;
  std::vector<Change> changes;
};

inline constexpr std::string_view kEventCreated = "incident_created";
inline constexpr std::string_view kEventUpdated = "incident_updated";
inline constexpr std::string_view kEventDeleted = "incident_deleted";
inline constexpr std::string_view kEventNote = "note";
inline constexpr std::string_view kEventStatusUpdate = "status_update";

}  // namespace tocsin::core
