#pragma once
// Result<T>: the return type of every operation that can fail in an expected way.
// Errors carry a protocol-neutral code; the HTTP layer maps codes to status codes
// in exactly one place (api/v2/errors.cpp).

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace tocsin {

enum class ErrorCode {
  kInvalidArgument,   // the caller sent something malformed or out of range
  kNotFound,          // the named thing does not exist
  kConflict,          // the change conflicts with the current state
  kUnauthenticated,   // no credentials
  kPermissionDenied,  // wrong credentials
  kResourceExhausted, // rate limited or too large
  kUnavailable,       // a dependency (storage) is down; retrying may help
  kInternal,          // a bug or an unexpected failure of a dependency
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline tl::unexpected<Error> InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}
inline tl::unexpected<Error> NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}

}  // namespace tocsin
