#include "api/v2/errors.hpp"

#include <nlohmann/json.hpp>

namespace tocsin::api::v2 {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::Response ErrorResponse(int status, const std::string& message) {
  nlohmann::json body{{"errors", nlohmann::json::array({message})}};
  return http::Response::Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response ErrorResponse(const Error& error) {
  http::Response r = ErrorResponse(HttpStatus(error.code), error.message);
  // Unavailable (storage busy, a full disk, a failed sync): worth trying again
  // shortly, and clients and proxies that honour Retry-After should.
  if (error.code == ErrorCode::kUnavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace tocsin::api::v2
