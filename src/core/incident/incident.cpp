#include "core/incident/incident.hpp"

namespace tocsin::core {

std::string_view StateName(IncidentState s) {
  switch (s) {
    case IncidentState::kActive: return "active";
    case IncidentState::kStable: return "stable";
    case IncidentState::kResolved: return "resolved";
    case IncidentState::kCompleted: return "completed";
  }
  return "active";
}

std::optional<IncidentState> ParseStateName(std::string_view name) {
  if (name == "active") return IncidentState::kActive;
  if (name == "stable") return IncidentState::kStable;
  if (name == "resolved") return IncidentState::kResolved;
  if (name == "completed") return IncidentState::kCompleted;
  return std::nullopt;
}

std::string_view PostmortemStateName(PostmortemState s) {
  switch (s) {
    case PostmortemState::kDraft: return "draft";
    case PostmortemState::kInReview: return "in_review";
    case PostmortemState::kPublished: return "published";
  }
  return "draft";
}

std::optional<PostmortemState> ParsePostmortemState(std::string_view name) {
  if (name == "draft") return PostmortemState::kDraft;
  if (name == "in_review") return PostmortemState::kInReview;
  if (name == "published") return PostmortemState::kPublished;
  return std::nullopt;
}

std::vector<std::string> FieldValue::Values() const {
  if (is_list) return list.value_or(std::vector<std::string>{});
  if (text) return {*text};
  return {};
}

}  // namespace tocsin::core
