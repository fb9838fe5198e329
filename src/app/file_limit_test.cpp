#include "app/file_limit.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

namespace tocsin::app {
namespace {

TEST(RaiseOpenFileLimit, RaisesTheSoftLimitToTheHardLimit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= 256) GTEST_SKIP() << "hard limit too low to lower";
  rlimit lowered = saved;
  lowered.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  std::uint64_t now = RaiseOpenFileLimit();
  rlimit after{};
  getrlimit(RLIMIT_NOFILE, &after);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_GT(now, 256u);
  EXPECT_EQ(static_cast<std::uint64_t>(after.rlim_cur), now);
  if (saved.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(after.rlim_cur, saved.rlim_max);
  }
}

}  // namespace
}  // namespace tocsin::app
