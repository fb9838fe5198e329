#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tocsin::config {
namespace {

LoadResult Load(std::string_view yaml) {
  return LoadConfigString(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  });
}

TEST(ServerSection, MaxConnections) {
  auto set = Load("server:\n  max_connections: 100\n  idle_timeout: 5s\n");
  ASSERT_TRUE(set.problems.empty()) << set.problems.front().ToString();
  EXPECT_EQ(set.config.server.max_connections, 100);
  EXPECT_EQ(set.config.server.idle_timeout, std::chrono::seconds(5));
  auto unset = Load("server:\n  listen: 127.0.0.1:0\n");
  ASSERT_TRUE(unset.problems.empty()) << unset.problems.front().ToString();
  EXPECT_EQ(unset.config.server.max_connections, 4096);
  for (const char* bad : {"0", "-1", "many", "2000000"}) {
    auto r = Load(std::string("server:\n  max_connections: ") + bad + "\n");
    ASSERT_FALSE(r.problems.empty()) << bad;
    EXPECT_NE(r.problems.front().ToString().find("server.max_connections"), std::string::npos)
        << r.problems.front().ToString();
  }
}

TEST(ServerSection, SessionLifetime) {
  EXPECT_EQ(Load("server:\n  listen: 127.0.0.1:0\n").config.server.session_lifetime, std::chrono::hours(12));
  auto set = Load("server:\n  session_lifetime: 8h\n");
  ASSERT_TRUE(set.problems.empty()) << set.problems.front().ToString();
  EXPECT_EQ(set.config.server.session_lifetime, std::chrono::hours(8));
  for (const char* bad : {"0s", "soon", "1000h"}) {
    auto r = Load(std::string("server:\n  session_lifetime: ") + bad + "\n");
    ASSERT_FALSE(r.problems.empty()) << bad;
    EXPECT_NE(r.problems.front().ToString().find("session_lifetime"), std::string::npos) << r.problems.front().ToString();
  }
}

TEST(ServerSection, AuthProxy) {
  auto unset = Load("server:\n  listen: 127.0.0.1:0\n");
  EXPECT_EQ(unset.config.server.auth_proxy_header, "");
  auto set = Load("server:\n  auth_proxy_header: X-Forwarded-User\n  auth_proxy_addresses: [127.0.0.1, 10.0.0.0/8, '::1']\n");
  ASSERT_TRUE(set.problems.empty()) << set.problems.front().ToString();
  EXPECT_EQ(set.config.server.auth_proxy_header, "X-Forwarded-User");
  EXPECT_EQ(set.config.server.auth_proxy_addresses, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "::1"}));
  struct Bad {
    const char* yaml;
    const char* says;
  };
  for (const Bad& bad : {Bad{"  auth_proxy_header: X-Forwarded-User\n", "needs server.auth_proxy_addresses"},
                         Bad{"  auth_proxy_header: 'X User'\n  auth_proxy_addresses: [127.0.0.1]\n", "HTTP header name"},
                         Bad{"  auth_proxy_header: X-User\n  auth_proxy_addresses: [proxy.local]\n",
                             "'proxy.local' is not an IP address or network"},
                         Bad{"  auth_proxy_header: X-User\n  auth_proxy_addresses: [10.0.0.0/40]\n", "10.0.0.0/40"}}) {
    auto r = Load(std::string("server:\n") + bad.yaml);
    ASSERT_FALSE(r.problems.empty()) << bad.yaml;
    EXPECT_NE(r.problems.front().ToString().find(bad.says), std::string::npos) << r.problems.front().ToString();
  }
}

}  // namespace
}  // namespace tocsin::config
