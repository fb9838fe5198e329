#pragma once
// Escalation policies as configured: plain data (the seed's "Escalation
// Policies"). A policy belongs to one team; its tiers start at offsets from the
// incident's creation and page their targets until someone acknowledges; after
// the last tier the whole policy may repeat. The first tier is also what the
// team's on-call handle names ("@security-oncall"), so it has no condition.
// escalation.hpp decides, from this data, who is paged when.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tocsin::core::escalation {

struct Target {
  enum class Kind {
    kUser,      // one user, by handle
    kSchedule,  // whoever the schedule has on call
    kTeam,      // the team's on-call: whoever its policy's first tier pages
    kPosition,  // every user holding the position ("Security Lead")
  };
  Kind kind = Kind::kUser;
  std::string name;  // handle, schedule name, team id or position name

  bool operator==(const Target&) const = default;
  // "user olu", "schedule 'security-primary'", "team security", "position 'CISO'".
  std::string Describe() const;
};

// Holds when the incident's field `field` has one of `values` (compared without
// regard to case, so a boolean field matches `true` however it was written). A
// list field holds when any of its items is one of them.
struct FieldCondition {
  std::string field;
  std::vector<std::string> values;
  bool operator==(const FieldCondition&) const = default;
};

// A tier's condition: every part that is present must hold.
struct Condition {
  std::vector<std::string> severities;    // the severity is one of these (empty: any)
  std::vector<FieldCondition> any_field;  // at least one holds (empty: no field part)
  bool operator==(const Condition&) const = default;
};

struct Tier {
  std::string name;                     // optional label: "Primary"
  std::chrono::seconds after{0};        // start, from the incident's creation
  std::vector<Target> targets;
  std::optional<Condition> condition;   // the tier is skipped when it does not hold
  bool operator==(const Tier&) const = default;
};

inline constexpr std::chrono::seconds kDefaultRepeatAfter{15 * 60};

struct Policy {
  std::string name;
  std::string team;  // team id
  std::vector<Tier> tiers;  // in the order they start
  // How many more times the tiers run after the first round when nobody acknowledges.
  int repeat = 0;
  // From the start of the last tier to the start of the next round.
  std::chrono::seconds repeat_after = kDefaultRepeatAfter;
  // Made by Tocsin for a team the config gives no policy (DefaultPolicies()).
  bool is_default = false;
  bool operator==(const Policy&) const = default;
};

}  // namespace tocsin::core::escalation
