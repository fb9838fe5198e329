#pragma once
// The semantic difference of two configuration files (`tocsin diff-config`,
// and the summary a reload records): per section, the entries added, removed
// or changed, with the changed fields. Entries are matched by their identity
// (a team by id, a user by handle, a rule by rule_name, most others by name),
// never by position, so reordering a list or reformatting the file is no
// change. It compares the YAML as written (before ${ENV} substitution, so
// secrets are neither read nor shown) and never prints a value, only where a
// value differs.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tocsin::config {

struct EntryChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  std::string section;  // "rules", "escalation_policies", "server", ...
  std::string entry;    // the entry's identity; empty for a mapping section (server, storage, ...)
  Kind kind = Kind::kChanged;
  std::vector<std::string> fields;  // kChanged: the paths that differ ("tiers[1].targets")
};

struct ConfigDiff {
  std::vector<EntryChange> changes;  // in section order of the new file, then removed sections
  bool empty() const { return changes.empty(); }
};

// kInvalidArgument naming the file ("old"/"new" as given) when either is not YAML mapping.
Result<ConfigDiff> DiffConfigText(std::string_view old_yaml, std::string_view new_yaml,
                                  const std::string& old_name = "old", const std::string& new_name = "new");

// One line per change: "rules: 'Payments down' changed (severity, notify)".
std::vector<std::string> DiffLines(const ConfigDiff& diff);
// The report `diff-config` prints: the lines, or "no difference".
std::string DiffText(const ConfigDiff& diff);
// {"changes":[{"section":..,"entry":..,"change":"added|removed|changed","fields":[..]}]}
std::string DiffJson(const ConfigDiff& diff);

// The settings a running server reads only at start (server.*, storage.*):
// the changed ones, as "server.listen", for a reload's "needs restart".
std::vector<std::string> NeedsRestart(const ConfigDiff& diff);

}  // namespace tocsin::config
