#include "common/link_url.hpp"

namespace tocsin {
namespace {

constexpr std::string_view kAllowed = "use an http:// or https:// URL, or a path on this site starting with '/'";

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSchemeChar(char c) { return IsAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string> LinkUrlProblem(std::string_view url) {
  if (url.empty()) return "must not be empty";
  if (url.size() > kMaxLinkUrlBytes) return "longer than " + std::to_string(kMaxLinkUrlBytes) + " bytes";
  // Browsers drop tabs and newlines inside a URL ("java\tscript:") and trim
  // spaces around it, so a URL with any of them is not what it looks like.
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ') {
      return std::string("contains a space or a control character (write spaces as %20)");
    }
  }
  if (url.front() == '/') {
    // "//host/x" and "/\host/x" leave the site: browsers read both as another host.
    if (url.size() > 1 && (url[1] == '/' || url[1] == '\\')) {
      return "'" + std::string(url.substr(0, 2)) + "' starts a link to another host; " + std::string(kAllowed);
    }
    return std::nullopt;
  }
  std::size_t colon = url.find(':');
  bool has_scheme = colon != std::string_view::npos && colon > 0 && IsAlpha(url.front());
  for (std::size_t k = 0; has_scheme && k < colon; ++k) has_scheme = IsSchemeChar(url[k]);
  if (!has_scheme) return "'" + std::string(url.substr(0, 64)) + "' is not a URL; " + std::string(kAllowed);
  std::string scheme;
  for (char c : url.substr(0, colon)) scheme += Lower(c);
  if (scheme != "http" && scheme != "https") {
    return "scheme '" + scheme + "' is not allowed; " + std::string(kAllowed);
  }
  std::string_view rest = url.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return "an " + scheme + " URL must continue with '//' and a host";
  std::string_view authority = rest.substr(2);
  authority = authority.substr(0, authority.find_first_of("/?#\\"));
  std::size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') return "an " + scheme + " URL must name a host";
  return std::nullopt;
}

}  // namespace tocsin
