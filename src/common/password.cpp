#include "common/password.hpp"

#include <sodium.h>

namespace tocsin {
namespace {

bool Init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument("password: must be at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  if (password.size() > kMaxPasswordLength) {
    return InvalidArgument("password: must be at most " + std::to_string(kMaxPasswordLength) + " bytes");
  }
  if (!Init()) return MakeError(ErrorCode::kInternal, "libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kUnavailable, "password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& encoded_hash, std::string_view password) {
  if (!Init() || password.size() > kMaxPasswordLength) return false;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

void VerifyNothing(std::string_view password) {
  static const std::string dummy = [] {
    auto h = HashPassword("tocsin-no-such-user-password");
    return h ? *h : std::string();
  }();
  (void)VerifyPassword(dummy, password);
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  if (!Init()) return false;
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tocsin
