#pragma once
// The Datadog JSON:API forms of incidents: responses (IncidentAnswerBody and
// friends) and requests (IncidentCreateRequest, IncidentUpdateRequest), with
// every validation message naming the JSON path of the offending member.

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "common/json_writer.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident_patch.hpp"
#include "core/search/query.hpp"

namespace tocsin::api::v2 {

using nlohmann::json;

// The incident type every incident belongs to (Tocsin has one).
inline constexpr const char* kIncidentTypeUuid = "00000000-0000-0000-0000-000000000001";

// Answers with incidents are rendered with JsonWriter, without a DOM (they are
// the hot paths: every create/get/update answer and every list/search page).

// What an answer's "included" member holds: nothing (no member), an empty
// list, the users the incidents reference (include=users), their attachments
// (include=attachments: links and post-mortems, api/v2/attachment_json.hpp),
// or both (users first).
enum class Included { kNone, kEmpty, kUsers, kAttachments, kUsersAndAttachments };
inline bool IncludesUsers(Included i) { return i == Included::kUsers || i == Included::kUsersAndAttachments; }
inline bool IncludesAttachments(Included i) {
  return i == Included::kAttachments || i == Included::kUsersAndAttachments;
}

// The body of an answer with one incident: {"data": {...}, "included": [...]}.
std::string IncidentAnswerBody(const core::Incident& incident, Included included, const core::Config& config);

// The search form of a page (GET /api/v2/incidents/search).
struct SearchAnswer {
  const core::SearchFacets* facets = nullptr;
  std::int64_t total = 0;
};
// The body of a list page (search == nullptr) or a search page starting at
// `offset`, with its pagination meta.
// `content_keys` (optional, one per incident: SearchPage::content_keys) lets
// unchanged incidents be copied from a bounded cache of their renderings.
std::string IncidentPageBody(const std::vector<core::Incident>& incidents, std::int64_t offset, Included included,
                             const SearchAnswer* search, const core::Config& config,
                             const std::vector<std::uint64_t>* content_keys = nullptr);

// Member `key`: the time as RFC 3339 text, or null.
void PutOptTime(JsonWriter& w, std::string_view key, const std::optional<TimePoint>& t);

// The parts: the JSON:API incident object, a user object, and the users an
// incident references that are not in `seen` yet (inside an open array).
void WriteIncidentData(JsonWriter& w, const core::Incident& incident);
void WriteUserData(JsonWriter& w, const core::Actor& actor, const core::Config& config);
void WriteIncidentUsers(JsonWriter& w, const core::Incident& incident, std::set<std::string>& seen,
                        const core::Config& config);
// The incident's attachments (inside an open array).
void WriteIncidentAttachments(JsonWriter& w, const core::Incident& incident, const core::Config& config);

json FacetsJson(const core::SearchFacets& facets, const core::Config& config);

// A parsed create request: the incident draft (without id/public id/times)
// plus the initial cells to put on the timeline.
struct CreateRequest {
  core::Incident draft;
  std::vector<std::string> initial_cells;
};

// Allowed severities = configured ones plus "UNKNOWN".
Result<CreateRequest> ParseCreate(const json& body, const core::Config& config);
Result<core::IncidentPatch> ParseUpdate(const json& body, const std::string& path_id, const core::Config& config);

// An incident id from a path: a UUID, answered in lower case; kInvalidArgument
// naming incident_id otherwise.
Result<std::string> ParseIncidentId(const std::string& raw);

// Parses a request body, bounded in nesting depth; errors name the problem.
Result<json> ParseBody(const std::string& body);

}  // namespace tocsin::api::v2
