#include "notify/text.hpp"

namespace tocsin::notify {

std::string EscapeMrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string TruncateMrkdwn(std::string_view escaped, std::size_t max_bytes) {
  if (escaped.size() <= max_bytes) return std::string(escaped);
  std::string_view marker = kTruncationMarker.size() > max_bytes ? std::string_view{} : kTruncationMarker;
  std::size_t cut = Utf8PrefixLength(escaped, max_bytes - marker.size());
  // An entity is at most 5 bytes ("&amp;"): a '&' among the last 4 kept bytes
  // with no ';' after it was cut in the middle.
  std::size_t from = cut >= 4 ? cut - 4 : 0;
  std::size_t amp = escaped.substr(from, cut - from).rfind('&');
  if (amp != std::string_view::npos && escaped.substr(from + amp, cut - from - amp).find(';') == std::string_view::npos) {
    cut = from + amp;
  }
  std::string out(escaped.substr(0, cut));
  out += marker;
  return out;
}

}  // namespace tocsin::notify
