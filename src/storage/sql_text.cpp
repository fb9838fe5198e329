#include "storage/sql_text.hpp"

#include <algorithm>

namespace tocsin::storage {

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    std::string one = line;
    std::replace(one.begin(), one.end(), '\n', ' ');
    out += (out.empty() ? "" : "\n") + one;
  }
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string LikePattern(const std::string& v) {
  std::string out = "%";
  for (char c : v) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

}  // namespace tocsin::storage
