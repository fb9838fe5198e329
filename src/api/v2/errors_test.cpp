// Error codes become HTTP statuses in one place; an unavailable store (busy,
// disk full, a failed sync) answers 503 with Retry-After.

#include "api/v2/errors.hpp"

#include <gtest/gtest.h>

namespace tocsin::api::v2 {
namespace {

TEST(ErrorResponse, UnavailableIs503WithRetryAfter) {
  auto r = ErrorResponse(Error{ErrorCode::kUnavailable, "database is locked"});
  EXPECT_EQ(r.status, 503);
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after |= k == "Retry-After" && v == "1";
  EXPECT_TRUE(retry_after);
  EXPECT_NE(r.body.find("database is locked"), std::string::npos);
}

TEST(ErrorResponse, OtherErrorsCarryNoRetryAfter) {
  for (auto code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kConflict, ErrorCode::kInternal}) {
    auto r = ErrorResponse(Error{code, "x"});
    for (const auto& [k, v] : r.headers) EXPECT_NE(k, "Retry-After");
  }
}

}  // namespace
}  // namespace tocsin::api::v2
