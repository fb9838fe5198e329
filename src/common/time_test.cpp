#include "common/time.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace tocsin {
namespace {

TEST(Time, FormatsAsDatadogDoes) {
  auto t = ParseRfc3339("2024-05-01T10:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2024-05-01T10:00:00.000000+00:00");
}

// The printf form FormatRfc3339 had before it was written digit by digit.
std::string PrintfRfc3339(TimePoint t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  auto tod = t - days;
  auto h = duration_cast<hours>(tod);
  auto m = duration_cast<minutes>(tod - h);
  auto s = duration_cast<seconds>(tod - h - m);
  auto us = duration_cast<microseconds>(tod - h - m - s);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld+00:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                static_cast<int>(m.count()), static_cast<int>(s.count()), static_cast<long long>(us.count()));
  return buf;
}

TEST(Time, FormatsEveryInstantAsPrintfDid) {
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> samples = {0, -1, 1, 999999, 86399999999, 253402300799999999, 253402300800000000,
                                       -62135596800000000, -62135596800000001, -62167219200000000,
                                       -62167219200000001, std::numeric_limits<std::int64_t>::max() / 2,
                                       std::numeric_limits<std::int64_t>::min() / 2};
  for (int k = 0; k < 20000; ++k) {
    // Mostly around today, some anywhere in +-5000 years.
    std::int64_t span = k % 4 == 0 ? 5000LL * 366 * 86400 * 1000000 : 200LL * 366 * 86400 * 1000000;
    samples.push_back(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(2 * span)) - span +
                      (k % 4 == 0 ? 0 : 1714557600000000));
  }
  for (std::int64_t us : samples) {
    TimePoint t = FromUnixMicros(us);
    ASSERT_EQ(FormatRfc3339(t), PrintfRfc3339(t)) << us;
    std::string appended = "x";
    AppendRfc3339(appended, t);
    ASSERT_EQ(appended, "x" + PrintfRfc3339(t)) << us;
  }
}

TEST(Time, ParsesOffsetsAndFractions) {
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-05-01T12:00:00.5+02:00")), "2024-05-01T10:00:00.500000+00:00");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2015-07-17T08:42:58.315+0000")), "2015-07-17T08:42:58.315000+00:00");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2022-01-13T12:51:46.655812+00:00")), "2022-01-13T12:51:46.655812+00:00");
}

TEST(Time, RejectsNonsense) {
  for (const char* bad : {"", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-05-01T25:00:00Z",
                          "2024-05-01T10:00:00+2", "1900-01-01T00:00:00Z", "2024-05-01T10:00:00Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

// Found by fuzz/rfc3339.cpp: the year range is checked on the UTC instant, so
// everything accepted formats to text that parses back to the same instant.
TEST(Time, RejectsInstantsOutsideTheYearRangeAfterTheOffset) {
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00+20:00"));  // 1969-12-31T04:00:00Z
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59-00:01"));  // year 10000 in UTC
  for (const char* good : {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00-01:00", "9999-12-31T23:59:59.999999Z",
                           "9999-12-31T23:59:59+01:00", "2024-01-01T23:59:60Z"}) {
    auto t = ParseRfc3339(good);
    ASSERT_TRUE(t) << good;
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(*t)), t) << good;
  }
}

}  // namespace
}  // namespace tocsin
