#include "notify/text.hpp"

#include <cctype>
#include <cstring>

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

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The element name of a tag's text ("/td", "br", "svg").
std::string TagName(std::string_view tag) {
  std::size_t end = 0;
  while (end < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[end])) || (end == 0 && tag[end] == '/'))) {
    ++end;
  }
  return Lower(tag.substr(0, end));
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  static const char* kDropped[] = {"style", "script", "svg", "head"};
  static const char* kBreaks[] = {"br", "/p", "/div", "/tr", "/li", "/h1", "/h2", "/h3", "/h4", "/table", "/ul", "/section"};
  std::string raw;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      char c = html[i++];
      raw += c == '\n' ? ' ' : c;
      continue;
    }
    std::size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;
    std::string name = TagName(html.substr(i + 1, close - i - 1));
    i = close + 1;
    bool dropped = false;
    for (const char* d : kDropped) {
      if (name == d) {
        std::string lower_rest = Lower(html.substr(i));
        std::size_t end = lower_rest.find(std::string("</") + d);
        i = end == std::string::npos ? html.size() : html.find('>', i + end) + 1;
        dropped = true;
        break;
      }
    }
    if (dropped) continue;
    for (const char* b : kBreaks) {
      if (name == b) raw += '\n';
    }
    if (name == "/td" || name == "/th") raw += " | ";
    if (name == "li") raw += "- ";
  }
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}};
  for (const auto& [entity, ch] : kEntities) {
    for (std::size_t at = raw.find(entity); at != std::string::npos; at = raw.find(entity, at + 1)) {
      raw.replace(at, std::strlen(entity), ch);
    }
  }
  // Trim each line; at most one blank line in a row.
  std::string out;
  std::size_t pos = 0;
  bool blank = true;
  while (pos <= raw.size()) {
    std::size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(pos, end - pos);
    pos = end + 1;
    std::size_t a = line.find_first_not_of(' ');
    std::size_t b = line.find_last_not_of(" |");
    line = a == std::string::npos ? "" : line.substr(a, b - a + 1);
    std::string squeezed;
    for (char c : line) {
      if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
      squeezed += c;
    }
    if (squeezed.empty()) {
      if (!blank) out += '\n';
      blank = true;
      continue;
    }
    out += squeezed + '\n';
    blank = false;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace tocsin::notify
