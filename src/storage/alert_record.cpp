#include "storage/alert_record.hpp"

namespace tocsin::storage {

Result<core::GroupState> GroupStateOf(Result<core::Incident> last) {
  core::GroupState group;
  if (last) {
    if (core::IsClosed(last->state)) {
      group.previous = std::move(*last);
    } else {
      group.open = std::move(*last);
    }
  } else if (last.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(last.error());
  }
  return group;
}

core::AlertRecord NewAlertRecord(const core::AlertWork& work, const core::AlertPlan& plan) {
  core::AlertRecord rec;
  rec.alert = work.alert;
  rec.fingerprint = work.fingerprint;
  rec.group_key = work.group_key;
  rec.decision = plan.decision;
  rec.detail = plan.detail;
  return rec;
}

}  // namespace tocsin::storage
