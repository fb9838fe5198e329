#pragma once
// Datadog's incident attachment objects (AttachmentData), shared by the
// attachment routes and by incident answers with include=attachments. An
// incident's attachments are its links, then its post-mortem when it has one
// (type "postmortem", read-only here: the post-mortem endpoints own it).

#include <string>
#include <vector>

#include "common/json_writer.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::api::v2 {

inline constexpr const char* kAttachmentType = "incident_attachments";

struct AttachmentItem {
  std::string id;
  bool postmortem = false;  // else a link
  std::string url;
  std::string title;
  TimePoint modified{};
  core::Actor modified_by;
};

// The post-mortem's address in the web UI: {public_url}/incidents/IR-{n}/postmortem.
std::string PostmortemUrl(const std::string& public_url, const core::Incident& incident);

std::vector<AttachmentItem> IncidentAttachments(const core::Incident& incident, const std::string& public_url);
AttachmentItem LinkItem(const core::Attachment& link);

// {"attributes":{...},"id":..,"relationships":{"incident":..,"last_modified_by_user":..},"type":"incident_attachments"}
void WriteAttachmentData(JsonWriter& w, const std::string& incident_id, const AttachmentItem& item);

// The values of an incident's relationships.attachments / .impacts:
// {"data":[{"id":..,"type":"incident_attachments"}, ...]}.
void WriteAttachmentRefs(JsonWriter& w, const core::Incident& incident);
void WriteImpactRefs(JsonWriter& w, const core::Incident& incident);

}  // namespace tocsin::api::v2
