#include "api/v2/sessions.hpp"

#include <cctype>

#include "api/v2/auth.hpp"
#include "common/password.hpp"
#include "common/random.hpp"

namespace tocsin::api::v2 {

Sessions::Sessions(core::Store& store, ConfigRef config, const Clock& clock, SessionOptions options)
    : store_(store),
      config_(config),
      clock_(clock),
      options_([&] {
        options.lifetime = config->server.session_lifetime;
        return options;
      }()),
      secure_(config->server.public_url.rfind("https://", 0) == 0) {
  for (char c : config->server.auth_proxy_header) {
    proxy_header_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const auto& a : config->server.auth_proxy_addresses) {
    if (auto n = ParseIpNetwork(a)) proxy_networks_.push_back(*n);  // the loader refused any other
  }
}

Result<std::optional<std::string>> Sessions::ProxyUser(const http::Request& request) const {
  if (proxy_header_.empty() || !InAnyNetwork(proxy_networks_, request.remote_address, true)) {
    return std::optional<std::string>();
  }
  const std::string* value = request.Header(proxy_header_);
  if (!value || value->empty()) return std::optional<std::string>();
  std::string handle = (*value)[0] == '@' ? value->substr(1) : *value;
  if (!config_->FindUser(handle)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     config_->server.auth_proxy_header + ": '" + *value + "' is not a configured user");
  }
  return std::optional<std::string>(handle);
}

Result<SignedIn> Sessions::Open(const std::string& handle) {
  TimePoint now = clock_.Now();
  SignedIn s;
  s.handle = handle;
  s.token = RandomHex(32);  // 256 bits
  s.csrf_token = CsrfFor(s.token);
  s.expires = now + options_.lifetime;
  if (auto stored = store_.CreateSession({Sha256Hex(s.token), handle, now, s.expires}); !stored) {
    return tl::unexpected(stored.error());
  }
  return s;
}

bool Sessions::TooManyFailures(const std::string& key, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  auto& q = it->second;
  while (!q.empty() && q.front() <= now - options_.failure_window) q.pop_front();
  if (q.empty()) {
    failures_.erase(it);
    return false;
  }
  return static_cast<int>(q.size()) >= options_.max_failures;
}

void Sessions::RecordFailure(const std::string& key, TimePoint now) {
  std::lock_guard lock(mu_);
  if (failures_.size() > 100000) failures_.clear();  // bound memory under address churn
  auto& q = failures_[key];
  q.push_back(now);
  while (static_cast<int>(q.size()) > options_.max_failures) q.pop_front();
}

Result<SignedIn> Sessions::SignIn(const std::string& raw_handle, const std::string& password,
                                  const std::string& address) {
  std::string handle = !raw_handle.empty() && raw_handle[0] == '@' ? raw_handle.substr(1) : raw_handle;
  TimePoint now = clock_.Now();
  std::string handle_key = "handle:" + handle;
  // "10.0.0.7:51234" -> "10.0.0.7" ("::1:51234" -> "::1"): limited per client, not per connection.
  std::string address_key = "address:" + address.substr(0, address.rfind(':'));
  if (TooManyFailures(handle_key, now) || TooManyFailures(address_key, now)) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(options_.failure_window).count();
    return MakeError(ErrorCode::kResourceExhausted,
                     "too many failed sign-ins for this handle or from this address; try again in up to " +
                         std::to_string(minutes) + " minutes");
  }
  std::optional<std::string> hash;
  if (config_->FindUser(handle)) {
    auto stored = store_.GetPasswordHash(handle);
    if (!stored) return tl::unexpected(stored.error());
    hash = *stored;
  }
  bool ok = false;
  verifying_.acquire();
  if (hash) {
    ok = VerifyPassword(*hash, password);
  } else {
    VerifyNothing(password);
  }
  verifying_.release();
  if (!ok) {
    RecordFailure(handle_key, now);
    RecordFailure(address_key, now);
    return MakeError(ErrorCode::kPermissionDenied, "handle or password is wrong");
  }
  {
    std::lock_guard lock(mu_);
    failures_.erase(handle_key);
  }
  return Open(handle);
}

Result<std::optional<SessionPrincipal>> Sessions::Find(const http::Request& request) {
  auto token = CookieValue(request, kSessionCookie);
  if (!token || token->size() != 64) return std::optional<SessionPrincipal>();
  std::string token_hash = Sha256Hex(*token);
  auto found = store_.FindSession(token_hash, clock_.Now());
  if (!found) return tl::unexpected(found.error());
  if (!*found || !config_->FindUser((*found)->user_handle)) return std::optional<SessionPrincipal>();
  return std::optional<SessionPrincipal>(SessionPrincipal{ActorFor((*found)->user_handle), CsrfFor(*token), token_hash});
}

Result<void> Sessions::SignOut(const std::string& token_hash) { return store_.DeleteSession(token_hash); }

std::string Sessions::SetCookie(const SignedIn& s) const {
  return std::string(kSessionCookie) + "=" + s.token + "; Path=/; Max-Age=" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.lifetime).count()) +
         "; HttpOnly; SameSite=Lax" + (secure_ ? "; Secure" : "");
}

std::string Sessions::ClearCookie() const {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure_ ? "; Secure" : "");
}

std::string Sessions::CsrfFor(const std::string& token) { return HmacSha256Hex(token, "tocsin csrf token"); }

std::optional<std::string> Sessions::CookieValue(const http::Request& request, const std::string& name) {
  const std::string* header = request.Header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest(*header);
  while (!rest.empty()) {
    std::size_t end = rest.find(';');
    std::string_view item = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    if (item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
  }
  return std::nullopt;
}

bool Sessions::IsSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

}  // namespace tocsin::api::v2
