#pragma once
// Names the workflow shares with config, storage and the API: template field
// keys, incident type ids, the phases.

#include <string>
#include <string_view>

namespace tocsin::core::workflow {

// The key a template field is stored and answered under: its display name in
// snake_case ("Attack Vector" -> "attack_vector", "Source IP/Session Blocked"
// -> "source_ip_session_blocked"). Letters and digits are kept (lowercased),
// every run of anything else becomes one '_', none at either end.
std::string FieldKey(std::string_view display_name);

// The stable id of an incident type (Datadog's incident_type_uuid): a UUID
// derived from its name, so it survives restarts and config reloads.
std::string TypeId(std::string_view type_name);

// The seed's four phases ("Incident Workflow"), in order.
inline constexpr std::string_view kPhaseDetection = "Detection & Triage";
inline constexpr std::string_view kPhaseInvestigation = "Investigation";
inline constexpr std::string_view kPhaseMitigation = "Mitigation";
inline constexpr std::string_view kPhaseResolution = "Resolution & Post-Mortem";

}  // namespace tocsin::core::workflow
