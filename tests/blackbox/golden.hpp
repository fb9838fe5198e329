#pragma once
// Golden files for notification payloads (tests/golden/notify/NAME.json).

#include <map>
#include <string>

#include "blackbox/harness.hpp"

namespace tocsin::testing {

// Every occurrence of `from` replaced by `to`.
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to);

// Compares `actual` with tests/golden/notify/NAME.json after replacing each
// key of `placeholders` (random ids, ports) by its value wherever it occurs in
// a string; TOCSIN_UPDATE_GOLDEN=1 rewrites the file instead.
void ExpectGoldenJson(const std::string& name, const json& actual, const std::map<std::string, std::string>& placeholders);

}  // namespace tocsin::testing
