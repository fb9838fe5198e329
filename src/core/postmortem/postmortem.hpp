#pragma once
// The post-mortem document (the seed's "Post-Mortem Process"), built on read
// from the incident, its timeline and what people wrote, in the structure of
// the configured `postmortem.document` template: its "## " sections in its
// order. Sections Tocsin can fill are filled (Summary and Root Cause from the
// incident's fields until someone writes them, Timeline from the timeline's
// human events, Impact from the impact times and fields, Action Items from
// follow-up todos); the others keep the template's prompt until written.
// Pure: no clock (times come from the incident and timeline), no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core::postmortem {

struct Attendee {
  std::string handle;
  std::string name;
  std::string role;  // the attendees line that brought them ("Incident Commander")
};

struct ActionItem {
  std::string action;
  std::string owner;  // "@handle", or "" when nobody is assigned
  std::optional<TimePoint> due;
  bool done = false;
};

struct TimelineLine {
  TimePoint at{};
  std::string actor;  // handle
  std::string text;
};

struct Section {
  std::string key;      // FieldKey of the heading: "summary", "root_cause", "timeline", ...
  std::string heading;  // as the template writes it: "Root Cause"
  std::string body;     // Markdown
  bool written = false; // someone wrote it (an edit), as opposed to filled or prompted
};

struct Document {
  std::string title;  // "Post-Mortem: <incident title>"
  std::vector<Section> sections;
  std::vector<Attendee> attendees;
  std::vector<ActionItem> action_items;
  std::vector<TimelineLine> timeline;
};

// Sections filled by Tocsin and never edited by hand.
bool IsGenerated(std::string_view key);  // "timeline", "action_items"

// The keys of the template's sections a person may write (every "## "
// heading's FieldKey except the generated ones).
std::vector<std::string> EditableSections(const PostmortemConfig& config);

// Whether a timeline event belongs in the post-mortem's Timeline: what people
// did and what happened to the incident, not the machinery (queued and
// delivered notifications, rule matches, checklist bookkeeping).
bool IsHumanEvent(const TimelineEvent& event);

// The document for `incident` (which has a post-mortem) with its timeline.
Document Build(const Config& config, const Incident& incident, const std::vector<TimelineEvent>& timeline);

// As Markdown, in the template's structure.
std::string RenderMarkdown(const Incident& incident, const Document& document);

}  // namespace tocsin::core::postmortem
