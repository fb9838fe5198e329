#pragma once
// Passwords of people (web UI sign-in): Argon2id through libsodium's
// crypto_pwhash_str, whose encoded form carries its own salt and costs.
// libsodium's header stays in password.cpp.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tocsin {

// Refuses passwords shorter than kMinPasswordLength or longer than
// kMaxPasswordLength bytes (kInvalidArgument naming the rule).
inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 1024;
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches the encoded hash. A malformed hash matches
// nothing.
bool VerifyPassword(const std::string& encoded_hash, std::string_view password);

// Spends the time a verification would, for unknown handles, so that timing
// does not tell which handles have a password.
void VerifyNothing(std::string_view password);

// Constant-time comparison of two secrets of any length.
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace tocsin
