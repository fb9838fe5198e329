#pragma once
// Turns one YAML configuration file into a typed core::Config.
//
// The loader never stops at the first mistake: a platform admin running
// `tocsin check-config` in CI should see every problem in one pass, each with
// file:line:column, the way a compiler reports errors.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace tocsin::config {

struct Diagnostic {
  core::SourceMark mark;  // 1-based; line 0 when the problem concerns the whole file
  std::string message;

  // "file:line:col: message", or "file: message" when the line is unknown (0).
  std::string ToString() const;
};

struct LoadResult {
  // Filled as far as the file allowed; only meaningful when ok().
  core::Config config;
  // Sorted by position in the file.
  std::vector<Diagnostic> problems;
  // Remarks worth showing that do not make the file invalid, sorted by position:
  // e.g. a team without an escalation policy gets the default one. check-config
  // prints them; they never make ok() false.
  std::vector<Diagnostic> notes;

  bool ok() const { return problems.empty(); }
};

// Looks up an environment variable for ${VAR} substitution. An empty function
// means the process environment (std::getenv); tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

LoadResult LoadConfigFile(const std::string& path, EnvLookup env = {});

// file_name is only used for marks and Config::source_file.
LoadResult LoadConfigString(std::string_view yaml_text, const std::string& file_name,
                            EnvLookup env = {});

// Parses "90", "90s", "5m", "1h", "1h30m", "2d" into seconds; nullopt when malformed or negative.
// Units (d, h, m, s) may each appear once, largest first.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace tocsin::config
