#include "api/v2/auth.hpp"

#include "common/base64.hpp"

#include "common/random.hpp"

namespace tocsin::api::v2 {

core::Actor ActorFor(const std::string& handle) { return core::Actor{NameUuid(handle), handle}; }

Result<Principal> Authenticate(core::Store& store, const http::Request& request) {
  const std::string* api_key = request.Header("dd-api-key");
  const std::string* app_key = request.Header("dd-application-key");
  if (!api_key || !app_key || api_key->empty() || app_key->empty()) {
    return MakeError(ErrorCode::kUnauthenticated, "Unauthorized");
  }
  auto api = store.FindKeyByApiHash(Sha256Hex(*api_key));
  if (!api) return tl::unexpected(api.error());
  if (!*api || (*api)->kind != "api") return MakeError(ErrorCode::kPermissionDenied, "Forbidden");
  auto app = store.FindKeyByAppHash(Sha256Hex(*app_key));
  if (!app) return tl::unexpected(app.error());
  if (!*app) return MakeError(ErrorCode::kPermissionDenied, "Forbidden");
  // The application key carries the scope (as Datadog's application keys do);
  // a scope this binary does not know grants the least.
  return Principal{ActorFor((*app)->user_handle), (*app)->id, ParseScope((*app)->scope).value_or(Scope::kRead)};
}

bool RateLimiter::Admit(const std::string& key, TimePoint now, http::Response& out) {
  std::int64_t period = std::max<std::int64_t>(1, period_.count());
  std::int64_t now_s = ToUnixMicros(now) / 1000000;
  std::int64_t window_start = now_s - now_s % period;
  int remaining;
  bool admitted;
  {
    std::lock_guard lock(mu_);
    if (windows_.size() > 100000) windows_.clear();  // bound memory under key churn
    Window& w = windows_[key];
    if (w.start != window_start) w = Window{window_start, 0};
    admitted = w.used < limit_;
    if (admitted) ++w.used;
    remaining = limit_ - w.used;
  }
  out.headers.emplace_back("X-RateLimit-Limit", std::to_string(limit_));
  out.headers.emplace_back("X-RateLimit-Period", std::to_string(period));
  out.headers.emplace_back("X-RateLimit-Remaining", std::to_string(std::max(0, remaining)));
  out.headers.emplace_back("X-RateLimit-Reset", std::to_string(window_start + period - now_s));
  out.headers.emplace_back("X-RateLimit-Name", "incidents");
  return admitted;
}

std::optional<std::pair<std::string, std::string>> BasicCredentials(const http::Request& request) {
  const std::string* header = request.Header("authorization");
  if (!header || header->size() < 6) return std::nullopt;
  std::string scheme = header->substr(0, 6);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic ") return std::nullopt;
  auto decoded = Base64Decode(std::string_view(*header).substr(6));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

}  // namespace tocsin::api::v2
