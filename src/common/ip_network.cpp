#include "common/ip_network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace tocsin {
namespace {

std::optional<IpNetwork> ParseAddress(const std::string& text) {
  IpNetwork n;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memcpy(n.bytes.data(), &v4, 4);
    n.prefix = 32;
    return n;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(&v6, kMapped, 12) == 0) {  // ::ffff:a.b.c.d is IPv4
      std::memcpy(n.bytes.data(), reinterpret_cast<const unsigned char*>(&v6) + 12, 4);
      n.prefix = 32;
      return n;
    }
    n.v6 = true;
    std::memcpy(n.bytes.data(), &v6, 16);
    n.prefix = 128;
    return n;
  }
  return std::nullopt;
}

bool Contains(const IpNetwork& net, const IpNetwork& addr) {
  if (net.v6 != addr.v6) return false;
  int full = net.prefix / 8;
  if (std::memcmp(net.bytes.data(), addr.bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
  int rest = net.prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net.bytes[static_cast<std::size_t>(full)] & mask) == (addr.bytes[static_cast<std::size_t>(full)] & mask);
}

}  // namespace

std::optional<IpNetwork> ParseIpNetwork(std::string_view text) {
  std::size_t slash = text.find('/');
  auto n = ParseAddress(std::string(text.substr(0, slash)));
  if (!n) return std::nullopt;
  if (slash == std::string_view::npos) return n;
  std::string_view digits = text.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || prefix < 0 || prefix > n->prefix) {
    return std::nullopt;
  }
  n->prefix = prefix;
  return n;
}

bool InAnyNetwork(const std::vector<IpNetwork>& networks, std::string_view address, bool with_port) {
  if (with_port) {
    std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    address = address.substr(0, colon);
  }
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  auto peer = ParseAddress(std::string(address));
  if (!peer) return false;
  for (const auto& net : networks) {
    if (Contains(net, *peer)) return true;
  }
  return false;
}

}  // namespace tocsin
