#pragma once
// Links on an incident (Datadog's incident attachments of type "link"): the
// runbook, the dashboards, a document people keep at hand while working it.
// Adding, changing and removing one is each one incident mutation with its
// timeline event. The post-mortem is listed with the links by the API but is
// not one: these functions refuse to change it.
//
// Errors name the attribute ("url: ...", "title: ..."); the door maps those
// to its own field names.

#include <optional>
#include <string>
#include <vector>

#include "common/link_url.hpp"
#include "usecases/incidents.hpp"

namespace tocsin::usecases {

// What a create or a change sets; unset members are left as they are (on
// create the url is required and an unset or empty title becomes the URL).
struct LinkInput {
  std::optional<std::string> url;
  std::optional<std::string> title;
};

// Limits, in bytes / items. URLs: common/link_url.hpp (kMaxLinkUrlBytes).
inline constexpr std::size_t kMaxLinkTitleBytes = 512;
inline constexpr std::size_t kMaxLinksPerIncident = 200;

struct LinkResult {
  core::Incident incident;
  core::Attachment link;
};

Result<LinkResult> AddLink(const Context& ctx, const std::string& incident_id, const LinkInput& input,
                           const core::Actor& actor);
// kNotFound when the incident or the link does not exist; kInvalidArgument
// when `link_id` is the incident's post-mortem.
Result<LinkResult> UpdateLink(const Context& ctx, const std::string& incident_id, const std::string& link_id,
                              const LinkInput& input, const core::Actor& actor);
Result<void> RemoveLink(const Context& ctx, const std::string& incident_id, const std::string& link_id,
                        const core::Actor& actor);

// Several link changes at once, all or nothing (Datadog's older bulk PATCH):
// each item adds (no id), changes (id and input) or removes (id, no input) a
// link, in order, each with its timeline event. Answers the links added or
// changed, in the order of the items.
struct LinkChange {
  std::optional<std::string> id;
  std::optional<LinkInput> input;
};
Result<std::vector<core::Attachment>> ChangeLinks(const Context& ctx, const std::string& incident_id,
                                                  const std::vector<LinkChange>& changes, const core::Actor& actor);

}  // namespace tocsin::usecases
