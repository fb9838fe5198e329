#include "common/ip_network.hpp"

#include <gtest/gtest.h>

namespace tocsin {
namespace {

std::vector<IpNetwork> Nets(std::initializer_list<const char*> texts) {
  std::vector<IpNetwork> out;
  for (const char* t : texts) {
    auto n = ParseIpNetwork(t);
    EXPECT_TRUE(n) << t;
    if (n) out.push_back(*n);
  }
  return out;
}

TEST(IpNetwork, ParsesAddressesAndCidr) {
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::1/129", "1.2.3", "10.0.0.1 "}) {
    EXPECT_FALSE(ParseIpNetwork(bad)) << bad;
  }
  EXPECT_EQ(ParseIpNetwork("10.0.0.0/8")->prefix, 8);
  EXPECT_EQ(ParseIpNetwork("::1")->prefix, 128);
}

TEST(IpNetwork, MatchesPeersWithTheirPort) {
  auto nets = Nets({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.1.128/25"});
  EXPECT_TRUE(InAnyNetwork(nets, "127.0.0.1:51234", true));
  EXPECT_FALSE(InAnyNetwork(nets, "127.0.0.2:51234", true));
  EXPECT_TRUE(InAnyNetwork(nets, "10.200.3.4:1", true));
  EXPECT_FALSE(InAnyNetwork(nets, "11.0.0.1:1", true));
  EXPECT_TRUE(InAnyNetwork(nets, "fd12::7:8080", true));
  EXPECT_FALSE(InAnyNetwork(nets, "fe80::1:8080", true));
  EXPECT_TRUE(InAnyNetwork(nets, "::ffff:10.1.1.1:443", true));  // IPv4-mapped
  EXPECT_TRUE(InAnyNetwork(nets, "192.168.1.200:1", true));
  EXPECT_FALSE(InAnyNetwork(nets, "192.168.1.100:1", true));
  EXPECT_FALSE(InAnyNetwork(nets, "", true));
  EXPECT_FALSE(InAnyNetwork({}, "127.0.0.1:1", true));
  EXPECT_TRUE(InAnyNetwork(nets, "127.0.0.1", false));
}

}  // namespace
}  // namespace tocsin
