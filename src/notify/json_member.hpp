#pragma once
// Reading a receiver's JSON answer without trusting its types: nlohmann's
// value() throws when a member has another type than the default's
// ({"message": 5}), and an answer is whatever the receiver sent.

#include <nlohmann/json.hpp>

#include <string>

namespace tocsin::notify {

// The string member `key` of `answer`, or `fallback` when `answer` is not an
// object or the member is missing or not a string.
inline std::string StringMember(const nlohmann::json& answer, const char* key, const std::string& fallback = "") {
  if (!answer.is_object()) return fallback;
  auto it = answer.find(key);
  return it != answer.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace tocsin::notify
