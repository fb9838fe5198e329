#pragma once
// Sessions for people (the web UI): sign-in with a handle and a password set
// by `tocsin users set-password`, a server-side session named by a random
// 256-bit token in the `tocsin_session` cookie (only its SHA-256 is stored),
// a CSRF token derived from the session token (HMAC), and sign-in attempts
// limited per handle and per address. A session's requests act as its user,
// with the same Actor an API key of that user gives.

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <semaphore>
#include <optional>
#include <string>

#include "api/v2/config_ref.hpp"
#include "common/clock.hpp"
#include "common/ip_network.hpp"
#include "common/result.hpp"
#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/ports/store.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

inline constexpr const char* kSessionCookie = "tocsin_session";
inline constexpr const char* kCsrfHeader = "x-csrf-token";

struct SessionOptions {
  std::chrono::seconds lifetime = std::chrono::hours(12);  // server.session_lifetime when built from a config
  int max_failures = 5;  // failed sign-ins per handle, and per address, in `failure_window`
  std::chrono::seconds failure_window = std::chrono::minutes(15);
};

struct SignedIn {
  std::string handle;
  std::string token;  // the cookie's value
  std::string csrf_token;
  TimePoint expires{};
};

// A request's session: who, and the CSRF token its writes must carry.
struct SessionPrincipal {
  core::Actor actor;
  std::string csrf_token;
  std::string token_hash;
};

class Sessions {
 public:
  // options.lifetime is taken from config.server.session_lifetime.
  Sessions(core::Store& store, ConfigRef config, const Clock& clock, SessionOptions options = {});

  // kPermissionDenied for an unknown handle, a user without a password or a
  // wrong password (one message for all three); kResourceExhausted when the
  // handle or the address has failed too often lately.
  Result<SignedIn> SignIn(const std::string& handle, const std::string& password, const std::string& address);
  // The live session named by the request's cookie; empty when there is no
  // cookie, or it names no live session (expired, signed out, or its user no
  // longer configured).
  Result<std::optional<SessionPrincipal>> Find(const http::Request& request);
  Result<void> SignOut(const std::string& token_hash);

  // Sign-in by a trusted reverse proxy: the handle in server.auth_proxy_header
  // when the request's peer is one of server.auth_proxy_addresses; empty when
  // that is off, the peer is not the proxy (the header is then ignored), or
  // the header is absent. kPermissionDenied when it names no configured user.
  Result<std::optional<std::string>> ProxyUser(const http::Request& request) const;
  // A new session for `handle` (a configured user), as a sign-in makes.
  Result<SignedIn> Open(const std::string& handle);
  bool proxy_enabled() const { return !proxy_header_.empty(); }

  // Set-Cookie values: the session, and one that removes it.
  std::string SetCookie(const SignedIn& signed_in) const;
  std::string ClearCookie() const;

  static std::string CsrfFor(const std::string& token);
  // The value of one cookie of the request's Cookie header, if present.
  static std::optional<std::string> CookieValue(const http::Request& request, const std::string& name);
  // Methods that change nothing need no CSRF token.
  static bool IsSafeMethod(const std::string& method);

 private:
  bool TooManyFailures(const std::string& key, TimePoint now);
  void RecordFailure(const std::string& key, TimePoint now);

  core::Store& store_;
  ConfigRef config_;
  const Clock& clock_;
  SessionOptions options_;
  bool secure_;
  std::string proxy_header_;  // lower-case; empty: no proxy sign-in
  std::vector<IpNetwork> proxy_networks_;
  std::mutex mu_;
  std::map<std::string, std::deque<TimePoint>> failures_;
  // Argon2id costs 64 MiB and ~0.1 s per check: at most a few at once, so a
  // flood of sign-ins cannot take the server's memory or every worker.
  std::counting_semaphore<64> verifying_{2};
};

}  // namespace tocsin::api::v2
