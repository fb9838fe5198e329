#pragma once
// Text for HTML and XML: '&', '<', '>', '"' and '\'' as entities, so that the
// result is safe in element content and in quoted attribute values, and
// well-formed XML (used by the web UI and the weekly review's HTML).

#include <string>
#include <string_view>

namespace tocsin {

std::string HtmlEscape(std::string_view in);

}  // namespace tocsin
