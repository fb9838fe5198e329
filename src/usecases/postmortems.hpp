#pragma once
// Post-mortems (the seed's "Post-Mortem Process"): read one as a document,
// write its sections, move it draft -> in review -> published, and ask for
// one where the severity does not require it. Publishing completes the
// incident. Each change is one incident mutation with its timeline event.

#include <map>
#include <optional>
#include <string>

#include "core/postmortem/postmortem.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::usecases {

inline constexpr std::size_t kMaxPostmortemSectionBytes = 64 * 1024;

struct PostmortemEdit {
  std::map<std::string, std::optional<std::string>> sections;  // key -> text; nullopt: back to the filled text
  std::optional<core::PostmortemState> state;
};

struct PostmortemView {
  core::Incident incident;
  core::postmortem::Document document;
};

// kNotFound when the incident has no post-mortem.
Result<PostmortemView> ReadPostmortem(const Context& ctx, const std::string& incident_id);

// Errors name the section ("sections.root_cause: ...") or the state; refused:
// unknown or generated sections, an edit to a published post-mortem, going
// back from published, publishing while the incident is still open.
Result<core::Incident> EditPostmortem(const Context& ctx, const std::string& incident_id, const PostmortemEdit& edit,
                                      const core::Actor& actor);

// Creates a draft (any severity; due postmortem.due_after_resolution after
// resolution, or after now while the incident is open). `created` tells
// whether it is new; an existing one is answered as it is.
struct CreatedPostmortem {
  core::Incident incident;
  bool created = false;
};
Result<CreatedPostmortem> CreatePostmortem(const Context& ctx, const std::string& incident_id,
                                           const core::Actor& actor);

}  // namespace tocsin::usecases
