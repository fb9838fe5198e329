#pragma once
// Internal to the loader: one function per top-level section, sharing one
// LoadState. Sections may appear in any order in the file, so names that point
// from one section into another are collected here and checked at the end.

#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/config/config.hpp"

namespace tocsin::config::detail {

struct PendingReferences {
  std::vector<MarkedString> team_members;        // user handles, '@' stripped
  std::vector<MarkedString> rule_severities;     // severity names
  std::vector<MarkedString> rule_commanders;     // "@handle" as written
  std::vector<MarkedString> rule_notifications;  // channel names
  std::vector<MarkedString> team_handles;        // oncall_handle and aliases, '@' stripped
};

struct LoadState {
  explicit LoadState(Reader r) : reader(std::move(r)) {}

  Reader reader;
  core::Config config;
  PendingReferences refs;
  bool has_channels_section = false;
  bool has_severities_section = false;  // otherwise core::DefaultSeverities() apply
};

void LoadServer(LoadState& state, const Value& value);
void LoadStorage(LoadState& state, const Value& value);
void LoadSeverities(LoadState& state, const Value& value);
void LoadUsers(LoadState& state, const Value& value);
void LoadTeams(LoadState& state, const Value& value);
void LoadChannels(LoadState& state, const Value& value);
void LoadRules(LoadState& state, const Value& value);
void LoadTemplates(LoadState& state, const Value& value);
void LoadDashboards(LoadState& state, const Value& value);

// Runs once every section is read: severities, commanders, channels and team members
// named elsewhere must exist.
void CheckReferences(LoadState& state);

// Reports a second definition of `name` ("users[3].handle: duplicate handle 'alice'
// (first defined at line 12)"); returns false for duplicates. `seen` keeps first marks.
bool CheckUnique(LoadState& state, std::vector<MarkedString>& seen, const MarkedString& name,
                 const std::string& what);

// Drops one leading '@': handles may be written either way outside rules.
std::string StripAt(std::string handle);

// Handles are written "@alice" in rules, so they must be one plain word.
bool IsValidHandle(const std::string& handle);

}  // namespace tocsin::config::detail
