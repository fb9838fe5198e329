#pragma once
// ${VAR} and ${VAR:-default} substitution inside configuration strings. It runs
// on each scalar after YAML parsing, so positions reported to the user still
// point into the file as written.

#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.hpp"

namespace tocsin::config::detail {

struct Substitution {
  std::string text;                 // the value with every variable replaced
  std::vector<std::string> errors;  // one per unset variable or malformed reference
};

// `env` must be callable. "$${" stands for a literal "${". Defaults may nest:
// ${A:-${B:-x}}. As in the shell, ":-" also applies when the variable is set but empty.
Substitution SubstituteEnv(std::string_view text, const EnvLookup& env);

}  // namespace tocsin::config::detail
