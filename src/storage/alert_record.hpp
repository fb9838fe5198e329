#pragma once
// Pieces of alert ingestion shared by the SQL backends (IngestAlerts).

#include "common/result.hpp"
#include "core/ports/store.hpp"

namespace tocsin::storage {

// The group's state from its last incident as loaded (kNotFound: deleted,
// the group starts afresh); another error is passed on.
Result<core::GroupState> GroupStateOf(Result<core::Incident> last);

// The record of `work` decided by `plan`, before the backend writes it.
core::AlertRecord NewAlertRecord(const core::AlertWork& work, const core::AlertPlan& plan);

}  // namespace tocsin::storage
