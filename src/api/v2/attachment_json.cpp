#include "api/v2/attachment_json.hpp"

namespace tocsin::api::v2 {
namespace {

void Ref(JsonWriter& w, std::string_view id, std::string_view type) {
  w.BeginObject();
  w.Member("id", id);
  w.Member("type", type);
  w.EndObject();
}

}  // namespace

std::string PostmortemUrl(const std::string& public_url, const core::Incident& incident) {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/incidents/IR-" + std::to_string(incident.public_id) + "/postmortem";
}

AttachmentItem LinkItem(const core::Attachment& link) {
  return AttachmentItem{link.id, false, link.url, link.title, link.modified, link.modified_by};
}

std::vector<AttachmentItem> IncidentAttachments(const core::Incident& incident, const std::string& public_url) {
  std::vector<AttachmentItem> out;
  out.reserve(incident.attachments.size() + 1);
  for (const auto& link : incident.attachments) out.push_back(LinkItem(link));
  if (const auto& pm = incident.postmortem) {
    out.push_back(AttachmentItem{pm->id, true, PostmortemUrl(public_url, incident), "Post-mortem: " + incident.title,
                                 pm->modified, pm->modified_by});
  }
  return out;
}

void WriteAttachmentData(JsonWriter& w, const std::string& incident_id, const AttachmentItem& item) {
  w.BeginObject();
  w.Key("attributes");
  w.BeginObject();
  w.Key("attachment");
  w.BeginObject();
  w.Member("documentUrl", item.url);
  w.Member("title", item.title);
  w.EndObject();
  w.Member("attachment_type", item.postmortem ? "postmortem" : "link");
  w.Member("modified", FormatRfc3339(item.modified));
  w.EndObject();
  w.Member("id", item.id);
  w.Key("relationships");
  w.BeginObject();
  w.Key("incident");
  w.BeginObject();
  w.Key("data");
  Ref(w, incident_id, "incidents");
  w.EndObject();
  w.Key("last_modified_by_user");
  w.BeginObject();
  w.Key("data");
  if (item.modified_by.user_uuid.empty()) {
    w.Null();
  } else {
    Ref(w, item.modified_by.user_uuid, "users");
  }
  w.EndObject();
  w.EndObject();
  w.Member("type", kAttachmentType);
  w.EndObject();
}

void WriteAttachmentRefs(JsonWriter& w, const core::Incident& incident) {
  w.BeginObject();
  w.Key("data");
  w.BeginArray();
  for (const auto& link : incident.attachments) Ref(w, link.id, kAttachmentType);
  if (incident.postmortem) Ref(w, incident.postmortem->id, kAttachmentType);
  w.EndArray();
  w.EndObject();
}

void WriteImpactRefs(JsonWriter& w, const core::Incident& incident) {
  w.BeginObject();
  w.Key("data");
  w.BeginArray();
  for (const auto& impact : incident.impacts) Ref(w, impact.id, "incident_impacts");
  w.EndArray();
  w.EndObject();
}

}  // namespace tocsin::api::v2
