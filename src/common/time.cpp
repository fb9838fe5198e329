#include "common/time.hpp"

#include <cctype>
#include <cstdio>

namespace tocsin {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

void AppendRfc3339(std::string& out, TimePoint t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  auto tod = t - days;
  auto h = duration_cast<hours>(tod);
  auto m = duration_cast<minutes>(tod - h);
  auto s = duration_cast<seconds>(tod - h - m);
  auto us = duration_cast<microseconds>(tod - h - m - s);
  int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999) {
    // The common case without printf: it is on every API answer's hot path.
    char buf[32] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0',
                    ':', '0', '0', '.', '0', '0', '0', '0', '0', '0', '+', '0', '0', ':', '0', '0'};
    auto put = [&buf](std::size_t end, long long v, int width) {
      for (int k = 0; k < width; ++k, v /= 10) buf[end - 1 - static_cast<std::size_t>(k)] = static_cast<char>('0' + v % 10);
    };
    put(4, year, 4);
    put(7, static_cast<unsigned>(ymd.month()), 2);
    put(10, static_cast<unsigned>(ymd.day()), 2);
    put(13, h.count(), 2);
    put(16, m.count(), 2);
    put(19, s.count(), 2);
    put(26, us.count(), 6);
    out.append(buf, sizeof buf);
    return;
  }
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld+00:00", year,
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                        static_cast<int>(m.count()), static_cast<int>(s.count()), static_cast<long long>(us.count()));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string FormatRfc3339(TimePoint t) {
  std::string out;
  out.reserve(32);
  AppendRfc3339(out, t);
  return out;
}

std::optional<TimePoint> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, hh, mm, ss;
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, hh) ||
      s[13] != ':' || !Digits(s, 14, 2, mm) || s[16] != ':' || !Digits(s, 17, 2, ss)) {
    return std::nullopt;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::size_t pos = 19;
  long long frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 6) frac_us = frac_us * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) frac_us *= 10;
  }
  int offset_min = 0;
  if (pos < s.size()) {
    char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, oh)) return std::nullopt;
      std::size_t p2 = pos + 3;
      if (p2 < s.size() && s[p2] == ':') ++p2;
      if (!Digits(s, p2, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = (oh * 60 + om) * (c == '-' ? -1 : 1);
      pos = p2 + 2;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  auto tp = sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{frac_us} - minutes{offset_min};
  // The year range applies to the instant (UTC), not to the local text: a time
  // accepted here must format to text that parses again (fuzz_rfc3339 found
  // "1970-01-01T00:00:00+20:00", which is 1969 and did not read back).
  if (tp < sys_days{year{1970} / January / 1} || tp >= sys_days{year{10000} / January / 1}) return std::nullopt;
  return time_point_cast<Micros>(tp);
}

}  // namespace tocsin
