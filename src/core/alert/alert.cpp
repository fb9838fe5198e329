#include "core/alert/alert.hpp"

#include <algorithm>

#include "common/random.hpp"

namespace tocsin::core {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kAlert: return "alert";
    case AlertState::kWarn: return "warn";
    case AlertState::kNoData: return "no_data";
    case AlertState::kOk: return "ok";
  }
  return "alert";
}

std::optional<AlertState> ParseAlertStateName(std::string_view name) {
  if (name == "alert") return AlertState::kAlert;
  if (name == "warn") return AlertState::kWarn;
  if (name == "no_data") return AlertState::kNoData;
  if (name == "ok") return AlertState::kOk;
  return std::nullopt;
}

std::string Alert::Fingerprint() const {
  std::string key = source;
  key.push_back('\x1f');
  key += monitor_name;
  key.push_back('\x1f');
  key += scope;
  return Sha256Hex(key).substr(0, 32);
}

std::optional<std::string> Alert::TagValue(std::string_view key) const {
  for (const auto& t : tags) {
    if (t.size() > key.size() && t.compare(0, key.size(), key) == 0 && t[key.size()] == ':') {
      return t.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

std::string CanonicalScope(std::vector<std::string> pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::string out;
  for (const auto& p : pairs) {
    if (p.empty()) continue;
    if (!out.empty()) out.push_back(',');
    out += p;
  }
  return out;
}

void NormalizeTags(std::vector<std::string>& tags) {
  for (auto& t : tags) {
    auto b = t.find_first_not_of(" \t");
    auto e = t.find_last_not_of(" \t");
    t = b == std::string::npos ? "" : t.substr(b, e - b + 1);
  }
  tags.erase(std::remove(tags.begin(), tags.end(), ""), tags.end());
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
}

}  // namespace tocsin::core
