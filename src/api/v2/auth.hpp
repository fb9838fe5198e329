#pragma once
// Authentication (Datadog's DD-API-KEY + DD-APPLICATION-KEY pair) and
// per-key rate limiting with Datadog's X-RateLimit-* headers.
// Keys are looked up in the store on every request, so keys made or revoked
// by `tocsin keys` while the server runs take effect at once.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <string>

#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/ports/store.hpp"
#include "api/v2/router.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

// The user a request acts as.
struct Principal {
  core::Actor actor;
  std::string key_id;
  Scope scope = Scope::kRead;  // what the key may do (a person signed in: everything)
};

// kUnauthenticated when a header is missing, kPermissionDenied when a key is
// wrong or revoked.
Result<Principal> Authenticate(core::Store& store, const http::Request& request);

// The user and password of an `Authorization: Basic` header; nullopt when
// there is none or it does not decode to "user:password".
std::optional<std::pair<std::string, std::string>> BasicCredentials(const http::Request& request);

// Makes an actor for a user handle: uuid derived from the handle.
core::Actor ActorFor(const std::string& handle);

class RateLimiter {
 public:
  RateLimiter(int limit, std::chrono::seconds period) : limit_(limit), period_(period) {}
  // Counts one request for `key` at `now`; false when over the limit.
  // Always fills the X-RateLimit-* headers.
  bool Admit(const std::string& key, TimePoint now, http::Response& headers_out);

 private:
  struct Window {
    std::int64_t start = 0;
    int used = 0;
  };
  int limit_;
  std::chrono::seconds period_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

}  // namespace tocsin::api::v2
