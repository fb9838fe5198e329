// ParseDuration: the one duration syntax used across the configuration file.

#include <cstdint>
#include <limits>

#include "config/config_loader.hpp"

namespace tocsin::config {
namespace {

std::int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 'd':
      return 86400;
    case 'h':
      return 3600;
    case 'm':
      return 60;
    case 's':
      return 1;
    default:
      return 0;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Keeps sums far below int64 overflow; no sane timeout is near a century.
constexpr std::int64_t kMaxSeconds = std::int64_t{100} * 365 * 86400;

}  // namespace

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;

  std::int64_t total = 0;
  std::int64_t previous_unit = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) return std::nullopt;  // also rejects '-' and '+'
    std::int64_t number = 0;
    while (i < text.size() && IsDigit(text[i])) {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxSeconds) return std::nullopt;
      ++i;
    }
    std::int64_t unit = 1;
    if (i < text.size()) {
      unit = UnitSeconds(text[i]);
      // Each unit once and largest first, so "30m1h" or "1m1m" (likely typos) are refused.
      if (unit == 0 || unit >= previous_unit) return std::nullopt;
      previous_unit = unit;
      ++i;
    } else if (previous_unit != std::numeric_limits<std::int64_t>::max()) {
      return std::nullopt;  // "1h30": a trailing bare number is ambiguous
    }
    if (number > kMaxSeconds / unit) return std::nullopt;
    total += number * unit;
    if (total > kMaxSeconds) return std::nullopt;
  }
  return std::chrono::seconds(total);
}

}  // namespace tocsin::config
