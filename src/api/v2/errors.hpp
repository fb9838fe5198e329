#pragma once
// The one place where error codes become HTTP statuses, and the Datadog error
// body {"errors": ["..."]}.

#include <string>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

int HttpStatus(ErrorCode code);
http::Response ErrorResponse(int status, const std::string& message);
http::Response ErrorResponse(const Error& error);

}  // namespace tocsin::api::v2
