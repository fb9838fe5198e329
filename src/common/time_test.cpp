#include "common/time.hpp"

#include <gtest/gtest.h>

namespace tocsin {
namespace {

TEST(Time, FormatsAsDatadogDoes) {
  auto t = ParseRfc3339("2024-05-01T10:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2024-05-01T10:00:00.000000+00:00");
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

}  // namespace
}  // namespace tocsin
