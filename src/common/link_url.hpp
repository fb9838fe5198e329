#pragma once
// Which URLs Tocsin accepts as links people click (incident attachments,
// runbooks, dashboards): http and https URLs with a host, and paths on this
// site ("/dashboard/checkout"). Everything else is refused, above all the
// schemes a browser would run or render (javascript:, data:, vbscript:).
// Free of the domain, so the config loader, the use cases and the API can all
// ask the same question.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tocsin {

inline constexpr std::size_t kMaxLinkUrlBytes = 2048;

// nullopt when `url` is acceptable; otherwise what is wrong with it, without
// the field name ("must not be empty", "scheme 'javascript' is not allowed
// (...)"), for the caller to prefix with the field it came from.
std::optional<std::string> LinkUrlProblem(std::string_view url);

}  // namespace tocsin
