#pragma once
// The storage form of an incident and of timeline event details: a JSON
// document holding every member, so adding a member needs no migration.
// Shared by the SQL backends; not a wire format (api/v2 owns those).

#include <string>
#include <vector>

#include "common/result.hpp"
#include "core/alert/alert.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::storage {

std::string EncodeIncident(const core::Incident& incident);
Result<core::Incident> DecodeIncident(const std::string& doc);

std::string EncodeChanges(const std::vector<core::Change>& changes);
std::vector<core::Change> DecodeChanges(const std::string& doc);

std::string EncodeAlert(const core::Alert& alert);
Result<core::Alert> DecodeAlert(const std::string& doc);

}  // namespace tocsin::storage
